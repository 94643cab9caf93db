//! [`Assignment`]: the consumer's partitions and, for each, where it reads, who leads it, and
//! what the broker last said about it.
//!
//! Two offsets per partition: the *position*, the next offset the caller will be given, moved
//! as records are handed out; and the *fetch offset*, the next offset to fetch, moved as fetched
//! batches are queued. A seek sets both (or clears them while a ListOffsets resolves it) and
//! bumps the partition's *epoch*; fetch results and queued batches carry the epoch they were
//! made under, and are dropped when it is no longer current. With the fetch offset goes the
//! leader epoch of the last batch fetched below it (KIP-320): each Fetch carries it as
//! `last_fetched_epoch`, so the leader can say where its log diverges from what was read. A seek
//! forgets it (the epoch of the records before an offset the caller chose is unknown, and
//! franzl does not ask OffsetsForLeaderEpoch for it): the first Fetch after a seek carries none,
//! and so is not checked for divergence, as the Java consumer's `seek(offset)`. A group
//! member's rebalance (`crate::group`) is an [`Assignment::assign`] with committed offsets as
//! seeks; a paused partition is not fetched until resumed.
//!
//! Pure state, no I/O: the fetchers and the consumer handle call it under one lock.

use std::fmt;
use std::sync::Arc;

use franzl_core::ErrorCode;
use franzl_core::messages::{LIST_OFFSETS_EARLIEST, LIST_OFFSETS_LATEST};
use franzl_core::wire::Uuid;

use super::shared::PartitionAt;
use crate::cluster::MetadataSnapshot;
use crate::config::AutoOffsetReset;

/// A topic and partition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
}

impl TopicPartition {
    /// `topic`'s partition `partition`.
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// Where to read a partition from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeekTo {
    /// The oldest record still in the log.
    Earliest,
    /// The end of the log (at `read_committed`: the last stable offset): only new records.
    Latest,
    /// This offset.
    Offset(i64),
    /// The first record with a timestamp at or after this one (milliseconds since the epoch),
    /// or the end of the log if there is none.
    Timestamp(i64),
}

impl SeekTo {
    /// The ListOffsets timestamp that resolves this seek, `None` for [`SeekTo::Offset`].
    pub(crate) fn list_offsets_timestamp(self) -> Option<i64> {
        match self {
            Self::Earliest => Some(LIST_OFFSETS_EARLIEST),
            Self::Latest => Some(LIST_OFFSETS_LATEST),
            Self::Timestamp(timestamp) => Some(timestamp),
            Self::Offset(_) => None,
        }
    }
}

/// The leader a partition is fetched from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Leader {
    pub(crate) node: i32,
    pub(crate) epoch: i32,
    pub(crate) topic_id: Uuid,
}

/// One assigned partition.
#[derive(Debug)]
pub(crate) struct PartitionState {
    pub(crate) topic: Arc<str>,
    pub(crate) partition: i32,
    pub(crate) epoch: u64,
    pub(crate) position: Option<i64>,
    pub(crate) fetch_offset: Option<i64>,
    /// The partition leader epoch of the last batch fetched below `fetch_offset`, `None` after
    /// a seek until a batch that has one is fetched.
    pub(crate) fetched_epoch: Option<i32>,
    /// A seek waiting for ListOffsets.
    pub(crate) reset: Option<SeekTo>,
    pub(crate) leader: Option<Leader>,
    pub(crate) in_flight: bool,
    /// Stopped after a non-retriable error reported to the caller (reset policy `none`, a
    /// refused response, an authorization failure, ...): not fetched, no leader looked up, no
    /// offset listed. A seek clears it.
    pub(crate) failed: bool,
    /// Paused by the caller: not fetched until resumed (the position stays).
    pub(crate) paused: bool,
    pub(crate) high_watermark: Option<i64>,
    pub(crate) last_stable_offset: Option<i64>,
    pub(crate) log_start_offset: Option<i64>,
}

