//! Waiting for the group and transaction coordinators of a fresh broker.
//!
//! The first FindCoordinator creates `__consumer_offsets` (or `__transaction_state`), and the
//! broker then loads each of its partitions. Until a key's partition is loaded, requests for
//! that key are answered NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS even though
//! FindCoordinator names the broker; a client retries them. The scenarios use many fresh keys,
//! so they wait once, up front, until every partition answers: the broker places a key in
//! partition `abs(javaHashCode(key)) % partitions`, so a handful of keys reaches them all.

use std::thread::sleep;
use std::time::{Duration, Instant};

use franzl_core::ErrorCode;
use franzl_core::messages::Array;
use franzl_core::messages::describe_groups::DescribeGroupsRequest;
use franzl_core::messages::describe_transactions::DescribeTransactionsRequest;
use franzl_core::messages::find_coordinator::FindCoordinatorRequest;
use franzl_core::messages::init_producer_id::InitProducerIdRequest;
use franzl_tests::raw_client::RawClient;
use franzl_tests::raw_ops::wait_for_leaders;

use crate::groups::find_coordinator_request;

/// `FindCoordinator` key types.
pub(crate) const KEY_GROUP: i8 = 0;
pub(crate) const KEY_TRANSACTION: i8 = 1;
pub(crate) const KEY_SHARE: i8 = 2;

