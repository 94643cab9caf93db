//! Transactions against the real broker, as scenarios that run under either transaction
//! protocol: `tests/transactions.rs` runs them on the plain broker as it starts
//! (`transaction.version` 2, transactions v2), `tests/transactions_v1.rs` with the feature
//! lowered to 0 (transactions v1).
//!
//! Contract: each scenario creates its own topics and transactional ids, checks that its
//! transactions used the protocol it was given (from [`franzl::Producer::transaction_uses_v2`]
//! and from the requests franzl logged, which [`crate::log_capture`] must be capturing), and
//! prints the transaction requests each of its producers sent.

pub mod read_committed;
pub mod scenarios;

use std::process::Command;
use std::time::{Duration, Instant};

use franzl::config::{ConsumerConfig, IsolationLevel, ProducerConfigBuilder};
use franzl::consumer::{Consumer, ConsumerRecord, TopicPartition};
use franzl::{Producer, ProducerConfig, ProducerRecord};

use crate::consumer::config;
use crate::log_capture;
use crate::processes::example;

/// How long a reader waits for records that should come.
pub const WAIT: Duration = Duration::from_secs(30);

/// The `transactional-copy` example as the chain and the soak run it: a member of `group`
/// copying `from` to `to` through `bootstrap` with `transactional_id` (a restarted member keeps
/// its slot's, fencing what is left of its predecessor), aborting one transaction in ten at
/// random, with 6 s sessions and heartbeats every `heartbeat_ms`, logging warnings.
pub fn copier_command(
    bootstrap: &str,
    group: &str,
    (from, to): (&str, &str),
    transactional_id: &str,
    client_id: &str,
    heartbeat_ms: u32,
) -> Command {
    let mut command = Command::new(example("transactional-copy"));
    command
        .args(["--bootstrap", bootstrap, "--group", group])
        .args(["--from", from, "--to", to])
        .args(["--transactional-id", transactional_id])
        .args(["--abort-randomly", "10"])
        .args(["--consumer-property", "session.timeout.ms=6000"])
        .args([
            "--consumer-property",
            &format!("heartbeat.interval.ms={heartbeat_ms}"),
        ])
        .args(["--property", &format!("client.id={client_id}")])
        .env("RUST_LOG", "warn")
        .env_remove("FRANZL_BOOTSTRAP");
    command
}

/// The transaction protocol a run expects the client to choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Transactions v1: AddPartitionsToTxn, AddOffsetsToTxn, EndTxn below v5.
    V1,
    /// Transactions v2 (KIP-890): partitions and offsets added by Produce v12 and
    /// TxnOffsetCommit v5, EndTxn v5.
    V2,
}

/// A transactional producer's config for `bootstrap` and transactional id `id`, edited.
///
/// # Panics
///
/// The edited config is refused.
pub fn transactional(
    bootstrap: &str,
    id: &str,
    edit: impl FnOnce(ProducerConfigBuilder) -> ProducerConfigBuilder,
) -> ProducerConfig {
    edit(
        ProducerConfig::builder()
            .client(|c| c.bootstrap_servers(bootstrap.split(',')))
            .transactional_id(id),
    )
    .build()
    .expect("transactional producer config")
}

/// A connected transactional producer with transactions initialized.
///
/// # Panics
///
/// It cannot connect or initialize.
pub async fn initialized(config: ProducerConfig) -> Producer {
    let producer = Producer::connect(config).await.expect("connect");
    producer
        .init_transactions()
        .await
        .expect("init_transactions");
    producer
}

/// Begins a transaction and checks that it speaks `protocol`.
///
/// # Panics
///
/// The transaction cannot begin or speaks the other protocol.
pub fn begin(producer: &Producer, protocol: Protocol) {
    producer.begin_transaction().expect("begin_transaction");
    assert_eq!(
        producer.transaction_uses_v2(),
        protocol == Protocol::V2,
        "the transaction's protocol"
    );
}

