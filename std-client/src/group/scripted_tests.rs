//! The member's error matrix against the scripted coordinator (`scripted_coordinator.rs`):
//! each JoinGroup, SyncGroup, Heartbeat and OffsetCommit error the real broker cannot produce on
//! cue, and what the member does next (join again, with or without its id; lose its
//! partitions; look the coordinator up again; stop and tell the caller).
//!
//! The group's one member leads it, so it runs its assignor and gives itself partition `t`-0
//! (unless the test scripts the assignment bytes).

use std::time::{Duration, Instant};

use franzl_core::ErrorCode;
use franzl_core::messages::ApiKey;
use futures_lite::StreamExt;

use super::scripted_coordinator::{Coordinator, Seen, Shared, coordinator, poll_until, seen};
use crate::config::{ConsumerConfig, GroupConfig};
use crate::consumer::Consumer;
use crate::group::{GroupEvent, GroupEvents};

/// A member's event, as the test keeps it.
#[derive(Debug)]
enum Event {
    Assigned(Vec<crate::TopicPartition>),
    Revoked,
    Lost,
}

/// A member's events as they came; revocations are let go at once.
type Events = async_channel::Receiver<Event>;

/// Drains `events` into a channel, letting go of each revocation at once.
fn drain(mut events: GroupEvents) -> Events {
    let (sender, receiver) = async_channel::unbounded();
    smol::spawn(async move {
        while let Some(event) = events.next().await {
            let event = match event {
                GroupEvent::Assigned(partitions) => Event::Assigned(partitions),
                GroupEvent::Revoked(_) => Event::Revoked,
                _ => Event::Lost,
            };
            let _ = sender.send(event).await;
        }
    })
    .detach();
    receiver
}

/// A member of group `g` on the scripted coordinator at `port`, subscribed to `t`, with its
/// events.
async fn member(port: u16, edit: impl FnOnce(&mut GroupConfig)) -> (Consumer, Events) {
    let mut group = GroupConfig::new("g");
    group.heartbeat_interval = Duration::from_millis(100);
    group.session_timeout = Duration::from_secs(10);
    edit(&mut group);
    let config = ConsumerConfig::builder()
        .client(|c| {
            c.bootstrap_servers([format!("127.0.0.1:{port}")])
                .retry_backoff(Duration::from_millis(20), Duration::from_millis(100))
        })
        .group(group)
        .build()
        .unwrap();
    let consumer = Consumer::connect(config).await.unwrap();
    let events = drain(consumer.group_events().unwrap());
    consumer.subscribe(["t"]).unwrap();
    (consumer, events)
}

/// Waits until `done` holds of the coordinator's state; returns the errors polled.
async fn until(
    consumer: &mut Consumer,
    state: &Shared,
    what: &str,
    done: impl Fn(&Coordinator) -> bool,
) -> Vec<crate::Error> {
    poll_until(consumer, state, what, done).await
}

fn count(state: &Coordinator, api: ApiKey) -> usize {
    state.seen.iter().filter(|s| s.api == api).count()
}

/// The next event within a few seconds.
async fn next_event(events: &mut Events) -> Event {
    futures_lite::future::or(async { events.recv().await.ok() }, async {
        async_io::Timer::after(Duration::from_secs(10)).await;
        None
    })
    .await
    .expect("an event")
}

#[test]
fn the_join_handshake_joins_again_with_the_member_id_the_coordinator_gives() {
    smol::block_on(async {
        let (port, state) = coordinator(|_| {}).await;
        let (mut consumer, mut events) = member(port, |_| {}).await;
        until(&mut consumer, &state, "two heartbeats", |s| {
            count(s, ApiKey::Heartbeat) >= 2
        })
        .await;
        let seen = state.lock().unwrap().seen.clone();
        assert_eq!(seen[0], self::seen(ApiKey::JoinGroup, "", -1));
        assert_eq!(seen[1], self::seen(ApiKey::JoinGroup, "member-1", -1));
        assert_eq!(seen[2], self::seen(ApiKey::SyncGroup, "member-1", 1));
        assert_eq!(seen[3], self::seen(ApiKey::Heartbeat, "member-1", 1));
        match next_event(&mut events).await {
            Event::Assigned(partitions) => {
                assert_eq!(partitions, [crate::TopicPartition::new("t", 0)]);
            }
            other => panic!("{other:?}"),
        }
        consumer.close().await;
    });
}

