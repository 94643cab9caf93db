//! An async Kafka client for microcontrollers: one broker connection over any
//! `embedded_io_async::Read + Write` transport, in buffers the caller owns, with no allocator.
//!
//! [`Client`] is a thin driver loop around [`crate::conn::Connection`], which keeps all the
//! protocol state: it writes the frames the connection produces, reads the transport into a
//! [`crate::conn::FrameReader`] over the receive buffer, and hands each frame back to the
//! connection. One request is in flight at a time.
//!
//! # Call order
//! 1. Open the transport (a TCP socket of the caller's network stack), then [`Client::new`]
//!    with it, a [`Clock`], a [`ConnectionConfig`] (SASL credentials if the listener wants
//!    them) and the two buffers.
//! 2. [`Client::connect`]: ApiVersions with version negotiation, then SASL PLAIN or SCRAM
//!    (SCRAM needs franzl-core's `scram-sha256` or `scram-sha512` feature, on by default).
//!    Where the broker limits the SASL session's lifetime (KIP-368), the caller re-authenticates
//!    in time with [`Client::reauthenticate`]: the client keeps no timer of its own
//!    ([`Client::session_lifetime`] says when).
//! 3. Any of [`Client::metadata`], [`Client::produce`] / [`Client::produce_batch`],
//!    [`Client::fetch`], [`Client::list_offsets`], or [`Client::request`] for any other API.
//!    Partitions are addressed on the broker the transport reaches; leader routing is the
//!    caller's (see [`TopicMetadata::leader`]).
//!
//! # Buffers
//! - `tx` holds one request frame: the largest is a Produce (the batch plus about 40 bytes,
//!   the client id and the topic name), or the SCRAM client-final message (about 300 bytes).
//! - `rx` holds one response frame. The ApiVersions response of a current broker takes about
//!   700 bytes, so 1 KiB is the least that connects; a Fetch response is at most `rx` less
//!   [`FETCH_OVERHEAD`] bytes of records, since the client asks for no more. A broker sends a
//!   whole first batch even if it is larger than asked: such a response fails with
//!   [`ClientError::Frame`] (`ExceedsBuffer`).
//! - [`Client::produce`] builds the batch in `rx`, which is idle between calls: it needs
//!   [`crate::record::encoded_batch_len`] bytes there (twice that, roughly, with LZ4: the
//!   records, then the compressed batch).
//!
//! Besides the buffers, the client's state is `size_of::<Client<T, C>>()`: 1,480 bytes on a
//! 64-bit host with a zero-sized transport and a function-pointer clock, of which the
//! connection takes 1,408 (mostly the SASL exchange's fixed buffer, the negotiated-version
//! table and the broker's error text), plus whatever the transport and clock hold. The test
//! `client_state_besides_the_buffers_is_under_2_kib` prints it.
//!
//! # Flash
//! The produce-and-fetch example takes about 41 KiB of flash on a Cortex-M4F (opt-level `z`,
//! LTO) with SASL PLAIN and about 49.2 KiB with both SCRAM mechanisms, when built with
//! `--cfg franzl_flexible_only`, which links the flexible protocol versions only (brokers from
//! about Kafka 2.8 on), and about 54 KiB without (programs with their board's vector table and
//! small memory copies, as `examples/bare-metal` links them); the README's microcontroller
//! section has the figures by part, and `cargo xtask size` measures them.
//!
//! # Time and timeouts
//! The client reads no clock: [`Clock::now`] gives the caller's time, used for request
//! deadlines (`ConnectionConfig::request_timeout`). The transport has no timer either, so a
//! call waits as long as the transport does. To bound it, wrap the call in the executor's
//! own timeout (for example `embassy_time::with_timeout`, or racing an `async_io::Timer`),
//! ending no later than [`Client::poll_timeout`] after the request is sent. When the timeout
//! fires, the call's future is dropped mid-exchange and the stream is out of step: call
//! [`Client::handle_timeout`] (which reports [`ClientError::TimedOut`] once the
//! deadline has passed on the clock), then [`Client::reset`] onto a new transport and
//! [`Client::connect`] again. A call made without that first fails with
//! [`ClientError::Cancelled`] and closes the connection.
//!
//! # Errors
//! [`ClientError`] implements `embedded_io_async::Error`: transport failures keep their
//! `ErrorKind`; the others map onto the nearest kind (`PermissionDenied` for refused
//! credentials, `TimedOut`, `InvalidData` for malformed responses, ...).

mod client;
mod error;
pub mod example;
mod fetch;
mod link;
mod metadata;
mod offsets;
mod produce;
#[cfg(test)]
mod tests;

pub use crate::conn::ConnectionConfig;
pub use crate::messages::Acks;
pub use crate::messages::TopicRef;
pub use client::Client;
pub use error::ClientError;
pub use fetch::{FETCH_OVERHEAD, FetchOptions, FetchedPartition};
pub use metadata::TopicMetadata;
pub use offsets::{EARLIEST, LATEST};
pub use produce::ProduceOptions;

use crate::conn::Instant;

/// The caller's clock: the time on a monotonic clock, in [`Instant`]s.
///
/// Any `FnMut() -> Instant` is a clock, so a closure over the platform's timer will do.
pub trait Clock {
    /// The time now.
    fn now(&mut self) -> Instant;
}

impl<F: FnMut() -> Instant> Clock for F {
    fn now(&mut self) -> Instant {
        self()
    }
}
