//! Checksums: CRC-32C (Castagnoli) for record batches v2, CRC-32 (IEEE) for gzip trailers and
//! legacy message sets.
//!
//! With the `std` feature, CRC-32C runs on the `crc32c` crate and CRC-32 on `crc32fast`, which
//! use the CPU's CRC or carry-less multiply instructions where present. Without it, portable
//! slicing-by-8 implementations give the same answers (tests compare them). Every function
//! takes any input and cannot fail.

/// The reflected CRC-32C polynomial (Castagnoli).
#[cfg(any(not(feature = "std"), test))]
const CASTAGNOLI: u32 = 0x82F6_3B78;
/// The reflected CRC-32 polynomial (IEEE 802.3, as in gzip and zlib).
#[cfg(any(not(feature = "std"), test))]
const IEEE: u32 = 0xEDB8_8320;

/// Eight lookup tables for slicing-by-8: table `k` gives the CRC of a byte followed by `k`
/// zero bytes, so eight input bytes are folded with eight lookups.
#[cfg(any(not(feature = "std"), test))]
const fn slicing_tables(poly: u32) -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut n = 0;
    while n < 256 {
        let mut crc = n as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ poly
            } else {
                crc >> 1
            };
            bit += 1;
        }
        tables[0][n] = crc;
        n += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut n = 0;
        while n < 256 {
            let prev = tables[k - 1][n];
            tables[k][n] = (prev >> 8) ^ tables[0][(prev & 0xFF) as usize];
            n += 1;
        }
        k += 1;
    }
    tables
}

#[cfg(any(not(feature = "std"), test))]
static CASTAGNOLI_TABLES: [[u32; 256]; 8] = slicing_tables(CASTAGNOLI);
#[cfg(any(not(feature = "std"), test))]
static IEEE_TABLES: [[u32; 256]; 8] = slicing_tables(IEEE);

/// Continues a reflected CRC (without the final inversion undone) over `data`.
#[cfg(any(not(feature = "std"), test))]
fn slicing_update(tables: &[[u32; 256]; 8], mut crc: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let lo = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) ^ crc;
        let hi = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        crc = tables[7][(lo & 0xFF) as usize]
            ^ tables[6][((lo >> 8) & 0xFF) as usize]
            ^ tables[5][((lo >> 16) & 0xFF) as usize]
            ^ tables[4][(lo >> 24) as usize]
            ^ tables[3][(hi & 0xFF) as usize]
            ^ tables[2][((hi >> 8) & 0xFF) as usize]
            ^ tables[1][((hi >> 16) & 0xFF) as usize]
            ^ tables[0][(hi >> 24) as usize];
    }
    for &byte in chunks.remainder() {
        crc = (crc >> 8) ^ tables[0][((crc ^ u32::from(byte)) & 0xFF) as usize];
    }
    crc
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
    !slicing_update(&CASTAGNOLI_TABLES, !crc, data)
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
    !slicing_update(&IEEE_TABLES, !crc, data)
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
