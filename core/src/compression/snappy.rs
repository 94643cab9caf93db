//! snappy through the `snap` crate (needs `std`), in both forms Kafka meets: raw snappy, and
//! the xerial framing the Java client writes (`\x82SNAPPY\0`, two big-endian version words,
//! then chunks each prefixed with its big-endian length).
//!
//! A raw snappy block declares its uncompressed length up front; a block that declares more
//! than the room left in the caller's buffer ends with [`CompressionError::OutputFull`] before
//! any work. [`compress`] writes xerial framing with 32 KiB chunks, as the Java client does.

extern crate alloc;

use alloc::vec;
use snap::raw::{Decoder, Encoder, decompress_len, max_compress_len};

use super::CompressionError;

const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
/// Magic plus the version and minimum compatible version (both 1).
const XERIAL_HEADER_LEN: usize = 16;
const XERIAL_CHUNK: usize = 32 << 10;

/// Decompresses raw or xerial-framed snappy from `input` into `output`, returning the bytes
/// written.
///
/// # Errors
///
/// [`CompressionError::OutputFull`] when the content does not fit `output`;
/// [`CompressionError::Truncated`] or [`CompressionError::Corrupt`] for bad input.
pub fn decompress(input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
    let Some(mut chunks) = input
        .strip_prefix(&XERIAL_MAGIC)
        .and_then(|rest| rest.get(XERIAL_HEADER_LEN - XERIAL_MAGIC.len()..))
    else {
        return decompress_raw(input, output);
    };
    let mut decoder = Decoder::new();
    let mut pos = 0;
    // Every chunk consumes its 4-byte length, so this ends.
    while !chunks.is_empty() {
        let (len, rest) = chunks
            .split_first_chunk::<4>()
            .ok_or(CompressionError::Truncated)?;
        let len =
            usize::try_from(i32::from_be_bytes(*len)).map_err(|_| CompressionError::Corrupt)?;
        let chunk = rest.get(..len).ok_or(CompressionError::Truncated)?;
        let out = output.get_mut(pos..).unwrap_or_default();
        pos += decompress_with(&mut decoder, chunk, out)?;
        chunks = &rest[len..];
    }
    Ok(pos)
}

fn decompress_raw(input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
    decompress_with(&mut Decoder::new(), input, output)
}

fn decompress_with(
    decoder: &mut Decoder,
    block: &[u8],
    output: &mut [u8],
) -> Result<usize, CompressionError> {
    let len = decompress_len(block).map_err(|_| CompressionError::Corrupt)?;
    let out = output.get_mut(..len).ok_or(CompressionError::OutputFull)?;
    decoder
        .decompress(block, out)
        .map_err(|_| CompressionError::Corrupt)
}

/// Compresses `input` into `output` in the xerial framing, returning the bytes written.
///
/// # Errors
///
/// [`CompressionError::OutputFull`] when `output` is too small.
pub fn compress(input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
    let header = output
        .get_mut(..XERIAL_HEADER_LEN)
        .ok_or(CompressionError::OutputFull)?;
    header[..8].copy_from_slice(&XERIAL_MAGIC);
    header[8..12].copy_from_slice(&1i32.to_be_bytes());
    header[12..].copy_from_slice(&1i32.to_be_bytes());
    let mut pos = XERIAL_HEADER_LEN;
    let mut encoder = Encoder::new();
    let mut scratch = vec![0; max_compress_len(XERIAL_CHUNK)];
    for chunk in input.chunks(XERIAL_CHUNK) {
        let n = encoder
            .compress(chunk, &mut scratch)
            .map_err(|_| CompressionError::OutputFull)?;
        let end = pos + 4 + n;
        let target = output
            .get_mut(pos..end)
            .ok_or(CompressionError::OutputFull)?;
        // n is at most max_compress_len(32 KiB), well within i32.
        target[..4].copy_from_slice(&(n as i32).to_be_bytes());
        target[4..].copy_from_slice(&scratch[..n]);
        pos = end;
    }
    Ok(pos)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use proptest::prelude::*;
    use std::vec;

    #[test]
    fn raw_and_xerial_fixtures() {
        // Raw: length 3, then a literal tag of 3 bytes (0x08 = (3 - 1) << 2).
        let raw = [0x03, 0x08, b'a', b'b', b'c'];
        let mut out = [0u8; 3];
        assert_eq!(decompress(&raw, &mut out), Ok(3));
        assert_eq!(&out, b"abc");
        let mut framed = XERIAL_MAGIC.to_vec();
        framed.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1]);
        for _ in 0..2 {
            framed.extend_from_slice(&5i32.to_be_bytes());
            framed.extend_from_slice(&raw);
        }
        let mut out = [0u8; 6];
        assert_eq!(decompress(&framed, &mut out), Ok(6));
        assert_eq!(&out, b"abcabc");
        assert_eq!(
            decompress(&framed, &mut [0u8; 5]),
            Err(CompressionError::OutputFull)
        );
        for cut in 17..framed.len() {
            if cut == 25 {
                continue; // a whole first chunk: a valid stream
            }
            assert!(decompress(&framed[..cut], &mut out).is_err(), "cut {cut}");
        }
        let mut negative = framed[..16].to_vec();
        negative.extend_from_slice(&(-1i32).to_be_bytes());
        assert_eq!(
            decompress(&negative, &mut out),
            Err(CompressionError::Corrupt)
        );
    }

    #[test]
    fn bomb_stops_at_the_buffer() {
        let zeros = vec![0u8; 1 << 20];
        let mut packed = vec![0u8; 100_000];
        let n = compress(&zeros, &mut packed).unwrap();
        let mut out = vec![0u8; 100_000];
        assert_eq!(
            decompress(&packed[..n], &mut out),
            Err(CompressionError::OutputFull)
        );
        // A raw block claiming 2^32 - 1 bytes, five bytes long.
        let claim = [0xff, 0xff, 0xff, 0xff, 0x0f];
        assert_eq!(
            decompress(&claim, &mut out),
            Err(CompressionError::OutputFull)
        );
    }

    proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn round_trip(input in proptest::collection::vec(0u8..8, 0..40_000)) {
            let mut packed = vec![0u8; max_compress_len(input.len()) + 64];
            let n = compress(&input, &mut packed).unwrap();
            let mut out = vec![0u8; input.len()];
            prop_assert_eq!(decompress(&packed[..n], &mut out), Ok(input.len()));
            prop_assert_eq!(out, input);
        }

        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut out = [0u8; 512];
            let _ = decompress(&input, &mut out);
        }
    }
}
