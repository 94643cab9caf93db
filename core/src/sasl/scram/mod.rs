//! SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as a sans-I/O client state machine.
//!
//! Kafka carries SCRAM in SaslAuthenticate requests after a SaslHandshake naming
//! [`ScramMechanism::name`]. [`ScramClient`] produces and checks the mechanism bytes only:
//!
//! 1. [`ScramClient::client_first`] writes `n,,n=<user>,r=<client nonce>`;
//! 2. [`ScramClient::handle_server_first`] checks the server's reply and writes client-final
//!    (`c=biws,r=<nonce>,p=<proof>`), running Hi (PBKDF2) for the server's iteration count;
//! 3. [`ScramClient::handle_server_final`] checks the server's signature in constant time.
//!
//! Calling a step out of order is an error. Output goes into the caller's buffer; a buffer that
//! is too small gives [`ScramError::BufferTooSmall`] with the exact size and leaves the state as
//! it was. Any other error ends the exchange.
//!
//! No clock, randomness, I/O or allocation: the client nonce comes from the caller (use at least
//! 18 random bytes, e.g. base64 of 24 random bytes). The client borrows the user name and
//! password and keeps a copy of the nonce (at most [`MAX_CLIENT_NONCE_LEN`] bytes), so a caller
//! can make each exchange's nonce where it starts it; its own state is fixed-size: the nonce,
//! the expected server signature (64 bytes), the salt
//! while it is used ([`MAX_SALT_LEN`] = 128 bytes), and a copy of a server error text truncated
//! to [`MAX_SERVER_ERROR_LEN`] = 128 bytes. Messages of any length are accepted; nothing else
//! is bounded except the iteration count: at least [`MIN_ITERATIONS`] (4096, as RFC 7677 and the
//! Java client require) and at most [`DEFAULT_MAX_ITERATIONS`] (16384, the most a Kafka broker's
//! controller accepts when credentials are created) unless raised with
//! [`ScramClient::with_max_iterations`], so a hostile server cannot make a microcontroller
//! compute for minutes. As in the Java client and librdkafka, user name and password are used as
//! UTF-8 bytes without SASLprep.
//!
//! # Examples
//! The exchange of RFC 7677 §3:
//! ```
//! use franzl_core::sasl::scram::{ScramClient, ScramMechanism};
//! let mut client =
//!     ScramClient::new(ScramMechanism::Sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO")?;
//! let mut buf = [0u8; 128];
//! let n = client.client_first(&mut buf)?;
//! assert_eq!(&buf[..n], b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
//! let server_first = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
//!                      s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
//! let n = client.handle_server_first(server_first, &mut buf)?;
//! assert!(buf[..n].ends_with(b",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
//! client.handle_server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")?;
//! assert!(client.is_authenticated());
//! # Ok::<(), franzl_core::sasl::scram::ScramError>(())
//! ```

mod client_messages;
mod crypto;
mod error;
mod hash;
mod parse;
// The exchanges below need both mechanisms built in (the default features).
#[cfg(all(test, feature = "scram-sha256", feature = "scram-sha512"))]
mod property_tests;
#[cfg(all(test, feature = "scram-sha256", feature = "scram-sha512"))]
mod tests;

use core::fmt;

use crate::sasl::base64;
use client_messages::ScramAuthMessage;
use crypto::{HashBuf, zeroed};
pub use error::{ScramError, ServerErrorValue};
pub use parse::{MAX_SALT_LEN, ServerFinal, ServerFirst, parse_server_final, parse_server_first};

/// The smallest iteration count the client accepts (RFC 7677 §4, Kafka's minimum).
pub const MIN_ITERATIONS: u32 = 4096;
/// The largest iteration count accepted unless raised with [`ScramClient::with_max_iterations`].
pub const DEFAULT_MAX_ITERATIONS: u32 = 16_384;
/// The longest client nonce [`ScramClient::new`] accepts, in bytes (the client keeps a copy).
pub const MAX_CLIENT_NONCE_LEN: usize = 64;

/// The longest server error text kept by [`ScramClient::server_error_text`], in bytes.
pub const MAX_SERVER_ERROR_LEN: usize = 128;

/// The SCRAM variants Kafka supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ScramMechanism {
    /// SCRAM-SHA-256 (RFC 7677).
    Sha256,
    /// SCRAM-SHA-512.
    Sha512,
}

