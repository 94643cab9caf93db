//! SHA-256 and SHA-512 behind one non-generic interface, for SCRAM's HMAC and Hi.
//!
//! Each hash is a [`Sha2`] description: its block and output sizes, its initial state, and its
//! block function (`compress256` / `compress512` here, one round per loop turn, over one table
//! of round constants; the `sha2` crate's compact backend took 536 B more flash on a Cortex-M,
//! and the tests check these against it). The padding, the buffering
//! and everything built on them ([`Hasher`] here, HMAC and Hi in `crypto`) exist once for both
//! hashes instead of once per hash type (with `hmac` and `digest` generic over each hash, the
//! embedded client with both mechanisms took 1.3 KiB more flash on a Cortex-M).
//!
//! Contract: a [`Hasher`] takes any number of `update` calls and one `finish`; messages are
//! shorter than 2^61 bytes (SCRAM hashes a few hundred at most). The state and the buffered
//! block are secrets (a keyed HMAC state stands for its key) and are zeroed on drop; the block
//! functions zero their message schedule and working copy of the state before returning.

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

/// SHA-512's 80 round constants (FIPS 180-4 §4.2.3: the first 64 bits of the fractional parts
/// of the cube roots of the first 80 primes). SHA-256's 64 (§4.2.2) are the first 32 bits of
/// the same numbers, so the upper halves of the first 64 entries: one table serves both.
#[cfg(any(feature = "scram-sha256", feature = "scram-sha512"))]
static K: [u64; 80] = [
    0x428a_2f98_d728_ae22,
    0x7137_4491_23ef_65cd,
    0xb5c0_fbcf_ec4d_3b2f,
    0xe9b5_dba5_8189_dbbc,
    0x3956_c25b_f348_b538,
    0x59f1_11f1_b605_d019,
    0x923f_82a4_af19_4f9b,
    0xab1c_5ed5_da6d_8118,
    0xd807_aa98_a303_0242,
    0x1283_5b01_4570_6fbe,
    0x2431_85be_4ee4_b28c,
    0x550c_7dc3_d5ff_b4e2,
    0x72be_5d74_f27b_896f,
    0x80de_b1fe_3b16_96b1,
    0x9bdc_06a7_25c7_1235,
    0xc19b_f174_cf69_2694,
    0xe49b_69c1_9ef1_4ad2,
    0xefbe_4786_384f_25e3,
    0x0fc1_9dc6_8b8c_d5b5,
    0x240c_a1cc_77ac_9c65,
    0x2de9_2c6f_592b_0275,
    0x4a74_84aa_6ea6_e483,
    0x5cb0_a9dc_bd41_fbd4,
    0x76f9_88da_8311_53b5,
    0x983e_5152_ee66_dfab,
    0xa831_c66d_2db4_3210,
    0xb003_27c8_98fb_213f,
    0xbf59_7fc7_beef_0ee4,
    0xc6e0_0bf3_3da8_8fc2,
    0xd5a7_9147_930a_a725,
    0x06ca_6351_e003_826f,
    0x1429_2967_0a0e_6e70,
    0x27b7_0a85_46d2_2ffc,
    0x2e1b_2138_5c26_c926,
    0x4d2c_6dfc_5ac4_2aed,
    0x5338_0d13_9d95_b3df,
    0x650a_7354_8baf_63de,
    0x766a_0abb_3c77_b2a8,
    0x81c2_c92e_47ed_aee6,
    0x9272_2c85_1482_353b,
    0xa2bf_e8a1_4cf1_0364,
    0xa81a_664b_bc42_3001,
    0xc24b_8b70_d0f8_9791,
    0xc76c_51a3_0654_be30,
    0xd192_e819_d6ef_5218,
    0xd699_0624_5565_a910,
    0xf40e_3585_5771_202a,
    0x106a_a070_32bb_d1b8,
    0x19a4_c116_b8d2_d0c8,
    0x1e37_6c08_5141_ab53,
    0x2748_774c_df8e_eb99,
    0x34b0_bcb5_e19b_48a8,
    0x391c_0cb3_c5c9_5a63,
    0x4ed8_aa4a_e341_8acb,
    0x5b9c_ca4f_7763_e373,
    0x682e_6ff3_d6b2_b8a3,
    0x748f_82ee_5def_b2fc,
    0x78a5_636f_4317_2f60,
    0x84c8_7814_a1f0_ab72,
    0x8cc7_0208_1a64_39ec,
    0x90be_fffa_2363_1e28,
    0xa450_6ceb_de82_bde9,
    0xbef9_a3f7_b2c6_7915,
    0xc671_78f2_e372_532b,
    0xca27_3ece_ea26_619c,
    0xd186_b8c7_21c0_c207,
    0xeada_7dd6_cde0_eb1e,
    0xf57d_4f7f_ee6e_d178,
    0x06f0_67aa_7217_6fba,
    0x0a63_7dc5_a2c8_98a6,
    0x113f_9804_bef9_0dae,
    0x1b71_0b35_131c_471b,
    0x28db_77f5_2304_7d84,
    0x32ca_ab7b_40c7_2493,
    0x3c9e_be0a_15c9_bebc,
    0x431d_67c4_9c10_0d4c,
    0x4cc5_d4be_cb3e_42b6,
    0x597f_299c_fc65_7e2a,
    0x5fcb_6fab_3ad6_faec,
    0x6c44_198c_4a47_5817,
];

