//! ListOffsets: the offset of the earliest record, of the log's end, or of the first record at
//! or after a timestamp, for partitions that one broker leads.
//!
//! Needs ListOffsets v1 or later (every broker since Kafka 0.10.1; Kafka 4 has no v0). At
//! `read_committed` "latest" is the last stable offset, as the broker answers at that level.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_io::Timer;

use franzl_core::ErrorCode;
use franzl_core::messages::list_offsets::{
    ListOffsetsPartition, ListOffsetsRequest, ListOffsetsResponse, ListOffsetsTopic,
};
use franzl_core::messages::{ApiKey, Array};

use super::assignment::TopicPartition;
use crate::broker::BrokerConnection;
use crate::cluster::{Client, needs_metadata_refresh};
use crate::config::IsolationLevel;
use crate::error::{Error, Result};
use crate::net::Backoff;

pub(crate) use franzl_core::messages::{
    LIST_OFFSETS_EARLIEST as EARLIEST, LIST_OFFSETS_LATEST as LATEST,
};

/// One partition's question.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OffsetQuery<'a> {
    pub(crate) topic: &'a str,
    pub(crate) partition: i32,
    /// The leader epoch the caller knows, or -1.
    pub(crate) leader_epoch: i32,
    /// [`EARLIEST`], [`LATEST`], or milliseconds since the epoch.
    pub(crate) timestamp: i64,
}

/// A partition's answer: the offset and the timestamp of its record (-1 for earliest and
/// latest), `None` when no record has a timestamp at or after the one asked; or the error code.
pub(crate) type OffsetAnswer = Result<Option<(i64, i64)>, ErrorCode>;

/// Asks `connection` (the leader of every partition in `queries`) and returns the answers in
/// the order of `queries`; a partition the broker leaves out is `UNKNOWN_TOPIC_OR_PARTITION`.
///
/// # Errors
/// [`Error::UnsupportedByBroker`] below v1; the request's errors.
pub(crate) async fn list_offsets(
    connection: &BrokerConnection,
    isolation: IsolationLevel,
    timeout: Duration,
    queries: &[OffsetQuery<'_>],
) -> Result<Vec<OffsetAnswer>> {
    let version = connection.version(ApiKey::ListOffsets)?;
    if version < 1 {
        return Err(Error::UnsupportedByBroker {
            api: ApiKey::ListOffsets,
            broker: format!("{:?}", connection.address()),
        });
    }
    let mut sorted: Vec<&OffsetQuery<'_>> = queries.iter().collect();
    sorted.sort_by_key(|query| query.topic);
    let partitions: Vec<ListOffsetsPartition<'_>> = sorted
        .iter()
        .map(|query| ListOffsetsPartition {
            partition_index: query.partition,
            current_leader_epoch: if version >= 4 { query.leader_epoch } else { -1 },
            timestamp: query.timestamp,
            ..ListOffsetsPartition::default()
        })
        .collect();
    let mut topics = Vec::new();
    let mut start = 0;
    while let Some(first) = sorted.get(start) {
        let len = sorted[start..]
            .iter()
            .take_while(|query| query.topic == first.topic)
            .count();
        topics.push(ListOffsetsTopic {
            name: first.topic,
            partitions: Array::from_slice(partitions.get(start..start + len).unwrap_or_default()),
            ..ListOffsetsTopic::default()
        });
        start += len;
    }
    let request = ListOffsetsRequest {
        replica_id: -1,
        isolation_level: if version >= 2 { isolation.as_i8() } else { 0 },
        topics: Array::from_slice(&topics),
        timeout_ms: if version >= 10 {
            i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX)
        } else {
            0
        },
        ..ListOffsetsRequest::default()
    };
    let frame = connection.request_at(&request, version).await?;
    let response: ListOffsetsResponse<'_> = frame.decode::<ListOffsetsRequest<'_>>()?;
    let mut answers = vec![Err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION); queries.len()];
    for topic in &response.topics {
        for answer in &topic.partitions {
            let found = queries
                .iter()
                .position(|q| q.topic == topic.name && q.partition == answer.partition_index);
            let Some(slot) = found.and_then(|index| answers.get_mut(index)) else {
                continue;
            };
            let code = answer.error_code;
            *slot = if !code.is_ok() {
                Err(code)
            } else if answer.offset < 0 {
                Ok(None)
            } else {
                Ok(Some((answer.offset, answer.timestamp)))
            };
        }
    }
    Ok(answers)
}

