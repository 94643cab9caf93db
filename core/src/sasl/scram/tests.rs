//! The SCRAM client against scripted servers: RFC 7677's exchange byte for byte, a SHA-512
//! exchange checked by a server written here on independent crates, and every refusal.

extern crate std;

use std::format;
use std::string::String;
use std::vec::Vec;

use ::base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha512};

use super::*;

const RFC_CLIENT_NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
const RFC_NONCE: &str = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
const RFC_SERVER_FIRST: &str =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const RFC_CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                                p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const RFC_SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

pub(super) fn b64(bytes: &[u8]) -> String {
    ::base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An RFC 7677 client that has sent client-first.
fn rfc_client() -> ScramClient<'static> {
    let mut client =
        ScramClient::new(ScramMechanism::Sha256, "user", "pencil", RFC_CLIENT_NONCE).unwrap();
    let mut buf = [0u8; 64];
    client.client_first(&mut buf).unwrap();
    client
}

/// An RFC 7677 client that has sent client-final.
fn rfc_client_after_final() -> ScramClient<'static> {
    let mut client = rfc_client();
    let mut buf = [0u8; 256];
    client
        .handle_server_first(RFC_SERVER_FIRST.as_bytes(), &mut buf)
        .unwrap();
    client
}

#[test]
fn rfc7677_exchange_byte_for_byte() {
    let mut client =
        ScramClient::new(ScramMechanism::Sha256, "user", "pencil", RFC_CLIENT_NONCE).unwrap();
    let mut buf = [0u8; 256];
    assert_eq!(client.client_first_len(), 32);
    let n = client.client_first(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    let n = client
        .handle_server_first(RFC_SERVER_FIRST.as_bytes(), &mut buf)
        .unwrap();
    assert_eq!(core::str::from_utf8(&buf[..n]).unwrap(), RFC_CLIENT_FINAL);
    client
        .handle_server_final(RFC_SERVER_FINAL.as_bytes())
        .unwrap();
    assert!(client.is_authenticated());
    assert_eq!(
        client.handle_server_final(RFC_SERVER_FINAL.as_bytes()),
        Err(ScramError::OutOfOrder)
    );
}

/// The server side of SCRAM-SHA-512, on the `pbkdf2` crate and the `base64` crate rather than
/// on the client's own Hi and base64.
pub(super) struct Sha512Server<'a> {
    pub(super) salt: &'a [u8],
    pub(super) iterations: u32,
    pub(super) password: &'a str,
}

type HmacSha512 = Hmac<Sha512>;

fn hmac512(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = <HmacSha512 as KeyInit>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

impl Sha512Server<'_> {
    /// Checks the client's proof and returns the server-final message.
    pub(super) fn server_final(
        &self,
        client_first_bare: &str,
        server_first: &str,
        client_final: &str,
    ) -> String {
        let (without_proof, proof) = client_final.rsplit_once(",p=").unwrap();
        let proof = ::base64::engine::general_purpose::STANDARD
            .decode(proof)
            .unwrap();
        let auth_message = format!("{client_first_bare},{server_first},{without_proof}");
        let mut salted = [0u8; 64];
        pbkdf2::pbkdf2_hmac::<Sha512>(
            self.password.as_bytes(),
            self.salt,
            self.iterations,
            &mut salted,
        );
        let stored_key = Sha512::digest(hmac512(&salted, b"Client Key"));
        let client_signature = hmac512(&stored_key, auth_message.as_bytes());
        let client_key: Vec<u8> = proof
            .iter()
            .zip(&client_signature)
            .map(|(p, s)| p ^ s)
            .collect();
        assert_eq!(
            Sha512::digest(&client_key),
            stored_key,
            "client proof does not verify"
        );
        let server_key = hmac512(&salted, b"Server Key");
        format!("v={}", b64(&hmac512(&server_key, auth_message.as_bytes())))
    }
}

#[test]
fn sha512_exchange_with_an_independent_server() {
    let server = Sha512Server {
        salt: b"sixteen byte slt",
        iterations: 4096,
        password: "p@ss,=w\u{f6}rd",
    };
    let mut client = ScramClient::new(
        ScramMechanism::Sha512,
        "al=ice,x",
        server.password,
        "fyko+d2lbbFgONRv9qkxdawL",
    )
    .unwrap();
    let mut buf = [0u8; 512];
    let n = client.client_first(&mut buf).unwrap();
    let client_first = String::from_utf8(buf[..n].to_vec()).unwrap();
    assert_eq!(client_first, "n,,n=al=3Dice=2Cx,r=fyko+d2lbbFgONRv9qkxdawL");
    let client_first_bare = client_first.strip_prefix("n,,").unwrap();

    let server_first = format!(
        "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s={},i=4096",
        b64(server.salt)
    );
    let n = client
        .handle_server_first(server_first.as_bytes(), &mut buf)
        .unwrap();
    let client_final = String::from_utf8(buf[..n].to_vec()).unwrap();
    assert!(client_final.starts_with("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p="));
    // A 64-byte proof is 88 base64 bytes.
    assert_eq!(client_final.len(), "c=biws,r=,p=".len() + 42 + 88);

    let server_final = server.server_final(client_first_bare, &server_first, &client_final);
    client.handle_server_final(server_final.as_bytes()).unwrap();
    assert!(client.is_authenticated());
}

