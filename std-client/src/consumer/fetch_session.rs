//! [`FetchSession`]: a fetcher's incremental fetch session with its broker (KIP-227).
//!
//! The first Fetch is a full one that asks for a session (id 0, epoch 0). If the broker grants
//! one, later Fetches name only the partitions that are new or whose fetch offset, leader
//! epoch or last fetched epoch changed (the broker keeps the last one it was told and checks
//! divergence against it), and list as forgotten those no longer fetched (from v13, where
//! topics go by id, also a recreated topic's old id); the broker remembers the rest
//! and leaves partitions without news out of its answers. Any top-level error or failed request
//! ends the session, and the next Fetch is a full one again. Below Fetch v7 there are no
//! sessions: every Fetch is full (epoch -1).
//!
//! Call order per round: [`FetchSession::plan`], send, then [`FetchSession::answered`] with the
//! response's session id, or [`FetchSession::reset`] if there was no usable response.

use std::collections::BTreeMap;
use std::sync::Arc;

use franzl_core::messages::FIRST_VERSION_WITH_TOPIC_IDS;
use franzl_core::wire::Uuid;

use super::assignment::FetchTarget;

/// What the broker was last told about a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sent {
    fetch_offset: i64,
    leader_epoch: i32,
    last_fetched_epoch: Option<i32>,
}

/// The partitions to name in one Fetch and its session fields.
#[derive(Debug, Default)]
pub(crate) struct FetchPlan {
    pub(crate) session_id: i32,
    pub(crate) session_epoch: i32,
    /// Indexes into the round's targets of the partitions to name.
    pub(crate) include: Vec<usize>,
    /// Partitions to drop from the session: topic, its id, partition.
    pub(crate) forget: Vec<(Arc<str>, Uuid, i32)>,
    full: bool,
}

/// One broker's session, as the fetcher of that broker keeps it.
#[derive(Debug, Default)]
pub(crate) struct FetchSession {
    id: i32,
    epoch: i32,
    sent: BTreeMap<(Arc<str>, i32), (Sent, Uuid)>,
}

impl FetchSession {
    /// The Fetch for `targets` at Fetch `version`.
    pub(crate) fn plan(&self, targets: &[FetchTarget], version: i16) -> FetchPlan {
        if version < 7 || self.id == 0 {
            return FetchPlan {
                session_id: 0,
                // 0 asks for a new session; -1 is a full fetch without one.
                session_epoch: if version < 7 { -1 } else { 0 },
                include: (0..targets.len()).collect(),
                forget: Vec::new(),
                full: true,
            };
        }
        // From v13 the broker knows partitions by topic id: a topic recreated under its old
        // name is another partition to it, named anew while the old one is forgotten.
        let by_id = version >= FIRST_VERSION_WITH_TOPIC_IDS;
        let same_topic = |id: &Uuid, target: &FetchTarget| !by_id || *id == target.leader.topic_id;
        let include = targets
            .iter()
            .enumerate()
            .filter(|(_, target)| {
                let key = (Arc::clone(&target.topic), target.partition);
                self.sent
                    .get(&key)
                    .is_none_or(|(sent, id)| *sent != sent_of(target) || !same_topic(id, target))
            })
            .map(|(index, _)| index)
            .collect();
        let forget = self
            .sent
            .iter()
            .filter(|((topic, partition), (_, id))| {
                !targets
                    .iter()
                    .any(|t| t.partition == *partition && t.topic == *topic && same_topic(id, t))
            })
            .map(|((topic, partition), (_, id))| (Arc::clone(topic), *id, *partition))
            .collect();
        FetchPlan {
            session_id: self.id,
            session_epoch: self.epoch,
            include,
            forget,
            full: false,
        }
    }

    /// Records a response to `plan` (for `targets`) that carried `session_id`.
    pub(crate) fn answered(&mut self, plan: &FetchPlan, targets: &[FetchTarget], session_id: i32) {
        if plan.full {
            if session_id <= 0 {
                // No session granted: every Fetch stays a full one.
                self.reset();
                return;
            }
            self.id = session_id;
            self.sent.clear();
        } else if session_id != self.id {
            self.reset();
            return;
        }
        self.epoch = if plan.full {
            1
        } else {
            // Epochs run 1..=i32::MAX and then wrap to 1 (0 asks for a new session).
            self.epoch.checked_add(1).unwrap_or(1)
        };
        for (topic, _, partition) in &plan.forget {
            self.sent.remove(&(Arc::clone(topic), *partition));
        }
        for target in plan.include.iter().filter_map(|&index| targets.get(index)) {
            let key = (Arc::clone(&target.topic), target.partition);
            self.sent
                .insert(key, (sent_of(target), target.leader.topic_id));
        }
    }

