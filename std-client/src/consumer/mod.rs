//! The consumer: manual partition assignment, seeks, and records delivered as a stream or in
//! polled batches, fetched ahead within a memory bound.

// The fetcher that uses these pieces arrives with the client's connections.
#![allow(dead_code)]

mod budget;
mod partition_read;
mod record;
mod transactions;

pub use record::ConsumerRecord;
