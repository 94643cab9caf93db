//! [`RecordBatchBuilder`]: writes a v2 record batch into the caller's buffer.
//!
//! Call order: [`RecordBatchBuilder::new`] (or [`RecordBatchBuilder::compressed`] with a scratch
//! buffer), then [`RecordBatchBuilder::fits`] / [`RecordBatchBuilder::append`] per record, then
//! [`RecordBatchBuilder::finish`], which writes the header, compresses if asked, and computes
//! the CRC-32C. The batch is `out[..n]` for the `n` that `finish` returns.
//!
//! Sizes: an uncompressed batch takes exactly [`encoded_batch_len`] bytes. A compressed batch's
//! records are first written, uncompressed, into the scratch buffer (which must hold
//! [`encoded_batch_len`] minus the 61-byte header); their compressed size is known only once
//! compressed, so `out` must have room for the header plus the codec's worst case (for LZ4,
//! [`crate::compression::lz4::max_compressed_len`]).
//!
//! A builder borrows its buffers; to append to a batch over time (a producer accumulating
//! records between sends), save [`RecordBatchBuilder::progress`] and later continue with
//! [`RecordBatchBuilder::resume`] over the same bytes. Resuming with a different codec is
//! allowed: records appended uncompressed into one buffer can be finished compressed by
//! resuming with that buffer's records area as `scratch`.

use super::batch_mut;
use super::layout::{HEADER_LEN, LOG_OVERHEAD};
use super::{Attributes, NewRecord, RecordError, TimestampType};
use crate::compression::{self, Compression};
use crate::wire::{EncodeError, Writer};

/// The header fields of a batch that the caller chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchOptions {
    /// The first record's offset: 0 when producing (the broker assigns offsets).
    pub base_offset: i64,
    /// The leader epoch; -1 when producing.
    pub partition_leader_epoch: i32,
    /// The timestamp records' `timestamp_delta` counts from.
    pub base_timestamp: i64,
    /// Whether timestamps are the producer's (create time) or the broker's (log append time).
    pub timestamp_type: TimestampType,
    /// The idempotent producer's id; -1 when not idempotent.
    pub producer_id: i64,
    /// The idempotent producer's epoch; -1 when not idempotent.
    pub producer_epoch: i16,
    /// The first record's sequence number; -1 when not idempotent.
    pub base_sequence: i32,
    /// Whether the batch belongs to a transaction.
    pub transactional: bool,
    /// Whether the batch holds control records (transaction markers).
    pub control: bool,
}

impl Default for BatchOptions {
    /// A plain producer batch: offset 0, no producer id, create-time timestamps from 0.
    fn default() -> Self {
        Self {
            base_offset: 0,
            partition_leader_epoch: -1,
            base_timestamp: 0,
            timestamp_type: TimestampType::CreateTime,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            transactional: false,
            control: false,
        }
    }
}

/// The exact size of an uncompressed batch holding `records`: the 61-byte header plus each
/// record's [`NewRecord::encoded_len`].
///
/// # Examples
///
/// ```
/// use franzl_core::record::{NewRecord, encoded_batch_len};
/// let record = NewRecord { key: Some(b"k"), value: Some(b"v"), ..NewRecord::default() };
/// assert_eq!(encoded_batch_len(&[record]), 61 + 9);
/// ```
pub fn encoded_batch_len(records: &[NewRecord<'_>]) -> usize {
    records.iter().fold(HEADER_LEN, |sum, record| {
        sum.saturating_add(record.encoded_len())
    })
}

/// What a builder has appended so far, to resume it later with [`RecordBatchBuilder::resume`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuilderProgress {
    records_len: usize,
    count: i32,
    max_timestamp_delta: i64,
    last_offset_delta: i32,
}

impl BuilderProgress {
    /// The number of records appended.
    pub const fn record_count(&self) -> usize {
        self.count as usize
    }

    /// The bytes of the records appended, uncompressed, without the batch header.
    pub const fn records_len(&self) -> usize {
        self.records_len
    }
}

