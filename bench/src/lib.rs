//! Fixtures for franzl's codec benchmarks: a Metadata response with 1,000 partitions and a Fetch
//! response carrying 10,000 records of 100 bytes (as one raw record-batch blob), built as
//! franzl values (leaked, so they live for the whole run) and walked field by field.

use franzl_core::messages::Array;
use franzl_core::messages::fetch::{FetchResponse, FetchableTopicResponse, PartitionData};
use franzl_core::messages::metadata::{
    MetadataResponse, MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use franzl_core::wire::Uuid;

/// The Metadata version the benchmark uses.
pub const METADATA_VERSION: i16 = 12;
/// The Fetch version the benchmark uses.
pub const FETCH_VERSION: i16 = 16;
/// Records in the Fetch fixture.
pub const FETCH_RECORDS: usize = 10_000;
/// Value size of each record.
pub const RECORD_VALUE_LEN: usize = 100;

fn leak<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

/// Three brokers, ten topics of 100 partitions each, three replicas per partition.
#[must_use]
pub fn metadata_response() -> MetadataResponse<'static> {
    static REPLICAS: [i32; 3] = [1, 2, 3];
    let brokers = leak(
        (1..=3)
            .map(|id| MetadataResponseBroker {
                node_id: id,
                host: "broker.example.internal",
                port: 9092,
                rack: Some("rack-a"),
                ..Default::default()
            })
            .collect(),
    );
    let topics = (0..10u8)
        .map(|t| {
            let partitions = leak(
                (0..100)
                    .map(|p| MetadataResponsePartition {
                        partition_index: p,
                        leader_id: p % 3 + 1,
                        leader_epoch: 7,
                        replica_nodes: Array::from_slice(&REPLICAS),
                        isr_nodes: Array::from_slice(&REPLICAS),
                        ..Default::default()
                    })
                    .collect(),
            );
            MetadataResponseTopic {
                name: Some(Box::leak(format!("topic-{t}").into_boxed_str())),
                topic_id: Uuid([t + 1; 16]),
                partitions: Array::from_slice(partitions),
                ..Default::default()
            }
        })
        .collect();
    MetadataResponse {
        brokers: Array::from_slice(brokers),
        cluster_id: Some("bench-cluster"),
        controller_id: 1,
        topics: Array::from_slice(leak(topics)),
        ..Default::default()
    }
}

/// One partition whose records are a blob the size of a record batch holding
/// [`FETCH_RECORDS`] records of [`RECORD_VALUE_LEN`] bytes (61-byte batch header, about 8 bytes
/// of framing per record).
#[must_use]
pub fn fetch_response() -> FetchResponse<'static> {
    let blob_len = 61 + FETCH_RECORDS * (RECORD_VALUE_LEN + 8);
    let blob = leak((0..blob_len).map(|i| (i % 251) as u8).collect());
    let partitions = leak(vec![PartitionData {
        partition_index: 0,
        high_watermark: FETCH_RECORDS as i64,
        last_stable_offset: FETCH_RECORDS as i64,
        log_start_offset: 0,
        records: Some(blob),
        ..Default::default()
    }]);
    let topics = leak(vec![FetchableTopicResponse {
        topic_id: Uuid([7; 16]),
        partitions: Array::from_slice(partitions),
        ..Default::default()
    }]);
    FetchResponse {
        session_id: 1,
        responses: Array::from_slice(topics),
        ..Default::default()
    }
}

/// Reads every field a client would read from a Metadata response; returns a checksum.
#[must_use]
pub fn walk_metadata(m: &MetadataResponse<'_>) -> i64 {
    let mut sum = i64::from(m.controller_id);
    for b in m.brokers.iter() {
        sum += i64::from(b.node_id) + i64::from(b.port) + b.host.len() as i64;
    }
    for t in m.topics.iter() {
        sum += t.name.map_or(0, str::len) as i64
            + i64::from(t.error_code.0)
            + i64::from(t.topic_id.0[0]);
        for p in t.partitions.iter() {
            sum +=
                i64::from(p.partition_index) + i64::from(p.leader_id) + i64::from(p.leader_epoch);
            sum += p.replica_nodes.iter().map(i64::from).sum::<i64>();
            sum += p.isr_nodes.iter().map(i64::from).sum::<i64>();
        }
    }
    sum
}

/// Reads every partition and its records blob from a Fetch response; returns a checksum.
#[must_use]
pub fn walk_fetch(f: &FetchResponse<'_>) -> i64 {
    let mut sum = 0;
    for t in f.responses.iter() {
        for p in t.partitions.iter() {
            sum += p.high_watermark + i64::from(p.error_code.0);
            sum += p.records.map_or(0, <[u8]>::len) as i64;
        }
    }
    sum
}
