//! Batches the broker compresses: on a topic with `compression.type` set to a codec, the broker
//! recompresses whatever it is sent, with the Java libraries (zstd-jni, snappy-java, lz4-java,
//! the JDK's gzip). franzl sends an uncompressed batch and reads back the broker's compressed
//! one with every key, value, header and timestamp intact.

use franzl_core::compression::Compression;
use franzl_tests::printed::PrintedRecord;
use franzl_tests::raw_client::RawClient;
use franzl_tests::raw_ops::{create_topic_with, fetch_records, produce};
use franzl_tests::record_cases::{as_printed, build_batch, compressible_value, now_ms};
use franzl_tests::{Profile, broker, unique_topic};

const RECORDS: usize = 50;

fn broker_compressed_batch_decodes(codec: Compression) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let mut client = RawClient::connect(&bootstrap).expect("connect");
    let topic = unique_topic(&format!("broker-compressed-{}", codec.name()));
    let configs = [("compression.type", codec.name())];
    let topic_id = create_topic_with(&mut client, &topic, 1, &configs);
    let base = now_ms() - 60_000;
    let records: Vec<PrintedRecord> = (0..RECORDS)
        .map(|i| PrintedRecord {
            key: Some(format!("key-{i}")),
            value: compressible_value(i),
            headers: vec![("n".to_string(), Some(i.to_string()))],
            timestamp: base + i as i64,
        })
        .collect();
    produce(
        &mut client,
        &topic,
        0,
        &build_batch(Compression::None, &records),
    );
    let fetched = fetch_records(&mut client, &topic, topic_id, 0, RECORDS, 1 << 20);
    let codecs: Vec<Compression> = fetched.batches.iter().map(|b| b.compression).collect();
    assert_eq!(codecs, [codec], "the broker's codec");
    assert_eq!(as_printed(&fetched.records()), records);
}

#[test]
fn gzip() {
    broker_compressed_batch_decodes(Compression::Gzip);
}

#[test]
fn snappy() {
    broker_compressed_batch_decodes(Compression::Snappy);
}

#[test]
fn lz4() {
    broker_compressed_batch_decodes(Compression::Lz4);
}

#[test]
fn zstd() {
    broker_compressed_batch_decodes(Compression::Zstd);
}
