//! The test users of the `sasl` profile, in one place for the launcher and the tests.
//!
//! These are throwaway credentials for a broker that listens on 127.0.0.1 only.

/// A user name and password known to the `sasl` broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: &'static str,
    /// The password.
    pub password: &'static str,
}

/// The user the `sasl` broker accepts with SASL/PLAIN (from the listener's JAAS config).
pub const PLAIN_USER: Credentials = Credentials {
    username: "franzl-plain",
    password: "plain-secret",
};

/// The user the `sasl` broker accepts with SCRAM-SHA-256 (added when storage is formatted).
pub const SCRAM_SHA_256_USER: Credentials = Credentials {
    username: "franzl-scram256",
    password: "scram256-secret",
};

/// The user the `sasl` broker accepts with SCRAM-SHA-512 (added when storage is formatted).
pub const SCRAM_SHA_512_USER: Credentials = Credentials {
    username: "franzl-scram512",
    password: "scram512-secret",
};

/// A SASL mechanism the `sasl` profile enables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SaslMechanism {
    /// SASL/PLAIN.
    Plain,
    /// SCRAM-SHA-256.
    ScramSha256,
    /// SCRAM-SHA-512.
    ScramSha512,
}

impl SaslMechanism {
    /// Every mechanism the `sasl` profile enables.
    pub const ALL: [SaslMechanism; 3] = [
        SaslMechanism::Plain,
        SaslMechanism::ScramSha256,
        SaslMechanism::ScramSha512,
    ];

    /// The mechanism's name as Kafka spells it (`sasl.mechanism`).
    pub fn name(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }

    /// The test user the broker accepts with this mechanism.
    pub fn user(self) -> Credentials {
        match self {
            SaslMechanism::Plain => PLAIN_USER,
            SaslMechanism::ScramSha256 => SCRAM_SHA_256_USER,
            SaslMechanism::ScramSha512 => SCRAM_SHA_512_USER,
        }
    }

    /// The Java login module class for this mechanism.
    pub(crate) fn login_module(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "org.apache.kafka.common.security.plain.PlainLoginModule",
            SaslMechanism::ScramSha256 | SaslMechanism::ScramSha512 => {
                "org.apache.kafka.common.security.scram.ScramLoginModule"
            }
        }
    }
}
