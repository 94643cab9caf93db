//! [`Client::produce`] and [`Client::produce_batch`]: one record batch to one partition, with
//! acks 0, 1 or all.

use super::Clock;
use super::client::Client;
use super::error::ClientError;
use super::one_pass::find_produced;
use crate::compression::Compression;
use crate::conn::{ConnError, Connection, Instant, Sent};
use crate::messages::{Acks, ApiKey, OnePartitionProduce, TopicRef};
use crate::record::{BatchOptions, NewRecord, RecordBatchBuilder};
use crate::wire::DecodeError;
use core::time::Duration;
use embedded_io_async::{Read, Write};

/// How to produce a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProduceOptions {
    /// The acknowledgement asked for.
    pub acks: Acks,
    /// How long the broker may wait for replicas (acks=all) before it answers with an error.
    pub timeout: Duration,
    /// The batch's codec for [`Client::produce`] (LZ4 needs the `lz4` feature).
    pub compression: Compression,
    /// The base timestamp of [`Client::produce`]'s batch, in milliseconds since the Unix epoch
    /// (records add their `timestamp_delta`); the caller knows the wall-clock time, if any.
    pub base_timestamp: i64,
}

impl Default for ProduceOptions {
    /// acks=all, a 30 s broker timeout, no compression, timestamp 0.
    fn default() -> Self {
        Self {
            acks: Acks::All,
            timeout: Duration::from_secs(30),
            compression: Compression::None,
            base_timestamp: 0,
        }
    }
}

impl<T: Read + Write, C: Clock> Client<'_, '_, T, C> {
    /// Builds a batch of `records` in the receive buffer (idle between calls) and produces it
    /// to `topic`'s `partition` (by id from Produce v13 on, by name when its id is unknown);
    /// returns the offset of its first record, or `None` for
    /// acks=0. Offset deltas are numbered here in order (0, 1, 2, ...); timestamp deltas come
    /// from the records as given.
    ///
    /// `rx` must hold the batch: [`crate::record::encoded_batch_len`] bytes, and with a codec
    /// the uncompressed records followed by the compressed batch.
    ///
    /// # Errors
    /// [`ClientError::Record`] when the batch does not fit `rx` (or its codec is not built
    /// in); as [`Client::produce_batch`].
    pub async fn produce(
        &mut self,
        topic: TopicRef<'_>,
        partition: i32,
        records: &[NewRecord<'_>],
        options: &ProduceOptions,
    ) -> Result<Option<i64>, ClientError> {
        self.check_not_cancelled()?;
        if self.link.has_buffered() {
            // Bytes nobody asked for would be overwritten by the batch: out of step.
            self.close_connection();
            return Err(ClientError::Cancelled);
        }
        let rx = &mut *self.link.rx;
        // Uncompressed, the batch is built at the front of rx; compressed, its records are
        // written first and the compressed batch after them.
        let scratch_len = match options.compression {
            Compression::None => 0,
            _ => records_len(records).min(rx.len()),
        };
        let (scratch, out) = rx.split_at_mut(scratch_len);
        let batch_options = BatchOptions {
            base_timestamp: options.base_timestamp,
            ..BatchOptions::default()
        };
        let mut builder =
            RecordBatchBuilder::compressed(out, scratch, options.compression, batch_options)?;
        for (record, offset_delta) in records.iter().zip(0..) {
            builder.append(&NewRecord {
                offset_delta,
                ..*record
            })?;
        }
        let len = builder.finish()?;
        let end = scratch_len.saturating_add(len);
        let batch = self.link.rx.get(scratch_len..end).unwrap_or_default();
        let now = self.clock.now();
        let sent = send_produce(
            &mut self.conn,
            now,
            self.tx,
            topic,
            partition,
            batch,
            options,
        )?;
        self.produce_response(sent, topic, partition).await
    }

    /// Produces `batch`, a whole v2 record batch (from [`RecordBatchBuilder`]), to `topic`'s
    /// `partition`; returns the offset of its first record, or `None` for acks=0.
    ///
    /// # Errors
    /// [`ClientError::Broker`] with the partition's error code (`NOT_LEADER_OR_FOLLOWER`,
    /// `UNKNOWN_TOPIC_OR_PARTITION`, `CORRUPT_MESSAGE`, ...); [`ClientError::Connection`] with
    /// `BufferTooSmall` when the request does not fit `tx`; as [`Client::request`].
    pub async fn produce_batch(
        &mut self,
        topic: TopicRef<'_>,
        partition: i32,
        batch: &[u8],
        options: &ProduceOptions,
    ) -> Result<Option<i64>, ClientError> {
        self.check_not_cancelled()?;
        let now = self.clock.now();
        let sent = send_produce(
            &mut self.conn,
            now,
            self.tx,
            topic,
            partition,
            batch,
            options,
        )?;
        self.produce_response(sent, topic, partition).await
    }

    async fn produce_response(
        &mut self,
        sent: Sent,
        topic: TopicRef<'_>,
        partition: i32,
    ) -> Result<Option<i64>, ClientError> {
        let Some(response) = self.exchange(sent).await? else {
            return Ok(None);
        };
        let version = response.api_version;
        if response.api_key != ApiKey::Produce.key() {
            return Err(DecodeError::WrongApi.into());
        }
        let found = find_produced(response.body, version, &topic, partition)?;
        let (code, base_offset) = found.ok_or(ClientError::MissingFromResponse)?;
        if !code.is_ok() {
            return Err(ClientError::Broker(code));
        }
        Ok(Some(base_offset))
    }
}

/// The bytes of `records` in a batch, numbered from offset delta 0.
fn records_len(records: &[NewRecord<'_>]) -> usize {
    records
        .iter()
        .zip(0..)
        .fold(0usize, |sum, (record, offset_delta)| {
            let numbered = NewRecord {
                offset_delta,
                ..*record
            };
            sum.saturating_add(numbered.encoded_len())
        })
}

/// Encodes the Produce request for one batch into `tx` and records it with the connection.
fn send_produce<const N: usize>(
    conn: &mut Connection<'_, N>,
    now: Instant,
    tx: &mut [u8],
    topic: TopicRef<'_>,
    partition: i32,
    batch: &[u8],
    options: &ProduceOptions,
) -> Result<Sent, ConnError> {
    let produce = OnePartitionProduce {
        topic,
        partition,
        acks: options.acks.value(),
        timeout_ms: i32::try_from(options.timeout.as_millis()).unwrap_or(i32::MAX),
        transactional_id: None,
        records: batch,
    };
    let expects_response = options.acks != Acks::None;
    let version = topic.version(conn.versions().get(crate::messages::ApiKey::Produce));
    produce.with_request(|request| conn.send(request, version, expects_response, now, tx))
}
