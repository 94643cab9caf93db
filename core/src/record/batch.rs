//! [`RecordBatch`]: a checked, zero-copy view over one v2 record batch.
//!
//! [`RecordBatch::new_checked`] validates the length, the magic, the record count's sign and
//! the codec once; afterwards every accessor reads a fixed header field and cannot panic. The
//! CRC-32C is checked only when asked ([`RecordBatch::verify_crc`]): a broker has checked it
//! already, a client may want to again. Records of a compressed batch are read from a buffer
//! the caller gives to [`RecordBatch::records_in`].

use super::layout::{self, HEADER_LEN, field};
use super::{Attributes, RecordError, Records, TimestampType};
use crate::compression::{self, Compression};
use crate::crc::crc32c;
use crate::wire::DecodeError;

/// One v2 record batch, borrowed from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordBatch<'a> {
    bytes: &'a [u8],
}

impl<'a> RecordBatch<'a> {
    /// Checks the batch at the start of `input` (which may hold more after it) and returns a
    /// view over exactly its bytes.
    ///
    /// # Errors
    ///
    /// [`RecordError::Decode`] with [`DecodeError::UnexpectedEnd`] when `input` is shorter
    /// than the batch; [`RecordError::InvalidBatchLength`],
    /// [`RecordError::UnsupportedMagic`] (not 2), [`RecordError::RecordCountMismatch`] for a
    /// negative count, [`RecordError::UnknownCompression`].
    pub fn new_checked(input: &'a [u8]) -> Result<Self, RecordError> {
        let total = layout::checked_batch_len(input)?;
        let bytes = input.get(..total).ok_or(DecodeError::UnexpectedEnd)?;
        let batch = Self { bytes };
        if batch.record_count_raw() < 0 {
            return Err(RecordError::RecordCountMismatch);
        }
        batch.attributes().compression()?;
        Ok(batch)
    }

    /// The batch's bytes, header included.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The batch's total length in bytes.
    pub const fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: a batch has at least its header.
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// Checks the stored CRC-32C against the bytes from the attributes to the end.
    ///
    /// # Errors
    ///
    /// [`RecordError::CrcMismatch`].
    pub fn verify_crc(&self) -> Result<(), RecordError> {
        let covered = self.bytes.get(layout::CRC_START..).unwrap_or_default();
        if crc32c(covered) == self.crc() {
            Ok(())
        } else {
            Err(RecordError::CrcMismatch)
        }
    }

    /// The first record's offset.
    pub fn base_offset(&self) -> i64 {
        i64::from_be_bytes(field(self.bytes, layout::BASE_OFFSET))
    }

    /// The offset of the last record (base offset plus the last offset delta).
    pub fn last_offset(&self) -> i64 {
        self.base_offset()
            .wrapping_add(i64::from(self.last_offset_delta()))
    }

    /// The partition leader epoch the broker stamped.
    pub fn partition_leader_epoch(&self) -> i32 {
        i32::from_be_bytes(field(self.bytes, layout::PARTITION_LEADER_EPOCH))
    }

    /// The stored CRC-32C.
    pub fn crc(&self) -> u32 {
        u32::from_be_bytes(field(self.bytes, layout::CRC))
    }

    /// The attributes.
    pub fn attributes(&self) -> Attributes {
        Attributes::from_bits(i16::from_be_bytes(field(self.bytes, layout::ATTRIBUTES)))
    }

    /// The codec (checked by [`Self::new_checked`]).
    pub fn compression(&self) -> Compression {
        self.attributes().compression().unwrap_or(Compression::None)
    }

    /// The timestamp type.
    pub fn timestamp_type(&self) -> TimestampType {
        self.attributes().timestamp_type()
    }

    /// Whether the batch belongs to a transaction.
    pub fn is_transactional(&self) -> bool {
        self.attributes().is_transactional()
    }

    /// Whether the batch holds control records.
    pub fn is_control(&self) -> bool {
        self.attributes().is_control()
    }

    /// The last record's offset delta.
    pub fn last_offset_delta(&self) -> i32 {
        i32::from_be_bytes(field(self.bytes, layout::LAST_OFFSET_DELTA))
    }

    /// The timestamp record timestamps count from.
    pub fn base_timestamp(&self) -> i64 {
        i64::from_be_bytes(field(self.bytes, layout::BASE_TIMESTAMP))
    }

    /// The largest timestamp in the batch (the append time for log-append-time batches).
    pub fn max_timestamp(&self) -> i64 {
        i64::from_be_bytes(field(self.bytes, layout::MAX_TIMESTAMP))
    }

    /// The idempotent producer's id, or -1.
    pub fn producer_id(&self) -> i64 {
        i64::from_be_bytes(field(self.bytes, layout::PRODUCER_ID))
    }

    /// The idempotent producer's epoch, or -1.
    pub fn producer_epoch(&self) -> i16 {
        i16::from_be_bytes(field(self.bytes, layout::PRODUCER_EPOCH))
    }

    /// The first record's sequence number, or -1.
    pub fn base_sequence(&self) -> i32 {
        i32::from_be_bytes(field(self.bytes, layout::BASE_SEQUENCE))
    }

    fn record_count_raw(&self) -> i32 {
        i32::from_be_bytes(field(self.bytes, layout::RECORD_COUNT))
    }

    /// The number of records the header claims (checked not negative).
    pub fn record_count(&self) -> u32 {
        self.record_count_raw().unsigned_abs()
    }

    /// The records' bytes as stored (compressed if the batch is).
    pub fn records_bytes(&self) -> &'a [u8] {
        self.bytes.get(HEADER_LEN..).unwrap_or_default()
    }

    /// The records of an uncompressed batch, borrowed from the input.
    ///
    /// # Errors
    ///
    /// [`RecordError::NeedsDecompression`] for a compressed batch, whose records need a
    /// buffer: use [`Self::records_in`].
    pub fn records(&self) -> Result<Records<'a>, RecordError> {
        if self.compression() != Compression::None {
            return Err(RecordError::NeedsDecompression);
        }
        Ok(self.records_over(self.records_bytes()))
    }

    /// The records, decompressed (or, for an uncompressed batch, copied) into `out`, and read
    /// from there.
    ///
    /// # Errors
    ///
    /// [`RecordError::Compression`]: the records inflate past `out.len()`, are corrupt, or use a
    /// codec not in this build.
    pub fn records_in<'o>(&self, out: &'o mut [u8]) -> Result<Records<'o>, RecordError> {
        let len = compression::decompress(self.compression(), self.records_bytes(), out)?;
        let records = out.get(..len).unwrap_or_default();
        Ok(self.records_over(records))
    }

    /// The records read from `decompressed`: this batch's records bytes, already decompressed
    /// by the caller (with [`compression::decompress`], into a buffer it sized and keeps).
    pub fn records_decompressed<'r>(&self, decompressed: &'r [u8]) -> Records<'r> {
        self.records_over(decompressed)
    }

    fn records_over<'r>(&self, bytes: &'r [u8]) -> Records<'r> {
        let records = Records::new(
            bytes,
            self.record_count(),
            self.base_offset(),
            self.base_timestamp(),
        );
        match self.timestamp_type() {
            TimestampType::LogAppendTime => records.with_log_append_time(self.max_timestamp()),
            TimestampType::CreateTime => records,
        }
    }
}
