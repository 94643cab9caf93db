//! Data-path requests the broker must refuse, at the newest shared version, with the error a
//! client acts on: a batch whose CRC does not match (CORRUPT_MESSAGE), a Produce to a topic that
//! does not exist (UNKNOWN_TOPIC_OR_PARTITION by name at v12, UNKNOWN_TOPIC_ID by id from v13),
//! a Fetch past the log end (OFFSET_OUT_OF_RANGE), and ListOffsets for a partition the topic
//! lacks (UNKNOWN_TOPIC_OR_PARTITION).

use franzl_core::ErrorCode;
use franzl_core::messages::fetch::{FetchPartition, FetchRequest, FetchTopic};
use franzl_core::messages::list_offsets::{
    ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic,
};
use franzl_core::messages::produce::{PartitionProduceData, ProduceRequest, TopicProduceData};
use franzl_core::messages::{ApiKey, Array, LIST_OFFSETS_LATEST};
use franzl_core::record::{BatchOptions, NewRecord, RecordBatchBuilder, encoded_batch_len};
use franzl_core::wire::Uuid;
use franzl_tests::raw_ops::{create_topic, produce};
use franzl_tests::unique_topic;

use crate::exercise::{Exerciser, Record, expect_codes};

/// Where a v2 batch keeps its CRC-32C.
const CRC_AT: usize = 17;

/// A topic id no topic has.
const NO_SUCH_ID: Uuid = Uuid([0x5a; 16]);

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let topic = unique_topic("conf-refusals");
    let topic_id = create_topic(&mut ex.client, &topic, 1);
    let end = produce(&mut ex.client, &topic, 0, &one_record()) + 1;

    let mut corrupt = one_record();
    if let Some(crc) = corrupt.get_mut(CRC_AT) {
        *crc ^= 0xff;
    }
    let latest = ex.client.latest::<ProduceRequest<'_>>();
    let corrupt_message = ErrorCode::CORRUPT_MESSAGE;
    produce_expecting(
        &mut ex,
        latest,
        (&topic, topic_id),
        &corrupt,
        corrupt_message,
    );
    // A topic that does not exist: by name up to v12, by id from v13.
    let missing = unique_topic("conf-no-such-topic");
    let unknown_topic = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
    let by_name = latest.min(12);
    produce_expecting(
        &mut ex,
        by_name,
        (&missing, NO_SUCH_ID),
        &one_record(),
        unknown_topic,
    );
    if latest >= 13 {
        let unknown_id = ErrorCode::UNKNOWN_TOPIC_ID;
        produce_expecting(
            &mut ex,
            latest,
            (&missing, NO_SUCH_ID),
            &one_record(),
            unknown_id,
        );
    }
    fetch_past_the_end(&mut ex, &topic, topic_id, end);
    list_offsets_of_missing_partition(&mut ex, &topic);
    ex.record
}

fn one_record() -> Vec<u8> {
    let record = NewRecord {
        key: Some(b"k"),
        value: Some(b"v"),
        ..NewRecord::default()
    };
    let mut out = vec![0u8; encoded_batch_len(&[record])];
    let mut builder = RecordBatchBuilder::new(&mut out, BatchOptions::default()).expect("builder");
    builder.append(&record).expect("fits");
    let len = builder.finish().expect("finish");
    out.truncate(len);
    out
}

/// Produces `batch` to partition 0 of `topic` (name and id) at version `v`.
fn produce_expecting(
    ex: &mut Exerciser,
    v: i16,
    (topic, topic_id): (&str, Uuid),
    batch: &[u8],
    expected: ErrorCode,
) {
    let partitions = [PartitionProduceData {
        index: 0,
        records: Some(batch),
        ..Default::default()
    }];
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
    let codes = body
        .responses
        .iter()
        .flat_map(|t| t.partition_responses.iter())
        .map(|p| p.error_code);
    expect_codes(ApiKey::Produce, v, codes, expected, &body);
}

fn fetch_past_the_end(ex: &mut Exerciser, topic: &str, topic_id: Uuid, end: i64) {
    let partitions = [FetchPartition {
        partition: 0,
        fetch_offset: end + 100,
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
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    let v = ex.client.latest::<FetchRequest<'_>>();
    let reply = ex.call(v, &request);
    let body = reply.body();
    let codes = body
        .responses
        .iter()
        .flat_map(|t| t.partitions.iter())
        .map(|p| p.error_code);
    expect_codes(
        ApiKey::Fetch,
        v,
        codes,
        ErrorCode::OFFSET_OUT_OF_RANGE,
        &body,
    );
}

fn list_offsets_of_missing_partition(ex: &mut Exerciser, topic: &str) {
    let partitions = [ListOffsetsPartition {
        partition_index: 5,
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
    let v = ex.client.latest::<ListOffsetsRequest<'_>>();
    let reply = ex.call(v, &request);
    let body = reply.body();
    let codes = body
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter())
        .map(|p| p.error_code);
    let expected = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
    expect_codes(ApiKey::ListOffsets, v, codes, expected, &body);
}
