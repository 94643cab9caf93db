//! [`Link`]: the producer's task for one broker, which owns that broker's Produce connection
//! and does the producer's work for it.
//!
//! The link drains the batches ready for its broker from the accumulator itself (when `send`
//! fills a batch or starts one, at a linger deadline, or when an answer frees a slot), seals
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
//! - New batches are stamped with the producer's current [`Stamping`]; while it is `Waiting`
//!   (a producer id or a new epoch is on its way) the link sends nothing.
//! - A connection that cannot be opened, or that fails, fails every request it holds with that
//!   (retriable) error, and the link stops; the sender starts a new link for the broker after a
//!   backoff. A request not answered within `request.timeout.ms` fails the connection the same
//!   way.
//! - A request's batches are always completed exactly once: answered, failed with the
//!   connection's error, or, if the link is dropped (its task panicked), failed as "may or may
//!   not have been written"; each completion wakes the producer's tasks.
//! - The link stops once the producer is closed and has no batch left.

use std::io::IoSlice;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_io::Timer;
use event_listener::listener;
use franzl_core::conn::{ConnError, Event};
use franzl_core::messages::ApiKey;
use franzl_core::messages::produce::ProduceRequest;
use franzl_core::wire::Gap;
use futures_lite::io::{BufReader, ReadHalf, WriteHalf};
use futures_lite::{AsyncWriteExt, future};

use super::accumulator::{Accumulator, Verdict};
use super::batch::ProducerBatch;
use super::delivery::Failure;
use super::request::{self, RequestSettings, Sent, Unanswered};
use super::shared::{ProducerShared, Stamping, Ticket};
use crate::broker::{Clock, Conn, ResponseFrame, establish, read_frame, write_all_vectored};
use crate::broker::{connection_config, sasl_nonce};
use crate::cluster::Client;
use crate::error::{Error, Result};

/// The batches of one request, with their topics, in request order.
type Batches = Vec<(Arc<str>, ProducerBatch)>;

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

/// A request written and awaiting its answer.
struct Waiting {
    batches: Unanswered,
    topic_ids: Vec<[u8; 16]>,
    ticket: Ticket,
}

struct State<'c> {
    conn: Conn<'c>,
    /// The requests awaiting answers, at the index of their token.
    waiting: Vec<Option<Waiting>>,
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
    let (read_half, write_half) = futures_lite::io::split(stream);
    let state = Mutex::new(State {
        conn,
        waiting: Vec::new(),
    });
    let (room_tx, room_rx) = async_channel::bounded::<()>(1);
    let (wake_tx, wake_rx) = async_channel::bounded::<()>(1);
    let reader = read_loop(read_half, &state, context, &label, &room_tx);
    let writer = write_loop(
        write_half, &state, context, node, &label, &room_rx, &wake_tx, now,
    );
    let timer = timer_loop(&state, &label, &wake_rx, options.request_timeout, now);
    let outcome = future::or(future::or(writer, reader), timer).await;
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
    for waiting in state.waiting.drain(..).flatten() {
        let sent = Sent {
            node,
            batches: waiting.batches.take(),
            topic_ids: waiting.topic_ids,
            result: Err(error.clone()),
        };
        complete(context, sent, waiting.ticket);
    }
    Err(error)
}

async fn read_loop(
    read_half: ReadHalf<crate::net::Stream>,
    state: &Mutex<State<'_>>,
    context: &LinkContext,
    label: &str,
    room: &async_channel::Sender<()>,
) -> Result<()> {
    let mut reader = BufReader::with_capacity(READ_BUFFER, read_half);
    let max = context.cluster.connect_options().max_response_size;
    loop {
        let frame = read_frame(&mut reader, max, label).await?;
        let (waiting, version, body_start) = {
            let mut state = lock(state);
            let (token, version, body_start) = match state.conn.handle_frame(&frame) {
                Ok(Event::Response(response)) => (
                    response.token,
                    response.api_version,
                    frame.len() - response.body.len(),
                ),
                Ok(_) => {
                    return Err(Error::protocol(format!(
                        "{label} sent a handshake response after the handshake"
                    )));
                }
                Err(error) => return Err(Error::from_conn(error, label, None)),
            };
            let waiting = usize::try_from(token)
                .ok()
                .and_then(|index| state.waiting.get_mut(index))
                .and_then(Option::take);
            (waiting, version, body_start)
        };
        if let Some(waiting) = waiting {
            let response = ResponseFrame::new(ApiKey::Produce, version, frame, body_start);
            let sent = Sent {
                node: -1,
                batches: waiting.batches.take(),
                topic_ids: waiting.topic_ids,
                result: Ok(Some(response)),
            };
            complete(context, sent, waiting.ticket);
        }
        let _ = room.try_send(());
    }
}

