//! One-partition requests, built and answered the same way by every driver: Produce of one
//! record batch, Fetch from one offset and ListOffsets at one timestamp, each to one partition
//! of one topic, and the lookups that find that partition in the response.
//!
//! [`TopicRef`] is a topic as Fetch and Produce address it: by name up to v12 of each, by id
//! from v13 on ([`FIRST_VERSION_WITH_TOPIC_IDS`]). Its [`TopicRef::version`] picks the version
//! that can address it, and [`TopicRef::produced`] / [`TopicRef::fetched`] find the partition
//! in a response of that version. The request types hold plain values; `with_request` builds
//! the request on the stack (its one-element arrays live for the call) and hands it to the
//! caller's closure, which encodes or sends it. Nothing allocates, nothing panics; a partition
//! missing from a response is `None`.

use crate::messages::fetch::{
    FetchPartition, FetchRequest, FetchResponse, FetchTopic, PartitionData,
};
use crate::messages::list_offsets::{
    ListOffsetsPartition, ListOffsetsPartitionResponse, ListOffsetsRequest, ListOffsetsResponse,
    ListOffsetsTopic,
};
use crate::messages::produce::{
    PartitionProduceData, PartitionProduceResponse, ProduceRequest, ProduceResponse,
    TopicProduceData,
};
use crate::messages::{Array, FIRST_VERSION_WITH_TOPIC_IDS};
use crate::wire::Uuid;

/// The newest Fetch and Produce version that names topics; later ones name them by id only.
const LAST_VERSION_WITH_NAMES: i16 = FIRST_VERSION_WITH_TOPIC_IDS - 1;

/// A topic as Fetch and Produce address it: by name up to v12, by id after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TopicRef<'a> {
    /// The topic's name.
    pub name: &'a str,
    /// The topic's id (from Metadata); [`Uuid::ZERO`] if unknown, in which case requests go at
    /// v12, which names topics.
    pub id: Uuid,
}

impl<'a> TopicRef<'a> {
    /// A topic known by name only.
    #[must_use]
    pub const fn named(name: &'a str) -> Self {
        Self {
            name,
            id: Uuid::ZERO,
        }
    }

    /// The Fetch or Produce version to send at, from the `negotiated` one: without an id, only
    /// versions that name topics can address it.
    #[inline(never)]
    #[must_use]
    pub fn version(&self, negotiated: Option<i16>) -> Option<i16> {
        match negotiated {
            Some(version) if self.id.is_zero() => Some(version.min(LAST_VERSION_WITH_NAMES)),
            other => other,
        }
    }

    /// Whether a response's topic entry (`name`, `id`) is this topic, in a response of
    /// `version`: by id from v13 on, by name before.
    #[inline(never)]
    #[must_use]
    pub fn is(&self, version: i16, name: &str, id: &Uuid) -> bool {
        if version > LAST_VERSION_WITH_NAMES {
            *id == self.id
        } else {
            name == self.name
        }
    }

    /// This topic's `partition` in a Produce response of `version`.
    #[must_use]
    pub fn produced<'r>(
        &self,
        response: &ProduceResponse<'r>,
        version: i16,
        partition: i32,
    ) -> Option<PartitionProduceResponse<'r>> {
        // Plain loops rather than iterator adapters: the same work in less flash.
        for entry in response.responses.iter() {
            if self.is(version, entry.name, &entry.topic_id) {
                let found = entry
                    .partition_responses
                    .iter()
                    .find(|p| p.index == partition);
                if found.is_some() {
                    return found;
                }
            }
        }
        None
    }

    /// This topic's `partition` in a Fetch response of `version`.
    #[must_use]
    pub fn fetched<'r>(
        &self,
        response: &FetchResponse<'r>,
        version: i16,
        partition: i32,
    ) -> Option<PartitionData<'r>> {
        for entry in response.responses.iter() {
            if self.is(version, entry.topic, &entry.topic_id) {
                let found = entry
                    .partitions
                    .iter()
                    .find(|p| p.partition_index == partition);
                if found.is_some() {
                    return found;
                }
            }
        }
        None
    }
}

/// A Produce request of one record batch to one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnePartitionProduce<'a> {
    /// The topic.
    pub topic: TopicRef<'a>,
    /// The partition's index.
    pub partition: i32,
    /// The acknowledgement asked for (`Acks::value`: 0, 1 or -1).
    pub acks: i16,
    /// How long the broker may wait for replicas before it answers with an error.
    pub timeout_ms: i32,
    /// The transactional id, for a transaction's batch.
    pub transactional_id: Option<&'a str>,
    /// The whole record batch (or batches).
    pub records: &'a [u8],
}

impl OnePartitionProduce<'_> {
    /// Builds the request and hands it to `send`.
    pub fn with_request<T>(&self, send: impl FnOnce(&ProduceRequest<'_>) -> T) -> T {
        let partitions = [PartitionProduceData {
            index: self.partition,
            records: Some(self.records),
            ..Default::default()
        }];
        let topics = [TopicProduceData {
            name: self.topic.name,
            topic_id: self.topic.id,
            partition_data: Array::from_slice(&partitions),
            ..Default::default()
        }];
        send(&ProduceRequest {
            transactional_id: self.transactional_id,
            acks: self.acks,
            timeout_ms: self.timeout_ms,
            topic_data: Array::from_slice(&topics),
            ..Default::default()
        })
    }
}

