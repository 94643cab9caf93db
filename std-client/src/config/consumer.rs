//! [`ConsumerConfig`]: where to start, fetch sizes, and the prefetch memory bound.
//!
//! Defaults are the Java consumer's; the prefetch bound is librdkafka's
//! `queued.max.messages.kbytes` (64 MiB). [`ConsumerConfigBuilder::build`] requires the prefetch
//! bound to hold one whole fetch (`fetch.max.bytes`), so the memory bound is real, and
//! `receive.message.max.bytes` to be at least `fetch.max.bytes`, as a larger response is refused.
//! Properties are read by `consumer_properties.rs`.
//!
//! With `group.id` the consumer is a consumer group member and [`ConsumerConfig::group`] holds
//! its settings ([`GroupConfig`]); without it, the properties only a member acts on (auto
//! commit, session and poll timing, assignment strategies, static membership) are refused by
//! name rather than accepted and ignored.

use std::time::Duration;

use super::{ClientConfig, ClientConfigBuilder, ConfigError, GroupConfig, GroupProtocol};

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

/// Consumer settings. Build with [`ConsumerConfig::builder`] or read from properties.
///
#[doc = include_str!("reference/consumer.md")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsumerConfig {
    /// Brokers, security, timeouts. For a consumer made from a [`Client`](crate::Client)
    /// (`Consumer::new`), this must be the client's own configuration: the consumer runs on the
    /// client's settings.
    pub client: ClientConfig,
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
    /// Bound on fetched, not yet consumed bytes, decompressed data and the records' own
    /// bookkeeping (64 bytes a record, nothing a header) included
    /// (`queued.max.messages.kbytes`); default 64 MiB; at least `fetch_max_bytes`.
    pub max_prefetch_bytes: usize,
    /// `max.poll.records`; default 500.
    pub max_poll_records: u32,
    /// `check.crcs`; default true.
    pub check_crcs: bool,
    /// `client.rack`, sent in fetches so a nearby replica can serve them.
    pub client_rack: Option<String>,
    /// `default.api.timeout.ms`, for calls without their own timeout; default 60 s.
    pub default_api_timeout: Duration,
    /// The consumer group settings, when `group.id` is set: the consumer can then
    /// `subscribe` and commit offsets.
    pub group: Option<GroupConfig>,
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
    /// The group settings, applied when `group.id` is set (an empty id means no group).
    pub(super) group: GroupConfig,
    /// The group properties set, each refused at build without `group.id`.
    pub(super) group_properties: Vec<&'static str>,
}

