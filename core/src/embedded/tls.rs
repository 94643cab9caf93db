//! A certificate verifier for embedded-tls that tells an untrusted chain from a wrong host name.
//!
//! [`Verifier`] implements `embedded_tls::TlsVerifier`: it checks the broker's certificate
//! chain against one CA certificate (the signatures are embedded-tls's `rustpki` work, through
//! its `CertVerifier`), then that the leaf certificate names the host given to
//! `TlsConfig::with_server_name` (read here, [`CertificateNames`], since embedded-tls keeps
//! its certificate reader private). Each refusal aborts the handshake with its own fatal alert,
//! which embedded-tls sends to the broker before returning the error from `TlsConnection::open`:
//! - `AbortHandshake(Fatal, CertificateExpired)`: with a clock (`embedded_tls::TlsClock`), the
//!   leaf certificate is not valid at its time (expired or not yet valid), checked first;
//! - `TlsError::AbortHandshake(AlertLevel::Fatal, AlertDescription::UnknownCa)`: the chain does
//!   not verify against the CA (with a clock, also when a certificate above the leaf is out of
//!   its validity: embedded-tls's chain check does not tell the two apart);
//! - `AbortHandshake(Fatal, BadCertificate)`: the chain does, but the leaf does not name the
//!   host (or its names cannot be read);
//! - `AbortHandshake(Fatal, InternalError)`: no host name was given to check (a `TlsConfig`
//!   without `with_server_name`): the verifier refuses rather than skip the check.
//!
//! Other errors of embedded-tls's chain check (an unsupported signature algorithm, a
//! certificate it cannot decode) pass through unchanged. [`Verifier::refusal`] keeps the last
//! refusal, with the host asked for, for the device's log.
//!
//! Dates are checked only with a clock (the `Clock` parameter; the default, `NoClock`, checks
//! none: many devices have no wall clock at handshake time). Not checked: basic constraints
//! and key usage (embedded-tls 0.19 does not read them). The host name is at most
//! [`HOST_NAME_MAX`] bytes.

mod names;
mod time;

pub use names::{CertificateNames, NamesError, host_matches};

use embedded_tls::alert::{AlertDescription, AlertLevel};
use embedded_tls::pki::CertVerifier;
use embedded_tls::{
    Certificate, CertificateEntryRef, CertificateRef, CertificateVerifyRef, NoClock,
    TlsCipherSuite, TlsClock, TlsError, TlsVerifier,
};

/// The longest host name a [`Verifier`] takes (as embedded-tls's own verifier).
pub const HOST_NAME_MAX: usize = 64;

/// Why a [`Verifier`] refused the broker's certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Refusal {
    /// The chain does not verify against the CA (alert `unknown_ca`).
    UnknownCa,
    /// The leaf certificate does not name the host (alert `bad_certificate`).
    NotNamed,
    /// With a clock: the leaf certificate is expired or not yet valid (alert
    /// `certificate_expired`).
    Expired,
    /// The leaf certificate's names could not be read (alert `bad_certificate`).
    Unreadable(NamesError),
    /// No host name was given to check (alert `internal_error`).
    NoHostName,
}

impl Refusal {
    /// The fatal alert the handshake aborts with.
    pub fn alert(self) -> AlertDescription {
        match self {
            Self::UnknownCa => AlertDescription::UnknownCa,
            Self::Expired => AlertDescription::CertificateExpired,
            Self::NotNamed | Self::Unreadable(_) => AlertDescription::BadCertificate,
            Self::NoHostName => AlertDescription::InternalError,
        }
    }

    /// The error `TlsConnection::open` returns for it.
    pub fn error(self) -> TlsError {
        TlsError::AbortHandshake(AlertLevel::Fatal, self.alert())
    }
}

/// A refusal and the host name it was asked for, as [`Verifier::refusal`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused<'v> {
    /// Why.
    pub reason: Refusal,
    /// The host name given to the handshake (empty with [`Refusal::NoHostName`]).
    pub host: &'v str,
}

impl core::fmt::Display for Refused<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let host = self.host;
        match self.reason {
            Refusal::UnknownCa => write!(f, "{host}: the certificate chain is not the CA's"),
            Refusal::Expired => write!(f, "{host}: the certificate is not valid at this time"),
            Refusal::NotNamed => write!(f, "{host}: the certificate does not name this host"),
            Refusal::Unreadable(error) => write!(f, "{host}: the certificate's names: {error}"),
            Refusal::NoHostName => f.write_str("no host name to check the certificate against"),
        }
    }
}

/// The broker's certificate chain checked against one CA and its leaf against the host name;
/// see the module docs for what each refusal returns. `CERT_SIZE` bytes hold the broker's
/// chain between the Certificate and CertificateVerify messages (embedded-tls's
/// `CertVerifier`, which this one wraps); `Clock` gives the time validity dates are checked
/// at, or none (`NoClock`, the default: dates are not checked).
pub struct Verifier<
    'a,
    CipherSuite: TlsCipherSuite,
    const CERT_SIZE: usize,
    Clock: TlsClock = NoClock,
