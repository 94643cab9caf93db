//! Consumer groups: a consumer with `group.id` that [subscribes](crate::Consumer::subscribe)
//! becomes a member of its group, gets partitions (from the group's leader in the classic
//! protocol, from the coordinator in KIP-848's, `group.protocol=consumer`) and commits its
//! positions to the group's coordinator. Both protocols share the events, the commits and the
//! way partitions are revoked and taken in.
//!
//! - `protocol`: JoinGroup, SyncGroup, Heartbeat and LeaveGroup on the wire.
//! - `offsets`: OffsetCommit, OffsetFetch and OffsetDelete on the wire ([`OffsetAndMetadata`],
//!   [`CommittedOffset`]); `commit`: commits and committed offsets with the retries a moved
//!   coordinator needs.
//! - `membership`: what the consumer handle and the member task share; `member_task`: the
//!   task that joins, heartbeats, auto-commits and leaves; `rebalance`: one rebalance,
//!   eager or cooperative (KIP-429), with the leader's assignment.
//! - `kip848`: the consumer protocol (ConsumerGroupHeartbeat): its member task, heartbeat and
//!   reconciliation.
//! - `verdict`: the protocols' error matrix, in one place.
//! - [`assignor`]: the partition assignors a leader runs (the Java client's, and the user's
//!   own), over franzl-core's [`franzl_core::consumer_protocol`] bytes.
//! - [`GroupEvent`]s tell the caller of partitions assigned, revoked and lost.
//!
//! ```no_run
//! use franzl::group::GroupEvent;
//! use franzl::{Consumer, ConsumerConfig};
//! use futures_lite::StreamExt;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ConsumerConfig::from_properties([
//!     ("bootstrap.servers", "127.0.0.1:9092"),
//!     ("group.id", "billing"),
//!     ("auto.offset.reset", "earliest"),
//! ])?;
//! let mut consumer = Consumer::connect(config).await?;
//! let mut events = consumer.group_events()?;
//! consumer.subscribe(["orders"])?;
//! let watcher = async move {
//!     while let Some(event) = events.next().await {
//!         match event {
//!             GroupEvent::Assigned(partitions) => eprintln!("assigned {partitions:?}"),
//!             // The rebalance goes on when `revocation` is dropped.
//!             GroupEvent::Revoked(revocation) => eprintln!("revoked {:?}", revocation.partitions()),
//!             GroupEvent::Lost(partitions) => eprintln!("lost {partitions:?}"),
//!             _ => {}
//!         }
//!     }
//! };
//! # drop(watcher);
//! while let Some(record) = consumer.next().await {
//!     let record = record?;
//!     println!("{} {:?}", record.offset(), record.value());
//!     consumer.commit().await?;
//! }
//! consumer.close().await;
//! # Ok(())
//! # }
//! ```

pub mod assignor;
pub(crate) mod commit;
mod events;
mod group_metadata;
mod kip848;
mod member_context;
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
pub use group_metadata::ConsumerGroupMetadata;
pub use offsets::{CommittedOffset, MemberIdentity, OffsetAndMetadata};
