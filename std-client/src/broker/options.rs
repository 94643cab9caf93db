//! [`ConnectOptions`]: what a broker connection needs, prepared once from a [`ClientConfig`]
//! (the TLS configuration is built here, so a bad CA file fails before any connection).

use crate::config::{self, ClientConfig, SaslConfig, SocketOptions};
use crate::error::{Error, Result};
use crate::net::{self, AddressFamily, TlsOptions};
use futures_rustls::rustls;
use std::sync::Arc;
use std::time::Duration;

/// The largest number of requests in flight on one connection that franzl supports.
pub(crate) const MAX_IN_FLIGHT_LIMIT: usize = 64;

/// Settings of every broker connection of one client.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub(crate) struct ConnectOptions {
    /// Sent in every request header.
    pub client_id: String,
    /// IP versions to connect over.
    pub address_family: AddressFamily,
    /// Buffer sizes, `TCP_NODELAY` and keepalive, set before each connect.
    pub socket: SocketOptions,
    /// TLS client configuration, when the security protocol uses TLS.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// SASL credentials, when the security protocol uses SASL.
    pub sasl: Option<SaslConfig>,
    /// Deadline for setting a connection up: resolution, connect, TLS and the Kafka handshake
    /// (ApiVersions, SASL) together.
    pub connect_timeout: Duration,
    /// Deadline for each response.
    pub request_timeout: Duration,
    /// Largest response frame accepted (bytes, size prefix not counted).
    pub max_response_size: usize,
    /// Requests in flight per connection, 1 to [`MAX_IN_FLIGHT_LIMIT`].
    pub max_in_flight: usize,
    /// Hex dumps of every frame, on log target `franzl::wire` at trace level.
    pub hex_dump: bool,
    /// Where the connection's task runs (`None`: franzl's shared executor).
    pub spawner: Option<crate::runtime::Spawner>,
}

impl ConnectOptions {
    /// Options for the connections of a client configured by `config`, with up to 16 requests in
    /// flight per connection.
    ///
    /// # Errors
    /// [`Error::Tls`] when the CA file or client identity cannot be read;
    /// [`Error::Config`] for an encrypted private key (not supported).
    pub(crate) fn from_config(config: &ClientConfig) -> Result<Self> {
        let tls = if config.security_protocol.uses_tls() {
            if config.tls.key_password.is_some() {
                return Err(Error::Config {
                    property: "ssl.key.password".into(),
                    reason: "encrypted private keys are not supported; give an unencrypted key"
                        .into(),
                });
            }
            let client_identity = match (&config.tls.cert_file, &config.tls.key_file) {
                (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
                _ => None,
            };
            Some(net::client_config(&TlsOptions {
                ca_file: config.tls.ca_file.clone(),
                client_identity,
                verify_hostname: config.tls.verify_hostname,
            })?)
        } else {
            None
        };
        let address_family = match config.address_family {
            config::AddressFamily::Any => AddressFamily::Any,
            config::AddressFamily::V4 => AddressFamily::V4,
            config::AddressFamily::V6 => AddressFamily::V6,
        };
        if let Some(sasl) = &config.sasl
            && config.security_protocol == config::SecurityProtocol::SaslPlaintext
            && sasl.mechanism == franzl_core::sasl::SaslMechanism::Plain
        {
            log::warn!(
                "SASL PLAIN over SASL_PLAINTEXT sends the password in clear to every broker; \
                 use SASL_SSL, or SCRAM"
            );
        }
        let client_id = if config.client_id.is_empty() {
            "franzl".to_owned()
        } else {
            config.client_id.clone()
        };
        Ok(Self {
            client_id,
            address_family,
            socket: config.socket,
            tls,
            sasl: config
                .security_protocol
                .uses_sasl()
                .then(|| config.sasl.clone())
                .flatten(),
            connect_timeout: config.connect_timeout,
            request_timeout: config.request_timeout,
            max_response_size: config.max_response_size,
            max_in_flight: 16,
            hex_dump: config.hex_dump,
            spawner: config.spawner.clone(),
        })
    }
}
