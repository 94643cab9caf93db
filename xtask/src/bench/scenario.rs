//! The scenarios of the benchmark: what each client is asked to do, and how many records that
//! takes in a full run and in `--quick`.
//!
//! Full counts are chosen so librdkafka runs for about 3 to 8 seconds after its warm-up on a
//! 2-core machine (the slower clients longer); `--quick` counts only prove that every client does
//! what it claims.

/// What a client does in a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// As many records as fast as possible.
    Produce,
    /// Read a pre-filled topic from the earliest offset, partitions assigned (no group join).
    Consume,
    /// Read a pre-filled topic as a member of a fresh consumer group (one per run), subscribed
    /// with `auto.offset.reset=earliest`; the clock starts at the first record, after the join.
    GroupConsume,
    /// One record in flight at a time, linger 0.
    Roundtrip,
    /// Transactions of the scenario's `per_transaction` records each, one after the other: begin,
    /// send them, commit.
    TransactionalProduce,
}

impl Mode {
    /// The mode's name in the client contract.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Mode::Produce => "produce",
            Mode::Consume => "consume",
            Mode::GroupConsume => "group-consume",
            Mode::Roundtrip => "roundtrip",
            Mode::TransactionalProduce => "transactional-produce",
        }
    }

    /// Whether the mode reads a pre-filled topic (shared by every run) rather than writing one.
    pub(crate) fn consumes(self) -> bool {
        matches!(self, Mode::Consume | Mode::GroupConsume)
    }

    /// What the report says about how the mode is run and timed, where the scenario's numbers
    /// leave it unsaid.
    pub(crate) fn description(self) -> Option<&'static str> {
        match self {
            Mode::Consume => Some(
                "Partitions assigned directly from the earliest offset (no group); the clock \
                 starts at the first record (the Java tool, which always joins a group, leaves \
                 its join out of `fetch.time.ms`).",
            ),
            Mode::GroupConsume => Some(
                "Each run joins a fresh consumer group (its own `group.id`, nothing committed) \
                 subscribed to the topic with `auto.offset.reset=earliest`, the group's other \
                 settings (auto-commit included) at each client's defaults. The join is not \
                 timed: the clock starts at the first record (the Java tool's `fetch.time.ms` \
                 starts when its partitions are assigned, so it also counts finding the offsets \
                 and the first fetch).",
            ),
            Mode::TransactionalProduce => Some(
                "Each client makes one transactional producer (a fresh `transactional.id` per \
                 run), calls `init_transactions` before the warm-up, and then runs one \
                 transaction after the other; the clock runs from the first timed \
                 `begin_transaction` to the return of the last commit. franzl and librdkafka run \
                 transactions of exactly 1,000 records, sent round robin over the 6 partitions, \
                 each delivery checked, and each partition must hold one commit marker per \
                 transaction. The Java tool sizes its transactions by time, not by count: \
                 `--transaction-duration-ms 8` in both its rows (it commits after the first send \
                 at least 8 ms after the transaction began; its default partitioner places the \
                 records), chosen from its rates measured on this machine with a warm broker \
                 (about 55 000 records/s with its defaults, 80 000 tuned, at 9 ms: 1,140 and \
                 1,375 records per transaction) to make about 1,000 records per transaction, so \
                 its transactions grow and shrink with its rate. The note gives each row's \
                 records per transaction (warm-up included): for franzl and librdkafka from the commit markers on the broker, for the Java \
                 tool from its producer epoch (its transactions v2 bump it at every commit; \
                 `kafka-transactions describe`). Counts are checked at `read_committed`.",
            ),
            Mode::Produce | Mode::Roundtrip => None,
        }
    }
}

/// One scenario.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scenario {
    /// Short name, used in topic names and the report's anchors.
    pub(crate) id: &'static str,
    /// What a reader sees.
    pub(crate) title: &'static str,
    /// The mode.
    pub(crate) mode: Mode,
    /// Partitions of the topic.
    pub(crate) partitions: i32,
    /// Value size in bytes (keys are null).
    pub(crate) size: usize,
    /// `1` or `all`.
    pub(crate) acks: &'static str,
    /// `none`, `lz4`, `zstd`.
    pub(crate) compression: &'static str,
    /// Whether the producer is idempotent.
    pub(crate) idempotent: bool,
    /// Records in the timed part of a full run.
    pub(crate) full_count: u64,
    /// Records per transaction of a transactional scenario; 0 elsewhere.
    pub(crate) per_transaction: u64,
    /// The `group.protocol` of a group scenario's members: `classic`, or `consumer` (KIP-848,
    /// the broker assigning); `classic` elsewhere, where no group is joined.
    pub(crate) group_protocol: &'static str,
}

const KIB: usize = 1024;

const fn produce(
    id: &'static str,
    title: &'static str,
    partitions: i32,
    size: usize,
    count: u64,
) -> Scenario {
    Scenario {
        id,
        title,
        mode: Mode::Produce,
        partitions,
        size,
        acks: "1",
        compression: "none",
        idempotent: false,
        full_count: count,
        per_transaction: 0,
        group_protocol: "classic",
    }
}

