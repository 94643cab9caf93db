//! A consumer group's committed offsets: list, alter (only while the group is empty), delete,
//! and the group's lag: how far each partition's end is past the group's committed offset.
//!
//! Contract: each call goes to the group's coordinator and is retried as
//! [`Admin::at_coordinator`] says; the wire layer is [`crate::group::offsets`].

use super::{Admin, OffsetSpec};
use crate::consumer::TopicPartition;
use crate::error::{Error, Result};
use crate::group::offsets::{commit, delete_offsets, fetch_committed};
use crate::group::{CommittedOffset, OffsetAndMetadata};
use franzl_core::ErrorCode;
use std::collections::{BTreeMap, BTreeSet};

/// A partition's lag in a group, from [`Admin::group_lag`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionLag {
    /// The partition.
    pub partition: TopicPartition,
    /// The group's committed offset, `None` when it has committed none (a partition assigned
    /// to a member that has committed nothing yet).
    pub committed: Option<i64>,
    /// The partition's end: the offset the next record will get (the high watermark).
    pub end: i64,
    /// `end - committed` (0 when the committed offset is past the end, after records were
    /// deleted); `None` without a committed offset.
    pub lag: Option<i64>,
}

impl Admin {
    /// Every committed offset of `group`, sorted by partition (none for a group that does not
    /// exist).
    ///
    /// # Errors
    /// [`Error::Kafka`] when the coordinator refuses (`GROUP_AUTHORIZATION_FAILED`); connection
    /// errors after the timeout.
    pub async fn list_group_offsets(&self, group: &str) -> Result<Vec<CommittedOffset>> {
        let mut offsets = self
            .at_coordinator(group, |connection| async move {
                fetch_committed(&connection, group, None, false, None).await
            })
            .await?;
        offsets.sort_by(|a, b| a.partition.cmp(&b.partition));
        Ok(offsets)
    }

    /// Commits `offsets` for `group`, which must have no members (its consumers stopped); the
    /// group is created if it does not exist.
    ///
    /// # Errors
    /// [`Error::Kafka`] with `UNKNOWN_MEMBER_ID` when the group has members (the coordinator
    /// takes commits only from them while there are any), or the first partition's error;
    /// connection errors after the timeout.
    pub async fn alter_group_offsets(
        &self,
        group: &str,
        offsets: &[(TopicPartition, OffsetAndMetadata)],
    ) -> Result<()> {
        self.at_coordinator(group, |connection| async move {
            commit(&connection, group, None, offsets).await
        })
        .await
        .map_err(|error| match error.kafka_code() {
            Some(code @ (ErrorCode::UNKNOWN_MEMBER_ID | ErrorCode::STALE_MEMBER_EPOCH)) => {
                Error::kafka(
                    code,
                    None,
                    format!(
                        "altering the committed offsets of group {group:?}: the group has \
                         members, and only an empty group's offsets can be altered (stop its \
                         consumers first)"
                    ),
                )
            }
            _ => error,
        })
    }

    /// Deletes `group`'s committed offsets of `partitions`.
    ///
    /// # Errors
    /// [`Error::Kafka`] with `GROUP_SUBSCRIBED_TO_TOPIC` for a topic the group's members
    /// consume, `GROUP_ID_NOT_FOUND` for a group that does not exist; connection errors after
    /// the timeout.
    pub async fn delete_group_offsets(
        &self,
        group: &str,
        partitions: &[TopicPartition],
    ) -> Result<()> {
        self.at_coordinator(group, |connection| async move {
            delete_offsets(&connection, group, partitions).await
        })
        .await
    }

    /// The lag of `group` on each partition it has committed an offset for or its members
    /// are assigned, sorted by partition: the partition's end (the high watermark) against the
    /// committed offset.
    ///
    /// # Errors
    /// As [`Admin::list_group_offsets`], [`Admin::describe_groups`] and
    /// [`Admin::list_offsets`] (`UNKNOWN_TOPIC_OR_PARTITION` for a topic deleted since).
    pub async fn group_lag(&self, group: &str) -> Result<Vec<PartitionLag>> {
        let mut committed: BTreeMap<TopicPartition, Option<i64>> = self
            .list_group_offsets(group)
            .await?
            .into_iter()
            .map(|offset| (offset.partition, offset.offset))
            .collect();
        for description in self.describe_groups(&[group]).await? {
            let assignments = description.members.into_iter().filter_map(|m| m.assignment);
            for assignment in assignments.filter_map(Result::ok) {
                for partition in assignment.partitions {
                    committed.entry(partition).or_insert(None);
                }
            }
        }
        let mut by_topic: BTreeMap<&str, BTreeSet<i32>> = BTreeMap::new();
        for tp in committed.keys() {
            by_topic.entry(&tp.topic).or_default().insert(tp.partition);
        }
        let mut ends = BTreeMap::new();
        for (topic, partitions) in &by_topic {
            let asked: Vec<(i32, OffsetSpec)> = partitions
                .iter()
                .map(|&partition| (partition, OffsetSpec::Latest))
                .collect();
            for listed in self.list_offsets(topic, &asked).await? {
                ends.insert(TopicPartition::new(*topic, listed.partition), listed.offset);
            }
        }
        Ok(committed
            .iter()
            .map(|(tp, &committed)| {
                let end = ends.get(tp).copied().unwrap_or(-1);
                PartitionLag {
                    partition: tp.clone(),
                    committed,
                    end,
                    lag: committed.map(|offset| (end - offset).max(0)),
                }
            })
            .collect())
    }
}
