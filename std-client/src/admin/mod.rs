//! The admin client: topics (create, delete, add partitions, list, describe), the cluster,
//! topic configs (describe, incremental alter), offsets (list by earliest, latest or timestamp)
//! and record deletion.
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
mod offsets;
mod retry;
mod topics;

pub use cluster_info::{BrokerDescription, ClusterDescription};
pub use configs::{AlterConfigOp, ConfigEntry, ConfigSource};
pub use offsets::{ListedOffset, OffsetSpec};
pub use topics::{NewTopic, TopicListing};

use crate::cluster::Cluster;
use crate::config::{AdminConfig, ClientConfig};
use crate::error::Result;
use std::time::Duration;

/// An admin client (see the module docs). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Admin {
    cluster: Cluster,
    timeout: Duration,
}

impl Admin {
    /// Connects with `config`.
    ///
    /// # Errors
    /// As [`Cluster::connect`].
    pub async fn connect(config: AdminConfig) -> Result<Self> {
        let timeout = config.default_api_timeout;
        let cluster = Cluster::connect(config.client).await?;
        Ok(Self { cluster, timeout })
    }

    /// Connects with client settings and the default call timeout (60 s).
    ///
    /// # Errors
    /// As [`Cluster::connect`].
    pub async fn connect_client(config: ClientConfig) -> Result<Self> {
        let cluster = Cluster::connect(config).await?;
        Ok(Self::from_cluster(cluster, Duration::from_secs(60)))
    }

    /// An admin client over an existing cluster handle, with `timeout` per call.
    pub fn from_cluster(cluster: Cluster, timeout: Duration) -> Self {
        Self { cluster, timeout }
    }

    /// The cluster handle underneath.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }
}
