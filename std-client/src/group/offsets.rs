//! A consumer group's committed offsets on the wire: OffsetFetch, OffsetCommit and OffsetDelete,
//! sent to the group's coordinator.
//!
//! Contract:
//! - Each function sends one request on the connection it is given (the group coordinator's,
//!   from [`crate::Client::coordinator`]) and retries nothing: the caller decides, from
//!   [`crate::Error::is_retriable`] and [`crate::Error::kafka_code`] (`NOT_COORDINATOR` and
//!   `COORDINATOR_NOT_AVAILABLE`: find the coordinator again; `COORDINATOR_LOAD_IN_PROGRESS`
//!   and `UNSTABLE_OFFSET_COMMIT`: ask again; `ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID`,
//!   `REBALANCE_IN_PROGRESS`: rejoin; `FENCED_INSTANCE_ID`: stop).
//! - A group-level error code, or a partition's, becomes [`crate::Error::Kafka`] with the code
//!   and the group (and partition); these responses carry no message. When several partitions
//!   fail, the error reported is the first that retrying cannot cure, else the first.
//! - Versions: the one agreed with the broker, but at most v9 of OffsetFetch and OffsetCommit
//!   (v10 names topics by id, and these name them by name, as the Java client does when it
//!   has no ids). OffsetFetch v8+ carries a list of groups, older versions one group.
//!   `RequireStable` needs OffsetFetch v7+ and the group instance id OffsetCommit v7+: asked
//!   of an older broker, each is an error, never dropped. A committed leader epoch is sent from
//!   OffsetCommit v6 on; older brokers do not store one, and read back it is `None`.
//! - A response that does not decode, or leaves out a partition asked about, is
//!   [`crate::Error::Protocol`].

#[cfg(test)]
mod tests;

use crate::broker::{BrokerConnection, ResponseFrame};
use crate::consumer::TopicPartition;
use crate::error::{Error, Result};
use franzl_core::ErrorCode;
use franzl_core::messages::offset_commit::{
    OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use franzl_core::messages::offset_delete::{
    OffsetDeleteRequest, OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
};
use franzl_core::messages::offset_fetch::{
    OffsetFetchRequest, OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
    OffsetFetchResponse,
};
use franzl_core::messages::{ApiKey, Array};
use std::collections::{BTreeMap, BTreeSet};

/// The last OffsetFetch and OffsetCommit version that names topics (v10 identifies them by id).
const LAST_VERSION_NAMING_TOPICS: i16 = 9;

/// An offset to commit: the next offset to read, the leader epoch of the record before it, and
/// metadata the group keeps with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetAndMetadata {
    /// The offset of the next record to read.
    pub offset: i64,
    /// The leader epoch of the last record read (the one before `offset`), when known; it lets
    /// a consumer that resumes here detect a truncated log (KIP-320).
    pub leader_epoch: Option<i32>,
    /// Free text stored with the offset (`None`: nothing).
    pub metadata: Option<String>,
}

impl OffsetAndMetadata {
    /// `offset`, with no leader epoch and no metadata.
    pub fn new(offset: i64) -> Self {
        Self {
            offset,
            leader_epoch: None,
            metadata: None,
        }
    }
}

/// A committed offset as read back from the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedOffset {
    /// The partition.
    pub partition: TopicPartition,
    /// The committed offset (the next record to read); `None` when nothing is committed.
    pub offset: Option<i64>,
    /// The leader epoch committed with it, when there was one.
    pub leader_epoch: Option<i32>,
    /// The metadata committed with it.
    pub metadata: Option<String>,
}

/// Who commits: a member of the group's current generation (the coordinator refuses its
/// commit once the generation has moved on), or, with no identity, nobody (an admin client:
/// generation -1 and member id `""`, which the coordinator accepts only for an empty group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberIdentity {
    /// The generation the member joined.
    pub generation_id: i32,
    /// The member id the coordinator gave it.
    pub member_id: String,
    /// Its `group.instance.id`, for a static member (KIP-345).
    pub group_instance_id: Option<String>,
}

/// The partitions of each topic, topics in name order, partitions in the order given.
pub(crate) fn by_topic<'t, T>(
    entries: impl IntoIterator<Item = (&'t str, T)>,
) -> Vec<(&'t str, Vec<T>)> {
    let mut topics: BTreeMap<&str, Vec<T>> = BTreeMap::new();
    for (topic, value) in entries {
        topics.entry(topic).or_default().push(value);
    }
    topics.into_iter().collect()
}

/// The error a response reports: the first error that retrying cannot cure, else the first.
#[derive(Default)]
struct WorstError(Option<Error>);

