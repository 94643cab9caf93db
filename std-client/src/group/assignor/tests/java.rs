//! franzl's assignors against the Java client's on the same groups
//! (`testdata/java_assignments.txt`, written by `tests/java/ConsumerProtocolGolden.java`):
//! range and round robin give the same assignment; the sticky ones as balanced a result that
//! keeps at least as many partitions with their owners, and cooperative-sticky holds back no
//! more partitions than Java's.

use std::collections::BTreeMap;

use super::super::{
    Assignor, CooperativeStickyAssignor, GroupAssignment, GroupMember, MemberAssignment,
    PartitionCounts, RangeAssignor, RoundRobinAssignor, StickyAssignor,
};
use super::rounds::{check_valid, is_balanced};
use crate::TopicPartition;

const JAVA_ASSIGNMENTS: &str = include_str!("../testdata/java_assignments.txt");

/// One group of the file, with what each Java assignor made of it.
#[derive(Debug, Default)]
struct JavaCase {
    name: String,
    counts: PartitionCounts,
    /// The members, with what they own and their generation (-1 for none).
    members: Vec<(GroupMember, i32)>,
    /// By assignor name.
    results: BTreeMap<String, GroupAssignment>,
}

fn parse_partition(text: &str) -> TopicPartition {
    let (topic, partition) = text.rsplit_once('-').expect("topic-partition");
    TopicPartition::new(topic, partition.parse().expect("partition number"))
}

fn parse_cases() -> Vec<JavaCase> {
    let mut cases = Vec::new();
    let mut case = JavaCase::default();
    let mut assignor = String::new();
    for line in JAVA_ASSIGNMENTS.lines().filter(|l| !l.starts_with('#')) {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["case", name] => case.name = (*name).to_owned(),
            ["topic", topic, count] => {
                case.counts
                    .insert((*topic).to_owned(), count.parse().unwrap());
            }
            ["member", id, fields @ ..] => {
                let field = |key: &str| {
                    fields
                        .iter()
                        .find_map(|f| f.strip_prefix(key))
                        .expect("member field")
                };
                let owned = match field("owned=") {
                    "-" => Vec::new(),
                    list => list.split(',').map(parse_partition).collect(),
                };
                let member = GroupMember {
                    member_id: (*id).to_owned(),
                    group_instance_id: Some(field("instance="))
                        .filter(|i| *i != "-")
                        .map(str::to_owned),
                    topics: field("topics=").split(',').map(str::to_owned).collect(),
                    owned_partitions: owned,
                    ..GroupMember::default()
                };
                case.members
                    .push((member, field("generation=").parse().unwrap()));
            }
            ["assignor", name] => assignor = (*name).to_owned(),
            ["assigned", member, partitions @ ..] => {
                let given = MemberAssignment {
                    partitions: partitions.iter().map(|p| parse_partition(p)).collect(),
                    user_data: None,
                };
                case.results
                    .entry(assignor.clone())
                    .or_default()
                    .insert((*member).to_owned(), given);
            }
            ["end"] => cases.push(std::mem::take(&mut case)),
            _ => panic!("unexpected line in java_assignments.txt: {line}"),
        }
    }
    cases
}

/// The members as a member running `assignor` sends its subscription: the sticky one's claims
/// in its user data only, the cooperative one's in the owned partitions and generation.
fn members_for(assignor: &dyn Assignor, case: &JavaCase) -> Vec<GroupMember> {
    case.members
        .iter()
        .map(|(member, generation)| {
            let generation = (*generation >= 0).then_some(*generation);
            let user_data = assignor.subscription_user_data(&member.owned_partitions, generation);
            match assignor.name() {
                "sticky" => GroupMember {
                    user_data,
                    owned_partitions: Vec::new(),
                    ..member.clone()
                },
                "cooperative-sticky" => GroupMember {
                    user_data,
                    generation,
                    ..member.clone()
                },
                _ => GroupMember {
                    owned_partitions: Vec::new(),
                    ..member.clone()
                },
            }
        })
        .collect()
}

/// How many partitions went to a member that owned them before.
fn kept(case: &JavaCase, assignment: &GroupAssignment) -> usize {
    case.members
        .iter()
        .map(|(member, _)| {
            let given = &assignment[&member.member_id].partitions;
            member
                .owned_partitions
                .iter()
                .filter(|tp| given.contains(tp))
                .count()
        })
        .sum()
}

fn given(assignment: &GroupAssignment) -> usize {
    assignment.values().map(|a| a.partitions.len()).sum()
}

#[test]
fn range_and_round_robin_match_java_exactly() {
    let cases = parse_cases();
    assert!(cases.len() >= 8);
    for case in &cases {
        for assignor in [&RangeAssignor as &dyn Assignor, &RoundRobinAssignor] {
            let members = members_for(assignor, case);
            let ours = assignor.assign(&members, &case.counts).unwrap();
            assert_eq!(
                ours,
                case.results[assignor.name()],
                "{}, {}",
                case.name,
                assignor.name()
            );
        }
    }
}

#[test]
fn sticky_assignors_balance_and_keep_as_well_as_java() {
    for case in &parse_cases() {
        for assignor in [&StickyAssignor as &dyn Assignor, &CooperativeStickyAssignor] {
            let context = format!("{}, {}", case.name, assignor.name());
            let members = members_for(assignor, case);
            let ours = assignor.assign(&members, &case.counts).unwrap();
            let java = &case.results[assignor.name()];
            let cooperative = assignor.name() == "cooperative-sticky";
            check_valid(&members, &case.counts, &ours, !cooperative, &context);
            check_valid(&members, &case.counts, java, !cooperative, &context);
            assert!(
                kept(case, &ours) >= kept(case, java),
                "{context}: keeps fewer than Java: {ours:?}"
            );
            if cooperative {
                assert!(
                    given(&ours) >= given(java),
                    "{context}: holds back more than Java: {ours:?}"
                );
            } else {
                let mut our_loads: Vec<usize> = ours.values().map(|a| a.partitions.len()).collect();
                let mut java_loads: Vec<usize> =
                    java.values().map(|a| a.partitions.len()).collect();
                our_loads.sort_unstable();
                java_loads.sort_unstable();
                assert!(
                    is_balanced(&members, &ours),
                    "{context}: unbalanced: {ours:?}"
                );
                assert_eq!(
                    our_loads, java_loads,
                    "{context}: balanced otherwise than Java"
                );
            }
        }
    }
}
