//! Share groups (KIP-932) at every shared version: a member joins with ShareGroupHeartbeat and
//! waits for its partition, ShareGroupDescribe lists it, each ShareFetch version opens a share
//! session and acquires the two records produced for it, and each ShareAcknowledge version
//! accepts them and closes the session; once the member has left, `share_offsets.rs` works on
//! the empty group's offsets.
//!
//! The group reads from the earliest offset (`share.auto.offset.reset`, a group config), so
//! records produced before the share partition was initialised are delivered too.

use std::thread::sleep;
use std::time::{Duration, Instant};

use franzl_core::ErrorCode;
use franzl_core::messages::describe_configs::{DescribeConfigsRequest, DescribeConfigsResource};
use franzl_core::messages::incremental_alter_configs as configs;
use franzl_core::messages::share_acknowledge as ack;
use franzl_core::messages::share_fetch as fetch;
use franzl_core::messages::share_group_describe::ShareGroupDescribeRequest;
use franzl_core::messages::share_group_heartbeat::ShareGroupHeartbeatRequest;
use franzl_core::messages::{ApiKey, Array};
use franzl_core::record::{BatchOptions, NewRecord, RecordBatchBuilder, encoded_batch_len};
use franzl_core::wire::Uuid;
use franzl_tests::raw_ops::{create_topic, decode_batches, produce};
use franzl_tests::unique_topic;

use crate::coordinators::wait_for_group_coordinator;
use crate::exercise::{Exerciser, Record, expect_codes, new_member_id};
use crate::share_offsets;

/// `ConfigResource.Type.GROUP` on the wire.
const RESOURCE_GROUP: i8 = 32;
/// `AcknowledgeType.ACCEPT`.
const ACCEPT: i8 = 1;
/// The share session epoch that opens a session, and the one that closes it.
const OPEN: i32 = 0;
const CLOSE: i32 = -1;
/// How long the member may wait for its assignment and its records.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(30);

/// The group, its member and the topic it reads.
pub(crate) struct Share<'a> {
    pub(crate) group: &'a str,
    pub(crate) member: &'a str,
    pub(crate) topic: &'a str,
    pub(crate) topic_id: Uuid,
}

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let topic = unique_topic("conf-share");
    let topic_id = create_topic(&mut ex.client, &topic, 1);
    let group = unique_topic("conf-share-group");
    let member = new_member_id();
    let share = Share {
        group: &group,
        member: &member,
        topic: &topic,
        topic_id,
    };
    wait_for_group_coordinator(&mut ex.client);
    read_from_earliest(&mut ex, &group);
    let epoch = join(&mut ex, &share);
    share_group_describe(&mut ex, &share);
    let end = fetch_and_acknowledge(&mut ex, &share);
    leave(&mut ex, &share, epoch);
    share_offsets::check(&mut ex, &share, end);
    ex.record
}

/// Sets the group's `share.auto.offset.reset` to `earliest` and waits until the broker applies
/// it (not counted: a setup step).
fn read_from_earliest(ex: &mut Exerciser, group: &str) {
    /// `AlterConfigOp.OpType.SET`.
    const SET: i8 = 0;
    let entries = [configs::AlterableConfig {
        name: "share.auto.offset.reset",
        config_operation: SET,
        value: Some("earliest"),
        ..Default::default()
    }];
    let resources = [configs::AlterConfigsResource {
        resource_type: RESOURCE_GROUP,
        resource_name: group,
        configs: Array::from_slice(&entries),
        ..Default::default()
    }];
    let request = configs::IncrementalAlterConfigsRequest {
        resources: Array::from_slice(&resources),
        ..Default::default()
    };
    let reply = ex
        .client
        .call_latest(&request)
        .expect("IncrementalAlterConfigs");
    let codes: Vec<ErrorCode> = reply
        .body()
        .responses
        .iter()
        .map(|r| r.error_code)
        .collect();
    assert_eq!(
        codes,
        [ErrorCode::NONE],
        "share.auto.offset.reset of {group}"
    );
    // The controller commits the config; the broker applies it once its metadata catches up
    // (seconds on a fresh broker). A share partition initialised before then starts at the
    // log end, past the records: wait until the broker describes the new value.
    let keys = ["share.auto.offset.reset"];
    let resources = [DescribeConfigsResource {
        resource_type: RESOURCE_GROUP,
        resource_name: group,
        configuration_keys: Some(Array::from_slice(&keys)),
        ..Default::default()
    }];
    let request = DescribeConfigsRequest {
        resources: Array::from_slice(&resources),
        ..Default::default()
    };
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let reply = ex.client.call_latest(&request).expect("DescribeConfigs");
        let body = reply.body();
        let applied = body
            .results
            .iter()
            .flat_map(|r| r.configs.iter())
            .any(|c| c.name == keys[0] && c.value == Some("earliest"));
        if applied {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "group config not applied: {body:?}"
        );
        sleep(Duration::from_millis(100));
    }
}

