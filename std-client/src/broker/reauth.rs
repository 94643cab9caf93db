//! Re-authentication of a ready connection before the broker's SASL session ends (KIP-368).
//!
//! A broker whose listener sets `connections.max.reauth.ms` gives each SASL session a lifetime
//! (in SaslAuthenticate v1+) and closes the connection on the first request it receives after
//! that, unless the connection re-authenticated. The task that writes a connection's requests
//! (the pipeline's writer, a producer link's) checks [`Session::is_due`] before each request it
//! sends: once due (at a random point between 85 % and 95 % of the lifetime, as the Java client
//! does), [`Session::renew`] runs SaslHandshake and SaslAuthenticate on the same connection,
//! the broker's answers read by the task's reader like any response. Requests in flight stay in
//! flight; no new request is written until the session is renewed. A connection that is idle
//! when its session ends re-authenticates before its next request, which a broker accepts.
//! Each re-authentication has a fresh SCRAM client nonce, as each connection has.

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

/// A connection's SASL session: when it is to be renewed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Session {
    due: Option<std::time::Instant>,
    lifetime: Option<Duration>,
}

impl Session {
    /// The session `conn` has just authenticated: due at a random point of its lifetime, or
    /// never when the broker gave none.
    pub(crate) fn authenticated(conn: &Conn<'_>) -> Self {
        let random = crate::net::fresh_seed(0x5e55);
        let delay = ENABLED
            .load(Ordering::Relaxed)
            .then(|| conn.reauthentication_delay(random as u32))
            .flatten();
        Self {
            due: delay.map(|delay| std::time::Instant::now() + delay),
            lifetime: conn.session_lifetime(),
        }
    }

    /// Whether the session must be renewed ([`Session::renew`]) before the next request.
    pub(crate) fn is_due(&self) -> bool {
        self.due.is_some_and(|due| std::time::Instant::now() >= due)
    }

    /// Renews the session, before the task's next request: writes each SASL
    /// frame the connection in `state` produces, calls `sent` after each (the task's timer
    /// then watches its deadline: a broker that does not answer times the connection out), and
    /// waits on `listen` (made before each look, so no answer is missed) for the task's reader
    /// to hand the broker's answer to the connection. Frames are wiped from the buffer once
    /// written.
    ///
    /// # Errors
    /// The write's error; a refused re-authentication ([`Error::Authentication`]); the
    /// connection closed meanwhile; the system's random source failing (the nonce). The
    /// connection cannot go on after any of them.
    pub(crate) async fn renew<'c, W, L>(
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
        let mut out = Zeroizing::new(vec![0u8; 512]);
        let writing = |error| Error::io(format!("writing to {label}"), error);
        let nonce = super::nonce::new_nonce()?;
        let mut begin = Some(nonce.as_str());
        loop {
            let answered = listen();
            let looked = {
                let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
                step(state.conn(), begin.take(), now(), &mut out)
            };
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
enum Step {
    /// A SASL request of this many bytes is in the buffer: write it.
    Write(usize),
    /// The broker's answer is awaited (the reader hands it to the connection).
    Wait,
    /// The session is renewed: this one.
    Done(Session),
}

/// One look at `conn` during a re-authentication, which the first look starts with the SCRAM
/// nonce it is given (`begin`): the next SASL frame into `out`, or what to wait for. A full
/// in-flight table waits for an answer.
///
/// # Errors
/// As [`Conn::begin_reauthentication`] and [`Conn::poll_transmit`]; [`ConnError::Closed`]
/// when an answer closed the connection.
fn step(
    conn: &mut Conn<'_>,
    begin: Option<&str>,
    now: Instant,
    out: &mut [u8],
) -> Result<Step, ConnError> {
    if let Some(nonce) = begin {
        conn.begin_reauthentication(nonce)?;
    } else if conn.is_ready() {
        return Ok(Step::Done(Session::authenticated(conn)));
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