/// Asks each partition's leader, retrying retriable failures (leaders moving, brokers
/// restarting) with backoff until `deadline` passes. Answers are in the order of `queries`.
///
/// # Errors
/// The first non-retriable error at once; the last retriable one at the deadline.
pub(crate) async fn list_offsets_with_retries(
    cluster: &Client,
    isolation: IsolationLevel,
    queries: &[(TopicPartition, i64)],
    deadline: Instant,
) -> Result<Vec<Option<(i64, i64)>>> {
    let config = cluster.config();
    let mut backoff = Backoff::new(config.retry_backoff, config.retry_backoff_max, 0x0ff5);
    let mut answers = vec![None; queries.len()];
    let mut todo: Vec<usize> = (0..queries.len()).collect();
    loop {
        let mut retry = Vec::new();
        let mut deferred = Vec::new();
        let mut last_error = None;
        let mut groups: BTreeMap<i32, (BrokerConnection, Vec<usize>)> = BTreeMap::new();
        for &index in &todo {
            let Some((tp, _)) = queries.get(index) else {
                continue;
            };
            // A request may name a partition once: the same partition twice waits a round.
            let asked_already = groups
                .values()
                .flat_map(|(_, group)| group)
                .any(|&other| queries.get(other).is_some_and(|(other, _)| other == tp));
            if asked_already {
                deferred.push(index);
                continue;
            }
            match cluster.leader(&tp.topic, tp.partition).await {
                Ok(connection) => {
                    let node = connection.node_id().unwrap_or(-1);
                    groups
                        .entry(node)
                        .or_insert_with(|| (connection, Vec::new()))
                        .1
                        .push(index);
                }
                Err(error) if error.is_retriable() => {
                    retry.push(index);
                    last_error = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
        for (connection, indexes) in groups.into_values() {
            let asked: Vec<OffsetQuery<'_>> = indexes
                .iter()
                .filter_map(|&index| queries.get(index))
                .map(|(tp, timestamp)| OffsetQuery {
                    topic: &tp.topic,
                    partition: tp.partition,
                    leader_epoch: -1,
                    timestamp: *timestamp,
                })
                .collect();
            let timeout = config.request_timeout;
            match list_offsets(&connection, isolation, timeout, &asked).await {
                Ok(found) => {
                    for ((&index, query), answer) in indexes.iter().zip(&asked).zip(found) {
                        let context = || format!("offsets of {}-{}", query.topic, query.partition);
                        match answer {
                            Ok(answer) => {
                                if let Some(slot) = answers.get_mut(index) {
                                    *slot = answer;
                                }
                            }
                            Err(code) if code.is_retriable() => {
                                if needs_metadata_refresh(code) {
                                    cluster.invalidate_leader(query.topic, query.partition);
                                }
                                retry.push(index);
                                last_error = Some(Error::kafka(code, None, context()));
                            }
                            Err(code) => return Err(Error::kafka(code, None, context())),
                        }
                    }
                }
                Err(error) if error.is_retriable() => {
                    retry.extend(indexes);
                    last_error = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
        if retry.is_empty() {
            if deferred.is_empty() {
                return Ok(answers);
            }
            todo = deferred;
            continue;
        }
        retry.extend(deferred);
        if Instant::now() >= deadline {
            return Err(last_error.unwrap_or_else(|| Error::Timeout {
                what: "listing offsets".into(),
                after: Duration::ZERO,
            }));
        }
        Timer::after(backoff.next_delay()).await;
        todo = retry;
    }
}
