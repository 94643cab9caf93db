//! `bench-rskafka`: the benchmark's rskafka client, speaking the CLI contract of
//! `bench/clients/README.md`.
//!
//! rskafka always produces with `acks=all` and has no idempotent producer: this program refuses
//! `--acks 0|1` and `--idempotent` rather than run something other than what it was asked.

mod consume;
mod produce;

use std::process::ExitCode;

use franzl_bench_clients::cli::{Acks, Args, Mode};
use franzl_bench_clients::outcome::CountingAllocator;
use rskafka::client::partition::Compression;

#[global_allocator]
static GLOBAL: &CountingAllocator = &stats_alloc::INSTRUMENTED_SYSTEM;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("bench-rskafka: runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = Args::from_env().and_then(|args| {
        args.refuse_properties("bench-rskafka")?;
        runtime.block_on(async {
            match args.mode {
                Mode::Produce => produce::throughput(&args, GLOBAL).await,
                Mode::Roundtrip => produce::roundtrip(&args, GLOBAL).await,
                Mode::Consume => consume::run(&args, GLOBAL).await,
                Mode::GroupConsume => Err("rskafka has no consumer groups".to_string()),
                Mode::TransactionalProduce => Err("rskafka has no transactions".to_string()),
                Mode::IdleProducer | Mode::IdleConsumer => Err(format!(
                    "{} is not measured for rskafka",
                    args.mode.as_str()
                )),
            }
        })
    });
    match result {
        Ok(outcome) => {
            println!("{}", outcome.to_json());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bench-rskafka: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The options rskafka can honour, checked before anything is sent.
fn compression(args: &Args) -> Result<Compression, String> {
    if args.acks != Acks::All || args.idempotent {
        return Err("rskafka produces with acks=all only, and is never idempotent".to_string());
    }
    match args.compression.as_str() {
        "none" => Ok(Compression::NoCompression),
        "lz4" => Ok(Compression::Lz4),
        "zstd" => Ok(Compression::Zstd),
        other => Err(format!(
            "compression {other:?} is not built into this program"
        )),
    }
}
