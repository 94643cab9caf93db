//! Offsets: list them (earliest, latest, by timestamp) and delete records before an offset.
//! Both go to each partition's leader, one request per leader.

use super::Admin;
use super::retry::check;
use crate::cluster::needs_metadata_refresh;
use crate::error::{Error, Result};
use franzl_core::ErrorCode;
use franzl_core::messages::delete_records::{
    DeleteRecordsPartition, DeleteRecordsRequest, DeleteRecordsTopic,
};
use franzl_core::messages::list_offsets::{
    ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic,
};
use franzl_core::messages::{Array, LIST_OFFSETS_EARLIEST, LIST_OFFSETS_LATEST};
use std::collections::BTreeMap;

/// Which offset to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    /// The first offset still in the log (the log start offset).
    Earliest,
    /// The offset the next record will get (the high watermark).
    Latest,
    /// The first offset whose timestamp is at or after this many milliseconds since the epoch.
    Timestamp(i64),
}

impl OffsetSpec {
    fn timestamp(self) -> i64 {
        match self {
            Self::Earliest => LIST_OFFSETS_EARLIEST,
            Self::Latest => LIST_OFFSETS_LATEST,
            Self::Timestamp(millis) => millis,
        }
    }
}

/// An offset found by [`Admin::list_offsets`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedOffset {
    /// The partition.
    pub partition: i32,
    /// The offset; -1 when no record has a timestamp at or after the one asked for.
    pub offset: i64,
    /// The record's timestamp for a timestamp lookup, else -1.
    pub timestamp: i64,
    /// The leader epoch of the record, -1 if unknown.
    pub leader_epoch: i32,
}

/// Marks metadata stale when a partition error means the leader moved.
fn partition_error(
    admin: &Admin,
    topic: &str,
    partition: i32,
    code: ErrorCode,
    message: Option<&str>,
    what: &str,
) -> Result<()> {
    if needs_metadata_refresh(code) {
        admin.cluster.invalidate_leader(topic, partition);
    }
    check(code, message, || {
        format!("{what} partition {partition} of topic {topic}")
    })
}

impl Admin {
    /// The offsets of `topic`'s partitions as asked, in the order given.
    ///
    /// # Errors
    /// [`Error::Kafka`] for the first partition with an error (`UNKNOWN_TOPIC_OR_PARTITION`
    /// for a missing topic or partition).
    pub async fn list_offsets(
        &self,
        topic: &str,
        partitions: &[(i32, OffsetSpec)],
    ) -> Result<Vec<ListedOffset>> {
        self.retrying("ListOffsets", async || {
            let mut by_leader: BTreeMap<i32, Vec<ListOffsetsPartition<'_>>> = BTreeMap::new();
            for &(partition, spec) in partitions {
                let leader = self.leader_id(topic, partition).await?;
                by_leader
                    .entry(leader)
                    .or_default()
                    .push(ListOffsetsPartition {
                        partition_index: partition,
                        timestamp: spec.timestamp(),
                        ..Default::default()
                    });
            }
            let mut found = BTreeMap::new();
            for (leader, requested) in &by_leader {
                let topics = [ListOffsetsTopic {
                    name: topic,
                    partitions: Array::from_slice(requested),
                    ..Default::default()
                }];
                let request = ListOffsetsRequest {
                    replica_id: -1,
                    topics: Array::from_slice(&topics),
                    timeout_ms: self.broker_side_timeout(),
                    ..Default::default()
                };
                let response = self
                    .cluster
                    .broker(*leader)
                    .await?
                    .request(&request)
                    .await?;
                let decoded = response.decode::<ListOffsetsRequest<'_>>()?;
                for answer in decoded.topics.iter().flat_map(|t| t.partitions.iter()) {
                    let p = answer.partition_index;
                    partition_error(
                        self,
                        topic,
                        p,
                        answer.error_code,
                        None,
                        "listing offsets of",
                    )?;
                    found.insert(
                        p,
                        ListedOffset {
                            partition: p,
                            offset: answer.offset,
                            timestamp: answer.timestamp,
                            leader_epoch: answer.leader_epoch,
                        },
                    );
                }
            }
            partitions
                .iter()
                .map(|(partition, _)| {
                    found.get(partition).copied().ok_or_else(|| {
                        Error::protocol(format!("no offset for partition {partition} of {topic}"))
                    })
                })
                .collect()
        })
        .await
    }

    /// Deletes the records of `topic`'s partitions before the given offsets (-1: all of them),
    /// and returns each partition's new log start offset (low watermark), in the order given.
    ///
    /// # Errors
    /// [`Error::Kafka`] for the first partition with an error (`OFFSET_OUT_OF_RANGE` for an
    /// offset above the high watermark).
    pub async fn delete_records(
        &self,
        topic: &str,
        before: &[(i32, i64)],
    ) -> Result<Vec<(i32, i64)>> {
        self.retrying("DeleteRecords", async || {
            let mut by_leader: BTreeMap<i32, Vec<DeleteRecordsPartition<'_>>> = BTreeMap::new();
            for &(partition, offset) in before {
                let leader = self.leader_id(topic, partition).await?;
                by_leader
                    .entry(leader)
                    .or_default()
                    .push(DeleteRecordsPartition {
                        partition_index: partition,
                        offset,
                        ..Default::default()
                    });
            }
            let mut low_watermarks = BTreeMap::new();
            for (leader, requested) in &by_leader {
                let topics = [DeleteRecordsTopic {
                    name: topic,
                    partitions: Array::from_slice(requested),
                    ..Default::default()
                }];
                let request = DeleteRecordsRequest {
                    topics: Array::from_slice(&topics),
                    timeout_ms: self.broker_side_timeout(),
                    ..Default::default()
                };
                let response = self
                    .cluster
                    .broker(*leader)
                    .await?
                    .request(&request)
                    .await?;
                let decoded = response.decode::<DeleteRecordsRequest<'_>>()?;
                for answer in decoded.topics.iter().flat_map(|t| t.partitions.iter()) {
                    let p = answer.partition_index;
                    partition_error(
                        self,
                        topic,
                        p,
                        answer.error_code,
                        None,
                        "deleting records of",
                    )?;
                    low_watermarks.insert(p, answer.low_watermark);
                }
            }
            before
                .iter()
                .map(|(partition, _)| {
                    low_watermarks
                        .get(partition)
                        .map(|low| (*partition, *low))
                        .ok_or_else(|| {
                            Error::protocol(format!(
                                "no answer for partition {partition} of {topic}"
                            ))
                        })
                })
                .collect()
        })
        .await
    }

    /// The node id of the leader of `topic`'s partition `partition` (connecting to it).
    async fn leader_id(&self, topic: &str, partition: i32) -> Result<i32> {
        let connection = self.cluster.leader(topic, partition).await?;
        connection
            .node_id()
            .ok_or_else(|| Error::protocol("a leader connection without a node id"))
    }
}
