//! SHA-256 and SHA-512 behind one non-generic interface, for SCRAM's HMAC and Hi.
//!
//! Each hash is a [`Sha2`] description: its block and output sizes, its initial state, and its
//! block function (the `sha2` crate's `compress256` / `compress512`). The padding, the buffering
//! and everything built on them ([`Hasher`] here, HMAC and Hi in `crypto`) exist once for both
//! hashes instead of once per hash type (with `hmac` and `digest` generic over each hash, the
//! embedded client with both mechanisms took 1.3 KiB more flash on a Cortex-M).
//!
//! Contract: a [`Hasher`] takes any number of `update` calls and one `finish`; messages are
//! shorter than 2^61 bytes (SCRAM hashes a few hundred at most). The state and the buffered
//! block are secrets (a keyed HMAC state stands for its key) and are zeroed on drop.

use zeroize::Zeroize;

/// The largest block among the hashes (SHA-512's 128 bytes).
const MAX_BLOCK_LEN: usize = 128;

/// The chaining state, eight words; SHA-256 uses the low 32 bits of each.
type State = [u64; 8];

/// One SHA-2 hash function as SCRAM uses it.
pub(crate) struct Sha2 {
    /// The input block size in bytes (64 or 128).
    pub(crate) block_len: usize,
    /// The digest size in bytes (32 or 64).
    pub(crate) output_len: usize,
    /// The bytes of each state word in the digest (4 or 8).
    word_len: usize,
    /// The size of the message-length field that ends the padding (8 or 16 bytes).
    length_len: usize,
    /// The initial state.
    initial: State,
    /// Runs the block function over one block of exactly `block_len` bytes.
    compress: fn(&mut State, &[u8]),
}

/// SHA-256 (FIPS 180-4 §5.3.3 initial value).
#[cfg(feature = "scram-sha256")]
pub(crate) static SHA256: Sha2 = Sha2 {
    block_len: 64,
    output_len: 32,
    word_len: 4,
    length_len: 8,
    initial: [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ],
    compress: compress256,
};

/// SHA-512 (FIPS 180-4 §5.3.5 initial value).
#[cfg(feature = "scram-sha512")]
pub(crate) static SHA512: Sha2 = Sha2 {
    block_len: 128,
    output_len: 64,
    word_len: 8,
    length_len: 16,
    initial: [
        0x6a09_e667_f3bc_c908,
        0xbb67_ae85_84ca_a73b,
        0x3c6e_f372_fe94_f82b,
        0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1,
        0x9b05_688c_2b3e_6c1f,
        0x1f83_d9ab_fb41_bd6b,
        0x5be0_cd19_137e_2179,
    ],
    compress: compress512,
};

#[cfg(feature = "scram-sha256")]
fn compress256(state: &mut State, block: &[u8]) {
    let Ok(block) = <&[u8; 64]>::try_from(block) else {
        return;
    };
    let mut words = [0u32; 8];
    for (word, wide) in words.iter_mut().zip(state.iter()) {
        // SHA-256's words live in the low halves.
        *word = *wide as u32;
    }
    sha2::block_api::compress256(&mut words, core::slice::from_ref(block));
    for (wide, word) in state.iter_mut().zip(words.iter()) {
        *wide = u64::from(*word);
    }
    words.zeroize();
}

#[cfg(feature = "scram-sha512")]
fn compress512(state: &mut State, block: &[u8]) {
    if let Ok(block) = <&[u8; 128]>::try_from(block) {
        sha2::block_api::compress512(state, core::slice::from_ref(block));
    }
}

/// A running hash: [`Hasher::update`] any number of times, then [`Hasher::finish`].
#[derive(Clone)]
pub(crate) struct Hasher {
    hash: &'static Sha2,
    state: State,
    /// Input not yet compressed: `block[..filled]`.
    block: [u8; MAX_BLOCK_LEN],
    filled: usize,
    /// Message bytes so far.
    total: u64,
}

impl Hasher {
    /// A hasher at the start of a message.
    pub(crate) fn new(hash: &'static Sha2) -> Self {
        Self {
            hash,
            state: hash.initial,
            block: [0; MAX_BLOCK_LEN],
            filled: 0,
            total: 0,
        }
    }

