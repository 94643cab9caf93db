//! [`Accumulator`]: the batches of every partition, between `send` and the sender.
//!
//! `send` appends under one lock (no allocation once a partition has a batch); the sender
//! drains batches that are ready, groups them by leader, and hands each back with a [`Verdict`]
//! when the broker has answered. A batch is ready when it is full, has lingered `linger.ms`,
//! or someone flushes, closes, or waits for memory. Batches older than `delivery.timeout.ms`
//! that are not in flight fail with a timeout.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use event_listener::Event;
use franzl_core::compression::Compression;

use super::ProducerRecord;
use super::batch::{ProducerBatch, Stamp};
use super::delivery::{Delivery, Failure, Woken};
use super::partition_queue::PartitionQueue;
use super::partitioner::{Random, Sticky};
use super::pool::BufferPool;
use super::topics::Topics;
use crate::{Error, Result};

/// What the accumulator needs from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The most a batch grows to (`batch.size`).
    pub(crate) batch_size: usize,
    /// The buffer a partition's first batch starts with (at most `batch_size`).
    pub(crate) first_batch_size: usize,
    pub(crate) linger: Duration,
    pub(crate) compression: Compression,
    pub(crate) max_request_size: usize,
    pub(crate) delivery_timeout: Duration,
    /// The first retry's backoff (`retry.backoff.ms`), doubling per attempt up to
    /// `retry.backoff.max.ms` (KIP-580).
    pub(crate) retry_backoff: Duration,
    pub(crate) retry_backoff_max: Duration,
    pub(crate) retries: u32,
    /// Batches in flight per partition (5 with idempotence, as the broker caches 5).
    pub(crate) max_in_flight_per_partition: usize,
}

/// The broker's answer for one batch, as the sender judged it.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// In the log.
    Written {
        base_offset: i64,
        log_append_time: i64,
    },
    /// Try again after the backoff; `bump_epoch` asks for a new producer epoch first.
    Retry { error: Failure, bump_epoch: bool },
    /// Failed for good; `bump_epoch` when the failure leaves a gap in the sequence numbers.
    Fail { failure: Failure, bump_epoch: bool },
    /// `OUT_OF_ORDER_SEQUENCE_NUMBER`: expected after an earlier batch of the partition failed
    /// in the same round (retry as it is); otherwise a real gap (retry after an epoch bump).
    OutOfOrder(Failure),
    /// `MESSAGE_TOO_LARGE`: split in two and sent again, or failed when it holds one record.
    TooLarge(Failure),
}

/// A record on its way into a batch, with what `send` worked out once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Appending<'r, 'a> {
    pub(crate) record: &'r ProducerRecord<'a>,
    /// The bytes it takes in a batch of its own ([`ProducerBatch::size_for_one`]).
    pub(crate) size: usize,
    /// Its timestamp, milliseconds since the Unix epoch.
    pub(crate) timestamp: i64,
}

/// The result of an append attempt.
#[derive(Debug)]
pub(crate) enum Append {
    Appended(Delivery),
    /// A new batch of this many bytes is needed and the pool is empty: wait for one.
    NeedBuffer(usize),
}

/// Which batches [`Accumulator::drain`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Drain {
    /// Any that is ready; new ones get this stamp (`None` without idempotence).
    New(Option<Stamp>),
    /// Only the sealed batches of partitions holding one in doubt, under their own stamps: a
    /// new epoch is due.
    InDoubtOnly,
}

#[derive(Debug, Default)]
struct TopicQueues {
    partitions: Vec<PartitionQueue>,
    sticky: Sticky,
}

#[derive(Debug, Default)]
struct State {
    /// Whether records may be appended and partitions sent to, for a transactional producer.
    gate: Gate,
    /// Partitions that took a record in the open transaction and are not admitted yet.
    pending: Vec<(Arc<str>, i32)>,
    topics: Topics<TopicQueues>,
    random: Random,
    next_batch_id: u64,
    /// Batch ids not completed, with how many batches hold each (a split batch's halves share
    /// its id).
    incomplete: BTreeMap<u64, u32>,
    in_flight: usize,
    flushing: usize,
    closed: bool,
}