fn answer(server_first: &str) -> Result<usize, ScramError> {
    let mut client = rfc_client();
    let mut buf = [0u8; 256];
    let result = client.handle_server_first(server_first.as_bytes(), &mut buf);
    if result.is_err() {
        assert!(client.is_failed());
        assert_eq!(
            client.handle_server_first(RFC_SERVER_FIRST.as_bytes(), &mut buf),
            Err(ScramError::OutOfOrder)
        );
    }
    result
}

#[test]
fn refuses_a_nonce_without_the_client_prefix() {
    assert_eq!(
        answer("r=XOprNGfwEbeRWgbNEkqO%hvYDpWUa2R,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
        Err(ScramError::NonceMismatch)
    );
    assert_eq!(
        answer("r=rOprNG,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
        Err(ScramError::NonceMismatch)
    );
}

#[test]
fn refuses_a_nonce_equal_to_the_client_nonce() {
    assert_eq!(
        answer("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
        Err(ScramError::NonceNotExtended)
    );
}

#[test]
fn refuses_bad_salts() {
    let with_salt = |salt: &str| answer(&format!("r={RFC_NONCE},s={salt},i=4096"));
    assert_eq!(
        with_salt("W22ZaJ0SNY7soEsUEjb6gQ="),
        Err(ScramError::InvalidSalt)
    );
    assert_eq!(
        with_salt("W22ZaJ0SNY7soEsU*jb6gQ=="),
        Err(ScramError::InvalidSalt)
    );
    assert_eq!(with_salt(""), Err(ScramError::InvalidSalt));
    assert_eq!(with_salt(&"A".repeat(176)), Err(ScramError::SaltTooLong));
}

#[test]
fn refuses_iteration_counts_out_of_bounds() {
    let with_count = |count: &str| {
        answer(&format!(
            "r={RFC_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i={count}"
        ))
    };
    assert_eq!(with_count("0"), Err(ScramError::IterationCountTooLow));
    assert_eq!(with_count("4095"), Err(ScramError::IterationCountTooLow));
    assert_eq!(with_count("16385"), Err(ScramError::IterationCountTooHigh));
    assert_eq!(
        with_count("1000000000"),
        Err(ScramError::IterationCountTooHigh)
    );
    assert_eq!(
        with_count("99999999999999999999"),
        Err(ScramError::IterationCountTooHigh)
    );
    assert_eq!(with_count("four"), Err(ScramError::InvalidIterationCount));
    assert_eq!(with_count(" 4096"), Err(ScramError::InvalidIterationCount));
}

#[test]
fn a_raised_bound_admits_more_iterations() {
    let mut client = ScramClient::new(ScramMechanism::Sha256, "user", "pencil", RFC_CLIENT_NONCE)
        .unwrap()
        .with_max_iterations(20_000);
    let mut buf = [0u8; 256];
    client.client_first(&mut buf).unwrap();
    let server_first = format!("r={RFC_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=20000");
    assert!(
        client
            .handle_server_first(server_first.as_bytes(), &mut buf)
            .is_ok()
    );
}

#[test]
fn refuses_a_mandatory_extension() {
    assert_eq!(
        answer(&format!(
            "m=future,r={RFC_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        )),
        Err(ScramError::MandatoryExtension)
    );
}

#[test]
fn refuses_malformed_server_first() {
    assert_eq!(
        answer(&format!("s=W22ZaJ0SNY7soEsUEjb6gQ==,r={RFC_NONCE},i=4096")),
        Err(ScramError::Malformed)
    );
    assert_eq!(answer("garbage"), Err(ScramError::Malformed));
    assert_eq!(
        answer(&format!("{RFC_SERVER_FIRST},")),
        Err(ScramError::Malformed)
    );
}

#[test]
fn accepts_optional_extensions_after_the_count() {
    let mut client = rfc_client();
    let mut buf = [0u8; 256];
    let server_first = format!("{RFC_SERVER_FIRST},x=extra");
    assert!(
        client
            .handle_server_first(server_first.as_bytes(), &mut buf)
            .is_ok()
    );
}

#[test]
fn refuses_a_wrong_server_signature() {
    let mut client = rfc_client_after_final();
    let forged = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=";
    assert_eq!(
        client.handle_server_final(forged.as_bytes()),
        Err(ScramError::InvalidVerifier)
    );
    let mut client = rfc_client_after_final();
    let forged = "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    assert_eq!(
        client.handle_server_final(forged.as_bytes()),
        Err(ScramError::ServerSignatureMismatch)
    );
    assert!(client.is_failed());
    let mut client = rfc_client_after_final();
    let short = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl9";
    assert_eq!(
        client.handle_server_final(short.as_bytes()),
        Err(ScramError::ServerSignatureMismatch)
    );
    // Valid base64 of 66 bytes, longer than any hash.
    let mut client = rfc_client_after_final();
    let long = format!("v={}", "A".repeat(88));
    assert_eq!(
        client.handle_server_final(long.as_bytes()),
        Err(ScramError::ServerSignatureMismatch)
    );
}

#[test]
fn refuses_a_server_final_without_verifier() {
    let mut client = rfc_client_after_final();
    assert_eq!(
        client.handle_server_final(b"x=1"),
        Err(ScramError::MissingVerifier)
    );
    let mut client = rfc_client_after_final();
    assert_eq!(
        client.handle_server_final(b""),
        Err(ScramError::MissingVerifier)
    );
    assert!(client.is_failed());
    assert_eq!(
        client.handle_server_final(RFC_SERVER_FINAL.as_bytes()),
        Err(ScramError::OutOfOrder)
    );
}

#[test]
fn reports_the_server_error() {
    let mut client = rfc_client_after_final();
    assert_eq!(
        client.handle_server_final(b"e=invalid-proof"),
        Err(ScramError::ServerError(ServerErrorValue::InvalidProof))
    );
    assert_eq!(client.server_error_text(), Some("invalid-proof"));
    let mut client = rfc_client_after_final();
    let long = format!("e={}", "\u{e9}".repeat(100));
    assert_eq!(
        client.handle_server_final(long.as_bytes()),
        Err(ScramError::ServerError(ServerErrorValue::Unrecognized))
    );
    assert_eq!(
        client.server_error_text(),
        Some("\u{e9}".repeat(64).as_str())
    );
}

#[test]
fn refuses_steps_out_of_order() {
    let mut client =
        ScramClient::new(ScramMechanism::Sha256, "user", "pencil", RFC_CLIENT_NONCE).unwrap();
    let mut buf = [0u8; 256];
    assert_eq!(
        client.handle_server_first(RFC_SERVER_FIRST.as_bytes(), &mut buf),
        Err(ScramError::OutOfOrder)
    );
    assert_eq!(
        client.handle_server_final(RFC_SERVER_FINAL.as_bytes()),
        Err(ScramError::OutOfOrder)
    );
    client.client_first(&mut buf).unwrap();
    assert_eq!(client.client_first(&mut buf), Err(ScramError::OutOfOrder));
    assert_eq!(
        client.handle_server_final(RFC_SERVER_FINAL.as_bytes()),
        Err(ScramError::OutOfOrder)
    );
}

#[test]
fn a_small_buffer_names_the_size_and_keeps_the_state() {
    let mut client =
        ScramClient::new(ScramMechanism::Sha256, "user", "pencil", RFC_CLIENT_NONCE).unwrap();
    let mut small = [0u8; 31];
    assert_eq!(
        client.client_first(&mut small),
        Err(ScramError::BufferTooSmall { needed: 32 })
    );
    let mut buf = [0u8; 256];
    assert_eq!(client.client_first(&mut buf), Ok(32));
    let mut small = [0u8; 100];
    assert_eq!(
        client.handle_server_first(RFC_SERVER_FIRST.as_bytes(), &mut small),
        Err(ScramError::BufferTooSmall {
            needed: RFC_CLIENT_FINAL.len()
        })
    );
    assert_eq!(
        client.handle_server_first(RFC_SERVER_FIRST.as_bytes(), &mut buf),
        Ok(RFC_CLIENT_FINAL.len())
    );
}

#[test]
fn the_nonce_is_copied_and_may_be_as_long_as_the_limit() {
    let longest = "n".repeat(MAX_CLIENT_NONCE_LEN);
    let mut client = {
        let nonce = longest.clone();
        ScramClient::new(ScramMechanism::Sha256, "u", "p", &nonce).unwrap()
    };
    let mut buf = [0u8; 128];
    let n = client.client_first(&mut buf).unwrap();
    assert_eq!(&buf[..n], format!("n,,n=u,r={longest}").as_bytes());
}

#[test]
fn refuses_invalid_client_nonces() {
    let too_long = "n".repeat(MAX_CLIENT_NONCE_LEN + 1);
    for nonce in ["", "a,b", "a b", "caf\u{e9}", "a\u{7f}", &too_long] {
        assert_eq!(
            ScramClient::new(ScramMechanism::Sha256, "u", "p", nonce).map(|_| ()),
            Err(ScramError::InvalidClientNonce)
        );
    }
}

#[test]
fn debug_output_hides_the_password() {
    let client = rfc_client_after_final();
    let debug = format!("{client:?}");
    assert!(!debug.contains("pencil"), "{debug}");
    assert!(debug.contains("***"));
    assert!(debug.contains("AwaitingServerFinal"));
}

#[test]
fn mechanism_names() {
    assert_eq!(
        ScramMechanism::from_name("SCRAM-SHA-512"),
        Some(ScramMechanism::Sha512)
    );
    assert_eq!(ScramMechanism::from_name("scram-sha-512"), None);
    assert_eq!(ScramMechanism::Sha256.name(), "SCRAM-SHA-256");
    assert_eq!(
        crate::sasl::SaslMechanism::from_name("PLAIN"),
        Some(crate::sasl::SaslMechanism::Plain)
    );
    assert_eq!(crate::sasl::SaslMechanism::from_name("GSSAPI"), None);
}
