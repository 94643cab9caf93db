//! One rebalance of a group member: give up what must be given up first, join, assign (the
//! leader), sync, and take the new assignment into the consumer.
//!
//! Eager protocol (`range`, `roundrobin`, `sticky`): every owned partition is revoked before
//! the member joins (auto commit first, then [`GroupEvent::Revoked`], held until dropped).
//! Cooperative (`cooperative-sticky`, KIP-429): the member keeps its partitions through the
//! join; after sync it revokes only those no longer assigned and, if there were any, joins
//! again so they reach their new owner; no partition ever has two owners.
//!
//! A newly assigned partition starts at its committed offset (OffsetFetch, stable offsets
//! only), or where `auto.offset.reset` says; with `none` and nothing committed it stops with
//! an error the caller sees. A leader whose assignor fails, or a member given an assignment
//! that does not decode, reports the error and joins again after a backoff.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use franzl_core::consumer_protocol::{HIGHEST_VERSION, Subscription};

use super::assignor::{Assignor, GroupMember, MemberAssignment, RebalanceProtocol};
use super::commit;
use super::events::{GroupEvent, Revocation};
use super::member_context::{Context, CoordinatorLink, with_heartbeats};
use super::offsets::CommittedOffset;
use super::protocol::{self, JoinArgs, JoinOutcome, Joined, JoinedMember, Member};
use crate::TopicPartition;
use crate::consumer::SeekTo;
use crate::error::{Error, Result};

/// The rebalance protocol the member's assignors all support (the highest such).
pub(crate) fn rebalance_protocol(assignors: &[Arc<dyn Assignor>]) -> RebalanceProtocol {
    let all = |protocol| assignors.iter().all(|a| a.protocols().contains(&protocol));
    if !assignors.is_empty() && all(RebalanceProtocol::Cooperative) {
        RebalanceProtocol::Cooperative
    } else {
        RebalanceProtocol::Eager
    }
}

/// Runs one rebalance: join, sync, apply. Returns whether another round is needed at once
/// (partitions were revoked cooperatively).
///
/// # Errors
/// A failed request or a refused assignment; the member task judges it (`verdict.rs`).
pub(crate) async fn rebalance(cx: &mut Context<'_>, link: &mut CoordinatorLink) -> Result<bool> {
    {
        let mut state = cx.membership.state();
        if !state.owned.is_empty() {
            state.previous = state.owned.clone();
            state.previous_generation = state.generation;
        }
    }
    if cx.membership.state().pattern.is_some() {
        match_pattern(cx).await?;
    }
    if cx.protocol == RebalanceProtocol::Eager {
        let owned = cx.membership.state().owned.clone();
        revoke(cx, link, &owned, "eager rebalance").await;
        cx.membership.set_generation(-1, false);
    }
    let conn = link.get().await?;
    let joined = join(cx, &conn).await?;
    let group = &cx.membership.config;
    let member = Member {
        group_id: &group.group_id,
        member_id: &joined.member_id,
        instance_id: group.group_instance_id.as_deref(),
        generation: joined.generation,
    };
    let assignments = if joined.is_leader() && !joined.skip_assignment {
        lead(cx, &joined).await?
    } else {
        Vec::new()
    };
    let bytes = protocol::sync(&conn, member, &joined.protocol, &assignments).await?;
    let assigned = if bytes.is_empty() {
        Vec::new()
    } else {
        MemberAssignment::decode(&bytes)?.partitions
    };
    log::info!(
        "group {:?}: generation {} ({}), member {}{}: assigned {}",
        group.group_id,
        joined.generation,
        joined.protocol,
        joined.member_id,
        if joined.is_leader() { " (leader)" } else { "" },
        describe(&assigned),
    );
    cx.membership.set_generation(joined.generation, false);
    apply(cx, link, assigned).await
}

