//! Streams groups (KIP-1071) at every shared version: a member joins with StreamsGroupHeartbeat,
//! declaring a topology of one subtopology that reads our topic (no internal topics, so the
//! group needs none created), StreamsGroupDescribe lists the member and the topology, and the
//! member leaves.

use franzl_core::ErrorCode;
use franzl_core::messages::streams_group_describe::StreamsGroupDescribeRequest;
use franzl_core::messages::streams_group_heartbeat::{
    StreamsGroupHeartbeatRequest, Subtopology, Topology,
};
use franzl_core::messages::{ApiKey, Array};
use franzl_tests::raw_ops::create_topic;
use franzl_tests::unique_topic;

use crate::coordinators::wait_for_group_coordinator;
use crate::exercise::{Exerciser, Record, expect_codes, new_member_id};

/// The one subtopology's id.
const SUBTOPOLOGY: &str = "0";

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let topic = unique_topic("conf-streams");
    create_topic(&mut ex.client, &topic, 1);
    wait_for_group_coordinator(&mut ex.client);
    let api = ApiKey::StreamsGroupHeartbeat;
    for v in ex.versions(api) {
        let group = unique_topic(&format!("conf-streams-v{v}"));
        let member = new_member_id();
        let epoch = join(&mut ex, v, &group, &member, &topic);
        streams_group_describe(&mut ex, &group, &member, &topic);
        leave(&mut ex, v, &group, &member, epoch);
    }
    ex.record
}

/// Joins `group` as `member` at version `v` with the topology; returns the member epoch.
fn join(ex: &mut Exerciser, v: i16, group: &str, member: &str, topic: &str) -> i32 {
    let api = ApiKey::StreamsGroupHeartbeat;
    let sources = [topic];
    let subtopologies = [Subtopology {
        subtopology_id: SUBTOPOLOGY,
        source_topics: Array::from_slice(&sources),
        ..Default::default()
    }];
    let process = new_member_id();
    // Joining: epoch 0 with the topology, the process, and empty owned tasks and tags.
    let request = StreamsGroupHeartbeatRequest {
        group_id: group,
        member_id: member,
        member_epoch: 0,
        rebalance_timeout_ms: 30_000,
        topology: Some(Topology {
            epoch: 0,
            subtopologies: Array::from_slice(&subtopologies),
            ..Default::default()
        }),
        active_tasks: Some(Array::EMPTY),
        standby_tasks: Some(Array::EMPTY),
        warmup_tasks: Some(Array::EMPTY),
        process_id: Some(&process),
        client_tags: Some(Array::EMPTY),
        // Task offsets stay null: Kafka 4.3 refuses them as not supported yet.
        ..Default::default()
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
    assert!(body.member_epoch >= 1, "{api:?} v{v}: {body:?}");
    assert_eq!(body.member_id, member, "{api:?} v{v}: {body:?}");
    body.member_epoch
}

fn streams_group_describe(ex: &mut Exerciser, group: &str, member: &str, topic: &str) {
    let api = ApiKey::StreamsGroupDescribe;
    let groups = [group];
    for v in ex.versions(api) {
        let request = StreamsGroupDescribeRequest {
            group_ids: Array::from_slice(&groups),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body.groups.iter().map(|g| g.error_code);
        expect_codes(api, v, codes, ErrorCode::NONE, &body);
        let members: Vec<&str> = body
            .groups
            .iter()
            .flat_map(|g| g.members.iter())
            .map(|m| m.member_id)
            .collect();
        assert_eq!(members, [member], "{api:?} v{v}: {body:?}");
        let mut sources: Vec<&str> = Vec::new();
        for topology in body.groups.iter().filter_map(|g| g.topology) {
            for subtopology in topology.subtopologies.iter().flat_map(|s| s.iter()) {
                sources.extend(subtopology.source_topics.iter());
            }
        }
        assert_eq!(sources, [topic], "{api:?} v{v}: {body:?}");
    }
}

/// Leaves `group` (epoch -1) at version `v`.
fn leave(ex: &mut Exerciser, v: i16, group: &str, member: &str, epoch: i32) {
    let api = ApiKey::StreamsGroupHeartbeat;
    assert!(epoch >= 1);
    let request = StreamsGroupHeartbeatRequest {
        group_id: group,
        member_id: member,
        member_epoch: -1,
        rebalance_timeout_ms: -1,
        ..Default::default()
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
    assert_eq!(body.member_epoch, -1, "{api:?} v{v} leave: {body:?}");
}
