//! The one error type of the std client: what happened, and whether retrying can help.

use franzl_core::ErrorCode;
use franzl_core::conn::{ConnError, FrameError};
use franzl_core::messages::ApiKey;
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
    /// The TLS handshake failed or TLS could not be set up (bad CA file, certificate rejected),
    /// or TLS failed later on an established connection (a fatal alert from the broker, such as
    /// its refusal of the client certificate, which under TLS 1.3 comes after the handshake).
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
    /// A broker answered with a Kafka error code.
    Kafka {
        /// The code, with its name and retriability.
        code: ErrorCode,
        /// The broker's own words, when it sent any.
        message: Option<String>,
        /// What franzl asked for (the topic, partition or resource).
        context: String,
    },
    /// The broker refused the SASL credentials, or the SASL exchange failed.
    Authentication {
        /// What failed, with the broker's message when it sent one (never the password).
        reason: String,
    },
    /// The broker supports no version of an API that franzl supports.
    UnsupportedByBroker {
        /// The API.
        api: ApiKey,
        /// The broker, as `host:port` or node id.
        broker: String,
    },
    /// The connection or client was closed, by the user or by an earlier error on it.
    Closed {
        /// What was closed.
        what: String,
    },
    /// The producer could not take or deliver a record (closed, record too large for the
    /// configured limits, a partition that does not exist, ...).
    Producer {
        /// What went wrong.
        reason: String,
        /// Whether sending again may succeed.
        retriable: bool,
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
    /// An I/O error with what franzl was doing at the time; a TLS failure that rustls reports as
    /// an I/O error (a fatal alert or a bad record on an established connection) is
    /// [`Error::Tls`] instead, so retriability does not depend on when TLS failed.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        let tls = source
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<futures_rustls::rustls::Error>());
        if let Some(tls) = tls {
            return Self::Tls {
                reason: format!("{}: {tls}", context.into()),
            };
        }
        Self::Io {
            context: context.into(),
            source,
        }
    }

    /// A Kafka error code answered for `context`, with the broker's message if any.
    pub fn kafka(code: ErrorCode, message: Option<&str>, context: impl Into<String>) -> Self {
        Self::Kafka {
            code,
            message: message.filter(|m| !m.is_empty()).map(str::to_owned),
            context: context.into(),
        }
    }

    /// A protocol error: the broker sent something that did not decode.
    pub fn protocol(reason: impl Into<String>) -> Self {
        Self::Protocol {
            reason: reason.into(),
        }
    }

    /// The Kafka error code, when the broker answered with one.
    pub fn kafka_code(&self) -> Option<ErrorCode> {
        match self {
            Self::Kafka { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Converts an error of the sans-I/O connection on the broker `broker`, with the broker's
    /// text for a failed authentication.
    pub fn from_conn(error: ConnError, broker: &str, server_text: Option<&str>) -> Self {
        match error {
            ConnError::AuthenticationFailed(code) => Self::Authentication {
                reason: format!(
                    "{broker} refused the credentials: {code}{}",
                    server_text.map_or(String::new(), |text| format!(": {text}"))
                ),
            },
            ConnError::MechanismNotEnabled(_)
            | ConnError::Scram(_)
            | ConnError::Plain(_)
            | ConnError::CredentialsTooLong => Self::Authentication {
                reason: format!("with {broker}: {error}"),
            },
            ConnError::UnsupportedByBroker(api) => Self::UnsupportedByBroker {
                api,
                broker: broker.to_owned(),
            },
            ConnError::Closed | ConnError::NotReady => Self::Closed {
                what: format!("connection to {broker}"),
            },
            _ => Self::Protocol {
                reason: format!("{broker}: {error}"),
            },
        }
    }

    /// A copy of this error, for failing several requests with the same cause (an I/O error
    /// keeps its kind and text).
    pub fn duplicate(&self) -> Self {
        match self {
            Self::Io { context, source } => Self::Io {
                context: context.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            Self::Timeout { what, after } => Self::Timeout {
                what: what.clone(),
                after: *after,
            },
            Self::Resolve { address, reason } => Self::Resolve {
                address: address.clone(),
                reason: reason.clone(),
            },
            Self::Tls { reason } => Self::Tls {
                reason: reason.clone(),
            },
            Self::Frame(error) => Self::Frame(*error),
            Self::Protocol { reason } => Self::Protocol {
                reason: reason.clone(),
            },
            Self::Config { property, reason } => Self::Config {
                property: property.clone(),
                reason: reason.clone(),
            },
            Self::Kafka {
                code,
                message,
                context,
            } => Self::Kafka {
                code: *code,
                message: message.clone(),
                context: context.clone(),
            },
            Self::Authentication { reason } => Self::Authentication {
                reason: reason.clone(),
            },
            Self::UnsupportedByBroker { api, broker } => Self::UnsupportedByBroker {
                api: *api,
                broker: broker.clone(),
            },
            Self::Closed { what } => Self::Closed { what: what.clone() },
            Self::Producer { reason, retriable } => Self::Producer {
                reason: reason.clone(),
                retriable: *retriable,
            },
        }
    }

    /// Whether the operation may succeed if tried again (on the same or a new connection).
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::Io { .. } | Self::Timeout { .. } | Self::Resolve { .. } | Self::Closed { .. } => {
                true
            }
            Self::Kafka { code, .. } => code.is_retriable(),
            Self::Producer { retriable, .. } => *retriable,
            Self::Tls { .. }
            | Self::Frame(_)
            | Self::Protocol { .. }
            | Self::Config { .. }
            | Self::Authentication { .. }
            | Self::UnsupportedByBroker { .. } => false,
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
            Self::Kafka {
                code,
                message,
                context,
            } => {
                write!(f, "{context}: {code}")?;
                match message {
                    Some(message) => write!(f, ": {message}"),
                    None => Ok(()),
                }
            }
            Self::Authentication { reason } => write!(f, "authentication: {reason}"),
            Self::UnsupportedByBroker { api, broker } => write!(
                f,
                "{broker} supports no version of {} that franzl supports",
                api.name()
            ),
            Self::Closed { what } => write!(f, "{what} is closed"),
            Self::Producer { reason, .. } => write!(f, "producer: {reason}"),
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

impl From<crate::config::ConfigError> for Error {
    fn from(error: crate::config::ConfigError) -> Self {
        Self::Config {
            property: error.property().unwrap_or("configuration").to_owned(),
            reason: error.to_string(),
        }
    }
}

/// The std client's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_failures_reported_as_io_are_tls_errors() {
        use futures_rustls::rustls::{self, AlertDescription};
        let alert = rustls::Error::AlertReceived(AlertDescription::CertificateRequired);
        let source = std::io::Error::new(std::io::ErrorKind::InvalidData, alert);
        let error = Error::io("reading from b:9093", source);
        assert!(matches!(error, Error::Tls { .. }), "{error:?}");
        assert!(!error.is_retriable());
        assert_eq!(
            error.to_string(),
            "TLS: reading from b:9093: received fatal alert: CertificateRequired"
        );
        let reset = Error::io("reading", std::io::ErrorKind::ConnectionReset.into());
        assert!(matches!(reset, Error::Io { .. }) && reset.is_retriable());
    }

    #[test]
    fn kafka_errors_name_the_code_the_context_and_the_message() {
        let error = Error::kafka(
            ErrorCode::INVALID_REPLICATION_FACTOR,
            Some("Replication factor: 5 larger than available brokers: 1."),
            "creating topic t",
        );
        assert_eq!(
            error.to_string(),
            "creating topic t: INVALID_REPLICATION_FACTOR (38): Replication factor: 5 larger \
             than available brokers: 1."
        );
        assert!(!error.is_retriable());
        let error = Error::kafka(ErrorCode::NOT_LEADER_OR_FOLLOWER, Some(""), "t-0");
        assert_eq!(error.to_string(), "t-0: NOT_LEADER_OR_FOLLOWER (6)");
        assert!(error.is_retriable());
        assert_eq!(error.kafka_code(), Some(ErrorCode::NOT_LEADER_OR_FOLLOWER));
    }

    #[test]
    fn connection_errors_keep_their_meaning() {
        let refused = Error::from_conn(
            ConnError::AuthenticationFailed(ErrorCode(58)),
            "b:9092",
            Some("Authentication failed: Invalid username or password"),
        );
        assert!(matches!(refused, Error::Authentication { .. }));
        assert!(refused.to_string().contains("Invalid username or password"));
        assert!(!refused.is_retriable());
        let unsupported =
            Error::from_conn(ConnError::UnsupportedByBroker(ApiKey::Fetch), "b", None);
        assert!(matches!(unsupported, Error::UnsupportedByBroker { .. }));
        let garbage = Error::from_conn(ConnError::UnknownCorrelationId(7), "b", None);
        assert!(matches!(garbage, Error::Protocol { .. }) && !garbage.is_retriable());
    }

    #[test]
    fn duplicates_keep_kind_and_text() {
        let io = Error::io("reading", std::io::ErrorKind::UnexpectedEof.into());
        let copy = io.duplicate();
        assert_eq!(copy.to_string(), io.to_string());
        assert!(
            matches!(copy, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::UnexpectedEof)
        );
    }
}