impl ScramMechanism {
    /// The mechanism name sent in SaslHandshake, e.g. `SCRAM-SHA-256`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SCRAM-SHA-256",
            Self::Sha512 => "SCRAM-SHA-512",
        }
    }

    /// The mechanism with this exact (upper-case) name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "SCRAM-SHA-256" => Some(Self::Sha256),
            "SCRAM-SHA-512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The hash output length in bytes: the length of keys, proofs and signatures.
    #[must_use]
    pub const fn hash_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    /// Whether this build of franzl-core can run the mechanism: its cargo feature
    /// (`scram-sha256`, `scram-sha512`, both on by default) is enabled. Without it the
    /// mechanism's hash is not linked and [`ScramClient::new`] refuses it.
    #[must_use]
    pub const fn is_enabled(self) -> bool {
        match self {
            Self::Sha256 => cfg!(feature = "scram-sha256"),
            Self::Sha512 => cfg!(feature = "scram-sha512"),
        }
    }
}

/// Where the exchange stands.
#[derive(Clone)]
enum State {
    Initial,
    AwaitingServerFirst,
    AwaitingServerFinal { server_signature: HashBuf },
    Authenticated,
    Failed,
}

impl State {
    const fn name(&self) -> &'static str {
        match self {
            Self::Initial => "Initial",
            Self::AwaitingServerFirst => "AwaitingServerFirst",
            Self::AwaitingServerFinal { .. } => "AwaitingServerFinal",
            Self::Authenticated => "Authenticated",
            Self::Failed => "Failed",
        }
    }
}

/// The client nonce, copied into the client.
#[derive(Clone)]
struct ClientNonce {
    bytes: [u8; MAX_CLIENT_NONCE_LEN],
    len: usize,
}

impl ClientNonce {
    /// A copy of `nonce`, or `None` when it is longer than [`MAX_CLIENT_NONCE_LEN`].
    fn new(nonce: &str) -> Option<Self> {
        let mut bytes = [0; MAX_CLIENT_NONCE_LEN];
        bytes
            .get_mut(..nonce.len())?
            .copy_from_slice(nonce.as_bytes());
        Some(Self {
            bytes,
            len: nonce.len(),
        })
    }

    /// The nonce (printable ASCII, checked by [`ScramClient::new`]).
    fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..self.len).unwrap_or_default();
        core::str::from_utf8(bytes).unwrap_or_default()
    }
}

/// A SCRAM client exchange; see the [module documentation](self) for the order of calls.
///
/// `Clone` copies the exchange as it stands (a test can branch one exchange many ways).
#[derive(Clone)]
pub struct ScramClient<'a> {
    mechanism: ScramMechanism,
    username: &'a str,
    password: &'a str,
    client_nonce: ClientNonce,
    max_iterations: u32,
    state: State,
    server_error: [u8; MAX_SERVER_ERROR_LEN],
    server_error_len: usize,
}

impl fmt::Debug for ScramClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password and the expected server signature stay out of logs.
        f.debug_struct("ScramClient")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .field("password", &"***")
            .field("client_nonce", &self.client_nonce.as_str())
            .field("max_iterations", &self.max_iterations)
            .field("state", &self.state.name())
            .finish_non_exhaustive()
    }
}

impl<'a> ScramClient<'a> {
    /// Starts an exchange for `username` and `password` with the caller's random `client_nonce`
    /// (copied: it need not outlive the call).
    ///
    /// # Errors
    /// [`ScramError::InvalidClientNonce`] if the nonce is empty, longer than
    /// [`MAX_CLIENT_NONCE_LEN`], or has a byte that is not printable ASCII, or a `,`;
    /// [`ScramError::MechanismDisabled`] if the mechanism's cargo feature is off (see
    /// [`ScramMechanism::is_enabled`]).
    pub fn new(
        mechanism: ScramMechanism,
        username: &'a str,
        password: &'a str,
        client_nonce: &str,
    ) -> Result<Self, ScramError> {
        if !mechanism.is_enabled() {
            return Err(ScramError::MechanismDisabled);
        }
        if !parse::is_valid_nonce(client_nonce) {
            return Err(ScramError::InvalidClientNonce);
        }
        let client_nonce = ClientNonce::new(client_nonce).ok_or(ScramError::InvalidClientNonce)?;
        Ok(Self {
            mechanism,
            username,
            password,
            client_nonce,
            max_iterations: DEFAULT_MAX_ITERATIONS,
            state: State::Initial,
            server_error: [0; MAX_SERVER_ERROR_LEN],
            server_error_len: 0,
        })
    }

