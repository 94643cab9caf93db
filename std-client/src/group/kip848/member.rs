//! The consumer-protocol member task (KIP-848): one per consumer with `group.id` and
//! `group.protocol=consumer` that subscribed. The coordinator assigns; the member heartbeats,
//! reconciles (`reconcile.rs`) and acknowledges.
//!
//! - Identity: the member makes its id once (a random UUID, base64url, KIP-1082) and keeps it
//!   for the consumer's life, across fences and rejoins.
//! - Heartbeats: the first (epoch 0) carries every field and an empty owned list; later ones
//!   only what changed since the coordinator last answered (the subscription, the owned
//!   partitions; an empty owned list is always sent as empty, never as null), at the interval
//!   the coordinator returns. After a failed heartbeat the next carries everything again. The
//!   member heartbeats at once to join, and when its owned set changed (to acknowledge).
//! - Reconciliation runs beside the heartbeats (they keep the member in the group while the
//!   caller holds a revocation); a new target that comes meanwhile is reconciled after it.
//! - Errors (`verdict.rs`, [`judge_heartbeat`]): fenced (`FENCED_MEMBER_EPOCH`,
//!   `UNKNOWN_MEMBER_ID`) loses every partition (no commit, [`crate::group::GroupEvent::Lost`]) and joins
//!   again at epoch 0; a moved or busy coordinator is retried after a backoff, keeping the
//!   partitions (the coordinator fences the member if it stays away past the session); a fatal
//!   error stops the member and the caller is told.
//! - Commits run under the member epoch (`commit.rs`); auto commit every
//!   `auto.commit.interval.ms`, before a revocation, and on close.
//! - `max.poll.interval.ms` is the rebalance timeout sent; a caller that takes no records for
//!   that long makes the member commit, give its partitions up and leave (epoch -1) until its
//!   next poll. Unsubscribing and closing leave the same way.
//! - A pattern subscription is matched by the coordinator (`SubscribedTopicRegex`, RE2/J,
//!   the whole name): the member sends the pattern (anchored) with no topic names, and `""`
//!   when it subscribes to names again; topics the coordinator assigns that metadata does not
//!   know yet are looked up (`reconcile.rs`).
//! - Static membership (`group.instance.id`): every heartbeat names the instance, and the
//!   member leaves with epoch -2, so that a restart within the session timeout gets the same
//!   partitions back; a second member with the same instance id is refused
//!   (`UNRELEASED_INSTANCE_ID`, fatal to the newcomer).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_io::Timer;
use franzl_core::sasl::base64;

use super::heartbeat::{self, Answer, Beat, ById, JOIN, LEAVE, LEAVE_STATIC};
use super::reconcile::{owned_by_id, reconcile};
use crate::consumer::{Delivery, Shared};
use crate::error::{Error, Result};
use crate::group::assignor::RebalanceProtocol;
use crate::group::commit;
use crate::group::member_context::{Context, CoordinatorLink};
use crate::group::member_task::lose;
use crate::group::membership::Membership;
use crate::group::rebalance::{self, announce_revoked, commit_before_giving_up, remove};
use crate::group::verdict::{Verdict, judge_heartbeat};
use crate::net::Backoff;

/// What the coordinator was last told, and answered (`None` in [`Member::sent`]: nothing
/// yet, or a heartbeat failed since: the next carries everything).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sent {
    topics: Vec<String>,
    /// The pattern the coordinator matches topic names against (`""`: none).
    regex: String,
    owned: ById,
}

/// The member's own state beside the shared [`Membership`].
#[derive(Debug)]
struct Member {
    member_id: String,
    /// 0 while joining; the coordinator's epoch after.
    epoch: i32,
    sent: Option<Sent>,
    interval: Option<Duration>,
    /// The latest target assignment, and whether it still needs reconciling.
    target: Option<ById>,
    pending: bool,
    /// A reconciliation fell short (unknown topic ids, a failed offset read): try again after
    /// the next heartbeat.
    retry: bool,
}

/// A reconciliation under way.
type Reconciling<'a> = Pin<Box<dyn Future<Output = Result<bool>> + Send + 'a>>;

/// What ended a wait of the member's loop.
enum Woke {
    Time,
    Reconciled(Result<bool>),
    Closed,
}

