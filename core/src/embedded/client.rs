//! [`Client`]: the driver loop around one [`Connection`], over one transport, in two caller
//! buffers.
//!
//! Every call writes one request frame from the send buffer and, unless it expects no
//! response, reads frames into the receive buffer until the response arrives. One request is
//! in flight at a time. The typed calls (metadata, produce, fetch, list offsets) live in their
//! own files as further `impl` blocks.

use super::Clock;
use super::error::ClientError;
use super::link::Link;
use crate::conn::{
    ConnError, Connection, ConnectionConfig, Event, Instant, Pending, Response, Sent,
};
use crate::messages::Request;
use embedded_io_async::{Read, Write};

/// One request in flight at a time: the client waits for each response before the next call.
pub(super) const IN_FLIGHT: usize = 1;

/// An async Kafka client for one broker over an `embedded-io-async` transport (see the
/// [module docs](super) for buffers, call order and timeouts).
#[derive(Debug)]
pub struct Client<'b, 'c, T, C> {
    pub(super) conn: Connection<'c, IN_FLIGHT>,
    pub(super) link: Link<'b, T>,
    pub(super) tx: &'b mut [u8],
    pub(super) clock: C,
}

impl<'b, 'c, T: Read + Write, C: Clock> Client<'b, 'c, T, C> {
    /// A client over `transport` (already connected to the broker), with `tx` for request
    /// frames and `rx` for response frames. Call [`Client::connect`] next.
    pub fn new(
        transport: T,
        clock: C,
        config: ConnectionConfig<'c>,
        tx: &'b mut [u8],
        rx: &'b mut [u8],
    ) -> Self {
        Self {
            conn: Connection::new(config),
            link: Link::new(transport, rx),
            tx,
            clock,
        }
    }

    /// Starts over on a new transport (after an error closed the connection, or a timeout),
    /// keeping the buffers; returns the old transport. Call [`Client::connect`] next.
    ///
    /// `config` is taken anew because SCRAM needs a fresh nonce for every connection.
    pub fn reset(&mut self, transport: T, config: ConnectionConfig<'c>) -> T {
        self.conn = Connection::new(config);
        self.link.reset_reader();
        core::mem::replace(&mut self.link.transport, transport)
    }

    /// Runs the handshake: ApiVersions (with version negotiation), then SASL if the config
    /// has credentials.
    ///
    /// # Errors
    /// [`ClientError::Connection`] with [`ConnError::AuthenticationFailed`] when the broker
    /// refuses the credentials ([`Client::server_error_text`] has its words),
    /// [`ConnError::MechanismNotEnabled`], [`ConnError::VersionsRefused`]; transport and
    /// framing errors; [`ConnError::Encode`] when `tx` is too small for a handshake request.
    pub async fn connect(&mut self) -> Result<(), ClientError> {
        self.check_not_cancelled()?;
        loop {
            let now = self.clock.now();
            let len = self.conn.poll_transmit(now, self.tx)?;
            if len > 0 {
                let frame = self.tx.get(..len).unwrap_or_default();
                self.link.write_all(frame).await?;
            }
            if self.conn.is_ready() {
                return Ok(());
            }
            if self.conn.is_closed() {
                return Err(ConnError::Closed.into());
            }
            let frame = self.link.read_frame().await?;
            match self.conn.handle_frame(frame)? {
                Event::Ready => return Ok(()),
                Event::Handshake => {}
                // The connection hands out no responses before it is ready.
                Event::Response(response) => {
                    return Err(ConnError::UnknownCorrelationId(response.correlation_id).into());
                }
            }
        }
    }

    /// How long the broker keeps this connection's SASL session (KIP-368: a listener with
    /// `connections.max.reauth.ms`), or `None` when it does not limit it. The client does not
    /// re-authenticate by itself (it reads no clock between calls): call
    /// [`Client::reauthenticate`] before the session ends, at the point
    /// [`Client::reauthentication_delay`] gives after [`Client::connect`] (or the last
    /// re-authentication) returned; a broker closes the connection on the first request after it.
    pub fn session_lifetime(&self) -> Option<core::time::Duration> {
        self.conn.session_lifetime()
    }

    /// When to re-authenticate after the last authentication: between 85 % and 95 % of
    /// [`Client::session_lifetime`], placed by the caller's `random` (see
    /// [`Connection::reauthentication_delay`]).
    pub fn reauthentication_delay(&self, random: u32) -> Option<core::time::Duration> {
        self.conn.reauthentication_delay(random)
    }

    /// Re-authenticates on this connection (SaslHandshake and SaslAuthenticate again, with the
    /// credentials of the config and, for SCRAM, the fresh `nonce`), which renews the session.
    ///
    /// # Errors
    /// [`ClientError::Connection`] with [`ConnError::NotReady`] before [`Client::connect`] or
    /// without SASL credentials; otherwise as [`Client::connect`].
    pub async fn reauthenticate(&mut self, nonce: &str) -> Result<(), ClientError> {
        self.check_not_cancelled()?;
        self.conn.begin_reauthentication(nonce)?;
        self.connect().await
    }

