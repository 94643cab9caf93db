//! Wake-ups of this process, for the idle modes: the context switches of all its threads, read
//! from `/proc/self/task/*/status` (`voluntary_ctxt_switches` + `nonvoluntary_ctxt_switches`),
//! and the one JSON line an idle run prints.
//!
//! A thread that sleeps and wakes up switches out once per sleep, so the switches over a window
//! count the wake-ups of every thread in it. A program measures a baseline window before its
//! client exists (its own main thread waiting the same way), then the same window with the client
//! connected and idle; the result is the difference per second. Threads that ended within a
//! window take their counts with them, which an idle client's threads do not do. Linux only: the
//! counts come from procfs, and anywhere else reading them fails.

use std::fs;
use std::time::{Duration, Instant};

/// Context switches of every thread of this process so far.
///
/// # Errors
/// When `/proc/self/task` cannot be read (not Linux, or no procfs).
pub fn context_switches() -> Result<u64, String> {
    let tasks = fs::read_dir("/proc/self/task")
        .map_err(|error| format!("/proc/self/task: {error} (the idle modes need Linux)"))?;
    let mut total = 0;
    for task in tasks.flatten() {
        // A thread may end between the listing and the read: it then counts for nothing.
        if let Ok(status) = fs::read_to_string(task.path().join("status")) {
            total += switches_in(&status);
        }
    }
    Ok(total)
}

/// Threads of this process now.
///
/// # Errors
/// When `/proc/self/task` cannot be read.
pub fn threads() -> Result<usize, String> {
    fs::read_dir("/proc/self/task")
        .map(|tasks| tasks.count())
        .map_err(|error| format!("/proc/self/task: {error}"))
}

/// The voluntary plus involuntary switches one `status` file reports.
fn switches_in(status: &str) -> u64 {
    status
        .lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            match name {
                "voluntary_ctxt_switches" | "nonvoluntary_ctxt_switches" => {
                    value.trim().parse::<u64>().ok()
                }
                _ => None,
            }
        })
        .sum()
}

/// A window being counted: its start and the switches at the start.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    started: Instant,
    switches: u64,
}

impl Window {
    /// Starts a window now.
    ///
    /// # Errors
    /// When the switches cannot be read.
    pub fn start() -> Result<Window, String> {
        Ok(Window {
            started: Instant::now(),
            switches: context_switches()?,
        })
    }

    /// Switches per second since the start.
    ///
    /// # Errors
    /// When the switches cannot be read.
    pub fn per_second(&self) -> Result<f64, String> {
        let switches = context_switches()?.saturating_sub(self.switches);
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        Ok(switches as f64 / seconds)
    }
}

/// What an idle run measured, printed as one JSON line.
#[derive(Debug, Clone)]
pub struct IdleOutcome {
    /// The client's name.
    pub client: &'static str,
    /// `idle-producer` or `idle-consumer`.
    pub mode: &'static str,
    /// The length of each window.
    pub window: Duration,
    /// Switches per second before the client existed.
    pub baseline_per_s: f64,
    /// Switches per second with the client connected and idle.
    pub idle_per_s: f64,
    /// Threads of the process with the client there.
    pub threads: usize,
    /// Threads of the process before the client existed.
    pub baseline_threads: usize,
}

impl IdleOutcome {
    /// The client's own wake-ups per second: the idle window's switches over the baseline's.
    pub fn wakeups_per_s(&self) -> f64 {
        (self.idle_per_s - self.baseline_per_s).max(0.0)
    }

    /// The JSON line, without a trailing newline.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"client\":\"{}\",\"mode\":\"{}\",\"window_s\":{:.3},\"wakeups_per_s\":{:.2},\
             \"idle_switches_per_s\":{:.2},\"baseline_switches_per_s\":{:.2},\"threads\":{},\
             \"baseline_threads\":{}}}",
            self.client,
            self.mode,
            self.window.as_secs_f64(),
            self.wakeups_per_s(),
            self.idle_per_s,
            self.baseline_per_s,
            self.threads,
            self.baseline_threads
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_counts_of_a_status_file() {
        let status = "Name:\tbench\nState:\tS (sleeping)\nvoluntary_ctxt_switches:\t120\n\
                      nonvoluntary_ctxt_switches:\t7\n";
        assert_eq!(switches_in(status), 127);
        assert_eq!(switches_in("Name:\tx\n"), 0);
    }

    #[test]
    fn a_sleeping_thread_counts_its_wake_ups() {
        let window = Window::start().unwrap();
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(1));
        }
        let rate = window.per_second().unwrap();
        // 20 sleeps in well under a second: at least 20 switches over the elapsed time.
        assert!(rate >= 20.0, "{rate}");
        assert!(threads().unwrap() >= 1);
    }

    #[test]
    fn the_client_wake_ups_are_over_the_baseline() {
        let outcome = IdleOutcome {
            client: "x",
            mode: "idle-consumer",
            window: Duration::from_secs(2),
            baseline_per_s: 1.5,
            idle_per_s: 4.0,
            threads: 5,
            baseline_threads: 1,
        };
        assert_eq!(outcome.wakeups_per_s(), 2.5);
        assert_eq!(
            outcome.to_json(),
            "{\"client\":\"x\",\"mode\":\"idle-consumer\",\"window_s\":2.000,\"wakeups_per_s\":2.50,\
             \"idle_switches_per_s\":4.00,\"baseline_switches_per_s\":1.50,\"threads\":5,\
             \"baseline_threads\":1}"
        );
    }
}