    /// The hash this hasher computes.
    pub(crate) fn hash(&self) -> &'static Sha2 {
        self.hash
    }

    /// Adds `data` to the message.
    pub(crate) fn update(&mut self, mut data: &[u8]) {
        let block_len = self.hash.block_len;
        self.total = self.total.wrapping_add(data.len() as u64);
        while !data.is_empty() {
            let take = (block_len - self.filled).min(data.len());
            let (now, rest) = data.split_at(take);
            if let Some(space) = self.block.get_mut(self.filled..self.filled + take) {
                space.copy_from_slice(now);
            }
            self.filled += take;
            data = rest;
            if self.filled == block_len {
                self.compress_block();
            }
        }
    }

    fn compress_block(&mut self) {
        (self.hash.compress)(&mut self.state, &self.block[..self.hash.block_len]);
        self.filled = 0;
    }

    /// Pads the message, and writes the digest's first `out.len()` bytes (at most the hash's
    /// output length) to `out`.
    pub(crate) fn finish(mut self, out: &mut [u8]) {
        let hash = self.hash;
        let bits = self.total.wrapping_mul(8);
        self.block[self.filled] = 0x80;
        self.filled += 1;
        if self.filled > hash.block_len - hash.length_len {
            self.block[self.filled..hash.block_len].fill(0);
            self.compress_block();
        }
        // Zeros, then the message length in bits, big-endian, in the block's last bytes (the
        // length field's upper bytes stay zero: messages are shorter than 2^61 bytes).
        self.block[self.filled..hash.block_len - 8].fill(0);
        self.block[hash.block_len - 8..hash.block_len].copy_from_slice(&bits.to_be_bytes());
        self.compress_block();
        let word_len = hash.word_len;
        for (i, byte) in out.iter_mut().take(hash.output_len).enumerate() {
            // Each state word big-endian, in its low `word_len` bytes.
            let word = self.state.get(i / word_len).copied().unwrap_or(0);
            *byte = (word >> (8 * (word_len - 1 - i % word_len))) as u8;
        }
    }
}

impl Drop for Hasher {
    fn drop(&mut self) {
        self.state.zeroize();
        self.block.zeroize();
    }
}

#[cfg(all(test, feature = "scram-sha256", feature = "scram-sha512"))]
mod tests {
    use super::*;
    use sha2::Digest;

    fn ours(hash: &'static Sha2, message: &[u8]) -> [u8; 64] {
        let mut out = [0; 64];
        let mut hasher = Hasher::new(hash);
        // In two pieces, so that buffering across calls is exercised too.
        let (a, b) = message.split_at(message.len() / 3);
        hasher.update(a);
        hasher.update(b);
        hasher.finish(&mut out);
        out
    }

    #[test]
    fn fips_180_examples() {
        // FIPS 180-2 appendix B.1 and C.1: "abc".
        assert_eq!(
            ours(&SHA256, b"abc")[..4],
            [0xba, 0x78, 0x16, 0xbf],
            "SHA-256(abc) starts ba7816bf"
        );
        assert_eq!(ours(&SHA256, b"abc")[28..32], [0xf2, 0x00, 0x15, 0xad]);
        assert_eq!(ours(&SHA512, b"abc")[..4], [0xdd, 0xaf, 0x35, 0xa1]);
        assert_eq!(ours(&SHA512, b"abc")[60..], [0xa5, 0x4c, 0xa4, 0x9f]);
    }

    #[test]
    fn agrees_with_the_sha2_crate_at_every_length_around_the_blocks() {
        // Every length through three SHA-512 blocks covers each padding case (the length field
        // fits in the last block, or needs one more) for both hashes.
        let message: [u8; 400] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        for len in 0..=message.len() {
            let message = &message[..len];
            assert_eq!(
                ours(&SHA256, message)[..32],
                sha2::Sha256::digest(message)[..],
                "SHA-256 of {len} bytes"
            );
            assert_eq!(
                ours(&SHA512, message)[..],
                sha2::Sha512::digest(message)[..],
                "SHA-512 of {len} bytes"
            );
        }
    }

    #[test]
    fn finish_writes_only_the_bytes_asked_for() {
        let mut out = [0xAA; 40];
        let mut hasher = Hasher::new(&SHA256);
        hasher.update(b"abc");
        hasher.finish(&mut out[..20]);
        assert_eq!(out[..4], [0xba, 0x78, 0x16, 0xbf]);
        assert_eq!(out[20..], [0xAA; 20]);
    }
}
