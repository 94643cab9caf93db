//! The clients compared, each driven the same way: one process per run, given a topic and a
//! scenario, pinned to the client core, measured by `bench-measure`.
//!
//! franzl's own client (`bench-franzl`) runs every scenario, and so does `replay`, the ceiling
//! (`bench-replay`: Produce requests encoded before the clock, Fetch responses read only as far as
//! counting needs), but for consuming in a group: it has no group protocol. A row a client cannot
//! run says why (`NotApplicable`), never with figures. Transactions are run by franzl, librdkafka
//! and the Java client; rskafka has none, replay no transaction protocol, and the franz-go
//! program does not drive kgo's transactions.
//!
//! A peer with documented throughput settings has two rows (see `tuning.rs`): its defaults and
//! its tuned settings, each a [`Contender`].

use std::path::{Path, PathBuf};

use super::scenario::{Mode, Scenario};
use super::tuning::{self, Tuning};

/// The clients, in report order; librdkafka is the reference the ratios are taken against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Client {
    /// franzl's std client.
    Franzl,
    /// librdkafka through the `rdkafka` crate.
    Rdkafka,
    /// The Java client through its perf tools.
    Java,
    /// rskafka.
    Rskafka,
    /// franz-go's kgo.
    FranzGo,
    /// Pre-encoded requests on franzl-core alone: the ceiling.
    Replay,
}

/// Every client, in report order.
pub(crate) const CLIENTS: &[Client] = &[
    Client::Franzl,
    Client::Rdkafka,
    Client::Java,
    Client::Rskafka,
    Client::FranzGo,
    Client::Replay,
];

/// The reference client of the ratios: the faster of its rows in each scenario.
pub(crate) const REFERENCE: Client = Client::Rdkafka;

/// Which settings a row runs a client with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settings {
    /// The scenario's contract and the client's own defaults for the rest.
    Defaults,
    /// The contract, plus the throughput settings the client's documentation recommends.
    Tuned,
}

impl Settings {
    /// The name in the report.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Settings::Defaults => "defaults",
            Settings::Tuned => "tuned",
        }
    }
}

/// One row of every scenario: a client and its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Contender {
    /// The client.
    pub(crate) client: Client,
    /// Its settings.
    pub(crate) settings: Settings,
}

impl Contender {
    /// The row's name: the client's, with ` tuned` after it for a tuned row.
    pub(crate) fn name(self) -> String {
        match self.settings {
            Settings::Defaults => self.client.name().to_string(),
            Settings::Tuned => format!("{} tuned", self.client.name()),
        }
    }

    /// A short, topic-safe id.
    pub(crate) fn id(self) -> String {
        match self.settings {
            Settings::Defaults => self.client.id().to_string(),
            Settings::Tuned => format!("{}-tuned", self.client.id()),
        }
    }

    /// How this row runs `scenario`: the client's plan, with the tuned settings on a tuned row.
    pub(crate) fn plan(self, scenario: &Scenario) -> Plan {
        let plan = self.client.plan(scenario);
        if self.settings == Settings::Defaults || matches!(plan, Plan::NotApplicable(_)) {
            return plan;
        }
        match (plan, tuning::tuned(self.client, scenario)) {
            (_, Err(why)) => Plan::NotApplicable(why),
            (Plan::Contract { acks, note, .. }, Ok(tuning)) => {
                Plan::Contract { acks, note, tuning }
            }
            (Plan::JavaPerf { .. }, Ok(tuning)) => Plan::JavaPerf { tuning },
            (plan @ Plan::NotApplicable(_), Ok(_)) => plan,
        }
    }
}

/// Every row, in report order: each client, and after a peer with documented throughput settings
/// its tuned row.
pub(crate) fn contenders() -> Vec<Contender> {
    CLIENTS
        .iter()
        .flat_map(|&client| {
            let tuned = tuning::has_tuned_row(client).then_some(Contender {
                client,
                settings: Settings::Tuned,
            });
            std::iter::once(Contender {
                client,
                settings: Settings::Defaults,
            })
            .chain(tuned)
        })
        .collect()
}

/// The ceiling each client's share is taken of.
pub(crate) const CEILING: Client = Client::Replay;

/// How one client runs one scenario.
#[derive(Debug, Clone)]
pub(crate) enum Plan {
    /// A client program of the contract, with the acks it is given, a note for the reader, and
    /// the settings beyond the contract (none on a defaults row).
    Contract {
        acks: &'static str,
        note: Option<&'static str>,
        tuning: Tuning,
    },
    /// The Java perf tools, with the settings beyond the scenario's.
    JavaPerf { tuning: Tuning },
    /// Not run, and why.
    NotApplicable(String),
}

