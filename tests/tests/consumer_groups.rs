//! Consumer groups (the classic protocol) against the real broker: the join handshake, commits
//! and a restart that resumes after them, three members sharing twelve partitions with every
//! partition owned by one member at a time, a member removed when it stops polling, the
//! cooperative-sticky assignor moving only what moves, and static membership.
//!
//! The test broker runs with `group.initial.rebalance.delay.ms=0`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use franzl::config::{ConsumerConfig, GroupConfig};
use franzl::consumer::{Consumer, TopicPartition};
use franzl::group::{GroupEvent, GroupEvents};
use franzl_tests::consumer::config;
use franzl_tests::group_ownership::{
    Ownership, commit_and_restart, next_assigned, produce_keyed, take, value, watch,
};
use franzl_tests::java_tools::create_topic;
use franzl_tests::{Profile, broker, unique_topic};
use futures_lite::StreamExt;

const WAIT: Duration = Duration::from_secs(60);

fn group_config(
    bootstrap: &str,
    group: &str,
    edit: impl FnOnce(&mut GroupConfig),
) -> ConsumerConfig {
    let mut settings = GroupConfig::new(group);
    settings.session_timeout = Duration::from_secs(10);
    settings.heartbeat_interval = Duration::from_millis(500);
    edit(&mut settings);
    config(bootstrap).group(settings).build().unwrap()
}

#[test]
fn a_member_joins_commits_and_a_restart_resumes_after_its_commit() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("group-resume");
    create_topic(&bootstrap, None, &topic, 3);
    produce_keyed(&bootstrap, &topic, "a", 0..30);
    let group = unique_topic("g-resume");
    let config = group_config(&bootstrap, &group, |g| g.auto_commit = false);
    smol::block_on(commit_and_restart(&bootstrap, &topic, config));
}

#[test]
fn auto_commit_on_close_lets_the_next_member_resume() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("group-autocommit");
    create_topic(&bootstrap, None, &topic, 2);
    produce_keyed(&bootstrap, &topic, "a", 0..20);
    let group = unique_topic("g-autocommit");
    smol::block_on(async {
        let config = group_config(&bootstrap, &group, |_| {});
        let mut consumer = Consumer::connect(config.clone()).await.unwrap();
        consumer.subscribe([topic.clone()]).unwrap();
        assert_eq!(take(&mut consumer, 20, WAIT).await.len(), 20);
        consumer.close().await;
        produce_keyed(&bootstrap, &topic, "b", 0..5);
        let mut again = Consumer::connect(config).await.unwrap();
        again.subscribe([topic.clone()]).unwrap();
        let records = take(&mut again, 6, Duration::from_secs(15)).await;
        let mut seen: Vec<String> = records.iter().map(value).collect();
        seen.sort();
        assert_eq!(seen, ["b0", "b1", "b2", "b3", "b4"]);
        again.close().await;
    });
}

#[test]
fn three_members_share_twelve_partitions_one_owner_each_and_a_member_that_stops_polling_leaves() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("group-three");
    create_topic(&bootstrap, None, &topic, 12);
    produce_keyed(&bootstrap, &topic, "a", 0..600);
    let group = unique_topic("g-three");
    let ownership = Arc::new(Mutex::new(Ownership::default()));
    smol::block_on(async {
        let mut members = Vec::new();
        for i in 0..3 {
            let config = group_config(&bootstrap, &group, |g| {
                g.max_poll_interval = Duration::from_secs(6);
            });
            let consumer = Consumer::connect(config).await.unwrap();
            watch(i, consumer.group_events().unwrap(), Arc::clone(&ownership));
            consumer.subscribe([topic.clone()]).unwrap();
            members.push(consumer);
        }
        // Everyone polls until every record came and the group is balanced.
        let mut values = Vec::new();
        let deadline = Instant::now() + WAIT;
        loop {
            for member in &mut members {
                let records = member.poll(Duration::from_millis(50)).await.unwrap();
                values.extend(records.iter().map(value));
            }
            let balanced = {
                let o = ownership.lock().unwrap();
                (0..3).all(|m| o.owned_by(m) == 4)
            };
            if values.len() >= 600 && balanced {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} records, balanced {balanced}",
                values.len()
            );
        }
        let unique: BTreeSet<&String> = values.iter().collect();
        assert_eq!(unique.len(), 600, "every record delivered");
        assert_eq!(
            values.len(),
            600,
            "none twice without a rebalance after delivery"
        );
        for member in &members {
            assert_eq!(member.assignment().len(), 4);
        }

        // Member 2 stops polling: after max.poll.interval.ms it leaves and the others share
        // its partitions.
        let quiet = members.pop().unwrap();
        let deadline = Instant::now() + WAIT;
        loop {
            for member in &mut members {
                member.poll(Duration::from_millis(100)).await.unwrap();
            }
            let shared = {
                let o = ownership.lock().unwrap();
                o.owned_by(0) == 6 && o.owned_by(1) == 6 && o.owned_by(2) == 0
            };
            if shared {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the quiet member was not removed"
            );
        }
        assert!(quiet.assignment().is_empty());
        drop(quiet);
        for member in members {
            member.close().await;
        }
    });
    let o = ownership.lock().unwrap();
    assert!(
        o.overlaps.is_empty(),
        "two owners at once: {:?}",
        o.overlaps
    );
}

