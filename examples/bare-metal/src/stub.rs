//! Stand-ins for a device's peripherals and settings in the programs that are measured for
//! flash but do not run: a TCP socket whose reads return bytes the optimiser cannot predict, a
//! clock, the connection settings with every SASL choice, and (with the `tls` feature) a random
//! number generator. Through `black_box` every path the real program could take stays in the
//! binary; the measured programs share them, so their difference is what they do differently.

use core::hint::black_box;

use embedded_io_async::{ErrorKind, ErrorType, Read, Write};
use franzl_core::conn::{Credentials, Instant};
use franzl_core::embedded::ConnectionConfig;
use franzl_core::sasl::SaslMechanism;
use franzl_core::sasl::scram::ScramMechanism;

/// The device's millisecond clock (a SysTick counter on real hardware).
pub fn millis() -> Instant {
    Instant::from_millis(u64::from(black_box(0u32)))
}

/// The connection settings: no SASL, PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, chosen at run time.
pub fn config() -> ConnectionConfig<'static> {
    let mechanism = match black_box(0u8) {
        0 => None,
        1 => Some(SaslMechanism::Plain),
        2 => Some(SaslMechanism::Scram(ScramMechanism::Sha256)),
        _ => Some(SaslMechanism::Scram(ScramMechanism::Sha512)),
    };
    ConnectionConfig {
        client_id: "sensor-7",
        sasl: mechanism.map(|mechanism| Credentials {
            mechanism,
            username: "device",
            password: "secret",
            // A device draws this from its hardware RNG for every connection.
            nonce: "fyko+d2lbbFgONRv9qkxdawL",
        }),
        ..ConnectionConfig::default()
    }
}

/// Stands in for a TCP socket: reads fill the buffer with an unpredictable byte, writes take
/// everything.
pub struct StubSocket;

impl ErrorType for StubSocket {
    type Error = ErrorKind;
}

impl Read for StubSocket {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        buf.fill(black_box(0));
        match black_box(buf.len()) {
            0 => Err(ErrorKind::NotConnected),
            n => Ok(n.min(buf.len())),
        }
    }
}

impl Write for StubSocket {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        Ok(black_box(buf).len())
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// Stands in for the device's hardware random number generator (the TLS key share and the
/// SCRAM nonce come from it on a device).
#[cfg(feature = "tls")]
pub struct StubRng;

#[cfg(feature = "tls")]
impl rand_core::RngCore for StubRng {
    fn next_u32(&mut self) -> u32 {
        black_box(4)
    }

    fn next_u64(&mut self) -> u64 {
        black_box(4)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.fill(black_box(4));
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// A device's hardware generator is cryptographically strong; this stand-in only claims it.
#[cfg(feature = "tls")]
impl rand_core::CryptoRng for StubRng {}