impl PartitionState {
    fn new(topic: &str, partition: i32, start: Option<SeekTo>) -> Self {
        let mut state = Self {
            topic: Arc::from(topic),
            partition,
            epoch: 0,
            position: None,
            fetch_offset: None,
            fetched_epoch: None,
            reset: None,
            leader: None,
            in_flight: false,
            failed: false,
            paused: false,
            high_watermark: None,
            last_stable_offset: None,
            log_start_offset: None,
        };
        if let Some(start) = start {
            state.seek(start);
        }
        state
    }

    fn seek(&mut self, to: SeekTo) {
        self.epoch = self.epoch.wrapping_add(1);
        self.failed = false;
        self.fetched_epoch = None;
        match to {
            SeekTo::Offset(offset) => {
                self.position = Some(offset);
                self.fetch_offset = Some(offset);
                self.reset = None;
            }
            other => {
                self.position = None;
                self.fetch_offset = None;
                self.reset = Some(other);
            }
        }
    }

    pub(crate) fn topic_partition(&self) -> TopicPartition {
        TopicPartition::new(&*self.topic, self.partition)
    }

    fn is(&self, topic: &str, partition: i32) -> bool {
        self.partition == partition && &*self.topic == topic
    }
}

/// A partition to put in a Fetch request, as it was when chosen.
#[derive(Debug, Clone)]
pub(crate) struct FetchTarget {
    pub(crate) topic: Arc<str>,
    pub(crate) partition: i32,
    pub(crate) epoch: u64,
    pub(crate) fetch_offset: i64,
    /// The leader epoch of the last batch fetched before `fetch_offset`, if known.
    pub(crate) last_fetched_epoch: Option<i32>,
    pub(crate) leader: Leader,
}

/// The assigned partitions.
#[derive(Debug, Default)]
pub(crate) struct Assignment {
    partitions: Vec<PartitionState>,
    /// Where the next fetch round starts in the fetchable partitions.
    rotation: usize,
}

/// Where a partition without an offset starts, from `auto.offset.reset`.
pub(crate) fn reset_seek(policy: AutoOffsetReset) -> Option<SeekTo> {
    match policy {
        AutoOffsetReset::Earliest => Some(SeekTo::Earliest),
        AutoOffsetReset::Latest => Some(SeekTo::Latest),
        AutoOffsetReset::None => None,
    }
}

impl Assignment {
    /// Replaces the assignment; partitions kept keep their state, new ones start at `start`
    /// (with `None`, they wait for a seek).
    pub(crate) fn assign(&mut self, partitions: &[TopicPartition], start: Option<SeekTo>) {
        let mut old = std::mem::take(&mut self.partitions);
        for tp in partitions {
            if self.get(&tp.topic, tp.partition).is_some() {
                continue;
            }
            let state = match old.iter().position(|s| s.is(&tp.topic, tp.partition)) {
                Some(index) => old.swap_remove(index),
                None => PartitionState::new(&tp.topic, tp.partition, start),
            };
            self.partitions.push(state);
        }
    }

    /// The assigned partitions.
    pub(crate) fn partitions(&self) -> &[PartitionState] {
        &self.partitions
    }

    pub(crate) fn get(&self, topic: &str, partition: i32) -> Option<&PartitionState> {
        self.partitions.iter().find(|s| s.is(topic, partition))
    }

    pub(crate) fn get_mut(&mut self, topic: &str, partition: i32) -> Option<&mut PartitionState> {
        self.partitions.iter_mut().find(|s| s.is(topic, partition))
    }

    /// The state of `topic`'s `partition` if its epoch is still `epoch`.
    pub(crate) fn current(
        &mut self,
        topic: &str,
        partition: i32,
        epoch: u64,
    ) -> Option<&mut PartitionState> {
        self.get_mut(topic, partition).filter(|s| s.epoch == epoch)
    }

    /// Seeks an assigned partition; `false` if it is not assigned.
    pub(crate) fn seek(&mut self, topic: &str, partition: i32, to: SeekTo) -> bool {
        self.get_mut(topic, partition).map(|s| s.seek(to)).is_some()
    }

