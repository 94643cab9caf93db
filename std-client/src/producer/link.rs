//! [`Link`]: the producer's task for one broker, which owns that broker's Produce connection
//! and does the producer's work for it.
//!
//! The link drains the batches ready for its broker from the accumulator itself (when `send`
//! fills a batch or starts one, at a linger or retry deadline, when an answer frees a slot, or
//! when new metadata may have made it the leader of a partition with batches), seals
//! them, frames the Produce request with the core's gathering writer (a small header, then each
//! batch's own buffer: batch bytes are never copied into a request frame), writes it in one
//! vectored write, reads the answers, judges each batch and completes it in the accumulator,
//! which resolves the deliveries. A record so crosses caller -> link -> caller, and the link's
//! connection carries nothing but Produce requests (a fetch long poll or a metadata request
//! never waits behind them, nor they behind it).
//!
//! Contract:
//! - Requests are written in the order they were drained, at most
//!   `max.in.flight.requests.per.connection` awaiting answers; the broker answers in order.
//! - The core connection carries each request's slot as its token: no second correlation table.
//! - New batches are stamped with the producer's current [`Stamping`]; while a producer id or
//!   a new epoch is due (`Waiting`) the link sends only batches in doubt, under their own
//!   stamps, and while it is asked for (`Renewing`) nothing.
//! - A connection that cannot be opened, or that fails, fails every request it holds with that
//!   (retriable) error, and the link stops; the sender starts a new link for the broker after a
//!   backoff. A request not answered within `request.timeout.ms` fails the connection the same
//!   way; so does a request sent with `acks=0` (no answer comes) that cannot be written within
//!   that time.
//! - A request's batches are always completed exactly once: answered, failed with the
//!   connection's error, or, if the link is dropped (its task panicked), failed as "may or may
//!   not have been written"; each completion wakes the producer's tasks.
//! - When the broker limits the SASL session's lifetime (KIP-368), the link re-authenticates on
//!   its connection before a request that finds the session near its end; requests awaiting
//!   answers are answered as usual.
//! - The link stops once the producer is closed and has no batch left.

use std::io::IoSlice;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_io::Timer;
use event_listener::{Event, listener};
use franzl_core::conn::{ConnError, Event as ConnEvent};
use franzl_core::messages::ApiKey;
use franzl_core::messages::produce::ProduceRequest;
use franzl_core::wire::Gap;
use futures_lite::io::BufReader;
use futures_lite::{AsyncWriteExt, future};

use super::accumulator::{Accumulator, Drain, Verdict};
use super::batch::ProducerBatch;
use super::delivery::Failure;
use super::request::{self, INLINE_BATCHES, Outcome, RequestSettings, Unanswered};
use super::shared::{ProducerShared, Stamping, Ticket};
use crate::broker::{Clock, Conn, establish, race3, read_frame_into, write_all_vectored};
use crate::broker::{HoldsConn, Session, connection_config, sasl_nonce};
use crate::cluster::Client;
use crate::error::{Error, Result};
use crate::net::Deadline;

/// Bytes of the read buffer in front of the stream (Produce responses are small).
const READ_BUFFER: usize = 16 * 1024;

/// What the sender keeps of a running link.
pub(crate) struct Link {
    state: Arc<LinkState>,
}

#[derive(Debug, Default)]
struct LinkState {
    /// The link has stopped (its connection failed, or the producer is done).
    stopped: AtomicBool,
    /// Its connection was opened: the broker was reachable.
    connected: AtomicBool,
}

/// Everything a link task works with.
#[derive(Clone)]
pub(crate) struct LinkContext {
    pub(crate) cluster: Client,
    pub(crate) accumulator: Arc<Accumulator>,
    pub(crate) settings: RequestSettings,
    pub(crate) max_in_flight: usize,
    pub(crate) shared: Arc<ProducerShared>,
}

impl Link {
    /// Starts the link task for broker `node`, connecting no earlier than `not_before`.
    pub(crate) fn start(node: i32, context: LinkContext, not_before: Option<Instant>) -> Self {
        let state = Arc::new(LinkState::default());
        let spawner = context.cluster.config().spawner.clone();
        let task = run(node, context, Arc::clone(&state), not_before);
        crate::runtime::spawn(
            spawner.as_ref(),
            format!("producer link to broker {node}"),
            task,
        );
        Self { state }
    }

    /// Whether the link has stopped.
    pub(crate) fn is_stopped(&self) -> bool {
        self.state.stopped.load(Ordering::Acquire)
    }

