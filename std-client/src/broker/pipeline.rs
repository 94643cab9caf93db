//! The ready connection: requests written as they come (up to `max_in_flight` awaiting
//! responses), responses read and routed by correlation id, deadlines watched.
//!
//! Three loops run concurrently in the driver's one task and share the sans-I/O connection
//! through a `Mutex` (uncontended, never held across an await): the writer, the reader and the timer.
//! The first to fail ends the connection; every request in flight or queued then fails with a
//! copy of that error.

use super::driver::{Conn, Shared};
use super::frame_io::read_frame;
use super::hex_dump;
use super::options::ConnectOptions;
use super::response::ResponseFrame;
use crate::error::{Error, Result};
use crate::net::Stream;
use async_channel::{Receiver, Sender};
use async_io::Timer;
use franzl_core::conn::{ConnError, Event, Instant};
use franzl_core::messages::ApiKey;
use futures_lite::io::{BufReader, ReadHalf, WriteHalf};
use futures_lite::{AsyncWriteExt, future};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A reply to one request: the response, or `None` for a request that gets none.
pub(super) type Reply = Result<Option<ResponseFrame>>;

/// One request on its way to the driver.
#[derive(Debug)]
pub(super) struct Outgoing {
    /// The whole frame, correlation id still to be patched in.
    pub(super) frame: Vec<u8>,
    /// False for acks=0 Produce.
    pub(super) expects_response: bool,
    /// Where the reply goes (a bounded(1) channel used as a oneshot).
    pub(super) reply: Sender<Reply>,
}

/// Bytes of the read buffer in front of the stream.
const READ_BUFFER: usize = 64 * 1024;

struct State<'c> {
    conn: Conn<'c>,
    waiting: HashMap<i32, Sender<Reply>>,
}

/// Serves requests until the connection fails or the request channel closes.
pub(super) async fn serve(
    stream: Stream,
    conn: Conn<'_>,
    options: &ConnectOptions,
    label: &str,
    shared: &Shared,
    requests: &Receiver<Outgoing>,
    now: impl Fn() -> Instant + Copy,
) {
    let (read_half, write_half) = futures_lite::io::split(stream);
    let state = Mutex::new(State {
        conn,
        waiting: HashMap::new(),
    });
    // Signals as bounded(1) channels: "a response freed a slot", "a deadline was added".
    let (room_tx, room_rx) = async_channel::bounded::<()>(1);
    let (wake_tx, wake_rx) = async_channel::bounded::<()>(1);
    let reader = read_loop(read_half, &state, options, label, &room_tx);
    let writer = write_loop(
        write_half, &state, options, label, shared, requests, &room_rx, &wake_tx, now,
    );
    let timer = timer_loop(&state, options, label, &wake_rx, now);
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
    requests.close();
    let mut state = state.into_inner().unwrap_or_else(PoisonError::into_inner);
    let unanswered: Vec<i32> = state
        .conn
        .drain_in_flight()
        .map(|pending| pending.correlation_id)
        .collect();
    for id in unanswered {
        if let Some(reply) = state.waiting.remove(&id) {
            let _ = reply.try_send(Err(error.clone()));
        }
    }
    for (_, reply) in state.waiting.drain() {
        let _ = reply.try_send(Err(error.clone()));
    }
    while let Ok(outgoing) = requests.try_recv() {
        let _ = outgoing.reply.try_send(Err(error.clone()));
    }
}

async fn read_loop(
    read_half: ReadHalf<Stream>,
    state: &Mutex<State<'_>>,
    options: &ConnectOptions,
    label: &str,
    room: &Sender<()>,
) -> Result<()> {
    let mut reader = BufReader::with_capacity(READ_BUFFER, read_half);
    loop {
        let frame = read_frame(&mut reader, options.max_response_size, label).await?;
        if options.hex_dump {
            hex_dump::log_frame(&format!("received from {label}"), &frame);
        }
        let mut state = lock(state);
        let (id, api_key, version, body_start) = match state.conn.handle_frame(&frame) {
            Ok(Event::Response(response)) => (
                response.correlation_id,
                response.api_key,
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
        let api = ApiKey::from_key(api_key)
            .ok_or_else(|| Error::protocol(format!("unknown API key {api_key}")))?;
        if let Some(reply) = state.waiting.remove(&id) {
            let _ = reply.try_send(Ok(Some(ResponseFrame::new(
                api, version, frame, body_start,
            ))));
        }
        let _ = room.try_send(());
    }
}

#[allow(clippy::too_many_arguments)]
async fn write_loop(
    mut write_half: WriteHalf<Stream>,
    state: &Mutex<State<'_>>,
    options: &ConnectOptions,
    label: &str,
    shared: &Shared,
    requests: &Receiver<Outgoing>,
    room: &Receiver<()>,
    wake: &Sender<()>,
    now: impl Fn() -> Instant,
) -> Result<()> {
    loop {
        while lock(state).conn.in_flight() >= options.max_in_flight {
            if room.recv().await.is_err() {
                return Ok(());
            }
        }
        let Ok(mut outgoing) = requests.recv().await else {
            // Every handle is gone.
            return Ok(());
        };
        let sent = {
            let mut state = lock(state);
            let sent =
                state
                    .conn
                    .send_encoded(&mut outgoing.frame, outgoing.expects_response, now());
            if let Ok(Some(id)) = sent {
                state.waiting.insert(id, outgoing.reply.clone());
            }
            sent
        };
        match sent {
            Ok(Some(_)) => {
                let _ = wake.try_send(());
            }
            Ok(None) => {}
            Err(error @ (ConnError::NotReady | ConnError::Closed)) => {
                return Err(Error::from_conn(error, label, None));
            }
            Err(error) => {
                let _ = outgoing
                    .reply
                    .try_send(Err(Error::from_conn(error, label, None)));
                continue;
            }
        }
        if options.hex_dump {
            hex_dump::log_frame(&format!("sent to {label}"), &outgoing.frame);
        }
        write_half
            .write_all(&outgoing.frame)
            .await
            .map_err(|error| Error::io(format!("writing to {label}"), error))?;
        write_half
            .flush()
            .await
            .map_err(|error| Error::io(format!("writing to {label}"), error))?;
        if !outgoing.expects_response {
            let _ = outgoing.reply.try_send(Ok(None));
        }
        shared.give_buffer(outgoing.frame);
    }
}

async fn timer_loop(
    state: &Mutex<State<'_>>,
    options: &ConnectOptions,
    label: &str,
    wake: &Receiver<()>,
    now: impl Fn() -> Instant,
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
                // Woken early by a new request: its deadline is later, so just wait again.
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
                    let api = ApiKey::from_key(expired.api_key).map_or("request", ApiKey::name);
                    return Err(Error::Timeout {
                        what: format!(
                            "{api} response from {label} (correlation id {})",
                            expired.correlation_id
                        ),
                        after: options.request_timeout,
                    });
                }
            }
        }
    }
}

/// The connection state, for one step between awaits (a panic elsewhere leaves it usable).
fn lock<'s, 'c>(state: &'s Mutex<State<'c>>) -> MutexGuard<'s, State<'c>> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}