/// Writes one v2 record batch into a caller buffer; see the module docs for the call order and sizes.
///
/// # Examples
///
/// ```
/// use franzl_core::record::{BatchOptions, NewRecord, RecordBatch, RecordBatchBuilder};
/// let mut buf = [0u8; 128];
/// let mut builder = RecordBatchBuilder::new(&mut buf, BatchOptions::default())?;
/// builder.append(&NewRecord { value: Some(b"hello"), ..NewRecord::default() })?;
/// let len = builder.finish()?;
/// let batch = RecordBatch::new_checked(&buf[..len])?;
/// batch.verify_crc()?;
/// let record = batch.records()?.next().unwrap()?;
/// assert_eq!(record.value, Some(&b"hello"[..]));
/// # Ok::<(), franzl_core::record::RecordError>(())
/// ```
#[derive(Debug)]
pub struct RecordBatchBuilder<'b> {
    out: &'b mut [u8],
    /// Where records go before compression; empty when uncompressed.
    scratch: &'b mut [u8],
    compression: Compression,
    options: BatchOptions,
    records_len: usize,
    count: i32,
    max_timestamp_delta: i64,
    last_offset_delta: i32,
}

impl<'b> RecordBatchBuilder<'b> {
    /// A builder for an uncompressed batch in `out`.
    ///
    /// # Errors
    ///
    /// [`RecordError::Encode`] when `out` cannot hold the 61-byte header.
    pub fn new(out: &'b mut [u8], options: BatchOptions) -> Result<Self, RecordError> {
        Self::compressed(out, &mut [], Compression::None, options)
    }

    /// A builder for a batch compressed with `compression`, which writes records into `scratch`
    /// and compresses them into `out` on [`Self::finish`].
    ///
    /// # Errors
    ///
    /// [`RecordError::Encode`] when `out` cannot hold the 61-byte header;
    /// [`RecordError::Compression`] when the codec is not in this build.
    pub fn compressed(
        out: &'b mut [u8],
        scratch: &'b mut [u8],
        compression: Compression,
        options: BatchOptions,
    ) -> Result<Self, RecordError> {
        if out.len() < HEADER_LEN {
            return Err(EncodeError::BufferTooSmall { needed: HEADER_LEN }.into());
        }
        if !compression.is_enabled() {
            return Err(compression::CompressionError::CodecDisabled.into());
        }
        Ok(Self {
            out,
            scratch,
            compression,
            options,
            records_len: 0,
            count: 0,
            max_timestamp_delta: 0,
            last_offset_delta: 0,
        })
    }

    /// A builder that continues where one with `progress` stopped: the records it appended
    /// must be in `out` after the header (uncompressed) or at the front of `scratch`.
    ///
    /// # Errors
    ///
    /// As [`Self::compressed`], and [`RecordError::Encode`] with
    /// [`EncodeError::BufferTooSmall`] when the records area cannot hold the records
    /// `progress` counts.
    pub fn resume(
        out: &'b mut [u8],
        scratch: &'b mut [u8],
        compression: Compression,
        options: BatchOptions,
        progress: BuilderProgress,
    ) -> Result<Self, RecordError> {
        let mut builder = Self::compressed(out, scratch, compression, options)?;
        if progress.records_len > builder.records_capacity() {
            let header = if compression == Compression::None {
                HEADER_LEN
            } else {
                0
            };
            let needed = header.saturating_add(progress.records_len);
            return Err(EncodeError::BufferTooSmall { needed }.into());
        }
        builder.records_len = progress.records_len;
        builder.count = progress.count;
        builder.max_timestamp_delta = progress.max_timestamp_delta;
        builder.last_offset_delta = progress.last_offset_delta;
        Ok(builder)
    }

    /// What has been appended so far, for [`Self::resume`].
    pub const fn progress(&self) -> BuilderProgress {
        BuilderProgress {
            records_len: self.records_len,
            count: self.count,
            max_timestamp_delta: self.max_timestamp_delta,
            last_offset_delta: self.last_offset_delta,
        }
    }

    fn records_area(&mut self) -> &mut [u8] {
        if self.compression == Compression::None {
            self.out.get_mut(HEADER_LEN..).unwrap_or_default()
        } else {
            self.scratch
        }
    }

    fn records_capacity(&self) -> usize {
        if self.compression == Compression::None {
            self.out.len() - HEADER_LEN
        } else {
            self.scratch.len()
        }
    }

    /// The number of records appended.
    pub const fn record_count(&self) -> usize {
        self.count as usize
    }

    /// The size of the batch so far, uncompressed.
    pub const fn uncompressed_len(&self) -> usize {
        HEADER_LEN + self.records_len
    }

