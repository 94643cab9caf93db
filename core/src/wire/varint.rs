//! Varint sizes and the shared varint decoding loop.
//!
//! Kafka's unsigned varints are little-endian base-128 (7 bits a byte, high bit = more follows);
//! signed ones are zigzag-mapped first. A 32-bit varint has at most 5 bytes, a 64-bit one 10;
//! longer encodings, and bits beyond the width, are decode errors.

use super::DecodeError;

/// Bytes an unsigned 32-bit varint takes on the wire (1 to 5).
#[must_use]
pub const fn uvarint_len(value: u32) -> usize {
    uvarint64_len(value as u64)
}

/// Bytes an unsigned 64-bit varint takes on the wire (1 to 10).
#[must_use]
pub const fn uvarint64_len(value: u64) -> usize {
    // Bits needed (at least 1), rounded up to groups of 7.
    let bits = 64 - (value | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Bytes a zigzag-encoded signed 32-bit varint takes on the wire (1 to 5).
#[must_use]
pub const fn varint_len(value: i32) -> usize {
    uvarint_len(zigzag32(value))
}

/// Bytes a zigzag-encoded signed 64-bit varlong takes on the wire (1 to 10).
#[must_use]
pub const fn varlong_len(value: i64) -> usize {
    uvarint64_len(zigzag64(value))
}

pub(super) const fn zigzag32(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

pub(super) const fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub(super) const fn unzigzag32(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

pub(super) const fn unzigzag64(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Decodes an unsigned varint of at most `width` bits from the front of `input`.
/// Returns the value and the bytes consumed.
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
pub(super) fn decode_uvarint(input: &[u8], width: u32) -> Result<(u64, usize), DecodeError> {
    // Most varints on the wire (counts, lengths, tags) fit in one byte.
    if let Some(&byte) = input.first()
        && byte < 0x80
    {
        return Ok((u64::from(byte), 1));
    }
    let max_bytes = width.div_ceil(7) as usize;
    let mut value: u64 = 0;
    for (i, &byte) in input.iter().enumerate().take(max_bytes) {
        let shift = 7 * i as u32;
        let chunk = u64::from(byte & 0x7f);
        // Bits that would land beyond the width make the encoding invalid, not silently truncated.
        if shift + 7 > width && chunk >> (width - shift) != 0 {
            return Err(DecodeError::OverlongVarint);
        }
        value |= chunk << shift;
        if byte & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    if input.len() < max_bytes {
        Err(DecodeError::UnexpectedEnd)
    } else {
        Err(DecodeError::OverlongVarint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_at_boundaries() {
        assert_eq!(uvarint_len(0), 1);
        assert_eq!(uvarint_len(127), 1);
        assert_eq!(uvarint_len(128), 2);
        assert_eq!(uvarint_len(16_383), 2);
        assert_eq!(uvarint_len(16_384), 3);
        assert_eq!(uvarint_len(u32::MAX), 5);
        assert_eq!(uvarint64_len(u64::MAX), 10);
        assert_eq!(varint_len(-1), 1);
        assert_eq!(varint_len(63), 1);
        assert_eq!(varint_len(64), 2);
        assert_eq!(varint_len(i32::MIN), 5);
        assert_eq!(varlong_len(i64::MIN), 10);
    }

    #[test]
    fn zigzag_maps_small_magnitudes_to_small_codes() {
        assert_eq!(zigzag32(0), 0);
        assert_eq!(zigzag32(-1), 1);
        assert_eq!(zigzag32(1), 2);
        assert_eq!(zigzag32(i32::MIN), u32::MAX);
        for v in [0, 1, -1, i32::MAX, i32::MIN, 12_345, -98_765] {
            assert_eq!(unzigzag32(zigzag32(v)), v);
        }
        for v in [0, 1, -1, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag64(zigzag64(v)), v);
        }
    }

    #[test]
    fn decodes_and_rejects() {
        assert_eq!(decode_uvarint(&[0x96, 0x01], 32), Ok((150, 2)));
        assert_eq!(
            decode_uvarint(&[0xff, 0xff, 0xff, 0xff, 0x0f], 32),
            Ok((u64::from(u32::MAX), 5))
        );
        // Fifth byte sets bit 32: beyond a u32.
        assert_eq!(
            decode_uvarint(&[0xff, 0xff, 0xff, 0xff, 0x1f], 32),
            Err(DecodeError::OverlongVarint)
        );
        // Six bytes for a 32-bit varint.
        assert_eq!(
            decode_uvarint(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 32),
            Err(DecodeError::OverlongVarint)
        );
        assert_eq!(
            decode_uvarint(&[0x80, 0x80], 32),
            Err(DecodeError::UnexpectedEnd)
        );
        assert_eq!(decode_uvarint(&[], 32), Err(DecodeError::UnexpectedEnd));
        let max64 = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(decode_uvarint(&max64, 64), Ok((u64::MAX, 10)));
        let over64 = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(
            decode_uvarint(&over64, 64),
            Err(DecodeError::OverlongVarint)
        );
        let eleven = [
            0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
        ];
        assert_eq!(
            decode_uvarint(&eleven, 64),
            Err(DecodeError::OverlongVarint)
        );
    }
}
