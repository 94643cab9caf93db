//! The one error type of the std client: what happened, and whether retrying can help.
//!
//! Contract:
//! - Every variant says what happened in words (its `Display`, which includes the cause's text,
//!   so printing the error alone says everything) and keeps what it wraps as a typed value:
//!   the operating system's [`std::io::Error`], franzl-core's errors ([`CoreError`], and
//!   [`FrameError`] and [`ConnError`] where they are the whole story), the rustls error
//!   ([`TlsCause`]). `source()` returns that value.
//! - [`Error`] is `Clone`, so one failure can fail several requests; causes that are not
//!   `Clone` themselves are shared behind an `Arc`.
//! - [`Error::is_retriable`] is derived from the same facts as the layers below: the Kafka
//!   error-code table ([`ErrorCode::is_retriable`]) and the connection's
//!   ([`ConnError::is_retriable`]); its docs list the answer for each variant.

mod cause;
#[cfg(test)]
mod tests;
mod transaction;

pub use cause::{CoreError, TlsCause};
pub use transaction::TransactionErrorClass;

use franzl_core::ErrorCode;
use franzl_core::conn::{ConnError, FrameError};
use franzl_core::messages::ApiKey;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Anything that can go wrong in franzl. Each case says what happened; [`Error::is_retriable`]
/// says whether the same operation may succeed if tried again.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error on a connection (refused, reset, closed mid-response, ...).
    Io {
        /// What franzl was doing.
        context: String,
        /// The operating system's error.
        source: Arc<std::io::Error>,
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
        /// The system's lookup error, when the lookup itself failed.
        source: Option<Arc<std::io::Error>>,
    },
    /// The TLS handshake failed or TLS could not be set up (bad CA file, certificate rejected),
    /// or TLS failed later on an established connection (a fatal alert from the broker, such as
    /// its refusal of the client certificate, which under TLS 1.3 comes after the handshake).
    Tls {
        /// What franzl was doing, and what went wrong when there is no typed cause.
        reason: String,
        /// What TLS failed on.
        source: Option<TlsCause>,
    },
    /// The broker's bytes could not be framed (an oversized or negative size prefix).
    Frame(FrameError),
    /// franzl and a broker could not exchange a message: the broker sent something franzl could
    /// not make sense of (a response that does not decode, a broken record batch, a response
    /// nobody asked for), or a request could not be encoded at the version agreed with it.
    Protocol {
        /// What franzl was reading or writing, and where.
        reason: String,
        /// The core's error, when the failure is one (`None` for franzl's own checks of a
        /// decoded response).
        source: Option<CoreError>,
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
        /// The connection's error (refused credentials with the broker's code, a failed SCRAM
        /// check, a mechanism the broker does not enable), when the failure is one.
        source: Option<ConnError>,
    },
    /// The broker and franzl share no version of an API: the broker does not offer the API,
    /// or offers only versions outside the range this build of franzl has code for.
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
    /// The producer could not take or deliver a record (its sender stopped, a record too large
    /// for the configured limits, a delivery that failed after its retries, ...).
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
    /// The consumer found that the leader's log of a partition diverges from what it fetched
    /// (KIP-320: records it read were lost in an unclean leader election, or the log was
    /// otherwise truncated), and `auto.offset.reset` is `none`, so it may not choose where to
    /// go on: the partition stops until [`crate::consumer::Consumer::seek`]. Not retriable.
    LogTruncated {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The offset the consumer was fetching from.
        fetch_offset: i64,
        /// The first offset known to diverge: records read at or after it may not be in the
        /// leader's log (`None` when the leader could not say).
        diverging_offset: Option<i64>,
    },
    /// The caller used franzl in a way it does not allow: a seek on a partition the consumer is
    /// not assigned, a record for a partition the topic does not have. The same call fails
    /// again; the caller's code must change.
    Usage {
        /// What was asked, and why it cannot be done.
        what: String,
    },
    /// A transactional producer's transaction failed; `class` says what the producer can still
    /// do: call again ([`TransactionErrorClass::Retriable`]), only abort the transaction
    /// ([`TransactionErrorClass::Abortable`]), or nothing: it must be dropped
    /// ([`TransactionErrorClass::Fatal`]).
    Transaction {
        /// What the producer can still do.
        class: TransactionErrorClass,
        /// What failed.
        reason: String,
        /// The error that caused it (a broker's code, a failed delivery, a timeout), if any.
        cause: Option<Arc<Error>>,
    },
}