#[allow(clippy::too_many_arguments)]
async fn write_loop(
    mut write_half: WriteHalf<crate::net::Stream>,
    state: &Mutex<State<'_>>,
    context: &LinkContext,
    node: i32,
    label: &str,
    room: &async_channel::Receiver<()>,
    wake: &async_channel::Sender<()>,
    now: impl Fn() -> franzl_core::conn::Instant,
) -> Result<()> {
    let mut head = Vec::new();
    let mut gaps: Vec<Gap> = Vec::new();
    let mut scratch = Vec::new();
    let accumulator = Arc::clone(&context.accumulator);
    loop {
        while lock(state).conn.in_flight() >= context.max_in_flight.max(1) {
            if room.recv().await.is_err() {
                return Ok(());
            }
        }
        listener!(accumulator.wake => woken);
        if accumulator.is_done() && lock(state).conn.in_flight() == 0 {
            return Ok(());
        }
        let drained_at = Instant::now();
        let Some((mut batches, ticket)) = drain(context, node, drained_at) else {
            // Nothing for this broker now: wait for `send`, an answer, or the next deadline.
            // One passed before the drain belongs to a batch this link cannot send yet (and
            // whatever frees it wakes the link); one passed since is due now.
            let cluster = &context.cluster;
            let deadline = accumulator.next_deadline(&mut |topic, partition| {
                cluster.cached_leader(topic, partition) == Some(node)
            });
            match deadline {
                Some(at) if at > drained_at => {
                    future::or(woken, async {
                        Timer::at(at).await;
                    })
                    .await;
                }
                _ => woken.await,
            }
            continue;
        };
        seal(context, &mut batches, &mut scratch);
        if batches.is_empty() {
            continue;
        }
        let batches = Unanswered::new(batches);
        let expects_response = context.settings.acks != 0;
        let framed = {
            let mut state = lock(state);
            let token = state
                .waiting
                .iter()
                .position(Option::is_none)
                .unwrap_or(state.waiting.len());
            let version = state.conn.versions().get(ApiKey::Produce);
            let conn = &mut state.conn;
            request::with_request(
                &context.cluster,
                node,
                version,
                &context.settings,
                batches.get(),
                |produce, version| {
                    frame(
                        conn,
                        produce,
                        version,
                        token,
                        expects_response,
                        now(),
                        &mut head,
                        &mut gaps,
                        label,
                    )
                },
            )
            .map(|(len, topic_ids)| (token, len, topic_ids))
        };
        let (token, head_len, topic_ids) = match framed {
            Ok(framed) => framed,
            Err(error) => {
                let fatal = !lock(state).conn.is_ready();
                let sent = Sent {
                    node,
                    batches: batches.take(),
                    topic_ids: Vec::new(),
                    result: Err(error.clone()),
                };
                complete(context, sent, ticket);
                if fatal {
                    return Err(error);
                }
                continue;
            }
        };
        let written = {
            let head = head.get(..head_len).unwrap_or_default();
            let mut slices = Vec::with_capacity(gaps.len() * 2 + 1);
            let mut from = 0;
            for (gap, (_, batch)) in gaps.iter().zip(batches.get()) {
                slices.push(IoSlice::new(head.get(from..gap.at).unwrap_or_default()));
                slices.push(IoSlice::new(batch.wire()));
                from = gap.at;
            }
            slices.push(IoSlice::new(head.get(from..).unwrap_or_default()));
            write_all_vectored(&mut write_half, &mut slices).await
        };
        let written = match written {
            Ok(()) => write_half.flush().await,
            Err(error) => Err(error),
        };
        if let Err(error) = written {
            let error = Error::io(format!("writing to {label}"), error);
            let sent = Sent {
                node,
                batches: batches.take(),
                topic_ids,
                result: Err(error.clone()),
            };
            // The request may be half written: the connection cannot go on.
            let mut state = lock(state);
            state.conn.drain_in_flight().for_each(drop);
            drop(state);
            complete(context, sent, ticket);
            return Err(error);
        }
        if expects_response {
            let mut state = lock(state);
            if token == state.waiting.len() {
                state.waiting.push(None);
            }
            if let Some(slot) = state.waiting.get_mut(token) {
                *slot = Some(Waiting {
                    batches,
                    topic_ids,
                    ticket,
                });
            }
            drop(state);
            let _ = wake.try_send(());
        } else {
            let sent = Sent {
                node,
                batches: batches.take(),
                topic_ids,
                result: Ok(None),
            };
            complete(context, sent, ticket);
        }
    }
}