/// What SHA-256's and SHA-512's block functions differ in: the word, the rotations and shifts
/// of Σ0, Σ1, σ0 and σ1 (FIPS 180-4 §4.1.2, §4.1.3), and how a word sits in [`State`] and
/// in [`K`].
#[cfg(any(feature = "scram-sha256", feature = "scram-sha512"))]
trait Word:
    Copy
    + Default
    + Zeroize
    + core::ops::BitAnd<Output = Self>
    + core::ops::BitXor<Output = Self>
    + core::ops::Not<Output = Self>
    + core::ops::Shr<u32, Output = Self>
{
    /// Σ0's and Σ1's three rotations.
    const BIG_SIGMA: [[u32; 3]; 2];
    /// σ0's and σ1's two rotations and a shift.
    const SMALL_SIGMA: [[u32; 3]; 2];
    fn rotate_right(self, n: u32) -> Self;
    fn wrapping_add(self, other: Self) -> Self;
    /// `self` shifted up a byte, with `byte` below (reading big-endian words).
    fn push_byte(self, byte: u8) -> Self;
    fn from_state(wide: u64) -> Self;
    fn to_state(self) -> u64;
    fn from_constant(k: u64) -> Self;
}

/// The methods of [`Word`] that both words have under the same names.
#[cfg(any(feature = "scram-sha256", feature = "scram-sha512"))]
macro_rules! word_ops {
    () => {
        fn rotate_right(self, n: u32) -> Self {
            self.rotate_right(n)
        }
        fn wrapping_add(self, other: Self) -> Self {
            self.wrapping_add(other)
        }
        fn push_byte(self, byte: u8) -> Self {
            (self << 8) | Self::from(byte)
        }
    };
}

#[cfg(feature = "scram-sha256")]
impl Word for u32 {
    const BIG_SIGMA: [[u32; 3]; 2] = [[2, 13, 22], [6, 11, 25]];
    const SMALL_SIGMA: [[u32; 3]; 2] = [[7, 18, 3], [17, 19, 10]];
    word_ops!();
    fn from_state(wide: u64) -> Self {
        // SHA-256's words live in the low halves.
        wide as u32
    }
    fn to_state(self) -> u64 {
        u64::from(self)
    }
    fn from_constant(k: u64) -> Self {
        (k >> 32) as u32
    }
}

