//! [`Consumer`]: the caller's handle: assignment, seeks, positions and lag, and the records,
//! as a [`Stream`] or in [`Consumer::poll`]ed batches.
//!
//! The handle takes fetched batches from the delivery queue in order; a batch made under a
//! partition epoch that a seek has since replaced is dropped unread. A record's position moves
//! as it is handed out, so [`Consumer::position`] is the offset of the next record the caller
//! gets, and [`Consumer::lag`] counts what is left from there.

use crate::runtime::TaskHandle;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;
use futures_lite::{Stream, StreamExt};

use super::assignment::{SeekTo, TopicPartition, reset_seek};
use super::list_offsets::{EARLIEST, LATEST, list_offsets_with_retries};
use super::manager;
use super::partition_read::FetchedBatch;
use super::record::ConsumerRecord;
use super::shared::{Delivery, Shared};
use crate::cluster::Client;
use crate::config::{ConsumerConfig, IsolationLevel};
use crate::error::{Error, Result};
use crate::group::MemberIdentity;
use crate::group::member_task;
use crate::group::membership::Membership;

/// The most records a poll reserves room for up front (`max.poll.records` may be set huge).
const MAX_POLL_RESERVE: usize = 4096;

/// The batch being handed out.
#[derive(Debug)]
struct Current {
    epoch: u64,
    batch: FetchedBatch,
    next: usize,
}

/// A consumer of manually assigned partitions (see the module docs of [`crate::consumer`]).
///
/// [`Consumer::close`] stops its tasks and waits for them; dropping it stops them without
/// waiting (a drop never blocks).
#[derive(Debug)]
pub struct Consumer {
    pub(super) shared: Arc<Shared>,
    /// Boxed: the receiver is not `Unpin`, and the handle should be.
    deliveries: Pin<Box<async_channel::Receiver<Delivery>>>,
    current: Option<Current>,
    /// An error met while gathering a poll's records, returned by the next call.
    stashed: Option<Error>,
    /// The member's identity when the last batch of records (a poll's, or a stream item)
    /// began to be handed out: what [`Consumer::group_metadata`] answers.
    pub(super) records_identity: Option<MemberIdentity>,
    /// The next record handed out starts a batch.
    new_batch: bool,
    manager: TaskHandle,
    /// The group membership, with `group.id`.
    pub(super) group: Option<GroupMember>,
}

/// A consumer's membership in its group and the task that keeps it.
#[derive(Debug)]
pub(super) struct GroupMember {
    pub(super) membership: Arc<Membership>,
    task: TaskHandle,
}

impl Consumer {
    /// Connects a client of its own with `config.client` and makes a consumer over it (see
    /// [`Consumer::new`]).
    ///
    /// # Errors
    /// As [`Client::connect`], but the connect gives up after `default.api.timeout.ms` (the
    /// consumer's bound for calls without their own), not `max.block.ms`.
    pub async fn connect(config: ConsumerConfig) -> Result<Self> {
        let timeout = config.default_api_timeout;
        let client = Client::connect_within(config.client.clone(), timeout).await?;
        Self::new(&client, config)
    }

    /// A consumer over `client`, sharing its metadata and connections (Fetch requests go over
    /// connections of their own, one per broker). Starts the consumer's manager task; nothing
    /// is fetched until partitions are assigned, and nothing is waited for.
    ///
    /// # Errors
    /// [`Error::Usage`] when `config.client` is not `client`'s configuration (the consumer
    /// runs on the client's settings; the error names the first that differs).
    pub fn new(client: &Client, config: ConsumerConfig) -> Result<Self> {
        client.check_settings("consumer", &config.client)?;
        let cluster = client.clone();
        let group = config.group.clone();
        let (shared, deliveries) = Shared::new(config, cluster);
        let manager = manager::spawn(Arc::clone(&shared));
        let group = group.map(|group| {
            let membership = Arc::new(Membership::new(group));
            let task = member_task::spawn(Arc::clone(&shared), Arc::clone(&membership));
            GroupMember { membership, task }
        });
        Ok(Self {
            shared,
            deliveries: Box::pin(deliveries),
            current: None,
            stashed: None,
            records_identity: None,
            new_batch: true,
            manager,
            group,
        })
    }

