//! Classic consumer groups at every shared version: FindCoordinator, JoinGroup (with the
//! MEMBER_ID_REQUIRED round of v4+), SyncGroup, Heartbeat, LeaveGroup, DescribeGroups and
//! ListGroups, each on groups of its own so one version's state cannot hide another's.

use franzl_core::ErrorCode;
use franzl_core::messages::describe_groups::DescribeGroupsRequest;
use franzl_core::messages::find_coordinator::FindCoordinatorRequest;
use franzl_core::messages::heartbeat::HeartbeatRequest;
use franzl_core::messages::join_group::{JoinGroupRequest, JoinGroupRequestProtocol};
use franzl_core::messages::leave_group::{LeaveGroupRequest, MemberIdentity};
use franzl_core::messages::list_groups::ListGroupsRequest;
use franzl_core::messages::sync_group::{SyncGroupRequest, SyncGroupRequestAssignment};
use franzl_core::messages::{ApiKey, Array};
use franzl_tests::unique_topic;

use crate::coordinators::{KEY_GROUP, wait_for_group_coordinator};
use crate::exercise::{Exerciser, Record, expect_codes};

/// A protocol type of our own, so the broker treats the member metadata as opaque bytes.
const PROTOCOL_TYPE: &str = "franzl-conformance";
const PROTOCOL_NAME: &str = "one";
const ASSIGNMENT: &[u8] = b"assignment bytes";

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let group = unique_topic("conf-group");
    wait_for_group_coordinator(&mut ex.client);
    find_coordinator(&mut ex, &group);
    join_group(&mut ex);
    sync_group(&mut ex);
    let member = joined(&mut ex, &group);
    heartbeat(&mut ex, &group, &member);
    describe_groups(&mut ex, &group);
    list_groups(&mut ex, &group);
    leave_group(&mut ex);
    ex.record
}

/// A member of a group: its id and generation.
pub(crate) struct Member {
    pub(crate) id: String,
    pub(crate) generation: i32,
}

/// The key goes in `key` up to v3 and in `coordinator_keys` from v4.
pub(crate) fn find_coordinator_request<'a>(
    v: i16,
    keys: &'a [&'a str],
    key_type: i8,
) -> FindCoordinatorRequest<'a> {
    FindCoordinatorRequest {
        key: if v < 4 {
            keys.first().copied().unwrap_or_default()
        } else {
            ""
        },
        key_type,
        coordinator_keys: Array::from_slice(if v >= 4 { keys } else { &[] }),
        ..Default::default()
    }
}

/// Asks FindCoordinator for `key` at every shared version; each answer must be NONE.
pub(crate) fn find_coordinator_every_version(ex: &mut Exerciser, key: &str, key_type: i8) {
    let keys = [key];
    for v in ex.versions(ApiKey::FindCoordinator) {
        let reply = ex.call(v, &find_coordinator_request(v, &keys, key_type));
        let body = reply.body();
        let codes: Vec<ErrorCode> = if v >= 4 {
            body.coordinators.iter().map(|c| c.error_code).collect()
        } else {
            vec![body.error_code]
        };
        expect_codes(ApiKey::FindCoordinator, v, codes, ErrorCode::NONE, &body);
    }
}

fn find_coordinator(ex: &mut Exerciser, group: &str) {
    find_coordinator_every_version(ex, group, KEY_GROUP);
}

/// A member stays for 30 s without heartbeats, longer than a slow machine takes between the
/// calls that expect it in the group.
fn join_request<'a>(
    group: &'a str,
    member_id: &'a str,
    protocols: &'a [JoinGroupRequestProtocol<'a>],
) -> JoinGroupRequest<'a> {
    JoinGroupRequest {
        group_id: group,
        session_timeout_ms: 30_000,
        rebalance_timeout_ms: 30_000,
        member_id,
        protocol_type: PROTOCOL_TYPE,
        protocols: Array::from_slice(protocols),
        ..Default::default()
    }
}

/// Joins `group` at JoinGroup version `v` as its only member, asserting the codes of each
/// round: from v4 the first join is answered MEMBER_ID_REQUIRED with the id to join with.
fn join(ex: &mut Exerciser, v: i16, group: &str) -> Member {
    let protocols = [JoinGroupRequestProtocol {
        name: PROTOCOL_NAME,
        metadata: b"member metadata",
        ..Default::default()
    }];
    let mut member_id = String::new();
    if v >= 4 {
        let reply = ex.call(v, &join_request(group, "", &protocols));
        let body = reply.body();
        let expected = ErrorCode::MEMBER_ID_REQUIRED;
        expect_codes(ApiKey::JoinGroup, v, [body.error_code], expected, &body);
        member_id = body.member_id.to_string();
    }
    let reply = ex.call(v, &join_request(group, &member_id, &protocols));
    let body = reply.body();
    expect_codes(
        ApiKey::JoinGroup,
        v,
        [body.error_code],
        ErrorCode::NONE,
        &body,
    );
    assert_eq!(body.leader, body.member_id, "JoinGroup v{v}: {body:?}");
    assert_eq!(body.members.len(), 1, "JoinGroup v{v}: {body:?}");
    Member {
        id: body.member_id.to_string(),
        generation: body.generation_id,
    }
}

