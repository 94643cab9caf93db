//! [`ClientConfig`]: what every franzl client needs (brokers, security, timeouts, sockets),
//! and its builder.
//!
//! Defaults are the Java client's (`CommonClientConfigs`); where the Java client has no such
//! setting, librdkafka's. Properties are read by [`ClientConfigBuilder::set`] (see
//! `client_properties.rs`); [`ClientConfigBuilder::build`] validates the whole.

use std::path::PathBuf;
use std::time::Duration;

use franzl_core::sasl::SaslMechanism;

use super::jaas::{JaasLogin, LoginModule};
use super::{ConfigError, Secret};

/// How the client talks to brokers (`security.protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SecurityProtocol {
    /// `PLAINTEXT`: TCP, no authentication (the default).
    #[default]
    Plaintext,
    /// `SSL`: TLS.
    Ssl,
    /// `SASL_PLAINTEXT`: SASL authentication over TCP.
    SaslPlaintext,
    /// `SASL_SSL`: SASL authentication over TLS.
    SaslSsl,
}

impl SecurityProtocol {
    /// Whether connections use TLS.
    #[must_use]
    pub const fn uses_tls(self) -> bool {
        matches!(self, Self::Ssl | Self::SaslSsl)
    }

    /// Whether connections authenticate with SASL.
    #[must_use]
    pub const fn uses_sasl(self) -> bool {
        matches!(self, Self::SaslPlaintext | Self::SaslSsl)
    }
}

/// Which IP versions to connect over (librdkafka's `broker.address.family`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AddressFamily {
    /// Any address the resolver returns (the default).
    #[default]
    Any,
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
}

/// SASL credentials; present exactly when the security protocol uses SASL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SaslConfig {
    /// The mechanism (`sasl.mechanism`).
    pub mechanism: SaslMechanism,
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Secret,
}

/// TLS settings, used when the security protocol uses TLS. Files are PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsConfig {
    /// CA certificates to trust; `None` trusts the platform's roots.
    pub ca_file: Option<PathBuf>,
    /// The client certificate chain, for mutual TLS (with `key_file`).
    pub cert_file: Option<PathBuf>,
    /// The client private key, for mutual TLS (with `cert_file`).
    pub key_file: Option<PathBuf>,
    /// The password of an encrypted private key.
    pub key_password: Option<Secret>,
    /// Whether the broker's certificate must name the host connected to. On by default; turn
    /// it off only for tests (`ssl.endpoint.identification.algorithm=`).
    pub verify_hostname: bool,
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self {
            ca_file: None,
            cert_file: None,
            key_file: None,
            key_password: None,
            verify_hostname: true,
        }
    }
}

/// Socket options for broker connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SocketOptions {
    /// `SO_SNDBUF` in bytes; `None` keeps the OS default. Java default: 128 KiB.
    pub send_buffer: Option<usize>,
    /// `SO_RCVBUF` in bytes; `None` keeps the OS default. Java default: 64 KiB (32 KiB for a
    /// producer).
    pub receive_buffer: Option<usize>,
    /// `TCP_NODELAY`; on, as the Java client always sets it.
    pub nodelay: bool,
    /// `SO_KEEPALIVE`; off, as in librdkafka.
    pub keepalive: bool,
}

impl Default for SocketOptions {
    fn default() -> Self {
        Self {
            send_buffer: Some(128 * 1024),
            receive_buffer: Some(64 * 1024),
            nodelay: true,
            keepalive: false,
        }
    }
}

