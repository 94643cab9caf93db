//! [`ClientError`]: why a call of the embedded client failed, and how that maps onto
//! `embedded_io_async::ErrorKind`.

use crate::ErrorCode;
use crate::conn::{ConnError, FrameError};
use crate::record::RecordError;
use crate::wire::{DecodeError, EncodeError};
use core::fmt;
use embedded_io_async::ErrorKind;

/// Why a call of [`super::Client`] failed.
///
/// After [`ClientError::Io`], [`ClientError::ConnectionClosed`], [`ClientError::Frame`],
/// [`ClientError::TimedOut`] and most [`ClientError::Connection`] errors (see [`ConnError`]) the
/// connection is closed: make a new transport and call [`super::Client::reset`]. [`ClientError::Broker`] and
/// [`ClientError::MissingFromResponse`] leave it usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ClientError {
    /// The transport failed, with its error's kind.
    Io(ErrorKind),
    /// The broker closed the connection (a read returned no bytes).
    ConnectionClosed,
    /// The received bytes cannot be split into frames, or a frame is larger than the receive
    /// buffer.
    Frame(FrameError),
    /// The connection refused the call or failed: handshake, authentication (the broker's
    /// words are in [`super::Client::server_error_text`]), correlation, timeouts, encoding a
    /// request into the send buffer.
    Connection(ConnError),
    /// A request was not answered before its deadline (see [`super::Client::handle_timeout`]);
    /// the connection is closed.
    TimedOut {
        /// The API of the request.
        api_key: i16,
        /// Its correlation id.
        correlation_id: i32,
    },
    /// A response body did not decode.
    Decode(DecodeError),
    /// A record batch could not be built in the buffers.
    Record(RecordError),
    /// The broker answered with an error code for the topic or partition asked about.
    Broker(ErrorCode),
    /// The response does not mention the topic or partition asked about.
    MissingFromResponse,
    /// An earlier call was cancelled (its future dropped, say by the caller's timeout) in the
    /// middle of its exchange, so the stream is out of step: the connection is closed.
    Cancelled,
}

impl ClientError {
    /// Whether the same call may succeed later (on this connection, or on a new one for errors
    /// that close it).
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::Io(_) | Self::ConnectionClosed | Self::TimedOut { .. } | Self::Cancelled => true,
            Self::Frame(error) => error.is_retriable(),
            Self::Connection(error) => error.is_retriable(),
            Self::Broker(code) => code.is_retriable(),
            Self::Decode(_) | Self::Record(_) | Self::MissingFromResponse => false,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(kind) => write!(f, "transport error: {kind}"),
            Self::ConnectionClosed => f.write_str("the broker closed the connection"),
            Self::Frame(error) => write!(f, "framing: {error}"),
            Self::Connection(error) => write!(f, "connection: {error}"),
            Self::TimedOut {
                api_key,
                correlation_id,
            } => write!(
                f,
                "request timed out (api key {api_key}, correlation id {correlation_id})"
            ),
            Self::Decode(error) => write!(f, "decoding a response: {error}"),
            Self::Record(error) => write!(f, "building a record batch: {error}"),
            Self::Broker(code) => write!(f, "broker error: {code}"),
            Self::MissingFromResponse => {
                f.write_str("the response does not mention the topic or partition asked about")
            }
            Self::Cancelled => f.write_str(
                "an earlier call was cancelled in the middle of its exchange; connection closed",
            ),
        }
    }
}

impl core::error::Error for ClientError {}

impl embedded_io_async::Error for ClientError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Io(kind) => *kind,
            Self::ConnectionClosed => ErrorKind::ConnectionAborted,
            Self::Frame(FrameError::ExceedsBuffer { .. })
            | Self::Connection(ConnError::Encode(EncodeError::BufferTooSmall { .. }))
            | Self::Record(RecordError::Encode(EncodeError::BufferTooSmall { .. })) => {
                ErrorKind::OutOfMemory
            }
            Self::Connection(error) => connection_kind(error),
            Self::Frame(_) | Self::Decode(_) => ErrorKind::InvalidData,
            Self::Record(_) => ErrorKind::InvalidInput,
            Self::Broker(_) | Self::MissingFromResponse => ErrorKind::Other,
            Self::TimedOut { .. } => ErrorKind::TimedOut,
            Self::Cancelled => ErrorKind::Interrupted,
        }
    }
}

fn connection_kind(error: &ConnError) -> ErrorKind {
    match error {
        ConnError::AuthenticationFailed(_)
        | ConnError::MechanismNotEnabled(_)
        | ConnError::Scram(_)
        | ConnError::Plain(_)
        | ConnError::CredentialsTooLong => ErrorKind::PermissionDenied,
        ConnError::UnsupportedByBroker(_) | ConnError::VersionsRefused(_) => ErrorKind::Unsupported,
        ConnError::NotReady | ConnError::Closed | ConnError::InFlightFull => {
            ErrorKind::NotConnected
        }
        ConnError::Decode(_) | ConnError::UnknownCorrelationId(_) => ErrorKind::InvalidData,
        _ => ErrorKind::Other,
    }
}

impl From<ConnError> for ClientError {
    fn from(error: ConnError) -> Self {
        Self::Connection(error)
    }
}

impl From<FrameError> for ClientError {
    fn from(error: FrameError) -> Self {
        Self::Frame(error)
    }
}

impl From<DecodeError> for ClientError {
    fn from(error: DecodeError) -> Self {
        Self::Decode(error)
    }
}

impl From<RecordError> for ClientError {
    fn from(error: RecordError) -> Self {
        Self::Record(error)
    }
}
