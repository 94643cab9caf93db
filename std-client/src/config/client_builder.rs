//! [`ClientConfigBuilder`]: typed setters and validation for [`ClientConfig`].
//!
//! [`ClientConfigBuilder::build`] checks what can be checked without I/O: bootstrap entries
//! are `host:port`, SASL has a mechanism and one source of credentials that fits it, a client
//! certificate comes with its key, a trust store is PEM. Files are not opened here.

use std::path::PathBuf;
use std::time::Duration;

use franzl_core::sasl::SaslMechanism;

use super::jaas::{JaasLogin, LoginModule};
use super::{
    AddressFamily, ClientConfig, ConfigError, SaslConfig, Secret, SecurityProtocol, SocketOptions,
};

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

    /// Sets the password of an encrypted client private key.
    #[must_use]
    pub fn tls_key_password(mut self, password: impl Into<Secret>) -> Self {
        self.config.tls.key_password = Some(password.into());
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

    /// Runs the client's background tasks on the program's executor instead of franzl's shared
    /// executor thread (see [`crate::runtime`]).
    #[must_use]
    pub fn spawner(mut self, spawner: crate::runtime::Spawner) -> Self {
        self.config.spawner = Some(spawner);
        self
    }

    /// Validates and returns the configuration.
    ///
    /// # Errors
    /// [`ConfigError::MissingProperty`] without `bootstrap.servers`, or without a mechanism or
    /// credentials when the protocol uses SASL; [`ConfigError::InvalidValue`] for a bootstrap
    /// entry that is not `host:port`; [`ConfigError::Conflict`] for credentials in both
    /// `sasl.jaas.config` and `sasl.username`/`sasl.password`, a login module that does not
    /// fit the mechanism, a client certificate without a key (or the reverse), or
    /// `ssl.truststore.location` without `ssl.truststore.type=PEM`.
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
            let location = config.tls.ca_file.as_ref();
            return Err(ConfigError::Conflict {
                property: "ssl.truststore.type",
                value: UNSET.to_owned(),
                other: "ssl.truststore.location",
                other_value: location.map_or_else(|| UNSET.to_owned(), |f| f.display().to_string()),
                reason: "only PEM trust stores are read: set ssl.truststore.type=PEM or use \
                         ssl.ca.location",
            });
        }
        if config.tls.cert_file.is_some() != config.tls.key_file.is_some() {
            let path = |file: &Option<PathBuf>| {
                file.as_ref()
                    .map_or_else(|| UNSET.to_owned(), |f| f.display().to_string())
            };
            return Err(ConfigError::Conflict {
                property: "ssl.key.location",
                value: path(&config.tls.key_file),
                other: "ssl.certificate.location",
                other_value: path(&config.tls.cert_file),
                reason: "a client certificate and its private key go together: give both or \
                         neither",
            });
        }
        // As the Java client: a maximum below the minimum is raised to it.
        config.reconnect_backoff_max = config.reconnect_backoff_max.max(config.reconnect_backoff);
        config.retry_backoff_max = config.retry_backoff_max.max(config.retry_backoff);
        Ok(config)
    }
}

/// How a conflict shows a secret's value.
const HIDDEN: &str = "(hidden)";
/// How a conflict shows a property that was not given.
const UNSET: &str = "(unset)";

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
    if jaas.is_some() && (username.is_some() || password.is_some()) {
        let (other, other_value) = match username {
            Some(username) => ("sasl.username", username),
            None => ("sasl.password", HIDDEN.to_owned()),
        };
        return Err(ConfigError::Conflict {
            property: "sasl.jaas.config",
            value: HIDDEN.to_owned(),
            other,
            other_value,
            reason: "credentials are given twice: keep sasl.jaas.config or \
                     sasl.username/sasl.password",
        });
    }
    let (username, password) = match (jaas, username, password) {
        (Some(jaas), _, _) => {
            let fits = matches!(
                (jaas.module, mechanism),
                (LoginModule::Plain, SaslMechanism::Plain)
                    | (LoginModule::Scram, SaslMechanism::Scram(_))
            );
            if !fits {
                return Err(ConfigError::Conflict {
                    property: "sasl.jaas.config",
                    value: format!("{} (credentials hidden)", jaas.module.class_name()),
                    other: "sasl.mechanism",
                    other_value: mechanism.name().to_owned(),
                    reason: "the login module does not fit the mechanism: PlainLoginModule \
                             goes with PLAIN, ScramLoginModule with SCRAM-SHA-256/512",
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
