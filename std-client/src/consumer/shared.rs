//! [`Shared`]: what a consumer handle, its fetcher tasks and its partition manager share, and
//! the [`Delivery`] queue from the fetchers to the handle.
//!
//! Locking: [`Shared::state`] is a plain mutex, never held across an await. Wake-ups go by who
//! must act: a change the manager resolves (an assignment, a seek, a leader lost or moved, an
//! offset reset) calls [`Shared::notify`], which wakes the manager and the fetchers; a change
//! only fetchers act on (a fetch finished, leaders applied, seeks resolved) calls
//! [`Shared::notify_fetchers`]. The manager never wakes itself, so it sleeps until there is
//! work; closing wakes everyone through its own event. The delivery queue is unbounded in items but not in bytes: every
//! queued batch holds its share of the prefetch budget.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use event_listener::{Event, EventListener};

use super::assignment::Assignment;
use super::budget::PrefetchBudget;
use super::partition_read::{FetchedBatch, InflateGuess};
use crate::cluster::Client;
use crate::config::ConsumerConfig;
use crate::error::Error;

/// What the fetchers hand to the consumer handle.
#[derive(Debug)]
pub(crate) enum Delivery {
    /// Records of `topic`'s partition, fetched under the partition epoch `epoch`.
    Batch { epoch: u64, batch: FetchedBatch },
    /// A non-retriable error the caller must see, about the partitions it stopped (out of range
    /// with no reset policy, an authorization failure, a corrupt batch; or a connection-level
    /// error such as a refused response, which stops every partition of the request). Reported
    /// if one of them is still at the epoch given.
    Error {
        partitions: Vec<PartitionAt>,
        error: Error,
    },
    /// A non-retriable error of the consumer's group membership (a fenced static member, an
    /// authorization failure, an assignment that does not decode): always reported.
    Failure(Error),
    /// The consumer's background work is gone (a task panicked): reported whatever the
    /// partitions, after which the consumer is closed.
    Broken(Error),
}

/// A partition as a task saw it: topic, partition and partition epoch.
pub(crate) type PartitionAt = (Arc<str>, i32, u64);

/// State shared by a consumer's handle and tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: ConsumerConfig,
    pub(crate) cluster: Client,
    pub(crate) budget: Arc<PrefetchBudget>,
    /// The decompression ratio the fetchers size their buffers by.
    pub(crate) inflate: InflateGuess,
    state: Mutex<Assignment>,
    /// Work for the manager (and so, later, for the fetchers).
    manager_work: Event,
    /// Partitions that may have become fetchable.
    fetch_work: Event,
    /// The consumer is closing.
    closing: Event,
    closed: AtomicBool,
    deliveries: async_channel::Sender<Delivery>,
}

impl Shared {
    /// The shared state and the receiving end of its delivery queue.
    pub(crate) fn new(
        config: ConsumerConfig,
        cluster: Client,
    ) -> (Arc<Self>, async_channel::Receiver<Delivery>) {
        let (sender, receiver) = async_channel::unbounded();
        let shared = Arc::new(Self {
            budget: PrefetchBudget::new(config.max_prefetch_bytes),
            inflate: InflateGuess::default(),
            config,
            cluster,
            state: Mutex::new(Assignment::default()),
            manager_work: Event::new(),
            fetch_work: Event::new(),
            closing: Event::new(),
            closed: AtomicBool::new(false),
            deliveries: sender,
        });
        (shared, receiver)
    }

    /// The assignment, locked.
    pub(crate) fn state(&self) -> MutexGuard<'_, Assignment> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes the manager and the fetchers: the assignment changed in a way the manager acts on.
    pub(crate) fn notify(&self) {
        self.manager_work.notify(usize::MAX);
        self.fetch_work.notify(usize::MAX);
    }

    /// Wakes the fetchers only: partitions may have become fetchable.
    pub(crate) fn notify_fetchers(&self) {
        self.fetch_work.notify(usize::MAX);
    }

    /// The manager's listener for the next [`Shared::notify`]; take it before looking at the
    /// state.
    pub(crate) fn listen_manager(&self) -> EventListener {
        self.manager_work.listen()
    }

    /// A fetcher's listener for the next [`Shared::notify`] or [`Shared::notify_fetchers`];
    /// take it before looking at the state.
    pub(crate) fn listen_fetchers(&self) -> EventListener {
        self.fetch_work.listen()
    }

    /// Queues `delivery` for the handle (dropped if the handle is gone).
    pub(crate) fn deliver(&self, delivery: Delivery) {
        // Unbounded: fails only when the receiver is gone, and then nobody wants it.
        let _ = self.deliveries.try_send(delivery);
    }

    /// Stops `partitions` (those still at their epoch) until a seek, and hands `error` to the
    /// caller once for all of them. Nothing happens if none is current any more.
    pub(crate) fn fail(&self, partitions: &[PartitionAt], error: Error) {
        let stopped = self.state().stop(partitions);
        if stopped.is_empty() {
            return;
        }
        let names: Vec<String> = stopped
            .iter()
            .map(|(topic, partition, _)| format!("{topic}-{partition}"))
            .collect();
        log::warn!("{} stopped until a seek: {error}", names.join(", "));
        self.deliver(Delivery::Error {
            partitions: stopped,
            error,
        });
    }

    /// A task of the consumer panicked: the caller is told why, then the consumer closes (a
    /// poll never waits for work that nobody will do).
    pub(crate) fn break_down(&self, task: &str) {
        self.deliver(Delivery::Broken(Error::Closed {
            what: format!("consumer: its {task} task panicked"),
        }));
        self.close();
    }

    /// Whether the consumer is closing.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Returns once the consumer is closing; raced against I/O so that closing does not wait
    /// for a long poll or a connection attempt to end.
    pub(crate) async fn closed(&self) {
        loop {
            let listener = self.closing.listen();
            if self.is_closed() {
                return;
            }
            listener.await;
        }
    }

    /// Stops the tasks: they see the flag, waiters on the budget and on changes wake.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.budget.close();
        self.deliveries.close();
        self.closing.notify(usize::MAX);
        self.notify();
    }
}
