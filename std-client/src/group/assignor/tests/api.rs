//! The assignors' names and protocols, and the conversions between the assignor's types and
//! the consumer protocol's bytes (the Java client's, from franzl-core's fixtures).

use super::super::{BUILT_IN_NAMES, GroupMember, MemberAssignment, RebalanceProtocol, built_in};
use crate::TopicPartition;

#[test]
fn built_in_assignors_are_found_by_short_and_java_class_name() {
    for name in BUILT_IN_NAMES {
        assert_eq!(built_in(name).unwrap().name(), name);
    }
    let class = built_in("org.apache.kafka.clients.consumer.CooperativeStickyAssignor").unwrap();
    assert_eq!(class.name(), "cooperative-sticky");
    assert_eq!(
        class.protocols(),
        [RebalanceProtocol::Cooperative, RebalanceProtocol::Eager]
    );
    assert_eq!(
        built_in("range").unwrap().protocols(),
        [RebalanceProtocol::Eager]
    );
    assert!(built_in("uniform").is_none());
    assert!(built_in("org.apache.kafka.clients.consumer.Nope").is_none());
}

#[test]
fn java_subscription_bytes_become_a_group_member() {
    let bytes =
        include_bytes!("../../../../../core/src/consumer_protocol/testdata/subscription_v3.bin");
    let member = GroupMember::decode("m-1", Some("i-1".to_owned()), bytes).unwrap();
    assert_eq!(member.topics, ["orders", "payments"]);
    assert_eq!(member.user_data.as_deref(), Some(&[1, 2, 3][..]));
    assert_eq!(
        member.owned_partitions,
        [
            TopicPartition::new("orders", 0),
            TopicPartition::new("orders", 1),
            TopicPartition::new("payments", 2)
        ]
    );
    assert_eq!(
        (member.generation, member.rack.as_deref()),
        (Some(7), Some("rack-a"))
    );
    let minimal = include_bytes!(
        "../../../../../core/src/consumer_protocol/testdata/subscription_v3_minimal.bin"
    );
    assert_eq!(
        GroupMember::decode("m-2", None, minimal)
            .unwrap()
            .generation,
        None
    );
    let error = GroupMember::decode("m-3", None, &bytes[..5]).unwrap_err();
    assert!(error.to_string().contains("m-3"), "{error}");
}

#[test]
fn assignments_encode_as_the_java_client_writes_them() {
    let golden =
        include_bytes!("../../../../../core/src/consumer_protocol/testdata/assignment_v3.bin");
    let assignment = MemberAssignment::decode(golden).unwrap();
    assert_eq!(
        assignment,
        MemberAssignment {
            partitions: vec![
                TopicPartition::new("orders", 0),
                TopicPartition::new("orders", 2),
                TopicPartition::new("payments", 1)
            ],
            user_data: Some(vec![9, 9]),
        }
    );
    assert_eq!(assignment.encode(3).unwrap(), golden);
    assert!(MemberAssignment::decode(&golden[..1]).is_err());
    assert!(assignment.encode(4).is_err());
}

#[test]
fn sticky_user_data_is_what_the_java_assignors_write() {
    use super::super::{Assignor, CooperativeStickyAssignor, StickyAssignor};
    let previous = [
        TopicPartition::new("orders", 2),
        TopicPartition::new("orders", 0),
    ];
    let java =
        include_bytes!("../../../../../core/src/consumer_protocol/testdata/sticky_user_data.bin");
    assert_eq!(
        StickyAssignor
            .subscription_user_data(&previous, Some(5))
            .unwrap(),
        java
    );
    assert_eq!(StickyAssignor.subscription_user_data(&[], None), None);
    let java = include_bytes!(
        "../../../../../core/src/consumer_protocol/testdata/cooperative_sticky_user_data.bin"
    );
    assert_eq!(
        CooperativeStickyAssignor
            .subscription_user_data(&previous, Some(5))
            .unwrap(),
        java
    );
    assert_eq!(
        CooperativeStickyAssignor
            .subscription_user_data(&[], None)
            .unwrap(),
        (-1i32).to_be_bytes()
    );
}

#[test]
fn degenerate_groups_get_empty_assignments_without_panicking() {
    use std::collections::BTreeMap;
    let counts = BTreeMap::from([("t".to_owned(), 3), ("negative".to_owned(), -4)]);
    let idle = GroupMember {
        member_id: "idle".to_owned(),
        topics: vec!["negative".to_owned(), "absent".to_owned()],
        owned_partitions: vec![
            TopicPartition::new("t", 7),
            TopicPartition::new("absent", 0),
        ],
        generation: Some(3),
        user_data: Some(vec![0xff; 3]),
        ..GroupMember::default()
    };
    for name in BUILT_IN_NAMES {
        let assignor = built_in(name).unwrap();
        assert!(assignor.assign(&[], &counts).unwrap().is_empty(), "{name}");
        let assignment = assignor
            .assign(std::slice::from_ref(&idle), &counts)
            .unwrap();
        assert_eq!(assignment["idle"], MemberAssignment::default(), "{name}");
    }
}
