//! The embedded client's example on a Cortex-M4F with no global allocator: connect (with SASL
//! PLAIN or SCRAM), then `franzl_core::embedded::example::produce_and_fetch` (metadata, list
//! offsets, produce with LZ4 or without, fetch and read the records back), the very function
//! the host integration test `tests/tests/embedded_client.rs` runs against a real broker.
//!
//! This program is the one measured for flash; it does not run (`franzl-scripted-client` runs
//! the client on an emulated Cortex-M4). No network stack is in scope, so the transport is a
//! stub socket whose reads return bytes the optimiser cannot predict, and choices (SASL
//! mechanism, codec, acks) are made through `black_box`: every path the real program could take
//! stays in the binary, and `cargo xtask size --release` measures all of it. On a device, swap
//! `StubSocket` for the network stack's TCP socket (embassy-net's `TcpSocket` implements the
//! same traits) and the clock for the device's timer.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

use cortex_m_rt::entry;
use franzl_bare_metal::executor::block_on;
use franzl_bare_metal::stub::{StubSocket, config, millis};
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

/// The client's state besides the caller's buffers, on this target: about 1,312 bytes with
/// this socket and clock (1,272 of them the connection; `franzl-scripted-client` prints both when it
/// runs). Checked at build time against the 2 KiB goal.
const CLIENT_STATE: usize =
    core::mem::size_of::<Client<'static, 'static, StubSocket, fn() -> Instant>>();
const _: () = assert!(CLIENT_STATE < 2048, "the client state outgrew 2 KiB");

#[entry]
fn main() -> ! {
    // The caller's buffers: requests up to 2 KiB, responses up to 8 KiB, 2 KiB of inflated
    // records; all on the stack, nothing allocated.
    let mut tx = [0u8; 2 << 10];
    let mut rx = [0u8; 8 << 10];
    let mut inflate = [0u8; 2 << 10];
    let reading = [b'0' + black_box(1); 24];
    let records = [
        NewRecord {
            key: Some(b"sensor-7"),
            value: Some(&reading),
            ..NewRecord::default()
        },
        NewRecord {
            key: Some(b"sensor-7"),
            value: Some(b"battery=97"),
            timestamp_delta: 5,
            ..NewRecord::default()
        },
    ];
    let options = ProduceOptions {
        acks: match black_box(2u8) {
            0 => Acks::None,
            1 => Acks::Leader,
            _ => Acks::All,
        },
        compression: if black_box(true) {
            Compression::Lz4
        } else {
            Compression::None
        },
        base_timestamp: i64::from(black_box(0u32)),
        ..ProduceOptions::default()
    };
    let clock: fn() -> Instant = millis;
    let mut client = Client::new(StubSocket, clock, config(), &mut tx, &mut rx);
    let result = block_on(async {
        client.connect().await?;
        produce_and_fetch(&mut client, "telemetry", &records, &options, &mut inflate).await
    });
    black_box(result.map(|seen| seen.matching)).ok();
    loop {
        core::hint::spin_loop();
    }
}
