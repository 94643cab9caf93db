//! [`RecordBatchMut`]: a checked view over one v2 record batch whose producer fields,
//! attributes and CRC-32C can be rewritten in place.
//!
//! A producer that resends a sealed batch after its producer epoch moved (or that stamps
//! batches built before its producer id was known) rewrites the header here, in the batch's own
//! buffer, instead of rebuilding it. [`RecordBatchMut::new_checked`] validates the length and
//! magic as [`RecordBatch::new_checked`] does; afterwards no setter can panic.
//!
//! Contract: the setters change header bytes only; the stored CRC is stale until
//! [`RecordBatchMut::fill_crc`], so call it once after the last change.

use super::layout::{self, field};
use super::{Attributes, RecordBatch, RecordError};
use crate::crc::crc32c;

/// One v2 record batch, borrowed mutably from the caller's buffer.
///
/// # Examples
///
/// ```
/// use franzl_core::record::{
///     BatchOptions, NewRecord, RecordBatch, RecordBatchBuilder, RecordBatchMut,
/// };
/// let mut buf = [0u8; 128];
/// let mut builder = RecordBatchBuilder::new(&mut buf, BatchOptions::default())?;
/// builder.append(&NewRecord { value: Some(b"v"), ..NewRecord::default() })?;
/// let len = builder.finish()?;
///
/// let mut batch = RecordBatchMut::new_checked(&mut buf[..len])?;
/// batch.set_producer_id(7);
/// batch.set_producer_epoch(1);
/// batch.set_base_sequence(40);
/// batch.fill_crc();
///
/// let view = RecordBatch::new_checked(&buf[..len])?;
/// view.verify_crc()?;
/// assert_eq!((view.producer_id(), view.producer_epoch(), view.base_sequence()), (7, 1, 40));
/// # Ok::<(), franzl_core::record::RecordError>(())
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct RecordBatchMut<'a> {
    bytes: &'a mut [u8],
}

impl<'a> RecordBatchMut<'a> {
    /// Checks the batch at the start of `input` (which may hold more after it) and returns a
    /// mutable view over exactly its bytes.
    ///
    /// # Errors
    ///
    /// [`RecordError::Decode`] with [`crate::wire::DecodeError::UnexpectedEnd`] when `input`
    /// is shorter than the batch header or than the batch; [`RecordError::InvalidBatchLength`];
    /// [`RecordError::UnsupportedMagic`] (not 2).
    pub fn new_checked(input: &'a mut [u8]) -> Result<Self, RecordError> {
        let len = layout::checked_batch_len(input)?;
        let bytes = input
            .get_mut(..len)
            .ok_or(crate::wire::DecodeError::UnexpectedEnd)?;
        Ok(Self { bytes })
    }

    /// The batch as a read-only view (for its getters).
    ///
    /// # Errors
    ///
    /// As [`RecordBatch::new_checked`]: the record count or the codec may be invalid, which
    /// this view does not check.
    pub fn as_view(&self) -> Result<RecordBatch<'_>, RecordError> {
        RecordBatch::new_checked(self.bytes)
    }

    /// The batch's bytes, header included.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes
    }

    /// Sets the idempotent producer's id (-1 for none).
    pub fn set_producer_id(&mut self, producer_id: i64) {
        self.put(layout::PRODUCER_ID, &producer_id.to_be_bytes());
    }

    /// Sets the idempotent producer's epoch (-1 for none).
    pub fn set_producer_epoch(&mut self, producer_epoch: i16) {
        self.put(layout::PRODUCER_EPOCH, &producer_epoch.to_be_bytes());
    }

    /// Sets the first record's sequence number (-1 for none).
    pub fn set_base_sequence(&mut self, base_sequence: i32) {
        self.put(layout::BASE_SEQUENCE, &base_sequence.to_be_bytes());
    }

    /// Sets the attributes. The codec bits must still describe the records' bytes; this
    /// rewrites the header, not the records.
    pub fn set_attributes(&mut self, attributes: Attributes) {
        self.put(layout::ATTRIBUTES, &attributes.bits().to_be_bytes());
    }

    /// The attributes as stored.
    pub fn attributes(&self) -> Attributes {
        Attributes::from_bits(i16::from_be_bytes(field(self.bytes, layout::ATTRIBUTES)))
    }

    /// Computes the CRC-32C of the bytes from the attributes to the end and stores it.
    pub fn fill_crc(&mut self) {
        fill_crc(self.bytes);
    }

    fn put(&mut self, range: core::ops::Range<usize>, value: &[u8]) {
        if let Some(slot) = self.bytes.get_mut(range) {
            slot.copy_from_slice(value);
        }
    }
}

