//! The consumer-protocol member against the scripted coordinator (`scripted_coordinator.rs`):
//! what it sends as it joins, acknowledges, revokes, is fenced, commits and leaves, and what it
//! does with answers the real broker cannot be made to give on cue.

use std::time::{Duration, Instant};

use franzl_core::ErrorCode;
use franzl_core::messages::ApiKey;
use franzl_core::wire::Uuid;

use super::scripted_coordinator::*;
use crate::Error;
use crate::group::GroupEvent;

#[test]
fn a_member_joins_with_its_own_id_and_every_field_then_sends_only_what_changed() {
    smol::block_on(async {
        let joined = Reply {
            epoch: Some(1),
            assignment: assign(&[0, 0, -3]),
            ..Reply::default()
        };
        let (port, state) = coordinator(OFFERS, vec![joined]).await;
        let (mut consumer, mut events) = member(port, false).await;
        match next_event(&mut events).await {
            GroupEvent::Assigned(partitions) => assert_eq!(partitions, [tp(0)]),
            other => panic!("{other:?}"),
        }
        until(&mut consumer, &state, "four heartbeats", |s| {
            s.heartbeats.len() >= 4
        })
        .await;
        let beats = state.lock().unwrap().heartbeats.clone();
        let first = &beats[0];
        assert_eq!(first.epoch, 0);
        assert_eq!(
            first.member_id.len(),
            22,
            "KIP-1082: the member makes its id"
        );
        assert_eq!(first.rebalance_timeout_ms, 30_000);
        assert_eq!(first.topics.as_deref(), Some(&["t".to_owned()][..]));
        assert_eq!(
            first.owned,
            Some(Vec::new()),
            "a joining member owns nothing, sent as []"
        );
        // The acknowledgement: the assigned partition (once, not its duplicate or the
        // negative), at the new epoch; then keepalives that repeat nothing.
        let ack = beats
            .iter()
            .position(|b| b.owned.as_ref().is_some_and(|o| !o.is_empty()))
            .expect("an acknowledgement");
        assert_eq!(
            (beats[ack].epoch, beats[ack].owned.clone()),
            (1, assign(&[0]))
        );
        for beat in &beats[1..] {
            assert_eq!(beat.member_id, first.member_id);
            assert_eq!(beat.epoch, 1);
            assert_eq!(beat.topics, None, "the subscription did not change");
            assert_eq!(beat.rebalance_timeout_ms, -1);
        }
        let fetches = state.lock().unwrap().fetches.clone();
        assert_eq!(
            fetches,
            [(first.member_id.clone(), 1)],
            "offsets read as the member"
        );
        until(&mut consumer, &state, "keepalives", |s| {
            s.heartbeats.len() >= ack + 3
        })
        .await;
        let beats = state.lock().unwrap().heartbeats.clone();
        assert!(
            beats[ack + 1..].iter().all(|b| b.owned.is_none()),
            "{beats:#?}"
        );
        consumer.close().await;
        let last = state.lock().unwrap().heartbeats.last().cloned().unwrap();
        assert_eq!((last.epoch, last.member_id), (-1, first.member_id.clone()));
    });
}

#[test]
fn a_revocation_commits_first_and_is_acknowledged_only_after_the_caller_lets_go() {
    smol::block_on(async {
        let replies = vec![
            Reply {
                epoch: Some(1),
                assignment: assign(&[0]),
                ..Reply::default()
            },
            Reply::default(),
            Reply {
                epoch: Some(2),
                assignment: Some(Vec::new()),
                ..Reply::default()
            },
        ];
        let (port, state) = coordinator(OFFERS, replies).await;
        let (mut consumer, mut events) = member(port, true).await;
        assert!(matches!(
            next_event(&mut events).await,
            GroupEvent::Assigned(_)
        ));
        consumer
            .seek(&tp(0), crate::consumer::SeekTo::Offset(5))
            .unwrap();
        let held = revocation(next_event(&mut events).await);
        assert_eq!(held.partitions(), [tp(0)]);
        // Auto commit ran before the caller heard, under the new epoch.
        let commits = state.lock().unwrap().commits.clone();
        assert_eq!(commits.last().map(|c| c.1), Some(2), "{commits:?}");
        // While the caller holds it, heartbeats go on and acknowledge nothing.
        let seen = state.lock().unwrap().heartbeats.len();
        until(&mut consumer, &state, "heartbeats while held", |s| {
            s.heartbeats.len() >= seen + 3
        })
        .await;
        let held_beats = state.lock().unwrap().heartbeats[seen..].to_vec();
        assert!(
            held_beats.iter().all(|b| b.owned.is_none()),
            "{held_beats:#?}"
        );
        drop(held);
        until(&mut consumer, &state, "the acknowledgement", |s| {
            s.heartbeats
                .iter()
                .any(|b| b.epoch == 2 && b.owned == Some(Vec::new()))
        })
        .await;
        assert!(consumer.assignment().is_empty());
        consumer.close().await;
    });
}

