//! [`Connection`]: one broker connection as a state machine, with no socket and no clock.
//!
//! Call order:
//! 1. [`Connection::new`] with the client's settings (and SASL credentials, if any).
//! 2. Loop until [`Connection::is_ready`]: [`Connection::poll_transmit`] writes the
//!    connection's own next request (ApiVersions, then SaslHandshake and SaslAuthenticate) into
//!    the caller's buffer, which the caller sends; every frame read from the transport goes to
//!    [`Connection::handle_frame`].
//! 3. Then [`Connection::send`] writes the caller's requests (pipelined, up to `N` in flight),
//!    and [`Connection::handle_frame`] hands each response back as an [`Event::Response`],
//!    matched to its request by correlation id, to be decoded with [`Response::decode`].
//! 4. Whenever the caller waits, it waits at most until [`Connection::poll_timeout`], then
//!    calls [`Connection::handle_timeout`]; an expired request closes the connection (its
//!    response may still come, and the stream cannot be trusted to be in step).
//! 5. Re-authentication (KIP-368): when the broker gave the SASL session a lifetime
//!    ([`Connection::session_lifetime`]), the caller re-authenticates before it ends, at the
//!    point [`Connection::reauthentication_delay`] gives after the authentication, between two
//!    of its requests: [`Connection::begin_reauthentication`], then step 2 again (SaslHandshake
//!    and SaslAuthenticate from [`Connection::poll_transmit`], until [`Event::Ready`]). Requests
//!    in flight stay in flight: their responses still come as [`Event::Response`]. No new
//!    request can be sent until the connection is ready again. A broker closes a connection whose
//!    session ended on its next request other than SaslHandshake.
//!
//! Frames come from a [`super::FrameReader`] (or any other framing) with the size prefix
//! removed. Time is the caller's [`Instant`]. Nothing here allocates.

#[cfg(feature = "gather")]
extern crate alloc;

use super::error::ConnError;
use super::in_flight::{InFlight, Pending};
use super::sasl_step::{Credentials, Progress, SaslRequest, SaslStep};
use super::time::Instant;
use crate::ErrorCode;
use crate::frame::{
    RequestHeader, ResponseHeader, encode_request, request_header_version, response_header_version,
    write_frame,
};
#[cfg(feature = "finalized-features")]
use crate::messages::FeatureLevels;
use crate::messages::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use crate::messages::sasl_authenticate::{SaslAuthenticateRequest, SaslAuthenticateResponse};
use crate::messages::sasl_handshake::{SaslHandshakeRequest, SaslHandshakeResponse};
use crate::messages::{ApiKey, Message, NegotiatedVersions, Request};
use crate::wire::{DecodeError, EncodeError, RawTaggedFields, Reader, Writer};
use core::time::Duration;

/// Settings of one connection. Borrowed strings live as long as the connection.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionConfig<'c> {
    /// The client id sent in every request header.
    pub client_id: &'c str,
    /// Sent in ApiVersions v3+ (`ClientSoftwareName`).
    pub software_name: &'c str,
    /// Sent in ApiVersions v3+ (`ClientSoftwareVersion`).
    pub software_version: &'c str,
    /// How long a request may wait for its response.
    pub request_timeout: Duration,
    /// SASL credentials, or `None` for no authentication.
    pub sasl: Option<Credentials<'c>>,
}

impl Default for ConnectionConfig<'_> {
    fn default() -> Self {
        Self {
            client_id: "franzl",
            software_name: "franzl",
            software_version: env!("CARGO_PKG_VERSION"),
            request_timeout: Duration::from_secs(30),
            sasl: None,
        }
    }
}

/// What a handled frame meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'f> {
    /// A handshake step went on; call [`Connection::poll_transmit`].
    Handshake,
    /// The handshake is complete: requests can be sent.
    Ready,
    /// The response to one of the caller's requests.
    Response(Response<'f>),
}