/// Every event of every member, in the order seen.
type Log = Arc<Mutex<Vec<(usize, &'static str, Vec<TopicPartition>)>>>;

/// As [`watch`], also logging each event.
fn watch_logged(
    member: usize,
    mut events: GroupEvents,
    ownership: Arc<Mutex<Ownership>>,
    log: Log,
) {
    smol::spawn(async move {
        while let Some(event) = events.next().await {
            let entry = match &event {
                GroupEvent::Assigned(p) => ("assigned", p.clone()),
                GroupEvent::Revoked(r) => ("revoked", r.partitions().to_vec()),
                GroupEvent::Lost(p) => ("lost", p.clone()),
                _ => ("other", Vec::new()),
            };
            log.lock().unwrap().push((member, entry.0, entry.1));
            ownership.lock().unwrap().record(member, &event);
        }
    })
    .detach();
}

/// Polls `members` until `done` holds of the ownership, or fails after the wait.
async fn poll_until(
    members: &mut [Consumer],
    ownership: &Mutex<Ownership>,
    what: &str,
    done: impl Fn(&Ownership) -> bool,
) {
    let deadline = Instant::now() + WAIT;
    while !done(&ownership.lock().unwrap()) {
        assert!(Instant::now() < deadline, "not reached in time: {what}");
        for member in members.iter_mut() {
            member.poll(Duration::from_millis(50)).await.unwrap();
        }
    }
}

#[test]
fn cooperative_sticky_moves_only_what_moves_from_two_to_three_to_two_members() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("group-coop");
    create_topic(&bootstrap, None, &topic, 6);
    let group = unique_topic("g-coop");
    let ownership = Arc::new(Mutex::new(Ownership::default()));
    let log: Log = Arc::default();
    let config = group_config(&bootstrap, &group, |g| {
        g.assignors = franzl::config::Assignors::by_names(["cooperative-sticky"]).unwrap();
    });
    smol::block_on(async {
        let mut members = Vec::new();
        for i in 0..2 {
            let consumer = Consumer::connect(config.clone()).await.unwrap();
            let events = consumer.group_events().unwrap();
            watch_logged(i, events, Arc::clone(&ownership), Arc::clone(&log));
            consumer.subscribe([topic.clone()]).unwrap();
            members.push(consumer);
        }
        poll_until(&mut members, &ownership, "3 and 3", |o| {
            o.owned_by(0) == 3 && o.owned_by(1) == 3
        })
        .await;
        log.lock().unwrap().clear();

        let third = Consumer::connect(config.clone()).await.unwrap();
        watch_logged(
            2,
            third.group_events().unwrap(),
            Arc::clone(&ownership),
            Arc::clone(&log),
        );
        third.subscribe([topic.clone()]).unwrap();
        members.push(third);
        poll_until(&mut members, &ownership, "2, 2 and 2", |o| {
            (0..3).all(|m| o.owned_by(m) == 2)
        })
        .await;
        {
            let log = log.lock().unwrap();
            let revoked: usize = log
                .iter()
                .filter(|(m, kind, _)| *m < 2 && *kind == "revoked")
                .map(|(_, _, p)| p.len())
                .sum();
            assert_eq!(
                revoked, 2,
                "only the two partitions that moved are revoked: {log:?}"
            );
            assert!(
                log.iter()
                    .all(|(m, kind, p)| *kind != "assigned" || *m == 2 || p.is_empty()),
                "the members that kept their partitions are not assigned them again: {log:?}"
            );
            assert!(log.iter().all(|(_, kind, _)| *kind != "lost"), "{log:?}");
        }
        log.lock().unwrap().clear();

        let leaving = members.pop().unwrap();
        leaving.close().await;
        poll_until(&mut members, &ownership, "3 and 3 again", |o| {
            o.owned_by(0) == 3 && o.owned_by(1) == 3
        })
        .await;
        {
            let log = log.lock().unwrap();
            assert!(
                log.iter()
                    .all(|(m, kind, _)| *m == 2 || *kind == "assigned"),
                "the staying members only gain partitions: {log:?}"
            );
        }
        for member in members {
            member.close().await;
        }
    });
    let o = ownership.lock().unwrap();
    assert!(
        o.overlaps.is_empty(),
        "two owners at once: {:?}",
        o.overlaps
    );
}

