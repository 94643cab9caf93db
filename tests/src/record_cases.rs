//! The records the interoperability tests exchange with the Java tools and kcat (which name
//! codecs as [`Compression::name`] does): compressible values, franzl-built batches of
//! [`PrintedRecord`]s, and franzl's decoded records in the same printed form, so both sides
//! compare with `==`.

use std::time::{SystemTime, UNIX_EPOCH};

use franzl_core::compression::Compression;
use franzl_core::record::{BatchOptions, Header, NewRecord, RecordBatchBuilder, encoded_batch_len};

use crate::printed::PrintedRecord;
use crate::raw_ops::OwnedRecord;

/// The wall clock in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// Value `i`: compressible, so codecs that skip incompressible data still compress it, and
/// different per record, so a reordering or a mix-up shows.
pub fn compressible_value(i: usize) -> String {
    format!("value-{i}-{}", "franzl-interop-".repeat(12 + i % 7))
}

/// One v2 batch of `records` compressed with `codec`; the first record's timestamp is the base
/// the others count from.
///
/// # Panics
///
/// The codec is not in this build, or a timestamp lies before the first.
pub fn build_batch(codec: Compression, records: &[PrintedRecord]) -> Vec<u8> {
    let base_timestamp = records.first().map_or(0, |r| r.timestamp);
    let headers: Vec<Vec<Header<'_>>> = records
        .iter()
        .map(|r| {
            r.headers
                .iter()
                .map(|(key, value)| Header {
                    key,
                    value: value.as_deref().map(str::as_bytes),
                })
                .collect()
        })
        .collect();
    let new_records: Vec<NewRecord<'_>> = records
        .iter()
        .zip(&headers)
        .zip(0..)
        .map(|((r, headers), offset_delta)| NewRecord {
            timestamp_delta: r.timestamp - base_timestamp,
            offset_delta,
            key: r.key.as_deref().map(str::as_bytes),
            value: Some(r.value.as_bytes()),
            headers,
        })
        .collect();
    let len = encoded_batch_len(&new_records);
    // Room for any codec's worst case on this data: the uncompressed size and a margin.
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

/// franzl's decoded records in printed form.
///
/// # Panics
///
/// A record has a null value, or a key, value or header that is not UTF-8.
pub fn as_printed(records: &[OwnedRecord]) -> Vec<PrintedRecord> {
    let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).expect("UTF-8");
    records
        .iter()
        .map(|r| PrintedRecord {
            key: r.key.as_deref().map(text),
            value: text(r.value.as_deref().expect("a value")),
            headers: r
                .headers
                .iter()
                .map(|(key, value)| (key.clone(), value.as_deref().map(text)))
                .collect(),
            timestamp: r.timestamp,
        })
        .collect()
}