/// Finds the topics the pattern subscription matches (all topics' metadata; internal topics
/// left out); returns whether they changed, marking the subscription changed if so.
pub(crate) async fn match_pattern(cx: &Context<'_>) -> Result<bool> {
    let snapshot = cx.consumer.cluster.refresh_all_topics().await?;
    let mut state = cx.membership.state();
    let Some(pattern) = &state.pattern else {
        return Ok(false);
    };
    let matched: Vec<String> = snapshot
        .topics
        .iter()
        .filter(|(name, topic)| !topic.is_internal && pattern.is_match(name))
        .map(|(name, _)| name.clone())
        .collect();
    if matched == state.subscription {
        return Ok(false);
    }
    state.subscription = matched;
    state.subscription_changed = true;
    Ok(true)
}

/// JoinGroup, again with the member id the coordinator asks for (KIP-394).
async fn join(cx: &mut Context<'_>, conn: &crate::broker::BrokerConnection) -> Result<Joined> {
    let group = &cx.membership.config;
    let protocols = cx.subscriptions()?;
    let reason = cx
        .membership
        .state()
        .subscription_changed
        .then_some("subscription changed");
    cx.membership.state().subscription_changed = false;
    loop {
        let (member_id, generation) = {
            let state = cx.membership.state();
            (state.member_id.clone(), state.generation)
        };
        let args = JoinArgs {
            member: Member {
                group_id: &group.group_id,
                member_id: &member_id,
                instance_id: group.group_instance_id.as_deref(),
                generation,
            },
            session_timeout_ms: millis(group.session_timeout),
            rebalance_timeout_ms: millis(group.max_poll_interval),
            protocols: &protocols,
            reason,
        };
        match protocol::join(conn, &args).await? {
            JoinOutcome::MemberIdRequired(id) => {
                log::debug!("group {:?}: joining as member {id}", group.group_id);
                cx.membership.state().member_id = id;
            }
            JoinOutcome::Joined(joined) => {
                cx.membership
                    .state()
                    .member_id
                    .clone_from(&joined.member_id);
                return Ok(joined);
            }
        }
    }
}

/// The leader's assignment of every member, encoded for SyncGroup.
async fn lead(cx: &mut Context<'_>, joined: &Joined) -> Result<Vec<(String, Vec<u8>)>> {
    let assignor = cx
        .membership
        .config
        .assignors
        .get(&joined.protocol)
        .cloned()
        .ok_or_else(|| {
            Error::protocol(format!(
                "the group chose assignor {:?}, which this member does not offer",
                joined.protocol
            ))
        })?;
    let (members, version) = read_members(&joined.members);
    let topics: BTreeSet<&str> = members
        .iter()
        .flat_map(|m| m.topics.iter().map(String::as_str))
        .collect();
    let topics: Vec<&str> = topics.into_iter().collect();
    let counts = cx.partition_counts(&topics).await?;
    let assignment = assignor.assign(&members, &counts)?;
    let topics = topics.into_iter().map(str::to_owned).collect();
    cx.led = Some((topics, counts));
    let mut encoded = Vec::with_capacity(members.len());
    for member in &members {
        let bytes = match assignment.get(&member.member_id) {
            Some(given) => given.encode(version)?,
            None => MemberAssignment::default().encode(version)?,
        };
        encoded.push((member.member_id.clone(), bytes));
    }
    Ok(encoded)
}

/// The members' subscriptions and the assignment version all of them read (the lowest
/// version they wrote, at most ours). A subscription that does not decode counts as no topics
/// (the member gets nothing) and is logged.
fn read_members(joined: &[JoinedMember]) -> (Vec<GroupMember>, i16) {
    let mut version = HIGHEST_VERSION;
    let members = joined
        .iter()
        .map(|m| match Subscription::decode(&m.metadata) {
            Ok((written, subscription)) => {
                version = version.min(written.max(0));
                GroupMember::from_subscription(
                    m.member_id.clone(),
                    m.instance_id.clone(),
                    &subscription,
                )
            }
            Err(error) => {
                log::warn!(
                    "member {} sent a subscription that does not decode ({error}); it gets no \
                     partitions",
                    m.member_id
                );
                GroupMember {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.instance_id.clone(),
                    ..GroupMember::default()
                }
            }
        })
        .collect();
    (members, version)
}

