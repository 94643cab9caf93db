//! Consumer groups (the classic protocol): so far the partition [`assignor`]s a group leader
//! runs, the bytes they exchange (franzl-core's [`franzl_core::consumer_protocol`]), and the
//! group's committed offsets on the wire ([`OffsetAndMetadata`], [`CommittedOffset`]).
//!
//! The membership protocol (JoinGroup, SyncGroup, heartbeats) is not here yet, so the consumer
//! does not use these: a consumer given a group property refuses it, naming the property.

pub mod assignor;
// The group membership and the admin client are its callers, and are on their way.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod offsets;

pub use offsets::{CommittedOffset, MemberIdentity, OffsetAndMetadata};
