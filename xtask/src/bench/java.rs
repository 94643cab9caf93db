//! The Java client, through `ProducerPerformance` and `ConsumerPerformance` from the broker's own
//! jars: their command lines for a scenario, and their printed results read back.
//!
//! `ProducerPerformance` counts its warm-up within `--num-records` and prints a "steady state" line
//! for the records after it; that line is the timed part. `ConsumerPerformance` always joins a group
//! (`--group`, given for the group scenario, else its own random `perf-consumer-N`) with
//! `auto.offset.reset=earliest`, subscribed to the topic; its `fetch.time.ms` leaves out the time
//! until its partitions are assigned (the join), so the timing matches the other clients', whose
//! clocks start at the first record: both the assigned reads and the group reads.
//!
//! Transactions: `ProducerPerformance` commits by time (`--transaction-duration-ms`: after the
//! first send at least that long after the transaction began), not by count; the duration is
//! [`TRANSACTION_DURATION_MS`], chosen from its measured rate to make transactions of about the
//! scenario's 1,000 records. Its `transactional.id` is the topic's name, as for the other clients;
//! its transactions are counted afterwards by its producer epoch (`transactions.rs`).

use super::run::Reported;
use super::scenario::{Mode, Scenario};
use super::tuning::Tuning;

/// The Java tool's transaction length in a transactional scenario, in milliseconds.
pub(crate) const TRANSACTION_DURATION_MS: u64 = 8;

/// The perf tool's arguments for `scenario` with `tuning` (a tuned row's linger and properties),
/// after those of the launcher's `tool_command` (`consumer-perf-test` for consuming,
/// `producer-perf-test` else); `group` is the consumer group of a group scenario.
pub(crate) fn args(
    scenario: &Scenario,
    tuning: &Tuning,
    bootstrap: &str,
    topic: &str,
    group: Option<&str>,
    quick: bool,
) -> Vec<String> {
    let count = scenario.count(quick);
    let warmup = scenario.warmup(quick);
    let mut args: Vec<String> = Vec::new();
    if scenario.mode.consumes() {
        args.extend(
            [
                "--bootstrap-server",
                bootstrap,
                "--topic",
                topic,
                "--num-records",
                &count.to_string(),
                "--timeout",
                "30000",
            ]
            .map(String::from),
        );
        if let Some(group) = group {
            args.extend(["--group".into(), group.into()]);
            if scenario.group_protocol != "classic" {
                args.extend([
                    "--command-property".into(),
                    format!("group.protocol={}", scenario.group_protocol),
                ]);
            }
        }
        for (key, value) in &tuning.properties {
            args.extend(["--command-property".into(), format!("{key}={value}")]);
        }
        return args;
    }
    args.extend(
        [
            "--topic",
            topic,
            "--num-records",
            &(count + warmup).to_string(),
            "--record-size",
            &scenario.size.to_string(),
            "--throughput",
            "-1",
        ]
        .map(String::from),
    );
    if warmup > 0 {
        args.extend(["--warmup-records".into(), warmup.to_string()]);
    }
    if scenario.mode == Mode::TransactionalProduce {
        args.extend([
            "--transactional-id".into(),
            topic.into(),
            "--transaction-duration-ms".into(),
            TRANSACTION_DURATION_MS.to_string(),
        ]);
    }
    // One `--command-property` takes every property: given again, it replaces the earlier ones.
    args.extend([
        "--bootstrap-server".into(),
        bootstrap.into(),
        "--command-property".into(),
        format!("acks={}", scenario.acks),
        format!("compression.type={}", scenario.compression),
        format!("enable.idempotence={}", scenario.idempotent),
        format!("linger.ms={}", tuning.linger_ms.unwrap_or(5)),
    ]);
    args.extend(
        tuning
            .properties
            .iter()
            .map(|(key, value)| format!("{key}={value}")),
    );
    args
}

/// Reads what `ProducerPerformance` printed: the steady-state line when there was a warm-up, else
/// the summary line ("N records sent, R records/sec ...").
///
/// # Errors
/// When no such line is there.
pub(crate) fn parse_producer(stdout: &str, size: usize, warmup: u64) -> Result<Reported, String> {
    let marker = if warmup > 0 {
        " steady state records sent, "
    } else {
        " records sent, "
    };
    let line = stdout
        .lines()
        .rev()
        .find(|line| line.contains(marker) && (warmup > 0 || !line.contains(" steady state ")))
        .ok_or_else(|| format!("no line with {marker:?} in ProducerPerformance's output"))?;
    let (records, rest) = line.split_once(marker).ok_or("unreachable")?;
    let records: u64 = records
        .trim()
        .parse()
        .map_err(|_| format!("records in {line:?}"))?;
    let rate: f64 = rest
        .split_once(' ')
        .and_then(|(rate, _)| rate.parse().ok())
        .filter(|rate: &f64| *rate > 0.0)
        .ok_or_else(|| format!("rate in {line:?}"))?;
    Ok(Reported {
        records,
        bytes: records * size as u64,
        elapsed_s: records as f64 / rate,
        warmup,
        allocs: None,
        percentiles: None,
        transactions: None,
    })
}

