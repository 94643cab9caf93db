//! `bench-rdkafka`: the benchmark's librdkafka client (through the `rdkafka` crate, with its bundled
//! librdkafka), speaking the CLI contract of `bench/clients/README.md`.
//!
//! Allocations are reported as `null`: librdkafka allocates with C's `malloc`, which the counting
//! allocator of this program cannot see, so a count would flatter it.
//!
//! `transactional-produce` calls one librdkafka function directly, the one `unsafe` block of these
//! programs (`transactional.rs` says why).
//!
//! Properties given with `--set` (a tuned row's documented throughput settings) are set on the
//! librdkafka configuration after the contract's own, so librdkafka itself rejects a property it
//! does not know or a value out of range.

mod consume;
mod idle;
mod produce;
mod transactional;

use std::process::ExitCode;

use franzl_bench_clients::cli::{Args, Mode};
use franzl_bench_clients::outcome::CountingAllocator;

#[global_allocator]
static GLOBAL: &CountingAllocator = &stats_alloc::INSTRUMENTED_SYSTEM;

fn main() -> ExitCode {
    let result = Args::from_env().and_then(|args| match args.mode {
        Mode::Produce => produce::throughput(&args).map(|outcome| outcome.to_json()),
        Mode::Roundtrip => produce::roundtrip(&args).map(|outcome| outcome.to_json()),
        Mode::TransactionalProduce => transactional::run(&args).map(|outcome| outcome.to_json()),
        Mode::Consume => consume::run(&args).map(|outcome| outcome.to_json()),
        Mode::GroupConsume => consume::group(&args).map(|outcome| outcome.to_json()),
        Mode::IdleProducer | Mode::IdleConsumer => idle::run(&args).map(|idle| idle.to_json()),
    });
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bench-rdkafka: {message}");
            ExitCode::FAILURE
        }
    }
}
