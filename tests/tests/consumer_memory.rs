//! Steady-state consuming allocates next to nothing per record: records are read in place from
//! the fetched buffers, so what allocates is per fetch response, per batch (its record table and
//! shared header; a compressed batch's buffer) and per `poll` call (its vector, the wait's
//! timer), never per record. Counted by this test binary's global allocator (the fetcher and
//! manager threads' allocations included), for 100 B and 1 KiB values, uncompressed and lz4,
//! through the `Stream` and through `poll`. One test in its own binary, so nothing else moves
//! the figures.

use std::alloc::System;
use std::time::{Duration, Instant};

use franzl::config::Compression;
use franzl::consumer::{Consumer, ConsumerRecord, SeekTo, TopicPartition};
use franzl::producer::{Producer, ProducerRecord};
use franzl_tests::consumer::config;
use franzl_tests::producer::{create_topic, producer_config};
use franzl_tests::{Profile, broker, unique_topic};
use futures_lite::StreamExt;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const PARTITIONS: i32 = 3;
/// What one `poll` call may allocate besides its records' batches: its vector, and the timer and
/// listener when it waits.
const PER_POLL: f64 = 8.0;
/// The producer's `batch.size` when the topic is filled.
const BATCH_BYTES: usize = 64 * 1024;
/// What one fetched batch may allocate (its bookkeeping, a decompression buffer, its share of
/// the fetch response's): a few, never one per record.
const PER_BATCH: f64 = 8.0;
/// The longest wait for one record before the test gives up.
const STALL: Duration = Duration::from_secs(30);

/// Writes `count` records of `size` bytes to a new topic of [`PARTITIONS`] partitions.
fn fill(broker: &xtask::broker::Broker, size: usize, count: usize, codec: Compression) -> String {
    let topic = unique_topic(&format!("consume-memory-{size}"));
    create_topic(broker, &topic, PARTITIONS, 1);
    let config = producer_config(broker, |b| {
        b.compression(codec)
            .batch_size(BATCH_BYTES)
            .linger(Duration::from_millis(5))
    });
    smol::block_on(async {
        let producer = Producer::connect(config).await.expect("producer");
        let value: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
        let mut pending = Vec::with_capacity(count);
        for _ in 0..count {
            pending.push(
                producer
                    .send(ProducerRecord::new(&topic, &value))
                    .await
                    .expect("send"),
            );
        }
        for delivery in pending {
            delivery.await.expect("delivered");
        }
    });
    topic
}

/// How the records are taken from the consumer.
#[derive(Debug, Clone, Copy)]
enum Reading {
    Stream,
    Poll,
}

/// Counts the records read, and starts counting allocations after the warm-up.
struct Tally {
    warm_up: usize,
    seen: usize,
    /// `poll` calls after the warm-up.
    polls: usize,
    value_bytes: usize,
    region: Option<Region<'static, System>>,
    started: Instant,
}

impl Tally {
    fn take(&mut self, record: &ConsumerRecord) {
        self.value_bytes += record.value().map_or(0, <[u8]>::len);
        self.seen += 1;
        if self.seen == self.warm_up {
            self.started = Instant::now();
            self.region = Some(Region::new(GLOBAL));
        }
    }
}

/// Reads `count` records of `topic` from the earliest offsets; returns the allocations made
/// while the last `count - warm_up` were read, the `poll` calls that took, and how long.
fn consume(
    bootstrap: &str,
    topic: &str,
    count: usize,
    warm_up: usize,
    reading: Reading,
) -> (u64, usize, Duration) {
    smol::block_on(async {
        let mut consumer = Consumer::connect(config(bootstrap).build().expect("config"))
            .await
            .expect("consumer");
        let partitions: Vec<TopicPartition> = (0..PARTITIONS)
            .map(|partition| TopicPartition::new(topic, partition))
            .collect();
        consumer.assign(partitions.clone());
        for partition in &partitions {
            consumer.seek(partition, SeekTo::Earliest).expect("seek");
        }
        let mut tally = Tally {
            warm_up,
            seen: 0,
            polls: 0,
            value_bytes: 0,
            region: None,
            started: Instant::now(),
        };
        let deadline = Instant::now() + STALL;
        while tally.seen < count {
            assert!(
                Instant::now() < deadline,
                "{} of {count} records",
                tally.seen
            );
            match reading {
                Reading::Stream => {
                    let record = consumer.next().await.expect("open").expect("record");
                    tally.take(&record);
                }
                Reading::Poll => {
                    tally.polls += usize::from(tally.region.is_some());
                    for record in consumer.poll(STALL).await.expect("poll") {
                        tally.take(&record);
                    }
                }
            }
        }
        let Tally {
            region,
            started,
            value_bytes,
            polls,
            ..
        } = tally;
        let allocations = region.map_or(0, |region| region.change().allocations) as u64;
        let elapsed = started.elapsed();
        consumer.close().await;
        assert!(value_bytes > 0);
        (allocations, polls, elapsed)
    })
}

#[test]
fn consuming_does_not_allocate_per_record() {
    let broker = broker(Profile::Plain);
    let bootstrap = broker.bootstrap();
    let mut failures = Vec::new();
    for (size, count, codec) in [
        (100, 200_000, Compression::None),
        (1024, 40_000, Compression::None),
        (1024, 40_000, Compression::Lz4),
    ] {
        let topic = fill(broker, size, count, codec);
        for reading in [Reading::Stream, Reading::Poll] {
            let warm_up = count / 10;
            let (allocations, polls, elapsed) =
                consume(&bootstrap, &topic, count, warm_up, reading);
            let steady = count - warm_up;
            let per_record = allocations as f64 / steady as f64;
            // Per fetch and per batch only: a batch holds tens to hundreds of records, so one
            // allocation per record exceeds this by far.
            let batches = (steady * size).div_ceil(BATCH_BYTES);
            let allowed = PER_BATCH * batches as f64 + PER_POLL * polls as f64;
            eprintln!(
                "{size} B {codec:?} via {reading:?}: {steady} records in {elapsed:?} ({polls} \
                 polls), {allocations} allocations = {per_record:.4} per record (allowed \
                 {allowed:.0})"
            );
            if allocations as f64 > allowed {
                failures.push(format!("{size} B {codec:?} {reading:?}: {per_record:.4}"));
            }
        }
    }
    assert!(failures.is_empty(), "allocations per record: {failures:?}");
}
