//! The assignors' invariants on random groups: complete, disjoint, only subscribed topics,
//! deterministic, balanced where the subscriptions allow, sticky through members joining and
//! leaving, and never two owners of a partition with the cooperative assignor.

use std::collections::BTreeMap;

use super::super::{
    Assignor, CooperativeStickyAssignor, GroupAssignment, GroupMember, PartitionCounts,
    RangeAssignor, RoundRobinAssignor, StickyAssignor,
};
use super::random_group::{Rng, random_group, random_member, random_subscription};
use super::rounds::{
    Owners, check_no_transfer_in_one_round, check_valid, is_balanced, joining, owners_after,
};

const SEEDS: u64 = 300;

fn all_assignors() -> [&'static dyn Assignor; 4] {
    [
        &RangeAssignor,
        &RoundRobinAssignor,
        &StickyAssignor,
        &CooperativeStickyAssignor,
    ]
}

fn loads(assignment: &GroupAssignment) -> impl Iterator<Item = usize> + '_ {
    assignment.values().map(|a| a.partitions.len())
}

fn spread(assignment: &GroupAssignment) -> usize {
    loads(assignment).max().unwrap_or(0) - loads(assignment).min().unwrap_or(0)
}

#[test]
fn new_groups_get_complete_disjoint_subscribed_deterministic_assignments() {
    for seed in 0..SEEDS {
        let mut rng = Rng::new(seed);
        let (counts, members) = random_group(&mut rng, seed % 2 == 0);
        let mut reversed = members.clone();
        reversed.reverse();
        for assignor in all_assignors() {
            let context = format!("seed {seed}, {}", assignor.name());
            let assignment = assignor.assign(&members, &counts).unwrap();
            check_valid(&members, &counts, &assignment, true, &context);
            let again = assignor.assign(&reversed, &counts).unwrap();
            assert_eq!(
                again, assignment,
                "{context}: depends on the members' order"
            );
        }
    }
}

#[test]
fn equal_subscriptions_are_balanced_within_one_partition() {
    for seed in 0..SEEDS {
        let mut rng = Rng::new(seed);
        let (counts, members) = random_group(&mut rng, true);
        for assignor in [
            &RoundRobinAssignor as &dyn Assignor,
            &StickyAssignor,
            &CooperativeStickyAssignor,
        ] {
            let assignment = assignor.assign(&members, &counts).unwrap();
            assert!(
                spread(&assignment) <= 1,
                "seed {seed}, {}: {assignment:?}",
                assignor.name()
            );
        }
        // Range balances each topic on its own, and gives every member the same partition
        // numbers of topics of the same size.
        let assignment = RangeAssignor.assign(&members, &counts).unwrap();
        for topic in counts.keys() {
            let per_member = assignment
                .values()
                .map(|a| a.partitions.iter().filter(|tp| &tp.topic == topic).count());
            let (max, min) = (per_member.clone().max().unwrap(), per_member.min().unwrap());
            assert!(max - min <= 1, "seed {seed}, range, {topic}");
        }
        for (a, b) in counts
            .iter()
            .zip(counts.iter().skip(1))
            .filter(|(a, b)| a.1 == b.1)
        {
            for given in assignment.values() {
                let numbers = |topic: &str| -> Vec<i32> {
                    given
                        .partitions
                        .iter()
                        .filter(|tp| tp.topic == topic)
                        .map(|tp| tp.partition)
                        .collect()
                };
                assert_eq!(
                    numbers(a.0),
                    numbers(b.0),
                    "seed {seed}: range co-partitioning"
                );
            }
        }
    }
}

#[test]
fn sticky_assignments_of_unequal_subscriptions_are_balanced() {
    for seed in 0..SEEDS {
        let mut rng = Rng::new(seed);
        let (counts, members) = random_group(&mut rng, false);
        for assignor in [&StickyAssignor as &dyn Assignor, &CooperativeStickyAssignor] {
            let assignment = assignor.assign(&members, &counts).unwrap();
            assert!(
                is_balanced(&members, &assignment),
                "seed {seed}, {}: {assignment:?}",
                assignor.name()
            );
        }
    }
}

/// One membership change: a member joins (or one leaves, or one changes its subscription).
fn churn(rng: &mut Rng, counts: &PartitionCounts, members: &mut Vec<GroupMember>, equal: bool) {
    match rng.below(3) {
        0 if members.len() > 1 => {
            members.remove(rng.below(members.len()));
        }
        1 if !equal => {
            let i = rng.below(members.len());
            members[i].topics = random_subscription(rng, counts, false);
        }
        _ => {
            let topics = random_subscription(rng, counts, equal);
            let member = random_member(rng, topics, members);
            members.push(member);
        }
    }
}

/// Runs rebalance rounds until no partition is held back (at most three), checking each;
/// returns the settled assignment and the next generation.
fn settle(
    assignor: &dyn Assignor,
    members: &[GroupMember],
    counts: &PartitionCounts,
    owners: &mut Owners,
    mut generation: i32,
    context: &str,
) -> (GroupAssignment, i32) {
    owners.retain(|id, _| members.iter().any(|m| &m.member_id == id));
    for round in 0..3 {
        let joined = joining(assignor, members, owners, generation);
        let assignment = assignor.assign(&joined, counts).unwrap();
        let context = format!("{context}, round {round}");
        check_valid(members, counts, &assignment, false, &context);
        if assignor.name() == "cooperative-sticky" {
            check_no_transfer_in_one_round(owners, &assignment, &context);
        }
        let complete = super::rounds::all_partitions(members, counts).len()
            == loads(&assignment).sum::<usize>();
        *owners = owners_after(&assignment);
        generation += 1;
        if complete {
            return (assignment, generation);
        }
        assert_eq!(
            assignor.name(),
            "cooperative-sticky",
            "{context}: incomplete"
        );
    }
    panic!("{context}: not settled after three rounds");
}