/// A consumer config for a reader at `isolation`, without a group.
///
/// # Panics
///
/// The config is refused.
pub fn reader(bootstrap: &str, isolation: IsolationLevel) -> ConsumerConfig {
    config(bootstrap)
        .isolation_level(isolation)
        .build()
        .unwrap()
}

/// A record's value as text.
pub fn value(record: &ConsumerRecord) -> String {
    String::from_utf8_lossy(record.value().unwrap_or_default()).into_owned()
}

/// `prefix0`, `prefix1`, ... over `range`.
pub fn numbered(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}{i}")).collect()
}

/// Sends `values` to `topic` partition 0 and waits for every delivery.
///
/// # Panics
///
/// A send or a delivery fails.
pub async fn send_all(producer: &Producer, topic: &str, values: impl IntoIterator<Item = String>) {
    let mut deliveries = Vec::new();
    for value in values {
        let record = ProducerRecord::new(topic, value.as_bytes()).partition(0);
        deliveries.push(producer.send(record).await.expect("send"));
    }
    producer.flush().await;
    for delivery in deliveries {
        delivery.await.expect("delivered");
    }
}

/// Reads partition 0 of `topic` from the start until `expected` records came or `within`
/// passed, then half a second more, where anything beyond `expected` would show.
///
/// # Panics
///
/// The consumer cannot connect or a poll fails.
pub async fn read_all(
    bootstrap: &str,
    topic: &str,
    isolation: IsolationLevel,
    expected: usize,
    within: Duration,
) -> Vec<String> {
    let mut consumer = Consumer::connect(reader(bootstrap, isolation))
        .await
        .unwrap();
    consumer.assign([TopicPartition::new(topic, 0)]);
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    while seen.len() < expected && Instant::now() < deadline {
        let records = consumer.poll(Duration::from_millis(200)).await.unwrap();
        seen.extend(records.iter().map(value));
    }
    let settle = Instant::now() + Duration::from_millis(500);
    while Instant::now() < settle {
        let records = consumer.poll(Duration::from_millis(100)).await.unwrap();
        seen.extend(records.iter().map(value));
    }
    consumer.close().await;
    seen
}

/// The transaction requests franzl logged for transactional id `id`, as `"EndTxn v5"`, in the
/// order sent.
pub fn requests_sent(id: &str) -> Vec<String> {
    let marker = format!("transactional id {id:?}: ");
    log_capture::logged()
        .iter()
        .filter_map(|(_, message)| message.strip_prefix(&marker))
        .filter(|rest| {
            rest.split_once(" v").is_some_and(|(api, version)| {
                api.chars().all(|c| c.is_ascii_alphabetic()) && version.parse::<i16>().is_ok()
            })
        })
        .map(str::to_owned)
        .collect()
}

/// Prints the requests sent for `id` and checks them against `protocol`: with v1 no EndTxn or
/// TxnOffsetCommit at v5; with v2 neither AddPartitionsToTxn nor AddOffsetsToTxn, and EndTxn
/// and TxnOffsetCommit at v5. Returns them.
///
/// # Panics
///
/// A request does not belong to `protocol`.
pub fn check_requests(id: &str, protocol: Protocol) -> Vec<String> {
    let sent = requests_sent(id);
    println!("{protocol:?} {id}: {}", sent.join(", "));
    for request in &sent {
        let (api, version) = request.split_once(" v").expect("API and version");
        let version: i16 = version.parse().expect("version");
        let fits = match (protocol, api) {
            (Protocol::V1, "EndTxn" | "TxnOffsetCommit") => version < 5,
            (Protocol::V2, "EndTxn" | "TxnOffsetCommit") => version >= 5,
            (Protocol::V2, "AddPartitionsToTxn" | "AddOffsetsToTxn") => false,
            _ => true,
        };
        assert!(
            fits,
            "{request} in a run of transactions {protocol:?}: {sent:?}"
        );
    }
    sent
}

/// Whether `sent` (from [`requests_sent`]) holds a request of `api`.
pub fn sent_any(sent: &[String], api: &str) -> bool {
    sent.iter().any(|request| {
        request
            .split_once(" v")
            .is_some_and(|(name, _)| name == api)
    })
}