/// Takes `assigned` into the consumer: revokes what is no longer assigned (cooperative), reads
/// the committed offsets of what is new, and starts it. Returns whether a second round is due.
async fn apply(
    cx: &mut Context<'_>,
    link: &mut CoordinatorLink,
    mut assigned: Vec<TopicPartition>,
) -> Result<bool> {
    assigned.sort();
    assigned.dedup();
    let owned = cx.membership.state().owned.clone();
    let revoked: Vec<TopicPartition> = owned
        .iter()
        .filter(|tp| assigned.binary_search(tp).is_err())
        .cloned()
        .collect();
    let added: Vec<TopicPartition> = assigned
        .iter()
        .filter(|tp| owned.binary_search(tp).is_err())
        .cloned()
        .collect();
    if !revoked.is_empty() {
        revoke(cx, link, &revoked, "cooperative rebalance").await;
    }
    let committed = if added.is_empty() {
        Vec::new()
    } else {
        with_heartbeats(cx, link, committed_of(cx, &added)).await?
    };
    take_in(cx, &added, &committed);
    cx.membership.state().owned = assigned;
    if !added.is_empty() {
        cx.membership.emit(GroupEvent::Assigned(added));
    }
    Ok(!revoked.is_empty())
}

/// The committed offsets of `added` (stable ones), read as the member (with the consumer
/// protocol the coordinator checks its epoch), within `default.api.timeout.ms`.
pub(crate) async fn committed_of(
    cx: &Context<'_>,
    added: &[TopicPartition],
) -> Result<Vec<CommittedOffset>> {
    let deadline = Instant::now() + cx.consumer.config.default_api_timeout;
    commit::committed_by(&cx.consumer.cluster, cx.membership, added, deadline).await
}

/// Starts reading `added` from its `committed` offsets (or where `auto.offset.reset` says;
/// with `none` and nothing committed, the partition stops with an error the caller sees).
pub(crate) fn take_in(cx: &Context<'_>, added: &[TopicPartition], committed: &[CommittedOffset]) {
    let start = crate::consumer::reset_seek(cx.consumer.config.auto_offset_reset);
    let mut no_offset = Vec::new();
    {
        let mut state = cx.consumer.state();
        let mut all: Vec<TopicPartition> = state
            .partitions()
            .iter()
            .map(|p| p.topic_partition())
            .collect();
        all.extend(added.iter().cloned());
        state.assign(&all, start);
        for tp in added {
            let offset = committed
                .iter()
                .find(|c| c.partition == *tp)
                .and_then(|c| c.offset);
            match offset {
                Some(offset) => {
                    state.seek(&tp.topic, tp.partition, SeekTo::Offset(offset));
                }
                None if start.is_none() => {
                    if let Some(p) = state.get(&tp.topic, tp.partition) {
                        no_offset.push((Arc::clone(&p.topic), p.partition, p.epoch));
                    }
                }
                None => {}
            }
        }
    }
    if !no_offset.is_empty() {
        let names: Vec<String> = no_offset
            .iter()
            .map(|(t, p, _)| format!("{t}-{p}"))
            .collect();
        cx.consumer.fail(
            &no_offset,
            Error::usage(format!(
                "no committed offset for {} and auto.offset.reset is none: seek them",
                names.join(", ")
            )),
        );
    }
    cx.consumer.notify();
}

