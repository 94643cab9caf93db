//! [`ErrorCode`]: Kafka's `i16` error codes, with names and retriability from the protocol's
//! error table (generated into `error_code/table.rs`). Unknown codes keep their number.

use core::fmt;

mod table;

/// A Kafka error code as found in responses. `ErrorCode::NONE` (0) means success.
///
/// # Examples
///
/// ```
/// use franzl_core::ErrorCode;
/// let code = ErrorCode(6);
/// assert_eq!(code, ErrorCode::NOT_LEADER_OR_FOLLOWER);
/// assert!(code.is_retriable());
/// assert_eq!(code.to_string(), "NOT_LEADER_OR_FOLLOWER (6)");
/// assert_eq!(ErrorCode(9999).name(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ErrorCode(pub i16);

impl ErrorCode {
    /// The code's name as in the protocol (`NOT_LEADER_OR_FOLLOWER`), or `None` if franzl does
    /// not know the code.
    #[must_use]
    pub const fn name(self) -> Option<&'static str> {
        table::name_of(self.0)
    }

    /// True when the same request may succeed if retried (the error is transient). Unknown
    /// codes are not retriable.
    #[must_use]
    pub const fn is_retriable(self) -> bool {
        table::is_retriable(self.0)
    }

    /// True for [`ErrorCode::NONE`].
    #[must_use]
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// `Ok(())` for [`ErrorCode::NONE`], `Err(self)` otherwise.
    ///
    /// # Errors
    /// The code itself when it is not `NONE`.
    pub const fn into_result(self) -> Result<(), Self> {
        if self.is_ok() { Ok(()) } else { Err(self) }
    }
}

impl From<i16> for ErrorCode {
    fn from(code: i16) -> Self {
        Self(code)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "unknown error code {}", self.0),
        }
    }
}

impl core::error::Error for ErrorCode {}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::*;

    #[test]
    fn known_and_unknown_codes() {
        assert_eq!(ErrorCode::NONE, ErrorCode(0));
        assert!(ErrorCode::NONE.is_ok());
        assert_eq!(ErrorCode::UNKNOWN_SERVER_ERROR.0, -1);
        assert_eq!(ErrorCode(3).name(), Some("UNKNOWN_TOPIC_OR_PARTITION"));
        assert!(ErrorCode(3).is_retriable());
        assert!(!ErrorCode(1).is_retriable());
        assert!(!ErrorCode(-30_000).is_retriable());
        assert_eq!(ErrorCode(-30_000).to_string(), "unknown error code -30000");
        assert_eq!(ErrorCode(16).into_result(), Err(ErrorCode::NOT_COORDINATOR));
    }
}
