//! The sans-I/O connection: framing, correlation ids and requests in flight, with no socket and
//! no clock.
//!
//! The caller moves bytes between the transport and these types and tells them the time; they
//! never block, read a clock or allocate. Pieces:
//! - [`FrameReader`] splits the received byte stream into frames inside the caller's buffer and
//!   refuses an oversized size prefix before reading anything else;
//! - [`InFlight`] hands out correlation ids and remembers what was sent until it is answered or
//!   its deadline passes;
//! - [`Connection`] runs the handshake (ApiVersions with version negotiation, then SASL), sends
//!   requests under fresh correlation ids and matches responses to them, and expires requests
//!   whose deadline passed, and re-authenticates when the broker limits the session's
//!   lifetime (KIP-368); its module docs give the call order;
//! - [`Instant`] is the caller's clock reading.

mod connection;
mod error;
#[cfg(all(test, feature = "finalized-features"))]
mod feature_tests;
mod framing;
mod in_flight;
#[cfg(test)]
mod reauth_tests;
mod sasl_step;
#[cfg(test)]
mod tests;
mod time;

pub use crate::frame::{FrameError, SIZE_PREFIX_LEN, check_size_prefix};
pub use connection::{Connection, ConnectionConfig, Event, Response, Sent};
pub use error::ConnError;
pub use framing::FrameReader;
pub use in_flight::{InFlight, Pending};
pub use sasl_step::{Credentials, MAX_SASL_MESSAGE};
pub use time::Instant;
