//! The client over TLS on the tls profile: the right CA works; a wrong CA and a wrong host name
//! are refused; skipping host name verification accepts the wrong name but still refuses the
//! wrong CA. A client certificate from the test CA is accepted.
//!
//! Client authentication runs on the profile's `MTLS` listener, which requires a certificate
//! (`ssl.client.auth=required`; the `SSL` listener only requests one, so there a client without
//! one, or with a foreign one, is let in anonymously): one from the test CA is accepted; none,
//! or one from another CA, is a non-retriable [`Error::Tls`].

use std::net::ToSocketAddrs;
use std::path::PathBuf;

use franzl::Error;
use franzl::cluster::Client;
use franzl::config::{ClientConfig, ClientConfigBuilder, SecurityProtocol};
use franzl_tests::client::builder;
use franzl_tests::{Broker, Profile, broker, unique_topic};
use xtask::broker::ClientCertificate;

fn scratch_file(name: &str, contents: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(unique_topic(name));
    std::fs::write(&path, contents).expect("write scratch file");
    path
}

fn tls(bootstrap: &str, ca: &std::path::Path) -> ClientConfigBuilder {
    builder(bootstrap)
        .security_protocol(SecurityProtocol::Ssl)
        .tls_ca_file(ca)
}

/// Another CA than the broker's: a certificate the test PKI did not sign as CA.
fn other_ca() -> PathBuf {
    let certificate = xtask::broker::issue_client_certificate("not-a-ca").expect("mint");
    // The chain is the leaf then the real CA; keep only the leaf, which is no CA.
    let leaf_end = certificate
        .chain_pem
        .find("-----END CERTIFICATE-----")
        .unwrap()
        + "-----END CERTIFICATE-----\n".len();
    scratch_file("other-ca", &certificate.chain_pem[..leaf_end])
}

/// A name for 127.0.0.1 that the broker's certificate (localhost, 127.0.0.1) does not carry:
/// this machine's host name.
fn wrong_name(broker: &Broker) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|text| text.trim().to_owned())
        .unwrap_or_default();
    let port = broker.nodes[0].address.port();
    let resolves_to_loopback = (host.as_str(), port)
        .to_socket_addrs()
        .is_ok_and(|mut addresses| addresses.any(|a| a.ip().is_loopback()));
    assert!(
        resolves_to_loopback && host != "localhost",
        "this test needs the host name ({host:?}) to resolve to 127.0.0.1"
    );
    format!("{host}:{port}")
}

fn connect(config: ClientConfig) -> franzl::Result<Client> {
    smol::block_on(Client::connect(config))
}

#[test]
fn the_right_ca_is_accepted() {
    let broker = broker(Profile::Tls);
    let ca = broker.ca_cert().unwrap();
    let cluster = connect(tls(&broker.bootstrap(), &ca).build().unwrap()).unwrap();
    assert_eq!(cluster.metadata().brokers.len(), 1);
}

#[test]
fn a_wrong_ca_is_refused() {
    let broker = broker(Profile::Tls);
    let error = connect(tls(&broker.bootstrap(), &other_ca()).build().unwrap()).unwrap_err();
    assert!(matches!(error, Error::Tls { .. }), "{error}");
    assert!(!error.is_retriable());
}

#[test]
fn a_wrong_host_name_is_refused() {
    let broker = broker(Profile::Tls);
    let ca = broker.ca_cert().unwrap();
    let error = connect(tls(&wrong_name(broker), &ca).build().unwrap()).unwrap_err();
    assert!(matches!(error, Error::Tls { .. }), "{error}");
    assert!(error.to_string().contains("not valid for name"), "{error}");
}

#[test]
fn skipping_host_name_verification_accepts_the_name_but_not_a_wrong_ca() {
    let broker = broker(Profile::Tls);
    let ca = broker.ca_cert().unwrap();
    let config = tls(&wrong_name(broker), &ca)
        .skip_hostname_verification()
        .build()
        .unwrap();
    connect(config).unwrap();
    let config = tls(&wrong_name(broker), &other_ca())
        .skip_hostname_verification()
        .build()
        .unwrap();
    let error = connect(config).unwrap_err();
    assert!(matches!(error, Error::Tls { .. }), "{error}");
}

