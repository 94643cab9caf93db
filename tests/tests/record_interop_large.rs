//! Record interoperability with a thousand records per test, for every codec, on the `plain`
//! profile (the small cases are in `record_interop.rs`):
//!
//! - franzl writes them as one batch of over 250 KB before compression, past the block and
//!   chunk sizes of every codec (LZ4 frames of 64 KiB blocks, snappy's 32 KiB chunks), and the
//!   Java console consumer and kcat read every record back;
//! - the Java console producer (4 KiB batches) and kcat (100 records a batch) write them as many
//!   batches, and franzl fetches them 10 000 bytes at a time, so responses end in a batch the
//!   broker cut short, which franzl must skip cleanly and fetch again whole.

use franzl_core::compression::Compression;
use franzl_tests::printed::{KCAT_FORMAT, PrintedRecord, console_consumer, parse_kcat};
use franzl_tests::raw_client::RawClient;
use franzl_tests::raw_ops::{create_topic, produce};
use franzl_tests::record_cases::{build_batch, compressible_value, now_ms};
use franzl_tests::tool_records::{
    Written, assert_fetched, java_produce, kcat_produce, tool_records,
};
use franzl_tests::{Profile, broker, kcat, unique_topic};

const RECORDS: usize = 1000;
/// The most franzl asks for per Fetch response, well under the tools' batches together.
const FETCH_BYTES: i32 = 10_000;
/// As in `record_interop.rs`: stamped in the past, but within the broker's retention.
const BACKDATE_MS: i64 = 3_600_000;

/// Record 500's value alone is over 64 KiB: a three-byte length varint, and more than one LZ4
/// block.
fn franzl_records(base_timestamp: i64) -> Vec<PrintedRecord> {
    (0..RECORDS)
        .map(|i| PrintedRecord {
            key: Some(format!("key-{i}")),
            value: if i == 500 {
                compressible_value(i).repeat(300)
            } else {
                compressible_value(i)
            },
            headers: vec![("n".to_string(), Some(i.to_string()))],
            timestamp: base_timestamp + i as i64,
        })
        .collect()
}

fn franzl_batch_read_by_java_and_kcat(codec: Compression) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let mut client = RawClient::connect(&bootstrap).expect("connect");
    let topic = unique_topic(&format!("interop-large-franzl-{}", codec.name()));
    create_topic(&mut client, &topic, 1);
    let expected = franzl_records(now_ms() - BACKDATE_MS);
    let batch = build_batch(codec, &expected);
    let uncompressed = build_batch(Compression::None, &expected).len();
    assert!(uncompressed > 250_000, "{uncompressed} bytes");
    assert_eq!(produce(&mut client, &topic, 0, &batch), 0);

    let java = console_consumer(&bootstrap, &topic, RECORDS);
    assert!(
        java == expected,
        "the Java console consumer read other records"
    );
    let kcat = parse_kcat(&kcat::consume(&bootstrap, &topic, 0, KCAT_FORMAT));
    assert!(kcat == expected, "kcat read other records");
}

fn java_batches_decoded_by_franzl(codec: Compression) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let mut client = RawClient::connect(&bootstrap).expect("connect");
    let topic = unique_topic(&format!("interop-large-java-{}", codec.name()));
    let topic_id = create_topic(&mut client, &topic, 1);
    let records = tool_records("java", codec, RECORDS);
    let properties = ["batch.size=4096", "linger.ms=100"];
    let span = java_produce(&bootstrap, &topic, codec, &records, &properties);
    let written = Written {
        topic: &topic,
        topic_id,
        codec,
        records: &records,
        span,
    };
    let fetched = assert_fetched(&mut client, &bootstrap, &written, FETCH_BYTES);
    assert!(fetched.batches.len() > 1, "one batch only: {fetched:?}");
    assert!(fetched.cut_batches > 0, "no response ended in a cut batch");
}

fn kcat_batches_decoded_by_franzl(codec: Compression) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let mut client = RawClient::connect(&bootstrap).expect("connect");
    let topic = unique_topic(&format!("interop-large-kcat-{}", codec.name()));
    let topic_id = create_topic(&mut client, &topic, 1);
    let records = tool_records("kcat", codec, RECORDS);
    let extra = ["-X", "batch.num.messages=100"];
    let span = kcat_produce(&bootstrap, &topic, codec, &records, &extra);
    let written = Written {
        topic: &topic,
        topic_id,
        codec,
        records: &records,
        span,
    };
    let fetched = assert_fetched(&mut client, &bootstrap, &written, FETCH_BYTES);
    assert!(fetched.batches.len() > 1, "one batch only: {fetched:?}");
}

macro_rules! per_codec {
    ($($codec:ident: $name:ident),* $(,)?) => {
        mod franzl_to_java_and_kcat {
            $(
                #[test]
                fn $name() {
                    super::franzl_batch_read_by_java_and_kcat(super::Compression::$codec);
                }
            )*
        }
        mod java_to_franzl {
            $(
                #[test]
                fn $name() {
                    super::java_batches_decoded_by_franzl(super::Compression::$codec);
                }
            )*
        }
        mod kcat_to_franzl {
            $(
                #[test]
                fn $name() {
                    super::kcat_batches_decoded_by_franzl(super::Compression::$codec);
                }
            )*
        }
    };
}

per_codec! {
    None: none,
    Gzip: gzip,
    Snappy: snappy,
    Lz4: lz4,
    Zstd: zstd,
}
