//! Consumer groups with the KIP-848 protocol (`group.protocol=consumer`) against the real
//! broker (Kafka 4.x enables it by default): members that join, share twelve partitions with
//! one owner each at every moment, see only the moved partitions revoked when a member comes
//! or goes, commit and resume exactly, and cannot commit once the coordinator has dropped them;
//! a static member restarted within the session timeout that gets its partitions back alone; a
//! pattern the coordinator matches picking up a topic created later; a franzl member beside a
//! Java consumer, and one joining a classic group (upgraded, then downgraded), every record
//! read once. A killed member's partitions moving after the session timeout is in
//! `consumer_group_processes.rs`.
//!
//! The broker sets the heartbeat interval (`group.consumer.heartbeat.interval.ms`, 5 s by
//! default), so each rebalance takes a few seconds.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use franzl::config::{ConsumerConfig, GroupConfig, GroupProtocol};
use franzl::consumer::{Consumer, TopicPartition};
use franzl::group::{GroupEvent, OffsetAndMetadata};
use franzl_core::ErrorCode;
use franzl_core::messages::consumer_group_heartbeat::ConsumerGroupHeartbeatRequest;
use franzl_tests::consumer::config;
use franzl_tests::group_members::java_group_consumer_with;
use franzl_tests::group_ownership::{
    Ownership, commit_and_restart, next_assigned, produce_keyed, take, value, watch,
};
use franzl_tests::java_tools::create_topic;
use franzl_tests::raw_client::RawClient;
use franzl_tests::{Profile, broker, unique_topic};
use futures_lite::StreamExt;

const WAIT: Duration = Duration::from_secs(90);

fn member_config(
    bootstrap: &str,
    group: &str,
    edit: impl FnOnce(&mut GroupConfig),
) -> ConsumerConfig {
    let mut settings = GroupConfig::new(group);
    settings.protocol = GroupProtocol::Consumer;
    edit(&mut settings);
    config(bootstrap).group(settings).build().unwrap()
}

/// Member `i` of the group `config` names, subscribed to `topic`, its events in `ownership`.
async fn joined(
    i: usize,
    config: ConsumerConfig,
    topic: &str,
    ownership: &Arc<Mutex<Ownership>>,
) -> Consumer {
    let consumer = Consumer::connect(config).await.unwrap();
    watch(i, consumer.group_events().unwrap(), Arc::clone(ownership));
    consumer.subscribe([topic]).unwrap();
    consumer
}

/// Polls every member (collecting record values) until `done` holds of the ownership and
/// `count` values came, or fails after the wait.
async fn poll_until(
    members: &mut [Consumer],
    ownership: &Mutex<Ownership>,
    values: &mut Vec<String>,
    count: usize,
    what: &str,
    done: impl Fn(&Ownership) -> bool,
) {
    let deadline = Instant::now() + WAIT;
    loop {
        for member in members.iter_mut() {
            let records = member.poll(Duration::from_millis(50)).await.unwrap();
            values.extend(records.iter().map(value));
        }
        if values.len() >= count && done(&ownership.lock().unwrap()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not reached in time: {what} ({} of {count} records; log {:?})",
            values.len(),
            ownership.lock().unwrap().log
        );
    }
}

#[test]
fn three_members_share_twelve_partitions_and_a_fourth_coming_and_going_moves_only_its_share() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("kip848-share");
    create_topic(&bootstrap, None, &topic, 12);
    produce_keyed(&bootstrap, &topic, "a", 0..600);
    let group = unique_topic("g-kip848-share");
    let ownership = Arc::new(Mutex::new(Ownership::default()));
    let config = member_config(&bootstrap, &group, |_| {});
    let join = |i: usize| joined(i, config.clone(), &topic, &ownership);
    let values = smol::block_on(async {
        let mut values = Vec::new();
        let mut members = vec![join(0).await, join(1).await, join(2).await];
        let three = [0, 1, 2];
        poll_until(
            &mut members,
            &ownership,
            &mut values,
            600,
            "4, 4 and 4",
            |o| three.iter().all(|&m| o.owned_by(m) == 4) && o.complete(12, &three),
        )
        .await;
        ownership.lock().unwrap().log.clear();

        // A fourth member: the coordinator moves three partitions to it and revokes only
        // those, one from each of the others.
        members.push(join(3).await);
        produce_keyed(&bootstrap, &topic, "b", 0..600);
        poll_until(&mut members, &ownership, &mut values, 1200, "3 each", |o| {
            (0..4).all(|m| o.owned_by(m) == 3) && o.complete(12, &[0, 1, 2, 3])
        })
        .await;
        {
            let o = ownership.lock().unwrap();
            let moved = o.given_up_by(&three);
            assert_eq!(moved, 3, "only the moved partitions: {:?}", o.log);
            let kept = |(m, kind, _): &(usize, &str, _)| *m == 3 || *kind == "revoked";
            assert!(
                o.log.iter().all(kept),
                "the staying members are assigned nothing again and lose nothing: {:?}",
                o.log
            );
        }
        ownership.lock().unwrap().log.clear();

        // The fourth leaves: its three partitions go to the others, who give up nothing.
        let leaving = members.pop().unwrap();
        leaving.close().await;
        produce_keyed(&bootstrap, &topic, "c", 0..600);
        poll_until(
            &mut members,
            &ownership,
            &mut values,
            1800,
            "4 each again",
            |o| three.iter().all(|&m| o.owned_by(m) == 4) && o.complete(12, &three),
        )
        .await;
        {
            let o = ownership.lock().unwrap();
            let given_up = o.given_up_by(&three);
            assert_eq!(given_up, 0, "the staying members only gain: {:?}", o.log);
        }
        for member in members {
            member.close().await;
        }
        values
    });
    let unique: BTreeSet<&String> = values.iter().collect();
    assert_eq!(unique.len(), 1800, "every record consumed");
    assert_eq!(
        values.len(),
        1800,
        "and none twice: revocations commit first"
    );
    let o = ownership.lock().unwrap();
    assert!(
        o.overlaps.is_empty(),
        "two owners at once: {:?}",
        o.overlaps
    );
}

