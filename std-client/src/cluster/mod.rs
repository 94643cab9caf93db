//! The cluster as a client sees it: bootstrap, the metadata cache, the pool of broker
//! connections, leader routing and coordinators.
//!
//! [`Client`] is the one client handle (also `franzl::Client`): producers, consumers and admin
//! clients are made from it and share its metadata and connections. It is a cheap `Clone`
//! handle; the types here besides it are what it hands out (metadata snapshots, raw
//! [`BrokerConnection`]s for requests franzl has no call for). Contract:
//! - [`Client::connect`] tries the bootstrap addresses in order (failover), in rounds with
//!   backoff until `max.block.ms` (`ClientConfig::metadata_timeout`), and fetches the broker list.
//! - Metadata is cached as an immutable [`MetadataSnapshot`]. It is refreshed on use when older
//!   than `metadata.max.age.ms`, after [`Client::invalidate_leader`] (call it on
//!   `NOT_LEADER_OR_FOLLOWER`, `LEADER_NOT_AVAILABLE`, `FENCED_LEADER_EPOCH`,
//!   `UNKNOWN_LEADER_EPOCH`, `UNKNOWN_TOPIC_OR_PARTITION`, `KAFKA_STORAGE_ERROR`, or a connection
//!   error on the leader; [`needs_metadata_refresh`] says which codes), and on demand. The cache
//!   holds the topics asked about; refreshes ask about them again.
//! - Connections are pooled by node id and [`Purpose`]: up to three connections per broker,
//!   one for control requests (metadata, coordinator lookups, ListOffsets, admin), one for
//!   Produce and one for Fetch, so a fetch long poll (which the broker may hold for
//!   `fetch.max.wait.ms`) never delays a Produce or a Metadata request; each is made on first
//!   use ([`Client::broker_for`]; [`Client::broker`], [`Client::leader`],
//!   [`Client::coordinator`] and [`Client::any_broker`] give control connections). A failed
//!   one is replaced on next use, after an exponential backoff with jitter
//!   (`reconnect.backoff.ms` to `reconnect.backoff.max.ms`). Metadata requests go over
//!   any open pooled control connection, else over a connection to a bootstrap address, which
//!   is kept for that (so one broker may have a fourth).
//! - [`Client::leader`] and [`Client::coordinator`] retry retriable failures (refreshing
//!   metadata, with `retry.backoff.ms` backoff) until `max.block.ms`; a topic that does not exist
//!   fails at once with `UNKNOWN_TOPIC_OR_PARTITION`.
//! - One background task per cluster refreshes the metadata when it reaches
//!   `metadata.max.age.ms` (whoever refreshed it last) and soon after an invalidation; it
//!   stops with the last handle. No task of the cluster polls: each waits for an event or for
//!   a deadline the configuration sets (`metadata.max.age.ms`, `retry.backoff.ms`,
//!   `reconnect.backoff.ms`, the request timeout).
//!   Callers that need fresh metadata at once ([`Client::leader`]) refresh in their own task.
//! - [`Client::finalized_features`] gives the cluster's finalized feature levels
//!   (`transaction.version`, `group.version`, ...), the newest (highest epoch) any connection's
//!   handshake reported; [`Client::refresh_finalized_features`] asks a broker again.
//!
//! ```no_run
//! use franzl::Client;
//! use franzl::config::ClientConfig;
//! use franzl::core::messages::list_offsets::ListOffsetsRequest;
//!
//! # fn main() -> franzl::Result<()> {
//! smol::block_on(async {
//!     let config = ClientConfig::from_properties([("bootstrap.servers", "localhost:9092")])?;
//!     let cluster = Client::connect(config).await?;
//!     println!("{} brokers", cluster.metadata().brokers.len());
//!     let leader = cluster.leader("orders", 0).await?;
//!     let response = leader.request(&ListOffsetsRequest::default()).await?;
//!     let decoded = response.decode::<ListOffsetsRequest<'_>>()?;
//!     println!("throttled {} ms", decoded.throttle_time_ms);
//!     Ok(())
//! })
//! # }
//! ```

#[cfg(test)]
mod connect_tests;
mod coordinator;
mod features;
mod handle;
mod leader;
mod metadata;
mod pool;
mod refresher;

pub use crate::broker::{BrokerConnection, ResponseFrame};
pub use crate::net::BrokerAddress;
pub use coordinator::CoordinatorKind;
pub use features::FinalizedFeatures;
pub use handle::Client;
pub use leader::needs_metadata_refresh;
pub use metadata::{MetadataSnapshot, PartitionMetadata, TopicMetadata};
pub use pool::Purpose;
