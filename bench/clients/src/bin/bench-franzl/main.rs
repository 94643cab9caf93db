//! `bench-franzl`: the benchmark's franzl client (the `std-client` crate), speaking the CLI contract
//! of `bench/clients/README.md`: `produce` and `roundtrip` through franzl's `Producer`, `consume`
//! through its `Consumer`, each with the counting allocator over the timed part.

mod consume;
mod produce;

use std::process::ExitCode;

use franzl_bench_clients::cli::{Args, Mode};
use franzl_bench_clients::outcome::CountingAllocator;

#[global_allocator]
static GLOBAL: &CountingAllocator = &stats_alloc::INSTRUMENTED_SYSTEM;

fn main() -> ExitCode {
    let result = Args::from_env().and_then(|args| {
        async_io::block_on(async {
            match args.mode {
                Mode::Produce => produce::throughput(&args, GLOBAL).await,
                Mode::Roundtrip => produce::roundtrip(&args, GLOBAL).await,
                Mode::Consume => consume::run(&args, GLOBAL).await,
            }
        })
    });
    match result {
        Ok(outcome) => {
            println!("{}", outcome.to_json());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bench-franzl: {message}");
            ExitCode::FAILURE
        }
    }
}
