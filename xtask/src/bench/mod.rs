//! `cargo xtask bench [--quick] [--runs N] [--scenario ID]... [--no-idle] [--bootstrap H:P]
//! [--out DIR]`:
//! franzl against librdkafka, the Java client, rskafka and franz-go, and the share each reaches of
//! replay (pre-encoded requests, the ceiling), each scenario run by each client, on one broker.
//! A peer whose documentation recommends throughput settings runs twice, with its defaults and
//! with those settings (`tuning.rs`); ratios are to the faster of librdkafka's two rows. Then the
//! idle wake-ups of franzl's and librdkafka's producer and consumer (`idle.rs`), unless
//! `--no-idle` (for a run of one scenario, say).
//!
//! It builds the client programs, brings the broker up through the project's launcher (the `plain`
//! profile, or `--profile cluster3`; `--bootstrap` uses a running broker instead), pins the broker
//! and the clients to different cores when there are two, warms a broker it started up with 30 s
//! of untimed load (`warmup.rs`; not with `--quick`), runs every scenario `--runs` times per client (3, or 1 with `--quick`), checks every count a
//! client claims against the broker's offsets, and writes `report.json`, `report.md` and
//! `report.svg` into `target/bench/` (`target/bench/quick/` with `--quick`). It fails when any run
//! failed or any count did not match, after writing the report.

mod broker;
mod build;
mod chart;
mod client;
mod idle;
mod java;
mod json;
mod machine;
mod markdown;
mod report;
mod run;
mod scenario;
mod summary;
mod transactions;
mod tuning;
mod warmup;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::broker::Profile;
use client::{Client, Plan};
use run::{Reported, Runner, Sample};
use scenario::{Mode, SCENARIOS, Scenario};
use summary::{Figures, Outcome, Row};
use tuning::Tuning;

/// The command line of `cargo xtask bench`.
#[derive(Debug, Clone)]
struct Options {
    quick: bool,
    runs: Option<usize>,
    scenarios: Vec<String>,
    idle: bool,
    bootstrap: Option<String>,
    out: Option<PathBuf>,
    profile: Profile,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            quick: false,
            runs: None,
            scenarios: Vec::new(),
            idle: true,
            bootstrap: None,
            out: None,
            profile: Profile::Plain,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .cloned()
                    .ok_or_else(|| format!("{arg} needs a value"))
            };
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--runs" => {
                    options.runs = Some(value()?.parse().map_err(|_| "--runs takes a number")?)
                }
                "--scenario" => options.scenarios.push(value()?),
                "--no-idle" => options.idle = false,
                "--bootstrap" => options.bootstrap = Some(value()?),
                "--out" => options.out = Some(PathBuf::from(value()?)),
                "--profile" => {
                    // The client programs speak PLAINTEXT only.
                    options.profile = match value()?.parse::<Profile>()? {
                        profile @ (Profile::Plain | Profile::Cluster3) => profile,
                        other => {
                            return Err(format!("the clients speak PLAINTEXT only, not {other}"));
                        }
                    };
                }
                _ => return Err(format!("unknown argument {arg:?}")),
            }
        }
        let unknown: Vec<&String> = options
            .scenarios
            .iter()
            .filter(|id| SCENARIOS.iter().all(|s| s.id != id.as_str()))
            .collect();
        if !unknown.is_empty() {
            return Err(format!("unknown scenario {unknown:?}"));
        }
        Ok(options)
    }
}

/// What every run of a benchmark shares.
struct Bench {
    runner: Runner,
    programs: build::Programs,
    /// The Java perf tools' programs and leading arguments: producer, consumer.
    java: [(PathBuf, Vec<String>); 2],
    /// The Java transactions tool's, which tells a transactional id's producer epoch.
    transactions_tool: (PathBuf, Vec<String>),
    quick: bool,
    runs: usize,
    stamp: String,
}

