//! Exponential backoff with jitter, for reconnects and retries.
//!
//! Each failure doubles the delay from `initial` up to `max`; the delay actually used is drawn
//! uniformly between half of it and all of it, so clients that failed together (a broker
//! restart) do not all come back at the same moment.
//!
//! The jitter's generator is seeded anew for every [`Backoff`]: from a seed drawn once per
//! process (std's per-process random hash keys, the process id, the time and an address), a
//! counter of the backoffs made in this process, and the caller's salt. Two processes started
//! together, and two clients in one process, so draw different delays; the salt only spreads
//! the backoffs of one client further.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Backoff state for one thing that is retried (a broker connection, a request).
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    failures: u32,
    rng: u64,
}

impl Backoff {
    /// A backoff from `initial` doubling up to `max`, with jitter from a generator seeded for
    /// this backoff alone (see the module docs); `salt` (any value) is mixed into the seed.
    pub(crate) fn new(initial: Duration, max: Duration, salt: u64) -> Self {
        Self {
            initial,
            max: max.max(initial),
            failures: 0,
            rng: fresh_seed(salt) | 1,
        }
    }

    /// Records a failure and returns how long to wait before the next attempt.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let ceiling = self
            .initial
            .checked_mul(1u32.checked_shl(self.failures).unwrap_or(u32::MAX))
            .map_or(self.max, |d| d.min(self.max));
        self.failures = self.failures.saturating_add(1);
        let half = ceiling / 2;
        let spread = u64::try_from((ceiling - half).as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(self.random() % spread.max(1))
    }

    /// Records a success: the next failure starts again from `initial`.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }

    /// xorshift64*: plenty for jitter, and no dependency.
    fn random(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// A seed for one generator: the process's seed, this call's place in the count of seeds made
/// in the process, and `salt`, mixed so that nearby inputs give unrelated seeds. Also the
/// random value for other jitter (when a connection re-authenticates).
pub(crate) fn fresh_seed(salt: u64) -> u64 {
    static MADE: AtomicU64 = AtomicU64::new(0);
    let count = MADE.fetch_add(1, Ordering::Relaxed);
    mix(process_seed() ^ mix(count) ^ mix(salt.rotate_left(32)))
}

/// Drawn once per process: std's hash keys (random per process), the process id, the wall
/// clock's nanoseconds and the address of a heap allocation (randomised per process where the
/// address space is). No single source has to be good for the seed to differ.
fn process_seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        hasher.write_u128(since_epoch.as_nanos());
        let place = Box::new(0u8);
        hasher.write_usize(std::ptr::from_ref::<u8>(&place) as usize);
        hasher.finish()
    })
}

/// SplitMix64's finaliser: every input bit affects every output bit.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_within_jitter_up_to_max_and_resets() {
        let ms = Duration::from_millis;
        let mut backoff = Backoff::new(ms(100), ms(1_000), 42);
        for ceiling in [100, 200, 400, 800, 1_000, 1_000] {
            let delay = backoff.next_delay();
            assert!(
                delay >= ms(ceiling / 2) && delay <= ms(ceiling),
                "{delay:?} for {ceiling}"
            );
        }
        for _ in 0..100 {
            assert!(
                backoff.next_delay() <= ms(1_000),
                "no overflow after many failures"
            );
        }
        backoff.reset();
        assert!(backoff.next_delay() <= ms(100));
    }

    /// The first delays of a backoff made as the metadata refresher makes its own (same
    /// settings, same salt), in milliseconds with all their digits.
    fn first_delays() -> Vec<String> {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10), 23);
        (0..6)
            .map(|_| format!("{:?}", backoff.next_delay()))
            .collect()
    }

    #[test]
    fn two_clients_of_one_process_draw_different_delays() {
        let (first, second) = (first_delays(), first_delays());
        assert_ne!(first, second, "two backoffs made alike jitter in step");
    }

    /// The variable that makes [`print_first_delays`] print, in a child process.
    const PRINT: &str = "FRANZL_BACKOFF_PRINT_DELAYS";

    /// Prints [`first_delays`] when run as a child process by the test below; does nothing
    /// otherwise.
    #[test]
    fn print_first_delays() {
        if std::env::var_os(PRINT).is_some() {
            println!("delays: {}", first_delays().join(" "));
        }
    }

    #[test]
    fn two_processes_started_together_draw_different_delays() {
        let exe = std::env::current_exe().unwrap();
        let start = || {
            std::process::Command::new(&exe)
                .args(["--exact", "net::backoff::tests::print_first_delays"])
                .args(["--nocapture", "--test-threads", "1"])
                .env(PRINT, "1")
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let children = [start(), start()];
        let delays: Vec<String> = children
            .into_iter()
            .map(|child| {
                let output = child.wait_with_output().unwrap();
                assert!(output.status.success());
                let stdout = String::from_utf8(output.stdout).unwrap();
                // The harness prints the test's name on the same line, before it.
                let delays = stdout.split_once("delays: ").map(|(_, rest)| rest);
                let delays = delays.and_then(|rest| rest.lines().next());
                delays.expect("the child printed its delays").to_owned()
            })
            .collect();
        assert_ne!(delays[0], delays[1], "two processes jitter in step");
    }
}
