//! [`StickyAssignor`] (`sticky`, eager, KIP-54): balanced, and keeping partitions with their
//! previous owners as far as balance allows.
//!
//! Contract: eager members give up everything before they join, so a member's previous
//! assignment travels in its user data ([`StickyUserData`]: the partitions and the generation,
//! as the Java client's `StickyAssignor` writes them); the owned partitions of the
//! subscription are not read, as in the Java client. User data that does not decode counts as
//! no claims. Placement and claims as in the [module](super) summary.

use franzl_core::consumer_protocol::StickyUserData;

use super::member::{partitions_of, with_grouped};
use super::ownership::{Claim, valid_claims};
use super::sticky_balance::place;
use super::{Assignor, GroupAssignment, GroupMember, PartitionCounts, by_member};
use crate::TopicPartition;

/// The `sticky` assignor (the Java client's `StickyAssignor`).
#[derive(Debug, Clone, Copy, Default)]
pub struct StickyAssignor;

impl Assignor for StickyAssignor {
    fn name(&self) -> &str {
        "sticky"
    }

    /// The previous assignment and its generation; none before the member's first assignment.
    fn subscription_user_data(
        &self,
        owned: &[TopicPartition],
        generation: Option<i32>,
    ) -> Option<Vec<u8>> {
        let generation = generation?;
        let mut owned = owned.to_vec();
        owned.sort();
        with_grouped(&owned, |previous_assignment| {
            let data = StickyUserData {
                previous_assignment,
                generation: Some(generation),
            };
            let mut buf = vec![0; data.encoded_len().ok()?];
            data.encode(&mut buf).ok()?;
            Some(buf)
        })
    }

    fn assign(
        &self,
        members: &[GroupMember],
        partition_counts: &PartitionCounts,
    ) -> crate::Result<GroupAssignment> {
        let claims: Vec<Claim> = members.iter().map(claim_in_user_data).collect();
        let ownership = valid_claims(members, &claims, partition_counts);
        let placement = place(members, partition_counts, &ownership.owned);
        Ok(by_member(members, placement))
    }
}

/// What a member's `sticky` user data says it owns.
fn claim_in_user_data(member: &GroupMember) -> Claim {
    let Some(Ok(data)) = member.user_data.as_deref().map(StickyUserData::decode) else {
        return Claim::default();
    };
    Claim {
        partitions: partitions_of(data.previous_assignment),
        generation: data.generation.filter(|&generation| generation >= 0),
    }
}