    /// Whether the link reached its broker.
    pub(crate) fn was_connected(&self) -> bool {
        self.state.connected.load(Ordering::Acquire)
    }
}

/// A request slot: a request written and awaiting its answer while it holds a ticket. Its
/// lists keep their capacity from request to request.
#[derive(Default)]
struct Slot {
    batches: Unanswered,
    topic_ids: Vec<[u8; 16]>,
    ticket: Option<Ticket>,
}

struct State<'c> {
    conn: Conn<'c>,
    /// The request slots, at the index of their token.
    slots: Vec<Slot>,
}

impl<'c> HoldsConn<'c> for State<'c> {
    fn conn(&mut self) -> &mut Conn<'c> {
        &mut self.conn
    }
}

/// What the link's loops tell each other.
#[derive(Default)]
struct Signals {
    /// An answer came: a request slot is free.
    answered: Event,
    /// A request was written while none was awaiting an answer: its deadline starts.
    first_sent: Event,
}

/// The link task: connect, then serve until the connection fails or the producer is done.
async fn run(node: i32, context: LinkContext, state: Arc<LinkState>, not_before: Option<Instant>) {
    if let Some(at) = not_before {
        Timer::at(at).await;
    }
    let outcome = serve(node, &context, &state).await;
    state.stopped.store(true, Ordering::Release);
    context.accumulator.wake.notify(usize::MAX);
    match outcome {
        Ok(()) => log::debug!("producer link to broker {node} stopped"),
        Err(error) => log::debug!("producer link to broker {node} stopped: {error}"),
    }
}

/// Connects and serves; returns why it stopped (every request it held is completed).
async fn serve(node: i32, context: &LinkContext, link: &LinkState) -> Result<()> {
    let options = Arc::clone(context.cluster.connect_options());
    let address = context.cluster.broker_address(node).await?;
    let label = format!("broker {node} ({address}) for produce");
    let clock = Clock::start();
    let now = move || clock.now();
    let nonce = sasl_nonce(&options)?;
    let mut conn = Conn::new(connection_config(&options, &nonce));
    let (stream, _) = establish(&mut conn, &address, &options, &label, now).await?;
    link.connected.store(true, Ordering::Release);
    let (read_half, write_half) = stream.split();
    let state = Mutex::new(State {
        conn,
        slots: Vec::new(),
    });
    let signals = Signals::default();
    let reader = read_loop(read_half, &state, context, node, &label, &signals);
    let writer = write_loop(write_half, &state, context, node, &label, &signals, now);
    let timer = timer_loop(&state, &label, &signals, options.request_timeout, now);
    let outcome = race3(writer, reader, timer).await;
    let error = match outcome {
        // The producer is done and nothing is in flight.
        Ok(()) => return Ok(()),
        Err(error) => {
            log::info!("connection to {label} closed: {error}");
            error
        }
    };
    let mut state = state.into_inner().unwrap_or_else(PoisonError::into_inner);
    state.conn.drain_in_flight().for_each(drop);
    for mut slot in state.slots.drain(..) {
        if let Some(ticket) = slot.ticket.take() {
            let outcome = Outcome::Failed(&error);
            let _ = complete(context, node, &mut slot, outcome, ticket);
        }
    }
    Err(error)
}

async fn read_loop(
    read_half: crate::net::StreamReader,
    state: &Mutex<State<'_>>,
    context: &LinkContext,
    node: i32,
    label: &str,
    signals: &Signals,
) -> Result<()> {
    let mut reader = BufReader::with_capacity(READ_BUFFER, read_half);
    let max = context.cluster.connect_options().max_response_size;
    let mut frame = Vec::new();
    // The batches and topic ids of the request being settled, swapped out of its slot (which
    // gets these empty lists instead).
    let mut answered = Slot::default();
    loop {
        read_frame_into(&mut reader, &mut frame, max, label).await?;
        let (version, body_start) = {
            let mut state = lock(state);
            let (token, version, body_start) = match state.conn.handle_frame(&frame) {
                Ok(ConnEvent::Response(response)) => (
                    response.token,
                    response.api_version,
                    frame.len() - response.body.len(),
                ),
                // A step of a re-authentication: the writer goes on with it.
                Ok(ConnEvent::Handshake | ConnEvent::Ready) => {
                    drop(state);
                    signals.answered.notify(1);
                    continue;
                }
                Err(error) => {
                    let text = state.conn.server_error_text();
                    return Err(Error::from_conn(error, label, text));
                }
            };
            let slot = usize::try_from(token)
                .ok()
                .and_then(|index| state.slots.get_mut(index));
            if let Some(slot) = slot {
                std::mem::swap(&mut slot.batches, &mut answered.batches);
                std::mem::swap(&mut slot.topic_ids, &mut answered.topic_ids);
                answered.ticket = slot.ticket.take();
            }
            (version, body_start)
        };
        if let Some(ticket) = answered.ticket.take() {
            let body = frame.get(body_start..).unwrap_or_default();
            let outcome = Outcome::Answered { version, body };
            // The requests still awaiting answers on this connection are as much in doubt:
            // they fail with a retriable error, as if the connection had been lost.
            complete(context, node, &mut answered, outcome, ticket).map_err(|error| {
                let what = format!("{label} sent an answer that did not decode ({error})");
                Error::io(what, std::io::ErrorKind::InvalidData.into())
            })?;
        }
        signals.answered.notify(1);
    }
}