/// How long a fresh broker may take to create and load an internal topic.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Java's `String.hashCode`, which Kafka uses to place group and transactional ids.
fn java_hash(key: &str) -> i32 {
    key.encode_utf16().fold(0i32, |hash, unit| {
        hash.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// Keys `prefix-0`, `prefix-1`, ... until every one of `partitions` partitions has one.
fn covering_keys(prefix: &str, partitions: usize) -> Vec<String> {
    let mut covered = vec![false; partitions];
    let mut keys = Vec::new();
    for i in 0.. {
        if covered.iter().all(|&c| c) {
            break;
        }
        let key = format!("{prefix}-{i}");
        let slot = usize::try_from(java_hash(&key) & 0x7fff_ffff).unwrap_or(0) % partitions;
        if let Some(seen) = covered.get_mut(slot).filter(|seen| !**seen) {
            *seen = true;
            keys.push(key);
        }
    }
    keys
}

/// Polls FindCoordinator (latest version) for `key` until it names a coordinator, which makes
/// the broker create the internal topic.
pub(crate) fn find(client: &mut RawClient, key: &str, key_type: i8) {
    let v = client.latest::<FindCoordinatorRequest<'_>>();
    let keys = [key];
    let request = find_coordinator_request(v, &keys, key_type);
    let deadline = Instant::now() + LOAD_TIMEOUT;
    loop {
        let reply = client.call(v, &request).expect("FindCoordinator");
        let body = reply.body();
        let code = body
            .coordinators
            .iter()
            .map(|c| c.error_code)
            .next()
            .unwrap_or(body.error_code);
        if code.is_ok() {
            return;
        }
        assert!(
            code.is_retriable() && Instant::now() < deadline,
            "no coordinator for {key}: {body:?}"
        );
        sleep(Duration::from_millis(200));
    }
}

/// Repeats `ask` (the error code of each key) until no key gets a retriable error.
fn until_loaded(what: &str, mut ask: impl FnMut() -> Vec<ErrorCode>) -> Vec<ErrorCode> {
    let deadline = Instant::now() + LOAD_TIMEOUT;
    loop {
        let codes = ask();
        if !codes.iter().any(|&code| code.is_retriable()) {
            return codes;
        }
        assert!(Instant::now() < deadline, "{what} still loading: {codes:?}");
        sleep(Duration::from_millis(200));
    }
}

/// Waits until the group coordinator serves every `__consumer_offsets` partition.
pub(crate) fn wait_for_group_coordinator(client: &mut RawClient) {
    find(client, "franzl-warm-up", KEY_GROUP);
    let partitions = internal_partitions(client, "__consumer_offsets");
    let keys = covering_keys("franzl-warm-up", partitions);
    let names: Vec<&str> = keys.iter().map(String::as_str).collect();
    let request = DescribeGroupsRequest {
        groups: Array::from_slice(&names),
        ..Default::default()
    };
    let codes = until_loaded("group coordinator", || {
        let reply = client.call_latest(&request).expect("DescribeGroups");
        reply.body().groups.iter().map(|g| g.error_code).collect()
    });
    // A group nobody created is either described as dead or not found, by version.
    let unexpected = codes
        .iter()
        .any(|&c| !c.is_ok() && c != ErrorCode::GROUP_ID_NOT_FOUND);
    assert!(!unexpected, "DescribeGroups of unknown groups: {codes:?}");
}

/// Waits until the transaction coordinator serves every `__transaction_state` partition.
pub(crate) fn wait_for_transaction_coordinator(client: &mut RawClient) {
    find(client, "franzl-warm-up", KEY_TRANSACTION);
    let partitions = internal_partitions(client, "__transaction_state");
    let keys = covering_keys("franzl-warm-up", partitions);
    let ids: Vec<&str> = keys.iter().map(String::as_str).collect();
    let request = DescribeTransactionsRequest {
        transactional_ids: Array::from_slice(&ids),
        ..Default::default()
    };
    let codes = until_loaded("transaction coordinator", || {
        let reply = client.call_latest(&request).expect("DescribeTransactions");
        let body = reply.body();
        body.transaction_states
            .iter()
            .map(|t| t.error_code)
            .collect()
    });
    let expected = ErrorCode::TRANSACTIONAL_ID_NOT_FOUND;
    let unexpected = codes.iter().any(|&c| c != expected);
    assert!(
        !unexpected,
        "DescribeTransactions of unknown ids: {codes:?}"
    );
}

/// Waits until the broker hands out producer ids: a fresh broker answers an idempotent
/// InitProducerId with COORDINATOR_LOAD_IN_PROGRESS until it has its first block of ids from
/// the controller.
pub(crate) fn wait_for_producer_ids(client: &mut RawClient) {
    let request = InitProducerIdRequest {
        transactional_id: None,
        transaction_timeout_ms: 60_000,
        ..Default::default()
    };
    let codes = until_loaded("producer id block", || {
        let reply = client.call_latest(&request).expect("InitProducerId");
        vec![reply.body().error_code]
    });
    assert_eq!(codes, [ErrorCode::NONE], "idempotent InitProducerId");
}

/// The partition count of an internal topic, once each partition has a leader.
fn internal_partitions(client: &mut RawClient, topic: &str) -> usize {
    use franzl_core::messages::metadata::{MetadataRequest, MetadataRequestTopic};
    let topics = [MetadataRequestTopic {
        name: Some(topic),
        ..Default::default()
    }];
    let request = MetadataRequest {
        topics: Some(Array::from_slice(&topics)),
        ..Default::default()
    };
    let deadline = Instant::now() + LOAD_TIMEOUT;
    loop {
        let reply = client.call_latest(&request).expect("Metadata");
        let body = reply.body();
        let count = body
            .topics
            .iter()
            .filter(|t| t.error_code.is_ok())
            .map(|t| t.partitions.len())
            .next()
            .unwrap_or(0);
        if count > 0 {
            wait_for_leaders(client, topic, i32::try_from(count).unwrap_or(i32::MAX));
            return count;
        }
        assert!(
            Instant::now() < deadline,
            "{topic} has no partitions: {body:?}"
        );
        sleep(Duration::from_millis(200));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hash_matches_the_jvm() {
        // Values from `"...".hashCode()` on a JVM.
        assert_eq!(java_hash(""), 0);
        assert_eq!(java_hash("a"), 97);
        assert_eq!(java_hash("hello"), 99_162_322);
    }

    #[test]
    fn covering_keys_reach_every_partition() {
        let keys = covering_keys("k", 50);
        assert_eq!(keys.len(), 50);
    }
}
