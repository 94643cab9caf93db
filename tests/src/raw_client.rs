//! A small blocking test client over `std::net::TcpStream` that speaks the protocol through
//! franzl-core alone: one request, then its response, nothing pipelined.
//!
//! Contract:
//! - [`RawClient::connect`] opens a PLAINTEXT connection (the `plain` and `cluster3` profiles)
//!   and does the ApiVersions handshake at v3. A broker that answers UNSUPPORTED_VERSION gets
//!   the request again at the highest ApiVersions version both sides know, as the Java client
//!   does. The broker's ranges are kept: [`RawClient::shared_versions`] is every version both
//!   sides support, [`RawClient::negotiated`] the highest.
//! - [`RawClient::call`] frames a request with `encode_request` into a buffer sized by
//!   `request_frame_len`, reads the response through franzl-core's `FrameReader` (the size
//!   prefix judged before the body is read; one receive buffer, grown to the largest response
//!   and reused), checks the correlation id and decodes the body with `decode_response`. Every socket read has a timeout, so a
//!   broker that stays silent fails the call instead of hanging the test.
//!
//! Test-only: no TLS, no SASL, no reconnects; the real clients are built elsewhere.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read, Write};
use std::marker::PhantomData;
use std::net::TcpStream;
use std::ops::RangeInclusive;
use std::time::Duration;

use franzl_core::ErrorCode;
use franzl_core::conn::{FrameError, FrameReader};
use franzl_core::frame::{
    RequestHeader, ResponseHeader, decode_response, encode_request, request_frame_len,
    response_header_version,
};
use franzl_core::messages::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use franzl_core::messages::{ApiKey, Message, NegotiatedVersions, Request};
use franzl_core::wire::{DecodeError, EncodeError, RawTaggedFields, Reader};

/// How long one response may take. Fetch waits are set well below this by the tests.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest response frame accepted, so a corrupt size cannot make the test allocate wildly.
const MAX_FRAME: usize = 64 << 20;

/// The ApiVersions version the handshake tries first.
const FIRST_API_VERSIONS_VERSION: i16 = 3;

/// What went wrong in a call.
#[derive(Debug)]
pub enum RawError {
    /// The socket failed or timed out.
    Io(io::Error),
    /// franzl-core could not encode the request.
    Encode(EncodeError),
    /// franzl-core could not decode the response: the API, version and error.
    Decode(ApiKey, i16, DecodeError),
    /// The response frame's size is negative or above the test limit.
    BadFrame(FrameError),
    /// The broker closed the connection before a whole response arrived.
    Closed,
    /// The response answers another request.
    CorrelationMismatch {
        /// The id sent.
        expected: i32,
        /// The id received.
        received: i32,
    },
    /// The handshake failed: the broker's ApiVersions error.
    Handshake(ErrorCode),
}

impl fmt::Display for RawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(error) => write!(f, "I/O: {error}"),
            Self::Encode(error) => write!(f, "encode: {error}"),
            Self::Decode(api, version, error) => {
                write!(f, "decode {} v{version}: {error}", api.name())
            }
            Self::BadFrame(error) => write!(f, "response frame: {error}"),
            Self::Closed => write!(f, "the broker closed the connection"),
            Self::CorrelationMismatch { expected, received } => {
                write!(f, "correlation id {received}, expected {expected}")
            }
            Self::Handshake(code) => write!(f, "ApiVersions failed: {code}"),
        }
    }
}

impl std::error::Error for RawError {}

impl From<io::Error> for RawError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

impl From<FrameError> for RawError {
    fn from(error: FrameError) -> Self {
        Self::BadFrame(error)
    }
}

impl From<EncodeError> for RawError {
    fn from(error: EncodeError) -> Self {
        Self::Encode(error)
    }
}

/// A response frame (after its size prefix) to request type `R`, decoded once when received.
pub struct Reply<R> {
    frame: Vec<u8>,
    version: i16,
    request: PhantomData<fn() -> R>,
}

impl<R> Reply<R> {
    /// The version the request was sent at.
    pub fn version(&self) -> i16 {
        self.version
    }

    /// The whole frame: response header and body.
    pub fn frame(&self) -> &[u8] {
        &self.frame
    }
}