/// Reads what `ConsumerPerformance` printed: a header line and a line of values.
///
/// # Errors
/// When the header or a needed column is missing.
pub(crate) fn parse_consumer(stdout: &str, size: usize) -> Result<Reported, String> {
    let mut lines = stdout
        .lines()
        .skip_while(|line| !line.starts_with("start.time"));
    let header: Vec<&str> = lines
        .next()
        .ok_or("no header in ConsumerPerformance's output")?
        .split(", ")
        .collect();
    let values: Vec<&str> = lines
        .next()
        .ok_or("no values in ConsumerPerformance's output")?
        .split(", ")
        .collect();
    let column = |name: &str| -> Result<f64, String> {
        let index = header
            .iter()
            .position(|column| *column == name)
            .ok_or_else(|| format!("no column {name}"))?;
        values
            .get(index)
            .and_then(|value| value.trim().parse().ok())
            .ok_or_else(|| format!("no value for {name}"))
    };
    let records = column("data.consumed.in.nMsg")? as u64;
    Ok(Reported {
        records,
        bytes: records * size as u64,
        elapsed_s: column("fetch.time.ms")? / 1000.0,
        warmup: 0,
        allocs: None,
        percentiles: None,
        transactions: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::scenario::SCENARIOS;
    use super::*;

    #[test]
    fn a_tuned_row_replaces_the_linger_and_adds_its_properties() {
        let tuning = Tuning {
            linger_ms: Some(100),
            properties: vec![("batch.size", "200000".into())],
        };
        let produce = args(&SCENARIOS[0], &tuning, "h:1", "t", None, true).join(" ");
        assert!(produce.ends_with("enable.idempotence=false linger.ms=100 batch.size=200000"));
        assert!(!produce.contains("linger.ms=5"));
        let plain = args(&SCENARIOS[0], &Tuning::default(), "h:1", "t", None, true).join(" ");
        assert!(plain.ends_with("linger.ms=5"));
        let consume = SCENARIOS.iter().find(|s| s.mode == Mode::Consume).unwrap();
        let tuning = Tuning {
            linger_ms: None,
            properties: vec![("fetch.min.bytes", "100000".into())],
        };
        let assigned = args(consume, &tuning, "h:1", "t", None, true).join(" ");
        assert!(assigned.ends_with("--command-property fetch.min.bytes=100000"));
        assert!(!assigned.contains("--group"));
        let group = SCENARIOS
            .iter()
            .find(|s| s.mode == Mode::GroupConsume)
            .unwrap();
        let group = args(group, &tuning, "h:1", "t", Some("g-1"), true).join(" ");
        assert_eq!(
            group,
            "--bootstrap-server h:1 --topic t --num-records 2000 --timeout 30000 --group g-1 \
             --command-property fetch.min.bytes=100000"
        );
    }

    #[test]
    fn transactions_go_by_time_with_the_topic_as_id() {
        let txn = SCENARIOS
            .iter()
            .find(|s| s.mode == Mode::TransactionalProduce)
            .unwrap();
        let line = args(txn, &Tuning::default(), "h:1", "t-1", None, true).join(" ");
        assert!(
            line.contains(
                "--warmup-records 1000 --transactional-id t-1 --transaction-duration-ms 8 "
            ),
            "{line}"
        );
        assert!(line.contains("acks=all compression.type=none enable.idempotence=true"));
    }

    #[test]
    fn reads_the_steady_state_line() {
        let out = "10000 records sent, 3753.75 records/sec (0.36 MB/sec), 276.48 ms avg latency.\n\
                   9000 steady state records sent, 12000.0 records/sec (1.17 MB/sec), 271.01 ms avg latency.\n";
        let reported = parse_producer(out, 100, 1000).unwrap();
        assert_eq!((reported.records, reported.bytes), (9000, 900_000));
        assert!((reported.elapsed_s - 0.75).abs() < 1e-9);
        assert_eq!(parse_producer(out, 100, 0).unwrap().records, 10000);
        assert!(parse_producer("nothing", 100, 0).is_err());
    }

    #[test]
    fn reads_the_consumer_columns() {
        let out = "Warning: something\n\
                   start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms\n\
                   2026-11-21 09:24:21:949, 2026-11-21 09:24:25:451, 0.9537, 0.2723, 10000, 2855.5, 2478, 1024\n";
        let reported = parse_consumer(out, 100).unwrap();
        assert_eq!(reported.records, 10000);
        assert!((reported.elapsed_s - 1.024).abs() < 1e-9);
        assert!(parse_consumer("start.time, x\n1", 100).is_err());
    }
}
