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
//! The produce-and-fetch example takes about 38 KiB of flash on a Cortex-M4F (opt-level `z`,
//! LTO) with SASL PLAIN and about 46.1 KiB with both SCRAM mechanisms, when built with
//! `--cfg franzl_flexible_only`, which links the flexible protocol versions only (brokers from
//! about Kafka 2.8 on), and about 50 KiB without (programs with their board's vector table and
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
//!
//! # A device program
//!
//! A sensor that sends a reading to Kafka over TLS: an embassy-net TCP socket, a TLS 1.3 session
//! over it (embedded-tls, no allocator: the broker's certificate checked against one CA and
//! its host name by `tls::Verifier`, which refuses each with its own alert), SCRAM-SHA-256,
//! and one record produced with LZ4. The same code is
//! `examples/bare-metal/src/device.rs`, which `cargo xtask size` compiles for
//! `thumbv7em-none-eabihf` (a unit test keeps the two the same); embassy-net, embassy-time
//! and embedded-tls are the application's dependencies, embedded-tls also franzl-core's under
//! its `tls` feature (the verifier's module, `franzl_core::embedded::tls`). Besides the
//! client's buffers, TLS takes its record buffers and about 1.3 KiB of session state. A record
//! is read whole: asked for records of at most 4 KiB (the max_fragment_length extension, as
//! below), Kafka's brokers keep to them, so 4,352 bytes read one; unasked, they send up to
//! 16 KiB in one, and the read buffer takes 16,640 bytes.
//!
//! ```ignore
//! use embassy_net::tcp::{ConnectError, TcpSocket};
//! use embassy_net::{IpEndpoint, Stack};
//! use embedded_tls::{
//!     Aes128GcmSha256, CryptoProvider, CryptoRngCore, MaxFragmentLength, TlsConfig, TlsConnection,
//!     TlsContext, TlsError, TlsVerifier,
//! };
//! use franzl_core::compression::Compression;
//! use franzl_core::conn::{Credentials, Instant};
//! use franzl_core::embedded::tls::Verifier;
//! use franzl_core::embedded::{
//!     Acks, Client, ClientError, ConnectionConfig, ProduceOptions, TopicRef,
//! };
//! use franzl_core::record::NewRecord;
//! use franzl_core::sasl::SaslMechanism;
//! use franzl_core::sasl::scram::ScramMechanism;
//!
//! /// Why sending failed: the TCP connection, the TLS handshake (a certificate that does not
//! /// chain to the CA is `TlsError::AbortHandshake(AlertLevel::Fatal, AlertDescription::UnknownCa)`,
//! /// one that does not name the broker the same with `BadCertificate`), or Kafka.
//! #[derive(Debug)]
//! pub enum SendError {
//!     /// The TCP connection was refused or failed.
//!     Connect(ConnectError),
//!     /// The TLS handshake failed.
//!     Tls(TlsError),
//!     /// Connecting to Kafka (SASL included) or producing failed.
//!     Kafka(ClientError),
//! }
//!
//! impl From<ClientError> for SendError {
//!     fn from(error: ClientError) -> Self {
//!         Self::Kafka(error)
//!     }
//! }
//!
//! /// The device's random number generator for TLS, and the broker's certificate chain checked
//! /// against one CA certificate and the name given to `TlsConfig::with_server_name`; the chain
//! /// takes up to 2,048 bytes. Validity dates are not checked: the device has no wall clock here
//! /// (one with a clock gives it to `Verifier` as its `embedded_tls::TlsClock` parameter).
//! pub struct Provider<'a, R> {
//!     rng: R,
//!     verifier: Verifier<'a, Aes128GcmSha256, 2048>,
//! }
//!
//! impl<'a, R> Provider<'a, R> {
//!     /// `rng` for the handshake, and the broker's chain checked against the CA `ca_der`.
//!     pub fn new(rng: R, ca_der: &'a [u8]) -> Self {
//!         let verifier = Verifier::new(ca_der);
//!         Self { rng, verifier }
//!     }
//! }
//!
//! impl<R: CryptoRngCore> CryptoProvider for Provider<'_, R> {
//!     type CipherSuite = Aes128GcmSha256;
//!     type Signature = &'static [u8];
//!
//!     fn rng(&mut self) -> impl CryptoRngCore {
//!         &mut self.rng
//!     }
//!
//!     fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Aes128GcmSha256>, TlsError> {
//!         Ok(&mut self.verifier)
//!     }
//! }
//!
//! /// The broker: where it listens, the DNS name its certificate carries, and the CA certificate
//! /// (DER) that certificate chains to.
//! pub struct Broker<'a> {
//!     /// Its address.
//!     pub endpoint: IpEndpoint,
//!     /// The name to verify its certificate against.
//!     pub name: &'a str,
//!     /// The CA to verify its certificate against.
//!     pub ca_der: &'a [u8],
//! }
//!
//! /// Sends `reading` to partition 0 of `telemetry` on `broker`, as `sensor-7` with SCRAM-SHA-256,
//! /// compressed with LZ4, acks=all; returns its offset. `nonce` is fresh for every connection,
//! /// drawn from the hardware RNG like `rng`.
//! pub async fn send_reading(
//!     stack: Stack<'_>,
//!     broker: &Broker<'_>,
//!     rng: impl CryptoRngCore,
//!     password: &str,
//!     nonce: &str,
//!     reading: &[u8],
//! ) -> Result<Option<i64>, SendError> {
//!     let (mut socket_rx, mut socket_tx) = ([0u8; 1024], [0u8; 1024]);
//!     let mut socket = TcpSocket::new(stack, &mut socket_rx, &mut socket_tx);
//!     socket
//!         .connect(broker.endpoint)
//!         .await
//!         .map_err(SendError::Connect)?;
//!
//!     // A whole TLS record is read at once: asked for records of at most 4 KiB, the broker keeps
//!     // to them (unasked, it sends up to 16 KiB in one, and this buffer would take 16,640 bytes).
//!     let (mut read_record, mut write_record) = ([0u8; 4_096 + 256], [0u8; 2_048]);
//!     let mut tls = TlsConnection::new(socket, &mut read_record, &mut write_record);
//!     let tls_config = TlsConfig::new()
//!         .with_server_name(broker.name)
//!         .with_max_fragment_length(MaxFragmentLength::Bits12);
//!     let provider = Provider::new(rng, broker.ca_der);
//!     let context = TlsContext::new(&tls_config, provider);
//!     tls.open(context).await.map_err(SendError::Tls)?;
//!
//!     let config = ConnectionConfig {
//!         client_id: "sensor-7",
//!         sasl: Some(Credentials {
//!             mechanism: SaslMechanism::Scram(ScramMechanism::Sha256),
//!             username: "sensor-7",
//!             password,
//!             nonce,
//!         }),
//!         ..ConnectionConfig::default()
//!     };
//!     let clock = || Instant::from_millis(embassy_time::Instant::now().as_millis());
//!     let (mut tx, mut rx) = ([0u8; 2048], [0u8; 4096]);
//!     let mut client = Client::new(tls, clock, config, &mut tx, &mut rx);
//!     client.connect().await?;
//!     let id = client.metadata("telemetry").await?.id();
//!     let topic = TopicRef {
//!         name: "telemetry",
//!         id,
//!     };
//!     let record = NewRecord {
//!         key: Some(b"sensor-7"),
//!         value: Some(reading),
//!         ..NewRecord::default()
//!     };
//!     let options = ProduceOptions {
//!         acks: Acks::All,
//!         compression: Compression::Lz4,
//!         ..ProduceOptions::default()
//!     };
//!     Ok(client.produce(topic, 0, &[record], &options).await?)
//! }
//! ```

mod client;
mod error;
pub mod example;
mod fetch;
mod link;
mod metadata;
mod offsets;
mod one_pass;
mod produce;
#[cfg(test)]
mod tests;
#[cfg(feature = "tls")]
pub mod tls;

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
