//! The names reader on a certificate made by OpenSSL and on hand-built DER, malformed lengths
//! included, and the host name match.

use super::*;
extern crate std;
use std::vec;
use std::vec::Vec;

/// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj
/// "/O=franzl/CN=cn.example.com" -addext "subjectAltName=DNS:broker.example.com,
/// IP:127.0.0.1,DNS:*.kafka.example.com" -outform DER`.
const LEAF: &[u8] = include_bytes!("leaf.der");

/// One DER element (short or two-byte long length).
fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match contents.len() {
        len @ 0..0x80 => out.push(len as u8),
        len => out.extend([0x82, (len >> 8) as u8, len as u8]),
    }
    out.extend_from_slice(contents);
    out
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A subject with one attribute per RDN: (OID contents, string tag, value).
fn name(attributes: &[(&[u8], u8, &[u8])]) -> Vec<u8> {
    let rdns: Vec<u8> = attributes
        .iter()
        .flat_map(|&(oid, tag, value)| {
            let attribute = der(0x30, &concat(&[&der(0x06, oid), &der(tag, value)]));
            der(0x31, &attribute)
        })
        .collect();
    der(0x30, &rdns)
}

/// A certificate's outline around `subject` and the TBSCertificate's `tail` (extensions);
/// the signature parts are placeholders, as the names reader skips them.
fn certificate(subject: &[u8], tail: &[u8]) -> Vec<u8> {
    let empty_sequence = der(0x30, &[]);
    let tbs = concat(&[
        &der(0xa0, &der(0x02, &[2])),
        &der(0x02, &[1]),
        &empty_sequence,
        &empty_sequence,
        &empty_sequence,
        subject,
        &empty_sequence,
        tail,
    ]);
    let outer = concat(&[&der(0x30, &tbs), &empty_sequence, &der(0x03, &[0])]);
    der(0x30, &outer)
}

/// The extensions `[3]` with one subjectAltName of these GeneralNames.
fn alt_names(general_names: &[(u8, &[u8])]) -> Vec<u8> {
    let names: Vec<u8> = general_names
        .iter()
        .flat_map(|&(tag, value)| der(tag, value))
        .collect();
    let extension = concat(&[&der(0x06, SUBJECT_ALT_NAME), &der(0x04, &der(0x30, &names))]);
    der(0xa3, &der(0x30, &der(0x30, &extension)))
}

#[test]
fn reads_the_dns_names_and_the_common_name_of_an_openssl_certificate() {
    let names = CertificateNames::parse(LEAF).expect("names");
    let dns: Vec<&[u8]> = names.dns_names().collect();
    assert_eq!(dns, [&b"broker.example.com"[..], b"*.kafka.example.com"]);
    assert_eq!(names.common_name(), Some(&b"cn.example.com"[..]));
    assert!(names.names("broker.example.com"));
    assert!(names.names("Broker.Example.COM"));
    assert!(names.names("b1.kafka.example.com"));
    // DNS names present: the common name is not read, and the IP entry is not a name.
    assert!(!names.names("cn.example.com"));
    assert!(!names.names("127.0.0.1"));
    assert!(!names.names("example.com"));
    // notBefore 2026-12-07T18:49:15Z, for 3,650 days.
    let not_before = 1_796_669_355;
    assert_eq!(
        names.validity(),
        Some((not_before, not_before + 3_650 * 86_400))
    );
}

#[test]
fn the_common_name_counts_only_without_dns_names() {
    let cn = (COMMON_NAME, 0x0c, &b"first.example.com"[..]);
    let last_cn = (COMMON_NAME, 0x13, &b"kafka.example.com"[..]);
    let organisation = (&[0x55, 0x04, 0x0a][..], 0x0c, &b"franzl"[..]);
    let subject = name(&[cn, organisation, last_cn]);
    let bare = certificate(&subject, &[]);
    let without = CertificateNames::parse(&bare).expect("names");
    assert_eq!(without.dns_names().count(), 0);
    assert!(without.names("kafka.example.com"), "the last common name");
    assert!(!without.names("first.example.com"));
    let ip_only = alt_names(&[(0x87, &[127, 0, 0, 1])]);
    let ip_only = certificate(&subject, &ip_only);
    let with_ip = CertificateNames::parse(&ip_only).expect("names");
    assert!(
        with_ip.names("kafka.example.com"),
        "an IP entry is no DNS name"
    );
    let dns = alt_names(&[(0x82, b"other.example.com")]);
    let dns = certificate(&subject, &dns);
    let with_dns = CertificateNames::parse(&dns).expect("names");
    assert!(!with_dns.names("kafka.example.com"));
    assert!(with_dns.names("other.example.com"));
}

#[test]
fn a_common_name_of_another_string_type_is_no_name() {
    let bmp = name(&[(COMMON_NAME, 0x1e, &[0, b'a', 0, b'.', 0, b'b', 0, b'c'][..])]);
    let bmp = certificate(&bmp, &[]);
    let names = CertificateNames::parse(&bmp).expect("names");
    assert_eq!(names.common_name(), None);
    assert_eq!(names.reference_names().count(), 0);
    // The outline's validity is an empty SEQUENCE: no period.
    assert_eq!(names.validity(), None);
}

