//! [`TopicPartitions`]: one topic and some of its partitions, the element of the owned
//! partitions of a subscription, of an assignment, and of the `sticky` assignor's user data.
//!
//! Contract: as [`Item`]: `wire_len` is exact; reading checks the partition count against the
//! bytes left before any partition is read, and borrows the topic name from the input.

use crate::messages::{Array, Item, Version};
use crate::wire::{DecodeError, EncodeError, Reader, Writer};

/// A topic and some of its partitions: `{topic STRING, partitions [INT32]}` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TopicPartitions<'a> {
    /// The topic's name.
    pub topic: &'a str,
    /// The partition numbers, in the order written.
    pub partitions: Array<'a, i32>,
}

impl<'a> TopicPartitions<'a> {
    /// `topic` with the caller's `partitions`, to encode.
    #[must_use]
    pub const fn new(topic: &'a str, partitions: &'a [i32]) -> Self {
        Self {
            topic,
            partitions: Array::from_slice(partitions),
        }
    }
}

impl<'a> Item<'a> for TopicPartitions<'a> {
    fn read(r: &mut Reader<'a>, v: Version) -> Result<Self, DecodeError> {
        Ok(Self {
            topic: <&str>::read(r, v)?,
            partitions: Array::read(r, v)?,
        })
    }

    fn write(&self, w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        self.topic.write(w, v)?;
        self.partitions.write(w, v)
    }

    fn wire_len(&self, v: Version) -> Result<usize, EncodeError> {
        Ok(self
            .topic
            .wire_len(v)?
            .saturating_add(self.partitions.wire_len(v)?))
    }
}
