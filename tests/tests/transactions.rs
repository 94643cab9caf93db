//! Transactions against the real broker, with transactions v2: the plain profile's broker runs
//! Kafka 4.x with `transaction.version` at its default, 2. Commit and abort as
//! `read_committed` and `read_uncommitted` consumers see them, the last stable offset holding
//! a `read_committed` consumer back, zombie fencing, the broker's abort of a transaction left
//! open past `transaction.timeout.ms`, offsets committed inside a transaction, and calls out
//! of order. `transactions_v1.rs` runs the same scenarios with the feature at 0.

use franzl_tests::transactions::Protocol;
use franzl_tests::transactions::{read_committed, scenarios};
use franzl_tests::{Profile, broker, log_capture};

fn run<F: Future<Output = ()>>(scenario: impl FnOnce(String) -> F) {
    log_capture::install();
    let bootstrap = broker(Profile::Plain).bootstrap();
    smol::block_on(scenario(bootstrap));
}

#[test]
fn committed_records_are_seen_by_read_committed_and_aborted_ones_are_not() {
    run(|b| async move { scenarios::commit_and_abort(&b, Protocol::V2).await });
}

#[test]
fn the_last_stable_offset_holds_read_committed_back_until_the_transaction_ends() {
    run(|b| async move { scenarios::last_stable_offset(&b, Protocol::V2).await });
}

#[test]
fn a_second_producer_with_the_same_id_fences_the_first() {
    run(|b| async move { scenarios::zombie_fencing(&b, Protocol::V2).await });
}

#[test]
fn a_transaction_left_open_past_its_timeout_is_aborted_and_the_producer_learns_it() {
    run(|b| async move { scenarios::timed_out(&b, Protocol::V2).await });
}

#[test]
fn offsets_sent_to_a_transaction_commit_with_it_and_only_with_it() {
    run(|b| async move { scenarios::offsets_commit_with_the_transaction(&b, Protocol::V2).await });
}

#[test]
fn calls_out_of_order_are_refused_with_a_clear_error() {
    run(|b| async move { scenarios::calls_out_of_order(&b, Protocol::V2).await });
}

#[test]
fn read_committed_holds_with_interleaved_producers_and_aborts_over_many_fetches() {
    run(|b| async move { read_committed::interleaved_producers(&b, Protocol::V2).await });
}

#[test]
fn a_read_committed_member_waits_for_offsets_pending_in_a_transaction() {
    run(|b| async move {
        read_committed::offset_fetch_waits_for_pending_offsets(&b, Protocol::V2).await;
    });
}

#[test]
fn a_transaction_aborted_right_after_its_first_send_ends_cleanly() {
    run(|b| async move { scenarios::abort_right_after_send(&b, Protocol::V2).await });
}
