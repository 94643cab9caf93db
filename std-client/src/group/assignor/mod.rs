//! Partition assignors: how a consumer group's leader divides the subscribed topics'
//! partitions among the members, under the Java client's names, with its rules.
//!
//! - [`RangeAssignor`] (`range`): per topic, consecutive ranges of partitions to the members
//!   subscribed to it, in member order, so members with the same subscriptions get the same
//!   partition numbers of every topic (co-partitioning).
//! - [`RoundRobinAssignor`] (`roundrobin`): every partition, topics in name order, dealt to the
//!   members in turn, skipping those not subscribed to its topic.
//! - [`StickyAssignor`] (`sticky`, eager) and [`CooperativeStickyAssignor`]
//!   (`cooperative-sticky`, KIP-429): balanced within one partition where the subscriptions
//!   allow it, keeping as many partitions with their previous owners as balance permits. The
//!   cooperative one leaves a partition that changes owner out of the new owner's assignment
//!   for one round, so the old owner revokes it first and no partition ever has two owners.
//!
//! Member order, for range and round robin as in the Java client: members with a
//! `group.instance.id` first, by that id, then the others by member id (names compared as
//! bytes, which for names outside the Basic Multilingual Plane can differ from Java's UTF-16
//! order).
//!
//! Ownership claims (the sticky assignors): a member's claims count only when its generation is
//! the group's highest (a member without a generation counts only when no member has one); a
//! partition claimed by two members of that generation is taken from both; claims on topics a
//! member no longer subscribes to, or partitions that no longer exist, are dropped (the
//! cooperative assignor holds the first kind back for a round too: the member still has them).
//!
//! Contract: an assignor is pure (no I/O, no clock, no randomness): the same input gives the
//! same assignment. Every member gets an entry in the result, possibly empty; every partition
//! of a topic some member subscribes to is assigned to exactly one member subscribed to it
//! (the cooperative assignor may hold some back for one round, as above); topics missing from
//! the partition counts are skipped, as the Java assignors skip topics without metadata.
//! Rack-aware assignment is not done: a member's rack is passed to assignors but the built-in
//! ones do not use it (the partition counts carry no replica racks).

mod cooperative_sticky;
pub(crate) mod member;
mod ownership;
mod range;
mod round_robin;
mod sticky;
mod sticky_balance;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

pub use cooperative_sticky::CooperativeStickyAssignor;
pub(crate) use member::with_grouped;
pub use member::{GroupAssignment, GroupMember, MemberAssignment, PartitionCounts};
pub use range::RangeAssignor;
pub use round_robin::RoundRobinAssignor;
pub use sticky::StickyAssignor;

use crate::TopicPartition;

/// How members give up partitions in a rebalance (the Java client's `RebalanceProtocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RebalanceProtocol {
    /// Every member gives up all its partitions before it joins, and gets its whole new
    /// assignment after.
    Eager,
    /// Members keep their partitions through the rebalance and give up only those that move
    /// (KIP-429), which then reach their new owner in a second rebalance.
    Cooperative,
}

/// A partition assignor, built in or the user's own.
///
/// The leader of a group calls [`Assignor::assign`] with every member's subscription; each
/// member calls [`Assignor::subscription_user_data`] to fill the user data of its own
/// subscription. Implementations must be deterministic and must give every partition of a
/// subscribed topic to at most one member, and only to a member subscribed to its topic; an
/// assignor that supports [`RebalanceProtocol::Cooperative`] must also never give a partition
/// to a member while another member still claims it (leave it out for a round instead).
///
/// # Examples
///
/// An assignor that gives each topic whole to one member, in turn:
///
/// ```
/// use franzl::TopicPartition;
/// use franzl::group::assignor::{
///     Assignor, GroupAssignment, GroupMember, MemberAssignment, PartitionCounts,
/// };
///
/// #[derive(Debug)]
/// struct WholeTopics;
///
/// impl Assignor for WholeTopics {
///     fn name(&self) -> &str {
///         "whole-topics"
///     }
///
///     fn assign(
///         &self,
///         members: &[GroupMember],
///         counts: &PartitionCounts,
///     ) -> franzl::Result<GroupAssignment> {
///         let mut assignment: GroupAssignment = members
///             .iter()
///             .map(|m| (m.member_id.clone(), MemberAssignment::default()))
///             .collect();
///         for (turn, (topic, &count)) in counts.iter().enumerate() {
///             let takers: Vec<_> = members.iter().filter(|m| m.topics.contains(topic)).collect();
///             if let Some(member) = takers.get(turn % takers.len().max(1)) {
///                 let partitions = &mut assignment.get_mut(&member.member_id).unwrap().partitions;
///                 partitions.extend((0..count).map(|p| TopicPartition::new(topic, p)));
///             }
///         }
///         Ok(assignment)
///     }
/// }
///
/// let member = |id: &str| GroupMember {
///     member_id: id.to_owned(),
///     topics: vec!["a".to_owned(), "b".to_owned()],
///     ..GroupMember::default()
/// };
/// let counts = PartitionCounts::from([("a".to_owned(), 2), ("b".to_owned(), 1)]);
/// let assignment = WholeTopics.assign(&[member("m1"), member("m2")], &counts)?;
/// assert_eq!(assignment["m1"].partitions.len(), 2);
/// assert_eq!(assignment["m2"].partitions, [TopicPartition::new("b", 0)]);
/// # Ok::<(), franzl::Error>(())
/// ```
pub trait Assignor: fmt::Debug + Send + Sync {
    /// The name the members vote with in JoinGroup; members of one group must agree on it
    /// (`range`, `roundrobin`, `sticky`, `cooperative-sticky` for the built-in ones, which the
    /// Java client's members use too).
    fn name(&self) -> &str;

