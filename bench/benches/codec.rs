//! franzl-core's codec next to the `kafka-protocol` crate, same bytes, same run: decode (alone,
//! and then reading every field) and encode a Metadata response with 1,000 partitions and a
//! Fetch response with 10,000 records of 100 bytes.
//!
//! Run: `cargo bench -p franzl-bench --bench codec`. Compare the `franzl` and `kafka-protocol`
//! lines of each group: the ratio is what counts on a shared machine.

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, criterion_group, criterion_main};
use franzl_bench::{
    FETCH_VERSION, METADATA_VERSION, fetch_response, metadata_response, walk_fetch, walk_metadata,
};
use franzl_core::messages::Message;
use franzl_core::messages::fetch::FetchResponse;
use franzl_core::messages::metadata::MetadataResponse;
use kafka_protocol::protocol::{Decodable, Encodable};

fn encode_franzl<'a, M: Message<'a>>(m: &M, version: i16) -> Vec<u8> {
    let mut buf = vec![0; m.encoded_len(version).expect("size")];
    m.encode(version, &mut buf).expect("encode");
    buf
}

fn kp_walk_metadata(m: &kafka_protocol::messages::MetadataResponse) -> i64 {
    let mut sum = i64::from(m.controller_id.0);
    for b in &m.brokers {
        sum += i64::from(b.node_id.0) + i64::from(b.port) + b.host.len() as i64;
    }
    for t in &m.topics {
        sum += t.name.as_ref().map_or(0, |n| n.0.len()) as i64 + i64::from(t.error_code);
        sum += i64::from(t.topic_id.as_bytes()[0]);
        for p in &t.partitions {
            sum +=
                i64::from(p.partition_index) + i64::from(p.leader_id.0) + i64::from(p.leader_epoch);
            sum += p.replica_nodes.iter().map(|r| i64::from(r.0)).sum::<i64>();
            sum += p.isr_nodes.iter().map(|r| i64::from(r.0)).sum::<i64>();
        }
    }
    sum
}

fn kp_walk_fetch(f: &kafka_protocol::messages::FetchResponse) -> i64 {
    let mut sum = 0;
    for t in &f.responses {
        for p in &t.partitions {
            sum += p.high_watermark + i64::from(p.error_code);
            sum += p.records.as_ref().map_or(0, Bytes::len) as i64;
        }
    }
    sum
}

fn metadata(c: &mut Criterion) {
    let value = metadata_response();
    let bytes = encode_franzl(&value, METADATA_VERSION);
    let shared = Bytes::from(bytes.clone());
    let kp =
        kafka_protocol::messages::MetadataResponse::decode(&mut shared.clone(), METADATA_VERSION)
            .expect("kp decode");
    assert_eq!(walk_metadata(&value), kp_walk_metadata(&kp));

    // Decoding alone: franzl validates everything and builds the top level; kafka-protocol
    // builds everything.
    let mut g = c.benchmark_group("metadata_1000_partitions/decode_only");
    g.bench_function("franzl", |b| {
        b.iter(|| {
            MetadataResponse::decode(METADATA_VERSION, black_box(&bytes))
                .expect("decode")
                .throttle_time_ms
        });
    });
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| {
            kafka_protocol::messages::MetadataResponse::decode(
                &mut black_box(shared.clone()),
                METADATA_VERSION,
            )
            .expect("decode")
            .throttle_time_ms
        });
    });
    g.finish();

    // Decoding, then reading every field a client reads.
    let mut g = c.benchmark_group("metadata_1000_partitions/decode_and_read_all");
    g.bench_function("franzl", |b| {
        b.iter(|| {
            let m = MetadataResponse::decode(METADATA_VERSION, black_box(&bytes)).expect("decode");
            walk_metadata(&m)
        });
    });
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| {
            let m = kafka_protocol::messages::MetadataResponse::decode(
                &mut black_box(shared.clone()),
                METADATA_VERSION,
            )
            .expect("decode");
            kp_walk_metadata(&m)
        });
    });
    g.finish();

    let mut g = c.benchmark_group("metadata_1000_partitions/encode");
    let mut out = vec![0u8; bytes.len()];
    g.bench_function("franzl", |b| {
        b.iter(|| {
            black_box(&value)
                .encode(METADATA_VERSION, &mut out)
                .expect("encode")
        })
    });
    let mut kp_out = BytesMut::with_capacity(bytes.len());
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| {
            kp_out.clear();
            black_box(&kp)
                .encode(&mut kp_out, METADATA_VERSION)
                .expect("encode");
        });
    });
    g.finish();
}

fn fetch(c: &mut Criterion) {
    let value = fetch_response();
    let bytes = encode_franzl(&value, FETCH_VERSION);
    let shared = Bytes::from(bytes.clone());
    let kp = kafka_protocol::messages::FetchResponse::decode(&mut shared.clone(), FETCH_VERSION)
        .expect("kp decode");
    assert_eq!(walk_fetch(&value), kp_walk_fetch(&kp));

    let mut g = c.benchmark_group("fetch_10000_records/decode_and_read_all");
    g.bench_function("franzl", |b| {
        b.iter(|| {
            walk_fetch(&FetchResponse::decode(FETCH_VERSION, black_box(&bytes)).expect("decode"))
        });
    });
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| {
            let f = kafka_protocol::messages::FetchResponse::decode(
                &mut black_box(shared.clone()),
                FETCH_VERSION,
            )
            .expect("decode");
            kp_walk_fetch(&f)
        });
    });
    g.finish();

    let mut g = c.benchmark_group("fetch_10000_records/encode");
    let mut out = vec![0u8; bytes.len()];
    g.bench_function("franzl", |b| {
        b.iter(|| {
            black_box(&value)
                .encode(FETCH_VERSION, &mut out)
                .expect("encode")
        })
    });
    let mut kp_out = BytesMut::with_capacity(bytes.len());
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| {
            kp_out.clear();
            black_box(&kp)
                .encode(&mut kp_out, FETCH_VERSION)
                .expect("encode");
        });
    });
    g.finish();
}

criterion_group!(benches, metadata, fetch);
criterion_main!(benches);