impl Error {
    /// An I/O error with what franzl was doing at the time; a TLS failure that rustls reports as
    /// an I/O error (a fatal alert or a bad record on an established connection) is
    /// [`Error::Tls`] instead, with the rustls error as its cause, so retriability does not
    /// depend on when TLS failed.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        if let Some(tls) = cause::rustls_inside(&source) {
            return Self::Tls {
                reason: context.into(),
                source: Some(TlsCause::Rustls(tls.clone())),
            };
        }
        Self::Io {
            context: context.into(),
            source: Arc::new(source),
        }
    }

    /// An address that could not be resolved, for `reason` (no lookup error behind it).
    pub fn resolve(address: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Resolve {
            address: address.into(),
            reason: reason.into(),
            source: None,
        }
    }

    /// A TLS error: `reason` says what franzl was doing (and what failed, without a cause).
    pub fn tls(reason: impl Into<String>, source: Option<TlsCause>) -> Self {
        Self::Tls {
            reason: reason.into(),
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

    /// A protocol error found by franzl's own checks (a decoded response that makes no sense).
    pub fn protocol(reason: impl Into<String>) -> Self {
        Self::Protocol {
            reason: reason.into(),
            source: None,
        }
    }

    /// A protocol error caused by franzl-core: `context` says what franzl was reading or
    /// writing (`decoding a Fetch v16 response`), `source` is the core's error.
    pub fn core(context: impl Into<String>, source: impl Into<CoreError>) -> Self {
        Self::Protocol {
            reason: context.into(),
            source: Some(source.into()),
        }
    }

    /// A misuse by the caller: `what` says what was asked and why it cannot be done.
    pub fn usage(what: impl Into<String>) -> Self {
        Self::Usage { what: what.into() }
    }

    /// The Kafka error code, when the broker answered with one (also as the cause of a
    /// [`Error::Transaction`]).
    pub fn kafka_code(&self) -> Option<ErrorCode> {
        match self {
            Self::Kafka { code, .. } => Some(*code),
            Self::Transaction {
                cause: Some(cause), ..
            } => cause.kafka_code(),
            _ => None,
        }
    }

    /// The class of a [`Error::Transaction`]; `None` for every other error.
    pub fn transaction_class(&self) -> Option<TransactionErrorClass> {
        match self {
            Self::Transaction { class, .. } => Some(*class),
            _ => None,
        }
    }

    /// Converts an error of the sans-I/O connection on the broker `broker`, with the broker's
    /// text for a failed authentication. The connection's error stays the cause.
    pub(crate) fn from_conn(error: ConnError, broker: &str, server_text: Option<&str>) -> Self {
        match error {
            ConnError::AuthenticationFailed(code) => Self::Authentication {
                reason: format!(
                    "{broker} refused the credentials: {code}{}",
                    server_text.map_or(String::new(), |text| format!(": {text}"))
                ),
                source: Some(error),
            },
            ConnError::MechanismNotEnabled(_)
            | ConnError::Scram(_)
            | ConnError::Plain(_)
            | ConnError::CredentialsTooLong => Self::Authentication {
                reason: format!("with {broker}: {error}"),
                source: Some(error),
            },
            ConnError::UnsupportedByBroker(api) => Self::UnsupportedByBroker {
                api,
                broker: broker.to_owned(),
            },
            ConnError::Closed | ConnError::NotReady => Self::Closed {
                what: format!("connection to {broker}"),
            },
            _ => Self::core(broker, error),
        }
    }

    /// Whether the operation may succeed if tried again (on the same or a new connection).
    ///
    /// The answer for each variant, and where it comes from:
    /// - [`Error::Kafka`]: the Kafka error-code table ([`ErrorCode::is_retriable`]).
    /// - [`Error::Protocol`] with a cause: the core's answer ([`CoreError::is_retriable`],
    ///   which is [`ConnError::is_retriable`] for a connection's error); without one (franzl's
    ///   own checks of a response), no.
    /// - [`Error::Authentication`]: no, as [`ConnError::is_retriable`] says of every SASL
    ///   failure.
    /// - [`Error::Frame`]: no, as [`FrameError::is_retriable`] says: the stream's framing is
    ///   lost, and a broker that sent an impossible size sends it again.
    /// - [`Error::Producer`]: as the producer decided for that failure.
    /// - [`Error::Io`], [`Error::Timeout`], [`Error::Resolve`], [`Error::Closed`]: yes, on a
    ///   new connection (as [`ConnError::Closed`]).
    /// - [`Error::Tls`], [`Error::UnsupportedByBroker`] (as
    ///   [`ConnError::UnsupportedByBroker`]), [`Error::Config`], [`Error::Usage`]: no; the
    ///   setup, the broker or the caller's code must change.
    /// - [`Error::LogTruncated`]: no; the caller must choose where to read from.
    /// - [`Error::Transaction`]: when its class is [`TransactionErrorClass::Retriable`].
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::Io { .. } | Self::Timeout { .. } | Self::Resolve { .. } | Self::Closed { .. } => {
                true
            }
            Self::Kafka { code, .. } => code.is_retriable(),
            Self::Protocol { source, .. } => source.is_some_and(|cause| cause.is_retriable()),
            Self::Authentication { source, .. } => source.is_some_and(|cause| cause.is_retriable()),
            Self::Frame(error) => error.is_retriable(),
            Self::Producer { retriable, .. } => *retriable,
            Self::Transaction { class, .. } => *class == TransactionErrorClass::Retriable,
            Self::Tls { .. }
            | Self::Config { .. }
            | Self::UnsupportedByBroker { .. }
            | Self::LogTruncated { .. }
            | Self::Usage { .. } => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { context, source } => write!(f, "{context}: {source}"),
            Self::Timeout { what, after } => write!(f, "timed out after {after:?}: {what}"),
            Self::Resolve {
                address,
                reason,
                source,
            } => {
                write!(f, "cannot resolve {address}: {reason}")?;
                then_cause(f, source.as_deref())
            }
            Self::Tls { reason, source } => {
                write!(f, "TLS: {reason}")?;
                then_cause(f, source.as_ref())
            }
            Self::Frame(error) => write!(f, "broker framing: {error}"),
            Self::Protocol { reason, source } => {
                write!(f, "protocol: {reason}")?;
                then_cause(f, source.as_ref())
            }
            Self::Config { property, reason } => write!(f, "configuration {property}: {reason}"),
            Self::Kafka {
                code,
                message,
                context,
            } => {
                write!(f, "{context}: {code}")?;
                then_cause(f, message.as_ref())
            }
            Self::Authentication { reason, .. } => write!(f, "authentication: {reason}"),
            Self::UnsupportedByBroker { api, broker } => write!(
                f,
                "{broker} supports no version of {} that franzl supports",
                api.name()
            ),
            Self::Closed { what } => write!(f, "{what} is closed"),
            Self::Producer { reason, .. } => write!(f, "producer: {reason}"),
            Self::LogTruncated {
                topic,
                partition,
                fetch_offset,
                diverging_offset,
            } => {
                write!(
                    f,
                    "log truncation on {topic}-{partition} detected fetching offset {fetch_offset}: "
                )?;
                match diverging_offset {
                    Some(offset) => write!(
                        f,
                        "the leader's log diverges from offset {offset}, records read from there on may be lost"
                    )?,
                    None => write!(f, "the leader could not say where its log diverges")?,
                }
                write!(
                    f,
                    "; auto.offset.reset is none, so the partition stops until a seek"
                )
            }
            Self::Usage { what } => write!(f, "usage: {what}"),
            Self::Transaction {
                class,
                reason,
                cause,
            } => {
                write!(f, "transaction ({}): {reason}", class.describe())?;
                then_cause(f, cause.as_deref())
            }
        }
    }
}

/// Writes `: cause` after the text, when there is a cause.
fn then_cause(f: &mut fmt::Formatter<'_>, cause: Option<&impl fmt::Display>) -> fmt::Result {
    match cause {
        Some(cause) => write!(f, ": {cause}"),
        None => Ok(()),
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(&**source),
            Self::Resolve { source, .. } => source
                .as_deref()
                .map(|error| error as &(dyn std::error::Error + 'static)),
            Self::Tls { source, .. } => source.as_ref().map(TlsCause::as_error),
            Self::Frame(error) => Some(error),
            Self::Protocol { source, .. } => source.as_ref().map(CoreError::as_error),
            Self::Authentication { source, .. } => source
                .as_ref()
                .map(|error| error as &(dyn std::error::Error + 'static)),
            Self::Kafka { code, .. } => Some(code),
            Self::Transaction { cause, .. } => cause
                .as_deref()
                .map(|error| error as &(dyn std::error::Error + 'static)),
            Self::Timeout { .. }
            | Self::UnsupportedByBroker { .. }
            | Self::Closed { .. }
            | Self::Producer { .. }
            | Self::Config { .. }
            | Self::LogTruncated { .. }
            | Self::Usage { .. } => None,
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
