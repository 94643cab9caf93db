//! franzl: an async Kafka client for `std`, on smol's building blocks.
//!
//! It runs under smol, async-std, or inside a tokio program: it uses async-io, async-net and
//! futures-rustls. Its background work runs as tasks (see [`runtime`]): by default on one shared
//! executor thread per process, or on the program's own executor when it gives a
//! [`runtime::Spawner`]. The protocol itself lives in `franzl-core`.
//!
//! # One client, three kinds of handle
//!
//! A [`Client`] holds one cluster's metadata and broker connections. [`Producer`], [`Consumer`]
//! and [`Admin`] are made from it and share both, each in the same way:
//!
//! - `Producer::new(&client, config)`, `Consumer::new(&client, config)`,
//!   `Admin::new(&client, config)` make a handle over an existing client. They do not wait for
//!   the network, so they are not async. The client settings inside `config` (`config.client`)
//!   must be the client's own ([`Client::config`]): a handle never runs with settings other than
//!   the ones it was given, so a difference is an [`Error::Usage`] naming the setting.
//! - `Producer::connect(config)`, `Consumer::connect(config)`, `Admin::connect(config)` connect
//!   a client of their own with `config.client` and make the handle over it, in one step.
//!
//! Every handle has an async `close` that waits for its work to end (the producer's records,
//! the consumer's tasks), and a `Drop` that waits for nothing.
//!
//! ```no_run
//! use franzl::{Admin, AdminConfig, Client, ClientConfig, Consumer, ConsumerConfig};
//! use franzl::{Producer, ProducerConfig, ProducerRecord, TopicPartition};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! smol::block_on(async {
//!     let servers = ("bootstrap.servers", "localhost:9092");
//!     let client = Client::connect(ClientConfig::from_properties([servers])?).await?;
//!
//!     let admin = Admin::new(&client, AdminConfig::from_properties([servers])?)?;
//!     let producer = Producer::new(
//!         &client,
//!         ProducerConfig::from_properties([servers, ("linger.ms", "10")])?,
//!     )?;
//!     let consumer = Consumer::new(&client, ConsumerConfig::from_properties([servers])?)?;
//!
//!     println!("{} topics", admin.list_topics().await?.len());
//!     let written = producer.send(ProducerRecord::new("orders", b"hello")).await?.await?;
//!     consumer.assign([TopicPartition::new("orders", written.partition)]);
//!
//!     producer.close().await;
//!     consumer.close().await;
//!     admin.close().await;
//!     client.close().await;
//!     Ok(())
//! })
//! # }
//! ```

pub use franzl_core as core;

pub mod admin;
pub(crate) mod broker;
pub mod cluster;
pub mod config;
pub mod consumer;
pub mod error;
pub mod group;
pub(crate) mod net;
pub mod producer;
pub mod runtime;
#[doc(hidden)]
pub mod testing;

pub use admin::Admin;
pub use cluster::Client;
pub use config::{AdminConfig, ClientConfig, ConsumerConfig, ProducerConfig};
pub use consumer::{Consumer, ConsumerRecord, SeekTo, TopicPartition};
pub use error::{Error, Result, TransactionErrorClass};
pub use producer::{Delivery, Producer, ProducerRecord, RecordMetadata};
