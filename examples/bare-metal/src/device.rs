//! The device program that franzl-core's embedded client docs show (`franzl_core::embedded`,
//! "A device program"): an embassy-net TCP socket, a TLS 1.3 session over it (embedded-tls,
//! the broker's certificate verified against one CA and its name by franzl-core's
//! `embedded::tls::Verifier`), SCRAM-SHA-256 credentials,
//! and one record produced with LZ4. Built for `thumbv7em-none-eabihf` by `cargo xtask size`
//! (the `device` feature, the library only: a board's network driver and executor are the
//! application's), so the docs show code that compiles; franzl-core's unit test
//! `device_example_matches_this_program` checks that the docs' block is the part between the
//! markers below, line for line.

// example: begin
use embassy_net::tcp::{ConnectError, TcpSocket};
use embassy_net::{IpEndpoint, Stack};
use embedded_tls::{
    Aes128GcmSha256, CryptoProvider, CryptoRngCore, MaxFragmentLength, TlsConfig, TlsConnection,
    TlsContext, TlsError, TlsVerifier,
};
use franzl_core::compression::Compression;
use franzl_core::conn::{Credentials, Instant};
use franzl_core::embedded::tls::Verifier;
use franzl_core::embedded::{
    Acks, Client, ClientError, ConnectionConfig, ProduceOptions, TopicRef,
};
use franzl_core::record::NewRecord;
use franzl_core::sasl::SaslMechanism;
use franzl_core::sasl::scram::ScramMechanism;

/// Why sending failed: the TCP connection, the TLS handshake (a certificate that does not
/// chain to the CA is `TlsError::AbortHandshake(AlertLevel::Fatal, AlertDescription::UnknownCa)`,
/// one that does not name the broker the same with `BadCertificate`), or Kafka.
#[derive(Debug)]
pub enum SendError {
    /// The TCP connection was refused or failed.
    Connect(ConnectError),
    /// The TLS handshake failed.
    Tls(TlsError),
    /// Connecting to Kafka (SASL included) or producing failed.
    Kafka(ClientError),
}

impl From<ClientError> for SendError {
    fn from(error: ClientError) -> Self {
        Self::Kafka(error)
    }
}

/// The device's random number generator for TLS, and the broker's certificate chain checked
/// against one CA certificate and the name given to `TlsConfig::with_server_name`; the chain
/// takes up to 2,048 bytes. Validity dates are not checked: the device has no wall clock here
/// (one with a clock gives it to `Verifier` as its `embedded_tls::TlsClock` parameter).
pub struct Provider<'a, R> {
    rng: R,
    verifier: Verifier<'a, Aes128GcmSha256, 2048>,
}

impl<'a, R> Provider<'a, R> {
    /// `rng` for the handshake, and the broker's chain checked against the CA `ca_der`.
    pub fn new(rng: R, ca_der: &'a [u8]) -> Self {
        let verifier = Verifier::new(ca_der);
        Self { rng, verifier }
    }
}

impl<R: CryptoRngCore> CryptoProvider for Provider<'_, R> {
    type CipherSuite = Aes128GcmSha256;
    type Signature = &'static [u8];

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Aes128GcmSha256>, TlsError> {
        Ok(&mut self.verifier)
    }
}

/// The broker: where it listens, the DNS name its certificate carries, and the CA certificate
/// (DER) that certificate chains to.
pub struct Broker<'a> {
    /// Its address.
    pub endpoint: IpEndpoint,
    /// The name to verify its certificate against.
    pub name: &'a str,
    /// The CA to verify its certificate against.
    pub ca_der: &'a [u8],
}

/// Sends `reading` to partition 0 of `telemetry` on `broker`, as `sensor-7` with SCRAM-SHA-256,
/// compressed with LZ4, acks=all; returns its offset. `nonce` is fresh for every connection,
/// drawn from the hardware RNG like `rng`.
pub async fn send_reading(
    stack: Stack<'_>,
    broker: &Broker<'_>,
    rng: impl CryptoRngCore,
    password: &str,
    nonce: &str,
    reading: &[u8],
) -> Result<Option<i64>, SendError> {
    let (mut socket_rx, mut socket_tx) = ([0u8; 1024], [0u8; 1024]);
    let mut socket = TcpSocket::new(stack, &mut socket_rx, &mut socket_tx);
    socket
        .connect(broker.endpoint)
        .await
        .map_err(SendError::Connect)?;

    // A whole TLS record is read at once: asked for records of at most 4 KiB, the broker keeps
    // to them (unasked, it sends up to 16 KiB in one, and this buffer would take 16,640 bytes).
    let (mut read_record, mut write_record) = ([0u8; 4_096 + 256], [0u8; 2_048]);
    let mut tls = TlsConnection::new(socket, &mut read_record, &mut write_record);
    let tls_config = TlsConfig::new()
        .with_server_name(broker.name)
        .with_max_fragment_length(MaxFragmentLength::Bits12);
    let provider = Provider::new(rng, broker.ca_der);
    let context = TlsContext::new(&tls_config, provider);
    tls.open(context).await.map_err(SendError::Tls)?;

    let config = ConnectionConfig {
        client_id: "sensor-7",
        sasl: Some(Credentials {
            mechanism: SaslMechanism::Scram(ScramMechanism::Sha256),
            username: "sensor-7",
            password,
            nonce,
        }),
        ..ConnectionConfig::default()
    };
    let clock = || Instant::from_millis(embassy_time::Instant::now().as_millis());
    let (mut tx, mut rx) = ([0u8; 2048], [0u8; 4096]);
    let mut client = Client::new(tls, clock, config, &mut tx, &mut rx);
    client.connect().await?;
    let id = client.metadata("telemetry").await?.id();
    let topic = TopicRef {
        name: "telemetry",
        id,
    };
    let record = NewRecord {
        key: Some(b"sensor-7"),
        value: Some(reading),
        ..NewRecord::default()
    };
    let options = ProduceOptions {
        acks: Acks::All,
        compression: Compression::Lz4,
        ..ProduceOptions::default()
    };
    Ok(client.produce(topic, 0, &[record], &options).await?)
}
// example: end
