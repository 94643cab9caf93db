//! The fetch loop of one broker, a task (see [`crate::runtime`]).
//!
//! Each round takes the partitions this node leads that have an offset and no fetch in flight,
//! connects, reserves of the prefetch budget the most the response can hold (`fetch.max.bytes`,
//! or `max.partition.fetch.bytes` per partition if less; what is free, down to one partition's
//! worth, when the budget is short), sends one Fetch for all of them, asking for no more than
//! it reserved (in an
//! incremental fetch session, `fetch_session`, when the broker grants one), and reads each
//! partition into the delivery queue.
//! Then it goes straight to the next round: fetching runs ahead of the caller until the budget
//! is spent. The task ends when the consumer closes.
//!
//! Its Fetch requests go over the broker's fetch connection ([`crate::cluster::Purpose::Fetch`]),
//! so the broker holding one for `fetch.max.wait.ms` delays no control request to it. It never
//! polls: with nothing to fetch it sleeps until [`Shared::notify_fetchers`] (or
//! [`Shared::notify`]); with a full budget, until memory is given back; its only timer is the
//! backoff after a failed round (`retry.backoff.ms` up to `retry.backoff.max.ms`).
//!
//! Log truncation (KIP-320): from Fetch v12 each partition carries `last_fetched_epoch`, the
//! leader epoch of the last batch fetched (see `assignment`), and from v9 `current_leader_epoch`
//! from metadata. A partition answered with a `diverging_epoch` (epoch >= 0) was read from a
//! log the leader no longer has; `fetch_outcomes::diverged` seeks back to where it diverges or,
//! with `auto.offset.reset=none`, reports [`Error::LogTruncated`] and stops the partition.
//!
//! Errors per partition: `OFFSET_OUT_OF_RANGE` applies `auto.offset.reset` (`none` delivers the
//! error and stops the partition until a seek); leader errors (`NOT_LEADER_OR_FOLLOWER`,
//! `FENCED_LEADER_EPOCH` and `UNKNOWN_LEADER_EPOCH` too: this consumer's metadata is older or
//! newer than the broker's) forget the leader so the manager looks it up again; other
//! retriable codes are retried; after either the fetcher backs off before its next round, as
//! metadata may lag behind a leader change. Other codes are delivered to the caller, and the
//! partition stops until a seek. A request that fails with a retriable error (connection lost,
//! timeout) forgets the leaders of all its partitions and backs off; one that fails with a
//! non-retriable error (a response over `receive.message.max.bytes`, TLS or authentication
//! failures, a non-retriable top-level code, no usable Fetch version) stops all its partitions,
//! with the error delivered to the caller once. A response that arrives whole but does not
//! decode is asked for again after a backoff (logged each time): nothing of it was read. A
//! response naming a newer leader (KIP-951) or, with `client.rack`, a replica to read from
//! (KIP-392) moves the partition there at once.

use crate::runtime::TaskHandle;
use std::sync::Arc;

use async_io::Timer;
use franzl_core::ErrorCode;
use franzl_core::messages::fetch::{
    FetchPartition, FetchRequest, FetchResponse, FetchTopic, ForgottenTopic, PartitionData,
};
use franzl_core::messages::{ApiKey, Array, Message, TopicRef};
use franzl_core::wire::Uuid;

use super::assignment::FetchTarget;
use super::fetch_outcomes::{
    diverged, fail, follow_new_leader, forget_leaders, out_of_range, read_from_replica,
};
use super::fetch_session::FetchSession;
use super::partition_read::{PartitionRead, read_partition};
use super::record::{ByteSource, SharedBytes};
use super::shared::{Delivery, Shared};
use super::transactions::AbortedFilter;
use crate::broker::ResponseFrame;
use crate::cluster::{Purpose, needs_metadata_refresh};
use crate::config::IsolationLevel;
use crate::error::{Error, Result};
use crate::net::Backoff;

impl ByteSource for ResponseFrame {
    fn bytes(&self) -> &[u8] {
        self.body()
    }
}

