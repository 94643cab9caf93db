//! The typed causes an [`super::Error`] keeps: franzl-core's errors as the values the core
//! returned, and what TLS failed on. Each is reachable through `source()` and by matching.
//!
//! Contract: a cause is never flattened into text; the text of the [`super::Error`] around it
//! says what franzl was doing, the cause says what failed.

use franzl_core::compression::CompressionError;
use franzl_core::conn::ConnError;
use franzl_core::record::RecordError;
use franzl_core::wire::{DecodeError, EncodeError};
use futures_rustls::rustls;
use futures_rustls::rustls::client::VerifierBuilderError;
use futures_rustls::rustls::pki_types::pem;
use std::fmt;
use std::sync::Arc;

/// An error of franzl-core, kept as the value the core returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CoreError {
    /// A response (or a part of one) did not decode.
    Decode(DecodeError),
    /// A request could not be encoded.
    Encode(EncodeError),
    /// A record batch could not be read or built.
    Record(RecordError),
    /// Records could not be decompressed.
    Compression(CompressionError),
    /// The sans-I/O connection failed or refused a call.
    Connection(ConnError),
}

impl CoreError {
    /// Whether a new attempt may succeed: the connection's answer for a connection error and
    /// for an encoding error ([`ConnError::is_retriable`]); never for bytes that do not decode,
    /// a broken batch or corrupt compressed data, which a broker sends the same way again.
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::Connection(error) => error.is_retriable(),
            Self::Encode(error) => ConnError::Encode(*error).is_retriable(),
            Self::Decode(_) | Self::Record(_) | Self::Compression(_) => false,
        }
    }

    /// The core's error, as a trait object for `source()`.
    pub(super) fn as_error(&self) -> &(dyn std::error::Error + 'static) {
        match self {
            Self::Decode(error) => error,
            Self::Encode(error) => error,
            Self::Record(error) => error,
            Self::Compression(error) => error,
            Self::Connection(error) => error,
        }
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_error(), f)
    }
}

impl From<DecodeError> for CoreError {
    fn from(error: DecodeError) -> Self {
        Self::Decode(error)
    }
}

impl From<EncodeError> for CoreError {
    fn from(error: EncodeError) -> Self {
        Self::Encode(error)
    }
}

impl From<RecordError> for CoreError {
    fn from(error: RecordError) -> Self {
        Self::Record(error)
    }
}

impl From<CompressionError> for CoreError {
    fn from(error: CompressionError) -> Self {
        Self::Compression(error)
    }
}

impl From<ConnError> for CoreError {
    fn from(error: ConnError) -> Self {
        Self::Connection(error)
    }
}

/// What TLS failed on.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TlsCause {
    /// rustls refused: a certificate it could not verify, a fatal alert from the broker, a bad
    /// record, or a client certificate and key it cannot use.
    Rustls(rustls::Error),
    /// The certificate verifier could not be built from the CA certificates.
    Verifier(VerifierBuilderError),
    /// A PEM file (CA, client certificate or key) could not be read or parsed.
    Pem(Arc<pem::Error>),
    /// The transport failed during the TLS handshake.
    Io(Arc<std::io::Error>),
}

impl TlsCause {
    /// The cause, as a trait object for `source()`.
    pub(super) fn as_error(&self) -> &(dyn std::error::Error + 'static) {
        match self {
            Self::Rustls(error) => error,
            Self::Verifier(error) => error,
            Self::Pem(error) => &**error,
            Self::Io(error) => &**error,
        }
    }
}

impl fmt::Display for TlsCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_error(), f)
    }
}

impl From<rustls::Error> for TlsCause {
    fn from(error: rustls::Error) -> Self {
        Self::Rustls(error)
    }
}

impl From<VerifierBuilderError> for TlsCause {
    fn from(error: VerifierBuilderError) -> Self {
        Self::Verifier(error)
    }
}

impl From<pem::Error> for TlsCause {
    fn from(error: pem::Error) -> Self {
        Self::Pem(Arc::new(error))
    }
}

/// A TLS failure that rustls reports inside an I/O error (a fatal alert or a bad record on an
/// established connection, or during the handshake), taken out of it.
pub(super) fn rustls_inside(error: &std::io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}
