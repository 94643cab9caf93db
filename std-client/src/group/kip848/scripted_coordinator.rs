//! A scripted coordinator for the consumer-protocol member's tests (`scripted_tests.rs`): a
//! TCP server in the test that is the only broker and coordinator, serves topic `t` (one
//! partition, id [`T`]), answers each ConsumerGroupHeartbeat with the reply the test queued
//! (success at the current epoch, no assignment change, when none is), and logs every
//! heartbeat, offset read and commit for the test to check what the member sent; and the
//! tests' helpers (a member, waits for its events and for the coordinator's state).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_net::TcpStream;
use franzl_core::ErrorCode;
use franzl_core::frame::RequestHeader;
use franzl_core::messages::consumer_group_heartbeat::{
    Assignment, ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse,
    ConsumerGroupHeartbeatResponseTopicPartitions,
};
use franzl_core::messages::fetch::FetchResponse;
use franzl_core::messages::offset_commit::OffsetCommitRequest;
use franzl_core::messages::offset_fetch::{
    OffsetFetchRequest, OffsetFetchResponse, OffsetFetchResponseGroup,
    OffsetFetchResponsePartitions, OffsetFetchResponseTopics,
};
use franzl_core::messages::{ApiKey, Array, Message};
use franzl_core::wire::{Reader, Uuid};
use futures_lite::StreamExt;

use crate::broker::scripted::{self, Script};
use crate::broker::tests::respond;
use crate::config::{ConsumerConfig, GroupConfig, GroupProtocol};
use crate::consumer::Consumer;
use crate::group::scripted_coordinator::{answer_list_offsets, answer_offset_commit, poll_until};
use crate::group::{GroupEvent, Revocation};
use crate::{Error, TopicPartition};

/// The id of topic `t`.
pub(super) const T: Uuid = Uuid([7; 16]);

/// A heartbeat the coordinator received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Heartbeat {
    pub(super) member_id: String,
    pub(super) epoch: i32,
    pub(super) instance_id: Option<String>,
    pub(super) rebalance_timeout_ms: i32,
    pub(super) topics: Option<Vec<String>>,
    pub(super) regex: Option<String>,
    pub(super) owned: Option<Vec<(Uuid, Vec<i32>)>>,
}

/// One scripted answer to a heartbeat.
#[derive(Debug, Clone)]
pub(super) struct Reply {
    pub(super) error: ErrorCode,
    /// The epoch to answer (and hold the member at); the current one when `None`.
    pub(super) epoch: Option<i32>,
    pub(super) assignment: Option<Vec<(Uuid, Vec<i32>)>>,
    /// Close the connection instead of answering (the epoch is taken all the same, as a
    /// response lost on the way).
    pub(super) lost: bool,
}

