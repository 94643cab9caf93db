//! Reading [`ClientConfig`](super::ClientConfig) settings from Java/librdkafka property names.
//!
//! | property | alias | field |
//! |---|---|---|
//! | `bootstrap.servers` | `metadata.broker.list` | `bootstrap_servers` |
//! | `client.id` | | `client_id` |
//! | `security.protocol` | | `security_protocol` |
//! | `sasl.mechanism` | `sasl.mechanisms` | SASL mechanism |
//! | `sasl.username`, `sasl.password` | | SASL credentials (librdkafka) |
//! | `sasl.jaas.config` | | SASL credentials (Java) |
//! | `ssl.ca.location` | `ssl.truststore.location` (with `ssl.truststore.type=PEM`) | `tls.ca_file` |
//! | `ssl.certificate.location`, `ssl.key.location` | | `tls.cert_file`, `tls.key_file` |
//! | `ssl.key.password` | | `tls.key_password` |
//! | `ssl.endpoint.identification.algorithm` (`https`, or empty/`none` to skip) | | `tls.verify_hostname` |
//! | `socket.connection.setup.timeout.ms` | | `connect_timeout` |
//! | `request.timeout.ms` | | `request_timeout` |
//! | `max.block.ms` | | `metadata_timeout` |
//! | `metadata.max.age.ms` | `topic.metadata.refresh.interval.ms` | `metadata_max_age` |
//! | `reconnect.backoff.ms`, `reconnect.backoff.max.ms` | | reconnect backoff |
//! | `retry.backoff.ms`, `retry.backoff.max.ms` | | retry backoff |
//! | `send.buffer.bytes`, `receive.buffer.bytes` (`-1`: OS default) | `socket.send.buffer.bytes`, `socket.receive.buffer.bytes` (`0`: OS default) | `socket` |
//! | `socket.nagle.disable` | | `socket.nodelay` |
//! | `socket.keepalive.enable` | | `socket.keepalive` |
//! | `broker.address.family` (`any`, `v4`, `v6`) | | `address_family` |
//! | `receive.message.max.bytes` | | `max_response_size` |
//! | `franzl.hex.dump` | | `hex_dump` |

use franzl_core::sasl::SaslMechanism;

use super::jaas::parse_jaas_config;
use super::values::{
    optional_string, parse_bool, parse_bytes, parse_int, parse_list, parse_ms, parse_name,
};
use super::{AddressFamily, ClientConfigBuilder, SecurityProtocol};
use super::{ConfigError, Secret};

const PROTOCOLS: [(&str, SecurityProtocol); 4] = [
    ("PLAINTEXT", SecurityProtocol::Plaintext),
    ("SSL", SecurityProtocol::Ssl),
    ("SASL_PLAINTEXT", SecurityProtocol::SaslPlaintext),
    ("SASL_SSL", SecurityProtocol::SaslSsl),
];

const FAMILIES: [(&str, AddressFamily); 3] = [
    ("any", AddressFamily::Any),
    ("v4", AddressFamily::V4),
    ("v6", AddressFamily::V6),
];

const MS: &str = "a number of milliseconds";

impl ClientConfigBuilder {
    /// Sets one property by its Java or librdkafka name (see the table in the module docs).
    ///
    /// # Errors
    /// [`ConfigError::UnknownProperty`], [`ConfigError::UnsupportedProperty`] or
    /// [`ConfigError::InvalidValue`], naming the property.
    pub fn set(&mut self, property: &str, value: &str) -> Result<(), ConfigError> {
        if self.apply(property, value)? {
            Ok(())
        } else {
            Err(ConfigError::unknown(property))
        }
    }

