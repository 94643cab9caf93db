//! The clients compared, each driven the same way: one process per run, given a topic and a
//! scenario, pinned to the client core, measured by `bench-measure`.
//!
//! franzl's own client (`bench-franzl`) and `replay`, the ceiling (`bench-replay`: Produce
//! requests encoded before the clock, Fetch responses read only as far as counting needs), run
//! every scenario. A row a client cannot run says why (`NotApplicable`), never with figures.

use std::path::{Path, PathBuf};

use super::scenario::{Mode, Scenario};

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

/// The reference client of the ratios.
pub(crate) const REFERENCE: Client = Client::Rdkafka;

/// The ceiling each client's share is taken of.
pub(crate) const CEILING: Client = Client::Replay;

/// How one client runs one scenario.
#[derive(Debug, Clone)]
pub(crate) enum Plan {
    /// A client program of the contract, with the acks it is given and a note for the reader.
    Contract {
        acks: &'static str,
        note: Option<&'static str>,
    },
    /// The Java perf tools.
    JavaPerf,
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
        match self {
            Client::Java if scenario.mode == Mode::Roundtrip => Plan::NotApplicable(
                "the perf tool has no one-request-in-flight mode (its latencies include queueing)"
                    .into(),
            ),
            Client::Java => Plan::JavaPerf,
            Client::Rskafka if scenario.idempotent => {
                Plan::NotApplicable("rskafka has no idempotent producer".into())
            }
            Client::Rskafka if scenario.mode != Mode::Consume && scenario.acks != "all" => {
                Plan::Contract {
                    acks: "all",
                    note: Some("acks=all: rskafka always asks for all"),
                }
            }
            Client::Franzl
            | Client::Rdkafka
            | Client::Rskafka
            | Client::FranzGo
            | Client::Replay => Plan::Contract {
                acks: scenario.acks,
                note: None,
            },
        }
    }
}

/// The contract's arguments for `scenario`, after the program's name.
pub(crate) fn contract_args(
    scenario: &Scenario,
    acks: &str,
    bootstrap: &str,
    topic: &str,
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
    if scenario.mode == Mode::Roundtrip {
        args.extend(["--linger-ms".into(), "0".into()]);
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
                match client.plan(scenario) {
                    Plan::Contract { acks, note: None } => assert_eq!(acks, scenario.acks),
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
    fn contract_arguments() {
        let idempotent = SCENARIOS.iter().find(|s| s.idempotent).unwrap();
        let args = contract_args(idempotent, "all", "127.0.0.1:9092", "t", true);
        assert_eq!(
            args.join(" "),
            "produce --bootstrap 127.0.0.1:9092 --topic t --partitions 6 --count 2000 --size 100 \
             --acks all --compression none --warmup 200 --idempotent"
        );
        assert!(matches!(
            Client::Rskafka.plan(idempotent),
            Plan::NotApplicable(_)
        ));
    }
}
