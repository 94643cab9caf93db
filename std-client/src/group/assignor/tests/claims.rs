//! Conflicting ownership claims: the highest generation wins, a stale member's claims count
//! for nothing, and a partition two members of that generation claim is taken from both (and
//! held back for a round by the cooperative assignor).

use std::collections::BTreeMap;

use super::super::{Assignor, CooperativeStickyAssignor, GroupMember, StickyAssignor};
use crate::TopicPartition;

fn member(id: &str, owned: &[i32], generation: Option<i32>) -> GroupMember {
    GroupMember {
        member_id: id.to_owned(),
        topics: vec!["t".to_owned()],
        owned_partitions: owned.iter().map(|&p| TopicPartition::new("t", p)).collect(),
        generation,
        ..GroupMember::default()
    }
}

fn numbers(assignment: &super::super::GroupAssignment, id: &str) -> Vec<i32> {
    assignment[id]
        .partitions
        .iter()
        .map(|tp| tp.partition)
        .collect()
}

#[test]
fn cooperative_honours_the_highest_generation_and_holds_back_contested_partitions() {
    let members = [
        member("a", &[0, 1], Some(5)),
        member("b", &[0, 2], Some(4)),
        member("c", &[1, 3], Some(5)),
    ];
    let counts = BTreeMap::from([("t".to_owned(), 6)]);
    let assignment = CooperativeStickyAssignor.assign(&members, &counts).unwrap();
    // t-1 is claimed by a and c in generation 5: no one gets it this round.
    assert!(
        assignment
            .values()
            .all(|a| !a.partitions.contains(&TopicPartition::new("t", 1)))
    );
    // b's generation-4 claims count for nothing: t-0 stays with a.
    assert!(numbers(&assignment, "a").contains(&0));
    assert!(numbers(&assignment, "c").contains(&3));
    // A member without a generation ranks below one with one: its claims count for nothing,
    // so nothing is held back for it.
    let members = [member("a", &[0, 1, 2], None), member("b", &[3], Some(1))];
    let assignment = CooperativeStickyAssignor.assign(&members, &counts).unwrap();
    assert!(numbers(&assignment, "b").contains(&3));
    assert_eq!(
        assignment
            .values()
            .map(|a| a.partitions.len())
            .sum::<usize>(),
        6
    );
}

#[test]
fn eager_sticky_reads_claims_from_its_user_data_only() {
    let counts = BTreeMap::from([("t".to_owned(), 4)]);
    let with_data = |id: &str, owned: &[i32], generation: i32| {
        let owned: Vec<TopicPartition> =
            owned.iter().map(|&p| TopicPartition::new("t", p)).collect();
        GroupMember {
            user_data: StickyAssignor.subscription_user_data(&owned, Some(generation)),
            ..member(id, &[], None)
        }
    };
    // a owns t-2 and t-3 in generation 7; b's claim on them is from generation 6.
    let members = [with_data("a", &[2, 3], 7), with_data("b", &[2, 3], 6)];
    let assignment = StickyAssignor.assign(&members, &counts).unwrap();
    assert_eq!(numbers(&assignment, "a"), [2, 3]);
    assert_eq!(numbers(&assignment, "b"), [0, 1]);
    // Unreadable user data is no claim; owned partitions in the subscription are not read.
    let members = [
        GroupMember {
            user_data: Some(vec![0xff]),
            ..member("a", &[2, 3], Some(9))
        },
        with_data("b", &[2, 3], 1),
    ];
    let assignment = StickyAssignor.assign(&members, &counts).unwrap();
    assert_eq!(numbers(&assignment, "b"), [2, 3]);
}