impl WorstError {
    /// Notes `code` (nothing for `NONE`) and what it is about (these responses carry no
    /// message of the broker's).
    fn note(&mut self, code: ErrorCode, context: impl FnOnce() -> String) {
        if code.is_ok() {
            return;
        }
        let worse = match &self.0 {
            None => true,
            Some(noted) => noted.is_retriable() && !code.is_retriable(),
        };
        if worse {
            self.0 = Some(Error::kafka(code, None, context()));
        }
    }

    fn into_result(self) -> Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// A partition's answer in an OffsetFetch response, whichever its version.
struct FetchedPartition<'a> {
    topic: &'a str,
    partition: i32,
    offset: i64,
    leader_epoch: i32,
    metadata: Option<&'a str>,
    code: ErrorCode,
}

impl FetchedPartition<'_> {
    /// The answer as a committed offset (-1 offset and epoch: none).
    fn committed(&self) -> CommittedOffset {
        CommittedOffset {
            partition: TopicPartition::new(self.topic, self.partition),
            offset: (self.offset >= 0).then_some(self.offset),
            leader_epoch: (self.leader_epoch >= 0).then_some(self.leader_epoch),
            metadata: self.metadata.map(str::to_owned),
        }
    }
}

/// The group's committed offsets of `partitions` (in the order given), or of every partition
/// it has offsets for (`None`), read from its coordinator `conn`. With `require_stable`, the
/// coordinator answers `UNSTABLE_OFFSET_COMMIT` (retriable) for a partition whose offset a
/// transaction has yet to commit or abort, instead of its last stable offset.
///
/// # Errors
/// [`Error::Kafka`] for a group or partition error code; [`Error::Usage`] for `require_stable`
/// when the broker answers OffsetFetch only below v7 (check `conn.version` first to send
/// without it), or `None` below v2; [`Error::Protocol`] for a response that does not decode or
/// leaves a partition out; the connection's errors.
pub(crate) async fn fetch_committed(
    conn: &BrokerConnection,
    group: &str,
    partitions: Option<&[TopicPartition]>,
    require_stable: bool,
    member: Option<&MemberIdentity>,
) -> Result<Vec<CommittedOffset>> {
    let version = conn
        .version(ApiKey::OffsetFetch)?
        .min(LAST_VERSION_NAMING_TOPICS);
    if require_stable && version < 7 {
        return Err(Error::usage(format!(
            "stable committed offsets (RequireStable) need OffsetFetch v7, and the coordinator \
             {} answers up to v{version}",
            conn.address()
        )));
    }
    if partitions.is_none() && version < 2 {
        return Err(Error::usage(format!(
            "all of a group's committed offsets need OffsetFetch v2, and the coordinator {} \
             answers v{version}",
            conn.address()
        )));
    }
    if partitions.is_some_and(<[TopicPartition]>::is_empty) {
        return Ok(Vec::new());
    }
    if member.is_some() && version < 9 {
        return Err(Error::Config {
            property: "group.protocol".to_owned(),
            reason: format!(
                "a member of a consumer-protocol group reads offsets with OffsetFetch v9, and \
                 the coordinator {} answers up to v{version}",
                conn.address()
            ),
        });
    }
    let asked = Asked {
        group,
        partitions,
        require_stable,
        member,
    };
    let response = send_fetch(conn, version, &asked).await?;
    let decoded = response.decode::<OffsetFetchRequest<'_>>()?;
    let answers = fetched_partitions(&decoded, version, group)?;
    let mut error = WorstError::default();
    for answer in &answers {
        error.note(answer.code, || {
            format!(
                "committed offset of {}-{} in group {group:?}",
                answer.topic, answer.partition
            )
        });
    }
    error.into_result()?;
    let Some(asked) = partitions else {
        return Ok(answers.iter().map(FetchedPartition::committed).collect());
    };
    let by_partition: BTreeMap<(&str, i32), &FetchedPartition<'_>> = answers
        .iter()
        .map(|answer| ((answer.topic, answer.partition), answer))
        .collect();
    asked
        .iter()
        .map(|tp| {
            by_partition
                .get(&(tp.topic.as_str(), tp.partition))
                .map(|answer| answer.committed())
                .ok_or_else(|| {
                    Error::protocol(format!(
                        "OffsetFetch of group {group:?} left out partition {tp}"
                    ))
                })
        })
        .collect()
}

/// What an OffsetFetch asks: `group`'s `partitions` (`None`: all), as `member` (v9+: the
/// coordinator of a consumer-protocol group checks its epoch).
struct Asked<'a> {
    group: &'a str,
    partitions: Option<&'a [TopicPartition]>,
    require_stable: bool,
    member: Option<&'a MemberIdentity>,
}