    /// The partitions led by `node` that can be fetched now, marked in flight.
    pub(crate) fn take_fetchable(&mut self, node: i32) -> Vec<FetchTarget> {
        let mut targets = Vec::new();
        for state in &mut self.partitions {
            let (Some(leader), Some(fetch_offset)) = (state.leader, state.fetch_offset) else {
                continue;
            };
            if leader.node != node || state.in_flight || state.failed || state.paused {
                continue;
            }
            state.in_flight = true;
            targets.push(FetchTarget {
                topic: Arc::clone(&state.topic),
                partition: state.partition,
                epoch: state.epoch,
                fetch_offset,
                last_fetched_epoch: state.fetched_epoch,
                leader,
            });
        }
        // Each round starts further along, so a partition late in the order (behind others
        // that fill the response) is not starved; then a Fetch groups partitions by topic,
        // topics in the order they come first.
        if !targets.is_empty() {
            let len = targets.len();
            targets.rotate_left(self.rotation % len);
            self.rotation = self.rotation.wrapping_add(1);
            let mut first: Vec<Arc<str>> = Vec::new();
            for target in &targets {
                if !first.contains(&target.topic) {
                    first.push(Arc::clone(&target.topic));
                }
            }
            targets.sort_by_key(|t| first.iter().position(|topic| *topic == t.topic));
        }
        targets
    }

    /// Pauses or resumes a partition; `false` if it is not assigned. Pausing drops what was
    /// fetched past the position (a new partition epoch), so nothing of it is handed out while
    /// paused, and a resumed partition is fetched again from its position.
    pub(crate) fn set_paused(&mut self, topic: &str, partition: i32, paused: bool) -> bool {
        let Some(state) = self.get_mut(topic, partition) else {
            return false;
        };
        if paused
            && !state.paused
            && let Some(position) = state.position
        {
            state.epoch = state.epoch.wrapping_add(1);
            state.fetch_offset = Some(position);
            state.fetched_epoch = None;
        }
        state.paused = paused;
        true
    }

    /// Ends the fetch of `targets` (whatever its outcome).
    pub(crate) fn finish_fetch(&mut self, targets: &[FetchTarget]) {
        for target in targets {
            if let Some(state) = self.get_mut(&target.topic, target.partition) {
                state.in_flight = false;
            }
        }
    }

    /// Forgets the leader of `topic`'s `partition`, so it is looked up again.
    pub(crate) fn lose_leader(&mut self, topic: &str, partition: i32) {
        if let Some(state) = self.get_mut(topic, partition) {
            state.leader = None;
        }
    }

    /// Stops the partitions of `at` still at their epoch (see [`PartitionState::failed`]) and
    /// returns them.
    pub(crate) fn stop(&mut self, at: &[PartitionAt]) -> Vec<PartitionAt> {
        let mut stopped = Vec::new();
        for (topic, partition, epoch) in at {
            if let Some(state) = self.current(topic, *partition, *epoch)
                && !state.failed
            {
                state.failed = true;
                state.reset = None;
                stopped.push((Arc::clone(topic), *partition, *epoch));
            }
        }
        stopped
    }

    /// The partitions of the stopped ones, as [`TopicPartition`]s.
    pub(crate) fn stopped(&self) -> Vec<TopicPartition> {
        let stopped = self.partitions.iter().filter(|s| s.failed);
        stopped.map(PartitionState::topic_partition).collect()
    }

    /// The partitions, not stopped, that wait for their leader to be looked up.
    pub(crate) fn leaderless(&self) -> Vec<PartitionAt> {
        let waiting = self
            .partitions
            .iter()
            .filter(|s| s.leader.is_none() && !s.failed);
        waiting
            .map(|s| (Arc::clone(&s.topic), s.partition, s.epoch))
            .collect()
    }

