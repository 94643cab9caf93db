//! Record batches cross between franzl and independent clients intact, for every codec (issue 4),
//! on the `plain` profile:
//!
//! - franzl builds and compresses a batch with `franzl_core::record`, produces it with a raw
//!   Produce request (acks=all), and the Java console consumer and kcat print every key, value,
//!   header and timestamp as franzl wrote them;
//! - the Java console producer and kcat write records with the codec, franzl fetches them with a
//!   raw Fetch request, decompresses each batch into a buffer and reads the records in place:
//!   every key, value and header is what the tool was given, stored with the codec asked for,
//!   and every timestamp is the one kcat reads back and falls within the producer's run.

use std::time::{SystemTime, UNIX_EPOCH};

use franzl_core::compression::Compression;
use franzl_core::record::{BatchOptions, Header, NewRecord, RecordBatchBuilder, encoded_batch_len};
use franzl_tests::raw_client::RawClient;
use franzl_tests::raw_ops::{OwnedRecord, create_topic, fetch_records, produce};
use franzl_tests::{Profile, broker, java_tools, kcat, unique_topic};

const RECORDS: usize = 6;
/// How far before now franzl's batch is stamped, so the readers' timestamps can only come from
/// the batch and not from a clock of theirs. An hour, not years: the broker's time-based
/// retention (7 days by default) would delete older records while the test reads them.
const BACKDATE_MS: i64 = 3_600_000;

fn codec_name(codec: Compression) -> &'static str {
    match codec {
        Compression::Gzip => "gzip",
        Compression::Snappy => "snappy",
        Compression::Lz4 => "lz4",
        Compression::Zstd => "zstd",
        _ => "none",
    }
}

fn now_ms() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// A compressible value, so codecs that skip incompressible data still compress it.
fn value_of(i: usize) -> String {
    format!("value-{i}-{}", "franzl-interop-".repeat(12))
}

/// One record as the readers should print it: key, value, headers, timestamp.
#[derive(Debug, PartialEq, Eq)]
struct Expected {
    key: String,
    value: String,
    headers: Vec<(String, String)>,
    timestamp: i64,
}

fn expected_records(codec: Compression, base_timestamp: i64) -> Vec<Expected> {
    (0..RECORDS)
        .map(|i| Expected {
            key: format!("key-{i}"),
            value: value_of(i),
            // Record 2 has no headers at all; the others two each.
            headers: if i == 2 {
                Vec::new()
            } else {
                vec![
                    ("trace".to_string(), format!("t{i}")),
                    ("codec".to_string(), codec_name(codec).to_string()),
                ]
            },
            timestamp: base_timestamp + 7 * i as i64,
        })
        .collect()
}

/// Encodes `records` as one batch compressed with `codec`, timestamps counted from the first's.
fn build_batch(codec: Compression, records: &[Expected]) -> Vec<u8> {
    let base_timestamp = records.first().map_or(0, |r| r.timestamp);
    let headers: Vec<Vec<Header<'_>>> = records
        .iter()
        .map(|r| {
            r.headers
                .iter()
                .map(|(key, value)| Header {
                    key,
                    value: Some(value.as_bytes()),
                })
                .collect()
        })
        .collect();
    let new_records: Vec<NewRecord<'_>> = records
        .iter()
        .zip(&headers)
        .enumerate()
        .map(|(i, (r, headers))| NewRecord {
            timestamp_delta: r.timestamp - base_timestamp,
            offset_delta: i32::try_from(i).unwrap_or(i32::MAX),
            key: Some(r.key.as_bytes()),
            value: Some(r.value.as_bytes()),
            headers,
        })
        .collect();
    let len = encoded_batch_len(&new_records);
    // Room for the codec's worst case: the uncompressed size plus a generous margin.
    let mut out = vec![0u8; 2 * len + 1024];
    let mut scratch = vec![0u8; len];
    let options = BatchOptions {
        base_timestamp,
        ..BatchOptions::default()
    };
    let mut builder = RecordBatchBuilder::compressed(&mut out, &mut scratch, codec, options)
        .expect("builder for the codec");
    for record in &new_records {
        builder.append(record).expect("record fits");
    }
    let written = builder.finish().expect("batch finishes");
    out.truncate(written);
    out
}

