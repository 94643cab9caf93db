//! The producer: [`Producer`] sends records to partitions in batches.
//!
//! - **Batching**: records are encoded straight into a per-partition batch buffer (franzl-core's
//!   builder); a batch goes when it is full (`batch.size`), has waited `linger.ms`, or on
//!   [`Producer::flush`]. Buffers come from a pool bounded by `buffer.memory`: when it is full,
//!   `send` waits, up to `max.block.ms`. Steady state allocates nothing per record.
//! - **Partitioning**: an explicit partition, else the [`Partitioner`] (murmur2 of the key as
//!   the Java client), else the sticky partition (KIP-480).
//! - **Delivery**: [`Producer::send`] returns a [`Delivery`] future resolving to the record's
//!   [`RecordMetadata`] (partition, offset, timestamp) or its error. Retriable errors are retried
//!   with a backoff doubling from `retry.backoff.ms` to `retry.backoff.max.ms`, until
//!   `delivery.timeout.ms`; acks 0, 1 and all.
//! - **Idempotence** (on by default): a producer id from InitProducerId, sequence numbers per
//!   partition, up to 5 batches in flight per partition without reordering or duplicates, and a
//!   new epoch after errors that leave a gap in a partition's sequence. A batch the broker may
//!   or may not have written (a retriable error, a lost connection, no answer in time) is sent
//!   again only under the epoch and sequence it was first sent with, so the broker can tell a
//!   duplicate: a new epoch waits until every such batch is settled (written, refused, or
//!   failed at `delivery.timeout.ms`). **Without idempotence**
//!   (`enable.idempotence=false`), a retry can write a batch twice (the first attempt was
//!   written but its answer lost) and, with more than one request in flight per connection, a
//!   retried batch can land after a later one; set `max.in.flight.requests.per.connection=1`
//!   to keep order, or keep idempotence on to avoid both.
//! - **Handles**: [`Producer::new`] makes a producer over a [`Client`](crate::Client) (sharing
//!   its metadata and connections), [`Producer::connect`] over a client of its own. A
//!   `Producer` is `Clone`: clones share one accumulator and one sender.
//! - **Shutdown**: [`Producer::close`] (or [`Producer::close_within`], bounded) on any clone
//!   closes the producer for every clone: `send` is then [`Error::Usage`](crate::Error::Usage),
//!   and it waits until every record any clone sent is delivered or has failed. Dropping the
//!   last clone waits for nothing: records already sent go on in the background only while
//!   the process runs, and a warning says how many.
//! - **Compression**: gzip, snappy, lz4, zstd per batch (`compression.type`).
//!
//! ```no_run
//! use franzl::config::ProducerConfig;
//! use franzl::producer::{Producer, ProducerRecord};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! smol::block_on(async {
//!     let config = ProducerConfig::from_properties([("bootstrap.servers", "127.0.0.1:9092")])?;
//!     let producer = Producer::connect(config).await?;
//!     let delivery = producer.send(ProducerRecord::new("events", b"hello").key(b"user-1")).await?;
//!     let written = delivery.await?;
//!     println!("partition {} offset {}", written.partition, written.offset);
//!     producer.close().await;
//!     Ok(())
//! })
//! # }
//! ```
//!
//! Tasks (see [`crate::runtime`]): one link task per broker the producer sends to, which owns
//! that broker's Produce connection (separate from the connections that carry metadata and
//! fetches) and does that broker's work, and one sender task per producer, which carries no
//! records: it finds leaders, gets the producer id or a new epoch, fails batches past
//! `delivery.timeout.ms` and starts links. A record's hops: the caller appends it to a batch
//! (waking the links when a batch fills or starts); the broker's link drains the batch, writes
//! the batch's own buffer into the request (a vectored write, no copy), reads the answer and
//! completes the delivery, which wakes the caller: caller -> link -> caller. The tasks stop
//! after the producer is dropped or closed and its batches are done.

mod accumulator;
mod batch;
mod delivery;
mod identity;
mod link;
mod partition_queue;
mod partitioner;
mod pool;
#[allow(clippy::module_inception)]
mod producer;
mod record;
mod request;
mod sender;
mod shared;
mod split;
mod topics;
mod transaction;
mod transactional_calls;
mod verdict;

#[cfg(test)]
mod epoch_bump_tests;
#[cfg(test)]
mod stall_tests;
#[cfg(test)]
mod undecodable_tests;

pub use delivery::Delivery;
pub use partitioner::{
    DefaultPartitioner, Murmur2RandomPartitioner, Partitioner, UniformStickyPartitioner,
};
pub use producer::Producer;
pub use record::{Header, ProducerRecord, RecordMetadata};
