//! [`ProducerBatch`]: one partition's batch, from its first record to the broker's answer.
//!
//! Records are encoded straight into a pooled buffer with franzl-core's
//! [`RecordBatchBuilder`], resumed for each append. [`ProducerBatch::seal`] writes the header
//! (producer id, epoch and base sequence as of the first send), compressing through the sender's
//! scratch buffer and copying the result back, so a batch never needs a second buffer of its
//! own; a batch that does not shrink is sent uncompressed. A sealed batch is resent byte for
//! byte on retry; after an epoch bump [`ProducerBatch::restamp`] rewrites its producer fields
//! and checksum in place.

use std::sync::Arc;
use std::time::Instant;

use franzl_core::compression::{self, Compression};
use franzl_core::record::{
    BATCH_HEADER_LEN, BatchOptions, BuilderProgress, NewRecord, RecordBatch, RecordBatchBuilder,
    RecordBatchMut, RecordError,
};

use super::ProducerRecord;
use super::delivery::{Completion, Delivery};

/// The producer fields a batch carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) producer_id: i64,
    pub(crate) producer_epoch: i16,
    pub(crate) base_sequence: i32,
    pub(crate) transactional: bool,
}

impl Stamp {
    /// No producer id: a producer without idempotence.
    pub(crate) const NONE: Self = Self {
        producer_id: -1,
        producer_epoch: -1,
        base_sequence: -1,
        transactional: false,
    };
}

/// One partition's batch.
#[derive(Debug)]
pub(crate) struct ProducerBatch {
    /// Numbered in creation order, so `flush` can wait for the batches before it.
    pub(crate) id: u64,
    pub(crate) partition: i32,
    buffer: Vec<u8>,
    progress: BuilderProgress,
    base_timestamp: i64,
    /// When the first record was appended: `linger.ms` and `delivery.timeout.ms` count from it.
    pub(crate) created: Instant,
    pub(crate) completion: Arc<Completion>,
    /// The batch's length on the wire once sealed; 0 while records may be appended.
    wire_len: usize,
    /// The producer fields it was sealed with.
    pub(crate) stamp: Stamp,
    /// How many times it has been sent.
    pub(crate) attempts: u32,
    /// Not to be sent again before this instant (retry backoff).
    pub(crate) retry_at: Option<Instant>,
    /// Sent, and answered so that the broker may or may not have written it (a retriable
    /// error, a lost connection, no answer in time): until an answer settles it, it is sent
    /// again only under the stamp it was sent with, never under a new epoch (where the
    /// broker could not recognise it as a duplicate).
    pub(crate) in_doubt: bool,
}

impl ProducerBatch {
    /// An empty batch for `partition` in `buffer` (from the pool, its full length usable).
    pub(crate) fn new(partition: i32, buffer: Vec<u8>, base_timestamp: i64) -> Self {
        Self {
            id: 0,
            partition,
            buffer,
            progress: BuilderProgress::default(),
            base_timestamp,
            created: Instant::now(),
            completion: Arc::new(Completion::default()),
            wire_len: 0,
            stamp: Stamp::NONE,
            attempts: 0,
            retry_at: None,
            in_doubt: false,
        }
    }

    /// The bytes an uncompressed batch holding just `record` takes.
    pub(crate) fn size_for_one(record: &ProducerRecord<'_>) -> usize {
        BATCH_HEADER_LEN.saturating_add(new_record(record, 0, 0).encoded_len())
    }

    /// Appends `record` with `timestamp`; `None` when it does not fit (the batch is full).
    ///
    /// # Errors
    /// [`RecordError`] for a key, value or header too long for the record format, or a batch
    /// already sealed.
    pub(crate) fn try_append(
        &mut self,
        record: &ProducerRecord<'_>,
        timestamp: i64,
    ) -> Result<Option<Delivery>, RecordError> {
        if self.is_sealed() {
            return Ok(None);
        }
        let offset_delta = i32::try_from(self.progress.record_count()).unwrap_or(i32::MAX);
        let new = new_record(
            record,
            timestamp.wrapping_sub(self.base_timestamp),
            offset_delta,
        );
        let mut builder = RecordBatchBuilder::resume(
            &mut self.buffer,
            &mut [],
            Compression::None,
            BatchOptions::default(),
            self.progress,
        )?;
        if !builder.try_append(&new)? {
            return Ok(None);
        }
        self.progress = builder.progress();
        Ok(Some(Delivery::new(
            self.completion.clone(),
            self.partition,
            offset_delta,
            timestamp,
        )))
    }

