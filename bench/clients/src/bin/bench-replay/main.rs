//! `bench-replay`: the ceiling of the benchmark. It speaks the CLI contract of
//! `bench/clients/README.md` with franzl-core alone over plain blocking `TcpStream`s: Produce
//! requests encoded before the clock starts and sent as fast as the broker answers them, and
//! Fetch responses read no further than counting their records needs. No client can do less
//! work per record on this broker and machine, so each client's share of replay's rate says how
//! much room its own work leaves.
//!
//! - `produce`: batches of up to 512 KiB of values, one per request, dealt round robin over the
//!   partitions; five requests in flight per leader connection; every response's error codes
//!   checked. `--idempotent` takes a producer id and numbers each partition's batches.
//! - `roundtrip`: one single-record request to partition 0 at a time.
//! - `consume`: one Fetch in flight per leader for all its partitions, records counted from the
//!   batch headers (see `fetch.rs`).
//!
//! `--linger-ms` means nothing here (batches are made beforehand) and is accepted and ignored.

mod cluster;
mod encode;
mod fetch;
mod link;
mod produce;

use std::process::ExitCode;

use franzl_bench_clients::cli::{Args, Mode};
use franzl_bench_clients::outcome::CountingAllocator;

#[global_allocator]
static GLOBAL: &CountingAllocator = &stats_alloc::INSTRUMENTED_SYSTEM;

fn main() -> ExitCode {
    let result = Args::from_env().and_then(|args| {
        args.refuse_properties("bench-replay")?;
        match args.mode {
            Mode::Produce => produce::throughput(&args, GLOBAL),
            Mode::Roundtrip => produce::roundtrip(&args, GLOBAL),
            Mode::Consume => fetch::run(&args, GLOBAL),
            Mode::GroupConsume => Err(
                "replay has no group protocol: its assigned read (consume) is the fetch ceiling"
                    .to_string(),
            ),
            Mode::TransactionalProduce => {
                Err("replay has no transaction protocol (no coordinator, no EndTxn)".to_string())
            }
            Mode::IdleProducer | Mode::IdleConsumer => Err(format!(
                "{} means nothing for replay, which has no client to idle",
                args.mode.as_str()
            )),
        }
    });
    match result {
        Ok(outcome) => {
            println!("{}", outcome.to_json());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bench-replay: {message}");
            ExitCode::FAILURE
        }
    }
}
