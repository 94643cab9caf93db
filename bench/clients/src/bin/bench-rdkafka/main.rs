//! `bench-rdkafka`: the benchmark's librdkafka client (through the `rdkafka` crate, with its bundled
//! librdkafka), speaking the CLI contract of `bench/clients/README.md`.
//!
//! Allocations are reported as `null`: librdkafka allocates with C's `malloc`, which the counting
//! allocator of this program cannot see, so a count would flatter it.

mod consume;
mod produce;

use std::process::ExitCode;

use franzl_bench_clients::cli::{Args, Mode};
use franzl_bench_clients::outcome::CountingAllocator;

#[global_allocator]
static GLOBAL: &CountingAllocator = &stats_alloc::INSTRUMENTED_SYSTEM;

fn main() -> ExitCode {
    let result = Args::from_env().and_then(|args| match args.mode {
        Mode::Produce => produce::throughput(&args),
        Mode::Roundtrip => produce::roundtrip(&args),
        Mode::Consume => consume::run(&args),
    });
    match result {
        Ok(outcome) => {
            println!("{}", outcome.to_json());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bench-rdkafka: {message}");
            ExitCode::FAILURE
        }
    }
}
