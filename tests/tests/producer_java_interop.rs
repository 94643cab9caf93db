//! Records produced by franzl's std `Producer` are read intact by the Java console consumer,
//! for every codec, on the `plain` profile: 300 records to a one-partition topic, with keys
//! (some null), values, headers (some records without, one header with a null value) and
//! explicit timestamps, printed back exactly as sent and in the order sent.

use franzl::config::Compression;
use franzl::producer::{Header, Producer, ProducerRecord, RecordMetadata};
use franzl_tests::printed::{PrintedRecord, console_consumer};
use franzl_tests::producer::{create_topic, producer_config};
use franzl_tests::record_cases::{compressible_value, now_ms};
use franzl_tests::{Profile, broker, unique_topic};

const RECORDS: usize = 300;
/// The records are stamped this far in the past, so the printed timestamps can only be the
/// producer's, yet well inside the broker's default 7-day retention.
const BACKDATE_MS: i64 = 3_600_000;

/// Record `i`: every 10th without a key, every 7th without headers, every 13th with a header
/// whose value is null; timestamps 3 ms apart from `base_timestamp`.
fn expected_record(i: usize, codec: Compression, base_timestamp: i64) -> PrintedRecord {
    let mut headers = Vec::new();
    if !i.is_multiple_of(7) {
        headers.push(("trace".to_string(), Some(format!("t{i}"))));
        headers.push(("codec".to_string(), Some(format!("{codec:?}"))));
    }
    if i.is_multiple_of(13) {
        headers.push(("absent".to_string(), None));
    }
    PrintedRecord {
        key: (!i.is_multiple_of(10)).then(|| format!("key-{}", i % 50)),
        value: compressible_value(i),
        headers,
        timestamp: base_timestamp + 3 * i as i64,
    }
}

/// Sends `records` one by one with franzl's producer and returns where each landed.
fn produce(
    config: franzl::config::ProducerConfig,
    topic: &str,
    records: &[PrintedRecord],
) -> Vec<RecordMetadata> {
    smol::block_on(async {
        let producer = Producer::connect(config).await.expect("producer connects");
        let mut deliveries = Vec::with_capacity(records.len());
        for record in records {
            let headers: Vec<Header<'_>> = record
                .headers
                .iter()
                .map(|(key, value)| Header {
                    key,
                    value: value.as_deref().map(str::as_bytes),
                })
                .collect();
            let mut sent = ProducerRecord::new(topic, record.value.as_bytes())
                .headers(&headers)
                .timestamp(record.timestamp);
            sent.key = record.key.as_deref().map(str::as_bytes);
            deliveries.push(producer.send(sent).await.expect("send"));
        }
        producer.flush().await;
        let mut delivered = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            delivered.push(delivery.await.expect("delivered"));
        }
        producer.close().await;
        delivered
    })
}

fn read_by_java(codec: Compression) {
    let broker = broker(Profile::Plain);
    let topic = unique_topic(&format!("producer-java-{codec:?}"));
    create_topic(broker, &topic, 1, 1);
    let base_timestamp = now_ms() - BACKDATE_MS;
    let expected: Vec<PrintedRecord> = (0..RECORDS)
        .map(|i| expected_record(i, codec, base_timestamp))
        .collect();
    let config = producer_config(broker, |b| b.compression(codec));
    let delivered = produce(config, &topic, &expected);
    for (i, metadata) in delivered.iter().enumerate() {
        assert_eq!(
            (metadata.partition, metadata.offset),
            (0, i as i64),
            "{codec:?}: delivery of record {i}"
        );
    }
    let read = console_consumer(&broker.bootstrap(), &topic, RECORDS);
    assert_eq!(read.len(), RECORDS, "{codec:?}: records read");
    for (i, (read, expected)) in read.iter().zip(&expected).enumerate() {
        assert_eq!(read, expected, "{codec:?}: record {i}");
    }
}

#[test]
fn none() {
    read_by_java(Compression::None);
}

#[test]
fn gzip() {
    read_by_java(Compression::Gzip);
}

#[test]
fn snappy() {
    read_by_java(Compression::Snappy);
}

#[test]
fn lz4() {
    read_by_java(Compression::Lz4);
}

#[test]
fn zstd() {
    read_by_java(Compression::Zstd);
}
