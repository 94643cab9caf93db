//! Reading one partition's records out of a Fetch response into delivered batches.
//!
//! [`read_partition`] walks the batches in order: it skips what lies before the fetch offset
//! (a compressed batch comes back whole even when fetching from its middle), control batches,
//! aborted transactions ([`AbortedFilter`]) and, at `read_committed`, anything at or past the
//! last stable offset. Uncompressed batches are read in place from the response body;
//! compressed ones are decompressed into a buffer whose bytes are first acquired from the
//! prefetch budget, as are the bytes of each batch's record table. Each batch is handed on as soon as it is read, so the caller can consume
//! (and free budget) while the rest of the response is still being read.
//!
//! Fails on a malformed batch, a CRC mismatch (when checking), a legacy (magic 0/1) message set,
//! which Kafka 4 no longer stores, or a batch inflating past the whole prefetch bound or with
//! more records than a table within it holds.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use franzl_core::compression::{self, Compression, CompressionError};
use franzl_core::record::{Batch, Batches, RecordBatch, Records};

use super::budget::{Permit, PrefetchBudget};
use super::record::{BatchCollector, BatchData, RecordMeta, SharedBytes};
use super::transactions::AbortedFilter;
use crate::error::{CoreError, Error, Result};

/// The first guess for a batch's decompressed size, in sixteenths of its compressed size (4x).
const FIRST_RATIO: usize = 64;
/// The smallest decompression buffer tried.
const MIN_INFLATE: usize = 16 * 1024;
/// The fewest bytes a v2 record takes (length, attributes, timestamp and offset deltas, key and
/// value lengths, header count: one byte each): bounds the record count a header claims.
const MIN_RECORD_LEN: usize = 7;

/// The decompression ratio last seen on this consumer's batches, so the next batch's buffer is
/// sized right the first time instead of grown (each growth decompresses again). Only a guess:
/// a wrong one costs a retry, never correctness.
#[derive(Debug)]
pub(crate) struct InflateGuess {
    /// Decompressed size over compressed size, in sixteenths.
    ratio: AtomicUsize,
}

impl Default for InflateGuess {
    fn default() -> Self {
        Self {
            ratio: AtomicUsize::new(FIRST_RATIO),
        }
    }
}

impl InflateGuess {
    /// The buffer to try for `compressed` bytes: the last ratio with an eighth to spare.
    fn size_for(&self, compressed: usize) -> usize {
        let ratio = self.ratio.load(Ordering::Relaxed);
        compressed.saturating_mul(ratio.saturating_add(ratio / 8)) / 16
    }

    /// Records that `compressed` bytes inflated to `inflated`.
    fn observe(&self, compressed: usize, inflated: usize) {
        if let Some(ratio) = inflated.saturating_mul(16).checked_div(compressed) {
            self.ratio.store(ratio.max(16), Ordering::Relaxed);
        }
    }
}

/// Records of one batch, ready to hand to the caller.
#[derive(Debug)]
pub(crate) struct FetchedBatch {
    pub(crate) data: Arc<BatchData>,
    pub(crate) records: Vec<RecordMeta>,
    /// The offset to fetch after this batch.
    pub(crate) next_offset: i64,
}

/// Where reading a partition ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadEnd {
    /// The next offset to fetch.
    pub(crate) next_offset: i64,
    /// The partition leader epoch of the last batch read (`None` if no batch read had one):
    /// the next Fetch's `last_fetched_epoch` (KIP-320).
    pub(crate) last_epoch: Option<i32>,
}

/// One partition of a Fetch response.
#[derive(Debug)]
pub(crate) struct PartitionRead<'a> {
    pub(crate) topic: Arc<str>,
    pub(crate) partition: i32,
    /// The response body, whose bytes hold `records`.
    pub(crate) body: &'a Arc<SharedBytes>,
    pub(crate) records: &'a [u8],
    pub(crate) fetch_offset: i64,
    /// At `read_committed`: the last stable offset, where reading stops.
    pub(crate) stable_end: Option<i64>,
    pub(crate) filter: AbortedFilter,
    pub(crate) check_crcs: bool,
    /// The consumer's decompression ratio, shared by its fetchers.
    pub(crate) inflate: &'a InflateGuess,
}

fn protocol(what: &str, error: impl Into<CoreError>) -> Error {
    Error::core(what, error)
}