    /// Ends the session: the next Fetch is a full one.
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }
}

fn sent_of(target: &FetchTarget) -> Sent {
    Sent {
        fetch_offset: target.fetch_offset,
        leader_epoch: target.leader.epoch,
        last_fetched_epoch: target.last_fetched_epoch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer::assignment::Leader;

    fn target(partition: i32, fetch_offset: i64) -> FetchTarget {
        FetchTarget {
            topic: Arc::from("t"),
            partition,
            epoch: 1,
            fetch_offset,
            last_fetched_epoch: None,
            leader: Leader {
                node: 1,
                epoch: 3,
                topic_id: Uuid([7; 16]),
            },
        }
    }

    #[test]
    fn a_session_names_only_what_changed() {
        let mut session = FetchSession::default();
        let round = [target(0, 10), target(1, 20)];
        let plan = session.plan(&round, 16);
        assert_eq!(
            (plan.session_id, plan.session_epoch, plan.include.len()),
            (0, 0, 2)
        );
        session.answered(&plan, &round, 55);

        // Partition 0 advanced, partition 1 did not.
        let round = [target(0, 15), target(1, 20)];
        let plan = session.plan(&round, 16);
        assert_eq!((plan.session_id, plan.session_epoch), (55, 1));
        assert_eq!(plan.include, [0]);
        assert!(plan.forget.is_empty());
        session.answered(&plan, &round, 55);

        // Partition 1 is no longer fetched (in flight elsewhere, seeking, ...).
        let round = [target(0, 15)];
        let plan = session.plan(&round, 16);
        assert_eq!(plan.session_epoch, 2);
        assert!(plan.include.is_empty());
        assert_eq!(plan.forget, [(Arc::from("t"), Uuid([7; 16]), 1)]);
        session.answered(&plan, &round, 55);

        // It comes back: named again.
        let round = [target(0, 15), target(1, 20)];
        assert_eq!(session.plan(&round, 16).include, [1]);
    }

    #[test]
    fn a_new_last_fetched_epoch_is_sent_even_at_the_same_offset() {
        let mut session = FetchSession::default();
        let round = [target(0, 10)];
        let plan = session.plan(&round, 16);
        session.answered(&plan, &round, 55);
        let moved = [FetchTarget {
            last_fetched_epoch: Some(4),
            ..target(0, 10)
        }];
        assert_eq!(session.plan(&moved, 16).include, [0]);
    }

    #[test]
    fn no_session_granted_or_an_error_means_full_fetches() {
        let mut session = FetchSession::default();
        let round = [target(0, 10)];
        let plan = session.plan(&round, 16);
        session.answered(&plan, &round, 0);
        assert_eq!(session.plan(&round, 16).session_epoch, 0);

        let plan = session.plan(&round, 16);
        session.answered(&plan, &round, 9);
        session.reset();
        let plan = session.plan(&round, 16);
        assert_eq!((plan.session_id, plan.include.len()), (0, 1));
    }

    #[test]
    fn a_recreated_topic_is_named_by_its_new_id_and_its_old_id_forgotten() {
        let mut session = FetchSession::default();
        let round = [target(0, 10)];
        let plan = session.plan(&round, 16);
        session.answered(&plan, &round, 55);
        // The topic is deleted and created again: a new id, at the same offset and epochs.
        let round = [recreated_at(8)];
        let plan = session.plan(&round, 16);
        assert_eq!(plan.include, [0]);
        assert_eq!(plan.forget, [(Arc::from("t"), Uuid([7; 16]), 0)]);
        session.answered(&plan, &round, 55);
        let plan = session.plan(&round, 16);
        assert!(plan.include.is_empty() && plan.forget.is_empty());
        // Below v13 the broker knows topics by name: nothing changed for it.
        let mut session = FetchSession::default();
        let round = [target(0, 10)];
        let plan = session.plan(&round, 12);
        session.answered(&plan, &round, 55);
        let plan = session.plan(&[recreated_at(8)], 12);
        assert!(plan.include.is_empty() && plan.forget.is_empty());
    }

    fn recreated_at(id: u8) -> FetchTarget {
        let mut target = target(0, 10);
        target.leader.topic_id = Uuid([id; 16]);
        target
    }

    #[test]
    fn old_brokers_get_full_fetches_without_a_session() {
        let session = FetchSession::default();
        let plan = session.plan(&[target(0, 1)], 6);
        assert_eq!((plan.session_id, plan.session_epoch), (0, -1));
    }
}
