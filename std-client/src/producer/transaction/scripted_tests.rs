//! The transaction error-class matrix against the scripted coordinator
//! (`scripted_coordinator.rs`): each error a transactional call can be answered with, injected
//! where the real broker cannot produce it on cue, and what the producer does next.
//!
//! - Retriable (`COORDINATOR_NOT_AVAILABLE`, `NOT_COORDINATOR`, `COORDINATOR_LOAD_IN_PROGRESS`,
//!   `CONCURRENT_TRANSACTIONS`): the call asks again (the coordinator looked up again when it
//!   moved) and the transaction commits.
//! - Abortable: the failing call and `commit_transaction` fail with the class, the producer
//!   refuses records, `abort_transaction` succeeds, and the next transaction commits (with the
//!   epoch the abort left).
//! - Fatal: that call and every later one fail with the class.
//! - Unknown outcome (EndTxn's answer never comes): franzl does not guess; `init_transactions`
//!   starts over with the producer id and epoch it holds (KIP-360), and no EndTxn of the old
//!   epoch follows.
//!
//! Each case runs for both protocols where they differ: the coordinator reports the finalized
//! `transaction.version` 0 (transactions v1: AddPartitionsToTxn, AddOffsetsToTxn) or 2
//! (transactions v2: Produce and TxnOffsetCommit add to the transaction, EndTxn v5 bumps the
//! epoch).

use std::future::Future;
use std::time::Duration;

use franzl_core::ErrorCode;
use franzl_core::messages::ApiKey;

use super::scripted_coordinator::{Answer, PRODUCER_ID, Seen, Shared, coordinator};
use crate::config::{ProducerConfig, ProducerConfigBuilder};
use crate::consumer::TopicPartition;
use crate::error::{Result, TransactionErrorClass};
use crate::group::{ConsumerGroupMetadata, OffsetAndMetadata};
use crate::producer::{Producer, ProducerRecord};

use TransactionErrorClass::Retriable;

/// The protocols, as the `transaction.version` the coordinator reports.
pub(super) const V1: i16 = 0;
pub(super) const V2: i16 = 2;

/// Runs `test` to its end, or fails it after a minute (a hang is a failure, not a stuck run).
pub(super) fn run(test: impl Future<Output = ()>) {
    smol::block_on(futures_lite::future::or(test, async {
        async_io::Timer::after(Duration::from_secs(60)).await;
        panic!("the test did not finish within a minute");
    }));
}

/// Runs `case` for both protocols at once, each on a coordinator and producer of its own
/// (the cases that wait out a deadline take half the time).
pub(super) async fn for_both<F, Fut>(case: F)
where
    F: Fn(i16) -> Fut,
    Fut: Future<Output = ()>,
{
    futures_lite::future::zip(case(V1), case(V2)).await;
}

/// A transactional producer on the scripted coordinator at `port`, with backoffs of a few
/// milliseconds, timeouts of seconds, and `edit`'s changes.
pub(super) async fn producer_with(
    port: u16,
    edit: impl FnOnce(ProducerConfigBuilder) -> ProducerConfigBuilder,
) -> Producer {
    let builder = ProducerConfig::builder()
        .client(|c| {
            c.bootstrap_servers([format!("127.0.0.1:{port}")])
                .retry_backoff(Duration::from_millis(2), Duration::from_millis(20))
                .reconnect_backoff(Duration::from_millis(2), Duration::from_millis(20))
                .timeouts(
                    Duration::from_secs(5),
                    Duration::from_secs(5),
                    Duration::from_secs(20),
                )
        })
        .linger(Duration::ZERO)
        .transactional_id("tx");
    Producer::connect(edit(builder).build().unwrap())
        .await
        .unwrap()
}

pub(super) async fn producer(port: u16) -> Producer {
    producer_with(port, |b| b).await
}

pub(super) fn group() -> ConsumerGroupMetadata {
    ConsumerGroupMetadata {
        group_id: "g".to_owned(),
        generation_id: 1,
        member_id: "m".to_owned(),
        group_instance_id: None,
    }
}

pub(super) fn offsets() -> [(TopicPartition, OffsetAndMetadata); 1] {
    [(TopicPartition::new("t", 0), OffsetAndMetadata::new(10))]
}

/// One transaction: begin, a record, the group's offsets, commit; the first call's error.
pub(super) async fn transaction(producer: &Producer) -> Result<()> {
    producer.begin_transaction()?;
    let _delivery = producer.send(ProducerRecord::new("t", b"v")).await?;
    producer
        .send_offsets_to_transaction(&offsets(), &group())
        .await?;
    producer.commit_transaction().await
}

/// The class of `result`'s error (panics on `Ok`, or on an error of no class).
pub(super) fn class(result: Result<()>, what: &str) -> TransactionErrorClass {
    let error = result.expect_err(what);
    error
        .transaction_class()
        .unwrap_or_else(|| panic!("{what}: an error of no class: {error}"))
}

pub(super) fn requests(state: &Shared, api: ApiKey) -> Vec<Seen> {
    state.lock().unwrap().of(api)
}

