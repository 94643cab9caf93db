//! What a fetcher does with a partition that did not simply return records: a leader moved
//! (forget it, or follow the new one the response names), a rack replica to read from, an
//! offset out of range (`auto.offset.reset`), or an error for the caller (the partition stops
//! until a seek). Each takes the assignment lock briefly and wakes the manager when it must act.

use std::sync::Arc;

use franzl_core::ErrorCode;
use franzl_core::messages::fetch::PartitionData;

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

/// Stops the partitions of `targets` until a seek and hands `error` to the caller.
pub(crate) fn fail(shared: &Shared, targets: &[FetchTarget], error: Error) {
    let at: Vec<PartitionAt> = targets
        .iter()
        .map(|t| (Arc::clone(&t.topic), t.partition, t.epoch))
        .collect();
    shared.fail(&at, error);
}
