//! The tls profile's test PKI, made with `rcgen` at each fresh start: a CA, and a broker
//! certificate for `localhost` and `127.0.0.1` signed by it.
//!
//! Files: `ca.pem` (the CA certificate clients trust), `ca-key.pem` (kept so tests can mint client
//! certificates with [`issue_client_certificate`]), `broker.pem` (the broker's PKCS#8 key and its
//! certificate chain, read by Kafka as a PEM key store). Keys are ECDSA P-256, unencrypted: this
//! PKI protects nothing and lives only under `target/`.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

use super::error::{Error, Result};
use super::layout::ProfileLayout;

/// A client certificate and its key, both PEM, issued by the tls profile's test CA.
#[derive(Clone, Debug)]
pub struct ClientCertificate {
    /// The certificate, then the CA certificate.
    pub chain_pem: String,
    /// The PKCS#8 private key.
    pub key_pem: String,
}

/// Makes a new CA and broker certificate and writes `ca.pem`, `ca-key.pem` and `broker.pem`.
pub(crate) fn write_test_pki(layout: &ProfileLayout) -> Result<()> {
    let ca_key = KeyPair::generate().map_err(rcgen_error)?;
    let ca_cert = ca_params()?.self_signed(&ca_key).map_err(rcgen_error)?;
    let issuer = Issuer::new(ca_params()?, &ca_key);

    let broker_key = KeyPair::generate().map_err(rcgen_error)?;
    let mut broker = leaf_params(
        "franzl test broker",
        vec!["localhost".into(), "127.0.0.1".into()],
    )?;
    broker.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let broker_cert = broker
        .signed_by(&broker_key, &issuer)
        .map_err(rcgen_error)?;

    write(&layout.ca_cert(), &ca_cert.pem())?;
    write(&layout.ca_key(), &ca_key.serialize_pem())?;
    let keystore = format!(
        "{}{}{}",
        broker_key.serialize_pem(),
        broker_cert.pem(),
        ca_cert.pem()
    );
    write(&layout.broker_keystore(), &keystore)
}

/// Issues a client certificate for `common_name`, signed by the tls profile's test CA, for
/// tests of client authentication (the `SSL` listener runs with `ssl.client.auth=requested`, so
/// a client may present one or not; the `MTLS` listener requires one that chains to the CA).
///
/// # Errors
///
/// The tls profile has not been started (no CA key), or the key cannot be read.
pub fn issue_client_certificate(common_name: &str) -> Result<ClientCertificate> {
    let layout = ProfileLayout::new(super::Profile::Tls);
    let ca_key_path = layout.ca_key();
    let ca_pem = std::fs::read_to_string(layout.ca_cert())
        .map_err(|e| Error::io("reading", &layout.ca_cert(), e))?;
    let ca_key_pem =
        std::fs::read_to_string(&ca_key_path).map_err(|e| Error::io("reading", &ca_key_path, e))?;
    let ca_key = KeyPair::from_pem(&ca_key_pem).map_err(rcgen_error)?;
    // The issuer needs only the CA's name and key: rebuilt from the same parameters, they match
    // the certificate in ca.pem.
    let issuer = Issuer::new(ca_params()?, &ca_key);

    let key = KeyPair::generate().map_err(rcgen_error)?;
    let mut params = leaf_params(common_name, Vec::new())?;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &issuer).map_err(rcgen_error)?;
    Ok(ClientCertificate {
        chain_pem: format!("{}{ca_pem}", cert.pem()),
        key_pem: key.serialize_pem(),
    })
}

/// Issues a client certificate for `common_name` from a new CA, named `ca_common_name`, that
/// exists only in memory: the broker must refuse it. The chain holds the certificate, then that
/// CA's. With `ca_common_name` `"franzl test CA"` the impostor has the test CA's very name, and
/// only the signature tells them apart.
///
/// # Errors
///
/// rcgen fails to make a key or a certificate.
pub fn issue_client_certificate_from_another_ca(
    common_name: &str,
    ca_common_name: &str,
) -> Result<ClientCertificate> {
    let ca_key = KeyPair::generate().map_err(rcgen_error)?;
    let mut ca = ca_params()?;
    ca.distinguished_name = name(ca_common_name);
    let ca_cert = ca.clone().self_signed(&ca_key).map_err(rcgen_error)?;
    let issuer = Issuer::new(ca, &ca_key);

    let key = KeyPair::generate().map_err(rcgen_error)?;
    let mut params = leaf_params(common_name, Vec::new())?;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &issuer).map_err(rcgen_error)?;
    Ok(ClientCertificate {
        chain_pem: format!("{}{}", cert.pem(), ca_cert.pem()),
        key_pem: key.serialize_pem(),
    })
}

fn ca_params() -> Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(rcgen_error)?;
    params.distinguished_name = name("franzl test CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

fn leaf_params(common_name: &str, alt_names: Vec<String>) -> Result<CertificateParams> {
    // rcgen turns names that parse as IP addresses into IP-address SANs.
    let mut params = CertificateParams::new(alt_names).map_err(rcgen_error)?;
    params.distinguished_name = name(common_name);
    params.use_authority_key_identifier_extension = true;
    // ECDSA keys sign; they do not encipher.
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    Ok(params)
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "franzl tests");
    name.push(DnType::CommonName, common_name);
    name
}

fn write(path: &std::path::Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| Error::io("writing", path, e))
}

fn rcgen_error(error: rcgen::Error) -> Error {
    Error::new(format!("making the test certificates: {error}"))
}
