//! A batch whose outcome is in doubt is never sent again under a new epoch, against a scripted
//! broker: a TCP server in the test that answers ApiVersions, Metadata, InitProducerId and
//! Produce with responses built by franzl-core's encoders, and keeps each partition's log with
//! the broker's duplicate check (a batch whose producer id, epoch and base sequence the log
//! already holds is answered with its first offset, not appended again).
//!
//! The script: the first batch for `t`-0 is appended and answered
//! `NOT_ENOUGH_REPLICAS_AFTER_APPEND` (written, but the producer cannot know); the first for
//! `t`-1 is refused with `INVALID_RECORD`, which leaves a gap in that partition's sequence and
//! so asks for a new epoch. Every later batch is appended (or found a duplicate) and answered.
//! The test sends both first batches in one request (a flush while they linger).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_net::TcpStream;
use franzl_core::ErrorCode;
use franzl_core::frame::RequestHeader;
use franzl_core::messages::init_producer_id::{InitProducerIdRequest, InitProducerIdResponse};
use franzl_core::messages::produce::{PartitionProduceResponse, ProduceRequest};
use franzl_core::messages::{ApiKey, Message};
use franzl_core::record::RecordBatch;
use franzl_core::wire::{Reader, Uuid};

use crate::broker::scripted::{self, Script};
use crate::broker::tests::respond;
use crate::config::ProducerConfig;
use crate::producer::{Producer, ProducerRecord};

/// One batch in a partition's log: producer id, epoch, base sequence, first offset, values.
#[derive(Debug, Clone)]
struct Appended {
    producer_id: i64,
    epoch: i16,
    base_sequence: i32,
    offset: i64,
    values: Vec<String>,
}

/// The scripted broker's state: each partition's log, the Produce requests answered so far,
/// and the epochs InitProducerId granted.
#[derive(Debug, Default)]
struct Logs {
    partitions: [Vec<Appended>; 2],
    /// Batches received per partition.
    received: [usize; 2],
    epochs: Vec<i16>,
}

type Shared = Arc<Mutex<Logs>>;

async fn scripted_broker() -> (u16, Shared) {
    let logs: Shared = Arc::default();
    let shared = Arc::clone(&logs);
    let port = scripted::start(move |stream, port| serve(stream, port, Arc::clone(&shared))).await;
    (port, logs)
}

const SCRIPT: Script<'static> = Script {
    offers: &[
        (ApiKey::ApiVersions, 0, 3),
        (ApiKey::Metadata, 0, 12),
        (ApiKey::InitProducerId, 0, 4),
        // v11: topics by name.
        (ApiKey::Produce, 3, 11),
    ],
    finalized: None,
    topic: "t",
    topic_id: Uuid::ZERO,
    partitions: &[(0, 0), (1, 0)],
};

async fn serve(mut stream: TcpStream, port: u16, logs: Shared) {
    while let Some(frame) = scripted::next_request(&mut stream).await {
        let mut reader = Reader::new(&frame);
        let header = RequestHeader::read(&mut reader).unwrap();
        let body = reader.rest();
        if scripted::answer_discovery(&mut stream, &header, port, &SCRIPT).await {
            continue;
        }
        match ApiKey::from_key(header.api_key).unwrap() {
            ApiKey::InitProducerId => {
                let request = InitProducerIdRequest::decode(header.api_version, body).unwrap();
                // A new producer gets epoch 0; a known one asking for a bump gets the next.
                let epoch = if request.producer_id < 0 {
                    0
                } else {
                    request.producer_epoch + 1
                };
                logs.lock().unwrap().epochs.push(epoch);
                let response = InitProducerIdResponse {
                    producer_id: 4000,
                    producer_epoch: epoch,
                    ..Default::default()
                };
                respond(&mut stream, &header, &response).await;
            }
            ApiKey::Produce => {
                let request = ProduceRequest::decode(header.api_version, body).unwrap();
                let mut answers = Vec::new();
                {
                    let mut logs = logs.lock().unwrap();
                    for topic in request.topic_data.iter() {
                        for data in topic.partition_data.iter() {
                            let index = data.index;
                            let batch = RecordBatch::new_checked(data.records.unwrap()).unwrap();
                            let slot = usize::try_from(index).unwrap();
                            logs.received[slot] += 1;
                            let first = logs.received[slot] == 1;
                            let log = &mut logs.partitions[slot];
                            let (code, offset) = append(log, &batch, first, index);
                            answers.push(PartitionProduceResponse {
                                index,
                                error_code: code,
                                base_offset: offset,
                                ..Default::default()
                            });
                        }
                    }
                }
                scripted::answer_produce(&mut stream, &header, "t", &answers).await;
            }
            other => panic!("the scripted broker does not answer {other:?}"),
        }
    }
}

