//! The consumer properties: every one [`ConsumerConfig`](super::ConsumerConfig) reads beyond
//! the client properties (`client_properties.rs`), and those it refuses, as a [`Table`] (see
//! `reference.rs`). The reference rendered from this table is `reference/consumer.md`.
//!
//! The group properties need `group.id` (set without it, the build fails naming them); those of
//! one group protocol are refused with the other (`consumer.rs`, at build), and two whose other
//! value franzl does not implement are accepted at one value only.

use super::ConfigError;
use super::consumer::{AutoOffsetReset, ConsumerConfigBuilder, IsolationLevel};
use super::group::{Assignors, GroupProtocol, REMOTE_ASSIGNORS};
use super::reference::{DefaultValue::Unset, DefaultValue::Value, Property, Refused, Table};
use super::values::{
    optional_string, parse_bool, parse_bytes, parse_count, parse_kib, parse_list, parse_ms,
    parse_name,
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

/// What `group.protocol` takes.
const PROTOCOLS: [(&str, GroupProtocol); 2] = [
    ("classic", GroupProtocol::Classic),
    ("consumer", GroupProtocol::Consumer),
];

/// What `partition.assignment.strategy` takes.
const ASSIGNORS: &str = "a list of range, roundrobin, sticky, cooperative-sticky";

/// Why `allow.auto.create.topics=true` is refused.
const NO_AUTO_CREATE: &str =
    "only false is supported: the consumer reads assigned topics, which must exist";

/// Why `exclude.internal.topics=false` is refused.
const NO_INTERNAL_TOPICS: &str =
    "only true is supported: the consumer does not subscribe by pattern";

const MS: &str = "a number of milliseconds";
const BYTES: &str = "a size in bytes";

impl ConsumerConfigBuilder {
    /// Sets one consumer or client property by its Java or librdkafka name (see the reference
    /// in [`ConsumerConfig`](super::ConsumerConfig)'s docs).
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
        CONSUMER.apply(self, property, value)
    }
}

/// Reads a boolean that franzl accepts at `only` alone, refusing the other value with `why`.
fn only_at(property: &str, value: &str, only: bool, why: &'static str) -> Result<(), ConfigError> {
    if parse_bool(property, value)? == only {
        Ok(())
    } else {
        Err(ConfigError::unsupported(property, why))
    }
}

