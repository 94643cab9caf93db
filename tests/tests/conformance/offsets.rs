//! Committed offsets and the new consumer group protocol at every shared version: OffsetCommit
//! and OffsetFetch (a standalone group: generation -1, no member; topics by name up to v9, by id
//! from v10), OffsetDelete, DeleteGroups, and ConsumerGroupHeartbeat (join, then leave) with
//! ConsumerGroupDescribe.

use franzl_core::ErrorCode;
use franzl_core::messages::consumer_group_describe::ConsumerGroupDescribeRequest;
use franzl_core::messages::consumer_group_heartbeat::ConsumerGroupHeartbeatRequest;
use franzl_core::messages::delete_groups::DeleteGroupsRequest;
use franzl_core::messages::offset_commit::{
    OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use franzl_core::messages::offset_delete::{
    OffsetDeleteRequest, OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
};
use franzl_core::messages::offset_fetch::{
    OffsetFetchRequest, OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use franzl_core::messages::{ApiKey, Array};
use franzl_core::wire::Uuid;
use franzl_tests::raw_ops::create_topic;
use franzl_tests::unique_topic;

use crate::coordinators::wait_for_group_coordinator;
use crate::exercise::{Exerciser, Record, expect_codes};

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let topic = unique_topic("conf-offsets");
    let id = create_topic(&mut ex.client, &topic, 1);
    let topic = Topic { name: &topic, id };
    let group = unique_topic("conf-commit");
    wait_for_group_coordinator(&mut ex.client);
    offset_commit_and_fetch(&mut ex, &group, topic);
    offset_delete(&mut ex, topic);
    delete_groups(&mut ex, topic);
    consumer_group_heartbeat(&mut ex, topic.name);
    ex.record
}

/// A topic by name (OffsetCommit up to v9, OffsetFetch up to v9) and id (both from v10).
#[derive(Clone, Copy)]
struct Topic<'a> {
    name: &'a str,
    id: Uuid,
}

