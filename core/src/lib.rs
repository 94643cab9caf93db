//! franzl-core: the Kafka protocol for any device, down to a microcontroller.
//!
//! The crate is `no_std` and needs no allocator in its default build. Every encoder writes into a
//! buffer the caller provides and knows its exact size before it writes; every decoder borrows
//! its input and treats it as hostile: no input makes it panic, loop, or reserve memory.
//!
//! Features: `alloc` adds what needs a heap, `std` what needs the standard library.
#![no_std]
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]

pub mod compression;
pub mod conn;
pub mod consumer_protocol;
pub mod crc;
pub mod embedded;
pub mod error_code;
pub mod frame;
pub mod messages;
pub mod murmur2;
pub mod record;
pub mod sasl;
pub mod wire;

pub use error_code::ErrorCode;
