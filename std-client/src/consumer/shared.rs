//! [`Shared`]: what a consumer handle, its fetcher threads and its partition manager share, and
//! the [`Delivery`] queue from the fetchers to the handle.
//!
//! Locking: [`Shared::state`] is a plain mutex, never held across an await; whoever changes the
//! assignment in a way a thread may wait for (a seek, a leader lost or found, a fetch finished)
//! calls [`Shared::notify`]. The delivery queue is unbounded in items but not in bytes: every
//! queued batch holds its share of the prefetch budget.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use event_listener::{Event, EventListener};

use super::assignment::Assignment;
use super::budget::PrefetchBudget;
use super::partition_read::FetchedBatch;
use crate::cluster::Cluster;
use crate::config::ConsumerConfig;
use crate::error::Error;

/// What the fetchers hand to the consumer handle.
#[derive(Debug)]
pub(crate) enum Delivery {
    /// Records of `topic`'s partition, fetched under the partition epoch `epoch`.
    Batch { epoch: u64, batch: FetchedBatch },
    /// An error about a partition the caller must see (out of range with no reset policy, an
    /// authorization failure, a corrupt batch).
    Error {
        topic: Arc<str>,
        partition: i32,
        epoch: u64,
        error: Error,
    },
}

/// State shared by a consumer's handle and threads.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: ConsumerConfig,
    pub(crate) cluster: Cluster,
    pub(crate) budget: Arc<PrefetchBudget>,
    state: Mutex<Assignment>,
    changed: Event,
    closed: AtomicBool,
    deliveries: async_channel::Sender<Delivery>,
}

impl Shared {
    /// The shared state and the receiving end of its delivery queue.
    pub(crate) fn new(
        config: ConsumerConfig,
        cluster: Cluster,
    ) -> (Arc<Self>, async_channel::Receiver<Delivery>) {
        let (sender, receiver) = async_channel::unbounded();
        let shared = Arc::new(Self {
            budget: PrefetchBudget::new(config.max_prefetch_bytes),
            config,
            cluster,
            state: Mutex::new(Assignment::default()),
            changed: Event::new(),
            closed: AtomicBool::new(false),
            deliveries: sender,
        });
        (shared, receiver)
    }

    /// The assignment, locked.
    pub(crate) fn state(&self) -> MutexGuard<'_, Assignment> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes the threads waiting for a change.
    pub(crate) fn notify(&self) {
        self.changed.notify(usize::MAX);
    }

    /// A listener for the next [`Shared::notify`]; take it before looking at the state.
    pub(crate) fn listen(&self) -> EventListener {
        self.changed.listen()
    }

    /// Queues `delivery` for the handle (dropped if the handle is gone).
    pub(crate) fn deliver(&self, delivery: Delivery) {
        // Unbounded: fails only when the receiver is gone, and then nobody wants it.
        let _ = self.deliveries.try_send(delivery);
    }

    /// Whether the consumer is closing.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Returns once the consumer is closing; raced against I/O so that closing does not wait
    /// for a long poll or a connection attempt to end.
    pub(crate) async fn closed(&self) {
        loop {
            let listener = self.listen();
            if self.is_closed() {
                return;
            }
            listener.await;
        }
    }

    /// Stops the threads: they see the flag, waiters on the budget and on changes wake.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.budget.close();
        self.deliveries.close();
        self.notify();
    }
}