/// Stores the CRC-32C of `batch[21..]` in its CRC field; nothing for a buffer shorter than the
/// header.
pub(super) fn fill_crc(batch: &mut [u8]) {
    let crc = crc32c(batch.get(layout::CRC_START..).unwrap_or_default());
    if let Some(slot) = batch.get_mut(layout::CRC) {
        slot.copy_from_slice(&crc.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::compression::Compression;
    use crate::record::{BatchOptions, NewRecord, RecordBatchBuilder, TimestampType};
    use crate::wire::DecodeError;
    use std::vec;
    use std::vec::Vec;

    fn batch() -> Vec<u8> {
        let mut out = vec![0u8; 128];
        let mut builder = RecordBatchBuilder::new(&mut out, BatchOptions::default()).unwrap();
        let record = NewRecord {
            value: Some(b"value"),
            ..NewRecord::default()
        };
        builder.append(&record).unwrap();
        let len = builder.finish().unwrap();
        out.truncate(len);
        out
    }

    #[test]
    fn setters_write_the_header_fields_and_fill_crc_makes_it_verify() {
        let mut bytes = batch();
        let before = bytes.clone();
        let mut view = RecordBatchMut::new_checked(&mut bytes).unwrap();
        view.set_producer_id(0x0102_0304_0506_0708);
        view.set_producer_epoch(0x0a0b);
        view.set_base_sequence(0x1112_1314);
        let attributes = Attributes::new(Compression::None, TimestampType::CreateTime, true, false);
        view.set_attributes(attributes);
        assert_eq!(view.attributes(), attributes);
        // The CRC is stale until filled.
        assert_eq!(
            view.as_view().unwrap().verify_crc(),
            Err(RecordError::CrcMismatch)
        );
        view.fill_crc();
        let read = view.as_view().unwrap();
        read.verify_crc().unwrap();
        assert!(read.is_transactional());
        assert_eq!(read.producer_id(), 0x0102_0304_0506_0708);
        assert_eq!(read.producer_epoch(), 0x0a0b);
        assert_eq!(read.base_sequence(), 0x1112_1314);
        // Exactly the header's producer fields, attributes and CRC moved, at Kafka's offsets.
        assert_eq!(&bytes[43..51], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&bytes[51..53], &[0x0a, 0x0b]);
        assert_eq!(&bytes[53..57], &[0x11, 0x12, 0x13, 0x14]);
        assert_eq!(&bytes[21..23], &[0, 0x10]);
        let changed: Vec<usize> = (0..bytes.len())
            .filter(|&at| bytes[at] != before[at])
            .collect();
        assert!(
            changed
                .iter()
                .all(|at| (17..23).contains(at) || (43..57).contains(at)),
            "{changed:?}"
        );
    }

    #[test]
    fn the_view_covers_the_batch_only() {
        let mut bytes = batch();
        let len = bytes.len();
        bytes.extend_from_slice(&[0xee; 16]);
        let mut view = RecordBatchMut::new_checked(&mut bytes).unwrap();
        assert_eq!(view.as_bytes().len(), len);
        view.set_base_sequence(5);
        view.fill_crc();
        assert_eq!(&bytes[len..], &[0xee; 16]);
        RecordBatch::new_checked(&bytes)
            .unwrap()
            .verify_crc()
            .unwrap();
    }

    #[test]
    fn hostile_buffers_are_errors() {
        let good = batch();
        for len in 0..good.len() {
            let mut short = good[..len].to_vec();
            assert_eq!(
                RecordBatchMut::new_checked(&mut short),
                Err(RecordError::Decode(DecodeError::UnexpectedEnd)),
                "{len} bytes"
            );
        }
        let mut bad_magic = good.clone();
        bad_magic[16] = 1;
        assert_eq!(
            RecordBatchMut::new_checked(&mut bad_magic),
            Err(RecordError::UnsupportedMagic(1))
        );
        for length in [-1i32, 0, 48, i32::MAX] {
            let mut bad_length = good.clone();
            bad_length[8..12].copy_from_slice(&length.to_be_bytes());
            let expected = if length == i32::MAX {
                RecordError::Decode(DecodeError::UnexpectedEnd)
            } else {
                RecordError::InvalidBatchLength
            };
            assert_eq!(
                RecordBatchMut::new_checked(&mut bad_length),
                Err(expected),
                "batch length {length}"
            );
        }
    }

    #[test]
    fn any_bytes_never_panic() {
        // Every prefix of a batch and every single-byte change: checked or refused, and the
        // setters never panic on what was accepted.
        let good = batch();
        for at in 0..good.len() {
            for byte in [0u8, 1, 2, 0x7f, 0x80, 0xff] {
                let mut bytes = good.clone();
                bytes[at] = byte;
                if let Ok(mut view) = RecordBatchMut::new_checked(&mut bytes) {
                    view.set_producer_id(1);
                    view.set_producer_epoch(1);
                    view.set_base_sequence(1);
                    view.set_attributes(Attributes::from_bits(-1));
                    view.fill_crc();
                    let _ = view.as_view();
                }
            }
        }
    }
}
