//! [`Client::fetch`]: records of one partition from an offset, read in place in the receive
//! buffer.

use super::Clock;
use super::client::Client;
use super::error::ClientError;
use super::one_pass::find_partition;
use crate::messages::TopicRef;
use crate::messages::fetch::{FetchPartition, FetchRequest, FetchTopic};
use crate::messages::{ApiKey, Array};
use crate::record::Batches;
use crate::wire::DecodeError;
use embedded_io_async::{Read, Write};

/// Bytes of `rx` kept for the Fetch response's own fields: the records asked for are at most
/// `rx.len()` less this.
pub const FETCH_OVERHEAD: usize = 256;

/// How long and how much to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FetchOptions {
    /// How long the broker may wait for `min_bytes` to arrive.
    pub max_wait_ms: i32,
    /// The bytes the broker waits for (1: answer as soon as there is anything).
    pub min_bytes: i32,
    /// The most record bytes wanted; capped at `rx.len()` less [`FETCH_OVERHEAD`].
    pub max_bytes: i32,
    /// Read only committed transactional records (`READ_COMMITTED`) rather than all.
    pub read_committed: bool,
}

impl Default for FetchOptions {
    /// Wait up to 500 ms for 1 byte; as many bytes as the buffer holds; read uncommitted.
    fn default() -> Self {
        Self {
            max_wait_ms: 500,
            min_bytes: 1,
            max_bytes: i32::MAX,
            read_committed: false,
        }
    }
}

/// One partition's part of a Fetch response, borrowed from the receive buffer (valid until the
/// next call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchedPartition<'r> {
    /// The offset after the last record replicated to all in-sync replicas.
    pub high_watermark: i64,
    /// The offset after the last stable record (transactions), or -1.
    pub last_stable_offset: i64,
    /// The partition's first offset, or -1.
    pub log_start_offset: i64,
    /// The record batches as the broker sent them (the last one may be cut short).
    pub records: &'r [u8],
}

impl<'r> FetchedPartition<'r> {
    /// The batches, read in place; a batch cut short at the end is skipped. Compressed
    /// batches need a buffer to read their records: [`crate::record::RecordBatch::records_in`].
    pub fn batches(&self) -> Batches<'r> {
        Batches::new(self.records)
    }
}

impl<T: Read + Write, C: Clock> Client<'_, '_, T, C> {
    /// Fetches records of `topic`'s `partition` from `offset` (the first batch returned may
    /// start before it: skip records below `offset`).
    ///
    /// # Errors
    /// [`ClientError::Broker`] with the partition's error code (`OFFSET_OUT_OF_RANGE`,
    /// `NOT_LEADER_OR_FOLLOWER`, `UNKNOWN_TOPIC_ID`, ...) or the response's; a response larger
    /// than `rx` ([`ClientError::Frame`]); as [`Client::request`].
    pub async fn fetch(
        &mut self,
        topic: TopicRef<'_>,
        partition: i32,
        offset: i64,
        options: &FetchOptions,
    ) -> Result<FetchedPartition<'_>, ClientError> {
        let room = self.link.rx.len().saturating_sub(FETCH_OVERHEAD);
        let max_bytes = options
            .max_bytes
            .min(i32::try_from(room).unwrap_or(i32::MAX));
        let partitions = [FetchPartition {
            partition,
            fetch_offset: offset,
            partition_max_bytes: max_bytes,
            ..Default::default()
        }];
        let topics = [FetchTopic {
            topic: topic.name,
            topic_id: topic.id,
            partitions: Array::from_slice(&partitions),
            ..Default::default()
        }];
        let request = FetchRequest {
            max_wait_ms: options.max_wait_ms,
            min_bytes: options.min_bytes,
            max_bytes,
            isolation_level: i8::from(options.read_committed),
            topics: Array::from_slice(&topics),
            ..Default::default()
        };
        let version = topic.version(self.conn.versions().get(ApiKey::Fetch));
        let response = self.request_at(&request, version).await?;
        let version = response.api_version;
        if response.api_key != ApiKey::Fetch.key() {
            return Err(DecodeError::WrongApi.into());
        }
        let answer = find_partition(response.body, version, &topic, partition)?;
        if !answer.response_error.is_ok() {
            return Err(ClientError::Broker(answer.response_error));
        }
        let (code, found) = answer.partition.ok_or(ClientError::MissingFromResponse)?;
        if !code.is_ok() {
            return Err(ClientError::Broker(code));
        }
        Ok(found)
    }
}