#[test]
fn a_fenced_member_loses_its_partitions_without_a_commit_and_joins_again_at_epoch_0() {
    for code in [ErrorCode::FENCED_MEMBER_EPOCH, ErrorCode::UNKNOWN_MEMBER_ID] {
        smol::block_on(async {
            let mut replies = vec![
                Reply {
                    epoch: Some(3),
                    assignment: assign(&[0]),
                    ..Reply::default()
                },
                Reply::default(),
                Reply {
                    error: code,
                    ..Reply::default()
                },
            ];
            let busy = Reply {
                error: ErrorCode::COORDINATOR_LOAD_IN_PROGRESS,
                ..Reply::default()
            };
            replies.extend(std::iter::repeat_n(busy, 100));
            let (port, state) = coordinator(OFFERS, replies).await;
            let (mut consumer, mut events) = member(port, true).await;
            assert!(matches!(
                next_event(&mut events).await,
                GroupEvent::Assigned(_)
            ));
            match next_event(&mut events).await {
                GroupEvent::Lost(partitions) => assert_eq!(partitions, [tp(0)]),
                other => panic!("{code}: {other:?}"),
            }
            // The heartbeat after the fenced one (the third) joins again.
            until(&mut consumer, &state, "the rejoin", |s| {
                s.heartbeats.len() >= 4
            })
            .await;
            let beats = state.lock().unwrap().heartbeats.clone();
            let rejoin = &beats[3];
            assert_eq!(rejoin.epoch, 0, "{code}");
            assert_eq!(
                rejoin.member_id, beats[0].member_id,
                "{code}: the id is kept"
            );
            assert_eq!(rejoin.owned, Some(Vec::new()));
            assert!(rejoin.topics.is_some() && rejoin.rebalance_timeout_ms > 0);
            // Out of the group (the coordinator is busy with the rejoin), a commit is refused
            // before anything is sent.
            let commits = state.lock().unwrap().commits.len();
            let offsets = [(tp(0), crate::group::OffsetAndMetadata::new(9))];
            let error = consumer.commit_offsets(&offsets).await.unwrap_err();
            assert_eq!(
                error.kafka_code(),
                Some(ErrorCode::REBALANCE_IN_PROGRESS),
                "{error}"
            );
            assert_eq!(
                state.lock().unwrap().commits.len(),
                commits,
                "{code}: nothing sent"
            );
            consumer.close().await;
        });
    }
}

#[test]
fn a_stale_member_epoch_commit_is_asked_again_with_the_current_epoch() {
    smol::block_on(async {
        let (state, consumer, _events) = assigned_member(4, false, Vec::new()).await;
        state.lock().unwrap().commit_errors = [ErrorCode::STALE_MEMBER_EPOCH].into();
        let offsets = [(tp(0), crate::group::OffsetAndMetadata::new(3))];
        consumer.commit_offsets(&offsets).await.unwrap();
        let commits = state.lock().unwrap().commits.clone();
        assert_eq!(commits.len(), 2, "{commits:?}");
        assert!(
            commits
                .iter()
                .all(|(id, epoch)| id.len() == 22 && *epoch == 4)
        );
        // A fenced answer is not retried: the caller hears it.
        state.lock().unwrap().commit_errors = [ErrorCode::FENCED_MEMBER_EPOCH].into();
        let error = consumer.commit_offsets(&offsets).await.unwrap_err();
        assert_eq!(error.kafka_code(), Some(ErrorCode::FENCED_MEMBER_EPOCH));
        assert_eq!(state.lock().unwrap().commits.len(), 3);
        consumer.close().await;
    });
}

