//! [`ConsumerRecord`]: a delivered record that shares its fetched buffer instead of copying.
//!
//! The bytes a record was read from (a Fetch response body, or the decompressed records of one
//! batch) live in one [`SharedBytes`] with its prefetch [`Permit`]; each batch of records has a
//! [`BatchData`] (that buffer, the topic, the partition, and the permit of its record table),
//! and each record holds an `Arc` of its batch plus the positions of its key, value and header
//! bytes. Headers are read again from those bytes when asked for, so a header costs nothing
//! beyond its bytes on the wire, however many a record carries. The steady-state cost is a few
//! allocations per batch and one reference count per record; the buffer and the record table,
//! and with them their share of the prefetch bound, are freed when the last record of the
//! batch is dropped.

use std::ops::Range;
use std::sync::Arc;

use franzl_core::record::{Header, Headers, Record, TimestampType};

use super::budget::Permit;

/// An owned byte buffer that records are read from.
pub(crate) trait ByteSource: Send + Sync + 'static {
    /// The bytes.
    fn bytes(&self) -> &[u8];
}

impl ByteSource for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }
}

/// A buffer with the prefetch bytes it holds. One allocation: the source lives inside the
/// shared block (the `Arc` is unsized to `dyn ByteSource`), not in a box of its own.
pub(crate) struct SharedBytes<S: ?Sized + ByteSource = dyn ByteSource> {
    _permit: Option<Permit>,
    source: S,
}

impl SharedBytes {
    /// Wraps `source`, keeping `permit` until the buffer is dropped.
    pub(crate) fn new(source: impl ByteSource, permit: Option<Permit>) -> Arc<Self> {
        Arc::new(SharedBytes {
            _permit: permit,
            source,
        })
    }

    /// The bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.source.bytes()
    }
}

impl std::fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.bytes().len())
    }
}

/// Where a slice lies in its buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    len: u32,
}

impl Span {
    /// The span of `part`, a subslice of `whole`; `None` if it is not one (or too long).
    pub(crate) fn of(whole: &[u8], part: &[u8]) -> Option<Self> {
        // Addresses only, compared as integers: no pointer is dereferenced.
        let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
        if start.checked_add(part.len())? > whole.len() {
            return None;
        }
        Some(Self {
            start: u32::try_from(start).ok()?,
            len: u32::try_from(part.len()).ok()?,
        })
    }

    fn range(self) -> Range<usize> {
        let start = self.start as usize;
        start..start.saturating_add(self.len as usize)
    }

    fn slice(self, bytes: &[u8]) -> &[u8] {
        bytes.get(self.range()).unwrap_or_default()
    }
}

/// What the records of one batch share.
#[derive(Debug)]
pub(crate) struct BatchData {
    pub(crate) topic: Arc<str>,
    pub(crate) partition: i32,
    pub(crate) timestamp_type: TimestampType,
    pub(crate) leader_epoch: i32,
    source: Arc<SharedBytes>,
    /// The prefetch bytes of the batch's record table ([`RecordMeta::TABLE_BYTES`] per
    /// record), kept while any of its records lives (each carries its entry).
    _table: Option<Permit>,
}

/// One record's place in its batch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RecordMeta {
    pub(crate) offset: i64,
    timestamp: i64,
    key: Option<Span>,
    value: Option<Span>,
    /// The bytes of its headers, and how many there are.
    headers: Span,
    header_count: u32,
}

impl RecordMeta {
    /// What one record costs the consumer besides its bytes: its entry in the batch's record
    /// table, then in the vector `poll` returns (with its batch's `Arc`).
    pub(crate) const TABLE_BYTES: usize = size_of::<ConsumerRecord>();
}

/// Collects the records of one batch read from `source`.
#[derive(Debug)]
pub(crate) struct BatchCollector {
    data: BatchData,
    records: Vec<RecordMeta>,
}

impl BatchCollector {
    /// An empty batch over `source`, with room for `expected` records (the count a batch
    /// header claims: the caller bounds it by the bytes there are, since it comes off the
    /// network), whose table's bytes `table` holds from the prefetch budget.
    pub(crate) fn new(
        topic: Arc<str>,
        partition: i32,
        timestamp_type: TimestampType,
        leader_epoch: i32,
        source: Arc<SharedBytes>,
        (expected, table): (usize, Option<Permit>),
    ) -> Self {
        Self {
            data: BatchData {
                topic,
                partition,
                timestamp_type,
                leader_epoch,
                source,
                _table: table,
            },
            records: Vec::with_capacity(expected),
        }
    }

