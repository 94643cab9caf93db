//! [`Client::metadata`]: one topic's partitions, leaders and id, read in place from the
//! Metadata response.

use super::Clock;
use super::client::Client;
use super::error::ClientError;
use crate::messages::Array;
use crate::messages::metadata::{
    MetadataRequest, MetadataRequestTopic, MetadataResponseBroker, MetadataResponsePartition,
    MetadataResponseTopic,
};
use crate::wire::Uuid;
use embedded_io_async::{Read, Write};

/// One topic's metadata, borrowed from the receive buffer (valid until the next call).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TopicMetadata<'r> {
    /// The topic as the broker described it.
    pub topic: MetadataResponseTopic<'r>,
    /// The brokers of the cluster, to find a partition leader's address.
    pub brokers: Array<'r, MetadataResponseBroker<'r>>,
}

impl<'r> TopicMetadata<'r> {
    /// The topic id (all zeros from brokers before Kafka 2.8).
    pub fn id(&self) -> Uuid {
        self.topic.topic_id
    }

    /// The number of partitions.
    pub fn partition_count(&self) -> usize {
        self.topic.partitions.len()
    }

    /// The partition `index`, if the topic has it.
    pub fn partition(&self, index: i32) -> Option<MetadataResponsePartition<'r>> {
        self.topic
            .partitions
            .iter()
            .find(|partition| partition.partition_index == index)
    }

    /// The node id of partition `index`'s leader, if it has one.
    pub fn leader(&self, index: i32) -> Option<i32> {
        self.partition(index)
            .map(|partition| partition.leader_id)
            .filter(|&leader| leader >= 0)
    }
}

impl<T: Read + Write, C: Clock> Client<'_, '_, T, C> {
    /// Asks for `topic`'s metadata (without creating the topic).
    ///
    /// # Errors
    /// [`ClientError::Broker`] with the topic's error code (`UNKNOWN_TOPIC_OR_PARTITION`, ...);
    /// [`ClientError::MissingFromResponse`]; as [`Client::request`].
    pub async fn metadata(&mut self, topic: &str) -> Result<TopicMetadata<'_>, ClientError> {
        let topics = [MetadataRequestTopic {
            name: Some(topic),
            ..Default::default()
        }];
        let request = MetadataRequest {
            topics: Some(Array::from_slice(&topics)),
            allow_auto_topic_creation: false,
            ..Default::default()
        };
        let response = self.request(&request).await?;
        let response = response.decode::<MetadataRequest<'_>>()?;
        let found = response
            .topics
            .iter()
            .find(|entry| entry.name == Some(topic))
            .ok_or(ClientError::MissingFromResponse)?;
        let code = found.error_code;
        if !code.is_ok() {
            return Err(ClientError::Broker(code));
        }
        Ok(TopicMetadata {
            topic: found,
            brokers: response.brokers,
        })
    }
}