#[test]
fn a_static_member_restarts_without_a_rebalance_and_a_duplicate_instance_is_fenced() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("group-static");
    create_topic(&bootstrap, None, &topic, 4);
    let group = unique_topic("g-static");
    let ownership = Arc::new(Mutex::new(Ownership::default()));
    let log: Log = Arc::default();
    let member = |instance: &str| {
        let instance = instance.to_owned();
        group_config(&bootstrap, &group, move |g| {
            g.group_instance_id = Some(instance);
            g.session_timeout = Duration::from_secs(20);
        })
    };
    smol::block_on(async {
        let mut members = Vec::new();
        for (i, instance) in ["a", "b"].into_iter().enumerate() {
            let consumer = Consumer::connect(member(instance)).await.unwrap();
            let events = consumer.group_events().unwrap();
            watch_logged(i, events, Arc::clone(&ownership), Arc::clone(&log));
            consumer.subscribe([topic.clone()]).unwrap();
            members.push(consumer);
        }
        poll_until(&mut members, &ownership, "2 and 2", |o| {
            o.owned_by(0) == 2 && o.owned_by(1) == 2
        })
        .await;
        let before = members[1].assignment();
        log.lock().unwrap().clear();

        // "b" restarts: a static member does not leave on close, and its return within the
        // session timeout is no rebalance.
        members.pop().unwrap().close().await;
        let restarted = Consumer::connect(member("b")).await.unwrap();
        let mut events = restarted.group_events().unwrap();
        restarted.subscribe([topic.clone()]).unwrap();
        let mut back = next_assigned(&mut events, WAIT).await;
        back.sort();
        let mut before = before;
        before.sort();
        assert_eq!(back, before, "the same partitions come back");
        members.push(restarted);
        // A few heartbeats later, member "a" has seen nothing.
        let settle = Instant::now() + Duration::from_secs(3);
        while Instant::now() < settle {
            members[0].poll(Duration::from_millis(100)).await.unwrap();
            members[1].poll(Duration::from_millis(100)).await.unwrap();
        }
        assert!(
            log.lock().unwrap().iter().all(|(m, _, _)| *m != 0),
            "the other member saw a rebalance: {:?}",
            log.lock().unwrap()
        );

        // A second "b": the coordinator fences the one it replaces, which is told.
        let duplicate = Consumer::connect(member("b")).await.unwrap();
        duplicate.subscribe([topic.clone()]).unwrap();
        let mut fenced = members.pop().unwrap();
        let deadline = Instant::now() + WAIT;
        let error = loop {
            assert!(
                Instant::now() < deadline,
                "the replaced member was not fenced"
            );
            if let Err(error) = fenced.poll(Duration::from_millis(200)).await {
                break error;
            }
        };
        assert_eq!(
            error.kafka_code(),
            Some(franzl::core::ErrorCode::FENCED_INSTANCE_ID),
            "{error}"
        );
        assert!(fenced.assignment().is_empty());
        drop(fenced);
        duplicate.close().await;
        for member in members {
            member.close().await;
        }
    });
}

