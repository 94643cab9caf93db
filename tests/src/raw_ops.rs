//! Everyday operations on a [`RawClient`]: create a topic and wait for its leader, produce one
//! record batch, fetch a partition's records, and decode fetched batches into owned records.
//!
//! Each helper uses the highest version both sides support and asserts success (these are test
//! steps, not the behaviour under test); a failure panics with the broker's error code.

use std::thread::sleep;
use std::time::{Duration, Instant};

use franzl_core::ErrorCode;
use franzl_core::compression::Compression;
use franzl_core::messages::Array;
use franzl_core::messages::create_topics::{
    CreatableTopic, CreatableTopicConfig, CreateTopicsRequest,
};
use franzl_core::messages::fetch::FetchRequest;
use franzl_core::messages::metadata::{MetadataRequest, MetadataRequestTopic};
use franzl_core::messages::produce::{PartitionProduceData, ProduceRequest, TopicProduceData};
use franzl_core::messages::{OnePartitionFetch, TopicRef};
use franzl_core::record::{Batch, Batches};
use franzl_core::wire::Uuid;

use crate::raw_client::RawClient;

/// How long a new topic may take to get leaders, and fetched records to appear.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Room for one decompressed batch's records (the tests' batches are far smaller).
const DECOMPRESS_BUFFER: usize = 4 << 20;

/// A record decoded by franzl, copied out of the batch so it outlives the fetch buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedRecord {
    /// The record's offset.
    pub offset: i64,
    /// The record's timestamp (ms).
    pub timestamp: i64,
    /// The key.
    pub key: Option<Vec<u8>>,
    /// The value.
    pub value: Option<Vec<u8>>,
    /// The headers, in order.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// A fetched v2 batch: its codec and its records.
#[derive(Clone, Debug)]
pub struct FetchedBatch {
    /// The codec the batch was stored with.
    pub compression: Compression,
    /// The records, in order.
    pub records: Vec<OwnedRecord>,
}

/// Creates `name` with `partitions` partitions (replication 1 per the broker's default), waits
/// until each partition has a leader, and returns the topic id.
///
/// # Panics
///
/// The broker refuses, or no leader appears within 30 s.
pub fn create_topic(client: &mut RawClient, name: &str, partitions: i32) -> Uuid {
    create_topic_with(client, name, partitions, &[])
}

/// As [`create_topic`], with topic `configs` (`name`, `value`).
///
/// # Panics
///
/// The broker refuses, or no leader appears within 30 s.
pub fn create_topic_with(
    client: &mut RawClient,
    name: &str,
    partitions: i32,
    configs: &[(&str, &str)],
) -> Uuid {
    let configs: Vec<CreatableTopicConfig<'_>> = configs
        .iter()
        .map(|&(name, value)| CreatableTopicConfig {
            name,
            value: Some(value),
            ..Default::default()
        })
        .collect();
    let topics = [CreatableTopic {
        name,
        num_partitions: partitions,
        replication_factor: -1,
        configs: Array::from_slice(&configs),
        ..Default::default()
    }];
    let request = CreateTopicsRequest {
        topics: Array::from_slice(&topics),
        timeout_ms: 30_000,
        ..Default::default()
    };
    let reply = client.call_latest(&request).expect("CreateTopics");
    for result in reply.body().topics.iter() {
        assert_eq!(
            result.error_code,
            ErrorCode::NONE,
            "CreateTopics {name}: {:?}",
            result.error_message
        );
    }
    wait_for_leaders(client, name, partitions)
}

/// Polls Metadata until every partition of `name` has a leader; returns the topic id.
///
/// # Panics
///
/// The partitions have no leader after 30 s.
pub fn wait_for_leaders(client: &mut RawClient, name: &str, partitions: i32) -> Uuid {
    let topics = [MetadataRequestTopic {
        name: Some(name),
        ..Default::default()
    }];
    let request = MetadataRequest {
        topics: Some(Array::from_slice(&topics)),
        ..Default::default()
    };
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    loop {
        let reply = client.call_latest(&request).expect("Metadata");
        let body = reply.body();
        let ready = body.topics.iter().find(|topic| {
            topic.error_code.is_ok()
                && topic.name == Some(name)
                && topic.partitions.len() == usize::try_from(partitions).unwrap_or(0)
                && topic
                    .partitions
                    .iter()
                    .all(|p| p.error_code.is_ok() && p.leader_id >= 0)
        });
        if let Some(topic) = ready {
            return topic.topic_id;
        }
        assert!(
            Instant::now() < deadline,
            "topic {name} has no leaders: {body:?}"
        );
        sleep(Duration::from_millis(100));
    }
}

/// Produces one encoded record batch to `topic`/`partition` with acks=all; returns the base
/// offset the broker assigned. Retriable errors (a new topic's leader not ready on the broker
/// yet, though Metadata names it) are retried for up to 30 s, as a client would.
///
/// # Panics
///
/// The broker refuses the batch.
pub fn produce(client: &mut RawClient, topic: &str, partition: i32, batch: &[u8]) -> i64 {
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    loop {
        match produce_once(client, topic, partition, batch) {
            Ok(base_offset) => return base_offset,
            Err(code) if code.is_retriable() && Instant::now() < deadline => {
                sleep(Duration::from_millis(100));
            }
            Err(code) => panic!("Produce to {topic}/{partition}: {code}"),
        }
    }
}