/// The member task's body; it ends after leaving the group once the consumer closes.
pub(crate) async fn run(consumer: Arc<Shared>, membership: Arc<Membership>) {
    let config = &membership.config;
    let client = consumer.cluster.clone();
    let mut link = CoordinatorLink::new(
        client.clone(),
        config.group_id.clone(),
        config.max_poll_interval,
    );
    let cx = Context {
        consumer: &consumer,
        membership: &membership,
        protocol: RebalanceProtocol::Cooperative,
        led: None,
    };
    let mut member = Member {
        member_id: new_member_id(),
        epoch: JOIN,
        sent: None,
        interval: None,
        target: None,
        pending: false,
        retry: false,
    };
    membership.state().member_id.clone_from(&member.member_id);
    let retry = (
        client.config().retry_backoff,
        client.config().retry_backoff_max,
    );
    let mut backoff = Backoff::new(retry.0, retry.1, 0x8480);
    let mut reconciling: Option<Reconciling<'_>> = None;
    let mut next_heartbeat = Instant::now();
    let mut next_commit = Instant::now() + config.auto_commit_interval;
    while !consumer.is_closed() {
        let listener = membership.listen();
        let idle = !membership.is_subscribed()
            || membership.state().failed
            || membership.waiting_for_poll();
        if idle {
            if member.epoch > 0 && !membership.is_subscribed() {
                reconciling = None;
                let owned = membership.state().owned.clone();
                rebalance::give_up(&cx, &owned).await;
                remove(&cx, &owned);
                member
                    .leave(&cx, &mut link, "the consumer unsubscribed")
                    .await;
                continue;
            }
            futures_lite::future::or(listener, consumer.closed()).await;
            continue;
        }
        if std::mem::take(&mut membership.state().subscription_changed) {
            next_heartbeat = Instant::now();
        }
        let poll_deadline = membership.poll_deadline();
        if poll_deadline.is_some_and(|at| Instant::now() >= at) {
            reconciling = None;
            leave_for_poll_timeout(&cx, &mut link, &mut member).await;
            continue;
        }
        if reconciling.is_none() && member.pending && member.epoch > 0 {
            member.pending = false;
            if let Some(target) = member.target.clone() {
                reconciling = Some(Box::pin(reconcile(&cx, target)));
            }
        }
        let owned = owned_by_id(&cx, &membership.state().owned);
        let acknowledge = member.sent.as_ref().is_some_and(|s| s.owned != owned);
        // Joining waits only for a backoff after a failure; acknowledging waits for nothing.
        let mut wake = if acknowledge {
            Instant::now()
        } else {
            next_heartbeat
        };
        let heartbeat_due = wake;
        if config.auto_commit && member.epoch > 0 {
            wake = wake.min(next_commit);
        }
        if let Some(at) = poll_deadline {
            wake = wake.min(at);
        }
        let woke = wait(&consumer, listener, wake, reconciling.as_mut()).await;
        match woke {
            Woke::Closed => break,
            Woke::Time => {}
            Woke::Reconciled(outcome) => {
                reconciling = None;
                match outcome {
                    Ok(complete) => member.retry = !complete,
                    Err(error) => {
                        member.retry = true;
                        if judge_heartbeat(&error) == Verdict::StaleGeneration {
                            member.fenced(&cx, &error);
                        } else {
                            log::warn!("group {:?}: reconciling: {error}", config.group_id);
                        }
                    }
                }
            }
        }
        let now = Instant::now();
        if now >= heartbeat_due {
            match member.beat(&cx, &mut link).await {
                Ok(()) => {
                    backoff.reset();
                    next_heartbeat = now + member.interval.unwrap_or(retry.1);
                }
                Err(error) => {
                    let verdict = judge_heartbeat(&error);
                    if matches!(verdict, Verdict::StaleGeneration | Verdict::Fatal) {
                        reconciling = None;
                    }
                    member.failed(&cx, &mut link, error, verdict);
                    next_heartbeat = now + backoff.next_delay();
                }
            }
        }
        if config.auto_commit && member.epoch > 0 && now >= next_commit {
            next_commit = now + config.auto_commit_interval;
            auto_commit(&cx, now + member.interval.unwrap_or(retry.1)).await;
        }
    }
    drop(reconciling);
    close(&cx, &mut link, &mut member).await;
}

/// Commits the owned partitions' positions; a failure is only logged (the next commit covers
/// it, and a fenced member hears so from its next heartbeat).
async fn auto_commit(cx: &Context<'_>, deadline: Instant) {
    let owned = cx.membership.state().owned.clone();
    let offsets = commit::positions(cx.consumer, &owned);
    if let Err(error) =
        commit::commit(&cx.consumer.cluster, cx.membership, &offsets, deadline).await
    {
        let group = &cx.membership.config.group_id;
        log::warn!("group {group:?}: auto commit failed: {error}");
    }
}

