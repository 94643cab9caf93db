//! Helpers for the consumer's tests: a consumer config for a test broker, records written by
//! kcat, raw Produce requests (explicit timestamps, transactions) through franzl's `Client`,
//! and collecting records with a deadline.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use franzl::Error;
use franzl::cluster::{Client, CoordinatorKind};
use franzl::config::{ClientConfig, ConsumerConfigBuilder};
use franzl::consumer::{Consumer, ConsumerRecord};
use franzl::core::ErrorCode;
use franzl::core::compression::Compression;
use franzl::core::messages::add_partitions_to_txn::{
    AddPartitionsToTxnRequest, AddPartitionsToTxnTopic,
};
use franzl::core::messages::end_txn::EndTxnRequest;
use franzl::core::messages::init_producer_id::InitProducerIdRequest;
use franzl::core::messages::produce::{PartitionProduceData, ProduceRequest, TopicProduceData};
use franzl::core::messages::{ApiKey, Array};
use franzl::core::record::{BatchOptions, NewRecord, RecordBatchBuilder};

/// A consumer config for `bootstrap` (plain profile), reading from the earliest offset.
pub fn config(bootstrap: &str) -> ConsumerConfigBuilder {
    franzl::config::ConsumerConfig::builder()
        .client(|client| client.bootstrap_servers(bootstrap.split(',')))
        .auto_offset_reset(franzl::config::AutoOffsetReset::Earliest)
}

/// A cluster handle for `bootstrap`.
///
/// # Panics
/// The cluster cannot be reached.
pub async fn cluster(bootstrap: &str) -> Client {
    let config = ClientConfig::builder()
        .bootstrap_servers(bootstrap.split(','))
        .build()
        .expect("client config");
    Client::connect(config).await.expect("cluster")
}

