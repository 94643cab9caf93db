//! Log-append-time topics: the broker stamps each batch with its own clock and readers take
//! that time for every record. Kafka stores it in the batch's max timestamp and leaves the base
//! timestamp and the records' deltas as the producer wrote them (the protocol guide: with
//! LOG_APPEND_TIME, the max timestamp is the timestamp of every record in the batch; the Java
//! client's `DefaultRecordBatch` and librdkafka read it so).

use franzl_core::compression::Compression;
use franzl_core::record::{Batch, Batches, TimestampType};
use franzl_tests::printed::{KCAT_FORMAT, PrintedRecord, parse_kcat};
use franzl_tests::raw_client::RawClient;
use franzl_tests::raw_ops::{create_topic_with, fetch_once, produce};
use franzl_tests::record_cases::{build_batch, now_ms};
use franzl_tests::{Profile, broker, kcat, unique_topic};

/// Record timestamps in a log-append-time batch are the broker's append time, as kcat reads
/// them.
#[test]
fn log_append_time_is_every_records_timestamp() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let mut client = RawClient::connect(&bootstrap).expect("connect");
    let topic = unique_topic("interop-log-append-time");
    let configs = [("message.timestamp.type", "LogAppendTime")];
    let topic_id = create_topic_with(&mut client, &topic, 1, &configs);
    // Stamped an hour ago by the producer; the broker's stamp is now.
    let created = now_ms() - 3_600_000;
    let records: Vec<PrintedRecord> = (0..3)
        .map(|i| PrintedRecord {
            key: Some(format!("key-{i}")),
            value: format!("value-{i}"),
            headers: Vec::new(),
            timestamp: created + i,
        })
        .collect();
    let before = now_ms();
    produce(
        &mut client,
        &topic,
        0,
        &build_batch(Compression::None, &records),
    );
    let after = now_ms();

    let bytes = fetch_once(&mut client, &topic, topic_id, 0, 0, 1 << 20).expect("fetch");
    let Some(Ok(Batch::V2(batch))) = Batches::new(&bytes).next() else {
        panic!("no batch fetched")
    };
    assert_eq!(batch.timestamp_type(), TimestampType::LogAppendTime);
    let appended = batch.max_timestamp();
    assert!(
        (before..=after).contains(&appended),
        "append time {appended}"
    );
    let kcat = parse_kcat(&kcat::consume(&bootstrap, &topic, 0, KCAT_FORMAT));
    let theirs: Vec<i64> = kcat.iter().map(|r| r.timestamp).collect();
    assert_eq!(theirs, [appended; 3], "kcat takes the append time");
    let ours: Vec<i64> = batch
        .records()
        .expect("uncompressed")
        .map(|r| r.expect("record").timestamp)
        .collect();
    assert_eq!(ours, theirs, "franzl's record timestamps");
}
