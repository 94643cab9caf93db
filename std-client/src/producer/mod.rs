//! The producer: [`Producer`] sends records to partitions in batches.
//!
//! (wiring in progress)

// Until the sender (next commit) uses all of it.
#[allow(dead_code)]
mod accumulator;
#[allow(dead_code)]
mod batch;
#[allow(dead_code)]
mod delivery;
mod partition_queue;
#[allow(dead_code)]
mod partitioner;
#[allow(dead_code)]
mod pool;
mod record;

pub use delivery::Delivery;
pub use partitioner::{
    DefaultPartitioner, Murmur2RandomPartitioner, Partitioner, UniformStickyPartitioner,
};
pub use record::{Header, ProducerRecord, RecordMetadata};
