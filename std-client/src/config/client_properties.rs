//! The client properties: every one [`ClientConfig`](super::ClientConfig) reads, and those
//! it refuses, as a [`Table`] (see `reference.rs`). The producer, consumer and admin clients
//! read them too. The reference rendered from this table is `reference/client.md`.

use franzl_core::sasl::SaslMechanism;

use super::jaas::parse_jaas_config;
use super::reference::{DefaultValue::Unset, DefaultValue::Value, Property, Refused, Table};
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
    /// Sets one property by its Java or librdkafka name (see the reference in
    /// [`ClientConfig`](super::ClientConfig)'s docs).
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
        CLIENT.apply(self, property, value)
    }
}

/// Why key stores are refused.
const NO_KEY_STORES: &str =
    "key stores are not read: use ssl.certificate.location and ssl.key.location (PEM)";

/// Every client property.
pub(crate) static CLIENT: Table<ClientConfigBuilder> = Table {
    intro: "# Properties\n\n\
        What [`ClientConfig::from_properties`], [`ClientConfigBuilder::set`] and every other \
        client's property reader accept as client settings (the producer, consumer and admin \
        clients read these too). Names are the Java client's, aliases librdkafka's; values are \
        trimmed, and names of values (`true`, `PLAINTEXT`, ...) are read in any case. An \
        unknown property is an error that names it.",
    properties: &[
        Property {
            name: "bootstrap.servers",
            aliases: &["metadata.broker.list"],
            default: Unset("none: required"),
            meaning: "The brokers to start from: comma-separated `host:port` entries \
                      (`[address]:port` for IPv6 literals).",
            no_effect: None,
            set: |b, _, v| {
                b.config.bootstrap_servers = parse_list(v);
                Ok(())
            },
        },
        Property {
            name: "client.id",
            aliases: &[],
            default: Value(""),
            meaning: "Sent in every request header; names this client in the brokers' logs, \
                      metrics and quotas.",
            no_effect: None,
            set: |b, _, v| {
                b.config.client_id = v.trim().to_owned();
                Ok(())
            },
        },
        Property {
            name: "security.protocol",
            aliases: &[],
            default: Value("PLAINTEXT"),
            meaning: "How connections are made: `PLAINTEXT` (TCP), `SSL` (TLS), \
                      `SASL_PLAINTEXT` (SASL over TCP) or `SASL_SSL` (SASL over TLS).",
            no_effect: None,
            set: |b, p, v| {
                b.config.security_protocol = parse_name(
                    p,
                    v,
                    &PROTOCOLS,
                    "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
                )?;
                Ok(())
            },
        },
        Property {
            name: "sasl.mechanism",
            aliases: &["sasl.mechanisms"],
            default: Unset("none: required with a SASL protocol"),
            meaning: "`PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`; `GSSAPI` (the Java default) \
                      and `OAUTHBEARER` are refused. The `sasl.*` properties are used only when \
                      `security.protocol` is `SASL_PLAINTEXT` or `SASL_SSL`, as in the Java \
                      client.",
            no_effect: None,
            set: |b, p, v| {
                let name = v.trim().to_ascii_uppercase();
                let mechanism = SaslMechanism::from_name(&name).ok_or_else(|| {
                    if matches!(name.as_str(), "GSSAPI" | "OAUTHBEARER") {
                        ConfigError::unsupported(p, "only PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512")
                    } else {
                        ConfigError::invalid(p, v, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
                    }
                })?;
                b.sasl_mechanism = Some(mechanism);
                Ok(())
            },
        },
        Property {
            name: "sasl.username",
            aliases: &[],
            default: Unset("none"),
            meaning: "The SASL user name (librdkafka's way; or `sasl.jaas.config`).",
            no_effect: None,
            set: |b, _, v| {
                b.sasl_username = Some(v.to_owned());
                Ok(())
            },
        },
        Property {
            name: "sasl.password",
            aliases: &[],
            default: Unset("none"),
            meaning: "The SASL password. A secret: never shown by `Debug` or in errors.",
            no_effect: None,
            set: |b, _, v| {
                b.sasl_password = Some(Secret::new(v));
                Ok(())
            },
        },
        Property {
            name: "sasl.jaas.config",
            aliases: &[],
            default: Unset("none"),
            meaning: "The Java client's way to give SASL credentials: \
                      `PlainLoginModule` or `ScramLoginModule` (package optional) \
                      `required username=\"...\" password=\"...\";`. Not together with \
                      `sasl.username` / `sasl.password`. A secret.",
            no_effect: None,
            set: |b, _, v| {
                b.jaas = Some(parse_jaas_config(v)?);
                Ok(())
            },
        },
        Property {
            name: "ssl.ca.location",
            aliases: &[],
            default: Unset("none: the platform's trusted roots"),
            meaning: "A PEM file of CA certificates to trust instead of the platform's roots. \
                      The `ssl.*` properties are used only when `security.protocol` is `SSL` or \
                      `SASL_SSL`.",
            no_effect: None,
            set: |b, _, v| {
                b.config.tls.ca_file = optional_string(v).map(Into::into);
                Ok(())
            },
        },
        Property {
            name: "ssl.truststore.location",
            aliases: &[],
            default: Unset("none"),
            meaning: "As `ssl.ca.location`, by the Java client's name: needs \
                      `ssl.truststore.type=PEM`.",
            no_effect: None,
            set: |b, _, v| {
                b.config.tls.ca_file = optional_string(v).map(Into::into);
                b.truststore_location_given = true;
                Ok(())
            },
        },
        Property {
            name: "ssl.truststore.type",
            aliases: &[],
            default: Unset("none"),
            meaning: "`PEM` only (Java's `JKS` and `PKCS12` stores are refused); required with \
                      `ssl.truststore.location`.",
            no_effect: Some(
                "only `PEM` is accepted, the one format franzl reads; the Java client needs it \
                 beside `ssl.truststore.location`, and so does franzl, so that a JKS store is \
                 refused rather than misread.",
            ),
            set: |b, p, v| {
                if !v.trim().eq_ignore_ascii_case("PEM") {
                    return Err(ConfigError::unsupported(
                        p,
                        "only PEM trust stores are read",
                    ));
                }
                b.truststore_is_pem = true;
                Ok(())
            },
        },
        Property {
            name: "ssl.certificate.location",
            aliases: &[],
            default: Unset("none: no client certificate"),
            meaning: "A PEM file with the client certificate chain, for mutual TLS; goes with \
                      `ssl.key.location`.",
            no_effect: None,
            set: |b, _, v| {
                b.config.tls.cert_file = optional_string(v).map(Into::into);
                Ok(())
            },
        },
        Property {
            name: "ssl.key.location",
            aliases: &[],
            default: Unset("none"),
            meaning: "A PEM file with the client certificate's private key; goes with \
                      `ssl.certificate.location`.",
            no_effect: None,
            set: |b, _, v| {
                b.config.tls.key_file = optional_string(v).map(Into::into);
                Ok(())
            },
        },
        Property {
            name: "ssl.key.password",
            aliases: &[],
            default: Unset("none: the key is not encrypted"),
            meaning: "The password of an encrypted private key. A secret.",
            no_effect: None,
            set: |b, _, v| {
                b.config.tls.key_password = Some(Secret::new(v));
                Ok(())
            },
        },
        Property {
            name: "ssl.endpoint.identification.algorithm",
            aliases: &[],
            default: Value("https"),
            meaning: "`https` checks that the broker's certificate names the host connected to; \
                      empty or `none` skips that check (for tests only).",
            no_effect: None,
            set: |b, p, v| {
                let algorithm = v.trim();
                b.config.tls.verify_hostname = if algorithm.eq_ignore_ascii_case("https") {
                    true
                } else if algorithm.is_empty() || algorithm.eq_ignore_ascii_case("none") {
                    false
                } else {
                    return Err(ConfigError::invalid(
                        p,
                        v,
                        "https, or empty or none to skip",
                    ));
                };
                Ok(())
            },
        },
        Property {
            name: "socket.connection.setup.timeout.ms",
            aliases: &[],
            default: Value("10000"),
            meaning: "Milliseconds to set up a connection, TLS and SASL included.",
            no_effect: None,
            set: |b, p, v| {
                b.config.connect_timeout = parse_ms(p, v, 1, MS)?;
                Ok(())
            },
        },
        Property {
            name: "request.timeout.ms",
            aliases: &[],
            default: Value("30000"),
            meaning: "Milliseconds to wait for a broker's answer to a request.",
            no_effect: None,
            set: |b, p, v| {
                b.config.request_timeout = parse_ms(p, v, 1, MS)?;
                Ok(())
            },
        },
        Property {
            name: "max.block.ms",
            aliases: &[],
            default: Value("60000"),
            meaning: "Milliseconds a call may wait for metadata (the cluster, a topic's \
                      partitions and leaders); the producer's `send` also waits at most this \
                      long for buffer space.",
            no_effect: None,
            set: |b, p, v| {
                b.config.metadata_timeout = parse_ms(p, v, 0, MS)?;
                Ok(())
            },
        },
        Property {
            name: "metadata.max.age.ms",
            aliases: &["topic.metadata.refresh.interval.ms"],
            default: Value("300000"),
            meaning: "Metadata older than this many milliseconds is refreshed, even without an \
                      error that calls for it.",
            no_effect: None,
            set: |b, p, v| {
                b.config.metadata_max_age = parse_ms(p, v, 0, MS)?;
                Ok(())
            },
        },
        Property {
            name: "reconnect.backoff.ms",
            aliases: &[],
            default: Value("50"),
            meaning: "Milliseconds before reconnecting to a broker after a failed connection; \
                      doubles with each failure in a row, up to `reconnect.backoff.max.ms`.",
            no_effect: None,
            set: |b, p, v| {
                b.config.reconnect_backoff = parse_ms(p, v, 0, MS)?;
                Ok(())
            },
        },
        Property {
            name: "reconnect.backoff.max.ms",
            aliases: &[],
            default: Value("1000"),
            meaning: "The longest reconnect delay, in milliseconds; a value below \
                      `reconnect.backoff.ms` is raised to it, as in the Java client.",
            no_effect: None,
            set: |b, p, v| {
                b.config.reconnect_backoff_max = parse_ms(p, v, 0, MS)?;
                Ok(())
            },
        },
        Property {
            name: "retry.backoff.ms",
            aliases: &[],
            default: Value("100"),
            meaning: "Milliseconds before retrying a failed request; doubles with each retry, up \
                      to `retry.backoff.max.ms`.",
            no_effect: None,
            set: |b, p, v| {
                b.config.retry_backoff = parse_ms(p, v, 0, MS)?;
                Ok(())
            },
        },
        Property {
            name: "retry.backoff.max.ms",
            aliases: &[],
            default: Value("1000"),
            meaning: "The longest retry delay, in milliseconds; a value below \
                      `retry.backoff.ms` is raised to it.",
            no_effect: None,
            set: |b, p, v| {
                b.config.retry_backoff_max = parse_ms(p, v, 0, MS)?;
                Ok(())
            },
        },
        Property {
            name: "send.buffer.bytes",
            aliases: &[],
            default: Value("-1"),
            meaning: "The socket send buffer (`SO_SNDBUF`) in bytes; `-1` leaves it to the OS, \
                      which tunes it to the connection (the Java client's default is 131072).",
            no_effect: None,
            set: |b, p, v| {
                b.config.socket.send_buffer = java_buffer_size(p, v)?;
                Ok(())
            },
        },
        Property {
            name: "receive.buffer.bytes",
            aliases: &[],
            default: Value("-1"),
            meaning: "The socket receive buffer (`SO_RCVBUF`) in bytes; `-1` leaves it to the \
                      OS. A fixed size turns off the OS's tuning and caps the window a fetch \
                      can use (the Java client's default is 65536).",
            no_effect: None,
            set: |b, p, v| {
                b.config.socket.receive_buffer = java_buffer_size(p, v)?;
                Ok(())
            },
        },
        Property {
            name: "socket.send.buffer.bytes",
            aliases: &[],
            default: Value("0"),
            meaning: "librdkafka's `send.buffer.bytes`: `0` leaves the size to the OS.",
            no_effect: None,
            set: |b, p, v| {
                b.config.socket.send_buffer = librdkafka_buffer_size(p, v)?;
                Ok(())
            },
        },
        Property {
            name: "socket.receive.buffer.bytes",
            aliases: &[],
            default: Value("0"),
            meaning: "librdkafka's `receive.buffer.bytes`: `0` leaves the size to the OS.",
            no_effect: None,
            set: |b, p, v| {
                b.config.socket.receive_buffer = librdkafka_buffer_size(p, v)?;
                Ok(())
            },
        },
        Property {
            name: "socket.nagle.disable",
            aliases: &[],
            default: Value("true"),
            meaning: "`true` sets `TCP_NODELAY`, so a request goes out at once (as the Java \
                      client always does; librdkafka's default is `false`).",
            no_effect: None,
            set: |b, p, v| {
                b.config.socket.nodelay = parse_bool(p, v)?;
                Ok(())
            },
        },
        Property {
            name: "socket.keepalive.enable",
            aliases: &[],
            default: Value("false"),
            meaning: "`true` sets `SO_KEEPALIVE` on broker connections.",
            no_effect: None,
            set: |b, p, v| {
                b.config.socket.keepalive = parse_bool(p, v)?;
                Ok(())
            },
        },
        Property {
            name: "broker.address.family",
            aliases: &[],
            default: Value("any"),
            meaning: "Which resolved addresses to connect to: `any`, `v4` or `v6`.",
            no_effect: None,
            set: |b, p, v| {
                b.config.address_family = parse_name(p, v, &FAMILIES, "any, v4 or v6")?;
                Ok(())
            },
        },
        Property {
            name: "receive.message.max.bytes",
            aliases: &[],
            default: Value("100000000"),
            meaning: "The largest response accepted, in bytes (at least 1000); a larger one \
                      closes the connection. A consumer needs at least `fetch.max.bytes`.",
            no_effect: None,
            set: |b, p, v| {
                b.config.max_response_size =
                    parse_bytes(p, v, 1000, "a size in bytes, at least 1000")?;
                Ok(())
            },
        },
        Property {
            name: "franzl.hex.dump",
            aliases: &[],
            default: Value("false"),
            meaning: "`true` logs every frame sent and received as a hex dump, at trace level \
                      on the log target `franzl::wire` (franzl's own property).",
            no_effect: None,
            set: |b, p, v| {
                b.config.hex_dump = parse_bool(p, v)?;
                Ok(())
            },
        },
    ],
    refused: &[Refused {
        names: &[
            "ssl.keystore.location",
            "ssl.keystore.type",
            "ssl.keystore.password",
        ],
        reason: NO_KEY_STORES,
    }],
};

/// Reads the Java client's socket buffer sizes: `-1` for the OS's choice.
fn java_buffer_size(property: &str, value: &str) -> Result<Option<usize>, ConfigError> {
    let bytes = parse_int(
        property,
        value,
        -1,
        i64::from(i32::MAX),
        "-1 (OS default) or a size in bytes",
    )?;
    Ok(usize::try_from(bytes).ok())
}

/// Reads librdkafka's socket buffer sizes: `0` for the OS's choice.
fn librdkafka_buffer_size(property: &str, value: &str) -> Result<Option<usize>, ConfigError> {
    let bytes = parse_bytes(property, value, 0, "0 (OS default) or a size in bytes")?;
    Ok((bytes > 0).then_some(bytes))
}
