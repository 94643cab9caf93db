//! SCRAM's key derivation (RFC 5802 §3): H, HMAC and Hi, for SHA-256 and SHA-512.
//!
//! Hi is PBKDF2 with HMAC as the PRF and one output block, written here on `hmac`. Every key
//! lives in a fixed [`MAX_HASH_LEN`] array of which the mechanism's hash length is used; the
//! arrays are zeroed when dropped. The work is `iterations` HMAC computations, so the caller
//! bounds `iterations` before calling (the client does, see `ScramClient`). A mechanism whose
//! cargo feature is off (`scram-sha256`, `scram-sha512`) is not derived, so its hash, HMAC and
//! PBKDF2 code is not linked.
// Without either feature only `derive`'s refusal is left of this file's code paths.
#![cfg_attr(
    not(any(feature = "scram-sha256", feature = "scram-sha512")),
    allow(dead_code)
)]

use hmac::digest::FixedOutput;
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use sha2::Digest;
use zeroize::{Zeroize, Zeroizing};

use super::ScramMechanism;

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
    match mechanism {
        #[cfg(feature = "scram-sha256")]
        ScramMechanism::Sha256 => Some(derive_with::<sha2::Sha256>(
            password,
            salt,
            iterations,
            auth_message,
        )),
        #[cfg(feature = "scram-sha512")]
        ScramMechanism::Sha512 => Some(derive_with::<sha2::Sha512>(
            password,
            salt,
            iterations,
            auth_message,
        )),
        #[allow(unreachable_patterns)]
        _ => {
            let _ = (password, salt, iterations, auth_message);
            None
        }
    }
}

fn derive_with<D>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    auth_message: &dyn AuthMessage,
) -> ProofAndSignature
where
    D: EagerHash + Digest,
    Hmac<D>: KeyInit + Mac + FixedOutput + Clone,
{
    let len = <D as Digest>::output_size();
    let mut salted_password = zeroed();
    hi::<D>(password, salt, iterations, &mut salted_password[..len]);
    let salted_password = &salted_password[..len];

    let mut client_key = zeroed();
    hmac_into::<D>(
        salted_password,
        &mut |sink| sink(b"Client Key"),
        &mut client_key[..len],
    );
    let mut stored_key = zeroed();
    let mut digest = D::digest(&client_key[..len]);
    stored_key[..len].copy_from_slice(&digest);
    digest.as_mut_slice().zeroize();

    let mut client_proof = zeroed();
    hmac_into::<D>(
        &stored_key[..len],
        &mut |sink| auth_message.feed(sink),
        &mut client_proof[..len],
    );
    for (proof, key) in client_proof.iter_mut().zip(client_key.iter()).take(len) {
        *proof ^= key;
    }

    let mut server_key = zeroed();
    hmac_into::<D>(
        salted_password,
        &mut |sink| sink(b"Server Key"),
        &mut server_key[..len],
    );
    let mut server_signature = zeroed();
    hmac_into::<D>(
        &server_key[..len],
        &mut |sink| auth_message.feed(sink),
        &mut server_signature[..len],
    );

    ProofAndSignature {
        client_proof,
        server_signature,
    }
}

/// A keyed HMAC. HMAC takes keys of any length, so keying cannot fail; the fallback to an
/// empty key is unreachable and only avoids a panic path.
fn keyed<D>(key: &[u8]) -> Hmac<D>
where
    D: EagerHash,
    Hmac<D>: KeyInit,
{
    <Hmac<D> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <Hmac<D> as KeyInit>::new(&Default::default()))
}

/// Finishes `mac` into `out` (exactly the hash length), wiping the intermediate copy.
fn finish_into<D>(mac: Hmac<D>, out: &mut [u8])
where
    D: EagerHash,
    Hmac<D>: FixedOutput,
{
    let mut tag = mac.finalize_fixed();
    for (dst, src) in out.iter_mut().zip(tag.iter()) {
        *dst = *src;
    }
    tag.as_mut_slice().zeroize();
}

/// HMAC(key, message) where `message` is given as pieces through `feed`.
fn hmac_into<D>(key: &[u8], feed: &mut dyn FnMut(&mut PieceSink<'_>), out: &mut [u8])
where
    D: EagerHash,
    Hmac<D>: KeyInit + Mac + FixedOutput,
{
    let mut mac = keyed::<D>(key);
    feed(&mut |piece| Mac::update(&mut mac, piece));
    finish_into::<D>(mac, out);
}

/// Hi(password, salt, i): U1 = HMAC(password, salt || INT(1)), Uk = HMAC(password, Uk-1), and
/// the result is U1 XOR ... XOR Ui. An `iterations` of 0 is treated as 1.
pub(crate) fn hi<D>(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8])
where
    D: EagerHash,
    Hmac<D>: KeyInit + Mac + FixedOutput + Clone,
{
    let len = out.len().min(MAX_HASH_LEN);
    // Keying once and cloning saves hashing the key pads on every round.
    let prf = keyed::<D>(password);
    let mut u = zeroed();
    let mut first = prf.clone();
    Mac::update(&mut first, salt);
    Mac::update(&mut first, &1u32.to_be_bytes());
    finish_into::<D>(first, &mut u[..len]);
    for (dst, src) in out.iter_mut().zip(u.iter()) {
        *dst = *src;
    }
    for _ in 1..iterations {
        let mut round = prf.clone();
        Mac::update(&mut round, &u[..len]);
        finish_into::<D>(round, &mut u[..len]);
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

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Sha256, Sha512};

    #[test]
    fn hi_matches_pbkdf2_test_vectors() {
        // RFC 7914 §11, PBKDF2-HMAC-SHA256, first 32 bytes of its output.
        let mut out = [0u8; 32];
        hi::<Sha256>(b"passwd", b"salt", 1, &mut out);
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
        hi::<Sha512>(b"pencil", b"NaCl", 4096, &mut ours);
        pbkdf2::pbkdf2_hmac::<Sha512>(b"pencil", b"NaCl", 4096, &mut reference);
        assert_eq!(ours, reference);
        let mut ours = [0u8; 32];
        let mut reference = [0u8; 32];
        hi::<Sha256>(b"", b"", 3, &mut ours);
        pbkdf2::pbkdf2_hmac::<Sha256>(b"", b"", 3, &mut reference);
        assert_eq!(ours, reference);
    }

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
