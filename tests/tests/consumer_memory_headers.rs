//! A hostile record does not make the consumer allocate past its prefetch bound: one record
//! with 400,000 empty headers is 800 KB on the wire, and a consumer bounded to 2 MiB reads it,
//! and every one of its headers, allocating no more than the bound and a fixed overhead
//! (headers are read again from the record's bytes, not tabled: at 20 B a header the table
//! alone was 8 MB). Counted by this binary's global allocator; one test in its own binary, so
//! nothing else moves the figures.

use std::alloc::System;
use std::time::Duration;

use franzl::consumer::{Consumer, TopicPartition};
use franzl::producer::{Header, Producer, ProducerRecord};
use franzl_tests::consumer::config;
use franzl_tests::producer::{create_topic, producer_config};
use franzl_tests::{Profile, broker, unique_topic};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Headers of the hostile record: each an empty key and a null value, two bytes on the wire.
const HEADERS: usize = 400_000;
/// The consumer's prefetch bound.
const BOUND: usize = 2 * 1024 * 1024;
/// What the consumer may allocate besides what the bound counts: its connections, metadata,
/// tasks and the `poll` vector.
const FIXED: usize = 1024 * 1024;

#[test]
fn a_record_with_400_000_headers_is_read_within_the_prefetch_bound() {
    let broker = broker(Profile::Plain);
    let topic = unique_topic("hostile-headers");
    create_topic(broker, &topic, 1, 1);
    let headers = vec![
        Header {
            key: "",
            value: None,
        };
        HEADERS
    ];
    smol::block_on(async {
        let config = producer_config(broker, |b| b.max_request_size(2 * 1024 * 1024));
        let producer = Producer::connect(config).await.unwrap();
        let record = ProducerRecord::new(&topic, b"v".as_slice()).headers(&headers);
        producer.send(record).await.unwrap().await.unwrap();
        producer.close().await;
    });
    drop(headers);

    let config = config(&broker.bootstrap())
        .fetch(1, 1024 * 1024, 1024 * 1024, Duration::from_millis(100))
        .max_prefetch_bytes(BOUND)
        .build()
        .unwrap();
    let region = Region::new(GLOBAL);
    let (count, keys_empty) = smol::block_on(async {
        let mut consumer = Consumer::connect(config).await.unwrap();
        consumer.assign([TopicPartition::new(&topic, 0)]);
        let mut records = Vec::new();
        while records.is_empty() {
            records = consumer.poll(Duration::from_secs(30)).await.unwrap();
        }
        let record = &records[0];
        let read = (
            record.headers().len(),
            record
                .headers()
                .all(|h| h.key.is_empty() && h.value.is_none()),
        );
        assert!(consumer.peak_buffered_bytes() <= BOUND);
        drop(records);
        consumer.close().await;
        read
    });
    let allocated = region.change().bytes_allocated;
    assert_eq!(count, HEADERS);
    assert!(keys_empty);
    assert!(
        allocated <= BOUND + FIXED,
        "the consumer allocated {allocated} bytes for an 800 KB record (bound {BOUND} + {FIXED})"
    );
    println!("a record of {HEADERS} headers read with {allocated} bytes allocated in all");
}
