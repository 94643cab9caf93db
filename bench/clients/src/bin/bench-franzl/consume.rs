//! The consuming modes through franzl's `Consumer`, both read until `count` records came with the
//! clock started at the first record: `consume` with partitions assigned directly from the
//! earliest offset (no group join), `group-consume` as a member of a fresh consumer group
//! subscribed to the topic (`auto.offset.reset=earliest`, the group's other settings franzl's
//! defaults, auto-commit included), so the join happens before the clock starts.

use std::time::{Duration, Instant};

use franzl::config::ConsumerConfig;
use franzl::consumer::{Consumer, SeekTo, TopicPartition};
use franzl_bench_clients::cli::Args;
use franzl_bench_clients::outcome::{AllocationCount, CountingAllocator, Outcome};
use futures_lite::{FutureExt, StreamExt};

/// The longest wait for the next record (the first one included, so the group join too) before
/// the run is declared stuck.
const STALL: Duration = Duration::from_secs(30);

/// The `consume` mode: partitions assigned directly from the earliest offset, read until `count`
/// records came; the clock starts at the first record.
///
/// # Errors
/// When the consumer cannot be made, a fetch fails, or no record comes for 30 seconds.
pub(crate) async fn run(
    args: &Args,
    allocator: &'static CountingAllocator,
) -> Result<Outcome, String> {
    let config = ConsumerConfig::from_properties([("bootstrap.servers", args.bootstrap.as_str())])
        .map_err(|error| format!("config: {error}"))?;
    let consumer = Consumer::connect(config)
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
    read(args, consumer, allocator).await
}

/// The `group-consume` mode: joins the group `--group` subscribed to the topic, from the earliest
/// offset (the group is fresh: nothing is committed), and reads until `count` records came; the
/// clock starts at the first record, so the join is not timed.
///
/// # Errors
/// When the consumer cannot be made or subscribe, a fetch fails, or no record comes for 30
/// seconds (the join included).
pub(crate) async fn group(
    args: &Args,
    allocator: &'static CountingAllocator,
) -> Result<Outcome, String> {
    let config = ConsumerConfig::from_properties([
        ("bootstrap.servers", args.bootstrap.as_str()),
        ("group.id", args.group()?),
        ("group.protocol", args.group_protocol()),
        ("auto.offset.reset", "earliest"),
    ])
    .map_err(|error| format!("config: {error}"))?;
    let consumer = Consumer::connect(config)
        .await
        .map_err(|error| format!("consumer: {error}"))?;
    consumer
        .subscribe([args.topic.as_str()])
        .map_err(|error| format!("subscribe: {error}"))?;
    read(args, consumer, allocator).await
}

/// Reads until `count` records came, timing from the first one, then closes the consumer (a
/// group member commits and leaves there, after the clock stopped).
async fn read(
    args: &Args,
    mut consumer: Consumer,
    allocator: &'static CountingAllocator,
) -> Result<Outcome, String> {
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
            allocations = Some(AllocationCount::start(allocator));
        }
        records += 1;
        bytes += record.value().map_or(0, <[u8]>::len) as u64;
    }
    let elapsed = first_record.map_or(Duration::ZERO, |first| first.elapsed());
    let allocations = allocations.map(|count| count.read());
    consumer.close().await;
    Ok(Outcome {
        client: "franzl",
        mode: args.mode.as_str(),
        records,
        bytes,
        elapsed,
        warmup: 0,
        allocations,
        percentiles: None,
    })
}
