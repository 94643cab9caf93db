//! Which ownership claims the sticky assignors honour: a member's claims count when its
//! generation is the group's highest; a partition two such members claim is taken from both.
//!
//! Contract: the result lists, per member (in the input's order), the partitions it validly
//! owns, sorted, each of an existing partition of a topic it subscribes to and claimed by no
//! other valid member; and the partitions in doubt, which no one keeps but which a valid member
//! still holds: claimed by two of them, or of a topic its claimant no longer subscribes to. The
//! cooperative assignor must not hand those out in the same round (their holders must give
//! them up first).

use std::collections::{BTreeMap, BTreeSet};

use super::{GroupMember, PartitionCounts};
use crate::TopicPartition;

/// What one member claims to own, as its assignor's data says.
#[derive(Debug, Clone, Default)]
pub(super) struct Claim {
    /// The partitions it says it owns.
    pub(super) partitions: Vec<TopicPartition>,
    /// The generation it got them in, if it says.
    pub(super) generation: Option<i32>,
}

/// The claims that count.
#[derive(Debug, Clone, Default)]
pub(super) struct Ownership {
    /// Per member, in the input's order, the partitions it owns, sorted.
    pub(super) owned: Vec<Vec<TopicPartition>>,
    /// Partitions a member of the highest generation holds but cannot keep: claimed by more
    /// than one of them, or of a topic it no longer subscribes to.
    pub(super) in_doubt: BTreeSet<TopicPartition>,
}

/// Sorts out `claims` (one per member, in the same order as `members`).
pub(super) fn valid_claims(
    members: &[GroupMember],
    claims: &[Claim],
    partition_counts: &PartitionCounts,
) -> Ownership {
    // A member without a generation ranks below any member with one, as in the Java client.
    let rank = |claim: &Claim| claim.generation.unwrap_or(-1);
    let highest = claims.iter().map(rank).max().unwrap_or(-1);
    let mut claimants: BTreeMap<&TopicPartition, Vec<usize>> = BTreeMap::new();
    let mut in_doubt = BTreeSet::new();
    for (i, (member, claim)) in members.iter().zip(claims).enumerate() {
        if rank(claim) != highest {
            continue;
        }
        let exists = |tp: &TopicPartition| {
            partition_counts
                .get(&tp.topic)
                .is_some_and(|&count| (0..count).contains(&tp.partition))
        };
        for tp in claim.partitions.iter().filter(|tp| exists(tp)) {
            if !member.topics.contains(&tp.topic) {
                in_doubt.insert(tp.clone());
                continue;
            }
            let who = claimants.entry(tp).or_default();
            if !who.contains(&i) {
                who.push(i);
            }
        }
    }
    let mut ownership = Ownership {
        owned: vec![Vec::new(); members.len()],
        in_doubt,
    };
    for (tp, who) in claimants {
        match who.as_slice() {
            [one] => ownership.owned[*one].push(tp.clone()),
            _ => {
                ownership.in_doubt.insert(tp.clone());
            }
        }
    }
    ownership
}
