//! Kafka's murmur2 hash and the default partitioner's choice of partition for a keyed record.
//!
//! This is the variant in the Java client's `Utils.murmur2` (seed `0x9747b28c`, trailing bytes
//! mixed in little-endian order), so a key lands on the same partition as with the Java client,
//! librdkafka's `murmur2_random` partitioner and franz-go's `StickyKeyPartitioner`. Pure
//! functions; nothing can fail except a partition count that is not positive.

const SEED: u32 = 0x9747_b28c;
const M: u32 = 0x5bd1_e995;
const R: u32 = 24;

/// Kafka's murmur2 hash of `data`, as the Java client's `Utils.murmur2` returns it (an `i32`).
///
/// # Examples
///
/// ```
/// assert_eq!(franzl_core::murmur2::murmur2(b"21"), -973_932_308);
/// ```
pub fn murmur2(data: &[u8]) -> i32 {
    // Java computes with the length as an int; a slice longer than i32::MAX bytes cannot be a
    // Kafka key, so truncating it the same way keeps the arithmetic identical where it matters.
    let mut h = SEED ^ (data.len() as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &byte) in tail.iter().enumerate().rev() {
            h ^= u32::from(byte) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Clears the sign bit, as the Java client's `Utils.toPositive` does (not `abs`: that would
/// overflow on `i32::MIN` and map two hashes to one value).
pub fn to_positive(number: i32) -> i32 {
    number & 0x7fff_ffff
}

/// The partition the Java client's default partitioner picks for a record with `key` among
/// `partition_count` partitions: `to_positive(murmur2(key)) % partition_count`. Returns `None`
/// when `partition_count` is not positive.
///
/// # Examples
///
/// ```
/// assert_eq!(franzl_core::murmur2::partition_for_key(b"21", 4), Some(0));
/// ```
pub fn partition_for_key(key: &[u8], partition_count: i32) -> Option<i32> {
    if partition_count <= 0 {
        return None;
    }
    Some(to_positive(murmur2(key)) % partition_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases of Apache Kafka's `UtilsTest.testMurmur2`.
    #[test]
    fn java_client_vectors() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ];
        for (key, hash) in cases {
            assert_eq!(murmur2(key), hash, "key {:?}", core::str::from_utf8(key));
        }
    }

    /// Lengths 1 to 5 cover every tail length (from the kafka murmur2 values other ports test).
    #[test]
    fn tail_lengths() {
        assert_eq!(murmur2(b"1"), -1_993_445_489);
        assert_eq!(murmur2(b"12"), 126_087_238);
        assert_eq!(murmur2(b"123"), -267_702_483);
        assert_eq!(murmur2(b"1234"), -1_614_185_708);
        assert_eq!(murmur2(b"12345"), -1_188_365_604);
    }

    #[test]
    fn partitions() {
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(i32::MIN), 0);
        // to_positive(-973932308) = 1173551340; 1173551340 % 4 = 0, % 7 = 3.
        assert_eq!(partition_for_key(b"21", 4), Some(0));
        assert_eq!(partition_for_key(b"21", 7), Some(3));
        assert_eq!(partition_for_key(b"21", 0), None);
        assert_eq!(partition_for_key(b"21", -3), None);
    }
}
