//! The embedded client on the target, driven against a scripted broker in memory
//! ([`scripted_broker`]): connect with ApiVersions and SASL PLAIN (refused credentials first),
//! metadata, produce and fetch back (LZ4 with acks=all, uncompressed with acks=1, acks=0),
//! broker errors that leave the connection usable, and a response larger than `rx`. Every
//! answer is checked on the target; run on QEMU's `mps2-an386` by `cargo xtask qemu`, the
//! program exits with status 0 only if every check held.
//!
//! It measures the RAM the client needs: its state (`size_of` the client), the peak of its
//! stack (painted at reset, read back whenever the client waits; the broker's turns are
//! painted over so they do not count) and its buffers, the example's sizes: `tx` 2 KiB, `rx`
//! 8 KiB, 2 KiB to inflate compressed batches into. The client and its buffers are statics, so
//! the stack holds only the calls (and the future of the scenarios, and the checks).
#![no_std]
#![no_main]

mod scenarios;
mod scripted_broker;
mod socket;

use core::cell::RefCell;
use core::fmt::Write;
use core::panic::PanicInfo;

use cortex_m_rt::entry;
use franzl_bare_metal::checks::{Checks, exit_on_panic, fail_and_exit};
use franzl_bare_metal::executor::block_on_idle;
use franzl_bare_metal::stack;
use franzl_core::conn::{Connection, Instant};
use franzl_core::embedded::Client;
use scripted_broker::ScriptedBroker;
use socket::Socket;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    exit_on_panic(info)
}

/// The client as this program runs it: over the in-memory socket, with a function as its
/// clock.
type TestClient = Client<'static, 'static, Socket<'static>, fn() -> Instant>;

/// The example's buffers (`examples/bare-metal/src/bin/franzl-embedded-client.rs`).
const TX: usize = 2 << 10;
const RX: usize = 8 << 10;
const INFLATE: usize = 2 << 10;

/// The clock: these scenarios set no deadline that could pass.
fn millis() -> Instant {
    Instant::from_millis(0)
}

/// The deepest the stack went while the client ran, and while the broker did.
#[derive(Default)]
struct Peaks {
    client: usize,
    broker: usize,
}

#[entry]
fn main() -> ! {
    static mut TX_BUFFER: [u8; TX] = [0; TX];
    static mut RX_BUFFER: [u8; RX] = [0; RX];
    static mut INFLATE_BUFFER: [u8; INFLATE] = [0; INFLATE];
    static mut BROKER: RefCell<ScriptedBroker> = RefCell::new(ScriptedBroker::new());
    static mut CLIENT: Option<TestClient> = None;
    static mut LARGE_BATCH: [u8; scenarios::LARGE_BATCH] = [0; scenarios::LARGE_BATCH];

    let broker: &'static RefCell<ScriptedBroker> = BROKER;
    let client = CLIENT.insert(Client::new(
        Socket(broker),
        millis as fn() -> Instant,
        scenarios::config(scripted_broker::PASSWORD),
        TX_BUFFER,
        RX_BUFFER,
    ));
    let mut checks = Checks::new("franzl-scripted-client");
    let mut peaks = Peaks::default();
    let run = scenarios::run(client, broker, INFLATE_BUFFER, LARGE_BATCH, &mut checks);
    block_on_idle(run, || {
        // The client waits for the broker: note how deep its stack went, and paint the stack
        // anew; then the broker's turn, measured and painted over the same way.
        let mark = stack::high_water_mark().map_or(0, |mark| mark.peak);
        peaks.client = peaks.client.max(mark);
        stack::repaint_unused();
        let answered = broker.borrow_mut().answer();
        let mark = stack::high_water_mark().map_or(0, |mark| mark.peak);
        peaks.broker = peaks.broker.max(mark);
        stack::repaint_unused();
        if answered == 0 {
            fail_and_exit("the client waits for an answer the broker will never send");
        }
    });
    let end = stack::high_water_mark().map(|mark| {
        peaks.client = peaks.client.max(mark.peak);
        stack::StackUse {
            peak: peaks.client.max(peaks.broker),
            ..mark
        }
    });
    checks.check_stack("franzl-scripted-client (whole program)", end);
    report_ram(&mut checks, &peaks);
    checks.finish()
}

/// Prints the client's RAM: state + peak stack + buffers.
fn report_ram(checks: &mut Checks, peaks: &Peaks) {
    let state = core::mem::size_of::<TestClient>();
    let connection = core::mem::size_of::<Connection<'static, 1>>();
    let buffers = TX + RX + INFLATE;
    let broker = core::mem::size_of::<RefCell<ScriptedBroker>>();
    let console = checks.console();
    let build = if cfg!(feature = "gzip") {
        "SASL PLAIN, LZ4 and gzip"
    } else {
        "SASL PLAIN and LZ4"
    };
    let _ = writeln!(
        console,
        "RAM of the client ({build}): state {state} B (the connection {connection}) + peak \
         stack {} B + buffers {buffers} B (tx {TX}, rx {RX}, inflate {INFLATE}) = {} B",
        peaks.client,
        state + peaks.client + buffers
    );
    let _ = writeln!(
        console,
        "  not counted: the scripted broker's {broker} B and its turns' stack ({} B deep)",
        peaks.broker
    );
}
