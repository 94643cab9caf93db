//! Building and reading v2 record batches of 1,000 records (values of 100 B and 1 KiB), per
//! codec, against a plain copy of the same bytes and the `kafka-protocol` crate's encoder and
//! decoder. Ratios are what count; the absolute figures of a shared machine are not stable.
//!
//! Run: `cargo bench -p franzl-bench --bench record_batch`.

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use franzl_core::compression::Compression;
use franzl_core::record::{
    BATCH_HEADER_LEN, BatchOptions, NewRecord, RecordBatch, RecordBatchBuilder, encoded_batch_len,
};
use kafka_protocol::records::{
    Compression as KpCompression, Record as KpRecord, RecordBatchDecoder, RecordBatchEncoder,
    RecordEncodeOptions, TimestampType as KpTimestampType,
};

const RECORDS: usize = 1_000;
const CODECS: [Compression; 5] = [
    Compression::None,
    Compression::Lz4,
    Compression::Gzip,
    Compression::Zstd,
    Compression::Snappy,
];

/// Values that compress like log lines: words from a small vocabulary and a counter.
fn values(size: usize) -> Vec<Vec<u8>> {
    const WORDS: [&str; 8] = [
        "sensor",
        "reading",
        "ok",
        "temperature",
        "42.5",
        "gateway",
        "north",
        "status",
    ];
    (0..RECORDS)
        .map(|i| {
            let mut value = format!("{i:08} ").into_bytes();
            let mut w = i;
            while value.len() < size {
                value.extend_from_slice(WORDS[w % WORDS.len()].as_bytes());
                value.push(b' ');
                w = w.wrapping_mul(31).wrapping_add(7);
            }
            value.truncate(size);
            value
        })
        .collect()
}

fn new_records(values: &[Vec<u8>]) -> Vec<NewRecord<'_>> {
    values
        .iter()
        .enumerate()
        .map(|(i, value)| NewRecord {
            timestamp_delta: i as i64,
            offset_delta: i as i32,
            key: Some(b"device-7"),
            value: Some(value),
            headers: &[],
        })
        .collect()
}

fn kp_records(values: &[Vec<u8>]) -> Vec<KpRecord> {
    values
        .iter()
        .enumerate()
        .map(|(i, value)| KpRecord {
            transactional: false,
            control: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: KpTimestampType::Creation,
            offset: i as i64,
            // kafka-protocol puts records in one batch while offset minus sequence stays constant.
            sequence: i as i32,
            timestamp: 1_700_000_000_000 + i as i64,
            key: Some(Bytes::from_static(b"device-7")),
            value: Some(Bytes::copy_from_slice(value)),
            headers: Default::default(),
            delete_horizon: false,
        })
        .collect()
}

fn kp_codec(codec: Compression) -> Option<KpCompression> {
    match codec {
        Compression::None => Some(KpCompression::None),
        Compression::Gzip => Some(KpCompression::Gzip),
        Compression::Snappy => Some(KpCompression::Snappy),
        _ => None,
    }
}

