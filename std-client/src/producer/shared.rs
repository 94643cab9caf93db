//! [`ProducerShared`]: what the producer's tasks share — the stamp the links send new batches
//! with, the count of requests in flight, and a link's request for a new epoch.
//!
//! Contract: a link drains and counts its request in flight under the stamp's lock. Once the
//! sender has set [`Stamping::Waiting`], links send only batches in doubt (under the stamp they
//! were first sent with, so the broker can tell a duplicate); when the sender then sees, under
//! the same lock, nothing in flight and nothing in doubt, it sets [`Stamping::Renewing`] (no
//! batch can be on its way with the old epoch, and none that the broker may hold is left to be
//! sent under the new one), renews the producer id or epoch, restarts the sequences, and
//! publishes the new stamp. A transaction of protocol v1 caps the Produce version links send
//! at ([`ProducerShared::produce_ceiling`]): from v12 on, Produce adds partitions to the
//! transaction itself, which only transactions v2 expect.

use std::sync::atomic::{AtomicBool, AtomicI16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::accumulator::Accumulator;
use super::batch::Stamp;

/// What new batches are stamped with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamping {
    /// No idempotence: no producer id.
    Plain,
    /// Idempotence, with this producer id and epoch.
    Ready(Stamp),
    /// Idempotence, waiting for a producer id or a new epoch: nothing new is sent, but
    /// batches [in doubt](super::batch::ProducerBatch::in_doubt) are, under their own stamps,
    /// until every one is settled.
    Waiting,
    /// Idempotence, asking for a producer id or a new epoch: nothing is sent.
    Renewing,
}

/// Shared by the sender and every link of one producer.
#[derive(Debug)]
pub(crate) struct ProducerShared {
    stamping: Mutex<Stamping>,
    /// Requests drained and not yet completed, over every link.
    in_flight: AtomicUsize,
    /// Set when a completed or expired batch asks for a new producer epoch.
    needs_new_epoch: AtomicBool,
    /// The highest Produce version to send at.
    produce_ceiling: AtomicI16,
}

impl ProducerShared {
    /// Shared state starting with `stamping`.
    pub(crate) fn new(stamping: Stamping) -> Self {
        Self {
            stamping: Mutex::new(stamping),
            in_flight: AtomicUsize::new(0),
            needs_new_epoch: AtomicBool::new(false),
            produce_ceiling: AtomicI16::new(i16::MAX),
        }
    }

    /// The stamp, locked: a link drains while holding it.
    pub(crate) fn stamping(&self) -> MutexGuard<'_, Stamping> {
        self.stamping.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Requests in flight over every link.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Asks the sender for a new epoch.
    pub(crate) fn ask_new_epoch(&self) {
        self.needs_new_epoch.store(true, Ordering::Release);
    }

    /// The highest Produce version links may send at.
    pub(crate) fn produce_ceiling(&self) -> i16 {
        self.produce_ceiling.load(Ordering::Acquire)
    }

    /// Caps the Produce version at `version` (`i16::MAX`: no cap); set before the batches it
    /// applies to are admitted.
    pub(crate) fn set_produce_ceiling(&self, version: i16) {
        self.produce_ceiling.store(version, Ordering::Release);
    }

    /// Takes the links' requests for a new epoch.
    pub(crate) fn take_epoch_request(&self) -> bool {
        self.needs_new_epoch.swap(false, Ordering::AcqRel)
    }
}

/// One request counted in flight: dropped, it is counted out and every task waiting on the
/// accumulator is woken (the sender may renew the epoch or stop; a link may send more).
pub(crate) struct Ticket {
    shared: Arc<ProducerShared>,
    accumulator: Arc<Accumulator>,
}

impl Ticket {
    /// Counts a request in flight; call while holding [`ProducerShared::stamping`].
    pub(crate) fn new(shared: &Arc<ProducerShared>, accumulator: &Arc<Accumulator>) -> Self {
        shared.in_flight.fetch_add(1, Ordering::AcqRel);
        Self {
            shared: Arc::clone(shared),
            accumulator: Arc::clone(accumulator),
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.shared.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.accumulator.wake.notify(usize::MAX);
    }
}
