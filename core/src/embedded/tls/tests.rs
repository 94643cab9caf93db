//! The verifier on a self-signed certificate made by OpenSSL (`names/leaf.der`, which is its
//! own CA) and on another with the same names and a key of its own (`other-ca.der`): each
//! refusal with its own error, and the certificate trusted when both checks pass.

use super::*;
use embedded_tls::{Aes128GcmSha256, Sha256};

/// The leaf's validity: 2026-12-07T18:49:15Z for 3,650 days.
const NOT_BEFORE: u64 = 1_796_669_355;
const NOT_AFTER: u64 = NOT_BEFORE + 3_650 * 86_400;

/// A clock at the leaf's first second.
struct AtFirstSecond;
/// A clock at the leaf's last second.
struct AtLastSecond;
/// A clock a second before the leaf is valid.
struct Before;
/// A clock a second after the leaf expired.
struct After;

impl TlsClock for AtFirstSecond {
    fn now() -> Option<u64> {
        Some(NOT_BEFORE)
    }
}

impl TlsClock for AtLastSecond {
    fn now() -> Option<u64> {
        Some(NOT_AFTER)
    }
}

impl TlsClock for Before {
    fn now() -> Option<u64> {
        Some(NOT_BEFORE - 1)
    }
}

impl TlsClock for After {
    fn now() -> Option<u64> {
        Some(NOT_AFTER + 1)
    }
}

/// Self-signed: DNS names `broker.example.com` and `*.kafka.example.com`, IP 127.0.0.1.
const LEAF: &[u8] = include_bytes!("names/leaf.der");
/// The same subject and names, signed by a key of its own.
const OTHER_CA: &[u8] = include_bytes!("other-ca.der");

/// What verifying `leaf` against `ca` for `host` gives, and the refusal, without a clock.
fn verify(ca: &[u8], host: Option<&str>, leaf: &[u8]) -> (Result<(), TlsError>, Option<Refusal>) {
    verify_at::<NoClock>(ca, host, leaf)
}

/// [`verify`] at the time of `Clock`.
fn verify_at<Clock: TlsClock>(
    ca: &[u8],
    host: Option<&str>,
    leaf: &[u8],
) -> (Result<(), TlsError>, Option<Refusal>) {
    let mut verifier = Verifier::<Aes128GcmSha256, 1024, Clock>::new(ca);
    if let Some(host) = host {
        verifier.set_hostname_verification(host).expect("host name");
    }
    let mut chain = CertificateRef::with_context(&[]);
    chain
        .entries
        .push(CertificateEntryRef::X509(leaf))
        .expect("one entry");
    let result = verifier.verify_certificate(&Sha256::default(), chain);
    (result, verifier.refusal().map(|refused| refused.reason))
}

fn is(result: Result<(), TlsError>, alert: AlertDescription) -> bool {
    matches!(result, Err(TlsError::AbortHandshake(AlertLevel::Fatal, seen)) if seen as u8 == alert as u8)
}

#[test]
fn a_certificate_of_the_ca_that_names_the_host_is_trusted() {
    for host in [
        "broker.example.com",
        "BROKER.example.com",
        "b1.kafka.example.com",
    ] {
        let (result, refusal) = verify(LEAF, Some(host), LEAF);
        assert!(result.is_ok(), "{host}: {result:?}");
        assert_eq!(refusal, None);
    }
}

#[test]
fn another_ca_is_unknown_ca() {
    let (result, refusal) = verify(OTHER_CA, Some("broker.example.com"), LEAF);
    assert!(is(result, AlertDescription::UnknownCa), "{result:?}");
    assert_eq!(refusal, Some(Refusal::UnknownCa));
    // Wrong both ways: the chain comes first.
    let (result, _) = verify(OTHER_CA, Some("kafka.example.org"), LEAF);
    assert!(is(result, AlertDescription::UnknownCa), "{result:?}");
}

#[test]
fn a_host_the_certificate_does_not_name_is_a_bad_certificate() {
    for host in [
        "kafka.example.org",
        "cn.example.com",
        "127.0.0.1",
        "a.b.kafka.example.com",
    ] {
        let (result, refusal) = verify(LEAF, Some(host), LEAF);
        assert!(
            is(result, AlertDescription::BadCertificate),
            "{host}: {result:?}"
        );
        assert_eq!(refusal, Some(Refusal::NotNamed), "{host}");
    }
}

#[test]
fn unreadable_names_and_a_missing_host_name_are_refused() {
    let (result, refusal) = verify(LEAF, Some("broker.example.com"), &LEAF[..100]);
    assert!(is(result, AlertDescription::BadCertificate), "{result:?}");
    assert_eq!(refusal, Some(Refusal::Unreadable(NamesError::Length)));
    let (result, refusal) = verify(LEAF, None, LEAF);
    assert!(is(result, AlertDescription::InternalError), "{result:?}");
    assert_eq!(refusal, Some(Refusal::NoHostName));
}

#[test]
fn with_a_clock_a_leaf_out_of_its_validity_is_expired() {
    let host = Some("broker.example.com");
    assert!(verify_at::<AtFirstSecond>(LEAF, host, LEAF).0.is_ok());
    assert!(verify_at::<AtLastSecond>(LEAF, host, LEAF).0.is_ok());
    for (result, refusal) in [
        verify_at::<Before>(LEAF, host, LEAF),
        verify_at::<After>(LEAF, host, LEAF),
    ] {
        assert!(
            is(result, AlertDescription::CertificateExpired),
            "{result:?}"
        );
        assert_eq!(refusal, Some(Refusal::Expired));
    }
    // Without a clock the dates are not read.
    assert!(verify(LEAF, host, LEAF).0.is_ok());
}

#[test]
fn the_refusal_names_the_host() {
    let mut verifier = Verifier::<Aes128GcmSha256, 1024>::new(LEAF);
    verifier
        .set_hostname_verification("kafka.example.org")
        .expect("host name");
    let mut chain = CertificateRef::with_context(&[]);
    chain
        .entries
        .push(CertificateEntryRef::X509(LEAF))
        .expect("one entry");
    verifier
        .verify_certificate(&Sha256::default(), chain)
        .expect_err("not named");
    let refused = verifier.refusal().expect("a refusal");
    let mut text = [0u8; 80];
    let mut writer = Text {
        buffer: &mut text,
        len: 0,
    };
    core::fmt::write(&mut writer, format_args!("{refused}")).expect("fits");
    let len = writer.len;
    assert_eq!(
        &text[..len],
        b"kafka.example.org: the certificate does not name this host"
    );
    let long = [b'a'; HOST_NAME_MAX + 1];
    let long = core::str::from_utf8(&long).expect("ASCII");
    assert!(matches!(
        verifier.set_hostname_verification(long),
        Err(TlsError::InsufficientSpace)
    ));
}

/// `core::fmt::Write` into a byte buffer.
struct Text<'b> {
    buffer: &'b mut [u8],
    len: usize,
}

impl core::fmt::Write for Text<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        let room = self.buffer.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
