//! What a caller sends ([`ProducerRecord`]) and what a delivered record's future resolves to
//! ([`RecordMetadata`]).
//!
//! A record borrows its topic, key, value and headers: `send` copies them straight into a batch
//! buffer, so nothing is allocated per record.

pub use franzl_core::record::Header;

/// A record to send: the topic, optionally the partition, key, value, headers and timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProducerRecord<'a> {
    /// The topic.
    pub topic: &'a str,
    /// An explicit partition; `None` lets the partitioner choose.
    pub partition: Option<i32>,
    /// The key; `None` is a null key (spread by the sticky partitioner).
    pub key: Option<&'a [u8]>,
    /// The value; `None` is a null value (a tombstone on compacted topics).
    pub value: Option<&'a [u8]>,
    /// Headers, in order.
    pub headers: &'a [Header<'a>],
    /// Milliseconds since the Unix epoch; `None` takes the time of `send`.
    pub timestamp: Option<i64>,
}

impl<'a> ProducerRecord<'a> {
    /// A record with a value and nothing else.
    #[must_use]
    pub const fn new(topic: &'a str, value: &'a [u8]) -> Self {
        Self {
            topic,
            partition: None,
            key: None,
            value: Some(value),
            headers: &[],
            timestamp: None,
        }
    }

    /// The same record with a key.
    #[must_use]
    pub const fn key(mut self, key: &'a [u8]) -> Self {
        self.key = Some(key);
        self
    }

    /// The same record for an explicit partition.
    #[must_use]
    pub const fn partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// The same record with headers.
    #[must_use]
    pub const fn headers(mut self, headers: &'a [Header<'a>]) -> Self {
        self.headers = headers;
        self
    }

    /// The same record with a timestamp (milliseconds since the Unix epoch).
    #[must_use]
    pub const fn timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = Some(timestamp);
        self
    }
}

/// Where a record landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordMetadata {
    /// The partition.
    pub partition: i32,
    /// The record's offset; -1 with `acks=0` (no answer) and for a batch the broker
    /// recognised as a duplicate without naming its offset.
    pub offset: i64,
    /// The record's timestamp: the producer's, or the broker's when the topic uses
    /// `LogAppendTime`.
    pub timestamp: i64,
}