    /// Sets the largest iteration count accepted from the server (default
    /// [`DEFAULT_MAX_ITERATIONS`]). Each iteration costs two SHA blocks; raise it only for
    /// servers known to need it.
    #[must_use]
    pub fn with_max_iterations(mut self, max_iterations: u32) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    /// The mechanism of this exchange.
    #[must_use]
    pub const fn mechanism(&self) -> ScramMechanism {
        self.mechanism
    }

    /// The exact length of the client-first message.
    #[must_use]
    pub fn client_first_len(&self) -> usize {
        client_messages::client_first_len(self.username, self.client_nonce.as_str())
    }

    /// Writes the client-first message into `out` and returns its length.
    ///
    /// # Errors
    /// [`ScramError::OutOfOrder`] unless this is the first step;
    /// [`ScramError::BufferTooSmall`] if `out` is shorter than [`Self::client_first_len`].
    pub fn client_first(&mut self, out: &mut [u8]) -> Result<usize, ScramError> {
        if !matches!(self.state, State::Initial) {
            return Err(ScramError::OutOfOrder);
        }
        let written =
            client_messages::write_client_first(self.username, self.client_nonce.as_str(), out)?;
        self.state = State::AwaitingServerFirst;
        Ok(written)
    }

    /// Checks the server-first message, derives the keys, and writes client-final into `out`.
    ///
    /// The length needed is checked before the (slow) key derivation.
    ///
    /// # Errors
    /// [`ScramError::OutOfOrder`] unless client-first was written and no server-first was
    /// handled yet; [`ScramError::BufferTooSmall`] (state unchanged); and every check on the
    /// message: [`ScramError::MandatoryExtension`], [`ScramError::Malformed`],
    /// [`ScramError::InvalidServerNonce`], [`ScramError::NonceMismatch`],
    /// [`ScramError::NonceNotExtended`], [`ScramError::InvalidSalt`],
    /// [`ScramError::SaltTooLong`], [`ScramError::InvalidIterationCount`],
    /// [`ScramError::IterationCountTooLow`], [`ScramError::IterationCountTooHigh`].
    pub fn handle_server_first(
        &mut self,
        message: &[u8],
        out: &mut [u8],
    ) -> Result<usize, ScramError> {
        if !matches!(self.state, State::AwaitingServerFirst) {
            return Err(ScramError::OutOfOrder);
        }
        match self.answer_server_first(message, out) {
            Ok((written, server_signature)) => {
                self.state = State::AwaitingServerFinal { server_signature };
                Ok(written)
            }
            Err(error @ ScramError::BufferTooSmall { .. }) => Err(error),
            Err(error) => {
                self.state = State::Failed;
                Err(error)
            }
        }
    }

    fn answer_server_first(
        &self,
        message: &[u8],
        out: &mut [u8],
    ) -> Result<(usize, HashBuf), ScramError> {
        let server_first = parse_server_first(message)?;
        let nonce = server_first.nonce;
        let client_nonce = self.client_nonce.as_str();
        if !nonce.starts_with(client_nonce) {
            return Err(ScramError::NonceMismatch);
        }
        if nonce.len() == client_nonce.len() {
            return Err(ScramError::NonceNotExtended);
        }
        if server_first.iterations < MIN_ITERATIONS {
            return Err(ScramError::IterationCountTooLow);
        }
        if server_first.iterations > self.max_iterations {
            return Err(ScramError::IterationCountTooHigh);
        }
        let hash_len = self.mechanism.hash_len();
        let needed = client_messages::client_final_len(nonce, hash_len);
        if out.len() < needed {
            return Err(ScramError::BufferTooSmall { needed });
        }
        let mut salt = [0u8; MAX_SALT_LEN];
        let salt_len = base64::decode(server_first.salt_base64.as_bytes(), &mut salt)
            .map_err(|_| ScramError::InvalidSalt)?;
        let auth_message = ScramAuthMessage {
            username: self.username,
            client_nonce,
            server_first: message,
            combined_nonce: nonce,
        };
        let keys = crypto::derive(
            self.mechanism,
            self.password.as_bytes(),
            salt.get(..salt_len).unwrap_or(&[]),
            server_first.iterations,
            &auth_message,
        )
        .ok_or(ScramError::MechanismDisabled)?;
        let proof = keys.client_proof.get(..hash_len).unwrap_or(&[]);
        let written = client_messages::write_client_final(nonce, proof, out)?;
        Ok((written, keys.server_signature))
    }

