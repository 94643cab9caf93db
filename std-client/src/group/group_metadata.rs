//! [`ConsumerGroupMetadata`]: who a group member is, for offsets committed inside a producer's
//! transaction (KIP-447).
//!
//! A transactional producer that commits a consumer's offsets
//! ([`Producer::send_offsets_to_transaction`](crate::producer::Producer::send_offsets_to_transaction))
//! sends them with the member's generation and member id, so the group coordinator refuses a
//! member that has fallen out of the group (a zombie) as it refuses its plain commits.

use super::MemberIdentity;

/// A consumer group member's identity at one moment:
/// [`Consumer::group_metadata`](crate::consumer::Consumer::group_metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroupMetadata {
    /// `group.id`.
    pub group_id: String,
    /// The generation of the member's last completed rebalance; -1 outside a generation (then
    /// the coordinator checks nothing, as for a consumer without a group membership).
    pub generation_id: i32,
    /// The member id the coordinator gave it; empty outside a generation.
    pub member_id: String,
    /// Its `group.instance.id`, for a static member (KIP-345).
    pub group_instance_id: Option<String>,
}

impl ConsumerGroupMetadata {
    /// A group without a member: offsets committed under it are not fenced by generation
    /// (for a consumer that assigns its partitions itself).
    pub fn new(group_id: impl Into<String>) -> Self {
        Self {
            group_id: group_id.into(),
            generation_id: -1,
            member_id: String::new(),
            group_instance_id: None,
        }
    }

    /// The metadata of `group_id`'s member `identity` (`None`: outside a generation).
    pub(crate) fn of_member(
        group_id: &str,
        identity: Option<MemberIdentity>,
        instance_id: Option<&str>,
    ) -> Self {
        match identity {
            Some(identity) => Self {
                group_id: group_id.to_owned(),
                generation_id: identity.generation_id,
                member_id: identity.member_id,
                group_instance_id: identity.group_instance_id,
            },
            None => Self {
                group_instance_id: instance_id.map(str::to_owned),
                ..Self::new(group_id)
            },
        }
    }
}
