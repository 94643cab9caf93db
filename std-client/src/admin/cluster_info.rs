//! Describing the cluster: its id, controller and brokers (DescribeCluster, or Metadata on
//! brokers without it).

use super::Admin;
use super::retry::check;
use crate::error::Result;
use franzl_core::messages::ApiKey;
use franzl_core::messages::describe_cluster::DescribeClusterRequest;

/// The cluster as described by a broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterDescription {
    /// The cluster id.
    pub cluster_id: Option<String>,
    /// The controller's node id (-1 when unknown).
    pub controller_id: i32,
    /// The brokers, by node id.
    pub brokers: Vec<BrokerDescription>,
}

/// One broker of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerDescription {
    /// Its node id.
    pub node_id: i32,
    /// Its advertised host.
    pub host: String,
    /// Its advertised port.
    pub port: i32,
    /// Its rack, if configured.
    pub rack: Option<String>,
}

impl Admin {
    /// The cluster id, controller and brokers.
    ///
    /// # Errors
    /// [`crate::Error::Kafka`] when the broker refuses; connection errors after the timeout.
    pub async fn describe_cluster(&self) -> Result<ClusterDescription> {
        self.retrying("describing the cluster", async || {
            let connection = self.cluster.any_broker().await?;
            if connection.version(ApiKey::DescribeCluster).is_err() {
                let snapshot = self.cluster.refresh_metadata(&[]).await?;
                return Ok(ClusterDescription {
                    cluster_id: snapshot.cluster_id.clone(),
                    controller_id: snapshot.controller_id,
                    brokers: snapshot
                        .brokers
                        .iter()
                        .map(|(id, address)| BrokerDescription {
                            node_id: *id,
                            host: address.host.clone(),
                            port: i32::from(address.port),
                            rack: None,
                        })
                        .collect(),
                });
            }
            let response = connection
                .request(&DescribeClusterRequest::default())
                .await?;
            let decoded = response.decode::<DescribeClusterRequest<'_>>()?;
            check(decoded.error_code, decoded.error_message, || {
                "describing the cluster".to_owned()
            })?;
            let mut brokers: Vec<BrokerDescription> = decoded
                .brokers
                .iter()
                .map(|broker| BrokerDescription {
                    node_id: broker.broker_id,
                    host: broker.host.to_owned(),
                    port: broker.port,
                    rack: broker.rack.map(str::to_owned),
                })
                .collect();
            brokers.sort_by_key(|broker| broker.node_id);
            Ok(ClusterDescription {
                cluster_id: Some(decoded.cluster_id.to_owned()),
                controller_id: decoded.controller_id,
                brokers,
            })
        })
        .await
    }
}