/// Starts the fetch task of node `node`.
pub(crate) fn spawn(shared: Arc<Shared>, node: i32) -> TaskHandle {
    let spawner = shared.config.client.spawner.clone();
    let broken = Arc::clone(&shared);
    crate::runtime::spawn_with_recovery(
        spawner.as_ref(),
        format!("fetcher of node {node}"),
        async move {
            run(&shared, node).await;
        },
        move || broken.break_down("fetch"),
    )
}

async fn run(shared: &Shared, node: i32) {
    let client = &shared.config.client;
    let seed = u64::from(node.unsigned_abs()).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut backoff = Backoff::new(client.retry_backoff, client.retry_backoff_max, seed);
    let mut session = FetchSession::default();
    while !shared.is_closed() {
        let listener = shared.listen_fetchers();
        let targets = shared.state().take_fetchable(node);
        if targets.is_empty() {
            // Nothing to fetch until an event makes a partition fetchable (a seek resolved, a
            // leader found, another fetch ended, closing): no timer.
            listener.await;
            continue;
        }
        let fetched = fetch(shared, node, &targets, &mut session);
        let result = futures_lite::future::or(fetched, async {
            shared.closed().await;
            Err(Error::Closed {
                what: "consumer".into(),
            })
        })
        .await;
        shared.state().finish_fetch(&targets);
        // Partitions this round held may be fetchable by another node's fetcher now.
        shared.notify_fetchers();
        match result {
            Ok(Round::Served) => backoff.reset(),
            Ok(Round::Retry) => {
                Timer::after(backoff.next_delay()).await;
            }
            Err(_) if shared.is_closed() => break,
            Err(error) if !error.is_retriable() => {
                // Every partition of the request stops and the caller sees the error: no
                // retry, as the same request would fail the same way.
                session.reset();
                fail(shared, &targets, error);
            }
            Err(error) => {
                session.reset();
                let delay = backoff.next_delay();
                log::warn!("fetch from node {node} failed: {error}; retrying in {delay:?}");
                forget_leaders(shared, &targets);
                Timer::after(delay).await;
            }
        }
    }
    log::debug!("fetcher of node {node} stopped");
}

/// The runs of equal neighbours among `len` items, as (start, length).
fn runs(len: usize, same: impl Fn(usize, usize) -> bool) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for index in 0..len {
        match runs.last_mut() {
            Some((start, run)) if same(*start, index) => *run += 1,
            _ => runs.push((index, 1)),
        }
    }
    runs
}

fn clamp_i32(value: usize) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// How a fetch round went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// Every partition was served or had an error of its own.
    Served,
    /// Some partition is to be asked again after a pause: its leader moved (metadata may lag
    /// behind), or the broker said to retry.
    Retry,
}

