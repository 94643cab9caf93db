//! A share group's offsets at every shared version, once its only member (`share.rs`) has
//! accepted every record and left: DescribeShareGroupOffsets (no lag left, v1+),
//! AlterShareGroupOffsets (back to offset 0, which an empty group allows) and
//! DeleteShareGroupOffsets.

use std::thread::sleep;
use std::time::{Duration, Instant};

use franzl_core::ErrorCode;
use franzl_core::messages::alter_share_group_offsets as alter;
use franzl_core::messages::delete_share_group_offsets as delete;
use franzl_core::messages::describe_share_group_offsets as describe;
use franzl_core::messages::{ApiKey, Array};

use crate::exercise::{Exerciser, expect_codes};
use crate::share::{Share, TIMEOUT};

/// The offsets of the group, now without members: described (every record before `end`
/// delivered), moved back to 0, deleted.
pub(crate) fn check(ex: &mut Exerciser, share: &Share<'_>, end: i64) {
    let partitions = [0];
    let topics = [describe::DescribeShareGroupOffsetsRequestTopic {
        topic_name: share.topic,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let groups = [describe::DescribeShareGroupOffsetsRequestGroup {
        group_id: share.group,
        topics: Some(Array::from_slice(&topics)),
        ..Default::default()
    }];
    let request = describe::DescribeShareGroupOffsetsRequest {
        groups: Array::from_slice(&groups),
        ..Default::default()
    };
    let api = ApiKey::DescribeShareGroupOffsets;
    // The share partition writes its state to the share coordinator after the acknowledgement
    // is answered: wait (not counted) until the partition has no lag (v1+).
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let reply = ex
            .client
            .call_latest(&request)
            .expect("DescribeShareGroupOffsets");
        let body = reply.body();
        let lags: Vec<i64> = body
            .groups
            .iter()
            .flat_map(|g| g.topics.iter())
            .flat_map(|t| t.partitions.iter())
            .map(|p| p.lag)
            .collect();
        if lags == [0] || reply.version() == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{api:?}: {body:?}");
        sleep(Duration::from_millis(200));
    }
    for v in ex.versions(api) {
        let reply = ex.call(v, &request);
        let body = reply.body();
        let partitions: Vec<_> = body
            .groups
            .iter()
            .flat_map(|g| g.topics.iter())
            .flat_map(|t| t.partitions.iter())
            .collect();
        let codes = body.groups.iter().map(|g| g.error_code);
        let codes = codes.chain(partitions.iter().map(|p| p.error_code));
        expect_codes(api, v, codes, ErrorCode::NONE, &body);
        // Kafka 4.3 keeps the start at the last batch accepted, counting it as delivered; the
        // lag (v1+) says every record is.
        let [partition] = partitions[..] else {
            panic!("{api:?} v{v}: one partition expected: {body:?}")
        };
        let (start, lag) = (partition.start_offset, partition.lag);
        assert!((0..=end).contains(&start), "{api:?} v{v}: {body:?}");
        assert_eq!(lag, if v >= 1 { 0 } else { -1 }, "{api:?} v{v}: {body:?}");
    }

    let partitions = [alter::AlterShareGroupOffsetsRequestPartition {
        partition_index: 0,
        start_offset: 0,
        ..Default::default()
    }];
    let topics = [alter::AlterShareGroupOffsetsRequestTopic {
        topic_name: share.topic,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = alter::AlterShareGroupOffsetsRequest {
        group_id: share.group,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    let api = ApiKey::AlterShareGroupOffsets;
    for v in ex.versions(api) {
        let reply = ex.call(v, &request);
        let body = reply.body();
        let partitions = body.responses.iter().flat_map(|t| t.partitions.iter());
        let codes = std::iter::once(body.error_code).chain(partitions.map(|p| p.error_code));
        expect_codes(api, v, codes, ErrorCode::NONE, &body);
    }

    let topics = [delete::DeleteShareGroupOffsetsRequestTopic {
        topic_name: share.topic,
        ..Default::default()
    }];
    let request = delete::DeleteShareGroupOffsetsRequest {
        group_id: share.group,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    let api = ApiKey::DeleteShareGroupOffsets;
    for v in ex.versions(api) {
        let reply = ex.call(v, &request);
        let body = reply.body();
        let topics = body.responses.iter().map(|t| t.error_code);
        let codes = std::iter::once(body.error_code).chain(topics);
        expect_codes(api, v, codes, ErrorCode::NONE, &body);
    }
}
