//! What replay asks before it starts: the topic's partition leaders and id (Metadata), and for an
//! idempotent run a producer id and epoch (InitProducerId).

use std::time::{Duration, Instant};

use franzl_core::messages::Array;
use franzl_core::messages::init_producer_id::InitProducerIdRequest;
use franzl_core::messages::metadata::{MetadataRequest, MetadataRequestTopic};
use franzl_core::wire::Uuid;

use crate::link::Link;

/// Where a topic's partitions live.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// The topic id (all zeros from a broker that has none).
    pub(crate) topic_id: Uuid,
    /// For each partition `0..P` in order, its leader's `host:port`.
    pub(crate) leaders: Vec<String>,
}

impl Layout {
    /// The distinct leader addresses, each with its partitions.
    pub(crate) fn by_leader(&self) -> Vec<(String, Vec<i32>)> {
        let mut groups: Vec<(String, Vec<i32>)> = Vec::new();
        for (partition, leader) in (0..).zip(&self.leaders) {
            match groups.iter_mut().find(|(address, _)| address == leader) {
                Some((_, partitions)) => partitions.push(partition),
                None => groups.push((leader.clone(), vec![partition])),
            }
        }
        groups
    }
}

/// Partitions `0..partitions` of `topic` and their leaders.
///
/// # Errors
/// When the topic is unknown, has fewer partitions, or one has no leader.
pub(crate) fn layout(link: &mut Link, topic: &str, partitions: i32) -> Result<Layout, String> {
    let topics = [MetadataRequestTopic {
        name: Some(topic),
        ..Default::default()
    }];
    let request = MetadataRequest {
        topics: Some(Array::from_slice(&topics)),
        allow_auto_topic_creation: false,
        ..Default::default()
    };
    link.send(&request, None)?;
    let response = link.receive()?;
    let metadata = response
        .decode::<MetadataRequest<'_>>()
        .map_err(|error| format!("metadata: {error}"))?;
    let found = metadata
        .topics
        .iter()
        .find(|entry| entry.name == Some(topic))
        .ok_or_else(|| format!("metadata: no topic {topic}"))?;
    let code = found.error_code;
    if !code.is_ok() {
        return Err(format!("metadata: {topic}: {code}"));
    }
    let mut leaders = Vec::new();
    for index in 0..partitions {
        let leader = found
            .partitions
            .iter()
            .find(|partition| partition.partition_index == index)
            .map(|partition| partition.leader_id)
            .ok_or_else(|| format!("metadata: {topic} has no partition {index}"))?;
        let broker = metadata
            .brokers
            .iter()
            .find(|broker| broker.node_id == leader)
            .ok_or_else(|| format!("metadata: partition {index} has no leader ({leader})"))?;
        leaders.push(format!("{}:{}", broker.host, broker.port));
    }
    Ok(Layout {
        topic_id: found.topic_id,
        leaders,
    })
}

/// A producer id and epoch for an idempotent producer (no transactions), asked again while the
/// broker answers with a retriable error (its coordinator loads on first use).
///
/// # Errors
/// When the broker refuses, or still answers with a retriable error after 30 seconds.
pub(crate) fn producer_id(link: &mut Link) -> Result<(i64, i16), String> {
    let request = InitProducerIdRequest {
        transactional_id: None,
        transaction_timeout_ms: i32::MAX,
        producer_id: -1,
        producer_epoch: -1,
        ..Default::default()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        link.send(&request, None)?;
        let response = link.receive()?;
        let answer = response
            .decode::<InitProducerIdRequest<'_>>()
            .map_err(|error| format!("init producer id: {error}"))?;
        let code = answer.error_code;
        if code.is_ok() {
            return Ok((answer.producer_id, answer.producer_epoch));
        }
        if !code.is_retriable() || Instant::now() > deadline {
            return Err(format!("init producer id: {code}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