#[test]
fn heartbeat_errors_rejoin_lose_or_stop_as_the_protocol_says() {
    smol::block_on(async {
        let (port, state) = coordinator(|_| {}).await;
        let (mut consumer, mut events) = member(port, |_| {}).await;
        until(&mut consumer, &state, "a heartbeat", |s| {
            count(s, ApiKey::Heartbeat) >= 1
        })
        .await;
        assert!(matches!(next_event(&mut events).await, Event::Assigned(_)));

        // A rebalance: the member joins again with its id, and (eager) revokes first.
        state
            .lock()
            .unwrap()
            .heartbeat_errors
            .push_back(ErrorCode::REBALANCE_IN_PROGRESS);
        until(&mut consumer, &state, "a second sync", |s| {
            count(s, ApiKey::SyncGroup) >= 2
        })
        .await;
        assert!(matches!(next_event(&mut events).await, Event::Revoked));
        assert!(matches!(next_event(&mut events).await, Event::Assigned(_)));
        let joins: Vec<Seen> = state.lock().unwrap().seen.clone();
        assert_eq!(
            joins
                .iter()
                .rev()
                .find(|s| s.api == ApiKey::JoinGroup)
                .unwrap()
                .member_id,
            "member-1"
        );

        // A stale generation: the partitions are lost (no commit), and it joins again.
        state
            .lock()
            .unwrap()
            .heartbeat_errors
            .push_back(ErrorCode::ILLEGAL_GENERATION);
        until(&mut consumer, &state, "a third sync", |s| {
            count(s, ApiKey::SyncGroup) >= 3
        })
        .await;
        assert!(matches!(next_event(&mut events).await, Event::Lost));
        assert!(matches!(next_event(&mut events).await, Event::Assigned(_)));

        // An unknown member: lost, and it joins again without its id.
        let joins_before = count(&state.lock().unwrap(), ApiKey::JoinGroup);
        state
            .lock()
            .unwrap()
            .heartbeat_errors
            .push_back(ErrorCode::UNKNOWN_MEMBER_ID);
        until(&mut consumer, &state, "a fourth sync", |s| {
            count(s, ApiKey::SyncGroup) >= 4
        })
        .await;
        assert!(matches!(next_event(&mut events).await, Event::Lost));
        let seen = state.lock().unwrap().seen.clone();
        let joins: Vec<&Seen> = seen.iter().filter(|s| s.api == ApiKey::JoinGroup).collect();
        assert_eq!(
            joins[joins_before].member_id, "",
            "joins again without its id"
        );

        // The coordinator moved: found again, heartbeats go on, no rebalance.
        let (finds, syncs) = {
            let s = state.lock().unwrap();
            (s.find_coordinator, count(&s, ApiKey::SyncGroup))
        };
        state
            .lock()
            .unwrap()
            .heartbeat_errors
            .push_back(ErrorCode::NOT_COORDINATOR);
        let beats = count(&state.lock().unwrap(), ApiKey::Heartbeat);
        until(&mut consumer, &state, "heartbeats after a move", |s| {
            s.find_coordinator > finds && count(s, ApiKey::Heartbeat) >= beats + 3
        })
        .await;
        assert_eq!(count(&state.lock().unwrap(), ApiKey::SyncGroup), syncs);
        consumer.close().await;
    });
}

#[test]
fn a_fenced_static_member_stops_and_its_caller_is_told() {
    smol::block_on(async {
        let (port, state) = coordinator(|s| {
            s.heartbeat_errors = [ErrorCode::NONE, ErrorCode::FENCED_INSTANCE_ID].into();
        })
        .await;
        let (mut consumer, mut events) = member(port, |g| {
            g.group_instance_id = Some("gw-1".into());
        })
        .await;
        let errors = until(&mut consumer, &state, "two heartbeats", |s| {
            count(s, ApiKey::Heartbeat) >= 2
        })
        .await;
        let error = match errors.into_iter().next() {
            Some(error) => error,
            None => loop {
                if let Err(error) = consumer.poll(Duration::from_millis(100)).await {
                    break error;
                }
            },
        };
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::FENCED_INSTANCE_ID),
            "{error}"
        );
        assert!(matches!(next_event(&mut events).await, Event::Assigned(_)));
        assert!(matches!(next_event(&mut events).await, Event::Lost));
        // It does not join again on its own.
        let joins = count(&state.lock().unwrap(), ApiKey::JoinGroup);
        async_io::Timer::after(Duration::from_millis(500)).await;
        assert_eq!(count(&state.lock().unwrap(), ApiKey::JoinGroup), joins);
        assert!(consumer.assignment().is_empty());
        consumer.close().await;
    });
}