/// The settings every franzl client shares. Build it with [`ClientConfig::builder`] or read it
/// from properties with [`ClientConfig::from_properties`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// `host:port` of the brokers to start from (`bootstrap.servers`); required.
    pub bootstrap_servers: Vec<String>,
    /// Sent in every request header (`client.id`); default empty.
    pub client_id: String,
    /// `security.protocol`; default `PLAINTEXT`.
    pub security_protocol: SecurityProtocol,
    /// SASL credentials: `Some` exactly when `security_protocol` uses SASL.
    pub sasl: Option<SaslConfig>,
    /// TLS settings, used when `security_protocol` uses TLS.
    pub tls: TlsConfig,
    /// Time to set up a connection, TLS and SASL included
    /// (`socket.connection.setup.timeout.ms`); default 10 s.
    pub connect_timeout: Duration,
    /// Time to wait for a response (`request.timeout.ms`); default 30 s.
    pub request_timeout: Duration,
    /// Time a call may wait for metadata (`max.block.ms`); default 60 s.
    pub metadata_timeout: Duration,
    /// Metadata older than this is refreshed (`metadata.max.age.ms`); default 5 min.
    pub metadata_max_age: Duration,
    /// First delay before reconnecting to a broker (`reconnect.backoff.ms`); default 50 ms.
    pub reconnect_backoff: Duration,
    /// Largest reconnect delay (`reconnect.backoff.max.ms`); default 1 s; never below
    /// `reconnect_backoff` (a smaller value is raised to it, as in the Java client).
    pub reconnect_backoff_max: Duration,
    /// First delay before retrying a failed request (`retry.backoff.ms`); default 100 ms.
    pub retry_backoff: Duration,
    /// Largest retry delay (`retry.backoff.max.ms`); default 1 s; never below `retry_backoff`.
    pub retry_backoff_max: Duration,
    /// Socket options.
    pub socket: SocketOptions,
    /// IP versions to use (`broker.address.family`); default any.
    pub address_family: AddressFamily,
    /// Largest response frame accepted, in bytes (`receive.message.max.bytes`); default
    /// 100 000 000 as in librdkafka. A larger frame closes the connection.
    pub max_response_size: usize,
    /// Log every frame sent and received as a hex dump (`franzl.hex.dump`); default off.
    pub hex_dump: bool,
}

impl Default for ClientConfig {
    /// The defaults, with no bootstrap servers (so not valid until some are given).
    fn default() -> Self {
        Self {
            bootstrap_servers: Vec::new(),
            client_id: String::new(),
            security_protocol: SecurityProtocol::Plaintext,
            sasl: None,
            tls: TlsConfig::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            metadata_timeout: Duration::from_secs(60),
            metadata_max_age: Duration::from_secs(300),
            reconnect_backoff: Duration::from_millis(50),
            reconnect_backoff_max: Duration::from_secs(1),
            retry_backoff: Duration::from_millis(100),
            retry_backoff_max: Duration::from_secs(1),
            socket: SocketOptions::default(),
            address_family: AddressFamily::Any,
            max_response_size: 100_000_000,
            hex_dump: false,
        }
    }
}

impl ClientConfig {
    /// A builder starting from the defaults.
    #[must_use]
    pub fn builder() -> ClientConfigBuilder {
        ClientConfigBuilder::default()
    }

    /// Reads a configuration from `(property, value)` pairs; later pairs win.
    ///
    /// # Errors
    /// The first unknown property or invalid value, then anything [`ClientConfigBuilder::build`]
    /// refuses.
    pub fn from_properties<I, K, V>(pairs: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut builder = Self::builder();
        for (key, value) in pairs {
            builder.set(key.as_ref(), value.as_ref())?;
        }
        builder.build()
    }

    /// Reads a configuration from the text of a Java `.properties` file.
    ///
    /// # Errors
    /// As [`ClientConfig::from_properties`], plus [`ConfigError::PropertiesSyntax`].
    pub fn from_properties_text(text: &str) -> Result<Self, ConfigError> {
        Self::from_properties(super::parse_properties(text)?)
    }
}

/// Builds a [`ClientConfig`]: typed setters, [`ClientConfigBuilder::set`] for properties, and
/// [`ClientConfigBuilder::build`] to validate.
#[derive(Debug, Clone, Default)]
pub struct ClientConfigBuilder {
    pub(super) config: ClientConfig,
    pub(super) sasl_mechanism: Option<SaslMechanism>,
    pub(super) sasl_username: Option<String>,
    pub(super) sasl_password: Option<Secret>,
    pub(super) jaas: Option<JaasLogin>,
    /// `ssl.truststore.location` was given: then `ssl.truststore.type` must be `PEM`.
    pub(super) truststore_location_given: bool,
    pub(super) truststore_is_pem: bool,
}

