//! Counting a transactional run's transactions: the contract programs' shape is checked against
//! the commit markers (`bench-admin committed`), one per transaction on every partition; the Java
//! tool's transactions, sized by time and free to skip a partition, are counted by the producer
//! epoch of its transactional id, as the transactions tool's `describe` tells it: the Java client
//! uses transactions v2 (KIP-890), whose every commit bumps the epoch, so the epoch of a fresh id
//! is its count of transactions.

use std::path::PathBuf;
use std::process::Command;

use super::run::Committed;
use super::scenario::Scenario;

/// The producer epoch of transactional id `id`, by the Java transactions tool (`tool`: its
/// program and leading arguments).
///
/// # Errors
/// When the tool fails or prints no epoch.
pub(crate) fn producer_epoch(
    tool: &(PathBuf, Vec<String>),
    bootstrap: &str,
    id: &str,
) -> Result<u64, String> {
    let (program, args) = tool;
    let output = Command::new(program)
        .args(args)
        .args([
            "--bootstrap-server",
            bootstrap,
            "describe",
            "--transactional-id",
            id,
        ])
        .output()
        .map_err(|error| format!("transactions tool: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "transactions tool: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    parse_producer_epoch(&String::from_utf8_lossy(&output.stdout))
}

/// Reads the `ProducerEpoch` column of what the transactions tool's `describe` printed (a header
/// line and a line of values, separated by tabs).
///
/// # Errors
/// When the column or its value is missing.
pub(crate) fn parse_producer_epoch(stdout: &str) -> Result<u64, String> {
    let mut lines = stdout
        .lines()
        .skip_while(|line| !line.contains("ProducerEpoch"));
    let header = lines
        .next()
        .ok_or("no ProducerEpoch in the tool's output")?;
    let values = lines.next().ok_or("no values in the tool's output")?;
    let index = header
        .split('\t')
        .position(|column| column.trim() == "ProducerEpoch")
        .ok_or("no ProducerEpoch column")?;
    values
        .split('\t')
        .nth(index)
        .and_then(|value| value.trim().parse().ok())
        .ok_or_else(|| format!("no producer epoch in {values:?}"))
}

/// Whether a contract program's transactions had the scenario's shape: one commit marker per
/// transaction of `per_transaction` records on every partition.
///
/// # Errors
/// What does not match.
pub(crate) fn check_shape(
    scenario: &Scenario,
    quick: bool,
    committed: Committed,
) -> Result<(), String> {
    let records = scenario.count(quick) + scenario.warmup(quick);
    let transactions = records / scenario.per_transaction;
    if (committed.min_markers, committed.max_markers) != (transactions, transactions) {
        return Err(format!(
            "{records} records in transactions of {} make {transactions} commit markers on each \
             partition; the broker holds {} to {}",
            scenario.per_transaction, committed.min_markers, committed.max_markers
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::scenario::{Mode, SCENARIOS};
    use super::*;

    #[test]
    fn reads_the_producer_epoch() {
        let out = "CoordinatorId\tTransactionalId\tProducerId\tProducerEpoch\tTransactionState\t\n\
                   1            \tt-jd-32711     \t47        \t45           \tCompleteCommit  \t\n";
        assert_eq!(parse_producer_epoch(out), Ok(45));
        assert!(parse_producer_epoch("CoordinatorId\tProducerEpoch\n1\t\n").is_err());
        assert!(parse_producer_epoch("").is_err());
    }

    #[test]
    fn a_transactional_program_writes_one_marker_per_transaction_on_every_partition() {
        let txn = *SCENARIOS
            .iter()
            .find(|s| s.mode == Mode::TransactionalProduce)
            .unwrap();
        let exact = Committed {
            records: 3_000,
            min_markers: 3,
            max_markers: 3,
        };
        assert_eq!(check_shape(&txn, true, exact), Ok(()));
        let uneven = Committed {
            min_markers: 2,
            ..exact
        };
        assert!(check_shape(&txn, true, uneven).is_err());
        let more = Committed {
            min_markers: 4,
            max_markers: 4,
            ..exact
        };
        assert!(check_shape(&txn, true, more).is_err());
    }
}
