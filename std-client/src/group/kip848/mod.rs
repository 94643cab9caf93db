//! The consumer group protocol of KIP-848 (`group.protocol=consumer`): the coordinator
//! assigns, and each member heartbeats with ConsumerGroupHeartbeat and reconciles.
//!
//! - `heartbeat`: ConsumerGroupHeartbeat v1 on the wire, the assignment sanitized.
//! - `member`: the member task: its id (KIP-1082), epochs, heartbeats, fences and leaves.
//! - `reconcile`: from the owned partitions to the coordinator's target, revocations first.
//!
//! The events ([`crate::group::GroupEvent`]), commits (`commit.rs`) and the way partitions are
//! given up and taken in (`rebalance.rs`) are the classic protocol's.

mod heartbeat;
mod member;
mod reconcile;
#[cfg(test)]
mod scripted_coordinator;
#[cfg(test)]
mod scripted_tests;

pub(crate) use member::run;
