//! [`Client::list_offsets`]: a partition's offset at a point in time, or its first or next
//! offset.

use super::Clock;
use super::client::Client;
use super::error::ClientError;
use crate::messages::Array;
use crate::messages::list_offsets::{ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic};
use embedded_io_async::{Read, Write};

/// The timestamp that asks [`Client::list_offsets`] for the offset the next record will get.
pub const LATEST: i64 = crate::messages::LIST_OFFSETS_LATEST;
/// The timestamp that asks [`Client::list_offsets`] for the partition's first offset.
pub const EARLIEST: i64 = crate::messages::LIST_OFFSETS_EARLIEST;

impl<T: Read + Write, C: Clock> Client<'_, '_, T, C> {
    /// The first offset of `topic`'s `partition` whose timestamp is at or after `timestamp`
    /// (milliseconds since the Unix epoch), or, for [`LATEST`] and [`EARLIEST`], the next and
    /// the first offset. -1 when no record is that recent.
    ///
    /// # Errors
    /// [`ClientError::Broker`] with the partition's error code; as [`Client::request`].
    pub async fn list_offsets(
        &mut self,
        topic: &str,
        partition: i32,
        timestamp: i64,
    ) -> Result<i64, ClientError> {
        let partitions = [ListOffsetsPartition {
            partition_index: partition,
            timestamp,
            ..Default::default()
        }];
        let topics = [ListOffsetsTopic {
            name: topic,
            partitions: Array::from_slice(&partitions),
            ..Default::default()
        }];
        let request = ListOffsetsRequest {
            // A consumer, not a replica.
            replica_id: -1,
            topics: Array::from_slice(&topics),
            timeout_ms: 30_000,
            ..Default::default()
        };
        let response = self.request(&request).await?;
        let response = response.decode::<ListOffsetsRequest<'_>>()?;
        // Plain loops rather than iterator adapters: the same work in less flash.
        let mut found = None;
        for entry in response.topics.iter() {
            if entry.name == topic {
                found = entry
                    .partitions
                    .iter()
                    .find(|entry| entry.partition_index == partition);
                if found.is_some() {
                    break;
                }
            }
        }
        let found = found.ok_or(ClientError::MissingFromResponse)?;
        let code = found.error_code;
        if !code.is_ok() {
            return Err(ClientError::Broker(code));
        }
        Ok(found.offset)
    }
}
