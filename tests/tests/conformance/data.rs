//! Producing and reading at every shared version: Produce (acks=all, a v2 batch; the topic by
//! name up to v12, by id from v13), Fetch (the batches decode), ListOffsets, OffsetForLeaderEpoch, DeleteRecords and an idempotent
//! InitProducerId.

use franzl_core::ErrorCode;
use franzl_core::messages::delete_records::{
    DeleteRecordsPartition, DeleteRecordsRequest, DeleteRecordsTopic,
};
use franzl_core::messages::fetch::{FetchPartition, FetchRequest, FetchTopic};
use franzl_core::messages::init_producer_id::InitProducerIdRequest;
use franzl_core::messages::list_offsets::{
    ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic,
};
use franzl_core::messages::metadata::{MetadataRequest, MetadataRequestTopic};
use franzl_core::messages::offset_for_leader_epoch::{
    OffsetForLeaderEpochRequest, OffsetForLeaderPartition, OffsetForLeaderTopic,
};
use franzl_core::messages::produce::{PartitionProduceData, ProduceRequest, TopicProduceData};
use franzl_core::messages::{ApiKey, Array, LIST_OFFSETS_LATEST};
use franzl_core::record::{BatchOptions, Header, NewRecord, RecordBatchBuilder, encoded_batch_len};
use franzl_core::wire::Uuid;
use franzl_tests::raw_ops::{create_topic, decode_batches, produce};
use franzl_tests::unique_topic;

use crate::coordinators::wait_for_producer_ids;
use crate::exercise::{Exerciser, Record, expect_codes};

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let topic = unique_topic("conf-data");
    let topic_id = create_topic(&mut ex.client, &topic, 1);
    // Waits out a new partition's moment without a leader on the broker, as a client would.
    let mut end = produce(&mut ex.client, &topic, 0, &batch(0, 2)) + 2;
    end = produce_every_version(&mut ex, &topic, topic_id, end);
    fetch_every_version(&mut ex, &topic, topic_id, end);
    list_offsets(&mut ex, &topic, end);
    offset_for_leader_epoch(&mut ex, &topic, end);
    delete_records(&mut ex);
    init_producer_id(&mut ex);
    ex.record
}

/// A batch of `count` records numbered from `first`, with keys, values and a header each.
fn batch(first: usize, count: usize) -> Vec<u8> {
    let texts: Vec<(String, String)> = (first..first + count)
        .map(|i| (format!("k{i}"), format!("v{i}")))
        .collect();
    let headers = [Header {
        key: "h",
        value: Some(b"x"),
    }];
    let records: Vec<NewRecord<'_>> = texts
        .iter()
        .enumerate()
        .map(|(delta, (key, value))| NewRecord {
            timestamp_delta: i64::try_from(delta).unwrap_or(0),
            offset_delta: i32::try_from(delta).unwrap_or(0),
            key: Some(key.as_bytes()),
            value: Some(value.as_bytes()),
            headers: &headers,
        })
        .collect();
    let mut out = vec![0u8; encoded_batch_len(&records)];
    let options = BatchOptions {
        base_timestamp: 1_000_000,
        ..BatchOptions::default()
    };
    let mut builder = RecordBatchBuilder::new(&mut out, options).expect("builder");
    for record in &records {
        builder.append(record).expect("fits");
    }
    let len = builder.finish().expect("finish");
    out.truncate(len);
    out
}

