//! 100,000 records per codec (none, gzip, snappy, lz4, zstd), produced by franzl to a
//! 3-partition topic and read back with kcat: every record once, where its delivery said, in
//! the order sent per partition.

use std::collections::HashMap;

use franzl::config::Compression;
use franzl::producer::{Producer, ProducerRecord, RecordMetadata};
use franzl_tests::producer::{create_topic, kcat_read, producer_config};
use franzl_tests::{Profile, broker, unique_topic};

const COUNT: usize = 100_000;

fn round_trip(codec: Compression) {
    let broker = broker(Profile::Plain);
    let topic = unique_topic(&format!("codec-{codec:?}"));
    create_topic(broker, &topic, 3, 1);
    let config = producer_config(broker, |b| b.compression(codec));
    let delivered: Vec<RecordMetadata> = smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        let mut deliveries = Vec::with_capacity(COUNT);
        for i in 0..COUNT {
            let key = format!("key-{}", i % 1000);
            let value = format!("value-{i}-{codec:?}-{}", "x".repeat(i % 50));
            let record = ProducerRecord::new(&topic, value.as_bytes()).key(key.as_bytes());
            deliveries.push(producer.send(record).await.unwrap());
        }
        producer.flush().await;
        let mut delivered = Vec::with_capacity(COUNT);
        for delivery in deliveries {
            delivered.push(delivery.await.unwrap());
        }
        delivered
    });
    let read = kcat_read(&broker.bootstrap(), &topic);
    assert_eq!(read.len(), COUNT, "{codec:?}: records read back");
    let by_position: HashMap<(i32, i64), usize> = read
        .iter()
        .enumerate()
        .map(|(index, r)| ((r.partition, r.offset), index))
        .collect();
    assert_eq!(by_position.len(), COUNT, "no two records share a position");
    for (i, metadata) in delivered.iter().enumerate() {
        let index = by_position[&(metadata.partition, metadata.offset)];
        let record = &read[index];
        assert_eq!(record.key, format!("key-{}", i % 1000));
        assert_eq!(
            record.value,
            format!("value-{i}-{codec:?}-{}", "x".repeat(i % 50))
        );
    }
}

#[test]
fn no_compression() {
    round_trip(Compression::None);
}

#[test]
fn gzip() {
    round_trip(Compression::Gzip);
}

#[test]
fn snappy() {
    round_trip(Compression::Snappy);
}

#[test]
fn lz4() {
    round_trip(Compression::Lz4);
}

#[test]
fn zstd() {
    round_trip(Compression::Zstd);
}