#[test]
fn a_commit_and_a_restart_resume_exactly_after_it() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("kip848-resume");
    create_topic(&bootstrap, None, &topic, 3);
    produce_keyed(&bootstrap, &topic, "a", 0..30);
    let group = unique_topic("g-kip848-resume");
    let config = member_config(&bootstrap, &group, |g| g.auto_commit = false);
    smol::block_on(commit_and_restart(&bootstrap, &topic, config));
}

#[test]
fn a_member_the_coordinator_dropped_cannot_commit() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("kip848-fenced");
    create_topic(&bootstrap, None, &topic, 1);
    produce_keyed(&bootstrap, &topic, "a", 0..10);
    let group = unique_topic("g-kip848-fenced");
    let config = member_config(&bootstrap, &group, |g| g.auto_commit = false);
    let tp = TopicPartition::new(&topic, 0);
    smol::block_on(async {
        let mut consumer = Consumer::connect(config).await.unwrap();
        let mut events = consumer.group_events().unwrap();
        consumer.subscribe([topic.as_str()]).unwrap();
        assert_eq!(
            next_assigned(&mut events, WAIT).await,
            std::slice::from_ref(&tp)
        );
        assert_eq!(take(&mut consumer, 10, WAIT).await.len(), 10);
        consumer
            .commit_offsets(&[(tp.clone(), OffsetAndMetadata::new(4))])
            .await
            .unwrap();
        // The coordinator drops the member (a leave heartbeat in its name, sent from
        // elsewhere): the member does not know yet, and commits under its old epoch.
        let member = consumer.group_metadata().unwrap();
        assert!(member.generation_id > 0, "{member:?}");
        let mut raw = RawClient::connect(&bootstrap).expect("connect");
        let leave = ConsumerGroupHeartbeatRequest {
            group_id: &group,
            member_id: &member.member_id,
            member_epoch: -1,
            ..Default::default()
        };
        let reply = raw.call(1, &leave).expect("leave");
        assert_eq!(reply.body().error_code, ErrorCode::NONE);
        let error = consumer
            .commit_offsets(&[(tp.clone(), OffsetAndMetadata::new(9))])
            .await
            .unwrap_err();
        let code = error.kafka_code();
        assert!(
            matches!(
                code,
                Some(
                    ErrorCode::UNKNOWN_MEMBER_ID
                        | ErrorCode::FENCED_MEMBER_EPOCH
                        | ErrorCode::STALE_MEMBER_EPOCH
                        | ErrorCode::REBALANCE_IN_PROGRESS
                )
            ),
            "{error}"
        );
        let committed = consumer.committed(std::slice::from_ref(&tp)).await.unwrap();
        assert_eq!(
            committed[0].as_ref().map(|c| c.offset),
            Some(4),
            "not applied"
        );
        // The member finds out from its next heartbeat, loses the partition, and joins again.
        loop {
            let event = futures_lite::future::or(events.next(), async {
                async_io::Timer::after(WAIT).await;
                None
            })
            .await;
            match event.expect("the loss") {
                GroupEvent::Lost(partitions) => {
                    assert_eq!(partitions, std::slice::from_ref(&tp));
                    break;
                }
                other => drop(other),
            }
        }
        assert_eq!(
            next_assigned(&mut events, WAIT).await,
            std::slice::from_ref(&tp),
            "joined again"
        );
        consumer.close().await;
    });
}

