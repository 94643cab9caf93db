//! Rebalance rounds as a group runs them: each member joins with what it owns (in its
//! subscription or its user data, as its assignor reads it), the leader assigns, and the
//! members take their assignments; with the checks every round must pass.

use std::collections::{BTreeMap, BTreeSet};

use super::super::{Assignor, GroupAssignment, GroupMember, PartitionCounts, RebalanceProtocol};
use crate::TopicPartition;

/// What each member owns after a round, by member id.
pub(super) type Owners = BTreeMap<String, Vec<TopicPartition>>;

/// `members` as they join a rebalance after generation `generation`, owning `owned`.
pub(super) fn joining(
    assignor: &dyn Assignor,
    members: &[GroupMember],
    owned: &Owners,
    generation: i32,
) -> Vec<GroupMember> {
    members
        .iter()
        .map(|member| {
            let mine = owned.get(&member.member_id);
            let generation = mine.map(|_| generation);
            let partitions = mine.cloned().unwrap_or_default();
            let cooperative = assignor
                .protocols()
                .contains(&RebalanceProtocol::Cooperative);
            GroupMember {
                user_data: assignor.subscription_user_data(&partitions, generation),
                // Eager members give up everything before they join.
                owned_partitions: if cooperative { partitions } else { Vec::new() },
                generation: if cooperative { generation } else { None },
                ..member.clone()
            }
        })
        .collect()
}

/// Every partition of a topic some member subscribes to (and that has metadata).
pub(super) fn all_partitions(
    members: &[GroupMember],
    counts: &PartitionCounts,
) -> BTreeSet<TopicPartition> {
    counts
        .iter()
        .filter(|(topic, _)| members.iter().any(|m| m.topics.contains(topic)))
        .flat_map(|(topic, &count)| (0..count).map(move |p| TopicPartition::new(topic, p)))
        .collect()
}

/// Checks what every assignment must be: an entry per member, partitions only of subscribed
/// topics, none twice, and every partition (when `complete`).
pub(super) fn check_valid(
    members: &[GroupMember],
    counts: &PartitionCounts,
    assignment: &GroupAssignment,
    complete: bool,
    context: &str,
) {
    assert_eq!(
        assignment.len(),
        members.len(),
        "{context}: one entry per member"
    );
    let mut seen = BTreeSet::new();
    for member in members {
        let mine = &assignment[&member.member_id].partitions;
        for tp in mine {
            assert!(
                member.topics.contains(&tp.topic),
                "{context}: {tp} to {} unsubscribed",
                member.member_id
            );
            assert!(seen.insert(tp.clone()), "{context}: {tp} assigned twice");
        }
    }
    let all = all_partitions(members, counts);
    assert!(
        seen.is_subset(&all),
        "{context}: partitions that do not exist"
    );
    if complete {
        assert_eq!(seen, all, "{context}: not every partition assigned");
    }
}

/// True when no partition can move to another member subscribed to its topic that has two
/// or more partitions fewer than its owner (the Java sticky assignors' notion of balance).
pub(super) fn is_balanced(members: &[GroupMember], assignment: &GroupAssignment) -> bool {
    let load = |m: &GroupMember| assignment[&m.member_id].partitions.len();
    members.iter().all(|giver| {
        assignment[&giver.member_id].partitions.iter().all(|tp| {
            members
                .iter()
                .all(|taker| !taker.topics.contains(&tp.topic) || load(taker) + 1 >= load(giver))
        })
    })
}

/// The members' partitions after they take `assignment`.
pub(super) fn owners_after(assignment: &GroupAssignment) -> Owners {
    assignment
        .iter()
        .map(|(id, a)| (id.clone(), a.partitions.clone()))
        .collect()
}

/// Checks that a cooperative round gives no member a partition another member owned when it
/// joined.
pub(super) fn check_no_transfer_in_one_round(
    before: &Owners,
    assignment: &GroupAssignment,
    context: &str,
) {
    for (member, given) in assignment {
        for tp in &given.partitions {
            for (other, owned) in before {
                assert!(
                    other == member || !owned.contains(tp),
                    "{context}: {tp} given to {member} while {other} still owns it"
                );
            }
        }
    }
}
