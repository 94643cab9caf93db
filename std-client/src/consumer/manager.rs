//! The partition manager, a task (see [`crate::runtime`]): finds leaders, resolves seeks
//! to earliest, latest or a timestamp with ListOffsets, and starts a fetcher per leader node.
//!
//! It wakes on every [`Shared::notify`] (assignment, seek, lost or moved leader, offset reset,
//! closing) and on nothing else, and wakes the fetchers ([`Shared::notify_fetchers`]) after
//! each pass; while work is left (no leader yet, a ListOffsets that failed) it also retries
//! after a backoff (`retry.backoff.ms` up to `retry.backoff.max.ms`). With nothing left to do
//! it sleeps until the next event: no timer runs. A non-retriable
//! error (a metadata refresh or ListOffsets refused for authentication or TLS, a topic the
//! metadata calls unauthorized or invalid, a ListOffsets code such as
//! `TOPIC_AUTHORIZATION_FAILED`) is not retried: the partitions it concerns stop until a seek,
//! and the error goes to the caller ([`Shared::fail`]).
//! Closing the consumer stops it, and it joins the fetchers it started.

use crate::runtime::TaskHandle;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use async_io::Timer;

use super::assignment::{Leader, SeekTo};
use super::fetcher;
use super::list_offsets::{LATEST, OffsetQuery, list_offsets};
use super::shared::{Delivery, PartitionAt, Shared};
use crate::cluster::needs_metadata_refresh;
use crate::error::Error;
use crate::net::Backoff;
use franzl_core::ErrorCode;

/// Starts the manager task; it ends after the fetch tasks it started.
pub(crate) fn spawn(shared: Arc<Shared>) -> TaskHandle {
    let spawner = shared.config.client.spawner.clone();
    let broken = Arc::clone(&shared);
    crate::runtime::spawn_with_recovery(
        spawner.as_ref(),
        "consumer manager",
        run(shared),
        move || {
            broken.break_down("partition manager");
        },
    )
}

async fn run(shared: Arc<Shared>) {
    let client = &shared.config.client;
    let mut backoff = Backoff::new(client.retry_backoff, client.retry_backoff_max, 0x5eed);
    let mut fetchers: BTreeMap<i32, TaskHandle> = BTreeMap::new();
    let mut reported = HashSet::new();
    while !shared.is_closed() {
        let listener = shared.listen_manager();
        let work = step(&shared, &mut fetchers, &mut reported);
        let pending = futures_lite::future::or(work, async {
            shared.closed().await;
            false
        })
        .await;
        if pending {
            let delay = backoff.next_delay();
            futures_lite::future::or(listener, async {
                Timer::after(delay).await;
            })
            .await;
        } else {
            backoff.reset();
            listener.await;
        }
    }
    for fetcher in fetchers.values() {
        fetcher.join().await;
    }
}

/// One pass; returns whether work is left to retry. `reported` holds the partitions (at their
/// epoch) already reported missing.
async fn step(
    shared: &Arc<Shared>,
    fetchers: &mut BTreeMap<i32, TaskHandle>,
    reported: &mut HashSet<PartitionAt>,
) -> bool {
    let topics = shared.state().topics_without_leader();
    let snapshot = if topics.is_empty() {
        shared.cluster.metadata()
    } else {
        let names: Vec<&str> = topics.iter().map(|topic| &**topic).collect();
        match shared.cluster.refresh_metadata(&names).await {
            Ok(snapshot) => snapshot,
            Err(error) if error.is_retriable() => {
                log::warn!("consumer metadata refresh failed: {error}");
                return true;
            }
            Err(error) => {
                // Authentication, TLS, ...: the partitions waiting for a leader stop.
                let waiting = shared.state().leaderless();
                shared.fail(&waiting, error);
                shared.cluster.metadata()
            }
        }
    };
    let nodes = shared.state().apply_leaders(&snapshot);
    report_missing(shared, &snapshot, reported);
    let unusable = shared.state().unusable(&snapshot);
    for (at, code) in unusable {
        let context = format!("metadata of {}-{}", at.0, at.1);
        shared.fail(&[at], Error::kafka(code, None, context));
    }
    for node in nodes {
        if fetchers.contains_key(&node) {
            continue;
        }
        fetchers.insert(node, fetcher::spawn(Arc::clone(shared), node));
    }
    // Fetchers of nodes that gained partitions start now.
    shared.notify_fetchers();
    let mut pending = !shared.state().topics_without_leader().is_empty();
    let resets = shared.state().pending_resets();
    let mut nodes: Vec<i32> = resets.iter().map(|reset| reset.2.node).collect();
    nodes.sort_unstable();
    nodes.dedup();
    for node in nodes {
        let group: Vec<_> = resets.iter().filter(|reset| reset.2.node == node).collect();
        pending |= resolve(shared, node, &group).await;
        // The partitions whose seeks were resolved can be fetched.
        shared.notify_fetchers();
    }
    pending
}

