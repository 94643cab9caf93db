//! [`ConsumerConfig`]: group membership, offsets, fetch sizes, and the prefetch memory bound.
//!
//! Defaults are the Java consumer's; the prefetch bound is librdkafka's
//! `queued.max.messages.kbytes` (64 MiB). [`ConsumerConfigBuilder::build`] follows the Java
//! consumer: without a `group.id`, auto commit is off, and turning it on explicitly is an error.
//! It also requires the prefetch bound to hold one whole fetch (`fetch.max.bytes`), so the
//! memory bound is real. Properties are read by `consumer_properties.rs`.

use std::time::Duration;

use super::{ClientConfig, ClientConfigBuilder, ConfigError};

/// Where to start when a partition has no committed offset (`auto.offset.reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AutoOffsetReset {
    /// `earliest`: the oldest record.
    Earliest,
    /// `latest`: the next record produced (the default).
    #[default]
    Latest,
    /// `none`: report an error.
    None,
}

/// Which records a fetch returns (`isolation.level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IsolationLevel {
    /// `read_uncommitted`: every record (the default).
    #[default]
    ReadUncommitted,
    /// `read_committed`: records of committed transactions only.
    ReadCommitted,
}

impl IsolationLevel {
    /// The value of the `isolation_level` field of a Fetch request.
    #[must_use]
    pub const fn as_i8(self) -> i8 {
        match self {
            Self::ReadUncommitted => 0,
            Self::ReadCommitted => 1,
        }
    }
}

/// A partition assignment strategy of the classic group protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assignor {
    /// `range` (Java `RangeAssignor`).
    Range,
    /// `roundrobin` (Java `RoundRobinAssignor`).
    RoundRobin,
    /// `cooperative-sticky` (Java `CooperativeStickyAssignor`).
    CooperativeSticky,
}