#[test]
fn every_truncation_of_a_certificate_is_an_error() {
    for len in 0..LEAF.len() {
        let error = CertificateNames::parse(&LEAF[..len]).expect_err("truncated");
        assert!(
            matches!(error, NamesError::Length | NamesError::Structure),
            "{len}"
        );
    }
}

#[test]
fn lengths_past_their_element_and_non_der_forms_are_refused() {
    // The outer SEQUENCE claims more than there is, by one byte and by 4 GiB.
    let mut longer = LEAF.to_vec();
    longer[3] += 1;
    assert_eq!(
        CertificateNames::parse(&longer).unwrap_err(),
        NamesError::Length
    );
    let huge = [0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00];
    assert_eq!(
        CertificateNames::parse(&huge).unwrap_err(),
        NamesError::Length
    );
    // Indefinite and five-byte lengths are not DER.
    for first in [0x80, 0x85, 0xff] {
        let bytes = [0x30, first, 0, 0, 0, 0, 0];
        assert_eq!(
            CertificateNames::parse(&bytes).unwrap_err(),
            NamesError::Length
        );
    }
    // A dNSName whose length runs past the GeneralNames that hold it.
    let subject = name(&[]);
    let mut tail = alt_names(&[(0x82, b"a.example.com")]);
    let at = tail.len() - b"a.example.com".len() - 1;
    tail[at] = 0x7f;
    let bad = certificate(&subject, &tail);
    assert_eq!(
        CertificateNames::parse(&bad).unwrap_err(),
        NamesError::Length
    );
    // A multi-byte tag is not X.509's.
    let tagged = certificate(&subject, &[0x9f, 0x20, 0x00]);
    assert_eq!(
        CertificateNames::parse(&tagged).unwrap_err(),
        NamesError::Structure
    );
}

#[test]
fn elements_out_of_place_are_refused() {
    assert_eq!(
        CertificateNames::parse(&der(0x31, &[])).unwrap_err(),
        NamesError::Structure
    );
    // A subject that is an INTEGER.
    let bad = certificate(&der(0x02, &[1]), &[]);
    assert_eq!(
        CertificateNames::parse(&bad).unwrap_err(),
        NamesError::Structure
    );
}

#[test]
fn the_host_name_match() {
    // Exact, without case.
    assert!(host_matches(b"kafka.example.com", b"kafka.example.com"));
    assert!(host_matches(b"KAFKA.example.com", b"kafka.EXAMPLE.com"));
    assert!(host_matches(b"localhost", b"localhost"));
    assert!(!host_matches(b"kafka.example.com", b"kafka.example.org"));
    assert!(!host_matches(b"kafka.example.com", b"b1.kafka.example.com"));
    assert!(!host_matches(b"example.com", b"kafka.example.com"));
    // A wildcard is the whole left-most label and stands for exactly one label.
    assert!(host_matches(b"*.example.com", b"kafka.example.com"));
    assert!(host_matches(b"*.EXAMPLE.com", b"Kafka.example.COM"));
    assert!(!host_matches(b"*.example.com", b"example.com"));
    assert!(!host_matches(b"*.example.com", b".example.com"));
    assert!(!host_matches(b"*.example.com", b"b1.kafka.example.com"));
    // No partial or inner wildcards, no wildcard over a top-level domain, no second star.
    assert!(!host_matches(b"k*.example.com", b"kafka.example.com"));
    assert!(!host_matches(b"*a.example.com", b"kafka.example.com"));
    assert!(!host_matches(b"kafka.*.com", b"kafka.example.com"));
    assert!(!host_matches(b"*.com", b"example.com"));
    assert!(!host_matches(b"*.*.com", b"kafka.example.com"));
    assert!(!host_matches(b"*", b"localhost"));
    // A star in the host is no wildcard.
    assert!(!host_matches(b"*.example.com", b"*.example.com"));
    // IP addresses are not DNS names, whichever side they are on.
    assert!(!host_matches(b"127.0.0.1", b"127.0.0.1"));
    assert!(!host_matches(b"*.0.0.1", b"127.0.0.1"));
    // Empty labels, other characters.
    assert!(!host_matches(b"", b""));
    assert!(!host_matches(b"kafka.example.com.", b"kafka.example.com."));
    assert!(!host_matches(b"kafka..com", b"kafka..com"));
    assert!(!host_matches(
        b"kafka_1.example.com",
        b"kafka_1.example.com"
    ));
    assert!(!host_matches(
        "k\u{e4}fka.example".as_bytes(),
        "k\u{e4}fka.example".as_bytes()
    ));
    assert!(host_matches(
        b"xn--kfka-moa.example",
        b"xn--kfka-moa.example"
    ));
    assert!(host_matches(b"b-1.example.com", b"b-1.example.com"));
}