    /// The number of records.
    pub(crate) fn record_count(&self) -> usize {
        self.progress.record_count()
    }

    /// Whether another record of `len` encoded bytes could not fit.
    pub(crate) fn is_full_for(&self, len: usize, max: usize) -> bool {
        BATCH_HEADER_LEN + self.progress.records_len() + len > self.buffer.len().max(max)
    }

    /// The buffer's size: the most the batch can hold without growing.
    pub(crate) fn capacity(&self) -> usize {
        self.buffer.len()
    }

    /// The buffer, to grow it (only before the batch is sealed: appends resume at the same
    /// offsets in the larger buffer).
    pub(crate) fn buffer_to_grow(&mut self) -> Option<&mut Vec<u8>> {
        (!self.is_sealed()).then_some(&mut self.buffer)
    }

    /// Its bytes on the wire: exact once sealed, the uncompressed size before.
    pub(crate) fn size(&self) -> usize {
        if self.is_sealed() {
            self.wire_len
        } else {
            BATCH_HEADER_LEN + self.progress.records_len()
        }
    }

    /// Whether the header has been written.
    pub(crate) fn is_sealed(&self) -> bool {
        self.wire_len > 0
    }

    /// Writes the header with `stamp`, compressing with `compression` through `scratch`.
    ///
    /// # Errors
    /// [`RecordError`] when the batch is empty (never for a batch with a record).
    pub(crate) fn seal(
        &mut self,
        compression: Compression,
        stamp: Stamp,
        scratch: &mut Vec<u8>,
    ) -> Result<(), RecordError> {
        let options = BatchOptions {
            base_timestamp: self.base_timestamp,
            producer_id: stamp.producer_id,
            producer_epoch: stamp.producer_epoch,
            base_sequence: stamp.base_sequence,
            transactional: stamp.transactional,
            ..BatchOptions::default()
        };
        self.stamp = stamp;
        if compression != Compression::None {
            let records_end = BATCH_HEADER_LEN + self.progress.records_len();
            if scratch.len() < self.buffer.len() {
                scratch.resize(self.buffer.len(), 0);
            }
            let records = self
                .buffer
                .get_mut(BATCH_HEADER_LEN..records_end)
                .unwrap_or_default();
            let compressed =
                RecordBatchBuilder::resume(scratch, records, compression, options, self.progress)
                    .and_then(RecordBatchBuilder::finish);
            // Kept only if it fits where the records were; otherwise sent as it is.
            if let Ok(len) = compressed
                && len <= records_end
                && let (Some(target), Some(source)) =
                    (self.buffer.get_mut(..len), scratch.get(..len))
            {
                target.copy_from_slice(source);
                self.wire_len = len;
                return Ok(());
            }
        }
        let builder = RecordBatchBuilder::resume(
            &mut self.buffer,
            &mut [],
            Compression::None,
            options,
            self.progress,
        )?;
        self.wire_len = builder.finish()?;
        Ok(())
    }

    /// Rewrites a sealed batch's producer id, epoch and base sequence, and its checksum.
    pub(crate) fn restamp(&mut self, stamp: Stamp) {
        self.stamp = stamp;
        let wire_len = self.wire_len;
        // A sealed batch was built here and always checks; an unsealed one has no header yet.
        let Some(Ok(mut header)) = self
            .buffer
            .get_mut(..wire_len)
            .map(RecordBatchMut::new_checked)
        else {
            return;
        };
        header.set_producer_id(stamp.producer_id);
        header.set_producer_epoch(stamp.producer_epoch);
        header.set_base_sequence(stamp.base_sequence);
        header.fill_crc();
    }

    /// The timestamp its records' deltas count from.
    pub(crate) fn base_timestamp(&self) -> i64 {
        self.base_timestamp
    }

    /// The length of its buffer (at least `batch.size`).
    pub(crate) fn buffer_len(&self) -> usize {
        self.buffer.len()
    }

