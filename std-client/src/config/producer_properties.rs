//! Reading [`ProducerConfig`](super::ProducerConfig) settings from property names; every
//! client property (see `client_properties.rs`) is accepted too.
//!
//! | property | alias (librdkafka) | field |
//! |---|---|---|
//! | `acks` (`all`, `-1`, `0`, `1`) | `request.required.acks` | `acks` |
//! | `linger.ms` | `queue.buffering.max.ms` | `linger` |
//! | `batch.size` | | `batch_size` |
//! | `buffer.memory` | `queue.buffering.max.kbytes` (KiB) | `buffer_memory` |
//! | `max.request.size` | `message.max.bytes` | `max_request_size` |
//! | `compression.type` (`none`, `gzip`, `snappy`, `lz4`, `zstd`) | `compression.codec` | `compression` |
//! | `enable.idempotence` | | `enable_idempotence` |
//! | `max.in.flight.requests.per.connection` | `max.in.flight` | `max_in_flight` |
//! | `retries` | `message.send.max.retries` | `retries` |
//! | `delivery.timeout.ms` | `message.timeout.ms` | `delivery_timeout` |
//! | `partitioner` (`murmur2_random` only) | | `partitioner` |
//! | `partitioner.ignore.keys` | | `partitioner` |
//! | `transactional.id` | | `transactional_id` |
//! | `transaction.timeout.ms` | | `transaction_timeout` |
//!
//! `key.serializer`, `value.serializer` and `partitioner.class` name Java classes and are
//! refused as unsupported: franzl takes bytes.

use super::ConfigError;
use super::producer::{Acks, CompressionType, Partitioner, ProducerConfigBuilder};
use super::values::{optional_string, parse_bool, parse_bytes, parse_count, parse_ms, parse_name};

const ACKS: [(&str, Acks); 4] = [
    ("all", Acks::All),
    ("-1", Acks::All),
    ("0", Acks::None),
    ("1", Acks::Leader),
];

const CODECS: [(&str, CompressionType); 5] = [
    ("none", CompressionType::None),
    ("gzip", CompressionType::Gzip),
    ("snappy", CompressionType::Snappy),
    ("lz4", CompressionType::Lz4),
    ("zstd", CompressionType::Zstd),
];

const MS: &str = "a number of milliseconds";

impl ProducerConfigBuilder {
    /// Sets one producer or client property by its Java or librdkafka name.
    ///
    /// # Errors
    /// [`ConfigError::UnknownProperty`], [`ConfigError::UnsupportedProperty`] or
    /// [`ConfigError::InvalidValue`], naming the property.
    pub fn set(&mut self, property: &str, value: &str) -> Result<(), ConfigError> {
        if self.apply(property, value)? || self.client.apply(property, value)? {
            Ok(())
        } else {
            Err(ConfigError::unknown(property))
        }
    }

    fn apply(&mut self, property: &str, value: &str) -> Result<bool, ConfigError> {
        let s = &mut self.config;
        match property {
            "acks" | "request.required.acks" => {
                s.acks = parse_name(property, value, &ACKS, "all, -1, 0 or 1")?;
            }
            "linger.ms" | "queue.buffering.max.ms" => s.linger = parse_ms(property, value, 0, MS)?,
            "batch.size" => s.batch_size = parse_bytes(property, value, 0, "a size in bytes")?,
            "buffer.memory" => {
                s.buffer_memory = parse_bytes(property, value, 0, "a size in bytes")?;
            }
            "queue.buffering.max.kbytes" => {
                let kib = parse_bytes(property, value, 1, "a size in KiB")?;
                s.buffer_memory = kib
                    .checked_mul(1024)
                    .ok_or_else(|| ConfigError::invalid(property, value, "a size in KiB"))?;
            }
            "max.request.size" | "message.max.bytes" => {
                s.max_request_size = parse_bytes(property, value, 1, "a size in bytes")?;
            }
            "compression.type" | "compression.codec" => {
                s.compression =
                    parse_name(property, value, &CODECS, "none, gzip, snappy, lz4 or zstd")?;
            }
            "enable.idempotence" => {
                s.enable_idempotence = parse_bool(property, value)?;
                self.idempotence_explicit = true;
            }
            "max.in.flight.requests.per.connection" | "max.in.flight" => {
                s.max_in_flight = parse_count(property, value, 1, "a count of at least 1")?;
            }
            "retries" | "message.send.max.retries" => {
                s.retries = parse_count(property, value, 0, "a count")?;
            }
            "delivery.timeout.ms" | "message.timeout.ms" => {
                s.delivery_timeout = parse_ms(property, value, 1, MS)?;
                self.delivery_timeout_explicit = true;
            }
            "partitioner" => {
                if !value.trim().eq_ignore_ascii_case("murmur2_random") {
                    return Err(ConfigError::unsupported(
                        property,
                        "only murmur2_random (the Java-compatible one)",
                    ));
                }
                s.partitioner = Partitioner::Murmur2Random;
            }
            "partitioner.ignore.keys" => {
                s.partitioner = if parse_bool(property, value)? {
                    Partitioner::UniformSticky
                } else {
                    Partitioner::Default
                };
            }
            "transactional.id" => s.transactional_id = optional_string(value),
            "transaction.timeout.ms" => s.transaction_timeout = parse_ms(property, value, 1, MS)?,
            "key.serializer" | "value.serializer" | "partitioner.class" => {
                return Err(ConfigError::unsupported(
                    property,
                    "a Java class: franzl takes bytes",
                ));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