    /// Replaces the assignment. Partitions already assigned keep their position; new ones start
    /// where `auto.offset.reset` says (with `none`, they wait for a [`Consumer::seek`]).
    ///
    /// A consumer that [subscribed](Consumer::subscribe) gets its partitions from its group:
    /// `assign` is then refused, and the next [`Consumer::poll`] returns the [`Error::Usage`]
    /// (call [`Consumer::unsubscribe`] first).
    pub fn assign(&self, partitions: impl IntoIterator<Item = TopicPartition>) {
        if self.is_subscribed() {
            self.shared.deliver(Delivery::Failure(Error::usage(
                "assign on a consumer subscribed to a group: unsubscribe first",
            )));
            return;
        }
        let partitions: Vec<TopicPartition> = partitions.into_iter().collect();
        let start = reset_seek(self.shared.config.auto_offset_reset);
        self.shared.state().assign(&partitions, start);
        self.shared.notify();
    }

    /// Assigns every partition of `topics`, found from fresh metadata, as [`Consumer::assign`]
    /// does (the assignment is replaced).
    ///
    /// # Errors
    /// The metadata refresh's error; [`Error::Kafka`] for a topic the metadata reports an error
    /// for (such as `UNKNOWN_TOPIC_OR_PARTITION`).
    pub async fn assign_topics(&self, topics: &[&str]) -> Result<()> {
        let snapshot = self.shared.cluster.refresh_metadata(topics).await?;
        let mut partitions = Vec::new();
        for &name in topics {
            let topic = snapshot
                .topic(name)
                .ok_or_else(|| Error::protocol(format!("the metadata left out topic {name:?}")))?;
            if !topic.error.is_ok() {
                return Err(Error::kafka(
                    topic.error,
                    None,
                    format!("metadata of {name:?}"),
                ));
            }
            partitions.extend(
                topic
                    .partitions
                    .iter()
                    .map(|p| TopicPartition::new(name, p.partition)),
            );
        }
        self.assign(partitions);
        Ok(())
    }

    /// The assigned partitions.
    pub fn assignment(&self) -> Vec<TopicPartition> {
        let state = self.shared.state();
        state
            .partitions()
            .iter()
            .map(|p| p.topic_partition())
            .collect()
    }

    /// Moves an assigned partition's position; records fetched before are dropped. It also
    /// starts a partition stopped by an error again (such as [`Error::LogTruncated`]).
    ///
    /// The leader epoch of the records before the new position is not known, so the first
    /// Fetch after a seek carries no last fetched epoch and the broker does not check it for
    /// log truncation; the Fetches after it do (as the Java consumer after `seek(offset)`).
    ///
    /// # Errors
    /// [`Error::Usage`] when the partition is not assigned.
    pub fn seek(&self, partition: &TopicPartition, to: SeekTo) -> Result<()> {
        if !self
            .shared
            .state()
            .seek(&partition.topic, partition.partition, to)
        {
            return Err(Error::usage(format!(
                "seek on {partition}, which is not assigned to this consumer"
            )));
        }
        self.shared.notify();
        Ok(())
    }

    /// The offset of the next record the caller gets from `partition`; `None` when it is not
    /// assigned or its seek has not been resolved yet.
    pub fn position(&self, partition: &TopicPartition) -> Option<i64> {
        let state = self.shared.state();
        state
            .get(&partition.topic, partition.partition)
            .and_then(|p| p.position)
    }

    /// Records between the position and the end of `partition` (the high watermark; at
    /// `read_committed`, the last stable offset), as of the last fetch; `None` until known.
    pub fn lag(&self, partition: &TopicPartition) -> Option<i64> {
        let read_committed = self.shared.config.isolation_level == IsolationLevel::ReadCommitted;
        let state = self.shared.state();
        let p = state.get(&partition.topic, partition.partition)?;
        let end = if read_committed {
            p.last_stable_offset
        } else {
            p.high_watermark
        };
        Some(end?.saturating_sub(p.position?).max(0))
    }

    /// The lag of every assigned partition.
    pub fn lags(&self) -> Vec<(TopicPartition, Option<i64>)> {
        self.assignment()
            .into_iter()
            .map(|tp| {
                let lag = self.lag(&tp);
                (tp, lag)
            })
            .collect()
    }

    /// The assigned partitions stopped by a non-retriable error, which [`Consumer::poll`] (or
    /// the stream) reports: they are not fetched until [`Consumer::seek`] (or an assignment
    /// without them) clears them.
    pub fn stopped(&self) -> Vec<TopicPartition> {
        self.shared.state().stopped()
    }

