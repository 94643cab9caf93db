//! A scripted coordinator for the member's tests (`scripted_tests.rs`): a TCP server in the
//! test that is the only broker, coordinator of every group, and answers JoinGroup,
//! SyncGroup, Heartbeat and OffsetCommit with the error codes the test queues (success when
//! none is queued). It logs every group request (API, member id, generation) for the test to
//! check what the member did next.
//!
//! The group's one member leads it; the coordinator answers its JoinGroup with itself as the
//! only member, so the member runs its assignor and gives itself partition `t`-0 (unless the
//! test scripts the assignment bytes).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_net::TcpStream;
use franzl_core::ErrorCode;
use franzl_core::frame::RequestHeader;
use franzl_core::messages::fetch::FetchResponse;
use franzl_core::messages::heartbeat::{HeartbeatRequest, HeartbeatResponse};
use franzl_core::messages::join_group::{
    JoinGroupRequest, JoinGroupResponse, JoinGroupResponseMember,
};
use franzl_core::messages::leave_group::{LeaveGroupRequest, LeaveGroupResponse};
use franzl_core::messages::list_offsets::{
    ListOffsetsPartitionResponse, ListOffsetsResponse, ListOffsetsTopicResponse,
};
use franzl_core::messages::offset_commit::{
    OffsetCommitRequest, OffsetCommitResponse, OffsetCommitResponsePartition,
    OffsetCommitResponseTopic,
};
use franzl_core::messages::offset_fetch::{
    OffsetFetchRequest, OffsetFetchResponse, OffsetFetchResponsePartition, OffsetFetchResponseTopic,
};
use franzl_core::messages::sync_group::{SyncGroupRequest, SyncGroupResponse};
use franzl_core::messages::{ApiKey, Array, Message};
use franzl_core::wire::{Reader, Uuid};

use crate::broker::scripted::{self, Script};
use crate::broker::tests::respond;

/// A group request the coordinator received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Seen {
    pub(super) api: ApiKey,
    pub(super) member_id: String,
    pub(super) generation: i32,
}

/// The coordinator's script and log.
#[derive(Debug, Default)]
pub(super) struct Coordinator {
    pub(super) seen: Vec<Seen>,
    pub(super) join_errors: VecDeque<ErrorCode>,
    pub(super) sync_errors: VecDeque<ErrorCode>,
    pub(super) heartbeat_errors: VecDeque<ErrorCode>,
    pub(super) commit_errors: VecDeque<ErrorCode>,
    /// The assignor name JoinGroup answers with; the member's first offered when `None`.
    pub(super) protocol: Option<String>,
    /// Assignment bytes SyncGroup answers with; the leader's own when `None`.
    pub(super) assignment: Option<Vec<u8>>,
    pub(super) generation: i32,
    pub(super) find_coordinator: usize,
    /// Error codes OffsetFetch answers for `t`-0, in order; then the committed offset.
    pub(super) fetch_errors: VecDeque<ErrorCode>,
    /// The committed offset of `t`-0 (-1: none).
    pub(super) committed: i64,
    /// Whether OffsetFetch asked for stable offsets only, each time.
    pub(super) require_stable: Vec<bool>,
    /// KIP-814: JoinGroup tells the leader to skip the assignment.
    pub(super) skip_assignment: bool,
    /// How many assignments each SyncGroup carried.
    pub(super) sync_assignments: Vec<usize>,
}

pub(super) type Shared = Arc<Mutex<Coordinator>>;

const SCRIPT: Script<'static> = Script {
    offers: &[
        (ApiKey::ApiVersions, 0, 3),
        (ApiKey::Metadata, 0, 12),
        (ApiKey::FindCoordinator, 0, 3),
        (ApiKey::JoinGroup, 0, 9),
        (ApiKey::SyncGroup, 0, 5),
        (ApiKey::Heartbeat, 0, 4),
        (ApiKey::LeaveGroup, 0, 5),
        (ApiKey::OffsetFetch, 1, 7),
        (ApiKey::OffsetCommit, 2, 8),
        (ApiKey::ListOffsets, 1, 7),
        (ApiKey::Fetch, 4, 12),
    ],
    finalized: None,
    topic: "t",
    topic_id: Uuid::ZERO,
    partitions: &[(0, 0)],
};

