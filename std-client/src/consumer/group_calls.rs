//! The [`Consumer`]'s consumer group calls: subscribe, the rebalance event stream, commits and
//! committed offsets. They need `group.id` ([`crate::config::GroupConfig`]); without it each
//! is an [`Error::Usage`] saying so.
//!
//! Commits go to the group's coordinator under the member's current generation: a commit made
//! while the group rebalances is refused (`REBALANCE_IN_PROGRESS`), and one from a member
//! that has fallen out of the group is refused by the coordinator (`ILLEGAL_GENERATION`,
//! `UNKNOWN_MEMBER_ID`), so a member never commits for partitions another member owns.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use super::assignment::TopicPartition;
use super::handle::{Consumer, GroupMember};
use super::record::ConsumerRecord;
use crate::config::GroupProtocol;
use crate::error::{Error, Result};
use crate::group::commit;
use crate::group::{ConsumerGroupMetadata, GroupEvents, OffsetAndMetadata};

impl Consumer {
    /// Joins the consumer's group (`group.id`) subscribed to `topics`: the group's leader
    /// assigns this member its share of their partitions, which it reads from their committed
    /// offsets (or where `auto.offset.reset` says). Subscribing again with other topics
    /// rebalances the group; an empty list leaves the assignment empty.
    ///
    /// # Errors
    /// [`Error::Usage`] without `group.id`, or when partitions were assigned with
    /// [`Consumer::assign`] (subscribing and assigning are exclusive; assign nothing first).
    pub fn subscribe<T: Into<String>>(&self, topics: impl IntoIterator<Item = T>) -> Result<()> {
        let group = self.member("subscribe")?;
        if group.membership.is_subscribed() || self.assignment().is_empty() {
            group
                .membership
                .subscribe(topics.into_iter().map(Into::into));
            return Ok(());
        }
        Err(Error::usage(
            "subscribe on a consumer with manually assigned partitions: assign nothing first",
        ))
    }

