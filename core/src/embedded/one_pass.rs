//! The one partition [`Client::fetch`](super::Client::fetch) or
//! [`Client::produce`](super::Client::produce) asked about, read out of the Fetch or Produce
//! response body in one pass, without the generated decoders' lazy arrays.
//!
//! The generated decoders validate every array once when it is read and read each element
//! again when iterated: read and skip code for each struct, and an iterator per element type.
//! This walk validates the same bytes, once, and keeps only the wanted partition's fields: it
//! fails on the inputs the generated decoder fails on (with the error met first, which may
//! differ) and answers the same otherwise, in less flash (the tests compare the two on every
//! truncation and many changes of responses at each version). Bytes it does not keep (aborted
//! transactions, record errors, the partitions' tagged fields, the brokers' endpoints) are
//! checked by the generated `skip` of their type. Hostile input is safe: every length is
//! checked against the input, nothing allocates, nothing panics.

use super::fetch::FetchedPartition;
use crate::ErrorCode;
use crate::messages::fetch::{
    AbortedTransaction, EpochEndOffset, FetchResponse, LeaderIdAndEpoch, NodeEndpoint, SnapshotId,
};
use crate::messages::produce::{self, BatchIndexAndErrorMessage, ProduceResponse};
use crate::messages::{Array, Item, Message, TopicRef, Version, refuses};
use crate::wire::{DecodeError, RawTaggedFields, Reader, Uuid};

/// What a Fetch response says about one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PartitionAnswer<'r> {
    /// The response's top-level error code.
    pub(super) response_error: ErrorCode,
    /// The partition with its error code, if the response has it.
    pub(super) partition: Option<(ErrorCode, FetchedPartition<'r>)>,
}

/// Reads a Fetch response `body` of `version` whole and finds `topic`'s `partition` in it (the
/// first entry for it, as the generated decoder's lookup would).
///
/// # Errors
/// As `FetchResponse::decode`: an unsupported version, any malformation, bytes left over.
pub(super) fn find_partition<'r>(
    body: &'r [u8],
    version: i16,
    topic: &TopicRef<'_>,
    partition: i32,
) -> Result<PartitionAnswer<'r>, DecodeError> {
    let v = FetchResponse::version(version).ok_or(DecodeError::UnsupportedVersion)?;
    if refuses(v.flexible, v.number, 12) {
        return Err(DecodeError::UnsupportedVersion);
    }
    let r = &mut Reader::new(body);
    r.take(4)?; // throttle_time_ms
    let mut response_error = ErrorCode(0);
    if v.number >= 7 {
        response_error = Item::read(r, v)?;
        r.take(4)?; // session_id
    }
    let found = find_in_topics(r, v, topic, partition, read_partition)?;
    tagged_section(r, v, if v.number >= 16 { &[0] } else { &[] }, |_, r| {
        <Array<'_, NodeEndpoint<'_>> as Item>::skip(r, v)
    })?;
    r.finish()?;
    Ok(PartitionAnswer {
        response_error,
        partition: found,
    })
}

/// Reads one partition's entry: its index, then what the caller keeps of it.
type ReadPartition<'r, P> = fn(&mut Reader<'r>, Version) -> Result<(i32, P), DecodeError>;

/// Reads a response's topics array, each topic's partitions with `read_partition`, and returns
/// the first entry of `topic`'s `partition` (the topic by name up to v12, by id after).
fn find_in_topics<'r, P>(
    r: &mut Reader<'r>,
    v: Version,
    topic: &TopicRef<'_>,
    partition: i32,
    read_partition: ReadPartition<'r, P>,
) -> Result<Option<P>, DecodeError> {
    let mut found = None;
    for _ in 0..array_len(r, v)? {
        let (name, id) = if v.number <= 12 {
            (<&str as Item>::read(r, v)?, Uuid::ZERO)
        } else {
            ("", r.uuid()?)
        };
        let wanted = topic.is(v.number, name, &id);
        for _ in 0..array_len(r, v)? {
            let (index, entry) = read_partition(r, v)?;
            if wanted && found.is_none() && index == partition {
                found = Some(entry);
            }
        }
        tagged_section(r, v, &[], |_, _| Ok(()))?;
    }
    Ok(found)
}

