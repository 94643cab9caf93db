//! Transactional calls whose answer never comes, or whose retries outlast their deadline,
//! against the scripted coordinator (helpers in `scripted_tests.rs`):
//!
//! - a call that retries past `max.block.ms` (`init_transactions`, `send_offsets`, the
//!   commit) fails, retriable, and leaves the producer as it was: the same call again succeeds (the commit sends the same EndTxn again, with the
//!   same epoch and decision);
//! - an abort whose EndTxn never comes fails, retriable; `init_transactions` starts over;
//! - starting over when the lost EndTxn never reached the coordinator: Kafka aborts the open
//!   transaction (CONCURRENT_TRANSACTIONS) and then fences the producer, which is fatal;
//! - records whose partition cannot join the transaction (AddPartitionsToTxn retried) fail at
//!   `delivery.timeout.ms`, which makes the transaction abortable rather than hang the commit.

use std::time::Duration;

use franzl_core::ErrorCode;
use franzl_core::messages::ApiKey;

use super::scripted_coordinator::{Answer, PRODUCER_ID, Shared, coordinator};
use super::scripted_tests::{
    V1, V2, class, for_both, group, offsets, producer_with, requests, run, transaction,
};
use crate::error::TransactionErrorClass::{Abortable, Fatal, Retriable};
use crate::producer::{Producer, ProducerRecord};

/// The scripted coordinator with `answers` queued for `api`, and a producer whose requests
/// are given up after a second and whose calls retry for two.
async fn impatient(version: i16, api: ApiKey, answers: Vec<Answer>) -> (Shared, Producer) {
    let (port, state) = coordinator(version, |c| c.queue(api, answers)).await;
    let producer = producer_with(port, |b| {
        b.client(|c| {
            let second = Duration::from_secs(1);
            c.timeouts(Duration::from_secs(5), second, 2 * second)
        })
        .delivery_timeout(Duration::from_millis(1500))
    })
    .await;
    producer.init_transactions().await.unwrap();
    (state, producer)
}

#[test]
fn an_init_that_outlasted_max_block_can_be_made_again() {
    let case = |api: ApiKey| async move {
        let what = format!("{api:?} loading until max.block.ms");
        let loading = vec![Answer::Code(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS); 100_000];
        let (port, state) = coordinator(V2, |c| c.queue(api, loading)).await;
        let producer = producer_with(port, |b| {
            b.client(|c| {
                let second = Duration::from_secs(1);
                c.timeouts(Duration::from_secs(5), second, 2 * second)
            })
        })
        .await;
        assert_eq!(class(producer.init_transactions().await, &what), Retriable);
        state.lock().unwrap().answers.clear();
        producer.init_transactions().await.unwrap();
        transaction(&producer).await.unwrap();
    };
    run(async {
        futures_lite::future::zip(case(ApiKey::FindCoordinator), case(ApiKey::InitProducerId))
            .await;
    });
}

#[test]
fn a_commit_that_outlasted_max_block_can_be_made_again() {
    run(for_both(|version| async move {
        let unanswered = vec![Answer::Close; 1000];
        let (state, producer) = impatient(version, ApiKey::EndTxn, unanswered).await;
        let what = format!("EndTxn never answered, v{version}");
        assert_eq!(class(transaction(&producer).await, &what), Retriable);
        state.lock().unwrap().answers.clear();
        producer.commit_transaction().await.unwrap();
        let ends = requests(&state, ApiKey::EndTxn);
        let epoch = ends[0].epoch;
        assert!(
            ends.iter()
                .all(|e| (e.epoch, e.commit) == (epoch, Some(true))),
            "{what}: {ends:?}"
        );
        // The next transaction, under the epoch the coordinator holds.
        transaction(&producer).await.unwrap();
        let last = requests(&state, ApiKey::EndTxn).pop().unwrap();
        let next = if version == V2 { epoch + 1 } else { epoch };
        assert_eq!(last.epoch, next, "{what}");
    }));
}

#[test]
fn send_offsets_that_outlasted_max_block_can_be_sent_again() {
    run(for_both(|version| async move {
        let busy = vec![Answer::Code(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS); 1000];
        let (state, producer) = impatient(version, ApiKey::TxnOffsetCommit, busy).await;
        let what = format!("TxnOffsetCommit loading, v{version}");
        assert_eq!(class(transaction(&producer).await, &what), Retriable);
        state.lock().unwrap().answers.clear();
        producer
            .send_offsets_to_transaction(&offsets(), &group())
            .await
            .unwrap();
        producer.commit_transaction().await.unwrap();
    }));
}