    /// Adds `record`, which must borrow from [`Self::source`]'s bytes; `false` if it does not.
    pub(crate) fn push(&mut self, record: &Record<'_>) -> bool {
        let whole = self.data.source.bytes();
        let span = |part: Option<&[u8]>| match part {
            None => Some(None),
            Some(part) => Span::of(whole, part).map(Some),
        };
        let (Some(key), Some(value)) = (span(record.key), span(record.value)) else {
            return false;
        };
        let headers = record.headers.bytes();
        let (Some(headers), Ok(header_count)) = (
            Span::of(whole, headers),
            u32::try_from(record.headers.len()),
        ) else {
            return false;
        };
        self.records.push(RecordMeta {
            offset: record.offset,
            timestamp: record.timestamp,
            key,
            value,
            headers,
            header_count,
        });
        true
    }

    /// The batch and its records.
    pub(crate) fn finish(self) -> (Arc<BatchData>, Vec<RecordMeta>) {
        (Arc::new(self.data), self.records)
    }
}

/// A record as delivered to the caller. Cloning it is cheap (a reference count); its key,
/// value and headers are read in place from the fetched buffer it shares with the other
/// records of its batch.
#[derive(Clone, Debug)]
pub struct ConsumerRecord {
    batch: Arc<BatchData>,
    meta: RecordMeta,
}

impl ConsumerRecord {
    pub(crate) fn new(batch: Arc<BatchData>, meta: RecordMeta) -> Self {
        Self { batch, meta }
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.batch.topic
    }

    /// The partition.
    pub fn partition(&self) -> i32 {
        self.batch.partition
    }

    /// The record's offset.
    pub fn offset(&self) -> i64 {
        self.meta.offset
    }

    /// The timestamp in milliseconds since the Unix epoch.
    pub fn timestamp(&self) -> i64 {
        self.meta.timestamp
    }

    /// Whether the timestamp is the producer's or the broker's.
    pub fn timestamp_type(&self) -> TimestampType {
        self.batch.timestamp_type
    }

    /// The partition leader epoch of the record's batch.
    pub fn leader_epoch(&self) -> i32 {
        self.batch.leader_epoch
    }

    /// The key; `None` for a null key.
    pub fn key(&self) -> Option<&[u8]> {
        let bytes = self.batch.source.bytes();
        self.meta.key.map(|span| span.slice(bytes))
    }

    /// The value; `None` for a null value (a tombstone).
    pub fn value(&self) -> Option<&[u8]> {
        let bytes = self.batch.source.bytes();
        self.meta.value.map(|span| span.slice(bytes))
    }

    /// The headers, in order, read from the record's bytes (checked when it was fetched).
    pub fn headers(&self) -> impl ExactSizeIterator<Item = Header<'_>> + '_ {
        let bytes = self.meta.headers.slice(self.batch.source.bytes());
        Counted(Headers::from_bytes(bytes, self.meta.header_count as usize))
    }
}

/// A record's headers, as many as its header count says: the bytes were checked whole when
/// the record was fetched, so every one of them decodes.
struct Counted<'a>(Headers<'a>);

impl<'a> Iterator for Counted<'a> {
    type Item = Header<'a>;

    fn next(&mut self) -> Option<Header<'a>> {
        self.0.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.0.len(), Some(self.0.len()))
    }
}

impl ExactSizeIterator for Counted<'_> {}

#[cfg(test)]
mod tests {
    use super::{RecordMeta, Span};

    #[test]
    fn a_record_costs_the_64_bytes_the_docs_say() {
        assert_eq!(RecordMeta::TABLE_BYTES, 64);
    }

    #[test]
    fn spans_are_found_only_inside_their_buffer() {
        let whole = [0u8, 1, 2, 3, 4, 5];
        let span = Span::of(&whole, &whole[2..5]).unwrap();
        assert_eq!(span.slice(&whole), [2, 3, 4]);
        assert_eq!(Span::of(&whole, &whole[6..]).unwrap().slice(&whole), []);
        // Another buffer lies before or after `whole` in memory, never inside it.
        let elsewhere = [2u8, 3];
        assert_eq!(Span::of(&whole, &elsewhere), None);
        // A span read against a shorter buffer yields nothing rather than panicking.
        assert_eq!(span.slice(&whole[..3]), [] as [u8; 0]);
    }
}