    /// Joins the consumer's group subscribed to every topic whose whole name `pattern` matches
    /// (a regular expression, anchored at both ends as the Java client's `subscribe(Pattern)`;
    /// internal topics are left out). Topics are matched again every `metadata.max.age.ms`:
    /// a topic created or deleted that the pattern matches rebalances the group. With
    /// `group.protocol=consumer` the coordinator matches it (RE2/J syntax, of which this
    /// checks what the `regex-lite` syntax shares) and assigns new matching topics itself.
    ///
    /// # Errors
    /// [`Error::Usage`] for a pattern that does not compile, without `group.id`, or with
    /// manually assigned partitions.
    pub fn subscribe_pattern(&self, pattern: &str) -> Result<()> {
        let group = self.member("subscribe_pattern")?;
        if !group.membership.is_subscribed() && !self.assignment().is_empty() {
            return Err(Error::usage(
                "subscribe on a consumer with manually assigned partitions: assign nothing first",
            ));
        }
        let regex = regex_lite::Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|error| Error::usage(format!("pattern {pattern:?}: {error}")))?;
        group.membership.subscribe_pattern(regex);
        Ok(())
    }

    /// Leaves the subscription: the member gives up its partitions (committing them with auto
    /// commit) and owns nothing until it subscribes again. Afterwards [`Consumer::assign`]
    /// may be used.
    ///
    /// # Errors
    /// [`Error::Usage`] without `group.id`.
    pub fn unsubscribe(&self) -> Result<()> {
        let group = self.member("unsubscribe")?;
        group.membership.subscribe(Vec::<String>::new());
        Ok(())
    }

    /// The subscribed topics (with a pattern, those it matched when the member last joined;
    /// with `group.protocol=consumer`, where the coordinator matches the pattern, the topics
    /// of the partitions the member owns).
    pub fn subscription(&self) -> Vec<String> {
        let Some(group) = &self.group else {
            return Vec::new();
        };
        let state = group.membership.state();
        if state.pattern.is_some() && group.membership.config.protocol == GroupProtocol::Consumer {
            let mut topics: Vec<String> = state.owned.iter().map(|tp| tp.topic.clone()).collect();
            topics.dedup();
            return topics;
        }
        state.subscription.clone()
    }

    /// The stream of this member's rebalance events: partitions assigned, revoked (the
    /// rebalance waits until the [`crate::group::Revocation`] is dropped, so the caller can
    /// commit first) and lost. Taking it again ends the stream taken before.
    ///
    /// # Errors
    /// [`Error::Usage`] without `group.id`.
    pub fn group_events(&self) -> Result<GroupEvents> {
        Ok(self.member("group_events")?.membership.take_events())
    }

    /// Commits the position of every owned partition (the offset after the last record handed
    /// out) and waits for the coordinator's answer, retrying a moved coordinator for up to
    /// `default.api.timeout.ms`.
    ///
    /// # Errors
    /// [`Error::Usage`] without `group.id`; [`Error::Kafka`] with `REBALANCE_IN_PROGRESS`
    /// while the group rebalances, `ILLEGAL_GENERATION` / `UNKNOWN_MEMBER_ID` when the member
    /// fell out of the group, `FENCED_INSTANCE_ID`, an authorization failure; with
    /// `group.protocol=consumer`, `FENCED_MEMBER_EPOCH` / `UNKNOWN_MEMBER_ID` when the
    /// coordinator dropped the member (`STALE_MEMBER_EPOCH` is asked again with the member's
    /// current epoch until the timeout); the last retriable error at the timeout.
    pub async fn commit(&self) -> Result<()> {
        self.commit_async()?.await
    }

    /// As [`Consumer::commit`], but the positions are taken now and the commit runs when the
    /// returned future is awaited, on any task (it borrows nothing from the consumer).
    ///
    /// # Errors
    /// [`Error::Usage`] without `group.id`; the future as [`Consumer::commit`].
    pub fn commit_async(&self) -> Result<impl Future<Output = Result<()>> + Send + 'static> {
        let group = self.member("commit")?;
        let owned = group.membership.state().owned.clone();
        let offsets = commit::positions(&self.shared, &owned);
        Ok(self.commit_later(group, offsets))
    }

    /// Commits the offsets given (the next offset to read of each partition, with optional
    /// leader epoch and metadata).
    ///
    /// # Errors
    /// As [`Consumer::commit`].
    pub async fn commit_offsets(
        &self,
        offsets: &[(TopicPartition, OffsetAndMetadata)],
    ) -> Result<()> {
        let group = self.member("commit_offsets")?;
        self.commit_later(group, offsets.to_vec()).await
    }

    /// The group's committed offset of each partition (any partition, owned or not); `None`
    /// where nothing is committed. Offsets a transaction has yet to commit are waited for.
    ///
    /// # Errors
    /// [`Error::Usage`] without `group.id`; coordinator errors after `default.api.timeout.ms`.
    pub async fn committed(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<Vec<Option<OffsetAndMetadata>>> {
        let group = self.member("committed")?;
        let deadline = Instant::now() + self.shared.config.default_api_timeout;
        let group_id = &group.membership.config.group_id;
        let found =
            commit::committed(&self.shared.cluster, group_id, partitions, deadline, None).await?;
        Ok(partitions
            .iter()
            .map(|tp| {
                let entry = found.iter().find(|c| c.partition == *tp)?;
                Some(OffsetAndMetadata {
                    offset: entry.offset?,
                    leader_epoch: entry.leader_epoch,
                    metadata: entry.metadata.clone(),
                })
            })
            .collect())
    }

    /// Whether the consumer has a subscription.
    pub(super) fn is_subscribed(&self) -> bool {
        self.group
            .as_ref()
            .is_some_and(|g| g.membership.is_subscribed())
    }

    /// The caller took (or asked for) records: the member's poll timer restarts.
    pub(super) fn polled(&self) {
        if let Some(group) = &self.group {
            group.membership.polled();
        }
    }

    /// The offset to commit of every partition the consumer reads (the group's partitions
    /// this member owns, or those assigned): the position after the last record handed out.
    /// What [`Consumer::commit`] commits.
    ///
    /// These are the partitions and positions *now*: the member task may have taken lost
    /// partitions away (or given them back, at their committed offsets) since the last poll.
    /// A transaction that commits the offsets of the records it holds takes them from the
    /// records instead, with [`offsets_after`], so that it commits each one it copied, under the
    /// identity [`Consumer::group_metadata`] answers for them.
    pub fn positions_to_commit(&self) -> Vec<(TopicPartition, OffsetAndMetadata)> {
        let partitions = match &self.group {
            Some(group) if group.membership.is_subscribed() => {
                group.membership.state().owned.clone()
            }
            _ => self.assignment(),
        };
        commit::positions(&self.shared, &partitions)
    }

    /// The member's identity (group id, generation, member id, instance id) when the records of
    /// the last `poll` (or stream item) were read, for
    /// [`Producer::send_offsets_to_transaction`](crate::producer::Producer::send_offsets_to_transaction):
    /// offsets committed inside a transaction under it are refused once the group has moved
    /// on (KIP-447). The member rejoins in the background, so its identity *now* could belong
    /// to a newer generation in which those records' partitions are another member's; this is
    /// the one they were read under. Before any record, the identity now.
    ///
    /// # Errors
    /// [`Error::Usage`] without `group.id`.
    pub fn group_metadata(&self) -> Result<ConsumerGroupMetadata> {
        let group = self.member("group_metadata")?;
        let config = &group.membership.config;
        let identity = self
            .records_identity
            .clone()
            .or_else(|| group.membership.identity());
        Ok(ConsumerGroupMetadata::of_member(
            &config.group_id,
            identity,
            config.group_instance_id.as_deref(),
        ))
    }

    fn member(&self, call: &str) -> Result<&GroupMember> {
        self.group.as_ref().ok_or_else(|| {
            Error::usage(format!(
                "{call} needs a consumer group: set group.id in the consumer's configuration"
            ))
        })
    }

    /// A commit of `offsets` as `group`'s member, run when awaited, borrowing nothing.
    fn commit_later(
        &self,
        group: &GroupMember,
        offsets: Vec<(TopicPartition, OffsetAndMetadata)>,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let client = self.shared.cluster.clone();
        let membership = Arc::clone(&group.membership);
        let deadline = Instant::now() + self.shared.config.default_api_timeout;
        async move { commit::commit(&client, &membership, &offsets, deadline).await }
    }
}

/// The offsets to commit for having processed `records`: for every partition among them, the
/// offset after its last record (the highest offset seen, plus one), in partition order. For
/// [`Producer::send_offsets_to_transaction`](crate::producer::Producer::send_offsets_to_transaction)
/// in a consume-transform-produce loop: the transaction then commits the offset of every record
/// it holds, and only those.
pub fn offsets_after(records: &[ConsumerRecord]) -> Vec<(TopicPartition, OffsetAndMetadata)> {
    let mut next: std::collections::BTreeMap<TopicPartition, i64> =
        std::collections::BTreeMap::new();
    for record in records {
        let tp = TopicPartition::new(record.topic(), record.partition());
        let after = record.offset().saturating_add(1);
        next.entry(tp)
            .and_modify(|offset| *offset = (*offset).max(after))
            .or_insert(after);
    }
    next.into_iter()
        .map(|(tp, offset)| (tp, OffsetAndMetadata::new(offset)))
        .collect()
}
