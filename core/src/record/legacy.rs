//! Legacy message sets (magic 0 and 1), read-only, including compressed wrapper messages.
//!
//! An entry: `offset i64`, `messageSize i32`, then the message: `crc u32` (CRC-32 IEEE of the
//! rest), `magic i8`, `attributes i8` (codec in bits 0-2; magic 1: timestamp type in bit 3),
//! `timestamp i64` (magic 1 only), `key bytes` and `value bytes` (`i32` length, -1 null).
//! A compressed wrapper's value is a compressed message set; for magic 1 its inner offsets
//! are relative, the wrapper carrying the last inner message's absolute offset.

use super::{RecordError, TimestampType};
use crate::compression::{self, Compression};
use crate::crc::crc32_ieee;
use crate::wire::{DecodeError, Reader};

/// offset (8) and messageSize (4).
const ENTRY_OVERHEAD: usize = 12;
/// Where the CRC-covered part starts in an entry (after offset, size and the CRC).
const CRC_START: usize = 16;

/// One legacy message, borrowed from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegacyMessage<'a> {
    bytes: &'a [u8],
    /// The message's absolute offset (for a magic 1 inner message, already made absolute).
    pub offset: i64,
    /// 0 or 1.
    pub magic: i8,
    /// The attributes byte.
    pub attributes: i8,
    /// The timestamp (magic 1 only).
    pub timestamp: Option<i64>,
    /// The key; `None` is null.
    pub key: Option<&'a [u8]>,
    /// The value (for a compressed wrapper, the compressed inner message set).
    pub value: Option<&'a [u8]>,
}

impl<'a> LegacyMessage<'a> {
    /// Reads the message entry at the start of `input` (which may hold more after it).
    ///
    /// # Errors
    ///
    /// [`RecordError::Decode`] for a truncated entry or bad lengths;
    /// [`RecordError::InvalidBatchLength`] for a negative size;
    /// [`RecordError::UnsupportedMagic`] unless the magic is 0 or 1;
    /// [`RecordError::RecordLengthMismatch`] when the fields do not fill the size exactly.
    pub fn new_checked(input: &'a [u8]) -> Result<Self, RecordError> {
        let mut reader = Reader::new(input);
        let offset = reader.i64()?;
        let size = usize::try_from(reader.i32()?).map_err(|_| RecordError::InvalidBatchLength)?;
        let bytes = input
            .get(..ENTRY_OVERHEAD.saturating_add(size))
            .ok_or(DecodeError::UnexpectedEnd)?;
        let mut message = reader.sub(size)?;
        let _crc = message.u32()?;
        let magic = message.i8()?;
        if magic != 0 && magic != 1 {
            return Err(RecordError::UnsupportedMagic(magic));
        }
        let attributes = message.i8()?;
        let timestamp = if magic == 1 {
            Some(message.i64()?)
        } else {
            None
        };
        let key = message.nullable_bytes()?;
        let value = message.nullable_bytes()?;
        if !message.is_empty() {
            return Err(RecordError::RecordLengthMismatch);
        }
        Ok(Self {
            bytes,
            offset,
            magic,
            attributes,
            timestamp,
            key,
            value,
        })
    }

    /// The entry's bytes (offset and size included).
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Checks the stored CRC-32 (IEEE) against the message's bytes.
    ///
    /// # Errors
    ///
    /// [`RecordError::CrcMismatch`].
    pub fn verify_crc(&self) -> Result<(), RecordError> {
        let stored = self
            .bytes
            .get(ENTRY_OVERHEAD..CRC_START)
            .unwrap_or_default();
        let covered = self.bytes.get(CRC_START..).unwrap_or_default();
        if stored == crc32_ieee(covered).to_be_bytes() {
            Ok(())
        } else {
            Err(RecordError::CrcMismatch)
        }
    }

    /// The codec of a wrapper message (`None` for a plain message).
    ///
    /// # Errors
    ///
    /// [`RecordError::UnknownCompression`].
    pub fn compression(&self) -> Result<Compression, RecordError> {
        let id = (self.attributes & 0b111) as u8;
        Compression::from_id(id).ok_or(RecordError::UnknownCompression(id))
    }

    /// The timestamp type (log append time only for magic 1 with bit 3 set).
    pub fn timestamp_type(&self) -> TimestampType {
        if self.magic == 1 && self.attributes & 0b1000 != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    /// The inner messages of a compressed wrapper, decompressed into `out`, with absolute
    /// offsets. For a plain message, an error.
    ///
    /// # Errors
    ///
    /// [`RecordError::Compression`] when the value inflates past `out.len()` or is corrupt (or
    /// the message is not compressed: `Unsupported`); [`RecordError::Decode`] for a null value.
    pub fn inner_messages<'o>(&self, out: &'o mut [u8]) -> Result<LegacyMessages<'o>, RecordError> {
        let codec = self.compression()?;
        let value = self.value.ok_or(DecodeError::UnexpectedNull)?;
        let len = match codec {
            Compression::None => return Err(compression::CompressionError::Unsupported.into()),
            // Kafka before 0.10 wrote a wrong LZ4 header checksum; accept it here.
            #[cfg(feature = "lz4")]
            Compression::Lz4 => compression::lz4::decompress_legacy(value, out)?,
            other => compression::decompress(other, value, out)?,
        };
        let inner = out.get(..len).unwrap_or_default();
        let mut offset_shift = 0;
        if self.magic == 1 {
            // Inner offsets are relative; the wrapper holds the last one's absolute offset.
            let last = LegacyMessages::new(inner)
                .map_while(Result::ok)
                .last()
                .map_or(0, |message| message.offset);
            offset_shift = self.offset.wrapping_sub(last);
        }
        Ok(LegacyMessages {
            rest: inner,
            offset_shift,
            done: false,
        })
    }
}

/// The messages of a legacy message set. A partial entry at the end ends the iteration
/// cleanly; a malformed entry yields an error and ends it.
#[derive(Clone, Debug)]
pub struct LegacyMessages<'a> {
    rest: &'a [u8],
    offset_shift: i64,
    done: bool,
}

impl<'a> LegacyMessages<'a> {
    /// The messages in `message_set`.
    pub const fn new(message_set: &'a [u8]) -> Self {
        Self {
            rest: message_set,
            offset_shift: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for LegacyMessages<'a> {
    type Item = Result<LegacyMessage<'a>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let size = self
            .rest
            .get(8..ENTRY_OVERHEAD)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        let complete = size.is_some_and(|size| {
            usize::try_from(size).map_or(true, |size| {
                self.rest.len() >= ENTRY_OVERHEAD.saturating_add(size)
            })
        });
        if !complete {
            // A partial entry at the end (or nothing left): a clean stop.
            self.done = true;
            return None;
        }
        match LegacyMessage::new_checked(self.rest) {
            Ok(mut message) => {
                self.rest = self.rest.get(message.bytes.len()..).unwrap_or_default();
                message.offset = message.offset.wrapping_add(self.offset_shift);
                Some(Ok(message))
            }
            Err(error) => {
                self.done = true;
                Some(Err(error))
            }
        }
    }
}

#[cfg(test)]
mod tests;