/// Sends OffsetFetch at `version` for what is `asked`.
async fn send_fetch(
    conn: &BrokerConnection,
    version: i16,
    asked: &Asked<'_>,
) -> Result<ResponseFrame> {
    let Asked {
        group,
        partitions,
        require_stable,
        member,
    } = *asked;
    let topics =
        partitions.map(|asked| by_topic(asked.iter().map(|tp| (tp.topic.as_str(), tp.partition))));
    if version >= 8 {
        let named: Option<Vec<OffsetFetchRequestTopics<'_>>> = topics.as_ref().map(|topics| {
            topics
                .iter()
                .map(|(name, indexes)| OffsetFetchRequestTopics {
                    name,
                    partition_indexes: Array::from_slice(indexes),
                    ..Default::default()
                })
                .collect()
        });
        let groups = [OffsetFetchRequestGroup {
            group_id: group,
            member_id: member.map(|m| m.member_id.as_str()),
            member_epoch: member.map_or(-1, |m| m.generation_id),
            topics: named.as_deref().map(Array::from_slice),
            ..Default::default()
        }];
        let request = OffsetFetchRequest {
            groups: Array::from_slice(&groups),
            require_stable,
            ..Default::default()
        };
        conn.request_at(&request, version).await
    } else {
        let named: Option<Vec<OffsetFetchRequestTopic<'_>>> = topics.as_ref().map(|topics| {
            topics
                .iter()
                .map(|(name, indexes)| OffsetFetchRequestTopic {
                    name,
                    partition_indexes: Array::from_slice(indexes),
                    ..Default::default()
                })
                .collect()
        });
        let request = OffsetFetchRequest {
            group_id: group,
            topics: named.as_deref().map(Array::from_slice),
            require_stable,
            ..Default::default()
        };
        conn.request_at(&request, version).await
    }
}

/// The partitions of an OffsetFetch response at `version` for `group`, after its group-level
/// error.
fn fetched_partitions<'a>(
    decoded: &OffsetFetchResponse<'a>,
    version: i16,
    group: &str,
) -> Result<Vec<FetchedPartition<'a>>> {
    let about_group = || format!("committed offsets of group {group:?}");
    let mut answers = Vec::new();
    if version >= 8 {
        let answer = decoded
            .groups
            .iter()
            .find(|answer| answer.group_id == group)
            .ok_or_else(|| {
                Error::protocol(format!("OffsetFetch answered without group {group:?}"))
            })?;
        check_group(answer.error_code, &about_group)?;
        for topic in answer.topics.iter() {
            answers.extend(topic.partitions.iter().map(|p| FetchedPartition {
                topic: topic.name,
                partition: p.partition_index,
                offset: p.committed_offset,
                leader_epoch: p.committed_leader_epoch,
                metadata: p.metadata,
                code: p.error_code,
            }));
        }
    } else {
        check_group(decoded.error_code, &about_group)?;
        for topic in decoded.topics.iter() {
            answers.extend(topic.partitions.iter().map(|p| FetchedPartition {
                topic: topic.name,
                partition: p.partition_index,
                offset: p.committed_offset,
                leader_epoch: p.committed_leader_epoch,
                metadata: p.metadata,
                code: p.error_code,
            }));
        }
    }
    Ok(answers)
}

/// `Ok` for `NONE`, else the group-level error.
fn check_group(code: ErrorCode, about: &impl Fn() -> String) -> Result<()> {
    let mut error = WorstError::default();
    error.note(code, about);
    error.into_result()
}