#[test]
fn a_static_member_restarted_within_the_session_gets_its_partitions_back_alone() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("kip848-static");
    create_topic(&bootstrap, None, &topic, 6);
    let group = unique_topic("g-kip848-static");
    let ownership = Arc::new(Mutex::new(Ownership::default()));
    let static_config = |instance: &str| {
        let instance = instance.to_owned();
        member_config(&bootstrap, &group, move |g| {
            g.group_instance_id = Some(instance)
        })
    };
    smol::block_on(async {
        let mut members = Vec::new();
        for i in 0..2 {
            let consumer = Consumer::connect(static_config(&format!("i-{i}")))
                .await
                .unwrap();
            watch(i, consumer.group_events().unwrap(), Arc::clone(&ownership));
            consumer.subscribe([topic.clone()]).unwrap();
            members.push(consumer);
        }
        let mut values = Vec::new();
        poll_until(&mut members, &ownership, &mut values, 0, "3 and 3", |o| {
            o.owned_by(0) == 3 && o.owned_by(1) == 3 && o.complete(6, &[0, 1])
        })
        .await;
        let before: Vec<TopicPartition> = {
            let mut owned = members[1].assignment();
            owned.sort();
            owned
        };
        ownership.lock().unwrap().log.clear();

        // Member 1 closes (leaving with epoch -2) and comes back as instance i-1 after member 0
        // has heartbeated at least once (the broker's interval is 5 s): had member 1 left for
        // good, its partitions would have gone to member 0 by then.
        members.pop().unwrap().close().await;
        let quiet = Instant::now() + Duration::from_secs(7);
        while Instant::now() < quiet {
            members[0].poll(Duration::from_millis(200)).await.unwrap();
        }
        let again = Consumer::connect(static_config("i-1")).await.unwrap();
        let mut events = again.group_events().unwrap();
        again.subscribe([topic.clone()]).unwrap();
        members.push(again);
        let mut back = next_assigned(&mut events, WAIT).await;
        back.sort();
        assert_eq!(back, before, "the same partitions come back");
        // Member 0 saw nothing move meanwhile.
        for member in &mut members {
            member.poll(Duration::from_millis(200)).await.unwrap();
        }
        {
            let o = ownership.lock().unwrap();
            let others: Vec<_> = o.log.iter().filter(|(m, _, _)| *m == 0).collect();
            assert!(
                others.is_empty(),
                "member 0 gained or lost nothing: {:?}",
                o.log
            );
        }
        for member in members {
            member.close().await;
        }
    });
}

#[test]
fn a_pattern_matched_by_the_coordinator_picks_up_a_topic_created_after_the_group_formed() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let prefix = unique_topic("kip848-re");
    let first = format!("{prefix}-a");
    let later = format!("{prefix}-b");
    let elsewhere = unique_topic("kip848-other");
    create_topic(&bootstrap, None, &first, 2);
    create_topic(&bootstrap, None, &elsewhere, 1);
    let group = unique_topic("g-kip848-re");
    let config = member_config(&bootstrap, &group, |_| {});
    smol::block_on(async {
        let mut consumer = Consumer::connect(config).await.unwrap();
        let mut events = consumer.group_events().unwrap();
        consumer.subscribe_pattern(&format!("{prefix}-.*")).unwrap();
        let mut assigned = next_assigned(&mut events, WAIT).await;
        assigned.sort();
        let want: Vec<TopicPartition> = (0..2).map(|p| TopicPartition::new(&first, p)).collect();
        assert_eq!(assigned, want);
        assert_eq!(consumer.subscription(), std::slice::from_ref(&first));

        create_topic(&bootstrap, None, &later, 1);
        produce_keyed(&bootstrap, &later, "late", 0..5);
        let added = next_assigned(&mut events, WAIT).await;
        assert_eq!(added, [TopicPartition::new(&later, 0)]);
        assert_eq!(consumer.subscription(), [first.clone(), later.clone()]);
        let records = take(&mut consumer, 5, WAIT).await;
        let mut seen: Vec<String> = records.iter().map(value).collect();
        seen.sort();
        assert_eq!(seen, ["late0", "late1", "late2", "late3", "late4"]);
        assert!(
            consumer.assignment().iter().all(|tp| tp.topic != elsewhere),
            "only matching topics"
        );
        consumer.close().await;
    });
}