/// Produces two records at each version; returns the new log end offset.
///
/// Kafka 4 still lists Produce v0-2 (for librdkafka's feature probe, KAFKA-18659) but closes the
/// connection on them; franzl starts at v3, the first that carries a v2 batch.
fn produce_every_version(ex: &mut Exerciser, topic: &str, topic_id: Uuid, mut end: i64) -> i64 {
    for v in ex.versions(ApiKey::Produce) {
        let records = batch(usize::try_from(end).unwrap_or(0), 2);
        let partitions = [PartitionProduceData {
            index: 0,
            records: Some(&records),
            ..Default::default()
        }];
        // Named up to v12, identified from v13: both are set, each version writes its own.
        let topics = [TopicProduceData {
            name: topic,
            topic_id,
            partition_data: Array::from_slice(&partitions),
            ..Default::default()
        }];
        let request = ProduceRequest {
            acks: -1,
            timeout_ms: 30_000,
            topic_data: Array::from_slice(&topics),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let partitions: Vec<_> = body
            .responses
            .iter()
            .flat_map(|t| t.partition_responses.iter())
            .collect();
        let codes = partitions.iter().map(|p| p.error_code);
        expect_codes(ApiKey::Produce, v, codes, ErrorCode::NONE, &body);
        let base: Vec<i64> = partitions.iter().map(|p| p.base_offset).collect();
        assert_eq!(base, [end], "Produce v{v} base offset: {body:?}");
        end += 2;
    }
    end
}

fn fetch_every_version(ex: &mut Exerciser, topic: &str, topic_id: Uuid, end: i64) {
    for v in ex.versions(ApiKey::Fetch) {
        let partitions = [FetchPartition {
            partition: 0,
            fetch_offset: 0,
            partition_max_bytes: 1 << 20,
            ..Default::default()
        }];
        // Named up to v12, identified from v13: both are set, each version writes its own.
        let topics = [FetchTopic {
            topic,
            topic_id,
            partitions: Array::from_slice(&partitions),
            ..Default::default()
        }];
        let request = FetchRequest {
            max_wait_ms: 100,
            min_bytes: 1,
            max_bytes: 4 << 20,
            topics: Array::from_slice(&topics),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let partitions: Vec<_> = body
            .responses
            .iter()
            .flat_map(|t| t.partitions.iter())
            .collect();
        let codes = std::iter::once(body.error_code).chain(partitions.iter().map(|p| p.error_code));
        expect_codes(ApiKey::Fetch, v, codes, ErrorCode::NONE, &body);
        let [partition] = partitions[..] else {
            panic!("Fetch v{v}: one partition expected: {body:?}")
        };
        assert_eq!(partition.high_watermark, end, "Fetch v{v}: {body:?}");
        let (batches, cut) = decode_batches(partition.records.unwrap_or_default());
        assert_eq!(cut, 0, "Fetch v{v}: a batch cut short");
        let records: usize = batches.iter().map(|b| b.records.len()).sum();
        assert_eq!(
            i64::try_from(records).ok(),
            Some(end),
            "Fetch v{v}: records"
        );
    }
}

fn list_offsets(ex: &mut Exerciser, topic: &str, end: i64) {
    for v in ex.versions(ApiKey::ListOffsets) {
        let partitions = [ListOffsetsPartition {
            partition_index: 0,
            timestamp: LIST_OFFSETS_LATEST,
            ..Default::default()
        }];
        let topics = [ListOffsetsTopic {
            name: topic,
            partitions: Array::from_slice(&partitions),
            ..Default::default()
        }];
        let request = ListOffsetsRequest {
            replica_id: -1,
            topics: Array::from_slice(&topics),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let partitions: Vec<_> = body
            .topics
            .iter()
            .flat_map(|t| t.partitions.iter())
            .collect();
        let codes = partitions.iter().map(|p| p.error_code);
        expect_codes(ApiKey::ListOffsets, v, codes, ErrorCode::NONE, &body);
        let offsets: Vec<i64> = partitions.iter().map(|p| p.offset).collect();
        assert_eq!(offsets, [end], "ListOffsets v{v}: {body:?}");
    }
}

/// The partition's current leader epoch, from Metadata.
fn leader_epoch(ex: &mut Exerciser, topic: &str) -> i32 {
    let topics = [MetadataRequestTopic {
        name: Some(topic),
        ..Default::default()
    }];
    let request = MetadataRequest {
        topics: Some(Array::from_slice(&topics)),
        ..Default::default()
    };
    let reply = ex.client.call_latest(&request).expect("Metadata");
    let body = reply.body();
    body.topics
        .iter()
        .flat_map(|t| t.partitions.iter())
        .map(|p| p.leader_epoch)
        .next()
        .unwrap_or_else(|| panic!("no partition in {body:?}"))
}

fn offset_for_leader_epoch(ex: &mut Exerciser, topic: &str, end: i64) {
    let epoch = leader_epoch(ex, topic);
    for v in ex.versions(ApiKey::OffsetForLeaderEpoch) {
        let partitions = [OffsetForLeaderPartition {
            partition: 0,
            leader_epoch: epoch,
            ..Default::default()
        }];
        let topics = [OffsetForLeaderTopic {
            topic,
            partitions: Array::from_slice(&partitions),
            ..Default::default()
        }];
        // A consumer's replica id (the field exists from v3).
        let request = OffsetForLeaderEpochRequest {
            replica_id: -1,
            topics: Array::from_slice(&topics),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let partitions: Vec<_> = body
            .topics
            .iter()
            .flat_map(|t| t.partitions.iter())
            .collect();
        let codes = partitions.iter().map(|p| p.error_code);
        expect_codes(
            ApiKey::OffsetForLeaderEpoch,
            v,
            codes,
            ErrorCode::NONE,
            &body,
        );
        let ends: Vec<i64> = partitions.iter().map(|p| p.end_offset).collect();
        assert_eq!(ends, [end], "OffsetForLeaderEpoch v{v}: {body:?}");
    }
}

fn delete_records(ex: &mut Exerciser) {
    let topic = unique_topic("conf-delete-records");
    create_topic(&mut ex.client, &topic, 1);
    produce(&mut ex.client, &topic, 0, &batch(0, 10));
    // Each version deletes one more record: before offset 1, 2, ...
    for (before, v) in (1..).zip(ex.versions(ApiKey::DeleteRecords)) {
        let partitions = [DeleteRecordsPartition {
            partition_index: 0,
            offset: before,
            ..Default::default()
        }];
        let topics = [DeleteRecordsTopic {
            name: &topic,
            partitions: Array::from_slice(&partitions),
            ..Default::default()
        }];
        let request = DeleteRecordsRequest {
            topics: Array::from_slice(&topics),
            timeout_ms: 30_000,
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let partitions: Vec<_> = body
            .topics
            .iter()
            .flat_map(|t| t.partitions.iter())
            .collect();
        let codes = partitions.iter().map(|p| p.error_code);
        expect_codes(ApiKey::DeleteRecords, v, codes, ErrorCode::NONE, &body);
        let low: Vec<i64> = partitions.iter().map(|p| p.low_watermark).collect();
        assert_eq!(low, [before], "DeleteRecords v{v}: {body:?}");
    }
}

fn init_producer_id(ex: &mut Exerciser) {
    wait_for_producer_ids(&mut ex.client);
    for v in ex.versions(ApiKey::InitProducerId) {
        let request = InitProducerIdRequest {
            transactional_id: None,
            transaction_timeout_ms: 60_000,
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let api = ApiKey::InitProducerId;
        expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
        assert!(body.producer_id >= 0, "InitProducerId v{v}: {body:?}");
    }
}