#[test]
fn a_broker_without_consumer_group_heartbeat_is_a_clear_error() {
    const OLD: &[(ApiKey, i16, i16)] = &[
        (ApiKey::ApiVersions, 0, 3),
        (ApiKey::Metadata, 0, 12),
        (ApiKey::FindCoordinator, 0, 4),
        (ApiKey::OffsetFetch, 1, 8),
        (ApiKey::OffsetCommit, 2, 8),
    ];
    smol::block_on(async {
        let (port, state) = coordinator(OLD, Vec::new()).await;
        let (mut consumer, _events) = member(port, false).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let error = loop {
            assert!(Instant::now() < deadline, "no error");
            if let Err(error) = consumer.poll(Duration::from_millis(50)).await {
                break error;
            }
        };
        let text = error.to_string();
        assert!(matches!(error, Error::Config { .. }), "{text}");
        assert!(
            text.contains("group.protocol") && text.contains("ConsumerGroupHeartbeat"),
            "{text}"
        );
        assert!(state.lock().unwrap().heartbeats.is_empty());
        consumer.close().await;
    });
}

#[test]
fn a_negative_epoch_in_a_successful_answer_is_ignored() {
    smol::block_on(async {
        let then = vec![Reply {
            epoch: Some(-1),
            ..Reply::default()
        }];
        let (state, mut consumer, _events) = assigned_member(2, false, then).await;
        until(&mut consumer, &state, "heartbeats after it", |s| {
            s.heartbeats.len() >= 5
        })
        .await;
        let beats = state.lock().unwrap().heartbeats.clone();
        // Taken, the -1 would have made the next heartbeat a leave.
        assert!(beats[1..].iter().all(|b| b.epoch == 2), "{beats:#?}");
        assert_eq!(consumer.assignment(), [tp(0)]);
        assert_eq!(consumer.group_metadata().unwrap().generation_id, 2);
        consumer.close().await;
    });
}

#[test]
fn a_topic_id_metadata_does_not_know_is_looked_up_and_the_rest_is_taken_meanwhile() {
    const UNKNOWN: Uuid = Uuid([9; 16]);
    smol::block_on(async {
        let replies = vec![Reply {
            epoch: Some(1),
            assignment: Some(vec![(UNKNOWN, vec![0, 1]), (T, vec![0])]),
            ..Reply::default()
        }];
        let (port, state) = coordinator(OFFERS, replies).await;
        let (mut consumer, mut events) = member(port, false).await;
        let before = state.lock().unwrap().metadata;
        match next_event(&mut events).await {
            GroupEvent::Assigned(partitions) => assert_eq!(partitions, [tp(0)]),
            other => panic!("{other:?}"),
        }
        assert!(
            state.lock().unwrap().metadata > before,
            "metadata asked again"
        );
        // Acknowledged: what the member owns, not the unknown topic; and it keeps asking.
        until(&mut consumer, &state, "the acknowledgement", |s| {
            s.heartbeats.iter().any(|b| b.owned == assign(&[0]))
        })
        .await;
        let asked = state.lock().unwrap().metadata;
        until(&mut consumer, &state, "another lookup", |s| {
            s.metadata > asked
        })
        .await;
        assert_eq!(consumer.assignment(), [tp(0)]);
        consumer.close().await;
    });
}

#[test]
fn a_static_member_names_its_instance_and_leaves_with_epoch_minus_2() {
    smol::block_on(async {
        let replies = vec![Reply {
            epoch: Some(1),
            assignment: assign(&[0]),
            ..Reply::default()
        }];
        let (port, state) = coordinator(OFFERS, replies).await;
        let instance = |g: &mut crate::config::GroupConfig| {
            g.group_instance_id = Some("i-1".to_owned());
        };
        let (mut consumer, mut events) = member_with(port, instance).await;
        assert!(matches!(
            next_event(&mut events).await,
            GroupEvent::Assigned(_)
        ));
        until(&mut consumer, &state, "heartbeats", |s| {
            s.heartbeats.len() >= 3
        })
        .await;
        consumer.close().await;
        let beats = state.lock().unwrap().heartbeats.clone();
        assert!(
            beats
                .iter()
                .all(|b| b.instance_id.as_deref() == Some("i-1")),
            "{beats:#?}"
        );
        assert_eq!(beats.last().unwrap().epoch, -2, "a static member's leave");
    });
}

