//! The sender: the producer's background loop, a task (see [`crate::runtime`]).
//!
//! Each round it refreshes metadata if needed, gets a producer id (or a new epoch) when
//! idempotence asks for one and nothing is in flight, drains ready batches into one Produce
//! request per leader (at most `max.in.flight.requests.per.connection` per broker), seals and
//! compresses the new ones outside the accumulator's lock (so `send` goes on meanwhile), and waits
//! for a response, a wake-up from `send`/`flush`/`close`, or the next linger or backoff
//! deadline. Requests are polled in the order they were made, so two requests for one broker
//! reach its connection in order. It stops once the producer is closed and every batch has
//! completed.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use event_listener::listener;

use super::accumulator::{Accumulator, Verdict};
use super::batch::ProducerBatch;
use super::delivery::Failure;
use super::identity::ProducerIdentity;
use super::request::{self, RequestSettings, Sent};
use crate::cluster::Cluster;
use crate::net::Backoff;

type InFlight = Pin<Box<dyn Future<Output = Sent> + Send>>;

/// The longest the loop sleeps without a reason, so a missed wake-up costs little.
const IDLE_POLL: Duration = Duration::from_millis(100);

/// The background loop's state.
pub(crate) struct Sender {
    pub(crate) cluster: Cluster,
    pub(crate) accumulator: Arc<Accumulator>,
    /// `None` without idempotence.
    pub(crate) identity: Option<ProducerIdentity>,
    pub(crate) request: RequestSettings,
    pub(crate) max_in_flight_per_node: usize,
    pub(crate) in_flight: Vec<InFlight>,
    pub(crate) node_in_flight: HashMap<i32, usize>,
    pub(crate) needs_new_epoch: bool,
    pub(crate) scratch: Vec<u8>,
    pub(crate) missing_leaders: Vec<Arc<str>>,
    pub(crate) init_backoff: Backoff,
    pub(crate) init_retry_at: Option<Instant>,
    pub(crate) last_refresh: Option<Instant>,
}

enum Event {
    Sent(Sent),
    Woken,
}

impl Sender {
    /// Runs until the producer is closed and every batch has completed.
    pub(crate) async fn run(mut self) {
        loop {
            let accumulator = Arc::clone(&self.accumulator);
            listener!(accumulator.wake => woken);
            if accumulator.is_done() && self.in_flight.is_empty() {
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
                .min()
                .unwrap_or_else(|| Instant::now() + IDLE_POLL)
                .min(Instant::now() + IDLE_POLL);
            let deadline = not_yet_passed(deadline, !self.in_flight.is_empty(), || {
                self.cluster.config().retry_backoff
            });
            let in_flight = &mut self.in_flight;
            let next_sent = std::future::poll_fn(|cx| {
                for index in 0..in_flight.len() {
                    if let Some(Poll::Ready(sent)) =
                        in_flight.get_mut(index).map(|f| f.as_mut().poll(cx))
                    {
                        drop(in_flight.remove(index));
                        return Poll::Ready(Event::Sent(sent));
                    }
                }
                Poll::Pending
            });
            let woken = async {
                woken.await;
                Event::Woken
            };
            let timer = async {
                async_io::Timer::at(deadline).await;
                Event::Woken
            };
            let event =
                futures_lite::future::or(next_sent, futures_lite::future::or(woken, timer)).await;
            if let Event::Sent(sent) = event {
                self.handle(sent);
            }
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
        if let Err(error) = self.cluster.refresh_metadata(&topics).await {
            log::warn!("producer: metadata refresh failed: {error}");
        }
        self.missing_leaders.clear();
    }

    /// Gets a producer id, or a new epoch, once nothing is in flight.
    async fn renew_identity(&mut self) {
        let Some(identity) = &mut self.identity else {
            return;
        };
        if identity.is_ready() && !self.needs_new_epoch {
            return;
        }
        if !self.in_flight.is_empty() || self.init_retry_at.is_some_and(|at| Instant::now() < at) {
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
        let cluster = &self.cluster;
        let node_in_flight = &self.node_in_flight;
        let limit = self.max_in_flight_per_node;
        let (drained, bump) = self.accumulator.drain(
            Instant::now(),
            &mut |topic, partition| cluster.cached_leader(topic, partition),
            &mut |node| node_in_flight.get(&node).copied().unwrap_or(0) < limit,
            stamp,
            &mut self.missing_leaders,
        );
        self.needs_new_epoch |= bump && self.identity.is_some();
        for mut drained in drained {
            self.seal(&mut drained.batches);
            if drained.batches.is_empty() {
                continue;
            }
            *self.node_in_flight.entry(drained.node).or_default() += 1;
            let future = request::send(
                self.cluster.clone(),
                drained.node,
                drained.batches,
                self.request.clone(),
            );
            self.in_flight.push(Box::pin(future));
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

    fn handle(&mut self, sent: Sent) {
        if let Some(count) = self.node_in_flight.get_mut(&sent.node) {
            *count = count.saturating_sub(1);
        }
        let mut refresh = false;
        let verdicts = request::verdicts(&sent, &mut refresh);
        if let Err(error) = &sent.result {
            log::info!("producer: request to broker {} failed: {error}", sent.node);
        }
        let now = Instant::now();
        for ((topic, batch), verdict) in sent.batches.into_iter().zip(verdicts) {
            if refresh {
                self.cluster.invalidate_leader(&topic, batch.partition);
            }
            match &verdict {
                Verdict::Retry { error, bump_epoch } => log::debug!(
                    "producer: {topic}-{} attempt {} failed ({error:?}); retrying{}",
                    batch.partition,
                    batch.attempts,
                    if *bump_epoch {
                        " after a new epoch"
                    } else {
                        ""
                    }
                ),
                Verdict::OutOfOrder(_) => log::debug!(
                    "producer: {topic}-{} out of sequence at {}; retrying in order",
                    batch.partition,
                    batch.stamp.base_sequence
                ),
                Verdict::Fail { failure, .. } => {
                    log::warn!("producer: {topic}-{} failed: {failure:?}", batch.partition);
                }
                Verdict::TooLarge(_) => log::info!(
                    "producer: {topic}-{}: a batch of {} records ({} bytes) is too large for \
                     the broker; {}",
                    batch.partition,
                    batch.record_count(),
                    batch.wire().len(),
                    if batch.record_count() > 1 {
                        "splitting it"
                    } else {
                        "failing its record"
                    }
                ),
                Verdict::Written { .. } => {}
            }
            let bump = self
                .accumulator
                .complete(&topic, batch, verdict, now, &mut self.scratch);
            self.needs_new_epoch |= bump && self.identity.is_some();
        }
    }
}

/// The time to wake at, from the earliest `deadline` of the queues. A deadline already passed
/// means a batch is due that this round could not send: with requests in flight it waits for a
/// free slot, which a response brings (so only the idle bound applies); without, for a leader or
/// a producer id, retried after `backoff`. Never a time already passed: the loop shares its
/// executor with the connections whose responses it waits for, so it must not spin.
fn not_yet_passed(
    deadline: Instant,
    in_flight: bool,
    backoff: impl FnOnce() -> Duration,
) -> Instant {
    let now = Instant::now();
    if deadline > now {
        deadline
    } else if in_flight {
        now + IDLE_POLL
    } else {
        now + backoff().max(Duration::from_millis(1))
    }
}
