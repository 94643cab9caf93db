//! The consumer-protocol member against a scripted coordinator: a TCP server in the test that
//! is the only broker and coordinator, serves topic `t` (one partition, id [`T`]), answers
//! each ConsumerGroupHeartbeat with the reply the test queued (success at the current epoch,
//! no assignment change, when none is), and logs every heartbeat and commit for the test to
//! check what the member sent.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
use crate::group::scripted_coordinator::{answer_list_offsets, answer_offset_commit};
use crate::group::{GroupEvent, Revocation};
use crate::{Error, TopicPartition};

/// The id of topic `t`.
const T: Uuid = Uuid([7; 16]);

/// A heartbeat the coordinator received.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Heartbeat {
    member_id: String,
    epoch: i32,
    rebalance_timeout_ms: i32,
    topics: Option<Vec<String>>,
    owned: Option<Vec<(Uuid, Vec<i32>)>>,
}

/// One scripted answer to a heartbeat.
#[derive(Debug, Clone)]
struct Reply {
    error: ErrorCode,
    /// The epoch to answer (and hold the member at); the current one when `None`.
    epoch: Option<i32>,
    assignment: Option<Vec<(Uuid, Vec<i32>)>>,
}

impl Default for Reply {
    fn default() -> Self {
        Self {
            error: ErrorCode::NONE,
            epoch: None,
            assignment: None,
        }
    }
}

#[derive(Debug, Default)]
struct Coordinator {
    heartbeats: Vec<Heartbeat>,
    replies: VecDeque<Reply>,
    epoch: i32,
    /// Each OffsetCommit's `(member id, epoch)`.
    commits: Vec<(String, i32)>,
    /// Each OffsetFetch's `(member id, epoch)`.
    fetches: Vec<(String, i32)>,
    /// How many Metadata requests came.
    metadata: usize,
    commit_errors: VecDeque<ErrorCode>,
}

type Shared = Arc<Mutex<Coordinator>>;

const OFFERS: &[(ApiKey, i16, i16)] = &[
    (ApiKey::ApiVersions, 0, 3),
    (ApiKey::Metadata, 0, 12),
    (ApiKey::FindCoordinator, 0, 4),
    (ApiKey::ConsumerGroupHeartbeat, 0, 1),
    (ApiKey::OffsetFetch, 1, 9),
    (ApiKey::OffsetCommit, 2, 9),
    (ApiKey::ListOffsets, 1, 7),
    (ApiKey::Fetch, 4, 12),
];

async fn coordinator(offers: &'static [(ApiKey, i16, i16)], replies: Vec<Reply>) -> (u16, Shared) {
    let shared = Arc::new(Mutex::new(Coordinator {
        replies: replies.into(),
        ..Coordinator::default()
    }));
    let state = Arc::clone(&shared);
    let port =
        scripted::start(move |stream, port| serve(stream, port, offers, Arc::clone(&state))).await;
    (port, shared)
}

