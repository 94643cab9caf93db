//! The driver of one broker connection, a task: open the stream, run the handshake,
//! report readiness, then hand over to the pipeline ([`super::pipeline`]).
//!
//! The sans-I/O [`Connection`] borrows the client id and credentials, so it lives in this
//! function's frame together with the options it borrows from.

use super::frame_io::read_frame;
use super::hex_dump;
use super::nonce::new_nonce;
use super::options::{ConnectOptions, MAX_IN_FLIGHT_LIMIT};
use super::pipeline::{self, Outgoing};
use crate::cluster::FinalizedFeatures;
use crate::error::{Error, Result};
use crate::net::{self, BrokerAddress, Stream};
use franzl_core::conn::{ConnError, Connection, ConnectionConfig, Credentials, Event, Instant};
use franzl_core::messages::{ApiKey, NegotiatedVersions};
use franzl_core::wire::EncodeError;
use futures_lite::AsyncWriteExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use zeroize::{Zeroize, Zeroizing};

/// The sans-I/O connection as the driver uses it.
pub(crate) type Conn<'c> = Connection<'c, MAX_IN_FLIGHT_LIMIT>;

/// What the driver and the handles share.
#[derive(Debug, Default)]
pub(super) struct Shared {
    /// Set once the driver has stopped.
    pub(super) closed: AtomicBool,
    /// Request buffers to reuse.
    pub(super) buffers: Mutex<Vec<Vec<u8>>>,
}

/// Buffers kept for reuse per connection, and the largest one kept.
const POOLED_BUFFERS: usize = 16;
const POOLED_BUFFER_MAX: usize = 1 << 20;

impl Shared {
    /// Takes a buffer from the pool (holding an earlier frame's bytes, which the caller
    /// overwrites: not zeroing it again is the point), or a new one.
    pub(super) fn take_buffer(&self) -> Vec<u8> {
        let mut buffers = self.buffers.lock().unwrap_or_else(|p| p.into_inner());
        buffers.pop().unwrap_or_default()
    }

    /// Returns a buffer to the pool (small ones only, and a bounded number).
    pub(super) fn give_buffer(&self, mut buffer: Vec<u8>) {
        if buffer.capacity() > POOLED_BUFFER_MAX {
            return;
        }
        // Kept at its full capacity's length, so the next frame needs no zeroing up to it.
        buffer.resize(buffer.capacity(), 0);
        let mut buffers = self.buffers.lock().unwrap_or_else(|p| p.into_inner());
        if buffers.len() < POOLED_BUFFERS {
            buffers.push(buffer);
        }
    }
}

/// Everything the driver task owns.
pub(super) struct DriverArgs {
    pub(super) address: BrokerAddress,
    pub(super) label: String,
    pub(super) options: Arc<ConnectOptions>,
    pub(super) shared: Arc<Shared>,
    pub(super) ready: async_channel::Sender<Result<Handshaken>>,
    pub(super) requests: async_channel::Receiver<Outgoing>,
}

/// What the handshake learnt about the broker.
#[derive(Debug)]
pub(super) struct Handshaken {
    /// The versions agreed.
    pub(super) versions: NegotiatedVersions,
    /// The finalized features it reported.
    pub(super) features: Arc<FinalizedFeatures>,
}

/// Runs the connection until it fails or every handle is gone.
pub(super) async fn run(args: DriverArgs) {
    let DriverArgs {
        address,
        label,
        options,
        shared,
        ready,
        requests,
    } = args;
    let clock = Clock::start();
    let now = move || clock.now();
    let nonce = match sasl_nonce(&options) {
        Ok(nonce) => nonce,
        Err(error) => {
            let _ = ready.send(Err(error)).await;
            return;
        }
    };
    let mut conn = Conn::new(connection_config(&options, &nonce));
    let (stream, features) = match establish(&mut conn, &address, &options, &label, now).await {
        Ok(done) => done,
        Err(error) => {
            log::debug!("connection to {label} failed: {error}");
            shared.closed.store(true, Ordering::Release);
            let _ = ready.send(Err(error)).await;
            return;
        }
    };
    let handshaken = Handshaken {
        versions: *conn.versions(),
        features: Arc::new(features),
    };
    if ready.send(Ok(handshaken)).await.is_err() {
        // Nobody waits for this connection any more.
        shared.closed.store(true, Ordering::Release);
        return;
    }
    drop(ready);
    log::debug!("connection to {label} ready");
    pipeline::serve(stream, conn, &options, &label, &shared, &requests, now).await;
    shared.closed.store(true, Ordering::Release);
}

/// The clock a connection's deadlines are kept on: milliseconds since the connection began.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock(std::time::Instant);

impl Clock {
    /// A clock starting now.
    pub(crate) fn start() -> Self {
        Self(std::time::Instant::now())
    }

    /// The time now, for the sans-I/O connection.
    pub(crate) fn now(self) -> Instant {
        Instant::from_millis(u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX))
    }
}