/// Every scenario, in report order.
pub(crate) const SCENARIOS: &[Scenario] = &[
    produce(
        "produce-1p-100",
        "produce, acks=1, 1 partition, 100 B",
        1,
        100,
        3_000_000,
    ),
    produce(
        "produce-1p-1k",
        "produce, acks=1, 1 partition, 1 KiB",
        1,
        KIB,
        600_000,
    ),
    produce(
        "produce-6p-100",
        "produce, acks=1, 6 partitions, 100 B",
        6,
        100,
        3_000_000,
    ),
    produce(
        "produce-6p-1k",
        "produce, acks=1, 6 partitions, 1 KiB",
        6,
        KIB,
        600_000,
    ),
    Scenario {
        acks: "all",
        idempotent: true,
        ..produce(
            "idempotent-6p-100",
            "produce, acks=all, idempotent, 6 partitions, 100 B",
            6,
            100,
            2_000_000,
        )
    },
    Scenario {
        acks: "all",
        idempotent: true,
        ..produce(
            "idempotent-6p-1k",
            "produce, acks=all, idempotent, 6 partitions, 1 KiB",
            6,
            KIB,
            250_000,
        )
    },
    Scenario {
        compression: "lz4",
        ..produce(
            "lz4-6p-1k",
            "produce, lz4, 6 partitions, 1 KiB",
            6,
            KIB,
            250_000,
        )
    },
    Scenario {
        compression: "zstd",
        ..produce(
            "zstd-6p-1k",
            "produce, zstd, 6 partitions, 1 KiB",
            6,
            KIB,
            150_000,
        )
    },
    Scenario {
        mode: Mode::TransactionalProduce,
        acks: "all",
        idempotent: true,
        per_transaction: 1_000,
        ..produce(
            "txn-6p-1k",
            "transactional produce, 6 partitions, 1 KiB, 1,000 records per transaction",
            6,
            KIB,
            150_000,
        )
    },
    Scenario {
        mode: Mode::Consume,
        ..produce(
            "consume-6p-100",
            "consume from earliest, 6 partitions, 100 B",
            6,
            100,
            3_000_000,
        )
    },
    Scenario {
        mode: Mode::Consume,
        ..produce(
            "consume-6p-1k",
            "consume from earliest, 6 partitions, 1 KiB",
            6,
            KIB,
            600_000,
        )
    },
    Scenario {
        mode: Mode::GroupConsume,
        ..produce(
            "group-consume-6p-100",
            "consume in a group, 6 partitions, 100 B",
            6,
            100,
            3_000_000,
        )
    },
    Scenario {
        mode: Mode::GroupConsume,
        group_protocol: "consumer",
        ..produce(
            "group-consume-848-6p-100",
            "consume in a KIP-848 group (group.protocol=consumer), 6 partitions, 100 B",
            6,
            100,
            3_000_000,
        )
    },
    Scenario {
        mode: Mode::Roundtrip,
        ..produce(
            "roundtrip-100",
            "round trip, one in flight, acks=1, 100 B",
            1,
            100,
            20_000,
        )
    },
    Scenario {
        mode: Mode::Roundtrip,
        ..produce(
            "roundtrip-1k",
            "round trip, one in flight, acks=1, 1 KiB",
            1,
            KIB,
            20_000,
        )
    },
];

impl Scenario {
    /// Records in the timed part: the full count, or a tiny one for `--quick`.
    pub(crate) fn count(&self, quick: bool) -> u64 {
        match (quick, self.mode) {
            (false, _) => self.full_count,
            (true, Mode::Roundtrip) => 100,
            (true, _) => 2_000,
        }
    }

    /// Untimed records sent first, so the timed part sees connected, warmed-up clients: a tenth
    /// of the count (none for consuming, which reads a pre-filled topic), rounded up to whole
    /// transactions in a transactional scenario.
    pub(crate) fn warmup(&self, quick: bool) -> u64 {
        if self.mode.consumes() {
            0
        } else if self.per_transaction > 0 {
            (self.count(quick) / 10).div_ceil(self.per_transaction) * self.per_transaction
        } else {
            self.count(quick) / 10
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_topic_safe() {
        for (index, scenario) in SCENARIOS.iter().enumerate() {
            assert!(
                scenario
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            );
            assert!(
                SCENARIOS[..index]
                    .iter()
                    .all(|other| other.id != scenario.id)
            );
            assert!(scenario.count(true) < scenario.count(false));
        }
    }

    #[test]
    fn transactional_scenarios_run_whole_transactions() {
        for scenario in SCENARIOS {
            let transactional = scenario.mode == Mode::TransactionalProduce;
            assert_eq!(
                transactional,
                scenario.per_transaction > 0,
                "{}",
                scenario.id
            );
            if !transactional {
                continue;
            }
            assert!(scenario.idempotent && scenario.acks == "all");
            for quick in [true, false] {
                assert_eq!(scenario.count(quick) % scenario.per_transaction, 0);
                assert_eq!(scenario.warmup(quick) % scenario.per_transaction, 0);
                assert!(scenario.warmup(quick) > 0);
            }
        }
        let txn = SCENARIOS.iter().find(|s| s.id == "txn-6p-1k").unwrap();
        assert_eq!((txn.count(true), txn.warmup(true)), (2_000, 1_000));
        assert_eq!((txn.count(false), txn.warmup(false)), (150_000, 15_000));
        let description = txn.mode.description().unwrap();
        let duration = format!(
            "--transaction-duration-ms {}",
            super::super::java::TRANSACTION_DURATION_MS
        );
        assert!(description.contains(&duration), "{description}");
    }

    #[test]
    fn the_group_scenario_reads_a_prefilled_topic_like_the_assigned_one() {
        let group = SCENARIOS
            .iter()
            .find(|s| s.id == "group-consume-6p-100")
            .unwrap();
        assert_eq!(group.mode, Mode::GroupConsume);
        assert_eq!(group.mode.as_str(), "group-consume");
        assert_eq!(group.title, "consume in a group, 6 partitions, 100 B");
        assert!(group.mode.consumes());
        assert_eq!((group.partitions, group.size), (6, 100));
        assert_eq!(group.warmup(false), 0);
        assert_eq!(group.count(true), 2_000);
        assert!(
            group
                .mode
                .description()
                .is_some_and(|text| text.contains("join is not timed"))
        );
    }
}
