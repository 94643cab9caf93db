//! Property tests: any user name, password and nonce authenticate against an independent
//! server, and no server message, however malformed, makes the client panic or succeed falsely.

extern crate std;

use std::format;
use std::string::String;
use std::vec::Vec;

use proptest::prelude::*;

use super::tests::{Sha512Server, b64};
use super::*;

/// Undoes the saslname escaping, as a server does.
fn unescape_saslname(escaped: &str) -> String {
    escaped.replace("=2C", ",").replace("=3D", "=")
}

fn rfc_client_after_first() -> ScramClient<'static> {
    let mut client = ScramClient::new(
        ScramMechanism::Sha256,
        "user",
        "pencil",
        "rOprNGfwEbeRWgbNEkqO",
    )
    .unwrap();
    let mut buf = [0u8; 64];
    client.client_first(&mut buf).unwrap();
    client
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn any_credentials_authenticate(
        username in "\\PC{0,24}",
        password in "\\PC{0,24}",
        client_nonce in "[!-+\\--~]{1,32}",
        server_part in "[!-+\\--~]{1,32}",
        salt in proptest::collection::vec(any::<u8>(), 1..=MAX_SALT_LEN),
    ) {
        let mut client =
            ScramClient::new(ScramMechanism::Sha512, &username, &password, &client_nonce).unwrap();
        let mut buf = [0u8; 512];
        let needed = client.client_first_len();
        let n = client.client_first(&mut buf).unwrap();
        prop_assert_eq!(n, needed);
        let client_first = String::from_utf8(buf[..n].to_vec()).unwrap();
        let bare = client_first.strip_prefix("n,,").unwrap();
        let (name_attr, nonce_attr) = bare.split_once(",r=").unwrap();
        prop_assert_eq!(unescape_saslname(name_attr.strip_prefix("n=").unwrap()), username.clone());
        prop_assert_eq!(nonce_attr, client_nonce.as_str());

        let server = Sha512Server { salt: &salt, iterations: 4096, password: &password };
        let server_first = format!("r={client_nonce}{server_part},s={},i=4096", b64(&salt));
        let n = client.handle_server_first(server_first.as_bytes(), &mut buf).unwrap();
        let client_final = String::from_utf8(buf[..n].to_vec()).unwrap();
        let server_final = server.server_final(bare, &server_first, &client_final);
        prop_assert_eq!(client.handle_server_final(server_final.as_bytes()), Ok(()));
        prop_assert!(client.is_authenticated());
    }
}

/// An RFC 7677 exchange that has sent client-final, derived once (Hi is slow in debug builds).
static AFTER_FINAL: std::sync::LazyLock<ScramClient<'static>> = std::sync::LazyLock::new(|| {
    let mut client = rfc_client_after_first();
    let mut buf = [0u8; 256];
    let server_first =
        b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    client.handle_server_first(server_first, &mut buf).unwrap();
    client
});

proptest! {
    #[test]
    fn arbitrary_server_first_is_refused_without_panic(
        message in proptest::collection::vec(any::<u8>(), 0..200)
    ) {
        let mut client = rfc_client_after_first();
        let mut buf = [0u8; 256];
        if client.handle_server_first(&message, &mut buf).is_err() {
            prop_assert!(client.is_failed());
        }
    }

    #[test]
    fn arbitrary_server_final_never_authenticates(
        message in proptest::collection::vec(any::<u8>(), 0..120)
    ) {
        let mut client = AFTER_FINAL.clone();
        let genuine: Vec<u8> = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".to_vec();
        let result = client.handle_server_final(&message);
        let genuine_prefix = message.starts_with(&genuine)
            && (message.len() == genuine.len() || message.get(genuine.len()) == Some(&b','));
        prop_assert_eq!(result.is_ok(), genuine_prefix);
        prop_assert_eq!(client.is_authenticated(), genuine_prefix);
    }
}
