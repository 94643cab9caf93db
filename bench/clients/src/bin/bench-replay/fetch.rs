//! The `consume` mode: Fetch requests whose responses are read only as far as counting needs.
//!
//! Each partition leader gets a connection and a thread with one Fetch in flight for all its
//! partitions. Of a response, only the partition entries and each batch's header are read (the
//! batch's length, last offset and record count, checked for bounds but not for CRC); records
//! are never decoded or decompressed. So `bytes` is the records counted times the value size, not
//! a sum of value lengths. The clock starts when the first Fetch is sent (after connecting) and
//! stops when `count` records were counted: one round trip more than the programs that start at
//! their first record, so replay's figure errs low, never high.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use franzl_bench_clients::cli::Args;
use franzl_bench_clients::outcome::{AllocationCount, CountingAllocator, Outcome};
use franzl_core::messages::fetch::{FetchPartition, FetchRequest, FetchTopic};
use franzl_core::messages::{ApiKey, Array};
use franzl_core::record::{Batch, Batches};
use franzl_core::wire::Uuid;

use crate::cluster;
use crate::link::Link;

/// Bytes asked per partition and per response.
const PARTITION_MAX_BYTES: i32 = 4 << 20;
const RESPONSE_MAX_BYTES: i32 = 32 << 20;
/// Room for the response's own fields around its records.
const RX_LEN: usize = RESPONSE_MAX_BYTES as usize + (1 << 20);
/// The newest Fetch version that names topics; later ones use the topic id.
const LAST_VERSION_WITH_NAMES: i16 = 12;
/// The longest wait for more records before the run is declared stuck.
const STALL: Duration = Duration::from_secs(30);

/// What the reading threads share.
struct Progress {
    count: u64,
    counted: AtomicU64,
    first: OnceLock<Instant>,
    last: OnceLock<Instant>,
    /// Allocations from the first Fetch on.
    allocations: OnceLock<AllocationCount>,
    allocator: &'static CountingAllocator,
}

/// One partition's next offset.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    partition: i32,
    offset: i64,
}

/// The records of `records` (a partition's Fetch bytes) at or after `cursor`, advancing it.
fn count_batches(records: &[u8], cursor: &mut Cursor) -> Result<u64, String> {
    let mut counted = 0;
    for batch in Batches::new(records) {
        let batch = match batch.map_err(|error| format!("batch: {error}"))? {
            Batch::V2(batch) => batch,
            Batch::Legacy(_) => return Err("a legacy message set".into()),
        };
        let last = batch.last_offset();
        if last < cursor.offset {
            continue;
        }
        if !batch.is_control() {
            counted += if batch.base_offset() >= cursor.offset {
                u64::from(batch.record_count())
            } else {
                (last + 1 - cursor.offset) as u64
            };
        }
        cursor.offset = last + 1;
    }
    Ok(counted)
}

/// Reads `partitions` of the topic from `address` until `progress` has its count.
fn read(
    address: &str,
    topic: &str,
    topic_id: Uuid,
    partitions: &[i32],
    progress: &Progress,
) -> Result<(), String> {
    let mut link = Link::connect(address, RX_LEN)?;
    let newest = link
        .versions()
        .get(ApiKey::Fetch)
        .ok_or("the broker does not take Fetch")?;
    let version = match topic_id == Uuid::default() {
        true => newest.min(LAST_VERSION_WITH_NAMES),
        false => newest,
    };
    let by_id = version > LAST_VERSION_WITH_NAMES;
    let mut cursors: Vec<Cursor> = partitions
        .iter()
        .map(|&partition| Cursor {
            partition,
            offset: 0,
        })
        .collect();
    let mut asked: Vec<FetchPartition<'_>> = Vec::with_capacity(cursors.len());
    let mut last_records = Instant::now();
    while progress.counted.load(Ordering::Relaxed) < progress.count {
        asked.clear();
        asked.extend(cursors.iter().map(|cursor| FetchPartition {
            partition: cursor.partition,
            fetch_offset: cursor.offset,
            partition_max_bytes: PARTITION_MAX_BYTES,
            ..Default::default()
        }));
        let topics = [FetchTopic {
            topic,
            topic_id,
            partitions: Array::from_slice(&asked),
            ..Default::default()
        }];
        let request = FetchRequest {
            max_wait_ms: 500,
            min_bytes: 1,
            max_bytes: RESPONSE_MAX_BYTES,
            topics: Array::from_slice(&topics),
            ..Default::default()
        };
        let now = Instant::now();
        progress.first.get_or_init(|| now);
        progress
            .allocations
            .get_or_init(|| AllocationCount::start(progress.allocator));
        link.send(&request, Some(version))?;
        let response = link.receive()?;
        let answer = response
            .decode::<FetchRequest<'_>>()
            .map_err(|error| format!("fetch response: {error}"))?;
        let code = answer.error_code;
        if !code.is_ok() {
            return Err(format!("fetch: {code}"));
        }
        let mut counted = 0;
        for entry in answer.responses.iter() {
            if (by_id && entry.topic_id != topic_id) || (!by_id && entry.topic != topic) {
                return Err("fetch: a response for another topic".into());
            }
            for data in entry.partitions.iter() {
                let code = data.error_code;
                if !code.is_ok() {
                    return Err(format!("fetch: partition {}: {code}", data.partition_index));
                }
                let cursor = cursors
                    .iter_mut()
                    .find(|cursor| cursor.partition == data.partition_index)
                    .ok_or("fetch: a partition not asked for")?;
                counted += count_batches(data.records.unwrap_or_default(), cursor)?;
            }
        }
        if counted > 0 {
            last_records = Instant::now();
            let total = progress.counted.fetch_add(counted, Ordering::Relaxed) + counted;
            if total >= progress.count {
                progress.last.get_or_init(Instant::now);
            }
        } else if last_records.elapsed() > STALL {
            return Err(format!("no records for {} s", STALL.as_secs()));
        }
    }
    Ok(())
}

