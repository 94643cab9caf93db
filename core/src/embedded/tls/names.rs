//! The host names an X.509 certificate carries and its validity, read from its DER, and the
//! host name match.
//!
//! Contract: [`CertificateNames::parse`] takes the certificate as hostile input. Every length
//! is checked against the bytes left before it is used, nothing allocates, and each step of
//! every loop consumes at least two bytes (a tag and a length), so parsing ends within the
//! input's length; malformed input is a [`NamesError`], never a panic. It reads only the
//! subject's common names, the subjectAltName extension's `dNSName` entries and the validity
//! period: the certificate's signature and other extensions are the chain check's business.
//!
//! [`host_matches`] follows RFC 6125: ASCII letters compared without case, and a wildcard only
//! as the whole left-most label of a name with at least three labels (`*.example.com`), which
//! stands for exactly one label. IP addresses are not matched: a host whose last label is all
//! digits (`127.0.0.1`) matches no name, and the certificate's `iPAddress` entries are skipped.

/// Why a certificate's names could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum NamesError {
    /// A length runs past the end of its enclosing element, or uses a form DER does not
    /// allow (indefinite, or more than four bytes).
    Length,
    /// An element is not the one the certificate's structure has there.
    Structure,
}

impl core::fmt::Display for NamesError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Length => "a DER length runs past its element",
            Self::Structure => "not an X.509 certificate's structure",
        })
    }
}

/// DER tags this reader meets.
mod tag {
    pub(super) const INTEGER: u8 = 0x02;
    pub(super) const OCTET_STRING: u8 = 0x04;
    pub(super) const OID: u8 = 0x06;
    pub(super) const SEQUENCE: u8 = 0x30;
    pub(super) const SET: u8 = 0x31;
    pub(super) const UTF8_STRING: u8 = 0x0c;
    pub(super) const PRINTABLE_STRING: u8 = 0x13;
    pub(super) const IA5_STRING: u8 = 0x16;
    /// `[0] EXPLICIT` version of a TBSCertificate.
    pub(super) const VERSION: u8 = 0xa0;
    /// `[3] EXPLICIT` extensions of a TBSCertificate.
    pub(super) const EXTENSIONS: u8 = 0xa3;
    /// `[2] IMPLICIT IA5String`: a GeneralName's dNSName.
    pub(super) const DNS_NAME: u8 = 0x82;
}

/// id-at-commonName, 2.5.4.3, as the OID's content bytes.
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
/// id-ce-subjectAltName, 2.5.29.17.
const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];

/// A cursor over DER elements: each read is a tag and its contents, bounds-checked.
#[derive(Clone, Copy)]
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next element's tag and contents (single-byte tags only, as X.509's are).
    fn next(&mut self) -> Result<(u8, &'a [u8]), NamesError> {
        let [tag, first, rest @ ..] = self.rest else {
            return Err(NamesError::Length);
        };
        let (len, rest) = match *first {
            short @ 0..=0x7f => (usize::from(short), rest),
            long @ 0x81..=0x84 => {
                let count = usize::from(long & 0x7f);
                let (bytes, rest) = rest.split_at_checked(count).ok_or(NamesError::Length)?;
                let len = bytes
                    .iter()
                    .fold(0usize, |len, &b| (len << 8) | usize::from(b));
                (len, rest)
            }
            _ => return Err(NamesError::Length),
        };
        if tag & 0x1f == 0x1f {
            return Err(NamesError::Structure);
        }
        let (contents, rest) = rest.split_at_checked(len).ok_or(NamesError::Length)?;
        self.rest = rest;
        Ok((*tag, contents))
    }

    /// The next element's contents, which must carry `expected`.
    fn expect(&mut self, expected: u8) -> Result<&'a [u8], NamesError> {
        match self.next()? {
            (tag, contents) if tag == expected => Ok(contents),
            _ => Err(NamesError::Structure),
        }
    }

    /// The next element's contents if it carries `expected`; otherwise nothing is consumed.
    fn optional(&mut self, expected: u8) -> Result<Option<&'a [u8]>, NamesError> {
        if self.rest.first() != Some(&expected) {
            return Ok(None);
        }
        self.expect(expected).map(Some)
    }
}

/// The names a certificate carries: its subjectAltName `dNSName` entries and the last common
/// name of its subject, borrowed from the certificate's DER.
#[derive(Clone, Copy, Debug)]
pub struct CertificateNames<'c> {
    /// The subjectAltName's GeneralNames contents, every element checked by `parse`.
    alt_names: Option<&'c [u8]>,
    common_name: Option<&'c [u8]>,
    /// The Validity SEQUENCE's contents.
    validity: &'c [u8],
}

impl<'c> CertificateNames<'c> {
    /// Reads the names of the DER certificate `der`.
    ///
    /// # Errors
    /// [`NamesError`] if `der` is not a certificate's structure as far as the names; a
    /// certificate with no names at all is not an error (it names no host).
    pub fn parse(der: &'c [u8]) -> Result<Self, NamesError> {
        let certificate = Der::new(der).expect(tag::SEQUENCE)?;
        let mut tbs = Der::new(Der::new(certificate).expect(tag::SEQUENCE)?);
        tbs.optional(tag::VERSION)?;
        tbs.expect(tag::INTEGER)?; // serialNumber
        tbs.expect(tag::SEQUENCE)?; // signature
        tbs.expect(tag::SEQUENCE)?; // issuer
        let validity = tbs.expect(tag::SEQUENCE)?;
        let common_name = last_common_name(tbs.expect(tag::SEQUENCE)?)?;
        tbs.expect(tag::SEQUENCE)?; // subjectPublicKeyInfo
        let mut alt_names = None;
        while !tbs.is_empty() {
            // issuerUniqueID and subjectUniqueID, then the extensions.
            let (tag, contents) = tbs.next()?;
            if tag == tag::EXTENSIONS {
                alt_names = subject_alt_names(contents)?;
            }
        }
        Ok(Self {
            alt_names,
            common_name,
            validity,
        })
    }

