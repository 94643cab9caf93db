//! The abortable and fatal rows of the transaction error-class matrix (the retriable ones and
//! the unknown outcome are in `scripted_tests.rs`, with the helpers; the abort's own errors in
//! `scripted_abort_tests.rs`).
//!
//! - Abortable: the call the error answers fails with the class, and so do
//!   `commit_transaction` and `send`; `abort_transaction` succeeds, and the next transaction
//!   commits with the epoch the coordinator holds after the abort (bumped when the abort left a
//!   sequence gap under transactions v1, or by EndTxn under v2).
//! - Fatal: the call fails with the class, and so does every later one (`begin`, `send`,
//!   `send_offsets`, `commit`, `abort`, `init`), none of them sending a request.

use std::time::Duration;

use franzl_core::ErrorCode;
use franzl_core::messages::ApiKey;

use super::scripted_coordinator::{Answer, Seen, coordinator};
use super::scripted_tests::{
    V1, V2, class, for_both, group, offsets, producer, producer_with, requests, run, scripted,
    transaction,
};
use crate::error::TransactionErrorClass::{Abortable, Fatal};
use crate::producer::{Producer, ProducerRecord};

use super::scripted_coordinator::Shared;

/// After the abortable error `what` failed the transaction: `commit_transaction` and `send`
/// fail with the class, the abort succeeds, and the next transaction commits under the epoch
/// the coordinator holds after it.
pub(super) async fn abort_and_go_on(state: &Shared, producer: &Producer, what: &str) {
    assert_eq!(class(producer.commit_transaction().await, what), Abortable);
    let send = producer
        .send(ProducerRecord::new("t", b"v"))
        .await
        .map(drop);
    assert_eq!(class(send, what), Abortable);
    producer
        .abort_transaction()
        .await
        .unwrap_or_else(|e| panic!("{what}: abort: {e}"));
    state.lock().unwrap().answers.clear();
    let epoch = state.lock().unwrap().epoch;
    let seen_before = state.lock().unwrap().seen.len();
    transaction(producer)
        .await
        .unwrap_or_else(|e| panic!("{what}: the next: {e}"));
    let seen = state.lock().unwrap().seen[seen_before..].to_vec();
    let produced = seen.iter().find(|s| s.api == ApiKey::Produce).unwrap();
    assert_eq!(produced.epoch, epoch, "{what}: {seen:?}");
    let end = seen.iter().find(|s| s.api == ApiKey::EndTxn).unwrap();
    assert_eq!((end.epoch, end.commit), (epoch, Some(true)), "{what}");
}

/// Each of `codes`, answering `api` once, makes the transaction abortable (see the module
/// docs).
async fn abortable(version: i16, api: ApiKey, codes: &[ErrorCode]) {
    for &code in codes {
        let what = format!("{code} on {api:?}, v{version}");
        let (state, producer) = scripted(version, api, &[Answer::Code(code)]).await;
        producer.init_transactions().await.unwrap();
        assert_eq!(class(transaction(&producer).await, &what), Abortable);
        abort_and_go_on(&state, &producer, &what).await;
    }
}

#[test]
fn abortable_errors_of_add_partitions_and_add_offsets_leave_the_producer_usable_after_abort() {
    run(async {
        let codes = [
            ErrorCode::TRANSACTION_ABORTABLE,
            ErrorCode::TOPIC_AUTHORIZATION_FAILED,
        ];
        abortable(V1, ApiKey::AddPartitionsToTxn, &codes).await;
        let codes = [
            ErrorCode::TRANSACTION_ABORTABLE,
            ErrorCode::GROUP_AUTHORIZATION_FAILED,
        ];
        abortable(V1, ApiKey::AddOffsetsToTxn, &codes).await;
    });
}

#[test]
fn abortable_errors_of_txn_offset_commit_leave_the_producer_usable_after_abort() {
    run(async {
        for version in [V1, V2] {
            let codes = [
                ErrorCode::TRANSACTION_ABORTABLE,
                ErrorCode::GROUP_AUTHORIZATION_FAILED,
                // The group refuses the member's generation (KIP-447).
                ErrorCode::UNKNOWN_MEMBER_ID,
                ErrorCode::ILLEGAL_GENERATION,
                ErrorCode::FENCED_INSTANCE_ID,
            ];
            abortable(version, ApiKey::TxnOffsetCommit, &codes).await;
        }
    });
}

#[test]
fn a_failed_produce_leaves_the_producer_usable_after_abort() {
    run(async {
        for version in [V1, V2] {
            let codes = [
                ErrorCode::TRANSACTION_ABORTABLE,
                ErrorCode::TOPIC_AUTHORIZATION_FAILED,
                ErrorCode::INVALID_RECORD,
            ];
            abortable(version, ApiKey::Produce, &codes).await;
        }
        // The error names the record's topic and partition.
        let failed = Answer::Code(ErrorCode::INVALID_RECORD);
        let (_state, producer) = scripted(V1, ApiKey::Produce, &[failed]).await;
        producer.init_transactions().await.unwrap();
        let error = transaction(&producer).await.unwrap_err();
        assert!(
            error.to_string().contains("topic t, partition 0"),
            "{error}"
        );
    });
}

#[test]
fn a_record_that_times_out_leaves_the_producer_usable_after_abort() {
    run(for_both(|version| async move {
        let what = format!("a Produce never answered, v{version}");
        let held = vec![Answer::Hold; 100];
        let (port, state) = coordinator(version, |c| c.queue(ApiKey::Produce, held)).await;
        // Each attempt given up after half a second, the record after one and a half.
        let producer = producer_with(port, |b| {
            b.client(|c| {
                let (request, max_block) = (Duration::from_millis(500), Duration::from_secs(20));
                c.timeouts(Duration::from_secs(5), request, max_block)
            })
            .delivery_timeout(Duration::from_millis(1500))
        })
        .await;
        producer.init_transactions().await.unwrap();
        assert_eq!(class(transaction(&producer).await, &what), Abortable);
        abort_and_go_on(&state, &producer, &what).await;
    }));
}

