//! One broker connection: a cheap handle ([`BrokerConnection`]) and the driver task behind it.
//!
//! [`BrokerConnection::connect`] starts a task (see [`crate::runtime`]) that opens the stream (TCP with
//! `TCP_NODELAY`, then TLS if configured), runs the handshake (ApiVersions, then SASL) on
//! `franzl-core`'s sans-I/O [`franzl_core::conn::Connection`], and then serves requests:
//! pipelined up to [`ConnectOptions::max_in_flight`], responses routed back by correlation id.
//!
//! Contract:
//! - A request's body is encoded in the caller's task (borrowed fields cannot cross tasks) into
//!   a pooled buffer; the driver writes the header under its correlation id and sends header and
//!   body in one vectored write, and the core connection carries each request's reply slot as its
//!   token (no second correlation table).
//! - A response frame larger than [`ConnectOptions::max_response_size`] is refused from its size
//!   prefix, before its body is read, and closes the connection with [`crate::Error::Frame`].
//! - A connection closed by the broker fails every request in flight with a retriable
//!   [`crate::Error::Io`]; an undecodable header or a response nobody asked for closes it with
//!   [`crate::Error::Protocol`]; a request not answered within the request timeout closes it with
//!   [`crate::Error::Timeout`]. A closed connection is never reopened: the cluster makes a new one.
//! - When the broker limits the SASL session's lifetime (KIP-368), the connection
//!   re-authenticates on the same socket before a request that finds the session near its end
//!   ([`reauth`]); requests in flight are answered as usual.
//! - The task stops when the last handle is dropped or the connection fails.

mod connection;
mod driver;
mod frame_io;
mod hex_dump;
mod nonce;
mod options;
mod pipeline;
mod race;
mod reauth;
#[cfg(test)]
mod reauth_tests;
mod response;
#[cfg(test)]
pub(crate) mod scripted;
#[cfg(test)]
pub(crate) mod tests;

pub use connection::BrokerConnection;
pub(crate) use driver::{Clock, Conn, connection_config, establish, sasl_nonce};
pub(crate) use frame_io::{read_frame_into, write_all_vectored};
pub(crate) use options::ConnectOptions;
pub(crate) use race::race3;
pub(crate) use reauth::{HoldsConn, Session, set_enabled as set_reauthentication};
pub use response::ResponseFrame;
