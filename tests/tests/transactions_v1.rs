//! The transaction scenarios of `transactions.rs` with transactions v1: the test lowers the
//! plain broker's `transaction.version` to 0 with Kafka's feature tool, checks that a new
//! connection sees it, runs every scenario one after the other, and puts the level back to 2
//! (also when a scenario fails). It is the only test in this binary, so nothing else runs
//! while the level is lowered.

use franzl_tests::features::{Restore, set_level, wait_for_transaction_version};
use franzl_tests::transactions::{Protocol, scenarios};
use franzl_tests::{Profile, broker, log_capture};

#[test]
fn every_transaction_scenario_holds_with_transactions_v1() {
    log_capture::install();
    let bootstrap = broker(Profile::Plain).bootstrap();
    let restore = Restore::transaction_version(&bootstrap);
    let run = set_level(&bootstrap, "downgrade", "transaction.version", 0);
    assert!(run.success, "downgrade failed: {run:?}");
    wait_for_transaction_version(&bootstrap, 0);
    smol::block_on(scenarios::all(&bootstrap, Protocol::V1));
    drop(restore);
    wait_for_transaction_version(&bootstrap, 2);
}