#[test]
fn join_and_sync_errors_retry_rejoin_or_stop() {
    smol::block_on(async {
        let (port, state) = coordinator(|s| {
            s.join_errors = [
                ErrorCode::COORDINATOR_LOAD_IN_PROGRESS,
                ErrorCode::NOT_COORDINATOR,
            ]
            .into();
            s.sync_errors = [
                ErrorCode::REBALANCE_IN_PROGRESS,
                ErrorCode::ILLEGAL_GENERATION,
            ]
            .into();
        })
        .await;
        let (mut consumer, mut events) = member(port, |_| {}).await;
        until(&mut consumer, &state, "a heartbeat", |s| {
            count(s, ApiKey::Heartbeat) >= 1
        })
        .await;
        assert!(matches!(next_event(&mut events).await, Event::Assigned(_)));
        {
            let s = state.lock().unwrap();
            // Join refused twice, then joined; sync refused twice, each time joined again.
            assert_eq!(count(&s, ApiKey::JoinGroup), 1 + 2 + 3, "{:#?}", s.seen);
            assert_eq!(count(&s, ApiKey::SyncGroup), 3);
            assert!(
                s.find_coordinator >= 2,
                "NOT_COORDINATOR looks the coordinator up again"
            );
        }

        // A group error no retry cures: the caller is told and the member stops.
        state
            .lock()
            .unwrap()
            .heartbeat_errors
            .push_back(ErrorCode::REBALANCE_IN_PROGRESS);
        state
            .lock()
            .unwrap()
            .join_errors
            .push_back(ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
        let errors = until(&mut consumer, &state, "a refused join", |s| {
            count(s, ApiKey::JoinGroup) >= 7
        })
        .await;
        let error = match errors.into_iter().next() {
            Some(error) => error,
            None => loop {
                if let Err(error) = consumer.poll(Duration::from_millis(100)).await {
                    break error;
                }
            },
        };
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::INCONSISTENT_GROUP_PROTOCOL)
        );
        consumer.close().await;
    });
}

#[test]
fn a_malformed_assignment_or_an_assignor_not_offered_is_reported_and_retried_not_a_panic() {
    smol::block_on(async {
        let (port, state) = coordinator(|s| s.assignment = Some(vec![0, 1, 0xff])).await;
        let (mut consumer, _events) = member(port, |_| {}).await;
        let errors = until(&mut consumer, &state, "two syncs", |s| {
            count(s, ApiKey::SyncGroup) >= 2
        })
        .await;
        assert!(!errors.is_empty(), "the malformed assignment is reported");
        assert!(
            errors[0].to_string().contains("assignment"),
            "{}",
            errors[0]
        );
        assert!(consumer.assignment().is_empty());
        consumer.close().await;

        let (port, state) = coordinator(|s| s.protocol = Some("fancy".into())).await;
        let (mut consumer, _events) = member(port, |_| {}).await;
        let errors = until(&mut consumer, &state, "two joins after the id", |s| {
            count(s, ApiKey::JoinGroup) >= 3
        })
        .await;
        assert!(
            errors.iter().any(|e| e.to_string().contains("fancy")),
            "{errors:?}"
        );
        assert_eq!(count(&state.lock().unwrap(), ApiKey::SyncGroup), 0);
        consumer.close().await;
    });
}

