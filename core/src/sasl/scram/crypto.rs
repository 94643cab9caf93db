//! SCRAM's key derivation (RFC 5802 §3): H, HMAC and Hi, for SHA-256 and SHA-512.
//!
//! HMAC (RFC 2104) and Hi (PBKDF2 with HMAC as the PRF and one output block) are written here
//! once, over the hash-agnostic [`Hasher`] (`hash.rs`): one copy of the code serves both
//! mechanisms. Every key lives in a fixed [`MAX_HASH_LEN`] array of which the mechanism's hash
//! length is used; the arrays, and the hashers' states, are zeroed when dropped. The work is `iterations` HMAC computations, so the caller
//! bounds `iterations` before calling (the client does, see `ScramClient`). A mechanism whose
//! cargo feature is off (`scram-sha256`, `scram-sha512`) is not derived, so its hash, HMAC and
//! PBKDF2 code is not linked.
// Without either feature only `derive`'s refusal is left of this file's code paths.
#![cfg_attr(
    not(any(feature = "scram-sha256", feature = "scram-sha512")),
    allow(dead_code)
)]

use zeroize::Zeroizing;

use super::ScramMechanism;
use super::hash::{Hasher, Sha2};

/// The longest hash output among the supported mechanisms (SHA-512).
pub(crate) const MAX_HASH_LEN: usize = 64;

/// A hash-sized secret or signature, zeroed on drop; the mechanism says how much is used.
pub(crate) type HashBuf = Zeroizing<[u8; MAX_HASH_LEN]>;

/// A zero-filled [`HashBuf`].
pub(crate) fn zeroed() -> HashBuf {
    Zeroizing::new([0; MAX_HASH_LEN])
}

/// Receives a message piece by piece.
pub(crate) type PieceSink<'a> = dyn FnMut(&[u8]) + 'a;

/// A source of AuthMessage bytes, fed to HMAC piece by piece so it is never stored whole.
pub(crate) trait AuthMessage {
    /// Calls `sink` with the pieces of the AuthMessage, in order.
    fn feed(&self, sink: &mut dyn FnMut(&[u8]));
}

/// The two values a SCRAM client derives: the proof it sends and the signature it expects.
pub(crate) struct ProofAndSignature {
    /// ClientKey XOR ClientSignature.
    pub(crate) client_proof: HashBuf,
    /// HMAC(ServerKey, AuthMessage), the value the server must send back in `v=`.
    pub(crate) server_signature: HashBuf,
}

