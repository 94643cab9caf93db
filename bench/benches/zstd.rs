//! zstd compression speed and ratio: franzl's encoder (`ruzstd`'s entropy coding with
//! franzl's match finder) against `ruzstd`'s own `compress_to_vec` at its fastest level, on
//! 1 KiB values of random letters A..Z (what the client benchmark sends) in 16 KiB and 1 MiB
//! batches, and on log-like text. Ratios print once per input, before the timings.
//!
//! Run: `cargo bench -p franzl-bench --bench zstd`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use franzl_core::compression::zstd::{ZstdCompressor, compress};
use ruzstd::encoding::{CompressionLevel, compress_to_vec};

fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// Random letters, as the client benchmark's values (bench/clients/src/payload.rs).
fn letters(len: usize) -> Vec<u8> {
    let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
    (0..len).map(|_| b'A' + (next() % 26) as u8).collect()
}

/// Log-like lines: words from a small vocabulary and a counter.
fn text(len: usize) -> Vec<u8> {
    const WORDS: [&str; 12] = [
        "request",
        "broker",
        "partition",
        "offset",
        "commit",
        "leader",
        "fetch",
        "error",
        "the",
        "of",
        "time",
        "ms",
    ];
    let mut next = xorshift(42);
    let mut out = Vec::with_capacity(len + 128);
    let mut line = 0u32;
    while out.len() < len {
        out.extend_from_slice(format!("{line} ").as_bytes());
        for _ in 0..8 {
            out.extend_from_slice(WORDS[(next() % 12) as usize].as_bytes());
            out.push(b' ');
        }
        out.push(b'\n');
        line += 1;
    }
    out.truncate(len);
    out
}

fn zstd(c: &mut Criterion) {
    let inputs = [
        ("letters_16KiB", letters(16 << 10)),
        ("letters_1MiB", letters(1 << 20)),
        ("text_16KiB", text(16 << 10)),
        ("text_1MiB", text(1 << 20)),
    ];
    let mut group = c.benchmark_group("zstd_compress");
    group.sample_size(20);
    for (name, input) in &inputs {
        let mut out = vec![0u8; input.len() + input.len() / 8 + 1024];
        let ours = compress(input, &mut out).expect("room for the frame");
        let theirs = compress_to_vec(&input[..], CompressionLevel::Fastest).len();
        eprintln!(
            "{name}: ratio franzl {:.3}, ruzstd {:.3}",
            ours as f64 / input.len() as f64,
            theirs as f64 / input.len() as f64
        );
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_with_input(BenchmarkId::new("ruzstd", name), input, |b, input| {
            b.iter(|| compress_to_vec(black_box(&input[..]), CompressionLevel::Fastest).len())
        });
        group.bench_with_input(BenchmarkId::new("franzl", name), input, |b, input| {
            b.iter(|| compress(black_box(input), &mut out).expect("room"))
        });
        let mut compressor = ZstdCompressor::new();
        group.bench_with_input(
            BenchmarkId::new("franzl_reused", name),
            input,
            |b, input| {
                b.iter(|| {
                    compressor
                        .compress(black_box(input), &mut out)
                        .expect("room")
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, zstd);
criterion_main!(benches);
