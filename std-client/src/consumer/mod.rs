//! The consumer: manually assigned partitions, read from the earliest or latest offset, an
//! offset or a timestamp, with records delivered as a [`futures_lite::Stream`] or in batches
//! by [`Consumer::poll`].
//!
//! How it runs, as tasks (see [`crate::runtime`]): a manager task (`manager`) finds partition
//! leaders and resolves seeks with ListOffsets; one fetch task per leader broker (`fetcher`)
//! sends Fetch requests for all the partitions that broker leads (in an incremental
//! fetch session when the broker grants one), reads the
//! records in place (`partition_read`) and queues them for the [`Consumer`] handle. Fetching
//! runs ahead of the caller within `max_prefetch_bytes` (`budget`), decompressed batches
//! included; when the caller stops consuming, fetching pauses.
//!
//! Records ([`ConsumerRecord`]) share the fetched buffers: one reference count per record, a
//! few allocations per batch. `read_committed` skips aborted transactions
//! (`transactions`) and stops at the last stable offset. Leader changes are followed
//! (`NOT_LEADER_OR_FOLLOWER`, `FENCED_LEADER_EPOCH`: the leader is looked up again, and the
//! current leader epoch goes in every Fetch); an offset out of range is handled by
//! `auto.offset.reset`. Log truncation is detected as KIP-320 says: every Fetch (v12+) carries
//! the leader epoch of the last batch fetched, and when the leader answers that its log
//! diverges from there (after an unclean leader election), the partition reads again from the
//! divergence point, or with `auto.offset.reset=none` stops with [`crate::Error::LogTruncated`].
//! After [`Consumer::seek`] that epoch is unknown and the first Fetch carries none.
//! [`Consumer::pause`] stops a partition (not fetched, nothing handed out, position kept)
//! until [`Consumer::resume`] (`pausing`).
//!
//! Errors: a retriable error (a lost connection, a timeout, a leader moving,
//! `NOT_LEADER_OR_FOLLOWER`, ...) is retried with backoff (`retry.backoff.ms` up to `retry.backoff.max.ms`) and logged;
//! the caller never sees it, with one exception: an assigned partition that the metadata says does
//! not exist (its topic is unknown, or has fewer partitions) is reported once through `poll`
//! (`UNKNOWN_TOPIC_OR_PARTITION`, retriable), and the consumer keeps looking for it and reads it
//! once it exists. A non-retriable one ([`crate::Error::is_retriable`] is false) is
//! returned once by [`Consumer::poll`], or as an `Err` item of the stream: an error code about
//! one partition (`TOPIC_AUTHORIZATION_FAILED`, `OFFSET_OUT_OF_RANGE` with
//! `auto.offset.reset=none`, a batch that fails its CRC, ...), or a failed request to a broker
//! (a response over `receive.message.max.bytes`, failed authentication or TLS, a response that
//! does not decode, `UNSUPPORTED_VERSION`), which concerns every partition in it (all the
//! partitions that broker leads, or whose offsets it was asked). Those partitions then *stop*,
//! as the Java consumer's `poll` throws and the position stays where it was: they are not
//! fetched, their leader is not looked up and their offsets are not listed, so nothing is
//! retried in a loop, until [`Consumer::seek`] (or reassigning them after an assignment
//! without them) starts them again; [`Consumer::stopped`] lists them. Their records fetched
//! before the error are still handed out first, and the other partitions go on.
//!
//! Consumer groups: with `group.id`, [`Consumer::subscribe`] (or
//! [`Consumer::subscribe_pattern`]) makes the consumer a member of its group (see
//! [`crate::group`]): the group's member task drives the assignment (a rebalance assigns and
//! revokes; committed offsets become seeks), and [`Consumer::commit`] commits positions.
//! [`Consumer::group_events`] tells of partitions assigned, revoked and lost. `assign` and
//! `subscribe` are exclusive.
//!
//! ```no_run
//! use franzl::config::ConsumerConfig;
//! use franzl::consumer::{Consumer, SeekTo, TopicPartition};
//! use futures_lite::StreamExt;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ConsumerConfig::from_properties([("bootstrap.servers", "127.0.0.1:9092")])?;
//! let mut consumer = Consumer::connect(config).await?;
//! let orders = TopicPartition::new("orders", 0);
//! consumer.assign([orders.clone()]);
//! consumer.seek(&orders, SeekTo::Earliest)?;
//! while let Some(record) = consumer.next().await {
//!     let record = record?;
//!     println!("{} {:?}", record.offset(), record.value());
//! }
//! # Ok(())
//! # }
//! ```

mod assignment;
mod budget;
mod fetch_outcomes;
mod fetch_session;
mod fetcher;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod group_calls;
mod handle;
mod list_offsets;
mod manager;
mod partition_read;
mod pausing;
mod record;
mod shared;
pub(crate) use shared::{Delivery, Shared};
mod transactions;

pub(crate) use assignment::reset_seek;
pub use assignment::{SeekTo, TopicPartition};
pub use group_calls::offsets_after;
pub use handle::Consumer;
pub use record::ConsumerRecord;
