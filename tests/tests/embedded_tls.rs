//! franzl-core's embedded client over TLS 1.3 with embedded-tls (no_std, no allocator: the TLS
//! a device runs, and the one the bare-metal TLS build links), on the tls profile: the
//! broker's chain and host name verified against the test CA with franzl-core's
//! `embedded::tls::Verifier` (embedded-tls's `rustpki` checks the signatures), then SASL PLAIN
//! and both SCRAM mechanisms on the `SASL_SSL` listener, producing with LZ4 and fetching back.
//! A certificate from another CA and a wrong host name are refused during the handshake, each
//! with its own fatal alert (`unknown_ca`, `bad_certificate`); without a verifier both would be
//! let in (a test shows it, so the refusals are the verifier's doing). The broker honours the max_fragment_length extension: a
//! device that asks for 4 KiB records reads them into a 4,352-byte buffer instead of 16,640.

mod embedded_host;

use async_net::TcpStream;
use embedded_host::{HostClient, clock, create_topic, nonce, round_trip, run, sasl_config};
use embedded_io_adapters::futures_03::FromFutures;
use embedded_io_async::ErrorKind;
use embedded_tls::MaxFragmentLength;
use embedded_tls::alert::{AlertDescription, AlertLevel};
use embedded_tls::{
    Aes128GcmSha256, CryptoProvider, CryptoRngCore, TlsConfig, TlsConnection, TlsContext, TlsError,
    TlsVerifier, UnsecureProvider,
};
use franzl_core::compression::Compression;
use franzl_core::embedded::example::produce_and_fetch;
use franzl_core::embedded::tls::Verifier;
use franzl_core::embedded::{Acks, Client, ClientError, ConnectionConfig, ProduceOptions};
use franzl_core::record::NewRecord;
use franzl_tests::{Profile, SaslMechanism, broker, unique_topic};
use rand_core::OsRng;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::net::SocketAddr;
use std::time::SystemTime;

type Tls<'a> = TlsConnection<'a, FromFutures<TcpStream>, Aes128GcmSha256>;

/// The name the broker's certificate carries (beside 127.0.0.1, which the verifier does not
/// match: it compares DNS names only).
const BROKER_NAME: &str = "localhost";

/// The largest TLS record a broker sends (16 KiB of data) and its overhead: the read buffer
/// must hold one whole record.
const READ_RECORD: usize = 16_384 + 256;

/// The read buffer for one record when 4 KiB records were asked for (max_fragment_length).
const READ_4_KIB_RECORD: usize = 4_096 + 256;

/// The record buffer for writes: larger writes go out as several records.
const WRITE_RECORD: usize = 4_096;

/// Random numbers from the OS and the chain checked against one CA, its dates at the system's
/// time.
struct VerifyingProvider<'a> {
    rng: OsRng,
    verifier: Verifier<'a, Aes128GcmSha256, 4096, SystemTime>,
}

impl CryptoProvider for VerifyingProvider<'_> {
    type CipherSuite = Aes128GcmSha256;
    type Signature = &'static [u8];

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Aes128GcmSha256>, TlsError> {
        Ok(&mut self.verifier)
    }
}

/// The test CA's certificate, DER.
fn test_ca() -> Vec<u8> {
    let path = broker(Profile::Tls)
        .ca_cert()
        .expect("the tls profile's CA");
    CertificateDer::from_pem_file(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .to_vec()
}

/// A CA the broker's certificate does not chain to, with the test CA's very name: only the
/// signature tells them apart.
fn another_ca() -> Vec<u8> {
    let minted =
        xtask::broker::issue_client_certificate_from_another_ca("unused", "franzl test CA")
            .expect("mint another CA");
    // The chain is the leaf, then its CA.
    CertificateDer::pem_slice_iter(minted.chain_pem.as_bytes())
        .nth(1)
        .expect("the other CA's certificate")
        .expect("PEM")
        .to_vec()
}

/// Why a handshake failed: embedded-tls's error, and the verifier's refusal in words if it
/// refused.
#[derive(Debug)]
struct HandshakeError {
    error: TlsError,
    refusal: Option<String>,
}

/// Opens a TLS session to `address`, verifying the broker's chain against `ca` and its name
/// against `server_name` (`ca` `None`: no verification at all).
async fn open_tls<'b>(
    address: SocketAddr,
    server_name: &str,
    ca: Option<&[u8]>,
    read_record: &'b mut [u8],
    write_record: &'b mut [u8],
) -> Result<Tls<'b>, HandshakeError> {
    let config = TlsConfig::new().with_server_name(server_name);
    open_tls_with(address, &config, ca, read_record, write_record).await
}