/// Waits until `wake`, a change the handle signals, the reconciliation's end, or the close.
async fn wait(
    consumer: &Shared,
    listener: event_listener::EventListener,
    wake: Instant,
    reconciling: Option<&mut Reconciling<'_>>,
) -> Woke {
    let timer = async {
        futures_lite::future::or(listener, async {
            Timer::at(wake).await;
        })
        .await;
        Woke::Time
    };
    let reconciled = async {
        match reconciling {
            Some(future) => Woke::Reconciled(future.await),
            None => std::future::pending().await,
        }
    };
    let closed = async {
        consumer.closed().await;
        Woke::Closed
    };
    futures_lite::future::or(closed, futures_lite::future::or(reconciled, timer)).await
}

impl Member {
    /// Sends one heartbeat and takes in the answer.
    async fn beat(&mut self, cx: &Context<'_>, link: &mut CoordinatorLink) -> Result<()> {
        let config = &cx.membership.config;
        // A pattern is matched by the coordinator: the names are then none.
        let (topics, regex, owned) = {
            let state = cx.membership.state();
            match &state.pattern {
                Some(pattern) => (Vec::new(), pattern.as_str().to_owned(), state.owned.clone()),
                None => (
                    state.subscription.clone(),
                    String::new(),
                    state.owned.clone(),
                ),
            }
        };
        let owned = if self.epoch == JOIN {
            ById::new()
        } else {
            owned_by_id(cx, &owned)
        };
        let full = self.epoch == JOIN || self.sent.is_none();
        let sent = self.sent.as_ref();
        let beat = Beat {
            group_id: &config.group_id,
            member_id: &self.member_id,
            epoch: self.epoch,
            instance_id: config.group_instance_id.as_deref(),
            rebalance_timeout_ms: full.then(|| millis(config.max_poll_interval)),
            topics: (full || sent.is_some_and(|s| s.topics != topics)).then_some(&topics),
            // Sent in full with a pattern, and as "" when a pattern was dropped.
            regex: ((full && !regex.is_empty()) || sent.is_some_and(|s| s.regex != regex))
                .then_some(regex.as_str()),
            assignor: if full {
                config.remote_assignor.as_deref()
            } else {
                None
            },
            owned: (full || owned.is_empty() || sent.is_some_and(|s| s.owned != owned))
                .then_some(&owned),
        };
        let conn = link.get().await?;
        let answer = heartbeat::send(&conn, &beat).await?;
        self.sent = Some(Sent {
            topics,
            regex,
            owned,
        });
        self.take(cx, answer);
        Ok(())
    }

    /// Takes in a successful heartbeat's answer.
    fn take(&mut self, cx: &Context<'_>, answer: Answer) {
        if let Some(epoch) = answer.epoch {
            if self.epoch == JOIN {
                log::info!(
                    "group {:?}: member {} joined at epoch {epoch}",
                    cx.membership.config.group_id,
                    self.member_id
                );
            }
            self.epoch = epoch;
            cx.membership
                .set_generation(if epoch > 0 { epoch } else { -1 }, false);
        }
        if answer.interval.is_some() {
            self.interval = answer.interval;
        }
        if let Some(target) = answer.assignment {
            self.target = Some(target);
            self.pending = true;
        } else if std::mem::take(&mut self.retry) {
            self.pending = self.target.is_some();
        }
    }

    /// Acts on a failed heartbeat as `verdict` says.
    fn failed(
        &mut self,
        cx: &Context<'_>,
        link: &mut CoordinatorLink,
        error: Error,
        verdict: Verdict,
    ) {
        let group = &cx.membership.config.group_id;
        self.sent = None;
        match verdict {
            Verdict::StaleGeneration | Verdict::UnknownMember => self.fenced(cx, &error),
            Verdict::Fatal => {
                log::error!("group {group:?}: {error}; the member stops until it subscribes again");
                self.rejoin(cx);
                cx.membership.state().failed = true;
                cx.consumer.deliver(Delivery::Failure(error));
            }
            Verdict::CoordinatorMoved => {
                log::info!("group {group:?}: coordinator unavailable: {error}");
                link.reset();
            }
            Verdict::RetryLater | Verdict::Rejoin => log::info!("group {group:?}: {error}"),
            Verdict::Report => {
                log::warn!("group {group:?}: {error}");
                cx.consumer.deliver(Delivery::Failure(error));
            }
        }
    }

