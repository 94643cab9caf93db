//! Topic configs: describe (DescribeConfigs) and alter incrementally (IncrementalAlterConfigs).

use super::Admin;
use super::retry::check;
use crate::error::Result;
use franzl_core::messages::Array;
use franzl_core::messages::describe_configs::{DescribeConfigsRequest, DescribeConfigsResource};
use franzl_core::messages::incremental_alter_configs::{
    AlterConfigsResource, AlterableConfig, IncrementalAlterConfigsRequest,
};

/// The resource type of a topic in the config APIs.
const TOPIC_RESOURCE: i8 = 2;

/// Where a config value comes from (DescribeConfigs' `ConfigSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigSource {
    /// Set on the topic.
    Topic,
    /// A broker setting (dynamic or static) that the topic inherits.
    Broker,
    /// Kafka's default.
    Default,
    /// Another source, by its protocol number.
    Other(i8),
}

impl ConfigSource {
    fn from_code(code: i8) -> Self {
        match code {
            1 => Self::Topic,
            2..=4 => Self::Broker,
            5 => Self::Default,
            other => Self::Other(other),
        }
    }
}

/// One config of a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    /// The config name.
    pub name: String,
    /// Its value (`None` for a sensitive or unset value).
    pub value: Option<String>,
    /// Where the value comes from.
    pub source: ConfigSource,
    /// Whether it cannot be changed.
    pub read_only: bool,
    /// Whether the value is hidden because it is secret.
    pub sensitive: bool,
}

/// One incremental change to a topic config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlterConfigOp {
    /// Sets `name` to `value`.
    Set(String, String),
    /// Removes `name`, so the default applies again.
    Delete(String),
    /// Appends `value` to the list `name`.
    Append(String, String),
    /// Removes `value` from the list `name`.
    Subtract(String, String),
}

impl AlterConfigOp {
    fn parts(&self) -> (&str, i8, Option<&str>) {
        match self {
            Self::Set(name, value) => (name, 0, Some(value)),
            Self::Delete(name) => (name, 1, None),
            Self::Append(name, value) => (name, 2, Some(value)),
            Self::Subtract(name, value) => (name, 3, Some(value)),
        }
    }
}

impl Admin {
    /// Every config of `topic`, sorted by name.
    ///
    /// # Errors
    /// [`crate::Error::Kafka`] (`UNKNOWN_TOPIC_OR_PARTITION` for a missing topic).
    pub async fn describe_topic_config(&self, topic: &str) -> Result<Vec<ConfigEntry>> {
        let resources = [DescribeConfigsResource {
            resource_type: TOPIC_RESOURCE,
            resource_name: topic,
            configuration_keys: None,
            ..Default::default()
        }];
        let request = DescribeConfigsRequest {
            resources: Array::from_slice(&resources),
            ..Default::default()
        };
        self.retrying("DescribeConfigs", async || {
            let response = self.cluster.any_broker().await?.request(&request).await?;
            let decoded = response.decode::<DescribeConfigsRequest<'_>>()?;
            let mut entries = Vec::new();
            for result in decoded.results.iter() {
                check(result.error_code, result.error_message, || {
                    format!("describing the configs of topic {topic}")
                })?;
                entries.extend(result.configs.iter().map(|config| ConfigEntry {
                    name: config.name.to_owned(),
                    value: config.value.map(str::to_owned),
                    source: ConfigSource::from_code(config.config_source),
                    read_only: config.read_only,
                    sensitive: config.is_sensitive,
                }));
            }
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(entries)
        })
        .await
    }

    /// Applies `changes` to `topic`'s configs (other configs keep their values).
    ///
    /// # Errors
    /// [`crate::Error::Kafka`] (`INVALID_CONFIG`, `UNKNOWN_TOPIC_OR_PARTITION`, ...) with the
    /// broker's message.
    pub async fn alter_topic_config(&self, topic: &str, changes: &[AlterConfigOp]) -> Result<()> {
        let configs: Vec<AlterableConfig<'_>> = changes
            .iter()
            .map(|change| {
                let (name, config_operation, value) = change.parts();
                AlterableConfig {
                    name,
                    config_operation,
                    value,
                    ..Default::default()
                }
            })
            .collect();
        let resources = [AlterConfigsResource {
            resource_type: TOPIC_RESOURCE,
            resource_name: topic,
            configs: Array::from_slice(&configs),
            ..Default::default()
        }];
        let request = IncrementalAlterConfigsRequest {
            resources: Array::from_slice(&resources),
            ..Default::default()
        };
        self.retrying("IncrementalAlterConfigs", async || {
            let response = self.cluster.any_broker().await?.request(&request).await?;
            let decoded = response.decode::<IncrementalAlterConfigsRequest<'_>>()?;
            for result in decoded.responses.iter() {
                check(result.error_code, result.error_message, || {
                    format!("altering the configs of topic {topic}")
                })?;
            }
            Ok(())
        })
        .await
    }
}
