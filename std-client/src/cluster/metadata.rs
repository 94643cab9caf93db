//! [`MetadataSnapshot`]: the cluster as the last Metadata response described it, owned and
//! immutable (shared as `Arc`, replaced whole on refresh).

use crate::error::{Error, Result};
use crate::net::BrokerAddress;
use franzl_core::ErrorCode;
use franzl_core::messages::metadata::MetadataResponse;
use franzl_core::wire::Uuid;
use std::collections::BTreeMap;

/// The cluster's brokers and the topics asked about so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataSnapshot {
    /// The cluster id, when the broker sent one.
    pub cluster_id: Option<String>,
    /// The controller's node id (in KRaft mode, a broker that forwards controller requests);
    /// -1 when unknown.
    pub controller_id: i32,
    /// Broker addresses by node id.
    pub brokers: BTreeMap<i32, BrokerAddress>,
    /// Topics by name.
    pub topics: BTreeMap<String, TopicMetadata>,
}

/// One topic: its id, its error (for example `UNKNOWN_TOPIC_OR_PARTITION`), its partitions
/// ordered by index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMetadata {
    /// The topic id (all zero before Metadata v10).
    pub id: Uuid,
    /// The topic-level error; `NONE` when the topic is usable.
    pub error: ErrorCode,
    /// Whether the broker calls it internal (`__consumer_offsets`, `__transaction_state`):
    /// left out of pattern subscriptions.
    pub is_internal: bool,
    /// Partitions, ordered by index.
    pub partitions: Vec<PartitionMetadata>,
}

/// One partition: leader, leader epoch, replicas and in-sync replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionMetadata {
    /// The partition index.
    pub partition: i32,
    /// The leader's node id, -1 when there is none.
    pub leader: i32,
    /// The leader epoch, -1 when the broker does not send it.
    pub leader_epoch: i32,
    /// All replicas' node ids.
    pub replicas: Vec<i32>,
    /// The in-sync replicas' node ids.
    pub isr: Vec<i32>,
    /// The partition-level error (`LEADER_NOT_AVAILABLE` while a leader is elected).
    pub error: ErrorCode,
}

impl Default for MetadataSnapshot {
    fn default() -> Self {
        Self {
            cluster_id: None,
            controller_id: -1,
            brokers: BTreeMap::new(),
            topics: BTreeMap::new(),
        }
    }
}

impl MetadataSnapshot {
    /// The topic named `name`, if it was asked about.
    pub fn topic(&self, name: &str) -> Option<&TopicMetadata> {
        self.topics.get(name)
    }

    /// The partition `partition` of topic `topic`, if known.
    pub fn partition(&self, topic: &str, partition: i32) -> Option<&PartitionMetadata> {
        self.topic(topic)?.partition(partition)
    }