#[test]
fn a_pattern_subscription_follows_topics_created_later_and_partitions_added() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let prefix = unique_topic("group-pattern");
    let (first, second) = (format!("{prefix}-a"), format!("{prefix}-b"));
    create_topic(&bootstrap, None, &first, 1);
    produce_keyed(&bootstrap, &first, "a", 0..5);
    let group = unique_topic("g-pattern");
    let mut settings = GroupConfig::new(&group);
    settings.heartbeat_interval = Duration::from_millis(500);
    let config = config(&bootstrap)
        .client(|c| c.metadata_max_age(Duration::from_millis(500)))
        .group(settings)
        .build()
        .unwrap();
    smol::block_on(async {
        let mut consumer = Consumer::connect(config).await.unwrap();
        // The whole name must match: the prefix alone matches nothing.
        consumer
            .subscribe_pattern(&format!("{prefix}-[a-z]"))
            .unwrap();
        let records = take(&mut consumer, 5, WAIT).await;
        assert_eq!(records.len(), 5);

        // A topic created later that the pattern matches joins the subscription.
        create_topic(&bootstrap, None, &second, 1);
        produce_keyed(&bootstrap, &second, "b", 0..5);
        let records = take(&mut consumer, 5, WAIT).await;
        let mut seen: Vec<String> = records.iter().map(value).collect();
        seen.sort();
        assert_eq!(seen, ["b0", "b1", "b2", "b3", "b4"]);
        assert_eq!(consumer.subscription(), [first.clone(), second.clone()]);

        // Partitions added to a subscribed topic are assigned after a rebalance.
        let admin_config = franzl::config::AdminConfig::builder()
            .client(|c| c.bootstrap_servers([bootstrap.clone()]))
            .build()
            .unwrap();
        let admin = franzl::admin::Admin::connect(admin_config).await.unwrap();
        admin.create_partitions(&first, 3).await.unwrap();
        let deadline = Instant::now() + WAIT;
        while consumer.assignment().len() < 4 {
            assert!(Instant::now() < deadline, "{:?}", consumer.assignment());
            consumer.poll(Duration::from_millis(100)).await.unwrap();
        }
        admin.close().await;
        consumer.close().await;
    });
}

#[test]
fn a_member_holding_a_revocation_past_its_session_timeout_stays_in_the_group() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("group-hold");
    create_topic(&bootstrap, None, &topic, 2);
    let group = unique_topic("g-hold");
    // The broker's smallest session timeout; the revocation is held longer.
    let config = group_config(&bootstrap, &group, |g| {
        g.session_timeout = Duration::from_secs(6);
        g.heartbeat_interval = Duration::from_secs(1);
    });
    smol::block_on(async {
        let first = Consumer::connect(config.clone()).await.unwrap();
        let mut first_events = first.group_events().unwrap();
        first.subscribe([topic.clone()]).unwrap();
        assert_eq!(next_assigned(&mut first_events, WAIT).await.len(), 2);
        let holder = smol::spawn(async move {
            loop {
                match first_events.next().await {
                    Some(GroupEvent::Revoked(revocation)) => {
                        async_io::Timer::after(Duration::from_secs(9)).await;
                        drop(revocation);
                    }
                    Some(GroupEvent::Assigned(partitions)) => return partitions,
                    Some(GroupEvent::Lost(lost)) => panic!("lost {lost:?}"),
                    _ => panic!("the stream ended"),
                }
            }
        });
        let second = Consumer::connect(config).await.unwrap();
        let mut second_events = second.group_events().unwrap();
        second.subscribe([topic.clone()]).unwrap();
        // Had the first member's session expired while it held the revocation, the second
        // would have been given both partitions first.
        assert_eq!(next_assigned(&mut second_events, WAIT).await.len(), 1);
        assert_eq!(holder.await.len(), 1);
        second.close().await;
        first.close().await;
    });
}