    /// Whether [`Client::connect`] succeeded and no error has closed the connection since.
    pub fn is_ready(&self) -> bool {
        self.conn.is_ready()
    }

    /// The broker's error text from a failed authentication.
    pub fn server_error_text(&self) -> Option<&str> {
        self.conn.server_error_text()
    }

    /// The underlying connection, for its negotiated versions.
    pub fn connection(&self) -> &Connection<'c, IN_FLIGHT> {
        &self.conn
    }

    /// Sends `request` at the negotiated version and returns the response, borrowed from the
    /// receive buffer, to be decoded with [`Response::decode`].
    ///
    /// # Errors
    /// [`ConnError::UnsupportedByBroker`], [`ConnError::NotReady`] (not connected, or closed),
    /// [`ConnError::InFlightFull`] (an earlier call was cancelled: see the module docs), a `tx`
    /// too small for the request, transport and framing errors.
    pub async fn request<'r, R: Request<'r>>(
        &mut self,
        request: &R,
    ) -> Result<Response<'_>, ClientError> {
        self.request_at(request, None).await
    }

    /// [`Client::request`] at `version` (`None`: the negotiated one).
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn request_at<'r, R: Request<'r>>(
        &mut self,
        request: &R,
        version: Option<i16>,
    ) -> Result<Response<'_>, ClientError> {
        self.check_not_cancelled()?;
        let now = self.clock.now();
        let sent = self.conn.send(request, version, true, now, self.tx)?;
        self.exchange(sent)
            .await?
            .ok_or(ClientError::Connection(ConnError::NotReady))
    }

    /// Sends `request` without waiting for a response (acks=0 Produce).
    ///
    /// # Errors
    /// As [`Client::request`], without the response's.
    pub async fn send_only<'r, R: Request<'r>>(&mut self, request: &R) -> Result<(), ClientError> {
        self.check_not_cancelled()?;
        let now = self.clock.now();
        let sent = self.conn.send(request, None, false, now, self.tx)?;
        self.exchange(sent).await.map(drop)
    }

    /// Writes the frame [`Connection::send`] put in `tx` and, if it expects a response, reads
    /// and returns that.
    pub(super) async fn exchange(
        &mut self,
        sent: Sent,
    ) -> Result<Option<Response<'_>>, ClientError> {
        let frame = self.tx.get(..sent.len).unwrap_or_default();
        if let Err(error) = self.link.write_all(frame).await {
            self.conn.drain_in_flight().for_each(drop);
            return Err(error);
        }
        let Some(correlation_id) = sent.correlation_id else {
            return Ok(None);
        };
        // A transport or framing error leaves the stream out of step: the connection closes,
        // as `ClientError` says (and `is_ready` then tells).
        let frame = match self.link.read_frame().await {
            Ok(frame) => frame,
            Err(error) => {
                self.conn.drain_in_flight().for_each(drop);
                return Err(error);
            }
        };
        match self.conn.handle_frame(frame)? {
            Event::Response(response) if response.correlation_id == correlation_id => {
                Ok(Some(response))
            }
            // With one request in flight the connection matches nothing else, so this means
            // the stream is out of step.
            Event::Response(response) => {
                let id = response.correlation_id;
                self.conn.drain_in_flight().for_each(drop);
                Err(ConnError::UnknownCorrelationId(id).into())
            }
            Event::Ready | Event::Handshake => {
                self.conn.drain_in_flight().for_each(drop);
                Err(ConnError::NotReady.into())
            }
        }
    }

    /// When the request in flight times out, if one is: the caller's own timeout around a
    /// call should end no later than this.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.conn.poll_timeout()
    }

    /// After the caller's timeout cancelled a call: if the request's deadline has passed on
    /// the clock, closes the connection and returns [`ClientError::TimedOut`] for it. Then
    /// [`Client::reset`] onto a new transport.
    pub fn handle_timeout(&mut self) -> Option<ClientError> {
        let now = self.clock.now();
        let expired: Pending = self.conn.handle_timeout(now)?;
        Some(ClientError::TimedOut {
            api_key: expired.api_key,
            correlation_id: expired.correlation_id,
        })
    }

    /// Closes the connection (for example when the caller gives up on a cancelled call before
    /// its deadline); calls fail with [`ConnError::NotReady`] until [`Client::reset`].
    pub fn close_connection(&mut self) {
        self.conn.drain_in_flight().for_each(drop);
    }

    /// Closes the connection if an earlier call was cancelled mid-exchange: a request still in
    /// flight or a frame half written means the stream is out of step.
    pub(super) fn check_not_cancelled(&mut self) -> Result<(), ClientError> {
        if self.link.write_interrupted() || self.conn.in_flight() > 0 {
            self.close_connection();
            return Err(ClientError::Cancelled);
        }
        Ok(())
    }
}