/// Runs the benchmark.
///
/// # Errors
/// When a client program does not build, the broker does not come up, or any run fails or claims
/// a count the broker does not confirm.
pub fn run(args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let options = Options::parse(args)?;
    let out = options.out.clone().unwrap_or_else(|| {
        let dir = crate::workspace::target_dir().join("bench");
        if options.quick {
            dir.join("quick")
        } else {
            dir
        }
    });
    let kafka_version = broker::kafka_version()?;
    let programs = build::build(options.quick)?;
    let java = [
        broker::perf_tool("producer-perf-test")?,
        broker::perf_tool("consumer-perf-test")?,
    ];
    let transactions_tool = broker::perf_tool("transactions")?;
    // Two cores or more: the broker gets core 0, the clients core 1.
    let (broker_cpu, client_cpu) = if machine::cores() >= 2 {
        (Some(0), Some(1))
    } else {
        (None, None)
    };
    let broker = match &options.bootstrap {
        Some(_) => None,
        None => Some(broker::Bench::up(options.profile, broker_cpu)?),
    };
    let bootstrap = match (&options.bootstrap, &broker) {
        (Some(bootstrap), _) => bootstrap.clone(),
        (None, Some(broker)) => broker.bootstrap.clone(),
        (None, None) => return Err("no broker".into()),
    };
    let runner = Runner {
        measure: programs.rust_bin.join("bench-measure"),
        admin: programs.rust_bin.join("bench-admin"),
        bootstrap,
        client_cpu,
    };
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
        .to_string();
    let runs = options.runs.unwrap_or(if options.quick { 1 } else { 3 });
    let bench = Bench {
        runner,
        programs,
        java,
        transactions_tool,
        quick: options.quick,
        runs,
        stamp,
    };
    // A broker started here is fresh: warm it up before anything is measured (not for `--quick`,
    // whose figures mean nothing).
    let warmed = broker.as_ref().is_some_and(broker::Bench::started_here) && !options.quick;
    if warmed {
        eprintln!(
            "==> warming the broker up ({} s of untimed load)",
            warmup::WARM_UP.as_secs()
        );
        warmup::run(&bench.runner, &bench.programs.rust_bin, &bench.stamp)?;
    }
    let mut results = Vec::new();
    for scenario in SCENARIOS
        .iter()
        .filter(|s| options.scenarios.is_empty() || options.scenarios.iter().any(|id| id == s.id))
    {
        eprintln!("==> {}", scenario.title);
        results.push((*scenario, bench.scenario(scenario)));
    }
    let idle = if options.idle {
        eprintln!("==> idle wake-ups");
        idle::measure(
            &bench.runner,
            &bench.programs.rust_bin,
            &bench.stamp,
            bench.quick,
        )
    } else {
        Vec::new()
    };
    let broker_pinning = match &broker {
        Some(broker) if warmed => format!(
            "{}, warmed up by {} s of untimed load",
            broker.pinning,
            warmup::WARM_UP.as_secs()
        ),
        Some(broker) => broker.pinning.clone(),
        None => "the broker was given (--bootstrap): not pinned".into(),
    };
    drop(broker);
    let pinning = match client_cpu {
        Some(cpu) => format!("{broker_pinning}; clients on core {cpu} (taskset)"),
        None => format!("{broker_pinning}; clients not pinned"),
    };
    let context = report::Context {
        machine: machine::describe(&kafka_version),
        quick: options.quick,
        runs,
        pinning,
        elapsed_s: started.elapsed().as_secs_f64(),
    };
    report::write(&out, &context, &results, &idle)?;
    eprintln!(
        "==> report in {} ({:.0} s)",
        out.join("report.md").display(),
        context.elapsed_s
    );
    let failures: Vec<String> = results
        .iter()
        .flat_map(|(scenario, rows)| {
            rows.iter().filter_map(move |row| match &row.outcome {
                Outcome::Failed(why) => Some(format!("{} / {}: {why}", scenario.id, row.name())),
                _ => None,
            })
        })
        .chain(idle.iter().filter_map(|idle| {
            let why = idle.measured.as_ref().err()?;
            Some(format!(
                "idle {} / {}: {why}",
                idle.role.as_str(),
                idle.client.name()
            ))
        }))
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} failed:\n  {}",
            failures.len(),
            failures.join("\n  ")
        ))
    }
}

