//! The sender: the producer's coordinating task (see [`crate::runtime`]). It carries no records.
//!
//! Each round it refreshes metadata for topics whose partitions hold batches but have no known
//! leader, gets a producer id (or a new epoch) when idempotence asks for one, once nothing is in
//! flight or in doubt (see [`super::shared`]), fails batches past `delivery.timeout.ms`, and starts a
//! [`Link`] for every broker that leads a partition with batches and has none (after a backoff
//! when the broker's last link could not reach it). The links drain, send and complete the
//! batches themselves. It then waits for a wake-up (`send`, `flush`, `close`, a completed request,
//! a stopped link, new metadata) or the next deadline that a producer-id retry, a leader lookup, a link's
//! backoff or a delivery timeout sets; no fixed polling interval. It stops once the producer is
//! closed and every batch has completed; the links stop then too.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use event_listener::listener;

use super::accumulator::Accumulator;
use super::identity::ProducerIdentity;
use super::link::{Link, LinkContext};
use super::shared::Stamping;
use super::transaction::Transactions;
use crate::cluster::Client;
use crate::net::{Backoff, Deadline};

/// The background loop's state.
pub(crate) struct Sender {
    pub(crate) cluster: Client,
    pub(crate) accumulator: Arc<Accumulator>,
    /// `None` without idempotence, and for a transactional producer (whose transactions
    /// keep its id and epoch).
    pub(crate) identity: Option<ProducerIdentity>,
    /// A transactional producer's transactions: partitions join them here.
    pub(crate) transactions: Option<Arc<Transactions>>,
    /// The partitions being added to the transaction (kept for its capacity).
    pub(crate) admitting: Vec<(Arc<str>, i32)>,
    /// The link of each broker batches went to.
    pub(crate) links: HashMap<i32, Link>,
    /// The backoff of each broker whose link could not reach it.
    pub(crate) link_backoff: HashMap<i32, Backoff>,
    pub(crate) link_context: LinkContext,
    pub(crate) needs_new_epoch: bool,
    pub(crate) missing_leaders: Vec<Arc<str>>,
    /// The leaders of partitions with batches, found each round (kept for its capacity).
    pub(crate) leaders: Vec<i32>,
    pub(crate) init_backoff: Backoff,
    pub(crate) init_retry_at: Option<Instant>,
    pub(crate) last_refresh: Option<Instant>,
}

impl Sender {
    /// Runs until the producer is closed and every batch has completed.
    pub(crate) async fn run(mut self) {
        // One deadline for the whole run, set each round to the next thing due (a timerfd:
        // moving it is one system call, nothing for async-io's reactor to allocate).
        let mut timer = Deadline::new();
        loop {
            let accumulator = Arc::clone(&self.accumulator);
            let cluster = self.cluster.clone();
            listener!(accumulator.wake => woken);
            // New metadata (whoever fetched it) may name leaders that need links.
            listener!(cluster.metadata_changed() => leaders_changed);
            self.needs_new_epoch |=
                self.link_context.shared.take_epoch_request() && self.identity.is_some();
            if accumulator.is_done() && self.link_context.shared.in_flight() == 0 {
                break;
            }
            self.refresh_metadata().await;
            self.renew_identity().await;
            if let Some(transactions) = &self.transactions {
                transactions.admit_pending(&mut self.admitting).await;
            }
            if self.accumulator.expire_all(Instant::now()) && self.identity.is_some() {
                self.needs_new_epoch = true;
                continue;
            }
            self.start_links();
            // Leaders missing (found by `start_links`, after this round's refresh): look them up
            // again at once, or a retry backoff after the last lookup.
            let leader_retry = (!self.missing_leaders.is_empty()).then(|| {
                self.last_refresh
                    .map_or_else(Instant::now, |at| at + self.cluster.config().retry_backoff)
            });
            let now = Instant::now();
            let admit_retry = self.transactions.as_ref().and_then(|t| t.retry_at());
            let deadline = [
                self.init_retry_at,
                admit_retry,
                leader_retry,
                self.accumulator.next_expiry(),
            ]
            .into_iter()
            .flatten()
            .min()
            .map(|at| at.max(now + Duration::from_millis(1)));
            timer.set(deadline);
            let woken = futures_lite::future::or(woken, leaders_changed);
            futures_lite::future::or(woken, timer.wait()).await;
        }
        log::debug!("producer sender stopped");
    }