/// Every consumer property beyond the client's.
pub(crate) static CONSUMER: Table<ConsumerConfigBuilder> = Table {
    intro: "# Properties\n\n\
        What [`ConsumerConfig::from_properties`] and [`ConsumerConfigBuilder::set`] accept, \
        besides every client property (see [`ClientConfig`]). Names are the Java consumer's, \
        aliases librdkafka's; defaults are the Java consumer's, but for the prefetch bound \
        (librdkafka's). With `group.id` the consumer is a member of a consumer group (the \
        classic protocol); the group properties need it.",
    properties: &[
        Property {
            name: "auto.offset.reset",
            aliases: &[],
            default: Value("latest"),
            meaning: "Where to start reading a partition that has no position: `earliest` \
                      (also `smallest`, `beginning`), `latest` (also `largest`, `end`) or `none` \
                      (also `error`: report an error).",
            no_effect: None,
            set: |b, p, v| {
                b.config.auto_offset_reset = parse_name(p, v, &RESETS, "earliest, latest or none")?;
                Ok(())
            },
        },
        Property {
            name: "isolation.level",
            aliases: &[],
            default: Value("read_uncommitted"),
            meaning: "`read_uncommitted` returns every record; `read_committed` only records of \
                      committed transactions.",
            no_effect: None,
            set: |b, p, v| {
                b.config.isolation_level =
                    parse_name(p, v, &LEVELS, "read_uncommitted or read_committed")?;
                Ok(())
            },
        },
        Property {
            name: "fetch.min.bytes",
            aliases: &[],
            default: Value("1"),
            meaning: "Bytes a broker waits for (at most `fetch.max.wait.ms`) before answering a \
                      fetch.",
            no_effect: None,
            set: |b, p, v| {
                b.config.fetch_min_bytes = parse_bytes(p, v, 0, BYTES)?;
                Ok(())
            },
        },
        Property {
            name: "fetch.max.bytes",
            aliases: &[],
            default: Value("52428800"),
            meaning: "The most bytes a broker returns in one fetch (it returns at least one \
                      batch); at most `queued.max.messages.kbytes` and \
                      `receive.message.max.bytes`.",
            no_effect: None,
            set: |b, p, v| {
                b.config.fetch_max_bytes = parse_bytes(p, v, 0, BYTES)?;
                Ok(())
            },
        },
        Property {
            name: "max.partition.fetch.bytes",
            aliases: &["fetch.message.max.bytes"],
            default: Value("1048576"),
            meaning: "The most bytes a broker returns for one partition in one fetch.",
            no_effect: None,
            set: |b, p, v| {
                b.config.max_partition_fetch_bytes = parse_bytes(p, v, 1, BYTES)?;
                Ok(())
            },
        },
        Property {
            name: "fetch.max.wait.ms",
            aliases: &["fetch.wait.max.ms"],
            default: Value("500"),
            meaning: "Milliseconds a broker may hold a fetch while it has less than \
                      `fetch.min.bytes`.",
            no_effect: None,
            set: |b, p, v| {
                b.config.fetch_max_wait = parse_ms(p, v, 0, MS)?;
                Ok(())
            },
        },
        Property {
            name: "queued.max.messages.kbytes",
            aliases: &[],
            default: Value("65536"),
            meaning: "The bound, in KiB, on fetched records not yet returned by `poll`, \
                      decompressed data and 64 bytes of bookkeeping a record included; fetching \
                      pauses at it. Must hold one `fetch.max.bytes`.",
            no_effect: None,
            set: |b, p, v| {
                b.config.max_prefetch_bytes = parse_kib(p, v)?;
                Ok(())
            },
        },
        Property {
            name: "max.poll.records",
            aliases: &[],
            default: Value("500"),
            meaning: "The most records one `poll` returns (at least 1).",
            no_effect: None,
            set: |b, p, v| {
                b.config.max_poll_records = parse_count(p, v, 1, "a count of at least 1")?;
                Ok(())
            },
        },
        Property {
            name: "check.crcs",
            aliases: &[],
            default: Value("true"),
            meaning: "`true` checks the CRC32C of every fetched batch; a mismatch is an error.",
            no_effect: None,
            set: |b, p, v| {
                b.config.check_crcs = parse_bool(p, v)?;
                Ok(())
            },
        },
        Property {
            name: "client.rack",
            aliases: &[],
            default: Value(""),
            meaning: "The rack the client is in, sent in fetches so that a replica in the same \
                      rack can serve them (KIP-392).",
            no_effect: None,
            set: |b, _, v| {
                b.config.client_rack = optional_string(v);
                Ok(())
            },
        },
        Property {
            name: "default.api.timeout.ms",
            aliases: &[],
            default: Value("60000"),
            meaning: "Milliseconds a consumer call without a timeout of its own may take (such \
                      as looking up offsets).",
            no_effect: None,
            set: |b, p, v| {
                b.config.default_api_timeout = parse_ms(p, v, 1, MS)?;
                Ok(())
            },
        },
        Property {
            name: "group.id",
            aliases: &[],
            default: Unset("no group: the consumer reads the partitions it is assigned"),
            meaning: "The consumer group to join: the consumer can then `subscribe`, and its \
                      positions are committed to the group. Empty means no group.",
            no_effect: None,
            set: |b, _, v| {
                b.group.group_id = optional_string(v).unwrap_or_default();
                Ok(())
            },
        },
        Property {
            name: "group.instance.id",
            aliases: &[],
            default: Unset("a dynamic member"),
            meaning: "A static member's id (KIP-345): a restart within the session timeout \
                      causes no rebalance, a second member with the same id is fenced (classic) \
                      or refused (`group.protocol=consumer`), and closing does not leave the \
                      group (the consumer protocol leaves with epoch -2, which keeps the \
                      partitions for it). Needs `group.id`.",
            no_effect: None,
            set: |b, _, v| {
                b.group.group_instance_id = optional_string(v);
                b.set_group_property("group.instance.id");
                Ok(())
            },
        },
        Property {
            name: "session.timeout.ms",
            aliases: &[],
            default: Value("45000"),
            meaning: "Milliseconds after which the group coordinator removes a member it has \
                      not heard from. Needs `group.id`.",
            no_effect: None,
            set: |b, p, v| {
                b.group.session_timeout = parse_ms(p, v, 1, MS)?;
                b.set_group_property("session.timeout.ms");
                Ok(())
            },
        },
        Property {
            name: "heartbeat.interval.ms",
            aliases: &[],
            default: Value("3000"),
            meaning: "Milliseconds between a member's heartbeats; below `session.timeout.ms`. \
                      Needs `group.id`.",
            no_effect: None,
            set: |b, p, v| {
                b.group.heartbeat_interval = parse_ms(p, v, 1, MS)?;
                b.set_group_property("heartbeat.interval.ms");
                Ok(())
            },
        },
        Property {
            name: "max.poll.interval.ms",
            aliases: &[],
            default: Value("300000"),
            meaning: "Milliseconds the caller may go without taking records before the member \
                      leaves the group (it joins again at the next poll); also the rebalance \
                      timeout. Needs `group.id`.",
            no_effect: None,
            set: |b, p, v| {
                b.group.max_poll_interval = parse_ms(p, v, 1, MS)?;
                b.set_group_property("max.poll.interval.ms");
                Ok(())
            },
        },
        Property {
            name: "enable.auto.commit",
            aliases: &[],
            default: Value("true"),
            meaning: "Commit the positions of the records handed out every \
                      `auto.commit.interval.ms`, before partitions are revoked, and on close. \
                      Needs `group.id`.",
            no_effect: None,
            set: |b, p, v| {
                b.group.auto_commit = parse_bool(p, v)?;
                b.set_group_property("enable.auto.commit");
                Ok(())
            },
        },
        Property {
            name: "auto.commit.interval.ms",
            aliases: &[],
            default: Value("5000"),
            meaning: "Milliseconds between automatic commits. Needs `group.id`.",
            no_effect: None,
            set: |b, p, v| {
                b.group.auto_commit_interval = parse_ms(p, v, 1, MS)?;
                b.set_group_property("auto.commit.interval.ms");
                Ok(())
            },
        },
        Property {
            name: "partition.assignment.strategy",
            aliases: &[],
            default: Value("range,cooperative-sticky"),
            meaning: "The assignors a member offers, most preferred first, by the Java names \
                      (`range`, `roundrobin`, `sticky`, `cooperative-sticky`, or their Java \
                      class names). Needs `group.id`.",
            no_effect: None,
            set: |b, p, v| {
                let names = parse_list(v);
                b.group.assignors = Assignors::by_names(names.iter().map(String::as_str))
                    .map_err(|_| ConfigError::invalid(p, v, ASSIGNORS))?;
                b.set_group_property("partition.assignment.strategy");
                Ok(())
            },
        },
        Property {
            name: "group.protocol",
            aliases: &[],
            default: Value("classic"),
            meaning: "The consumer group protocol: `classic` (JoinGroup and SyncGroup, a member \
                      assigns) or `consumer` (KIP-848: ConsumerGroupHeartbeat, the broker \
                      assigns; Kafka 4.0 or later). With `consumer`, `session.timeout.ms`, \
                      `heartbeat.interval.ms` and `partition.assignment.strategy` are refused \
                      (the broker sets them); `consumer` needs `group.id`.",
            no_effect: None,
            set: |b, p, v| {
                b.group.protocol = parse_name(p, v, &PROTOCOLS, "classic or consumer")?;
                if b.group.protocol == GroupProtocol::Consumer {
                    b.set_group_property("group.protocol");
                }
                Ok(())
            },
        },
        Property {
            name: "group.remote.assignor",
            aliases: &[],
            default: Unset("the broker's default (`uniform`)"),
            meaning: "With `group.protocol=consumer`, the assignor the broker runs for the \
                      group: `uniform` or `range`. Refused with the classic protocol.",
            no_effect: None,
            set: |b, p, v| {
                let name = v.trim();
                if !REMOTE_ASSIGNORS.contains(&name) {
                    return Err(ConfigError::invalid(p, v, "uniform or range"));
                }
                b.group.remote_assignor = Some(name.to_owned());
                b.set_group_property("group.remote.assignor");
                Ok(())
            },
        },
        Property {
            name: "allow.auto.create.topics",
            aliases: &[],
            default: Value("false"),
            meaning: "Accepted as `false` only (the Java default is `true`): an assigned topic \
                      must exist.",
            no_effect: Some(
                "only `false` is accepted: the consumer never asks the broker to create a \
                 topic.",
            ),
            set: |_, p, v| only_at(p, v, false, NO_AUTO_CREATE),
        },
        Property {
            name: "exclude.internal.topics",
            aliases: &[],
            default: Value("true"),
            meaning: "Accepted as `true` only: internal topics are left out of pattern \
                      subscriptions, and the consumer has none.",
            no_effect: Some(
                "only `true` is accepted: it filters pattern subscriptions, which need \
                 consumer groups; an assigned internal topic is read as any other.",
            ),
            set: |_, p, v| only_at(p, v, true, NO_INTERNAL_TOPICS),
        },
    ],
    refused: &[Refused {
        names: &["key.deserializer", "value.deserializer"],
        reason: "a Java class: franzl hands out bytes",
    }],
};