/// The SASL client nonce a connection needs (empty without SASL).
///
/// # Errors
/// When the system's random source fails.
pub(crate) fn sasl_nonce(options: &ConnectOptions) -> Result<String> {
    match options.sasl {
        Some(_) => new_nonce(),
        None => Ok(String::new()),
    }
}

/// The sans-I/O connection's configuration, borrowing the client id and credentials.
pub(crate) fn connection_config<'o>(
    options: &'o ConnectOptions,
    nonce: &'o str,
) -> ConnectionConfig<'o> {
    ConnectionConfig {
        client_id: &options.client_id,
        request_timeout: options.request_timeout,
        sasl: options.sasl.as_ref().map(|sasl| Credentials {
            mechanism: sasl.mechanism,
            username: &sasl.username,
            password: sasl.password.expose(),
            nonce,
        }),
        ..ConnectionConfig::default()
    }
}

/// Opens the stream to `address` (TCP, then TLS if configured) and runs the handshake on
/// `conn`, all within the connect timeout; returns the stream, ready for requests, and the
/// finalized features the broker reported. Every task that owns a connection starts here.
///
/// # Errors
/// Resolution, connect, TLS and handshake failures; [`Error::Timeout`] past the connect timeout.
pub(crate) async fn establish(
    conn: &mut Conn<'_>,
    address: &BrokerAddress,
    options: &ConnectOptions,
    label: &str,
    now: impl Fn() -> Instant,
) -> Result<(Stream, FinalizedFeatures)> {
    let setup = async {
        let mut stream = net::open(
            address,
            options.address_family,
            &options.socket,
            options.tls.as_ref(),
            options.connect_timeout,
        )
        .await?;
        let features = handshake(conn, &mut stream, options, label, now).await?;
        Ok((stream, features))
    };
    net::with_timeout(
        || format!("setting up the connection to {label}"),
        options.connect_timeout,
        setup,
    )
    .await
}

/// Hex-dumps a handshake frame, except SASL authentication bytes (a PLAIN frame holds the
/// password), which are only counted.
fn log_handshake_frame(heading: &str, frame: &[u8], sasl: bool) {
    if sasl {
        log::trace!(
            target: hex_dump::TARGET,
            "{heading}, {} bytes of SASL authentication (not shown)",
            frame.len()
        );
    } else {
        hex_dump::log_frame(heading, frame);
    }
}

/// ApiVersions, then SASL, one frame at a time; returns the finalized features the broker's
/// ApiVersions response listed.
async fn handshake(
    conn: &mut Conn<'_>,
    stream: &mut Stream,
    options: &ConnectOptions,
    label: &str,
    now: impl Fn() -> Instant,
) -> Result<FinalizedFeatures> {
    let mut features = FinalizedFeatures::default();
    // SASL frames carry the password (PLAIN) or proofs (SCRAM): wiped once written, and on
    // every reallocation and drop.
    let mut out = Zeroizing::new(vec![0u8; 512]);
    let mut sent_sasl = false;
    loop {
        let len = loop {
            match conn.poll_transmit(now(), &mut out) {
                Ok(len) => break len,
                Err(ConnError::Encode(EncodeError::BufferTooSmall { needed })) => {
                    out = Zeroizing::new(vec![0u8; needed]);
                }
                Err(error) => return Err(Error::from_conn(error, label, None)),
            }
        };
        if len > 0 {
            let frame = out.get(..len).unwrap_or_default();
            sent_sasl = frame.get(4..6) == Some(&ApiKey::SaslAuthenticate.key().to_be_bytes()[..]);
            if options.hex_dump {
                log_handshake_frame(&format!("handshake sent to {label}"), frame, sent_sasl);
            }
            stream
                .write_all(frame)
                .await
                .map_err(|error| Error::io(format!("writing to {label}"), error))?;
            stream
                .flush()
                .await
                .map_err(|error| Error::io(format!("writing to {label}"), error))?;
            if sent_sasl {
                out.as_mut_slice().zeroize();
            }
            continue;
        }
        let frame = read_frame(stream, options.max_response_size, label).await?;
        if options.hex_dump {
            let heading = format!("handshake received from {label}");
            log_handshake_frame(&heading, &frame, sent_sasl);
        }
        if let Some(response) = conn.versions_response(&frame) {
            features = FinalizedFeatures::from_response(&response);
        }
        match conn.handle_frame(&frame) {
            Ok(Event::Handshake) => {}
            Ok(Event::Ready) => {
                if let Some(sasl) = &options.sasl {
                    log::debug!(
                        "authenticated to {label} as {} with {}",
                        sasl.username,
                        sasl.mechanism.name()
                    );
                }
                return Ok(features);
            }
            Ok(Event::Response(_)) => {
                return Err(Error::protocol(format!(
                    "{label} answered a request during the handshake"
                )));
            }
            Err(error) => {
                let error = Error::from_conn(error, label, conn.server_error_text());
                log::warn!("handshake with {label} failed: {error}");
                return Err(error);
            }
        }
    }
}
