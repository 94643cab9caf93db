//! SASL PLAIN (RFC 4616): the single client message `\0user\0password`.
//!
//! Kafka sends it as the one SaslAuthenticate request after a SaslHandshake naming `PLAIN`. The
//! authorization identity is left empty, as the Java client and librdkafka do. The message takes
//! exactly [`plain_message_len`] bytes; [`write_plain_message`] writes it into the caller's buffer.
//! Neither part may contain a NUL byte, which would change where the fields split.

use core::fmt;

/// Why the PLAIN message could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlainError {
    /// The output buffer is too small; `needed` bytes are required.
    BufferTooSmall {
        /// The size the output buffer must have.
        needed: usize,
    },
    /// The user name contains a NUL byte.
    NulInUsername,
    /// The password contains a NUL byte.
    NulInPassword,
    /// The message length does not fit in `usize`.
    TooLong,
}

impl fmt::Display for PlainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall { needed } => write!(f, "PLAIN: buffer too small, need {needed}"),
            Self::NulInUsername => f.write_str("PLAIN: user name contains a NUL byte"),
            Self::NulInPassword => f.write_str("PLAIN: password contains a NUL byte"),
            Self::TooLong => f.write_str("PLAIN: message length overflows"),
        }
    }
}

impl core::error::Error for PlainError {}

/// The exact length of the PLAIN message: two NUL separators plus both parts.
///
/// # Errors
/// [`PlainError::TooLong`] if the sum overflows `usize`.
pub fn plain_message_len(username: &str, password: &str) -> Result<usize, PlainError> {
    username
        .len()
        .checked_add(password.len())
        .and_then(|n| n.checked_add(2))
        .ok_or(PlainError::TooLong)
}

/// Writes `\0username\0password` into `out` and returns its length.
///
/// # Errors
/// [`PlainError::NulInUsername`] or [`PlainError::NulInPassword`] if a part contains NUL;
/// [`PlainError::BufferTooSmall`] if `out` is shorter than [`plain_message_len`]. Nothing is
/// written on error.
///
/// # Examples
/// ```
/// use franzl_core::sasl::plain::write_plain_message;
/// let mut buf = [0u8; 32];
/// let n = write_plain_message("alice", "s3cret", &mut buf).unwrap();
/// assert_eq!(&buf[..n], b"\0alice\0s3cret");
/// ```
pub fn write_plain_message(
    username: &str,
    password: &str,
    out: &mut [u8],
) -> Result<usize, PlainError> {
    if username.as_bytes().contains(&0) {
        return Err(PlainError::NulInUsername);
    }
    if password.as_bytes().contains(&0) {
        return Err(PlainError::NulInPassword);
    }
    let needed = plain_message_len(username, password)?;
    let Some(out) = out.get_mut(..needed) else {
        return Err(PlainError::BufferTooSmall { needed });
    };
    let (first_nul, rest) = out.split_at_mut(1);
    let (user_part, rest) = rest.split_at_mut(username.len());
    let (second_nul, password_part) = rest.split_at_mut(1);
    first_nul.fill(0);
    user_part.copy_from_slice(username.as_bytes());
    second_nul.fill(0);
    password_part.copy_from_slice(password.as_bytes());
    Ok(needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_exact_bytes() {
        let mut buf = [0xffu8; 16];
        let n = write_plain_message("user", "pencil", &mut buf).unwrap();
        assert_eq!(n, 12);
        assert_eq!(&buf[..n], b"\0user\0pencil");
        assert_eq!(buf[12], 0xff, "nothing past the message is touched");
        assert_eq!(plain_message_len("user", "pencil"), Ok(12));
    }

    #[test]
    fn empty_parts_are_allowed() {
        let mut buf = [0u8; 2];
        assert_eq!(write_plain_message("", "", &mut buf), Ok(2));
        assert_eq!(buf, [0, 0]);
    }

    #[test]
    fn names_the_size_needed() {
        let mut buf = [0u8; 11];
        assert_eq!(
            write_plain_message("user", "pencil", &mut buf),
            Err(PlainError::BufferTooSmall { needed: 12 })
        );
        assert_eq!(buf, [0; 11]);
    }

    #[test]
    fn refuses_nul_bytes() {
        let mut buf = [0u8; 32];
        assert_eq!(
            write_plain_message("a\0b", "p", &mut buf),
            Err(PlainError::NulInUsername)
        );
        assert_eq!(
            write_plain_message("a", "p\0", &mut buf),
            Err(PlainError::NulInPassword)
        );
    }
}
