//! ConsumerGroupHeartbeat (KIP-848) on the wire: one [`Beat`] sent to the coordinator, its
//! [`Answer`] read back, owned.
//!
//! Contract:
//! - Version 1 only: it is the first in which the member makes its own id (KIP-1082). A broker
//!   without the API, with v0 alone, or that answers `UNSUPPORTED_VERSION` (the protocol not
//!   enabled on the cluster) is an [`Error::Config`] naming `group.protocol`.
//! - A field left `None` in the [`Beat`] is sent as null, which the coordinator reads as
//!   "unchanged since the last heartbeat"; the rebalance timeout as -1 likewise.
//! - An error code becomes [`Error::Kafka`] with the broker's message. On success, the
//!   assignment is taken as hostile input: negative partitions are dropped and duplicates (of
//!   a partition, or of a topic id) merged; a negative epoch or a heartbeat interval that is
//!   not positive is left out of the answer (the member keeps its own).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use franzl_core::ErrorCode;
use franzl_core::messages::consumer_group_heartbeat::{
    ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatRequestTopicPartitions,
};
use franzl_core::messages::{ApiKey, Array};
use franzl_core::wire::Uuid;

use crate::broker::BrokerConnection;
use crate::error::{Error, Result};

/// Partitions by topic id: an assignment, or what a member owns.
pub(crate) type ById = BTreeMap<Uuid, BTreeSet<i32>>;

/// The ConsumerGroupHeartbeat version the member speaks.
pub(crate) const VERSION: i16 = 1;

/// Epoch 0 joins the group; -1 leaves it.
pub(crate) const JOIN: i32 = 0;
/// The epoch a dynamic member leaves with.
pub(crate) const LEAVE: i32 = -1;
/// The epoch a static member leaves with: it may come back as the same member within the
/// session timeout, and the coordinator keeps its partitions for it meanwhile.
pub(crate) const LEAVE_STATIC: i32 = -2;

/// One heartbeat's fields (`None`: unchanged since the last, sent as null).
#[derive(Debug, Clone, Default)]
pub(crate) struct Beat<'a> {
    pub(crate) group_id: &'a str,
    pub(crate) member_id: &'a str,
    pub(crate) epoch: i32,
    /// A static member's `group.instance.id`, sent in every heartbeat.
    pub(crate) instance_id: Option<&'a str>,
    pub(crate) rebalance_timeout_ms: Option<i32>,
    pub(crate) topics: Option<&'a [String]>,
    /// The pattern the coordinator matches topic names against; `""` drops it.
    pub(crate) regex: Option<&'a str>,
    pub(crate) assignor: Option<&'a str>,
    pub(crate) owned: Option<&'a ById>,
}

/// What the coordinator answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    /// The epoch it holds the member at; `None` when it sent a negative one on success.
    pub(crate) epoch: Option<i32>,
    /// The interval to heartbeat at; `None` when it sent none that is positive.
    pub(crate) interval: Option<Duration>,
    /// The member's new target assignment; `None`: unchanged.
    pub(crate) assignment: Option<ById>,
}

