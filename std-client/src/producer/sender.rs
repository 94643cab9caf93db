//! The sender: the producer's coordinating task (see [`crate::runtime`]).
//!
//! Each round it refreshes metadata if needed, gets a producer id (or a new epoch) when
//! idempotence asks for one and nothing is in flight, drains ready batches into one Produce
//! request per leader (at most `max.in.flight.requests.per.connection` per broker), seals and
//! compresses the new ones outside the accumulator's lock (so `send` goes on meanwhile), and
//! hands each request to its broker's [`Link`], which writes it, reads the answer and completes
//! the batches. It then waits for a wake-up (from `send`, `flush`, `close`, or a link that
//! completed a request) or the next deadline that linger, retry backoff, delivery timeout or a
//! producer-id retry sets; no fixed polling interval. Requests for one broker reach its link in
//! the order they were drained. It stops once the producer is closed and every batch has
//! completed; the links stop with it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use event_listener::listener;

use super::accumulator::{Accumulator, Verdict};
use super::batch::ProducerBatch;
use super::delivery::Failure;
use super::identity::ProducerIdentity;
use super::link::{Link, LinkContext};
use crate::cluster::Client;
use crate::net::Backoff;

/// The background loop's state.
pub(crate) struct Sender {
    pub(crate) cluster: Client,
    pub(crate) accumulator: Arc<Accumulator>,
    /// `None` without idempotence.
    pub(crate) identity: Option<ProducerIdentity>,
    /// The link of each broker requests went to.
    pub(crate) links: HashMap<i32, Link>,
    pub(crate) link_context: LinkContext,
    pub(crate) needs_new_epoch: bool,
    pub(crate) scratch: Vec<u8>,
    pub(crate) missing_leaders: Vec<Arc<str>>,
    pub(crate) init_backoff: Backoff,
    pub(crate) init_retry_at: Option<Instant>,
    pub(crate) last_refresh: Option<Instant>,
}

impl Sender {
    /// Runs until the producer is closed and every batch has completed.
    pub(crate) async fn run(mut self) {
        loop {
            let accumulator = Arc::clone(&self.accumulator);
            listener!(accumulator.wake => woken);
            self.take_epoch_requests();
            if accumulator.is_done() && self.in_flight() == 0 {
                break;
            }
            self.refresh_metadata().await;
            self.renew_identity().await;
            self.drain();
            let deadline = self
                .accumulator
                .next_deadline()
                .into_iter()
                .chain(self.init_retry_at)
                .chain(
                    (!self.missing_leaders.is_empty())
                        .then(|| {
                            self.last_refresh
                                .map(|at| at + self.cluster.config().retry_backoff)
                        })
                        .flatten(),
                )
                .min();
            let deadline = deadline.and_then(|deadline| {
                not_yet_passed(deadline, self.in_flight() > 0, || {
                    self.cluster.config().retry_backoff
                })
            });
            match deadline {
                Some(deadline) => {
                    futures_lite::future::or(woken, async {
                        async_io::Timer::at(deadline).await;
                    })
                    .await;
                }
                None => woken.await,
            }
        }
        self.links.clear();
        log::debug!("producer sender stopped");
    }

    /// Requests handed to links and not completed.
    fn in_flight(&self) -> usize {
        self.links.values().map(Link::in_flight).sum()
    }

    /// Takes the links' requests for a new epoch (from batches they completed).
    fn take_epoch_requests(&mut self) {
        let asked = self
            .link_context
            .producer
            .needs_new_epoch
            .swap(false, Ordering::AcqRel);
        self.needs_new_epoch |= asked && self.identity.is_some();
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
        if let Err(error) = self.cluster.refresh_metadata(&topics).await {
            log::warn!("producer: metadata refresh failed: {error}");
        }
        self.missing_leaders.clear();
    }

