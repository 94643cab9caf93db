//! [`ProducerConfig`]: acks, batching, compression, idempotence and retries.
//!
//! Defaults are the Java producer's (Kafka 4.0: `acks=all`, `linger.ms=5`,
//! `enable.idempotence=true`). [`ProducerConfigBuilder::build`] settles idempotence as the Java
//! producer does: explicitly enabled idempotence with `acks` other than `all`,
//! `max.in.flight.requests.per.connection` above 5 or `retries=0` is an error; left at its
//! default, it is turned off instead. A `delivery.timeout.ms` below
//! `linger.ms + request.timeout.ms` is an error if set, and raised to that sum if left at its
//! default. A `transactional.id` makes the producer transactional, which needs idempotence:
//! explicitly disabled idempotence is then an error, and so is any setting that would have turned
//! default idempotence off; `transaction.timeout.ms` without a `transactional.id` is an error
//! (it would act on nothing). Properties are read by `producer_properties.rs`.

use std::time::Duration;

use super::{ClientConfig, ClientConfigBuilder, ConfigError};

/// `batch.size` when not set: librdkafka's and franz-go's largest batch. Batches grow to it from
/// 16 KiB, so a quiet partition holds no more than that.
pub(super) const DEFAULT_BATCH_SIZE: usize = 1_000_000;

/// `transaction.timeout.ms` when not set (the Java producer's 60 s).
const DEFAULT_TRANSACTION_TIMEOUT: Duration = Duration::from_secs(60);

/// How many replicas must have a record before the broker answers (`acks`): franzl-core's,
/// as the embedded client uses it; default `all`.
pub use franzl_core::messages::Acks;

/// The codec for record batches (`compression.type`): franzl-core's; default none.
pub use franzl_core::compression::Compression;

/// How records are spread over partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Partitioner {
    /// The Java default: murmur2 of the key modulo the partition count; records without a
    /// key stick to one partition per batch (KIP-794).
    #[default]
    Default,
    /// Keys are ignored, every record sticks to one partition per batch
    /// (`partitioner.ignore.keys=true`).
    UniformSticky,
    /// librdkafka's `murmur2_random`: murmur2 of the key, a random partition without a key.
    Murmur2Random,
}

