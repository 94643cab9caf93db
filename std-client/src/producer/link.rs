//! [`Link`]: the producer's task for one broker, which owns its own Produce connection.
//!
//! The sender drains the batches ready for a broker and hands them to that broker's link; the
//! link frames the Produce request with the core's gathering writer (a small header, then each
//! batch's own buffer: the batch bytes are never copied into a request frame), writes it with
//! one vectored write, reads the responses, judges each batch and completes it in the
//! accumulator, which resolves the deliveries. A record so crosses caller -> sender -> link ->
//! caller, and the link's connection carries nothing but Produce requests (a fetch long poll or
//! a metadata request never waits behind them, nor they behind it).
//!
//! Contract:
//! - Requests are written in the order the sender handed them over, at most
//!   `max.in.flight.requests.per.connection` awaiting answers; the broker answers in order.
//! - The core connection carries each request's slot as its token: no second correlation table.
//! - A connection that cannot be opened, or that fails, fails every request it holds or is
//!   handed with that (retriable) error, then the link stops; the sender opens a new link for
//!   the next request to that broker. A request not answered within `request.timeout.ms` fails
//!   the connection the same way.
//! - A request's batches are always completed exactly once: answered, failed with the
//!   connection's error, or, if the link is dropped (its task panicked), failed as "may or may
//!   not have been written"; each completion wakes the sender.

use std::io::IoSlice;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_io::Timer;
use franzl_core::conn::{ConnError, Event};
use franzl_core::messages::ApiKey;
use franzl_core::messages::produce::ProduceRequest;
use franzl_core::wire::Gap;
use futures_lite::io::{BufReader, ReadHalf, WriteHalf};
use futures_lite::{AsyncWriteExt, future};

use super::accumulator::Accumulator;
use super::batch::ProducerBatch;
use super::request::{self, RequestSettings, Sent, Unanswered};
use crate::broker::{Clock, Conn, ResponseFrame, establish, read_frame, write_all_vectored};
use crate::broker::{connection_config, sasl_nonce};
use crate::cluster::Client;
use crate::error::{Error, Result};

/// Bytes of the read buffer in front of the stream (Produce responses are small).
const READ_BUFFER: usize = 16 * 1024;

/// One request the sender hands to a link.
pub(crate) struct Handoff {
    pub(crate) batches: Vec<(Arc<str>, ProducerBatch)>,
}

/// What the sender keeps of a link.
pub(crate) struct Link {
    requests: async_channel::Sender<Handoff>,
    shared: Arc<LinkShared>,
}

/// What a link and the sender share.
#[derive(Debug, Default)]
pub(crate) struct LinkShared {
    /// Requests handed over and not yet completed.
    pub(crate) in_flight: AtomicUsize,
    /// Set when a completed batch asks for a new producer epoch.
    pub(crate) needs_new_epoch: AtomicBool,
}

/// Everything a link task works with.
#[derive(Clone)]
pub(crate) struct LinkContext {
    pub(crate) cluster: Client,
    pub(crate) accumulator: Arc<Accumulator>,
    pub(crate) settings: RequestSettings,
    pub(crate) max_in_flight: usize,
    /// Shared by every link of the producer.
    pub(crate) producer: Arc<LinkShared>,
}

impl Link {
    /// Starts the link task for broker `node`.
    pub(crate) fn start(node: i32, context: LinkContext) -> Self {
        let (requests, handed) = async_channel::unbounded();
        let shared = Arc::new(LinkShared::default());
        let spawner = context.cluster.config().spawner.clone();
        let task = run(node, context, Arc::clone(&shared), handed);
        crate::runtime::spawn(
            spawner.as_ref(),
            format!("producer link to broker {node}"),
            task,
        );
        Self { requests, shared }
    }

    /// Whether the link can take another request now.
    pub(crate) fn has_room(&self, limit: usize) -> bool {
        !self.requests.is_closed() && self.shared.in_flight.load(Ordering::Acquire) < limit
    }

    /// Whether the link has stopped (its connection failed).
    pub(crate) fn is_closed(&self) -> bool {
        self.requests.is_closed()
    }

    /// Requests handed over and not completed.
    pub(crate) fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::Acquire)
    }

    /// Hands `batches` to the link; they come back through the accumulator.
    pub(crate) fn hand_over(&self, batches: Vec<(Arc<str>, ProducerBatch)>, context: &LinkContext) {
        let ticket = Ticket::new(&self.shared, context);
        let handoff = Handoff { batches };
        if let Err(refused) = self.requests.try_send(handoff) {
            // The link stopped between the check and now: fail them as its connection did.
            let error = Error::Closed {
                what: "the producer's connection".into(),
            };
            let Handoff { batches } = refused.into_inner();
            complete(
                context,
                Sent {
                    node: -1,
                    batches,
                    topic_ids: Vec::new(),
                    result: Err(error),
                },
                ticket,
            );
            return;
        }
        std::mem::forget(ticket);
    }
}

