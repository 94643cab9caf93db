//! Idle wake-ups: how often an idle client wakes its process. franzl's and librdkafka's programs
//! each run `idle-producer` (connected to the partition's leader, nothing sent) and
//! `idle-consumer` (partition 0 assigned at its end, waiting for records that never come) on a
//! topic of one partition that nothing writes to.
//!
//! A program counts its own threads' context switches (`/proc/self/task/*/status`) over a window
//! before its client exists and over the same window with the client idle; the figure is the
//! difference per second (see `bench/clients/src/wakeups.rs`). Windows are 10 s, 2 s with
//! `--quick`.

use super::client::Client;
use super::json::Object;
use super::run::{Runner, last_json_line};

/// The clients measured idle: franzl, and librdkafka to compare.
const IDLE_CLIENTS: [Client; 2] = [Client::Franzl, Client::Rdkafka];

/// Which client role idles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A connected producer with nothing to send.
    Producer,
    /// An assigned consumer with nothing to read.
    Consumer,
}

impl Role {
    /// The name in the report.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Producer => "producer",
            Role::Consumer => "consumer",
        }
    }

    fn mode(self) -> &'static str {
        match self {
            Role::Producer => "idle-producer",
            Role::Consumer => "idle-consumer",
        }
    }
}

/// What one idle run measured.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wakeups {
    /// Seconds of each window.
    pub(crate) window_s: f64,
    /// The client's wake-ups per second: the idle window's switches over the baseline's.
    pub(crate) wakeups_per_s: f64,
    /// Switches per second of the whole process with the client idle.
    pub(crate) idle_per_s: f64,
    /// Switches per second before the client existed.
    pub(crate) baseline_per_s: f64,
    /// Threads with the client there.
    pub(crate) threads: u64,
    /// Threads before the client existed.
    pub(crate) baseline_threads: u64,
}

impl Wakeups {
    /// Reads a program's idle line.
    ///
    /// # Errors
    /// When the line is not an idle result.
    pub(crate) fn from_line(line: &str) -> Result<Wakeups, String> {
        let object = Object::parse(line)?;
        let field = |key: &str| {
            object
                .number(key)
                .ok_or_else(|| format!("no {key} in {line:?}"))
        };
        Ok(Wakeups {
            window_s: field("window_s")?,
            wakeups_per_s: field("wakeups_per_s")?,
            idle_per_s: field("idle_switches_per_s")?,
            baseline_per_s: field("baseline_switches_per_s")?,
            threads: field("threads")? as u64,
            baseline_threads: field("baseline_threads")? as u64,
        })
    }
}

/// One row of the idle table.
#[derive(Debug, Clone)]
pub(crate) struct Idle {
    /// The client.
    pub(crate) client: Client,
    /// Its role.
    pub(crate) role: Role,
    /// The figures, or why there are none.
    pub(crate) measured: Result<Wakeups, String>,
}

/// Runs every idle measurement on a fresh topic named after `stamp`.
pub(crate) fn measure(
    runner: &Runner,
    rust_bin: &std::path::Path,
    stamp: &str,
    quick: bool,
) -> Vec<Idle> {
    let window = if quick { "2" } else { "10" };
    let topic = format!("bench-{stamp}-idle");
    let created = runner.create_topic(&topic, 1);
    let mut rows = Vec::new();
    for client in IDLE_CLIENTS {
        for role in [Role::Producer, Role::Consumer] {
            let measured = created.clone().and_then(|()| {
                let program = client.program(rust_bin, rust_bin).ok_or("no program")?;
                let args: Vec<String> = [
                    role.mode(),
                    "--bootstrap",
                    &runner.bootstrap,
                    "--topic",
                    &topic,
                    "--idle-s",
                    window,
                ]
                .map(String::from)
                .to_vec();
                let (stdout, _) = runner.measured(&program.to_string_lossy(), &args)?;
                Wakeups::from_line(last_json_line(&stdout).ok_or("no result line")?)
            });
            match &measured {
                Ok(figures) => eprintln!(
                    "    {:<10} idle {:<8}: {:>6.1} wake-ups/s ({} threads)",
                    client.name(),
                    role.as_str(),
                    figures.wakeups_per_s,
                    figures.threads
                ),
                Err(why) => eprintln!(
                    "    {:<10} idle {:<8}: FAILED: {why}",
                    client.name(),
                    role.as_str()
                ),
            }
            rows.push(Idle {
                client,
                role,
                measured,
            });
        }
    }
    if created.is_ok() {
        let _ = runner.delete_topic(&topic);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_idle_line() {
        let line = r#"{"client":"franzl","mode":"idle-consumer","window_s":2.000,"wakeups_per_s":2.50,"idle_switches_per_s":4.00,"baseline_switches_per_s":1.50,"threads":5,"baseline_threads":1}"#;
        let wakeups = Wakeups::from_line(line).unwrap();
        assert_eq!(wakeups.wakeups_per_s, 2.5);
        assert_eq!((wakeups.threads, wakeups.baseline_threads), (5, 1));
        assert!(Wakeups::from_line(r#"{"window_s":2}"#).is_err());
    }
}