    /// The coordinator fenced the member: its partitions are lost (no commit), and it joins
    /// again at epoch 0 with the same id.
    fn fenced(&mut self, cx: &Context<'_>, error: &Error) {
        log::warn!(
            "group {:?}: {error}; partitions lost, joining again",
            cx.membership.config.group_id
        );
        self.rejoin(cx);
    }

    /// Loses every partition and starts over at epoch 0.
    fn rejoin(&mut self, cx: &Context<'_>) {
        lose(cx);
        self.epoch = JOIN;
        self.sent = None;
        self.target = None;
        self.pending = false;
        self.retry = false;
        cx.membership.set_generation(-1, false);
    }

    /// Leaves the group (epoch -1; -2 for a static member, whose partitions the coordinator
    /// keeps for it until the session times out), bounded by the request timeout; the member
    /// owns nothing by now. It joins again at epoch 0 with the same id.
    async fn leave(&mut self, cx: &Context<'_>, link: &mut CoordinatorLink, why: &str) {
        let config = &cx.membership.config;
        let epoch = self.epoch;
        self.rejoin(cx);
        if epoch == JOIN {
            return;
        }
        let timeout = cx.consumer.cluster.config().request_timeout;
        let beat = Beat {
            group_id: &config.group_id,
            member_id: &self.member_id,
            epoch: if config.group_instance_id.is_some() {
                LEAVE_STATIC
            } else {
                LEAVE
            },
            instance_id: config.group_instance_id.as_deref(),
            ..Beat::default()
        };
        let left = async {
            let conn = link.get().await?;
            heartbeat::send(&conn, &beat).await
        };
        let outcome =
            crate::net::with_timeout(|| "ConsumerGroupHeartbeat (leave)".into(), timeout, left)
                .await;
        match outcome {
            Ok(_) => log::info!(
                "group {:?}: member {} left ({why})",
                config.group_id,
                self.member_id
            ),
            Err(error) => log::warn!("group {:?}: leaving failed: {error}", config.group_id),
        }
    }
}

/// The caller stopped polling: commit (auto commit), give the partitions up (the caller is
/// told, nothing waits for it), leave, and wait for the next poll.
async fn leave_for_poll_timeout(cx: &Context<'_>, link: &mut CoordinatorLink, member: &mut Member) {
    let config = &cx.membership.config;
    log::warn!(
        "group {:?}: no records taken for max.poll.interval.ms ({:?}); leaving the group until \
         the next poll",
        config.group_id,
        config.max_poll_interval
    );
    give_up_and_leave(cx, link, member, "consumer poll timeout has expired").await;
    cx.membership.left_for_poll_timeout();
}

/// The consumer closes: commit (auto commit), tell the caller the partitions are revoked
/// (nothing waits for it), and leave.
async fn close(cx: &Context<'_>, link: &mut CoordinatorLink, member: &mut Member) {
    give_up_and_leave(cx, link, member, "the consumer is closing").await;
    cx.membership.end_events();
}

/// Commits (auto commit) and gives up every owned partition without waiting for the caller,
/// then leaves the group.
async fn give_up_and_leave(
    cx: &Context<'_>,
    link: &mut CoordinatorLink,
    member: &mut Member,
    why: &str,
) {
    let owned = cx.membership.state().owned.clone();
    let within = cx.consumer.cluster.config().request_timeout;
    commit_before_giving_up(cx, &owned, within, why).await;
    remove(cx, &owned);
    announce_revoked(cx, owned);
    member.leave(cx, link, why).await;
}

/// A new member id: 16 random bytes in unpadded base64url, as the Java client makes them.
fn new_member_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No entropy source: the time and the process id still make a collision unlikely.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (nanos ^ (u128::from(std::process::id()) << 64)).to_le_bytes();
    }
    let mut out = [0u8; 24];
    let len = base64::encode(&bytes, &mut out).unwrap_or(0);
    out.iter()
        .take(len)
        .filter(|&&b| b != b'=')
        .map(|&b| match b {
            b'+' => '-',
            b'/' => '_',
            b => char::from(b),
        })
        .collect()
}

fn millis(duration: Duration) -> i32 {
    i32::try_from(duration.as_millis()).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_ids_are_22_base64url_characters_and_differ() {
        let a = new_member_id();
        let b = new_member_id();
        assert_eq!(a.len(), 22, "{a}");
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "{a}"
        );
        assert_ne!(a, b);
    }
}