impl<'r, R: Request<'r>> Reply<R> {
    /// The decoded body, borrowing from the frame.
    ///
    /// # Panics
    ///
    /// Never in practice: [`RawClient::call`] returned this reply only after the same decode
    /// succeeded on the same bytes.
    pub fn body(&self) -> R::Response<'_> {
        match decode_response::<R>(self.version, &self.frame) {
            Ok((_, body)) => body,
            Err(error) => panic!("a reply decoded once failed to decode again: {error}"),
        }
    }

    /// The body's bytes, after the response header (what a fixture stores).
    pub fn body_bytes(&self) -> &[u8] {
        let mut reader = Reader::new(&self.frame);
        let header_version = response_header_version(R::API_KEY, self.version);
        match ResponseHeader::read(&mut reader, header_version) {
            Ok(_) => reader.rest(),
            Err(error) => panic!("a reply decoded once has a bad header: {error}"),
        }
    }
}

/// One PLAINTEXT connection to a broker, after the ApiVersions handshake.
pub struct RawClient {
    stream: TcpStream,
    /// Splits the stream into frames inside `rx`.
    frames: FrameReader,
    /// The receive buffer: grown to the largest response yet, and reused.
    rx: Vec<u8>,
    next_correlation_id: i32,
    /// The broker's advertised `(min, max)` by API key.
    broker_ranges: BTreeMap<i16, (i16, i16)>,
    negotiated: NegotiatedVersions,
    api_versions_version: i16,
}

impl RawClient {
    /// Connects to `address` (`host:port`) and does the ApiVersions handshake, starting at v3.
    ///
    /// # Errors
    ///
    /// The connection or the handshake fails.
    pub fn connect(address: &str) -> Result<Self, RawError> {
        Self::connect_offering(address, FIRST_API_VERSIONS_VERSION)
    }

    /// As [`Self::connect`], but the first ApiVersions request claims version `first` in its
    /// header (its body encoded at franzl's newest version when `first` is beyond it), so tests
    /// can make the broker answer UNSUPPORTED_VERSION and watch the fallback.
    ///
    /// # Errors
    ///
    /// The connection or the handshake fails.
    pub fn connect_offering(address: &str, first: i16) -> Result<Self, RawError> {
        let stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_nodelay(true)?;
        let mut client = Self {
            stream,
            frames: FrameReader::new(MAX_FRAME),
            rx: Vec::new(),
            next_correlation_id: 1,
            broker_ranges: BTreeMap::new(),
            negotiated: NegotiatedVersions::NONE,
            api_versions_version: first,
        };
        client.handshake(first)?;
        Ok(client)
    }

    fn handshake(&mut self, first: i16) -> Result<(), RawError> {
        let ours = ApiKey::ApiVersions.max_stable_version().unwrap_or(0);
        let request = ApiVersionsRequest {
            client_software_name: "franzl-tests",
            client_software_version: env!("CARGO_PKG_VERSION"),
            ..Default::default()
        };
        let mut version = first;
        // The second try uses a version the broker named, so two attempts are enough.
        for _ in 0..2 {
            let frame = self.exchange(version.min(ours), version, &request)?;
            let body = frame.get(4..).unwrap_or_default();
            // A broker that does not know `version` answers with a v0 body.
            let response = match ApiVersionsResponse::decode(version.min(ours), body) {
                Ok(response) if response.error_code.is_ok() => response,
                _ => ApiVersionsResponse::decode(0, body).map_err(|error| {
                    RawError::Decode(ApiKey::ApiVersions, version.min(ours), error)
                })?,
            };
            let code = response.error_code;
            if code == ErrorCode::UNSUPPORTED_VERSION {
                let broker_max = response
                    .api_keys
                    .iter()
                    .find(|entry| entry.api_key == ApiKey::ApiVersions.key())
                    .map_or(0, |entry| entry.max_version);
                version = broker_max.min(ours);
                continue;
            }
            if !code.is_ok() {
                return Err(RawError::Handshake(code));
            }
            self.api_versions_version = version;
            self.negotiated = NegotiatedVersions::from_response(&response);
            self.broker_ranges = response
                .api_keys
                .iter()
                .map(|entry| (entry.api_key, (entry.min_version, entry.max_version)))
                .collect();
            return Ok(());
        }
        Err(RawError::Handshake(ErrorCode::UNSUPPORTED_VERSION))
    }

