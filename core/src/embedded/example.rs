//! The embedded example, written once and built two ways: on the host against a real broker
//! (the integration test `tests/tests/embedded_client.rs`, over an `async-net` socket through
//! `embedded-io-adapters`) and as a bare-metal program for `thumbv7em-none-eabihf`
//! (`examples/bare-metal`, whose size `cargo xtask size` reports).
//!
//! [`produce_and_fetch`] looks the topic up, notes the partition's next offset, produces
//! records, and fetches from that offset until it has read them all back, comparing each.

use super::{Client, ClientError, Clock, FetchOptions, LATEST, ProduceOptions, TopicRef};
use crate::compression::Compression;
use crate::record::{Batch, NewRecord};
use embedded_io_async::{Read, Write};

/// Fetches made before [`produce_and_fetch`] gives up on records that do not come back.
pub const MAX_FETCHES: usize = 20;

/// What [`produce_and_fetch`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RoundTrip {
    /// The partition's next offset before producing.
    pub start_offset: i64,
    /// The offset the broker gave the batch's first record (`None` for acks=0).
    pub base_offset: Option<i64>,
    /// Records fetched back from `start_offset` on.
    pub fetched: usize,
    /// Of those, the ones whose key and value equal the record produced at that position.
    pub matching: usize,
}

/// Produces `records` to partition 0 of `topic` on a connected `client`, then fetches from
/// the offset they started at until as many records came back (or [`MAX_FETCHES`] fetches),
/// comparing keys and values in order. `inflate` receives the records of compressed batches.
///
/// # Errors
/// The first error of [`Client::metadata`], [`Client::list_offsets`], [`Client::produce`] or
/// [`Client::fetch`]; [`ClientError::Record`] for a fetched batch that cannot be read.
pub async fn produce_and_fetch<T: Read + Write, C: Clock>(
    client: &mut Client<'_, '_, T, C>,
    topic: &str,
    records: &[NewRecord<'_>],
    options: &ProduceOptions,
    inflate: &mut [u8],
) -> Result<RoundTrip, ClientError> {
    let metadata = client.metadata(topic).await?;
    let topic_ref = TopicRef {
        name: topic,
        id: metadata.id(),
    };
    let start_offset = client.list_offsets(topic, 0, LATEST).await?;
    let base_offset = client.produce(topic_ref, 0, records, options).await?;
    let mut seen = RoundTrip {
        start_offset,
        base_offset,
        ..RoundTrip::default()
    };
    let mut next = start_offset;
    for _ in 0..MAX_FETCHES {
        if seen.fetched >= records.len() {
            break;
        }
        let fetched = client
            .fetch(topic_ref, 0, next, &FetchOptions::default())
            .await?;
        for batch in fetched.batches() {
            let Batch::V2(batch) = batch? else { continue };
            let read = if batch.compression() == Compression::None {
                batch.records()?
            } else {
                batch.records_in(inflate)?
            };
            for record in read {
                let record = record?;
                if record.offset < next {
                    continue;
                }
                next = record.offset.saturating_add(1);
                let expected = records.get(seen.fetched);
                if expected.is_some_and(|e| e.key == record.key && e.value == record.value) {
                    seen.matching += 1;
                }
                seen.fetched += 1;
            }
        }
    }
    Ok(seen)
}