/// A response to a request sent with [`Connection::send`], its header already read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'f> {
    /// The correlation id [`Connection::send`] returned for the request.
    pub correlation_id: i32,
    /// The request's API.
    pub api_key: i16,
    /// The version the request was sent at, which the response body uses too.
    pub api_version: i16,
    /// The token the request was sent with (0 for [`Connection::send`]).
    pub token: u32,
    /// The response body, borrowed from the frame.
    pub body: &'f [u8],
}

impl<'f> Response<'f> {
    /// Decodes the body as the response to a request of type `R`.
    ///
    /// # Errors
    /// [`DecodeError::WrongApi`] when `R` is not the request's API; any malformation.
    pub fn decode<'r, R: Request<'r>>(&self) -> Result<R::Response<'f>, DecodeError> {
        if R::API_KEY.key() != self.api_key {
            return Err(DecodeError::WrongApi);
        }
        <R::Response<'f> as Message<'f>>::decode(self.api_version, self.body)
    }
}

/// A request written by [`Connection::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// Its correlation id (`None` for a request that gets no response, such as acks=0 Produce).
    pub correlation_id: Option<i32>,
    /// The frame's length in the caller's buffer.
    pub len: usize,
}

// No allocator to box into: the SASL state lives inline, once per broker connection.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum State<'c> {
    /// ApiVersions to be sent at this version.
    SendVersions(i16),
    /// ApiVersions in flight at this version.
    AwaitVersions(i16),
    /// SASL in progress.
    Sasl(SaslStep<'c>),
    Ready,
    Closed,
}

/// Bytes of the broker's error text kept from a failed authentication.
const SERVER_ERROR_LEN: usize = 128;

/// A request body to frame: its API, version and encoded size.
#[derive(Debug, Clone, Copy)]
struct Body {
    api: ApiKey,
    version: i16,
    len: usize,
    token: u32,
}

/// One broker connection (see the module docs), with at most `N` requests in flight.
#[derive(Debug)]
pub struct Connection<'c, const N: usize> {
    config: ConnectionConfig<'c>,
    state: State<'c>,
    in_flight: InFlight<N>,
    versions: NegotiatedVersions,
    #[cfg(feature = "finalized-features")]
    features: FeatureLevels,
    server_error: [u8; SERVER_ERROR_LEN],
    server_error_len: usize,
    /// The session lifetime from the last SaslAuthenticate response, in ms (0: none).
    session_lifetime_ms: i64,
    /// Set by [`Connection::begin_reauthentication`], until the connection is ready again.
    reauthenticating: bool,
}

impl<'c, const N: usize> Connection<'c, N> {
    /// A connection that will start with ApiVersions at the newest version franzl knows.
    pub fn new(config: ConnectionConfig<'c>) -> Self {
        let newest = ApiKey::ApiVersions.max_stable_version().unwrap_or(0);
        Self {
            config,
            state: State::SendVersions(newest),
            in_flight: InFlight::new(),
            versions: NegotiatedVersions::NONE,
            #[cfg(feature = "finalized-features")]
            features: FeatureLevels::UNKNOWN,
            server_error: [0; SERVER_ERROR_LEN],
            server_error_len: 0,
            session_lifetime_ms: 0,
            reauthenticating: false,
        }
    }

