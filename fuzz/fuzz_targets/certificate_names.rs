//! Reads a certificate's host names and validity (`embedded::tls::CertificateNames`, the device
//! verifier's DER reader) from hostile input and matches a host name against the names. The
//! first byte is the host name's length, then the host name, then the certificate. Never
//! panics, never loops on the input, and every name it reads lies inside the certificate.
#![no_main]

use franzl_core::embedded::tls::{CertificateNames, host_matches};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&len, rest)) = data.split_first() else {
        return;
    };
    let (host, der) = rest.split_at(usize::from(len).min(rest.len()));
    let Ok(names) = CertificateNames::parse(der) else {
        return;
    };
    if let Some((not_before, not_after)) = names.validity() {
        // Times from 1970 to 9999 only.
        assert!(not_before < 253_402_300_800 && not_after < 253_402_300_800);
    }
    let inside = der.as_ptr_range();
    for name in names.dns_names().chain(names.common_name()) {
        let range = name.as_ptr_range();
        assert!(inside.start <= range.start && range.end <= inside.end);
        let matched = host_matches(name, host);
        // Without a wildcard a match is the same name but for case.
        if matched && !name.starts_with(b"*.") {
            assert!(name.eq_ignore_ascii_case(host));
        }
    }
    if let Ok(host) = core::str::from_utf8(host) {
        let any = names
            .reference_names()
            .any(|name| host_matches(name, host.as_bytes()));
        assert_eq!(names.names(host), any);
    }
});