    /// Bytes fetched and not yet dropped by the caller (response bodies and decompressed
    /// batches), against the bound `max_prefetch_bytes`.
    pub fn buffered_bytes(&self) -> usize {
        self.shared.budget.used()
    }

    /// The most bytes ever buffered at once.
    pub fn peak_buffered_bytes(&self) -> usize {
        self.shared.budget.peak()
    }

    /// For each partition, the offset and timestamp of the first record with a timestamp at or
    /// after the one given, or `None` if there is none. Any partition may be asked, assigned or
    /// not.
    ///
    /// # Errors
    /// A non-retriable error at once (unknown topic, authorization); the last retriable one
    /// after `default.api.timeout.ms`.
    pub async fn offsets_for_times(
        &self,
        queries: &[(TopicPartition, i64)],
    ) -> Result<Vec<Option<(i64, i64)>>> {
        let deadline = Instant::now() + self.shared.config.default_api_timeout;
        let isolation = self.shared.config.isolation_level;
        list_offsets_with_retries(&self.shared.cluster, isolation, queries, deadline).await
    }

    /// The earliest offset of each partition.
    ///
    /// # Errors
    /// As [`Consumer::offsets_for_times`].
    pub async fn beginning_offsets(&self, partitions: &[TopicPartition]) -> Result<Vec<i64>> {
        self.offsets_at(partitions, EARLIEST).await
    }

    /// The end offset of each partition (at `read_committed`, the last stable offset).
    ///
    /// # Errors
    /// As [`Consumer::offsets_for_times`].
    pub async fn end_offsets(&self, partitions: &[TopicPartition]) -> Result<Vec<i64>> {
        self.offsets_at(partitions, LATEST).await
    }

    async fn offsets_at(&self, partitions: &[TopicPartition], at: i64) -> Result<Vec<i64>> {
        let queries: Vec<(TopicPartition, i64)> =
            partitions.iter().map(|tp| (tp.clone(), at)).collect();
        let answers = self.offsets_for_times(&queries).await?;
        answers
            .into_iter()
            .zip(partitions)
            .map(|(answer, tp)| {
                answer
                    .map(|(offset, _)| offset)
                    .ok_or_else(|| Error::protocol(format!("no offset for {tp}")))
            })
            .collect()
    }

    /// Waits up to `timeout` for records and returns those ready, at most `max.poll.records`;
    /// an empty batch when the time ran out.
    ///
    /// # Errors
    /// A non-retriable error, once, as soon as it happens: about one partition (out of range
    /// with `auto.offset.reset=none`, a corrupt batch, an authorization failure), or about a
    /// request to a broker (a response over `receive.message.max.bytes`, failed authentication
    /// or TLS, a response that does not decode). The partitions it concerns stop until they are
    /// seeked (see [`Consumer::stopped`]); the others go on. Records already fetched come
    /// before it, and the next call goes on with them. Retriable errors are retried (and logged),
    /// never returned, but for an assigned partition that does not exist, reported once
    /// (`UNKNOWN_TOPIC_OR_PARTITION`) while the consumer keeps looking for it. [`Error::Closed`] once the consumer is closed.
    pub async fn poll(&mut self, timeout: Duration) -> Result<Vec<ConsumerRecord>> {
        self.polled();
        self.new_batch = true;
        if let Some(error) = self.stashed.take() {
            return Err(error);
        }
        let max = usize::try_from(self.shared.config.max_poll_records)
            .unwrap_or(usize::MAX)
            .max(1);
        // Sized once: a poll allocates its vector and nothing per record.
        let mut out = Vec::with_capacity(max.min(MAX_POLL_RESERVE));
        self.take(max, |record| out.push(record));
        if out.is_empty() {
            let first = futures_lite::future::or(async { Some(self.next().await) }, async {
                Timer::after(timeout).await;
                None
            })
            .await;
            // The stream's wait ended here, not by a record: the caller is no longer waiting.
            if let Some(group) = &self.group {
                group.membership.set_waiting(false);
            }
            match first {
                None => return Ok(out),
                Some(None) => return Err(closed()),
                Some(Some(record)) => out.push(record?),
            }
        }
        while out.len() < max {
            let room = max - out.len();
            self.take(room, |record| out.push(record));
            if out.len() >= max {
                break;
            }
            let Ok(delivery) = self.deliveries.try_recv() else {
                break;
            };
            if let Some(error) = self.accept(delivery) {
                self.stashed = Some(error);
                break;
            }
        }
        self.polled();
        Ok(out)
    }