    /// Whether the handshake is complete and requests can be sent.
    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready)
    }

    /// Whether a re-authentication ([`Connection::begin_reauthentication`]) is under way.
    pub fn is_reauthenticating(&self) -> bool {
        self.reauthenticating && matches!(self.state, State::Sasl(_))
    }

    /// How long the broker keeps the SASL session of the last authentication (SaslAuthenticate
    /// v1+, `connections.max.reauth.ms` or the credential's lifetime); `None` when it gave no
    /// lifetime, or without SASL. The broker closes the connection on the first request after
    /// that, unless the connection re-authenticated.
    pub fn session_lifetime(&self) -> Option<Duration> {
        u64::try_from(self.session_lifetime_ms)
            .ok()
            .filter(|&ms| ms > 0)
            .map(Duration::from_millis)
    }

    /// When to re-authenticate, counted from the end of the last authentication: a point
    /// between 85 % and 95 % of [`Connection::session_lifetime`] chosen by `random` (any value,
    /// drawn by the caller for each session, so that connections authenticated together do not
    /// re-authenticate together). The 5 % left covers the time the broker needed to answer and
    /// the clocks' drift. `None` when the session has no lifetime.
    pub fn reauthentication_delay(&self, random: u32) -> Option<Duration> {
        let lifetime = u64::try_from(self.session_lifetime()?.as_millis()).unwrap_or(u64::MAX);
        let per_mille = 850 + u64::from(random % 101);
        Some(Duration::from_millis(
            lifetime.saturating_mul(per_mille) / 1000,
        ))
    }

    /// Starts re-authenticating a ready connection with the credentials it was made with and
    /// the SCRAM client `nonce` (fresh for each authentication, as for a connection; copied, so
    /// it need not outlive the call; unused for PLAIN). The caller's next
    /// [`Connection::poll_transmit`] writes the SaslHandshake; until [`Event::Ready`],
    /// [`Connection::send`] refuses with [`ConnError::NotReady`], and responses to requests sent
    /// before come as usual. A SASL API request of the caller's own must not be in flight.
    ///
    /// # Errors
    /// [`ConnError::NotReady`] unless the connection is ready and has SASL credentials;
    /// [`ConnError::Scram`] for an invalid nonce (the connection stays as it was).
    pub fn begin_reauthentication(&mut self, nonce: &str) -> Result<(), ConnError> {
        let (State::Ready, Some(credentials)) = (&self.state, self.config.sasl) else {
            return Err(ConnError::NotReady);
        };
        let step = SaslStep::new(credentials, nonce)?;
        self.state = State::Sasl(step);
        self.session_lifetime_ms = 0;
        self.reauthenticating = true;
        Ok(())
    }

    /// Whether an error closed the connection.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// The versions agreed with this broker (all `None` before the handshake).
    pub fn versions(&self) -> &NegotiatedVersions {
        &self.versions
    }

    /// The cluster-wide finalized feature levels this broker reported in ApiVersions, with
    /// their epoch: unknown before the handshake, and from a broker that sends none (ApiVersions
    /// below v3, or no epoch). They are as of the handshake; a later change in the cluster shows
    /// on a new connection (or in a new ApiVersions response, read with
    /// [`FeatureLevels::from_response`]). With the `finalized-features` cargo feature (on by
    /// default).
    #[cfg(feature = "finalized-features")]
    pub fn finalized_features(&self) -> &FeatureLevels {
        &self.features
    }

    /// The handshake's ApiVersions response in `frame`, decoded, when `frame` (without its size
    /// prefix) answers it (its correlation id is the ApiVersions request's); `None` for any other
    /// frame, or one that does not decode. It reads the frame without handling it: pass the
    /// frame to [`Connection::handle_frame`] as usual.
    /// For a caller that wants more of the response than the connection keeps (every finalized
    /// feature by name, the supported feature ranges).
    pub fn versions_response<'f>(&self, frame: &'f [u8]) -> Option<ApiVersionsResponse<'f>> {
        let State::AwaitVersions(version) = self.state else {
            return None;
        };
        let mut reader = Reader::new(frame);
        let header_version = response_header_version(ApiKey::ApiVersions, version);
        let header = ResponseHeader::read(&mut reader, header_version).ok()?;
        let pending = self.in_flight.get(header.correlation_id)?;
        if pending.api_key != ApiKey::ApiVersions.key() {
            return None;
        }
        decode_versions(version, reader.rest()).ok()
    }

    /// Requests in flight (the caller's and the handshake's).
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether [`Connection::send`] has room for another request now.
    pub fn can_send(&self) -> bool {
        self.is_ready() && self.in_flight.has_room()
    }

    /// The broker's error text from a failed authentication (truncated to 128 bytes).
    pub fn server_error_text(&self) -> Option<&str> {
        let bytes = self.server_error.get(..self.server_error_len)?;
        core::str::from_utf8(bytes)
            .ok()
            .filter(|text| !text.is_empty())
    }

    /// Writes the connection's own next handshake request into `out` as a whole frame; returns
    /// its length, or 0 when there is nothing to send now.
    ///
    /// # Errors
    /// [`ConnError::Encode`] (with `BufferTooSmall`, retry with a larger buffer: the connection
    /// stays as it was); [`ConnError::CredentialsTooLong`], [`ConnError::Scram`] or
    /// [`ConnError::Plain`] when the next SASL message cannot be written, which closes it.
    pub fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Result<usize, ConnError> {
        let written = match &self.state {
            State::SendVersions(version) => {
                let version = *version;
                let request = ApiVersionsRequest {
                    client_software_name: self.config.software_name,
                    client_software_version: self.config.software_version,
                    unknown_tagged_fields: RawTaggedFields::EMPTY,
                };
                let (_, len) = self.write_request(&request, version, 0, true, now, out)?;
                self.state = State::AwaitVersions(version);
                len
            }
            State::Sasl(step) => match step.next_request() {
                None => 0,
                Some(SaslRequest::Handshake(mechanism)) => {
                    // v1 carries the mechanism bytes in SaslAuthenticate; v0 is not supported.
                    let request = SaslHandshakeRequest {
                        mechanism,
                        ..Default::default()
                    };
                    let (_, len) = self.write_request(&request, 1, 0, true, now, out)?;
                    len
                }
                Some(SaslRequest::Authenticate(auth_bytes)) => {
                    let request = SaslAuthenticateRequest {
                        auth_bytes,
                        ..Default::default()
                    };
                    let version = match self.negotiated(ApiKey::SaslAuthenticate) {
                        Ok(version) => version,
                        Err(error) => return Err(self.close(error)),
                    };
                    // `auth_bytes` borrows the SASL state, so this frames without `&mut self`.
                    let header = self.header(ApiKey::SaslAuthenticate, version, self.peek_id()?);
                    let len = encode_request(&header, &request, out)?;
                    self.record(ApiKey::SaslAuthenticate, version, now, 0)?;
                    len
                }
            },
            State::AwaitVersions(_) | State::Ready | State::Closed => 0,
        };
        if written > 0
            && let State::Sasl(step) = &mut self.state
        {
            step.sent();
        }
        Ok(written)
    }

    /// Writes `request` at `version` (the negotiated one when `None`) into `out` as a whole
    /// frame, and records it as in flight unless `expects_response` is false (acks=0 Produce).
    ///
    /// # Errors
    /// [`ConnError::NotReady`] before the handshake ends or after a close;
    /// [`ConnError::InFlightFull`]; [`ConnError::UnsupportedByBroker`]; [`ConnError::Encode`].
    /// Nothing is recorded when an error is returned, and the connection stays usable.
    pub fn send<'r, R: Request<'r>>(
        &mut self,
        request: &R,
        version: Option<i16>,
        expects_response: bool,
        now: Instant,
        out: &mut [u8],
    ) -> Result<Sent, ConnError> {
        if !self.is_ready() {
            return Err(ConnError::NotReady);
        }
        let version = match version {
            Some(version) => version,
            None => self.negotiated(R::API_KEY)?,
        };
        let (correlation_id, len) =
            self.write_request(request, version, 0, expects_response, now, out)?;
        Ok(Sent {
            correlation_id: expects_response.then_some(correlation_id),
            len,
        })
    }

    /// Writes into `out` the size prefix and header of a request to `api` at `version` whose
    /// body, `body_len` bytes encoded by the caller (in another task, say), follows right after
    /// on the stream; records it with `token` unless `expects_response` is false. Returns the
    /// header's length in `out`.
    ///
    /// # Errors
    /// [`ConnError::NotReady`], [`ConnError::InFlightFull`], [`ConnError::Encode`] (`out` too
    /// small, or a frame over `i32::MAX` bytes). Nothing is recorded on an error.
    #[allow(clippy::too_many_arguments)]
    pub fn send_header(
        &mut self,
        api: ApiKey,
        version: i16,
        body_len: usize,
        token: u32,
        expects_response: bool,
        now: Instant,
        out: &mut [u8],
    ) -> Result<Sent, ConnError> {
        if !self.is_ready() {
            return Err(ConnError::NotReady);
        }
        let correlation_id = self.peek_id()?;
        let header = self.header(api, version, correlation_id);
        let header_version = request_header_version(api, version);
        let header_len = header.encoded_len(header_version);
        let size = header_len
            .checked_add(body_len)
            .and_then(|size| i32::try_from(size).ok())
            .ok_or(EncodeError::TooLong)?;
        let mut w = Writer::new(out);
        w.put_i32(size)?;
        header.write(&mut w, header_version)?;
        let len = w.position();
        let correlation_id =
            self.commit(api, version, correlation_id, token, expects_response, now)?;
        Ok(Sent {
            correlation_id,
            len,
        })
    }

    /// As [`Connection::send`] at `version`, recording `token` with the request (its [`Response`]
    /// carries it back), and framing `request` with a gathering writer
    /// ([`crate::wire::Writer::gathering`]): `out` receives everything but the contents of its
    /// `BYTES` fields (a Produce request's record batches), whose places are returned as gaps
    /// (in `gaps`, cleared first). The caller writes `out[..len]` with each field's bytes put
    /// back at its gap, in one vectored write. `expects_response` false (acks=0 Produce) records
    /// nothing. With the `gather` feature.
    ///
    /// # Errors
    /// As [`Connection::send`]; nothing is recorded on an error.
    #[cfg(feature = "gather")]
    #[allow(clippy::too_many_arguments)]
    pub fn send_gathered<'r, R: Request<'r>>(
        &mut self,
        request: &R,
        version: i16,
        token: u32,
        expects_response: bool,
        now: Instant,
        out: &mut [u8],
        gaps: alloc::vec::Vec<crate::wire::Gap>,
    ) -> Result<(Sent, alloc::vec::Vec<crate::wire::Gap>), ConnError> {
        if !self.is_ready() {
            return Err(ConnError::NotReady);
        }
        let v = R::version(version).ok_or(EncodeError::UnsupportedVersion)?;
        let body_len = request.encoded_len(version)?;
        let correlation_id = self.peek_id()?;
        let header = self.header(R::API_KEY, version, correlation_id);
        let header_version = request_header_version(R::API_KEY, version);
        let (len, gaps) = crate::frame::write_frame_gathered(
            &header,
            header_version,
            body_len,
            out,
            gaps,
            &mut |w| request.write(w, v),
        )?;
        let correlation_id = self.commit(
            R::API_KEY,
            version,
            correlation_id,
            token,
            expects_response,
            now,
        )?;
        Ok((
            Sent {
                correlation_id,
                len,
            },
            gaps,
        ))
    }

    /// Handles one frame from the broker (without its size prefix).
    ///
    /// # Errors
    /// A response nobody asked for, a malformed header or handshake response, a refused
    /// handshake or authentication. Each closes the connection.
    pub fn handle_frame<'f>(&mut self, frame: &'f [u8]) -> Result<Event<'f>, ConnError> {
        if self.is_closed() {
            return Err(ConnError::Closed);
        }
        let result = self.dispatch(frame);
        result.map_err(|error| self.close(error))
    }

    /// When [`Connection::handle_timeout`] must be called next, if any request is in flight.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.in_flight.next_deadline()
    }

    /// Expires requests whose deadline has passed: returns the first one found, after closing the
    /// connection (call [`Connection::drain_in_flight`] to fail the others).
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Pending> {
        let expired = self.in_flight.expire(now)?;
        self.state = State::Closed;
        Some(expired)
    }

    /// Closes the connection (the transport ended) and returns the requests left unanswered.
    pub fn drain_in_flight(&mut self) -> impl Iterator<Item = Pending> + '_ {
        self.state = State::Closed;
        self.in_flight.drain()
    }

    fn dispatch<'f>(&mut self, frame: &'f [u8]) -> Result<Event<'f>, ConnError> {
        let id_bytes = frame.first_chunk::<4>().ok_or(DecodeError::UnexpectedEnd)?;
        let correlation_id = i32::from_be_bytes(*id_bytes);
        let pending = self
            .in_flight
            .take(correlation_id)
            .ok_or(ConnError::UnknownCorrelationId(correlation_id))?;
        // Every way of sending records a key franzl knows (an `ApiKey`), so this holds.
        let api = ApiKey::from_key(pending.api_key).ok_or(DecodeError::WrongApi)?;
        let mut reader = Reader::new(frame);
        ResponseHeader::read(
            &mut reader,
            response_header_version(api, pending.api_version),
        )?;
        let body = reader.rest();
        let ready = matches!(self.state, State::Ready);
        match (&mut self.state, api) {
            (State::AwaitVersions(version), ApiKey::ApiVersions) => {
                let version = *version;
                self.handle_versions(version, body)
            }
            (State::Sasl(step), ApiKey::SaslHandshake) if step.awaits() => {
                let response = SaslHandshakeResponse::decode(pending.api_version, body)?;
                step.handle_handshake(&response)?;
                Ok(Event::Handshake)
            }
            (State::Sasl(step), ApiKey::SaslAuthenticate) if step.awaits() => {
                let response = SaslAuthenticateResponse::decode(pending.api_version, body)?;
                let code = response.error_code;
                if !code.is_ok() {
                    self.keep_server_error(response.error_message.unwrap_or_default());
                    return Err(ConnError::AuthenticationFailed(code));
                }
                match step.handle_authenticate(&response)? {
                    Progress::Continue => Ok(Event::Handshake),
                    Progress::Done => {
                        self.session_lifetime_ms = response.session_lifetime_ms;
                        self.reauthenticating = false;
                        self.state = State::Ready;
                        Ok(Event::Ready)
                    }
                }
            }
            // The caller's requests: on a ready connection, or one re-authenticating (sent before
            // it began; a SASL request of the caller's own is not expected then).
            (State::Ready, _) | (State::Sasl(_), _) if ready || !is_sasl(api) => {
                Ok(Event::Response(Response {
                    correlation_id,
                    api_key: pending.api_key,
                    api_version: pending.api_version,
                    token: pending.token,
                    body,
                }))
            }
            // A handshake response to a request the handshake did not send.
            _ => Err(ConnError::UnknownCorrelationId(correlation_id)),
        }
    }

    /// Handles the ApiVersions response: negotiate, or retry at a version the broker knows.
    fn handle_versions<'f>(
        &mut self,
        version: i16,
        body: &'f [u8],
    ) -> Result<Event<'f>, ConnError> {
        // What `decode_versions` does, written out: as a call it costs the embedded client
        // 36 B of flash.
        let response = match ApiVersionsResponse::decode(version, body) {
            Ok(response) => response,
            // A broker that does not know `version` answers in v0, whatever was asked.
            Err(error) => ApiVersionsResponse::decode(0, body).map_err(|_| error)?,
        };
        let code = response.error_code;
        if code == ErrorCode::UNSUPPORTED_VERSION {
            let broker_max = response
                .api_keys
                .iter()
                .find(|entry| entry.api_key == ApiKey::ApiVersions.key())
                .map_or(0, |entry| entry.max_version);
            let next = broker_max.min(version - 1);
            if next < 0 {
                return Err(ConnError::VersionsRefused(code));
            }
            self.state = State::SendVersions(next);
            return Ok(Event::Handshake);
        }
        if !code.is_ok() {
            return Err(ConnError::VersionsRefused(code));
        }
        self.versions = NegotiatedVersions::from_response(&response);
        #[cfg(feature = "finalized-features")]
        {
            self.features = FeatureLevels::from_response(&response);
        }
        match self.config.sasl {
            Some(credentials) => {
                self.state = State::Sasl(SaslStep::new(credentials, credentials.nonce)?);
                Ok(Event::Handshake)
            }
            None => {
                self.state = State::Ready;
                Ok(Event::Ready)
            }
        }
    }

    fn negotiated(&self, api: ApiKey) -> Result<i16, ConnError> {
        self.versions
            .get(api)
            .ok_or(ConnError::UnsupportedByBroker(api))
    }

    fn peek_id(&self) -> Result<i32, ConnError> {
        self.in_flight
            .next_correlation_id()
            .ok_or(ConnError::InFlightFull)
    }

    fn header(&self, api: ApiKey, api_version: i16, correlation_id: i32) -> RequestHeader<'c> {
        RequestHeader {
            api_key: api.key(),
            api_version,
            correlation_id,
            client_id: Some(self.config.client_id),
            unknown_tagged_fields: RawTaggedFields::EMPTY,
        }
    }

    fn record(
        &mut self,
        api: ApiKey,
        version: i16,
        now: Instant,
        token: u32,
    ) -> Result<i32, ConnError> {
        let deadline = now.saturating_add(self.config.request_timeout);
        self.in_flight
            .insert(api.key(), version, deadline, token)
            .ok_or(ConnError::InFlightFull)
    }

    /// Records a request framed under `correlation_id` (from [`Self::peek_id`]) as in flight with
    /// `token`, or uses up its id when no response comes; returns the id to wait for.
    fn commit(
        &mut self,
        api: ApiKey,
        version: i16,
        correlation_id: i32,
        token: u32,
        expects_response: bool,
        now: Instant,
    ) -> Result<Option<i32>, ConnError> {
        if expects_response {
            return self.record(api, version, now, token).map(Some);
        }
        self.in_flight.skip(correlation_id);
        Ok(None)
    }

    /// Encodes a request frame under the next correlation id and records it as in flight.
    fn write_request<'r, R: Request<'r>>(
        &mut self,
        request: &R,
        version: i16,
        token: u32,
        expects_response: bool,
        now: Instant,
        out: &mut [u8],
    ) -> Result<(i32, usize), ConnError> {
        let v = R::version(version).ok_or(EncodeError::UnsupportedVersion)?;
        let body_len = request.encoded_len(version)?;
        let body = Body {
            api: R::API_KEY,
            version,
            len: body_len,
            token,
        };
        self.write_body(
            body,
            &mut |w| request.write(w, v),
            expects_response,
            now,
            out,
        )
    }

    /// The part of [`Connection::write_request`] that is the same for every request type, so
    /// that it is compiled once: frames the body, then records the request as in flight (or
    /// skips its correlation id when no response comes). Nothing is recorded on an error.
    fn write_body(
        &mut self,
        body: Body,
        write: &mut dyn FnMut(&mut Writer<'_>) -> Result<(), EncodeError>,
        expects_response: bool,
        now: Instant,
        out: &mut [u8],
    ) -> Result<(i32, usize), ConnError> {
        let correlation_id = self.peek_id()?;
        let header = self.header(body.api, body.version, correlation_id);
        let header_version = request_header_version(body.api, body.version);
        let len = write_frame(&header, header_version, body.len, out, write)?;
        if expects_response {
            let recorded = self.record(body.api, body.version, now, body.token)?;
            return Ok((recorded, len));
        }
        self.in_flight.skip(correlation_id);
        Ok((correlation_id, len))
    }

    fn keep_server_error(&mut self, text: &str) {
        let mut len = text.len().min(SERVER_ERROR_LEN);
        while !text.is_char_boundary(len) {
            len -= 1;
        }
        if let (Some(dst), Some(src)) =
            (self.server_error.get_mut(..len), text.as_bytes().get(..len))
        {
            dst.copy_from_slice(src);
            self.server_error_len = len;
        }
    }

    fn close(&mut self, error: ConnError) -> ConnError {
        if !matches!(
            error,
            ConnError::Encode(crate::wire::EncodeError::BufferTooSmall { .. })
        ) {
            self.state = State::Closed;
        }
        error
    }
}

/// Whether `api` is one of the SASL exchange's.
fn is_sasl(api: ApiKey) -> bool {
    matches!(api, ApiKey::SaslHandshake | ApiKey::SaslAuthenticate)
}

/// Decodes an ApiVersions response body to a request sent at `version` (a broker that does not
/// know `version` answers in v0, whatever was asked).
fn decode_versions(version: i16, body: &[u8]) -> Result<ApiVersionsResponse<'_>, DecodeError> {
    ApiVersionsResponse::decode(version, body)
        .or_else(|error| ApiVersionsResponse::decode(0, body).map_err(|_| error))
}
