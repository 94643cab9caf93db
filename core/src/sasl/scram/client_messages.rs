//! The client's two messages, written into caller buffers, and the AuthMessage they imply.
//!
//! client-first: `n,,n=<saslname>,r=<client nonce>` (no channel binding, no authzid), where the
//! saslname is the user name with `=` written `=3D` and `,` written `=2C`.
//! client-final: `c=biws,r=<combined nonce>,p=<base64 proof>` (`biws` is base64 of `n,,`).
//! Lengths are computed before writing, saturating at `usize::MAX` (a length no buffer has).

use super::ScramError;
use super::crypto::AuthMessage;
use crate::sasl::base64;

/// The GS2 header: no channel binding, no authorization identity.
const GS2_HEADER: &[u8] = b"n,,";
/// The channel-binding attribute of client-final: base64 of [`GS2_HEADER`].
const CHANNEL_BINDING: &[u8] = b"c=biws";

/// The length of `name` once `=` and `,` are escaped (each becomes 3 bytes).
pub(crate) fn escaped_len(name: &str) -> usize {
    let specials = name.bytes().filter(|b| matches!(b, b'=' | b',')).count();
    name.len().saturating_add(specials.saturating_mul(2))
}

/// Calls `sink` with the pieces of the escaped `name`, in order.
pub(crate) fn for_each_escaped_piece(name: &str, sink: &mut dyn FnMut(&[u8])) {
    let mut rest = name.as_bytes();
    while let Some(at) = rest.iter().position(|b| matches!(b, b'=' | b',')) {
        let (plain, tail) = rest.split_at(at);
        sink(plain);
        sink(if tail.first() == Some(&b'=') {
            b"=3D"
        } else {
            b"=2C"
        });
        rest = tail.get(1..).unwrap_or(&[]);
    }
    sink(rest);
}

/// A write cursor over the caller's buffer; writes past the end are refused, not truncated.
struct Cursor<'a> {
    buf: &'a mut [u8],
    pos: usize,
    overflowed: bool,
}

impl Cursor<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos.saturating_add(bytes.len());
        match self.buf.get_mut(self.pos..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos = end;
            }
            None => self.overflowed = true,
        }
    }
}

/// Runs `write` on a cursor over `out` after checking that `needed` bytes fit.
fn write_exact(
    out: &mut [u8],
    needed: usize,
    write: impl FnOnce(&mut dyn FnMut(&[u8])),
) -> Result<usize, ScramError> {
    let buf = out
        .get_mut(..needed)
        .ok_or(ScramError::BufferTooSmall { needed })?;
    let mut cursor = Cursor {
        buf,
        pos: 0,
        overflowed: false,
    };
    write(&mut |piece| cursor.put(piece));
    if cursor.overflowed || cursor.pos != needed {
        // Only reachable if a length computation above were wrong; refuse rather than
        // send a truncated message.
        return Err(ScramError::BufferTooSmall { needed: usize::MAX });
    }
    Ok(needed)
}

/// The client-first-message-bare (`n=<saslname>,r=<nonce>`) as pieces.
fn feed_client_first_bare(username: &str, nonce: &str, sink: &mut dyn FnMut(&[u8])) {
    sink(b"n=");
    for_each_escaped_piece(username, sink);
    sink(b",r=");
    sink(nonce.as_bytes());
}

/// The exact length of client-first.
pub(crate) fn client_first_len(username: &str, nonce: &str) -> usize {
    (GS2_HEADER.len() + b"n=".len() + b",r=".len())
        .saturating_add(escaped_len(username))
        .saturating_add(nonce.len())
}

/// Writes client-first into `out`.
pub(crate) fn write_client_first(
    username: &str,
    nonce: &str,
    out: &mut [u8],
) -> Result<usize, ScramError> {
    write_exact(out, client_first_len(username, nonce), |sink| {
        sink(GS2_HEADER);
        feed_client_first_bare(username, nonce, sink);
    })
}

/// The exact length of client-final for a combined nonce and a proof of `proof_len` bytes.
pub(crate) fn client_final_len(combined_nonce: &str, proof_len: usize) -> usize {
    let proof = base64::encoded_len(proof_len).unwrap_or(usize::MAX);
    (CHANNEL_BINDING.len() + b",r=".len() + b",p=".len())
        .saturating_add(combined_nonce.len())
        .saturating_add(proof)
}

/// Writes client-final into `out`; `proof` is the raw ClientProof.
pub(crate) fn write_client_final(
    combined_nonce: &str,
    proof: &[u8],
    out: &mut [u8],
) -> Result<usize, ScramError> {
    let needed = client_final_len(combined_nonce, proof.len());
    write_exact(out, needed, |sink| {
        sink(CHANNEL_BINDING);
        sink(b",r=");
        sink(combined_nonce.as_bytes());
        sink(b",p=");
        for group in proof.chunks(3) {
            sink(&base64::encode_group(group));
        }
    })?;
    Ok(needed)
}

/// The AuthMessage of RFC 5802 §3:
/// `client-first-bare "," server-first "," client-final-without-proof`.
pub(crate) struct ScramAuthMessage<'a> {
    pub(crate) username: &'a str,
    pub(crate) client_nonce: &'a str,
    pub(crate) server_first: &'a [u8],
    pub(crate) combined_nonce: &'a str,
}

impl AuthMessage for ScramAuthMessage<'_> {
    fn feed(&self, sink: &mut dyn FnMut(&[u8])) {
        feed_client_first_bare(self.username, self.client_nonce, sink);
        sink(b",");
        sink(self.server_first);
        sink(b",");
        sink(CHANNEL_BINDING);
        sink(b",r=");
        sink(self.combined_nonce.as_bytes());
    }
}
