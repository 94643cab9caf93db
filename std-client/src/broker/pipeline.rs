//! The ready connection: requests written as they come (up to `max_in_flight` awaiting
//! responses), responses read and routed by correlation id, deadlines watched.
//!
//! Three loops run concurrently in the driver's one task and share the sans-I/O connection
//! through a `Mutex` (uncontended, never held across an await): the writer, the reader and the timer.
//! The first to fail ends the connection; every request in flight or queued then fails with a
//! copy of that error.

use super::driver::{Conn, Shared};
use super::frame_io::{read_frame, write_all_vectored};
use super::hex_dump;
use super::options::ConnectOptions;
use super::race::race3;
use super::reauth::{HoldsConn, Session};
use super::response::ResponseFrame;
use crate::error::{Error, Result};
use crate::net::Deadline;
use crate::net::{Stream, StreamReader, StreamWriter};
use async_channel::{Receiver, Sender};
use franzl_core::conn::{ConnError, Event, Instant};
use franzl_core::messages::ApiKey;
use futures_lite::io::BufReader;
use futures_lite::{AsyncWriteExt, future};
use std::io::IoSlice;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A reply to one request: the response, or `None` for a request that gets none.
pub(super) type Reply = Result<Option<ResponseFrame>>;

/// One request on its way to the driver.
#[derive(Debug)]
pub(super) struct Outgoing {
    /// Its API and version, for the header the driver writes.
    pub(super) api: ApiKey,
    pub(super) version: i16,
    /// The encoded body (the header is framed by the driver, under its correlation id).
    pub(super) body: Vec<u8>,
    /// False for acks=0 Produce.
    pub(super) expects_response: bool,
    /// Where the reply goes (a bounded(1) channel used as a oneshot).
    pub(super) reply: Sender<Reply>,
}

/// Bytes of the read buffer in front of the stream.
const READ_BUFFER: usize = 64 * 1024;

struct State<'c> {
    conn: Conn<'c>,
    /// Where each request in flight is answered, at the index of its token in the connection.
    waiting: Vec<Option<Sender<Reply>>>,
    /// Where the request that waits for the session's renewal is answered, if it fails.
    renewing_for: Option<Sender<Reply>>,
}

impl<'c> HoldsConn<'c> for State<'c> {
    fn conn(&mut self) -> &mut Conn<'c> {
        &mut self.conn
    }
}

impl State<'_> {
    /// A free token for the next request's reply.
    fn free_token(&self) -> usize {
        self.waiting
            .iter()
            .position(Option::is_none)
            .unwrap_or(self.waiting.len())
    }

    fn take_reply(&mut self, token: u32) -> Option<Sender<Reply>> {
        let index = usize::try_from(token).ok()?;
        self.waiting.get_mut(index).and_then(Option::take)
    }
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
    let (read_half, write_half) = stream.split();
    let state = Mutex::new(State {
        conn,
        waiting: Vec::new(),
        renewing_for: None,
    });
    // Signals as bounded(1) channels: "a response freed a slot", "a deadline was added".
    let (room_tx, room_rx) = async_channel::bounded::<()>(1);
    let (wake_tx, wake_rx) = async_channel::bounded::<()>(1);
    let reader = read_loop(read_half, &state, options, label, &room_tx);
    let writer = write_loop(
        write_half, &state, options, label, shared, requests, &room_rx, &wake_tx, now,
    );
    let timer = timer_loop(&state, options, label, &wake_rx, now);
    let outcome = race3(writer, reader, timer).await;
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
    state.conn.drain_in_flight().for_each(drop);
    let renewing_for = state.renewing_for.take();
    for reply in state.waiting.drain(..).flatten().chain(renewing_for) {
        let _ = reply.try_send(Err(error.clone()));
    }
    while let Ok(outgoing) = requests.try_recv() {
        let _ = outgoing.reply.try_send(Err(error.clone()));
    }
}

