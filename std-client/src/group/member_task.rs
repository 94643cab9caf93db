//! The group member task (see [`crate::runtime`]): one per consumer with `group.id` that
//! subscribed. It joins the group (`rebalance.rs`), then stays in it: heartbeats every
//! `heartbeat.interval.ms`, commits every `auto.commit.interval.ms` (with auto commit), and as
//! leader watches the subscribed topics' partition counts (every `metadata.max.age.ms`); it
//! joins again when the coordinator says the group rebalances, the subscription changes, or a
//! partition count changes. A caller that takes no records for `max.poll.interval.ms` makes
//! it leave (a static member just stops heartbeating), and the next poll brings it back.
//!
//! Failures follow the error matrix of `verdict.rs`. The member owns one connection to the
//! coordinator (`member_context.rs`); commits and offset reads go over the client's pooled
//! connections and never wait behind its JoinGroup.
//!
//! On close (or when the consumer is dropped) it commits (with auto commit) and leaves the
//! group (dynamic members only), each bounded by `request.timeout.ms`, then ends.

use std::sync::Arc;
use std::time::Instant;

use async_io::Timer;

use super::commit;
use super::events::GroupEvent;
use super::member_context::{Context, CoordinatorLink, heartbeat};
use super::membership::Membership;
use super::protocol::{self, Member};
use super::rebalance::{self, rebalance_protocol};
use super::verdict::{Verdict, judge};
use crate::config::GroupProtocol;
use crate::consumer::{Delivery, Shared};
use crate::error::{Error, Result};
use crate::net::Backoff;
use crate::runtime::TaskHandle;

/// Starts the member task (the consumer protocol's, `kip848`, with `group.protocol=consumer`);
/// it ends after leaving the group once the consumer closes.
pub(crate) fn spawn(consumer: Arc<Shared>, membership: Arc<Membership>) -> TaskHandle {
    let spawner = consumer.config.client.spawner.clone();
    let broken = Arc::clone(&consumer);
    let member = async move {
        match membership.config.protocol {
            GroupProtocol::Consumer => super::kip848::run(consumer, membership).await,
            _ => run(consumer, membership).await,
        }
    };
    crate::runtime::spawn_with_recovery(
        spawner.as_ref(),
        "consumer group member",
        member,
        move || broken.break_down("group member"),
    )
}

async fn run(consumer: Arc<Shared>, membership: Arc<Membership>) {
    let config = &membership.config;
    let client = consumer.cluster.clone();
    let retry = (
        client.config().retry_backoff,
        client.config().retry_backoff_max,
    );
    let mut link = CoordinatorLink::new(client, config.group_id.clone(), config.max_poll_interval);
    let mut cx = Context {
        consumer: &consumer,
        membership: &membership,
        protocol: rebalance_protocol(config.assignors.as_slice()),
        led: None,
    };
    let mut backoff = Backoff::new(retry.0, retry.1, 0x6a01);
    let mut stable = false;
    while !consumer.is_closed() {
        let listener = membership.listen();
        let idle = !membership.is_subscribed()
            || membership.state().failed
            || membership.waiting_for_poll();
        if idle {
            if !membership.is_subscribed() && !membership.state().member_id.is_empty() {
                // Unsubscribed: give the partitions up and leave the group.
                let owned = membership.state().owned.clone();
                rebalance::revoke(&cx, &mut link, &owned, "unsubscribed").await;
                leave(&cx, &mut link, "the consumer unsubscribed").await;
                stable = false;
                continue;
            }
            futures_lite::future::or(listener, consumer.closed()).await;
            continue;
        }
        let step = async {
            if stable {
                stay(&mut cx, &mut link).await.map(|()| false)
            } else {
                rebalance::rebalance(&mut cx, &mut link).await
            }
        };
        let outcome = futures_lite::future::or(async { Some(step.await) }, async {
            consumer.closed().await;
            None
        })
        .await;
        match outcome {
            None => break,
            Some(Ok(again)) => {
                backoff.reset();
                // After a stay, or a cooperative round that revoked something: join again.
                stable = !stable && !again;
            }
            Some(Err(error)) => {
                stable = false;
                fail(&mut cx, &mut link, error, &mut backoff).await;
            }
        }
    }
    close(&mut cx, &mut link).await;
}