async fn write_loop(
    mut write_half: crate::net::StreamWriter,
    state: &Mutex<State<'_>>,
    context: &LinkContext,
    node: i32,
    label: &str,
    signals: &Signals,
    now: impl Fn() -> franzl_core::conn::Instant,
) -> Result<()> {
    let mut session = Session::authenticated(&lock(state).conn);
    let mut head = Vec::new();
    let mut gaps: Vec<Gap> = Vec::new();
    let mut scratch = Vec::new();
    // The request being built; moved into a free slot (whose empty lists it takes) once written.
    let mut request = Slot::default();
    // What the loop waits for when nothing is to be drained: the next deadline of its
    // partitions (linger, delivery timeout), as a timerfd moved in place.
    let mut idle = Deadline::new();
    let accumulator = Arc::clone(&context.accumulator);
    let cluster = &context.cluster;
    loop {
        loop {
            listener!(signals.answered => answered);
            if lock(state).conn.in_flight() < context.max_in_flight.max(1) {
                break;
            }
            answered.await;
        }
        listener!(accumulator.wake => woken);
        // A partition without a known leader waits for metadata: it may turn out to be this
        // broker's, whoever fetched the metadata.
        listener!(cluster.metadata_changed() => leaders_changed);
        if accumulator.is_done() && lock(state).conn.in_flight() == 0 {
            return Ok(());
        }
        let drained_at = Instant::now();
        let Some(ticket) = drain(context, node, drained_at, request.batches.get_mut()) else {
            // Nothing for this broker now: wait for `send`, an answer, new metadata, a new
            // stamp, or the next deadline of its partitions.
            let deadline = accumulator.next_deadline(drained_at, &mut |topic, partition| {
                cluster.cached_leader(topic, partition) == Some(node)
            });
            let woken = future::or(woken, leaders_changed);
            idle.set(deadline);
            future::or(woken, idle.wait()).await;
            continue;
        };
        seal(context, request.batches.get_mut(), &mut scratch);
        if request.batches.is_empty() {
            continue;
        }
        if session.is_due() {
            let sent = || {
                signals.first_sent.notify(1);
            };
            let listen = || signals.answered.listen();
            let renewing = session.renew(&mut write_half, label, state, &now, listen, sent);
            if let Err(error) = renewing.await {
                let _ = complete(context, node, &mut request, Outcome::Failed(&error), ticket);
                return Err(error);
            }
        }
        let expects_response = context.settings.acks != 0;
        let framed = {
            let mut state = lock(state);
            let token = state
                .slots
                .iter()
                .position(|slot| slot.ticket.is_none())
                .unwrap_or(state.slots.len());
            let version = state
                .conn
                .versions()
                .get(ApiKey::Produce)
                .map(|agreed| agreed.min(context.shared.produce_ceiling()));
            let conn = &mut state.conn;
            request::with_request(
                cluster,
                node,
                version,
                &context.settings,
                request.batches.get(),
                &mut request.topic_ids,
                |produce, version| {
                    let at = now();
                    let framing = Framing {
                        token,
                        expects_response,
                        batches: request.batches.get().len(),
                    };
                    frame(
                        conn, produce, version, framing, at, &mut head, &mut gaps, label,
                    )
                },
            )
            .map(|len| (token, len))
        };
        let (token, head_len) = match framed {
            Ok(framed) => framed,
            Err(error) => {
                let fatal = !lock(state).conn.is_ready();
                let outcome = Outcome::Failed(&error);
                let _ = complete(context, node, &mut request, outcome, ticket);
                if fatal {
                    return Err(error);
                }
                continue;
            }
        };
        let head = head.get(..head_len).unwrap_or_default();
        let write = write_request(&mut write_half, head, &gaps, request.batches.get());
        let written = if expects_response {
            // The connection's timer fails it when the answer is late, written or not.
            write.await
        } else {
            // No answer comes, so no deadline would end a write the broker never takes.
            let limit = cluster.connect_options().request_timeout;
            future::or(write, async {
                Timer::after(limit).await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "the broker took no bytes of a request for {limit:?} (request.timeout.ms)"
                    ),
                ))
            })
            .await
        };
        if let Err(error) = written {
            let error = Error::io(format!("writing to {label}"), error);
            // The request may be half written: the connection cannot go on.
            lock(state).conn.drain_in_flight().for_each(drop);
            let outcome = Outcome::Failed(&error);
            let _ = complete(context, node, &mut request, outcome, ticket);
            return Err(error);
        }
        if !expects_response {
            let outcome = Outcome::Unacknowledged;
            let _ = complete(context, node, &mut request, outcome, ticket);
            continue;
        }
        let mut state = lock(state);
        let first = state.slots.iter().all(|slot| slot.ticket.is_none());
        if token == state.slots.len() {
            state.slots.push(Slot::default());
        }
        if let Some(slot) = state.slots.get_mut(token) {
            std::mem::swap(&mut slot.batches, &mut request.batches);
            std::mem::swap(&mut slot.topic_ids, &mut request.topic_ids);
            slot.ticket = Some(ticket);
        }
        drop(state);
        if first {
            signals.first_sent.notify(1);
        }
    }
}

