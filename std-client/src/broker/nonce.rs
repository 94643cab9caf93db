//! The SCRAM client nonce: fresh for every connection, from the operating system's random
//! source (`getrandom`), since a predictable nonce lets a recorded exchange be replayed.

use crate::error::{Error, Result};

/// Random bytes in a nonce: 192 bits, printed as 32 characters.
const NONCE_BYTES: usize = 24;

/// The 64 characters a nonce is written with: printable ASCII without `,` (RFC 5802).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A new nonce of 32 printable characters.
///
/// # Errors
/// [`Error::Authentication`] when the operating system gives no randomness.
pub(super) fn new_nonce() -> Result<String> {
    let mut bytes = [0u8; NONCE_BYTES];
    getrandom::fill(&mut bytes).map_err(|error| Error::Authentication {
        reason: format!("no randomness for the SCRAM nonce: {error}"),
        source: None,
    })?;
    Ok(encode(&bytes))
}

/// Six bits per character, three bytes to four characters (the input is a multiple of three).
fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() / 3 * 4);
    for chunk in bytes.chunks(3) {
        let word = chunk
            .iter()
            .fold(0u32, |word, byte| (word << 8) | u32::from(*byte));
        let word = word << (8 * (3 - chunk.len()));
        for shift in [18u32, 12, 6, 0] {
            let index = usize::try_from((word >> shift) & 63).unwrap_or_default();
            out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'A')));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_six_bits_per_character() {
        assert_eq!(encode(&[0, 0, 0]), "AAAA");
        assert_eq!(encode(&[0xff, 0xff, 0xff]), "////");
        assert_eq!(encode(b"Man"), "TWFu");
    }

    #[test]
    fn nonces_are_printable_and_differ() {
        let a = new_nonce().unwrap();
        let b = new_nonce().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_graphic() && c != b','));
    }
}
