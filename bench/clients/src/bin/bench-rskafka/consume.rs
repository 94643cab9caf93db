//! Consuming with rskafka's `PartitionClient::fetch_records`, one task per partition, from the
//! earliest offset to the high watermark read before. The clock starts when the first records
//! arrive, as in every contract program.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use franzl_bench_clients::cli::Args;
use franzl_bench_clients::outcome::{AllocationCount, CountingAllocator, Outcome};
use rskafka::client::partition::{OffsetAt, PartitionClient};

/// Bytes one fetch may return at most (the Java consumer's `fetch.max.bytes`).
const FETCH_MAX_BYTES: i32 = 50 * 1024 * 1024;

/// What the partition tasks share: when the first records came, and how many are still wanted.
struct Progress {
    first: OnceLock<Instant>,
    wanted: AtomicU64,
}

impl Progress {
    /// Takes one record from what is still wanted; false once `count` records were taken.
    fn take(&self) -> bool {
        self.wanted
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }
}

/// Reads one partition from `offset` to `end`, or until no more records are wanted.
async fn drain(
    partition: PartitionClient,
    mut offset: i64,
    end: i64,
    progress: Arc<Progress>,
) -> Result<(u64, u64), String> {
    let (mut records, mut bytes) = (0u64, 0u64);
    while offset < end && progress.wanted.load(Ordering::Relaxed) > 0 {
        let (batch, _) = partition
            .fetch_records(offset, 1..FETCH_MAX_BYTES, 500)
            .await
            .map_err(|error| format!("fetch: {error}"))?;
        if !batch.is_empty() {
            progress.first.get_or_init(Instant::now);
        }
        for record in batch {
            if record.offset >= end || !progress.take() {
                break;
            }
            records += 1;
            bytes += record.record.value.as_ref().map_or(0, Vec::len) as u64;
            offset = record.offset + 1;
        }
    }
    Ok((records, bytes))
}

/// The `consume` mode: partitions read from their earliest offsets until `count` records came.
///
/// # Errors
/// When a fetch fails, or the topic holds fewer than `count` records.
pub(crate) async fn run(
    args: &Args,
    allocator: &'static CountingAllocator,
) -> Result<Outcome, String> {
    let client = crate::produce::client(&args.bootstrap).await?;
    let mut ranges = Vec::new();
    for index in 0..args.partitions {
        let partition = crate::produce::partition(&client, &args.topic, index).await?;
        let start = partition
            .get_offset(OffsetAt::Earliest)
            .await
            .map_err(|error| error.to_string())?;
        let end = partition
            .get_offset(OffsetAt::Latest)
            .await
            .map_err(|error| error.to_string())?;
        ranges.push((partition, start, end));
    }
    let allocations = AllocationCount::start(allocator);
    let progress = Arc::new(Progress {
        first: OnceLock::new(),
        wanted: AtomicU64::new(args.count),
    });
    let tasks: Vec<_> = ranges
        .into_iter()
        .map(|(partition, from, end)| {
            tokio::spawn(drain(partition, from, end, Arc::clone(&progress)))
        })
        .collect();
    let (mut records, mut bytes) = (0u64, 0u64);
    for task in tasks {
        let (partition_records, partition_bytes) =
            task.await.map_err(|error| error.to_string())??;
        records += partition_records;
        bytes += partition_bytes;
    }
    let elapsed = progress
        .first
        .get()
        .map_or(Default::default(), Instant::elapsed);
    if records < args.count {
        return Err(format!(
            "the topic held {records} records, fewer than {}",
            args.count
        ));
    }
    Ok(Outcome {
        client: "rskafka",
        mode: "consume",
        records,
        bytes,
        elapsed,
        warmup: 0,
        allocations: Some(allocations.read()),
        percentiles: None,
    })
}