/// Syncs `member` (the leader) at SyncGroup version `v`, assigning itself [`ASSIGNMENT`].
fn sync(ex: &mut Exerciser, v: i16, group: &str, member: &Member) {
    let assignments = [SyncGroupRequestAssignment {
        member_id: &member.id,
        assignment: ASSIGNMENT,
        ..Default::default()
    }];
    let request = SyncGroupRequest {
        group_id: group,
        generation_id: member.generation,
        member_id: &member.id,
        protocol_type: (v >= 5).then_some(PROTOCOL_TYPE),
        protocol_name: (v >= 5).then_some(PROTOCOL_NAME),
        assignments: Array::from_slice(&assignments),
        ..Default::default()
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    expect_codes(
        ApiKey::SyncGroup,
        v,
        [body.error_code],
        ErrorCode::NONE,
        &body,
    );
    assert_eq!(body.assignment, ASSIGNMENT, "SyncGroup v{v}: {body:?}");
}

/// A member of `group` that joined and synced at the latest versions.
fn joined(ex: &mut Exerciser, group: &str) -> Member {
    let join_version = ex.client.latest::<JoinGroupRequest<'_>>();
    let sync_version = ex.client.latest::<SyncGroupRequest<'_>>();
    let member = join(ex, join_version, group);
    sync(ex, sync_version, group, &member);
    member
}

fn join_group(ex: &mut Exerciser) {
    for v in ex.versions(ApiKey::JoinGroup) {
        let group = unique_topic(&format!("conf-join-v{v}"));
        join(ex, v, &group);
    }
}

fn sync_group(ex: &mut Exerciser) {
    let join_version = ex.client.latest::<JoinGroupRequest<'_>>();
    for v in ex.versions(ApiKey::SyncGroup) {
        let group = unique_topic(&format!("conf-sync-v{v}"));
        let member = join(ex, join_version, &group);
        sync(ex, v, &group, &member);
    }
}

fn heartbeat(ex: &mut Exerciser, group: &str, member: &Member) {
    let request = |generation_id| HeartbeatRequest {
        group_id: group,
        generation_id,
        member_id: &member.id,
        ..Default::default()
    };
    for v in ex.versions(ApiKey::Heartbeat) {
        let reply = ex.call(v, &request(member.generation));
        let body = reply.body();
        let api = ApiKey::Heartbeat;
        expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
    }
    // Deliberately invalid: a generation that has not happened yet.
    let v = ex.client.latest::<HeartbeatRequest<'_>>();
    let reply = ex.call(v, &request(member.generation + 1));
    let body = reply.body();
    let expected = ErrorCode::ILLEGAL_GENERATION;
    expect_codes(ApiKey::Heartbeat, v, [body.error_code], expected, &body);
}

fn describe_groups(ex: &mut Exerciser, group: &str) {
    let groups = [group];
    for v in ex.versions(ApiKey::DescribeGroups) {
        let request = DescribeGroupsRequest {
            groups: Array::from_slice(&groups),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body.groups.iter().map(|g| g.error_code);
        expect_codes(ApiKey::DescribeGroups, v, codes, ErrorCode::NONE, &body);
        let described: Vec<(&str, &str, usize)> = body
            .groups
            .iter()
            .map(|g| (g.group_state, g.protocol_data, g.members.len()))
            .collect();
        assert_eq!(
            described,
            [("Stable", PROTOCOL_NAME, 1)],
            "DescribeGroups v{v}"
        );
    }
}

fn list_groups(ex: &mut Exerciser, group: &str) {
    for v in ex.versions(ApiKey::ListGroups) {
        let reply = ex.call(v, &ListGroupsRequest::default());
        let body = reply.body();
        let api = ApiKey::ListGroups;
        expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
        let listed = body.groups.iter().any(|g| g.group_id == group);
        assert!(listed, "ListGroups v{v} lacks {group}: {body:?}");
    }
}

fn leave_group(ex: &mut Exerciser) {
    for v in ex.versions(ApiKey::LeaveGroup) {
        let group = unique_topic(&format!("conf-leave-v{v}"));
        let member = joined(ex, &group);
        let members = [MemberIdentity {
            member_id: &member.id,
            ..Default::default()
        }];
        // One member by id up to v2; a batch of members from v3.
        let request = LeaveGroupRequest {
            group_id: &group,
            member_id: if v <= 2 { &member.id } else { "" },
            members: Array::from_slice(if v >= 3 { &members[..] } else { &[] }),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes =
            std::iter::once(body.error_code).chain(body.members.iter().map(|m| m.error_code));
        expect_codes(ApiKey::LeaveGroup, v, codes, ErrorCode::NONE, &body);
    }
}