#[cfg(feature = "scram-sha512")]
impl Word for u64 {
    const BIG_SIGMA: [[u32; 3]; 2] = [[28, 34, 39], [14, 18, 41]];
    const SMALL_SIGMA: [[u32; 3]; 2] = [[1, 8, 7], [19, 61, 6]];
    word_ops!();
    fn from_state(wide: u64) -> Self {
        wide
    }
    fn to_state(self) -> u64 {
        self
    }
    fn from_constant(k: u64) -> Self {
        k
    }
}

/// Σ (`[a, b, c]` rotations) or σ (two rotations and the shift `c`) of `x`.
#[cfg(any(feature = "scram-sha256", feature = "scram-sha512"))]
#[inline(always)]
fn sigma<W: Word>(x: W, [a, b, c]: [u32; 3], big: bool) -> W {
    let last = if big { x.rotate_right(c) } else { x >> c };
    x.rotate_right(a) ^ x.rotate_right(b) ^ last
}

/// The SHA-2 block function (FIPS 180-4 §6.2.2, §6.4.2) of `ROUNDS` rounds on words `W`, one
/// round per loop turn (no unrolling: flash matters more than speed here). `block` is
/// 16 words.
#[cfg(any(feature = "scram-sha256", feature = "scram-sha512"))]
fn compress<W: Word, const ROUNDS: usize>(state: &mut State, block: &[u8]) {
    let mut w = [W::default(); ROUNDS];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(size_of::<W>())) {
        *word = bytes
            .iter()
            .fold(W::default(), |acc, &byte| acc.push_byte(byte));
    }
    for i in 16..ROUNDS {
        let s0 = sigma(w[i - 15], W::SMALL_SIGMA[0], false);
        let s1 = sigma(w[i - 2], W::SMALL_SIGMA[1], false);
        w[i] = w[i - 16]
            .wrapping_add(s0)
            .wrapping_add(w[i - 7])
            .wrapping_add(s1);
    }
    let mut v: [W; 8] = core::array::from_fn(|i| W::from_state(state[i]));
    for (&k, &word) in K.iter().zip(w.iter()) {
        let [a, b, c, d, e, f, g, h] = v;
        let ch = (e & f) ^ (!e & g);
        let t1 = h
            .wrapping_add(sigma(e, W::BIG_SIGMA[1], true))
            .wrapping_add(ch)
            .wrapping_add(W::from_constant(k))
            .wrapping_add(word);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = sigma(a, W::BIG_SIGMA[0], true).wrapping_add(maj);
        v = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
    }
    for (wide, word) in state.iter_mut().zip(v.iter()) {
        *wide = W::from_state(*wide).wrapping_add(*word).to_state();
    }
    w.zeroize();
    v.zeroize();
}

/// SHA-256's block function on the low halves of `state`.
#[cfg(feature = "scram-sha256")]
fn compress256(state: &mut State, block: &[u8]) {
    compress::<u32, 64>(state, block);
}

/// SHA-512's block function.
#[cfg(feature = "scram-sha512")]
fn compress512(state: &mut State, block: &[u8]) {
    compress::<u64, 80>(state, block);
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

    fn hex(text: &str) -> [u8; 64] {
        let mut out = [0; 64];
        for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks(2)) {
            *byte = u8::from_str_radix(core::str::from_utf8(pair).unwrap(), 16).unwrap();
        }
        out
    }

    #[test]
    fn fips_180_examples() {
        // FIPS 180-2 appendices B.1, B.2, C.1 and C.2: "abc", and a message of two blocks.
        assert_eq!(
            ours(&SHA256, b"abc")[..32],
            hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")[..32]
        );
        assert_eq!(
            ours(
                &SHA256,
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )[..32],
            hex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")[..32]
        );
        assert_eq!(
            ours(&SHA512, b"abc"),
            hex(concat!(
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a",
                "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
            ))
        );
        assert_eq!(
            ours(
                &SHA512,
                concat!(
                    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn",
                    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
                )
                .as_bytes()
            ),
            hex(concat!(
                "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018",
                "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"
            ))
        );
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
