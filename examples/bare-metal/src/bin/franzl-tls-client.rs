//! The embedded client over TLS 1.3 (embedded-tls) on a Cortex-M4F with no global allocator:
//! the TLS handshake with the broker's chain verified against one CA and its host name
//! (embedded-tls's `rustpki` verifier: ECDSA P-256 certificates), then what
//! `franzl-embedded-client` does (connect with SASL PLAIN or SCRAM, produce with LZ4, fetch
//! back) over the TLS session, which implements the same `embedded-io-async` traits as a TCP
//! socket. The host test `tests/tests/embedded_tls.rs` runs the same stack against the real
//! broker.
//!
//! Measured for flash and RAM by `cargo xtask size` (built with the `device` feature, for the
//! TLS provider of the docs' device program, and both SCRAM mechanisms, so the difference to
//! that build of `franzl-embedded-client` is what TLS adds); it does not run. The socket and the random number generator are stand-ins
//! ([`franzl_bare_metal::stub`]), the CA certificate a buffer the optimiser cannot read.
//!
//! RAM besides the client's: the two record buffers, which are statics here so the build's bss
//! shows them, and the session's state, `TLS_STATE` below, on the stack. Read: one whole TLS
//! record of 4 KiB of data plus 256 bytes, since the client asks for records of at most 4 KiB
//! (the max_fragment_length extension), which Kafka's brokers honour; without asking, they send
//! records of up to 16 KiB, and the buffer must take 16,640 bytes (`tests/tests/embedded_tls.rs`
//! shows both). Write: 2 KiB, larger writes going out as several records.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

use cortex_m_rt::entry;
use embedded_tls::{Aes128GcmSha256, MaxFragmentLength, TlsConfig, TlsConnection, TlsContext};
use franzl_bare_metal::device::Provider;
use franzl_bare_metal::executor::block_on;
use franzl_bare_metal::stub::{StubRng, StubSocket, config, millis};
use franzl_core::compression::Compression;
use franzl_core::conn::Instant;
use franzl_core::embedded::example::produce_and_fetch;
use franzl_core::embedded::{Acks, Client, ProduceOptions};
use franzl_core::record::NewRecord;

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// One whole TLS record as a broker sends it when asked for 4 KiB records: 4 KiB of data and
/// the record's overhead.
const READ_RECORD: usize = 4_096 + 256;
/// The records the client writes: a 2 KiB request goes out as two.
const WRITE_RECORD: usize = 2_048;

/// The session's state besides its record buffers, on this target: 1,264 bytes (keys, the
/// transcript hash, record positions). Checked at build time against 1.5 KiB.
const TLS_STATE: usize =
    core::mem::size_of::<TlsConnection<'static, StubSocket, Aes128GcmSha256>>();
const _: () = assert!(TLS_STATE < 1536, "the TLS session's state outgrew 1.5 KiB");

#[entry]
fn main() -> ! {
    // The record buffers, in bss (see the module docs); the client's buffers as in
    // `franzl-embedded-client`, on the stack.
    static mut READ: [u8; READ_RECORD] = [0; READ_RECORD];
    static mut WRITE: [u8; WRITE_RECORD] = [0; WRITE_RECORD];
    // cortex-m-rt's `entry` turns each `static mut` declared here into a `&'static mut`, handed
    // out once, with no `unsafe` on this side.
    let (read, write): (&'static mut [u8], &'static mut [u8]) = (READ, WRITE);
    let mut tx = [0u8; 2 << 10];
    let mut rx = [0u8; 8 << 10];
    let mut inflate = [0u8; 2 << 10];
    // The CA's DER certificate, from flash on a device.
    let ca_storage = [black_box(0x30u8); 420];
    let ca = black_box(&ca_storage[..]);
    let reading = [b'0' + black_box(1); 24];
    let records = [NewRecord {
        key: Some(b"sensor-7"),
        value: Some(&reading),
        ..NewRecord::default()
    }];
    let options = ProduceOptions {
        acks: Acks::All,
        compression: Compression::Lz4,
        ..ProduceOptions::default()
    };
    let result = block_on(async {
        let mut tls = TlsConnection::new(StubSocket, read, write);
        let tls_config = TlsConfig::new()
            .with_server_name("kafka.example.com")
            .with_max_fragment_length(MaxFragmentLength::Bits12);
        let provider = Provider::new(StubRng, ca);
        if tls
            .open(TlsContext::new(&tls_config, provider))
            .await
            .is_err()
        {
            return None;
        }
        let clock: fn() -> Instant = millis;
        let mut client = Client::new(tls, clock, config(), &mut tx, &mut rx);
        client.connect().await.ok()?;
        produce_and_fetch(&mut client, "telemetry", &records, &options, &mut inflate)
            .await
            .ok()
    });
    black_box(result.map(|seen| seen.matching));
    loop {
        core::hint::spin_loop();
    }
}