impl Bench {
    /// Every client's rows for one scenario.
    fn scenario(&self, scenario: &Scenario) -> Vec<Row> {
        let mut rows: Vec<(Row, Plan, Vec<Sample>)> = client::contenders()
            .into_iter()
            .map(|contender| {
                let client = contender.client;
                let mut plan = contender.plan(scenario);
                if let (Client::FranzGo, Err(reason)) = (client, &self.programs.franz_go) {
                    plan = Plan::NotApplicable(format!("franz-go {reason}"));
                }
                let (outcome, note, tuning) = match &plan {
                    Plan::NotApplicable(why) => {
                        (Outcome::NotApplicable(why.clone()), None, String::new())
                    }
                    Plan::Contract { note, tuning, .. } => (
                        Outcome::Failed("not run".into()),
                        *note,
                        tuning.describe(client),
                    ),
                    Plan::JavaPerf { tuning } => (
                        Outcome::Failed("not run".into()),
                        None,
                        tuning.describe(client),
                    ),
                };
                (
                    Row {
                        client,
                        settings: contender.settings,
                        tuning,
                        outcome,
                        note,
                    },
                    plan,
                    Vec::new(),
                )
            })
            .collect();
        let shared_topic = format!("bench-{}-{}", self.stamp, scenario.id);
        let prefill = if scenario.mode.consumes() {
            self.prefill(scenario, &shared_topic)
        } else {
            Ok(())
        };
        let mut failed: Vec<Option<String>> = rows.iter().map(|_| prefill.clone().err()).collect();
        for run in 0..self.runs {
            for (index, (row, plan, samples)) in rows.iter_mut().enumerate() {
                if matches!(plan, Plan::NotApplicable(_)) || failed[index].is_some() {
                    continue;
                }
                // A name of this row's run alone: its topic when it writes, its group when it
                // joins one.
                let own = format!("{shared_topic}-{}-{run}", row.contender().id());
                let result = match scenario.mode {
                    Mode::Consume => self.once(scenario, row.client, plan, &shared_topic, None),
                    Mode::GroupConsume => {
                        self.once(scenario, row.client, plan, &shared_topic, Some(&own))
                    }
                    Mode::Produce | Mode::Roundtrip | Mode::TransactionalProduce => self
                        .with_topic(scenario, &own, |topic| {
                            self.once(scenario, row.client, plan, topic, None)
                        }),
                };
                match result {
                    Ok(sample) => {
                        eprintln!(
                            "    {:<16} run {}/{}: {:>12.0} records/s",
                            row.name(),
                            run + 1,
                            self.runs,
                            sample.reported.records as f64 / sample.reported.elapsed_s.max(1e-9)
                        );
                        samples.push(sample);
                    }
                    Err(why) => {
                        eprintln!(
                            "    {:<16} run {}/{}: FAILED: {why}",
                            row.name(),
                            run + 1,
                            self.runs
                        );
                        failed[index] = Some(why);
                    }
                }
            }
        }
        if scenario.mode.consumes() {
            let _ = self.runner.delete_topic(&shared_topic);
        }
        rows.into_iter()
            .zip(failed)
            .map(|((mut row, plan, samples), failure)| {
                if !matches!(plan, Plan::NotApplicable(_)) {
                    row.outcome = match (failure, Figures::of(&samples)) {
                        (Some(why), _) => Outcome::Failed(why),
                        (None, Some(figures)) => Outcome::Measured {
                            samples,
                            figures: Box::new(figures),
                        },
                        (None, None) => Outcome::Failed("no run".into()),
                    };
                }
                row
            })
            .collect()
    }

