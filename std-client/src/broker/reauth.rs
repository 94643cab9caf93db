//! Re-authentication of a ready connection before the broker's SASL session ends (KIP-368).
//!
//! A broker whose listener sets `connections.max.reauth.ms` gives each SASL session a lifetime
//! (in SaslAuthenticate v1+) and closes the connection on the first request it receives after
//! that, unless the connection re-authenticated. The task that writes a connection's requests
//! (the pipeline's writer, a producer link's) calls [`Session::renew_if_due`] before each
//! request it sends: once due (at a random point between 85 % and 95 % of the lifetime, as the
//! Java client does), that runs SaslHandshake and SaslAuthenticate on the same connection,
//! the broker's answers read by the task's reader like any response. Requests in flight stay in
//! flight; no new request is written until the session is renewed. A connection that is idle
//! when its session ends re-authenticates before its next request, which a broker accepts.
//!
//! For SCRAM the connection's client nonce is used again (the core connection borrows it for
//! the connection's lifetime); the broker's part of the combined nonce is new in each exchange.

use super::driver::Conn;
use crate::error::{Error, Result};
use franzl_core::conn::{ConnError, Instant};
use franzl_core::wire::EncodeError;
use futures_lite::{AsyncWrite, AsyncWriteExt};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use zeroize::{Zeroize, Zeroizing};

/// Off only in tests that show what a broker does to a connection that does not renew its
/// session (see [`crate::testing`]).
static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns re-authentication on or off for every connection of the process made afterwards.
pub(crate) fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// The state of a task that owns a connection, which holds the sans-I/O connection.
pub(crate) trait HoldsConn<'c> {
    /// The connection.
    fn conn(&mut self) -> &mut Conn<'c>;
}

/// A connection's SASL session: when it is to be renewed, and the SCRAM nonce to renew it with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Session<'c> {
    nonce: &'c str,
    due: Option<std::time::Instant>,
    lifetime: Option<Duration>,
}

impl<'c> Session<'c> {
    /// The session `conn` has just authenticated: due at a random point of its lifetime, or
    /// never when the broker gave none.
    pub(crate) fn authenticated(conn: &Conn<'c>, nonce: &'c str) -> Self {
        let random = crate::net::fresh_seed(0x5e55);
        let delay = ENABLED
            .load(Ordering::Relaxed)
            .then(|| conn.reauthentication_delay(random as u32))
            .flatten();
        Self {
            nonce,
            due: delay.map(|delay| std::time::Instant::now() + delay),
            lifetime: conn.session_lifetime(),
        }
    }

    /// Whether the session must be renewed before the next request.
    fn is_due(&self) -> bool {
        self.due.is_some_and(|due| std::time::Instant::now() >= due)
    }

    /// Renews the session if it is due, before the task's next request: writes each SASL
    /// frame the connection in `state` produces, calls `sent` after each (the task's timer
    /// then watches its deadline: a broker that does not answer times the connection out), and
    /// waits on `listen` (made before each look, so no answer is missed) for the task's reader
    /// to hand the broker's answer to the connection. Frames are wiped from the buffer once
    /// written.
    ///
    /// # Errors
    /// The write's error; a refused re-authentication ([`Error::Authentication`]); the
    /// connection closed meanwhile. The connection cannot go on after any of them.
    pub(crate) async fn renew_if_due<W, L>(
        &mut self,
        write_half: &mut W,
        label: &str,
        state: &Mutex<impl HoldsConn<'c>>,
        now: impl Fn() -> Instant,
        mut listen: impl FnMut() -> L,
        sent: impl Fn(),
    ) -> Result<()>
    where
        W: AsyncWrite + Unpin,
        L: Future,
    {
        if !self.is_due() {
            return Ok(());
        }
        let mut out = Zeroizing::new(vec![0u8; 512]);
        let writing = |error| Error::io(format!("writing to {label}"), error);
        let mut begin = true;
        loop {
            let answered = listen();
            let looked = {
                let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
                step(state.conn(), self.nonce, begin, now(), &mut out)
            };
            begin = false;
            match looked {
                Ok(Step::Write(len)) => {
                    let frame = out.get(..len).unwrap_or_default();
                    write_half.write_all(frame).await.map_err(writing)?;
                    write_half.flush().await.map_err(writing)?;
                    out.as_mut_slice().zeroize();
                    sent();
                }
                Ok(Step::Wait) => {
                    answered.await;
                }
                Ok(Step::Done(renewed)) => {
                    log::debug!(
                        "re-authenticated to {label} (the session lasted {:?}; the new one {:?})",
                        self.lifetime,
                        renewed.lifetime
                    );
                    *self = renewed;
                    return Ok(());
                }
                Err(ConnError::Encode(EncodeError::BufferTooSmall { needed })) => {
                    out = Zeroizing::new(vec![0u8; needed]);
                }
                Err(error) => return Err(Error::from_conn(error, label, None)),
            }
        }
    }
}

/// What one look at the connection during a re-authentication found.
enum Step<'c> {
    /// A SASL request of this many bytes is in the buffer: write it.
    Write(usize),
    /// The broker's answer is awaited (the reader hands it to the connection).
    Wait,
    /// The session is renewed: this one.
    Done(Session<'c>),
}

/// One look at `conn` during a re-authentication, which the first look (`begin`) starts with
/// the SCRAM `nonce`: the next SASL frame into `out`, or what to wait for. A full in-flight
/// table waits for an answer.
///
/// # Errors
/// As [`Conn::begin_reauthentication`] and [`Conn::poll_transmit`]; [`ConnError::Closed`]
/// when an answer closed the connection.
fn step<'c>(
    conn: &mut Conn<'c>,
    nonce: &'c str,
    begin: bool,
    now: Instant,
    out: &mut [u8],
) -> Result<Step<'c>, ConnError> {
    if begin {
        conn.begin_reauthentication(nonce)?;
    } else if conn.is_ready() {
        return Ok(Step::Done(Session::authenticated(conn, nonce)));
    }
    if conn.is_closed() {
        return Err(ConnError::Closed);
    }
    match conn.poll_transmit(now, out) {
        Ok(0) | Err(ConnError::InFlightFull) => Ok(Step::Wait),
        Ok(len) => Ok(Step::Write(len)),
        Err(error) => Err(error),
    }
}