/// Commits `offsets` for `group` at its coordinator `conn`, as `member` (a member of the
/// current generation) or, with `None`, as nobody (an admin client; the coordinator accepts
/// that only while the group has no members). Nothing is sent for no offsets.
///
/// # Errors
/// [`Error::Kafka`] for the first partition error (`ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID`,
/// `REBALANCE_IN_PROGRESS`, `FENCED_INSTANCE_ID`, `NOT_COORDINATOR`, ... which the coordinator
/// repeats for every partition); [`Error::Config`] for a member with a group instance id when
/// the broker answers OffsetCommit only below v7; [`Error::Protocol`] for a response that does
/// not decode or leaves a partition out; the connection's errors.
pub(crate) async fn commit(
    conn: &BrokerConnection,
    group: &str,
    member: Option<&MemberIdentity>,
    offsets: &[(TopicPartition, OffsetAndMetadata)],
) -> Result<()> {
    if offsets.is_empty() {
        return Ok(());
    }
    let version = conn
        .version(ApiKey::OffsetCommit)?
        .min(LAST_VERSION_NAMING_TOPICS);
    let (generation_id, member_id, instance_id) = member.map_or((-1, "", None), |member| {
        (
            member.generation_id,
            member.member_id.as_str(),
            member.group_instance_id.as_deref(),
        )
    });
    if instance_id.is_some() && version < 7 {
        return Err(Error::Config {
            property: "group.instance.id".to_owned(),
            reason: format!(
                "static membership needs OffsetCommit v7 to commit, and the coordinator {} \
                 answers up to v{version}",
                conn.address()
            ),
        });
    }
    let partitions = by_topic(offsets.iter().map(|(tp, offset)| {
        let partition = OffsetCommitRequestPartition {
            partition_index: tp.partition,
            committed_offset: offset.offset,
            committed_leader_epoch: offset.leader_epoch.unwrap_or(-1),
            committed_metadata: offset.metadata.as_deref(),
            ..Default::default()
        };
        (tp.topic.as_str(), partition)
    }));
    let request_topics: Vec<OffsetCommitRequestTopic<'_>> = partitions
        .iter()
        .map(|(name, partitions)| OffsetCommitRequestTopic {
            name,
            partitions: Array::from_slice(partitions),
            ..Default::default()
        })
        .collect();
    let request = OffsetCommitRequest {
        group_id: group,
        generation_id_or_member_epoch: generation_id,
        member_id,
        group_instance_id: instance_id,
        topics: Array::from_slice(&request_topics),
        ..Default::default()
    };
    let response = conn.request_at(&request, version).await?;
    let decoded = response.decode::<OffsetCommitRequest<'_>>()?;
    let answers = decoded.topics.iter().flat_map(|topic| {
        let partitions = topic.partitions.iter();
        partitions.map(move |answer| (topic.name, answer.partition_index, answer.error_code))
    });
    check_partitions(answers, offsets.iter().map(|(tp, _)| tp), |partition| {
        format!("committing the offset of {partition} in group {group:?}")
    })
}

/// `Ok` when every partition answered without error and every partition `asked` was answered.
///
/// # Errors
/// [`Error::Kafka`] for the worst partition error, in the words of `what(partition)`;
/// [`Error::Protocol`] naming the first partition left out.
pub(crate) fn check_partitions<'a, 't>(
    answers: impl Iterator<Item = (&'a str, i32, ErrorCode)>,
    mut asked: impl Iterator<Item = &'t TopicPartition>,
    what: impl Fn(&str) -> String,
) -> Result<()> {
    let mut error = WorstError::default();
    let mut answered = BTreeSet::new();
    for (topic, partition, code) in answers {
        answered.insert((topic, partition));
        error.note(code, || what(&format!("{topic}-{partition}")));
    }
    error.into_result()?;
    match asked.find(|tp| !answered.contains(&(tp.topic.as_str(), tp.partition))) {
        Some(tp) => Err(Error::protocol(format!(
            "no answer for {tp} {}",
            what("the partitions")
        ))),
        None => Ok(()),
    }
}

/// Deletes `group`'s committed offsets of `partitions` at its coordinator `conn`
/// (OffsetDelete). Nothing is sent for no partitions.
///
/// # Errors
/// [`Error::Kafka`] for the group's error (`GROUP_ID_NOT_FOUND`, `NOT_COORDINATOR`, ...) or the
/// first partition error (`GROUP_SUBSCRIBED_TO_TOPIC` while members consume the topic);
/// [`Error::Protocol`] for a response that does not decode or leaves a partition out; the
/// connection's errors.
pub(crate) async fn delete_offsets(
    conn: &BrokerConnection,
    group: &str,
    partitions: &[TopicPartition],
) -> Result<()> {
    if partitions.is_empty() {
        return Ok(());
    }
    let indexes = by_topic(partitions.iter().map(|tp| {
        let partition = OffsetDeleteRequestPartition {
            partition_index: tp.partition,
            ..Default::default()
        };
        (tp.topic.as_str(), partition)
    }));
    let request_topics: Vec<OffsetDeleteRequestTopic<'_>> = indexes
        .iter()
        .map(|(name, partitions)| OffsetDeleteRequestTopic {
            name,
            partitions: Array::from_slice(partitions),
            ..Default::default()
        })
        .collect();
    let request = OffsetDeleteRequest {
        group_id: group,
        topics: Array::from_slice(&request_topics),
        ..Default::default()
    };
    let response = conn.request(&request).await?;
    let decoded = response.decode::<OffsetDeleteRequest<'_>>()?;
    check_group(decoded.error_code, &|| {
        format!("deleting committed offsets of group {group:?}")
    })?;
    let answers = decoded.topics.iter().flat_map(|topic| {
        let partitions = topic.partitions.iter();
        partitions.map(move |answer| (topic.name, answer.partition_index, answer.error_code))
    });
    check_partitions(answers, partitions.iter(), |partition| {
        format!("deleting the committed offset of {partition} in group {group:?}")
    })
}