#[test]
fn a_topic_deleted_under_the_group_leaves_the_assignment_without_a_hang() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let (kept, deleted) = (unique_topic("group-kept"), unique_topic("group-deleted"));
    create_topic(&bootstrap, None, &kept, 1);
    create_topic(&bootstrap, None, &deleted, 2);
    let group = unique_topic("g-deleted");
    let mut settings = GroupConfig::new(&group);
    settings.heartbeat_interval = Duration::from_millis(500);
    let config = config(&bootstrap)
        .client(|c| c.metadata_max_age(Duration::from_millis(500)))
        .group(settings)
        .build()
        .unwrap();
    smol::block_on(async {
        let mut consumer = Consumer::connect(config).await.unwrap();
        consumer.subscribe([kept.clone(), deleted.clone()]).unwrap();
        let deadline = Instant::now() + WAIT;
        while consumer.assignment().len() < 3 {
            assert!(Instant::now() < deadline);
            consumer.poll(Duration::from_millis(100)).await.unwrap();
        }
        let admin_config = franzl::config::AdminConfig::builder()
            .client(|c| c.bootstrap_servers([bootstrap.clone()]))
            .build()
            .unwrap();
        let admin = franzl::admin::Admin::connect(admin_config).await.unwrap();
        admin.delete_topics(&[deleted.as_str()]).await.unwrap();
        let mut errors = Vec::new();
        // Well before default.api.timeout.ms: the commit made before the rebalance does not
        // retry the deleted topic's partitions until it runs out.
        let deadline = Instant::now() + Duration::from_secs(30);
        while consumer.assignment() != [TopicPartition::new(&kept, 0)] {
            assert!(Instant::now() < deadline, "{:?}", consumer.assignment());
            if let Err(error) = consumer.poll(Duration::from_millis(100)).await {
                errors.push(error.to_string());
            }
        }
        // The kept topic is still read.
        produce_keyed(&bootstrap, &kept, "k", 0..3);
        assert_eq!(take(&mut consumer, 3, WAIT).await.len(), 3);
        eprintln!("errors while the topic went away: {errors:?}");
        admin.close().await;
        consumer.close().await;
    });
}

#[test]
fn unsubscribing_gives_the_partitions_to_the_other_member_at_once() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("group-unsubscribe");
    create_topic(&bootstrap, None, &topic, 2);
    let group = unique_topic("g-unsubscribe");
    let ownership = Arc::new(Mutex::new(Ownership::default()));
    let config = group_config(&bootstrap, &group, |g| {
        // Long enough that only leaving, not the session, can move the partitions in time.
        g.session_timeout = Duration::from_secs(45);
    });
    smol::block_on(async {
        let mut members = Vec::new();
        for i in 0..2 {
            let consumer = Consumer::connect(config.clone()).await.unwrap();
            watch(i, consumer.group_events().unwrap(), Arc::clone(&ownership));
            consumer.subscribe([topic.clone()]).unwrap();
            members.push(consumer);
        }
        poll_until(&mut members, &ownership, "1 and 1", |o| {
            o.owned_by(0) == 1 && o.owned_by(1) == 1
        })
        .await;
        members[1].unsubscribe().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while ownership.lock().unwrap().owned_by(0) != 2 {
            assert!(Instant::now() < deadline, "the partitions did not move");
            for member in &mut members {
                member.poll(Duration::from_millis(50)).await.unwrap();
            }
        }
        assert!(members[1].assignment().is_empty());
        // Assigning is allowed again once unsubscribed.
        members[1].assign([TopicPartition::new(&topic, 0)]);
        assert_eq!(members[1].assignment().len(), 1);
        for member in members {
            member.close().await;
        }
    });
    let o = ownership.lock().unwrap();
    assert!(
        o.overlaps.is_empty(),
        "two owners at once: {:?}",
        o.overlaps
    );
}

#[test]
fn assign_takes_a_topic_name_alone_and_excludes_subscribe() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("assign-topic");
    create_topic(&bootstrap, None, &topic, 3);
    let group = unique_topic("g-assign");
    smol::block_on(async {
        let consumer = Consumer::connect(group_config(&bootstrap, &group, |_| {}))
            .await
            .unwrap();
        consumer.assign_topics(&[&topic]).await.unwrap();
        let mut assigned = consumer.assignment();
        assigned.sort();
        let all: Vec<TopicPartition> = (0..3).map(|p| TopicPartition::new(&topic, p)).collect();
        assert_eq!(assigned, all);
        // Manually assigned: subscribing is refused until the assignment is empty.
        assert!(consumer.subscribe([topic.clone()]).is_err());
        let missing = consumer
            .assign_topics(&["no-such-topic-here"])
            .await
            .unwrap_err();
        assert_eq!(
            missing.kafka_code(),
            Some(franzl::core::ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
        );
        consumer.close().await;
    });
}
