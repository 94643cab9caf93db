//! Round-trip latencies, kept whole (one `u32` of microseconds per record) and sorted once to read
//! percentiles: a few hundred thousand samples at most, so no histogram is needed.

use std::time::Duration;

/// Every latency of a run, in microseconds.
#[derive(Debug, Default)]
pub struct Latencies {
    micros: Vec<u32>,
}

impl Latencies {
    /// Room for `count` samples, reserved before the clock starts.
    pub fn with_capacity(count: usize) -> Latencies {
        Latencies {
            micros: Vec::with_capacity(count),
        }
    }

    /// Adds one sample (saturating at about 71 minutes).
    pub fn record(&mut self, latency: Duration) {
        self.micros
            .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
    }

    /// The latencies at the 50th, 99th and 99.9th percentiles (nearest rank), or `None` without
    /// samples.
    pub fn percentiles(mut self) -> Option<[u32; 3]> {
        if self.micros.is_empty() {
            return None;
        }
        self.micros.sort_unstable();
        let at = |per_mille: usize| {
            let rank = (self.micros.len() * per_mille).div_ceil(1000).max(1);
            self.micros[rank - 1]
        };
        Some([at(500), at(990), at(999)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut latencies = Latencies::with_capacity(1000);
        for micros in (1..=1000).rev() {
            latencies.record(Duration::from_micros(micros));
        }
        assert_eq!(latencies.percentiles(), Some([500, 990, 999]));
        assert_eq!(Latencies::default().percentiles(), None);
        let mut one = Latencies::default();
        one.record(Duration::from_micros(7));
        assert_eq!(one.percentiles(), Some([7, 7, 7]));
    }
}
