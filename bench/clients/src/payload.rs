//! The values records carry: random upper-case ASCII letters, a different value for each record
//! as the Java client's `ProducerPerformance` sends, so codecs see the same kind of data whichever
//! client sends it (letters compress to about 5 bits each with an entropy coder, and give an LZ
//! matcher little to find).
//!
//! The values are made before the clock starts, in a pool of at least 1024 values and about 4 MiB,
//! read round robin: more distinct values than any batch holds, and no random numbers drawn in the
//! timed part.

/// Bytes the pool is made to hold, about.
const POOL_BYTES: usize = 4 << 20;
/// Values in the pool at least.
const POOL_VALUES: usize = 1024;

/// A pool of values of one size.
#[derive(Debug, Clone)]
pub struct Values {
    bytes: Vec<u8>,
    size: usize,
    count: usize,
}

impl Values {
    /// The pool for values of `size` bytes, from a fixed seed (the same bytes on every run and in
    /// every client program of the contract: xorshift64 from `0x9E3779B97F4A7C15`, letter
    /// `b'A' + state % 26` after each step).
    pub fn new(size: usize) -> Values {
        let count = (POOL_BYTES / size.max(1)).max(POOL_VALUES);
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let bytes = (0..size * count)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                b'A' + (state % 26) as u8
            })
            .collect();
        Values { bytes, size, count }
    }

    /// The value of record number `index`.
    pub fn get(&self, index: u64) -> &[u8] {
        let start = (index % self.count as u64) as usize * self.size;
        &self.bytes[start..start + self.size]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_of_the_asked_size_distinct_and_reproducible() {
        let values = Values::new(1024);
        assert_eq!(values.count, 4096);
        assert_eq!(values.get(0).len(), 1024);
        assert!(values.get(7).iter().all(u8::is_ascii_uppercase));
        assert_ne!(values.get(0), values.get(1));
        assert_eq!(values.get(0), values.get(4096));
        assert_eq!(values.get(5), Values::new(1024).get(5));
        assert_eq!(&values.get(0)[..4], b"LKKY");
        assert_eq!(Values::new(100_000_000 / 1000).count, 1024);
        assert_eq!(Values::new(0).get(3), b"");
    }
}