impl Client {
    /// The name in the report.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Client::Franzl => "franzl",
            Client::Rdkafka => "librdkafka",
            Client::Java => "java",
            Client::Rskafka => "rskafka",
            Client::FranzGo => "franz-go",
            Client::Replay => "replay",
        }
    }

    /// A short, topic-safe id.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Client::Rdkafka => "rdkafka",
            other => other.name(),
        }
    }

    /// The program of a contract client, given where the Rust and Go programs were built.
    pub(crate) fn program(self, rust_bin: &Path, go_bin: &Path) -> Option<PathBuf> {
        match self {
            Client::Franzl => Some(rust_bin.join("bench-franzl")),
            Client::Rdkafka => Some(rust_bin.join("bench-rdkafka")),
            Client::Rskafka => Some(rust_bin.join("bench-rskafka")),
            Client::Replay => Some(rust_bin.join("bench-replay")),
            Client::FranzGo => Some(go_bin.to_path_buf()),
            Client::Java => None,
        }
    }

    /// How this client runs `scenario`.
    pub(crate) fn plan(self, scenario: &Scenario) -> Plan {
        if scenario.mode == Mode::TransactionalProduce {
            let why = match self {
                Client::Rskafka => "rskafka has no transactions",
                Client::FranzGo => {
                    "the benchmark's franz-go program does not drive kgo's transactions"
                }
                Client::Replay => {
                    "replay has no transaction protocol (no coordinator, no commit markers)"
                }
                Client::Franzl | Client::Rdkafka | Client::Java => "",
            };
            if !why.is_empty() {
                return Plan::NotApplicable(why.into());
            }
        }
        match self {
            Client::Java if scenario.mode == Mode::Roundtrip => Plan::NotApplicable(
                "the perf tool has no one-request-in-flight mode (its latencies include queueing)"
                    .into(),
            ),
            Client::Java => Plan::JavaPerf {
                tuning: Tuning::default(),
            },
            Client::Rskafka if scenario.idempotent => {
                Plan::NotApplicable("rskafka has no idempotent producer".into())
            }
            Client::Rskafka if scenario.mode == Mode::GroupConsume => {
                Plan::NotApplicable("rskafka has no consumer groups".into())
            }
            Client::Replay if scenario.mode == Mode::GroupConsume => Plan::NotApplicable(
                "replay has no group protocol; its assigned read, the fetch ceiling, is in the \
                 consume scenario"
                    .into(),
            ),
            Client::Rskafka if !scenario.mode.consumes() && scenario.acks != "all" => {
                Plan::Contract {
                    acks: "all",
                    note: Some("acks=all: rskafka always asks for all"),
                    tuning: Tuning::default(),
                }
            }
            Client::Franzl
            | Client::Rdkafka
            | Client::Rskafka
            | Client::FranzGo
            | Client::Replay => Plan::Contract {
                acks: scenario.acks,
                note: None,
                tuning: Tuning::default(),
            },
        }
    }
}