/// Two records numbered from `first`, in one batch.
fn two_records(first: usize) -> Vec<u8> {
    let texts = [format!("share-{first}"), format!("share-{}", first + 1)];
    let records: Vec<NewRecord<'_>> = (0..)
        .zip(&texts)
        .map(|(delta, text)| NewRecord {
            offset_delta: delta,
            value: Some(text.as_bytes()),
            ..NewRecord::default()
        })
        .collect();
    let mut out = vec![0u8; encoded_batch_len(&records)];
    let mut builder = RecordBatchBuilder::new(&mut out, BatchOptions::default()).expect("builder");
    for record in &records {
        builder.append(record).expect("fits");
    }
    let len = builder.finish().expect("finish");
    out.truncate(len);
    out
}

/// Joins at every ShareGroupHeartbeat version (the member names itself, v1+) and heartbeats
/// until partition 0 of the topic is assigned; returns the member epoch.
fn join(ex: &mut Exerciser, share: &Share<'_>) -> i32 {
    let api = ApiKey::ShareGroupHeartbeat;
    let subscribed = [share.topic];
    let mut epoch = 0;
    for v in ex.versions(api) {
        let deadline = Instant::now() + TIMEOUT;
        let mut assigned = false;
        while !assigned {
            let request = ShareGroupHeartbeatRequest {
                group_id: share.group,
                member_id: share.member,
                member_epoch: epoch,
                subscribed_topic_names: Some(Array::from_slice(&subscribed)),
                ..Default::default()
            };
            let reply = ex.call(v, &request);
            let body = reply.body();
            expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
            assert!(body.member_epoch >= 1, "{api:?} v{v}: {body:?}");
            epoch = body.member_epoch;
            assigned = body
                .assignment
                .iter()
                .flat_map(|a| a.topic_partitions.iter())
                .any(|t| t.topic_id == share.topic_id && t.partitions.iter().any(|p| p == 0));
            assert!(
                assigned || Instant::now() < deadline,
                "{api:?} v{v}: no assignment: {body:?}"
            );
            if !assigned {
                sleep(Duration::from_millis(200));
            }
        }
    }
    epoch
}

