//! Reconciliation of a consumer-protocol member: from the partitions it owns to the target
//! the coordinator assigned, by topic id.
//!
//! Order: the topic ids are resolved to names through the client's metadata (refreshed when
//! one is unknown: the coordinator may assign a topic before this client has heard of it);
//! then what is no longer assigned is given up (auto commit first, then
//! [`GroupEvent::Revoked`], held until the caller lets go),
//! and only then is what is new taken in (its committed offsets read as the member). The
//! member's owned set ([`crate::group::membership::MemberState::owned`]) changes only as each
//! step completes, and it is what the next heartbeat reports: a partition is acknowledged as
//! released only once the caller has let go of it, and as owned only once it is read.

use std::collections::BTreeMap;

use franzl_core::wire::Uuid;

use super::heartbeat::ById;
use crate::TopicPartition;
use crate::error::Result;
use crate::group::events::GroupEvent;
use crate::group::member_context::Context;
use crate::group::rebalance::{committed_of, describe, give_up, remove, take_in};

/// Brings the member to `target`. Returns whether all of it was reached (`false`: some topic
/// ids are unknown even to fresh metadata; the caller tries again later).
///
/// # Errors
/// Reading the committed offsets of the new partitions failed; what was revoked stays revoked.
pub(crate) async fn reconcile(cx: &Context<'_>, target: ById) -> Result<bool> {
    let names = resolve(cx, &target).await;
    let mut wanted: Vec<TopicPartition> = target
        .iter()
        .filter_map(|(id, partitions)| Some((names.get(id)?, partitions)))
        .flat_map(|(name, partitions)| {
            partitions
                .iter()
                .map(move |&partition| TopicPartition::new(name.as_str(), partition))
        })
        .collect();
    wanted.sort();
    let complete = target.keys().all(|id| names.contains_key(id));
    let owned = cx.membership.state().owned.clone();
    let revoked: Vec<TopicPartition> = owned
        .iter()
        .filter(|tp| wanted.binary_search(tp).is_err())
        .cloned()
        .collect();
    let added: Vec<TopicPartition> = wanted
        .iter()
        .filter(|tp| owned.binary_search(tp).is_err())
        .cloned()
        .collect();
    let group = &cx.membership.config.group_id;
    if !revoked.is_empty() {
        log::info!("group {group:?}: revoking {}", describe(&revoked));
        give_up(cx, &revoked).await;
        remove(cx, &revoked);
    }
    if !added.is_empty() {
        let committed = committed_of(cx, &added).await?;
        take_in(cx, &added, &committed);
        {
            let mut state = cx.membership.state();
            state.owned.extend(added.iter().cloned());
            state.owned.sort();
        }
        log::info!("group {group:?}: assigned {}", describe(&added));
        cx.membership.emit(GroupEvent::Assigned(added));
    }
    Ok(complete)
}

/// The names of `target`'s topic ids that metadata knows, refreshed (for the subscribed
/// topics, then for all) when some are unknown. A failed refresh is logged: the ids stay
/// unknown for now.
async fn resolve(cx: &Context<'_>, target: &ById) -> BTreeMap<Uuid, String> {
    let client = &cx.consumer.cluster;
    let mut names = by_id(&client.metadata().topics);
    if target.keys().all(|id| names.contains_key(id)) {
        return names;
    }
    let subscribed = cx.membership.state().subscription.clone();
    let subscribed: Vec<&str> = subscribed.iter().map(String::as_str).collect();
    let group = &cx.membership.config.group_id;
    match client.refresh_metadata(&subscribed).await {
        Ok(snapshot) => names.extend(by_id(&snapshot.topics)),
        Err(error) => log::warn!("group {group:?}: metadata for the assignment: {error}"),
    }
    if !target.keys().all(|id| names.contains_key(id)) {
        match client.refresh_all_topics().await {
            Ok(snapshot) => names.extend(by_id(&snapshot.topics)),
            Err(error) => log::warn!("group {group:?}: metadata for the assignment: {error}"),
        }
    }
    names
}

/// Topic names by id (topics without an id left out).
fn by_id(topics: &BTreeMap<String, crate::cluster::TopicMetadata>) -> BTreeMap<Uuid, String> {
    topics
        .iter()
        .filter(|(_, topic)| topic.id != Uuid::ZERO && topic.error.is_ok())
        .map(|(name, topic)| (topic.id, name.clone()))
        .collect()
}

/// `owned` by topic id, as metadata names them (a topic metadata no longer knows is left out).
pub(crate) fn owned_by_id(cx: &Context<'_>, owned: &[TopicPartition]) -> ById {
    let metadata = cx.consumer.cluster.metadata();
    let mut out = ById::new();
    for tp in owned {
        if let Some(topic) = metadata.topic(&tp.topic)
            && topic.id != Uuid::ZERO
        {
            out.entry(topic.id).or_default().insert(tp.partition);
        }
    }
    out
}