async fn read_loop(
    read_half: StreamReader,
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
        let (token, api_key, version, body_start) = match state.conn.handle_frame(&frame) {
            Ok(Event::Response(response)) => (
                response.token,
                response.api_key,
                response.api_version,
                frame.len() - response.body.len(),
            ),
            // A step of a re-authentication: the writer goes on with it.
            Ok(Event::Handshake | Event::Ready) => {
                let _ = room.try_send(());
                continue;
            }
            Err(error) => {
                let text = state.conn.server_error_text();
                return Err(Error::from_conn(error, label, text));
            }
        };
        let api = ApiKey::from_key(api_key)
            .ok_or_else(|| Error::protocol(format!("unknown API key {api_key}")))?;
        if let Some(reply) = state.take_reply(token) {
            let _ = reply.try_send(Ok(Some(ResponseFrame::new(
                api, version, frame, body_start,
            ))));
        }
        let _ = room.try_send(());
    }
}

#[allow(clippy::too_many_arguments)]
async fn write_loop(
    mut write_half: StreamWriter,
    state: &Mutex<State<'_>>,
    options: &ConnectOptions,
    label: &str,
    shared: &Shared,
    requests: &Receiver<Outgoing>,
    room: &Receiver<()>,
    wake: &Sender<()>,
    now: impl Fn() -> Instant,
) -> Result<()> {
    // A request header: size, API key and version, correlation id, client id, tagged fields.
    let mut header = vec![0u8; 16 + options.client_id.len()];
    let mut session = Session::authenticated(&lock(state).conn);
    loop {
        while lock(state).conn.in_flight() >= options.max_in_flight {
            if room.recv().await.is_err() {
                return Ok(());
            }
        }
        let Ok(outgoing) = requests.recv().await else {
            // Every handle is gone.
            return Ok(());
        };
        if session.is_due() {
            // Held in the state while the session is renewed: if the connection fails
            // meanwhile, the request fails with its error.
            lock(state).renewing_for = Some(outgoing.reply.clone());
            let wake = || {
                let _ = wake.try_send(());
            };
            let renewing = session.renew(&mut write_half, label, state, &now, || room.recv(), wake);
            renewing.await?;
            lock(state).renewing_for = None;
        }
        let sent = {
            let mut state = lock(state);
            let token = state.free_token();
            let sent = state.conn.send_header(
                outgoing.api,
                outgoing.version,
                outgoing.body.len(),
                u32::try_from(token).unwrap_or(u32::MAX),
                outgoing.expects_response,
                now(),
                &mut header,
            );
            if let Ok(franzl_core::conn::Sent {
                correlation_id: Some(_),
                ..
            }) = sent
            {
                if token == state.waiting.len() {
                    state.waiting.push(None);
                }
                if let Some(slot) = state.waiting.get_mut(token) {
                    *slot = Some(outgoing.reply.clone());
                }
            }
            sent
        };
        let header_len = match sent {
            Ok(sent) => {
                if sent.correlation_id.is_some() {
                    let _ = wake.try_send(());
                }
                sent.len
            }
            Err(error @ (ConnError::NotReady | ConnError::Closed)) => {
                return Err(Error::from_conn(error, label, None));
            }
            Err(error) => {
                let _ = outgoing
                    .reply
                    .try_send(Err(Error::from_conn(error, label, None)));
                continue;
            }
        };
        let head = header.get(..header_len).unwrap_or_default();
        if options.hex_dump {
            let frame = [head, &outgoing.body].concat();
            hex_dump::log_frame(&format!("sent to {label}"), &frame);
        }
        let mut slices = [IoSlice::new(head), IoSlice::new(&outgoing.body)];
        write_all_vectored(&mut write_half, &mut slices)
            .await
            .map_err(|error| Error::io(format!("writing to {label}"), error))?;
        write_half
            .flush()
            .await
            .map_err(|error| Error::io(format!("writing to {label}"), error))?;
        if !outgoing.expects_response {
            let _ = outgoing.reply.try_send(Ok(None));
        }
        shared.give_buffer(outgoing.body);
    }
}

async fn timer_loop(
    state: &Mutex<State<'_>>,
    options: &ConnectOptions,
    label: &str,
    wake: &Receiver<()>,
    now: impl Fn() -> Instant,
) -> Result<()> {
    let mut timer = Deadline::new();
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
                timer.set(Some(
                    std::time::Instant::now() + wait + Duration::from_millis(1),
                ));
                // Woken early by a new request: its deadline is later, so just wait again.
                future::or(
                    async {
                        timer.wait().await;
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
