//! An assignor's input and output: each [`GroupMember`] with its subscription, and each
//! member's [`MemberAssignment`]; with their conversions from and to the consumer protocol's
//! bytes (franzl-core's [`consumer_protocol`](franzl_core::consumer_protocol)).
//!
//! Contract: conversions copy what they keep (the core borrows, these own); decoding fails on
//! malformed bytes with [`Error::Protocol`] naming what was decoded.

use std::collections::BTreeMap;

use franzl_core::consumer_protocol::{Assignment, Subscription, TopicPartitions};
use franzl_core::messages::Array;

use crate::{Error, TopicPartition};

/// Each subscribed topic's partition count, from the cluster's metadata.
pub type PartitionCounts = BTreeMap<String, i32>;

/// Each member's assignment, by member id.
pub type GroupAssignment = BTreeMap<String, MemberAssignment>;

/// A group member as the leader sees it: its ids and its subscription.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupMember {
    /// The member id the coordinator gave it.
    pub member_id: String,
    /// Its `group.instance.id`, for a static member (KIP-345).
    pub group_instance_id: Option<String>,
    /// The topics it subscribes to.
    pub topics: Vec<String>,
    /// Its assignor's user data.
    pub user_data: Option<Vec<u8>>,
    /// The partitions it owns now (subscription v1+).
    pub owned_partitions: Vec<TopicPartition>,
    /// The generation it got them in (subscription v2+); `None` when it has none.
    pub generation: Option<i32>,
    /// Its rack (`client.rack`, subscription v3+).
    pub rack: Option<String>,
}

impl GroupMember {
    /// The member `member_id` with the subscription it sent; a generation below 0 is none, as
    /// the Java client reads it.
    #[must_use]
    pub fn from_subscription(
        member_id: impl Into<String>,
        group_instance_id: Option<String>,
        subscription: &Subscription<'_>,
    ) -> Self {
        Self {
            member_id: member_id.into(),
            group_instance_id,
            topics: subscription.topics.iter().map(str::to_owned).collect(),
            user_data: subscription.user_data.map(<[u8]>::to_vec),
            owned_partitions: partitions_of(subscription.owned_partitions),
            generation: (subscription.generation_id >= 0).then_some(subscription.generation_id),
            rack: subscription.rack_id.map(str::to_owned),
        }
    }

    /// Decodes the member's subscription bytes (JoinGroup protocol metadata).
    ///
    /// # Errors
    /// [`Error::Protocol`] when the bytes are not a subscription.
    pub fn decode(
        member_id: impl Into<String>,
        group_instance_id: Option<String>,
        bytes: &[u8],
    ) -> crate::Result<Self> {
        let member_id = member_id.into();
        let (_version, subscription) = Subscription::decode(bytes).map_err(|error| {
            Error::core(
                format!("decoding the subscription of member {member_id}"),
                error,
            )
        })?;
        Ok(Self::from_subscription(
            member_id,
            group_instance_id,
            &subscription,
        ))
    }
}

/// The partitions and user data the leader gives one member.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberAssignment {
    /// Its partitions, sorted by topic and partition.
    pub partitions: Vec<TopicPartition>,
    /// The assignor's user data for it; the built-in assignors send none.
    pub user_data: Option<Vec<u8>>,
}

impl MemberAssignment {
    /// Encodes the assignment at consumer-protocol `version` (SyncGroup's assignment bytes),
    /// partitions grouped by topic in the order of [`Self::partitions`].
    ///
    /// # Errors
    /// [`Error::Usage`] for a version outside 0 to 3 or a topic name too long to send.
    pub fn encode(&self, version: i16) -> crate::Result<Vec<u8>> {
        with_grouped(&self.partitions, |topics| {
            let assignment = Assignment {
                assigned_partitions: topics,
                user_data: self.user_data.as_deref(),
            };
            let refused = |error| Error::usage(format!("encoding an assignment: {error}"));
            let mut buf = vec![0; assignment.encoded_len(version).map_err(refused)?];
            assignment.encode(version, &mut buf).map_err(refused)?;
            Ok(buf)
        })
    }

    /// Decodes assignment bytes (SyncGroup's answer), partitions sorted.
    ///
    /// # Errors
    /// [`Error::Protocol`] when the bytes are not an assignment.
    pub fn decode(bytes: &[u8]) -> crate::Result<Self> {
        let (_version, assignment) = Assignment::decode(bytes)
            .map_err(|error| Error::core("decoding an assignment", error))?;
        let mut partitions = partitions_of(assignment.assigned_partitions);
        partitions.sort();
        Ok(Self {
            partitions,
            user_data: assignment.user_data.map(<[u8]>::to_vec),
        })
    }
}

/// The partitions of a decoded list, one by one.
pub(super) fn partitions_of(topics: Array<'_, TopicPartitions<'_>>) -> Vec<TopicPartition> {
    topics
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(move |p| TopicPartition::new(t.topic, p))
        })
        .collect()
}

/// Calls `with` on `partitions` grouped by topic for the wire: a run of partitions of one topic
/// becomes one entry, in the order given.
pub(crate) fn with_grouped<R>(
    partitions: &[TopicPartition],
    with: impl FnOnce(Array<'_, TopicPartitions<'_>>) -> R,
) -> R {
    let numbers: Vec<i32> = partitions.iter().map(|tp| tp.partition).collect();
    let mut topics = Vec::new();
    let mut start = 0;
    for (i, tp) in partitions.iter().enumerate() {
        if partitions
            .get(i + 1)
            .is_none_or(|next| next.topic != tp.topic)
        {
            topics.push(TopicPartitions::new(&tp.topic, &numbers[start..=i]));
            start = i + 1;
        }
    }
    with(Array::from_slice(&topics))
}
