//! SASL mechanisms for Kafka: PLAIN and SCRAM, as sans-I/O steps over caller buffers.
//!
//! The Kafka exchange is a SaslHandshake request naming the mechanism ([`SaslMechanism::name`]),
//! then SaslAuthenticate requests whose `auth_bytes` are the mechanism's messages. This module
//! makes and checks those bytes only; the protocol messages are in `messages`. Nothing here
//! reads a clock, draws random numbers, does I/O or allocates: the SCRAM nonce comes from the
//! caller, and every message is written into a caller's `&mut [u8]`, with an error that names
//! the size needed when it does not fit.
//!
//! - [`plain`]: `\0user\0password` in one message.
//! - [`scram`]: SCRAM-SHA-256 and SCRAM-SHA-512, a three-step client state machine.
//! - [`base64`]: the strict base64 SCRAM needs.

pub mod base64;
pub mod plain;
pub mod scram;

/// The SASL mechanisms franzl implements, by their SaslHandshake names. More may come
/// (OAUTHBEARER), hence `non_exhaustive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SaslMechanism {
    /// `PLAIN` (RFC 4616): the password is sent as is, so use it only over TLS.
    Plain,
    /// `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    Scram(scram::ScramMechanism),
}

impl SaslMechanism {
    /// The mechanism name sent in SaslHandshake.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::Scram(scram) => scram.name(),
        }
    }

    /// The mechanism with this exact (upper-case) name; `None` for mechanisms franzl does not
    /// implement (such as `GSSAPI` or `OAUTHBEARER`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "PLAIN" => Some(Self::Plain),
            _ => scram::ScramMechanism::from_name(name).map(Self::Scram),
        }
    }
}
