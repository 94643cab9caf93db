//! Exponential backoff with jitter, for reconnects and retries.
//!
//! Each failure doubles the delay from `initial` up to `max`; the delay actually used is drawn
//! uniformly between half of it and all of it, so clients that failed together (a broker
//! restart) do not all come back at the same moment.

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
    /// A backoff from `initial` doubling up to `max`, with jitter seeded by `seed` (any value;
    /// different per client so their retries spread).
    pub(crate) fn new(initial: Duration, max: Duration, seed: u64) -> Self {
        Self {
            initial,
            max: max.max(initial),
            failures: 0,
            rng: seed | 1,
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
}