    /// Applies a client property; `Ok(false)` if `property` is not a client property.
    pub(crate) fn apply(&mut self, property: &str, value: &str) -> Result<bool, ConfigError> {
        let config = &mut self.config;
        match property {
            "bootstrap.servers" | "metadata.broker.list" => {
                config.bootstrap_servers = parse_list(value);
            }
            "client.id" => config.client_id = value.trim().to_owned(),
            "security.protocol" => {
                config.security_protocol = parse_name(
                    property,
                    value,
                    &PROTOCOLS,
                    "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
                )?;
            }
            "sasl.mechanism" | "sasl.mechanisms" => {
                let name = value.trim().to_ascii_uppercase();
                self.sasl_mechanism = Some(SaslMechanism::from_name(&name).ok_or_else(|| {
                    if matches!(name.as_str(), "GSSAPI" | "OAUTHBEARER") {
                        ConfigError::unsupported(
                            property,
                            "only PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512",
                        )
                    } else {
                        ConfigError::invalid(
                            property,
                            value,
                            "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512",
                        )
                    }
                })?);
            }
            "sasl.username" => self.sasl_username = Some(value.to_owned()),
            "sasl.password" => self.sasl_password = Some(Secret::new(value)),
            "sasl.jaas.config" => self.jaas = Some(parse_jaas_config(value)?),
            "ssl.ca.location" => config.tls.ca_file = optional_string(value).map(Into::into),
            "ssl.truststore.location" => {
                config.tls.ca_file = optional_string(value).map(Into::into);
                self.truststore_location_given = true;
            }
            "ssl.truststore.type" => {
                if !value.trim().eq_ignore_ascii_case("PEM") {
                    return Err(ConfigError::unsupported(
                        property,
                        "only PEM trust stores are read",
                    ));
                }
                self.truststore_is_pem = true;
            }
            "ssl.keystore.location" | "ssl.keystore.type" | "ssl.keystore.password" => {
                return Err(ConfigError::unsupported(
                    property,
                    "key stores are not read: use ssl.certificate.location and ssl.key.location (PEM)",
                ));
            }
            "ssl.certificate.location" => {
                config.tls.cert_file = optional_string(value).map(Into::into)
            }
            "ssl.key.location" => config.tls.key_file = optional_string(value).map(Into::into),
            "ssl.key.password" => config.tls.key_password = Some(Secret::new(value)),
            "ssl.endpoint.identification.algorithm" => {
                let algorithm = value.trim();
                config.tls.verify_hostname = if algorithm.eq_ignore_ascii_case("https") {
                    true
                } else if algorithm.is_empty() || algorithm.eq_ignore_ascii_case("none") {
                    false
                } else {
                    return Err(ConfigError::invalid(
                        property,
                        value,
                        "https, or empty or none to skip",
                    ));
                };
            }
            "socket.connection.setup.timeout.ms" => {
                config.connect_timeout = parse_ms(property, value, 1, MS)?
            }
            "request.timeout.ms" => config.request_timeout = parse_ms(property, value, 1, MS)?,
            "max.block.ms" => config.metadata_timeout = parse_ms(property, value, 0, MS)?,
            "metadata.max.age.ms" | "topic.metadata.refresh.interval.ms" => {
                config.metadata_max_age = parse_ms(property, value, 0, MS)?;
            }
            "reconnect.backoff.ms" => config.reconnect_backoff = parse_ms(property, value, 0, MS)?,
            "reconnect.backoff.max.ms" => {
                config.reconnect_backoff_max = parse_ms(property, value, 0, MS)?
            }
            "retry.backoff.ms" => config.retry_backoff = parse_ms(property, value, 0, MS)?,
            "retry.backoff.max.ms" => config.retry_backoff_max = parse_ms(property, value, 0, MS)?,
            "send.buffer.bytes" | "receive.buffer.bytes" => {
                let bytes = parse_int(
                    property,
                    value,
                    -1,
                    i64::from(i32::MAX),
                    "-1 (OS default) or a size in bytes",
                )?;
                let bytes = usize::try_from(bytes).ok();
                set_buffer(self, property, bytes);
            }
            "socket.send.buffer.bytes" | "socket.receive.buffer.bytes" => {
                let bytes = parse_bytes(property, value, 0, "0 (OS default) or a size in bytes")?;
                set_buffer(self, property, (bytes > 0).then_some(bytes));
            }
            "socket.nagle.disable" => config.socket.nodelay = parse_bool(property, value)?,
            "socket.keepalive.enable" => config.socket.keepalive = parse_bool(property, value)?,
            "broker.address.family" => {
                config.address_family = parse_name(property, value, &FAMILIES, "any, v4 or v6")?;
            }
            "receive.message.max.bytes" => {
                config.max_response_size =
                    parse_bytes(property, value, 1000, "a size in bytes, at least 1000")?;
            }
            "franzl.hex.dump" => config.hex_dump = parse_bool(property, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn set_buffer(builder: &mut ClientConfigBuilder, property: &str, bytes: Option<usize>) {
    if property.contains("send") {
        builder.config.socket.send_buffer = bytes;
    } else {
        builder.config.socket.receive_buffer = bytes;
    }
}
