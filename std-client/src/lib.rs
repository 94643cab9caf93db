//! franzl: an async Kafka client for `std`, on smol's building blocks.
//!
//! It runs under smol, async-std, or inside a tokio program: it uses async-io, async-net and
//! futures-rustls. Its background work runs as tasks (see [`runtime`]): by default on one shared
//! executor thread per process, or on the program's own executor when it gives a
//! [`runtime::Spawner`]. The protocol itself lives in `franzl-core`.

pub use franzl_core as core;

pub mod admin;
pub mod broker;
pub mod cluster;
pub mod config;
pub mod consumer;
pub mod error;
pub mod net;
pub mod producer;
pub mod runtime;

pub use admin::Admin;
pub use cluster::Cluster;
pub use error::{Error, Result};