    async fn refresh_metadata(&mut self) {
        if self.missing_leaders.is_empty() && !self.cluster.metadata_is_stale() {
            return;
        }
        // While a leader is being elected, metadata says "no leader" for a while: ask again
        // at most once per retry.backoff.ms, not once per round.
        let pause = self.cluster.config().retry_backoff;
        if self.last_refresh.is_some_and(|at| at.elapsed() < pause) {
            return;
        }
        self.last_refresh = Some(Instant::now());
        let topics: Vec<&str> = self.missing_leaders.iter().map(|t| &**t).collect();
        match self.cluster.refresh_metadata(&topics).await {
            // The links look for their batches again with the new leaders.
            Ok(_) => {
                self.accumulator.wake.notify(usize::MAX);
            }
            Err(error) => log::warn!("producer: metadata refresh failed: {error}"),
        }
        self.missing_leaders.clear();
    }

    /// Gets a producer id, or a new epoch, once nothing is in flight; the links send nothing
    /// new meanwhile.
    async fn renew_identity(&mut self) {
        let Some(identity) = &mut self.identity else {
            return;
        };
        if identity.is_ready() && !self.needs_new_epoch {
            return;
        }
        let shared = Arc::clone(&self.link_context.shared);
        {
            let mut stamping = shared.stamping();
            *stamping = Stamping::Waiting;
            // Batches in doubt are settled under the old epoch first (the links send them).
            if shared.in_flight() > 0
                || self.accumulator.has_in_doubt()
                || self.init_retry_at.is_some_and(|at| Instant::now() < at)
            {
                return;
            }
            *stamping = Stamping::Renewing;
        }
        match identity.renew(&self.cluster).await {
            Ok(()) => {
                let stamp = identity.stamp();
                self.accumulator.restart_sequences(stamp);
                *shared.stamping() = Stamping::Ready(stamp);
                self.needs_new_epoch = false;
                self.init_retry_at = None;
                self.init_backoff.reset();
                self.accumulator.wake.notify(usize::MAX);
            }
            Err(error) => {
                *shared.stamping() = Stamping::Waiting;
                let delay = self.init_backoff.next_delay();
                if error.is_retriable() {
                    // Expected while a fresh broker loads its state (COORDINATOR_LOAD_IN_PROGRESS).
                    log::debug!("producer: InitProducerId: {error}; retrying in {delay:?}");
                } else {
                    log::warn!("producer: InitProducerId failed: {error}");
                }
                self.init_retry_at = Some(Instant::now() + delay);
                if !error.is_retriable() {
                    let failure = super::delivery::Failure::Other {
                        reason: format!("no producer id: {error}"),
                        retriable: false,
                    };
                    self.accumulator.fail_all(&failure);
                }
            }
        }
    }

    /// Starts a link for every broker that leads a partition with batches and has none running
    /// (one whose last link could not reach it waits out a backoff before connecting).
    fn start_links(&mut self) {
        let cluster = &self.cluster;
        let mut leaders = std::mem::take(&mut self.leaders);
        self.accumulator.leaders_with_batches(
            &mut |topic, partition| cluster.cached_leader(topic, partition),
            &mut self.missing_leaders,
            &mut leaders,
        );
        for &node in &leaders {
            if self.links.get(&node).is_some_and(|link| !link.is_stopped()) {
                continue;
            }
            let backoff = self.link_backoff.entry(node).or_insert_with(|| {
                let config = cluster.config();
                Backoff::new(
                    config.reconnect_backoff,
                    config.reconnect_backoff_max,
                    u64::from(node.unsigned_abs()),
                )
            });
            // A broker its last link reached is tried again at once; one it did not, later.
            let not_before = match self.links.get(&node) {
                Some(stopped) if !stopped.was_connected() => {
                    Some(Instant::now() + backoff.next_delay())
                }
                Some(_) | None => {
                    backoff.reset();
                    None
                }
            };
            let link = Link::start(node, self.link_context.clone(), not_before);
            self.links.insert(node, link);
        }
        self.leaders = leaders;
    }
}