/// Acts on a failed step as `verdict.rs` says.
async fn fail(
    cx: &mut Context<'_>,
    link: &mut CoordinatorLink,
    error: Error,
    backoff: &mut Backoff,
) {
    let group = &cx.membership.config.group_id;
    let verdict = judge(&error);
    let wait = match verdict {
        Verdict::CoordinatorMoved => {
            log::info!("group {group:?}: coordinator unavailable: {error}");
            link.reset();
            true
        }
        Verdict::RetryLater => {
            log::info!("group {group:?}: {error}");
            true
        }
        Verdict::Rejoin => {
            log::info!("group {group:?}: {error}; joining again");
            false
        }
        Verdict::StaleGeneration | Verdict::UnknownMember => {
            log::warn!("group {group:?}: {error}; partitions lost, joining again");
            lose(cx);
            cx.membership
                .set_generation(-1, verdict == Verdict::UnknownMember);
            false
        }
        Verdict::Fatal => {
            log::error!("group {group:?}: {error}; the member stops until it subscribes again");
            lose(cx);
            cx.membership.state().failed = true;
            cx.consumer.deliver(Delivery::Failure(error));
            false
        }
        Verdict::Report => {
            log::warn!("group {group:?}: {error}; joining again");
            cx.consumer.deliver(Delivery::Failure(error));
            true
        }
    };
    if wait {
        let delay = backoff.next_delay();
        futures_lite::future::or(Timer::after(delay), async {
            cx.consumer.closed().await;
            Instant::now()
        })
        .await;
    }
}

/// The member fell out of the group: its partitions may have new owners, so they are dropped
/// without a commit and the caller is told.
pub(crate) fn lose(cx: &Context<'_>) {
    let owned = cx.membership.state().owned.clone();
    if owned.is_empty() {
        return;
    }
    rebalance::remove(cx, &owned);
    cx.membership.emit(GroupEvent::Lost(owned));
}

/// The stable phase: returns `Ok` when the member must join again (the coordinator's word
/// comes as an error, judged by the caller).
async fn stay(cx: &mut Context<'_>, link: &mut CoordinatorLink) -> Result<()> {
    let config = &cx.membership.config;
    let client = cx.consumer.cluster.clone();
    let max_age = client.config().metadata_max_age;
    let mut backoff = Backoff::new(
        client.config().retry_backoff,
        client.config().retry_backoff_max,
        0x6b02,
    );
    let start = Instant::now();
    let mut next_heartbeat = start + config.heartbeat_interval;
    let mut last_heartbeat = start;
    let mut next_commit = start + config.auto_commit_interval;
    let mut next_metadata = start + max_age;
    loop {
        let listener = cx.membership.listen();
        if cx.membership.state().subscription_changed {
            return Ok(());
        }
        let poll_deadline = cx.membership.poll_deadline();
        if poll_deadline.is_some_and(|at| Instant::now() >= at) {
            leave_for_poll_timeout(cx, link).await;
            return Ok(());
        }
        let mut wake = next_heartbeat;
        if config.auto_commit {
            wake = wake.min(next_commit);
        }
        if cx.led.is_some() || cx.membership.state().pattern.is_some() {
            wake = wake.min(next_metadata);
        }
        if let Some(at) = poll_deadline {
            wake = wake.min(at);
        }
        futures_lite::future::or(listener, async {
            Timer::at(wake).await;
        })
        .await;
        let now = Instant::now();
        if now >= next_heartbeat {
            match heartbeat(cx, link).await {
                Ok(()) => {
                    backoff.reset();
                    last_heartbeat = now;
                    next_heartbeat = now + config.heartbeat_interval;
                }
                Err(error) => match judge(&error) {
                    // Keep the partitions while the coordinator may come back within the
                    // session; past it, the group has moved on.
                    verdict @ (Verdict::CoordinatorMoved | Verdict::RetryLater)
                        if now < last_heartbeat + config.session_timeout =>
                    {
                        log::info!("group {:?}: heartbeat failed: {error}", config.group_id);
                        if verdict == Verdict::CoordinatorMoved {
                            link.reset();
                        }
                        next_heartbeat = now + backoff.next_delay();
                    }
                    _ => return Err(error),
                },
            }
        }
        if config.auto_commit && now >= next_commit {
            next_commit = now + config.auto_commit_interval;
            auto_commit(cx, now + config.heartbeat_interval).await?;
        }
        if now >= next_metadata {
            next_metadata = now + max_age;
            if metadata_changed(cx).await {
                return Ok(());
            }
        }
    }
}