/// The `consume` mode.
///
/// # Errors
/// When the topic cannot be found, a fetch fails, or no records come for 30 seconds.
pub(crate) fn run(args: &Args, allocator: &'static CountingAllocator) -> Result<Outcome, String> {
    let mut link = Link::connect(&args.bootstrap, 1 << 20)?;
    let layout = cluster::layout(&mut link, &args.topic, args.partitions)?;
    drop(link);
    let progress = Progress {
        count: args.count,
        counted: AtomicU64::new(0),
        first: OnceLock::new(),
        last: OnceLock::new(),
        allocations: OnceLock::new(),
        allocator,
    };
    let leaders = layout.by_leader();
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let threads: Vec<_> = leaders
            .iter()
            .map(|(address, partitions)| {
                let (topic, progress) = (&args.topic, &progress);
                scope.spawn(move || read(address, topic, layout.topic_id, partitions, progress))
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err("a reading thread panicked".into()))
            })
            .collect()
    });
    let allocations = progress.allocations.get().map(AllocationCount::read);
    results.into_iter().collect::<Result<Vec<()>, String>>()?;
    let records = progress.counted.load(Ordering::Relaxed);
    let elapsed = match (progress.first.get(), progress.last.get()) {
        (Some(first), Some(last)) => last.saturating_duration_since(*first),
        _ => Duration::ZERO,
    };
    Ok(Outcome {
        client: "replay",
        mode: "consume",
        records,
        bytes: records * args.size as u64,
        elapsed,
        warmup: 0,
        allocations,
        percentiles: None,
    })
}

#[cfg(test)]
mod tests {
    use franzl_core::record::{BatchOptions, NewRecord, RecordBatchBuilder};

    use super::*;

    /// A batch of `count` one-byte records from `base_offset`.
    fn batch(base_offset: i64, count: i32) -> Vec<u8> {
        let mut out = vec![0; 1024];
        let options = BatchOptions {
            base_offset,
            ..BatchOptions::default()
        };
        let mut builder = RecordBatchBuilder::new(&mut out, options).unwrap();
        for offset_delta in 0..count {
            let record = NewRecord {
                offset_delta,
                value: Some(b"v"),
                ..NewRecord::default()
            };
            builder.append(&record).unwrap();
        }
        let len = builder.finish().unwrap();
        out.truncate(len);
        out
    }

    #[test]
    fn counts_from_the_batch_headers_and_advances_past_them() {
        let mut records = batch(0, 3);
        records.extend(batch(3, 2));
        // The broker cut the next batch short: it is not counted, and read again next time.
        records.extend(&batch(5, 4)[..20]);
        let mut cursor = Cursor {
            partition: 0,
            offset: 0,
        };
        assert_eq!(count_batches(&records, &mut cursor), Ok(5));
        assert_eq!(cursor.offset, 5);
        // A fetch from inside the first batch counts only the records from there on.
        let mut inside = Cursor {
            partition: 0,
            offset: 1,
        };
        assert_eq!(count_batches(&records, &mut inside), Ok(4));
        // Batches wholly before the cursor are skipped.
        let mut past = Cursor {
            partition: 0,
            offset: 4,
        };
        assert_eq!(count_batches(&records, &mut past), Ok(1));
        assert_eq!(count_batches(&[], &mut past), Ok(0));
    }
}
