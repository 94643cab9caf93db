//! Records inside a v2 batch: [`NewRecord`] to write one, [`Record`] as read (borrowing key,
//! value and headers from the input), and the [`Records`] iterator over a batch's records.
//!
//! A record on the wire:
//!
//! ```text
//! length varint (bytes after it)   attributes i8   timestampDelta varlong   offsetDelta varint
//! keyLength varint (-1 = null) key   valueLength varint (-1 = null) value
//! headerCount varint, then per header: keyLength varint, key (UTF-8), valueLength varint, value
//! ```
//!
//! Reading checks each record whole (length, every field, every header) before yielding it, so
//! a yielded record's accessors and header iterator cannot fail.

use super::RecordError;
use crate::wire::{DecodeError, EncodeError, Reader, Writer, varint_len, varlong_len};

/// A record header: a UTF-8 key and an optional value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The header's key.
    pub key: &'a str,
    /// The header's value; `None` is a null value.
    pub value: Option<&'a [u8]>,
}

/// A record to append to a batch, with its offset and timestamp relative to the batch's base.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NewRecord<'a> {
    /// Milliseconds after the batch's base timestamp.
    pub timestamp_delta: i64,
    /// Position after the batch's base offset (0 for the first record, then 1, 2, ...).
    pub offset_delta: i32,
    /// The key; `None` is a null key.
    pub key: Option<&'a [u8]>,
    /// The value; `None` is a null value (a tombstone on compacted topics).
    pub value: Option<&'a [u8]>,
    /// The headers, in order.
    pub headers: &'a [Header<'a>],
}

/// Bytes a nullable varint-prefixed field takes. Saturates for impossible lengths, which the
/// writer rejects as too long.
fn nullable_len(value: Option<&[u8]>) -> usize {
    match value {
        None => varint_len(-1),
        Some(bytes) => match i32::try_from(bytes.len()) {
            Ok(len) => varint_len(len).saturating_add(bytes.len()),
            Err(_) => usize::MAX,
        },
    }
}

fn put_nullable(writer: &mut Writer<'_>, value: Option<&[u8]>) -> Result<(), EncodeError> {
    match value {
        None => writer.put_varint(-1),
        Some(bytes) => {
            writer.put_varint(i32::try_from(bytes.len()).map_err(|_| EncodeError::TooLong)?)?;
            writer.put_raw(bytes)
        }
    }
}

impl NewRecord<'_> {
    /// Bytes after the length prefix.
    fn body_len(&self) -> usize {
        let headers = self.headers.iter().fold(0usize, |sum, header| {
            sum.saturating_add(nullable_len(Some(header.key.as_bytes())))
                .saturating_add(nullable_len(header.value))
        });
        let header_count = i32::try_from(self.headers.len()).unwrap_or(i32::MAX);
        1usize // attributes
            .saturating_add(varlong_len(self.timestamp_delta))
            .saturating_add(varint_len(self.offset_delta))
            .saturating_add(nullable_len(self.key))
            .saturating_add(nullable_len(self.value))
            .saturating_add(varint_len(header_count))
            .saturating_add(headers)
    }

    /// The exact bytes this record takes in an uncompressed batch, length prefix included.
    pub fn encoded_len(&self) -> usize {
        Self::len_with_prefix(self.body_len())
    }

    /// The bytes a record of `body` bytes after its prefix takes, prefix included.
    fn len_with_prefix(body: usize) -> usize {
        varint_len(i32::try_from(body).unwrap_or(i32::MAX)).saturating_add(body)
    }

    /// The body's length and the whole record's, for a writer that sizes once.
    pub(super) fn lens(&self) -> (usize, usize) {
        let body = self.body_len();
        (body, Self::len_with_prefix(body))
    }

    /// Writes the record, whose body takes `body` bytes (from [`Self::lens`]); on error the
    /// writer may hold part of it.
    pub(super) fn write_sized(
        &self,
        writer: &mut Writer<'_>,
        body: usize,
    ) -> Result<(), EncodeError> {
        writer.put_varint(i32::try_from(body).map_err(|_| EncodeError::TooLong)?)?;
        writer.put_i8(0)?;
        writer.put_varlong(self.timestamp_delta)?;
        writer.put_varint(self.offset_delta)?;
        put_nullable(writer, self.key)?;
        put_nullable(writer, self.value)?;
        writer.put_varint(i32::try_from(self.headers.len()).map_err(|_| EncodeError::TooLong)?)?;
        for header in self.headers {
            put_nullable(writer, Some(header.key.as_bytes()))?;
            put_nullable(writer, header.value)?;
        }
        Ok(())
    }
}

/// A record as read from a batch, borrowing from the batch's (or decompression buffer's) bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The record's absolute offset (the batch's base offset plus its delta).
    pub offset: i64,
    /// The record's timestamp (the batch's base timestamp plus its delta).
    pub timestamp: i64,
    /// The offset delta as stored.
    pub offset_delta: i32,
    /// The timestamp delta as stored.
    pub timestamp_delta: i64,
    /// The record's attributes byte (unused by Kafka so far).
    pub attributes: i8,
    /// The key; `None` is a null key.
    pub key: Option<&'a [u8]>,
    /// The value; `None` is a null value.
    pub value: Option<&'a [u8]>,
    /// The headers, checked when the record was read.
    pub headers: Headers<'a>,
}

/// The headers of a [`Record`]: an iterator that cannot fail, because the record was checked
/// whole when it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Headers<'a> {
    bytes: Reader<'a>,
    remaining: usize,
}

