//! The placement both sticky assignors use: keep every valid owner's partitions, give the
//! unowned ones to the least loaded eligible members, then move partitions from the most to
//! the least loaded until no move can improve the balance.
//!
//! Contract: every partition of a subscribed topic (present in the partition counts) ends with
//! exactly one member subscribed to its topic. Afterwards no partition can move to another
//! member subscribed to its topic that has two or more partitions fewer than its owner: with
//! equal subscriptions the loads differ by at most one. Owned partitions move only for that
//! balance, from a most loaded member, so with equal subscriptions the fewest owned partitions
//! move that balance allows (with unequal ones this is a heuristic, as in the Java client);
//! among a member's partitions, the ones it did not own before move first.
//! Deterministic: ties go to the lower member id, and the highest partition moves first.

use super::GroupMember;
use super::member::PartitionCounts;
use crate::TopicPartition;

/// The placement for `members` (by index), given the partitions each validly owns.
pub(super) fn place(
    members: &[GroupMember],
    partition_counts: &PartitionCounts,
    owned: &[Vec<TopicPartition>],
) -> Vec<Vec<TopicPartition>> {
    let board = Board::new(members, partition_counts, owned);
    board.solve()
}

/// The state of the placement: partitions by index (topics in name order, then by number).
struct Board<'a> {
    /// The subscribed topics with metadata, in name order, with their first index and count.
    topics: Vec<(&'a str, usize, usize)>,
    /// For each member, whether it subscribes to each of `topics`.
    eligible: Vec<Vec<bool>>,
    /// Member indexes by member id.
    by_id: Vec<usize>,
    /// Each partition's topic (an index into `topics`).
    topic_of: Vec<usize>,
    /// Each partition's valid previous owner.
    previous: Vec<Option<usize>>,
    /// Each partition's owner in the placement being built.
    owner: Vec<Option<usize>>,
    /// Each member's partition count in it.
    load: Vec<usize>,
}

impl<'a> Board<'a> {
    fn new(
        members: &'a [GroupMember],
        partition_counts: &'a PartitionCounts,
        owned: &[Vec<TopicPartition>],
    ) -> Self {
        let mut topics = Vec::new();
        let mut next = 0;
        for (topic, &count) in partition_counts {
            let count = usize::try_from(count).unwrap_or(0);
            if members.iter().any(|m| m.topics.contains(topic)) {
                topics.push((topic.as_str(), next, count));
                next += count;
            }
        }
        let eligible = members
            .iter()
            .map(|m| {
                topics
                    .iter()
                    .map(|(t, ..)| m.topics.iter().any(|s| s == t))
                    .collect()
            })
            .collect();
        let mut by_id: Vec<usize> = (0..members.len()).collect();
        by_id.sort_by(|&a, &b| members[a].member_id.cmp(&members[b].member_id));
        let topic_of = topics
            .iter()
            .enumerate()
            .flat_map(|(t, &(_, _, count))| std::iter::repeat_n(t, count))
            .collect();
        let mut board = Self {
            topics,
            eligible,
            by_id,
            topic_of,
            previous: vec![None; next],
            owner: vec![None; next],
            load: vec![0; members.len()],
        };
        for (member, partitions) in owned.iter().enumerate() {
            for tp in partitions {
                if let Some(p) = board.index_of(tp) {
                    board.previous[p] = Some(member);
                    board.owner[p] = Some(member);
                    board.load[member] += 1;
                }
            }
        }
        board
    }

    fn index_of(&self, tp: &TopicPartition) -> Option<usize> {
        let &(_, first, count) = self.topics.iter().find(|(t, ..)| *t == tp.topic)?;
        let p = usize::try_from(tp.partition).ok().filter(|&p| p < count)?;
        Some(first + p)
    }

    fn solve(mut self) -> Vec<Vec<TopicPartition>> {
        self.place_unowned();
        while self.move_one() {}
        let mut placement = vec![Vec::new(); self.load.len()];
        for (p, owner) in self.owner.iter().enumerate() {
            if let Some(member) = owner {
                let (topic, first, _) = self.topics[self.topic_of[p]];
                let partition = i32::try_from(p - first).unwrap_or(i32::MAX);
                placement[*member].push(TopicPartition::new(topic, partition));
            }
        }
        placement
    }

    /// Gives each unowned partition to its least loaded eligible member; the partitions with
    /// the fewest eligible members go first, so they still find room.
    fn place_unowned(&mut self) {
        let mut unowned: Vec<usize> = (0..self.owner.len())
            .filter(|&p| self.owner[p].is_none())
            .collect();
        let eligible_count =
            |p: usize| self.eligible.iter().filter(|e| e[self.topic_of[p]]).count();
        let counts: Vec<usize> = unowned.iter().map(|&p| eligible_count(p)).collect();
        let mut keyed: Vec<(usize, usize)> = counts.into_iter().zip(unowned.drain(..)).collect();
        keyed.sort_unstable();
        for (_, p) in keyed {
            let topic = self.topic_of[p];
            let least = self
                .by_id
                .iter()
                .copied()
                .filter(|&m| self.eligible[m][topic])
                .min_by_key(|&m| self.load[m]);
            if let Some(member) = least {
                self.owner[p] = Some(member);
                self.load[member] += 1;
            }
        }
    }

    /// Makes the best single move that improves the balance, if there is one: to the least
    /// loaded member that can take a partition from a member with two or more partitions more,
    /// from the most loaded such member.
    fn move_one(&mut self) -> bool {
        let mut takers = self.by_id.clone();
        takers.sort_by_key(|&m| self.load[m]);
        for taker in takers {
            let mut best: Option<(usize, bool, usize)> = None;
            for (t, &(_, first, count)) in self.topics.iter().enumerate() {
                if !self.eligible[taker][t] {
                    continue;
                }
                for p in first..first + count {
                    let Some(giver) = self.owner[p] else { continue };
                    if self.load[giver] < self.load[taker] + 2 {
                        continue;
                    }
                    // The most loaded giver; its partitions it did not own before first; then
                    // the highest partition.
                    let key = (self.load[giver], self.previous[p] != Some(giver), p);
                    if best.is_none_or(|b| key > b) {
                        best = Some(key);
                    }
                }
            }
            if let Some((_, _, p)) = best {
                let giver = self.owner[p].expect("a move starts from an owned partition");
                self.owner[p] = Some(taker);
                self.load[giver] -= 1;
                self.load[taker] += 1;
                return true;
            }
        }
        false
    }
}
