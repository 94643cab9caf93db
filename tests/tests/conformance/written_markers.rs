//! WriteTxnMarkers at every shared version, as a transaction coordinator sends it to the leaders
//! of a transaction's partitions: each version writes a COMMIT marker to a topic of our own for a
//! producer id of its own (handed out by an idempotent InitProducerId, so no real transaction is
//! touched), and a `read_committed` Fetch then finds one COMMIT marker per producer.

use franzl_core::ErrorCode;
use franzl_core::messages::fetch::{FetchPartition, FetchRequest, FetchTopic};
use franzl_core::messages::init_producer_id::InitProducerIdRequest;
use franzl_core::messages::write_txn_markers::{
    WritableTxnMarker, WritableTxnMarkerTopic, WriteTxnMarkersRequest,
};
use franzl_core::messages::{ApiKey, Array};
use franzl_core::record::{Batch, Batches, ControlRecord, ControlType};
use franzl_tests::raw_ops::create_topic;
use franzl_tests::unique_topic;

use crate::coordinators::wait_for_producer_ids;
use crate::exercise::{Exerciser, Record, expect_codes};

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let topic = unique_topic("conf-written-markers");
    let topic_id = create_topic(&mut ex.client, &topic, 1);
    wait_for_producer_ids(&mut ex.client);
    let api = ApiKey::WriteTxnMarkers;
    let mut producers = Vec::new();
    for v in ex.versions(api) {
        let (producer_id, producer_epoch) = new_producer(&mut ex);
        let partitions = [0];
        let topics = [WritableTxnMarkerTopic {
            name: &topic,
            partition_indexes: Array::from_slice(&partitions),
            ..Default::default()
        }];
        let markers = [WritableTxnMarker {
            producer_id,
            producer_epoch,
            transaction_result: true,
            topics: Array::from_slice(&topics),
            coordinator_epoch: 0,
            ..Default::default()
        }];
        let request = WriteTxnMarkersRequest {
            markers: Array::from_slice(&markers),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body
            .markers
            .iter()
            .flat_map(|m| m.topics.iter())
            .flat_map(|t| t.partitions.iter())
            .map(|p| p.error_code);
        expect_codes(api, v, codes, ErrorCode::NONE, &body);
        producers.push(producer_id);
    }
    let wanted: Vec<(i64, ControlType)> = producers
        .iter()
        .map(|&id| (id, ControlType::Commit))
        .collect();
    assert_eq!(markers_in(&mut ex, &topic, topic_id), wanted);
    ex.record
}

/// A producer id and epoch from an idempotent InitProducerId (newest version, not counted).
fn new_producer(ex: &mut Exerciser) -> (i64, i16) {
    let request = InitProducerIdRequest {
        transactional_id: None,
        transaction_timeout_ms: 60_000,
        ..Default::default()
    };
    let reply = ex.client.call_latest(&request).expect("InitProducerId");
    let body = reply.body();
    assert_eq!(body.error_code, ErrorCode::NONE, "InitProducerId: {body:?}");
    (body.producer_id, body.producer_epoch)
}

/// The markers in partition 0 of `topic`, read as a `read_committed` consumer in one Fetch
/// (newest version, not counted).
fn markers_in(
    ex: &mut Exerciser,
    topic: &str,
    topic_id: franzl_core::wire::Uuid,
) -> Vec<(i64, ControlType)> {
    let partitions = [FetchPartition {
        partition: 0,
        partition_max_bytes: 1 << 20,
        ..Default::default()
    }];
    let topics = [FetchTopic {
        topic,
        topic_id,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = FetchRequest {
        max_wait_ms: 100,
        min_bytes: 1,
        isolation_level: 1,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    let reply = ex.client.call_latest(&request).expect("Fetch");
    let body = reply.body();
    let mut markers = Vec::new();
    for partition in body.responses.iter().flat_map(|t| t.partitions.iter()) {
        assert_eq!(partition.error_code, ErrorCode::NONE, "Fetch: {body:?}");
        for batch in Batches::new(partition.records.unwrap_or_default()) {
            let Ok(Batch::V2(batch)) = batch else {
                panic!("not a v2 batch: {batch:?}")
            };
            assert!(batch.is_control(), "only markers were written");
            for record in batch.records().expect("markers are not compressed") {
                let marker = ControlRecord::parse(&record.expect("record")).expect("marker");
                markers.push((batch.producer_id(), marker.kind));
            }
        }
    }
    markers
}
