//! The share coordinator's state APIs at every shared version, which brokers send to the share
//! coordinator on behalf of share groups (KIP-932): InitializeShareGroupState, ReadShareGroupState,
//! WriteShareGroupState, ReadShareGroupStateSummary and DeleteShareGroupState, all on the state
//! of a group id of our own that no share group uses, so no real group is disturbed.
//!
//! The state lives in `__share_group_state`, which the broker creates on the first
//! FindCoordinator of a share key (`group:topicId:partition`) and then loads; the first
//! InitializeShareGroupState is retried while the coordinator answers with a retriable code.

use std::thread::sleep;
use std::time::{Duration, Instant};

use franzl_core::ErrorCode;
use franzl_core::messages::delete_share_group_state as delete;
use franzl_core::messages::initialize_share_group_state as initialize;
use franzl_core::messages::read_share_group_state as read;
use franzl_core::messages::read_share_group_state_summary as summary;
use franzl_core::messages::write_share_group_state as write;
use franzl_core::messages::{ApiKey, Array};
use franzl_core::wire::Uuid;
use franzl_tests::raw_ops::create_topic;
use franzl_tests::unique_topic;

use crate::coordinators::{KEY_SHARE, find};
use crate::exercise::{Exerciser, Record, expect_codes, uuid_string};

/// The state epoch the state is initialised with, and the leader epoch the reads claim.
const STATE_EPOCH: i32 = 0;
const LEADER_EPOCH: i32 = 0;
/// `RecordState.ACKNOWLEDGED` on the wire.
const ACKNOWLEDGED: i8 = 2;
/// How long a fresh broker may take to create and load `__share_group_state`.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let topic = unique_topic("conf-share-state");
    let topic_id = create_topic(&mut ex.client, &topic, 1);
    let group = unique_topic("conf-share-state-group");
    let key = format!("{group}:{}:0", uuid_string(topic_id));
    find(&mut ex.client, &key, KEY_SHARE);
    initialize_share_group_state(&mut ex, &group, topic_id);
    read_share_group_state(&mut ex, &group, topic_id, 0);
    let start = write_share_group_state(&mut ex, &group, topic_id);
    read_share_group_state(&mut ex, &group, topic_id, start);
    read_share_group_state_summary(&mut ex, &group, topic_id, start);
    delete_share_group_state(&mut ex, &group, topic_id);
    ex.record
}

/// The error codes of every partition result, by the response's own field names.
macro_rules! partition_codes {
    ($body:expr) => {
        $body
            .results
            .iter()
            .flat_map(|r| r.partitions.iter())
            .map(|p| p.error_code)
            .collect::<Vec<ErrorCode>>()
    };
}

/// Initialises partition 0's state at start offset 0, at every version; the first call waits
/// out the coordinator's loading.
fn initialize_share_group_state(ex: &mut Exerciser, group: &str, topic_id: Uuid) {
    let api = ApiKey::InitializeShareGroupState;
    let partitions = [initialize::PartitionData {
        partition: 0,
        state_epoch: STATE_EPOCH,
        start_offset: 0,
        ..Default::default()
    }];
    let topics = [initialize::InitializeStateData {
        topic_id,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = initialize::InitializeShareGroupStateRequest {
        group_id: group,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    let deadline = Instant::now() + LOAD_TIMEOUT;
    for v in ex.versions(api) {
        loop {
            let reply = ex.call(v, &request);
            let body = reply.body();
            let codes = partition_codes!(body);
            let loading = codes.iter().any(|c| c.is_retriable());
            if loading && Instant::now() < deadline {
                sleep(Duration::from_millis(200));
                continue;
            }
            expect_codes(api, v, codes, ErrorCode::NONE, &body);
            break;
        }
    }
}

/// Reads partition 0's state at every version; it starts at `start`.
fn read_share_group_state(ex: &mut Exerciser, group: &str, topic_id: Uuid, start: i64) {
    let api = ApiKey::ReadShareGroupState;
    let partitions = [read::PartitionData {
        partition: 0,
        leader_epoch: LEADER_EPOCH,
        ..Default::default()
    }];
    let topics = [read::ReadStateData {
        topic_id,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = read::ReadShareGroupStateRequest {
        group_id: group,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    for v in ex.versions(api) {
        let reply = ex.call(v, &request);
        let body = reply.body();
        expect_codes(api, v, partition_codes!(body), ErrorCode::NONE, &body);
        let starts: Vec<i64> = body
            .results
            .iter()
            .flat_map(|r| r.partitions.iter())
            .map(|p| p.start_offset)
            .collect();
        assert_eq!(starts, [start], "{api:?} v{v}: {body:?}");
    }
}

/// Writes partition 0's state at every version, each moving the start offset on by 2 past an
/// acknowledged batch; returns the last start offset written.
fn write_share_group_state(ex: &mut Exerciser, group: &str, topic_id: Uuid) -> i64 {
    let api = ApiKey::WriteShareGroupState;
    let mut start = 0;
    for v in ex.versions(api) {
        start += 2;
        let batches = [write::StateBatch {
            first_offset: start,
            last_offset: start + 1,
            delivery_state: ACKNOWLEDGED,
            delivery_count: 1,
            ..Default::default()
        }];
        let partitions = [write::PartitionData {
            partition: 0,
            state_epoch: STATE_EPOCH,
            leader_epoch: LEADER_EPOCH,
            start_offset: start,
            delivery_complete_count: 2,
            state_batches: Array::from_slice(&batches),
            ..Default::default()
        }];
        let topics = [write::WriteStateData {
            topic_id,
            partitions: Array::from_slice(&partitions),
            ..Default::default()
        }];
        let request = write::WriteShareGroupStateRequest {
            group_id: group,
            topics: Array::from_slice(&topics),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        expect_codes(api, v, partition_codes!(body), ErrorCode::NONE, &body);
    }
    start
}

/// Reads the summary of partition 0's state at every version; it starts at `start`.
fn read_share_group_state_summary(ex: &mut Exerciser, group: &str, topic_id: Uuid, start: i64) {
    let api = ApiKey::ReadShareGroupStateSummary;
    let partitions = [summary::PartitionData {
        partition: 0,
        leader_epoch: LEADER_EPOCH,
        ..Default::default()
    }];
    let topics = [summary::ReadStateSummaryData {
        topic_id,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = summary::ReadShareGroupStateSummaryRequest {
        group_id: group,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    for v in ex.versions(api) {
        let reply = ex.call(v, &request);
        let body = reply.body();
        expect_codes(api, v, partition_codes!(body), ErrorCode::NONE, &body);
        let starts: Vec<i64> = body
            .results
            .iter()
            .flat_map(|r| r.partitions.iter())
            .map(|p| p.start_offset)
            .collect();
        assert_eq!(starts, [start], "{api:?} v{v}: {body:?}");
    }
}

/// Deletes partition 0's state at every version (deleting state that is gone is not an error).
fn delete_share_group_state(ex: &mut Exerciser, group: &str, topic_id: Uuid) {
    let api = ApiKey::DeleteShareGroupState;
    let partitions = [delete::PartitionData {
        partition: 0,
        ..Default::default()
    }];
    let topics = [delete::DeleteStateData {
        topic_id,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = delete::DeleteShareGroupStateRequest {
        group_id: group,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    for v in ex.versions(api) {
        let reply = ex.call(v, &request);
        let body = reply.body();
        expect_codes(api, v, partition_codes!(body), ErrorCode::NONE, &body);
    }
}
