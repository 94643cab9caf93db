//! The producer properties: every one [`ProducerConfig`](super::ProducerConfig) reads beyond the
//! client properties (`client_properties.rs`), and those it refuses, as a [`Table`] (see
//! `reference.rs`). The reference rendered from this table is `reference/producer.md`.

use super::ConfigError;
use super::producer::{Acks, Compression, Partitioner, ProducerConfigBuilder};
use super::reference::{DefaultValue::Unset, DefaultValue::Value, Property, Refused, Table};
use super::values::{
    optional_string, parse_bool, parse_bytes, parse_count, parse_kib, parse_ms, parse_name,
};

const ACKS: [(&str, Acks); 4] = [
    ("all", Acks::All),
    ("-1", Acks::All),
    ("0", Acks::None),
    ("1", Acks::Leader),
];

const MS: &str = "a number of milliseconds";

/// Why properties that name Java classes are refused.
const JAVA_CLASS: &str = "a Java class: franzl takes bytes";

impl ProducerConfigBuilder {
    /// Sets one producer or client property by its Java or librdkafka name (see the reference
    /// in [`ProducerConfig`](super::ProducerConfig)'s docs).
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
        PRODUCER.apply(self, property, value)
    }
}

/// Every producer property beyond the client's.
pub(crate) static PRODUCER: Table<ProducerConfigBuilder> = Table {
    intro: "# Properties\n\n\
        What [`ProducerConfig::from_properties`] and [`ProducerConfigBuilder::set`] accept, \
        besides every client property (see [`ClientConfig`]). Names are the Java producer's, \
        aliases librdkafka's; defaults are the Java producer's (Kafka 4.0).",
    properties: &[
        Property {
            name: "acks",
            aliases: &["request.required.acks"],
            default: Value("all"),
            meaning: "How many replicas must have a record before the broker answers: `all` \
                      (or `-1`) every in-sync replica, `1` the leader, `0` no answer is awaited.",
            no_effect: None,
            set: |b, p, v| {
                b.config.acks = parse_name(p, v, &ACKS, "all, -1, 0 or 1")?;
                Ok(())
            },
        },
        Property {
            name: "linger.ms",
            aliases: &["queue.buffering.max.ms"],
            default: Value("5"),
            meaning: "Milliseconds a batch may wait for more records before it is sent.",
            no_effect: None,
            set: |b, p, v| {
                b.config.linger = parse_ms(p, v, 0, MS)?;
                Ok(())
            },
        },
        Property {
            name: "batch.size",
            aliases: &[],
            default: Value("1000000"),
            meaning: "The largest batch per partition, in bytes (a larger record gets a batch \
                      of its own). A batch starts at 16 KiB (or the size the partition's last \
                      batch needed) and grows up to this while buffer.memory allows; the Java \
                      client's default is 16384, librdkafka's and franz-go's about 1 MB.",
            no_effect: None,
            set: |b, p, v| {
                b.config.batch_size = parse_bytes(p, v, 0, "a size in bytes")?;
                Ok(())
            },
        },
        Property {
            name: "buffer.memory",
            aliases: &[],
            default: Value("33554432"),
            meaning: "Bytes of records awaiting sending the producer may hold; when full, \
                      `send` waits, at most `max.block.ms`.",
            no_effect: None,
            set: |b, p, v| {
                b.config.buffer_memory = parse_bytes(p, v, 0, "a size in bytes")?;
                Ok(())
            },
        },
        Property {
            name: "queue.buffering.max.kbytes",
            aliases: &[],
            default: Value("32768"),
            meaning: "librdkafka's `buffer.memory`, in KiB.",
            no_effect: None,
            set: |b, p, v| {
                b.config.buffer_memory = parse_kib(p, v)?;
                Ok(())
            },
        },
        Property {
            name: "max.request.size",
            aliases: &["message.max.bytes"],
            default: Value("1048576"),
            meaning: "The largest Produce request, in bytes; a larger record is refused by \
                      `send`.",
            no_effect: None,
            set: |b, p, v| {
                b.config.max_request_size = parse_bytes(p, v, 1, "a size in bytes")?;
                Ok(())
            },
        },
        Property {
            name: "compression.type",
            aliases: &["compression.codec"],
            default: Value("none"),
            meaning: "The codec of record batches: `none`, `gzip`, `snappy`, `lz4` or `zstd`.",
            no_effect: None,
            set: |b, p, v| {
                let codecs = Compression::ALL.map(|codec| (codec.name(), codec));
                b.config.compression =
                    parse_name(p, v, &codecs, "none, gzip, snappy, lz4 or zstd")?;
                Ok(())
            },
        },
        Property {
            name: "allow.auto.create.topics",
            aliases: &[],
            default: Value("true"),
            meaning: "Whether the producer's metadata requests for a topic it sends to ask the \
                      broker to create the topic when it does not exist; the broker does when \
                      its `auto.create.topics.enable` is on, with its default partitions and \
                      replication. Either way a missing topic is waited for up to \
                      `max.block.ms`.",
            no_effect: None,
            set: |b, p, v| {
                b.config.allow_auto_create_topics = parse_bool(p, v)?;
                Ok(())
            },
        },
        Property {
            name: "enable.idempotence",
            aliases: &[],
            default: Value("true"),
            meaning: "Each record is written once and in order, even when retried. Needs \
                      `acks=all`, `retries` above 0 and at most 5 requests in flight: set \
                      explicitly, a conflict with those is an error; left at its default, it is \
                      turned off instead, as in the Java producer.",
            no_effect: None,
            set: |b, p, v| {
                b.config.enable_idempotence = parse_bool(p, v)?;
                b.idempotence_explicit = true;
                Ok(())
            },
        },
        Property {
            name: "max.in.flight.requests.per.connection",
            aliases: &["max.in.flight"],
            default: Value("5"),
            meaning: "Produce requests sent to a broker before its answers; at least 1, at \
                      most 5 with idempotence.",
            no_effect: None,
            set: |b, p, v| {
                b.config.max_in_flight = parse_count(p, v, 1, "a count of at least 1")?;
                Ok(())
            },
        },
        Property {
            name: "retries",
            aliases: &["message.send.max.retries"],
            default: Value("2147483647"),
            meaning: "How often a batch that failed with a retriable error is sent again; \
                      bounded in practice by `delivery.timeout.ms`.",
            no_effect: None,
            set: |b, p, v| {
                b.config.retries = parse_count(p, v, 0, "a count")?;
                Ok(())
            },
        },
        Property {
            name: "delivery.timeout.ms",
            aliases: &["message.timeout.ms"],
            default: Value("120000"),
            meaning: "Milliseconds from `send` to a record's success or failure, retries \
                      included; at least `linger.ms + request.timeout.ms` (set lower it is an \
                      error, left at its default it is raised to that).",
            no_effect: None,
            set: |b, p, v| {
                b.config.delivery_timeout = parse_ms(p, v, 1, MS)?;
                b.delivery_timeout_explicit = true;
                Ok(())
            },
        },
        Property {
            name: "partitioner",
            aliases: &[],
            default: Unset("none: the Java client's partitioner"),
            meaning: "librdkafka's partitioner choice; only `murmur2_random` (murmur2 of the \
                      key, as the Java client, and a random partition for a record without a \
                      key) is accepted. Without it, records without a key stick to one \
                      partition per batch (KIP-794).",
            no_effect: None,
            set: |b, p, v| {
                if !v.trim().eq_ignore_ascii_case("murmur2_random") {
                    return Err(ConfigError::unsupported(
                        p,
                        "only murmur2_random (the Java-compatible one)",
                    ));
                }
                b.config.partitioner = Partitioner::Murmur2Random;
                Ok(())
            },
        },
        Property {
            name: "partitioner.ignore.keys",
            aliases: &[],
            default: Value("false"),
            meaning: "`true` ignores keys: every record sticks to one partition per batch.",
            no_effect: None,
            set: |b, p, v| {
                b.config.partitioner = if parse_bool(p, v)? {
                    Partitioner::UniformSticky
                } else {
                    Partitioner::Default
                };
                Ok(())
            },
        },
        Property {
            name: "transactional.id",
            aliases: &[],
            default: Value(""),
            meaning: "Makes the producer transactional: records are written inside \
                      transactions (`init_transactions`, `begin_transaction`, \
                      `commit_transaction`), and a newer producer with the same id fences this \
                      one. Needs idempotence. Empty means none.",
            no_effect: None,
            set: |b, _, v| {
                b.config.transactional_id = optional_string(v);
                Ok(())
            },
        },
        Property {
            name: "transaction.timeout.ms",
            aliases: &[],
            default: Value("60000"),
            meaning: "How long the transaction coordinator lets a transaction stay open \
                      before aborting it; at most the broker's `transaction.max.timeout.ms`. \
                      Only with `transactional.id` (set without one it is an error).",
            no_effect: None,
            set: |b, p, v| {
                b.config.transaction_timeout = parse_ms(p, v, 1, MS)?;
                b.transaction_timeout_explicit = true;
                Ok(())
            },
        },
    ],
    refused: &[Refused {
        names: &["key.serializer", "value.serializer", "partitioner.class"],
        reason: JAVA_CLASS,
    }],
};
