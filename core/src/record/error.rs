//! The record layer's error: what was wrong with a batch, a record, or the buffers given.

use core::fmt;

use crate::compression::CompressionError;
use crate::wire::{DecodeError, EncodeError};

/// Why a batch or message set could not be read or built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RecordError {
    /// A primitive could not be read: truncated input, an overlong varint, a negative or
    /// oversized length, a header key that is not UTF-8.
    Decode(DecodeError),
    /// A primitive could not be written: the buffer is too small (with the size needed), or a
    /// key, value or count is too long for its field.
    Encode(EncodeError),
    /// Compressing or decompressing the records failed (including a payload that inflates past
    /// the buffer given for it).
    Compression(CompressionError),
    /// The batch's magic byte is not one this reader handles.
    UnsupportedMagic(i8),
    /// The attributes name a compression codec Kafka does not define.
    UnknownCompression(u8),
    /// The batch length is negative or shorter than the batch header.
    InvalidBatchLength,
    /// The stored checksum does not match the bytes.
    CrcMismatch,
    /// The record count is negative, or does not match the records in the bytes.
    RecordCountMismatch,
    /// A record's header count claims more headers than the record's bytes hold.
    HeaderCountMismatch,
    /// A record's length does not match the fields it holds.
    RecordLengthMismatch,
    /// The batch is compressed: its records must be read through a decompression buffer.
    NeedsDecompression,
    /// A batch was finished without records.
    EmptyBatch,
    /// A record in a control batch is not a control record this reader knows.
    InvalidControlRecord,
}

impl From<DecodeError> for RecordError {
    fn from(error: DecodeError) -> Self {
        Self::Decode(error)
    }
}

impl From<EncodeError> for RecordError {
    fn from(error: EncodeError) -> Self {
        Self::Encode(error)
    }
}

impl From<CompressionError> for RecordError {
    fn from(error: CompressionError) -> Self {
        Self::Compression(error)
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(error) => write!(f, "record decoding: {error}"),
            Self::Encode(error) => write!(f, "record encoding: {error}"),
            Self::Compression(error) => write!(f, "record compression: {error}"),
            Self::UnsupportedMagic(magic) => write!(f, "unsupported record magic {magic}"),
            Self::UnknownCompression(id) => write!(f, "unknown compression codec {id}"),
            Self::InvalidBatchLength => f.write_str("invalid batch length"),
            Self::CrcMismatch => f.write_str("batch CRC mismatch"),
            Self::RecordCountMismatch => f.write_str("record count does not match the records"),
            Self::HeaderCountMismatch => f.write_str("header count does not match the headers"),
            Self::RecordLengthMismatch => f.write_str("record length does not match its fields"),
            Self::NeedsDecompression => f.write_str("batch is compressed"),
            Self::EmptyBatch => f.write_str("batch has no records"),
            Self::InvalidControlRecord => f.write_str("invalid control record"),
        }
    }
}

impl core::error::Error for RecordError {}