/// One Produce request of `batch` with acks=all: the base offset, or the partition's error.
///
/// # Panics
///
/// The request fails or the reply lacks the partition.
pub fn produce_once(
    client: &mut RawClient,
    topic: &str,
    partition: i32,
    batch: &[u8],
) -> Result<i64, ErrorCode> {
    let named = TopicRef::named(topic);
    // Named topics: Produce v13 addresses them by id, so this helper stays at v12.
    let latest = client.latest::<ProduceRequest<'_>>();
    let version = named.version(Some(latest)).unwrap_or(latest);
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
        acks: -1,
        timeout_ms: 30_000,
        topic_data: Array::from_slice(&topics),
        ..Default::default()
    };
    let reply = client.call(version, &request).expect("Produce");
    let body = reply.body();
    let result = named
        .produced(&body, version, partition)
        .unwrap_or_else(|| panic!("Produce reply without partition {partition}: {body:?}"));
    result.error_code.into_result().map(|()| result.base_offset)
}

/// The records bytes of one Fetch from `offset`, at most `max_bytes` of them (the broker may
/// cut the last batch there), copied out of the reply, or the partition's error. The topic is
/// both named and identified, so every Fetch version works.
///
/// # Panics
///
/// The request fails, the response has a top-level error, or it lacks the partition.
pub fn fetch_once(
    client: &mut RawClient,
    topic: &str,
    topic_id: Uuid,
    partition: i32,
    offset: i64,
    max_bytes: i32,
) -> Result<Vec<u8>, ErrorCode> {
    let fetch = OnePartitionFetch {
        topic: TopicRef {
            name: topic,
            id: topic_id,
        },
        partition,
        offset,
        max_wait_ms: 200,
        min_bytes: 1,
        max_bytes,
        isolation_level: 0,
    };
    let latest = client.latest::<FetchRequest<'_>>();
    let version = fetch.topic.version(Some(latest)).unwrap_or(latest);
    let partitions = fetch.partitions();
    let topics = fetch.topics(&partitions);
    let reply = client
        .call(version, &fetch.request(&topics))
        .expect("Fetch");
    let body = reply.body();
    assert_eq!(body.error_code, ErrorCode::NONE, "Fetch: {body:?}");
    let data = fetch
        .topic
        .fetched(&body, version, partition)
        .unwrap_or_else(|| panic!("Fetch reply without partition {partition}: {body:?}"));
    data.error_code
        .into_result()
        .map(|()| data.records.unwrap_or_default().to_vec())
}

/// What [`fetch_records`] read.
#[derive(Clone, Debug, Default)]
pub struct Fetched {
    /// The whole batches, in offset order.
    pub batches: Vec<FetchedBatch>,
    /// How many responses ended in a batch the broker cut at the byte limit.
    pub cut_batches: usize,
}

impl Fetched {
    /// The records of all batches, in order.
    pub fn records(&self) -> Vec<OwnedRecord> {
        self.batches
            .iter()
            .flat_map(|b| b.records.iter().cloned())
            .collect()
    }
}

/// Fetches from offset 0, at most `max_bytes` per response, until at least `count` records
/// have been decoded, and returns the batches read. Retriable partition errors are retried.
///
/// # Panics
///
/// Fewer records arrive within 30 s, the partition reports an error that is not retriable, or a
/// batch does not decode.
pub fn fetch_records(
    client: &mut RawClient,
    topic: &str,
    topic_id: Uuid,
    partition: i32,
    count: usize,
    max_bytes: i32,
) -> Fetched {
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    let mut fetched = Fetched::default();
    let mut offset = 0;
    let mut read = 0;
    while read < count {
        assert!(
            Instant::now() < deadline,
            "only {read} of {count} records arrived: {fetched:?}"
        );
        let bytes = match fetch_once(client, topic, topic_id, partition, offset, max_bytes) {
            Ok(bytes) => bytes,
            Err(code) if code.is_retriable() => {
                sleep(Duration::from_millis(100));
                continue;
            }
            Err(code) => panic!("Fetch {topic}/{partition}: {code}"),
        };
        let (batches, cut) = decode_batches(&bytes);
        fetched.cut_batches += usize::from(cut > 0);
        for batch in batches {
            if let Some(last) = batch.records.last() {
                offset = last.offset + 1;
            }
            read += batch.records.len();
            fetched.batches.push(batch);
        }
    }
    fetched
}

/// Decodes every complete v2 batch in a Fetch partition's records bytes: each batch's CRC is
/// checked, compressed records are decompressed into a buffer and read in place there. Also
/// returns the length of the cut batch at the end (0 if none).
///
/// # Panics
///
/// A batch is malformed, legacy, fails its CRC, or does not decompress.
pub fn decode_batches(records: &[u8]) -> (Vec<FetchedBatch>, usize) {
    let mut buffer = vec![0u8; DECOMPRESS_BUFFER];
    let mut out = Vec::new();
    let mut batches = Batches::new(records);
    for batch in batches.by_ref() {
        let batch = match batch {
            Ok(Batch::V2(batch)) => batch,
            Ok(Batch::Legacy(message)) => panic!("unexpected legacy message {message:?}"),
            Err(error) => panic!("batch does not decode: {error}"),
        };
        batch.verify_crc().expect("batch CRC");
        let records = batch
            .records_in(&mut buffer)
            .unwrap_or_else(|error| panic!("{:?} batch: {error}", batch.compression()));
        let records: Vec<OwnedRecord> = records
            .map(|record| {
                let record = record.expect("record decodes");
                OwnedRecord {
                    offset: record.offset,
                    timestamp: record.timestamp,
                    key: record.key.map(<[u8]>::to_vec),
                    value: record.value.map(<[u8]>::to_vec),
                    headers: record
                        .headers
                        .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                        .collect(),
                }
            })
            .collect();
        assert_eq!(records.len(), batch.record_count() as usize, "record count");
        out.push(FetchedBatch {
            compression: batch.compression(),
            records,
        });
    }
    (out, batches.remaining().len())
}
