//! Records written by the independent clients, and the check that franzl reads them intact:
//! [`java_produce`] and [`kcat_produce`] write [`PrintedRecord`]s with a codec, and
//! [`assert_fetched`] fetches them with franzl, compares keys, values and headers with what the
//! tool was given, timestamps with the tool's run, and everything with what kcat reads back.

use franzl_core::compression::Compression;
use franzl_core::wire::Uuid;

use crate::printed::{KCAT_FORMAT, PrintedRecord, parse_kcat};
use crate::raw_client::RawClient;
use crate::raw_ops::{Fetched, fetch_records};
use crate::record_cases::{as_printed, compressible_value, now_ms};
use crate::{java_tools, kcat};

/// Records a tool wrote to partition 0 of a topic, and when.
#[derive(Clone, Copy, Debug)]
pub struct Written<'a> {
    /// The topic.
    pub topic: &'a str,
    /// Its id (Fetch v13+ names topics by id).
    pub topic_id: Uuid,
    /// The codec the tool was told to use.
    pub codec: Compression,
    /// What the tool was given; timestamps are ignored (the tool picks them).
    pub records: &'a [PrintedRecord],
    /// The wall-clock span of the tool's run, which must hold every timestamp.
    pub span: (i64, i64),
}

/// `count` records for tool `source` to write: keys, compressible values and two headers each.
pub fn tool_records(source: &str, codec: Compression, count: usize) -> Vec<PrintedRecord> {
    (0..count)
        .map(|i| PrintedRecord {
            key: Some(format!("{source}-key-{i}")),
            value: compressible_value(i),
            headers: vec![
                ("source".to_string(), Some(source.to_string())),
                ("codec".to_string(), Some(codec.name().to_string())),
            ],
            timestamp: 0,
        })
        .collect()
}

/// Writes `records` with the Java console producer (acks=all, `codec`, keys and headers parsed
/// from each line), adding `producer_properties` (`key=value`); returns the run's time span.
///
/// # Panics
///
/// The tool fails.
pub fn java_produce(
    bootstrap: &str,
    topic: &str,
    codec: Compression,
    records: &[PrintedRecord],
    producer_properties: &[&str],
) -> (i64, i64) {
    let input: String = records
        .iter()
        .map(|r| {
            let headers: Vec<String> = r
                .headers
                .iter()
                .map(|(k, v)| format!("{k}:{}", v.as_deref().unwrap_or("null")))
                .collect();
            let key = r.key.as_deref().unwrap_or("null");
            format!("{}\t{key}\t{}\n", headers.join(","), r.value)
        })
        .collect();
    let mut args = vec![
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        // The tool sets `compression.type` from this option, over `--producer-property`.
        "--compression-codec",
        codec.name(),
        "--producer-property",
        "acks=all",
        "--reader-property",
        "parse.key=true",
        "--reader-property",
        "parse.headers=true",
    ];
    for property in producer_properties {
        args.extend(["--producer-property", property]);
    }
    let from = now_ms();
    let run = java_tools::run("console-producer", &args, None, &input);
    assert!(run.success, "console-producer failed: {run:?}");
    (from, now_ms())
}

/// Writes `records` with kcat (`codec`, key before a tab, the same two headers as
/// [`tool_records`] on every record), adding `extra` arguments; returns the run's time span.
///
/// # Panics
///
/// kcat fails, or the records are not [`tool_records`]` ("kcat", codec, _)`.
pub fn kcat_produce(
    bootstrap: &str,
    topic: &str,
    codec: Compression,
    records: &[PrintedRecord],
    extra: &[&str],
) -> (i64, i64) {
    let headers = ["source=kcat".to_string(), format!("codec={}", codec.name())];
    let expected = tool_records("kcat", codec, 1);
    assert!(
        records.iter().all(|r| r.headers == expected[0].headers),
        "kcat writes the same headers on every record"
    );
    let mut args: Vec<&str> = extra.to_vec();
    for header in &headers {
        args.extend(["-H", header]);
    }
    let lines: Vec<String> = records
        .iter()
        .map(|r| format!("{}\t{}", r.key.as_deref().unwrap_or_default(), r.value))
        .collect();
    let from = now_ms();
    kcat::produce(bootstrap, topic, codec.name(), &args, &lines);
    (from, now_ms())
}

/// Fetches `written` with franzl, at most `max_bytes` per response, and checks it: every batch
/// stored with the codec, offsets 0, 1, ..., keys, values and headers as given, timestamps
/// within the run, and the same records (timestamps included) as kcat reads.
///
/// # Panics
///
/// Any of these does not hold.
pub fn assert_fetched(
    client: &mut RawClient,
    bootstrap: &str,
    written: &Written<'_>,
    max_bytes: i32,
) -> Fetched {
    let count = written.records.len();
    let fetched = fetch_records(client, written.topic, written.topic_id, 0, count, max_bytes);
    for batch in &fetched.batches {
        assert_eq!(batch.compression, written.codec, "stored codec");
    }
    let records = fetched.records();
    let offsets: Vec<i64> = records.iter().map(|r| r.offset).collect();
    let expected_offsets: Vec<i64> = (0..).take(count).collect();
    assert_eq!(offsets, expected_offsets);
    let read = as_printed(&records);
    let contents = |r: &PrintedRecord| (r.key.clone(), r.value.clone(), r.headers.clone());
    let read_contents: Vec<_> = read.iter().map(contents).collect();
    let given_contents: Vec<_> = written.records.iter().map(contents).collect();
    assert_eq!(read_contents, given_contents, "keys, values, headers");
    let (from, to) = written.span;
    assert!(
        read.iter().all(|r| (from..=to).contains(&r.timestamp)),
        "timestamps outside the producer's run {from}..={to}: {read:?}"
    );
    let kcat = parse_kcat(&kcat::consume(bootstrap, written.topic, 0, KCAT_FORMAT));
    assert_eq!(read, kcat, "franzl and kcat read the same records");
    fetched
}