    /// The partitions waiting for a leader whose topic `metadata` answers with a non-retriable
    /// error (`TOPIC_AUTHORIZATION_FAILED`, `INVALID_TOPIC_EXCEPTION`), with that error. An
    /// unknown topic is retriable: it may yet be created.
    pub(crate) fn unusable(&self, metadata: &MetadataSnapshot) -> Vec<(PartitionAt, ErrorCode)> {
        let mut unusable = Vec::new();
        for at in self.leaderless() {
            let code = metadata.topic(&at.0).map_or(ErrorCode::NONE, |t| t.error);
            if !code.is_ok() && !code.is_retriable() {
                unusable.push((at, code));
            }
        }
        unusable
    }

    /// The partitions waiting for a leader that `metadata` says do not exist: their topic is
    /// unknown, or it has fewer partitions.
    pub(crate) fn missing(&self, metadata: &MetadataSnapshot) -> Vec<PartitionAt> {
        self.leaderless()
            .into_iter()
            .filter(|at| match metadata.topic(&at.0) {
                Some(topic) if topic.error == ErrorCode::UNKNOWN_TOPIC_OR_PARTITION => true,
                Some(topic) => topic.error.is_ok() && topic.partition(at.1).is_none(),
                None => false,
            })
            .collect()
    }

    /// Topics with a partition (not stopped) that needs its leader looked up.
    pub(crate) fn topics_without_leader(&self) -> Vec<Arc<str>> {
        let mut topics: Vec<Arc<str>> = Vec::new();
        for state in self
            .partitions
            .iter()
            .filter(|s| s.leader.is_none() && !s.failed)
        {
            if !topics.contains(&state.topic) {
                topics.push(Arc::clone(&state.topic));
            }
        }
        topics
    }

    /// Sets the leaders of partitions without one from `metadata`; returns every leader node.
    pub(crate) fn apply_leaders(&mut self, metadata: &MetadataSnapshot) -> Vec<i32> {
        let mut nodes = Vec::new();
        for state in &mut self.partitions {
            if state.leader.is_none() {
                let topic = metadata.topic(&state.topic);
                let found = topic.and_then(|t| t.partition(state.partition).map(|p| (t, p)));
                if let Some((topic, p)) = found.filter(|(_, p)| p.leader >= 0) {
                    state.leader = Some(Leader {
                        node: p.leader,
                        epoch: p.leader_epoch,
                        topic_id: topic.id,
                    });
                }
            }
            if let Some(leader) = state.leader
                && !nodes.contains(&leader.node)
            {
                nodes.push(leader.node);
            }
        }
        nodes
    }

    /// Partitions (not stopped) waiting for a ListOffsets, with their leader, seek and epoch.
    pub(crate) fn pending_resets(&self) -> Vec<(Arc<str>, i32, Leader, SeekTo, u64)> {
        self.partitions
            .iter()
            .filter(|s| !s.failed)
            .filter_map(|s| {
                let (leader, reset) = (s.leader?, s.reset?);
                Some((Arc::clone(&s.topic), s.partition, leader, reset, s.epoch))
            })
            .collect()
    }

    /// Moves a partition still at `epoch` back to `offset` after its leader's log was found to
    /// diverge there (KIP-320): a seek (queued records are dropped and fetched again), except
    /// that the leader epoch `leader_epoch` the leader gave for the records before `offset` is
    /// kept as the last fetched epoch, so the next Fetch is checked too. `false` if the
    /// partition moved on meanwhile.
    pub(crate) fn seek_diverged(
        &mut self,
        topic: &str,
        partition: i32,
        epoch: u64,
        offset: i64,
        leader_epoch: Option<i32>,
    ) -> bool {
        let Some(state) = self.current(topic, partition, epoch) else {
            return false;
        };
        state.seek(SeekTo::Offset(offset));
        state.fetched_epoch = leader_epoch;
        true
    }

    /// Completes a seek resolved by ListOffsets to `offset`, if the epoch is still `epoch`.
    pub(crate) fn apply_reset(&mut self, topic: &str, partition: i32, epoch: u64, offset: i64) {
        if let Some(state) = self.current(topic, partition, epoch) {
            state.position = Some(offset);
            state.fetch_offset = Some(offset);
            state.reset = None;
        }
    }
}

#[cfg(test)]
mod tests;
