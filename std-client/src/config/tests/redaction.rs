//! No password reaches `Debug` output or an error message, for any config type.

use crate::config::*;

const PASSWORD: &str = "pa55-w0rd-XYZZY";
const KEY_PASSWORD: &str = "key-pa55-PLUGH";

fn secret_pairs(jaas: bool) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("bootstrap.servers".to_owned(), "k:9092".to_owned()),
        ("security.protocol".to_owned(), "SASL_SSL".to_owned()),
        ("sasl.mechanism".to_owned(), "SCRAM-SHA-512".to_owned()),
        ("ssl.key.password".to_owned(), KEY_PASSWORD.to_owned()),
        ("max.poll.records".to_owned(), "10".to_owned()),
    ];
    if jaas {
        pairs.push((
            "sasl.jaas.config".to_owned(),
            format!("ScramLoginModule required username=\"u\" password=\"{PASSWORD}\";"),
        ));
    } else {
        pairs.push(("sasl.username".to_owned(), "u".to_owned()));
        pairs.push(("sasl.password".to_owned(), PASSWORD.to_owned()));
    }
    pairs
}

fn assert_hidden(debug: &str) {
    assert!(!debug.contains(PASSWORD), "password in {debug}");
    assert!(!debug.contains(KEY_PASSWORD), "key password in {debug}");
    assert!(debug.contains("***"), "{debug}");
}

#[test]
fn debug_never_shows_passwords() {
    for jaas in [false, true] {
        let pairs = secret_pairs(jaas);
        let client_pairs = pairs
            .iter()
            .filter(|(k, _)| k != "max.poll.records")
            .cloned();
        let client = ClientConfig::from_properties(client_pairs.clone()).unwrap();
        assert_eq!(
            client.sasl.as_ref().map(|s| s.password.expose()),
            Some(PASSWORD)
        );
        assert_hidden(&format!("{client:?}"));
        assert_hidden(&format!("{client:#?}"));
        let producer = ProducerConfig::from_properties(client_pairs.clone()).unwrap();
        assert_hidden(&format!("{producer:?}"));
        let admin = AdminConfig::from_properties(client_pairs).unwrap();
        assert_hidden(&format!("{admin:?}"));
        let consumer = ConsumerConfig::from_properties(pairs.iter().cloned()).unwrap();
        assert_hidden(&format!("{consumer:?}"));
    }
}

#[test]
fn builders_hide_passwords_too() {
    let mut builder = ClientConfig::builder();
    builder.set("sasl.password", PASSWORD).unwrap();
    builder.set("ssl.key.password", KEY_PASSWORD).unwrap();
    assert_hidden(&format!("{builder:?}"));
    let mut builder = ProducerConfig::builder();
    builder
        .set(
            "sasl.jaas.config",
            &format!("PlainLoginModule required username=u password={PASSWORD};"),
        )
        .unwrap();
    builder.set("ssl.key.password", KEY_PASSWORD).unwrap();
    assert_hidden(&format!("{builder:?}"));
}

#[test]
fn errors_never_show_passwords() {
    let bad_jaas = format!("PlainLoginModule required username=u password=\"{PASSWORD}");
    let error =
        ClientConfig::from_properties([("sasl.jaas.config", bad_jaas.as_str())]).unwrap_err();
    assert!(!error.to_string().contains(PASSWORD));
    assert!(!format!("{error:?}").contains(PASSWORD));
}
