//! Base64 (RFC 4648, standard alphabet, with padding), strict, into caller buffers.
//!
//! SCRAM carries salts, proofs and signatures in base64. Encoding writes
//! [`encoded_len`]`(n)` bytes; decoding writes at most [`decoded_len_max`]`(n)` bytes and returns
//! the exact count. Decoding is strict, so that one value has one spelling: the length must be a
//! multiple of 4, only the standard alphabet is accepted, `=` may appear only as one or two final
//! padding bytes, and the unused bits before the padding must be zero. No whitespace is skipped.
//! Nothing here allocates or panics, whatever the input.

use core::fmt;

/// Why base64 encoding or decoding failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Base64Error {
    /// The output buffer is too small; `needed` bytes are required.
    BufferTooSmall {
        /// The size the output buffer must have.
        needed: usize,
    },
    /// The input length is not a multiple of 4.
    InvalidLength,
    /// A byte outside the alphabet, or `=` where padding is not allowed, at this input index.
    InvalidByte {
        /// Index of the offending byte in the input.
        index: usize,
    },
    /// The bits left over before the padding are not zero (a non-canonical encoding).
    NonCanonical,
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall { needed } => write!(f, "base64: buffer too small, need {needed}"),
            Self::InvalidLength => f.write_str("base64: length is not a multiple of 4"),
            Self::InvalidByte { index } => write!(f, "base64: invalid byte at index {index}"),
            Self::NonCanonical => f.write_str("base64: non-zero bits before padding"),
        }
    }
}

impl core::error::Error for Base64Error {}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The exact length of the base64 encoding of `n` bytes, or `None` if it overflows `usize`.
#[must_use]
pub const fn encoded_len(n: usize) -> Option<usize> {
    // 4 output bytes per started group of 3 input bytes.
    match (n / 3).checked_add(if n.is_multiple_of(3) { 0 } else { 1 }) {
        Some(groups) => groups.checked_mul(4),
        None => None,
    }
}

/// The largest number of bytes that decoding `n` base64 bytes can produce.
#[must_use]
pub const fn decoded_len_max(n: usize) -> usize {
    n / 4 * 3
}

/// Encodes `input` into `out` and returns the number of bytes written.
///
/// # Errors
/// [`Base64Error::BufferTooSmall`] if `out` is shorter than [`encoded_len`]`(input.len())`
/// (nothing is written then).
pub fn encode(input: &[u8], out: &mut [u8]) -> Result<usize, Base64Error> {
    let needed =
        encoded_len(input.len()).ok_or(Base64Error::BufferTooSmall { needed: usize::MAX })?;
    let Some(out) = out.get_mut(..needed) else {
        return Err(Base64Error::BufferTooSmall { needed });
    };
    for (chunk, dst) in input.chunks(3).zip(out.chunks_mut(4)) {
        dst.copy_from_slice(&encode_group(chunk));
    }
    Ok(needed)
}

/// The four symbols of one group of one to three input bytes (`=` for each byte missing).
pub(crate) fn encode_group(chunk: &[u8]) -> [u8; 4] {
    let b0 = chunk.first().copied().unwrap_or(0);
    let b1 = chunk.get(1).copied().unwrap_or(0);
    let b2 = chunk.get(2).copied().unwrap_or(0);
    let group = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
    let sextet = |shift: u32| ALPHABET[((group >> shift) & 0x3f) as usize];
    [
        sextet(18),
        sextet(12),
        if chunk.len() > 1 { sextet(6) } else { b'=' },
        if chunk.len() > 2 { sextet(0) } else { b'=' },
    ]
}

