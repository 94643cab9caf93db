//! Assignment state: seeks and epochs, fetchable partitions, leaders and resets.

use super::*;
use crate::cluster::{PartitionMetadata, TopicMetadata};
use franzl_core::ErrorCode;

fn metadata(leader: i32) -> MetadataSnapshot {
    let mut snapshot = MetadataSnapshot::default();
    let partitions = (0..2)
        .map(|partition| PartitionMetadata {
            partition,
            leader,
            leader_epoch: 4,
            replicas: vec![leader],
            isr: vec![leader],
            error: ErrorCode::NONE,
        })
        .collect();
    snapshot.topics.insert(
        "t".into(),
        TopicMetadata {
            id: franzl_core::wire::Uuid([9; 16]),
            error: ErrorCode::NONE,
            is_internal: false,
            partitions,
        },
    );
    snapshot
}

fn assigned() -> Assignment {
    let mut assignment = Assignment::default();
    let partitions = [TopicPartition::new("t", 0), TopicPartition::new("t", 1)];
    assignment.assign(&partitions, Some(SeekTo::Earliest));
    assignment
}

#[test]
fn partitions_wait_for_a_leader_and_a_reset_before_fetching() {
    let mut assignment = assigned();
    assert_eq!(assignment.topics_without_leader(), [Arc::from("t")]);
    assert!(assignment.take_fetchable(1).is_empty());
    assert_eq!(assignment.apply_leaders(&metadata(1)), [1]);
    assert!(assignment.topics_without_leader().is_empty());
    let resets = assignment.pending_resets();
    assert_eq!(resets.len(), 2);
    let (topic, partition, leader, seek, epoch) = resets[0].clone();
    assert_eq!((leader.node, leader.epoch, seek), (1, 4, SeekTo::Earliest));
    assignment.apply_reset(&topic, partition, epoch, 42);
    let targets = assignment.take_fetchable(1);
    assert_eq!(targets.len(), 1);
    assert_eq!((targets[0].partition, targets[0].fetch_offset), (0, 42));
    // In flight: not offered again until finished.
    assert!(assignment.take_fetchable(1).is_empty());
    assignment.finish_fetch(&targets);
    assert_eq!(assignment.take_fetchable(1).len(), 1);
    assert!(assignment.take_fetchable(2).is_empty());
}

#[test]
fn a_seek_makes_earlier_results_stale() {
    let mut assignment = assigned();
    assignment.apply_leaders(&metadata(1));
    assert!(assignment.seek("t", 0, SeekTo::Offset(7)));
    let epoch = assignment.get("t", 0).unwrap().epoch;
    assert!(assignment.seek("t", 0, SeekTo::Latest));
    // The reset resolved under the old epoch is ignored.
    assignment.apply_reset("t", 0, epoch, 99);
    let state = assignment.get("t", 0).unwrap();
    assert_eq!((state.position, state.reset), (None, Some(SeekTo::Latest)));
    assert!(!assignment.seek("t", 5, SeekTo::Earliest));
}

#[test]
fn reassigning_keeps_the_state_of_kept_partitions() {
    let mut assignment = assigned();
    assignment.seek("t", 1, SeekTo::Offset(5));
    let partitions = [TopicPartition::new("t", 1), TopicPartition::new("u", 0)];
    assignment.assign(&partitions, Some(SeekTo::Latest));
    let kept: Vec<String> = assignment
        .partitions()
        .iter()
        .map(|s| s.topic_partition().to_string())
        .collect();
    assert_eq!(kept, ["t-1", "u-0"]);
    assert_eq!(assignment.get("t", 1).unwrap().position, Some(5));
    assert_eq!(assignment.get("u", 0).unwrap().reset, Some(SeekTo::Latest));
}

#[test]
fn losing_a_leader_stops_fetching_until_metadata_names_one() {
    let mut assignment = assigned();
    assignment.apply_leaders(&metadata(1));
    assignment.seek("t", 0, SeekTo::Offset(0));
    assignment.lose_leader("t", 0);
    assert!(assignment.take_fetchable(1).is_empty());
    assignment.apply_leaders(&metadata(2));
    assert_eq!(assignment.take_fetchable(2).len(), 1);
}

