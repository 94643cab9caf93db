//! [`StickyUserData`]: the user data of the eager `sticky` assignor (KIP-54, KIP-341): the
//! member's previous assignment and the generation it was made in, so that a leader can keep
//! partitions where they were even though eager members give everything up before they join.
//!
//! Wire form, as the Java client's `StickyAssignor` writes it (no version prefix):
//! `[{topic STRING, partitions [INT32]}]` then, in the second form, the generation `INT32`. The
//! first form (no generation) is read when fewer than 4 bytes follow the list, as the Java
//! client falls back to it; anything after the generation is ignored.
//!
//! Contract: as the [module](super) summary: caller buffers, exact sizes, decoding borrows and
//! checks every count.

use super::{CLASSIC, TopicPartitions, encode_into, field_len};
use crate::messages::{Array, Item};
use crate::wire::{DecodeError, EncodeError, Reader};

/// The `sticky` assignor's user data: a member's previous assignment and its generation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StickyUserData<'a> {
    /// The partitions the member was assigned last, by topic.
    pub previous_assignment: Array<'a, TopicPartitions<'a>>,
    /// The generation of that assignment; none in the first form.
    pub generation: Option<i32>,
}

impl<'a> StickyUserData<'a> {
    /// Decodes the user data, borrowing `input`.
    ///
    /// # Errors
    /// Truncation, a negative or oversized length or count, a null list or topic name, or a
    /// name that is not UTF-8.
    pub fn decode(input: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(input);
        let previous_assignment = Array::read(&mut r, CLASSIC)?;
        let generation = if r.remaining() >= 4 {
            Some(r.i32()?)
        } else {
            None
        };
        Ok(Self {
            previous_assignment,
            generation,
        })
    }

    /// The exact size of [`Self::encode`]'s output.
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] for a name or list too long for its length prefix.
    pub fn encoded_len(&self) -> Result<usize, EncodeError> {
        let generation = if self.generation.is_some() { 4 } else { 0 };
        Ok(field_len(&self.previous_assignment)?.saturating_add(generation))
    }

    /// Encodes the user data into `buf`; returns the bytes written, exactly
    /// [`Self::encoded_len`].
    ///
    /// # Errors
    /// As [`Self::encoded_len`], and [`EncodeError::BufferTooSmall`] with the size needed.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.encoded_len()?;
        encode_into(buf, len, |w| {
            self.previous_assignment.write(w, CLASSIC)?;
            self.generation
                .map_or(Ok(()), |generation| w.put_i32(generation))
        })
    }
}