/// Tells the caller, once per partition and seek, of assigned partitions the metadata says do
/// not exist (an unknown topic, or too few partitions). The error is retriable: the partition
/// is looked for again with backoff, and read once it exists.
fn report_missing(
    shared: &Shared,
    snapshot: &crate::cluster::MetadataSnapshot,
    reported: &mut HashSet<PartitionAt>,
) {
    let missing = shared.state().missing(snapshot);
    let new: Vec<PartitionAt> = missing
        .into_iter()
        .filter(|at| reported.insert(at.clone()))
        .collect();
    if new.is_empty() {
        return;
    }
    let names: Vec<String> = new.iter().map(|(t, p, _)| format!("{t}-{p}")).collect();
    let names = names.join(", ");
    log::warn!("assigned {names}, which the metadata says does not exist; looking again");
    shared.deliver(Delivery::Failure(Error::kafka(
        ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
        None,
        format!(
            "assigned {names}, which the metadata says does not exist (the consumer looks \
             again and reads it once it exists)"
        ),
    )));
}

type Reset = (Arc<str>, i32, Leader, SeekTo, u64);

/// Resolves the seeks of partitions led by `node`; returns whether some must be retried.
async fn resolve(shared: &Shared, node: i32, resets: &[&Reset]) -> bool {
    let queries: Vec<OffsetQuery<'_>> = resets
        .iter()
        .map(|(topic, partition, leader, seek, _)| OffsetQuery {
            topic,
            partition: *partition,
            leader_epoch: leader.epoch,
            timestamp: seek.list_offsets_timestamp().unwrap_or(LATEST),
        })
        .collect();
    let config = &shared.config;
    let answers = match shared.cluster.broker(node).await {
        Ok(connection) => {
            let timeout = config.client.request_timeout;
            list_offsets(&connection, config.isolation_level, timeout, &queries).await
        }
        Err(error) => Err(error),
    };
    let answers = match answers {
        Ok(answers) => answers,
        Err(error) if !error.is_retriable() => {
            // The request itself cannot succeed (authentication, TLS, a refused response, no
            // usable version): the partitions stop and the caller sees the error.
            let at: Vec<PartitionAt> = resets
                .iter()
                .map(|(topic, partition, .., epoch)| (Arc::clone(topic), *partition, *epoch))
                .collect();
            shared.fail(&at, error);
            return false;
        }
        Err(error) => {
            log::warn!("ListOffsets to node {node} failed: {error}");
            let mut state = shared.state();
            for (topic, partition, ..) in resets {
                state.lose_leader(topic, *partition);
                shared.cluster.invalidate_leader(topic, *partition);
            }
            return true;
        }
    };
    let mut pending = false;
    let mut failed = Vec::new();
    let mut state = shared.state();
    for (&(topic, partition, _, seek, epoch), answer) in resets.iter().zip(answers) {
        match answer {
            Ok(Some((offset, _))) => {
                log::debug!("{topic}-{partition}: {seek:?} is offset {offset}");
                state.apply_reset(topic, *partition, *epoch, offset);
            }
            // No record at or after the timestamp: read from the end.
            Ok(None) => {
                if let Some(partition) = state.current(topic, *partition, *epoch) {
                    partition.reset = Some(SeekTo::Latest);
                }
                pending = true;
            }
            Err(code) if needs_metadata_refresh(code) => {
                state.lose_leader(topic, *partition);
                shared.cluster.invalidate_leader(topic, *partition);
                pending = true;
            }
            Err(code) if code.is_retriable() => pending = true,
            Err(code) => {
                let context = format!("listing offsets of {topic}-{partition}");
                let at = (Arc::clone(topic), *partition, *epoch);
                failed.push((at, Error::kafka(code, None, context)));
            }
        }
    }
    drop(state);
    for (at, error) in failed {
        shared.fail(&[at], error);
    }
    pending
}