/// The value of one alphabet symbol, or `None` for any other byte (`=` included).
fn symbol_value(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes `input` into `out` and returns the number of bytes written.
///
/// # Errors
/// [`Base64Error::InvalidLength`], [`Base64Error::InvalidByte`] or [`Base64Error::NonCanonical`]
/// for input that is not strict base64; [`Base64Error::BufferTooSmall`] (with the exact decoded
/// size) if `out` cannot hold the result. The input is validated before anything is written.
pub fn decode(input: &[u8], out: &mut [u8]) -> Result<usize, Base64Error> {
    let needed = decoded_len(input)?;
    let Some(out) = out.get_mut(..needed) else {
        return Err(Base64Error::BufferTooSmall { needed });
    };
    let mut written = 0;
    for group in input.chunks(4) {
        let mut acc: u32 = 0;
        let mut symbols: usize = 0;
        for &byte in group {
            if let Some(value) = symbol_value(byte) {
                acc = (acc << 6) | u32::from(value);
                symbols += 1;
            }
        }
        // Already validated: 2, 3 or 4 symbols, then padding.
        acc <<= 6 * (4 - symbols);
        let bytes = acc.to_be_bytes();
        let produced = symbols.saturating_sub(1);
        for &byte in bytes.get(1..1 + produced).unwrap_or(&[]) {
            if let Some(slot) = out.get_mut(written) {
                *slot = byte;
                written += 1;
            }
        }
    }
    Ok(written)
}

/// Validates `input` as strict base64 and returns the exact number of bytes it decodes to.
///
/// # Errors
/// As [`decode`], except that no buffer is involved.
pub fn decoded_len(input: &[u8]) -> Result<usize, Base64Error> {
    if !input.len().is_multiple_of(4) {
        return Err(Base64Error::InvalidLength);
    }
    let padding = match input {
        [.., b'=', b'='] => 2,
        [.., b'='] => 1,
        _ => 0,
    };
    let data_end = input.len() - padding;
    for (index, &byte) in input.iter().enumerate().take(data_end) {
        if symbol_value(byte).is_none() {
            return Err(Base64Error::InvalidByte { index });
        }
    }
    // The last symbol before the padding carries unused low bits: 4 with `==`, 2 with `=`.
    if padding > 0 {
        let last = input
            .get(data_end.wrapping_sub(1))
            .and_then(|&b| symbol_value(b))
            .ok_or(Base64Error::InvalidByte { index: data_end })?;
        let unused_mask = if padding == 2 { 0x0f } else { 0x03 };
        if last & unused_mask != 0 {
            return Err(Base64Error::NonCanonical);
        }
    }
    Ok(decoded_len_max(input.len()) - padding)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use base64::Engine as _;
    use proptest::prelude::*;
    use std::vec;

    fn enc(input: &[u8]) -> std::string::String {
        let mut out = [0u8; 64];
        let n = encode(input, &mut out).unwrap();
        std::string::String::from_utf8(out[..n].to_vec()).unwrap()
    }

    fn dec(input: &str) -> Result<std::vec::Vec<u8>, Base64Error> {
        let mut out = [0u8; 64];
        let n = decode(input.as_bytes(), &mut out)?;
        Ok(out[..n].to_vec())
    }

    #[test]
    fn rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in cases {
            assert_eq!(enc(plain.as_bytes()), coded);
            assert_eq!(dec(coded).unwrap(), plain.as_bytes());
            assert_eq!(encoded_len(plain.len()), Some(coded.len()));
        }
        // The SCRAM GS2 header "n,," is "biws".
        assert_eq!(enc(b"n,,"), "biws");
    }

    #[test]
    fn rejects_non_strict_input() {
        assert_eq!(dec("Zg="), Err(Base64Error::InvalidLength));
        assert_eq!(dec("Zg"), Err(Base64Error::InvalidLength));
        assert_eq!(dec("Z==="), Err(Base64Error::InvalidByte { index: 1 }));
        assert_eq!(dec("===="), Err(Base64Error::InvalidByte { index: 0 }));
        assert_eq!(dec("Zg==Zg=="), Err(Base64Error::InvalidByte { index: 2 }));
        assert_eq!(dec("Zm9-"), Err(Base64Error::InvalidByte { index: 3 }));
        assert_eq!(dec("Zm9_"), Err(Base64Error::InvalidByte { index: 3 }));
        assert_eq!(dec("Zm9 "), Err(Base64Error::InvalidByte { index: 3 }));
        assert_eq!(dec("Zh=="), Err(Base64Error::NonCanonical));
        assert_eq!(dec("Zm9="), Err(Base64Error::NonCanonical));
    }

    #[test]
    fn reports_needed_sizes() {
        let mut small = [0u8; 3];
        assert_eq!(
            encode(b"foob", &mut small),
            Err(Base64Error::BufferTooSmall { needed: 8 })
        );
        assert_eq!(
            decode(b"Zm9vYg==", &mut small),
            Err(Base64Error::BufferTooSmall { needed: 4 })
        );
        assert_eq!(decoded_len_max(8), 6);
    }

    proptest! {
        #[test]
        fn round_trip_matches_the_base64_crate(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut coded = vec![0u8; encoded_len(data.len()).unwrap()];
            let n = encode(&data, &mut coded).unwrap();
            prop_assert_eq!(n, coded.len());
            let reference = base64::engine::general_purpose::STANDARD.encode(&data);
            prop_assert_eq!(&coded[..], reference.as_bytes());
            let mut plain = vec![0u8; decoded_len_max(n)];
            let m = decode(&coded, &mut plain).unwrap();
            prop_assert_eq!(&plain[..m], &data[..]);
        }

        #[test]
        fn decode_never_panics_and_agrees_with_the_base64_crate(
            data in proptest::collection::vec(any::<u8>(), 0..64)
        ) {
            let mut out = [0u8; 48];
            let ours = decode(&data, &mut out).map(|n| out[..n].to_vec()).ok();
            let reference = base64::engine::general_purpose::STANDARD.decode(&data).ok();
            prop_assert_eq!(ours, reference);
        }
    }
}