/// Parses the console consumer's `CreateTime:<ts>\t<headers>\t<key>\t<value>` lines, where
/// headers are `k:v,k:v` or `NO_HEADERS`.
fn parse_java_lines(stdout: &str) -> Vec<Expected> {
    stdout
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.splitn(4, '\t').collect();
            let [timestamp, headers, key, value] = fields[..] else {
                panic!("unexpected console-consumer line {line:?}")
            };
            let timestamp = timestamp
                .strip_prefix("CreateTime:")
                .and_then(|t| t.parse().ok())
                .unwrap_or_else(|| panic!("timestamp in {line:?}"));
            let headers = if headers == "NO_HEADERS" {
                Vec::new()
            } else {
                split_headers(headers, ':')
            };
            Expected {
                key: key.to_string(),
                value: value.to_string(),
                headers,
                timestamp,
            }
        })
        .collect()
}

/// Parses kcat's `%k\t%s\t%h\t%T` lines, where headers are `k=v,k=v` or empty.
fn parse_kcat_lines(stdout: &str) -> Vec<Expected> {
    stdout
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [key, value, headers, timestamp] = fields[..] else {
                panic!("unexpected kcat line {line:?}")
            };
            Expected {
                key: key.to_string(),
                value: value.to_string(),
                headers: split_headers(headers, '='),
                timestamp: timestamp
                    .parse()
                    .unwrap_or_else(|_| panic!("timestamp in {line:?}")),
            }
        })
        .collect()
}

fn split_headers(text: &str, separator: char) -> Vec<(String, String)> {
    text.split(',')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair
                .split_once(separator)
                .unwrap_or_else(|| panic!("header {pair:?}"));
            (key.to_string(), value.to_string())
        })
        .collect()
}

fn franzl_batch_read_by_java_and_kcat(codec: Compression) {
    let broker = broker(Profile::Plain);
    let bootstrap = broker.bootstrap();
    let mut client = RawClient::connect(&bootstrap).expect("connect");
    let topic = unique_topic(&format!("interop-franzl-{}", codec_name(codec)));
    create_topic(&mut client, &topic, 1);
    let expected = expected_records(codec, now_ms() - BACKDATE_MS);
    let batch = build_batch(codec, &expected);
    assert_eq!(produce(&mut client, &topic, 0, &batch), 0);

    let count = RECORDS.to_string();
    let java = java_tools::run(
        "console-consumer",
        &[
            "--bootstrap-server",
            &bootstrap,
            "--topic",
            &topic,
            "--from-beginning",
            "--max-messages",
            &count,
            "--timeout-ms",
            "60000",
            // The brief's `--property`, under the name Kafka 4 gives it.
            "--formatter-property",
            "print.key=true",
            "--formatter-property",
            "print.headers=true",
            "--formatter-property",
            "print.timestamp=true",
        ],
        None,
        "",
    );
    assert!(java.success, "console-consumer failed: {java:?}");
    assert_eq!(
        parse_java_lines(&java.stdout),
        expected,
        "Java console consumer"
    );

    let kcat = kcat::consume(&bootstrap, &topic, 0, "%k\t%s\t%h\t%T\n");
    assert_eq!(parse_kcat_lines(&kcat), expected, "kcat");
}

/// A record as a tool was given it (the tool chooses the timestamp).
struct Sent {
    key: String,
    value: String,
    headers: Vec<(String, String)>,
}

/// Checks what franzl fetched against what the tool was given, and returns the timestamps.
fn assert_fetched(
    client: &mut RawClient,
    topic: &str,
    topic_id: [u8; 16],
    codec: Compression,
    given: &[Sent],
) -> Vec<OwnedRecord> {
    let batches = fetch_records(client, topic, topic_id, 0, given.len());
    for batch in &batches {
        assert_eq!(batch.compression, codec, "stored codec");
    }
    let records: Vec<OwnedRecord> = batches.into_iter().flat_map(|b| b.records).collect();
    assert_eq!(records.len(), given.len());
    for (i, (record, sent)) in records.iter().zip(given).enumerate() {
        assert_eq!(record.offset, i as i64);
        assert_eq!(
            record.key.as_deref(),
            Some(sent.key.as_bytes()),
            "key of {i}"
        );
        assert_eq!(
            record.value.as_deref(),
            Some(sent.value.as_bytes()),
            "value of {i}"
        );
        let read: Vec<(String, String)> = record
            .headers
            .iter()
            .map(|(k, v)| {
                let v = v.as_deref().expect("header value");
                (k.clone(), String::from_utf8(v.to_vec()).expect("UTF-8"))
            })
            .collect();
        assert_eq!(read, sent.headers, "headers of {i}");
    }
    records
}

