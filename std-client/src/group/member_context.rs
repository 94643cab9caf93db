//! What a group member's steps share: the [`Context`] (consumer, membership, rebalance
//! protocol, what it led with), its own connection to the coordinator ([`CoordinatorLink`],
//! opened with a request timeout past the rebalance timeout, since the coordinator holds a
//! JoinGroup until the group has gathered), and heartbeats ([`heartbeat`], and
//! [`with_heartbeats`] around work a rebalance waits on).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_io::Timer;
use franzl_core::consumer_protocol::{HIGHEST_VERSION, Subscription};
use franzl_core::messages::Array;

use super::assignor::{PartitionCounts, RebalanceProtocol, with_grouped};
use super::membership::Membership;
use super::protocol::{self, Member};
use crate::broker::BrokerConnection;
use crate::cluster::{Client, CoordinatorKind};
use crate::consumer::Shared;
use crate::error::{Error, Result};

/// What the member's steps share.
pub(crate) struct Context<'a> {
    pub(crate) consumer: &'a Arc<Shared>,
    pub(crate) membership: &'a Membership,
    pub(crate) protocol: RebalanceProtocol,
    /// As leader, the topics the group subscribes to and their partition counts when this
    /// member assigned them (`None` when not leading); a change rebalances the group.
    pub(crate) led: Option<(Vec<String>, PartitionCounts)>,
}

impl Context<'_> {
    /// The member's subscription for each assignor it offers, encoded for JoinGroup.
    pub(crate) fn subscriptions(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let (topics, owned, previous) = {
            let state = self.membership.state();
            let previous = (state.previous.clone(), state.previous_generation);
            (state.subscription.clone(), state.owned.clone(), previous)
        };
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        let rack = self.consumer.config.client_rack.as_deref();
        let mut out = Vec::new();
        for assignor in self.membership.config.assignors.as_slice() {
            let user_data = assignor
                .subscription_user_data(&previous.0, (previous.1 >= 0).then_some(previous.1));
            let bytes = with_grouped(&owned, |owned_partitions| {
                let subscription = Subscription {
                    topics: Array::from_slice(&topics),
                    user_data: user_data.as_deref(),
                    owned_partitions,
                    generation_id: previous.1,
                    rack_id: rack,
                };
                let refused = |e| Error::usage(format!("encoding the subscription: {e}"));
                let len = subscription.encoded_len(HIGHEST_VERSION).map_err(refused)?;
                let mut bytes = vec![0; len];
                subscription
                    .encode(HIGHEST_VERSION, &mut bytes)
                    .map_err(refused)?;
                Ok::<_, Error>(bytes)
            })?;
            out.push((assignor.name().to_owned(), bytes));
        }
        Ok(out)
    }

    /// The partition counts of `topics` from fresh metadata; topics that do not exist (or
    /// cannot be described) are left out, as the assignors expect.
    pub(crate) async fn partition_counts(&self, topics: &[&str]) -> Result<PartitionCounts> {
        let snapshot = self.consumer.cluster.refresh_metadata(topics).await?;
        Ok(topics
            .iter()
            .filter_map(|&name| {
                let topic = snapshot.topic(name)?;
                let count = i32::try_from(topic.partitions.len()).ok()?;
                (topic.error.is_ok() && count > 0).then(|| (name.to_owned(), count))
            })
            .collect())
    }
}

/// The member's own connection to its coordinator.
pub(crate) struct CoordinatorLink {
    client: Client,
    group: String,
    request_timeout: Duration,
    connection: Option<BrokerConnection>,
}

impl CoordinatorLink {
    pub(crate) fn new(client: Client, group: String, rebalance_timeout: Duration) -> Self {
        // The coordinator holds JoinGroup for up to the rebalance timeout.
        let request_timeout = client
            .config()
            .request_timeout
            .max(rebalance_timeout + Duration::from_secs(5));
        Self {
            client,
            group,
            request_timeout,
            connection: None,
        }
    }

    /// The open connection to the coordinator, found and opened if needed.
    pub(crate) async fn get(&mut self) -> Result<BrokerConnection> {
        if let Some(connection) = &self.connection
            && !connection.is_closed()
        {
            return Ok(connection.clone());
        }
        let (node, address) = self
            .client
            .coordinator_node(CoordinatorKind::Group, &self.group)
            .await?;
        let mut options = (**self.client.connect_options()).clone();
        options.request_timeout = self.request_timeout;
        let connection =
            BrokerConnection::connect_node(&address, Some(node), Arc::new(options)).await?;
        self.connection = Some(connection.clone());
        Ok(connection)
    }

    /// Forgets the coordinator: the next [`CoordinatorLink::get`] looks it up again.
    pub(crate) fn reset(&mut self) {
        self.connection = None;
        self.client
            .invalidate_coordinator(CoordinatorKind::Group, &self.group);
    }
}

/// Runs `work` while heartbeating every `heartbeat.interval.ms` on the member's connection, so
/// that a caller holding a revocation, or a slow commit or offset read, does not outlast the
/// session timeout. A failed heartbeat is only logged here: the stable phase that follows
/// meets the coordinator's answer again and acts on it.
pub(crate) async fn with_heartbeats<T>(
    cx: &Context<'_>,
    link: &mut CoordinatorLink,
    work: impl Future<Output = T>,
) -> T {
    let interval = cx.membership.config.heartbeat_interval;
    let beat = async {
        loop {
            Timer::after(interval).await;
            if cx.membership.state().generation < 0 {
                continue;
            }
            if let Err(error) = heartbeat(cx, link).await {
                let group = &cx.membership.config.group_id;
                log::debug!("group {group:?}: heartbeat during a rebalance: {error}");
            }
        }
    };
    futures_lite::future::or(work, beat).await
}

/// One heartbeat under the member's current generation.
pub(crate) async fn heartbeat(cx: &Context<'_>, link: &mut CoordinatorLink) -> Result<()> {
    let conn = link.get().await?;
    let (member_id, generation) = {
        let state = cx.membership.state();
        (state.member_id.clone(), state.generation)
    };
    let config = &cx.membership.config;
    let member = Member {
        group_id: &config.group_id,
        member_id: &member_id,
        instance_id: config.group_instance_id.as_deref(),
        generation,
    };
    protocol::heartbeat(&conn, member).await
}
