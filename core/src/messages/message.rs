//! The [`Message`] and [`Request`] traits that every generated request and response implements.
//!
//! Contract: `encode` writes exactly `encoded_len` bytes or fails before writing anything for a
//! version, field or buffer problem; `decode` borrows its input, validates all of it (arrays
//! included) and requires it to be consumed exactly.

use super::generated::ApiKey;
use super::item::{Item, Version};
use crate::wire::{DecodeError, EncodeError, Reader, Writer};

/// A request or response body (the bytes after the header).
pub trait Message<'a>: Item<'a> + Default + PartialEq + core::fmt::Debug {
    /// The API this message belongs to.
    const API_KEY: ApiKey;
    /// The lowest version the definitions list.
    const MIN_VERSION: i16;
    /// The highest version the definitions list.
    const MAX_VERSION: i16;
    /// The first flexible version, if any.
    const FLEXIBLE_FROM: Option<i16>;

    /// The encoding context of `version`, or `None` if the message has no such version.
    #[must_use]
    fn version(version: i16) -> Option<Version> {
        (Self::MIN_VERSION..=Self::MAX_VERSION)
            .contains(&version)
            .then(|| Version {
                number: version,
                flexible: Self::FLEXIBLE_FROM.is_some_and(|from| version >= from),
            })
    }

    /// The exact number of bytes [`Message::encode`] writes at `version`.
    ///
    /// # Errors
    /// [`EncodeError::UnsupportedVersion`], a field the version cannot carry, a null it cannot
    /// express, or a value too long for its length prefix.
    fn encoded_len(&self, version: i16) -> Result<usize, EncodeError> {
        let v = Self::version(version).ok_or(EncodeError::UnsupportedVersion)?;
        let len = self.wire_len(v)?;
        // Every message travels in a frame with an i32 size.
        if len > i32::MAX as usize {
            Err(EncodeError::TooLong)
        } else {
            Ok(len)
        }
    }

    /// Encodes into the front of `buf` and returns the number of bytes written.
    ///
    /// # Errors
    /// As [`Message::encoded_len`], and [`EncodeError::BufferTooSmall`] naming that length.
    fn encode(&self, version: i16, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.encoded_len(version)?;
        let v = Self::version(version).ok_or(EncodeError::UnsupportedVersion)?;
        if buf.len() < len {
            return Err(EncodeError::BufferTooSmall { needed: len });
        }
        let mut w = Writer::new(buf);
        self.write(&mut w, v)?;
        debug_assert_eq!(w.position(), len, "encoded_len disagrees with encode");
        Ok(w.position())
    }

    /// Decodes a whole body at `version`, borrowing from `input`.
    ///
    /// # Errors
    /// [`DecodeError::UnsupportedVersion`], any malformation, or bytes left over.
    fn decode(version: i16, input: &'a [u8]) -> Result<Self, DecodeError> {
        let v = Self::version(version).ok_or(DecodeError::UnsupportedVersion)?;
        let mut r = Reader::new(input);
        let message = Self::read(&mut r, v)?;
        r.finish()?;
        Ok(message)
    }
}

/// A request, tied to its response type and its header versions.
pub trait Request<'a>: Message<'a> {
    /// The response body type.
    type Response<'b>: Message<'b>;

    /// The request header version that `version` of this request uses.
    #[must_use]
    fn request_header_version(version: i16) -> i16 {
        crate::frame::request_header_version(Self::API_KEY, version)
    }

    /// The response header version that the response to `version` uses.
    #[must_use]
    fn response_header_version(version: i16) -> i16 {
        crate::frame::response_header_version(Self::API_KEY, version)
    }
}