/// Writes `input` (one record per line, `key:value`) to `topic` with kcat, compressed with
/// `codec` (`none`, `gzip`, `snappy`, `lz4`, `zstd`), with `extra` arguments (headers: `-H k=v`).
///
/// # Panics
/// kcat cannot run or fails.
pub fn kcat_produce(bootstrap: &str, topic: &str, codec: &str, extra: &[&str], input: &str) {
    let mut child = Command::new("kcat")
        .args(["-P", "-b", bootstrap, "-t", topic, "-K:", "-z", codec])
        .args(["-X", "linger.ms=20", "-X", "acks=all"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kcat runs (apt-get install -y kcat)");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).expect("write to kcat");
    drop(stdin);
    let output = child.wait_with_output().expect("kcat ends");
    assert!(
        output.status.success(),
        "kcat failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Reads `count` records, polling until `within` has passed.
///
/// # Panics
/// An error, or too few records in time (the message says how many came).
pub async fn collect(
    consumer: &mut Consumer,
    count: usize,
    within: Duration,
) -> Vec<ConsumerRecord> {
    let deadline = Instant::now() + within;
    let mut records = Vec::with_capacity(count);
    while records.len() < count {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "only {} of {count} records within {within:?}",
            records.len()
        );
        let polled = consumer.poll(left.min(Duration::from_millis(500))).await;
        records.extend(polled.expect("poll"));
    }
    records
}

/// An uncompressed or compressed batch of `records` with `options`.
pub fn batch(records: &[NewRecord<'_>], codec: Compression, options: BatchOptions) -> Vec<u8> {
    let len = franzl::core::record::encoded_batch_len(records);
    let mut out = vec![0u8; len * 2 + 1024];
    let mut scratch = vec![0u8; len];
    let mut builder = RecordBatchBuilder::compressed(&mut out, &mut scratch, codec, options)
        .expect("batch header fits");
    for record in records {
        builder.append(record).expect("record fits");
    }
    let written = builder.finish().expect("batch");
    out.truncate(written);
    out
}

/// Produces one batch to `topic`'s `partition` with acks=all (within `transactional_id`'s
/// transaction if given) and returns its base offset.
///
/// # Errors
/// The request fails or the broker answers with an error.
pub async fn produce_batch(
    cluster: &Client,
    topic: &str,
    partition: i32,
    batch: &[u8],
    transactional_id: Option<&str>,
) -> Result<i64, Error> {
    let leader = cluster.leader(topic, partition).await?;
    let partitions = [PartitionProduceData {
        index: partition,
        records: Some(batch),
        ..Default::default()
    }];
    let topics = [TopicProduceData {
        name: topic,
        partition_data: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = ProduceRequest {
        transactional_id,
        acks: -1,
        timeout_ms: 30_000,
        topic_data: Array::from_slice(&topics),
        ..Default::default()
    };
    let version = leader.version(ApiKey::Produce)?.min(11);
    let frame = leader.request_at(&request, version).await?;
    let response = frame.decode::<ProduceRequest<'_>>()?;
    let answer = response
        .responses
        .into_iter()
        .flat_map(|topic| topic.partition_responses)
        .next();
    if let Some(answer) = answer {
        check(answer.error_code, "produce")?;
        return Ok(answer.base_offset);
    }
    Err(Error::protocol("produce: no partition in the response"))
}

/// A transaction begun with [`begin_transaction`].
#[derive(Debug, Clone)]
pub struct Transaction {
    /// The transactional id.
    pub id: String,
    /// The producer id the coordinator gave.
    pub producer_id: i64,
    /// Its epoch.
    pub producer_epoch: i16,
}

impl Transaction {
    /// Batch options for this transaction's batch starting at sequence `base_sequence`.
    pub fn batch_options(&self, base_sequence: i32, base_timestamp: i64) -> BatchOptions {
        BatchOptions {
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            base_sequence,
            transactional: true,
            base_timestamp,
            ..BatchOptions::default()
        }
    }
}

/// Runs `attempt` until it succeeds, retrying retriable errors for a minute.
async fn retry<T, F: AsyncFnMut() -> Result<T, Error>>(mut attempt: F) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(error) if error.is_retriable() && Instant::now() < deadline => {
                smol::Timer::after(Duration::from_millis(200)).await;
            }
            Err(error) => panic!("transaction request failed: {error}"),
        }
    }
}

fn check(code: ErrorCode, what: &str) -> Result<(), Error> {
    if code.is_ok() {
        Ok(())
    } else {
        Err(Error::kafka(code, None, what))
    }
}

/// InitProducerId for `id`, then AddPartitionsToTxn for `topic`'s `partition`.
///
/// # Panics
/// The coordinator refuses (after retrying retriable errors for a minute).
pub async fn begin_transaction(
    cluster: &Client,
    id: &str,
    topic: &str,
    partition: i32,
) -> Transaction {
    let (producer_id, producer_epoch) = retry(async || {
        let coordinator = cluster
            .coordinator(CoordinatorKind::Transaction, id)
            .await?;
        let request = InitProducerIdRequest {
            transactional_id: Some(id),
            transaction_timeout_ms: 60_000,
            ..Default::default()
        };
        // Transactions v1 (KIP-890's v2 needs Produce v12 and later EndTxn semantics).
        let version = coordinator.version(ApiKey::InitProducerId)?.min(4);
        let frame = coordinator.request_at(&request, version).await?;
        let response = frame.decode::<InitProducerIdRequest<'_>>()?;
        check(response.error_code, "InitProducerId")?;
        Ok((response.producer_id, response.producer_epoch))
    })
    .await;
    let partitions = [partition];
    let topics = [AddPartitionsToTxnTopic {
        name: topic,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    retry(async || {
        let coordinator = cluster
            .coordinator(CoordinatorKind::Transaction, id)
            .await?;
        let request = AddPartitionsToTxnRequest {
            v3_and_below_transactional_id: id,
            v3_and_below_producer_id: producer_id,
            v3_and_below_producer_epoch: producer_epoch,
            v3_and_below_topics: Array::from_slice(&topics),
            ..Default::default()
        };
        let version = coordinator.version(ApiKey::AddPartitionsToTxn)?.min(3);
        let frame = coordinator.request_at(&request, version).await?;
        let response = frame.decode::<AddPartitionsToTxnRequest<'_>>()?;
        for topic in &response.results_by_topic_v3_and_below {
            for p in &topic.results_by_partition {
                check(p.partition_error_code, "AddPartitionsToTxn")?;
            }
        }
        Ok(())
    })
    .await;
    Transaction {
        id: id.to_string(),
        producer_id,
        producer_epoch,
    }
}

/// EndTxn: commits or aborts `transaction`.
///
/// # Panics
/// The coordinator refuses (after retrying retriable errors for a minute).
pub async fn end_transaction(cluster: &Client, transaction: &Transaction, commit: bool) {
    retry(async || {
        let coordinator = cluster
            .coordinator(CoordinatorKind::Transaction, &transaction.id)
            .await?;
        let request = EndTxnRequest {
            transactional_id: &transaction.id,
            producer_id: transaction.producer_id,
            producer_epoch: transaction.producer_epoch,
            committed: commit,
            ..Default::default()
        };
        let version = coordinator.version(ApiKey::EndTxn)?.min(4);
        let frame = coordinator.request_at(&request, version).await?;
        let response = frame.decode::<EndTxnRequest<'_>>()?;
        check(response.error_code, "EndTxn")
    })
    .await;
}