/// The fewest previously owned partitions that must move for an assignment balanced within
/// one partition, with equal subscriptions: each member keeps at most its share.
fn fewest_moves(owners: &Owners, members: &[GroupMember], partitions: usize) -> usize {
    let present: Vec<usize> = members
        .iter()
        .map(|m| owners.get(&m.member_id).map_or(0, Vec::len))
        .collect();
    let (share, extra) = (partitions / members.len(), partitions % members.len());
    let above = present.iter().filter(|&&owned| owned > share).count();
    let keepable: usize =
        present.iter().map(|&owned| owned.min(share)).sum::<usize>() + extra.min(above);
    present.iter().sum::<usize>() - keepable
}

fn moved(before: &Owners, after: &Owners) -> usize {
    before
        .iter()
        .filter_map(|(id, owned)| {
            after
                .get(id)
                .map(|now| owned.iter().filter(|tp| !now.contains(tp)).count())
        })
        .sum()
}

/// One rebalance after a membership change, as the churn tests see it.
struct Step<'a> {
    context: &'a str,
    members: &'a [GroupMember],
    counts: &'a PartitionCounts,
    /// What the members still in the group owned before the change.
    before: &'a Owners,
    /// The settled assignment, and what each member owns after it.
    assignment: &'a GroupAssignment,
    after: &'a Owners,
}

/// Runs both sticky assignors through eight membership changes on groups of `SEEDS / 3` seeds
/// (from `first_seed`), settling each change and handing every settled step to `check`.
fn run_churn(first_seed: u64, equal: bool, check: impl Fn(&Step<'_>)) {
    for seed in first_seed..first_seed + SEEDS / 3 {
        for assignor in [&StickyAssignor as &dyn Assignor, &CooperativeStickyAssignor] {
            let mut rng = Rng::new(seed);
            let (counts, mut members) = random_group(&mut rng, equal);
            let mut owners = BTreeMap::new();
            let context = format!("seed {seed}, {}", assignor.name());
            let (_, mut generation) = settle(assignor, &members, &counts, &mut owners, 1, &context);
            for step in 0..8 {
                churn(&mut rng, &counts, &mut members, equal);
                let context = format!("{context}, step {step}");
                owners.retain(|id, _| members.iter().any(|m| &m.member_id == id));
                let before = owners.clone();
                let (assignment, next) = settle(
                    assignor,
                    &members,
                    &counts,
                    &mut owners,
                    generation,
                    &context,
                );
                generation = next;
                check(&Step {
                    context: &context,
                    members: &members,
                    counts: &counts,
                    before: &before,
                    assignment: &assignment,
                    after: &owners,
                });
            }
        }
    }
}

#[test]
fn sticky_assignors_move_the_fewest_partitions_as_members_join_and_leave() {
    run_churn(0, true, |step| {
        let partitions = super::rounds::all_partitions(step.members, step.counts).len();
        let least = fewest_moves(step.before, step.members, partitions);
        assert!(spread(step.assignment) <= 1, "{}: unbalanced", step.context);
        assert_eq!(
            moved(step.before, step.after),
            least,
            "{}: moved more than needed",
            step.context
        );
    });
}

#[test]
fn churn_with_unequal_subscriptions_stays_valid_balanced_and_never_double_owned() {
    // `settle` checks every round for partitions given while another member owns them.
    run_churn(1000, false, |step| {
        check_valid(
            step.members,
            step.counts,
            step.assignment,
            true,
            step.context,
        );
        assert!(
            is_balanced(step.members, step.assignment),
            "{}: unbalanced",
            step.context
        );
    });
}

/// A large group with unequal subscriptions and a member joining (2,000 partitions over 100
/// members): valid and balanced (each assignment takes tens of milliseconds in a debug build).
#[test]
fn a_large_group_with_unequal_subscriptions_is_assigned() {
    let mut rng = Rng::new(7);
    let counts: PartitionCounts = (0..50).map(|t| (format!("topic-{t:02}"), 40)).collect();
    let mut members = Vec::new();
    for _ in 0..100 {
        let topics = random_subscription(&mut rng, &counts, false);
        let member = random_member(&mut rng, topics, &members);
        members.push(member);
    }
    for assignor in [&StickyAssignor as &dyn Assignor, &CooperativeStickyAssignor] {
        let mut owners = BTreeMap::new();
        let mut group = members.clone();
        let (_, generation) = settle(assignor, &group, &counts, &mut owners, 1, assignor.name());
        let topics = random_subscription(&mut rng, &counts, false);
        group.push(random_member(&mut rng, topics, &group));
        let (assignment, _) = settle(
            assignor,
            &group,
            &counts,
            &mut owners,
            generation,
            assignor.name(),
        );
        check_valid(&group, &counts, &assignment, true, assignor.name());
        assert!(is_balanced(&group, &assignment));
    }
}
