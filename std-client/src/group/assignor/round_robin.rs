//! [`RoundRobinAssignor`] (`roundrobin`): every partition dealt to the members in turn.
//!
//! Contract: the partitions of all subscribed topics, topics in name order and partitions in
//! number order, go one at a time to the next member in member order, skipping members not
//! subscribed to the partition's topic; the turn carries over from one partition to the next.
//! With equal subscriptions the result is balanced within one partition.

use super::{
    Assignor, GroupAssignment, GroupMember, PartitionCounts, empty_assignment, member_order,
};
use crate::TopicPartition;

/// The `roundrobin` assignor (the Java client's `RoundRobinAssignor`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RoundRobinAssignor;

impl Assignor for RoundRobinAssignor {
    fn name(&self) -> &str {
        "roundrobin"
    }

    fn assign(
        &self,
        members: &[GroupMember],
        partition_counts: &PartitionCounts,
    ) -> crate::Result<GroupAssignment> {
        let order = member_order(members);
        let mut assignment = empty_assignment(members);
        let mut turn = 0;
        for (topic, &count) in partition_counts {
            if !members.iter().any(|member| member.topics.contains(topic)) {
                continue;
            }
            for partition in 0..count.max(0) {
                // Someone subscribes to the topic, so this stops within one round.
                while !members[order[turn % order.len()]].topics.contains(topic) {
                    turn += 1;
                }
                let member = &members[order[turn % order.len()]];
                turn += 1;
                assignment
                    .get_mut(&member.member_id)
                    .expect("every member has an entry")
                    .partitions
                    .push(TopicPartition::new(topic, partition));
            }
        }
        Ok(assignment)
    }
}