/// Appends `batch` to partition `index`'s `log` as the script says; returns the answer.
fn append(
    log: &mut Vec<Appended>,
    batch: &RecordBatch<'_>,
    first: bool,
    index: i32,
) -> (ErrorCode, i64) {
    if first && index == 1 {
        return (ErrorCode::INVALID_RECORD, -1);
    }
    let (producer_id, epoch) = (batch.producer_id(), batch.producer_epoch());
    let base_sequence = batch.base_sequence();
    let duplicate = log
        .iter()
        .find(|a| (a.producer_id, a.epoch, a.base_sequence) == (producer_id, epoch, base_sequence));
    if let Some(duplicate) = duplicate {
        return (ErrorCode::NONE, duplicate.offset);
    }
    let offset = log
        .last()
        .map_or(0, |a| a.offset + i64::try_from(a.values.len()).unwrap());
    let values = batch
        .records()
        .unwrap()
        .map(|record| String::from_utf8_lossy(record.unwrap().value.unwrap_or_default()).into())
        .collect();
    log.push(Appended {
        producer_id,
        epoch,
        base_sequence,
        offset,
        values,
    });
    if first {
        (ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND, -1)
    } else {
        (ErrorCode::NONE, offset)
    }
}

#[test]
fn a_batch_in_doubt_is_not_written_again_under_a_new_epoch() {
    smol::block_on(async {
        let (port, logs) = scripted_broker().await;
        let config = ProducerConfig::from_properties([
            ("bootstrap.servers", format!("127.0.0.1:{port}")),
            ("linger.ms", "5000".to_owned()),
            ("retry.backoff.ms", "10".to_owned()),
            ("delivery.timeout.ms", "10000".to_owned()),
            ("request.timeout.ms", "5000".to_owned()),
        ])
        .unwrap();
        let producer = Producer::connect(config).await.unwrap();
        // Both batches linger; the flush sends them in one request.
        let kept = producer
            .send(ProducerRecord::new("t", b"kept").partition(0))
            .await
            .unwrap();
        let refused = producer
            .send(ProducerRecord::new("t", b"refused").partition(1))
            .await
            .unwrap();
        producer.flush().await;
        let kept = kept.await;
        let refused = refused.await;
        // A record sent after the new epoch goes under it.
        let after = producer
            .send(ProducerRecord::new("t", b"after").partition(0))
            .await
            .unwrap();
        producer.flush().await;
        let after = smol::future::or(after, async {
            async_io::Timer::after(Duration::from_secs(10)).await;
            panic!("the record after the new epoch was not delivered");
        })
        .await;
        producer.close().await;
        let logs = logs.lock().unwrap();
        let p0: Vec<&str> = logs.partitions[0]
            .iter()
            .flat_map(|a| a.values.iter().map(String::as_str))
            .collect();
        assert_eq!(p0, ["kept", "after"], "{logs:#?}");
        assert_eq!(kept.unwrap().offset, 0, "the first append's offset");
        let refused = refused.unwrap_err();
        assert!(refused.to_string().contains("INVALID_RECORD"), "{refused}");
        assert_eq!(after.unwrap().offset, 1);
        assert_eq!(logs.epochs, [0, 1], "one bump, for the gap in t-1");
        let last = logs.partitions[0].last().unwrap();
        assert_eq!((last.epoch, last.base_sequence), (1, 0), "{logs:#?}");
    });
}