    /// Gets a producer id, or a new epoch, once nothing is in flight.
    async fn renew_identity(&mut self) {
        let in_flight = self.in_flight();
        let Some(identity) = &mut self.identity else {
            return;
        };
        if identity.is_ready() && !self.needs_new_epoch {
            return;
        }
        if in_flight > 0 || self.init_retry_at.is_some_and(|at| Instant::now() < at) {
            return;
        }
        match identity.renew(&self.cluster).await {
            Ok(()) => {
                self.accumulator.restart_sequences(identity.stamp());
                self.needs_new_epoch = false;
                self.init_retry_at = None;
                self.init_backoff.reset();
            }
            Err(error) => {
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

    fn drain(&mut self) {
        let stamp = match &self.identity {
            Some(identity) if identity.is_ready() && !self.needs_new_epoch => {
                Some(identity.stamp())
            }
            // Waiting for an id or a new epoch: nothing is sent meanwhile, but batches expire.
            Some(_) => {
                self.needs_new_epoch |= self.accumulator.expire_all(Instant::now());
                return;
            }
            None => None,
        };
        // A link whose connection failed is replaced, once its requests are completed.
        self.links
            .retain(|_, link| !link.is_closed() || link.in_flight() > 0);
        let cluster = &self.cluster;
        let links = &self.links;
        let limit = self.link_context.max_in_flight.max(1);
        let (drained, bump) = self.accumulator.drain(
            Instant::now(),
            &mut |topic, partition| cluster.cached_leader(topic, partition),
            &mut |node| links.get(&node).is_none_or(|link| link.has_room(limit)),
            stamp,
            &mut self.missing_leaders,
        );
        self.needs_new_epoch |= bump && self.identity.is_some();
        for mut drained in drained {
            self.seal(&mut drained.batches);
            if drained.batches.is_empty() {
                continue;
            }
            let context = &self.link_context;
            let link = self
                .links
                .entry(drained.node)
                .or_insert_with(|| Link::start(drained.node, context.clone()));
            if link.is_closed() {
                *link = Link::start(drained.node, context.clone());
            }
            link.hand_over(drained.batches, context);
        }
    }

    /// Seals (and compresses) the batches drained for one request that were not sent before,
    /// with the stamps the drain gave them; a batch that cannot be sealed fails and leaves the
    /// request.
    fn seal(&mut self, batches: &mut Vec<(Arc<str>, ProducerBatch)>) {
        let compression = self.accumulator.settings.compression;
        let mut index = 0;
        while let Some((_, batch)) = batches.get_mut(index) {
            let stamp = batch.stamp;
            let sealed =
                batch.is_sealed() || batch.seal(compression, stamp, &mut self.scratch).is_ok();
            if sealed {
                index += 1;
                continue;
            }
            let (topic, batch) = batches.remove(index);
            let verdict = Verdict::Fail {
                failure: Failure::Other {
                    reason: "the batch cannot be sealed".into(),
                    retriable: false,
                },
                bump_epoch: stamp.base_sequence >= 0,
            };
            let bump = self.accumulator.complete(
                &topic,
                batch,
                verdict,
                Instant::now(),
                &mut self.scratch,
            );
            self.needs_new_epoch |= bump && self.identity.is_some();
        }
    }
}

/// The time to wake at, from the earliest `deadline` of the queues. A deadline already passed
/// means a batch is due that this round could not send: with requests in flight it waits for a
/// free slot, which a completed request announces (so no timer: `None`); without, for a leader
/// or a producer id, retried after `backoff`. Never a time already passed: the loop shares its
/// executor with the links whose answers it waits for, so it must not spin.
fn not_yet_passed(
    deadline: Instant,
    in_flight: bool,
    backoff: impl FnOnce() -> Duration,
) -> Option<Instant> {
    let now = Instant::now();
    if deadline > now {
        Some(deadline)
    } else if in_flight {
        None
    } else {
        Some(now + backoff().max(Duration::from_millis(1)))
    }
}