/// Producer settings. Build with [`ProducerConfig::builder`] or read from properties.
///
#[doc = include_str!("reference/producer.md")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProducerConfig {
    /// Brokers, security, timeouts (`request.timeout.ms`, `retry.backoff.ms` live here). For a
    /// producer made from a [`Client`](crate::Client) (`Producer::new`), this must be the
    /// client's own configuration: the producer runs on the client's settings.
    pub client: ClientConfig,
    /// `acks`; default all.
    pub acks: Acks,
    /// How long a batch may wait for more records (`linger.ms`); default 5 ms.
    pub linger: Duration,
    /// Largest batch per partition, in bytes (`batch.size`); default 1,000,000. A batch starts
    /// small (16 KiB, or what the partition's last batch needed) and grows up to this size while
    /// `buffer.memory` allows.
    pub batch_size: usize,
    /// Bound on the bytes of records awaiting sending (`buffer.memory`); default 32 MiB. When
    /// full, `send` waits.
    pub buffer_memory: usize,
    /// Largest Produce request, in bytes (`max.request.size`); default 1 MiB.
    pub max_request_size: usize,
    /// `compression.type`; default none.
    pub compression: Compression,
    /// `enable.idempotence` after validation; default true.
    pub enable_idempotence: bool,
    /// `max.in.flight.requests.per.connection`; default 5 (at most 5 with idempotence).
    pub max_in_flight: u32,
    /// How often a failed send is retried (`retries`); default `i32::MAX`, bounded in practice
    /// by `delivery_timeout`.
    pub retries: u32,
    /// Time from `send` to success or failure (`delivery.timeout.ms`); default 120 s.
    pub delivery_timeout: Duration,
    /// The partitioner.
    pub partitioner: Partitioner,
    /// `transactional.id`: with one, the producer writes inside transactions only (see
    /// [`Producer::init_transactions`](crate::producer::Producer::init_transactions)); default
    /// none.
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms`: how long the transaction coordinator lets a transaction stay
    /// open before aborting it; default 60 s. Only with a `transactional.id`.
    pub transaction_timeout: Duration,
    /// `allow.auto.create.topics`: whether the metadata requests for a topic the producer
    /// sends to ask the broker to create it when it does not exist (the broker does when its
    /// `auto.create.topics.enable` is on); default true, as the Java producer.
    pub allow_auto_create_topics: bool,
}

impl ProducerConfig {
    /// A builder starting from the defaults.
    #[must_use]
    pub fn builder() -> ProducerConfigBuilder {
        ProducerConfigBuilder::default()
    }

    /// Reads a configuration from `(property, value)` pairs; later pairs win.
    ///
    /// # Errors
    /// The first unknown property or invalid value, then anything
    /// [`ProducerConfigBuilder::build`] refuses.
    pub fn from_properties<I, K, V>(pairs: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        super::properties::from_pairs::<ProducerConfigBuilder, _, _, _>(pairs)
    }

    /// Reads a configuration from the text of a Java `.properties` file.
    ///
    /// # Errors
    /// As [`ProducerConfig::from_properties`], plus [`ConfigError::PropertiesSyntax`].
    pub fn from_properties_text(text: &str) -> Result<Self, ConfigError> {
        super::properties::from_text::<ProducerConfigBuilder>(text)
    }
}

/// Builds a [`ProducerConfig`].
#[derive(Debug, Clone)]
pub struct ProducerConfigBuilder {
    pub(super) client: ClientConfigBuilder,
    pub(super) config: ProducerSettings,
    pub(super) idempotence_explicit: bool,
    pub(super) delivery_timeout_explicit: bool,
    pub(super) transaction_timeout_explicit: bool,
}

/// The producer's own settings while building (the client part is built separately).
#[derive(Debug, Clone)]
pub(super) struct ProducerSettings {
    pub(super) acks: Acks,
    pub(super) linger: Duration,
    pub(super) batch_size: usize,
    pub(super) buffer_memory: usize,
    pub(super) max_request_size: usize,
    pub(super) compression: Compression,
    pub(super) enable_idempotence: bool,
    pub(super) max_in_flight: u32,
    pub(super) retries: u32,
    pub(super) delivery_timeout: Duration,
    pub(super) partitioner: Partitioner,
    pub(super) transactional_id: Option<String>,
    pub(super) transaction_timeout: Duration,
    pub(super) allow_auto_create_topics: bool,
}

impl Default for ProducerConfigBuilder {
    fn default() -> Self {
        Self {
            client: ClientConfigBuilder::default(),
            config: ProducerSettings {
                acks: Acks::All,
                linger: Duration::from_millis(5),
                batch_size: DEFAULT_BATCH_SIZE,
                buffer_memory: 32 * 1024 * 1024,
                max_request_size: 1024 * 1024,
                compression: Compression::None,
                enable_idempotence: true,
                max_in_flight: 5,
                retries: i32::MAX as u32,
                delivery_timeout: Duration::from_secs(120),
                partitioner: Partitioner::Default,
                transactional_id: None,
                transaction_timeout: DEFAULT_TRANSACTION_TIMEOUT,
                allow_auto_create_topics: true,
            },
            idempotence_explicit: false,
            delivery_timeout_explicit: false,
            transaction_timeout_explicit: false,
        }
    }
}

impl ProducerConfigBuilder {
    /// Changes the client settings with the [`ClientConfigBuilder`] setters.
    #[must_use]
    pub fn client(mut self, edit: impl FnOnce(ClientConfigBuilder) -> ClientConfigBuilder) -> Self {
        self.client = edit(self.client);
        self
    }

    /// Sets `acks`.
    #[must_use]
    pub fn acks(mut self, acks: Acks) -> Self {
        self.config.acks = acks;
        self
    }

    /// Sets `linger.ms`.
    #[must_use]
    pub fn linger(mut self, linger: Duration) -> Self {
        self.config.linger = linger;
        self
    }

    /// Sets `batch.size` in bytes.
    #[must_use]
    pub fn batch_size(mut self, bytes: usize) -> Self {
        self.config.batch_size = bytes;
        self
    }

    /// Sets `buffer.memory` in bytes.
    #[must_use]
    pub fn buffer_memory(mut self, bytes: usize) -> Self {
        self.config.buffer_memory = bytes;
        self
    }

    /// Sets `max.request.size` in bytes.
    #[must_use]
    pub fn max_request_size(mut self, bytes: usize) -> Self {
        self.config.max_request_size = bytes;
        self
    }

    /// Sets `compression.type`.
    #[must_use]
    pub fn compression(mut self, compression: Compression) -> Self {
        self.config.compression = compression;
        self
    }

    /// Sets `allow.auto.create.topics`: whether a topic the producer sends to is created by
    /// the broker when it does not exist (and the broker's `auto.create.topics.enable` is on).
    #[must_use]
    pub fn allow_auto_create_topics(mut self, on: bool) -> Self {
        self.config.allow_auto_create_topics = on;
        self
    }

    /// Sets `enable.idempotence` explicitly (so conflicts become errors).
    #[must_use]
    pub fn enable_idempotence(mut self, on: bool) -> Self {
        self.config.enable_idempotence = on;
        self.idempotence_explicit = true;
        self
    }

    /// Sets `max.in.flight.requests.per.connection` (at least 1).
    #[must_use]
    pub fn max_in_flight(mut self, requests: u32) -> Self {
        self.config.max_in_flight = requests;
        self
    }

    /// Sets `retries`.
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.config.retries = retries;
        self
    }

    /// Sets `delivery.timeout.ms` explicitly.
    #[must_use]
    pub fn delivery_timeout(mut self, timeout: Duration) -> Self {
        self.config.delivery_timeout = timeout;
        self.delivery_timeout_explicit = true;
        self
    }

    /// Sets the partitioner.
    #[must_use]
    pub fn partitioner(mut self, partitioner: Partitioner) -> Self {
        self.config.partitioner = partitioner;
        self
    }

    /// Sets `transactional.id` (an empty id means none, as in the Java client): the producer
    /// becomes transactional, which needs idempotence.
    #[must_use]
    pub fn transactional_id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        self.config.transactional_id = (!id.trim().is_empty()).then_some(id);
        self
    }

    /// Sets `transaction.timeout.ms` (needs a `transactional.id`).
    #[must_use]
    pub fn transaction_timeout(mut self, timeout: Duration) -> Self {
        self.config.transaction_timeout = timeout;
        self.transaction_timeout_explicit = true;
        self
    }

    /// Validates and returns the configuration (see the module docs for the rules).
    ///
    /// # Errors
    /// Anything [`ClientConfigBuilder::build`] refuses; [`ConfigError::InvalidValue`] for
    /// `max.in.flight.requests.per.connection=0` and a `transaction.timeout.ms` of 0 or above
    /// `i32::MAX` ms; [`ConfigError::Conflict`] for explicit idempotence (or a
    /// `transactional.id`) with `acks`, `max.in.flight.requests.per.connection` or `retries`
    /// that break it, a `transactional.id` with idempotence disabled, a `transaction.timeout.ms`
    /// without a `transactional.id`, or an explicit `delivery.timeout.ms` below
    /// `linger.ms + request.timeout.ms`.
    pub fn build(self) -> Result<ProducerConfig, ConfigError> {
        let client = self.client.build()?;
        let mut s = self.config;
        if s.max_in_flight == 0 {
            return Err(ConfigError::invalid(
                "max.in.flight.requests.per.connection",
                "0",
                "at least 1",
            ));
        }
        let transactional = s.transactional_id.is_some();
        check_transaction_settings(&s, self.transaction_timeout_explicit)?;
        if s.enable_idempotence {
            let conflict = if s.max_in_flight > 5 {
                Some((
                    "max.in.flight.requests.per.connection",
                    s.max_in_flight.to_string(),
                    "idempotence keeps order with at most 5 requests in flight per connection",
                ))
            } else if s.retries == 0 {
                Some((
                    "retries",
                    "0".to_owned(),
                    "idempotence needs retries above 0",
                ))
            } else if s.acks != Acks::All {
                Some((
                    "acks",
                    s.acks.property_value().to_owned(),
                    "idempotence needs acks=all",
                ))
            } else {
                None
            };
            match conflict {
                Some((property, value, reason)) if transactional => {
                    return Err(ConfigError::Conflict {
                        property,
                        value,
                        other: "transactional.id",
                        other_value: "(set)".to_owned(),
                        reason,
                    });
                }
                Some((property, value, reason)) if self.idempotence_explicit => {
                    return Err(ConfigError::Conflict {
                        property,
                        value,
                        other: "enable.idempotence",
                        other_value: "true".to_owned(),
                        reason,
                    });
                }
                // As the Java producer: default idempotence yields to explicit settings.
                Some(_) => s.enable_idempotence = false,
                None => {}
            }
        }
        let minimum = s.linger.saturating_add(client.request_timeout);
        if s.delivery_timeout < minimum {
            if self.delivery_timeout_explicit {
                return Err(ConfigError::Conflict {
                    property: "delivery.timeout.ms",
                    value: s.delivery_timeout.as_millis().to_string(),
                    other: "linger.ms + request.timeout.ms",
                    other_value: format!(
                        "{} + {}",
                        s.linger.as_millis(),
                        client.request_timeout.as_millis()
                    ),
                    reason: "a record must be allowed to linger and then wait for one answer",
                });
            }
            s.delivery_timeout = minimum;
        }
        Ok(ProducerConfig {
            client,
            acks: s.acks,
            linger: s.linger,
            batch_size: s.batch_size,
            buffer_memory: s.buffer_memory,
            max_request_size: s.max_request_size,
            compression: s.compression,
            enable_idempotence: s.enable_idempotence,
            max_in_flight: s.max_in_flight,
            retries: s.retries,
            delivery_timeout: s.delivery_timeout,
            partitioner: s.partitioner,
            transactional_id: s.transactional_id,
            transaction_timeout: s.transaction_timeout,
            allow_auto_create_topics: s.allow_auto_create_topics,
        })
    }
}

/// The transactional settings' own rules: a `transactional.id` needs idempotence, and
/// `transaction.timeout.ms` needs a `transactional.id` and fits the protocol's `int32`.
fn check_transaction_settings(
    s: &ProducerSettings,
    timeout_explicit: bool,
) -> Result<(), ConfigError> {
    let timeout_ms = s.transaction_timeout.as_millis();
    if timeout_ms == 0 || timeout_ms > i32::MAX as u128 {
        return Err(ConfigError::invalid(
            "transaction.timeout.ms",
            &timeout_ms.to_string(),
            "milliseconds from 1 to 2147483647",
        ));
    }
    if s.transactional_id.is_some() {
        if !s.enable_idempotence {
            return Err(ConfigError::Conflict {
                property: "enable.idempotence",
                value: "false".to_owned(),
                other: "transactional.id",
                other_value: "(set)".to_owned(),
                reason: "a transactional producer is idempotent",
            });
        }
    } else if timeout_explicit {
        return Err(ConfigError::Conflict {
            property: "transaction.timeout.ms",
            value: timeout_ms.to_string(),
            other: "transactional.id",
            other_value: "(unset)".to_owned(),
            reason: "the transaction timeout acts only on a transactional producer",
        });
    }
    Ok(())
}

impl super::properties::FromProperties for ProducerConfigBuilder {
    type Config = ProducerConfig;

    fn set_property(&mut self, property: &str, value: &str) -> Result<(), ConfigError> {
        self.set(property, value)
    }

    fn build_config(self) -> Result<ProducerConfig, ConfigError> {
        self.build()
    }
}
