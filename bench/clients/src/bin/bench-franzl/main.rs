//! `bench-franzl`: the benchmark's franzl client (the `std-client` crate), speaking the CLI contract
//! of `bench/clients/README.md`: `produce`, `roundtrip` and `transactional-produce` through
//! franzl's `Producer`, `consume` (partitions assigned) and `group-consume` (a group member,
//! subscribed) through its `Consumer`, each with the counting allocator over the timed part; the
//! idle modes count the process's wake-ups with each client idle. It takes no `--set` properties:
//! franzl runs every scenario with the contract's settings and its own defaults.

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
    let result = Args::from_env().and_then(|args| {
        args.refuse_properties("bench-franzl")?;
        async_io::block_on(async {
            let outcome = match args.mode {
                Mode::Produce => produce::throughput(&args, GLOBAL).await,
                Mode::Roundtrip => produce::roundtrip(&args, GLOBAL).await,
                Mode::TransactionalProduce => transactional::run(&args, GLOBAL).await,
                Mode::Consume => consume::run(&args, GLOBAL).await,
                Mode::GroupConsume => consume::group(&args, GLOBAL).await,
                Mode::IdleProducer | Mode::IdleConsumer => {
                    return idle::run(&args).await.map(|idle| idle.to_json());
                }
            };
            outcome.map(|outcome| outcome.to_json())
        })
    });
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bench-franzl: {message}");
            ExitCode::FAILURE
        }
    }
}
