//! The tls profile's PKI: the broker's certificate verifies against the test CA (and not without
//! it), and a client certificate minted from the kept CA key is accepted on the listener that
//! requires one.
//!
//! The `SSL` listener runs with `ssl.client.auth=requested`: a Java client sends a certificate
//! only if the broker names its issuer, so one from an unknown CA is simply not sent (the
//! connection is then anonymous). The `MTLS` listener runs with `required`; the refusals there
//! are tested with franzl's client (`client_tls.rs`).

use std::path::PathBuf;

use franzl_tests::java_tools::run;
use franzl_tests::{Profile, broker, unique_topic};

fn scratch_file(name: &str, contents: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(unique_topic(name));
    std::fs::write(&path, contents).expect("write scratch file");
    path
}

#[test]
fn broker_is_not_trusted_without_the_test_ca() {
    let broker = broker(Profile::Tls);
    let config = scratch_file("no-ca", "security.protocol=SSL\n");
    let args = ["--bootstrap-server", &broker.bootstrap(), "--list"];
    let run = run("topics", &args, Some(&config), "");
    let _ = std::fs::remove_file(&config);
    assert!(!run.success, "an unknown CA was trusted: {run:?}");
    assert!(run.stderr.contains("SSLHandshakeException"), "{run:?}");
}

#[test]
fn client_certificate_from_the_test_ca_is_accepted() {
    let broker = broker(Profile::Tls);
    let certificate = xtask::broker::issue_client_certificate("franzl-test-client")
        .unwrap_or_else(|error| panic!("cannot mint a client certificate: {error}"));
    // A PEM key store is the key followed by the certificate chain.
    let keystore = scratch_file(
        "client-keystore",
        &format!("{}{}", certificate.key_pem, certificate.chain_pem),
    );
    let base = std::fs::read_to_string(broker.client_properties().expect("tls config"))
        .expect("read tls client config");
    let config = scratch_file(
        "client-cert",
        &format!(
            "{base}ssl.keystore.type=PEM\nssl.keystore.location={}\n",
            keystore.display()
        ),
    );
    // On the listener that requires a certificate: one that was not sent would fail the run.
    let bootstrap = broker
        .client_auth_bootstrap()
        .expect("tls has an MTLS listener");
    let args = ["--bootstrap-server", &bootstrap, "--list"];
    let run = run("topics", &args, Some(&config), "");
    let _ = std::fs::remove_file(&config);
    let _ = std::fs::remove_file(&keystore);
    assert!(run.success, "the client certificate was refused: {run:?}");
}
