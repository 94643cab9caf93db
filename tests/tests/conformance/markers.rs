//! Transaction markers as a `read_committed` consumer sees them, at every shared Fetch version:
//! after the committed rounds of `transactions.rs` and one aborted transaction, the partition's
//! last stable offset reaches its high watermark, the aborted transaction is listed with the
//! offset of its first record, and franzl reads the broker's control batches as one COMMIT
//! marker per committed producer and one ABORT marker for the aborted one.

use std::thread::sleep;
use std::time::{Duration, Instant};

use franzl_core::ErrorCode;
use franzl_core::messages::fetch::{FetchPartition, FetchRequest, FetchTopic};
use franzl_core::messages::{ApiKey, Array};
use franzl_core::record::{Batch, Batches, ControlRecord, ControlType};
use franzl_core::wire::Uuid;

use crate::exercise::{Exerciser, expect_codes};

/// `read_committed`.
const READ_COMMITTED: i8 = 1;

/// What the partition should hold once the markers are written.
pub(crate) struct Expected {
    /// Producer ids whose transactions committed.
    pub(crate) committed: Vec<i64>,
    /// The aborted transaction's producer id and the offset of its first record.
    pub(crate) aborted: (i64, i64),
}

fn read_committed_request<'a>(topics: &'a [FetchTopic<'a>]) -> FetchRequest<'a> {
    FetchRequest {
        max_wait_ms: 100,
        min_bytes: 1,
        isolation_level: READ_COMMITTED,
        topics: Array::from_slice(topics),
        ..Default::default()
    }
}

/// What a read_committed consumer gathered from a partition, fetching onwards to its end.
#[derive(Debug, Default)]
struct Gathered {
    aborted: Vec<(i64, i64)>,
    markers: Vec<(i64, ControlType)>,
}

/// Checks the markers in partition 0 of `topic` at every Fetch version, fetching from offset 0
/// onwards as a consumer does: the broker may answer a read_committed Fetch with fewer batches
/// than fit (Kafka 4.3 answered these with one batch each).
pub(crate) fn check(ex: &mut Exerciser, topic: &str, topic_id: Uuid, expected: &Expected) {
    let end = wait_for_markers(ex, topic, topic_id);
    let mut wanted: Vec<(i64, ControlType)> = expected
        .committed
        .iter()
        .map(|&id| (id, ControlType::Commit))
        .collect();
    wanted.push((expected.aborted.0, ControlType::Abort));
    // Each transaction's markers are written after its EndTxn is answered, so those of different
    // transactions may land in either order: compared by producer id.
    wanted.sort_by_key(|&(id, _)| id);
    for v in ex.versions(ApiKey::Fetch) {
        let mut gathered = gather(ex, v, topic, topic_id, end);
        gathered.markers.sort_by_key(|&(id, _)| id);
        assert_eq!(gathered.aborted, [expected.aborted], "Fetch v{v}: aborted");
        assert_eq!(gathered.markers, wanted, "Fetch v{v}: markers");
    }
}

/// Fetches partition 0 at version `v` from offset 0 until `end`.
fn gather(ex: &mut Exerciser, v: i16, topic: &str, topic_id: Uuid, end: i64) -> Gathered {
    let mut gathered = Gathered::default();
    let mut offset = 0;
    while offset < end {
        let partitions = [FetchPartition {
            partition: 0,
            fetch_offset: offset,
            partition_max_bytes: 1 << 20,
            ..Default::default()
        }];
        let topics = [FetchTopic {
            topic,
            topic_id,
            partitions: Array::from_slice(&partitions),
            ..Default::default()
        }];
        let reply = ex.call(v, &read_committed_request(&topics));
        let body = reply.body();
        let data: Vec<_> = body
            .responses
            .iter()
            .flat_map(|t| t.partitions.iter())
            .collect();
        let codes = std::iter::once(body.error_code).chain(data.iter().map(|p| p.error_code));
        expect_codes(ApiKey::Fetch, v, codes, ErrorCode::NONE, &body);
        let [partition] = data[..] else {
            panic!("Fetch v{v}: one partition expected: {body:?}")
        };
        assert_eq!(
            (partition.last_stable_offset, partition.high_watermark),
            (end, end),
            "Fetch v{v}: the transactions are all over"
        );
        for aborted in partition.aborted_transactions.iter().flat_map(|a| a.iter()) {
            let entry = (aborted.producer_id, aborted.first_offset);
            if !gathered.aborted.contains(&entry) {
                gathered.aborted.push(entry);
            }
        }
        let next = read_batches(partition.records.unwrap_or_default(), &mut gathered.markers);
        assert!(next > offset, "Fetch v{v} at {offset}: no progress");
        offset = next;
    }
    gathered
}

/// Polls (latest version, not counted) until the last stable offset reaches the high
/// watermark, and returns it: EndTxn answers before the coordinator has written the markers.
fn wait_for_markers(ex: &mut Exerciser, topic: &str, topic_id: Uuid) -> i64 {
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
    let request = read_committed_request(&topics);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = ex.client.call_latest(&request).expect("Fetch");
        let body = reply.body();
        let settled = body
            .responses
            .iter()
            .flat_map(|t| t.partitions.iter())
            .find(|p| p.error_code.is_ok() && p.last_stable_offset == p.high_watermark);
        if let Some(partition) = settled {
            return partition.high_watermark;
        }
        assert!(Instant::now() < deadline, "markers not written: {body:?}");
        sleep(Duration::from_millis(100));
    }
}

/// Adds the control records in `records` to `markers`, each with the producer id of its batch;
/// returns the offset after the last batch (0 if none).
fn read_batches(records: &[u8], markers: &mut Vec<(i64, ControlType)>) -> i64 {
    let mut next = 0;
    for batch in Batches::new(records) {
        let Ok(Batch::V2(batch)) = batch else {
            panic!("not a v2 batch: {batch:?}")
        };
        batch.verify_crc().expect("CRC");
        next = batch.last_offset() + 1;
        if !batch.is_control() {
            continue;
        }
        assert!(batch.is_transactional(), "a marker outside a transaction");
        for record in batch.records().expect("markers are not compressed") {
            let record = record.expect("control record");
            let marker = ControlRecord::parse(&record).expect("marker");
            markers.push((batch.producer_id(), marker.kind));
        }
    }
    next
}
