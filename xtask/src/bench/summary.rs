//! From a client's repeated runs of a scenario to the figures the report shows: each figure's
//! median and its spread (lowest and highest run).
//!
//! CPU time per record divides the process's whole CPU time (start-up and warm-up included) by
//! every record it handled (warm-up included), so a client that starts a JVM pays for it here.

use super::client::{Client, Contender, Settings};
use super::run::Sample;

/// A figure over the repeated runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stat {
    /// The median (the mean of the middle two for an even number of runs).
    pub(crate) median: f64,
    /// The lowest run.
    pub(crate) min: f64,
    /// The highest run.
    pub(crate) max: f64,
}

impl Stat {
    /// The statistic of `values`, or `None` if there are none.
    pub(crate) fn of(mut values: Vec<f64>) -> Option<Stat> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let middle = values.len() / 2;
        let median = if values.len() % 2 == 1 {
            values[middle]
        } else {
            (values[middle - 1] + values[middle]) / 2.0
        };
        Some(Stat {
            median,
            min: values[0],
            max: values[values.len() - 1],
        })
    }

    /// The spread as a fraction of the median: (max - min) / median.
    pub(crate) fn spread(&self) -> f64 {
        if self.median == 0.0 {
            0.0
        } else {
            (self.max - self.min) / self.median
        }
    }
}

/// The figures of one client in one scenario.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Figures {
    /// Records per second in the timed part.
    pub(crate) records_per_s: Stat,
    /// Value megabytes (10^6 bytes) per second in the timed part.
    pub(crate) mb_per_s: Stat,
    /// Microseconds of CPU (user + system) per record handled.
    pub(crate) cpu_us_per_record: Stat,
    /// Heap allocations per record in the timed part, where counted.
    pub(crate) allocs_per_record: Option<Stat>,
    /// Peak resident memory, MiB.
    pub(crate) peak_mib: Stat,
    /// Round-trip latency percentiles p50, p99, p99.9 in microseconds.
    pub(crate) latency_us: Option<[Stat; 3]>,
    /// Records per transaction (warm-up included), by the broker's commit markers, in a
    /// transactional scenario.
    pub(crate) records_per_transaction: Option<Stat>,
}

impl Figures {
    /// The figures of `samples` (at least one).
    pub(crate) fn of(samples: &[Sample]) -> Option<Figures> {
        let stat = |figure: &dyn Fn(&Sample) -> f64| Stat::of(samples.iter().map(figure).collect());
        let per_second =
            |sample: &Sample, amount: f64| amount / sample.reported.elapsed_s.max(1e-9);
        let handled =
            |sample: &Sample| (sample.reported.records + sample.reported.warmup).max(1) as f64;
        let allocs: Option<Vec<f64>> = samples
            .iter()
            .map(|sample| {
                sample
                    .reported
                    .allocs
                    .map(|allocs| allocs / sample.reported.records.max(1) as f64)
            })
            .collect();
        let latency = |index: usize| -> Option<Stat> {
            let values: Option<Vec<f64>> = samples
                .iter()
                .map(|sample| sample.reported.percentiles.map(|p| p[index]))
                .collect();
            Stat::of(values?)
        };
        let per_transaction: Option<Vec<f64>> = samples
            .iter()
            .map(|sample| {
                let transactions = sample.reported.transactions?.max(1) as f64;
                Some(handled(sample) / transactions)
            })
            .collect();
        Some(Figures {
            records_per_s: stat(&|sample| per_second(sample, sample.reported.records as f64))?,
            mb_per_s: stat(&|sample| per_second(sample, sample.reported.bytes as f64) / 1e6)?,
            cpu_us_per_record: stat(&|sample| sample.usage.cpu_s * 1e6 / handled(sample))?,
            allocs_per_record: allocs.and_then(Stat::of),
            peak_mib: stat(&|sample| sample.usage.max_rss_kib / 1024.0)?,
            latency_us: match (latency(0), latency(1), latency(2)) {
                (Some(p50), Some(p99), Some(p999)) => Some([p50, p99, p999]),
                _ => None,
            },
            records_per_transaction: per_transaction.and_then(Stat::of),
        })
    }
}

/// How one client fared in one scenario.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// Every run passed its checks.
    Measured {
        samples: Vec<Sample>,
        figures: Box<Figures>,
    },
    /// Not run, and why (a slot, or a feature the client lacks, or a client that does not build).
    NotApplicable(String),
    /// A run failed or its counts did not match: the benchmark fails.
    Failed(String),
}

/// One row of a scenario's table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The client.
    pub(crate) client: Client,
    /// Its settings: defaults, or the documented throughput settings.
    pub(crate) settings: Settings,
    /// What a tuned row set beyond the scenario (`linger.ms=100`, say); empty otherwise.
    pub(crate) tuning: String,
    /// What happened.
    pub(crate) outcome: Outcome,
    /// A note for the reader (a setting that differs from the scenario's).
    pub(crate) note: Option<&'static str>,
}

impl Row {
    /// The row's client and settings.
    pub(crate) fn contender(&self) -> Contender {
        Contender {
            client: self.client,
            settings: self.settings,
        }
    }

    /// The row's name in the report: `librdkafka tuned`, say.
    pub(crate) fn name(&self) -> String {
        self.contender().name()
    }

    /// The figures, when measured.
    pub(crate) fn figures(&self) -> Option<&Figures> {
        match &self.outcome {
            Outcome::Measured { figures, .. } => Some(figures.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run::{Reported, Usage};
    use super::*;

    #[test]
    fn median_and_spread() {
        assert_eq!(
            Stat::of(vec![3.0, 1.0, 2.0]),
            Some(Stat {
                median: 2.0,
                min: 1.0,
                max: 3.0
            })
        );
        assert_eq!(Stat::of(vec![4.0, 1.0]).map(|s| s.median), Some(2.5));
        assert_eq!(Stat::of(vec![]), None);
        assert!((Stat::of(vec![9.0, 10.0, 11.0]).unwrap().spread() - 0.2).abs() < 1e-12);
    }

    #[test]
    fn figures_of_a_run() {
        let sample = Sample {
            reported: Reported {
                records: 1000,
                bytes: 100_000,
                elapsed_s: 0.5,
                warmup: 1000,
                allocs: Some(3000.0),
                percentiles: None,
                transactions: Some(4),
            },
            usage: Usage {
                cpu_s: 0.2,
                max_rss_kib: 2048.0,
            },
        };
        let figures = Figures::of(&[sample]).unwrap();
        assert_eq!(figures.records_per_s.median, 2000.0);
        assert_eq!(figures.mb_per_s.median, 0.2);
        assert_eq!(figures.cpu_us_per_record.median, 100.0);
        assert_eq!(figures.allocs_per_record.map(|s| s.median), Some(3.0));
        assert_eq!(figures.peak_mib.median, 2.0);
        assert!(figures.latency_us.is_none());
        assert_eq!(
            figures.records_per_transaction.map(|s| s.median),
            Some(500.0)
        );
        assert!(Figures::of(&[]).is_none());
    }
}
