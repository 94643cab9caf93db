//! [`CooperativeStickyAssignor`] (`cooperative-sticky`, KIP-429): the sticky placement, with
//! every partition that changes owner held back for one round.
//!
//! Contract: a member's claims are its subscription's owned partitions, with the subscription's
//! generation (v2+), or else the generation in its user data (an `INT32`, which this assignor
//! writes, as the Java client's does). A partition placed with another member than its valid
//! previous owner, or in doubt (claimed by two members of the highest generation, or by one no
//! longer subscribed to its topic), is left out of every
//! assignment this round: its owner sees it missing and revokes it, which starts another
//! rebalance, where it is unowned and goes to its new member. So no partition is ever given to
//! a member while another still owns it. Placement and claims as in the [module](super)
//! summary.

use super::ownership::{Claim, valid_claims};
use super::sticky_balance::place;
use super::{
    Assignor, GroupAssignment, GroupMember, PartitionCounts, RebalanceProtocol, by_member,
};
use crate::TopicPartition;

/// The `cooperative-sticky` assignor (the Java client's `CooperativeStickyAssignor`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CooperativeStickyAssignor;

impl Assignor for CooperativeStickyAssignor {
    fn name(&self) -> &str {
        "cooperative-sticky"
    }

    fn protocols(&self) -> &[RebalanceProtocol] {
        &[RebalanceProtocol::Cooperative, RebalanceProtocol::Eager]
    }

    /// The generation alone (-1 before the first assignment), for members that send a
    /// subscription version without the generation field.
    fn subscription_user_data(
        &self,
        owned: &[TopicPartition],
        generation: Option<i32>,
    ) -> Option<Vec<u8>> {
        let _ = owned;
        Some(generation.unwrap_or(-1).to_be_bytes().to_vec())
    }

    fn assign(
        &self,
        members: &[GroupMember],
        partition_counts: &PartitionCounts,
    ) -> crate::Result<GroupAssignment> {
        let claims: Vec<Claim> = members.iter().map(claim_of).collect();
        let ownership = valid_claims(members, &claims, partition_counts);
        let mut placement = place(members, partition_counts, &ownership.owned);
        let previous_owner = |tp: &TopicPartition| {
            ownership
                .owned
                .iter()
                .position(|owned| owned.binary_search(tp).is_ok())
        };
        for (i, partitions) in placement.iter_mut().enumerate() {
            partitions.retain(|tp| {
                !ownership.in_doubt.contains(tp)
                    && previous_owner(tp).is_none_or(|owner| owner == i)
            });
        }
        Ok(by_member(members, placement))
    }
}

/// What a member says it owns: its owned partitions, with the subscription's generation or
/// else the one in its user data.
fn claim_of(member: &GroupMember) -> Claim {
    let from_user_data = || {
        let bytes = member.user_data.as_deref()?.first_chunk::<4>()?;
        Some(i32::from_be_bytes(*bytes)).filter(|&generation| generation >= 0)
    };
    Claim {
        partitions: member.owned_partitions.clone(),
        generation: member.generation.or_else(from_user_data),
    }
}
