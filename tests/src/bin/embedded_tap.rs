//! franzl-core's embedded client over embassy-net (smoltcp) on a TAP device: run by the test
//! `tests/embedded_tap.rs` inside its network namespace, as
//! `embedded_tap <tap device> <broker address>`. It prints what it does and, last, a summary
//! line; it exits with an error when a check fails (see `franzl_tests::embedded_tap`).

use std::net::SocketAddr;
use std::process::ExitCode;

use franzl_tests::embedded_tap::{SUMMARY, run};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [tap, broker] = args.as_slice() else {
        eprintln!("usage: embedded_tap <tap device> <broker address>");
        return ExitCode::from(2);
    };
    let broker: SocketAddr = match broker.parse() {
        Ok(address) => address,
        Err(error) => {
            eprintln!("embedded_tap: {broker}: {error}");
            return ExitCode::from(2);
        }
    };
    match run(tap, broker) {
        Ok(summary) => {
            println!("{SUMMARY} {summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("embedded_tap: {error}");
            ExitCode::FAILURE
        }
    }
}