pub(super) async fn coordinator(edit: impl FnOnce(&mut Coordinator)) -> (u16, Shared) {
    let mut script = Coordinator {
        committed: -1,
        ..Coordinator::default()
    };
    edit(&mut script);
    let shared = Arc::new(Mutex::new(script));
    let state = Arc::clone(&shared);
    let port = scripted::start(move |stream, port| serve(stream, port, Arc::clone(&state))).await;
    (port, shared)
}

async fn serve(mut stream: TcpStream, port: u16, state: Shared) {
    while let Some(frame) = scripted::next_request(&mut stream).await {
        let mut reader = Reader::new(&frame);
        let header = RequestHeader::read(&mut reader).unwrap();
        let body = reader.rest();
        if scripted::answer_discovery(&mut stream, &header, port, &SCRIPT).await {
            continue;
        }
        let version = header.api_version;
        match ApiKey::from_key(header.api_key).unwrap() {
            ApiKey::FindCoordinator => {
                scripted::answer_find_coordinator(
                    &mut stream,
                    &header,
                    body,
                    port,
                    ErrorCode::NONE,
                )
                .await;
                state.lock().unwrap().find_coordinator += 1;
            }
            ApiKey::JoinGroup => {
                let request = JoinGroupRequest::decode(version, body).unwrap();
                let protocol = request.protocols.iter().next().unwrap();
                let (code, generation, name) = {
                    let mut s = state.lock().unwrap();
                    s.seen.push(seen(ApiKey::JoinGroup, request.member_id, -1));
                    let code = if request.member_id.is_empty() {
                        ErrorCode::MEMBER_ID_REQUIRED
                    } else {
                        s.join_errors.pop_front().unwrap_or(ErrorCode::NONE)
                    };
                    if code.is_ok() {
                        s.generation += 1;
                    }
                    let name = s.protocol.clone().unwrap_or(protocol.name.to_owned());
                    (code, s.generation, name)
                };
                let member_id = if request.member_id.is_empty() {
                    "member-1"
                } else {
                    request.member_id
                };
                let members = [JoinGroupResponseMember {
                    member_id,
                    group_instance_id: request.group_instance_id,
                    metadata: protocol.metadata,
                    ..Default::default()
                }];
                let response = JoinGroupResponse {
                    error_code: code,
                    generation_id: generation,
                    protocol_type: Some("consumer"),
                    protocol_name: Some(&name),
                    leader: member_id,
                    skip_assignment: state.lock().unwrap().skip_assignment,
                    member_id,
                    members: if code.is_ok() {
                        Array::from_slice(&members)
                    } else {
                        Array::EMPTY
                    },
                    ..Default::default()
                };
                respond(&mut stream, &header, &response).await;
            }
            ApiKey::SyncGroup => {
                let request = SyncGroupRequest::decode(version, body).unwrap();
                let (code, scripted) = {
                    let mut s = state.lock().unwrap();
                    let entry = seen(ApiKey::SyncGroup, request.member_id, request.generation_id);
                    s.seen.push(entry);
                    s.sync_assignments.push(request.assignments.iter().count());
                    let code = s.sync_errors.pop_front().unwrap_or(ErrorCode::NONE);
                    (code, s.assignment.clone())
                };
                let own = request
                    .assignments
                    .iter()
                    .find(|a| a.member_id == request.member_id)
                    .map(|a| a.assignment.to_vec())
                    .unwrap_or_default();
                let assignment = scripted.unwrap_or(own);
                let response = SyncGroupResponse {
                    error_code: code,
                    protocol_type: Some("consumer"),
                    protocol_name: request.protocol_name,
                    assignment: if code.is_ok() { &assignment } else { &[] },
                    ..Default::default()
                };
                respond(&mut stream, &header, &response).await;
            }
            ApiKey::Heartbeat => {
                let request = HeartbeatRequest::decode(version, body).unwrap();
                let code = {
                    let mut s = state.lock().unwrap();
                    let entry = seen(ApiKey::Heartbeat, request.member_id, request.generation_id);
                    s.seen.push(entry);
                    s.heartbeat_errors.pop_front().unwrap_or(ErrorCode::NONE)
                };
                let response = HeartbeatResponse {
                    error_code: code,
                    ..Default::default()
                };
                respond(&mut stream, &header, &response).await;
            }
            ApiKey::LeaveGroup => {
                LeaveGroupRequest::decode(version, body).unwrap();
                let response = LeaveGroupResponse::default();
                respond(&mut stream, &header, &response).await;
            }
            ApiKey::OffsetFetch => {
                let request = OffsetFetchRequest::decode(version, body).unwrap();
                let (code, committed) = {
                    let mut s = state.lock().unwrap();
                    s.require_stable.push(request.require_stable);
                    (
                        s.fetch_errors.pop_front().unwrap_or(ErrorCode::NONE),
                        s.committed,
                    )
                };
                answer_offset_fetch(&mut stream, &header, code, committed).await;
            }
            ApiKey::OffsetCommit => {
                let request = OffsetCommitRequest::decode(version, body).unwrap();
                let entry = seen(
                    ApiKey::OffsetCommit,
                    request.member_id,
                    request.generation_id_or_member_epoch,
                );
                let code = {
                    let mut s = state.lock().unwrap();
                    s.seen.push(entry);
                    s.commit_errors.pop_front().unwrap_or(ErrorCode::NONE)
                };
                answer_offset_commit(&mut stream, &header, code).await;
            }
            ApiKey::ListOffsets => answer_list_offsets(&mut stream, &header).await,
            ApiKey::Fetch => {
                // Nothing to read: hold the fetch a little, as a broker's long poll would.
                async_io::Timer::after(Duration::from_millis(200)).await;
                respond(&mut stream, &header, &FetchResponse::default()).await;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

pub(super) fn seen(api: ApiKey, member_id: &str, generation: i32) -> Seen {
    Seen {
        api,
        member_id: member_id.to_owned(),
        generation,
    }
}

/// Nothing committed for `t`-0.
async fn answer_offset_fetch(
    stream: &mut TcpStream,
    header: &RequestHeader<'_>,
    code: ErrorCode,
    committed: i64,
) {
    let partitions = [OffsetFetchResponsePartition {
        partition_index: 0,
        committed_offset: committed,
        error_code: code,
        ..Default::default()
    }];
    let topics = [OffsetFetchResponseTopic {
        name: "t",
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let response = OffsetFetchResponse {
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    respond(stream, header, &response).await;
}

pub(super) async fn answer_offset_commit(
    stream: &mut TcpStream,
    header: &RequestHeader<'_>,
    code: ErrorCode,
) {
    let partitions = [OffsetCommitResponsePartition {
        partition_index: 0,
        error_code: code,
        ..Default::default()
    }];
    let topics = [OffsetCommitResponseTopic {
        name: "t",
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let response = OffsetCommitResponse {
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    respond(stream, header, &response).await;
}

pub(super) async fn answer_list_offsets(stream: &mut TcpStream, header: &RequestHeader<'_>) {
    let partitions = [ListOffsetsPartitionResponse {
        partition_index: 0,
        offset: 0,
        timestamp: -1,
        ..Default::default()
    }];
    let topics = [ListOffsetsTopicResponse {
        name: "t",
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let response = ListOffsetsResponse {
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    respond(stream, header, &response).await;
}

/// Waits until `done` holds of a scripted coordinator's `state` (polling `consumer` meanwhile,
/// so its errors surface), for up to 20 s; returns the errors polled.
///
/// # Panics
/// Not reached in time: the message names `what` and the state.
pub(super) async fn poll_until<S: std::fmt::Debug>(
    consumer: &mut crate::consumer::Consumer,
    state: &Mutex<S>,
    what: &str,
    done: impl Fn(&S) -> bool,
) -> Vec<crate::Error> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut errors = Vec::new();
    while !done(&state.lock().unwrap()) {
        assert!(
            std::time::Instant::now() < deadline,
            "not reached: {what}; {:#?}",
            state.lock().unwrap()
        );
        if let Err(error) = consumer.poll(Duration::from_millis(50)).await {
            errors.push(error);
        }
    }
    errors
}
