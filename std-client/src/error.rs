//! The one error type of the std client: what happened, and whether retrying can help.

use franzl_core::conn::FrameError;
use std::fmt;
use std::time::Duration;

/// Anything that can go wrong in franzl. Each case says what happened; [`Error::is_retriable`]
/// says whether the same operation may succeed if tried again.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error on a connection (refused, reset, closed mid-response, ...).
    Io {
        /// What franzl was doing.
        context: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A deadline passed.
    Timeout {
        /// What franzl was waiting for.
        what: String,
        /// The time it waited.
        after: Duration,
    },
    /// No address could be found for a host, or none of the requested address family.
    Resolve {
        /// The host name and port as configured.
        address: String,
        /// Why.
        reason: String,
    },
    /// The TLS handshake failed or TLS could not be set up (bad CA file, certificate rejected).
    Tls {
        /// What went wrong.
        reason: String,
    },
    /// The broker's bytes could not be framed (an oversized or negative size prefix).
    Frame(FrameError),
    /// The broker sent something franzl could not make sense of.
    Protocol {
        /// What did not decode, and where.
        reason: String,
    },
    /// The configuration is invalid.
    Config {
        /// The property or setting, as the user named it.
        property: String,
        /// What is wrong with it (never the value of a secret).
        reason: String,
    },
}

impl Error {
    /// An I/O error with what franzl was doing at the time.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }

    /// Whether the operation may succeed if tried again (on the same or a new connection).
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::Io { .. } | Self::Timeout { .. } | Self::Resolve { .. } => true,
            Self::Tls { .. } | Self::Frame(_) | Self::Protocol { .. } | Self::Config { .. } => {
                false
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { context, source } => write!(f, "{context}: {source}"),
            Self::Timeout { what, after } => write!(f, "timed out after {after:?}: {what}"),
            Self::Resolve { address, reason } => write!(f, "cannot resolve {address}: {reason}"),
            Self::Tls { reason } => write!(f, "TLS: {reason}"),
            Self::Frame(error) => write!(f, "broker framing: {error}"),
            Self::Protocol { reason } => write!(f, "protocol: {reason}"),
            Self::Config { property, reason } => write!(f, "configuration {property}: {reason}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Frame(error) => Some(error),
            _ => None,
        }
    }
}

impl From<FrameError> for Error {
    fn from(error: FrameError) -> Self {
        Self::Frame(error)
    }
}

/// The std client's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
