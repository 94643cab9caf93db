//! Byte ranges of the v2 record batch header (all integers big-endian).
//!
//! ```text
//! 0  baseOffset i64          17 crc u32 (CRC-32C of bytes 21..end)   43 producerId i64
//! 8  batchLength i32         21 attributes i16                       51 producerEpoch i16
//! 12 partitionLeaderEpoch    23 lastOffsetDelta i32                  53 baseSequence i32
//! 16 magic i8 (2)            27 baseTimestamp i64, 35 maxTimestamp   57 recordCount i32
//! 61 records
//! ```

use core::ops::Range;

use super::RecordError;
use crate::wire::DecodeError;

pub(super) const BASE_OFFSET: Range<usize> = 0..8;
pub(super) const BATCH_LENGTH: Range<usize> = 8..12;
pub(super) const PARTITION_LEADER_EPOCH: Range<usize> = 12..16;
pub(super) const MAGIC: usize = 16;
pub(super) const CRC: Range<usize> = 17..21;
/// The checksum covers everything from the attributes to the end of the batch.
pub(super) const CRC_START: usize = 21;
pub(super) const ATTRIBUTES: Range<usize> = 21..23;
pub(super) const LAST_OFFSET_DELTA: Range<usize> = 23..27;
pub(super) const BASE_TIMESTAMP: Range<usize> = 27..35;
pub(super) const MAX_TIMESTAMP: Range<usize> = 35..43;
pub(super) const PRODUCER_ID: Range<usize> = 43..51;
pub(super) const PRODUCER_EPOCH: Range<usize> = 51..53;
pub(super) const BASE_SEQUENCE: Range<usize> = 53..57;
pub(super) const RECORD_COUNT: Range<usize> = 57..61;
/// The header's length, where the records start.
pub(super) const HEADER_LEN: usize = 61;
/// baseOffset and batchLength: the bytes not counted by batchLength.
pub(super) const LOG_OVERHEAD: usize = 12;

/// Reads `N` bytes at `range` of `bytes`; zeros if out of range (callers check lengths first,
/// so this never happens, but it cannot panic either).
pub(super) fn field<const N: usize>(bytes: &[u8], range: Range<usize>) -> [u8; N] {
    bytes
        .get(range)
        .and_then(|slice| <[u8; N]>::try_from(slice).ok())
        .unwrap_or([0; N])
}

/// The length of the v2 batch at the start of `input` (which may hold more after it): checks
/// that the header is there, the magic is 2, and the batch length is at least the header's and
/// within `input`.
pub(super) fn checked_batch_len(input: &[u8]) -> Result<usize, RecordError> {
    if input.len() < HEADER_LEN {
        return Err(DecodeError::UnexpectedEnd.into());
    }
    let magic = i8::from_be_bytes(field(input, MAGIC..MAGIC + 1));
    if magic != 2 {
        return Err(RecordError::UnsupportedMagic(magic));
    }
    let batch_length = i32::from_be_bytes(field(input, BATCH_LENGTH));
    let total = usize::try_from(batch_length)
        .ok()
        .and_then(|len| len.checked_add(LOG_OVERHEAD))
        .filter(|&total| total >= HEADER_LEN)
        .ok_or(RecordError::InvalidBatchLength)?;
    if total > input.len() {
        return Err(DecodeError::UnexpectedEnd.into());
    }
    Ok(total)
}
