//! An answer that does not decode leaves its batches in doubt, not failed, against a scripted
//! broker (see [`crate::broker::scripted`]) that appends the first Produce request's batch and
//! answers it with bytes that are no Produce response, then answers every request properly,
//! with the broker's duplicate check (a batch whose producer id, epoch and base sequence it
//! holds is answered with its first offset, not appended again).

use std::sync::{Arc, Mutex};

use async_net::TcpStream;
use franzl_core::frame::{RequestHeader, response_header_version};
use franzl_core::messages::init_producer_id::InitProducerIdResponse;
use franzl_core::messages::produce::{PartitionProduceResponse, ProduceRequest};
use franzl_core::messages::{ApiKey, Message};
use franzl_core::record::RecordBatch;
use franzl_core::wire::{Reader, Uuid};
use futures_lite::AsyncWriteExt;

use crate::broker::scripted::{self, Script};
use crate::broker::tests::respond;
use crate::config::ProducerConfig;
use crate::producer::{Producer, ProducerRecord};

/// The log of `t`-0: (epoch, base sequence) of each batch appended.
type Log = Arc<Mutex<Vec<(i16, i32)>>>;

const SCRIPT: Script<'static> = Script {
    offers: &[
        (ApiKey::ApiVersions, 0, 3),
        (ApiKey::Metadata, 0, 12),
        (ApiKey::InitProducerId, 0, 4),
        (ApiKey::Produce, 3, 11),
    ],
    finalized: None,
    topic: "t",
    topic_id: Uuid::ZERO,
    partitions: &[(0, 0)],
};

async fn serve(mut stream: TcpStream, port: u16, log: Log) {
    while let Some(frame) = scripted::next_request(&mut stream).await {
        let mut reader = Reader::new(&frame);
        let header = RequestHeader::read(&mut reader).unwrap();
        let body = reader.rest();
        if scripted::answer_discovery(&mut stream, &header, port, &SCRIPT).await {
            continue;
        }
        match ApiKey::from_key(header.api_key).unwrap() {
            ApiKey::InitProducerId => {
                let response = InitProducerIdResponse {
                    producer_id: 5000,
                    ..Default::default()
                };
                respond(&mut stream, &header, &response).await;
            }
            ApiKey::Produce => {
                let request = ProduceRequest::decode(header.api_version, body).unwrap();
                let data = request.topic_data.iter().next().unwrap();
                let data = data.partition_data.iter().next().unwrap();
                let batch = RecordBatch::new_checked(data.records.unwrap()).unwrap();
                let key = (batch.producer_epoch(), batch.base_sequence());
                let (first, offset) = {
                    let mut log = log.lock().unwrap();
                    let offset = log.iter().position(|appended| *appended == key);
                    let offset = offset.unwrap_or_else(|| {
                        log.push(key);
                        log.len() - 1
                    });
                    (
                        log.len() == 1 && offset == 0,
                        i64::try_from(offset).unwrap(),
                    )
                };
                if first {
                    // Appended, and answered with bytes that are no Produce response.
                    let mut out = header.correlation_id.to_be_bytes().to_vec();
                    if response_header_version(ApiKey::Produce, header.api_version) >= 1 {
                        out.push(0);
                    }
                    out.extend_from_slice(&[0xff; 3]);
                    let mut frame = u32::try_from(out.len()).unwrap().to_be_bytes().to_vec();
                    frame.extend_from_slice(&out);
                    stream.write_all(&frame).await.unwrap();
                    log.lock().unwrap().push((-1, -1));
                    continue;
                }
                let answers = [PartitionProduceResponse {
                    index: 0,
                    base_offset: offset,
                    ..Default::default()
                }];
                scripted::answer_produce(&mut stream, &header, "t", &answers).await;
            }
            other => panic!("the scripted broker does not answer {other:?}"),
        }
    }
}

#[test]
fn an_answer_that_does_not_decode_leaves_the_batch_in_doubt_and_it_is_written_once() {
    smol::block_on(async {
        let log: Log = Arc::default();
        let shared = Arc::clone(&log);
        let port =
            scripted::start(move |stream, port| serve(stream, port, Arc::clone(&shared))).await;
        let config = ProducerConfig::from_properties([
            ("bootstrap.servers", format!("127.0.0.1:{port}")),
            ("retry.backoff.ms", "10".to_owned()),
            ("delivery.timeout.ms", "10000".to_owned()),
            ("request.timeout.ms", "5000".to_owned()),
        ])
        .unwrap();
        let producer = Producer::connect(config).await.unwrap();
        let delivery = producer
            .send(ProducerRecord::new("t", b"once").partition(0))
            .await
            .unwrap();
        let written = delivery.await;
        producer.close().await;
        let written = written.expect("retried and found written, not failed");
        assert_eq!(written.offset, 0);
        // The append, the marker of the garbled answer; the retry found it a duplicate.
        assert_eq!(*log.lock().unwrap(), [(0, 0), (-1, -1)]);
    });
}