#[test]
fn after_an_abort_whose_end_txn_never_came_init_transactions_starts_over() {
    run(for_both(|version| async move {
        let what = format!("EndTxn (abort) never answered, v{version}");
        let (state, producer) = impatient(version, ApiKey::TxnOffsetCommit, vec![]).await;
        state.lock().unwrap().queue(
            ApiKey::TxnOffsetCommit,
            [Answer::Code(ErrorCode::TRANSACTION_ABORTABLE)],
        );
        assert_eq!(class(transaction(&producer).await, &what), Abortable);
        state
            .lock()
            .unwrap()
            .queue(ApiKey::EndTxn, vec![Answer::Hold; 1000]);
        assert_eq!(class(producer.abort_transaction().await, &what), Retriable);
        let old_epoch = requests(&state, ApiKey::EndTxn)[0].epoch;
        state.lock().unwrap().answers.clear();
        let seen_before = state.lock().unwrap().seen.len();
        producer.init_transactions().await.unwrap();
        transaction(&producer).await.unwrap();
        let after = state.lock().unwrap().seen[seen_before..].to_vec();
        let init = after
            .iter()
            .find(|s| s.api == ApiKey::InitProducerId)
            .unwrap();
        assert_eq!(
            (init.producer_id, init.epoch),
            (PRODUCER_ID, old_epoch),
            "{what}"
        );
        let ends: Vec<_> = after.iter().filter(|s| s.api == ApiKey::EndTxn).collect();
        assert_eq!(ends.len(), 1, "{what}: {ends:?}");
        assert_eq!((ends[0].epoch, ends[0].commit), (old_epoch + 1, Some(true)));
    }));
}

#[test]
fn records_whose_partition_never_joins_the_transaction_fail_at_the_delivery_timeout() {
    run(async {
        let busy = vec![Answer::Code(ErrorCode::CONCURRENT_TRANSACTIONS); 100_000];
        let (state, producer) = impatient(V1, ApiKey::AddPartitionsToTxn, busy).await;
        let what = "AddPartitionsToTxn busy until the delivery timeout";
        producer.begin_transaction().unwrap();
        let delivery = producer.send(ProducerRecord::new("t", b"v")).await.unwrap();
        assert_eq!(class(producer.commit_transaction().await, what), Abortable);
        assert!(delivery.await.is_err(), "{what}: the record failed");
        state.lock().unwrap().answers.clear();
        producer.abort_transaction().await.unwrap();
        transaction(&producer).await.unwrap();
    });
}

#[test]
fn an_abort_whose_epoch_bump_outlasted_max_block_can_be_made_again() {
    run(async {
        let what = "the abort's InitProducerId loading until max.block.ms, v1";
        let failed = vec![Answer::Code(ErrorCode::INVALID_RECORD)];
        let (state, producer) = impatient(V1, ApiKey::Produce, failed).await;
        assert_eq!(class(transaction(&producer).await, what), Abortable);
        let epoch = state.lock().unwrap().epoch;
        let loading = Answer::Code(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS);
        state
            .lock()
            .unwrap()
            .queue(ApiKey::InitProducerId, vec![loading; 1000]);
        assert_eq!(class(producer.abort_transaction().await, what), Retriable);
        state.lock().unwrap().answers.clear();
        // As the error says: call it again. The EndTxn is not sent twice; the bump is.
        producer.abort_transaction().await.unwrap();
        let ends = requests(&state, ApiKey::EndTxn);
        assert_eq!(ends.len(), 1, "{what}: {ends:?}");
        let bump = requests(&state, ApiKey::InitProducerId).pop().unwrap();
        assert_eq!(
            (bump.producer_id, bump.epoch),
            (PRODUCER_ID, epoch),
            "{what}"
        );
        transaction(&producer).await.unwrap();
        let last = requests(&state, ApiKey::Produce).pop().unwrap();
        assert_eq!(last.epoch, epoch + 1, "{what}");
    });
}

#[test]
fn starting_over_while_the_coordinator_still_has_the_transaction_open_is_fatal() {
    run(for_both(|version| async move {
        let what = format!("EndTxn lost on the way, then init_transactions, v{version}");
        let unanswered = vec![Answer::Close; 1000];
        let (state, producer) = impatient(version, ApiKey::EndTxn, unanswered).await;
        assert_eq!(class(transaction(&producer).await, &what), Retriable);
        // As Kafka answers an InitProducerId with the producer's own id and epoch that finds
        // its transaction open: it aborts it and asks the producer to retry, then finds the
        // epoch it fenced.
        let answers = [
            Answer::Code(ErrorCode::CONCURRENT_TRANSACTIONS),
            Answer::Code(ErrorCode::PRODUCER_FENCED),
        ];
        {
            let mut s = state.lock().unwrap();
            s.answers.clear();
            s.queue(ApiKey::InitProducerId, answers);
        }
        let ends_before = requests(&state, ApiKey::EndTxn).len();
        assert_eq!(class(producer.init_transactions().await, &what), Fatal);
        assert_eq!(class(producer.commit_transaction().await, &what), Fatal);
        let inits = requests(&state, ApiKey::InitProducerId);
        assert_eq!(inits.len(), 3, "{what}: {inits:?}");
        // The id and epoch held: the first transaction's (its EndTxn never answered).
        let held = (PRODUCER_ID, 0);
        let all_held = inits[1..].iter().all(|i| (i.producer_id, i.epoch) == held);
        assert!(all_held, "{what}: {inits:?}");
        assert_eq!(
            requests(&state, ApiKey::EndTxn).len(),
            ends_before,
            "{what}"
        );
    }));
}
