//! Kafka wire primitives: a bounds-checked [`Reader`] over borrowed input and a [`Writer`] into a
//! caller's buffer.
//!
//! Contract: no method panics, allocates or loops on input-derived counts. Every length and count
//! read from input is checked against the bytes that remain before it is used; every write checks
//! the space left and reports the total size it would have needed.
//!
//! Encodings (all integers big-endian):
//! - `STRING` / `NULLABLE_STRING`: `i16` length (-1 is null) then UTF-8 bytes;
//! - `BYTES` / `NULLABLE_BYTES`: `i32` length (-1 is null) then bytes;
//! - compact forms: unsigned varint `length + 1` (0 is null) then the bytes;
//! - `ARRAY`: `i32` count (-1 is null); compact arrays: unsigned varint `count + 1`;
//! - tagged fields: unsigned varint count, then per field a varint tag, a varint size and the data.
//!
//! Inlining: the decoding hot paths (varints, lengths, `take`, array reads) are forced inline
//! only with the `std` feature, where speed counts; without it (microcontrollers) they are merely
//! hinted, since forcing them into every decoder costs the embedded client about 15 KiB of flash.

mod error;
mod reader;
mod tagged;
mod uuid;
mod varint;
mod writer;

pub use error::{DecodeError, EncodeError};
pub use reader::Reader;
pub use tagged::{RawTaggedField, RawTaggedFields};
pub use uuid::Uuid;
pub use varint::{uvarint_len, uvarint64_len, varint_len, varlong_len};
#[cfg(feature = "gather")]
pub use writer::Gap;
pub use writer::{LengthPlaceholder, Writer};