/// The hash of `mechanism`, or `None` if its feature is off in this build.
fn hash_of(mechanism: ScramMechanism) -> Option<&'static Sha2> {
    match mechanism {
        #[cfg(feature = "scram-sha256")]
        ScramMechanism::Sha256 => Some(&super::hash::SHA256),
        #[cfg(feature = "scram-sha512")]
        ScramMechanism::Sha512 => Some(&super::hash::SHA512),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Derives the client proof and the expected server signature.
///
/// `iterations` must already be bounded by the caller: the cost is linear in it. `None` if the
/// mechanism's feature is off in this build.
pub(crate) fn derive(
    mechanism: ScramMechanism,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    auth_message: &dyn AuthMessage,
) -> Option<ProofAndSignature> {
    // A mechanism whose feature is off links no hash code; `ScramClient::new` refuses it first.
    let hash = hash_of(mechanism)?;
    let len = hash.output_len;
    let mut salted_password = zeroed();
    hi(
        hash,
        password,
        salt,
        iterations,
        &mut salted_password[..len],
    );
    let salted_password = &salted_password[..len];

    let mut client_key = zeroed();
    hmac_into(
        hash,
        salted_password,
        &mut |sink| sink(b"Client Key"),
        &mut client_key[..len],
    );
    let mut stored_key = zeroed();
    let mut hasher = Hasher::new(hash);
    hasher.update(&client_key[..len]);
    hasher.finish(&mut stored_key[..len]);

    let mut client_proof = zeroed();
    hmac_into(
        hash,
        &stored_key[..len],
        &mut |sink| auth_message.feed(sink),
        &mut client_proof[..len],
    );
    for (proof, key) in client_proof.iter_mut().zip(client_key.iter()).take(len) {
        *proof ^= key;
    }

    let mut server_key = zeroed();
    hmac_into(
        hash,
        salted_password,
        &mut |sink| sink(b"Server Key"),
        &mut server_key[..len],
    );
    let mut server_signature = zeroed();
    hmac_into(
        hash,
        &server_key[..len],
        &mut |sink| auth_message.feed(sink),
        &mut server_signature[..len],
    );

    Some(ProofAndSignature {
        client_proof,
        server_signature,
    })
}

/// A keyed HMAC: the inner and outer hashes with their padded keys already absorbed.
#[derive(Clone)]
struct Hmac {
    inner: Hasher,
    outer: Hasher,
}

impl Hmac {
    /// Keys an HMAC with `hash` (RFC 2104 §2: a key longer than a block is hashed first).
    fn new(hash: &'static Sha2, key: &[u8]) -> Self {
        let mut hashed = zeroed();
        let key = if key.len() > hash.block_len {
            let mut hasher = Hasher::new(hash);
            hasher.update(key);
            hasher.finish(&mut hashed[..]);
            &hashed[..hash.output_len]
        } else {
            key
        };
        let mut pad = Zeroizing::new([0u8; 128]);
        let pad = &mut pad[..hash.block_len];
        for (dst, src) in pad.iter_mut().zip(key) {
            *dst = *src;
        }
        let mut inner = Hasher::new(hash);
        let mut outer = Hasher::new(hash);
        for byte in pad.iter_mut() {
            *byte ^= 0x36;
        }
        inner.update(pad);
        for byte in pad.iter_mut() {
            // 0x36 ^ 0x6a = 0x5c: the outer pad from the inner one.
            *byte ^= 0x36 ^ 0x5c;
        }
        outer.update(pad);
        Self { inner, outer }
    }

    fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// Writes the tag (exactly the hash length, `out.len()` at most that) to `out`.
    fn finish(self, out: &mut [u8]) {
        let Self { inner, mut outer } = self;
        let len = inner.hash().output_len;
        let mut inner_hash = zeroed();
        inner.finish(&mut inner_hash[..len]);
        outer.update(&inner_hash[..len]);
        outer.finish(out);
    }
}

/// HMAC(key, message) where `message` is given as pieces through `feed`.
fn hmac_into(
    hash: &'static Sha2,
    key: &[u8],
    feed: &mut dyn FnMut(&mut PieceSink<'_>),
    out: &mut [u8],
) {
    let mut mac = Hmac::new(hash, key);
    feed(&mut |piece| mac.update(piece));
    mac.finish(out);
}

/// Hi(password, salt, i): U1 = HMAC(password, salt || INT(1)), Uk = HMAC(password, Uk-1), and
/// the result is U1 XOR ... XOR Ui, written to `out` (the hash length). An `iterations` of 0
/// is treated as 1.
pub(crate) fn hi(
    hash: &'static Sha2,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) {
    let len = out.len().min(hash.output_len);
    // Keying once and cloning saves hashing the key pads on every round.
    let prf = Hmac::new(hash, password);
    let mut u = zeroed();
    let mut first = prf.clone();
    first.update(salt);
    first.update(&1u32.to_be_bytes());
    first.finish(&mut u[..len]);
    for (dst, src) in out.iter_mut().zip(u.iter()) {
        *dst = *src;
    }
    for _ in 1..iterations {
        let mut round = prf.clone();
        round.update(&u[..len]);
        round.finish(&mut u[..len]);
        for (dst, src) in out.iter_mut().zip(u.iter()) {
            *dst ^= *src;
        }
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    core::hint::black_box(diff) == 0
}

#[cfg(all(test, feature = "scram-sha256", feature = "scram-sha512"))]
mod tests {
    use super::super::hash::{SHA256, SHA512};
    use super::*;
    use sha2::{Sha256, Sha512};

    #[test]
    fn hi_matches_pbkdf2_test_vectors() {
        // RFC 7914 §11, PBKDF2-HMAC-SHA256, first 32 bytes of its output.
        let mut out = [0u8; 32];
        hi(&SHA256, b"passwd", b"salt", 1, &mut out);
        assert_eq!(
            out,
            [
                0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91, 0xc2, 0x25, 0x44,
                0xb6, 0x05, 0xf9, 0x41, 0x85, 0x21, 0x6d, 0xde, 0x04, 0x65, 0xe6, 0x8b, 0x9d, 0x57,
                0xc2, 0x0d, 0xac, 0xbc,
            ]
        );
    }

    #[test]
    fn hi_agrees_with_the_pbkdf2_crate() {
        let mut ours = [0u8; 64];
        let mut reference = [0u8; 64];
        hi(&SHA512, b"pencil", b"NaCl", 4096, &mut ours);
        pbkdf2::pbkdf2_hmac::<Sha512>(b"pencil", b"NaCl", 4096, &mut reference);
        assert_eq!(ours, reference);
        let mut ours = [0u8; 32];
        let mut reference = [0u8; 32];
        hi(&SHA256, b"", b"", 3, &mut ours);
        pbkdf2::pbkdf2_hmac::<Sha256>(b"", b"", 3, &mut reference);
        assert_eq!(ours, reference);
    }

    fn tag(hash: &'static Sha2, key: &[u8], message: &[u8]) -> [u8; MAX_HASH_LEN] {
        let mut out = [0; MAX_HASH_LEN];
        hmac_into(
            hash,
            key,
            &mut |sink| sink(message),
            &mut out[..hash.output_len],
        );
        out
    }

    #[test]
    fn hmac_agrees_with_the_hmac_crate_for_keys_shorter_and_longer_than_a_block() {
        use hmac::{Hmac as Reference, KeyInit, Mac};
        let bytes: [u8; 300] = core::array::from_fn(|i| (i * 13 + 5) as u8);
        for key_len in (0..=bytes.len()).step_by(7).chain([64, 65, 128, 129]) {
            let key = &bytes[..key_len];
            let message = &bytes[key_len / 2..];
            let mut reference = <Reference<Sha256> as KeyInit>::new_from_slice(key).unwrap();
            reference.update(message);
            assert_eq!(
                tag(&SHA256, key, message)[..32],
                reference.finalize().into_bytes()[..],
                "HMAC-SHA-256 with a {key_len}-byte key"
            );
            let mut reference = <Reference<Sha512> as KeyInit>::new_from_slice(key).unwrap();
            reference.update(message);
            assert_eq!(
                tag(&SHA512, key, message)[..],
                reference.finalize().into_bytes()[..],
                "HMAC-SHA-512 with a {key_len}-byte key"
            );
        }
    }

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