/// Frames `produce` into `head` (growing it as needed), its batches left out as `gaps`; returns
/// the length of `head` to write.
#[allow(clippy::too_many_arguments)]
fn frame(
    conn: &mut Conn<'_>,
    produce: &ProduceRequest<'_>,
    version: i16,
    token: usize,
    expects_response: bool,
    now: franzl_core::conn::Instant,
    head: &mut Vec<u8>,
    gaps: &mut Vec<Gap>,
    label: &str,
) -> Result<usize> {
    let token = u32::try_from(token).unwrap_or(u32::MAX);
    loop {
        let result = conn.send_gathered(
            produce,
            version,
            token,
            expects_response,
            now,
            head,
            std::mem::take(gaps),
        );
        match result {
            Ok((sent, list)) => {
                *gaps = list;
                let batches = produce
                    .topic_data
                    .iter()
                    .map(|topic| topic.partition_data.iter().count())
                    .sum::<usize>();
                if gaps.len() != batches {
                    return Err(Error::protocol(format!(
                        "a Produce request to {label} framed {} record sets for {batches} batches",
                        gaps.len()
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

async fn timer_loop(
    state: &Mutex<State<'_>>,
    label: &str,
    wake: &async_channel::Receiver<()>,
    request_timeout: Duration,
    now: impl Fn() -> franzl_core::conn::Instant,
) -> Result<()> {
    loop {
        let deadline = lock(state).conn.poll_timeout();
        match deadline {
            None => {
                if wake.recv().await.is_err() {
                    return Ok(());
                }
            }
            Some(deadline) => {
                let wait = deadline.saturating_duration_since(now());
                future::or(
                    async {
                        Timer::after(wait + Duration::from_millis(1)).await;
                    },
                    async {
                        let _ = wake.recv().await;
                    },
                )
                .await;
                let expired = lock(state).conn.handle_timeout(now());
                if let Some(expired) = expired {
                    return Err(Error::Timeout {
                        what: format!(
                            "Produce response from {label} (correlation id {})",
                            expired.correlation_id
                        ),
                        after: request_timeout,
                    });
                }
            }
        }
    }
}

/// Judges a finished request's batches and completes them in the accumulator.
fn complete(context: &LinkContext, sent: Sent, ticket: Ticket) {
    if request::settle(&context.cluster, &context.accumulator, sent) {
        context.shared.ask_new_epoch();
    }
    drop(ticket);
}

/// Takes the batches ready for `node`, stamped with the producer's current stamp, and counts
/// their request in flight; `None` when there are none or the stamp is being renewed.
fn drain(context: &LinkContext, node: i32, now: Instant) -> Option<(Batches, Ticket)> {
    let stamping = context.shared.stamping();
    let stamp = match *stamping {
        Stamping::Waiting => return None,
        Stamping::Plain => None,
        Stamping::Ready(stamp) => Some(stamp),
    };
    let cluster = &context.cluster;
    // Topics without a leader are the sender's to look up (it finds them itself).
    let mut missing_leaders = Vec::new();
    let (drained, bump) = context.accumulator.drain(
        now,
        &mut |topic, partition| cluster.cached_leader(topic, partition),
        &mut |leader| leader == node,
        stamp,
        &mut missing_leaders,
    );
    if bump && stamp.is_some() {
        context.shared.ask_new_epoch();
        context.accumulator.wake.notify(usize::MAX);
    }
    let batches = drained.into_iter().next()?.batches;
    let ticket = Ticket::new(&context.shared, &context.accumulator);
    drop(stamping);
    Some((batches, ticket))
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
