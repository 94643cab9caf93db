//! `cargo xtask`: the one entry point for franzl's project tasks.

mod commands;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  broker up|down|status --profile plain|sasl|tls|cluster3
  kafka-tool NAME ARGS...   run a tool from the broker's jars (console-producer, topics, ...)
  size [--release]          build the bare-metal link check and print its text/data/bss sizes
  qemu                      run the bare-metal programs on an emulated Cortex-M4 (checks, stack, RAM)
  test                      everything CI runs (after the set-up below)
  soak [--minutes N]        producers and a consumer on cluster3 under faults, history checked (target/soak/)
  setup                     install what test needs and lacks: nightly, cargo-fuzz, kcat, ...
  demo                      bring up the plain broker and run the quickstart
  bench [--quick]           franzl against librdkafka, Java, rskafka, franz-go and replay (target/bench/)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result: Result<(), String> = match args.first().map(String::as_str) {
        Some("broker") => commands::broker(&args[1..]),
        Some("kafka-tool") => match commands::kafka_tool(&args[1..]) {
            // The tool's own exit code, so scripts can tell its failures apart.
            Ok(status) => return ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8),
            Err(message) => Err(message),
        },
        Some("test") => xtask::ci::test(&args[1..]),
        Some("setup") => xtask::setup::command(&args[1..]),
        Some("demo") => xtask::demo::demo(&args[1..]),
        Some("size") => xtask::size::run(&args[1..]),
        Some("qemu") => xtask::qemu::command(&args[1..]),
        Some("bench") => xtask::bench::run(&args[1..]),
        Some("soak") => xtask::soak::command(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
