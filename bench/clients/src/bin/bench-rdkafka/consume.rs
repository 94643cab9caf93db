//! Consuming with librdkafka's `BaseConsumer`, partitions assigned by hand from the earliest offset,
//! so no group join happens at all. The clock starts at the first record, as in every contract
//! program: connecting and finding the offsets are left out.

use std::time::{Duration, Instant};

use franzl_bench_clients::cli::Args;
use franzl_bench_clients::outcome::Outcome;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// The `consume` mode: reads until `count` records arrived.
///
/// # Errors
/// When the consumer cannot be made, a fetch fails, or nothing arrives for 30 seconds.
pub(crate) fn run(args: &Args) -> Result<Outcome, String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &args.bootstrap)
        .set("group.id", "franzl-bench-unused")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
        .map_err(|error| format!("consumer: {error}"))?;
    let mut assignment = TopicPartitionList::new();
    for partition in 0..args.partitions {
        assignment
            .add_partition_offset(&args.topic, partition, Offset::Beginning)
            .map_err(|error| format!("assignment: {error}"))?;
    }
    consumer
        .assign(&assignment)
        .map_err(|error| format!("assign: {error}"))?;
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