    /// Checks the server-final message: `v=` must carry the expected server signature.
    ///
    /// # Errors
    /// [`ScramError::OutOfOrder`] unless client-final was written and this is the first
    /// server-final; [`ScramError::ServerError`] for `e=` (its text is then kept, see
    /// [`Self::server_error_text`]); [`ScramError::MissingVerifier`];
    /// [`ScramError::Malformed`]; [`ScramError::InvalidVerifier`];
    /// [`ScramError::ServerSignatureMismatch`].
    pub fn handle_server_final(&mut self, message: &[u8]) -> Result<(), ScramError> {
        if !matches!(self.state, State::AwaitingServerFinal { .. }) {
            return Err(ScramError::OutOfOrder);
        }
        // From here every path but success ends the exchange.
        let State::AwaitingServerFinal { server_signature } =
            core::mem::replace(&mut self.state, State::Failed)
        else {
            return Err(ScramError::OutOfOrder);
        };
        let verifier = match parse_server_final(message)? {
            ServerFinal::Verifier(verifier) => verifier,
            ServerFinal::Error(text) => {
                self.keep_server_error(text);
                return Err(ScramError::ServerError(ServerErrorValue::from_text(text)));
            }
        };
        let hash_len = self.mechanism.hash_len();
        let mut received = zeroed();
        match base64::decode(verifier.as_bytes(), &mut received[..]) {
            Ok(len) if len == hash_len => {}
            // Valid base64 of another length (longer than any hash: too long for the buffer).
            Ok(_) | Err(base64::Base64Error::BufferTooSmall { .. }) => {
                return Err(ScramError::ServerSignatureMismatch);
            }
            Err(_) => return Err(ScramError::InvalidVerifier),
        }
        let expected = server_signature.get(..hash_len).unwrap_or(&[]);
        if !crypto::constant_time_eq(received.get(..hash_len).unwrap_or(&[]), expected) {
            return Err(ScramError::ServerSignatureMismatch);
        }
        self.state = State::Authenticated;
        Ok(())
    }

    /// Copies up to [`MAX_SERVER_ERROR_LEN`] bytes of `text`, cut at a character boundary.
    fn keep_server_error(&mut self, text: &str) {
        let mut len = text.len().min(MAX_SERVER_ERROR_LEN);
        while !text.is_char_boundary(len) {
            len -= 1;
        }
        let kept = text.as_bytes().get(..len).unwrap_or(&[]);
        if let Some(dst) = self.server_error.get_mut(..kept.len()) {
            dst.copy_from_slice(kept);
            self.server_error_len = kept.len();
        }
    }

    /// The text of the server's `e=` attribute (truncated to [`MAX_SERVER_ERROR_LEN`] bytes),
    /// if the exchange ended with one.
    #[must_use]
    pub fn server_error_text(&self) -> Option<&str> {
        let bytes = self.server_error.get(..self.server_error_len)?;
        if bytes.is_empty() {
            None
        } else {
            core::str::from_utf8(bytes).ok()
        }
    }

    /// Whether the server proved it knows the password: the exchange succeeded.
    #[must_use]
    pub const fn is_authenticated(&self) -> bool {
        matches!(self.state, State::Authenticated)
    }

    /// Whether the exchange failed; every further step returns [`ScramError::OutOfOrder`].
    #[must_use]
    pub const fn is_failed(&self) -> bool {
        matches!(self.state, State::Failed)
    }
}

#[cfg(test)]
mod feature_tests {
    use super::*;

    #[test]
    fn a_mechanism_is_refused_exactly_when_its_feature_is_off() {
        for mechanism in [ScramMechanism::Sha256, ScramMechanism::Sha512] {
            let result = ScramClient::new(mechanism, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
            if mechanism.is_enabled() {
                assert!(result.is_ok(), "{mechanism:?}");
            } else {
                assert_eq!(result.err(), Some(ScramError::MechanismDisabled));
            }
        }
    }
}
