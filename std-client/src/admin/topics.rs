//! Topics: create (then wait for the metadata to show them), delete (then wait for them to be
//! gone), add partitions, list, describe.

use super::Admin;
use super::in_doubt::PerName;
use super::retry::check;
use crate::cluster::TopicMetadata;
use crate::error::{Error, Result};
use franzl_core::ErrorCode;
use franzl_core::messages::create_partitions::{CreatePartitionsRequest, CreatePartitionsTopic};
use franzl_core::messages::create_topics::{
    CreatableTopic, CreatableTopicConfig, CreateTopicsRequest,
};
use franzl_core::messages::delete_topics::{DeleteTopicState, DeleteTopicsRequest};
use franzl_core::messages::metadata::MetadataRequest;
use franzl_core::messages::{ApiKey, Array};

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    /// The topic name.
    pub name: String,
    /// Partitions; `None` for the broker's default (`num.partitions`).
    pub partitions: Option<i32>,
    /// Replication factor; `None` for the broker's default (`default.replication.factor`).
    pub replication_factor: Option<i16>,
    /// Topic configs (`cleanup.policy`, `retention.ms`, ...).
    pub configs: Vec<(String, String)>,
}

impl NewTopic {
    /// A topic with `partitions` partitions and `replication_factor` replicas.
    pub fn new(name: impl Into<String>, partitions: i32, replication_factor: i16) -> Self {
        Self {
            name: name.into(),
            partitions: Some(partitions),
            replication_factor: Some(replication_factor),
            configs: Vec::new(),
        }
    }

    /// Adds a topic config.
    #[must_use]
    pub fn config(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.configs.push((name.into(), value.into()));
        self
    }
}

/// A topic as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicListing {
    /// The topic name.
    pub name: String,
    /// Whether it is one of Kafka's internal topics (`__consumer_offsets`, ...).
    pub internal: bool,
}

impl Admin {
    /// Creates `topics` and waits until the metadata shows each with a leader for every
    /// partition.
    ///
    /// The broker is asked to wait at most the call's timeout, and less than
    /// `request.timeout.ms`, so a slow creation is answered `REQUEST_TIMED_OUT` rather than
    /// cut off; the call then asks again for the topics not yet created, and a topic that an
    /// attempt whose answer was lost may have created counts as created when the broker says
    /// it exists.
    ///
    /// # Errors
    /// [`Error::Kafka`] for the first topic the broker refused (e.g. `TOPIC_ALREADY_EXISTS`,
    /// `INVALID_REPLICATION_FACTOR`), with its message; [`Error::Timeout`] when the metadata
    /// does not show them in time.
    pub async fn create_topics(&self, topics: &[NewTopic]) -> Result<()> {
        let timeout_ms = self.broker_side_timeout();
        let configs: Vec<Vec<CreatableTopicConfig<'_>>> = topics
            .iter()
            .map(|topic| {
                topic
                    .configs
                    .iter()
                    .map(|(name, value)| CreatableTopicConfig {
                        name,
                        value: Some(value),
                        ..Default::default()
                    })
                    .collect()
            })
            .collect();
        let creatable: Vec<CreatableTopic<'_>> = topics
            .iter()
            .zip(&configs)
            .map(|(topic, configs)| CreatableTopic {
                name: &topic.name,
                num_partitions: topic.partitions.unwrap_or(-1),
                replication_factor: topic.replication_factor.unwrap_or(-1),
                configs: Array::from_slice(configs),
                ..Default::default()
            })
            .collect();
        let mut standing = PerName::new(topics.len(), ErrorCode::TOPIC_ALREADY_EXISTS);
        self.retrying("CreateTopics", async || {
            let left = standing.left();
            let asked: Vec<CreatableTopic<'_>> = left.iter().map(|&i| creatable[i]).collect();
            let request = CreateTopicsRequest {
                topics: Array::from_slice(&asked),
                timeout_ms,
                ..Default::default()
            };
            let controller = self.controller().await?;
            let response = controller
                .request(&request)
                .await
                .inspect_err(|_| standing.attempt_failed())?;
            let decoded = response.decode::<CreateTopicsRequest<'_>>()?;
            for result in decoded.topics.iter() {
                let Some(&index) = left.iter().find(|&&i| topics[i].name == result.name) else {
                    continue;
                };
                standing.answer(index, result.error_code, result.error_message, || {
                    format!("creating topic {}", result.name)
                });
            }
            standing.finished("creating topics", |i| topics[i].name.clone())
        })
        .await?;
        let names: Vec<&str> = topics.iter().map(|t| t.name.as_str()).collect();
        log::info!("created topics {names:?}");
        self.wait_until("the new topics to appear in the metadata", async || {
            let snapshot = self.cluster.refresh_metadata(&names).await?;
            Ok(topics.iter().all(|topic| {
                snapshot.topic(&topic.name).is_some_and(|metadata| {
                    metadata.error.is_ok()
                        && !metadata.partitions.is_empty()
                        && topic
                            .partitions
                            .is_none_or(|n| metadata.partitions.len() == n as usize)
                        && metadata.partitions.iter().all(|p| p.leader >= 0)
                })
            }))
        })
        .await
    }

