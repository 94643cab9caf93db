//! [`GroupConfig`]: what a consumer that joins a consumer group (`group.id`) is configured with:
//! its group protocol, membership timing, static membership, offset commits and assignors.
//!
//! Defaults are the Java consumer's (session 45 s, heartbeat 3 s, poll interval 5 min, auto
//! commit every 5 s, assignors `range` then `cooperative-sticky`). A consumer without
//! `group.id` is not a member: setting any of these properties without it is an error naming
//! the property ([`super::ConsumerConfigBuilder::build`]), never a setting quietly ignored.
//!
//! With [`GroupProtocol::Consumer`] (KIP-848) the broker sets the session timeout and the
//! heartbeat interval and runs the assignor: `session.timeout.ms`, `heartbeat.interval.ms` and
//! `partition.assignment.strategy` are refused with it (as the Java consumer refuses them), and
//! `group.remote.assignor` is refused with the classic protocol.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::group::assignor::{self, Assignor};

/// A consumer group member's settings; [`super::ConsumerConfig::group`] holds them when
/// `group.id` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupConfig {
    /// `group.id`: the group to join.
    pub group_id: String,
    /// `group.instance.id`: a static member's id (KIP-345): a restart within the session
    /// timeout causes no rebalance, and the member does not leave the group when it closes
    /// (with the consumer protocol it leaves with epoch -2, which keeps its partitions for it).
    pub group_instance_id: Option<String>,
    /// `session.timeout.ms`; default 45 s. A member not heard from for this long is removed.
    /// Classic protocol only (the consumer protocol's broker sets it).
    pub session_timeout: Duration,
    /// `heartbeat.interval.ms`; default 3 s; below the session timeout. Classic protocol only
    /// (the consumer protocol heartbeats at the interval the coordinator returns).
    pub heartbeat_interval: Duration,
    /// `max.poll.interval.ms`; default 5 min: a member whose caller takes no records for this
    /// long leaves the group (and joins again at the next poll); also the rebalance timeout
    /// (sent in JoinGroup, or in the consumer protocol's first heartbeat).
    pub max_poll_interval: Duration,
    /// `enable.auto.commit`: commit the positions of the records handed out every
    /// `auto_commit_interval`, before partitions are revoked, and on close; default true.
    pub auto_commit: bool,
    /// `auto.commit.interval.ms`; default 5 s.
    pub auto_commit_interval: Duration,
    /// `partition.assignment.strategy`: the assignors this member offers, most preferred first;
    /// default `range`, `cooperative-sticky`. Classic protocol only.
    pub assignors: Assignors,
    /// `group.protocol`: the classic protocol (JoinGroup, SyncGroup) or KIP-848's
    /// (ConsumerGroupHeartbeat); default classic, as the Java consumer.
    pub protocol: GroupProtocol,
    /// `group.remote.assignor`: with the consumer protocol, the assignor the broker runs for
    /// the group ([`REMOTE_ASSIGNORS`]); `None`: the broker's default.
    pub remote_assignor: Option<String>,
}

/// The assignors a broker runs for a KIP-848 group that `group.remote.assignor` may name.
pub const REMOTE_ASSIGNORS: [&str; 2] = ["uniform", "range"];

/// The consumer group protocol a member speaks (`group.protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum GroupProtocol {
    /// JoinGroup, SyncGroup and Heartbeat; a member leads the group and assigns (`classic`).
    #[default]
    Classic,
    /// KIP-848: members heartbeat with ConsumerGroupHeartbeat and the broker assigns
    /// (`consumer`); needs a broker that serves ConsumerGroupHeartbeat v1 (Kafka 4.0 or later).
    Consumer,
}

impl GroupConfig {
    /// A member of `group_id` with the defaults.
    #[must_use]
    pub fn new(group_id: impl Into<String>) -> Self {
        Self {
            group_id: group_id.into(),
            group_instance_id: None,
            session_timeout: Duration::from_secs(45),
            heartbeat_interval: Duration::from_secs(3),
            max_poll_interval: Duration::from_secs(300),
            auto_commit: true,
            auto_commit_interval: Duration::from_secs(5),
            assignors: Assignors::default(),
            protocol: GroupProtocol::Classic,
            remote_assignor: None,
        }
    }
}

/// The assignors a member offers, in order of preference; compared by their names.
#[derive(Clone)]
pub struct Assignors(Vec<Arc<dyn Assignor>>);

impl Assignors {
    /// The assignors given, most preferred first.
    #[must_use]
    pub fn new(assignors: Vec<Arc<dyn Assignor>>) -> Self {
        Self(assignors)
    }

    /// The built-in assignors named in `names` (short or Java class names).
    ///
    /// # Errors
    /// The first name that is not a built-in assignor.
    pub fn by_names<'n>(names: impl IntoIterator<Item = &'n str>) -> Result<Self, String> {
        names
            .into_iter()
            .map(|name| assignor::built_in(name).ok_or_else(|| name.to_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// The assignors, most preferred first.
    #[must_use]
    pub fn as_slice(&self) -> &[Arc<dyn Assignor>] {
        &self.0
    }

    /// The assignor named `name`, if offered.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Assignor>> {
        self.0.iter().find(|a| a.name() == name)
    }
}

impl Default for Assignors {
    /// `range`, then `cooperative-sticky`, as the Java consumer.
    fn default() -> Self {
        Self::by_names(["range", "cooperative-sticky"]).unwrap_or_else(|_| Self(Vec::new()))
    }
}

impl PartialEq for Assignors {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| a.name() == b.name())
    }
}

impl Eq for Assignors {}

impl fmt::Debug for Assignors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|a| a.name()))
            .finish()
    }
}
