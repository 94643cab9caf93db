//! The accumulator's side of transactions: the [`Gate`] that lets records in only while a
//! transaction is open, and partitions out only once they are in it.
//!
//! Contract:
//! - A non-transactional producer's gate is [`Gate::Off`] and nothing here acts.
//! - A transactional producer appends only while its gate is [`Gate::Open`]; closing the gate
//!   (as a commit or abort begins) is done under the accumulator's lock, so every record appended
//!   before it belongs to the transaction being ended and every later one is refused. A flush
//!   begun after the close therefore waits for every record of the transaction.
//! - A partition's first record in a transaction makes it *pending*; its batches are drained
//!   only once the transaction manager has *admitted* it (AddPartitionsToTxn answered, or at
//!   once with transactions v2, where Produce adds it). [`Accumulator::end_transaction`] forgets
//!   every admission, with nothing left to send.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{Accumulator, PartitionQueue};
use crate::producer::delivery::Failure;
use crate::{Error, Result};

/// Whether a transactional producer takes records now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Gate {
    /// Not a transactional producer.
    #[default]
    Off,
    /// No transaction open: records are refused.
    Closed,
    /// A transaction is open: records are taken; partitions wait to be admitted.
    Open,
}

impl Gate {
    /// Checks an append to `queue` (`topic`-`partition`): refused with the gate closed; with it
    /// open, a partition not yet in the transaction is added to `pending` (true: the
    /// transaction manager should be woken).
    pub(super) fn refuses(
        self,
        queue: &mut PartitionQueue,
        topic: &Arc<str>,
        partition: i32,
        pending: &mut Vec<(Arc<str>, i32)>,
    ) -> Result<bool> {
        match self {
            Self::Off => Ok(false),
            Self::Closed => Err(Error::usage(format!(
                "send to {topic} outside a transaction: a transactional producer sends between \
                 begin_transaction and commit_transaction / abort_transaction"
            ))),
            Self::Open if queue.admitted || queue.pending => Ok(false),
            Self::Open => {
                queue.pending = true;
                pending.push((Arc::clone(topic), partition));
                Ok(true)
            }
        }
    }
}

impl Accumulator {
    /// Makes this a transactional producer's accumulator: records are refused until
    /// [`Accumulator::open_transaction`].
    pub(crate) fn enable_transactions(&self) {
        self.transactional.store(true, Ordering::Relaxed);
        self.lock().gate = Gate::Closed;
    }

    /// Opens the gate for a new transaction.
    pub(crate) fn open_transaction(&self) {
        self.lock().gate = Gate::Open;
    }

    /// Closes the gate: records appended from now on are refused.
    pub(crate) fn close_transaction(&self) {
        self.lock().gate = Gate::Closed;
    }

    /// Moves the partitions waiting to join the transaction into `out` (emptied first).
    pub(crate) fn take_pending(&self, out: &mut Vec<(Arc<str>, i32)>) {
        out.clear();
        std::mem::swap(&mut self.lock().pending, out);
    }

    /// Puts back partitions taken with [`Accumulator::take_pending`] that could not be admitted
    /// yet (they stay pending).
    pub(crate) fn requeue_pending(&self, partitions: &mut Vec<(Arc<str>, i32)>) {
        self.lock().pending.append(partitions);
    }

    /// Whether partitions wait to join the transaction.
    pub(crate) fn has_pending(&self) -> bool {
        !self.lock().pending.is_empty()
    }

    /// The partitions are in the transaction: their batches may be drained.
    pub(crate) fn admit(&self, partitions: &[(Arc<str>, i32)]) {
        let mut state = self.lock();
        for (topic, partition) in partitions {
            let queue = state.topics.get_mut(topic).and_then(|t| {
                usize::try_from(*partition)
                    .ok()
                    .and_then(|p| t.partitions.get_mut(p))
            });
            if let Some(queue) = queue {
                queue.admitted = true;
                queue.pending = false;
            }
        }
        drop(state);
        self.wake.notify(usize::MAX);
    }

    /// Fails every batch not in flight (queued or taking records) with `failure`, for an abort
    /// or a transaction that can no longer commit; the partitions stay as they are. Returns
    /// whether one of them had been sent before (its sequence numbers may now have a gap).
    pub(crate) fn fail_unsent(&self, failure: &Failure) -> bool {
        let mut guard = self.lock();
        let state = &mut *guard;
        let mut sent_before = false;
        for topic in state.topics.values_mut() {
            for queue in &mut topic.partitions {
                queue.close_open();
                while let Some(batch) = queue.queue.pop_front() {
                    sent_before |= batch.attempts > 0;
                    batch.completion.failed(failure.clone());
                    self.finish(&mut state.incomplete, batch);
                }
            }
        }
        drop(guard);
        self.completed.notify(usize::MAX);
        sent_before
    }

    /// The transaction is over (committed or aborted, nothing left in it): no partition is in
    /// a transaction any more.
    pub(crate) fn end_transaction(&self) {
        let mut guard = self.lock();
        let state = &mut *guard;
        state.pending.clear();
        for topic in state.topics.values_mut() {
            for queue in &mut topic.partitions {
                queue.admitted = false;
                queue.pending = false;
            }
        }
    }

    /// Sends every record appended before the call without lingering and waits until each
    /// has been delivered or has failed.
    pub(crate) async fn flush(&self) {
        // Dropped with this future, so a cancelled flush ends too.
        let flush = self.begin_flush();
        loop {
            event_listener::listener!(self.completed => completed);
            if self.flushed(flush.upto) {
                break;
            }
            completed.await;
        }
    }

    /// Whether every batch has completed (none queued, taking records or in flight).
    pub(crate) fn is_empty(&self) -> bool {
        self.lock().incomplete.is_empty()
    }

    /// How many batches have failed since the producer started.
    pub(crate) fn failed_batches(&self) -> u64 {
        self.failed_batches.load(Ordering::Acquire)
    }

    /// The last batch failure.
    pub(crate) fn last_failure(&self) -> Option<Error> {
        self.last_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
