//! Round trips of [`super::zstd::compress`] through `ruzstd`'s decoder (ours) and the reference
//! C library (the `zstd` crate, a dev-dependency), over the shapes of data batches carry.

extern crate std;

use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

use super::CompressionError;
use super::zstd::{ZstdCompressor, compress, decompress};

fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
    (0..len).map(|_| next() as u8).collect()
}

/// What the client benchmark sends: random letters A..Z.
pub(super) fn letters(len: usize) -> Vec<u8> {
    let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
    (0..len).map(|_| b'A' + (next() % 26) as u8).collect()
}

/// Log-like lines: words from a small vocabulary and a counter.
pub(super) fn text(len: usize) -> Vec<u8> {
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
    let mut out = Vec::with_capacity(len + 32);
    let mut line = 0u32;
    while out.len() < len {
        out.extend_from_slice(std::format!("{line} ").as_bytes());
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

/// Compresses with `compressor`, checks both decoders, returns the frame's length.
fn round_trip_with(compressor: &mut ZstdCompressor, input: &[u8]) -> usize {
    let mut packed = vec![0u8; input.len() + input.len() / 8 + 64];
    let n = compressor.compress(input, &mut packed).unwrap();
    let frame = &packed[..n];
    let mut out = vec![0u8; input.len()];
    assert_eq!(decompress(frame, &mut out), Ok(input.len()));
    assert!(out == input, "ruzstd decodes other bytes");
    let reference = zstd::stream::decode_all(frame).expect("libzstd reads the frame");
    assert!(reference == input, "libzstd decodes other bytes");
    n
}

fn round_trip(input: &[u8]) -> usize {
    round_trip_with(&mut ZstdCompressor::new(), input)
}

#[test]
fn small_inputs() {
    assert!(round_trip(b"") <= 16);
    assert!(round_trip(b"x") <= 16);
    round_trip(b"abcabcabcabc");
}

#[test]
fn shapes_and_sizes() {
    for len in [16 << 10, 128 << 10, (128 << 10) + 1, 1 << 20, 5 << 20] {
        let repetitive: Vec<u8> = b"key=value;".iter().copied().cycle().take(len).collect();
        assert!(round_trip(&repetitive) < len / 100, "repetitive {len}");
        let n = round_trip(&letters(len));
        assert!(n < len * 65 / 100, "letters {len}: {n}");
        let n = round_trip(&text(len));
        assert!(n < len / 3, "text {len}: {n}");
        round_trip(&random_bytes(len));
    }
}

#[test]
fn matches_across_blocks() {
    // 200 KiB of random bytes, then the same again: every match of the second half reaches
    // back over a block boundary, some by more than one block.
    let half = random_bytes(200 << 10);
    let input = [&half[..], &half[..]].concat();
    let n = round_trip(&input);
    assert!(n < half.len() + half.len() / 50, "{n}");
}

#[test]
fn a_reused_compressor_ignores_earlier_frames() {
    let mut compressor = ZstdCompressor::new();
    let big = text(300 << 10);
    round_trip_with(&mut compressor, &big);
    // Small frames whose bytes the table still points at from the big one: an offset into the
    // previous frame would decode to other bytes (or not at all).
    for len in [10, 1000, 20_000] {
        round_trip_with(&mut compressor, &big[..len]);
        round_trip_with(&mut compressor, &big[5..5 + len]);
    }
    round_trip_with(&mut compressor, &big);
}

#[test]
fn output_too_small() {
    let input = letters(4096);
    let n = round_trip(&input);
    let mut packed = vec![0u8; n - 1];
    assert_eq!(
        compress(&input, &mut packed),
        Err(CompressionError::OutputFull)
    );
    let mut packed = vec![0u8; n];
    assert_eq!(compress(&input, &mut packed), Ok(n));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_bytes(input in proptest::collection::vec(any::<u8>(), 0..5000)) {
        round_trip(&input);
    }

    #[test]
    fn few_symbols(input in proptest::collection::vec(0u8..4, 0..200_000)) {
        round_trip(&input);
    }

    #[test]
    fn repeated_pieces(
        piece in proptest::collection::vec(any::<u8>(), 1..300),
        repeats in 1usize..2000,
        noise in proptest::collection::vec((any::<u16>(), any::<u8>()), 0..50),
    ) {
        let mut input: Vec<u8> = piece.iter().copied().cycle().take(piece.len() * repeats).collect();
        for (at, byte) in noise {
            if let Some(slot) = input.get_mut(usize::from(at) * 7) {
                *slot = byte;
            }
        }
        round_trip(&input);
    }
}