async fn fetch(
    shared: &Shared,
    node: i32,
    targets: &[FetchTarget],
    session: &mut FetchSession,
) -> Result<Round> {
    let config = &shared.config;
    let closed = || Error::Closed {
        what: "consumer".into(),
    };
    // Connected first: a broker that cannot be reached holds no budget through its connect
    // timeout and backoff.
    let connection = shared.cluster.broker_for(node, Purpose::Fetch).await?;
    // The response holds at most max_partition_fetch_bytes per partition and fetch_max_bytes
    // in all (but for one batch bigger than either): reserve no more than that, and take what
    // is free down to one partition's worth, so fetchers of other brokers can reserve theirs
    // while this one waits for data (or for a broker that never answers).
    let most = config
        .max_partition_fetch_bytes
        .saturating_mul(targets.len())
        .min(config.fetch_max_bytes)
        .max(1);
    let least = config.max_partition_fetch_bytes.max(1);
    let mut permit = shared
        .budget
        .acquire_up_to(most, least)
        .await
        .ok_or_else(closed)?;
    let reserve = permit.bytes();
    let version = connection.version(ApiKey::Fetch)?;
    // From v13 topics go by id; the name must then be left out, and the other way round.
    let by_id = version >= franzl_core::messages::FIRST_VERSION_WITH_TOPIC_IDS;
    let plan = session.plan(targets, version);
    let named: Vec<&FetchTarget> = plan
        .include
        .iter()
        .filter_map(|&i| targets.get(i))
        .collect();
    let partitions: Vec<FetchPartition<'_>> = named
        .iter()
        .map(|target| FetchPartition {
            partition: target.partition,
            current_leader_epoch: if version >= 9 {
                target.leader.epoch
            } else {
                -1
            },
            fetch_offset: target.fetch_offset,
            // Left at -1 below v12, where the field does not exist.
            last_fetched_epoch: match target.last_fetched_epoch {
                Some(epoch) if version >= 12 => epoch,
                _ => -1,
            },
            partition_max_bytes: clamp_i32(config.max_partition_fetch_bytes),
            ..FetchPartition::default()
        })
        .collect();
    let mut topics = Vec::new();
    for (start, len) in runs(named.len(), |a, b| named[a].topic == named[b].topic) {
        let first = named[start];
        topics.push(FetchTopic {
            topic: if by_id { "" } else { &first.topic },
            topic_id: if by_id {
                first.leader.topic_id
            } else {
                Uuid::ZERO
            },
            partitions: Array::from_slice(partitions.get(start..start + len).unwrap_or_default()),
            ..FetchTopic::default()
        });
    }
    let forget = &plan.forget;
    let forgotten_partitions: Vec<i32> = forget.iter().map(|f| f.2).collect();
    let mut forgotten = Vec::new();
    for (start, len) in runs(forget.len(), |a, b| forget[a].0 == forget[b].0) {
        let (topic, topic_id, _) = &forget[start];
        forgotten.push(ForgottenTopic {
            topic: if by_id { "" } else { topic },
            topic_id: if by_id { *topic_id } else { Uuid::ZERO },
            partitions: Array::from_slice(
                forgotten_partitions
                    .get(start..start + len)
                    .unwrap_or_default(),
            ),
            ..ForgottenTopic::default()
        });
    }
    let request = FetchRequest {
        max_wait_ms: clamp_i32(
            config
                .fetch_max_wait
                .as_millis()
                .try_into()
                .unwrap_or(usize::MAX),
        ),
        min_bytes: clamp_i32(config.fetch_min_bytes),
        max_bytes: clamp_i32(reserve),
        isolation_level: if version >= 4 {
            config.isolation_level.as_i8()
        } else {
            0
        },
        session_id: plan.session_id,
        session_epoch: plan.session_epoch,
        topics: Array::from_slice(&topics),
        forgotten_topics_data: Array::from_slice(&forgotten),
        rack_id: match &config.client_rack {
            Some(rack) if version >= 11 => rack,
            _ => "",
        },
        ..FetchRequest::default()
    };
    let frame = connection.request_at(&request, version).await?;
    // The broker may go past max_bytes for one batch bigger than it; that is counted too.
    permit.resize(frame.body().len());
    let _reading = shared.budget.reading(permit.bytes());
    let body = SharedBytes::new(frame, Some(permit));
    let response = match FetchResponse::decode(version, body.bytes()) {
        Ok(response) => response,
        Err(error) => {
            // The frame came whole, so the connection's framing holds; what it carried did not
            // decode (bytes corrupted on the way, or a broker's fault). Nothing was read, so
            // the same Fetch is asked again after a backoff; a broker that always answers so
            // is logged at every attempt.
            let error = Error::core(format!("decoding a Fetch v{version} response"), error);
            log::warn!("fetch from node {node}: {error}; asking again");
            session.reset();
            return Ok(Round::Retry);
        }
    };
    let code = response.error_code;
    if code == ErrorCode::FETCH_SESSION_ID_NOT_FOUND
        || code == ErrorCode::INVALID_FETCH_SESSION_EPOCH
    {
        log::debug!("fetch session with node {node} ended ({code}); starting a new one");
        session.reset();
        return Ok(Round::Retry);
    }
    if !code.is_ok() {
        return Err(Error::kafka(code, None, format!("fetch from node {node}")));
    }
    if plan.session_id != response.session_id && response.session_id > 0 {
        log::debug!("fetch session {} with node {node}", response.session_id);
    }
    session.answered(&plan, targets, response.session_id);
    let mut round = Round::Served;
    for topic in &response.responses {
        for data in &topic.partitions {
            // By id from Fetch v13, by name before: the core's rule for every driver.
            let target = targets.iter().find(|t| {
                let ours = TopicRef {
                    name: &t.topic,
                    id: t.leader.topic_id,
                };
                t.partition == data.partition_index
                    && ours.is(version, topic.topic, &topic.topic_id)
            });
            if let Some(target) = target
                && read_fetched(shared, target, &data, &body).await == Round::Retry
            {
                round = Round::Retry;
            }
        }
    }
    Ok(round)
}

