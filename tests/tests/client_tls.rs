//! The client over TLS on the tls profile: the right CA works; a wrong CA and a wrong host name
//! are refused; skipping host name verification accepts the wrong name but still refuses the
//! wrong CA. A client certificate from the test CA is accepted.

use std::net::ToSocketAddrs;
use std::path::PathBuf;

use franzl::Error;
use franzl::cluster::Cluster;
use franzl::config::{ClientConfig, ClientConfigBuilder, SecurityProtocol};
use franzl_tests::client::builder;
use franzl_tests::{Broker, Profile, broker, unique_topic};

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

fn connect(config: ClientConfig) -> franzl::Result<Cluster> {
    smol::block_on(Cluster::connect(config))
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

#[test]
fn a_client_certificate_from_the_test_ca_is_accepted() {
    let broker = broker(Profile::Tls);
    let ca = broker.ca_cert().unwrap();
    let certificate = xtask::broker::issue_client_certificate("franzl-client").expect("mint");
    let chain = scratch_file("client-chain", &certificate.chain_pem);
    let key = scratch_file("client-key", &certificate.key_pem);
    let config = tls(&broker.bootstrap(), &ca)
        .tls_client_auth(&chain, &key)
        .build()
        .unwrap();
    connect(config).unwrap();
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