/// Whether the pattern now matches other topics, or (as leader) the partition counts of the
/// group's topics changed (a topic created, deleted, or given partitions): both rebalance.
async fn metadata_changed(cx: &Context<'_>) -> bool {
    let group = &cx.membership.config.group_id;
    if cx.membership.state().pattern.is_some() {
        match rebalance::match_pattern(cx).await {
            Ok(true) => {
                log::info!("group {group:?}: the pattern matches other topics; rebalancing");
                return true;
            }
            Ok(false) => {}
            Err(error) => log::warn!("group {group:?}: matching the pattern failed: {error}"),
        }
    }
    let Some((topics, counts)) = &cx.led else {
        return false;
    };
    let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
    match cx.partition_counts(&topics).await {
        Ok(fresh) if &fresh != counts => {
            log::info!("group {group:?}: the subscribed topics' partitions changed; rebalancing");
            true
        }
        _ => false,
    }
}

/// Commits the owned partitions' positions; a stale generation or a rebalance is returned (to
/// join again), anything else only logged (the next commit covers it).
async fn auto_commit(cx: &Context<'_>, deadline: Instant) -> Result<()> {
    let owned = cx.membership.state().owned.clone();
    let offsets = commit::positions(cx.consumer, &owned);
    match commit::commit(&cx.consumer.cluster, cx.membership, &offsets, deadline).await {
        Ok(()) => Ok(()),
        Err(error) => match judge(&error) {
            Verdict::Rejoin
            | Verdict::StaleGeneration
            | Verdict::UnknownMember
            | Verdict::Fatal => Err(error),
            _ => {
                let group = &cx.membership.config.group_id;
                log::warn!("group {group:?}: auto commit failed: {error}");
                Ok(())
            }
        },
    }
}

/// The caller stopped polling: commit (auto commit), revoke, leave (dynamic members), and
/// wait for the next poll.
async fn leave_for_poll_timeout(cx: &mut Context<'_>, link: &mut CoordinatorLink) {
    let config = &cx.membership.config;
    log::warn!(
        "group {:?}: no records taken for max.poll.interval.ms ({:?}); leaving the group until \
         the next poll",
        config.group_id,
        config.max_poll_interval
    );
    let owned = cx.membership.state().owned.clone();
    let within = cx.consumer.cluster.config().request_timeout;
    rebalance::commit_before_giving_up(cx, &owned, within, "leaving").await;
    rebalance::remove(cx, &owned);
    rebalance::announce_revoked(cx, owned);
    leave(cx, link, "consumer poll timeout has expired").await;
    cx.membership.left_for_poll_timeout();
}

/// LeaveGroup for a dynamic member (a static one stays until its session expires), bounded by
/// the request timeout; the member forgets its generation and id.
async fn leave(cx: &Context<'_>, link: &mut CoordinatorLink, reason: &str) {
    let config = &cx.membership.config;
    let member_id = cx.membership.set_generation(-1, true);
    // A static member's instance id brings it back as the same member.
    if member_id.is_empty() || config.group_instance_id.is_some() {
        return;
    }
    let timeout = cx.consumer.cluster.config().request_timeout;
    let left = async {
        let conn = link.get().await?;
        let member = Member {
            group_id: &config.group_id,
            member_id: &member_id,
            instance_id: None,
            generation: -1,
        };
        protocol::leave(&conn, member, reason).await
    };
    let outcome = crate::net::with_timeout(|| "LeaveGroup".into(), timeout, left).await;
    match outcome {
        Ok(()) => log::info!("group {:?}: member {member_id} left", config.group_id),
        Err(error) => log::warn!("group {:?}: leaving failed: {error}", config.group_id),
    }
}

/// The consumer closes: commit (auto commit), tell the caller the partitions are revoked
/// (nothing waits for it), and leave.
async fn close(cx: &mut Context<'_>, link: &mut CoordinatorLink) {
    let owned = cx.membership.state().owned.clone();
    let within = cx.consumer.cluster.config().request_timeout;
    rebalance::commit_before_giving_up(cx, &owned, within, "closing").await;
    // The caller learns the partitions are given up before another member can get them.
    rebalance::announce_revoked(cx, owned);
    leave(cx, link, "the consumer is closing").await;
    cx.membership.end_events();
}