    /// Makes `topic`, runs `body` on it, and deletes it whatever happened.
    fn with_topic(
        &self,
        scenario: &Scenario,
        topic: &str,
        body: impl FnOnce(&str) -> Result<Sample, String>,
    ) -> Result<Sample, String> {
        self.runner.create_topic(topic, scenario.partitions)?;
        let result = body(topic);
        let deleted = self.runner.delete_topic(topic);
        let sample = result?;
        deleted?;
        Ok(sample)
    }

    /// Fills the consume scenario's topic with exactly its count, by librdkafka, unmeasured.
    fn prefill(&self, scenario: &Scenario, topic: &str) -> Result<(), String> {
        self.runner.create_topic(topic, scenario.partitions)?;
        let count = scenario.count(self.quick);
        let produce = Scenario {
            mode: Mode::Produce,
            ..*scenario
        };
        let mut args = client::contract_args(
            &produce,
            "1",
            &Tuning::default(),
            &self.runner.bootstrap,
            topic,
            None,
            self.quick,
        );
        // No warm-up: the topic must hold exactly `count` records.
        if let Some(at) = args.iter().position(|arg| arg == "--warmup") {
            args[at + 1] = "0".into();
        }
        let output = Command::new(self.programs.rust_bin.join("bench-rdkafka"))
            .args(&args)
            .output()
            .map_err(|error| format!("prefill: {error}"))?;
        if !output.status.success() {
            return Err(format!(
                "prefill failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let held = self.runner.topic_records(topic, scenario.partitions)?;
        if held != count {
            return Err(format!(
                "prefill: the topic holds {held} records, not {count}"
            ));
        }
        Ok(())
    }

    /// One measured run of `client` on `topic` (as a member of `group` in a group scenario),
    /// with its counts checked.
    fn once(
        &self,
        scenario: &Scenario,
        client: Client,
        plan: &Plan,
        topic: &str,
        group: Option<&str>,
    ) -> Result<Sample, String> {
        let bootstrap = &self.runner.bootstrap;
        let (stdout, usage) = match plan {
            Plan::Contract { acks, tuning, .. } => {
                let program = match client {
                    Client::FranzGo => self.programs.franz_go.clone()?,
                    _ => client
                        .program(&self.programs.rust_bin, &self.programs.rust_bin)
                        .ok_or("no program")?,
                };
                let args = client::contract_args(
                    scenario, acks, tuning, bootstrap, topic, group, self.quick,
                );
                self.runner.measured(&program.to_string_lossy(), &args)?
            }
            Plan::JavaPerf { tuning } => {
                let tool = usize::from(scenario.mode.consumes());
                let (program, mut args) = self.java[tool].clone();
                args.extend(java::args(
                    scenario, tuning, bootstrap, topic, group, self.quick,
                ));
                self.runner.measured(&program.to_string_lossy(), &args)?
            }
            Plan::NotApplicable(why) => return Err(why.clone()),
        };
        let mut reported = match (plan, scenario.mode) {
            (Plan::JavaPerf { .. }, Mode::Consume | Mode::GroupConsume) => {
                java::parse_consumer(&stdout, scenario.size)?
            }
            (Plan::JavaPerf { .. }, _) => {
                java::parse_producer(&stdout, scenario.size, scenario.warmup(self.quick))?
            }
            _ => Reported::from_contract(run::last_json_line(&stdout).ok_or("no result line")?)?,
        };
        reported.transactions = self.check(scenario, plan, topic, &reported)?;
        Ok(Sample { reported, usage })
    }

    /// The counts a client claims, against what was asked and what the broker holds; the
    /// transactions written, in a transactional scenario.
    fn check(
        &self,
        scenario: &Scenario,
        plan: &Plan,
        topic: &str,
        reported: &Reported,
    ) -> Result<Option<u64>, String> {
        if scenario.mode == Mode::TransactionalProduce {
            let committed = self.runner.committed(topic, scenario.partitions)?;
            check_claim(scenario, self.quick, reported, Some(committed.records))?;
            // The contract's programs run whole transactions of `per_transaction` records, each
            // writing every partition; the Java tool's are sized by time, and may skip a
            // partition, so they are counted by the producer epoch, which the Java client's
            // transactions v2 bump at every commit.
            return match plan {
                Plan::JavaPerf { .. } => {
                    let epoch = transactions::producer_epoch(
                        &self.transactions_tool,
                        &self.runner.bootstrap,
                        topic,
                    )?;
                    Ok(Some(epoch.max(committed.max_markers)))
                }
                _ => {
                    transactions::check_shape(scenario, self.quick, committed)?;
                    Ok(Some(committed.max_markers))
                }
            };
        }
        let held = if scenario.mode.consumes() {
            None
        } else {
            Some(self.runner.topic_records(topic, scenario.partitions)?)
        };
        check_claim(scenario, self.quick, reported, held).map(|()| None)
    }
}

/// Whether a client's claim holds: the records and warm-up asked, values of the scenario's size,
/// and (for producers) exactly that many records held by the broker.
///
/// # Errors
/// What does not match.
fn check_claim(
    scenario: &Scenario,
    quick: bool,
    reported: &Reported,
    held: Option<u64>,
) -> Result<(), String> {
    let (count, warmup) = (scenario.count(quick), scenario.warmup(quick));
    if reported.records != count || reported.warmup != warmup {
        return Err(format!(
            "claims {} records after {} warm-up, asked {count} after {warmup}",
            reported.records, reported.warmup
        ));
    }
    if reported.bytes != count * scenario.size as u64 {
        return Err(format!(
            "claims {} value bytes for {count} records of {} B",
            reported.bytes, scenario.size
        ));
    }
    match held {
        Some(held) if held != count + warmup => Err(format!(
            "the broker holds {held} records, the client claims {}",
            count + warmup
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Options, String> {
        Options::parse(
            &line
                .split_whitespace()
                .map(String::from)
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn options() {
        let options =
            parse("--quick --runs 2 --scenario roundtrip-100 --bootstrap 127.0.0.1:9092").unwrap();
        assert!(options.quick);
        assert!(options.idle);
        assert!(!parse("--no-idle").unwrap().idle);
        assert_eq!(options.runs, Some(2));
        assert_eq!(options.scenarios, ["roundtrip-100"]);
        assert!(parse("--scenario nope").is_err());
        assert!(parse("--profile tls").is_err());
        assert_eq!(
            parse("--profile cluster3").unwrap().profile,
            Profile::Cluster3
        );
        assert!(parse("--profile plain").is_ok());
        assert!(parse("--runs").is_err());
    }

    #[test]
    fn a_claim_must_match_what_was_asked_and_what_the_broker_holds() {
        let scenario = SCENARIOS[0];
        let honest = Reported {
            records: 2000,
            bytes: 200_000,
            warmup: 200,
            ..Reported::default()
        };
        assert_eq!(check_claim(&scenario, true, &honest, Some(2200)), Ok(()));
        assert!(check_claim(&scenario, true, &honest, Some(2199)).is_err());
        assert!(check_claim(&scenario, true, &honest, Some(2201)).is_err());
        let short = Reported {
            records: 1999,
            bytes: 199_900,
            ..honest.clone()
        };
        assert!(check_claim(&scenario, true, &short, Some(2200)).is_err());
        let wrong_size = Reported {
            bytes: 199_999,
            ..honest.clone()
        };
        assert!(check_claim(&scenario, true, &wrong_size, None).is_err());
        let no_warmup = Reported {
            warmup: 0,
            ..honest
        };
        assert!(check_claim(&scenario, true, &no_warmup, Some(2000)).is_err());
    }
}