#[test]
fn an_unreleased_instance_id_stops_the_newcomer_and_its_caller_is_told() {
    smol::block_on(async {
        let replies = vec![Reply {
            error: ErrorCode::UNRELEASED_INSTANCE_ID,
            ..Reply::default()
        }];
        let (port, state) = coordinator(OFFERS, replies).await;
        let instance = |g: &mut crate::config::GroupConfig| {
            g.group_instance_id = Some("i-1".to_owned());
        };
        let (mut consumer, _events) = member_with(port, instance).await;
        let errors = until(&mut consumer, &state, "the refusal", |s| {
            !s.heartbeats.is_empty()
        })
        .await;
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut errors = errors;
        while errors.is_empty() && Instant::now() < deadline {
            if let Err(error) = consumer.poll(Duration::from_millis(50)).await {
                errors.push(error);
            }
        }
        let code = errors.first().and_then(Error::kafka_code);
        assert_eq!(code, Some(ErrorCode::UNRELEASED_INSTANCE_ID), "{errors:?}");
        // It stops: no heartbeat follows.
        async_io::Timer::after(Duration::from_millis(500)).await;
        assert_eq!(state.lock().unwrap().heartbeats.len(), 1);
        consumer.close().await;
    });
}

#[test]
fn unsubscribing_revokes_then_leaves_and_subscribing_again_joins_at_epoch_0() {
    smol::block_on(async {
        let (state, mut consumer, mut events) = assigned_member(5, false, Vec::new()).await;
        consumer.unsubscribe().unwrap();
        drop(revocation(next_event(&mut events).await));
        until(&mut consumer, &state, "the leave", |s| {
            s.heartbeats.last().is_some_and(|b| b.epoch == -1)
        })
        .await;
        assert!(consumer.assignment().is_empty());
        let left = state.lock().unwrap().heartbeats.len();
        consumer.subscribe(["t"]).unwrap();
        until(&mut consumer, &state, "the rejoin", |s| {
            s.heartbeats.len() > left
        })
        .await;
        let beats = state.lock().unwrap().heartbeats.clone();
        assert_eq!(beats[left].epoch, 0);
        assert_eq!(beats[left].member_id, beats[0].member_id);
        consumer.close().await;
    });
}

#[test]
fn a_pattern_is_sent_for_the_coordinator_to_match_and_dropped_with_an_empty_one() {
    smol::block_on(async {
        let (state, mut consumer, _events) = assigned_member(1, false, Vec::new()).await;
        consumer.subscribe_pattern("t|u.*").unwrap();
        until(&mut consumer, &state, "the pattern", |s| {
            s.heartbeats.iter().any(|b| b.regex.is_some())
        })
        .await;
        let beats = state.lock().unwrap().heartbeats.clone();
        let sent = beats.iter().find(|b| b.regex.is_some()).unwrap();
        assert_eq!(sent.regex.as_deref(), Some("^(?:t|u.*)$"));
        assert_eq!(sent.topics, Some(Vec::new()), "no names beside the pattern");
        assert!(beats[0].regex.is_none(), "none while subscribed to names");
        let seen = beats.len();
        consumer.subscribe(["t"]).unwrap();
        until(&mut consumer, &state, "names again", |s| {
            s.heartbeats[seen..].iter().any(|b| b.regex.is_some())
        })
        .await;
        let beats = state.lock().unwrap().heartbeats.clone();
        let back = beats[seen..].iter().find(|b| b.regex.is_some()).unwrap();
        assert_eq!(back.regex.as_deref(), Some(""), "the pattern dropped");
        assert_eq!(back.topics, Some(vec!["t".to_owned()]));
        consumer.close().await;
    });
}

