//! [`ClientConfig`]: what every franzl client needs (brokers, security, timeouts, sockets).
//!
//! Defaults are the Java client's (`CommonClientConfigs`); where the Java client has no such
//! setting, librdkafka's. The builder is in `client_builder.rs`, the property names in
//! `client_properties.rs`.

use std::path::PathBuf;
use std::time::Duration;

use franzl_core::sasl::SaslMechanism;

use super::{ClientConfigBuilder, ConfigError, Secret};

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
    /// `SO_SNDBUF` in bytes, set before the connect; `None` (the default, as in librdkafka)
    /// leaves the size to the OS, which tunes it to the connection. The Java client fixes
    /// 128 KiB.
    pub send_buffer: Option<usize>,
    /// `SO_RCVBUF` in bytes, set before the connect; `None` (the default, as in librdkafka)
    /// leaves the size to the OS. A fixed size turns off the OS's tuning and caps the window
    /// a fetch can use; the Java client fixes 64 KiB (32 KiB for a producer).
    pub receive_buffer: Option<usize>,
    /// `TCP_NODELAY`; on, as the Java client always sets it.
    pub nodelay: bool,
    /// `SO_KEEPALIVE`; off, as in librdkafka.
    pub keepalive: bool,
}

impl Default for SocketOptions {
    fn default() -> Self {
        Self {
            send_buffer: None,
            receive_buffer: None,
            nodelay: true,
            keepalive: false,
        }
    }
}

/// The settings every franzl client shares. Build it with [`ClientConfig::builder`] or read it
/// from properties with [`ClientConfig::from_properties`].
///
#[doc = include_str!("reference/client.md")]
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
    /// Where the client's background tasks run; `None` (the default): on franzl's one shared
    /// executor thread. Not a property: set with [`ClientConfigBuilder::spawner`].
    pub spawner: Option<crate::runtime::Spawner>,
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
            spawner: None,
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
        super::properties::from_pairs::<ClientConfigBuilder, _, _, _>(pairs)
    }

    /// Reads a configuration from the text of a Java `.properties` file.
    ///
    /// # Errors
    /// As [`ClientConfig::from_properties`], plus [`ConfigError::PropertiesSyntax`].
    pub fn from_properties_text(text: &str) -> Result<Self, ConfigError> {
        super::properties::from_text::<ClientConfigBuilder>(text)
    }
}

impl ClientConfig {
    /// The first setting in which `self` and `other` differ: its name (the property, where it
    /// has one) and both values as `Debug` shows them (secrets stay hidden).
    pub(crate) fn first_difference(&self, other: &Self) -> Option<(&'static str, String, String)> {
        fn differ<T: PartialEq + std::fmt::Debug>(
            name: &'static str,
            a: &T,
            b: &T,
        ) -> Option<(&'static str, String, String)> {
            (a != b).then(|| (name, format!("{a:?}"), format!("{b:?}")))
        }
        let Self {
            bootstrap_servers,
            client_id,
            security_protocol,
            sasl,
            tls,
            connect_timeout,
            request_timeout,
            metadata_timeout,
            metadata_max_age,
            reconnect_backoff,
            reconnect_backoff_max,
            retry_backoff,
            retry_backoff_max,
            socket,
            address_family,
            max_response_size,
            hex_dump,
            spawner,
        } = self;
        None.or_else(|| {
            differ(
                "bootstrap.servers",
                bootstrap_servers,
                &other.bootstrap_servers,
            )
        })
        .or_else(|| differ("client.id", client_id, &other.client_id))
        .or_else(|| {
            differ(
                "security.protocol",
                security_protocol,
                &other.security_protocol,
            )
        })
        .or_else(|| differ("sasl.*", sasl, &other.sasl))
        .or_else(|| differ("ssl.*", tls, &other.tls))
        .or_else(|| {
            differ(
                "socket.connection.setup.timeout.ms",
                connect_timeout,
                &other.connect_timeout,
            )
        })
        .or_else(|| {
            differ(
                "request.timeout.ms",
                request_timeout,
                &other.request_timeout,
            )
        })
        .or_else(|| differ("max.block.ms", metadata_timeout, &other.metadata_timeout))
        .or_else(|| {
            differ(
                "metadata.max.age.ms",
                metadata_max_age,
                &other.metadata_max_age,
            )
        })
        .or_else(|| {
            differ(
                "reconnect.backoff.ms",
                reconnect_backoff,
                &other.reconnect_backoff,
            )
        })
        .or_else(|| {
            differ(
                "reconnect.backoff.max.ms",
                reconnect_backoff_max,
                &other.reconnect_backoff_max,
            )
        })
        .or_else(|| differ("retry.backoff.ms", retry_backoff, &other.retry_backoff))
        .or_else(|| {
            differ(
                "retry.backoff.max.ms",
                retry_backoff_max,
                &other.retry_backoff_max,
            )
        })
        .or_else(|| differ("socket options", socket, &other.socket))
        .or_else(|| {
            differ(
                "broker.address.family",
                address_family,
                &other.address_family,
            )
        })
        .or_else(|| {
            differ(
                "receive.message.max.bytes",
                max_response_size,
                &other.max_response_size,
            )
        })
        .or_else(|| differ("franzl.hex.dump", hex_dump, &other.hex_dump))
        .or_else(|| differ("the spawner", spawner, &other.spawner))
    }
}

impl super::properties::FromProperties for ClientConfigBuilder {
    type Config = ClientConfig;

    fn set_property(&mut self, property: &str, value: &str) -> Result<(), ConfigError> {
        self.set(property, value)
    }

    fn build_config(self) -> Result<ClientConfig, ConfigError> {
        self.build()
    }
}
