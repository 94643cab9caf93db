//! Committing a member's positions and reading its committed offsets, through the group
//! coordinator, retrying what a retry can cure (see `verdict.rs`) until a deadline.
//!
//! Contract: [`commit`] and [`committed`] find the coordinator through the client (its pooled
//! control connection), so the caller's commit never waits behind the member task's JoinGroup.
//! A commit is made under the member's current generation ([`Membership::identity`]); outside
//! one (while the group rebalances) it is refused with `REBALANCE_IN_PROGRESS`, as the
//! coordinator would refuse it. `UNSTABLE_OFFSET_COMMIT` (a transaction still open on the
//! offsets) is asked again until the deadline.
//!
//! With the consumer protocol (KIP-848) the generation is the member epoch, and offsets are
//! read as the member too (OffsetFetch v9); `STALE_MEMBER_EPOCH` (the member's heartbeat has
//! yet to bring the epoch the coordinator holds) is asked again with the member's epoch of the
//! moment, until the deadline. A member out of the group (fenced) has no epoch: its commit is
//! refused before anything is sent.

use std::future::Future;
use std::time::Instant;

use async_io::Timer;
use franzl_core::ErrorCode;

use super::membership::Membership;
use super::offsets::{self, CommittedOffset, MemberIdentity, OffsetAndMetadata};
use super::verdict::{Verdict, judge};
use crate::TopicPartition;
use crate::broker::BrokerConnection;
use crate::cluster::{Client, CoordinatorKind};
use crate::config::GroupProtocol;
use crate::consumer::Shared;
use crate::error::{Error, Result};
use crate::net::Backoff;

/// The positions of `partitions` that have one, as offsets to commit.
pub(crate) fn positions(
    consumer: &Shared,
    partitions: &[TopicPartition],
) -> Vec<(TopicPartition, OffsetAndMetadata)> {
    let state = consumer.state();
    partitions
        .iter()
        .filter_map(|tp| {
            let position = state.get(&tp.topic, tp.partition)?.position?;
            Some((tp.clone(), OffsetAndMetadata::new(position)))
        })
        .collect()
}

/// Commits `offsets` under the member's current generation.
///
/// # Errors
/// `REBALANCE_IN_PROGRESS` outside a generation; otherwise as [`commit_as`].
pub(crate) async fn commit(
    client: &Client,
    membership: &Membership,
    offsets: &[(TopicPartition, OffsetAndMetadata)],
    deadline: Instant,
) -> Result<()> {
    let group = &membership.config.group_id;
    as_member(client, membership, deadline, |member| async move {
        commit_as(client, group, Some(&member), offsets, deadline).await
    })
    .await
}

/// The committed offsets of `partitions` (stable ones), read for the member: with the
/// consumer protocol as the member, under its epoch (`REBALANCE_IN_PROGRESS` outside the
/// group); with the classic protocol as nobody, as the Java consumer reads them.
///
/// # Errors
/// As [`committed`].
pub(crate) async fn committed_by(
    client: &Client,
    membership: &Membership,
    partitions: &[TopicPartition],
    deadline: Instant,
) -> Result<Vec<CommittedOffset>> {
    let group = &membership.config.group_id;
    if membership.config.protocol == GroupProtocol::Classic {
        return committed(client, group, partitions, deadline, None).await;
    }
    as_member(client, membership, deadline, |member| async move {
        committed(client, group, partitions, deadline, Some(&member)).await
    })
    .await
}

/// Runs `call` as the member's current identity; a `STALE_MEMBER_EPOCH` answer is asked again
/// with the identity of the moment (the member task updates the epoch as its heartbeats
/// return), after a backoff, until `deadline`.
async fn as_member<T, F>(
    client: &Client,
    membership: &Membership,
    deadline: Instant,
    mut call: impl FnMut(MemberIdentity) -> F,
) -> Result<T>
where
    F: Future<Output = Result<T>>,
{
    let group = &membership.config.group_id;
    let config = client.config();
    let mut backoff = Backoff::new(config.retry_backoff, config.retry_backoff_max, 0x6c0d);
    loop {
        let Some(member) = membership.identity() else {
            return Err(Error::kafka(
                ErrorCode::REBALANCE_IN_PROGRESS,
                None,
                format!(
                    "group {group:?}: the member is not in the group (it is rebalancing or \
                         was fenced); ask again after it joins"
                ),
            ));
        };
        let error = match call(member).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let delay = backoff.next_delay();
        if error.kafka_code() != Some(ErrorCode::STALE_MEMBER_EPOCH)
            || Instant::now() + delay >= deadline
        {
            return Err(error);
        }
        log::info!("group {group:?}: {error}; asking again with the member's epoch");
        Timer::after(delay).await;
    }
}

/// Commits `offsets` to `group` as `member`, retrying a moved or busy coordinator until
/// `deadline`.
///
/// # Errors
/// The first error no retry cures (a stale generation, a fenced instance, an authorization
/// failure), or the last one at the deadline.
pub(crate) async fn commit_as(
    client: &Client,
    group: &str,
    member: Option<&MemberIdentity>,
    offsets: &[(TopicPartition, OffsetAndMetadata)],
    deadline: Instant,
) -> Result<()> {
    if offsets.is_empty() {
        return Ok(());
    }
    with_coordinator(client, group, deadline, |conn| async move {
        offsets::commit(&conn, group, member, offsets).await
    })
    .await
}

/// The committed offsets of `partitions` (stable ones: a transaction still open on one is
/// waited for), in the order given, read as `member` (a consumer-protocol member) or nobody.
///
/// # Errors
/// As [`commit_as`].
pub(crate) async fn committed(
    client: &Client,
    group: &str,
    partitions: &[TopicPartition],
    deadline: Instant,
    member: Option<&MemberIdentity>,
) -> Result<Vec<CommittedOffset>> {
    with_coordinator(client, group, deadline, |conn| async move {
        let stable = conn.version(franzl_core::messages::ApiKey::OffsetFetch)? >= 7;
        offsets::fetch_committed(&conn, group, Some(partitions), stable, member).await
    })
    .await
}

/// Runs `call` on the coordinator of `group` until it succeeds, fails for good, or `deadline`
/// passes; a moved coordinator is looked up again. The admin client's group calls run here too.
pub(crate) async fn with_coordinator<T, F>(
    client: &Client,
    group: &str,
    deadline: Instant,
    mut call: impl FnMut(BrokerConnection) -> F,
) -> Result<T>
where
    F: Future<Output = Result<T>>,
{
    let config = client.config();
    let mut backoff = Backoff::new(config.retry_backoff, config.retry_backoff_max, 0x6c0c);
    loop {
        let result = match client.coordinator(CoordinatorKind::Group, group).await {
            Ok(conn) => call(conn).await,
            Err(error) => Err(error),
        };
        let error = match result {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        match judge(&error) {
            Verdict::CoordinatorMoved => {
                client.invalidate_coordinator(CoordinatorKind::Group, group);
            }
            Verdict::RetryLater => {}
            _ => return Err(error),
        }
        let delay = backoff.next_delay();
        if Instant::now() + delay >= deadline {
            return Err(error);
        }
        log::info!("group {group:?}: {error}; asking again in {delay:?}");
        Timer::after(delay).await;
    }
}