/// Commits `offset` for partition 0 of `topic` at OffsetCommit version `v`.
fn commit(ex: &mut Exerciser, v: i16, group: &str, topic: Topic<'_>, offset: i64) {
    let partitions = [OffsetCommitRequestPartition {
        partition_index: 0,
        committed_offset: offset,
        committed_metadata: Some("conformance"),
        ..Default::default()
    }];
    // Both set: each version writes its own.
    let topics = [OffsetCommitRequestTopic {
        name: topic.name,
        topic_id: topic.id,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    // A standalone commit: no generation, no member.
    let request = OffsetCommitRequest {
        group_id: group,
        generation_id_or_member_epoch: -1,
        member_id: "",
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    let codes = body
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter())
        .map(|p| p.error_code);
    expect_codes(ApiKey::OffsetCommit, v, codes, ErrorCode::NONE, &body);
}

/// Fetches the committed offset of partition 0 of `topic` at OffsetFetch version `v`.
fn fetch_committed(ex: &mut Exerciser, v: i16, group: &str, topic: Topic<'_>) -> i64 {
    let indexes = [0];
    let old_topics = [OffsetFetchRequestTopic {
        name: topic.name,
        partition_indexes: Array::from_slice(&indexes),
        ..Default::default()
    }];
    let new_topics = [OffsetFetchRequestTopics {
        name: topic.name,
        topic_id: topic.id,
        partition_indexes: Array::from_slice(&indexes),
        ..Default::default()
    }];
    let groups = [OffsetFetchRequestGroup {
        group_id: group,
        topics: Some(Array::from_slice(&new_topics)),
        ..Default::default()
    }];
    // One group up to v7, a batch of groups from v8.
    let request = if v <= 7 {
        OffsetFetchRequest {
            group_id: group,
            topics: Some(Array::from_slice(&old_topics)),
            ..Default::default()
        }
    } else {
        OffsetFetchRequest {
            groups: Array::from_slice(&groups),
            ..Default::default()
        }
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    let (codes, offsets): (Vec<ErrorCode>, Vec<i64>) = if v <= 7 {
        let partitions = body.topics.iter().flat_map(|t| t.partitions.iter());
        let codes = partitions.clone().map(|p| p.error_code);
        let codes = std::iter::once(body.error_code).chain(codes).collect();
        (codes, partitions.map(|p| p.committed_offset).collect())
    } else {
        let partitions = body
            .groups
            .iter()
            .flat_map(|g| g.topics.iter())
            .flat_map(|t| t.partitions.iter());
        let codes = partitions.clone().map(|p| p.error_code);
        let codes = body.groups.iter().map(|g| g.error_code).chain(codes);
        (
            codes.collect(),
            partitions.map(|p| p.committed_offset).collect(),
        )
    };
    expect_codes(ApiKey::OffsetFetch, v, codes, ErrorCode::NONE, &body);
    let [offset] = offsets[..] else {
        panic!("OffsetFetch v{v}: one partition expected: {body:?}")
    };
    offset
}

fn offset_commit_and_fetch(ex: &mut Exerciser, group: &str, topic: Topic<'_>) {
    let mut last = 0;
    for v in ex.versions(ApiKey::OffsetCommit) {
        last = 100 + i64::from(v);
        commit(ex, v, group, topic, last);
        let fetch_version = ex.client.latest::<OffsetFetchRequest<'_>>();
        let committed = fetch_committed(ex, fetch_version, group, topic);
        assert_eq!(committed, last, "OffsetCommit v{v} then OffsetFetch");
    }
    for v in ex.versions(ApiKey::OffsetFetch) {
        let committed = fetch_committed(ex, v, group, topic);
        assert_eq!(committed, last, "OffsetFetch v{v}");
    }
}

fn offset_delete(ex: &mut Exerciser, topic: Topic<'_>) {
    let commit_version = ex.client.latest::<OffsetCommitRequest<'_>>();
    for v in ex.versions(ApiKey::OffsetDelete) {
        let group = unique_topic(&format!("conf-offset-delete-v{v}"));
        commit(ex, commit_version, &group, topic, 7);
        let partitions = [OffsetDeleteRequestPartition {
            partition_index: 0,
            ..Default::default()
        }];
        let topics = [OffsetDeleteRequestTopic {
            name: topic.name,
            partitions: Array::from_slice(&partitions),
            ..Default::default()
        }];
        let request = OffsetDeleteRequest {
            group_id: &group,
            topics: Array::from_slice(&topics),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let partitions = body.topics.iter().flat_map(|t| t.partitions.iter());
        let codes = std::iter::once(body.error_code).chain(partitions.map(|p| p.error_code));
        expect_codes(ApiKey::OffsetDelete, v, codes, ErrorCode::NONE, &body);
    }
}

fn delete_groups(ex: &mut Exerciser, topic: Topic<'_>) {
    let commit_version = ex.client.latest::<OffsetCommitRequest<'_>>();
    for v in ex.versions(ApiKey::DeleteGroups) {
        let group = unique_topic(&format!("conf-delete-group-v{v}"));
        commit(ex, commit_version, &group, topic, 7);
        let names = [group.as_str()];
        let request = DeleteGroupsRequest {
            groups_names: Array::from_slice(&names),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body.results.iter().map(|r| r.error_code);
        expect_codes(ApiKey::DeleteGroups, v, codes, ErrorCode::NONE, &body);
    }
    // Deliberately invalid: a group that never existed.
    let missing = unique_topic("conf-no-such-group");
    let names = [missing.as_str()];
    let request = DeleteGroupsRequest {
        groups_names: Array::from_slice(&names),
        ..Default::default()
    };
    let v = ex.client.latest::<DeleteGroupsRequest<'_>>();
    let reply = ex.call(v, &request);
    let body = reply.body();
    let codes = body.results.iter().map(|r| r.error_code);
    let expected = ErrorCode::GROUP_ID_NOT_FOUND;
    expect_codes(ApiKey::DeleteGroups, v, codes, expected, &body);
}

fn consumer_group_heartbeat(ex: &mut Exerciser, topic: &str) {
    let subscribed = [topic];
    for v in ex.versions(ApiKey::ConsumerGroupHeartbeat) {
        let group = unique_topic(&format!("conf-cgh-v{v}"));
        // Joining: epoch 0, the subscription, and an empty list of owned partitions. The
        // coordinator names the member at v0; from v1 the member names itself (KIP-1082).
        let own_id = if v >= 1 {
            unique_topic("conf-member")
        } else {
            String::new()
        };
        let join = ConsumerGroupHeartbeatRequest {
            group_id: &group,
            member_id: &own_id,
            member_epoch: 0,
            rebalance_timeout_ms: 30_000,
            subscribed_topic_names: Some(Array::from_slice(&subscribed)),
            topic_partitions: Some(Array::EMPTY),
            ..Default::default()
        };
        let reply = ex.call(v, &join);
        let body = reply.body();
        let api = ApiKey::ConsumerGroupHeartbeat;
        expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
        assert!(body.member_epoch >= 1, "{api:?} v{v}: {body:?}");
        let member_id = body.member_id.unwrap_or_default().to_string();
        assert!(!member_id.is_empty(), "{api:?} v{v}: {body:?}");

        consumer_group_describe(ex, &group, &member_id);

        // Leaving: epoch -1.
        let leave = ConsumerGroupHeartbeatRequest {
            group_id: &group,
            member_id: &member_id,
            member_epoch: -1,
            ..Default::default()
        };
        let reply = ex.call(v, &leave);
        let body = reply.body();
        expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
        assert_eq!(body.member_epoch, -1, "{api:?} v{v} leave: {body:?}");
    }
}

fn consumer_group_describe(ex: &mut Exerciser, group: &str, member_id: &str) {
    let groups = [group];
    for v in ex.versions(ApiKey::ConsumerGroupDescribe) {
        let request = ConsumerGroupDescribeRequest {
            group_ids: Array::from_slice(&groups),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body.groups.iter().map(|g| g.error_code);
        let api = ApiKey::ConsumerGroupDescribe;
        expect_codes(api, v, codes, ErrorCode::NONE, &body);
        let members: Vec<&str> = body
            .groups
            .iter()
            .flat_map(|g| g.members.iter())
            .map(|m| m.member_id)
            .collect();
        assert_eq!(members, [member_id], "{api:?} v{v}: {body:?}");
    }
}