    /// Copies a sealed batch's records, decompressed, into `out` (grown to fit); returns their
    /// length.
    ///
    /// # Errors
    /// [`RecordError`] when the sealed bytes do not read back (never for a batch built here).
    pub(crate) fn records_into(&self, out: &mut Vec<u8>) -> Result<usize, RecordError> {
        let view = RecordBatch::new_checked(self.wire())?;
        let len = self.progress.records_len();
        if out.len() < len {
            out.resize(len, 0);
        }
        let target = out.get_mut(..len).ok_or(RecordError::Compression(
            compression::CompressionError::OutputFull,
        ))?;
        if view.compression() == Compression::None {
            let source = view.records_bytes();
            target
                .get_mut(..source.len())
                .ok_or(RecordError::Compression(
                    compression::CompressionError::OutputFull,
                ))?
                .copy_from_slice(source);
            return Ok(source.len());
        }
        Ok(compression::decompress(
            view.compression(),
            view.records_bytes(),
            target,
        )?)
    }

    /// The sealed batch's bytes (empty before [`Self::seal`]).
    pub(crate) fn wire(&self) -> &[u8] {
        self.buffer.get(..self.wire_len).unwrap_or_default()
    }

    /// The buffer, to return to the pool.
    pub(crate) fn into_buffer(self) -> Vec<u8> {
        self.buffer
    }
}

fn new_record<'a>(
    record: &ProducerRecord<'a>,
    timestamp_delta: i64,
    offset_delta: i32,
) -> NewRecord<'a> {
    NewRecord {
        timestamp_delta,
        offset_delta,
        key: record.key,
        value: record.value,
        headers: record.headers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use franzl_core::record::RecordBatch;

    fn sealed(compression: Compression, values: &[&[u8]]) -> ProducerBatch {
        let mut batch = ProducerBatch::new(2, vec![0; 4096], 1_000);
        for (i, value) in values.iter().enumerate() {
            let record = ProducerRecord::new("t", value).key(b"k");
            let delivery = batch
                .try_append(&record, 1_000 + i as i64)
                .unwrap()
                .unwrap();
            assert_eq!(delivery.partition(), 2);
        }
        let stamp = Stamp {
            producer_id: 7,
            producer_epoch: 1,
            base_sequence: 10,
            transactional: false,
        };
        batch.seal(compression, stamp, &mut Vec::new()).unwrap();
        batch
    }

    #[test]
    fn appended_records_read_back_from_the_sealed_batch() {
        let values: [&[u8]; 3] = [b"one", b"two", b"three"];
        for codec in [
            Compression::None,
            Compression::Gzip,
            Compression::Lz4,
            Compression::Zstd,
            Compression::Snappy,
        ] {
            let batch = sealed(codec, &values);
            let view = RecordBatch::new_checked(batch.wire()).unwrap();
            view.verify_crc().unwrap();
            assert_eq!(view.producer_id(), 7);
            assert_eq!(view.base_sequence(), 10);
            let mut inflated = vec![0u8; 4096];
            let records: Vec<_> = view
                .records_in(&mut inflated)
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert_eq!(records.len(), 3);
            for (i, record) in records.iter().enumerate() {
                assert_eq!(record.value, Some(values[i]));
                assert_eq!(record.timestamp, 1_000 + i as i64);
                assert_eq!(record.offset, i as i64);
            }
        }
    }

    #[test]
    fn compressible_batches_shrink() {
        let value = [b'x'; 500];
        let values: Vec<&[u8]> = vec![&value; 6];
        let plain = sealed(Compression::None, &values).wire().len();
        let lz4 = sealed(Compression::Lz4, &values).wire().len();
        assert!(lz4 < plain / 4, "{lz4} vs {plain}");
    }

    #[test]
    fn restamp_rewrites_producer_fields_and_checksum() {
        let mut batch = sealed(Compression::Lz4, &[b"a", b"b"]);
        batch.restamp(Stamp {
            producer_id: 9,
            producer_epoch: 2,
            base_sequence: 0,
            transactional: false,
        });
        let view = RecordBatch::new_checked(batch.wire()).unwrap();
        view.verify_crc().unwrap();
        assert_eq!(
            (
                view.producer_id(),
                view.producer_epoch(),
                view.base_sequence()
            ),
            (9, 2, 0)
        );
    }

    #[test]
    fn a_full_batch_refuses_records() {
        let mut batch = ProducerBatch::new(0, vec![0; BATCH_HEADER_LEN + 20], 0);
        let record = ProducerRecord::new("t", b"0123456789");
        assert!(batch.try_append(&record, 0).unwrap().is_some());
        assert!(batch.try_append(&record, 0).unwrap().is_none());
        assert_eq!(batch.record_count(), 1);
        assert!(ProducerBatch::size_for_one(&record) > BATCH_HEADER_LEN + 10);
    }
}
