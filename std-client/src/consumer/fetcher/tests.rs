//! Log truncation (KIP-320) against a scripted broker: a TCP server in the test that answers
//! ApiVersions, Metadata, ListOffsets and Fetch with responses built by franzl-core's encoders.
//!
//! The script: node 1 leads `t`-0 at leader epoch 7. The first Fetch is answered from the old
//! leader's log, offsets 0-2 at epoch 3 and 3-5 at epoch 5. Every later Fetch is answered from
//! the new leader's log, which has offsets 0-2 at epoch 3 and then 3-4 ("new") at epoch 7: a
//! Fetch whose last fetched epoch is 5 gets `diverging_epoch` (epoch 3, end offset 3).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_net::TcpStream;
use franzl_core::frame::RequestHeader;
use franzl_core::messages::fetch::{
    EpochEndOffset, FetchRequest, FetchResponse, FetchableTopicResponse, PartitionData,
};
use franzl_core::messages::list_offsets::{
    ListOffsetsPartitionResponse, ListOffsetsResponse, ListOffsetsTopicResponse,
};
use franzl_core::messages::{ApiKey, Array, Message};
use franzl_core::record::{BatchOptions, NewRecord, RecordBatchBuilder};
use franzl_core::wire::{Reader, Uuid};

use crate::broker::scripted::{self, Script};
use crate::broker::tests::respond;
use crate::config::ConsumerConfig;
use crate::consumer::{Consumer, ConsumerRecord, SeekTo, TopicPartition};
use crate::error::Error;

/// What the scripted broker saw of each Fetch: fetch offset, current leader epoch, last
/// fetched epoch.
type Seen = Arc<Mutex<Vec<(i64, i32, i32)>>>;

/// A batch of `values` from `base_offset`, written at leader epoch `epoch`.
fn batch(base_offset: i64, epoch: i32, values: &[&str]) -> Vec<u8> {
    let mut out = vec![0u8; 4096];
    let options = BatchOptions {
        base_offset,
        partition_leader_epoch: epoch,
        ..BatchOptions::default()
    };
    let mut builder = RecordBatchBuilder::new(&mut out, options).unwrap();
    for (i, value) in values.iter().enumerate() {
        builder
            .append(&NewRecord {
                timestamp_delta: 0,
                offset_delta: i32::try_from(i).unwrap(),
                key: None,
                value: Some(value.as_bytes()),
                headers: &[],
            })
            .unwrap();
    }
    let len = builder.finish().unwrap();
    out.truncate(len);
    out
}

/// Starts the broker; returns its port and what it saw of each Fetch.
async fn scripted_broker() -> (u16, Seen) {
    let seen: Seen = Arc::default();
    let fetches = Arc::clone(&seen);
    let port = scripted::start(move |stream, port| serve(stream, port, Arc::clone(&fetches))).await;
    (port, seen)
}

const SCRIPT: Script<'static> = Script {
    offers: &[
        (ApiKey::ApiVersions, 0, 3),
        (ApiKey::Metadata, 0, 12),
        (ApiKey::ListOffsets, 0, 8),
        // v12: topics by name, with last_fetched_epoch and diverging_epoch.
        (ApiKey::Fetch, 4, 12),
    ],
    finalized: None,
    topic: "t",
    topic_id: Uuid([7; 16]),
    partitions: &[(0, 7)],
};

async fn serve(mut stream: TcpStream, port: u16, seen: Seen) {
    while let Some(frame) = scripted::next_request(&mut stream).await {
        let mut reader = Reader::new(&frame);
        let header = RequestHeader::read(&mut reader).unwrap();
        let body = reader.rest();
        if scripted::answer_discovery(&mut stream, &header, port, &SCRIPT).await {
            continue;
        }
        match ApiKey::from_key(header.api_key).unwrap() {
            ApiKey::ListOffsets => {
                let partitions = [ListOffsetsPartitionResponse {
                    partition_index: 0,
                    offset: 0,
                    ..Default::default()
                }];
                let topics = [ListOffsetsTopicResponse {
                    name: "t",
                    partitions: Array::from_slice(&partitions),
                    ..Default::default()
                }];
                let response = ListOffsetsResponse {
                    topics: Array::from_slice(&topics),
                    ..Default::default()
                };
                respond(&mut stream, &header, &response).await;
            }
            ApiKey::Fetch => {
                let request = FetchRequest::decode(header.api_version, body).unwrap();
                let asked = request
                    .topics
                    .iter()
                    .next()
                    .unwrap()
                    .partitions
                    .iter()
                    .next();
                let asked = asked.unwrap();
                let first = {
                    let mut seen = seen.lock().unwrap();
                    seen.push((
                        asked.fetch_offset,
                        asked.current_leader_epoch,
                        asked.last_fetched_epoch,
                    ));
                    seen.len() == 1
                };
                let (records, diverging) =
                    answer(first, asked.fetch_offset, asked.last_fetched_epoch);
                if records.is_empty() && diverging.epoch < 0 {
                    // Nothing new: hold the Fetch a little, as a broker waits for max_wait_ms.
                    async_io::Timer::after(Duration::from_millis(20)).await;
                }
                let partitions = [PartitionData {
                    partition_index: 0,
                    high_watermark: 6,
                    last_stable_offset: 6,
                    log_start_offset: 0,
                    diverging_epoch: diverging,
                    records: Some(&records),
                    ..Default::default()
                }];
                let topics = [FetchableTopicResponse {
                    topic: "t",
                    partitions: Array::from_slice(&partitions),
                    ..Default::default()
                }];
                let response = FetchResponse {
                    responses: Array::from_slice(&topics),
                    ..Default::default()
                };
                respond(&mut stream, &header, &response).await;
            }
            other => panic!("the scripted broker does not answer {other:?}"),
        }
    }
}