/// A Fetch request for one partition from one offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnePartitionFetch<'a> {
    /// The topic.
    pub topic: TopicRef<'a>,
    /// The partition's index.
    pub partition: i32,
    /// The first offset wanted.
    pub offset: i64,
    /// How long the broker may wait for `min_bytes`.
    pub max_wait_ms: i32,
    /// The bytes the broker waits for.
    pub min_bytes: i32,
    /// The most bytes wanted, for the response and for the partition alike.
    pub max_bytes: i32,
    /// 0: read uncommitted; 1: read committed.
    pub isolation_level: i8,
}

impl<'a> OnePartitionFetch<'a> {
    /// Builds the request and hands it to `send`.
    pub fn with_request<T>(&self, send: impl FnOnce(&FetchRequest<'_>) -> T) -> T {
        let partitions = self.partitions();
        let topics = self.topics(&partitions);
        send(&self.request(&topics))
    }

    /// The request's partition array, for a caller that keeps the request across an `.await`
    /// (then [`Self::topics`] and [`Self::request`], each borrowing the one before).
    #[must_use]
    pub fn partitions(&self) -> [FetchPartition<'a>; 1] {
        [FetchPartition {
            partition: self.partition,
            fetch_offset: self.offset,
            partition_max_bytes: self.max_bytes,
            ..Default::default()
        }]
    }

    /// The request's topic array over `partitions`.
    #[must_use]
    pub fn topics<'s>(&self, partitions: &'s [FetchPartition<'a>; 1]) -> [FetchTopic<'s>; 1]
    where
        'a: 's,
    {
        [FetchTopic {
            topic: self.topic.name,
            topic_id: self.topic.id,
            partitions: Array::from_slice(partitions),
            ..Default::default()
        }]
    }

    /// The request over `topics`.
    #[must_use]
    pub fn request<'s>(&self, topics: &'s [FetchTopic<'s>; 1]) -> FetchRequest<'s> {
        FetchRequest {
            max_wait_ms: self.max_wait_ms,
            min_bytes: self.min_bytes,
            max_bytes: self.max_bytes,
            isolation_level: self.isolation_level,
            topics: Array::from_slice(topics),
            ..Default::default()
        }
    }
}

/// A ListOffsets request (as a consumer, not a replica) for one partition at one timestamp,
/// or [`super::LIST_OFFSETS_EARLIEST`] / [`super::LIST_OFFSETS_LATEST`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnePartitionListOffsets<'a> {
    /// The topic's name (ListOffsets names topics at every version).
    pub topic: &'a str,
    /// The partition's index.
    pub partition: i32,
    /// Milliseconds since the Unix epoch, or one of the sentinels.
    pub timestamp: i64,
    /// 0: read uncommitted; 1: read committed (the latest offset is then the last stable one).
    pub isolation_level: i8,
    /// How long the broker may take (v10 on).
    pub timeout_ms: i32,
}

impl<'a> OnePartitionListOffsets<'a> {
    /// Builds the request and hands it to `send`.
    pub fn with_request<T>(&self, send: impl FnOnce(&ListOffsetsRequest<'_>) -> T) -> T {
        let partitions = self.partitions();
        let topics = self.topics(&partitions);
        send(&self.request(&topics))
    }

    /// The request's partition array, for a caller that keeps the request across an `.await`
    /// (then [`Self::topics`] and [`Self::request`], each borrowing the one before).
    #[must_use]
    pub fn partitions(&self) -> [ListOffsetsPartition<'a>; 1] {
        [ListOffsetsPartition {
            partition_index: self.partition,
            timestamp: self.timestamp,
            ..Default::default()
        }]
    }

    /// The request's topic array over `partitions`.
    #[must_use]
    pub fn topics<'s>(
        &self,
        partitions: &'s [ListOffsetsPartition<'a>; 1],
    ) -> [ListOffsetsTopic<'s>; 1]
    where
        'a: 's,
    {
        [ListOffsetsTopic {
            name: self.topic,
            partitions: Array::from_slice(partitions),
            ..Default::default()
        }]
    }

    /// The request over `topics`.
    #[must_use]
    pub fn request<'s>(&self, topics: &'s [ListOffsetsTopic<'s>; 1]) -> ListOffsetsRequest<'s> {
        ListOffsetsRequest {
            // A consumer, not a replica.
            replica_id: -1,
            isolation_level: self.isolation_level,
            topics: Array::from_slice(topics),
            timeout_ms: self.timeout_ms,
            ..Default::default()
        }
    }

    /// The partition in a ListOffsets response.
    #[must_use]
    pub fn find<'r>(
        &self,
        response: &ListOffsetsResponse<'r>,
    ) -> Option<ListOffsetsPartitionResponse<'r>> {
        for entry in response.topics.iter() {
            if entry.name == self.topic {
                let found = entry
                    .partitions
                    .iter()
                    .find(|p| p.partition_index == self.partition);
                if found.is_some() {
                    return found;
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Message;
    use crate::messages::produce::TopicProduceResponse;

    const ID_A: Uuid = Uuid([1; 16]);
    const ID_B: Uuid = Uuid([2; 16]);

    /// A Produce response for topics "a" (id 1) and "b" (id 2), partition 0 each, whose base
    /// offsets say which entry was found: 10 for "a", 20 for "b".
    fn answer(version: i16, buf: &mut [u8]) -> ProduceResponse<'_> {
        let a = [PartitionProduceResponse {
            base_offset: 10,
            ..Default::default()
        }];
        let b = [PartitionProduceResponse {
            base_offset: 20,
            ..Default::default()
        }];
        // v13 carries ids only, earlier versions names only.
        let (name_a, name_b) = if version >= 13 { ("", "") } else { ("a", "b") };
        let topics = [
            TopicProduceResponse {
                name: name_a,
                topic_id: ID_A,
                partition_responses: Array::from_slice(&a),
                ..Default::default()
            },
            TopicProduceResponse {
                name: name_b,
                topic_id: ID_B,
                partition_responses: Array::from_slice(&b),
                ..Default::default()
            },
        ];
        let response = ProduceResponse {
            responses: Array::from_slice(&topics),
            ..Default::default()
        };
        let len = response.encode(version, buf).unwrap();
        ProduceResponse::decode(version, &buf[..len]).unwrap()
    }

    #[test]
    fn a_partition_is_found_by_name_or_by_id_as_the_version_says() {
        let mut buf = [0u8; 256];
        let by_name = TopicRef::named("b");
        let by_id = TopicRef {
            name: "b",
            id: ID_B,
        };
        assert_eq!(
            by_name.version(Some(13)),
            Some(12),
            "no id: a version that names"
        );
        assert_eq!(by_id.version(Some(13)), Some(13));
        let v12 = answer(12, &mut buf);
        assert_eq!(
            by_name.produced(&v12, 12, 0).map(|p| p.base_offset),
            Some(20)
        );
        assert_eq!(by_name.produced(&v12, 12, 1), None, "no partition 1");
        let mut buf = [0u8; 256];
        let v13 = answer(13, &mut buf);
        assert_eq!(by_id.produced(&v13, 13, 0).map(|p| p.base_offset), Some(20));
        assert_eq!(
            by_name.produced(&v13, 13, 0),
            None,
            "a zero id matches no topic"
        );
    }

    #[test]
    fn the_builders_address_one_partition() {
        let produce = OnePartitionProduce {
            topic: TopicRef {
                name: "t",
                id: ID_A,
            },
            partition: 3,
            acks: -1,
            timeout_ms: 500,
            transactional_id: None,
            records: &[9, 9],
        };
        let mut buf = [0u8; 128];
        let len = produce.with_request(|request| request.encode(13, &mut buf).unwrap());
        let decoded = ProduceRequest::decode(13, &buf[..len]).unwrap();
        let topic = decoded.topic_data.iter().next().unwrap();
        let partition = topic.partition_data.iter().next().unwrap();
        assert_eq!((decoded.acks, decoded.timeout_ms), (-1, 500));
        assert_eq!((topic.topic_id, partition.index), (ID_A, 3));
        assert_eq!(partition.records, Some(&[9u8, 9][..]));

        let fetch = OnePartitionFetch {
            topic: TopicRef::named("t"),
            partition: 2,
            offset: 40,
            max_wait_ms: 100,
            min_bytes: 1,
            max_bytes: 1000,
            isolation_level: 1,
        };
        let len = fetch.with_request(|request| request.encode(12, &mut buf).unwrap());
        let decoded = FetchRequest::decode(12, &buf[..len]).unwrap();
        let topic = decoded.topics.iter().next().unwrap();
        let partition = topic.partitions.iter().next().unwrap();
        assert_eq!((decoded.max_bytes, decoded.isolation_level), (1000, 1));
        assert_eq!(topic.topic, "t");
        assert_eq!(
            (
                partition.partition,
                partition.fetch_offset,
                partition.partition_max_bytes
            ),
            (2, 40, 1000)
        );

        let list = OnePartitionListOffsets {
            topic: "t",
            partition: 1,
            timestamp: crate::messages::LIST_OFFSETS_EARLIEST,
            isolation_level: 0,
            timeout_ms: 30_000,
        };
        let len = list.with_request(|request| request.encode(10, &mut buf).unwrap());
        let decoded = ListOffsetsRequest::decode(10, &buf[..len]).unwrap();
        let topic = decoded.topics.iter().next().unwrap();
        let partition = topic.partitions.iter().next().unwrap();
        assert_eq!((decoded.replica_id, topic.name), (-1, "t"));
        assert_eq!((partition.partition_index, partition.timestamp), (1, -2));
    }
}