#[test]
fn a_caller_that_stops_polling_makes_the_member_commit_revoke_and_leave_until_it_polls() {
    smol::block_on(async {
        let joined = Reply {
            epoch: Some(2),
            assignment: assign(&[0]),
            ..Reply::default()
        };
        let (port, state) = coordinator(OFFERS, vec![joined]).await;
        let (mut consumer, mut events) = member_with(port, |g| {
            g.max_poll_interval = Duration::from_millis(800);
        })
        .await;
        assert!(matches!(
            next_event(&mut events).await,
            GroupEvent::Assigned(_)
        ));
        consumer
            .seek(&tp(0), crate::consumer::SeekTo::Offset(7))
            .unwrap();
        // No poll: past max.poll.interval.ms the member gives up and leaves.
        drop(revocation(next_event(&mut events).await));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !state
            .lock()
            .unwrap()
            .heartbeats
            .iter()
            .any(|b| b.epoch == -1)
        {
            assert!(Instant::now() < deadline, "no leave");
            async_io::Timer::after(Duration::from_millis(50)).await;
        }
        let (beats, commits) = {
            let s = state.lock().unwrap();
            (s.heartbeats.clone(), s.commits.clone())
        };
        assert_eq!(
            commits.last().map(|c| c.1),
            Some(2),
            "committed first: {commits:?}"
        );
        assert_eq!(beats[0].rebalance_timeout_ms, 800, "the rebalance timeout");
        assert!(consumer.assignment().is_empty());
        let left = beats.len();
        async_io::Timer::after(Duration::from_millis(300)).await;
        assert_eq!(
            state.lock().unwrap().heartbeats.len(),
            left,
            "out until the next poll"
        );
        // The next poll brings it back, at epoch 0 with everything.
        until(&mut consumer, &state, "the rejoin", |s| {
            s.heartbeats.len() > left
        })
        .await;
        let rejoin = state.lock().unwrap().heartbeats[left].clone();
        assert_eq!((rejoin.epoch, rejoin.rebalance_timeout_ms), (0, 800));
        assert_eq!(rejoin.topics, Some(vec!["t".to_owned()]));
        consumer.close().await;
    });
}

#[test]
fn after_a_lost_heartbeat_response_the_next_heartbeat_carries_everything_and_the_partitions_stay() {
    smol::block_on(async {
        let then = vec![Reply {
            epoch: Some(1),
            lost: true,
            ..Reply::default()
        }];
        let (state, mut consumer, mut events) = assigned_member(1, false, then).await;
        until(&mut consumer, &state, "the heartbeat after", |s| {
            s.heartbeats.len() >= 3
        })
        .await;
        let after = state.lock().unwrap().heartbeats[2].clone();
        assert_eq!(after.epoch, 1, "still in the group");
        assert_eq!(after.owned, assign(&[0]), "what it owns, again");
        assert!(
            after.topics.is_some() && after.rebalance_timeout_ms > 0,
            "{after:?}"
        );
        assert_eq!(consumer.assignment(), [tp(0)]);
        let pending =
            futures_lite::future::poll_once(futures_lite::StreamExt::next(&mut events)).await;
        assert!(!matches!(pending, Some(Some(_))), "nothing lost or revoked");
        consumer.close().await;
    });
}

#[test]
fn a_coordinator_that_has_the_protocol_disabled_is_a_clear_error() {
    smol::block_on(async {
        let refused = Reply {
            error: ErrorCode::UNSUPPORTED_VERSION,
            ..Reply::default()
        };
        let (port, state) = coordinator(OFFERS, vec![refused]).await;
        let (mut consumer, _events) = member(port, false).await;
        let errors = until(&mut consumer, &state, "the refusal", |s| {
            !s.heartbeats.is_empty()
        })
        .await;
        let mut errors = errors;
        let deadline = Instant::now() + Duration::from_secs(5);
        while errors.is_empty() && Instant::now() < deadline {
            if let Err(error) = consumer.poll(Duration::from_millis(50)).await {
                errors.push(error);
            }
        }
        let error = errors.first().expect("an error");
        assert!(matches!(error, Error::Config { .. }), "{error}");
        assert!(error.to_string().contains("group.protocol"), "{error}");
        async_io::Timer::after(Duration::from_millis(300)).await;
        assert_eq!(
            state.lock().unwrap().heartbeats.len(),
            1,
            "the member stops"
        );
        consumer.close().await;
    });
}
