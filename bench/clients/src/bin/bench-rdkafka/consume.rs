//! Consuming with librdkafka's `BaseConsumer`, partitions assigned by hand from the earliest offset,
//! so no group join happens at all. The clock starts at the first record, as in every contract
//! program: connecting and finding the offsets are left out.

use std::time::{Duration, Instant};

use franzl_bench_clients::cli::Args;
use franzl_bench_clients::outcome::Outcome;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// A consumer (the contract's settings, then the `--set` properties) with partitions
/// `0..partitions` assigned from `offset`.
///
/// # Errors
/// When librdkafka refuses a property or the assignment.
pub(crate) fn assigned(args: &Args, offset: Offset) -> Result<BaseConsumer, String> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &args.bootstrap)
        .set("group.id", "franzl-bench-unused")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false");
    for (key, value) in &args.properties {
        config.set(key, value);
    }
    let consumer: BaseConsumer = config
        .create()
        .map_err(|error| format!("consumer: {error}"))?;
    let mut assignment = TopicPartitionList::new();
    for partition in 0..args.partitions {
        assignment
            .add_partition_offset(&args.topic, partition, offset)
            .map_err(|error| format!("assignment: {error}"))?;
    }
    consumer
        .assign(&assignment)
        .map_err(|error| format!("assign: {error}"))?;
    Ok(consumer)
}

/// The `consume` mode: reads until `count` records arrived.
///
/// # Errors
/// When the consumer cannot be made, a fetch fails, or nothing arrives for 30 seconds.
pub(crate) fn run(args: &Args) -> Result<Outcome, String> {
    let consumer = assigned(args, Offset::Beginning)?;
    let (mut records, mut bytes) = (0u64, 0u64);
    let mut first_record = None;
    let mut last_record = Instant::now();
    while records < args.count {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(message)) => {
                first_record.get_or_insert_with(Instant::now);
                records += 1;
                bytes += message.payload_len() as u64;
                last_record = Instant::now();
            }
            Some(Err(error)) => return Err(format!("poll: {error}")),
            None if last_record.elapsed() > Duration::from_secs(30) => {
                return Err(format!("nothing for 30 s after {records} records"));
            }
            None => {}
        }
    }
    Ok(Outcome {
        client: "rdkafka",
        mode: "consume",
        records,
        bytes,
        elapsed: first_record.map_or(Duration::ZERO, |first| first.elapsed()),
        warmup: 0,
        allocations: None,
        percentiles: None,
    })
}