    /// The topics worth asking about again: those known and not reported missing.
    pub(crate) fn live_topic_names(&self) -> Vec<String> {
        self.topics
            .iter()
            .filter(|(_, topic)| topic.error != ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The snapshot after `response`: brokers, cluster id and controller from it; the topics it
    /// lists replace or join the known ones; when `all_topics` (the request asked for every
    /// topic), topics it does not list are dropped.
    ///
    /// # Errors
    /// [`Error::Protocol`] for a broker with a port outside `u16` or a topic without a name.
    pub(crate) fn updated(
        &self,
        response: &MetadataResponse<'_>,
        all_topics: bool,
    ) -> Result<Self> {
        let mut brokers = BTreeMap::new();
        for broker in response.brokers.iter() {
            let port = u16::try_from(broker.port).map_err(|_| {
                Error::protocol(format!(
                    "broker {} has port {} in the metadata",
                    broker.node_id, broker.port
                ))
            })?;
            brokers.insert(broker.node_id, BrokerAddress::new(broker.host, port));
        }
        let mut topics = if all_topics {
            BTreeMap::new()
        } else {
            self.topics.clone()
        };
        for topic in response.topics.iter() {
            let name = topic
                .name
                .ok_or_else(|| Error::protocol("a topic without a name in the metadata"))?;
            let mut partitions: Vec<PartitionMetadata> = topic
                .partitions
                .iter()
                .map(|p| PartitionMetadata {
                    partition: p.partition_index,
                    leader: p.leader_id,
                    leader_epoch: p.leader_epoch,
                    replicas: p.replica_nodes.iter().collect(),
                    isr: p.isr_nodes.iter().collect(),
                    error: p.error_code,
                })
                .collect();
            partitions.sort_by_key(|p| p.partition);
            if let Some(known) = self.topics.get(name)
                && known.id == topic.topic_id
            {
                keep_newer_epochs(name, known, &mut partitions);
            }
            topics.insert(
                name.to_owned(),
                TopicMetadata {
                    id: topic.topic_id,
                    error: topic.error_code,
                    is_internal: topic.is_internal,
                    partitions,
                },
            );
        }
        Ok(Self {
            cluster_id: response.cluster_id.map(str::to_owned),
            controller_id: response.controller_id,
            brokers,
            topics,
        })
    }
}

/// A lagging broker can answer with a partition's older leader (KIP-320): where the cached
/// partition of the same topic (same id) has a higher leader epoch, it is kept.
fn keep_newer_epochs(topic: &str, known: &TopicMetadata, partitions: &mut [PartitionMetadata]) {
    for fresh in partitions {
        let Some(cached) = known.partition(fresh.partition) else {
            continue;
        };
        if fresh.leader_epoch >= 0 && cached.leader_epoch > fresh.leader_epoch {
            log::debug!(
                "metadata of {topic}-{} has leader epoch {} below the known {}: kept the known \
                 leader {}",
                fresh.partition,
                fresh.leader_epoch,
                cached.leader_epoch,
                cached.leader
            );
            *fresh = cached.clone();
        }
    }
}

impl TopicMetadata {
    /// The partition with index `partition`.
    pub fn partition(&self, partition: i32) -> Option<&PartitionMetadata> {
        self.partitions
            .binary_search_by_key(&partition, |p| p.partition)
            .ok()
            .and_then(|index| self.partitions.get(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use franzl_core::messages::Array;
    use franzl_core::messages::metadata::{
        MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
    };

    fn partition(index: i32, leader: i32) -> MetadataResponsePartition<'static> {
        MetadataResponsePartition {
            partition_index: index,
            leader_id: leader,
            leader_epoch: 3,
            ..Default::default()
        }
    }

    #[test]
    fn merges_topics_and_replaces_brokers() {
        let brokers = [MetadataResponseBroker {
            node_id: 1,
            host: "b1",
            port: 9092,
            ..Default::default()
        }];
        let parts = [partition(1, 1), partition(0, 1)];
        let topics = [MetadataResponseTopic {
            name: Some("a"),
            partitions: Array::from_slice(&parts),
            ..Default::default()
        }];
        let response = MetadataResponse {
            brokers: Array::from_slice(&brokers),
            cluster_id: Some("c"),
            controller_id: 1,
            topics: Array::from_slice(&topics),
            ..Default::default()
        };
        let first = MetadataSnapshot::default()
            .updated(&response, false)
            .unwrap();
        assert_eq!(first.brokers[&1], BrokerAddress::new("b1", 9092));
        assert_eq!(first.partition("a", 1).unwrap().leader, 1);
        assert_eq!(first.topic("a").unwrap().partitions[0].partition, 0);

        let missing = [MetadataResponseTopic {
            name: Some("b"),
            error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
            ..Default::default()
        }];
        let response = MetadataResponse {
            topics: Array::from_slice(&missing),
            ..response
        };
        let second = first.updated(&response, false).unwrap();
        assert!(second.topic("a").is_some(), "a kept");
        assert_eq!(
            second.topic("b").unwrap().error,
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
        );
        assert_eq!(second.live_topic_names(), ["a"]);
        let all = first.updated(&response, true).unwrap();
        assert!(
            all.topic("a").is_none(),
            "a dropped when all topics were listed"
        );
    }

    #[test]
    fn a_lagging_brokers_older_leader_epoch_does_not_replace_a_newer_one() {
        let snapshot =
            |parts: &[MetadataResponsePartition<'static>], id: u8, base: &MetadataSnapshot| {
                let topics = [MetadataResponseTopic {
                    name: Some("a"),
                    topic_id: franzl_core::wire::Uuid([id; 16]),
                    partitions: Array::from_slice(parts),
                    ..Default::default()
                }];
                let response = MetadataResponse {
                    topics: Array::from_slice(&topics),
                    ..Default::default()
                };
                base.updated(&response, false).unwrap()
            };
        let at = |leader, epoch| MetadataResponsePartition {
            leader_epoch: epoch,
            ..partition(0, leader)
        };
        let first = snapshot(&[at(1, 5)], 1, &MetadataSnapshot::default());
        // Older epoch from a lagging broker: the known leader stays.
        let lagging = snapshot(&[at(2, 4)], 1, &first);
        assert_eq!(lagging.partition("a", 0).unwrap().leader, 1);
        assert_eq!(lagging.partition("a", 0).unwrap().leader_epoch, 5);
        // Newer (or equal) epochs are taken.
        let newer = snapshot(&[at(3, 6)], 1, &lagging);
        assert_eq!(newer.partition("a", 0).unwrap().leader, 3);
        // A topic recreated under the same name (a new id) starts its epochs over.
        let recreated = snapshot(&[at(2, 0)], 2, &newer);
        assert_eq!(recreated.partition("a", 0).unwrap().leader, 2);
    }

    #[test]
    fn refuses_a_port_out_of_range() {
        let brokers = [MetadataResponseBroker {
            node_id: 1,
            host: "b1",
            port: 70_000,
            ..Default::default()
        }];
        let response = MetadataResponse {
            brokers: Array::from_slice(&brokers),
            ..Default::default()
        };
        assert!(
            MetadataSnapshot::default()
                .updated(&response, false)
                .is_err()
        );
    }
}
