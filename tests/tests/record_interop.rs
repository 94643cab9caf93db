//! Record batches cross between franzl and independent clients intact, for every codec (issue 4),
//! on the `plain` profile:
//!
//! - franzl builds and compresses a batch with `franzl_core::record`, produces it with a raw
//!   Produce request (acks=all), and the Java console consumer and kcat print every key (a null
//!   one too), value, header (one with a null value too) and timestamp as franzl wrote them;
//! - the Java console producer and kcat write records with the codec, franzl fetches them with a
//!   raw Fetch request, decompresses each batch into a buffer and reads the records in place:
//!   every key, value and header is what the tool was given, stored with the codec asked for,
//!   every timestamp falls within the producer's run, and kcat reads back exactly what franzl
//!   read, timestamps included.
//!
//! `record_interop_large.rs` does the same with batches of a thousand records.

use franzl_core::compression::Compression;
use franzl_tests::printed::{KCAT_FORMAT, PrintedRecord, console_consumer, parse_kcat};
use franzl_tests::raw_client::RawClient;
use franzl_tests::raw_ops::{create_topic, produce};
use franzl_tests::record_cases::{build_batch, compressible_value, now_ms};
use franzl_tests::tool_records::{
    Written, assert_fetched, java_produce, kcat_produce, tool_records,
};
use franzl_tests::{Profile, broker, kcat, unique_topic};

const RECORDS: usize = 6;
/// How far before now franzl's batch is stamped, so the readers' timestamps can only come from
/// the batch and not from a clock of theirs. An hour, not years: the broker's time-based
/// retention (7 days by default) would delete older records while the test reads them.
const BACKDATE_MS: i64 = 3_600_000;
/// Room for all the records of one small test in one Fetch response.
const FETCH_BYTES: i32 = 1 << 20;

/// The records franzl writes: record 2 without headers, record 3 without a key, record 4 with
/// a header whose value is null; timestamps 7 ms apart.
fn franzl_records(codec: Compression, base_timestamp: i64) -> Vec<PrintedRecord> {
    (0..RECORDS)
        .map(|i| {
            let mut headers = vec![
                ("trace".to_string(), Some(format!("t{i}"))),
                ("codec".to_string(), Some(codec.name().to_string())),
            ];
            match i {
                2 => headers.clear(),
                4 => headers.push(("absent".to_string(), None)),
                _ => {}
            }
            PrintedRecord {
                key: (i != 3).then(|| format!("key-{i}")),
                value: compressible_value(i),
                headers,
                timestamp: base_timestamp + 7 * i as i64,
            }
        })
        .collect()
}

fn franzl_batch_read_by_java_and_kcat(codec: Compression) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let mut client = RawClient::connect(&bootstrap).expect("connect");
    let topic = unique_topic(&format!("interop-franzl-{}", codec.name()));
    create_topic(&mut client, &topic, 1);
    let expected = franzl_records(codec, now_ms() - BACKDATE_MS);
    assert_eq!(
        produce(&mut client, &topic, 0, &build_batch(codec, &expected)),
        0
    );

    let java = console_consumer(&bootstrap, &topic, RECORDS);
    assert_eq!(java, expected, "Java console consumer");
    let kcat = parse_kcat(&kcat::consume(&bootstrap, &topic, 0, KCAT_FORMAT));
    assert_eq!(kcat, expected, "kcat");
}

fn java_records_decoded_by_franzl(codec: Compression) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let mut client = RawClient::connect(&bootstrap).expect("connect");
    let topic = unique_topic(&format!("interop-java-{}", codec.name()));
    let topic_id = create_topic(&mut client, &topic, 1);
    let records = tool_records("java", codec, RECORDS);
    let span = java_produce(&bootstrap, &topic, codec, &records, &[]);
    let written = Written {
        topic: &topic,
        topic_id,
        codec,
        records: &records,
        span,
    };
    assert_fetched(&mut client, &bootstrap, &written, FETCH_BYTES);
}

fn kcat_records_decoded_by_franzl(codec: Compression) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let mut client = RawClient::connect(&bootstrap).expect("connect");
    let topic = unique_topic(&format!("interop-kcat-{}", codec.name()));
    let topic_id = create_topic(&mut client, &topic, 1);
    let records = tool_records("kcat", codec, RECORDS);
    let span = kcat_produce(&bootstrap, &topic, codec, &records, &[]);
    let written = Written {
        topic: &topic,
        topic_id,
        codec,
        records: &records,
        span,
    };
    assert_fetched(&mut client, &bootstrap, &written, FETCH_BYTES);
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
                    super::java_records_decoded_by_franzl(super::Compression::$codec);
                }
            )*
        }
        mod kcat_to_franzl {
            $(
                #[test]
                fn $name() {
                    super::kcat_records_decoded_by_franzl(super::Compression::$codec);
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