/// An array's element count; null is an error, as in the generated decoder.
fn array_len(r: &mut Reader<'_>, v: Version) -> Result<usize, DecodeError> {
    let count = if v.flexible {
        r.compact_array_len()?
    } else {
        r.array_len()?
    };
    count.ok_or(DecodeError::UnexpectedNull)
}

/// A tagged-field section in flexible versions (nothing before them); the fields in `known`
/// go to `skip_known`, which must consume them.
fn tagged_section<'r>(
    r: &mut Reader<'r>,
    v: Version,
    known: &'static [u32],
    skip_known: impl FnMut(u32, &mut Reader<'r>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    if v.flexible {
        RawTaggedFields::read_section(r, known, skip_known)?;
    }
    Ok(())
}

/// One `PartitionData`: its index, then its error code and the fields the client returns.
fn read_partition<'r>(
    r: &mut Reader<'r>,
    v: Version,
) -> Result<(i32, (ErrorCode, FetchedPartition<'r>)), DecodeError> {
    let fixed = &mut Reader::new(r.take(if v.number >= 5 { 30 } else { 22 })?);
    let index = Item::read(fixed, v)?;
    let code = Item::read(fixed, v)?;
    let high_watermark = Item::read(fixed, v)?;
    let last_stable_offset = Item::read(fixed, v)?;
    let mut log_start_offset = -1;
    if v.number >= 5 {
        log_start_offset = Item::read(fixed, v)?;
    }
    <Option<Array<'_, AbortedTransaction<'_>>> as Item>::skip(r, v)?;
    if v.number >= 11 {
        r.take(4)?; // preferred_read_replica
    }
    let records: Option<&[u8]> = Item::read(r, v)?;
    tagged_section(r, v, &[0, 1, 2], |tag, r| match tag {
        0 => <EpochEndOffset<'_> as Item>::skip(r, v),
        1 => <LeaderIdAndEpoch<'_> as Item>::skip(r, v),
        _ => <SnapshotId<'_> as Item>::skip(r, v),
    })?;
    let fields = FetchedPartition {
        high_watermark,
        last_stable_offset,
        log_start_offset,
        records: records.unwrap_or_default(),
    };
    Ok((index, (code, fields)))
}

/// Reads a Produce response `body` of `version` whole and finds `topic`'s `partition` in it:
/// its error code and base offset.
///
/// # Errors
/// As `ProduceResponse::decode`: an unsupported version, any malformation, bytes left over.
pub(super) fn find_produced(
    body: &[u8],
    version: i16,
    topic: &TopicRef<'_>,
    partition: i32,
) -> Result<Option<(ErrorCode, i64)>, DecodeError> {
    let v = ProduceResponse::version(version).ok_or(DecodeError::UnsupportedVersion)?;
    if refuses(v.flexible, v.number, 9) {
        return Err(DecodeError::UnsupportedVersion);
    }
    let r = &mut Reader::new(body);
    let found = find_in_topics(r, v, topic, partition, read_produced)?;
    r.take(4)?; // throttle_time_ms
    tagged_section(r, v, if v.number >= 10 { &[0] } else { &[] }, |_, r| {
        <Array<'_, produce::NodeEndpoint<'_>> as Item>::skip(r, v)
    })?;
    r.finish()?;
    Ok(found)
}

/// One `PartitionProduceResponse`: its index, then its error code and base offset.
fn read_produced(r: &mut Reader<'_>, v: Version) -> Result<(i32, (ErrorCode, i64)), DecodeError> {
    let fixed = &mut Reader::new(r.take(if v.number >= 5 { 30 } else { 22 })?);
    let index = Item::read(fixed, v)?;
    let code = Item::read(fixed, v)?;
    let base_offset = Item::read(fixed, v)?;
    if v.number >= 8 {
        <Array<'_, BatchIndexAndErrorMessage<'_>> as Item>::skip(r, v)?;
        <Option<&str> as Item>::skip(r, v)?;
    }
    tagged_section(r, v, if v.number >= 10 { &[0] } else { &[] }, |_, r| {
        <produce::LeaderIdAndEpoch<'_> as Item>::skip(r, v)
    })?;
    Ok((index, (code, base_offset)))
}