/// Handles one partition of a response: its error, its watermarks, its records.
async fn read_fetched(
    shared: &Shared,
    target: &FetchTarget,
    data: &PartitionData<'_>,
    body: &Arc<SharedBytes>,
) -> Round {
    let (topic, partition, epoch) = (&target.topic, target.partition, target.epoch);
    let code = data.error_code;
    let from_replica = shared
        .cluster
        .cached_leader(topic, partition)
        .is_some_and(|leader| leader != target.leader.node);
    if code == ErrorCode::OFFSET_OUT_OF_RANGE && from_replica {
        // A replica behind the leader (KIP-392): back to the leader, which knows.
        forget_leaders(shared, std::slice::from_ref(target));
        return Round::Retry;
    }
    if code == ErrorCode::OFFSET_OUT_OF_RANGE {
        out_of_range(shared, target);
        return Round::Served;
    }
    if needs_metadata_refresh(code) && follow_new_leader(shared, target, data) {
        return Round::Served;
    }
    if needs_metadata_refresh(code) {
        log::info!("{code} fetching {topic}-{partition}: looking up its leader again");
        forget_leaders(shared, std::slice::from_ref(target));
        return Round::Retry;
    }
    if code.is_retriable() {
        log::debug!("{code} fetching {topic}-{partition}; trying again");
        return Round::Retry;
    }
    if !code.is_ok() {
        let error = Error::kafka(code, None, format!("fetching {topic}-{partition}"));
        fail(shared, std::slice::from_ref(target), error);
        return Round::Served;
    }
    if data.diverging_epoch.epoch >= 0 {
        diverged(shared, target, data.diverging_epoch);
        return Round::Served;
    }
    if data.preferred_read_replica >= 0 && data.preferred_read_replica != target.leader.node {
        read_from_replica(shared, target, data.preferred_read_replica);
        return Round::Served;
    }
    let read_committed = shared.config.isolation_level == IsolationLevel::ReadCommitted;
    {
        let mut state = shared.state();
        let Some(state) = state.current(topic, partition, epoch) else {
            return Round::Served;
        };
        state.high_watermark = Some(data.high_watermark);
        state.last_stable_offset =
            (data.last_stable_offset >= 0).then_some(data.last_stable_offset);
        state.log_start_offset = (data.log_start_offset >= 0).then_some(data.log_start_offset);
    }
    let filter = if read_committed {
        let aborted = data.aborted_transactions.iter().flatten();
        AbortedFilter::read_committed(aborted.map(|a| (a.producer_id, a.first_offset)))
    } else {
        AbortedFilter::default()
    };
    let read = PartitionRead {
        topic: Arc::clone(topic),
        partition,
        body,
        records: data.records.unwrap_or_default(),
        fetch_offset: target.fetch_offset,
        stable_end: (read_committed && data.last_stable_offset >= 0)
            .then_some(data.last_stable_offset),
        filter,
        check_crcs: shared.config.check_crcs,
        inflate: &shared.inflate,
    };
    let deliver = |batch| shared.deliver(Delivery::Batch { epoch, batch });
    match read_partition(read, &shared.budget, deliver).await {
        Ok(end) => {
            if let Some(state) = shared.state().current(topic, partition, epoch) {
                state.fetch_offset = Some(end.next_offset);
                state.fetched_epoch = end.last_epoch.or(state.fetched_epoch);
            }
        }
        Err(_) if shared.is_closed() => {}
        Err(error) => fail(shared, std::slice::from_ref(target), error),
    }
    Round::Served
}

#[cfg(test)]
mod tests;