/// The contract's arguments for `scenario` with `tuning`, after the program's name; `group` is
/// the consumer group of a group scenario (given as `--group`). A transactional scenario's
/// `transactional.id` is the topic's name, fresh for each run.
pub(crate) fn contract_args(
    scenario: &Scenario,
    acks: &str,
    tuning: &Tuning,
    bootstrap: &str,
    topic: &str,
    group: Option<&str>,
    quick: bool,
) -> Vec<String> {
    let mut args: Vec<String> = vec![
        scenario.mode.as_str().into(),
        "--bootstrap".into(),
        bootstrap.into(),
        "--topic".into(),
        topic.into(),
        "--partitions".into(),
        scenario.partitions.to_string(),
        "--count".into(),
        scenario.count(quick).to_string(),
        "--size".into(),
        scenario.size.to_string(),
        "--acks".into(),
        acks.into(),
        "--compression".into(),
        scenario.compression.into(),
        "--warmup".into(),
        scenario.warmup(quick).to_string(),
    ];
    if scenario.idempotent {
        args.push("--idempotent".into());
    }
    if let Some(group) = group {
        args.extend(["--group".into(), group.into()]);
        if scenario.group_protocol != "classic" {
            args.extend(["--group-protocol".into(), scenario.group_protocol.into()]);
        }
    }
    if scenario.mode == Mode::TransactionalProduce {
        args.extend([
            "--transactional-id".into(),
            topic.into(),
            "--transaction-records".into(),
            scenario.per_transaction.to_string(),
        ]);
    }
    let linger = match scenario.mode {
        Mode::Roundtrip => Some(0),
        _ => tuning.linger_ms,
    };
    if let Some(linger) = linger {
        args.extend(["--linger-ms".into(), linger.to_string()]);
    }
    for (key, value) in &tuning.properties {
        args.extend(["--set".into(), format!("{key}={value}")]);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::super::scenario::SCENARIOS;
    use super::*;

    #[test]
    fn franzl_the_reference_and_the_ceiling_run_everything_as_asked() {
        for scenario in SCENARIOS {
            for client in [Client::Franzl, REFERENCE, CEILING] {
                if client == CEILING
                    && matches!(
                        scenario.mode,
                        Mode::GroupConsume | Mode::TransactionalProduce
                    )
                {
                    assert!(matches!(client.plan(scenario), Plan::NotApplicable(_)));
                    continue;
                }
                match client.plan(scenario) {
                    Plan::Contract {
                        acks,
                        note: None,
                        tuning,
                    } => {
                        assert_eq!(acks, scenario.acks);
                        assert_eq!(tuning, Tuning::default());
                    }
                    other => panic!("{} / {}: {other:?}", scenario.id, client.name()),
                }
            }
        }
        let rust_bin = Path::new("bin");
        assert_eq!(
            Client::Replay.program(rust_bin, Path::new("go")),
            Some(rust_bin.join("bench-replay"))
        );
    }

    #[test]
    fn each_peer_with_documented_settings_has_two_rows() {
        let names: Vec<String> = contenders().into_iter().map(Contender::name).collect();
        assert_eq!(
            names,
            [
                "franzl",
                "librdkafka",
                "librdkafka tuned",
                "java",
                "java tuned",
                "rskafka",
                "franz-go",
                "franz-go tuned",
                "replay"
            ]
        );
        let roundtrip = SCENARIOS
            .iter()
            .find(|s| s.mode == Mode::Roundtrip)
            .unwrap();
        let tuned_java = Contender {
            client: Client::Java,
            settings: Settings::Tuned,
        };
        assert!(matches!(tuned_java.plan(roundtrip), Plan::NotApplicable(_)));
    }

    #[test]
    fn contract_arguments() {
        let idempotent = SCENARIOS.iter().find(|s| s.idempotent).unwrap();
        let args = contract_args(
            idempotent,
            "all",
            &Tuning::default(),
            "127.0.0.1:9092",
            "t",
            None,
            true,
        );
        assert_eq!(
            args.join(" "),
            "produce --bootstrap 127.0.0.1:9092 --topic t --partitions 6 --count 2000 --size 100 \
             --acks all --compression none --warmup 200 --idempotent"
        );
        let tuned = Contender {
            client: REFERENCE,
            settings: Settings::Tuned,
        };
        let Plan::Contract { tuning, .. } = tuned.plan(idempotent) else {
            panic!("librdkafka's tuned row runs every produce scenario");
        };
        let args = contract_args(idempotent, "all", &tuning, "h:1", "t", None, true);
        assert!(args.join(" ").ends_with("--idempotent --linger-ms 100"));
        let consume = SCENARIOS.iter().find(|s| s.mode == Mode::Consume).unwrap();
        let Plan::Contract { tuning, .. } = tuned.plan(consume) else {
            panic!("librdkafka's tuned row runs every consume scenario");
        };
        let args = contract_args(consume, "1", &tuning, "h:1", "t", None, true);
        assert!(args.join(" ").ends_with("--set fetch.queue.backoff.ms=0"));
        assert!(matches!(
            Client::Rskafka.plan(idempotent),
            Plan::NotApplicable(_)
        ));
    }

    #[test]
    fn transactions_run_on_franzl_librdkafka_and_java_only() {
        let txn = SCENARIOS
            .iter()
            .find(|s| s.mode == Mode::TransactionalProduce)
            .unwrap();
        let args = contract_args(txn, "all", &Tuning::default(), "h:1", "t-1", None, true);
        assert_eq!(
            args.join(" "),
            "transactional-produce --bootstrap h:1 --topic t-1 --partitions 6 --count 2000 \
             --size 1024 --acks all --compression none --warmup 1000 --idempotent \
             --transactional-id t-1 --transaction-records 1000"
        );
        for client in [Client::Franzl, Client::Rdkafka] {
            assert!(matches!(
                client.plan(txn),
                Plan::Contract { acks: "all", .. }
            ));
        }
        assert!(matches!(Client::Java.plan(txn), Plan::JavaPerf { .. }));
        for client in [Client::Rskafka, Client::FranzGo, Client::Replay] {
            assert!(matches!(client.plan(txn), Plan::NotApplicable(_)));
        }
        let tuned = Contender {
            client: REFERENCE,
            settings: Settings::Tuned,
        };
        assert!(
            matches!(tuned.plan(txn), Plan::Contract { tuning, .. } if tuning.linger_ms == Some(100))
        );
    }

    #[test]
    fn a_group_scenario_gives_its_group_and_rskafka_sits_it_out() {
        let group = SCENARIOS
            .iter()
            .find(|s| s.mode == Mode::GroupConsume)
            .unwrap();
        let args = contract_args(
            group,
            "1",
            &Tuning::default(),
            "h:1",
            "t",
            Some("t-franzl-0"),
            true,
        );
        assert_eq!(
            args.join(" "),
            "group-consume --bootstrap h:1 --topic t --partitions 6 --count 2000 --size 100 \
             --acks 1 --compression none --warmup 0 --group t-franzl-0"
        );
        assert!(matches!(
            Client::Rskafka.plan(group),
            Plan::NotApplicable(why) if why.contains("no consumer groups")
        ));
        assert!(matches!(Client::FranzGo.plan(group), Plan::Contract { .. }));
        assert!(matches!(Client::Java.plan(group), Plan::JavaPerf { .. }));
    }
}
