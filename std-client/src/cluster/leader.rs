//! Leader routing: the connection to a partition's leader, refreshing metadata as needed.

use super::handle::Client;
use crate::broker::BrokerConnection;
use crate::error::{Error, Result};
use crate::net::Backoff;
use async_io::Timer;
use franzl_core::ErrorCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Whether a partition-level error `code` means the cached leader is wrong or the topic changed,
/// so metadata must be refreshed before retrying.
pub fn needs_metadata_refresh(code: ErrorCode) -> bool {
    [
        ErrorCode::NOT_LEADER_OR_FOLLOWER,
        ErrorCode::LEADER_NOT_AVAILABLE,
        ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode::FENCED_LEADER_EPOCH,
        ErrorCode::UNKNOWN_LEADER_EPOCH,
        ErrorCode::KAFKA_STORAGE_ERROR,
        ErrorCode::REPLICA_NOT_AVAILABLE,
        ErrorCode::UNKNOWN_TOPIC_ID,
        ErrorCode::INCONSISTENT_TOPIC_ID,
        ErrorCode::NOT_CONTROLLER,
    ]
    .contains(&code)
}

impl Client {
    /// A connection to the leader of `topic`'s partition `partition`.
    ///
    /// # Errors
    /// [`Error::Kafka`] with `UNKNOWN_TOPIC_OR_PARTITION` at once when the topic or partition
    /// does not exist; other non-retriable errors at once; retriable ones (no leader yet, the
    /// leader unreachable) once `max.block.ms` has passed.
    pub async fn leader(&self, topic: &str, partition: i32) -> Result<BrokerConnection> {
        let config = self.config();
        let deadline = Instant::now() + config.metadata_timeout;
        let mut backoff = Backoff::new(config.retry_backoff, config.retry_backoff_max, 11);
        loop {
            let snapshot = if self.metadata_is_stale() || self.metadata().topic(topic).is_none() {
                self.refresh_metadata(&[topic]).await?
            } else {
                self.metadata()
            };
            let context = || format!("partition {partition} of topic {topic}");
            let leader = match snapshot.topic(topic) {
                None => Err(Error::kafka(
                    ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                    Some("the topic does not exist"),
                    context(),
                )),
                Some(metadata) if metadata.error == ErrorCode::UNKNOWN_TOPIC_OR_PARTITION => {
                    return Err(Error::kafka(
                        metadata.error,
                        Some("the topic does not exist"),
                        context(),
                    ));
                }
                Some(metadata) if !metadata.error.is_ok() => {
                    Err(Error::kafka(metadata.error, None, context()))
                }
                Some(metadata) => match metadata.partition(partition) {
                    None => {
                        return Err(Error::kafka(
                            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                            Some(&format!(
                                "the topic has {} partitions",
                                metadata.partitions.len()
                            )),
                            context(),
                        ));
                    }
                    Some(p) if p.leader < 0 => Err(Error::kafka(
                        if p.error.is_ok() {
                            ErrorCode::LEADER_NOT_AVAILABLE
                        } else {
                            p.error
                        },
                        None,
                        context(),
                    )),
                    Some(p) => Ok(p.leader),
                },
            };
            let result = match leader {
                Ok(node_id) => self.broker(node_id).await,
                Err(error) => Err(error),
            };
            match result {
                Ok(connection) => return Ok(connection),
                Err(error) if error.is_retriable() && Instant::now() < deadline => {
                    self.inner.stale.store(true, Ordering::Release);
                    let delay = backoff.next_delay();
                    log::info!(
                        "no leader for {}: {error}; retrying in {delay:?}",
                        context()
                    );
                    Timer::after(delay).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The cached leader's node id of `topic`'s partition `partition`, without any I/O.
    pub fn cached_leader(&self, topic: &str, partition: i32) -> Option<i32> {
        self.metadata()
            .partition(topic, partition)
            .map(|p| p.leader)
            .filter(|leader| *leader >= 0)
    }

    /// Marks the cached leader of `topic`'s partition `partition` as wrong (after
    /// `NOT_LEADER_OR_FOLLOWER` and the like, see [`super::needs_metadata_refresh`]): the
    /// refresher task refreshes the metadata soon, and the next [`Client::leader`] does if it
    /// has not yet.
    pub fn invalidate_leader(&self, topic: &str, partition: i32) {
        log::debug!("leader of {topic}-{partition} invalidated; metadata will be refreshed");
        self.invalidate_metadata();
    }

    /// Marks the whole metadata cache stale: the next call that needs it refreshes it first.
    pub fn invalidate_metadata(&self) {
        self.inner.stale.store(true, Ordering::Release);
        // Full means a refresh is already due.
        let _ = self.inner.refresh_wake.try_send(());
    }
}
