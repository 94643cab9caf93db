//! [`RangeAssignor`] (`range`): per topic, consecutive ranges of its partitions to the members
//! subscribed to it, in member order.
//!
//! Contract: a topic's `n` partitions over its `k` members: each gets `n / k`, and the first
//! `n % k` one more, member 0 the lowest partitions. Members with the same subscriptions so get
//! the same partition numbers of every topic (co-partitioning, for joins across topics), and
//! static members (KIP-345) keep their ranges across restarts since they sort by instance id.

use super::{
    Assignor, GroupAssignment, GroupMember, PartitionCounts, empty_assignment, member_order,
};
use crate::TopicPartition;

/// The `range` assignor (the Java client's `RangeAssignor`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RangeAssignor;

impl Assignor for RangeAssignor {
    fn name(&self) -> &str {
        "range"
    }

    fn assign(
        &self,
        members: &[GroupMember],
        partition_counts: &PartitionCounts,
    ) -> crate::Result<GroupAssignment> {
        let order = member_order(members);
        let mut assignment = empty_assignment(members);
        for (topic, &count) in partition_counts {
            let subscribed: Vec<&GroupMember> = order
                .iter()
                .map(|&i| &members[i])
                .filter(|member| member.topics.contains(topic))
                .collect();
            let Ok(count) = usize::try_from(count) else {
                continue;
            };
            if subscribed.is_empty() {
                continue;
            }
            let (each, extra) = (count / subscribed.len(), count % subscribed.len());
            let mut next = 0;
            for (i, member) in subscribed.into_iter().enumerate() {
                let len = each + usize::from(i < extra);
                let partitions = &mut assignment
                    .get_mut(&member.member_id)
                    .expect("every member has an entry")
                    .partitions;
                partitions.extend((next..next + len).map(|p| TopicPartition::new(topic, p as i32)));
                next += len;
            }
        }
        for member in assignment.values_mut() {
            member.partitions.sort();
        }
        Ok(assignment)
    }
}
