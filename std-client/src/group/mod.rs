//! Consumer groups, the classic protocol: a consumer with `group.id` that
//! [subscribes](crate::Consumer::subscribe) becomes a member of its group, gets partitions
//! from the group's leader and commits its positions to the group's coordinator.
//!
//! - `protocol`: JoinGroup, SyncGroup, Heartbeat and LeaveGroup on the wire.
//! - `offsets`: OffsetCommit, OffsetFetch and OffsetDelete on the wire ([`OffsetAndMetadata`],
//!   [`CommittedOffset`]); `commit`: commits and committed offsets with the retries a moved
//!   coordinator needs.
//! - `membership`: what the consumer handle and the member task share; `member_task`: the
//!   task that joins, heartbeats, auto-commits and leaves; `rebalance`: one rebalance,
//!   eager or cooperative (KIP-429), with the leader's assignment.
//! - `verdict`: the protocol's error matrix, in one place.
//! - [`assignor`]: the partition assignors a leader runs (the Java client's, and the user's
//!   own), over franzl-core's [`franzl_core::consumer_protocol`] bytes.
//! - [`GroupEvent`]s tell the caller of partitions assigned, revoked and lost.

pub mod assignor;
pub(crate) mod commit;
mod events;
pub(crate) mod member_task;
pub(crate) mod membership;
pub(crate) mod offsets;
mod protocol;
mod rebalance;
#[cfg(test)]
mod scripted_coordinator;
#[cfg(test)]
mod scripted_tests;
mod verdict;

pub use events::{GroupEvent, GroupEvents, Revocation};
pub use offsets::{CommittedOffset, MemberIdentity, OffsetAndMetadata};
