//! The `produce` and `roundtrip` modes through franzl's `Producer`.
//!
//! Every option of the contract is set explicitly, idempotence included: franzl's producer is
//! idempotent by default (as Java's), so a run asked without `--idempotent` turns it off rather
//! than measure something it was not asked. Deliveries are awaited in order from a queue of at
//! most [`PENDING`], reserved before the clock starts, so the queue itself never allocates in the
//! timed part.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use franzl::config::ProducerConfig;
use franzl::producer::{Delivery, Producer, ProducerRecord};
use franzl_bench_clients::cli::Args;
use franzl_bench_clients::latency::Latencies;
use franzl_bench_clients::outcome::{AllocationCount, CountingAllocator, Outcome};
use franzl_bench_clients::payload::Values;

/// Deliveries awaited at most this far behind the newest send: enough to keep every batch of
/// `buffer.memory` (32 MiB) in flight, few enough to bound the queue.
const PENDING: usize = 400_000;

/// The producer for `args`, with `linger` (the contract's, or 0 for round trips); transactional
/// when `args` has a transactional id.
pub(crate) async fn producer(args: &Args, linger: Duration) -> Result<Producer, String> {
    let linger_ms = linger.as_millis().to_string();
    let mut properties = vec![
        ("bootstrap.servers", args.bootstrap.as_str()),
        ("acks", args.acks.property_value()),
        ("compression.type", args.compression.as_str()),
        (
            "enable.idempotence",
            if args.idempotent { "true" } else { "false" },
        ),
        ("linger.ms", linger_ms.as_str()),
    ];
    if let Some(id) = &args.transactional_id {
        properties.push(("transactional.id", id.as_str()));
    }
    let config =
        ProducerConfig::from_properties(properties).map_err(|error| format!("config: {error}"))?;
    Producer::connect(config)
        .await
        .map_err(|error| format!("producer: {error}"))
}

/// Waits for one delivery; a failed record fails the run.
pub(crate) async fn settle(delivery: Delivery, index: u64) -> Result<(), String> {
    delivery
        .await
        .map(drop)
        .map_err(|error| format!("record {index}: {error}"))
}

/// Sends records `first..first + count` and waits until every one was acknowledged.
async fn send_all(
    producer: &Producer,
    topic: &str,
    values: &Values,
    pending: &mut VecDeque<(u64, Delivery)>,
    first: u64,
    count: u64,
) -> Result<(), String> {
    for index in first..first + count {
        if pending.len() == PENDING
            && let Some((sent, delivery)) = pending.pop_front()
        {
            settle(delivery, sent).await?;
        }
        let delivery = producer
            .send(ProducerRecord::new(topic, values.get(index)))
            .await
            .map_err(|error| format!("send {index}: {error}"))?;
        pending.push_back((index, delivery));
    }
    producer.flush().await;
    while let Some((sent, delivery)) = pending.pop_front() {
        settle(delivery, sent).await?;
    }
    Ok(())
}

/// The `produce` mode: `warmup` untimed records, then `count` as fast as the producer takes them;
/// the clock stops when the last one is acknowledged.
///
/// # Errors
/// When the producer cannot be made, a send fails, or a record is not acknowledged.
pub(crate) async fn throughput(
    args: &Args,
    allocator: &'static CountingAllocator,
) -> Result<Outcome, String> {
    let producer = producer(args, args.linger).await?;
    let values = Values::new(args.size);
    let mut pending = VecDeque::with_capacity(PENDING);
    send_all(
        &producer,
        &args.topic,
        &values,
        &mut pending,
        0,
        args.warmup,
    )
    .await?;
    let allocations = AllocationCount::start(allocator);
    let start = Instant::now();
    send_all(
        &producer,
        &args.topic,
        &values,
        &mut pending,
        args.warmup,
        args.count,
    )
    .await?;
    let elapsed = start.elapsed();
    let allocations = allocations.read();
    producer.close().await;
    Ok(Outcome {
        client: "franzl",
        mode: "produce",
        records: args.count,
        bytes: args.count * args.size as u64,
        elapsed,
        warmup: args.warmup,
        allocations: Some(allocations),
        percentiles: None,
    })
}

/// The `roundtrip` mode: one record at a time, each awaited before the next, with linger 0.
///
/// # Errors
/// When the producer cannot be made, or a record fails.
pub(crate) async fn roundtrip(
    args: &Args,
    allocator: &'static CountingAllocator,
) -> Result<Outcome, String> {
    let producer = producer(args, Duration::ZERO).await?;
    let values = Values::new(args.size);
    let send = async |index: u64| -> Result<Duration, String> {
        let began = Instant::now();
        let delivery = producer
            .send(ProducerRecord::new(&args.topic, values.get(index)))
            .await
            .map_err(|error| format!("send {index}: {error}"))?;
        settle(delivery, index).await?;
        Ok(began.elapsed())
    };
    for index in 0..args.warmup {
        send(index).await?;
    }
    let mut latencies = Latencies::with_capacity(args.count as usize);
    let allocations = AllocationCount::start(allocator);
    let start = Instant::now();
    for index in args.warmup..args.warmup + args.count {
        latencies.record(send(index).await?);
    }
    let elapsed = start.elapsed();
    let allocations = allocations.read();
    producer.close().await;
    Ok(Outcome {
        client: "franzl",
        mode: "roundtrip",
        records: args.count,
        bytes: args.count * args.size as u64,
        elapsed,
        warmup: args.warmup,
        allocations: Some(allocations),
        percentiles: latencies.percentiles(),
    })
}