> {
    ca: &'a [u8],
    chain: CertVerifier<'a, CipherSuite, Clock, CERT_SIZE>,
    host: [u8; HOST_NAME_MAX],
    host_len: Option<usize>,
    refusal: Option<Refusal>,
}

impl<'a, CipherSuite: TlsCipherSuite, const CERT_SIZE: usize, Clock: TlsClock>
    Verifier<'a, CipherSuite, CERT_SIZE, Clock>
{
    /// A verifier trusting the CA certificate `ca_der` (DER) alone.
    pub fn new(ca_der: &'a [u8]) -> Self {
        Self {
            ca: ca_der,
            chain: CertVerifier::new(Certificate::X509(ca_der)),
            host: [0; HOST_NAME_MAX],
            host_len: None,
            refusal: None,
        }
    }

    /// The last refusal of this verifier, with the host name asked for; `None` if it has
    /// refused nothing.
    pub fn refusal(&self) -> Option<Refused<'_>> {
        let host = self.host_name().unwrap_or("");
        self.refusal.map(|reason| Refused { reason, host })
    }

    fn host_name(&self) -> Option<&str> {
        core::str::from_utf8(self.host.get(..self.host_len?)?).ok()
    }

    fn refuse(&mut self, reason: Refusal) -> TlsError {
        self.refusal = Some(reason);
        reason.error()
    }

    /// The chain against the CA alone. embedded-tls's verifier also matches a host name, and
    /// with none set it wants a certificate without names; so it is given one the leaf
    /// carries, as its matcher takes it, and a refusal from it is the chain's. A leaf with no
    /// such name names no host (a match needs one): it is refused as [`Refusal::NotNamed`]
    /// without the chain check, which could not tell its refusal from the name's.
    fn check_chain(
        &mut self,
        transcript: &CipherSuite::Hash,
        certificate: CertificateRef<'_>,
        names: &CertificateNames<'_>,
    ) -> Result<(), TlsError> {
        self.chain = CertVerifier::new(Certificate::X509(self.ca));
        let mut buffer = [0; HOST_NAME_MAX];
        let carried = names
            .dns_names()
            .chain(names.common_name())
            .find(|name| instance(name, &mut [0; HOST_NAME_MAX]).is_some());
        let Some(name) = carried.and_then(|name| instance(name, &mut buffer)) else {
            return Err(self.refuse(Refusal::NotNamed));
        };
        self.chain.set_hostname_verification(name)?;
        match self.chain.verify_certificate(transcript, certificate) {
            Err(TlsError::InvalidCertificate) => Err(self.refuse(Refusal::UnknownCa)),
            result => result,
        }
    }
}

/// `name` as a host name it matches (a wildcard's label filled in), in `buffer`, if it is one
/// [`host_matches`] takes.
fn instance<'b>(name: &[u8], buffer: &'b mut [u8; HOST_NAME_MAX]) -> Option<&'b str> {
    let filled = buffer.get_mut(..name.len())?;
    filled.copy_from_slice(name);
    if let [star @ b'*', b'.', ..] = filled {
        *star = b'x';
    }
    let filled = core::str::from_utf8(filled).ok()?;
    host_matches(name, filled.as_bytes()).then_some(filled)
}

impl<CipherSuite: TlsCipherSuite, const CERT_SIZE: usize, Clock: TlsClock> TlsVerifier<CipherSuite>
    for Verifier<'_, CipherSuite, CERT_SIZE, Clock>
{
    fn set_hostname_verification(&mut self, hostname: &str) -> Result<(), TlsError> {
        let len = hostname.len();
        self.host
            .get_mut(..len)
            .ok_or(TlsError::InsufficientSpace)?
            .copy_from_slice(hostname.as_bytes());
        self.host_len = Some(len);
        Ok(())
    }

    fn verify_certificate(
        &mut self,
        transcript: &CipherSuite::Hash,
        certificate: CertificateRef<'_>,
    ) -> Result<(), TlsError> {
        self.refusal = None;
        let host = self.host;
        let host = self.host_len.and_then(|len| host.get(..len));
        let Some(host) = host.and_then(|host| core::str::from_utf8(host).ok()) else {
            return Err(self.refuse(Refusal::NoHostName));
        };
        let leaf = match certificate.entries.first() {
            Some(CertificateEntryRef::X509(leaf)) => *leaf,
            _ => return Err(self.refuse(Refusal::Unreadable(NamesError::Structure))),
        };
        let names = match CertificateNames::parse(leaf) {
            Ok(names) => names,
            Err(error) => return Err(self.refuse(Refusal::Unreadable(error))),
        };
        if let Some(now) = Clock::now() {
            match names.validity() {
                Some((from, until)) if (from..=until).contains(&now) => {}
                Some(_) => return Err(self.refuse(Refusal::Expired)),
                None => return Err(self.refuse(Refusal::Unreadable(NamesError::Structure))),
            }
        }
        self.check_chain(transcript, certificate, &names)?;
        if !names.names(host) {
            return Err(self.refuse(Refusal::NotNamed));
        }
        Ok(())
    }

    fn verify_signature(&mut self, verify: CertificateVerifyRef<'_>) -> Result<(), TlsError> {
        self.chain.verify_signature(verify)
    }
}

#[cfg(test)]
mod tests;