impl Default for Reply {
    fn default() -> Self {
        Self {
            lost: false,
            error: ErrorCode::NONE,
            epoch: None,
            assignment: None,
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct Coordinator {
    pub(super) heartbeats: Vec<Heartbeat>,
    pub(super) replies: VecDeque<Reply>,
    pub(super) epoch: i32,
    /// Each OffsetCommit's `(member id, epoch)`.
    pub(super) commits: Vec<(String, i32)>,
    /// Each OffsetFetch's `(member id, epoch)`.
    pub(super) fetches: Vec<(String, i32)>,
    /// How many Metadata requests came.
    pub(super) metadata: usize,
    pub(super) commit_errors: VecDeque<ErrorCode>,
}

pub(super) type Shared = Arc<Mutex<Coordinator>>;

pub(super) const OFFERS: &[(ApiKey, i16, i16)] = &[
    (ApiKey::ApiVersions, 0, 3),
    (ApiKey::Metadata, 0, 12),
    (ApiKey::FindCoordinator, 0, 4),
    (ApiKey::ConsumerGroupHeartbeat, 0, 1),
    (ApiKey::OffsetFetch, 1, 9),
    (ApiKey::OffsetCommit, 2, 9),
    (ApiKey::ListOffsets, 1, 7),
    (ApiKey::Fetch, 4, 12),
];

pub(super) async fn coordinator(
    offers: &'static [(ApiKey, i16, i16)],
    replies: Vec<Reply>,
) -> (u16, Shared) {
    let shared = Arc::new(Mutex::new(Coordinator {
        replies: replies.into(),
        ..Coordinator::default()
    }));
    let state = Arc::clone(&shared);
    let port =
        scripted::start(move |stream, port| serve(stream, port, offers, Arc::clone(&state))).await;
    (port, shared)
}

pub(super) async fn serve(
    mut stream: TcpStream,
    port: u16,
    offers: &'static [(ApiKey, i16, i16)],
    state: Shared,
) {
    let script = Script {
        offers,
        finalized: None,
        topic: "t",
        topic_id: T,
        partitions: &[(0, 0)],
    };
    while let Some(frame) = scripted::next_request(&mut stream).await {
        let mut reader = Reader::new(&frame);
        let header = RequestHeader::read(&mut reader).unwrap();
        let body = reader.rest();
        if header.api_key == ApiKey::Metadata.key() {
            state.lock().unwrap().metadata += 1;
        }
        if scripted::answer_discovery(&mut stream, &header, port, &script).await {
            continue;
        }
        let version = header.api_version;
        match ApiKey::from_key(header.api_key).unwrap() {
            ApiKey::FindCoordinator => {
                let none = ErrorCode::NONE;
                scripted::answer_find_coordinator(&mut stream, &header, body, port, none).await;
            }
            ApiKey::ConsumerGroupHeartbeat => {
                let request = ConsumerGroupHeartbeatRequest::decode(version, body).unwrap();
                let (reply, epoch) = {
                    let mut s = state.lock().unwrap();
                    s.heartbeats.push(Heartbeat {
                        member_id: request.member_id.to_owned(),
                        instance_id: request.instance_id.map(str::to_owned),
                        regex: request.subscribed_topic_regex.map(str::to_owned),
                        epoch: request.member_epoch,
                        rebalance_timeout_ms: request.rebalance_timeout_ms,
                        topics: request
                            .subscribed_topic_names
                            .map(|names| names.iter().map(str::to_owned).collect()),
                        owned: request.topic_partitions.map(|topics| {
                            let topics = topics.iter();
                            topics
                                .map(|t| (t.topic_id, t.partitions.iter().collect()))
                                .collect()
                        }),
                    });
                    let reply = s.replies.pop_front().unwrap_or_default();
                    if let Some(epoch) = reply.epoch {
                        s.epoch = epoch;
                    }
                    (reply, s.epoch)
                };
                if reply.lost {
                    return;
                }
                let topics: Vec<ConsumerGroupHeartbeatResponseTopicPartitions<'_>> = reply
                    .assignment
                    .iter()
                    .flatten()
                    .map(
                        |(id, partitions)| ConsumerGroupHeartbeatResponseTopicPartitions {
                            topic_id: *id,
                            partitions: Array::from_slice(partitions),
                            ..Default::default()
                        },
                    )
                    .collect();
                let response = ConsumerGroupHeartbeatResponse {
                    error_code: reply.error,
                    member_id: Some(request.member_id),
                    member_epoch: epoch,
                    heartbeat_interval_ms: 100,
                    assignment: reply.assignment.as_ref().map(|_| Assignment {
                        topic_partitions: Array::from_slice(&topics),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                respond(&mut stream, &header, &response).await;
            }
            ApiKey::OffsetFetch => {
                let request = OffsetFetchRequest::decode(version, body).unwrap();
                let group = request.groups.iter().next().unwrap();
                let member = (group.member_id.unwrap_or("").to_owned(), group.member_epoch);
                state.lock().unwrap().fetches.push(member);
                answer_offset_fetch_v8(&mut stream, &header).await;
            }
            ApiKey::OffsetCommit => {
                let request = OffsetCommitRequest::decode(version, body).unwrap();
                let code = {
                    let mut s = state.lock().unwrap();
                    let member = request.member_id.to_owned();
                    s.commits
                        .push((member, request.generation_id_or_member_epoch));
                    s.commit_errors.pop_front().unwrap_or(ErrorCode::NONE)
                };
                answer_offset_commit(&mut stream, &header, code).await;
            }
            ApiKey::ListOffsets => answer_list_offsets(&mut stream, &header).await,
            ApiKey::Fetch => {
                async_io::Timer::after(Duration::from_millis(200)).await;
                respond(&mut stream, &header, &FetchResponse::default()).await;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Nothing committed for `t`-0, in the groups layout of OffsetFetch v8+.
pub(super) async fn answer_offset_fetch_v8(stream: &mut TcpStream, header: &RequestHeader<'_>) {
    let partitions = [OffsetFetchResponsePartitions {
        partition_index: 0,
        committed_offset: -1,
        committed_leader_epoch: -1,
        ..Default::default()
    }];
    let topics = [OffsetFetchResponseTopics {
        name: "t",
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let groups = [OffsetFetchResponseGroup {
        group_id: "g",
        topics: Array::from_slice(&topics),
        ..Default::default()
    }];
    let response = OffsetFetchResponse {
        groups: Array::from_slice(&groups),
        ..Default::default()
    };
    respond(stream, header, &response).await;
}

pub(super) fn assign(partitions: &[i32]) -> Option<Vec<(Uuid, Vec<i32>)>> {
    Some(vec![(T, partitions.to_vec())])
}

pub(super) fn tp(partition: i32) -> TopicPartition {
    TopicPartition::new("t", partition)
}

/// A consumer-protocol member of group `g` at `port`, subscribed to `t`, with its events.
pub(super) async fn member(port: u16, auto_commit: bool) -> (Consumer, crate::group::GroupEvents) {
    member_with(port, |group| group.auto_commit = auto_commit).await
}

/// A member (with auto commit or not) that joined at `epoch` and was given `t`-0, whose later
/// heartbeats get the replies `then`; returns once its Assigned event came.
pub(super) async fn assigned_member(
    epoch: i32,
    auto_commit: bool,
    then: Vec<Reply>,
) -> (Shared, Consumer, crate::group::GroupEvents) {
    let mut replies = vec![Reply {
        epoch: Some(epoch),
        assignment: assign(&[0]),
        ..Reply::default()
    }];
    replies.extend(then);
    let (port, state) = coordinator(OFFERS, replies).await;
    let (consumer, mut events) = member(port, auto_commit).await;
    match next_event(&mut events).await {
        GroupEvent::Assigned(partitions) => assert_eq!(partitions, [tp(0)]),
        other => panic!("not an assignment: {other:?}"),
    }
    (state, consumer, events)
}

/// As [`member`], with the group settings as `edit` leaves them.
pub(super) async fn member_with(
    port: u16,
    edit: impl FnOnce(&mut GroupConfig),
) -> (Consumer, crate::group::GroupEvents) {
    let mut group = GroupConfig::new("g");
    group.protocol = GroupProtocol::Consumer;
    group.max_poll_interval = Duration::from_secs(30);
    edit(&mut group);
    let config = ConsumerConfig::builder()
        .client(|c| {
            c.bootstrap_servers([format!("127.0.0.1:{port}")])
                .retry_backoff(Duration::from_millis(20), Duration::from_millis(100))
        })
        .group(group)
        .build()
        .unwrap();
    let consumer = Consumer::connect(config).await.unwrap();
    let events = consumer.group_events().unwrap();
    consumer.subscribe(["t"]).unwrap();
    (consumer, events)
}

/// Polls `consumer` until `done` holds of the coordinator; returns the errors polled.
pub(super) async fn until(
    consumer: &mut Consumer,
    state: &Shared,
    what: &str,
    done: impl Fn(&Coordinator) -> bool,
) -> Vec<Error> {
    poll_until(consumer, state, what, done).await
}

/// The next event within a few seconds.
pub(super) async fn next_event(events: &mut crate::group::GroupEvents) -> GroupEvent {
    futures_lite::future::or(events.next(), async {
        async_io::Timer::after(Duration::from_secs(10)).await;
        None
    })
    .await
    .expect("an event")
}

pub(super) fn revocation(event: GroupEvent) -> Revocation {
    match event {
        GroupEvent::Revoked(revocation) => revocation,
        other => panic!("not a revocation: {other:?}"),
    }
}