impl ClientConfigBuilder {
    /// Sets `bootstrap.servers`: `host:port` entries (`[v6addr]:port` for IPv6 literals).
    #[must_use]
    pub fn bootstrap_servers<S: Into<String>>(
        mut self,
        servers: impl IntoIterator<Item = S>,
    ) -> Self {
        self.config.bootstrap_servers = servers.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `client.id`.
    #[must_use]
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.config.client_id = client_id.into();
        self
    }

    /// Sets `security.protocol`.
    #[must_use]
    pub fn security_protocol(mut self, protocol: SecurityProtocol) -> Self {
        self.config.security_protocol = protocol;
        self
    }

    /// Sets the SASL mechanism and credentials (used when the protocol uses SASL).
    #[must_use]
    pub fn sasl(
        mut self,
        mechanism: SaslMechanism,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        self.sasl_mechanism = Some(mechanism);
        self.sasl_username = Some(username.into());
        self.sasl_password = Some(password.into());
        self
    }

    /// Trusts the CA certificates in this PEM file instead of the platform's roots.
    #[must_use]
    pub fn tls_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.tls.ca_file = Some(path.into());
        self
    }

    /// Authenticates with this client certificate chain and private key (PEM files).
    #[must_use]
    pub fn tls_client_auth(
        mut self,
        cert_file: impl Into<PathBuf>,
        key_file: impl Into<PathBuf>,
    ) -> Self {
        self.config.tls.cert_file = Some(cert_file.into());
        self.config.tls.key_file = Some(key_file.into());
        self
    }

    /// Turns off the check that the broker's certificate names the host: for tests only.
    #[must_use]
    pub fn skip_hostname_verification(mut self) -> Self {
        self.config.tls.verify_hostname = false;
        self
    }

    /// Sets the connection setup, request and metadata timeouts.
    #[must_use]
    pub fn timeouts(mut self, connect: Duration, request: Duration, metadata: Duration) -> Self {
        self.config.connect_timeout = connect;
        self.config.request_timeout = request;
        self.config.metadata_timeout = metadata;
        self
    }

    /// Sets `metadata.max.age.ms`.
    #[must_use]
    pub fn metadata_max_age(mut self, age: Duration) -> Self {
        self.config.metadata_max_age = age;
        self
    }

    /// Sets `reconnect.backoff.ms` and `reconnect.backoff.max.ms`.
    #[must_use]
    pub fn reconnect_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.config.reconnect_backoff = min;
        self.config.reconnect_backoff_max = max;
        self
    }

    /// Sets `retry.backoff.ms` and `retry.backoff.max.ms`.
    #[must_use]
    pub fn retry_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.config.retry_backoff = min;
        self.config.retry_backoff_max = max;
        self
    }

    /// Sets the socket options.
    #[must_use]
    pub fn socket(mut self, options: SocketOptions) -> Self {
        self.config.socket = options;
        self
    }

    /// Sets `broker.address.family`.
    #[must_use]
    pub fn address_family(mut self, family: AddressFamily) -> Self {
        self.config.address_family = family;
        self
    }

    /// Sets the largest response frame accepted (`receive.message.max.bytes`).
    #[must_use]
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.config.max_response_size = bytes;
        self
    }

    /// Turns hex dumps of every frame on or off.
    #[must_use]
    pub fn hex_dump(mut self, on: bool) -> Self {
        self.config.hex_dump = on;
        self
    }

    /// Validates and returns the configuration.
    ///
    /// # Errors
    /// [`ConfigError::MissingProperty`] without `bootstrap.servers`, or without a mechanism or
    /// credentials when the protocol uses SASL; [`ConfigError::InvalidValue`] for a bootstrap
    /// entry that is not `host:port`; [`ConfigError::Conflict`] for credentials in both
    /// `sasl.jaas.config` and `sasl.username`/`sasl.password`, a login module that does not
    /// fit the mechanism, or a client certificate without a key (or the reverse);
    /// [`ConfigError::UnsupportedProperty`] for `ssl.truststore.location` without
    /// `ssl.truststore.type=PEM`.
    pub fn build(self) -> Result<ClientConfig, ConfigError> {
        let mut config = self.config;
        if config.bootstrap_servers.is_empty() {
            return Err(ConfigError::MissingProperty {
                property: "bootstrap.servers",
                reason: "at least one host:port is needed",
            });
        }
        for server in &config.bootstrap_servers {
            check_host_port(server)?;
        }
        config.sasl = if config.security_protocol.uses_sasl() {
            Some(resolve_sasl(
                self.sasl_mechanism,
                self.sasl_username,
                self.sasl_password,
                self.jaas,
            )?)
        } else {
            // As the Java client: SASL settings are ignored when the protocol has no SASL.
            None
        };
        if self.truststore_location_given && !self.truststore_is_pem {
            return Err(ConfigError::unsupported(
                "ssl.truststore.type",
                "only PEM trust stores are read: set ssl.truststore.type=PEM or use ssl.ca.location",
            ));
        }
        if config.tls.cert_file.is_some() != config.tls.key_file.is_some() {
            return Err(ConfigError::Conflict {
                property: "ssl.key.location",
                reason: "a client certificate and its key go together (ssl.certificate.location)",
            });
        }
        // As the Java client: a maximum below the minimum is raised to it.
        config.reconnect_backoff_max = config.reconnect_backoff_max.max(config.reconnect_backoff);
        config.retry_backoff_max = config.retry_backoff_max.max(config.retry_backoff);
        Ok(config)
    }
}