    /// The rebalance protocols this assignor supports. The group uses the highest one that
    /// all of a member's configured assignors support.
    fn protocols(&self) -> &[RebalanceProtocol] {
        &[RebalanceProtocol::Eager]
    }

    /// The user data a member puts in its subscription, given what it owns now and the
    /// generation it got that in (`None` before its first assignment). None by default.
    fn subscription_user_data(
        &self,
        owned: &[TopicPartition],
        generation: Option<i32>,
    ) -> Option<Vec<u8>> {
        let _ = (owned, generation);
        None
    }

    /// Divides the partitions of the subscribed topics among `members`.
    ///
    /// # Errors
    /// Whatever the assignor cannot do; the built-in assignors never fail (a member's user
    /// data they cannot read counts as no claims).
    fn assign(
        &self,
        members: &[GroupMember],
        partition_counts: &PartitionCounts,
    ) -> crate::Result<GroupAssignment>;
}

/// The names of the built-in assignors, as the Java client names them.
pub const BUILT_IN_NAMES: [&str; 4] = ["range", "roundrobin", "sticky", "cooperative-sticky"];

/// The built-in assignor called `name`: its short name (`range`, `roundrobin`, `sticky`,
/// `cooperative-sticky`) or the Java client's class name
/// (`org.apache.kafka.clients.consumer.RangeAssignor`, ...), as `partition.assignment.strategy`
/// takes either.
#[must_use]
pub fn built_in(name: &str) -> Option<Arc<dyn Assignor>> {
    let short = name
        .strip_prefix("org.apache.kafka.clients.consumer.")
        .map_or(name, |class| match class {
            "RangeAssignor" => "range",
            "RoundRobinAssignor" => "roundrobin",
            "StickyAssignor" => "sticky",
            "CooperativeStickyAssignor" => "cooperative-sticky",
            _ => class,
        });
    match short {
        "range" => Some(Arc::new(RangeAssignor)),
        "roundrobin" => Some(Arc::new(RoundRobinAssignor)),
        "sticky" => Some(Arc::new(StickyAssignor)),
        "cooperative-sticky" => Some(Arc::new(CooperativeStickyAssignor)),
        _ => None,
    }
}

/// The members' indexes in the Java client's member order: those with a group instance id
/// first, by it, then the others by member id.
fn member_order(members: &[GroupMember]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&members[a], &members[b]);
        match (&a.group_instance_id, &b.group_instance_id) {
            (Some(a_instance), Some(b_instance)) => a_instance.cmp(b_instance),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.member_id.cmp(&b.member_id))
    });
    order
}

/// An empty assignment for every member, to fill.
fn empty_assignment(members: &[GroupMember]) -> BTreeMap<String, MemberAssignment> {
    members
        .iter()
        .map(|member| (member.member_id.clone(), MemberAssignment::default()))
        .collect()
}

/// The assignment of `partitions` (one list per member, in the order of `members`), with no
/// user data.
fn by_member(members: &[GroupMember], partitions: Vec<Vec<TopicPartition>>) -> GroupAssignment {
    members
        .iter()
        .zip(partitions)
        .map(|(member, partitions)| {
            let assignment = MemberAssignment {
                partitions,
                user_data: None,
            };
            (member.member_id.clone(), assignment)
        })
        .collect()
}