    /// Creates one topic (see [`Admin::create_topics`]).
    ///
    /// # Errors
    /// As [`Admin::create_topics`].
    pub async fn create_topic(&self, topic: NewTopic) -> Result<()> {
        self.create_topics(std::slice::from_ref(&topic)).await
    }

    /// Deletes `names` and waits until the metadata no longer shows them.
    ///
    /// # Errors
    /// [`Error::Kafka`] for the first topic refused (`UNKNOWN_TOPIC_OR_PARTITION` for one that
    /// does not exist); [`Error::Timeout`].
    pub async fn delete_topics(&self, names: &[&str]) -> Result<()> {
        let timeout_ms = self.broker_side_timeout();
        let mut standing = PerName::new(names.len(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
        self.retrying("DeleteTopics", async || {
            let left = standing.left();
            let asked: Vec<&str> = left.iter().map(|&i| names[i]).collect();
            let states: Vec<DeleteTopicState<'_>> = asked
                .iter()
                .map(|name| DeleteTopicState {
                    name: Some(name),
                    ..Default::default()
                })
                .collect();
            let controller = self.controller().await?;
            let version = controller.version(ApiKey::DeleteTopics)?;
            // v6 names topics in `topics` (by name or id); earlier versions in `topic_names`.
            let request = if version >= 6 {
                DeleteTopicsRequest {
                    topics: Array::from_slice(&states),
                    timeout_ms,
                    ..Default::default()
                }
            } else {
                DeleteTopicsRequest {
                    topic_names: Array::from_slice(&asked),
                    timeout_ms,
                    ..Default::default()
                }
            };
            let response = controller
                .request_at(&request, version)
                .await
                .inspect_err(|_| standing.attempt_failed())?;
            let decoded = response.decode::<DeleteTopicsRequest<'_>>()?;
            for result in decoded.responses.iter() {
                let name = result.name.unwrap_or("?");
                let Some(&index) = left.iter().find(|&&i| names[i] == name) else {
                    continue;
                };
                standing.answer(index, result.error_code, result.error_message, || {
                    format!("deleting topic {name}")
                });
            }
            standing.finished("deleting topics", |i| names[i].to_owned())
        })
        .await?;
        log::info!("deleted topics {names:?}");
        self.wait_until("the deleted topics to leave the metadata", async || {
            let snapshot = self.cluster.refresh_metadata(names).await?;
            Ok(names.iter().all(|name| {
                snapshot
                    .topic(name)
                    .is_none_or(|t| t.error == ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
            }))
        })
        .await
    }

    /// Raises `topic`'s partition count to `total` and waits for the metadata to show them.
    ///
    /// # Errors
    /// [`Error::Kafka`] (e.g. `INVALID_PARTITIONS` when `total` is not above the current count).
    pub async fn create_partitions(&self, topic: &str, total: i32) -> Result<()> {
        let timeout_ms = self.broker_side_timeout();
        let topics = [CreatePartitionsTopic {
            name: topic,
            count: total,
            // Null: the controller places the new replicas (an empty list would mean "none").
            assignments: None,
            ..Default::default()
        }];
        let request = CreatePartitionsRequest {
            topics: Array::from_slice(&topics),
            timeout_ms,
            ..Default::default()
        };
        // INVALID_PARTITIONS after an attempt in doubt is "already so" only when the topic has
        // the partitions asked for: the code also refuses a count below the current one.
        let mut standing = PerName::new(1, ErrorCode::INVALID_PARTITIONS);
        self.retrying("CreatePartitions", async || {
            let response = self
                .controller()
                .await?
                .request(&request)
                .await
                .inspect_err(|_| standing.attempt_failed())?;
            let decoded = response.decode::<CreatePartitionsRequest<'_>>()?;
            for result in decoded.results.iter().filter(|r| r.name == topic) {
                let context = || format!("adding partitions to {}", result.name);
                let code = result.error_code;
                if code == ErrorCode::INVALID_PARTITIONS && standing.in_doubt(0) {
                    let snapshot = self.cluster.refresh_metadata(&[topic]).await?;
                    let count = snapshot.topic(topic).map_or(0, |t| t.partitions.len());
                    if count != total as usize {
                        return Err(Error::kafka(code, result.error_message, context()));
                    }
                }
                standing.answer(0, code, result.error_message, context);
            }
            standing.finished("adding partitions to", |_| topic.to_owned())
        })
        .await?;
        self.wait_until("the new partitions to appear in the metadata", async || {
            let snapshot = self.cluster.refresh_metadata(&[topic]).await?;
            Ok(snapshot.topic(topic).is_some_and(|t| {
                t.partitions.len() == total as usize && t.partitions.iter().all(|p| p.leader >= 0)
            }))
        })
        .await
    }

    /// Every topic in the cluster, sorted by name.
    ///
    /// # Errors
    /// Connection errors once the call timeout passes.
    pub async fn list_topics(&self) -> Result<Vec<TopicListing>> {
        let request = MetadataRequest {
            topics: None,
            allow_auto_topic_creation: false,
            ..Default::default()
        };
        self.retrying("listing topics", async || {
            let response = self.cluster.any_broker().await?.request(&request).await?;
            let decoded = response.decode::<MetadataRequest<'_>>()?;
            let mut listing: Vec<TopicListing> = decoded
                .topics
                .iter()
                .filter_map(|topic| {
                    Some(TopicListing {
                        name: topic.name?.to_owned(),
                        internal: topic.is_internal,
                    })
                })
                .collect();
            listing.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(listing)
        })
        .await
    }

    /// The partitions, leaders and replicas of `names`, from fresh metadata.
    ///
    /// # Errors
    /// [`Error::Kafka`] with `UNKNOWN_TOPIC_OR_PARTITION` naming a topic that does not exist.
    pub async fn describe_topics(&self, names: &[&str]) -> Result<Vec<(String, TopicMetadata)>> {
        let snapshot = self
            .retrying("describing topics", async || {
                self.cluster.refresh_metadata(names).await
            })
            .await?;
        names
            .iter()
            .map(|name| {
                let topic = snapshot.topic(name).ok_or_else(|| {
                    Error::kafka(
                        ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                        None,
                        format!("topic {name}"),
                    )
                })?;
                check(topic.error, None, || format!("topic {name}"))?;
                Ok(((*name).to_owned(), topic.clone()))
            })
            .collect()
    }
}