/// Consumer settings. Build with [`ConsumerConfig::builder`] or read from properties.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsumerConfig {
    /// Brokers, security, timeouts.
    pub client: ClientConfig,
    /// `group.id`; `None` for a consumer that assigns partitions itself.
    pub group_id: Option<String>,
    /// `group.instance.id` for static membership.
    pub group_instance_id: Option<String>,
    /// `auto.offset.reset`; default latest.
    pub auto_offset_reset: AutoOffsetReset,
    /// `isolation.level`; default read_uncommitted.
    pub isolation_level: IsolationLevel,
    /// `fetch.min.bytes`; default 1.
    pub fetch_min_bytes: usize,
    /// `fetch.max.bytes`; default 50 MiB.
    pub fetch_max_bytes: usize,
    /// `max.partition.fetch.bytes`; default 1 MiB.
    pub max_partition_fetch_bytes: usize,
    /// `fetch.max.wait.ms`; default 500 ms.
    pub fetch_max_wait: Duration,
    /// Bound on fetched, not yet consumed bytes, decompressed data included
    /// (`queued.max.messages.kbytes`); default 64 MiB; at least `fetch_max_bytes`.
    pub max_prefetch_bytes: usize,
    /// `enable.auto.commit` after validation; default true with a group, false without.
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms`; default 5 s.
    pub auto_commit_interval: Duration,
    /// `session.timeout.ms`; default 45 s.
    pub session_timeout: Duration,
    /// `heartbeat.interval.ms`; default 3 s.
    pub heartbeat_interval: Duration,
    /// `max.poll.interval.ms`; default 5 min.
    pub max_poll_interval: Duration,
    /// `max.poll.records`; default 500.
    pub max_poll_records: u32,
    /// `partition.assignment.strategy`, in order of preference; default range, then
    /// cooperative-sticky (the Java default).
    pub assignors: Vec<Assignor>,
    /// `check.crcs`; default true.
    pub check_crcs: bool,
    /// `client.rack`, sent in fetches so a nearby replica can serve them.
    pub client_rack: Option<String>,
    /// `default.api.timeout.ms`, for calls without their own timeout; default 60 s.
    pub default_api_timeout: Duration,
    /// `allow.auto.create.topics`; default true.
    pub allow_auto_create_topics: bool,
    /// `exclude.internal.topics`; default true.
    pub exclude_internal_topics: bool,
}

impl ConsumerConfig {
    /// A builder starting from the defaults.
    #[must_use]
    pub fn builder() -> ConsumerConfigBuilder {
        ConsumerConfigBuilder::default()
    }

    /// Reads a configuration from `(property, value)` pairs; later pairs win.
    ///
    /// # Errors
    /// The first unknown property or invalid value, then anything
    /// [`ConsumerConfigBuilder::build`] refuses.
    pub fn from_properties<I, K, V>(pairs: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        super::properties::from_pairs::<ConsumerConfigBuilder, _, _, _>(pairs)
    }

    /// Reads a configuration from the text of a Java `.properties` file.
    ///
    /// # Errors
    /// As [`ConsumerConfig::from_properties`], plus [`ConfigError::PropertiesSyntax`].
    pub fn from_properties_text(text: &str) -> Result<Self, ConfigError> {
        super::properties::from_text::<ConsumerConfigBuilder>(text)
    }
}

/// Builds a [`ConsumerConfig`]. The `config.client` field is replaced by the built client
/// settings in [`ConsumerConfigBuilder::build`].
#[derive(Debug, Clone)]
pub struct ConsumerConfigBuilder {
    pub(super) client: ClientConfigBuilder,
    pub(super) config: ConsumerConfig,
    pub(super) auto_commit_explicit: bool,
}

impl Default for ConsumerConfigBuilder {
    fn default() -> Self {
        Self {
            client: ClientConfigBuilder::default(),
            config: ConsumerConfig {
                client: ClientConfig::default(),
                group_id: None,
                group_instance_id: None,
                auto_offset_reset: AutoOffsetReset::Latest,
                isolation_level: IsolationLevel::ReadUncommitted,
                fetch_min_bytes: 1,
                fetch_max_bytes: 50 * 1024 * 1024,
                max_partition_fetch_bytes: 1024 * 1024,
                fetch_max_wait: Duration::from_millis(500),
                max_prefetch_bytes: 64 * 1024 * 1024,
                enable_auto_commit: true,
                auto_commit_interval: Duration::from_secs(5),
                session_timeout: Duration::from_secs(45),
                heartbeat_interval: Duration::from_secs(3),
                max_poll_interval: Duration::from_secs(300),
                max_poll_records: 500,
                assignors: vec![Assignor::Range, Assignor::CooperativeSticky],
                check_crcs: true,
                client_rack: None,
                default_api_timeout: Duration::from_secs(60),
                allow_auto_create_topics: true,
                exclude_internal_topics: true,
            },
            auto_commit_explicit: false,
        }
    }
}

impl ConsumerConfigBuilder {
    /// Changes the client settings with the [`ClientConfigBuilder`] setters.
    #[must_use]
    pub fn client(mut self, edit: impl FnOnce(ClientConfigBuilder) -> ClientConfigBuilder) -> Self {
        self.client = edit(self.client);
        self
    }

    /// Sets `group.id`.
    #[must_use]
    pub fn group_id(mut self, group_id: impl Into<String>) -> Self {
        self.config.group_id = Some(group_id.into());
        self
    }

    /// Sets `auto.offset.reset`.
    #[must_use]
    pub fn auto_offset_reset(mut self, reset: AutoOffsetReset) -> Self {
        self.config.auto_offset_reset = reset;
        self
    }

    /// Sets `isolation.level`.
    #[must_use]
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.config.isolation_level = level;
        self
    }

    /// Sets `enable.auto.commit` explicitly.
    #[must_use]
    pub fn enable_auto_commit(mut self, on: bool) -> Self {
        self.config.enable_auto_commit = on;
        self.auto_commit_explicit = true;
        self
    }

    /// Sets `group.instance.id` (static membership).
    #[must_use]
    pub fn group_instance_id(mut self, id: impl Into<String>) -> Self {
        self.config.group_instance_id = Some(id.into());
        self
    }

    /// Sets `fetch.min.bytes`, `fetch.max.bytes`, `max.partition.fetch.bytes` and
    /// `fetch.max.wait.ms`.
    #[must_use]
    pub fn fetch(
        mut self,
        min_bytes: usize,
        max_bytes: usize,
        max_partition_bytes: usize,
        max_wait: Duration,
    ) -> Self {
        self.config.fetch_min_bytes = min_bytes;
        self.config.fetch_max_bytes = max_bytes;
        self.config.max_partition_fetch_bytes = max_partition_bytes;
        self.config.fetch_max_wait = max_wait;
        self
    }

    /// Sets `auto.commit.interval.ms`.
    #[must_use]
    pub fn auto_commit_interval(mut self, interval: Duration) -> Self {
        self.config.auto_commit_interval = interval;
        self
    }

    /// Sets `session.timeout.ms`, `heartbeat.interval.ms` and `max.poll.interval.ms`.
    #[must_use]
    pub fn group_timing(
        mut self,
        session_timeout: Duration,
        heartbeat_interval: Duration,
        max_poll_interval: Duration,
    ) -> Self {
        self.config.session_timeout = session_timeout;
        self.config.heartbeat_interval = heartbeat_interval;
        self.config.max_poll_interval = max_poll_interval;
        self
    }

    /// Sets `max.poll.records`.
    #[must_use]
    pub fn max_poll_records(mut self, records: u32) -> Self {
        self.config.max_poll_records = records;
        self
    }

    /// Sets `partition.assignment.strategy`, in order of preference.
    #[must_use]
    pub fn assignors(mut self, assignors: impl IntoIterator<Item = Assignor>) -> Self {
        self.config.assignors = assignors.into_iter().collect();
        self
    }

    /// Sets `client.rack`.
    #[must_use]
    pub fn client_rack(mut self, rack: impl Into<String>) -> Self {
        self.config.client_rack = Some(rack.into());
        self
    }

    /// Sets `default.api.timeout.ms`.
    #[must_use]
    pub fn default_api_timeout(mut self, timeout: Duration) -> Self {
        self.config.default_api_timeout = timeout;
        self
    }

    /// Sets the prefetch memory bound in bytes.
    #[must_use]
    pub fn max_prefetch_bytes(mut self, bytes: usize) -> Self {
        self.config.max_prefetch_bytes = bytes;
        self
    }

    /// Validates and returns the configuration.
    ///
    /// # Errors
    /// Anything [`ClientConfigBuilder::build`] refuses; [`ConfigError::Conflict`] for
    /// `enable.auto.commit=true` without `group.id`, `group.instance.id` without `group.id`,
    /// an empty assignor list with a group, or a prefetch bound below `fetch.max.bytes`.
    pub fn build(self) -> Result<ConsumerConfig, ConfigError> {
        let mut config = self.config;
        config.client = self.client.build()?;
        if config.group_id.is_none() {
            if config.enable_auto_commit && self.auto_commit_explicit {
                return Err(ConfigError::Conflict {
                    property: "enable.auto.commit",
                    reason: "auto commit needs a group.id",
                });
            }
            // As the Java consumer: no group, no auto commit.
            config.enable_auto_commit = false;
            if config.group_instance_id.is_some() {
                return Err(ConfigError::Conflict {
                    property: "group.instance.id",
                    reason: "static membership needs a group.id",
                });
            }
        } else if config.assignors.is_empty() {
            return Err(ConfigError::Conflict {
                property: "partition.assignment.strategy",
                reason: "a group needs at least one assignor",
            });
        }
        if config.max_prefetch_bytes < config.fetch_max_bytes {
            return Err(ConfigError::Conflict {
                property: "queued.max.messages.kbytes",
                reason: "the prefetch bound must hold one fetch of fetch.max.bytes",
            });
        }
        Ok(config)
    }
}

impl super::properties::FromProperties for ConsumerConfigBuilder {
    type Config = ConsumerConfig;

    fn set_property(&mut self, property: &str, value: &str) -> Result<(), ConfigError> {
        self.set(property, value)
    }

    fn build_config(self) -> Result<ConsumerConfig, ConfigError> {
        self.build()
    }
}