/// The bootstrap address of the listener that requires a client certificate.
fn client_auth_bootstrap(broker: &Broker) -> String {
    broker
        .client_auth_bootstrap()
        .expect("the tls profile has a listener that requires client certificates")
}

/// Connects with `builder`, presenting `certificate` (written to scratch files for the client
/// to read).
fn connect_with_certificate(
    builder: ClientConfigBuilder,
    certificate: &ClientCertificate,
) -> franzl::Result<Client> {
    let chain = scratch_file("client-chain", &certificate.chain_pem);
    let key = scratch_file("client-key", &certificate.key_pem);
    let result = connect(builder.tls_client_auth(&chain, &key).build().unwrap());
    let _ = std::fs::remove_file(&chain);
    let _ = std::fs::remove_file(&key);
    result
}

/// A refusal of the client (its certificate, or its lack of one) by the broker: a TLS error
/// that is not retriable and names the alert the broker sent, so no failure of the client's own
/// (a file it could not read) passes for one.
fn assert_refused(what: &str, result: franzl::Result<Client>) {
    let error = match result {
        Ok(_) => panic!("{what}: the broker accepted the client"),
        Err(error) => error,
    };
    assert!(matches!(error, Error::Tls { .. }), "{what}: {error:?}");
    assert!(!error.is_retriable(), "{what}: retriable: {error}");
    assert!(
        error.to_string().contains("received fatal alert"),
        "{what}: {error}"
    );
}

#[test]
fn the_client_auth_listener_accepts_a_certificate_from_the_test_ca() {
    let broker = broker(Profile::Tls);
    let bootstrap = client_auth_bootstrap(broker);
    let ca = broker.ca_cert().unwrap();
    let certificate = xtask::broker::issue_client_certificate("franzl-mtls-client").expect("mint");
    let cluster = connect_with_certificate(tls(&bootstrap, &ca), &certificate).unwrap();
    // The broker advertises the listener the request came in on: a connection by node id
    // authenticates again, on the same listener.
    let metadata = cluster.metadata();
    let (&node, address) = metadata.brokers.iter().next().unwrap();
    assert_eq!(address.to_string(), bootstrap);
    smol::block_on(cluster.broker(node)).unwrap();
}

#[test]
fn the_client_auth_listener_refuses_a_client_without_certificate() {
    let broker = broker(Profile::Tls);
    let ca = broker.ca_cert().unwrap();
    let config = tls(&client_auth_bootstrap(broker), &ca).build().unwrap();
    assert_refused("no client certificate", connect(config));
}

#[test]
fn the_client_auth_listener_refuses_a_certificate_from_another_ca() {
    let broker = broker(Profile::Tls);
    let bootstrap = client_auth_bootstrap(broker);
    let ca = broker.ca_cert().unwrap();
    // A CA of another name, and an impostor that has the test CA's very name and differs only
    // in its key.
    for ca_name in ["franzl other CA", "franzl test CA"] {
        let certificate =
            xtask::broker::issue_client_certificate_from_another_ca("franzl-mtls-client", ca_name)
                .expect("mint");
        let result = connect_with_certificate(tls(&bootstrap, &ca), &certificate);
        assert_refused(ca_name, result);
    }
}

#[test]
fn plaintext_to_a_tls_listener_fails_clearly() {
    let broker = broker(Profile::Tls);
    let config = builder(&broker.bootstrap())
        .timeouts(
            std::time::Duration::from_secs(3),
            std::time::Duration::from_secs(3),
            std::time::Duration::from_secs(3),
        )
        .build()
        .unwrap();
    let error = connect(config).unwrap_err();
    assert!(matches!(error, Error::Protocol { .. }), "{error}");
    assert!(
        error.to_string().contains("security.protocol SSL"),
        "{error}"
    );
}