/// Every partition's batches; shared by `send` callers and the sender task.
#[derive(Debug)]
pub(crate) struct Accumulator {
    state: Mutex<State>,
    pub(crate) pool: BufferPool,
    pub(crate) settings: Settings,
    /// Wakes the sender: a batch is full, a new one started its linger, a flush, a close.
    pub(crate) wake: Event,
    /// Notified as batches complete, for `flush`.
    pub(crate) completed: Event,
    /// Records appended whose delivery has not resolved yet (written or failed).
    unfinished_records: AtomicUsize,
    /// Batches failed since the producer started (a transaction may commit only if none
    /// failed since it began), and the last one's failure, as its records' deliveries say it
    /// (naming the topic and partition).
    failed_batches: AtomicU64,
    last_failure: Mutex<Option<Error>>,
    /// Set once, for a transactional producer (see [`Accumulator::enable_transactions`]).
    transactional: AtomicBool,
}

impl Accumulator {
    pub(crate) fn new(settings: Settings, buffer_memory: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            pool: BufferPool::new(buffer_memory, settings.batch_size),
            settings,
            wake: Event::new(),
            completed: Event::new(),
            unfinished_records: AtomicUsize::new(0),
            failed_batches: AtomicU64::new(0),
            last_failure: Mutex::new(None),
            transactional: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `item.record` to `partition` (or the topic's sticky partition, among the
    /// `available` ones, when `None`), using `buffer` for a new batch if one is needed and
    /// given.
    ///
    /// # Errors
    /// A closed producer; a record the batch format cannot hold.
    pub(crate) fn append(
        &self,
        item: &Appending<'_, '_>,
        partition_count: i32,
        partition: Option<i32>,
        available: &dyn Fn(i32) -> bool,
        buffer: &mut Option<Vec<u8>>,
    ) -> Result<Append> {
        let Appending {
            record,
            size: one,
            timestamp,
        } = *item;
        let record_len = one.saturating_sub(franzl_core::record::BATCH_HEADER_LEN);
        let mut guard = self.lock();
        let state = &mut *guard;
        if state.closed {
            return Err(Error::Producer {
                reason: "the producer is closed".into(),
                retriable: false,
            });
        }
        let (topic_name, topic) = state.topics.entry_or_default(record.topic);
        let count = usize::try_from(partition_count).unwrap_or(0);
        if topic.partitions.len() < count {
            topic.partitions.resize_with(count, PartitionQueue::default);
        }
        let partitions = &mut topic.partitions;
        let batch_size = self.settings.batch_size;
        let needs_new_batch = |p: i32| {
            usize::try_from(p)
                .ok()
                .and_then(|p| partitions.get(p))
                .is_none_or(|q| {
                    q.open
                        .as_ref()
                        .is_none_or(|b| b.is_full_for(record_len, batch_size))
                })
        };
        let partition = match partition {
            Some(p) => p,
            None => topic.sticky.choose(
                &mut state.random,
                partition_count,
                needs_new_batch,
                available,
            ),
        };
        let Some(queue) = usize::try_from(partition)
            .ok()
            .and_then(|p| topic.partitions.get_mut(p))
        else {
            return Err(Error::usage(format!(
                "send to partition {partition} of {}, which does not exist ({partition_count} \
                 partitions)",
                record.topic
            )));
        };
        if state
            .gate
            .refuses(queue, topic_name, partition, &mut state.pending)?
        {
            self.wake.notify(usize::MAX);
        }
        if let Some(open) = &mut queue.open {
            if let Some(delivery) = open.try_append(record, timestamp).map_err(record_error)? {
                self.unfinished_records.fetch_add(1, Ordering::Relaxed);
                return Ok(Append::Appended(delivery));
            }
            // Full: grow it (doubling, up to batch.size) if buffer.memory allows, else close it.
            let grown = open.capacity().saturating_mul(2).min(batch_size);
            let fits = open.size().saturating_add(record_len) <= grown;
            if fits
                && let Some(buffer) = open.buffer_to_grow()
                && self.pool.try_grow(buffer, grown)
                && let Some(delivery) = open.try_append(record, timestamp).map_err(record_error)?
            {
                self.unfinished_records.fetch_add(1, Ordering::Relaxed);
                return Ok(Append::Appended(delivery));
            }
            queue.close_open();
            self.wake.notify(usize::MAX);
        }
        let first = match queue.next_buffer {
            0 => self.settings.first_batch_size,
            hint => hint.clamp(self.settings.first_batch_size, batch_size),
        };
        let size = one.max(first);
        let buffer = match buffer.take() {
            Some(buffer) if buffer.len() >= size => buffer,
            other => {
                if let Some(other) = other {
                    self.pool.release(other);
                }
                match self.pool.try_allocate(size) {
                    Some(buffer) => buffer,
                    None => return Ok(Append::NeedBuffer(size)),
                }
            }
        };
        let mut batch = ProducerBatch::new(partition, buffer, timestamp);
        batch.completion.set_topic(Arc::clone(topic_name));
        batch.id = state.next_batch_id;
        state.next_batch_id += 1;
        let delivery = match batch.try_append(record, timestamp) {
            Ok(delivery) => delivery,
            Err(error) => {
                // The buffer goes back to the pool, or buffer.memory would shrink for good.
                self.pool.release(batch.into_buffer());
                return Err(record_error(error));
            }
        };
        let Some(delivery) = delivery else {
            self.pool.release(batch.into_buffer());
            return Err(Error::Producer {
                reason: "a record does not fit in a batch sized for it".into(),
                retriable: false,
            });
        };
        state.incomplete.insert(batch.id, 1);
        queue.open = Some(batch);
        self.unfinished_records.fetch_add(1, Ordering::Relaxed);
        drop(guard);
        self.wake.notify(usize::MAX);
        Ok(Append::Appended(delivery))
    }

    /// Appends to `out` the batches that can be sent to broker `node` now (the leader of their
    /// partition as `leader_of` knows it), at most one per partition, within
    /// `max.request.size` together. With [`Drain::New`], a batch not sent before gets its
    /// stamp (producer id and epoch; `None` without idempotence) and its sequence, and comes
    /// back unsealed: the caller seals it ([`ProducerBatch::seal`] with its stamp) outside the
    /// lock, so `send` goes on while it compresses. With [`Drain::InDoubtOnly`] (a new epoch
    /// is due) only partitions holding a batch [in doubt](ProducerBatch::in_doubt) send, their
    /// sealed batches in sequence order, each under the stamp it was first sent with. Topics of
    /// partitions with batches and no known leader are added to `missing_leaders`. Expired
    /// batches fail on the way; returns whether one of them needs an epoch bump. `out` keeps
    /// its capacity from request to request: a drain allocates nothing.
    pub(crate) fn drain(
        &self,
        now: Instant,
        leader_of: &mut dyn FnMut(&str, i32) -> Option<i32>,
        node: i32,
        mode: Drain,
        missing_leaders: &mut Vec<Arc<str>>,
        out: &mut Vec<(Arc<str>, ProducerBatch)>,
    ) -> bool {
        let stamp = match mode {
            Drain::New(stamp) => stamp,
            Drain::InDoubtOnly => None,
        };
        let sequenced = mode != Drain::New(None);
        let mut bump = false;
        let mut bytes = 0;
        let mut guard = self.lock();
        let state = &mut *guard;
        let eager = state.flushing > 0 || state.closed || self.pool.is_exhausted();
        let linger = self.settings.linger;
        let gated = state.gate != Gate::Off;
        for (name, topic) in state.topics.iter_mut() {
            for (index, queue) in topic.partitions.iter_mut().enumerate() {
                let partition = i32::try_from(index).unwrap_or(i32::MAX);
                bump |= self.expire(queue, now, &mut state.incomplete);
                // A transactional producer's partition waits until it is in the transaction.
                if (queue.queue.is_empty() && queue.open.is_none()) || (gated && !queue.admitted) {
                    continue;
                }
                let Some(leader) = leader_of(name, partition) else {
                    if !missing_leaders.contains(name) {
                        missing_leaders.push(name.clone());
                    }
                    continue;
                };
                // With sequences, one batch at a time until the broker holds the sequence.
                let max_in_flight = if sequenced && !queue.confirmed {
                    1
                } else {
                    self.settings.max_in_flight_per_partition
                };
                if leader != node || !queue.can_send(leader, max_in_flight, now) {
                    continue;
                }
                // A partition's batches go in sequence order: one in doubt waits for the
                // sealed batches before it, which go again under their own stamps too.
                if mode == Drain::InDoubtOnly
                    && !(queue.queue.front().is_some_and(ProducerBatch::is_sealed)
                        && queue.queue.iter().any(|b| b.in_doubt))
                {
                    continue;
                }
                let next_len = queue
                    .queue
                    .front()
                    .or(queue.open.as_ref())
                    .map_or(0, ProducerBatch::size);
                if !out.is_empty() && bytes + next_len > self.settings.max_request_size {
                    continue;
                }
                let ready = |b: &ProducerBatch| eager || now >= b.created + linger;
                let Some(mut batch) = queue.next_batch(ready) else {
                    continue;
                };
                if !batch.is_sealed() {
                    // Its sequence is taken here, in queue order; the link seals it (and
                    // compresses it) after the lock is released.
                    batch.stamp = match stamp {
                        Some(stamp) => Stamp {
                            base_sequence: queue.take_sequence(batch.record_count()),
                            ..stamp
                        },
                        None => Stamp::NONE,
                    };
                }
                batch.attempts += 1;
                batch.retry_at = None;
                queue.in_flight += 1;
                queue.in_flight_node = leader;
                state.in_flight += 1;
                bytes += batch.size();
                out.push((name.clone(), batch));
            }
        }
        bump
    }

    /// Fails every queued batch older than `delivery.timeout.ms`, for rounds that send nothing
    /// (waiting for a producer id); true when one needs an epoch bump.
    pub(crate) fn expire_all(&self, now: Instant) -> bool {
        let mut guard = self.lock();
        let state = &mut *guard;
        let mut bump = false;
        for topic in state.topics.values_mut() {
            for queue in &mut topic.partitions {
                bump |= self.expire(queue, now, &mut state.incomplete);
            }
        }
        bump
    }

    /// Fails the queued (not in-flight) batches of `queue` older than `delivery.timeout.ms`;
    /// true when one had been sent before (its outcome is unknown: a new epoch is needed).
    fn expire(
        &self,
        queue: &mut PartitionQueue,
        now: Instant,
        incomplete: &mut BTreeMap<u64, u32>,
    ) -> bool {
        let timeout = self.settings.delivery_timeout;
        let mut bump = false;
        while queue
            .queue
            .front()
            .is_some_and(|b| b.created + timeout <= now)
        {
            let Some(batch) = queue.queue.pop_front() else {
                break;
            };
            bump |= batch.stamp.base_sequence >= 0;
            batch.completion.failed(Failure::Timeout(timeout));
            self.finish(incomplete, batch);
        }
        if queue
            .open
            .as_ref()
            .is_some_and(|b| b.created + timeout <= now)
            && let Some(batch) = queue.open.take()
        {
            batch.completion.failed(Failure::Timeout(timeout));
            self.finish(incomplete, batch);
        }
        bump
    }

    fn finish(&self, incomplete: &mut BTreeMap<u64, u32>, batch: ProducerBatch) {
        completed_one(incomplete, batch.id);
        if let Some(failure) = batch.completion.failure() {
            // The failure first, then the count: whoever sees the count grow finds this
            // failure (the transaction classes it by its code).
            let error = failure.to_error(batch.completion.topic(), batch.partition);
            *self.last_failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
            self.failed_batches.fetch_add(1, Ordering::AcqRel);
        }
        let records = batch.record_count();
        let _ = self
            .unfinished_records
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_sub(records))
            });
        self.pool.release(batch.into_buffer());
        self.completed.notify(usize::MAX);
    }

    /// Takes back an in-flight batch of `topic` with the broker's verdict; true when the
    /// producer needs a new epoch before sending more. `scratch` is the sender's, for
    /// splitting a batch that was too large.
    pub(crate) fn complete(
        &self,
        topic: &str,
        batch: ProducerBatch,
        verdict: Verdict,
        now: Instant,
        scratch: &mut Vec<u8>,
    ) -> bool {
        let mut guard = self.lock();
        let state = &mut *guard;
        state.in_flight = state.in_flight.saturating_sub(1);
        let queue = state.topics.get_mut(topic).and_then(|t| {
            usize::try_from(batch.partition)
                .ok()
                .and_then(|p| t.partitions.get_mut(p))
        });
        let Some(queue) = queue else {
            batch.completion.failed(Failure::Other {
                reason: "unknown partition".into(),
                retriable: false,
            });
            self.finish(&mut state.incomplete, batch);
            return false;
        };
        queue.in_flight = queue.in_flight.saturating_sub(1);
        let incomplete = &mut state.incomplete;
        // The senders awaiting a written batch, woken once the lock is released.
        let mut woken = Woken::default();
        let bump = match verdict {
            Verdict::Written {
                base_offset,
                log_append_time,
            } => {
                // The broker now keeps this producer's sequence for the partition (a new
                // stamp only comes with nothing in flight, so this one is current).
                queue.confirmed |= batch.stamp.base_sequence >= 0;
                woken = batch
                    .completion
                    .settle_written(base_offset, log_append_time);
                self.finish(incomplete, batch);
                false
            }
            Verdict::Retry { error, bump_epoch } => {
                // Refused for its producer state (a new epoch is due): not written. Any other
                // retriable error leaves it unknown whether the broker wrote it.
                let mut batch = batch;
                batch.in_doubt = !bump_epoch;
                self.retry_or_fail(queue, incomplete, batch, error, bump_epoch, now)
            }
            Verdict::OutOfOrder(error) => {
                // Refused for its sequence: not written.
                let mut batch = batch;
                batch.in_doubt = false;
                let bump_epoch = !queue.rewinding;
                self.retry_or_fail(queue, incomplete, batch, error, bump_epoch, now)
            }
            Verdict::TooLarge(failure) if batch.record_count() < 2 => {
                let sequenced = batch.stamp.base_sequence >= 0;
                batch.completion.failed(failure);
                self.finish(incomplete, batch);
                // Later batches' sequences follow this one's, which the broker never took.
                sequenced
            }
            Verdict::TooLarge(failure) => self.split(queue, incomplete, batch, failure, scratch),
            Verdict::Fail {
                failure,
                bump_epoch,
            } => {
                batch.completion.failed(failure);
                self.finish(incomplete, batch);
                bump_epoch
            }
        };
        if queue.in_flight == 0 {
            queue.rewinding = false;
        }
        drop(guard);
        woken.wake();
        self.wake.notify(usize::MAX);
        bump
    }

    /// Requeues a batch to retry after the backoff, or fails it when it is out of time or
    /// retries; true when the producer needs a new epoch.
    fn retry_or_fail(
        &self,
        queue: &mut PartitionQueue,
        incomplete: &mut BTreeMap<u64, u32>,
        mut batch: ProducerBatch,
        error: Failure,
        bump_epoch: bool,
        now: Instant,
    ) -> bool {
        let timeout = self.settings.delivery_timeout;
        // A transactional producer's epoch changes only as its transaction ends: a batch that
        // needs a new one fails, and with it the transaction.
        let transactional = self.transactional.load(Ordering::Relaxed);
        let final_failure = if batch.created + timeout <= now {
            Some(Failure::Timeout(timeout))
        } else if batch.attempts > self.settings.retries || (bump_epoch && transactional) {
            Some(error)
        } else {
            None
        };
        match final_failure {
            Some(failure) => {
                // Its outcome is unknown: the sequence may have a gap now.
                let sequenced = batch.stamp.base_sequence >= 0;
                batch.completion.failed(failure);
                self.finish(incomplete, batch);
                sequenced
            }
            None => {
                queue.rewinding = true;
                batch.retry_at = Some(now + self.retry_backoff(batch.attempts));
                queue.requeue(batch);
                bump_epoch
            }
        }
    }

    /// The backoff before attempt `attempts + 1`: doubling from `retry.backoff.ms`, capped.
    fn retry_backoff(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(16);
        self.settings
            .retry_backoff
            .saturating_mul(1 << doublings)
            .min(
                self.settings
                    .retry_backoff_max
                    .max(self.settings.retry_backoff),
            )
    }

    /// Whether a queued batch is [in doubt](ProducerBatch::in_doubt): a new epoch must wait
    /// until it is settled under its own.
    pub(crate) fn has_in_doubt(&self) -> bool {
        let state = self.lock();
        state
            .topics
            .iter()
            .flat_map(|(_, topic)| topic.partitions.iter())
            .any(|queue| queue.queue.iter().any(|batch| batch.in_doubt))
    }

    /// After a new producer id or epoch: every partition's sequences restart at 0 and the
    /// queued sealed batches are restamped in order. Call only with nothing in flight and
    /// nothing [in doubt](Self::has_in_doubt): a batch the broker may hold under the old
    /// epoch would be written again under the new one.
    pub(crate) fn restart_sequences(&self, stamp: Stamp) {
        let mut state = self.lock();
        for topic in state.topics.values_mut() {
            for queue in &mut topic.partitions {
                queue.next_sequence = 0;
                queue.confirmed = false;
                queue.rewinding = false;
                for index in 0..queue.queue.len() {
                    let Some(count) = queue
                        .queue
                        .get(index)
                        .filter(|b| b.is_sealed())
                        .map(ProducerBatch::record_count)
                    else {
                        continue;
                    };
                    let base_sequence = queue.take_sequence(count);
                    if let Some(batch) = queue.queue.get_mut(index) {
                        batch.restamp(Stamp {
                            base_sequence,
                            ..stamp
                        });
                    }
                }
            }
        }
    }

    /// When a link that found nothing to send at `drained` should look again without being
    /// woken: the earliest time after `drained` at which a partition that `mine` claims becomes
    /// sendable by time alone — its first queued batch's retry backoff ends, or, with nothing
    /// queued, its open batch has lingered long enough. A time already passed at the drain
    /// belongs to a batch held back for another reason (an answer awaited, a new epoch due, no
    /// leader), whose end wakes the link.
    pub(crate) fn next_deadline(
        &self,
        drained: Instant,
        mine: &mut dyn FnMut(&str, i32) -> bool,
    ) -> Option<Instant> {
        let state = self.lock();
        let linger = self.settings.linger;
        let mut earliest: Option<Instant> = None;
        for (name, topic) in state.topics.iter() {
            for (index, queue) in topic.partitions.iter().enumerate() {
                let at = match (queue.queue.front(), &queue.open) {
                    (Some(front), _) => front.retry_at,
                    (None, Some(open)) => Some(open.created + linger),
                    (None, None) => None,
                };
                let Some(at) = at.filter(|at| *at > drained) else {
                    continue;
                };
                if earliest.is_some_and(|e| e <= at) {
                    continue;
                }
                if mine(name, i32::try_from(index).unwrap_or(i32::MAX)) {
                    earliest = Some(at);
                }
            }
        }
        earliest
    }

    /// Records given to `send` whose delivery has not resolved yet.
    pub(crate) fn unfinished_records(&self) -> usize {
        self.unfinished_records.load(Ordering::Relaxed)
    }

    /// Starts a flush: open batches become ready until the returned [`Flush`] is dropped
    /// (also when the flushing future is cancelled, so `linger.ms` holds again afterwards).
    pub(crate) fn begin_flush(&self) -> Flush<'_> {
        let mut state = self.lock();
        state.flushing += 1;
        let upto = state.next_batch_id;
        drop(state);
        self.wake.notify(usize::MAX);
        Flush {
            accumulator: self,
            upto,
        }
    }

    /// Whether every batch before `upto` has completed.
    pub(crate) fn flushed(&self, upto: u64) -> bool {
        self.lock()
            .incomplete
            .first_key_value()
            .is_none_or(|(&first, _)| first >= upto)
    }

    fn end_flush(&self) {
        let mut state = self.lock();
        state.flushing = state.flushing.saturating_sub(1);
    }

    /// Refuses new records and sends the rest without lingering.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.wake.notify(usize::MAX);
    }

    /// Whether the producer is closed and every batch has completed.
    pub(crate) fn is_done(&self) -> bool {
        let state = self.lock();
        state.closed && state.incomplete.is_empty()
    }

    /// The sender is gone (its task panicked): refuses new records, fails every batch not in
    /// flight (those in flight fail as their requests are dropped), and lets `flush` and `close`
    /// return.
    pub(crate) fn abandon(&self, failure: &Failure) {
        self.lock().closed = true;
        self.fail_all(failure);
        self.lock().incomplete.clear();
        self.unfinished_records.store(0, Ordering::Relaxed);
        self.completed.notify(usize::MAX);
        self.wake.notify(usize::MAX);
    }

    /// Fails every batch not in flight (the sender is stopping for good).
    pub(crate) fn fail_all(&self, failure: &Failure) {
        let mut guard = self.lock();
        let state = &mut *guard;
        for topic in state.topics.values_mut() {
            for queue in &mut topic.partitions {
                queue.close_open();
                while let Some(batch) = queue.queue.pop_front() {
                    batch.completion.failed(failure.clone());
                    self.finish(&mut state.incomplete, batch);
                }
            }
        }
    }
}

/// A flush in progress ([`Accumulator::begin_flush`]); dropping it ends the flush.
#[derive(Debug)]
pub(crate) struct Flush<'a> {
    accumulator: &'a Accumulator,
    /// The first batch id the flush does not cover.
    pub(crate) upto: u64,
}

impl Drop for Flush<'_> {
    fn drop(&mut self) {
        self.accumulator.end_flush();
    }
}

/// One batch of id `id` is done: the id is complete when no other batch holds it.
pub(crate) fn completed_one(incomplete: &mut BTreeMap<u64, u32>, id: u64) {
    if let Some(holders) = incomplete.get_mut(&id) {
        *holders = holders.saturating_sub(1);
        if *holders == 0 {
            incomplete.remove(&id);
        }
    }
}

fn record_error(error: franzl_core::record::RecordError) -> Error {
    Error::Producer {
        reason: format!("the record cannot be encoded: {error}"),
        retriable: false,
    }
}

mod scan;
mod transaction;

pub(crate) use transaction::Gate;

#[cfg(test)]
mod tests;