    /// Stops the consumer's tasks and waits until they have ended (their connections then
    /// belong to the client alone). The client it was made from stays open. A group member
    /// first commits its positions (with auto commit) and leaves the group (a dynamic member;
    /// a static one stays until its session times out), each within `request.timeout.ms`.
    pub async fn close(self) {
        self.shared.close();
        self.manager.join().await;
        if let Some(group) = &self.group {
            group.task.join().await;
        }
    }

    /// Takes the next delivery into `current`, or returns the error it carries.
    fn accept(&mut self, delivery: Delivery) -> Option<Error> {
        match delivery {
            Delivery::Batch { epoch, batch } => {
                self.current = Some(Current {
                    epoch,
                    batch,
                    next: 0,
                });
                None
            }
            Delivery::Error { partitions, error } => {
                // Not reported if every partition it stopped has been seeked since.
                let mut state = self.shared.state();
                let current = partitions.iter().any(|(topic, partition, epoch)| {
                    state.current(topic, *partition, *epoch).is_some()
                });
                current.then_some(error)
            }
            Delivery::Failure(error) | Delivery::Broken(error) => Some(error),
        }
    }

    /// Hands up to `max` records of the current batch to `sink`, updating positions.
    fn take(&mut self, max: usize, mut sink: impl FnMut(ConsumerRecord)) {
        if self.current.is_none() {
            return;
        }
        if std::mem::take(&mut self.new_batch) {
            self.note_identity();
        }
        let Some(current) = &mut self.current else {
            return;
        };
        let batch = &current.batch;
        let mut state = self.shared.state();
        let Some(partition) = state.current(&batch.data.topic, batch.data.partition, current.epoch)
        else {
            self.current = None;
            return;
        };
        for _ in 0..max {
            let Some(meta) = batch.records.get(current.next) else {
                break;
            };
            current.next += 1;
            partition.position = Some(meta.offset.saturating_add(1));
            sink(ConsumerRecord::new(Arc::clone(&batch.data), *meta));
        }
        if current.next >= batch.records.len() {
            partition.position = Some(batch.next_offset);
            self.current = None;
        }
    }
}

fn closed() -> Error {
    Error::Closed {
        what: "consumer".into(),
    }
}

impl Stream for Consumer {
    type Item = Result<ConsumerRecord>;

    /// The next record, waiting for one as long as it takes; an `Err` item for a
    /// non-retriable error, as [`Consumer::poll`] returns it (the consumer goes on after it);
    /// `None` once closed.
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        // The poll timer is kept per batch, not per record: a record of the batch in hand
        // costs no clock read.
        let fresh = this.current.is_none();
        if fresh {
            this.polled();
        }
        this.new_batch = true;
        let next = this.next_item(cx);
        if let Some(group) = &this.group
            && (fresh || next.is_pending())
        {
            group.membership.set_waiting(next.is_pending());
        }
        next
    }
}

impl Consumer {
    /// Notes the member's identity as a batch of records starts: read without a lock, and
    /// copied only when the generation changed. Noted before the records are taken, it is never
    /// newer than they are: a transaction's offsets committed under it are refused if the
    /// group has moved on since (KIP-447).
    fn note_identity(&mut self) {
        let Some(group) = &self.group else {
            return;
        };
        let generation = group.membership.generation();
        let noted = self.records_identity.as_ref().map(|i| i.generation_id);
        if noted != Some(generation) {
            self.records_identity = group.membership.identity();
        }
    }

    /// The stream's next item (see [`Stream::poll_next`]).
    fn next_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<ConsumerRecord>>> {
        let this = self;
        loop {
            if this.current.is_some() {
                let mut one = None;
                this.take(1, |record| one = Some(record));
                if let Some(record) = one {
                    return Poll::Ready(Some(Ok(record)));
                }
                continue;
            }
            if let Some(error) = this.stashed.take() {
                return Poll::Ready(Some(Err(error)));
            }
            match this.deliveries.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(delivery)) => {
                    if let Some(error) = this.accept(delivery) {
                        return Poll::Ready(Some(Err(error)));
                    }
                }
            }
        }
    }
}

impl Drop for Consumer {
    /// Stops the consumer's tasks without waiting for them.
    fn drop(&mut self) {
        self.shared.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_and_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}

    #[test]
    fn records_cross_threads_and_the_consumer_moves_between_them() {
        send_and_sync::<ConsumerRecord>();
        send::<Consumer>();
    }
}
