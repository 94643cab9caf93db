//! Checksums: CRC-32C (Castagnoli) for record batches v2, CRC-32 (IEEE) for gzip trailers and
//! legacy message sets.
//!
//! With the `std` feature, CRC-32C runs on the `crc32c` crate and CRC-32 on `crc32fast`, which
//! use the CPU's CRC or carry-less multiply instructions where present. Without it (on a
//! microcontroller), portable implementations with one 16-entry table each (64 bytes of flash
//! per polynomial) give the same answers (tests compare them). Every function
//! takes any input and cannot fail.

/// The reflected CRC-32C polynomial (Castagnoli).
#[cfg(any(not(feature = "std"), test))]
const CASTAGNOLI: u32 = 0x82F6_3B78;
/// The reflected CRC-32 polynomial (IEEE 802.3, as in gzip and zlib).
#[cfg(any(not(feature = "std"), test))]
const IEEE: u32 = 0xEDB8_8320;

/// The half-byte lookup table of a reflected CRC: entry `n` is the CRC of the four bits `n`.
/// Sixteen entries (64 bytes of flash per polynomial) rather than a byte table's 256 (1 KiB)
/// or slicing-by-8's eight, because the portable code runs where flash is scarce
/// (microcontrollers: two lookups a byte cost little beside the network), and hosts use the
/// accelerated crates.
#[cfg(any(not(feature = "std"), test))]
const fn nibble_table(poly: u32) -> [u32; 16] {
    let mut table = [0u32; 16];
    let mut n = 0;
    while n < 16 {
        let mut crc = n as u32;
        let mut bit = 0;
        while bit < 4 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ poly
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[n] = crc;
        n += 1;
    }
    table
}

#[cfg(any(not(feature = "std"), test))]
static CASTAGNOLI_TABLE: [u32; 16] = nibble_table(CASTAGNOLI);
#[cfg(any(not(feature = "std"), test))]
static IEEE_TABLE: [u32; 16] = nibble_table(IEEE);

/// Continues a reflected CRC (without the final inversion undone) over `data`, four bits and
/// one lookup at a time, the low half of each byte first.
#[cfg(any(not(feature = "std"), test))]
fn table_update(table: &[u32; 16], crc: u32, data: &[u8]) -> u32 {
    data.iter().fold(crc, |crc, &byte| {
        // Each index is masked to 0..=15, so no lookup can go out of bounds.
        let crc = (crc >> 4) ^ table[((crc ^ u32::from(byte)) & 0xF) as usize];
        (crc >> 4) ^ table[((crc ^ u32::from(byte >> 4)) & 0xF) as usize]
    })
}

/// CRC-32C of `data`, the checksum of a v2 record batch.
///
/// # Examples
///
/// ```
/// assert_eq!(franzl_core::crc::crc32c(b"123456789"), 0xE306_9283);
/// ```
pub fn crc32c(data: &[u8]) -> u32 {
    crc32c_append(0, data)
}

/// Extends a finished CRC-32C `crc` (of earlier bytes) over `data`: `crc32c_append(crc32c(a), b)`
/// equals the CRC-32C of `a` followed by `b`.
pub fn crc32c_append(crc: u32, data: &[u8]) -> u32 {
    #[cfg(feature = "std")]
    {
        crc32c::crc32c_append(crc, data)
    }
    #[cfg(not(feature = "std"))]
    {
        crc32c_portable_append(crc, data)
    }
}

/// The portable CRC-32C, used without `std`; kept callable in tests to compare it with the
/// hardware-accelerated one.
#[cfg(any(not(feature = "std"), test))]
fn crc32c_portable_append(crc: u32, data: &[u8]) -> u32 {
    !table_update(&CASTAGNOLI_TABLE, !crc, data)
}

/// CRC-32 (IEEE) of `data`, as in the gzip trailer and legacy (magic 0 and 1) messages.
///
/// # Examples
///
/// ```
/// assert_eq!(franzl_core::crc::crc32_ieee(b"123456789"), 0xCBF4_3926);
/// ```
pub fn crc32_ieee(data: &[u8]) -> u32 {
    crc32_ieee_append(0, data)
}

/// Extends a finished CRC-32 (IEEE) `crc` over `data`, like [`crc32c_append`].
pub fn crc32_ieee_append(crc: u32, data: &[u8]) -> u32 {
    #[cfg(feature = "std")]
    {
        let mut hasher = crc32fast::Hasher::new_with_initial(crc);
        hasher.update(data);
        hasher.finalize()
    }
    #[cfg(not(feature = "std"))]
    {
        crc32_ieee_portable_append(crc, data)
    }
}

/// The portable CRC-32 (IEEE), used without `std`; kept callable in tests.
#[cfg(any(not(feature = "std"), test))]
fn crc32_ieee_portable_append(crc: u32, data: &[u8]) -> u32 {
    !table_update(&IEEE_TABLE, !crc, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn check_values() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c_portable_append(0, b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
        assert_eq!(crc32_ieee(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32_ieee_portable_append(0, b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32_ieee(b""), 0);
        // 32 zero bytes, a test vector of RFC 3720 (iSCSI), appendix B.4.
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
    }

    #[test]
    fn portable_agrees_on_every_length_and_alignment() {
        let data: [u8; 300] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        for start in 0..9 {
            for end in start..data.len() {
                let slice = &data[start..end];
                assert_eq!(crc32c(slice), crc32c_portable_append(0, slice));
            }
        }
    }

    proptest! {
        #[test]
        fn portable_agrees_with_crate(a in proptest::collection::vec(any::<u8>(), 0..2048),
                                      b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let whole = crc32c_portable_append(crc32c_portable_append(0, &a), &b);
            prop_assert_eq!(crc32c_append(crc32c(&a), &b), whole);
            let mut joined = a.clone();
            joined.extend_from_slice(&b);
            prop_assert_eq!(crc32c(&joined), whole);
            prop_assert_eq!(crc32_ieee(&joined), crc32_ieee_append(crc32_ieee(&a), &b));
            prop_assert_eq!(crc32_ieee(&joined), crc32_ieee_portable_append(0, &joined));
        }
    }
}