/// [`open_tls`] with a config of the caller's.
async fn open_tls_with<'b>(
    address: SocketAddr,
    config: &TlsConfig<'_>,
    ca: Option<&[u8]>,
    read_record: &'b mut [u8],
    write_record: &'b mut [u8],
) -> Result<Tls<'b>, HandshakeError> {
    let stream = TcpStream::connect(address).await.expect("connect");
    let mut tls = TlsConnection::new(FromFutures::new(stream), read_record, write_record);
    match ca {
        Some(ca) => {
            let mut provider = VerifyingProvider {
                rng: OsRng,
                verifier: Verifier::new(ca),
            };
            let opened = tls.open(TlsContext::new(config, &mut provider)).await;
            opened.map_err(|error| HandshakeError {
                error,
                refusal: provider
                    .verifier
                    .refusal()
                    .map(|refused| refused.to_string()),
            })?;
        }
        None => {
            let provider = UnsecureProvider::new::<Aes128GcmSha256>(OsRng);
            let opened = tls.open(TlsContext::new(config, provider)).await;
            opened.map_err(|error| HandshakeError {
                error,
                refusal: None,
            })?;
        }
    }
    Ok(tls)
}

/// Over TLS on the `SASL_SSL` listener, asking for 4 KiB records as the bare-metal program
/// does: authenticate with `mechanism`, create a topic, produce with LZ4 (acks all) and fetch
/// back.
fn sasl_over_tls(mechanism: SaslMechanism) {
    let broker = broker(Profile::Tls);
    let address = broker.nodes[0]
        .sasl_ssl_address
        .expect("the SASL_SSL listener (a tls broker started before it existed has none: stop it)");
    let ca = test_ca();
    let topic = unique_topic(&format!("embedded-tls-{}", mechanism.name()));
    let nonce = nonce();
    let config = sasl_config(mechanism, mechanism.user().password, &nonce);
    // As a device runs it: 4 KiB records asked for, and a buffer for one.
    let (mut read_record, mut write_record) =
        (vec![0u8; READ_4_KIB_RECORD], vec![0u8; WRITE_RECORD]);
    let (mut tx, mut rx) = (vec![0u8; 4 << 10], vec![0u8; 16 << 10]);
    run(async {
        let tls_config = TlsConfig::new()
            .with_server_name(BROKER_NAME)
            .with_max_fragment_length(MaxFragmentLength::Bits12);
        let tls = open_tls_with(
            address,
            &tls_config,
            Some(&ca),
            &mut read_record,
            &mut write_record,
        )
        .await
        .expect("the TLS handshake");
        let mut client: HostClient<'_, '_, Tls<'_>> =
            Client::new(tls, clock(), config, &mut tx, &mut rx);
        client.connect().await.unwrap_or_else(|error| {
            panic!(
                "{}: {error}: {:?}",
                mechanism.name(),
                client.server_error_text()
            )
        });
        create_topic(&mut client, &topic).await;
        let lz4 = ProduceOptions {
            acks: Acks::All,
            compression: Compression::Lz4,
            ..ProduceOptions::default()
        };
        let big = [b'q'; 3_000];
        let seen = round_trip(&mut client, &topic, &[b"one", &big, b"three"], &lz4).await;
        assert_eq!(seen.start_offset, 0);
    });
}

#[test]
fn sasl_plain_over_tls_produces_and_fetches_back() {
    sasl_over_tls(SaslMechanism::Plain);
}

#[test]
fn sasl_scram_sha_256_over_tls_produces_and_fetches_back() {
    sasl_over_tls(SaslMechanism::ScramSha256);
}

#[test]
fn sasl_scram_sha_512_over_tls_produces_and_fetches_back() {
    sasl_over_tls(SaslMechanism::ScramSha512);
}

/// The handshake's result on the tls profile's `SSL` listener with this CA and name.
fn handshake(server_name: &str, ca: Option<&[u8]>) -> Result<(), HandshakeError> {
    let address = broker(Profile::Tls).nodes[0].address;
    let (mut read_record, mut write_record) = (vec![0u8; READ_RECORD], vec![0u8; WRITE_RECORD]);
    run(async {
        open_tls(
            address,
            server_name,
            ca,
            &mut read_record,
            &mut write_record,
        )
        .await
        .map(drop)
    })
}

/// The handshake ended with a fatal `alert` from the verifier, which says `words`.
fn assert_refused(result: Result<(), HandshakeError>, alert: AlertDescription, words: &str) {
    let refused = result.expect_err("the handshake went through");
    let fatal = TlsError::AbortHandshake(AlertLevel::Fatal, alert);
    assert_eq!(
        format!("{:?}", refused.error),
        format!("{fatal:?}"),
        "{refused:?}"
    );
    assert_eq!(refused.refusal.as_deref(), Some(words), "{refused:?}");
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    // The broker's own name, so only the chain is wrong; the verifier says `unknown_ca`.
    let result = handshake(BROKER_NAME, Some(&another_ca()));
    let words = "localhost: the certificate chain is not the CA's";
    assert_refused(result, AlertDescription::UnknownCa, words);
    // The same handshake with the test CA goes through: the CA made the difference.
    handshake(BROKER_NAME, Some(&test_ca())).expect("the test CA");
}