#[test]
fn a_stopped_partition_waits_for_a_seek() {
    let mut assignment = assigned();
    let at = |a: &Assignment, partition| {
        (
            Arc::from("t"),
            partition,
            a.get("t", partition).unwrap().epoch,
        )
    };
    // Waiting for a leader: stopping it ends the lookups.
    let t0 = at(&assignment, 0);
    let once = std::slice::from_ref(&t0);
    assert_eq!(assignment.stop(once), once);
    // Stopped once: a second error about it is not reported again.
    assert!(assignment.stop(std::slice::from_ref(&t0)).is_empty());
    assert_eq!(assignment.leaderless(), [at(&assignment, 1)]);
    assignment.apply_leaders(&metadata(1));
    assert!(assignment.topics_without_leader().is_empty());
    let resets = assignment.pending_resets();
    assert_eq!(resets.len(), 1, "no ListOffsets for the stopped partition");
    assert_eq!(resets[0].1, 1);
    // Fetching: stopped, it is no longer offered; the other one goes on.
    assignment.apply_reset("t", 1, resets[0].4, 10);
    assignment.seek("t", 0, SeekTo::Offset(3));
    let targets = assignment.take_fetchable(1);
    assert_eq!(targets.len(), 2);
    assignment.finish_fetch(&targets);
    let stopped = assignment.stop(&[at(&assignment, 0), at(&assignment, 1)]);
    assert_eq!(stopped.len(), 2);
    assert!(assignment.take_fetchable(1).is_empty());
    assert_eq!(
        assignment.stopped(),
        [TopicPartition::new("t", 0), TopicPartition::new("t", 1)]
    );
    // A stale epoch stops nothing; a seek starts the partition again.
    assert!(assignment.stop(&[t0]).is_empty());
    assignment.seek("t", 1, SeekTo::Offset(10));
    assert_eq!(assignment.take_fetchable(1).len(), 1);
    assert_eq!(assignment.stopped(), [TopicPartition::new("t", 0)]);
}

#[test]
fn topics_the_metadata_refuses_are_unusable_but_unknown_ones_may_appear() {
    let mut assignment = assigned();
    let mut snapshot = metadata(1);
    let topic = snapshot.topics.get_mut("t").unwrap();
    topic.partitions.clear();
    topic.error = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
    assignment.apply_leaders(&snapshot);
    assert!(assignment.unusable(&snapshot).is_empty());
    snapshot.topics.get_mut("t").unwrap().error = ErrorCode::TOPIC_AUTHORIZATION_FAILED;
    let unusable = assignment.unusable(&snapshot);
    assert_eq!(unusable.len(), 2);
    assert_eq!(unusable[0].1, ErrorCode::TOPIC_AUTHORIZATION_FAILED);
    let at: Vec<_> = unusable.into_iter().map(|(at, _)| at).collect();
    assignment.stop(&at);
    assert!(assignment.unusable(&snapshot).is_empty());
    assert!(assignment.topics_without_leader().is_empty());
}

#[test]
fn each_round_starts_further_along_and_keeps_topics_together() {
    let mut snapshot = metadata(1);
    let mut other = snapshot.topics["t"].clone();
    other.id = franzl_core::wire::Uuid([8; 16]);
    snapshot.topics.insert("u".into(), other);
    let mut assignment = Assignment::default();
    let partitions = [
        TopicPartition::new("t", 0),
        TopicPartition::new("u", 0),
        TopicPartition::new("t", 1),
        TopicPartition::new("u", 1),
    ];
    assignment.assign(&partitions, Some(SeekTo::Offset(0)));
    assignment.apply_leaders(&snapshot);
    let mut firsts = Vec::new();
    for _ in 0..4 {
        let targets = assignment.take_fetchable(1);
        let order: Vec<(String, i32)> = targets
            .iter()
            .map(|t| (t.topic.to_string(), t.partition))
            .collect();
        // One run per topic, as a Fetch names each topic once.
        let topics: Vec<&str> = order.iter().map(|(topic, _)| topic.as_str()).collect();
        let mut runs = topics.clone();
        runs.dedup();
        assert_eq!(runs.len(), 2, "{order:?}");
        firsts.push(order[0].clone());
        assignment.finish_fetch(&targets);
    }
    firsts.sort_unstable();
    firsts.dedup();
    assert_eq!(
        firsts.len(),
        4,
        "every partition gets to go first: {firsts:?}"
    );
}
