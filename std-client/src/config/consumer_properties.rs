//! Reading [`ConsumerConfig`](super::ConsumerConfig) settings from property names; every
//! client property (see `client_properties.rs`) is accepted too.
//!
//! | property | alias (librdkafka) | field |
//! |---|---|---|
//! | `group.id`, `group.instance.id` | | `group_id`, `group_instance_id` |
//! | `auto.offset.reset` (`earliest`, `latest`, `none`) | values `smallest`, `beginning` / `largest`, `end` / `error` | `auto_offset_reset` |
//! | `isolation.level` (`read_uncommitted`, `read_committed`) | | `isolation_level` |
//! | `fetch.min.bytes`, `fetch.max.bytes` | | fetch sizes |
//! | `max.partition.fetch.bytes` | `fetch.message.max.bytes` | `max_partition_fetch_bytes` |
//! | `fetch.max.wait.ms` | `fetch.wait.max.ms` | `fetch_max_wait` |
//! | `queued.max.messages.kbytes` (KiB) | | `max_prefetch_bytes` |
//! | `enable.auto.commit`, `auto.commit.interval.ms` | | auto commit |
//! | `session.timeout.ms`, `heartbeat.interval.ms`, `max.poll.interval.ms` | | group timing |
//! | `max.poll.records` | | `max_poll_records` |
//! | `partition.assignment.strategy` (`range`, `roundrobin`, `cooperative-sticky`, or the Java class names) | | `assignors` |
//! | `check.crcs`, `client.rack`, `default.api.timeout.ms` | | |
//! | `allow.auto.create.topics`, `exclude.internal.topics` | | |
//!
//! `key.deserializer` and `value.deserializer` name Java classes and are refused as
//! unsupported: franzl hands out bytes.

use super::ConfigError;
use super::consumer::{Assignor, AutoOffsetReset, ConsumerConfigBuilder, IsolationLevel};
use super::values::{
    optional_string, parse_bool, parse_bytes, parse_count, parse_list, parse_ms, parse_name,
};

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

const ASSIGNORS: [(&str, Assignor); 6] = [
    ("range", Assignor::Range),
    (
        "org.apache.kafka.clients.consumer.RangeAssignor",
        Assignor::Range,
    ),
    ("roundrobin", Assignor::RoundRobin),
    (
        "org.apache.kafka.clients.consumer.RoundRobinAssignor",
        Assignor::RoundRobin,
    ),
    ("cooperative-sticky", Assignor::CooperativeSticky),
    (
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        Assignor::CooperativeSticky,
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
            "group.id" => c.group_id = optional_string(value),
            "group.instance.id" => c.group_instance_id = optional_string(value),
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
            "enable.auto.commit" => {
                c.enable_auto_commit = parse_bool(property, value)?;
                self.auto_commit_explicit = true;
            }
            "auto.commit.interval.ms" => c.auto_commit_interval = parse_ms(property, value, 0, MS)?,
            "session.timeout.ms" => c.session_timeout = parse_ms(property, value, 1, MS)?,
            "heartbeat.interval.ms" => c.heartbeat_interval = parse_ms(property, value, 1, MS)?,
            "max.poll.interval.ms" => c.max_poll_interval = parse_ms(property, value, 1, MS)?,
            "max.poll.records" => {
                c.max_poll_records = parse_count(property, value, 1, "a count of at least 1")?;
            }
            "partition.assignment.strategy" => {
                let expected = "a list of range, roundrobin, cooperative-sticky";
                let mut assignors = Vec::new();
                for name in parse_list(value) {
                    let assignor = parse_name(property, &name, &ASSIGNORS, expected)?;
                    if !assignors.contains(&assignor) {
                        assignors.push(assignor);
                    }
                }
                c.assignors = assignors;
            }
            "check.crcs" => c.check_crcs = parse_bool(property, value)?,
            "client.rack" => c.client_rack = optional_string(value),
            "default.api.timeout.ms" => c.default_api_timeout = parse_ms(property, value, 1, MS)?,
            "allow.auto.create.topics" => c.allow_auto_create_topics = parse_bool(property, value)?,
            "exclude.internal.topics" => c.exclude_internal_topics = parse_bool(property, value)?,
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
