//! The one JSON line a client prints when it is done, and the allocation counter behind its
//! `allocs` figure.
//!
//! Fields: `client`, `mode`, `records` (sent and acknowledged, or consumed, in the timed part),
//! `bytes` (value bytes of those records), `elapsed_s`, `warmup` (records sent before the clock
//! started), `allocs` and `alloc_bytes` (heap allocations made by the Rust side during the timed
//! part, or `null`), and for round trips `p50_us`, `p99_us`, `p999_us` (else `null`).

use std::alloc::System;
use std::fmt::Write as _;
use std::time::Duration;

use stats_alloc::{Region, StatsAlloc};

/// The counting allocator each binary installs with
/// `#[global_allocator] static GLOBAL: &StatsAlloc<System> = &stats_alloc::INSTRUMENTED_SYSTEM;`.
pub type CountingAllocator = StatsAlloc<System>;

/// Counts the allocations made from its creation on.
pub struct AllocationCount {
    region: Region<'static, System>,
}

impl AllocationCount {
    /// Starts counting now.
    pub fn start(allocator: &'static CountingAllocator) -> AllocationCount {
        AllocationCount {
            region: Region::new(allocator),
        }
    }

    /// Allocations (including reallocations) and bytes allocated since the start.
    pub fn read(&self) -> (u64, u64) {
        let change = self.region.change();
        let count = change.allocations + change.reallocations;
        (count as u64, change.bytes_allocated as u64)
    }
}

/// What a run did, to be printed as one JSON line.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The client's name (`rdkafka`, `rskafka`, ...).
    pub client: &'static str,
    /// `produce`, `consume`, `group-consume` or `roundtrip`.
    pub mode: &'static str,
    /// Records acknowledged (produce, roundtrip) or consumed, in the timed part.
    pub records: u64,
    /// Value bytes of those records.
    pub bytes: u64,
    /// Time from the first send (or fetch) to the last acknowledgement (or record).
    pub elapsed: Duration,
    /// Records sent before the clock started.
    pub warmup: u64,
    /// Allocations and bytes allocated in the timed part, when counted.
    pub allocations: Option<(u64, u64)>,
    /// p50, p99 and p99.9 round-trip latency in microseconds.
    pub percentiles: Option<[u32; 3]>,
}

impl Outcome {
    /// The JSON line, without a trailing newline.
    pub fn to_json(&self) -> String {
        let mut line = format!(
            "{{\"client\":\"{}\",\"mode\":\"{}\",\"records\":{},\"bytes\":{},\"elapsed_s\":{:.6},\"warmup\":{}",
            self.client,
            self.mode,
            self.records,
            self.bytes,
            self.elapsed.as_secs_f64(),
            self.warmup
        );
        let (allocs, alloc_bytes) = match self.allocations {
            Some((count, bytes)) => (count.to_string(), bytes.to_string()),
            None => ("null".to_string(), "null".to_string()),
        };
        let _ = write!(line, ",\"allocs\":{allocs},\"alloc_bytes\":{alloc_bytes}");
        match self.percentiles {
            Some([p50, p99, p999]) => {
                let _ = write!(
                    line,
                    ",\"p50_us\":{p50},\"p99_us\":{p99},\"p999_us\":{p999}}}"
                );
            }
            None => line.push_str(",\"p50_us\":null,\"p99_us\":null,\"p999_us\":null}"),
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_one_flat_json_object() {
        let outcome = Outcome {
            client: "rdkafka",
            mode: "roundtrip",
            records: 3,
            bytes: 300,
            elapsed: Duration::from_millis(1500),
            warmup: 1,
            allocations: Some((12, 4096)),
            percentiles: Some([100, 200, 300]),
        };
        assert_eq!(
            outcome.to_json(),
            "{\"client\":\"rdkafka\",\"mode\":\"roundtrip\",\"records\":3,\"bytes\":300,\
             \"elapsed_s\":1.500000,\"warmup\":1,\"allocs\":12,\"alloc_bytes\":4096,\
             \"p50_us\":100,\"p99_us\":200,\"p999_us\":300}"
        );
        let quiet = Outcome {
            client: "x",
            mode: "produce",
            ..Outcome::default()
        };
        assert!(quiet.to_json().ends_with(
            "\"allocs\":null,\"alloc_bytes\":null,\"p50_us\":null,\"p99_us\":null,\"p999_us\":null}"
        ));
    }
}