    /// Whether `record` fits in the space left (for a compressed batch: in the scratch buffer).
    pub fn fits(&self, record: &NewRecord<'_>) -> bool {
        self.count < i32::MAX
            && self
                .records_len
                .checked_add(record.encoded_len())
                .is_some_and(|end| end <= self.records_capacity())
    }

    /// Appends `record`. On error nothing is appended and the builder can go on.
    ///
    /// # Errors
    ///
    /// [`RecordError::Encode`] with [`EncodeError::BufferTooSmall`] (naming the records-area
    /// size needed, header included for an uncompressed batch) when it does not fit, or
    /// [`EncodeError::TooLong`] for a key, value or header beyond `i32::MAX` bytes.
    pub fn append(&mut self, record: &NewRecord<'_>) -> Result<(), RecordError> {
        if self.try_append(record)? {
            return Ok(());
        }
        let header = if self.compression == Compression::None {
            HEADER_LEN
        } else {
            0
        };
        let needed = (header + self.records_len).saturating_add(record.encoded_len());
        Err(EncodeError::BufferTooSmall { needed }.into())
    }

    /// Appends `record` if it fits: `Ok(false)` (nothing appended) when it does not. Sizes the
    /// record once, so a producer filling batches record by record pays for one size
    /// computation, not one to ask and one to append.
    ///
    /// # Errors
    ///
    /// [`EncodeError::TooLong`] for a key, value or header beyond `i32::MAX` bytes, or a batch
    /// already holding `i32::MAX` records.
    pub fn try_append(&mut self, record: &NewRecord<'_>) -> Result<bool, RecordError> {
        if self.count == i32::MAX {
            return Err(EncodeError::TooLong.into());
        }
        let (body, len) = record.lens();
        let start = self.records_len;
        if start
            .checked_add(len)
            .is_none_or(|end| end > self.records_capacity())
        {
            return Ok(false);
        }
        let area = self.records_area();
        let mut writer = Writer::new(area.get_mut(start..).unwrap_or_default());
        record.write_sized(&mut writer, body)?;
        let written = writer.position();
        self.records_len += written;
        self.max_timestamp_delta = if self.count == 0 {
            record.timestamp_delta
        } else {
            self.max_timestamp_delta.max(record.timestamp_delta)
        };
        self.last_offset_delta = if self.count == 0 {
            record.offset_delta
        } else {
            self.last_offset_delta.max(record.offset_delta)
        };
        self.count += 1;
        Ok(true)
    }

    /// Writes the header (compressing the records first if asked) and the CRC-32C; returns the
    /// batch's length, the batch being `out[..len]`.
    ///
    /// # Errors
    ///
    /// [`RecordError::EmptyBatch`] with no records; [`RecordError::Compression`] when the
    /// compressed records do not fit `out`; [`RecordError::Encode`] when the batch is longer
    /// than `i32::MAX`.
    pub fn finish(self) -> Result<usize, RecordError> {
        if self.count == 0 {
            return Err(RecordError::EmptyBatch);
        }
        let records_len = if self.compression == Compression::None {
            self.records_len
        } else {
            let records = self.scratch.get(..self.records_len).unwrap_or_default();
            let target = self.out.get_mut(HEADER_LEN..).unwrap_or_default();
            compression::compress(self.compression, records, target)?
        };
        let len = HEADER_LEN + records_len;
        let batch_length = i32::try_from(len - LOG_OVERHEAD).map_err(|_| EncodeError::TooLong)?;
        let options = &self.options;
        let attributes = Attributes::new(
            self.compression,
            options.timestamp_type,
            options.transactional,
            options.control,
        );
        let mut writer = Writer::new(self.out.get_mut(..HEADER_LEN).unwrap_or_default());
        writer.put_i64(options.base_offset)?;
        writer.put_i32(batch_length)?;
        writer.put_i32(options.partition_leader_epoch)?;
        writer.put_i8(2)?;
        writer.put_u32(0)?; // CRC, patched below
        writer.put_i16(attributes.bits())?;
        writer.put_i32(self.last_offset_delta)?;
        writer.put_i64(options.base_timestamp)?;
        writer.put_i64(
            options
                .base_timestamp
                .wrapping_add(self.max_timestamp_delta),
        )?;
        writer.put_i64(options.producer_id)?;
        writer.put_i16(options.producer_epoch)?;
        writer.put_i32(options.base_sequence)?;
        writer.put_i32(self.count)?;
        batch_mut::fill_crc(self.out.get_mut(..len).unwrap_or_default());
        Ok(len)
    }
}