/// The scripted coordinator, with `answers` queued for `api`, and an initialized producer
/// (`init_transactions` itself is the case when `api` is InitProducerId or FindCoordinator).
pub(super) async fn scripted(version: i16, api: ApiKey, answers: &[Answer]) -> (Shared, Producer) {
    let (port, state) = coordinator(version, |c| c.queue(api, answers.iter().copied())).await;
    (state, producer(port).await)
}

/// An error for each of `codes`, queued for `api`, is retried: the producer initializes and
/// a transaction with a record and the group's offsets commits.
async fn retried(version: i16, api: ApiKey, codes: &[ErrorCode]) {
    for &code in codes {
        let answers = [Answer::Code(code), Answer::Code(code)];
        let (state, producer) = scripted(version, api, &answers).await;
        producer.init_transactions().await.unwrap();
        transaction(&producer)
            .await
            .unwrap_or_else(|e| panic!("{code} on {api:?}, v{version}: {e}"));
        assert_eq!(producer.transaction_uses_v2(), version == V2);
        assert!(
            requests(&state, api).len() >= 3,
            "{code} on {api:?}: asked again"
        );
        let moved = super::verdict::coordinator_moved(code);
        // Once for the transaction's coordinator and once for the group's, and again after
        // each error that says the coordinator moved.
        let finds = requests(&state, ApiKey::FindCoordinator).len();
        assert!(
            finds >= 2 + if moved { 2 } else { 0 },
            "{code}: {finds} lookups"
        );
    }
}

pub(super) const RETRIABLE: [ErrorCode; 4] = [
    ErrorCode::COORDINATOR_NOT_AVAILABLE,
    ErrorCode::NOT_COORDINATOR,
    ErrorCode::COORDINATOR_LOAD_IN_PROGRESS,
    ErrorCode::CONCURRENT_TRANSACTIONS,
];

#[test]
fn retriable_errors_of_init_producer_id_end_txn_and_txn_offset_commit_are_retried() {
    run(async {
        for version in [V1, V2] {
            for api in [
                ApiKey::InitProducerId,
                ApiKey::EndTxn,
                ApiKey::TxnOffsetCommit,
            ] {
                retried(version, api, &RETRIABLE).await;
            }
        }
    });
}

#[test]
fn retriable_errors_of_add_partitions_and_add_offsets_are_retried() {
    run(async {
        for api in [ApiKey::AddPartitionsToTxn, ApiKey::AddOffsetsToTxn] {
            retried(V1, api, &RETRIABLE).await;
        }
    });
}

#[test]
fn retriable_errors_of_find_coordinator_are_retried() {
    run(async {
        for version in [V1, V2] {
            let codes = &RETRIABLE[..3];
            retried(version, ApiKey::FindCoordinator, codes).await;
        }
    });
}

#[test]
fn retriable_errors_of_produce_are_retried() {
    run(async {
        for version in [V1, V2] {
            // The partition's leader moved, or (v2) the last transaction is still ending.
            let codes = [
                ErrorCode::NOT_LEADER_OR_FOLLOWER,
                ErrorCode::CONCURRENT_TRANSACTIONS,
            ];
            for code in codes {
                let answers = [Answer::Code(code), Answer::Code(code)];
                let (state, producer) = scripted(version, ApiKey::Produce, &answers).await;
                producer.init_transactions().await.unwrap();
                transaction(&producer)
                    .await
                    .unwrap_or_else(|e| panic!("{code} on Produce, v{version}: {e}"));
                assert_eq!(requests(&state, ApiKey::Produce).len(), 3);
            }
        }
    });
}

#[test]
fn a_connection_lost_before_end_txn_answers_sends_the_same_end_txn_again() {
    run(async {
        for version in [V1, V2] {
            let (state, producer) = scripted(version, ApiKey::EndTxn, &[Answer::Close]).await;
            producer.init_transactions().await.unwrap();
            transaction(&producer).await.unwrap();
            let ends = requests(&state, ApiKey::EndTxn);
            assert_eq!(ends.len(), 2, "{ends:?}");
            assert_eq!(ends[0].epoch, ends[1].epoch);
            assert_eq!(ends[0].commit, Some(true));
            assert_eq!(ends[1].commit, Some(true));
        }
    });
}

