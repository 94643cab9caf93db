extern crate std;

use super::*;
use proptest::prelude::*;
use std::io::{Read, Write};
use std::vec;
use std::vec::Vec;

fn lz4_flex_frame(input: &[u8], info: lz4_flex::frame::FrameInfo) -> Vec<u8> {
    let mut encoder = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
    encoder.write_all(input).unwrap();
    encoder.finish().unwrap()
}

fn sample(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ (i / 1000) as u8)
        .collect()
}

#[test]
fn stored_block_fixture() {
    let mut frame = [0u8; 32];
    let n = compress(b"abc", &mut frame).unwrap();
    #[rustfmt::skip]
    let expected = [
        0x04, 0x22, 0x4D, 0x18, // magic
        0x60, 0x40, 0x82,       // FLG (v1, independent), BD (64 KiB), header checksum
        0x03, 0x00, 0x00, 0x80, // 3 bytes, stored
        b'a', b'b', b'c',
        0x00, 0x00, 0x00, 0x00, // end mark
    ];
    assert_eq!(&frame[..n], &expected);
    let mut out = [0u8; 3];
    assert_eq!(decompress(&expected, &mut out), Ok(3));
    assert_eq!(&out, b"abc");
    assert_eq!(max_compressed_len(3), Some(18));
}

#[test]
fn empty_input_is_header_and_end_mark() {
    let mut frame = [0u8; 11];
    assert_eq!(compress(b"", &mut frame), Ok(11));
    assert_eq!(decompress(&frame, &mut []), Ok(0));
    assert_eq!(decompress(b"", &mut []), Err(CompressionError::Truncated));
}

#[test]
fn reads_lz4_flex_frames_of_every_shape() {
    use lz4_flex::frame::{BlockMode, BlockSize, FrameInfo};
    let input = sample(300_000);
    for mode in [BlockMode::Independent, BlockMode::Linked] {
        for checksums in [false, true] {
            let mut info = FrameInfo::new();
            info.block_mode = mode;
            info.block_size = BlockSize::Max64KB;
            info.block_checksums = checksums;
            info.content_checksum = checksums;
            info.content_size = checksums.then_some(input.len() as u64);
            let frame = lz4_flex_frame(&input, info);
            let mut out = vec![0u8; input.len()];
            assert_eq!(decompress(&frame, &mut out), Ok(input.len()));
            assert_eq!(out, input);
        }
    }
}

#[test]
fn reads_the_reference_cli() {
    let text = crate::compression::fixture_text::fixture_text();
    for frame in [
        &include_bytes!("../testdata/linked_checksums.lz4")[..],
        &include_bytes!("../testdata/independent.lz4")[..],
    ] {
        let mut out = vec![0u8; text.len()];
        assert_eq!(decompress(frame, &mut out), Ok(text.len()));
        assert_eq!(out, text);
        // A flipped byte in the last block's data fails its checksum.
        let mut damaged = frame.to_vec();
        let at = damaged.len() - 12;
        damaged[at] ^= 0x01;
        assert!(decompress(&damaged, &mut out).is_err());
        assert_eq!(
            decompress(frame, &mut out[..text.len() - 1]),
            Err(CompressionError::OutputFull)
        );
    }
}

#[test]
fn lz4_flex_reads_ours() {
    let input = sample(200_000);
    let mut frame = vec![0u8; max_compressed_len(input.len()).unwrap()];
    let n = compress(&input, &mut frame).unwrap();
    assert!(n < input.len() / 2, "{n}");
    let mut back = Vec::new();
    lz4_flex::frame::FrameDecoder::new(&frame[..n])
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, input);
}

#[test]
fn bomb_stops_at_the_buffer() {
    let zeros = vec![0u8; 1 << 20];
    let mut frame = vec![0u8; max_compressed_len(zeros.len()).unwrap()];
    let n = compress(&zeros, &mut frame).unwrap();
    assert!(n < 8_000, "{n}");
    let mut out = vec![0u8; 100_000];
    assert_eq!(
        decompress(&frame[..n], &mut out),
        Err(CompressionError::OutputFull)
    );
}

#[test]
fn bad_frames() {
    let mut frame = [0u8; 64];
    let n = compress(b"hello hello hello hello hello", &mut frame).unwrap();
    let good = &frame[..n];
    let mut out = [0u8; 64];
    for cut in 0..n {
        assert!(decompress(&good[..cut], &mut out).is_err(), "cut at {cut}");
    }
    let mut bad = good.to_vec();
    bad[0] ^= 1;
    assert_eq!(decompress(&bad, &mut out), Err(CompressionError::Corrupt));
    let mut bad = good.to_vec();
    bad[6] ^= 1;
    assert_eq!(
        decompress(&bad, &mut out),
        Err(CompressionError::ChecksumMismatch)
    );
    // A dictionary id (FLG bit 0) is valid LZ4 but needs a dictionary we do not have.
    let mut dict = vec![0x04, 0x22, 0x4D, 0x18, 0x61, 0x40, 0, 0, 0, 0];
    let hc = header_checksum(&[0x61, 0x40, 0, 0, 0, 0]);
    dict.push(hc);
    assert_eq!(
        decompress(&dict, &mut out),
        Err(CompressionError::Unsupported)
    );
    // A block size larger than the frame's maximum.
    let mut big = good[..7].to_vec();
    big.extend_from_slice(&0x0001_0001u32.to_le_bytes());
    assert_eq!(decompress(&big, &mut out), Err(CompressionError::Corrupt));
}

#[test]
fn broken_legacy_header_checksum() {
    // Kafka before 0.10 hashed the magic too.
    let mut frame = vec![0x04, 0x22, 0x4D, 0x18, 0x60, 0x40];
    frame.push(header_checksum(&frame));
    frame.extend_from_slice(&[0x01, 0, 0, 0x80, b'z', 0, 0, 0, 0]);
    let mut out = [0u8; 1];
    assert_eq!(
        decompress(&frame, &mut out),
        Err(CompressionError::ChecksumMismatch)
    );
    assert_eq!(decompress_legacy(&frame, &mut out), Ok(1));
    assert_eq!(&out, b"z");
}

#[test]
fn skippable_and_concatenated_frames() {
    let mut input = vec![0x50, 0x2A, 0x4D, 0x18, 2, 0, 0, 0, 0xAA, 0xBB];
    let mut frame = [0u8; 32];
    let n = compress(b"ab", &mut frame).unwrap();
    input.extend_from_slice(&frame[..n]);
    input.extend_from_slice(&frame[..n]);
    let mut out = [0u8; 4];
    assert_eq!(decompress(&input, &mut out), Ok(4));
    assert_eq!(&out, b"abab");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn round_trip(input in proptest::collection::vec(0u8..4, 0..70_000)) {
        let mut frame = vec![0u8; max_compressed_len(input.len()).unwrap()];
        let n = compress(&input, &mut frame).unwrap();
        let mut out = vec![0u8; input.len()];
        prop_assert_eq!(decompress(&frame[..n], &mut out), Ok(input.len()));
        prop_assert_eq!(out, input);
    }

    #[test]
    fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut out = [0u8; 512];
        let _ = decompress(&input, &mut out);
        let mut framed = vec![0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82];
        framed.extend_from_slice(&input);
        let _ = decompress(&framed, &mut out);
    }
}