    /// The ApiVersions version the handshake succeeded with.
    pub fn api_versions_version(&self) -> i16 {
        self.api_versions_version
    }

    /// The highest version of each API both sides support.
    pub fn negotiated(&self) -> &NegotiatedVersions {
        &self.negotiated
    }

    /// The broker's advertised range for `api`, if it lists the API.
    pub fn broker_range(&self, api: ApiKey) -> Option<(i16, i16)> {
        self.broker_ranges.get(&api.key()).copied()
    }

    /// Every version of `api` that both the broker and franzl (up to its newest stable version)
    /// support; empty when they share none.
    pub fn shared_versions(&self, api: ApiKey) -> RangeInclusive<i16> {
        match (self.broker_range(api), api.max_stable_version()) {
            (Some((lo, hi)), Some(ours)) => lo.max(api.min_version())..=hi.min(ours),
            #[allow(clippy::reversed_empty_ranges)] // deliberately empty
            _ => 1..=0,
        }
    }

    /// The highest shared version of `R`'s API.
    ///
    /// # Panics
    ///
    /// The broker and franzl share no version of it.
    pub fn latest<'r, R: Request<'r>>(&self) -> i16 {
        self.negotiated
            .get(R::API_KEY)
            .unwrap_or_else(|| panic!("no shared version of {}", R::API_KEY.name()))
    }

    /// Sends `request` at `version` and returns the decoded reply.
    ///
    /// # Errors
    ///
    /// Encoding, the socket, framing, the correlation id or decoding fails.
    pub fn call<'r, R: Request<'r>>(
        &mut self,
        version: i16,
        request: &R,
    ) -> Result<Reply<R>, RawError> {
        let frame = self.exchange(version, version, request)?;
        decode_response::<R>(version, &frame)
            .map_err(|error| RawError::Decode(R::API_KEY, version, error))?;
        Ok(Reply {
            frame,
            version,
            request: PhantomData,
        })
    }

    /// Sends `request` at the highest shared version.
    ///
    /// # Errors
    ///
    /// As [`Self::call`].
    pub fn call_latest<'r, R: Request<'r>>(&mut self, request: &R) -> Result<Reply<R>, RawError> {
        self.call(self.latest::<R>(), request)
    }

    /// Writes one request (body at `version`, header claiming `header_version`) and reads one
    /// response frame after its size prefix, its correlation id checked.
    fn exchange<'r, R: Request<'r>>(
        &mut self,
        version: i16,
        header_version: i16,
        request: &R,
    ) -> Result<Vec<u8>, RawError> {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let header = RequestHeader {
            api_key: R::API_KEY.key(),
            api_version: version,
            correlation_id,
            client_id: Some("franzl-tests"),
            unknown_tagged_fields: RawTaggedFields::EMPTY,
        };
        let mut out = vec![0u8; request_frame_len(&header, request)?];
        let len = encode_request(&header, request, &mut out)?;
        out.truncate(len);
        if header_version != version {
            // The API version sits after the size prefix and the API key.
            out.get_mut(6..8)
                .ok_or(RawError::Encode(EncodeError::BufferTooSmall { needed: 8 }))?
                .copy_from_slice(&header_version.to_be_bytes());
        }
        self.stream.write_all(&out)?;

        let frame = self.read_frame()?;
        let received = frame
            .first_chunk::<4>()
            .map_or(-1, |id| i32::from_be_bytes(*id));
        if received != correlation_id {
            return Err(RawError::CorrelationMismatch {
                expected: correlation_id,
                received,
            });
        }
        Ok(frame)
    }

    /// Reads until a whole frame is in the receive buffer (grown to the frame's size as its
    /// bytes arrive) and returns a copy of it, without its size prefix.
    fn read_frame(&mut self) -> Result<Vec<u8>, RawError> {
        loop {
            let needed = self.frames.needed_len(&self.rx)?;
            if self.rx.len() < needed {
                self.rx.resize(needed, 0);
            }
            let space = self.frames.receive_space(&mut self.rx)?;
            if space.is_empty() {
                break;
            }
            let read = self.stream.read(space)?;
            if read == 0 {
                return Err(RawError::Closed);
            }
            self.frames.commit(read);
        }
        let frame = self.frames.next_frame(&self.rx)?.ok_or(RawError::Closed)?;
        Ok(frame.to_vec())
    }
}
