//! The peers' tuned rows: the throughput settings each peer's own documentation recommends, run
//! beside its defaults row, so franzl's ratios are taken against the faster of the two and never
//! against a peer held back by a default meant for something else.
//!
//! What a scenario fixes stays fixed in both rows (acks, compression, idempotence, and linger 0 for
//! the round trips); a tuned row changes only what its documentation names for throughput. Where
//! the documentation recommends nothing for a mode, the tuned row says so instead of repeating the
//! defaults. franzl, replay (the ceiling) and rskafka (whose documentation recommends no settings)
//! have one row each.

use super::client::Client;
use super::scenario::{Mode, Scenario};

/// What a row sets beyond the scenario's contract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tuning {
    /// A linger in place of the contract's 5 ms, if the documentation asks for one.
    pub(crate) linger_ms: Option<u64>,
    /// Client properties (or, for franz-go, kgo options by name), in order.
    pub(crate) properties: Vec<(&'static str, String)>,
}

impl Tuning {
    /// What the report shows: `linger.ms=100 batch.size=200000`, say.
    pub(crate) fn describe(&self, client: Client) -> String {
        let linger = self.linger_ms.map(|ms| match client {
            Client::FranzGo => format!("ProducerLinger={ms}ms"),
            _ => format!("linger.ms={ms}"),
        });
        linger
            .into_iter()
            .chain(
                self.properties
                    .iter()
                    .map(|(key, value)| format!("{key}={value}")),
            )
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Whether `client` has a tuned row at all.
pub(crate) fn has_tuned_row(client: Client) -> bool {
    matches!(client, Client::Rdkafka | Client::Java | Client::FranzGo)
}

/// Why no tuned row runs a round trip: one record in flight with linger 0 is what the peers'
/// low-latency advice says (librdkafka's INTRODUCTION.md, "Low latency": `linger.ms` 0), and the
/// defaults row already runs exactly that.
const ROUND_TRIP: &str = "one record in flight at linger 0 is the documented low-latency setting: the defaults row runs it";

/// The tuned settings of `client` for `scenario`, or why its tuned row does not run there.
/// Consuming in a group is tuned as consuming with partitions assigned: the peers' throughput
/// advice for consumers is about fetching, which the group does not change; producing in
/// transactions as producing: their advice is about batching, which a commit only cuts short
/// (each commit flushes, whatever the linger).
///
/// # Errors
/// The reason, for the report, when the documentation recommends nothing for this mode.
pub(crate) fn tuned(client: Client, scenario: &Scenario) -> Result<Tuning, String> {
    let mode = match scenario.mode {
        Mode::GroupConsume => Mode::Consume,
        Mode::TransactionalProduce => Mode::Produce,
        mode => mode,
    };
    match (client, mode) {
        (_, Mode::Roundtrip) => Err(ROUND_TRIP.into()),
        // librdkafka, INTRODUCTION.md, "Performance" and "High throughput" (v2.x): "The default
        // setting of linger.ms=5 is not suitable for high throughput, it is recommended to set this
        // value to >50ms, with throughput leveling out somewhere around 100-1000ms". batch.size
        // (1000000) and batch.num.messages (10000) already fill a batch up to the broker's
        // message.max.bytes by default (CONFIGURATION.md), so linger is the one change.
        (Client::Rdkafka, Mode::Produce) => Ok(Tuning {
            linger_ms: Some(100),
            properties: Vec::new(),
        }),
        // librdkafka, CONFIGURATION.md, fetch.queue.backoff.ms (default 1000): "How long to postpone
        // the next fetch request for a topic+partition in case the current fetch queue thresholds
        // (queued.min.messages or queued.max.messages.kbytes) have been exceded"; with the default,
        // a consumer that drains its queue fast waits up to a second before fetching again.
        (Client::Rdkafka, Mode::Consume) => Ok(Tuning {
            linger_ms: None,
            properties: vec![("fetch.queue.backoff.ms", "0".into())],
        }),
        // The Java client: Confluent's "Optimize Confluent Cloud Clients for Throughput"
        // (docs.confluent.io/cloud/current/client-apps/optimizing/throughput.html) and its
        // "How to optimize a Kafka producer for throughput" tutorial: batch.size "increase to
        // 100000–200000 (default 16384)", linger.ms "increase to 10–100"; the top of each range.
        // (Its compression.type=lz4 and acks=1 are the scenario's to fix, not the row's.)
        (Client::Java, Mode::Produce) => Ok(Tuning {
            linger_ms: Some(100),
            properties: vec![("batch.size", "200000".into())],
        }),
        // The same page, consumer: fetch.min.bytes "increase to ~100000 (default 1)", with
        // fetch.max.wait.ms at its default 500.
        (Client::Java, Mode::Consume) => Ok(Tuning {
            linger_ms: None,
            properties: vec![("fetch.min.bytes", "100000".into())],
        }),
        // franz-go: docs/producing-and-consuming.md ("Latency") says lingering is not needed at
        // high throughput, so the row keeps the scenario's linger; examples/bench/main.go, the
        // repository's throughput benchmark ("also serves as a general example of ... client
        // tuning"), raises MaxBufferedRecords (default 10,000) to 250 MiB worth of records.
        (Client::FranzGo, Mode::Produce) => Ok(Tuning {
            linger_ms: None,
            properties: vec![(
                "MaxBufferedRecords",
                ((250 << 20) / scenario.size.max(1) + 1).to_string(),
            )],
        }),
        (Client::FranzGo, Mode::Consume) => Err(
            "franz-go's documentation recommends no consumer setting for throughput \
             (examples/bench only bounds fetch memory): its defaults row is its best"
                .into(),
        ),
        (other, _) => Err(format!("{} has no tuned row", other.name())),
    }
}

#[cfg(test)]
mod tests {
    use super::super::scenario::SCENARIOS;
    use super::*;

    #[test]
    fn every_peer_with_a_tuned_row_tunes_its_producer_and_none_tunes_a_round_trip() {
        for scenario in SCENARIOS {
            for client in [Client::Rdkafka, Client::Java, Client::FranzGo] {
                assert!(has_tuned_row(client));
                let tuning = tuned(client, scenario);
                match scenario.mode {
                    Mode::Produce | Mode::TransactionalProduce => {
                        assert!(tuning.is_ok_and(|t| t != Tuning::default()))
                    }
                    Mode::Roundtrip => assert!(tuning.is_err()),
                    Mode::Consume | Mode::GroupConsume => {}
                }
            }
            for client in [Client::Franzl, Client::Rskafka, Client::Replay] {
                assert!(!has_tuned_row(client));
                assert!(tuned(client, scenario).is_err());
            }
        }
    }

    #[test]
    fn a_group_consumer_is_tuned_as_an_assigned_one() {
        let assigned = SCENARIOS.iter().find(|s| s.mode == Mode::Consume).unwrap();
        let group = SCENARIOS
            .iter()
            .find(|s| s.mode == Mode::GroupConsume)
            .unwrap();
        for client in [Client::Rdkafka, Client::Java, Client::FranzGo] {
            assert_eq!(tuned(client, group), tuned(client, assigned));
        }
        assert_eq!(
            tuned(Client::Rdkafka, group).map(|t| t.describe(Client::Rdkafka)),
            Ok("fetch.queue.backoff.ms=0".into())
        );
    }

    #[test]
    fn librdkafka_consumes_without_the_fetch_queue_backoff() {
        let consume = SCENARIOS.iter().find(|s| s.mode == Mode::Consume).unwrap();
        let tuning = tuned(Client::Rdkafka, consume).unwrap();
        assert_eq!(tuning.describe(Client::Rdkafka), "fetch.queue.backoff.ms=0");
        let produce = &SCENARIOS[0];
        assert_eq!(
            tuned(Client::Java, produce).unwrap().describe(Client::Java),
            "linger.ms=100 batch.size=200000"
        );
        assert_eq!(
            tuned(Client::FranzGo, produce)
                .unwrap()
                .describe(Client::FranzGo),
            "MaxBufferedRecords=2621441"
        );
    }
}