/// Checks one `bootstrap.servers` entry: `host:port` or `[ipv6]:port`, port 1..=65535.
fn check_host_port(server: &str) -> Result<(), ConfigError> {
    let invalid = || ConfigError::invalid("bootstrap.servers", server, "host:port entries");
    let (host, port) = server.rsplit_once(':').ok_or_else(invalid)?;
    let host_ok = match host.strip_prefix('[') {
        Some(v6) => v6
            .strip_suffix(']')
            .is_some_and(|inner| inner.parse::<std::net::Ipv6Addr>().is_ok()),
        None => !host.is_empty() && !host.contains([':', '/', ' ']),
    };
    match port.parse::<u16>() {
        Ok(port) if port > 0 && host_ok => Ok(()),
        _ => Err(invalid()),
    }
}

/// Combines the SASL settings into credentials, for a protocol that uses SASL.
fn resolve_sasl(
    mechanism: Option<SaslMechanism>,
    username: Option<String>,
    password: Option<Secret>,
    jaas: Option<JaasLogin>,
) -> Result<SaslConfig, ConfigError> {
    let mechanism = mechanism.ok_or(ConfigError::MissingProperty {
        property: "sasl.mechanism",
        reason: "SASL needs PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (the Java default, GSSAPI, \
                 is not supported)",
    })?;
    let (username, password) = match (jaas, username, password) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(ConfigError::Conflict {
                property: "sasl.jaas.config",
                reason: "credentials are given both here and in sasl.username/sasl.password",
            });
        }
        (Some(jaas), None, None) => {
            let fits = matches!(
                (jaas.module, mechanism),
                (LoginModule::Plain, SaslMechanism::Plain)
                    | (LoginModule::Scram, SaslMechanism::Scram(_))
            );
            if !fits {
                return Err(ConfigError::Conflict {
                    property: "sasl.jaas.config",
                    reason: "the login module does not fit sasl.mechanism",
                });
            }
            (jaas.username, jaas.password)
        }
        (None, Some(username), Some(password)) => (username, password),
        (None, None, _) => {
            return Err(ConfigError::MissingProperty {
                property: "sasl.username",
                reason: "SASL needs a user name (or sasl.jaas.config)",
            });
        }
        (None, Some(_), None) => {
            return Err(ConfigError::MissingProperty {
                property: "sasl.password",
                reason: "SASL needs a password (or sasl.jaas.config)",
            });
        }
    };
    Ok(SaslConfig {
        mechanism,
        username,
        password,
    })
}