/// The records (and divergence) the script answers a Fetch with.
fn answer(
    first: bool,
    fetch_offset: i64,
    last_fetched_epoch: i32,
) -> (Vec<u8>, EpochEndOffset<'static>) {
    let none = EpochEndOffset::default();
    let common = [(0, 3, ["a0", "a1", "a2"].as_slice())];
    if first {
        let old = common
            .into_iter()
            .chain([(3, 5, ["old3", "old4", "old5"].as_slice())]);
        return (batches(old, fetch_offset), none);
    }
    if last_fetched_epoch == 5 {
        let diverging = EpochEndOffset {
            epoch: 3,
            end_offset: 3,
            ..Default::default()
        };
        return (Vec::new(), diverging);
    }
    let new = common
        .into_iter()
        .chain([(3, 7, ["new3", "new4"].as_slice())]);
    (batches(new, fetch_offset), none)
}

/// The batches of `log` that hold offsets at or after `from`.
fn batches<'a>(log: impl Iterator<Item = (i64, i32, &'a [&'a str])>, from: i64) -> Vec<u8> {
    let mut out = Vec::new();
    for (base, epoch, values) in log {
        if base + i64::try_from(values.len()).unwrap() > from {
            out.extend(batch(base, epoch, values));
        }
    }
    out
}

async fn consumer(port: u16, reset: &str) -> Consumer {
    let config = ConsumerConfig::from_properties([
        ("bootstrap.servers", format!("127.0.0.1:{port}")),
        ("auto.offset.reset", reset.to_owned()),
        ("retry.backoff.ms", "10".to_owned()),
    ])
    .unwrap();
    let consumer = Consumer::connect(config).await.unwrap();
    let partition = TopicPartition::new("t", 0);
    consumer.assign([partition.clone()]);
    consumer.seek(&partition, SeekTo::Offset(0)).unwrap();
    consumer
}

fn values(records: &[ConsumerRecord]) -> Vec<(i64, String)> {
    let text = |r: &ConsumerRecord| String::from_utf8_lossy(r.value().unwrap_or_default()).into();
    records.iter().map(|r| (r.offset(), text(r))).collect()
}

#[test]
fn fetch_requests_carry_the_epoch_of_the_last_batch_fetched() {
    smol::block_on(async {
        let (port, seen) = scripted_broker().await;
        let mut consumer = consumer(port, "earliest").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while seen.lock().unwrap().len() < 2 && Instant::now() < deadline {
            let _ = consumer.poll(Duration::from_millis(50)).await;
        }
        let seen = seen.lock().unwrap().clone();
        // After the seek the epoch is unknown; after the first batches it is theirs (5), and
        // the current leader epoch is the one metadata gave (7).
        assert_eq!(seen.first(), Some(&(0, 7, -1)), "{seen:?}");
        assert_eq!(seen.get(1), Some(&(6, 7, 5)), "{seen:?}");
    });
}

#[test]
fn a_diverging_log_is_read_again_from_the_divergence_point() {
    smol::block_on(async {
        let (port, seen) = scripted_broker().await;
        let mut consumer = consumer(port, "earliest").await;
        let mut read = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while read.last().map(|(offset, _)| *offset) != Some(4) && Instant::now() < deadline {
            read.extend(values(
                &consumer.poll(Duration::from_millis(100)).await.unwrap(),
            ));
        }
        // However much of the old log was handed out before the divergence was found, reading
        // goes on from offset 3 in the new leader's log, and ends there.
        let new_from = read.iter().position(|(_, v)| v.starts_with("new"));
        let new_from = new_from.unwrap_or_else(|| panic!("never read the new log: {read:?}"));
        let tail: Vec<(i64, String)> = read[new_from..].to_vec();
        assert_eq!(tail, [(3, "new3".into()), (4, "new4".into())], "{read:?}");
        assert!(
            read[..new_from].iter().all(|(offset, _)| *offset < 6),
            "{read:?}"
        );
        assert_eq!(consumer.position(&TopicPartition::new("t", 0)), Some(5));
        let seen = seen.lock().unwrap().clone();
        assert!(seen.contains(&(6, 7, 5)), "{seen:?}");
    });
}

#[test]
fn with_reset_none_a_truncation_is_reported_and_the_partition_stops() {
    smol::block_on(async {
        let (port, _) = scripted_broker().await;
        let mut consumer = consumer(port, "none").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let error = loop {
            assert!(Instant::now() < deadline, "no truncation reported");
            match consumer.poll(Duration::from_millis(100)).await {
                Ok(records) => assert!(values(&records).iter().all(|(_, v)| !v.starts_with("new"))),
                Err(error) => break error,
            }
        };
        match &error {
            Error::LogTruncated {
                topic,
                partition,
                fetch_offset,
                diverging_offset,
            } => {
                assert_eq!(
                    (topic.as_str(), *partition, *fetch_offset, *diverging_offset),
                    ("t", 0, 6, Some(3))
                );
            }
            other => panic!("expected a log truncation, got {other}"),
        }
        assert!(!error.is_retriable());
        let text = error.to_string();
        assert!(
            text.contains("t-0") && text.contains("offset 6") && text.contains("offset 3"),
            "{text}"
        );
        assert_eq!(consumer.stopped(), [TopicPartition::new("t", 0)]);
    });
}