#[test]
fn a_wrong_host_name_is_refused() {
    // A chain of the test CA, so only the name is wrong; the verifier says `bad_certificate`.
    let result = handshake("kafka.franzl.invalid", Some(&test_ca()));
    let words = "kafka.franzl.invalid: the certificate does not name this host";
    assert_refused(result, AlertDescription::BadCertificate, words);
    // The broker's IP address is in its certificate, but the verifier matches DNS names only.
    let result = handshake("127.0.0.1", Some(&test_ca()));
    let words = "127.0.0.1: the certificate does not name this host";
    assert_refused(result, AlertDescription::BadCertificate, words);
    handshake(BROKER_NAME, Some(&test_ca())).expect("the broker's own name");
}

/// Both wrong: the chain is checked first, so the refusal is `unknown_ca`.
#[test]
fn another_ca_and_a_wrong_name_is_refused_for_the_ca() {
    let result = handshake("kafka.franzl.invalid", Some(&another_ca()));
    let words = "kafka.franzl.invalid: the certificate chain is not the CA's";
    assert_refused(result, AlertDescription::UnknownCa, words);
}

/// A verifier given no host name refuses rather than skip the name check.
#[test]
fn a_verifier_without_a_host_name_refuses() {
    let address = broker(Profile::Tls).nodes[0].address;
    let ca = test_ca();
    let (mut read_record, mut write_record) = (vec![0u8; READ_RECORD], vec![0u8; WRITE_RECORD]);
    let result = run(async {
        let config = TlsConfig::new();
        open_tls_with(
            address,
            &config,
            Some(&ca),
            &mut read_record,
            &mut write_record,
        )
        .await
        .map(drop)
    });
    let words = "no host name to check the certificate against";
    assert_refused(result, AlertDescription::InternalError, words);
}

/// Without a verifier the same handshakes go through, another CA's and a wrong name alike:
/// what refuses them above is the verification, not something else about the connection.
#[test]
fn without_verification_another_ca_and_a_wrong_name_would_pass() {
    handshake("kafka.franzl.invalid", None).expect("no verifier, no refusal");
    handshake("127.0.0.1", None).expect("no verifier, no refusal");
}

/// Produces one 10 KB record on the `SSL` listener and fetches it back, over a session whose
/// record buffer for reading takes `read_record` bytes, asking the broker for records of at most
/// `fragment` (the max_fragment_length extension, RFC 6066) or not.
fn ten_kb_round_trip(
    fragment: Option<MaxFragmentLength>,
    read_record: usize,
) -> Result<(), ClientError> {
    let broker = broker(Profile::Tls);
    let ca = test_ca();
    let topic = unique_topic("embedded-tls-fragments");
    let (mut read, mut write) = (vec![0u8; read_record], vec![0u8; WRITE_RECORD]);
    let (mut tx, mut rx) = (vec![0u8; 16 << 10], vec![0u8; 16 << 10]);
    let value = vec![b'f'; 10_000];
    let records = [NewRecord {
        value: Some(&value),
        ..NewRecord::default()
    }];
    run(async {
        let mut config = TlsConfig::new().with_server_name(BROKER_NAME);
        if let Some(fragment) = fragment {
            config = config.with_max_fragment_length(fragment);
        }
        let tls = open_tls_with(
            broker.nodes[0].address,
            &config,
            Some(&ca),
            &mut read,
            &mut write,
        )
        .await
        .expect("the TLS handshake");
        let config = ConnectionConfig::default();
        let mut client: HostClient<'_, '_, Tls<'_>> =
            Client::new(tls, clock(), config, &mut tx, &mut rx);
        client.connect().await.expect("connect");
        create_topic(&mut client, &topic).await;
        let mut inflate = vec![0u8; 0];
        let options = ProduceOptions::default();
        let seen = produce_and_fetch(&mut client, &topic, &records, &options, &mut inflate).await?;
        assert_eq!(seen.matching, 1, "{seen:?}");
        Ok(())
    })
}

/// The read record buffer a device needs: the broker (the JDK's TLS) honours the
/// max_fragment_length extension, so with 4 KiB records asked for, a buffer for one 4 KiB
/// record reads a 10 KB Fetch response; without asking, the broker sends it in a larger record,
/// which that buffer cannot take (embedded-tls's error reaches the client as a transport error),
/// and only a buffer for a whole 16 KiB record reads it.
#[test]
fn records_of_4_kib_when_asked_for_and_16_kib_otherwise() {
    ten_kb_round_trip(Some(MaxFragmentLength::Bits12), READ_4_KIB_RECORD)
        .expect("4 KiB records asked for and read");
    let error = ten_kb_round_trip(None, READ_4_KIB_RECORD)
        .expect_err("the broker sent 4 KiB records unasked");
    assert_eq!(error, ClientError::Io(ErrorKind::Other), "{error}");
    ten_kb_round_trip(None, READ_RECORD).expect("a whole record's buffer");
}
