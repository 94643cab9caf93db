//! Fuzzes franzl-core's SCRAM client (SCRAM-SHA-256 and -512) with server messages that get
//! past the first checks: the server-first message begins `r=<client nonce>` and the fuzzer
//! writes the rest (the server's nonce, salt, iteration count, extensions), or, for the parser,
//! the whole of it; the server-final is the fuzzer's bytes, or the signature the server must
//! send with some of its bits flipped (none flipped: the right one), or an `e=` error.
//!
//! Nothing may panic, and against a server computed apart from franzl-core (the `pbkdf2`,
//! `hmac`, `sha2` and `base64` crates; a salted password is kept for the next inputs):
//! - a client-final is `c=biws,r=<the server's nonce>,p=<the proof>`, proof and all;
//! - a server-final is accepted only if it carries the server's signature, so a bad signature
//!   is always refused, and the right one is always accepted;
//! - an exchange that failed answers every later step with `OutOfOrder` and is not
//!   authenticated.
//!
//! Input: a byte (bit 0 SHA-512, bit 1 the whole server-first from the input, bits 2-3 the
//! server-final's form), the server-first's part (two-byte length), then the server-final's.
#![no_main]

use std::cell::RefCell;
use std::collections::HashMap;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use franzl_core::sasl::scram::{ScramClient, ScramError, ScramMechanism, parse_server_first};
use franzl_fuzz::cursor::Cursor;
use hmac::{Hmac, KeyInit, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256, Sha512};

const USER: &str = "user";
const PASSWORD: &str = "pencil";
const NONCE: &str = "rOprNGfwEbeRWgbNEkqO";

/// Base64 as lenient as any reading of a signature can be: what it cannot decode, no reading
/// can, so a signature accepted by the client must decode here.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Salted passwords by (SHA-512?, salt, iterations): PBKDF2 is the slow part.
type SaltedPasswords = HashMap<(bool, Vec<u8>, u32), Vec<u8>>;

thread_local! {
    static SALTED: RefCell<SaltedPasswords> = RefCell::default();
}

fn hmac(sha512: bool, key: &[u8], message: &[u8]) -> Vec<u8> {
    if sha512 {
        let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(key).expect("any key");
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    } else {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key");
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }
}

fn salted(sha512: bool, salt: &[u8], iterations: u32) -> Vec<u8> {
    SALTED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() > 256 {
            cache.clear();
        }
        cache
            .entry((sha512, salt.to_vec(), iterations))
            .or_insert_with(|| {
                let password = PASSWORD.as_bytes();
                if sha512 {
                    let mut out = [0u8; 64];
                    pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, &mut out);
                    out.to_vec()
                } else {
                    let mut out = [0u8; 32];
                    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
                    out.to_vec()
                }
            })
            .clone()
    })
}

/// The server's side: the client-final it expects and the signature it sends.
fn server(sha512: bool, server_first: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let first = parse_server_first(server_first).ok()?;
    let salt = STANDARD.decode(first.salt_base64).ok()?;
    let salted = salted(sha512, &salt, first.iterations);
    let without_proof = format!("c=biws,r={}", first.nonce);
    let mut auth_message = format!("n={USER},r={NONCE},").into_bytes();
    auth_message.extend_from_slice(server_first);
    auth_message.extend_from_slice(format!(",{without_proof}").as_bytes());
    let client_key = hmac(sha512, &salted, b"Client Key");
    let stored_key = if sha512 {
        Sha512::digest(&client_key).to_vec()
    } else {
        Sha256::digest(&client_key).to_vec()
    };
    let client_signature = hmac(sha512, &stored_key, &auth_message);
    let proof: Vec<u8> = client_key
        .iter()
        .zip(&client_signature)
        .map(|(k, s)| k ^ s)
        .collect();
    let client_final = format!("{without_proof},p={}", STANDARD.encode(proof)).into_bytes();
    let server_key = hmac(sha512, &salted, b"Server Key");
    Some((client_final, hmac(sha512, &server_key, &auth_message)))
}

/// Every later step of a failed exchange is refused.
fn assert_ended(client: &mut ScramClient<'_>) {
    assert!(client.is_failed() && !client.is_authenticated());
    let mut out = [0u8; 512];
    assert_eq!(client.client_first(&mut out), Err(ScramError::OutOfOrder));
    assert_eq!(
        client.handle_server_first(b"r=x,s=QQ==,i=4096", &mut out),
        Err(ScramError::OutOfOrder)
    );
    assert_eq!(
        client.handle_server_final(b"v=AAAA"),
        Err(ScramError::OutOfOrder)
    );
}

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let form = input.byte();
    let sha512 = form & 1 == 1;
    let mechanism = if sha512 {
        ScramMechanism::Sha512
    } else {
        ScramMechanism::Sha256
    };
    let first_part = input.prefixed();
    let final_part = input.rest();
    let mut server_first = Vec::new();
    if form & 2 == 0 {
        server_first.extend_from_slice(format!("r={NONCE}").as_bytes());
    }
    server_first.extend_from_slice(first_part);

    let mut client = ScramClient::new(mechanism, USER, PASSWORD, NONCE).expect("a valid nonce");
    let mut out = [0u8; 1024];
    let n = client.client_first(&mut out).expect("fits");
    assert_eq!(&out[..n], format!("n,,n={USER},r={NONCE}").as_bytes());
    let written = match client.handle_server_first(&server_first, &mut out) {
        Ok(written) => written,
        Err(ScramError::BufferTooSmall { needed }) => {
            assert!(needed > out.len());
            return;
        }
        Err(_) => return assert_ended(&mut client),
    };
    let (client_final, signature) = server(sha512, &server_first)
        .expect("the client accepted a server-first the server cannot read");
    assert_eq!(
        &out[..written],
        client_final.as_slice(),
        "client-final differs from the server's expectation"
    );

    let server_final = match form >> 2 & 3 {
        0 => final_part.to_vec(),
        1 | 2 => {
            // The right signature, with the bits of the input flipped (none: the right one).
            let mut sent = signature.clone();
            for (byte, flip) in sent.iter_mut().zip(final_part) {
                *byte ^= flip;
            }
            format!("v={}", STANDARD.encode(&sent)).into_bytes()
        }
        _ => {
            let mut text = b"e=".to_vec();
            text.extend_from_slice(final_part);
            text
        }
    };
    let right = format!("v={}", STANDARD.encode(&signature));
    match client.handle_server_final(&server_final) {
        Ok(()) => {
            assert!(client.is_authenticated());
            let text = std::str::from_utf8(&server_final).expect("accepted text is UTF-8");
            let verifier = text
                .split(',')
                .next()
                .and_then(|first| first.strip_prefix("v="))
                .expect("accepted without v=");
            assert_eq!(
                LENIENT.decode(verifier).ok(),
                Some(signature),
                "a wrong server signature was accepted: {text}"
            );
        }
        Err(error) => {
            assert!(
                server_final != right.as_bytes(),
                "the right server signature was refused: {error:?}"
            );
            assert_ended(&mut client);
        }
    }
});
