//! [`Subscription`]: what a member of a consumer group tells the leader in its JoinGroup
//! protocol metadata: the topics it wants, the partitions it owns, its generation and rack.
//!
//! Contract: see the [module](super) summary; versions 0 to 3 are written, any non-negative
//! version is read (above 3 as 3).

use super::{CLASSIC, TopicPartitions, check_version, encode_into, field_len, read_version};
use crate::messages::{Array, Item};
use crate::wire::{DecodeError, EncodeError, Reader, Writer};

/// A consumer group member's subscription (`ConsumerProtocolSubscription`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Subscription<'a> {
    /// The topics the member wants to consume.
    pub topics: Array<'a, &'a str>,
    /// The assignor's data for this member (for example the `sticky` assignor's previous
    /// assignment), or none.
    pub user_data: Option<&'a [u8]>,
    /// The partitions the member owns now (v1+, KIP-429), by topic.
    pub owned_partitions: Array<'a, TopicPartitions<'a>>,
    /// The generation in which the member got its owned partitions, -1 when it has none (v2+).
    pub generation_id: i32,
    /// The member's rack (`client.rack`), for rack-aware assignment (v3+).
    pub rack_id: Option<&'a str>,
}

impl Default for Subscription<'_> {
    /// No topics, no user data, nothing owned, generation -1, no rack.
    fn default() -> Self {
        Self {
            topics: Array::EMPTY,
            user_data: None,
            owned_partitions: Array::EMPTY,
            generation_id: -1,
            rack_id: None,
        }
    }
}

impl<'a> Subscription<'a> {
    /// Decodes a subscription, borrowing `input`. Returns the version as written with it; a
    /// version above [`super::HIGHEST_VERSION`] is read as that version, and bytes after the
    /// fields of the version read are ignored. Fields the version lacks get their defaults.
    ///
    /// # Errors
    /// A negative version, truncation, a negative or oversized length or count, a null topic
    /// list or topic name, or a name that is not UTF-8.
    pub fn decode(input: &'a [u8]) -> Result<(i16, Self), DecodeError> {
        let mut r = Reader::new(input);
        let (written, version) = read_version(&mut r)?;
        let mut subscription = Self {
            topics: Array::read(&mut r, CLASSIC)?,
            user_data: Option::read(&mut r, CLASSIC)?,
            ..Self::default()
        };
        if version >= 1 {
            subscription.owned_partitions = Array::read(&mut r, CLASSIC)?;
        }
        if version >= 2 {
            subscription.generation_id = r.i32()?;
        }
        if version >= 3 {
            subscription.rack_id = Option::read(&mut r, CLASSIC)?;
        }
        Ok((written, subscription))
    }

    /// The exact size of [`Self::encode`]'s output at `version`, its version prefix included.
    ///
    /// # Errors
    /// [`EncodeError::UnsupportedVersion`] outside 0 to 3; [`EncodeError::TooLong`] for a
    /// name, user data or list too long for its length prefix.
    pub fn encoded_len(&self, version: i16) -> Result<usize, EncodeError> {
        check_version(version)?;
        // Saturating: a sum past `usize::MAX` can only be a buffer too small.
        let mut len = field_len(&self.topics)?.saturating_add(field_len(&self.user_data)?);
        if version >= 1 {
            len = len.saturating_add(field_len(&self.owned_partitions)?);
        }
        if version >= 2 {
            len = len.saturating_add(4);
        }
        if version >= 3 {
            len = len.saturating_add(field_len(&self.rack_id)?);
        }
        Ok(len.saturating_add(2))
    }

    /// Encodes the subscription at `version` into `buf`; returns the bytes written, exactly
    /// [`Self::encoded_len`]. Fields `version` cannot carry are left out.
    ///
    /// # Errors
    /// As [`Self::encoded_len`], and [`EncodeError::BufferTooSmall`] with the size needed.
    pub fn encode(&self, version: i16, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.encoded_len(version)?;
        encode_into(buf, len, |w| self.write(version, w))
    }

    fn write(&self, version: i16, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put_i16(version)?;
        self.topics.write(w, CLASSIC)?;
        self.user_data.write(w, CLASSIC)?;
        if version >= 1 {
            self.owned_partitions.write(w, CLASSIC)?;
        }
        if version >= 2 {
            w.put_i32(self.generation_id)?;
        }
        if version >= 3 {
            self.rack_id.write(w, CLASSIC)?;
        }
        Ok(())
    }
}
