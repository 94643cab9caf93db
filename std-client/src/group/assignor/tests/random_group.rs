//! A deterministic generator of random groups: topics with partition counts, members with
//! subscriptions (equal or not), some static; seeded, so a failure names its seed.

use std::collections::BTreeSet;

use super::super::{GroupMember, PartitionCounts};

/// xorshift64*: small, deterministic, good enough to pick group shapes.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(super) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Topics `t0`.. with 0 to 12 partitions each (mostly at least 1).
pub(super) fn random_topics(rng: &mut Rng) -> PartitionCounts {
    (0..1 + rng.below(4))
        .map(|t| {
            let count = if rng.chance(5) { 0 } else { 1 + rng.below(12) };
            (format!("t{t}"), count as i32)
        })
        .collect()
}

/// A subscription: all topics when `equal`, else a random non-empty subset, sometimes with a
/// topic that has no metadata.
pub(super) fn random_subscription(
    rng: &mut Rng,
    topics: &PartitionCounts,
    equal: bool,
) -> Vec<String> {
    let names: Vec<&String> = topics.keys().collect();
    if equal {
        return names.into_iter().cloned().collect();
    }
    let mut chosen: BTreeSet<String> = BTreeSet::new();
    chosen.insert(names[rng.below(names.len())].clone());
    for name in &names {
        if rng.chance(40) {
            chosen.insert((*name).clone());
        }
    }
    if rng.chance(10) {
        chosen.insert("no-metadata".to_owned());
    }
    chosen.into_iter().collect()
}

/// A new member with a fresh id (`m<number>`), static one time in four.
pub(super) fn random_member(
    rng: &mut Rng,
    topics: Vec<String>,
    taken: &[GroupMember],
) -> GroupMember {
    loop {
        let id = format!("m{:03}", rng.below(1000));
        if taken.iter().all(|member| member.member_id != id) {
            let instance = rng.chance(25).then(|| format!("i{:03}", rng.below(1000)));
            return GroupMember {
                member_id: id,
                group_instance_id: instance,
                topics,
                ..GroupMember::default()
            };
        }
    }
}

/// A group of 1 to 6 new members (no ownership yet) over random topics.
pub(super) fn random_group(rng: &mut Rng, equal: bool) -> (PartitionCounts, Vec<GroupMember>) {
    let topics = random_topics(rng);
    let mut members = Vec::new();
    for _ in 0..1 + rng.below(6) {
        let subscription = random_subscription(rng, &topics, equal);
        let member = random_member(rng, subscription, &members);
        members.push(member);
    }
    (topics, members)
}
