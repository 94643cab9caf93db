//! Consuming with librdkafka's `BaseConsumer`: `consume` with partitions assigned by hand from the
//! earliest offset, so no group join happens at all; `group-consume` as a member of the fresh group
//! `--group` subscribed to the topic (`auto.offset.reset=earliest`, the group's other settings
//! librdkafka's defaults, auto-commit included), its rebalances served inside `poll` by the
//! crate's default context. The clock starts at the first record, as in every contract program:
//! connecting, joining and finding the offsets are left out.

use std::time::{Duration, Instant};

use franzl_bench_clients::cli::Args;
use franzl_bench_clients::outcome::Outcome;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// A consumer of `group` with the contract's settings, `extra` and then the `--set` properties.
///
/// # Errors
/// When librdkafka refuses a property.
fn configured(args: &Args, group: &str, extra: &[(&str, &str)]) -> Result<BaseConsumer, String> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &args.bootstrap)
        .set("group.id", group)
        .set("enable.partition.eof", "false");
    for (key, value) in extra {
        config.set(*key, *value);
    }
    for (key, value) in &args.properties {
        config.set(key, value);
    }
    config
        .create()
        .map_err(|error| format!("consumer: {error}"))
}

/// A consumer (the contract's settings, then the `--set` properties) with partitions
/// `0..partitions` assigned from `offset`.
///
/// # Errors
/// When librdkafka refuses a property or the assignment.
pub(crate) fn assigned(args: &Args, offset: Offset) -> Result<BaseConsumer, String> {
    let consumer = configured(
        args,
        "franzl-bench-unused",
        &[("enable.auto.commit", "false")],
    )?;
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
    read(args, &assigned(args, Offset::Beginning)?)
}

/// The `group-consume` mode: joins `--group` subscribed to the topic and reads until `count`
/// records arrived.
///
/// # Errors
/// When the consumer cannot be made or subscribe, a fetch fails, or nothing arrives for 30
/// seconds (the join included).
pub(crate) fn group(args: &Args) -> Result<Outcome, String> {
    let consumer = configured(
        args,
        args.group()?,
        &[
            ("auto.offset.reset", "earliest"),
            ("group.protocol", args.group_protocol()),
        ],
    )?;
    consumer
        .subscribe(&[args.topic.as_str()])
        .map_err(|error| format!("subscribe: {error}"))?;
    read(args, &consumer)
}

/// Polls until `count` records arrived, timing from the first one.
fn read(args: &Args, consumer: &BaseConsumer) -> Result<Outcome, String> {
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
        mode: args.mode.as_str(),
        records,
        bytes,
        elapsed: first_record.map_or(Duration::ZERO, |first| first.elapsed()),
        warmup: 0,
        allocations: None,
        percentiles: None,
    })
}
