//! The SASL part of the handshake: SaslHandshake naming the mechanism, then SaslAuthenticate
//! rounds carrying the mechanism's bytes (one for PLAIN, two for SCRAM).
//!
//! The next message to send is kept in a fixed buffer of [`MAX_SASL_MESSAGE`] bytes, since it is
//! computed when the server's message arrives and sent when the caller next asks for output.

use super::error::ConnError;
use crate::messages::sasl_authenticate::SaslAuthenticateResponse;
use crate::messages::sasl_handshake::SaslHandshakeResponse;
use crate::sasl::SaslMechanism;
use crate::sasl::plain::{plain_message_len, write_plain_message};
use crate::sasl::scram::{ScramClient, ScramError};
use core::fmt;
use zeroize::Zeroize;

/// The longest SASL message franzl sends: on a microcontroller (no `std`), a SCRAM-SHA-512
/// client-final (100 bytes plus the combined nonce) with a server nonce of up to 250 bytes, or
/// PLAIN credentials that fit in 384 bytes; with `std`, 4 KiB, room for PLAIN credentials such
/// as long tokens or connection strings used as passwords. Longer ones are refused with
/// [`ConnError::CredentialsTooLong`].
#[cfg(not(feature = "std"))]
pub const MAX_SASL_MESSAGE: usize = 384;
/// The longest SASL message franzl sends (see the `no_std` build's docs).
#[cfg(feature = "std")]
pub const MAX_SASL_MESSAGE: usize = 4096;

/// SASL credentials for a connection. `Debug` never shows the password.
#[derive(Clone, Copy)]
pub struct Credentials<'c> {
    /// The mechanism to use.
    pub mechanism: SaslMechanism,
    /// The user name.
    pub username: &'c str,
    /// The password.
    pub password: &'c str,
    /// The SCRAM client nonce: printable ASCII without `,`, at most 64 bytes, from a good random
    /// source, fresh for every connection (unused for PLAIN). A re-authentication takes a fresh
    /// one of its own.
    pub nonce: &'c str,
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .field("password", &"***")
            .finish_non_exhaustive()
    }
}

/// The request the SASL step wants sent next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SaslRequest<'s> {
    /// SaslHandshake v1 with this mechanism name.
    Handshake(&'static str),
    /// SaslAuthenticate with these bytes.
    Authenticate(&'s [u8]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    SendHandshake,
    AwaitHandshake,
    SendAuthenticate,
    AwaitAuthenticate,
}

impl Drop for SaslStep<'_> {
    /// Wipes a message not sent yet (a connection dropped mid-handshake).
    fn drop(&mut self) {
        self.message.zeroize();
    }
}

/// Whether any SCRAM mechanism is built in. Without one, [`ScramClient::new`] refuses every
/// SCRAM mechanism, and the steps below skip the SCRAM branches at compile time, so SCRAM's
/// parsing and base64 are not linked either.
const SCRAM_LINKED: bool = cfg!(any(feature = "scram-sha256", feature = "scram-sha512"));

/// The SASL exchange of one connection.
pub(super) struct SaslStep<'c> {
    credentials: Credentials<'c>,
    scram: Option<ScramClient<'c>>,
    phase: Phase,
    /// SaslAuthenticate responses handled so far.
    rounds: u8,
    message: [u8; MAX_SASL_MESSAGE],
    message_len: usize,
}

impl fmt::Debug for SaslStep<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaslStep")
            .field("credentials", &self.credentials)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

/// What a SaslAuthenticate response meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Progress {
    /// Another round: send the next message.
    Continue,
    /// Authenticated.
    Done,
}

impl<'c> SaslStep<'c> {
    /// An exchange with `credentials`, and `nonce` in place of theirs (SCRAM copies it).
    pub(super) fn new(credentials: Credentials<'c>, nonce: &str) -> Result<Self, ConnError> {
        let scram = match credentials.mechanism {
            SaslMechanism::Scram(mechanism) => Some(
                ScramClient::new(mechanism, credentials.username, credentials.password, nonce)
                    .map_err(ConnError::Scram)?,
            ),
            _ => None,
        };
        Ok(Self {
            credentials: Credentials {
                nonce: "",
                ..credentials
            },
            scram,
            phase: Phase::SendHandshake,
            rounds: 0,
            message: [0; MAX_SASL_MESSAGE],
            message_len: 0,
        })
    }