/// Writes a framed request: `head` with each batch's own buffer at its gap, in one vectored
/// write (the list of slices on the stack for up to [`INLINE_BATCHES`] batches), then flushes.
async fn write_request(
    write_half: &mut crate::net::StreamWriter,
    head: &[u8],
    gaps: &[Gap],
    batches: &[(Arc<str>, ProducerBatch)],
) -> std::io::Result<()> {
    if gaps.len() <= INLINE_BATCHES {
        let mut slices = [IoSlice::new(&[]); 2 * INLINE_BATCHES + 1];
        let count = fill_slices(head, gaps, batches, &mut slices);
        write_all_vectored(write_half, slices.get_mut(..count).unwrap_or_default()).await?;
    } else {
        let mut slices = vec![IoSlice::new(&[]); 2 * gaps.len() + 1];
        let count = fill_slices(head, gaps, batches, &mut slices);
        write_all_vectored(write_half, slices.get_mut(..count).unwrap_or_default()).await?;
    }
    write_half.flush().await
}

/// Fills `slices` with `head` cut at `gaps` and each batch's bytes in its gap; returns how
/// many it filled (`slices` holds at least two per batch and one more).
fn fill_slices<'a>(
    head: &'a [u8],
    gaps: &[Gap],
    batches: &'a [(Arc<str>, ProducerBatch)],
    slices: &mut [IoSlice<'a>],
) -> usize {
    let mut from = 0;
    let mut count = 0;
    for (gap, (_, batch)) in gaps.iter().zip(batches) {
        if let Some([before, records]) = slices.get_mut(count..count + 2) {
            *before = IoSlice::new(head.get(from..gap.at).unwrap_or_default());
            *records = IoSlice::new(batch.wire());
            count += 2;
        }
        from = gap.at;
    }
    if let Some(last) = slices.get_mut(count) {
        *last = IoSlice::new(head.get(from..).unwrap_or_default());
        count += 1;
    }
    count
}

/// How a request is framed: its slot's token, whether an answer comes, and how many batches
/// it carries (one gap each).
struct Framing {
    token: usize,
    expects_response: bool,
    batches: usize,
}

/// Frames `produce` into `head` (growing it as needed), its batches left out as `gaps`; returns
/// the length of `head` to write.
#[allow(clippy::too_many_arguments)]
fn frame(
    conn: &mut Conn<'_>,
    produce: &ProduceRequest<'_>,
    version: i16,
    framing: Framing,
    now: franzl_core::conn::Instant,
    head: &mut Vec<u8>,
    gaps: &mut Vec<Gap>,
    label: &str,
) -> Result<usize> {
    let token = u32::try_from(framing.token).unwrap_or(u32::MAX);
    loop {
        let result = conn.send_gathered(
            produce,
            version,
            token,
            framing.expects_response,
            now,
            head,
            std::mem::take(gaps),
        );
        match result {
            Ok((sent, list)) => {
                *gaps = list;
                if gaps.len() != framing.batches {
                    return Err(Error::protocol(format!(
                        "a Produce request to {label} framed {} record sets for {} batches",
                        gaps.len(),
                        framing.batches
                    )));
                }
                return Ok(sent.len);
            }
            Err(ConnError::Encode(franzl_core::wire::EncodeError::BufferTooSmall { needed })) => {
                head.resize(needed.max(head.len() * 2).max(256), 0);
            }
            Err(error) => return Err(Error::from_conn(error, label, None)),
        }
    }
}