/// Builds one batch with franzl into `out`, returning its length.
fn franzl_build(
    records: &[NewRecord<'_>],
    codec: Compression,
    out: &mut [u8],
    scratch: &mut [u8],
) -> usize {
    let options = BatchOptions {
        base_timestamp: 1_700_000_000_000,
        ..BatchOptions::default()
    };
    let mut builder = if codec == Compression::None {
        RecordBatchBuilder::new(out, options)
    } else {
        RecordBatchBuilder::compressed(out, scratch, codec, options)
    }
    .expect("buffers are large enough");
    for record in records {
        builder.append(record).expect("sized by encoded_batch_len");
    }
    builder.finish().expect("fits")
}

/// Reads one franzl batch, returning the value bytes seen.
fn franzl_read(batch: &[u8], inflated: &mut [u8]) -> usize {
    let batch = RecordBatch::new_checked(batch).expect("valid batch");
    batch.verify_crc().expect("valid CRC");
    batch
        .records_in(inflated)
        .expect("fits")
        .map(|record| record.expect("valid record").value.map_or(0, <[u8]>::len))
        .sum()
}

fn bench_size(c: &mut Criterion, size: usize) {
    let values = values(size);
    let records = new_records(&values);
    let kp = kp_records(&values);
    let plain_len = encoded_batch_len(&records);
    let value_bytes = (RECORDS * size) as u64;
    let mut out = vec![0u8; plain_len * 2 + 4096];
    let mut scratch = vec![0u8; plain_len - BATCH_HEADER_LEN];
    let mut inflated = vec![0u8; plain_len];

    let mut build = c.benchmark_group(format!("build/{size}B"));
    build.throughput(Throughput::Bytes(value_bytes));
    build.bench_function("memcpy", |b| {
        b.iter(|| {
            let mut at = 0;
            for value in &values {
                out[at..at + value.len()].copy_from_slice(value);
                at += value.len();
            }
            black_box(at)
        })
    });
    for codec in CODECS {
        let id = format!("{codec:?}").to_lowercase();
        build.bench_function(BenchmarkId::new("franzl", &id), |b| {
            b.iter(|| black_box(franzl_build(&records, codec, &mut out, &mut scratch)))
        });
        if let Some(kp_codec) = kp_codec(codec) {
            let options = RecordEncodeOptions {
                version: 2,
                compression: kp_codec,
            };
            let mut buf = BytesMut::with_capacity(plain_len * 2);
            build.bench_function(BenchmarkId::new("kafka-protocol", &id), |b| {
                b.iter(|| {
                    buf.clear();
                    RecordBatchEncoder::encode(&mut buf, &kp, &options).expect("encodes");
                    black_box(buf.len())
                })
            });
        }
    }
    build.finish();

    let mut read = c.benchmark_group(format!("read/{size}B"));
    read.throughput(Throughput::Bytes(value_bytes));
    let plain = {
        let len = franzl_build(&records, Compression::None, &mut out, &mut scratch);
        out[..len].to_vec()
    };
    read.bench_function("memcpy", |b| {
        b.iter(|| {
            inflated[..plain.len()].copy_from_slice(&plain);
            black_box(inflated[plain.len() - 1])
        })
    });
    for codec in CODECS {
        let id = format!("{codec:?}").to_lowercase();
        let len = franzl_build(&records, codec, &mut out, &mut scratch);
        let batch = out[..len].to_vec();
        assert_eq!(franzl_read(&batch, &mut inflated), RECORDS * size);
        read.bench_function(BenchmarkId::new("franzl", &id), |b| {
            b.iter(|| black_box(franzl_read(&batch, &mut inflated)))
        });
        if let Some(kp_codec) = kp_codec(codec) {
            let options = RecordEncodeOptions {
                version: 2,
                compression: kp_codec,
            };
            let mut encoded = BytesMut::new();
            RecordBatchEncoder::encode(&mut encoded, &kp, &options).expect("encodes");
            let encoded = encoded.freeze();
            let check = RecordBatchDecoder::decode(&mut encoded.clone()).expect("decodes");
            assert_eq!(
                check.records.len(),
                RECORDS,
                "kafka-protocol read every record"
            );
            read.bench_function(BenchmarkId::new("kafka-protocol", &id), |b| {
                b.iter(|| {
                    let mut input = encoded.clone();
                    let set = RecordBatchDecoder::decode(&mut input).expect("decodes");
                    let seen: usize = set
                        .records
                        .iter()
                        .map(|record| record.value.as_ref().map_or(0, Bytes::len))
                        .sum();
                    black_box(seen)
                })
            });
        }
    }
    read.finish();
}

fn record_batches(c: &mut Criterion) {
    bench_size(c, 100);
    bench_size(c, 1024);
}

criterion_group!(benches, record_batches);
criterion_main!(benches);
