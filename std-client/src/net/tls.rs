//! TLS for broker connections, with rustls (ring): a CA file or the system's CA bundle, an
//! optional client certificate, and host name verification that is on unless switched off.
//!
//! Switching host name verification off still verifies the certificate chain against the CA;
//! only the match between the certificate's names and the broker's host is skipped.

use crate::error::{Error, Result};
use futures_rustls::rustls::client::WebPkiServerVerifier;
use futures_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use futures_rustls::rustls::pki_types::pem::PemObject;
use futures_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use futures_rustls::rustls::{
    self, CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the system keeps its CA bundle, on the common distributions.
const SYSTEM_CA_BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// How to set up TLS to brokers.
#[derive(Debug, Clone)]
pub(crate) struct TlsOptions {
    /// PEM file of the CAs to trust; the system's bundle when `None`.
    pub ca_file: Option<PathBuf>,
    /// PEM certificate chain and private key to present to the broker.
    pub client_identity: Option<(PathBuf, PathBuf)>,
    /// Whether the certificate must name the broker's host (on by default).
    pub verify_hostname: bool,
}

impl Default for TlsOptions {
    fn default() -> Self {
        Self {
            ca_file: None,
            client_identity: None,
            verify_hostname: true,
        }
    }
}

fn tls_error(reason: impl Into<String>) -> Error {
    Error::tls(reason, None)
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|error| {
            Error::tls(
                format!("reading certificates from {}", path.display()),
                Some(error.into()),
            )
        })?;
    if certificates.is_empty() {
        return Err(tls_error(format!("no certificate in {}", path.display())));
    }
    Ok(certificates)
}

fn root_store(ca_file: Option<&Path>) -> Result<RootCertStore> {
    let path = match ca_file {
        Some(path) => path.to_path_buf(),
        None => SYSTEM_CA_BUNDLES
            .iter()
            .map(PathBuf::from)
            .find(|path| path.is_file())
            .ok_or_else(|| tls_error("no CA file given and no system CA bundle found"))?,
    };
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(read_certificates(&path)?);
    if added == 0 {
        return Err(tls_error(format!(
            "no usable CA certificate in {}",
            path.display()
        )));
    }
    Ok(store)
}

/// Builds the rustls client configuration for `options`.
///
/// # Errors
/// [`Error::Tls`] when a file cannot be read or holds no usable certificate or key.
pub(crate) fn client_config(options: &TlsOptions) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = Arc::new(root_store(options.ca_file.as_deref())?);
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| Error::tls("choosing protocol versions", Some(error.into())))?;
    let builder = if options.verify_hostname {
        builder.with_root_certificates(roots)
    } else {
        let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|error| Error::tls("building the certificate verifier", Some(error.into())))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnlyVerifier(verifier)))
    };
    let config = match &options.client_identity {
        None => builder.with_no_client_auth(),
        Some((cert_file, key_file)) => {
            let chain = read_certificates(cert_file)?;
            let key = PrivateKeyDer::from_pem_file(key_file).map_err(|error| {
                Error::tls(
                    format!("reading private key from {}", key_file.display()),
                    Some(error.into()),
                )
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|error| Error::tls("client certificate", Some(error.into())))?
        }
    };
    Ok(Arc::new(config))
}

/// The server name to verify for `host` (a DNS name or an IP literal).
///
/// # Errors
/// [`Error::Tls`] when `host` is neither.
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(host.to_string())
        .map_err(|_| tls_error(format!("{host:?} is not a valid server name")))
}

/// Verifies the chain like the default verifier but accepts a certificate for another name.
#[derive(Debug)]
struct ChainOnlyVerifier(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
