//! [`Assignment`]: what the group leader hands a member through SyncGroup: its partitions and
//! the assignor's user data.
//!
//! Contract: see the [module](super) summary; the layout is the same at versions 0 to 3 (the
//! later versions exist to stay in step with the subscription's), any non-negative version is
//! read.

use super::{CLASSIC, TopicPartitions, check_version, encode_into, field_len, read_version};
use crate::messages::{Array, Item};
use crate::wire::{DecodeError, EncodeError, Reader, Writer};

/// A member's assignment (`ConsumerProtocolAssignment`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Assignment<'a> {
    /// The partitions assigned to the member, by topic.
    pub assigned_partitions: Array<'a, TopicPartitions<'a>>,
    /// The assignor's data for this member, or none.
    pub user_data: Option<&'a [u8]>,
}

impl<'a> Assignment<'a> {
    /// Decodes an assignment, borrowing `input`. Returns the version as written with it; bytes
    /// after the known fields are ignored, as the Java client ignores them.
    ///
    /// # Errors
    /// A negative version, truncation, a negative or oversized length or count, a null list or
    /// topic name, or a name that is not UTF-8.
    pub fn decode(input: &'a [u8]) -> Result<(i16, Self), DecodeError> {
        let mut r = Reader::new(input);
        let (written, _read_as) = read_version(&mut r)?;
        let assignment = Self {
            assigned_partitions: Array::read(&mut r, CLASSIC)?,
            user_data: Option::read(&mut r, CLASSIC)?,
        };
        Ok((written, assignment))
    }

    /// The exact size of [`Self::encode`]'s output at `version`, its version prefix included.
    ///
    /// # Errors
    /// [`EncodeError::UnsupportedVersion`] outside 0 to 3; [`EncodeError::TooLong`] for a
    /// name, user data or list too long for its length prefix.
    pub fn encoded_len(&self, version: i16) -> Result<usize, EncodeError> {
        check_version(version)?;
        let fields =
            field_len(&self.assigned_partitions)?.saturating_add(field_len(&self.user_data)?);
        Ok(fields.saturating_add(2))
    }

    /// Encodes the assignment at `version` into `buf`; returns the bytes written, exactly
    /// [`Self::encoded_len`].
    ///
    /// # Errors
    /// As [`Self::encoded_len`], and [`EncodeError::BufferTooSmall`] with the size needed.
    pub fn encode(&self, version: i16, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.encoded_len(version)?;
        encode_into(buf, len, |w| self.write(version, w))
    }

    fn write(&self, version: i16, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put_i16(version)?;
        self.assigned_partitions.write(w, CLASSIC)?;
        self.user_data.write(w, CLASSIC)
    }
}