/// Fails the connection when its oldest request goes unanswered past `request.timeout.ms`.
/// It sleeps until that request's deadline (answers do not wake it: at the deadline it looks
/// again), or, with nothing awaiting an answer, until a request is written.
async fn timer_loop(
    state: &Mutex<State<'_>>,
    label: &str,
    signals: &Signals,
    request_timeout: Duration,
    now: impl Fn() -> franzl_core::conn::Instant,
) -> Result<()> {
    let mut timer = Deadline::new();
    loop {
        listener!(signals.first_sent => sent);
        let deadline = lock(state).conn.poll_timeout();
        let Some(deadline) = deadline else {
            sent.await;
            continue;
        };
        let wait = deadline.saturating_duration_since(now());
        timer.set(Some(Instant::now() + wait + Duration::from_millis(1)));
        timer.wait().await;
        let expired = lock(state).conn.handle_timeout(now());
        if let Some(expired) = expired {
            // A Produce, or a SASL request of a re-authentication.
            let api = ApiKey::from_key(expired.api_key).map_or("request", ApiKey::name);
            return Err(Error::Timeout {
                what: format!(
                    "{api} response from {label} (correlation id {})",
                    expired.correlation_id
                ),
                after: request_timeout,
            });
        }
    }
}

/// Judges a finished request's batches and completes them in the accumulator, leaving its
/// lists empty; then counts the request out. An answer that does not decode is an error: the
/// connection's later bytes cannot be trusted (its batches are sent again, in doubt); no other
/// outcome returns an error.
fn complete(
    context: &LinkContext,
    node: i32,
    request: &mut Slot,
    outcome: Outcome<'_>,
    ticket: Ticket,
) -> Result<()> {
    let (cluster, accumulator) = (&context.cluster, &context.accumulator);
    let (batches, ids) = (&mut request.batches, &request.topic_ids);
    let settled = request::settle(cluster, accumulator, node, batches, ids, outcome);
    if settled.bump_epoch {
        context.shared.ask_new_epoch();
    }
    drop(ticket);
    settled.undecodable.map_or(Ok(()), Err)
}

/// Takes the batches ready for `node` into `batches`, stamped with the producer's current
/// stamp, and counts their request in flight; `None` when there are none or the stamp is being
/// renewed.
fn drain(
    context: &LinkContext,
    node: i32,
    now: Instant,
    batches: &mut Vec<(Arc<str>, ProducerBatch)>,
) -> Option<Ticket> {
    let stamping = context.shared.stamping();
    let mode = match *stamping {
        Stamping::Renewing => return None,
        Stamping::Waiting => Drain::InDoubtOnly,
        Stamping::Plain => Drain::New(None),
        Stamping::Ready(stamp) => Drain::New(Some(stamp)),
    };
    let cluster = &context.cluster;
    // Topics without a leader are the sender's to look up (it finds them itself).
    let mut missing_leaders = Vec::new();
    let bump = context.accumulator.drain(
        now,
        &mut |topic, partition| cluster.cached_leader(topic, partition),
        node,
        mode,
        &mut missing_leaders,
        batches,
    );
    if bump && *stamping != Stamping::Plain {
        context.shared.ask_new_epoch();
        context.accumulator.wake.notify(usize::MAX);
    }
    if batches.is_empty() {
        return None;
    }
    let ticket = Ticket::new(&context.shared, &context.accumulator);
    drop(stamping);
    Some(ticket)
}

/// Seals (and compresses) the drained batches that were not sent before, with the stamps the
/// drain gave them; a batch that cannot be sealed fails and leaves the request.
fn seal(
    context: &LinkContext,
    batches: &mut Vec<(Arc<str>, ProducerBatch)>,
    scratch: &mut Vec<u8>,
) {
    let compression = context.accumulator.settings.compression;
    let mut index = 0;
    while let Some((_, batch)) = batches.get_mut(index) {
        let stamp = batch.stamp;
        if batch.is_sealed() || batch.seal(compression, stamp, scratch).is_ok() {
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
        let now = Instant::now();
        if context
            .accumulator
            .complete(&topic, batch, verdict, now, scratch)
        {
            context.shared.ask_new_epoch();
        }
    }
}

/// The link's state, for one step between awaits.
fn lock<'s, 'c>(state: &'s Mutex<State<'c>>) -> MutexGuard<'s, State<'c>> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}
