//! Record batches: the v2 format (magic 2) to build and read, and legacy message sets (magic 0
//! and 1) to read.
//!
//! - [`RecordBatchBuilder`] writes a batch into the caller's buffer; [`encoded_batch_len`]
//!   says beforehand exactly how many bytes an uncompressed batch of given records needs.
//! - [`RecordBatch`] is a view over one batch, checked once by [`RecordBatch::new_checked`],
//!   after which no accessor panics; [`RecordBatch::verify_crc`] checks the CRC-32C on demand.
//!   Its [`Records`] iterator borrows keys, values and headers from the input (or, for a
//!   compressed batch, from the caller's decompression buffer).
//! - [`RecordBatchMut`] rewrites a batch's producer fields and attributes in place and fills
//!   its CRC-32C (a producer restamping a batch it resends).
//! - [`Batches`] walks the `records` bytes of a Fetch response partition, v2 batches and legacy
//!   messages alike; a partial batch at the end (the broker cuts at `max_bytes`) ends the
//!   iteration cleanly.
//! - [`ControlRecord`] reads and writes transaction markers.
//!
//! Nothing here allocates; every count and length is checked against the bytes it claims.

mod batch;
mod batch_mut;
mod batches;
mod builder;
mod control;
mod error;
mod layout;
mod legacy;
mod records;

pub use batch::RecordBatch;
pub use batch_mut::RecordBatchMut;
pub use batches::{Batch, Batches};
pub use builder::{BatchOptions, BuilderProgress, RecordBatchBuilder, encoded_batch_len};
pub use control::{ControlRecord, ControlType};
pub use error::RecordError;
pub use legacy::{LegacyMessage, LegacyMessages};
pub use records::{Header, Headers, NewRecord, Record, Records};

use crate::compression::Compression;

/// The size of a v2 batch header, where its records start.
pub const BATCH_HEADER_LEN: usize = layout::HEADER_LEN;

/// Whose clock a batch's timestamps are from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TimestampType {
    /// The producer's, when the record was created.
    CreateTime,
    /// The broker's, when the batch was appended to the log.
    LogAppendTime,
}

/// A v2 batch's attributes: codec, timestamp type, transactional and control flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Attributes(i16);

impl Attributes {
    const COMPRESSION_MASK: i16 = 0b111;
    const LOG_APPEND_TIME: i16 = 1 << 3;
    const TRANSACTIONAL: i16 = 1 << 4;
    const CONTROL: i16 = 1 << 5;
    const DELETE_HORIZON: i16 = 1 << 6;

    /// Attributes with these properties.
    pub const fn new(
        compression: Compression,
        timestamp_type: TimestampType,
        transactional: bool,
        control: bool,
    ) -> Self {
        let mut bits = compression.id() as i16;
        if matches!(timestamp_type, TimestampType::LogAppendTime) {
            bits |= Self::LOG_APPEND_TIME;
        }
        if transactional {
            bits |= Self::TRANSACTIONAL;
        }
        if control {
            bits |= Self::CONTROL;
        }
        Self(bits)
    }

    /// Attributes as stored on the wire.
    pub const fn from_bits(bits: i16) -> Self {
        Self(bits)
    }

    /// The wire value.
    pub const fn bits(self) -> i16 {
        self.0
    }

    /// The codec id (bits 0 to 2); see [`Compression::from_id`].
    pub const fn compression_id(self) -> u8 {
        (self.0 & Self::COMPRESSION_MASK) as u8
    }

    /// The codec.
    ///
    /// # Errors
    ///
    /// [`RecordError::UnknownCompression`] for an id Kafka does not define.
    pub const fn compression(self) -> Result<Compression, RecordError> {
        match Compression::from_id(self.compression_id()) {
            Some(codec) => Ok(codec),
            None => Err(RecordError::UnknownCompression(self.compression_id())),
        }
    }

    /// The timestamp type (bit 3).
    pub const fn timestamp_type(self) -> TimestampType {
        if self.0 & Self::LOG_APPEND_TIME != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    /// Whether the batch is part of a transaction (bit 4).
    pub const fn is_transactional(self) -> bool {
        self.0 & Self::TRANSACTIONAL != 0
    }

    /// Whether the batch holds control records (bit 5).
    pub const fn is_control(self) -> bool {
        self.0 & Self::CONTROL != 0
    }

    /// Whether the base timestamp is a compaction delete horizon (bit 6, KIP-580).
    pub const fn has_delete_horizon(self) -> bool {
        self.0 & Self::DELETE_HORIZON != 0
    }
}

#[cfg(test)]
mod tests;
