//! `bench-franzl`: the benchmark's franzl client (the `std-client` crate), speaking the CLI contract
//! of `bench/clients/README.md`.
//!
//! Only `consume` runs for now: franzl's producer is still being wired (`std-client/src/producer`
//! has no `Producer` yet), so `produce` and `roundtrip` fail with a message saying so, and
//! `cargo xtask bench` marks those rows pending rather than running them.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use franzl::config::ConsumerConfig;
use franzl::consumer::{Consumer, SeekTo, TopicPartition};
use franzl_bench_clients::cli::{Args, Mode};
use franzl_bench_clients::outcome::{AllocationCount, CountingAllocator, Outcome};
use futures_lite::{FutureExt, StreamExt};

#[global_allocator]
static GLOBAL: &CountingAllocator = &stats_alloc::INSTRUMENTED_SYSTEM;

/// The longest wait for the next record before the run is declared stuck.
const STALL: Duration = Duration::from_secs(30);

/// The `consume` mode: partitions assigned directly from the earliest offset, read until `count`
/// records came; the clock starts at the first record.
async fn consume(args: &Args) -> Result<Outcome, String> {
    let config = ConsumerConfig::from_properties([("bootstrap.servers", args.bootstrap.as_str())])
        .map_err(|error| format!("config: {error}"))?;
    let mut consumer = Consumer::new(config)
        .await
        .map_err(|error| format!("consumer: {error}"))?;
    let partitions: Vec<TopicPartition> = (0..args.partitions)
        .map(|partition| TopicPartition::new(&args.topic, partition))
        .collect();
    consumer.assign(partitions.clone());
    for partition in &partitions {
        consumer
            .seek(partition, SeekTo::Earliest)
            .map_err(|error| format!("seek: {error}"))?;
    }
    let (mut records, mut bytes) = (0u64, 0u64);
    let mut first_record = None;
    let mut allocations = None;
    while records < args.count {
        let stalled = async {
            async_io::Timer::after(STALL).await;
            None
        };
        let record = match consumer.next().or(stalled).await {
            Some(record) => record.map_err(|error| format!("after {records} records: {error}"))?,
            None => {
                return Err(format!(
                    "no record for {} s after {records}",
                    STALL.as_secs()
                ));
            }
        };
        if first_record.is_none() {
            first_record = Some(Instant::now());
            allocations = Some(AllocationCount::start(GLOBAL));
        }
        records += 1;
        bytes += record.value().map_or(0, <[u8]>::len) as u64;
    }
    let elapsed = first_record.map_or(Duration::ZERO, |first| first.elapsed());
    let allocations = allocations.map(|count| count.read());
    consumer.close();
    Ok(Outcome {
        client: "franzl",
        mode: "consume",
        records,
        bytes,
        elapsed,
        warmup: 0,
        allocations,
        percentiles: None,
    })
}

fn main() -> ExitCode {
    let result = Args::from_env().and_then(|args| match args.mode {
        Mode::Consume => async_io::block_on(consume(&args)),
        Mode::Produce | Mode::Roundtrip => {
            Err("franzl's producer is not wired yet: only consume runs".to_string())
        }
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