impl Default for ConsumerConfigBuilder {
    fn default() -> Self {
        Self {
            client: ClientConfigBuilder::default(),
            config: ConsumerConfig {
                client: ClientConfig::default(),
                auto_offset_reset: AutoOffsetReset::Latest,
                isolation_level: IsolationLevel::ReadUncommitted,
                fetch_min_bytes: 1,
                fetch_max_bytes: 50 * 1024 * 1024,
                max_partition_fetch_bytes: 1024 * 1024,
                fetch_max_wait: Duration::from_millis(500),
                max_prefetch_bytes: 64 * 1024 * 1024,
                max_poll_records: 500,
                check_crcs: true,
                client_rack: None,
                default_api_timeout: Duration::from_secs(60),
                group: None,
            },
            group: GroupConfig::new(""),
            group_properties: Vec::new(),
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

    /// Sets `max.poll.records`.
    #[must_use]
    pub fn max_poll_records(mut self, records: u32) -> Self {
        self.config.max_poll_records = records;
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

    /// Makes the consumer a member of a consumer group with these settings (`group.id` and the
    /// group properties).
    #[must_use]
    pub fn group(mut self, group: GroupConfig) -> Self {
        self.group = group;
        self.group_properties.clear();
        self
    }

    /// Records that the group property `name` was set (refused at build without `group.id`).
    pub(super) fn set_group_property(&mut self, name: &'static str) {
        if !self.group_properties.contains(&name) {
            self.group_properties.push(name);
        }
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
    /// Anything [`ClientConfigBuilder::build`] refuses; [`ConfigError::Conflict`] for a
    /// prefetch bound below `fetch.max.bytes`; [`ConfigError::TooSmall`] for
    /// `receive.message.max.bytes` below `fetch.max.bytes` (such fetch responses would always be
    /// refused).
    pub fn build(self) -> Result<ConsumerConfig, ConfigError> {
        let mut config = self.config;
        config.client = self.client.build()?;
        config.group = check_group(self.group, &self.group_properties)?;
        if config.max_prefetch_bytes < config.fetch_max_bytes {
            let bound = config.max_prefetch_bytes;
            return Err(ConfigError::Conflict {
                property: "queued.max.messages.kbytes",
                value: if bound.is_multiple_of(1024) {
                    format!("{} ({bound} bytes)", bound / 1024)
                } else {
                    format!("{bound} bytes")
                },
                other: "fetch.max.bytes",
                other_value: config.fetch_max_bytes.to_string(),
                reason: "the prefetch bound must hold one whole fetch",
            });
        }
        if config.client.max_response_size < config.fetch_max_bytes {
            return Err(ConfigError::TooSmall {
                property: "receive.message.max.bytes",
                value: config.client.max_response_size,
                other: "fetch.max.bytes",
                other_value: config.fetch_max_bytes,
                reason: "a fetch response of fetch.max.bytes would be refused",
            });
        }
        Ok(config)
    }
}

/// The group settings when `group.id` is set; without it, an error naming the first group
/// property set. Checks the heartbeat against the session timeout, as the Java consumer does.
fn check_group(
    group: GroupConfig,
    set: &[&'static str],
) -> Result<Option<GroupConfig>, ConfigError> {
    if group.group_id.is_empty() {
        return match set.first() {
            Some(property) => Err(ConfigError::Conflict {
                property,
                value: "(set)".to_owned(),
                other: "group.id",
                other_value: "(unset)".to_owned(),
                reason: "a consumer group member's setting needs group.id: without it the \
                         consumer joins no group and would ignore the setting",
            }),
            None => Ok(None),
        };
    }
    check_protocol(&group, set)?;
    if group.heartbeat_interval >= group.session_timeout {
        return Err(ConfigError::Conflict {
            property: "heartbeat.interval.ms",
            value: group.heartbeat_interval.as_millis().to_string(),
            other: "session.timeout.ms",
            other_value: group.session_timeout.as_millis().to_string(),
            reason: "heartbeats must come more often than the session times out",
        });
    }
    if group.assignors.as_slice().is_empty() {
        return Err(ConfigError::MissingProperty {
            property: "partition.assignment.strategy",
            reason: "a group member needs at least one assignor",
        });
    }
    Ok(Some(group))
}

/// The properties of one group protocol are refused with the other: with the consumer
/// protocol (KIP-848) the broker sets the session timeout and heartbeat interval and runs the
/// assignor, so those settings (set as properties, or changed from their defaults in a typed
/// [`GroupConfig`]) would be ignored; `group.remote.assignor` means nothing to the classic
/// protocol.
fn check_protocol(group: &GroupConfig, set: &[&'static str]) -> Result<(), ConfigError> {
    let defaults = GroupConfig::new("");
    let (protocol, refused): (&str, Vec<(&'static str, bool)>) = match group.protocol {
        GroupProtocol::Classic => (
            "classic",
            vec![("group.remote.assignor", group.remote_assignor.is_some())],
        ),
        GroupProtocol::Consumer => (
            "consumer",
            vec![
                (
                    "session.timeout.ms",
                    group.session_timeout != defaults.session_timeout,
                ),
                (
                    "heartbeat.interval.ms",
                    group.heartbeat_interval != defaults.heartbeat_interval,
                ),
                (
                    "partition.assignment.strategy",
                    group.assignors != defaults.assignors,
                ),
            ],
        ),
    };
    let Some((property, _)) = refused
        .into_iter()
        .find(|(name, changed)| *changed || set.contains(name))
    else {
        return Ok(());
    };
    Err(ConfigError::Conflict {
        property,
        value: "(set)".to_owned(),
        other: "group.protocol",
        other_value: protocol.to_owned(),
        reason: match (group.protocol, property) {
            (GroupProtocol::Classic, _) => {
                "the remote assignor is the consumer protocol's (KIP-848): with the classic \
                 protocol a member assigns (partition.assignment.strategy)"
            }
            _ => {
                "with the consumer protocol (KIP-848) the broker sets the session timeout and \
                 heartbeat interval (group.consumer.*) and assigns (group.remote.assignor)"
            }
        },
    })
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