async fn serve(
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
async fn answer_offset_fetch_v8(stream: &mut TcpStream, header: &RequestHeader<'_>) {
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

fn assign(partitions: &[i32]) -> Option<Vec<(Uuid, Vec<i32>)>> {
    Some(vec![(T, partitions.to_vec())])
}

fn tp(partition: i32) -> TopicPartition {
    TopicPartition::new("t", partition)
}

/// A consumer-protocol member of group `g` at `port`, subscribed to `t`, with its events.
async fn member(port: u16, auto_commit: bool) -> (Consumer, crate::group::GroupEvents) {
    let mut group = GroupConfig::new("g");
    group.protocol = GroupProtocol::Consumer;
    group.auto_commit = auto_commit;
    group.max_poll_interval = Duration::from_secs(30);
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
async fn until(
    consumer: &mut Consumer,
    state: &Shared,
    what: &str,
    done: impl Fn(&Coordinator) -> bool,
) -> Vec<Error> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut errors = Vec::new();
    while !done(&state.lock().unwrap()) {
        assert!(
            Instant::now() < deadline,
            "not reached: {what}; heartbeats {:#?}",
            state.lock().unwrap().heartbeats
        );
        if let Err(error) = consumer.poll(Duration::from_millis(50)).await {
            errors.push(error);
        }
    }
    errors
}

/// The next event within a few seconds.
async fn next_event(events: &mut crate::group::GroupEvents) -> GroupEvent {
    futures_lite::future::or(events.next(), async {
        async_io::Timer::after(Duration::from_secs(10)).await;
        None
    })
    .await
    .expect("an event")
}

fn revocation(event: GroupEvent) -> Revocation {
    match event {
        GroupEvent::Revoked(revocation) => revocation,
        other => panic!("not a revocation: {other:?}"),
    }
}

#[test]
fn a_member_joins_with_its_own_id_and_every_field_then_sends_only_what_changed() {
    smol::block_on(async {
        let joined = Reply {
            epoch: Some(1),
            assignment: assign(&[0, 0, -3]),
            ..Reply::default()
        };
        let (port, state) = coordinator(OFFERS, vec![joined]).await;
        let (mut consumer, mut events) = member(port, false).await;
        match next_event(&mut events).await {
            GroupEvent::Assigned(partitions) => assert_eq!(partitions, [tp(0)]),
            other => panic!("{other:?}"),
        }
        until(&mut consumer, &state, "four heartbeats", |s| {
            s.heartbeats.len() >= 4
        })
        .await;
        let beats = state.lock().unwrap().heartbeats.clone();
        let first = &beats[0];
        assert_eq!(first.epoch, 0);
        assert_eq!(
            first.member_id.len(),
            22,
            "KIP-1082: the member makes its id"
        );
        assert_eq!(first.rebalance_timeout_ms, 30_000);
        assert_eq!(first.topics.as_deref(), Some(&["t".to_owned()][..]));
        assert_eq!(
            first.owned,
            Some(Vec::new()),
            "a joining member owns nothing, sent as []"
        );
        // The acknowledgement: the assigned partition (once, not its duplicate or the
        // negative), at the new epoch; then keepalives that repeat nothing.
        let ack = beats
            .iter()
            .position(|b| b.owned.as_ref().is_some_and(|o| !o.is_empty()))
            .expect("an acknowledgement");
        assert_eq!(
            (beats[ack].epoch, beats[ack].owned.clone()),
            (1, assign(&[0]))
        );
        for beat in &beats[1..] {
            assert_eq!(beat.member_id, first.member_id);
            assert_eq!(beat.epoch, 1);
            assert_eq!(beat.topics, None, "the subscription did not change");
            assert_eq!(beat.rebalance_timeout_ms, -1);
        }
        let fetches = state.lock().unwrap().fetches.clone();
        assert_eq!(
            fetches,
            [(first.member_id.clone(), 1)],
            "offsets read as the member"
        );
        until(&mut consumer, &state, "keepalives", |s| {
            s.heartbeats.len() >= ack + 3
        })
        .await;
        let beats = state.lock().unwrap().heartbeats.clone();
        assert!(
            beats[ack + 1..].iter().all(|b| b.owned.is_none()),
            "{beats:#?}"
        );
        consumer.close().await;
        let last = state.lock().unwrap().heartbeats.last().cloned().unwrap();
        assert_eq!((last.epoch, last.member_id), (-1, first.member_id.clone()));
    });
}

#[test]
fn a_revocation_commits_first_and_is_acknowledged_only_after_the_caller_lets_go() {
    smol::block_on(async {
        let replies = vec![
            Reply {
                epoch: Some(1),
                assignment: assign(&[0]),
                ..Reply::default()
            },
            Reply::default(),
            Reply {
                epoch: Some(2),
                assignment: Some(Vec::new()),
                ..Reply::default()
            },
        ];
        let (port, state) = coordinator(OFFERS, replies).await;
        let (mut consumer, mut events) = member(port, true).await;
        assert!(matches!(
            next_event(&mut events).await,
            GroupEvent::Assigned(_)
        ));
        consumer
            .seek(&tp(0), crate::consumer::SeekTo::Offset(5))
            .unwrap();
        let held = revocation(next_event(&mut events).await);
        assert_eq!(held.partitions(), [tp(0)]);
        // Auto commit ran before the caller heard, under the new epoch.
        let commits = state.lock().unwrap().commits.clone();
        assert_eq!(commits.last().map(|c| c.1), Some(2), "{commits:?}");
        // While the caller holds it, heartbeats go on and acknowledge nothing.
        let seen = state.lock().unwrap().heartbeats.len();
        until(&mut consumer, &state, "heartbeats while held", |s| {
            s.heartbeats.len() >= seen + 3
        })
        .await;
        let held_beats = state.lock().unwrap().heartbeats[seen..].to_vec();
        assert!(
            held_beats.iter().all(|b| b.owned.is_none()),
            "{held_beats:#?}"
        );
        drop(held);
        until(&mut consumer, &state, "the acknowledgement", |s| {
            s.heartbeats
                .iter()
                .any(|b| b.epoch == 2 && b.owned == Some(Vec::new()))
        })
        .await;
        assert!(consumer.assignment().is_empty());
        consumer.close().await;
    });
}

#[test]
fn a_fenced_member_loses_its_partitions_without_a_commit_and_joins_again_at_epoch_0() {
    for code in [ErrorCode::FENCED_MEMBER_EPOCH, ErrorCode::UNKNOWN_MEMBER_ID] {
        smol::block_on(async {
            let mut replies = vec![
                Reply {
                    epoch: Some(3),
                    assignment: assign(&[0]),
                    ..Reply::default()
                },
                Reply::default(),
                Reply {
                    error: code,
                    ..Reply::default()
                },
            ];
            let busy = Reply {
                error: ErrorCode::COORDINATOR_LOAD_IN_PROGRESS,
                ..Reply::default()
            };
            replies.extend(std::iter::repeat_n(busy, 100));
            let (port, state) = coordinator(OFFERS, replies).await;
            let (mut consumer, mut events) = member(port, true).await;
            assert!(matches!(
                next_event(&mut events).await,
                GroupEvent::Assigned(_)
            ));
            match next_event(&mut events).await {
                GroupEvent::Lost(partitions) => assert_eq!(partitions, [tp(0)]),
                other => panic!("{code}: {other:?}"),
            }
            // The heartbeat after the fenced one (the third) joins again.
            until(&mut consumer, &state, "the rejoin", |s| {
                s.heartbeats.len() >= 4
            })
            .await;
            let beats = state.lock().unwrap().heartbeats.clone();
            let rejoin = &beats[3];
            assert_eq!(rejoin.epoch, 0, "{code}");
            assert_eq!(
                rejoin.member_id, beats[0].member_id,
                "{code}: the id is kept"
            );
            assert_eq!(rejoin.owned, Some(Vec::new()));
            assert!(rejoin.topics.is_some() && rejoin.rebalance_timeout_ms > 0);
            // Out of the group (the coordinator is busy with the rejoin), a commit is refused
            // before anything is sent.
            let commits = state.lock().unwrap().commits.len();
            let offsets = [(tp(0), crate::group::OffsetAndMetadata::new(9))];
            let error = consumer.commit_offsets(&offsets).await.unwrap_err();
            assert_eq!(
                error.kafka_code(),
                Some(ErrorCode::REBALANCE_IN_PROGRESS),
                "{error}"
            );
            assert_eq!(
                state.lock().unwrap().commits.len(),
                commits,
                "{code}: nothing sent"
            );
            consumer.close().await;
        });
    }
}

#[test]
fn a_stale_member_epoch_commit_is_asked_again_with_the_current_epoch() {
    smol::block_on(async {
        let replies = vec![Reply {
            epoch: Some(4),
            assignment: assign(&[0]),
            ..Reply::default()
        }];
        let (port, state) = coordinator(OFFERS, replies).await;
        let (consumer, mut events) = member(port, false).await;
        assert!(matches!(
            next_event(&mut events).await,
            GroupEvent::Assigned(_)
        ));
        state.lock().unwrap().commit_errors = [ErrorCode::STALE_MEMBER_EPOCH].into();
        let offsets = [(tp(0), crate::group::OffsetAndMetadata::new(3))];
        consumer.commit_offsets(&offsets).await.unwrap();
        let commits = state.lock().unwrap().commits.clone();
        assert_eq!(commits.len(), 2, "{commits:?}");
        assert!(
            commits
                .iter()
                .all(|(id, epoch)| id.len() == 22 && *epoch == 4)
        );
        // A fenced answer is not retried: the caller hears it.
        state.lock().unwrap().commit_errors = [ErrorCode::FENCED_MEMBER_EPOCH].into();
        let error = consumer.commit_offsets(&offsets).await.unwrap_err();
        assert_eq!(error.kafka_code(), Some(ErrorCode::FENCED_MEMBER_EPOCH));
        assert_eq!(state.lock().unwrap().commits.len(), 3);
        consumer.close().await;
    });
}

#[test]
fn a_broker_without_consumer_group_heartbeat_is_a_clear_error() {
    const OLD: &[(ApiKey, i16, i16)] = &[
        (ApiKey::ApiVersions, 0, 3),
        (ApiKey::Metadata, 0, 12),
        (ApiKey::FindCoordinator, 0, 4),
        (ApiKey::OffsetFetch, 1, 8),
        (ApiKey::OffsetCommit, 2, 8),
    ];
    smol::block_on(async {
        let (port, state) = coordinator(OLD, Vec::new()).await;
        let (mut consumer, _events) = member(port, false).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let error = loop {
            assert!(Instant::now() < deadline, "no error");
            if let Err(error) = consumer.poll(Duration::from_millis(50)).await {
                break error;
            }
        };
        let text = error.to_string();
        assert!(matches!(error, Error::Config { .. }), "{text}");
        assert!(
            text.contains("group.protocol") && text.contains("ConsumerGroupHeartbeat"),
            "{text}"
        );
        assert!(state.lock().unwrap().heartbeats.is_empty());
        consumer.close().await;
    });
}

#[test]
fn a_negative_epoch_in_a_successful_answer_is_ignored() {
    smol::block_on(async {
        let replies = vec![
            Reply {
                epoch: Some(2),
                assignment: assign(&[0]),
                ..Reply::default()
            },
            Reply {
                epoch: Some(-1),
                ..Reply::default()
            },
        ];
        let (port, state) = coordinator(OFFERS, replies).await;
        let (mut consumer, mut events) = member(port, false).await;
        assert!(matches!(
            next_event(&mut events).await,
            GroupEvent::Assigned(_)
        ));
        until(&mut consumer, &state, "heartbeats after it", |s| {
            s.heartbeats.len() >= 5
        })
        .await;
        let beats = state.lock().unwrap().heartbeats.clone();
        // Taken, the -1 would have made the next heartbeat a leave.
        assert!(beats[1..].iter().all(|b| b.epoch == 2), "{beats:#?}");
        assert_eq!(consumer.assignment(), [tp(0)]);
        assert_eq!(consumer.group_metadata().unwrap().generation_id, 2);
        consumer.close().await;
    });
}

#[test]
fn a_topic_id_metadata_does_not_know_is_looked_up_and_the_rest_is_taken_meanwhile() {
    const UNKNOWN: Uuid = Uuid([9; 16]);
    smol::block_on(async {
        let replies = vec![Reply {
            epoch: Some(1),
            assignment: Some(vec![(UNKNOWN, vec![0, 1]), (T, vec![0])]),
            ..Reply::default()
        }];
        let (port, state) = coordinator(OFFERS, replies).await;
        let (mut consumer, mut events) = member(port, false).await;
        let before = state.lock().unwrap().metadata;
        match next_event(&mut events).await {
            GroupEvent::Assigned(partitions) => assert_eq!(partitions, [tp(0)]),
            other => panic!("{other:?}"),
        }
        assert!(
            state.lock().unwrap().metadata > before,
            "metadata asked again"
        );
        // Acknowledged: what the member owns, not the unknown topic; and it keeps asking.
        until(&mut consumer, &state, "the acknowledgement", |s| {
            s.heartbeats.iter().any(|b| b.owned == assign(&[0]))
        })
        .await;
        let asked = state.lock().unwrap().metadata;
        until(&mut consumer, &state, "another lookup", |s| {
            s.metadata > asked
        })
        .await;
        assert_eq!(consumer.assignment(), [tp(0)]);
        consumer.close().await;
    });
}
