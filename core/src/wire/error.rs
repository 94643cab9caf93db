//! Decode and encode errors of the wire layer, shared by the generated messages and frames.

use core::fmt;

/// Why input could not be decoded. Every variant but [`DecodeError::WrongApi`] is a property of
/// the input, never a bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before the value did.
    UnexpectedEnd,
    /// A varint ran past 5 bytes (32-bit) or 10 bytes (64-bit), or set bits beyond its width.
    OverlongVarint,
    /// A length or count was negative, and not -1 where null is allowed.
    InvalidLength,
    /// A length or count claimed more bytes (or elements) than the input has left.
    LengthExceedsInput,
    /// A null appeared where the field is not nullable in this version.
    UnexpectedNull,
    /// A string was not valid UTF-8.
    InvalidUtf8,
    /// Bytes remained after a value that must fill its space exactly.
    TrailingBytes,
    /// Tagged fields were not in strictly ascending tag order, or a known tag had the wrong size.
    InvalidTaggedField,
    /// The message does not exist at the requested version.
    UnsupportedVersion,
    /// A response was decoded as the response of another API than its request's: the caller's
    /// mistake, not the input's.
    WrongApi,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnexpectedEnd => "input ended early",
            Self::OverlongVarint => "varint too long for its width",
            Self::InvalidLength => "negative length or count",
            Self::LengthExceedsInput => "length or count exceeds the remaining input",
            Self::UnexpectedNull => "null in a non-nullable field",
            Self::InvalidUtf8 => "string is not valid UTF-8",
            Self::TrailingBytes => "trailing bytes after value",
            Self::InvalidTaggedField => "tagged fields out of order or malformed",
            Self::UnsupportedVersion => "unsupported message version",
            Self::WrongApi => "decoded as the response of another API than the request's",
        })
    }
}

impl core::error::Error for DecodeError {}

/// Why a value could not be encoded.
///
/// Field names are held as `&'static &'static str`, one pointer, so the error is two words and
/// a `Result<usize, EncodeError>` returns in registers on 32-bit targets: every encoder returns
/// one (about 1 KiB less flash for the embedded client on a Cortex-M than with a `&str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The buffer is too small; `needed` is the total size the write required, from the start of
    /// the buffer.
    BufferTooSmall {
        /// The buffer size that the failed write needed.
        needed: usize,
    },
    /// A string, byte field or array is longer than its length prefix can express.
    TooLong,
    /// The message does not exist at the requested version.
    UnsupportedVersion,
    /// A field holds a non-default value that the requested version cannot carry.
    FieldNotInVersion {
        /// The field's name as in the protocol definitions.
        field: &'static &'static str,
    },
    /// A field is null but the requested version does not allow null there.
    NullNotAllowed {
        /// The field's name as in the protocol definitions.
        field: &'static &'static str,
    },
    /// Unknown tagged fields were not in strictly ascending tag order, or reused a known tag.
    InvalidTaggedField,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall { needed } => write!(f, "buffer too small: {needed} bytes needed"),
            Self::TooLong => f.write_str("value too long for its length prefix"),
            Self::UnsupportedVersion => f.write_str("unsupported message version"),
            Self::FieldNotInVersion { field } => {
                write!(f, "field {field} cannot be sent at this version")
            }
            Self::NullNotAllowed { field } => {
                write!(f, "field {field} cannot be null at this version")
            }
            Self::InvalidTaggedField => f.write_str("unknown tagged fields out of order"),
        }
    }
}

impl core::error::Error for EncodeError {}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::format;

    use super::*;

    #[test]
    fn encode_error_is_two_words_and_names_its_field() {
        // Two words return in registers on 32-bit targets; a `&str` field would make it three.
        assert!(core::mem::size_of::<EncodeError>() <= 2 * core::mem::size_of::<usize>());
        let error = EncodeError::FieldNotInVersion { field: &"Topics" };
        assert_eq!(
            format!("{error}"),
            "field Topics cannot be sent at this version"
        );
        let error = EncodeError::NullNotAllowed { field: &"Name" };
        assert_eq!(
            format!("{error}"),
            "field Name cannot be null at this version"
        );
    }
}