/// Reads the partition, handing each batch to `deliver` (also a batch without records to
/// deliver, so that the caller's position moves past skipped offsets), and returns the next
/// offset to fetch with the leader epoch of the last batch read. The caller marks the response as being read
/// ([`PrefetchBudget::reading`]) while this runs.
///
/// # Errors
/// See the module docs; all are [`Error::Protocol`] (with the core's error as the cause where
/// it is one), naming the topic and partition, except [`Error::Closed`] when the consumer
/// closes while a batch waits for budget.
pub(crate) async fn read_partition(
    read: PartitionRead<'_>,
    budget: &Arc<PrefetchBudget>,
    deliver: impl FnMut(FetchedBatch),
) -> Result<ReadEnd> {
    let (topic, partition) = (Arc::clone(&read.topic), read.partition);
    read_batches(read, budget, deliver)
        .await
        .map_err(|error| match error {
            Error::Protocol { reason, source } => Error::Protocol {
                reason: format!("{topic}-{partition}: {reason}"),
                source,
            },
            other => other,
        })
}

/// [`read_partition`], with errors that do not name the partition yet.
async fn read_batches(
    mut read: PartitionRead<'_>,
    budget: &Arc<PrefetchBudget>,
    mut deliver: impl FnMut(FetchedBatch),
) -> Result<ReadEnd> {
    let mut next_offset = read.fetch_offset;
    let mut last_epoch = None;
    for batch in Batches::new(read.records) {
        let batch = match batch.map_err(|e| protocol("fetched batch", e))? {
            Batch::V2(batch) => batch,
            Batch::Legacy(_) => {
                return Err(Error::protocol(
                    "fetched records in the legacy message format (magic 0/1)",
                ));
            }
        };
        if batch.last_offset() < read.fetch_offset {
            continue;
        }
        if read
            .stable_end
            .is_some_and(|end| batch.base_offset() >= end)
        {
            break;
        }
        if read.check_crcs {
            batch
                .verify_crc()
                .map_err(|e| protocol("fetched batch", e))?;
        }
        next_offset = batch.last_offset().saturating_add(1).max(next_offset);
        if batch.partition_leader_epoch() >= 0 {
            last_epoch = Some(batch.partition_leader_epoch());
        }
        let collector = if read.filter.keep(&batch) {
            collect(&read, &batch, budget).await?
        } else {
            collector(&read, &batch, Arc::clone(read.body), (0, None))
        };
        let (data, records) = collector.finish();
        deliver(FetchedBatch {
            data,
            records,
            next_offset,
        });
    }
    Ok(ReadEnd {
        next_offset,
        last_epoch,
    })
}

/// A collector for `batch`'s records read from `source`, with room for `table.0` of them.
fn collector(
    read: &PartitionRead<'_>,
    batch: &RecordBatch<'_>,
    source: Arc<SharedBytes>,
    table: (usize, Option<Permit>),
) -> BatchCollector {
    BatchCollector::new(
        Arc::clone(&read.topic),
        read.partition,
        batch.timestamp_type(),
        batch.partition_leader_epoch(),
        source,
        table,
    )
}

/// The records `batch` may hold in `records_len` bytes: the count in its header, which comes
/// off the network, but no more than the bytes can hold.
fn expected_records(batch: &RecordBatch<'_>, records_len: usize) -> usize {
    let claimed = usize::try_from(batch.record_count()).unwrap_or(usize::MAX);
    claimed.min(records_len / MIN_RECORD_LEN)
}

/// The prefetch bytes of the table of `batch`'s records read from `records_len` bytes
/// ([`RecordMeta::TABLE_BYTES`] each).
fn table_bytes(batch: &RecordBatch<'_>, records_len: usize) -> usize {
    expected_records(batch, records_len).saturating_mul(RecordMeta::TABLE_BYTES)
}

/// The error for a batch whose record table alone would pass the whole bound.
fn table_too_large(batch: &RecordBatch<'_>, records_len: usize, limit: usize) -> Error {
    Error::protocol(format!(
        "a batch of {} records, whose table takes {} bytes, more than the whole prefetch bound \
         ({limit} bytes; raise max_prefetch_bytes to read it)",
        expected_records(batch, records_len),
        table_bytes(batch, records_len),
    ))
}