/// Gives up `partitions`: commits their positions (with auto commit, in the current
/// generation), tells the caller and waits until it lets go of the event (at most
/// `max.poll.interval.ms`), heartbeating meanwhile, then stops reading them.
pub(crate) async fn revoke(
    cx: &Context<'_>,
    link: &mut CoordinatorLink,
    partitions: &[TopicPartition],
    why: &str,
) {
    if partitions.is_empty() {
        return;
    }
    let config = &cx.membership.config;
    log::info!(
        "group {:?}: revoking {} ({why})",
        config.group_id,
        describe(partitions)
    );
    with_heartbeats(cx, link, give_up(cx, partitions)).await;
    remove(cx, partitions);
}

/// Gives up `partitions` but for stopping to read them ([`remove`]): commits their positions
/// (with auto commit), tells the caller and waits until it lets go of the event (at most
/// `max.poll.interval.ms`); the consumer closing ends the wait.
pub(crate) async fn give_up(cx: &Context<'_>, partitions: &[TopicPartition]) {
    let config = &cx.membership.config;
    let give_up = async {
        let within = cx.consumer.config.default_api_timeout;
        commit_before_giving_up(cx, partitions, within, "revoking").await;
        let (revocation, done) = Revocation::new(partitions.to_vec());
        if cx.membership.emit(GroupEvent::Revoked(revocation)) {
            let held = async {
                let _ = done.recv().await;
            };
            let too_long = async {
                async_io::Timer::after(config.max_poll_interval).await;
                log::warn!(
                    "group {:?}: a revocation was held past max.poll.interval.ms; going on",
                    config.group_id
                );
            };
            futures_lite::future::or(held, too_long).await;
        }
    };
    let closing = async {
        cx.consumer.closed().await;
    };
    futures_lite::future::or(give_up, closing).await;
}

/// With auto commit, commits the positions of `partitions` before the member gives them up
/// (`when` says why, for the log), within `timeout`; a failure is only logged, as the
/// partitions are given up anyway. Outside a generation there is nothing the coordinator would
/// take, and nothing is sent.
pub(crate) async fn commit_before_giving_up(
    cx: &Context<'_>,
    partitions: &[TopicPartition],
    timeout: Duration,
    when: &str,
) {
    let group = &cx.membership.config.group_id;
    if !cx.membership.config.auto_commit || cx.membership.identity().is_none() {
        return;
    }
    let offsets = commit::positions(cx.consumer, partitions);
    let deadline = Instant::now() + timeout;
    match commit::commit(&cx.consumer.cluster, cx.membership, &offsets, deadline).await {
        Ok(()) => log::debug!(
            "group {group:?}: committed {} before {when}",
            describe(partitions)
        ),
        Err(error) => log::warn!("group {group:?}: commit before {when} failed: {error}"),
    }
}

/// Tells the caller `partitions` are revoked, without waiting for it to let go of the event
/// (the member leaves the group, closing or not polling).
pub(crate) fn announce_revoked(cx: &Context<'_>, partitions: Vec<TopicPartition>) {
    if !partitions.is_empty() {
        let (revocation, _done) = Revocation::new(partitions);
        cx.membership.emit(GroupEvent::Revoked(revocation));
    }
}

/// Stops reading `partitions` and forgets them as owned.
pub(crate) fn remove(cx: &Context<'_>, partitions: &[TopicPartition]) {
    {
        let mut state = cx.consumer.state();
        let kept: Vec<TopicPartition> = state
            .partitions()
            .iter()
            .map(|p| p.topic_partition())
            .filter(|tp| !partitions.contains(tp))
            .collect();
        state.assign(&kept, None);
    }
    cx.membership
        .state()
        .owned
        .retain(|tp| !partitions.contains(tp));
    cx.consumer.notify();
}

/// `partitions` for a log line.
pub(crate) fn describe(partitions: &[TopicPartition]) -> String {
    if partitions.is_empty() {
        return "nothing".to_owned();
    }
    let names: Vec<String> = partitions.iter().map(ToString::to_string).collect();
    names.join(", ")
}

fn millis(duration: Duration) -> i32 {
    i32::try_from(duration.as_millis()).unwrap_or(i32::MAX)
}