/// One request counted in flight: dropped, it is counted out and the sender woken.
struct Ticket {
    link: Arc<LinkShared>,
    accumulator: Arc<Accumulator>,
}

impl Ticket {
    fn new(link: &Arc<LinkShared>, context: &LinkContext) -> Self {
        link.in_flight.fetch_add(1, Ordering::AcqRel);
        Self {
            link: Arc::clone(link),
            accumulator: Arc::clone(&context.accumulator),
        }
    }

    /// The ticket of a request already counted by [`Link::hand_over`].
    fn counted(link: &Arc<LinkShared>, context: &LinkContext) -> Self {
        Self {
            link: Arc::clone(link),
            accumulator: Arc::clone(&context.accumulator),
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.link.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.accumulator.wake.notify(usize::MAX);
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

/// The link task: connect, then serve until the connection fails or the sender is gone.
async fn run(
    node: i32,
    context: LinkContext,
    shared: Arc<LinkShared>,
    handed: async_channel::Receiver<Handoff>,
) {
    let error = serve(node, &context, &shared, &handed).await;
    handed.close();
    log::debug!("producer link to broker {node} stopped: {error}");
    while let Ok(Handoff { batches }) = handed.try_recv() {
        let sent = Sent {
            node,
            batches,
            topic_ids: Vec::new(),
            result: Err(error.clone()),
        };
        complete(&context, sent, Ticket::counted(&shared, &context));
    }
}

/// Connects and serves; returns why it stopped (every request it held is completed).
async fn serve(
    node: i32,
    context: &LinkContext,
    shared: &Arc<LinkShared>,
    handed: &async_channel::Receiver<Handoff>,
) -> Error {
    let options = Arc::clone(context.cluster.connect_options());
    let address = match context.cluster.broker_address(node).await {
        Ok(address) => address,
        Err(error) => return error,
    };
    let label = format!("broker {node} ({address}) for produce");
    let clock = Clock::start();
    let now = move || clock.now();
    let nonce = match sasl_nonce(&options) {
        Ok(nonce) => nonce,
        Err(error) => return error,
    };
    let mut conn = Conn::new(connection_config(&options, &nonce));
    let stream = match establish(&mut conn, &address, &options, &label, now).await {
        Ok((stream, _)) => stream,
        Err(error) => return error,
    };
    let (read_half, write_half) = futures_lite::io::split(stream);
    let state = Mutex::new(State {
        conn,
        waiting: Vec::new(),
    });
    let (room_tx, room_rx) = async_channel::bounded::<()>(1);
    let (wake_tx, wake_rx) = async_channel::bounded::<()>(1);
    let reader = read_loop(read_half, &state, context, &label, &room_tx);
    let writer = write_loop(
        write_half, &state, context, shared, node, &label, handed, &room_rx, &wake_tx, now,
    );
    let timer = timer_loop(&state, &label, &wake_rx, options.request_timeout, now);
    let outcome = future::or(future::or(writer, reader), timer).await;
    let error = match outcome {
        Ok(()) => Error::Closed {
            what: format!("connection to {label}"),
        },
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
    error
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
    shared: &Arc<LinkShared>,
    node: i32,
    label: &str,
    handed: &async_channel::Receiver<Handoff>,
    room: &async_channel::Receiver<()>,
    wake: &async_channel::Sender<()>,
    now: impl Fn() -> franzl_core::conn::Instant,
) -> Result<()> {
    let mut head = Vec::new();
    let mut gaps: Vec<Gap> = Vec::new();
    loop {
        while lock(state).conn.in_flight() >= context.max_in_flight.max(1) {
            if room.recv().await.is_err() {
                return Ok(());
            }
        }
        let Ok(Handoff { batches }) = handed.recv().await else {
            // The sender is gone and nothing more will come.
            return Ok(());
        };
        let ticket = Ticket::counted(shared, context);
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
        context
            .producer
            .needs_new_epoch
            .store(true, Ordering::Release);
    }
    drop(ticket);
}

/// The link's state, for one step between awaits.
fn lock<'s, 'c>(state: &'s Mutex<State<'c>>) -> MutexGuard<'s, State<'c>> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}