/// The timestamps franzl read must be the ones kcat reads, and within the producer's run.
fn assert_timestamps(bootstrap: &str, topic: &str, records: &[OwnedRecord], from: i64, to: i64) {
    let kcat = kcat::consume(bootstrap, topic, 0, "%T\n");
    let theirs: Vec<i64> = kcat
        .lines()
        .map(|t| t.parse().expect("kcat timestamp"))
        .collect();
    let ours: Vec<i64> = records.iter().map(|r| r.timestamp).collect();
    assert_eq!(ours, theirs, "timestamps: franzl against kcat");
    assert!(
        ours.iter().all(|t| (from..=to).contains(t)),
        "timestamps {ours:?} outside the producer's run {from}..={to}"
    );
}

fn java_records_decoded_by_franzl(codec: Compression) {
    let broker = broker(Profile::Plain);
    let bootstrap = broker.bootstrap();
    let mut client = RawClient::connect(&bootstrap).expect("connect");
    let topic = unique_topic(&format!("interop-java-{}", codec_name(codec)));
    let topic_id = create_topic(&mut client, &topic, 1);
    let given: Vec<Sent> = (0..RECORDS)
        .map(|i| {
            let headers = vec![
                ("source".to_string(), "java".to_string()),
                ("n".to_string(), format!("h{i}")),
            ];
            Sent {
                key: format!("jkey-{i}"),
                value: value_of(i),
                headers,
            }
        })
        .collect();
    let input: String = given
        .iter()
        .map(|sent| {
            let headers: Vec<String> = sent
                .headers
                .iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect();
            format!("{}\t{}\t{}\n", headers.join(","), sent.key, sent.value)
        })
        .collect();
    let from = now_ms();
    let run = java_tools::run(
        "console-producer",
        &[
            "--bootstrap-server",
            &bootstrap,
            "--topic",
            &topic,
            // The tool sets `compression.type` from this option, over `--producer-property`.
            "--compression-codec",
            codec_name(codec),
            "--producer-property",
            "acks=all",
            "--reader-property",
            "parse.key=true",
            "--reader-property",
            "parse.headers=true",
        ],
        None,
        &input,
    );
    let to = now_ms();
    assert!(run.success, "console-producer failed: {run:?}");
    let records = assert_fetched(&mut client, &topic, topic_id, codec, &given);
    assert_timestamps(&bootstrap, &topic, &records, from, to);
}

fn kcat_records_decoded_by_franzl(codec: Compression) {
    let broker = broker(Profile::Plain);
    let bootstrap = broker.bootstrap();
    let mut client = RawClient::connect(&bootstrap).expect("connect");
    let topic = unique_topic(&format!("interop-kcat-{}", codec_name(codec)));
    let topic_id = create_topic(&mut client, &topic, 1);
    let codec_header = format!("codec={}", codec_name(codec));
    let headers = ["source=kcat", codec_header.as_str()];
    let given: Vec<Sent> = (0..RECORDS)
        .map(|i| {
            let headers = vec![
                ("source".to_string(), "kcat".to_string()),
                ("codec".to_string(), codec_name(codec).to_string()),
            ];
            Sent {
                key: format!("kkey-{i}"),
                value: value_of(i),
                headers,
            }
        })
        .collect();
    let lines: Vec<String> = given
        .iter()
        .map(|sent| format!("{}\t{}", sent.key, sent.value))
        .collect();
    let from = now_ms();
    kcat::produce(&bootstrap, &topic, codec_name(codec), &headers, &lines);
    let to = now_ms();
    let records = assert_fetched(&mut client, &topic, topic_id, codec, &given);
    assert_timestamps(&bootstrap, &topic, &records, from, to);
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
