//! Reading [`ConsumerConfig`](super::ConsumerConfig) settings from property names; every
//! client property (see `client_properties.rs`) is accepted too.
//!
//! | property | alias (librdkafka) | field |
//! |---|---|---|
//! | `auto.offset.reset` (`earliest`, `latest`, `none`) | values `smallest`, `beginning` / `largest`, `end` / `error` | `auto_offset_reset` |
//! | `isolation.level` (`read_uncommitted`, `read_committed`) | | `isolation_level` |
//! | `fetch.min.bytes`, `fetch.max.bytes` | | fetch sizes |
//! | `max.partition.fetch.bytes` | `fetch.message.max.bytes` | `max_partition_fetch_bytes` |
//! | `fetch.max.wait.ms` | `fetch.wait.max.ms` | `fetch_max_wait` |
//! | `queued.max.messages.kbytes` (KiB) | | `max_prefetch_bytes` |
//! | `max.poll.records` | | `max_poll_records` |
//! | `check.crcs`, `client.rack`, `default.api.timeout.ms` | | |
//!
//! Consumer groups are not built yet, so the group properties are refused as unsupported,
//! naming the property, rather than accepted and ignored: `group.id` (an empty value means no
//! group and is accepted), `group.instance.id`, `auto.commit.interval.ms`, `session.timeout.ms`,
//! `heartbeat.interval.ms`, `max.poll.interval.ms`, `partition.assignment.strategy`, `group.protocol`,
//! `group.remote.assignor`. Three properties whose other value is what franzl does are
//! accepted at that value only: `enable.auto.commit=false` (the consumer never commits
//! offsets), `allow.auto.create.topics=false` (it never creates topics: an assigned topic
//! must exist) and `exclude.internal.topics=true` (it never subscribes by pattern).
//!
//! `key.deserializer` and `value.deserializer` name Java classes and are refused as
//! unsupported: franzl hands out bytes.

use super::ConfigError;
use super::consumer::{AutoOffsetReset, ConsumerConfigBuilder, IsolationLevel};
use super::values::{optional_string, parse_bool, parse_bytes, parse_count, parse_ms, parse_name};

const RESETS: [(&str, AutoOffsetReset); 8] = [
    ("earliest", AutoOffsetReset::Earliest),
    ("smallest", AutoOffsetReset::Earliest),
    ("beginning", AutoOffsetReset::Earliest),
    ("latest", AutoOffsetReset::Latest),
    ("largest", AutoOffsetReset::Latest),
    ("end", AutoOffsetReset::Latest),
    ("none", AutoOffsetReset::None),
    ("error", AutoOffsetReset::None),
];

const LEVELS: [(&str, IsolationLevel); 2] = [
    ("read_uncommitted", IsolationLevel::ReadUncommitted),
    ("read_committed", IsolationLevel::ReadCommitted),
];

/// Why a group property is refused.
const NO_GROUPS: &str = "consumer groups are not supported yet: the consumer would neither join a \
     group nor commit offsets; read partitions with Consumer::assign";

/// Group properties that franzl acts on at one value only (what it always does), with that value.
const ONLY_AT: [(&str, bool, &str); 3] = [
    (
        "enable.auto.commit",
        false,
        "only false is supported: the consumer does not commit offsets (consumer groups are not \
         supported yet)",
    ),
    (
        "allow.auto.create.topics",
        false,
        "only false is supported: the consumer reads assigned topics, which must exist",
    ),
    (
        "exclude.internal.topics",
        true,
        "only true is supported: the consumer does not subscribe by pattern",
    ),
];

const MS: &str = "a number of milliseconds";
const BYTES: &str = "a size in bytes";

impl ConsumerConfigBuilder {
    /// Sets one consumer or client property by its Java or librdkafka name.
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
        let c = &mut self.config;
        match property {
            "group.id" => {
                if optional_string(value).is_some() {
                    return Err(ConfigError::unsupported(property, NO_GROUPS));
                }
            }
            "group.instance.id"
            | "auto.commit.interval.ms"
            | "session.timeout.ms"
            | "heartbeat.interval.ms"
            | "max.poll.interval.ms"
            | "partition.assignment.strategy"
            | "group.protocol"
            | "group.remote.assignor" => {
                return Err(ConfigError::unsupported(property, NO_GROUPS));
            }
            "enable.auto.commit" | "allow.auto.create.topics" | "exclude.internal.topics" => {
                let on = parse_bool(property, value)?;
                let refused = ONLY_AT
                    .iter()
                    .find(|(name, only, _)| *name == property && on != *only);
                if let Some((_, _, reason)) = refused {
                    return Err(ConfigError::unsupported(property, reason));
                }
            }
            "auto.offset.reset" => {
                c.auto_offset_reset =
                    parse_name(property, value, &RESETS, "earliest, latest or none")?;
            }
            "isolation.level" => {
                c.isolation_level = parse_name(
                    property,
                    value,
                    &LEVELS,
                    "read_uncommitted or read_committed",
                )?;
            }
            "fetch.min.bytes" => c.fetch_min_bytes = parse_bytes(property, value, 0, BYTES)?,
            "fetch.max.bytes" => c.fetch_max_bytes = parse_bytes(property, value, 0, BYTES)?,
            "max.partition.fetch.bytes" | "fetch.message.max.bytes" => {
                c.max_partition_fetch_bytes = parse_bytes(property, value, 1, BYTES)?;
            }
            "fetch.max.wait.ms" | "fetch.wait.max.ms" => {
                c.fetch_max_wait = parse_ms(property, value, 0, MS)?;
            }
            "queued.max.messages.kbytes" => {
                let kib = parse_bytes(property, value, 1, "a size in KiB")?;
                c.max_prefetch_bytes = kib
                    .checked_mul(1024)
                    .ok_or_else(|| ConfigError::invalid(property, value, "a size in KiB"))?;
            }
            "max.poll.records" => {
                c.max_poll_records = parse_count(property, value, 1, "a count of at least 1")?;
            }
            "check.crcs" => c.check_crcs = parse_bool(property, value)?,
            "client.rack" => c.client_rack = optional_string(value),
            "default.api.timeout.ms" => c.default_api_timeout = parse_ms(property, value, 1, MS)?,
            "key.deserializer" | "value.deserializer" => {
                return Err(ConfigError::unsupported(
                    property,
                    "a Java class: franzl hands out bytes",
                ));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