    /// The subjectAltName's `dNSName` entries, in order.
    pub fn dns_names(&self) -> impl Iterator<Item = &'c [u8]> + use<'c> {
        let mut names = Der::new(self.alt_names.unwrap_or_default());
        core::iter::from_fn(move || {
            while let Ok((tag, name)) = names.next() {
                if tag == tag::DNS_NAME {
                    return Some(name);
                }
            }
            None
        })
    }

    /// The validity period, notBefore and notAfter in seconds since the Unix epoch (times
    /// before 1970 as 0); `None` if it is not two times in RFC 5280's forms.
    pub fn validity(&self) -> Option<(u64, u64)> {
        let mut times = Der::new(self.validity);
        let mut time = || {
            let (tag, contents) = times.next().ok()?;
            super::time::unix_seconds(tag, contents)
        };
        let period = (time()?, time()?);
        times.is_empty().then_some(period)
    }

    /// The subject's last common name, if it is an ASCII string type.
    pub fn common_name(&self) -> Option<&'c [u8]> {
        self.common_name
    }

    /// The names `host` is checked against: the `dNSName` entries, or the common name when
    /// there are none (RFC 6125: a certificate with DNS names is not read for its CN).
    pub fn reference_names(&self) -> impl Iterator<Item = &'c [u8]> + use<'c> {
        let common_name = match self.dns_names().next() {
            Some(_) => None,
            None => self.common_name,
        };
        self.dns_names().chain(common_name)
    }

    /// Whether the certificate names `host` ([`host_matches`] on each reference name).
    pub fn names(&self, host: &str) -> bool {
        self.reference_names()
            .any(|name| host_matches(name, host.as_bytes()))
    }
}

/// The value of the last commonName attribute in the DER Name contents `subject`, if it is a
/// UTF8String, PrintableString or IA5String.
fn last_common_name(subject: &[u8]) -> Result<Option<&[u8]>, NamesError> {
    let mut found = None;
    let mut rdns = Der::new(subject);
    while !rdns.is_empty() {
        let mut attributes = Der::new(rdns.expect(tag::SET)?);
        while !attributes.is_empty() {
            let mut attribute = Der::new(attributes.expect(tag::SEQUENCE)?);
            let oid = attribute.expect(tag::OID)?;
            let (tag, value) = attribute.next()?;
            let text = matches!(
                tag,
                tag::UTF8_STRING | tag::PRINTABLE_STRING | tag::IA5_STRING
            );
            if oid == COMMON_NAME {
                found = text.then_some(value);
            }
        }
    }
    Ok(found)
}

/// The GeneralNames contents of the subjectAltName among the extensions `[3]` contents, each
/// of its elements checked.
fn subject_alt_names(extensions: &[u8]) -> Result<Option<&[u8]>, NamesError> {
    let mut list = Der::new(Der::new(extensions).expect(tag::SEQUENCE)?);
    while !list.is_empty() {
        let mut extension = Der::new(list.expect(tag::SEQUENCE)?);
        let oid = extension.expect(tag::OID)?;
        extension.optional(0x01)?; // critical
        let value = extension.expect(tag::OCTET_STRING)?;
        if oid == SUBJECT_ALT_NAME {
            let general_names = Der::new(value).expect(tag::SEQUENCE)?;
            let mut names = Der::new(general_names);
            while !names.is_empty() {
                names.next()?;
            }
            return Ok(Some(general_names));
        }
    }
    Ok(None)
}

/// Whether the certificate's name `pattern` stands for `host` (RFC 6125, DNS names only).
///
/// Both are ASCII letters, digits, hyphens and dots, compared without case; `pattern` may
/// start with the label `*.` when it has at least three labels, and the wildcard then stands
/// for exactly one non-empty label of `host`. A `host` whose last label is all digits is an IP
/// address and matches nothing; so does an empty name or one with an empty label.
pub fn host_matches(pattern: &[u8], host: &[u8]) -> bool {
    if !is_dns_name(host) {
        return false;
    }
    match pattern.strip_prefix(b"*.") {
        Some(suffix) => {
            let Some(dot) = host.iter().position(|&b| b == b'.') else {
                return false;
            };
            let labels = suffix.iter().filter(|&&b| b == b'.').count() + 1;
            labels >= 2 && is_dns_name(suffix) && suffix.eq_ignore_ascii_case(&host[dot + 1..])
        }
        None => is_dns_name(pattern) && pattern.eq_ignore_ascii_case(host),
    }
}

/// Letters, digits and hyphens in non-empty dot-separated labels, the last not all digits.
fn is_dns_name(name: &[u8]) -> bool {
    let mut labels = name.split(|&b| b == b'.');
    let ldh = labels.clone().all(|label| {
        !label.is_empty()
            && label
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
    });
    ldh && labels
        .next_back()
        .is_some_and(|last| !last.iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests;