#[test]
fn an_abortable_answer_to_end_txn_leaves_the_producer_usable_after_abort() {
    run(async {
        for version in [V1, V2] {
            abortable(version, ApiKey::EndTxn, &[ErrorCode::TRANSACTION_ABORTABLE]).await;
        }
    });
}

#[test]
fn authorization_failures_of_find_coordinator_are_abortable_for_the_group_and_fatal_for_the_id() {
    run(async {
        for version in [V1, V2] {
            // The transaction's coordinator is found, the group's is refused.
            let what = format!("GROUP_AUTHORIZATION_FAILED on FindCoordinator, v{version}");
            let refused = Answer::Code(ErrorCode::GROUP_AUTHORIZATION_FAILED);
            let answers = [Answer::Code(ErrorCode::NONE), refused];
            let (state, producer) = scripted(version, ApiKey::FindCoordinator, &answers).await;
            producer.init_transactions().await.unwrap();
            assert_eq!(class(transaction(&producer).await, &what), Abortable);
            abort_and_go_on(&state, &producer, &what).await;
        }
        let code = ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        fatal(V1, ApiKey::FindCoordinator, &[code]).await;
    });
}

/// The four, and the transactional id's lost mapping (the id expired: a zombie must
/// not get a fresh producer id, KAFKA-18019).
const FATAL: [ErrorCode; 5] = [
    ErrorCode::PRODUCER_FENCED,
    ErrorCode::INVALID_PRODUCER_EPOCH,
    ErrorCode::INVALID_TXN_STATE,
    ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    ErrorCode::INVALID_PRODUCER_ID_MAPPING,
];

/// Each of `codes`, answering `api` once, is fatal: the call fails with the class, and every
/// later call too, without a request.
async fn fatal(version: i16, api: ApiKey, codes: &[ErrorCode]) {
    for &code in codes {
        let what = format!("{code} on {api:?}, v{version}");
        let (state, producer) = scripted(version, api, &[Answer::Code(code)]).await;
        let failed = match producer.init_transactions().await {
            Ok(()) => transaction(&producer).await,
            Err(error) => Err(error),
        };
        assert_eq!(class(failed, &what), Fatal);
        let seen_before = state.lock().unwrap().seen.len();
        let calls = [
            ("begin", producer.begin_transaction()),
            (
                "send",
                producer
                    .send(ProducerRecord::new("t", b"v"))
                    .await
                    .map(drop),
            ),
            (
                "send_offsets",
                producer
                    .send_offsets_to_transaction(&offsets(), &group())
                    .await,
            ),
            ("commit", producer.commit_transaction().await),
            ("abort", producer.abort_transaction().await),
            ("init", producer.init_transactions().await),
        ];
        for (call, result) in calls {
            assert_eq!(class(result, &format!("{what}: then {call}")), Fatal);
        }
        // Closing a fatal producer ends, with nothing sent to the coordinator. (A batch the
        // sender took before the error may still go out: it was in flight already. So may the
        // sender's AddPartitionsToTxn for the record's partition, which runs beside the call
        // that failed and may have been decided before the error: one, if none came before.)
        producer.close().await;
        let (added_before, seen) = {
            let state = state.lock().unwrap();
            let (before, after) = state.seen.split_at(seen_before);
            let added = |seen: &[Seen]| {
                seen.iter()
                    .filter(|s| s.api == ApiKey::AddPartitionsToTxn)
                    .count()
            };
            let after: Vec<Seen> = after
                .iter()
                .filter(|s| s.api != ApiKey::Produce)
                .cloned()
                .collect();
            (added(before), after)
        };
        let late_add = usize::from(added_before == 0 && version == V1);
        let others: Vec<_> = seen
            .iter()
            .filter(|s| s.api != ApiKey::AddPartitionsToTxn)
            .collect();
        let adds = seen.len() - others.len();
        assert!(
            others.is_empty() && adds <= late_add,
            "{what}: requests after: {seen:?}"
        );
    }
}

#[test]
fn fatal_errors_of_init_add_partitions_and_add_offsets_refuse_every_later_call() {
    run(async {
        fatal(V1, ApiKey::InitProducerId, &FATAL).await;
        fatal(V1, ApiKey::AddPartitionsToTxn, &FATAL).await;
        fatal(V1, ApiKey::AddOffsetsToTxn, &FATAL).await;
    });
}

#[test]
fn fatal_errors_of_txn_offset_commit_end_txn_and_produce_refuse_every_later_call() {
    run(async {
        for version in [V1, V2] {
            fatal(version, ApiKey::TxnOffsetCommit, &FATAL).await;
            fatal(version, ApiKey::EndTxn, &FATAL).await;
            fatal(version, ApiKey::Produce, &FATAL).await;
        }
    });
}

#[test]
fn a_producer_that_never_initialized_is_fatal_after_a_fenced_init() {
    run(async {
        let (port, state) = coordinator(V2, |c| {
            c.queue(
                ApiKey::InitProducerId,
                [Answer::Code(ErrorCode::PRODUCER_FENCED)],
            );
        })
        .await;
        let producer = producer(port).await;
        let what = "PRODUCER_FENCED on the first InitProducerId";
        assert_eq!(class(producer.init_transactions().await, what), Fatal);
        assert_eq!(requests(&state, ApiKey::InitProducerId).len(), 1);
    });
}