#[test]
fn a_commit_follows_a_moved_coordinator_and_a_stale_one_is_refused() {
    smol::block_on(async {
        let (port, state) = coordinator(|_| {}).await;
        let (mut consumer, mut events) = member(port, |g| g.auto_commit = false).await;
        until(&mut consumer, &state, "a heartbeat", |s| {
            count(s, ApiKey::Heartbeat) >= 1
        })
        .await;
        assert!(matches!(next_event(&mut events).await, Event::Assigned(_)));
        let finds = state.lock().unwrap().find_coordinator;
        state.lock().unwrap().commit_errors = [ErrorCode::NOT_COORDINATOR].into();
        consumer
            .commit_offsets(&[(
                crate::TopicPartition::new("t", 0),
                crate::group::OffsetAndMetadata::new(0),
            )])
            .await
            .unwrap();
        {
            let s = state.lock().unwrap();
            assert!(
                s.find_coordinator > finds,
                "the coordinator is looked up again"
            );
            let commits: Vec<&Seen> = s
                .seen
                .iter()
                .filter(|x| x.api == ApiKey::OffsetCommit)
                .collect();
            assert_eq!(commits.len(), 2);
            assert!(
                commits
                    .iter()
                    .all(|c| c.member_id == "member-1" && c.generation == 1)
            );
        }

        // A generation the coordinator no longer knows: refused, not retried.
        state.lock().unwrap().commit_errors = [ErrorCode::ILLEGAL_GENERATION].into();
        let error = consumer.commit().await.unwrap_err();
        assert_eq!(error.kafka_code(), Some(ErrorCode::ILLEGAL_GENERATION));
        consumer.close().await;
    });
}

#[test]
fn committed_offsets_are_read_stable_and_an_unstable_one_is_asked_again() {
    smol::block_on(async {
        let (port, state) = coordinator(|s| {
            s.fetch_errors = [ErrorCode::UNSTABLE_OFFSET_COMMIT].into();
            s.committed = 42;
        })
        .await;
        let (mut consumer, mut events) = member(port, |_| {}).await;
        until(&mut consumer, &state, "a heartbeat", |s| {
            count(s, ApiKey::Heartbeat) >= 1
        })
        .await;
        assert!(matches!(next_event(&mut events).await, Event::Assigned(_)));
        assert_eq!(state.lock().unwrap().require_stable, [true, true]);
        // The partition starts at the committed offset once it is stable.
        let tp = crate::TopicPartition::new("t", 0);
        let deadline = Instant::now() + Duration::from_secs(10);
        while consumer.position(&tp) != Some(42) {
            assert!(Instant::now() < deadline, "{:?}", consumer.position(&tp));
            consumer.poll(Duration::from_millis(50)).await.unwrap();
        }
        consumer.close().await;
    });
}

#[test]
fn a_static_leader_told_to_skip_the_assignment_sends_none() {
    smol::block_on(async {
        let (port, state) = coordinator(|s| {
            s.skip_assignment = true;
            s.assignment = Some(Vec::new());
        })
        .await;
        let (mut consumer, _events) = member(port, |g| {
            g.group_instance_id = Some("gw-1".into());
        })
        .await;
        until(&mut consumer, &state, "a heartbeat", |s| {
            count(s, ApiKey::Heartbeat) >= 1
        })
        .await;
        assert_eq!(state.lock().unwrap().sync_assignments, [0]);
        consumer.close().await;
    });
}

#[test]
fn an_unknown_member_joins_again_without_its_id_and_an_unavailable_coordinator_is_found_again() {
    smol::block_on(async {
        let (port, state) = coordinator(|s| {
            s.join_errors = [
                ErrorCode::UNKNOWN_MEMBER_ID,
                ErrorCode::COORDINATOR_NOT_AVAILABLE,
            ]
            .into();
            s.sync_errors = [ErrorCode::UNKNOWN_MEMBER_ID].into();
        })
        .await;
        let (mut consumer, mut events) = member(port, |_| {}).await;
        until(&mut consumer, &state, "a heartbeat", |s| {
            count(s, ApiKey::Heartbeat) >= 1
        })
        .await;
        assert!(matches!(next_event(&mut events).await, Event::Assigned(_)));
        let s = state.lock().unwrap().seen.clone();
        let joins: Vec<&str> = s
            .iter()
            .filter(|x| x.api == ApiKey::JoinGroup)
            .map(|x| x.member_id.as_str())
            .collect();
        // "" (id required), member-1 (unknown), "" again, member-1 (coordinator not
        // available), member-1 (joined; sync says unknown), "", member-1 (joined).
        assert_eq!(
            joins,
            ["", "member-1", "", "member-1", "member-1", "", "member-1"],
            "{s:#?}"
        );
        assert!(state.lock().unwrap().find_coordinator >= 2);
        consumer.close().await;
    });
}
