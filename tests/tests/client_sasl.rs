//! The client authenticates on the sasl profile with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, and
//! a wrong password is a clear, non-retriable authentication error.

use franzl::Error;
use franzl::cluster::Client;
use franzl_tests::client::sasl_config;
use franzl_tests::{Profile, SaslMechanism, broker, hex_dump, log_capture};

fn accepted(mechanism: SaslMechanism) {
    let broker = broker(Profile::Sasl);
    smol::block_on(async {
        let cluster = Client::connect(sasl_config(broker, mechanism, None))
            .await
            .unwrap_or_else(|error| panic!("{}: {error}", mechanism.name()));
        assert_eq!(cluster.metadata().brokers.len(), 1);
        // A second connection (by node id) authenticates again, with a fresh nonce.
        let node = *cluster.metadata().brokers.keys().next().unwrap();
        cluster.broker(node).await.unwrap();
    });
}

#[test]
fn plain_is_accepted() {
    accepted(SaslMechanism::Plain);
}

#[test]
fn scram_sha_256_is_accepted() {
    accepted(SaslMechanism::ScramSha256);
}

#[test]
fn scram_sha_512_is_accepted() {
    accepted(SaslMechanism::ScramSha512);
}

fn refused(mechanism: SaslMechanism) {
    let broker = broker(Profile::Sasl);
    let config = sasl_config(broker, mechanism, Some("not-the-password"));
    let error = smol::block_on(Client::connect(config)).unwrap_err();
    assert!(
        matches!(error, Error::Authentication { .. }),
        "{}: {error}",
        mechanism.name()
    );
    assert!(!error.is_retriable());
    let text = error.to_string();
    assert!(text.contains("SASL_AUTHENTICATION_FAILED"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
}

#[test]
fn wrong_passwords_are_refused() {
    refused(SaslMechanism::Plain);
    refused(SaslMechanism::ScramSha256);
    refused(SaslMechanism::ScramSha512);
}

#[test]
fn logs_and_hex_dumps_never_show_the_password() {
    log_capture::install();
    let broker = broker(Profile::Sasl);
    let mechanism = SaslMechanism::Plain;
    let mut config = sasl_config(broker, mechanism, None);
    config.hex_dump = true;
    smol::block_on(Client::connect(config)).unwrap();
    let wrong = sasl_config(broker, mechanism, Some("a-wrong-secret"));
    smol::block_on(Client::connect(wrong)).unwrap_err();

    let logged = log_capture::logged();
    // The frames the dumps show, read back into bytes: a password that a line break of the
    // dump splits is found there, where a search of the lines would miss it.
    let mut frames = Vec::new();
    for (_, message) in logged
        .iter()
        .filter(|(target, _)| target == hex_dump::TARGET)
    {
        match hex_dump::parse(message) {
            Ok(Some(frame)) => frames.push(frame),
            Ok(None) => {}
            Err(error) => panic!("a hex dump does not read back: {error}"),
        }
    }
    assert!(
        frames
            .iter()
            .any(|frame| frame.heading.starts_with("handshake sent to")),
        "handshake frames were dumped"
    );
    // The search of the bytes finds what is there: the SaslHandshake request names PLAIN.
    assert!(
        frames
            .iter()
            .any(|frame| hex_dump::contains(&frame.bytes, b"PLAIN")),
        "the mechanism's name is in a dumped frame"
    );
    assert!(
        logged
            .iter()
            .any(|(_, message)| message.contains("SASL authentication (not shown)")),
        "SASL frames are counted, not shown"
    );
    assert!(
        logged
            .iter()
            .any(|(_, message)| message.contains("authenticated to")),
        "authentication is logged"
    );
    for secret in [mechanism.user().password, "a-wrong-secret"] {
        for frame in &frames {
            assert!(
                !hex_dump::contains(&frame.bytes, secret.as_bytes()),
                "a password was dumped in a frame {}",
                frame.heading
            );
        }
        for (target, message) in logged.iter() {
            assert!(
                !message.contains(secret),
                "a password was logged ({target})"
            );
        }
    }
}
