//! The abort's own conversation in the transaction error-class matrix (helpers in
//! `scripted_tests.rs` and `scripted_class_tests.rs`):
//!
//! - its EndTxn retried on retriable errors, and fatal when fenced;
//! - the epoch bump of a transactions v1 abort that left a sequence gap (InitProducerId with
//!   the id and epoch held, KIP-360), retried or fatal likewise;
//! - a coordinator that does not know the producer id (`UNKNOWN_PRODUCER_ID`): abortable, and
//!   the abort bumps the epoch instead of sending EndTxn (`INVALID_PRODUCER_ID_MAPPING` is
//!   fatal: see `scripted_class_tests.rs`);
//! - `close` with a transaction open aborts it.

use franzl_core::ErrorCode;
use franzl_core::messages::ApiKey;

use super::scripted_class_tests::abort_and_go_on;
use super::scripted_coordinator::{Answer, PRODUCER_ID, coordinator};
use super::scripted_tests::{V1, V2, class, producer, requests, run, scripted, transaction};
use crate::error::TransactionErrorClass::{Abortable, Fatal};
use crate::producer::ProducerRecord;

#[test]
fn a_coordinator_that_does_not_know_the_producer_id_is_answered_by_an_epoch_bump_after_the_abort() {
    run(async {
        let lost = [ErrorCode::UNKNOWN_PRODUCER_ID];
        let mut cases = vec![
            (V1, ApiKey::AddPartitionsToTxn),
            (V1, ApiKey::AddOffsetsToTxn),
        ];
        for version in [V1, V2] {
            cases.push((version, ApiKey::TxnOffsetCommit));
            cases.push((version, ApiKey::EndTxn));
        }
        for (version, api) in cases {
            for code in lost {
                let what = format!("{code} on {api:?}, v{version}");
                let (state, producer) = scripted(version, api, &[Answer::Code(code)]).await;
                producer.init_transactions().await.unwrap();
                assert_eq!(class(transaction(&producer).await, &what), Abortable);
                let epoch = state.lock().unwrap().epoch;
                let seen_before = state.lock().unwrap().seen.len();
                abort_and_go_on(&state, &producer, &what).await;
                // The abort sends no EndTxn for an id the coordinator does not know, and asks
                // for the next epoch of the id it holds (KIP-360).
                let seen = state.lock().unwrap().seen[seen_before..].to_vec();
                let init = seen.iter().position(|s| s.api == ApiKey::InitProducerId);
                let init = init.unwrap_or_else(|| panic!("{what}: no epoch bump: {seen:?}"));
                assert_eq!(
                    (seen[init].producer_id, seen[init].epoch),
                    (PRODUCER_ID, epoch)
                );
                let ended = seen[..init].iter().any(|s| s.api == ApiKey::EndTxn);
                assert!(!ended, "{what}: {seen:?}");
            }
        }
    });
}

#[test]
fn the_abort_retries_its_end_txn_and_a_fatal_answer_to_it_is_fatal() {
    run(async {
        for version in [V1, V2] {
            for (code, expected) in [
                (ErrorCode::CONCURRENT_TRANSACTIONS, None),
                (ErrorCode::NOT_COORDINATOR, None),
                (ErrorCode::PRODUCER_FENCED, Some(Fatal)),
                (ErrorCode::INVALID_PRODUCER_EPOCH, Some(Fatal)),
            ] {
                let what = format!("{code} on EndTxn (abort), v{version}");
                let abortable = Answer::Code(ErrorCode::TRANSACTION_ABORTABLE);
                let (state, producer) =
                    scripted(version, ApiKey::TxnOffsetCommit, &[abortable]).await;
                producer.init_transactions().await.unwrap();
                assert_eq!(class(transaction(&producer).await, &what), Abortable);
                state
                    .lock()
                    .unwrap()
                    .queue(ApiKey::EndTxn, [Answer::Code(code)]);
                let aborted = producer.abort_transaction().await;
                match expected {
                    None => {
                        aborted.unwrap_or_else(|e| panic!("{what}: {e}"));
                        transaction(&producer).await.unwrap();
                    }
                    Some(expected) => {
                        assert_eq!(class(aborted, &what), expected);
                        let begin = producer.begin_transaction();
                        assert_eq!(class(begin, &what), Fatal);
                        assert_eq!(class(producer.init_transactions().await, &what), Fatal);
                    }
                }
                let ends = requests(&state, ApiKey::EndTxn);
                assert_eq!(ends[0].commit, Some(false), "{what}");
            }
        }
    });
}

#[test]
fn the_epoch_bump_of_a_v1_abort_is_retried_and_a_fatal_answer_to_it_is_fatal() {
    run(async {
        for (code, fatal) in [
            (ErrorCode::CONCURRENT_TRANSACTIONS, false),
            (ErrorCode::COORDINATOR_LOAD_IN_PROGRESS, false),
            (ErrorCode::PRODUCER_FENCED, true),
            (ErrorCode::INVALID_PRODUCER_EPOCH, true),
        ] {
            let what = format!("{code} on the abort's InitProducerId, v1");
            let failed = Answer::Code(ErrorCode::INVALID_RECORD);
            let (state, producer) = scripted(V1, ApiKey::Produce, &[failed]).await;
            producer.init_transactions().await.unwrap();
            assert_eq!(class(transaction(&producer).await, &what), Abortable);
            state
                .lock()
                .unwrap()
                .queue(ApiKey::InitProducerId, [Answer::Code(code)]);
            let aborted = producer.abort_transaction().await;
            if fatal {
                assert_eq!(class(aborted, &what), Fatal);
                assert_eq!(class(producer.begin_transaction(), &what), Fatal);
            } else {
                aborted.unwrap_or_else(|e| panic!("{what}: {e}"));
                transaction(&producer).await.unwrap();
            }
            let bumps = requests(&state, ApiKey::InitProducerId);
            assert!(
                bumps[1..].iter().all(|s| s.producer_id == PRODUCER_ID),
                "{what}"
            );
        }
    });
}

#[test]
fn closing_aborts_the_open_transaction_abortable_or_not() {
    run(async {
        for version in [V1, V2] {
            for abortable in [false, true] {
                let what = format!("v{version}, abortable: {abortable}");
                let (port, state) = coordinator(version, |c| {
                    if abortable {
                        let code = Answer::Code(ErrorCode::INVALID_RECORD);
                        c.queue(ApiKey::Produce, [code]);
                    }
                })
                .await;
                let producer = producer(port).await;
                producer.init_transactions().await.unwrap();
                producer.begin_transaction().unwrap();
                let delivery = producer.send(ProducerRecord::new("t", b"v")).await.unwrap();
                assert_eq!(delivery.await.is_err(), abortable, "{what}");
                producer.close().await;
                let ends = requests(&state, ApiKey::EndTxn);
                assert_eq!(ends.len(), 1, "{what}: {ends:?}");
                assert_eq!(ends[0].commit, Some(false), "{what}");
            }
        }
    });
}