    /// The request to send now, if any.
    pub(super) fn next_request(&self) -> Option<SaslRequest<'_>> {
        match self.phase {
            Phase::SendHandshake => Some(SaslRequest::Handshake(self.credentials.mechanism.name())),
            Phase::SendAuthenticate => Some(SaslRequest::Authenticate(
                self.message.get(..self.message_len)?,
            )),
            Phase::AwaitHandshake | Phase::AwaitAuthenticate => None,
        }
    }

    /// The request from [`SaslStep::next_request`] was written: a mechanism message (PLAIN's
    /// holds the password) is wiped from the step's buffer.
    pub(super) fn sent(&mut self) {
        self.phase = match self.phase {
            Phase::SendHandshake => Phase::AwaitHandshake,
            Phase::SendAuthenticate => {
                self.message.zeroize();
                self.message_len = 0;
                Phase::AwaitAuthenticate
            }
            waiting => waiting,
        };
    }

    /// Whether the step's message buffer is all zeros (for tests of the wiping).
    #[cfg(test)]
    pub(super) fn message_is_wiped(&self) -> bool {
        self.message.iter().all(|&b| b == 0)
    }

    /// Whether a response to this step is expected.
    pub(super) fn awaits(&self) -> bool {
        matches!(self.phase, Phase::AwaitHandshake | Phase::AwaitAuthenticate)
    }

    /// Handles the SaslHandshake response and prepares the first mechanism message.
    pub(super) fn handle_handshake(
        &mut self,
        response: &SaslHandshakeResponse<'_>,
    ) -> Result<(), ConnError> {
        if self.phase != Phase::AwaitHandshake {
            // A response of the other SASL API than the step awaits.
            return Err(ConnError::Decode(crate::wire::DecodeError::WrongApi));
        }
        let code = response.error_code;
        if !code.is_ok() {
            return Err(ConnError::MechanismNotEnabled(code));
        }
        let credentials = self.credentials;
        self.message_len = match self.scram.as_mut().filter(|_| SCRAM_LINKED) {
            Some(scram) => scram
                .client_first(&mut self.message)
                .map_err(ConnError::Scram)?,
            None => {
                let len = plain_message_len(credentials.username, credentials.password)
                    .map_err(ConnError::Plain)?;
                let out = self
                    .message
                    .get_mut(..len)
                    .ok_or(ConnError::CredentialsTooLong)?;
                write_plain_message(credentials.username, credentials.password, out)
                    .map_err(ConnError::Plain)?
            }
        };
        self.phase = Phase::SendAuthenticate;
        Ok(())
    }

    /// Handles a SaslAuthenticate response whose error code was NONE.
    pub(super) fn handle_authenticate(
        &mut self,
        response: &SaslAuthenticateResponse<'_>,
    ) -> Result<Progress, ConnError> {
        if self.phase != Phase::AwaitAuthenticate {
            // A response of the other SASL API than the step awaits.
            return Err(ConnError::Decode(crate::wire::DecodeError::WrongApi));
        }
        let round = self.rounds;
        self.rounds = self.rounds.saturating_add(1);
        let Some(scram) = self.scram.as_mut().filter(|_| SCRAM_LINKED) else {
            return Ok(Progress::Done);
        };
        if round == 0 {
            // The server-first message: answer with client-final.
            self.message_len = scram
                .handle_server_first(response.auth_bytes, &mut self.message)
                .map_err(|error| match error {
                    ScramError::BufferTooSmall { .. } => ConnError::CredentialsTooLong,
                    error => ConnError::Scram(error),
                })?;
            self.phase = Phase::SendAuthenticate;
            return Ok(Progress::Continue);
        }
        scram
            .handle_server_final(response.auth_bytes)
            .map_err(ConnError::Scram)?;
        Ok(Progress::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_message_is_wiped_once_sent() {
        let plain = Credentials {
            mechanism: SaslMechanism::Plain,
            username: "u",
            password: "hunter2",
            nonce: "",
        };
        let mut step = SaslStep::new(plain, "").unwrap();
        step.sent();
        step.handle_handshake(&SaslHandshakeResponse::default())
            .unwrap();
        assert_eq!(
            step.next_request(),
            Some(SaslRequest::Authenticate(b"\0u\0hunter2"))
        );
        assert!(!step.message_is_wiped());
        step.sent();
        assert!(step.message_is_wiped(), "the password left in the buffer");
        assert_eq!(step.next_request(), None);
    }
}
