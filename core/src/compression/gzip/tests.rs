extern crate std;

use super::*;
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

/// "abc" in one stored deflate block, with CRC-32 0x352441C2 and ISIZE 3.
#[rustfmt::skip]
const ABC: [u8; 26] = [
    0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff,   // header, no flags
    0x01, 0x03, 0x00, 0xfc, 0xff, b'a', b'b', b'c',   // final stored block, LEN 3, NLEN
    0xc2, 0x41, 0x24, 0x35, 0x03, 0x00, 0x00, 0x00,   // CRC-32, ISIZE
];

/// `hello hello hello hello\n` from Python's gzip module, with FNAME "x.txt".
const PYTHON_WITH_NAME: &str =
    "1f8b08080000000002ff782e74787400cb48cdc9c957c84027b9000088590b18000000";

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn stored_fixture() {
    let mut out = [0u8; 3];
    assert_eq!(decompress(&ABC, &mut out), Ok(3));
    assert_eq!(&out, b"abc");
    let mut short = [0u8; 2];
    assert_eq!(
        decompress(&ABC, &mut short),
        Err(CompressionError::OutputFull)
    );
}

#[test]
fn optional_header_fields() {
    let mut out = [0u8; 64];
    let n = decompress(&unhex(PYTHON_WITH_NAME), &mut out).unwrap();
    assert_eq!(&out[..n], b"hello hello hello hello\n");

    // FEXTRA (2 bytes), FCOMMENT "hi", FHCRC over the header.
    let mut member = vec![
        0x1f,
        0x8b,
        0x08,
        FEXTRA | FCOMMENT | FHCRC,
        0,
        0,
        0,
        0,
        0,
        0xff,
    ];
    member.extend_from_slice(&[2, 0, 0xAB, 0xCD, b'h', b'i', 0]);
    let hcrc = crc32_ieee(&member) as u16;
    member.extend_from_slice(&hcrc.to_le_bytes());
    member.extend_from_slice(&ABC[10..]);
    assert_eq!(decompress(&member, &mut out), Ok(3));
    let header_len = member.len() - 16;
    member[header_len - 1] ^= 1;
    assert_eq!(
        decompress(&member, &mut out),
        Err(CompressionError::ChecksumMismatch)
    );
}

#[test]
fn reads_gzip_9() {
    let text = crate::compression::fixture_text::fixture_text();
    let member = include_bytes!("../testdata/fixture.gz");
    let mut out = vec![0u8; text.len()];
    assert_eq!(decompress(member, &mut out), Ok(text.len()));
    assert_eq!(out, text);
    assert_eq!(
        decompress(member, &mut out[..text.len() - 1]),
        Err(CompressionError::OutputFull)
    );
}

#[test]
fn concatenated_members() {
    let mut two = ABC.to_vec();
    two.extend_from_slice(&ABC);
    let mut out = [0u8; 6];
    assert_eq!(decompress(&two, &mut out), Ok(6));
    assert_eq!(&out, b"abcabc");
}

#[test]
fn bad_members() {
    let mut out = [0u8; 8];
    for cut in 0..ABC.len() {
        assert!(decompress(&ABC[..cut], &mut out).is_err(), "cut at {cut}");
    }
    let mut bad = ABC;
    bad[18] ^= 1;
    assert_eq!(
        decompress(&bad, &mut out),
        Err(CompressionError::ChecksumMismatch)
    );
    let mut bad = ABC;
    bad[22] = 4;
    assert_eq!(
        decompress(&bad, &mut out),
        Err(CompressionError::ChecksumMismatch)
    );
    let mut bad = ABC;
    bad[3] = 0x20;
    assert_eq!(decompress(&bad, &mut out), Err(CompressionError::Corrupt));
    let mut bad = ABC;
    bad[13] = 0;
    assert_eq!(decompress(&bad, &mut out), Err(CompressionError::Corrupt));
}

#[cfg(feature = "alloc")]
#[test]
fn bomb_stops_at_the_buffer() {
    let zeros = vec![0u8; 4 << 20];
    let mut packed = vec![0u8; 64 << 10];
    let n = compress(&zeros, &mut packed, 9).unwrap();
    assert!(n < 10_000, "{n}");
    let mut out = vec![0u8; 1 << 20];
    assert_eq!(
        decompress(&packed[..n], &mut out),
        Err(CompressionError::OutputFull)
    );
}

#[cfg(feature = "alloc")]
#[test]
fn compressed_output_too_small() {
    let mut out = [0u8; 12];
    assert_eq!(
        compress(b"some text that will not fit", &mut out, DEFAULT_LEVEL),
        Err(CompressionError::OutputFull)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[cfg(feature = "alloc")]
    #[test]
    fn round_trip(input in proptest::collection::vec(0u8..8, 0..50_000), level in 0u8..=10) {
        let mut packed = vec![0u8; input.len() + input.len() / 100 + 64];
        let n = compress(&input, &mut packed, level).unwrap();
        let mut out = vec![0u8; input.len()];
        prop_assert_eq!(decompress(&packed[..n], &mut out), Ok(input.len()));
        prop_assert_eq!(out, input);
    }

    #[test]
    fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut out = [0u8; 512];
        let _ = decompress(&input, &mut out);
        let mut member = ABC[..10].to_vec();
        member.extend_from_slice(&input);
        let _ = decompress(&member, &mut out);
    }
}
