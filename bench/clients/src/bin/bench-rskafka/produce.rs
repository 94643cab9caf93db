//! Producing with rskafka's `BatchProducer`, one per partition, records handed out round robin
//! (rskafka has no partitioner of its own), with many records awaiting their batch at once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use franzl_bench_clients::cli::Args;
use franzl_bench_clients::latency::Latencies;
use franzl_bench_clients::outcome::{AllocationCount, CountingAllocator, Outcome};
use franzl_bench_clients::payload::Values;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use rskafka::chrono::Utc;
use rskafka::client::partition::{Compression, PartitionClient, UnknownTopicHandling};
use rskafka::client::producer::aggregator::RecordAggregator;
use rskafka::client::producer::{BatchProducer, BatchProducerBuilder};
use rskafka::client::{Client, ClientBuilder};
use rskafka::record::Record;

/// Records awaiting acknowledgement at most, so memory stays bounded.
const MAX_PENDING: usize = 20_000;
/// The value bytes the aggregator puts in one batch at most: librdkafka's and franz-go's batches
/// are about 1 MB, and record overhead must still fit under the broker's `message.max.bytes`.
const MAX_BATCH_BYTES: usize = 800_000;

pub(crate) async fn client(bootstrap: &str) -> Result<Client, String> {
    ClientBuilder::new(vec![bootstrap.to_string()])
        .build()
        .await
        .map_err(|error| format!("client: {error}"))
}

pub(crate) async fn partition(
    client: &Client,
    topic: &str,
    partition: i32,
) -> Result<PartitionClient, String> {
    client
        .partition_client(topic, partition, UnknownTopicHandling::Retry)
        .await
        .map_err(|error| format!("partition {partition}: {error}"))
}

fn record(value: &[u8]) -> Record {
    Record {
        key: None,
        value: Some(value.to_vec()),
        headers: BTreeMap::new(),
        timestamp: Utc::now(),
    }
}

async fn send_all(
    producers: &[BatchProducer<RecordAggregator>],
    values: &Values,
    first: u64,
    count: u64,
) -> Result<(), String> {
    let mut pending = FuturesUnordered::new();
    for index in first..first + count {
        let producer = &producers[index as usize % producers.len()];
        pending.push(producer.produce(record(values.get(index))));
        if pending.len() >= MAX_PENDING
            && let Some(result) = pending.next().await
        {
            result.map_err(|error| format!("produce: {error}"))?;
        }
    }
    while let Some(result) = pending.next().await {
        result.map_err(|error| format!("produce: {error}"))?;
    }
    Ok(())
}

/// The `produce` mode.
///
/// # Errors
/// When the options are not rskafka's, or a produce fails.
pub(crate) async fn throughput(
    args: &Args,
    allocator: &'static CountingAllocator,
) -> Result<Outcome, String> {
    let compression: Compression = crate::compression(args)?;
    let client = client(&args.bootstrap).await?;
    let mut producers = Vec::new();
    for index in 0..args.partitions {
        let partition = Arc::new(partition(&client, &args.topic, index).await?);
        producers.push(
            BatchProducerBuilder::new(partition)
                .with_linger(args.linger)
                .with_compression(compression)
                .build(RecordAggregator::new(MAX_BATCH_BYTES)),
        );
    }
    let values = Values::new(args.size);
    send_all(&producers, &values, 0, args.warmup).await?;
    let allocations = AllocationCount::start(allocator);
    let start = Instant::now();
    send_all(&producers, &values, args.warmup, args.count).await?;
    let elapsed = start.elapsed();
    Ok(Outcome {
        client: "rskafka",
        mode: "produce",
        records: args.count,
        bytes: args.count * args.size as u64,
        elapsed,
        warmup: args.warmup,
        allocations: Some(allocations.read()),
        percentiles: None,
    })
}

/// The `roundtrip` mode: one `produce` call of one record at a time, awaited.
///
/// # Errors
/// When the options are not rskafka's, or a produce fails.
pub(crate) async fn roundtrip(
    args: &Args,
    allocator: &'static CountingAllocator,
) -> Result<Outcome, String> {
    let compression = crate::compression(args)?;
    let client = client(&args.bootstrap).await?;
    let partition = partition(&client, &args.topic, 0).await?;
    let values = Values::new(args.size);
    let send = |index: u64| {
        let value = values.get(index);
        let partition = &partition;
        async move {
            let began = Instant::now();
            partition
                .produce(vec![record(value)], compression)
                .await
                .map_err(|error| format!("produce: {error}"))?;
            Ok::<Duration, String>(began.elapsed())
        }
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
    Ok(Outcome {
        client: "rskafka",
        mode: "roundtrip",
        records: args.count,
        bytes: args.count * args.size as u64,
        elapsed,
        warmup: args.warmup,
        allocations: Some(allocations.read()),
        percentiles: latencies.percentiles(),
    })
}