fn share_group_describe(ex: &mut Exerciser, share: &Share<'_>) {
    let api = ApiKey::ShareGroupDescribe;
    let groups = [share.group];
    for v in ex.versions(api) {
        let request = ShareGroupDescribeRequest {
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
        assert_eq!(members, [share.member], "{api:?} v{v}: {body:?}");
    }
}

/// Round `i` produces two records, acquires them with the `i`-th ShareFetch version and
/// accepts them with the `i`-th ShareAcknowledge version (each API's newest once it runs out).
/// Returns the offset after the last record accepted.
fn fetch_and_acknowledge(ex: &mut Exerciser, share: &Share<'_>) -> i64 {
    let fetches = ex.versions(ApiKey::ShareFetch);
    let acks = ex.versions(ApiKey::ShareAcknowledge);
    let rounds = fetches.len().max(acks.len());
    let mut end = 0;
    for round in 0..rounds {
        let pick = |list: &[i16]| list.get(round).or(list.last()).copied().unwrap_or(0);
        let first = produce(&mut ex.client, share.topic, 0, &two_records(2 * round));
        let acquired = acquire(ex, pick(&fetches), share);
        assert_eq!(acquired, (first, first + 1), "ShareFetch round {round}");
        acknowledge(ex, pick(&acks), share, acquired);
        end = acquired.1 + 1;
    }
    end
}

/// Opens a share session at ShareFetch version `v` and fetches until records are acquired;
/// returns the first and last offsets acquired.
fn acquire(ex: &mut Exerciser, v: i16, share: &Share<'_>) -> (i64, i64) {
    let api = ApiKey::ShareFetch;
    let partitions = [fetch::FetchPartition {
        partition_index: 0,
        ..Default::default()
    }];
    let topics = [fetch::FetchTopic {
        topic_id: share.topic_id,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let deadline = Instant::now() + TIMEOUT;
    let mut epoch = OPEN;
    loop {
        // The first request names the partition; later ones in the session fetch it again.
        let request = fetch::ShareFetchRequest {
            group_id: Some(share.group),
            member_id: Some(share.member),
            share_session_epoch: epoch,
            max_wait_ms: 500,
            min_bytes: 1,
            max_bytes: 1 << 20,
            max_records: 2,
            batch_size: 2,
            topics: Array::from_slice(if epoch == OPEN { &topics[..] } else { &[] }),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let partitions: Vec<_> = body
            .responses
            .iter()
            .flat_map(|t| t.partitions.iter())
            .collect();
        let codes = std::iter::once(body.error_code).chain(partitions.iter().map(|p| p.error_code));
        expect_codes(api, v, codes, ErrorCode::NONE, &body);
        let ranges: Vec<(i64, i64)> = partitions
            .iter()
            .flat_map(|p| p.acquired_records.iter())
            .map(|r| (r.first_offset, r.last_offset))
            .collect();
        if let (Some(&(first, _)), Some(&(_, last))) = (ranges.first(), ranges.last()) {
            let records = partitions
                .iter()
                .filter_map(|p| Some(p.records).filter(|r| !r.is_empty()));
            let (batches, cut) = decode_batches(records.into_iter().next().unwrap_or_default());
            assert_eq!(cut, 0, "{api:?} v{v}: a batch cut short");
            let count: usize = batches.iter().map(|b| b.records.len()).sum();
            assert!(count >= 2, "{api:?} v{v}: {count} records");
            return (first, last);
        }
        assert!(
            Instant::now() < deadline,
            "{api:?} v{v}: nothing acquired: {body:?}"
        );
        epoch += 1;
    }
}

/// Accepts `first..=last` at ShareAcknowledge version `v`, closing the session.
fn acknowledge(ex: &mut Exerciser, v: i16, share: &Share<'_>, (first, last): (i64, i64)) {
    let api = ApiKey::ShareAcknowledge;
    let types = [ACCEPT];
    let batches = [ack::AcknowledgementBatch {
        first_offset: first,
        last_offset: last,
        acknowledge_types: Array::from_slice(&types),
        ..Default::default()
    }];
    let partitions = [ack::AcknowledgePartition {
        partition_index: 0,
        acknowledgement_batches: Array::from_slice(&batches),
        ..Default::default()
    }];
    let topics = [ack::AcknowledgeTopic {
        topic_id: share.topic_id,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = ack::ShareAcknowledgeRequest {
        group_id: Some(share.group),
        member_id: Some(share.member),
        share_session_epoch: CLOSE,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    let partitions = body.responses.iter().flat_map(|t| t.partitions.iter());
    let codes = std::iter::once(body.error_code).chain(partitions.map(|p| p.error_code));
    expect_codes(api, v, codes, ErrorCode::NONE, &body);
}

/// Leaves the group (epoch -1) at the newest version.
fn leave(ex: &mut Exerciser, share: &Share<'_>, epoch: i32) {
    let api = ApiKey::ShareGroupHeartbeat;
    assert!(epoch >= 1);
    let request = ShareGroupHeartbeatRequest {
        group_id: share.group,
        member_id: share.member,
        member_epoch: -1,
        ..Default::default()
    };
    let v = ex.client.latest::<ShareGroupHeartbeatRequest<'_>>();
    let reply = ex.call(v, &request);
    let body = reply.body();
    expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
    assert_eq!(body.member_epoch, -1, "{api:?} v{v} leave: {body:?}");
}