/// Room for the records of uncompressed `batch` in the response body, with the prefetch bytes
/// of their table taken from `budget` first.
async fn table(
    batch: &RecordBatch<'_>,
    budget: &Arc<PrefetchBudget>,
) -> Result<(usize, Option<Permit>)> {
    let records_len = batch.records_bytes().len();
    let bytes = table_bytes(batch, records_len);
    if bytes == 0 {
        return Ok((0, None));
    }
    if bytes > budget.limit() {
        return Err(table_too_large(batch, records_len, budget.limit()));
    }
    let permit = budget
        .acquire(bytes, true)
        .await
        .ok_or_else(|| Error::Closed {
            what: "consumer".into(),
        })?;
    Ok((expected_records(batch, records_len), Some(permit)))
}

async fn collect(
    read: &PartitionRead<'_>,
    batch: &RecordBatch<'_>,
    budget: &Arc<PrefetchBudget>,
) -> Result<BatchCollector> {
    if batch.compression() == Compression::None {
        let table = table(batch, budget).await?;
        let mut collector = collector(read, batch, Arc::clone(read.body), table);
        let records = batch.records().map_err(|e| protocol("fetched batch", e))?;
        push_records(read, &mut collector, records)?;
        return Ok(collector);
    }
    // The decompressed buffer's permit also holds its record table: one acquisition, so the
    // read never waits for budget it holds itself.
    let (inflated, permit) = inflate(batch, budget, read.inflate).await?;
    let expected = expected_records(batch, inflated.len());
    let source = SharedBytes::new(inflated, Some(permit));
    let mut collector = collector(read, batch, Arc::clone(&source), (expected, None));
    push_records(
        read,
        &mut collector,
        batch.records_decompressed(source.bytes()),
    )?;
    Ok(collector)
}

fn push_records(
    read: &PartitionRead<'_>,
    collector: &mut BatchCollector,
    records: Records<'_>,
) -> Result<()> {
    for record in records {
        let record = record.map_err(|e| protocol("fetched record", e))?;
        if record.offset < read.fetch_offset {
            continue;
        }
        if read.stable_end.is_some_and(|end| record.offset >= end) {
            break;
        }
        if !collector.push(&record) {
            return Err(Error::protocol("a fetched record not within its buffer"));
        }
    }
    Ok(())
}

/// The largest buffer `batch` may decompress into so that the buffer and the table of the
/// records it can hold stay within `bound` bytes.
fn largest_inflate(batch: &RecordBatch<'_>, bound: usize) -> usize {
    let fits = |size: usize| size.saturating_add(table_bytes(batch, size)) <= bound;
    // Both terms grow with the size: halve the range that does not fit.
    let (mut low, mut high) = (0, bound);
    while low < high {
        let middle = high - (high - low) / 2;
        if fits(middle) {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    low
}

/// Decompresses `batch`'s records into a buffer whose bytes, with those of the records' table,
/// come from `budget`, growing the buffer (and the bytes acquired) until the records fit or the
/// whole bound is reached.
async fn inflate(
    batch: &RecordBatch<'_>,
    budget: &Arc<PrefetchBudget>,
    guess: &InflateGuess,
) -> Result<(Vec<u8>, Permit)> {
    let input = batch.records_bytes();
    let limit = largest_inflate(batch, budget.limit().max(MIN_INFLATE));
    let mut size = guess
        .size_for(input.len())
        .clamp(MIN_INFLATE.min(limit), limit);
    loop {
        let table = table_bytes(batch, size);
        let Some(mut permit) = budget.acquire(size.saturating_add(table), true).await else {
            return Err(Error::Closed {
                what: "consumer".into(),
            });
        };
        let mut out = vec![0u8; size];
        match compression::decompress(batch.compression(), input, &mut out) {
            Ok(len) => {
                guess.observe(input.len(), len);
                out.truncate(len);
                // Give back a buffer mostly unused; what is kept stays counted.
                if out.capacity() / 4 > len {
                    out.shrink_to_fit();
                }
                let table = table_bytes(batch, len);
                if table > budget.limit() {
                    return Err(table_too_large(batch, len, budget.limit()));
                }
                permit.resize(out.capacity().saturating_add(table));
                return Ok((out, permit));
            }
            Err(CompressionError::OutputFull) if size < limit => {
                drop(permit);
                size = size.saturating_mul(2).min(limit);
            }
            Err(error) => return Err(protocol("decompressing a fetched batch", error)),
        }
    }
}

#[cfg(test)]
mod tests;