impl<'a> Headers<'a> {
    /// `count` headers read from `bytes`: the [`Headers::bytes`] of a record read earlier,
    /// kept by a caller that holds positions instead of the headers themselves. Iteration ends
    /// early at a header that does not decode (which the bytes of a checked record never hold).
    pub const fn from_bytes(bytes: &'a [u8], count: usize) -> Self {
        Self {
            bytes: Reader::new(bytes),
            remaining: count,
        }
    }

    /// The bytes of the headers not yet iterated.
    pub const fn bytes(&self) -> &'a [u8] {
        self.bytes.rest()
    }

    /// The number of headers not yet iterated.
    pub const fn len(&self) -> usize {
        self.remaining
    }

    /// Whether no headers remain.
    pub const fn is_empty(&self) -> bool {
        self.remaining == 0
    }
}

fn read_nullable<'a>(reader: &mut Reader<'a>) -> Result<Option<&'a [u8]>, DecodeError> {
    let len = reader.varint()?;
    if len == -1 {
        return Ok(None);
    }
    let len = usize::try_from(len).map_err(|_| DecodeError::InvalidLength)?;
    if len > reader.remaining() {
        return Err(DecodeError::LengthExceedsInput);
    }
    reader.take(len).map(Some)
}

fn read_header<'a>(reader: &mut Reader<'a>) -> Result<Header<'a>, DecodeError> {
    let key = read_nullable(reader)?.ok_or(DecodeError::UnexpectedNull)?;
    let key = core::str::from_utf8(key).map_err(|_| DecodeError::InvalidUtf8)?;
    let value = read_nullable(reader)?;
    Ok(Header { key, value })
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;

    fn next(&mut self) -> Option<Header<'a>> {
        self.remaining = self.remaining.checked_sub(1)?;
        // Checked when the record was read; a failure here cannot happen, and ends iteration.
        read_header(&mut self.bytes).ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

/// Reads one record from `reader`, checking it whole.
fn read_record<'a>(
    reader: &mut Reader<'a>,
    base_offset: i64,
    base_timestamp: i64,
) -> Result<Record<'a>, RecordError> {
    let len = reader.varint()?;
    let len = usize::try_from(len).map_err(|_| DecodeError::InvalidLength)?;
    if len > reader.remaining() {
        return Err(RecordError::Decode(DecodeError::LengthExceedsInput));
    }
    let mut body = reader.sub(len)?;
    let truncated = |error: DecodeError| match error {
        DecodeError::UnexpectedEnd => RecordError::RecordLengthMismatch,
        other => RecordError::Decode(other),
    };
    let attributes = body.i8().map_err(truncated)?;
    let timestamp_delta = body.varlong().map_err(truncated)?;
    let offset_delta = body.varint().map_err(truncated)?;
    let key = read_nullable(&mut body).map_err(truncated)?;
    let value = read_nullable(&mut body).map_err(truncated)?;
    let count = body.varint().map_err(truncated)?;
    let count = usize::try_from(count).map_err(|_| RecordError::HeaderCountMismatch)?;
    let header_bytes = body;
    // Each header takes at least two bytes, so this loop is bounded by the record's length.
    for _ in 0..count {
        read_header(&mut body).map_err(|error| match error {
            DecodeError::UnexpectedEnd | DecodeError::LengthExceedsInput => {
                RecordError::HeaderCountMismatch
            }
            other => RecordError::Decode(other),
        })?;
    }
    if !body.is_empty() {
        return Err(RecordError::RecordLengthMismatch);
    }
    Ok(Record {
        offset: base_offset.wrapping_add(i64::from(offset_delta)),
        timestamp: base_timestamp.wrapping_add(timestamp_delta),
        offset_delta,
        timestamp_delta,
        attributes,
        key,
        value,
        headers: Headers {
            bytes: header_bytes,
            remaining: count,
        },
    })
}

/// The records of a batch, read one at a time. Yields an error (and then ends) for a malformed
/// record, or when the count in the batch header does not match the records in its bytes.
#[derive(Clone, Debug)]
pub struct Records<'a> {
    bytes: Reader<'a>,
    remaining: u32,
    base_offset: i64,
    base_timestamp: i64,
    /// The broker's append time, which every record of a `LogAppendTime` batch carries.
    log_append_time: Option<i64>,
    done: bool,
}

impl<'a> Records<'a> {
    pub(super) const fn new(
        bytes: &'a [u8],
        count: u32,
        base_offset: i64,
        base_timestamp: i64,
    ) -> Self {
        Self {
            bytes: Reader::new(bytes),
            remaining: count,
            base_offset,
            base_timestamp,
            log_append_time: None,
            done: false,
        }
    }

    /// Gives every record `timestamp`: in a `LogAppendTime` batch the broker writes its append
    /// time into the batch's max timestamp only, and the records' deltas mean nothing.
    pub(super) const fn with_log_append_time(mut self, timestamp: i64) -> Self {
        self.log_append_time = Some(timestamp);
        self
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.remaining == 0 || self.bytes.is_empty() {
            self.done = true;
            // Both ran out together, or the count and the bytes disagree.
            let agree = self.remaining == 0 && self.bytes.is_empty();
            return (!agree).then_some(Err(RecordError::RecordCountMismatch));
        }
        let mut record = read_record(&mut self.bytes, self.base_offset, self.base_timestamp);
        if let (Ok(record), Some(timestamp)) = (&mut record, self.log_append_time) {
            record.timestamp = timestamp;
        }
        match record {
            Ok(_) => self.remaining -= 1,
            Err(_) => self.done = true,
        }
        Some(record)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            (0, Some(0))
        } else {
            (0, Some((self.remaining as usize).saturating_add(1)))
        }
    }
}

#[cfg(test)]
mod tests;
