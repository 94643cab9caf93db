//! Errors of the sans-I/O connection.

use crate::ErrorCode;
use crate::messages::ApiKey;
use crate::sasl::plain::PlainError;
use crate::sasl::scram::ScramError;
use crate::wire::{DecodeError, EncodeError};
use core::fmt;

/// Why the connection could not do what was asked. After any error other than
/// [`ConnError::Encode`] with `BufferTooSmall`, [`ConnError::NotReady`], [`ConnError::InFlightFull`]
/// and [`ConnError::UnsupportedByBroker`], the connection is closed and must be replaced. A
/// request whose deadline passes is not an error of a call:
/// [`super::Connection::handle_timeout`] hands it back, and the caller says how it reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConnError {
    /// A request could not be encoded (for `BufferTooSmall`, retry with `needed` bytes).
    Encode(EncodeError),
    /// A response header or a handshake response did not decode.
    Decode(DecodeError),
    /// A response carried a correlation id that no request in flight has.
    UnknownCorrelationId(i32),
    /// The handshake has not finished, or the connection is closed.
    NotReady,
    /// As many requests are in flight as the connection allows.
    InFlightFull,
    /// The broker and this build of franzl share no version of this API: the broker's
    /// ApiVersions response does not list it, or lists only versions outside the range this
    /// build has code for (a `franzl_flexible_only` build has none below the first flexible
    /// version). Returned by [`super::Connection::send`] without a version; the connection stays
    /// usable.
    UnsupportedByBroker(ApiKey),
    /// The broker refused the ApiVersions request at every version tried.
    VersionsRefused(ErrorCode),
    /// The broker does not enable the SASL mechanism asked for.
    MechanismNotEnabled(ErrorCode),
    /// The broker refused the credentials; see `Connection::server_error_text` for its words.
    AuthenticationFailed(ErrorCode),
    /// The SCRAM exchange failed on the client's checks of the server.
    Scram(ScramError),
    /// The PLAIN credentials cannot be sent (a NUL inside).
    Plain(PlainError),
    /// A SASL message (credentials, or the server's nonce) is longer than franzl's fixed
    /// SASL buffer.
    CredentialsTooLong,
    /// An earlier error closed the connection.
    Closed,
}

impl ConnError {
    /// Whether the call may succeed when tried again: on this connection once a request is
    /// answered ([`ConnError::InFlightFull`]) or with the larger buffer named
    /// (`BufferTooSmall`), on a new connection after backoff for a closed one. Not for what the
    /// broker sends the same way again (a response that does not decode, one nobody asked for),
    /// nor for what the broker, the credentials or the caller's request must change.
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::NotReady | Self::InFlightFull | Self::Closed => true,
            Self::Encode(EncodeError::BufferTooSmall { .. }) => true,
            Self::UnknownCorrelationId(_)
            | Self::Decode(_)
            | Self::Encode(_)
            | Self::UnsupportedByBroker(_)
            | Self::VersionsRefused(_)
            | Self::MechanismNotEnabled(_)
            | Self::AuthenticationFailed(_)
            | Self::Scram(_)
            | Self::Plain(_)
            | Self::CredentialsTooLong => false,
        }
    }
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Encode(error) => write!(f, "encoding a request: {error}"),
            Self::Decode(error) => write!(f, "decoding a response: {error}"),
            Self::UnknownCorrelationId(id) => {
                write!(
                    f,
                    "response with correlation id {id}, which no request in flight has"
                )
            }
            Self::NotReady => f.write_str("connection not ready (handshake unfinished or closed)"),
            Self::InFlightFull => f.write_str("too many requests in flight"),
            Self::UnsupportedByBroker(api) => {
                write!(
                    f,
                    "the broker supports no version of {} that franzl supports",
                    api.name()
                )
            }
            Self::VersionsRefused(code) => write!(f, "ApiVersions refused: {code}"),
            Self::MechanismNotEnabled(code) => {
                write!(f, "SASL mechanism not enabled on the broker: {code}")
            }
            Self::AuthenticationFailed(code) => write!(f, "authentication failed: {code}"),
            Self::Scram(error) => write!(f, "SCRAM: {error}"),
            Self::Plain(error) => write!(f, "SASL PLAIN: {error}"),
            Self::CredentialsTooLong => {
                f.write_str("SASL message longer than franzl's SASL buffer")
            }
            Self::Closed => f.write_str("connection closed by an earlier error"),
        }
    }
}

impl core::error::Error for ConnError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Encode(error) => Some(error),
            Self::Decode(error) => Some(error),
            Self::Scram(error) => Some(error),
            Self::Plain(error) => Some(error),
            Self::AuthenticationFailed(code)
            | Self::MechanismNotEnabled(code)
            | Self::VersionsRefused(code) => Some(code),
            _ => None,
        }
    }
}

impl From<EncodeError> for ConnError {
    fn from(error: EncodeError) -> Self {
        Self::Encode(error)
    }
}

impl From<DecodeError> for ConnError {
    fn from(error: DecodeError) -> Self {
        Self::Decode(error)
    }
}