/// Sends `beat` to the coordinator `conn` and reads its answer.
///
/// # Errors
/// [`Error::Config`] for a broker without ConsumerGroupHeartbeat v1; [`Error::Kafka`] for the
/// coordinator's error code; the connection's errors.
pub(crate) async fn send(conn: &BrokerConnection, beat: &Beat<'_>) -> Result<Answer> {
    let offered = conn.version(ApiKey::ConsumerGroupHeartbeat).ok();
    if offered.is_none_or(|version| version < VERSION) {
        return Err(unsupported(&conn.address().to_string(), offered));
    }
    let names: Option<Vec<&str>> = beat
        .topics
        .map(|topics| topics.iter().map(String::as_str).collect());
    let owned: Option<Vec<(Uuid, Vec<i32>)>> = beat.owned.map(|owned| {
        owned
            .iter()
            .map(|(id, partitions)| (*id, partitions.iter().copied().collect()))
            .collect()
    });
    let topic_partitions: Option<Vec<ConsumerGroupHeartbeatRequestTopicPartitions<'_>>> =
        owned.as_ref().map(|owned| {
            owned
                .iter()
                .map(
                    |(id, partitions)| ConsumerGroupHeartbeatRequestTopicPartitions {
                        topic_id: *id,
                        partitions: Array::from_slice(partitions),
                        ..Default::default()
                    },
                )
                .collect()
        });
    let request = ConsumerGroupHeartbeatRequest {
        group_id: beat.group_id,
        member_id: beat.member_id,
        member_epoch: beat.epoch,
        instance_id: beat.instance_id,
        rebalance_timeout_ms: beat.rebalance_timeout_ms.unwrap_or(-1),
        subscribed_topic_names: names.as_deref().map(Array::from_slice),
        subscribed_topic_regex: beat.regex,
        server_assignor: beat.assignor,
        topic_partitions: topic_partitions.as_deref().map(Array::from_slice),
        ..Default::default()
    };
    let response = conn.request_at(&request, VERSION).await?;
    let decoded = response.decode::<ConsumerGroupHeartbeatRequest<'_>>()?;
    if decoded.error_code == ErrorCode::UNSUPPORTED_VERSION {
        // Served but not enabled (the cluster's group.version is 0, or the coordinator's
        // group.coordinator.rebalance.protocols leaves `consumer` out).
        return Err(Error::Config {
            property: "group.protocol".to_owned(),
            reason: format!(
                "the coordinator {} refused ConsumerGroupHeartbeat (UNSUPPORTED_VERSION{}): the \
                 consumer group protocol (KIP-848) is not enabled on the cluster; use \
                 group.protocol=classic with it",
                conn.address(),
                decoded
                    .error_message
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            ),
        });
    }
    if decoded.error_code != ErrorCode::NONE {
        return Err(Error::kafka(
            decoded.error_code,
            decoded.error_message,
            format!(
                "heartbeat of member {} (epoch {}) in group {:?}",
                beat.member_id, beat.epoch, beat.group_id
            ),
        ));
    }
    let assignment = decoded.assignment.map(|assignment| {
        sanitize(
            assignment
                .topic_partitions
                .iter()
                .map(|topic| (topic.topic_id, topic.partitions.iter())),
        )
    });
    Ok(Answer {
        epoch: (decoded.member_epoch >= 0).then_some(decoded.member_epoch),
        interval: u64::try_from(decoded.heartbeat_interval_ms)
            .ok()
            .filter(|&ms| ms > 0)
            .map(Duration::from_millis),
        assignment,
    })
}

/// The error for a coordinator that cannot serve a consumer-protocol member (`offered`: the
/// highest ConsumerGroupHeartbeat version it serves, if any).
pub(crate) fn unsupported(broker: &str, offered: Option<i16>) -> Error {
    let offered = offered.map_or_else(
        || "does not serve ConsumerGroupHeartbeat".to_owned(),
        |version| format!("serves ConsumerGroupHeartbeat up to v{version}"),
    );
    Error::Config {
        property: "group.protocol".to_owned(),
        reason: format!(
            "group.protocol=consumer (KIP-848) needs a coordinator that serves \
             ConsumerGroupHeartbeat v{VERSION} (Kafka 4.0 or later), and {broker} {offered}; \
             use group.protocol=classic with it"
        ),
    }
}

/// An assignment as the coordinator sent it, with negative partitions dropped and duplicates
/// merged (a duplicate would make the member take a partition it already reads again).
pub(crate) fn sanitize<I, P>(topics: I) -> ById
where
    I: IntoIterator<Item = (Uuid, P)>,
    P: IntoIterator<Item = i32>,
{
    let mut out = ById::new();
    let mut dropped = 0usize;
    for (id, partitions) in topics {
        let entry = out.entry(id).or_default();
        for partition in partitions {
            if partition < 0 || !entry.insert(partition) {
                dropped += 1;
            }
        }
    }
    if dropped > 0 {
        log::warn!(
            "the coordinator's assignment named {dropped} negative or repeated partitions; dropped"
        );
    }
    out.retain(|_, partitions| !partitions.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> Uuid {
        Uuid([n; 16])
    }

    #[test]
    fn an_assignment_loses_negative_and_repeated_partitions() {
        let got = sanitize([
            (id(1), vec![2, 0, 2, -1]),
            (id(2), vec![-5]),
            (id(1), vec![1, 0]),
        ]);
        let want: ById = [(id(1), [0, 1, 2].into_iter().collect())]
            .into_iter()
            .collect();
        assert_eq!(got, want);
        assert!(sanitize(Vec::<(Uuid, Vec<i32>)>::new()).is_empty());
    }

    #[test]
    fn the_missing_api_names_the_property() {
        for offered in [None, Some(0)] {
            let error = unsupported("b:9092", offered);
            let text = error.to_string();
            assert!(text.contains("group.protocol"), "{text}");
            assert!(text.contains("ConsumerGroupHeartbeat"), "{text}");
        }
    }
}
