//! Why a SCRAM exchange failed: one variant per check the client makes.

use core::fmt;

/// A SCRAM failure. Every check of the server's messages has its own variant, so a caller (and a
/// test) can tell a wrong nonce from a weak iteration count from a forged signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ScramError {
    /// The output buffer is too small; `needed` bytes are required. The client's state is
    /// unchanged, so the same step can be called again with a larger buffer.
    BufferTooSmall {
        /// The size the output buffer must have.
        needed: usize,
    },
    /// A step was called out of order, or after the exchange ended or failed.
    OutOfOrder,
    /// The client nonce given to `ScramClient::new` is empty, longer than
    /// [`super::MAX_CLIENT_NONCE_LEN`], or has a byte that is not printable ASCII, or a `,`.
    InvalidClientNonce,
    /// A server message breaks the attribute syntax (`a=value` separated by `,`), or has its
    /// attributes in the wrong order, or is not UTF-8.
    Malformed,
    /// The server-first message starts with `m=`, a mandatory extension this client does not know.
    MandatoryExtension,
    /// The server nonce is empty or has a byte that is not printable ASCII.
    InvalidServerNonce,
    /// The server nonce does not start with the client nonce.
    NonceMismatch,
    /// The server nonce is the client nonce alone: the server added nothing of its own.
    NonceNotExtended,
    /// The salt is empty or not strict base64.
    InvalidSalt,
    /// The salt decodes to more than `MAX_SALT_LEN` bytes.
    SaltTooLong,
    /// The iteration count is not a decimal number.
    InvalidIterationCount,
    /// The iteration count is below 4096, the minimum of RFC 7677 and the Kafka brokers.
    IterationCountTooLow,
    /// The iteration count is above the client's bound (see `ScramClient::set_max_iterations`).
    IterationCountTooHigh,
    /// The server-final message carries neither `v=` nor `e=`.
    MissingVerifier,
    /// The `v=` value is not strict base64.
    InvalidVerifier,
    /// The server signature differs from the one the client computed: the server does not
    /// know the password, or the exchange was tampered with.
    ServerSignatureMismatch,
    /// The server ended the exchange with `e=`; its text can be read from
    /// `ScramClient::server_error_text`.
    ServerError(ServerErrorValue),
    /// The mechanism's cargo feature (`scram-sha256` or `scram-sha512`) is off in this build.
    MechanismDisabled,
}

impl fmt::Display for ScramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::BufferTooSmall { needed } => {
                return write!(f, "SCRAM: buffer too small, need {needed}");
            }
            Self::ServerError(value) => return write!(f, "SCRAM: server error: {value}"),
            Self::OutOfOrder => "SCRAM: step called out of order",
            Self::InvalidClientNonce => "SCRAM: invalid client nonce",
            Self::Malformed => "SCRAM: malformed server message",
            Self::MandatoryExtension => "SCRAM: server requires an unknown mandatory extension",
            Self::InvalidServerNonce => "SCRAM: invalid server nonce",
            Self::NonceMismatch => "SCRAM: server nonce does not start with the client nonce",
            Self::NonceNotExtended => "SCRAM: server nonce adds nothing to the client nonce",
            Self::InvalidSalt => "SCRAM: salt is empty or not base64",
            Self::SaltTooLong => "SCRAM: salt is too long",
            Self::InvalidIterationCount => "SCRAM: iteration count is not a number",
            Self::IterationCountTooLow => "SCRAM: iteration count below 4096",
            Self::IterationCountTooHigh => "SCRAM: iteration count above the client's bound",
            Self::MissingVerifier => "SCRAM: server-final message has no verifier",
            Self::InvalidVerifier => "SCRAM: server verifier is not base64",
            Self::ServerSignatureMismatch => "SCRAM: server signature does not match",
            Self::MechanismDisabled => "SCRAM: mechanism not enabled in this build",
        };
        f.write_str(text)
    }
}

impl core::error::Error for ScramError {}

/// The `server-error-value`s of RFC 5802 §7, sent by a server in `e=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ServerErrorValue {
    /// `invalid-encoding`
    InvalidEncoding,
    /// `extensions-not-supported`
    ExtensionsNotSupported,
    /// `invalid-proof`: usually a wrong password.
    InvalidProof,
    /// `channel-bindings-dont-match`
    ChannelBindingsDontMatch,
    /// `server-does-support-channel-binding`
    ServerDoesSupportChannelBinding,
    /// `channel-binding-not-supported`
    ChannelBindingNotSupported,
    /// `unsupported-channel-binding-type`
    UnsupportedChannelBindingType,
    /// `unknown-user`
    UnknownUser,
    /// `invalid-username-encoding`
    InvalidUsernameEncoding,
    /// `no-resources`
    NoResources,
    /// `other-error`
    OtherError,
    /// Any other text (RFC 5802 allows extension values; Kafka brokers send free text).
    Unrecognized,
}

impl ServerErrorValue {
    /// Classifies the text of an `e=` attribute.
    #[must_use]
    pub fn from_text(text: &str) -> Self {
        // One table of spellings (`as_str`'s) serves both directions.
        Self::RECOGNIZED
            .into_iter()
            .find(|value| value.as_str() == text)
            .unwrap_or(Self::Unrecognized)
    }

    /// Every value with an RFC 5802 spelling.
    const RECOGNIZED: [Self; 11] = [
        Self::InvalidEncoding,
        Self::ExtensionsNotSupported,
        Self::InvalidProof,
        Self::ChannelBindingsDontMatch,
        Self::ServerDoesSupportChannelBinding,
        Self::ChannelBindingNotSupported,
        Self::UnsupportedChannelBindingType,
        Self::UnknownUser,
        Self::InvalidUsernameEncoding,
        Self::NoResources,
        Self::OtherError,
    ];

    /// The RFC 5802 spelling, or `"unrecognized"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidEncoding => "invalid-encoding",
            Self::ExtensionsNotSupported => "extensions-not-supported",
            Self::InvalidProof => "invalid-proof",
            Self::ChannelBindingsDontMatch => "channel-bindings-dont-match",
            Self::ServerDoesSupportChannelBinding => "server-does-support-channel-binding",
            Self::ChannelBindingNotSupported => "channel-binding-not-supported",
            Self::UnsupportedChannelBindingType => "unsupported-channel-binding-type",
            Self::UnknownUser => "unknown-user",
            Self::InvalidUsernameEncoding => "invalid-username-encoding",
            Self::NoResources => "no-resources",
            Self::OtherError => "other-error",
            Self::Unrecognized => "unrecognized",
        }
    }
}

impl fmt::Display for ServerErrorValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
