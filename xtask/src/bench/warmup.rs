//! The broker's warm-up: untimed load on a broker this run has just started, before the first
//! scenario, so the first rows measured do not pay for its JIT compiling its hot paths.
//!
//! A fresh broker on one core was measured to reach its steady rate only after about 30 seconds
//! of load (transactions of 1 KiB records: 32 000 records/s at first, 110 000 to 260 000 after
//! 30 s, for librdkafka and franzl alike), and franzl's row runs first in every scenario. The
//! warm-up runs franzl's and librdkafka's programs in turn, each producing and producing in
//! transactions, on topics of their own, until [`WARM_UP`] has passed; nothing is measured.

use std::process::Command;
use std::time::{Duration, Instant};

use super::client::{self, Client};
use super::run::Runner;
use super::scenario::{Mode, SCENARIOS, Scenario};
use super::tuning::Tuning;

/// How long the warm-up loads the broker.
pub(crate) const WARM_UP: Duration = Duration::from_secs(30);

/// The warm-up's workloads: 6 partitions of 1 KiB records, acks=all, idempotent, plainly and in
/// transactions.
fn workloads() -> [Scenario; 2] {
    let transactional = SCENARIOS
        .iter()
        .find(|s| s.mode == Mode::TransactionalProduce)
        .copied()
        .unwrap_or(SCENARIOS[0]);
    let idempotent = Scenario {
        mode: Mode::Produce,
        per_transaction: 0,
        group_protocol: "classic",
        ..transactional
    };
    [idempotent, transactional].map(|scenario| Scenario {
        full_count: 100_000,
        ..scenario
    })
}

/// Loads the broker for [`WARM_UP`], untimed.
///
/// # Errors
/// When a warm-up run fails: the broker is not well, so measuring it would mean nothing.
pub(crate) fn run(runner: &Runner, rust_bin: &std::path::Path, stamp: &str) -> Result<(), String> {
    let began = Instant::now();
    let programs = [Client::Franzl, Client::Rdkafka].map(|client| {
        let program = rust_bin.join(format!("bench-{}", client.id()));
        (client, program)
    });
    let mut round = 0;
    while began.elapsed() < WARM_UP {
        for scenario in workloads() {
            for (client, program) in &programs {
                let topic = format!("bench-{stamp}-warmup-{}-{round}", client.id());
                round += 1;
                runner.create_topic(&topic, scenario.partitions)?;
                let args = client::contract_args(
                    &scenario,
                    scenario.acks,
                    &Tuning::default(),
                    &runner.bootstrap,
                    &topic,
                    None,
                    false,
                );
                let output = Command::new(program)
                    .args(&args)
                    .output()
                    .map_err(|error| format!("warm-up: {error}"));
                let deleted = runner.delete_topic(&topic);
                let output = output?;
                if !output.status.success() {
                    return Err(format!(
                        "warm-up {} {}: {}",
                        client.name(),
                        scenario.mode.as_str(),
                        String::from_utf8_lossy(&output.stderr).trim()
                    ));
                }
                deleted?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workloads_produce_plainly_and_in_whole_transactions() {
        let [plain, transactional] = workloads();
        assert_eq!((plain.mode, plain.per_transaction), (Mode::Produce, 0));
        assert_eq!(transactional.mode, Mode::TransactionalProduce);
        for scenario in [plain, transactional] {
            assert_eq!((scenario.partitions, scenario.size), (6, 1024));
            assert_eq!(scenario.count(false), 100_000);
            assert!(scenario.idempotent);
        }
        assert_eq!(
            transactional.warmup(false) % transactional.per_transaction,
            0
        );
    }
}