#[test]
fn a_franzl_member_and_a_java_consumer_share_a_group_and_read_every_record_once() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("kip848-java");
    create_topic(&bootstrap, None, &topic, 4);
    produce_keyed(&bootstrap, &topic, "a", 0..200);
    let group = unique_topic("g-kip848-java");
    // The Java consumer joins first and reads everything there is.
    let java = java_group_consumer_with(
        &bootstrap,
        &group,
        &topic,
        "java-member",
        &["group.protocol=consumer"],
    );
    let deadline = Instant::now() + WAIT;
    while java.stdout().len() < 200 {
        assert!(
            Instant::now() < deadline,
            "java read {:?}",
            java.stdout().len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let ownership = Arc::new(Mutex::new(Ownership::default()));
    let franzl_values = smol::block_on(async {
        let consumer = Consumer::connect(member_config(&bootstrap, &group, |_| {}))
            .await
            .unwrap();
        watch(0, consumer.group_events().unwrap(), Arc::clone(&ownership));
        consumer.subscribe([topic.clone()]).unwrap();
        let mut members = [consumer];
        let mut values = Vec::new();
        // The coordinator moves half the partitions to franzl once Java lets go of them.
        poll_until(
            &mut members,
            &ownership,
            &mut values,
            0,
            "two partitions",
            |o| o.owned_by(0) == 2,
        )
        .await;
        produce_keyed(&bootstrap, &topic, "b", 0..200);
        let deadline = Instant::now() + WAIT;
        loop {
            let records = members[0].poll(Duration::from_millis(100)).await.unwrap();
            values.extend(records.iter().map(value));
            let java_b = java.stdout().iter().filter(|v| v.starts_with('b')).count();
            if values.len() + java_b >= 200 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} + {java_b} of 200",
                values.len()
            );
        }
        // A little longer, for duplicates.
        let quiet = Instant::now() + Duration::from_secs(2);
        while Instant::now() < quiet {
            let records = members[0].poll(Duration::from_millis(100)).await.unwrap();
            values.extend(records.iter().map(value));
        }
        let [consumer] = members;
        consumer.close().await;
        values
    });
    let mut all: Vec<String> = java.stdout();
    all.extend(franzl_values.iter().cloned());
    drop(java);
    let expected: BTreeSet<String> = (0..200)
        .flat_map(|i| [format!("a{i}"), format!("b{i}")])
        .collect();
    let unique: BTreeSet<String> = all.iter().cloned().collect();
    assert_eq!(unique, expected, "every record read");
    assert_eq!(
        all.len(),
        400,
        "each once (franzl read {})",
        franzl_values.len()
    );
    assert!(!franzl_values.is_empty(), "franzl read its share");
}

#[test]
fn a_classic_group_is_upgraded_when_a_consumer_member_joins_and_downgraded_when_it_leaves() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("kip848-migrate");
    create_topic(&bootstrap, None, &topic, 6);
    produce_keyed(&bootstrap, &topic, "a", 0..300);
    let group = unique_topic("g-kip848-migrate");
    let ownership = Arc::new(Mutex::new(Ownership::default()));
    let classic = member_config(&bootstrap, &group, |g| g.protocol = GroupProtocol::Classic);
    let consumer_protocol = member_config(&bootstrap, &group, |_| {});
    let join = |i: usize, config: ConsumerConfig| joined(i, config, &topic, &ownership);
    let values = smol::block_on(async {
        let mut values = Vec::new();
        let mut members = vec![join(0, classic.clone()).await, join(1, classic).await];
        poll_until(&mut members, &ownership, &mut values, 300, "3 and 3", |o| {
            o.owned_by(0) == 3 && o.owned_by(1) == 3 && o.complete(6, &[0, 1])
        })
        .await;
        // A consumer-protocol member joins the classic group, which becomes a consumer group.
        members.push(join(2, consumer_protocol).await);
        produce_keyed(&bootstrap, &topic, "b", 0..300);
        poll_until(&mut members, &ownership, &mut values, 600, "2 each", |o| {
            (0..3).all(|m| o.owned_by(m) == 2) && o.complete(6, &[0, 1, 2])
        })
        .await;
        // It leaves; the classic members take its partitions back.
        members.pop().unwrap().close().await;
        produce_keyed(&bootstrap, &topic, "c", 0..300);
        poll_until(
            &mut members,
            &ownership,
            &mut values,
            900,
            "3 and 3 again",
            |o| o.owned_by(0) == 3 && o.owned_by(1) == 3 && o.complete(6, &[0, 1]),
        )
        .await;
        for member in members {
            member.close().await;
        }
        values
    });
    let unique: BTreeSet<&String> = values.iter().collect();
    assert_eq!(unique.len(), 900, "every record consumed");
    assert_eq!(values.len(), 900, "and none twice");
    let o = ownership.lock().unwrap();
    assert!(
        o.overlaps.is_empty(),
        "two owners at once: {:?}",
        o.overlaps
    );
}
