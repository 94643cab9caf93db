//! [`Uuid`]: Kafka's 16-byte identifiers (topic ids, directory ids), as they are on the wire.
//!
//! Contract: the 16 bytes are kept as received, in wire order; [`Uuid::ZERO`] (all zeros) is
//! Kafka's "no id". `Display` writes Kafka's own text form (`Uuid.toString`: 22 characters of
//! unpadded URL-safe base64), so an id in a log matches the one the broker's tools print.

use core::fmt;

/// A UUID as its 16 wire bytes (Kafka's topic ids; [`Uuid::ZERO`] means "none").
///
/// # Examples
///
/// ```
/// use franzl_core::wire::Uuid;
/// assert!(Uuid::ZERO.is_zero());
/// assert_eq!(Uuid::ZERO.to_string(), "AAAAAAAAAAAAAAAAAAAAAA");
/// assert_eq!(Uuid([0xff; 16]).to_string(), "_____________________w");
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// All zeros: Kafka's "no id" (a topic named instead of identified, for example).
    pub const ZERO: Self = Self([0; 16]);

    /// Whether this is [`Uuid::ZERO`].
    #[must_use]
    pub fn is_zero(&self) -> bool {
        *self == Self::ZERO
    }

    /// The 16 bytes, in wire order.
    #[must_use]
    pub const fn bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl From<[u8; 16]> for Uuid {
    fn from(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }
}

impl From<Uuid> for [u8; 16] {
    fn from(id: Uuid) -> Self {
        id.0
    }
}

impl fmt::Display for Uuid {
    /// Kafka's text form: unpadded URL-safe base64 of the 16 bytes (22 characters).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut text = [0u8; 22];
        let mut at = 0;
        for chunk in self.0.chunks(3) {
            let word = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
            // A chunk of n bytes gives n + 1 characters (no padding).
            for i in 0..=chunk.len() {
                let index = (word >> (18 - 6 * i)) & 0x3f;
                if let (Some(slot), Some(&c)) = (text.get_mut(at), ALPHABET.get(index as usize)) {
                    *slot = c;
                }
                at += 1;
            }
        }
        // Only ASCII from the alphabet was written.
        f.write_str(core::str::from_utf8(&text).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::Uuid;

    #[test]
    fn text_form_matches_kafka() {
        // `new Uuid(0, 0).toString()`, `new Uuid(-1, -1).toString()` and
        // `new Uuid(0x0001020304050607L, 0x08090a0b0c0d0e0fL).toString()` on a JVM.
        assert_eq!(Uuid::ZERO.to_string(), "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(Uuid([0xff; 16]).to_string(), "_____________________w");
        let counting = core::array::from_fn(|i| i as u8);
        assert_eq!(Uuid(counting).to_string(), "AAECAwQFBgcICQoLDA0ODw");
        assert!(!Uuid(counting).is_zero());
    }
}