#[test]
fn the_protocol_follows_the_finalized_transaction_version() {
    run(async {
        for version in [V1, V2] {
            let (port, state) = coordinator(version, |_| {}).await;
            let producer = producer(port).await;
            producer.init_transactions().await.unwrap();
            transaction(&producer).await.unwrap();
            transaction(&producer).await.unwrap();
            let versions =
                |api| -> Vec<i16> { requests(&state, api).iter().map(|s| s.version).collect() };
            let epochs =
                |api| -> Vec<i16> { requests(&state, api).iter().map(|s| s.epoch).collect() };
            assert!(
                requests(&state, ApiKey::InitProducerId)
                    .iter()
                    .all(|s| s.producer_id == -1)
            );
            if version == V1 {
                assert_eq!(versions(ApiKey::AddPartitionsToTxn), [3, 3]);
                assert_eq!(versions(ApiKey::AddOffsetsToTxn), [4, 4]);
                assert_eq!(versions(ApiKey::TxnOffsetCommit), [4, 4]);
                assert_eq!(versions(ApiKey::EndTxn), [4, 4]);
                assert!(versions(ApiKey::Produce).iter().all(|&v| v <= 11));
                // One epoch for every transaction.
                assert_eq!(epochs(ApiKey::EndTxn), [0, 0]);
                assert_eq!(epochs(ApiKey::Produce), [0, 0]);
            } else {
                assert!(versions(ApiKey::AddPartitionsToTxn).is_empty());
                assert!(versions(ApiKey::AddOffsetsToTxn).is_empty());
                assert_eq!(versions(ApiKey::TxnOffsetCommit), [5, 5]);
                assert_eq!(versions(ApiKey::EndTxn), [5, 5]);
                assert_eq!(versions(ApiKey::Produce), [12, 12]);
                // Each EndTxn gives the next transaction's epoch.
                assert_eq!(epochs(ApiKey::EndTxn), [0, 1]);
                assert_eq!(epochs(ApiKey::Produce), [0, 1]);
                assert_eq!(epochs(ApiKey::TxnOffsetCommit), [0, 1]);
            }
            assert!(
                requests(&state, ApiKey::Produce)
                    .iter()
                    .all(|s| s.producer_id == PRODUCER_ID)
            );
        }
    });
}

/// A commit whose EndTxn is answered by `answer` until `max.block.ms` ends fails, retriable;
/// nothing but `commit_transaction` or `init_transactions` is then allowed, and
/// `init_transactions` starts over with the producer id and epoch held (KIP-360): no EndTxn of
/// the old epoch follows, and the next transaction commits with the new one.
async fn unknown_outcome(version: i16, answer: Answer) {
    let unanswered = vec![answer; 1000];
    let (port, state) = coordinator(version, |c| c.queue(ApiKey::EndTxn, unanswered)).await;
    // A request held is given up after a second, and a call after two.
    let producer = producer_with(port, |b| {
        b.client(|c| {
            let second = Duration::from_secs(1);
            c.timeouts(Duration::from_secs(5), second, 2 * second)
        })
    })
    .await;
    producer.init_transactions().await.unwrap();
    let what = format!("{answer:?}, v{version}");
    assert_eq!(class(transaction(&producer).await, &what), Retriable);
    let old_epoch = requests(&state, ApiKey::EndTxn)[0].epoch;
    state.lock().unwrap().answers.clear();
    // Nothing of a new transaction while the last one's outcome is unknown.
    let refused = producer
        .begin_transaction()
        .expect_err("begin while ending");
    assert!(refused.transaction_class().is_none(), "{refused}");
    let seen_before = state.lock().unwrap().seen.len();
    producer.init_transactions().await.unwrap();
    transaction(&producer).await.unwrap();

    let after: Vec<Seen> = state.lock().unwrap().seen[seen_before..].to_vec();
    let init = after
        .iter()
        .find(|s| s.api == ApiKey::InitProducerId)
        .unwrap();
    assert_eq!(
        (init.producer_id, init.epoch),
        (PRODUCER_ID, old_epoch),
        "{what}"
    );
    let ends: Vec<&Seen> = after.iter().filter(|s| s.api == ApiKey::EndTxn).collect();
    assert_eq!(ends.len(), 1, "{what}: {ends:?}");
    assert_eq!(
        (ends[0].epoch, ends[0].commit),
        (old_epoch + 1, Some(true)),
        "{what}"
    );
}

#[test]
fn after_an_end_txn_whose_answer_never_came_init_transactions_starts_over() {
    run(for_both(|version| async move {
        let closed = unknown_outcome(version, Answer::Close);
        futures_lite::future::zip(closed, unknown_outcome(version, Answer::Hold)).await;
    }));
}

#[test]
fn transactions_v2_need_the_feature_at_level_2_and_a_coordinator_that_speaks_end_txn_v5() {
    run(async {
        // (transaction.version, EndTxn's last version offered, v2 expected)
        for (level, end_txn, v2) in [(-1, 5, false), (1, 5, false), (2, 4, false), (2, 5, true)] {
            let (port, state) = coordinator(level, |c| {
                for offer in &mut c.offers {
                    if offer.0 == ApiKey::EndTxn {
                        offer.2 = end_txn;
                    }
                }
            })
            .await;
            let producer = producer(port).await;
            producer.init_transactions().await.unwrap();
            transaction(&producer).await.unwrap();
            let what = format!("transaction.version {level}, EndTxn up to v{end_txn}");
            assert_eq!(producer.transaction_uses_v2(), v2, "{what}");
            let added = !requests(&state, ApiKey::AddPartitionsToTxn).is_empty();
            assert_eq!(added, !v2, "{what}");
        }
    });
}
