//! What a fetcher does with a partition that did not simply return records: a leader moved
//! (forget it, or follow the new one the response names), a rack replica to read from, an
//! offset out of range (`auto.offset.reset`), a log that diverges from what was read
//! (KIP-320), or an error for the caller (the partition stops
//! until a seek). Each takes the assignment lock briefly and wakes the manager when it must act.

use std::sync::Arc;

use franzl_core::ErrorCode;
use franzl_core::messages::fetch::{EpochEndOffset, PartitionData};

use super::assignment::{FetchTarget, Leader, reset_seek};
use super::shared::{PartitionAt, Shared};
use crate::error::Error;

/// Forgets the leaders of `targets`, so the manager looks them up again.
pub(crate) fn forget_leaders(shared: &Shared, targets: &[FetchTarget]) {
    let mut state = shared.state();
    for target in targets {
        state.lose_leader(&target.topic, target.partition);
        shared
            .cluster
            .invalidate_leader(&target.topic, target.partition);
    }
    drop(state);
    shared.notify();
}

/// Moves the partition to the leader a v12+ response names with a newer epoch (KIP-951), so it
/// need not wait for metadata; `false` when the response names none.
pub(crate) fn follow_new_leader(
    shared: &Shared,
    target: &FetchTarget,
    data: &PartitionData<'_>,
) -> bool {
    let hint = data.current_leader;
    if hint.leader_id < 0 || hint.leader_epoch <= target.leader.epoch {
        return false;
    }
    let (topic, partition) = (&target.topic, target.partition);
    let mut assignment = shared.state();
    let Some(state) = assignment.current(topic, partition, target.epoch) else {
        return true;
    };
    log::info!(
        "{topic}-{partition} moved to node {} (leader epoch {})",
        hint.leader_id,
        hint.leader_epoch
    );
    state.leader = Some(Leader {
        node: hint.leader_id,
        epoch: hint.leader_epoch,
        topic_id: target.leader.topic_id,
    });
    shared.cluster.invalidate_leader(topic, partition);
    drop(assignment);
    // The manager starts a fetcher for the new node if there is none.
    shared.notify();
    true
}

/// The leader sent no records but named a replica in the consumer's rack (`client.rack`,
/// KIP-392): fetch from there. Any error there forgets it, and the leader is looked up again.
pub(crate) fn read_from_replica(shared: &Shared, target: &FetchTarget, replica: i32) {
    let (topic, partition) = (&target.topic, target.partition);
    let mut assignment = shared.state();
    if let Some(state) = assignment.current(topic, partition, target.epoch) {
        log::debug!("{topic}-{partition}: fetching from replica {replica}");
        state.leader = Some(Leader {
            node: replica,
            ..target.leader
        });
    }
    drop(assignment);
    shared.notify();
}

/// `OFFSET_OUT_OF_RANGE`: seek by `auto.offset.reset`, or stop the partition with an error.
pub(crate) fn out_of_range(shared: &Shared, target: &FetchTarget) {
    let (topic, partition) = (&target.topic, target.partition);
    let mut state = shared.state();
    if state.current(topic, partition, target.epoch).is_none() {
        return;
    }
    match reset_seek(shared.config.auto_offset_reset) {
        Some(seek) => {
            log::info!(
                "offset {} of {topic}-{partition} is out of range; resetting to {seek:?}",
                target.fetch_offset
            );
            state.seek(topic, partition, seek);
            drop(state);
            shared.notify();
        }
        None => {
            drop(state);
            let error = Error::kafka(
                ErrorCode::OFFSET_OUT_OF_RANGE,
                Some("and auto.offset.reset is none"),
                format!("offset {} of {topic}-{partition}", target.fetch_offset),
            );
            fail(shared, std::slice::from_ref(target), error);
        }
    }
}

/// A response's `diverging_epoch`: the leader's log diverges from what was fetched (an unclean
/// leader election truncated it). As the Java consumer decides, with `end` the end offset the
/// leader gave for the largest epoch it has at or below the last fetched one:
/// - `end` unknown (negative): reset by `auto.offset.reset`, or with `none` report
///   [`Error::LogTruncated`] without a divergence point and stop the partition;
/// - `end` below the fetch offset: the records from `end` on are not the leader's. Seek back to
///   the smaller of `end` and the caller's position (queued records are dropped; those below
///   `end` are fetched again), keeping the leader's epoch as the last fetched one so the next
///   Fetch is checked too; or with `none` report [`Error::LogTruncated`] naming the fetch offset
///   and `end` and stop the partition (records queued before are still handed out first, as
///   the Java consumer returns what it fetched before the error);
/// - otherwise nothing read is past the divergence: fetch on, taking the leader's epoch as the
///   last fetched one (so the broker does not answer the same again).
pub(crate) fn diverged(shared: &Shared, target: &FetchTarget, diverging: EpochEndOffset<'_>) {
    let (topic, partition) = (&target.topic, target.partition);
    let fetch_offset = target.fetch_offset;
    let end = diverging.end_offset;
    let mut assignment = shared.state();
    let Some(state) = assignment.current(topic, partition, target.epoch) else {
        return;
    };
    if end >= fetch_offset {
        log::info!(
            "{topic}-{partition}: the leader has epoch {} up to offset {end}, past fetch offset \
             {fetch_offset}: no truncation",
            diverging.epoch
        );
        state.fetched_epoch = Some(diverging.epoch);
        return;
    }
    let policy = reset_seek(shared.config.auto_offset_reset);
    if end < 0 {
        log::warn!(
            "log truncation on {topic}-{partition} at fetch offset {fetch_offset}; the leader \
             gave no divergence point"
        );
        if let Some(seek) = policy {
            assignment.seek(topic, partition, seek);
            drop(assignment);
            shared.notify();
            return;
        }
    } else if policy.is_some() {
        let to = state.position.map_or(end, |position| position.min(end));
        log::warn!(
            "log truncation on {topic}-{partition}: the leader's log diverges from offset {end} \
             (end of its leader epoch {}), fetch offset was {fetch_offset}; reading again from \
             offset {to}",
            diverging.epoch
        );
        let epoch = (to == end).then_some(diverging.epoch);
        assignment.seek_diverged(topic, partition, target.epoch, to, epoch);
        drop(assignment);
        shared.notify();
        return;
    }
    drop(assignment);
    let error = Error::LogTruncated {
        topic: topic.to_string(),
        partition,
        fetch_offset,
        diverging_offset: (end >= 0).then_some(end),
    };
    fail(shared, std::slice::from_ref(target), error);
}

/// Stops the partitions of `targets` until a seek and hands `error` to the caller.
pub(crate) fn fail(shared: &Shared, targets: &[FetchTarget], error: Error) {
    let at: Vec<PartitionAt> = targets
        .iter()
        .map(|t| (Arc::clone(&t.topic), t.partition, t.epoch))
        .collect();
    shared.fail(&at, error);
}
