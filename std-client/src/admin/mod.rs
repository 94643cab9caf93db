//! The admin client: topics (create, delete, add partitions, list, describe), the cluster,
//! topic configs (describe, incremental alter), offsets (list by earliest, latest or timestamp),
//! record deletion, and consumer groups (list, describe, delete; their committed offsets: list,
//! alter, delete; their lag).
//!
//! Contract: every call is bounded by `default.api.timeout.ms` ([`AdminConfig`]); retriable
//! failures (a moved controller or leader, a lost connection) are retried with backoff within
//! it, refreshing metadata. A Kafka error is returned as [`crate::Error::Kafka`] with the code,
//! the broker's message and what was asked (topic, partition or resource). Calls that create or
//! delete topics return once the metadata shows the change.
//!
//! ```no_run
//! use franzl::Admin;
//! use franzl::admin::{NewTopic, OffsetSpec};
//! use franzl::config::AdminConfig;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! smol::block_on(async {
//!     let config = AdminConfig::from_properties([("bootstrap.servers", "localhost:9092")])?;
//!     let admin = Admin::connect(config).await?;
//!     admin.create_topic(NewTopic::new("orders", 6, 3).config("retention.ms", "86400000")).await?;
//!     let latest = admin.list_offsets("orders", &[(0, OffsetSpec::Latest)]).await?;
//!     println!("partition 0 ends at {}", latest[0].offset);
//!     admin.delete_topics(&["orders"]).await?;
//!     Ok(())
//! })
//! # }
//! ```

mod cluster_info;
mod configs;
#[cfg(test)]
mod controller_tests;
mod group_offsets;
mod groups;
mod in_doubt;
mod offsets;
mod retry;
mod topics;

pub use cluster_info::{BrokerDescription, ClusterDescription};
pub use configs::{AlterConfigOp, ConfigEntry, ConfigSource};
pub use group_offsets::PartitionLag;
pub use groups::{GroupDescription, GroupListing, GroupMemberDescription};
pub use offsets::{ListedOffset, OffsetSpec};
pub use topics::{NewTopic, TopicListing};

use crate::cluster::Client;
use crate::config::AdminConfig;
use crate::error::Result;
use std::time::Duration;

/// An admin client (see the module docs). Cheap to clone: clones share the client.
#[derive(Debug, Clone)]
pub struct Admin {
    cluster: Client,
    timeout: Duration,
}

impl Admin {
    /// Connects a client of its own with `config.client` and makes an admin client over it
    /// (see [`Admin::new`]).
    ///
    /// # Errors
    /// As [`Client::connect`], but the connect gives up after `default.api.timeout.ms` (the
    /// admin client's bound for calls without their own), not `max.block.ms`.
    pub async fn connect(config: AdminConfig) -> Result<Self> {
        let timeout = config.default_api_timeout;
        let client = Client::connect_within(config.client.clone(), timeout).await?;
        Self::new(&client, config)
    }

    /// An admin client over `client`, sharing its metadata and connections; each call is
    /// bounded by `config.default_api_timeout`. Waits for nothing.
    ///
    /// # Errors
    /// [`crate::Error::Usage`] when `config.client` is not `client`'s configuration (the admin
    /// client runs on the client's settings; the error names the first that differs).
    pub fn new(client: &Client, config: AdminConfig) -> Result<Self> {
        client.check_settings("admin client", &config.client)?;
        Ok(Self {
            cluster: client.clone(),
            timeout: config.default_api_timeout,
        })
    }

    /// The client this admin client was made from.
    pub fn client(&self) -> &Client {
        &self.cluster
    }

    /// Drops this handle; it waits for nothing, as an admin call in progress holds what it
    /// needs (async for the same shape as every handle's `close`). The client it was made from
    /// stays open.
    pub async fn close(self) {}
}
