//! `soak [--minutes N] [--rate R] [--seed S] [--producers P] [--partitions N]
//! [--group-members M] [--copiers C] [--out DIR] [--faults KIND,...]`:
//! the soak of [`franzl_tests::soak`], run by `cargo xtask soak`. Exits with 1 when the checker
//! finds a lost, duplicated, reordered, phantom, redelivered or misplaced record, when either
//! consumer group (classic and KIP-848, M members each, 3 by default) lost an acknowledged
//! record, or when the transactional copy (C copiers, 3 by default) does not hold every
//! acknowledged record exactly once; 2 when the run cannot be set up. franzl's log lines go to `client.log` in the output folder (`SOAK_LOG`:
//! `warn`, `info` (default) or `debug`, optionally followed by `:TARGET` to keep only the lines
//! of targets starting with it, such as `debug:franzl::producer`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use franzl_tests::soak::faults::FaultKind;
use franzl_tests::soak::run::{SoakOptions, run};
use franzl_tests::soak::{client_log, report};

const USAGE: &str = "usage: soak [--minutes N] [--rate RECORDS_PER_S] [--seed S] \
                     [--producers P] [--partitions N] [--group-members M] [--copiers C] [--out DIR] \
                     [--faults KIND,...]
faults: proxy-cut, kill-9, proxy-stall, leader-move, proxy-corrupt, sigstop, proxy-black-hole,
        proxy-truncate, proxy-drop-responses (the default cycle, in this order)";

fn main() -> ExitCode {
    let (options, out) = match parse(std::env::args().skip(1).collect()) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("soak: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let setting = std::env::var("SOAK_LOG").unwrap_or_default();
    let (level, target) = setting.split_once(':').unwrap_or((&setting, "franzl"));
    let level = match level {
        "debug" => log::LevelFilter::Debug,
        "warn" => log::LevelFilter::Warn,
        _ => log::LevelFilter::Info,
    };
    if let Err(message) = client_log::install(&out.join("client.log"), level, target) {
        eprintln!("soak: {message}");
        return ExitCode::from(2);
    }
    let outcome = run(&options);
    client_log::flush();
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(message) => {
            eprintln!("soak: {message}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = report::write(
        &out,
        &outcome.facts,
        &outcome.log,
        &outcome.live,
        &outcome.faults,
        &outcome.history,
    ) {
        eprintln!("soak: writing the report in {}: {error}", out.display());
        return ExitCode::from(2);
    }
    let mut md = report::markdown(&outcome.facts, &outcome.log, &outcome.live, &outcome.faults);
    let mut extra = String::new();
    for group in &outcome.groups {
        extra.push('\n');
        extra.push_str(&group.markdown());
    }
    if let Some(copy) = &outcome.copy {
        extra.push('\n');
        extra.push_str(&copy.markdown());
    }
    md.push_str(&extra);
    if let Err(error) = std::fs::write(out.join("groups.md"), &extra) {
        eprintln!("soak: writing groups.md: {error}");
    }
    println!("{md}");
    eprintln!("soak: report in {}", out.display());
    if outcome.log.acked == 0 {
        eprintln!("soak: no record was acknowledged: the run tested nothing");
        return ExitCode::from(1);
    }
    let group_clean = outcome.groups.iter().all(|g| g.is_clean())
        && outcome.copy.as_ref().is_none_or(|c| c.is_clean());
    if outcome.log.is_clean()
        && outcome.live.is_clean()
        && outcome.facts.consumer_drained
        && group_clean
    {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn parse(args: Vec<String>) -> Result<(SoakOptions, PathBuf), String> {
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |t| t.as_nanos() as u64);
    let mut options = SoakOptions {
        minutes: 1.0,
        rate: 2_000,
        seed,
        producers: 2,
        partitions: 6,
        faults: FaultKind::CYCLE.to_vec(),
        group_members: 3,
        copiers: 3,
    };
    let mut out = xtask::workspace::target_dir().join("soak");
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--minutes" => options.minutes = value.parse().map_err(|e| bad(&e))?,
            "--rate" => options.rate = value.parse().map_err(|e| bad(&e))?,
            "--seed" => options.seed = value.parse().map_err(|e| bad(&e))?,
            "--producers" => options.producers = value.parse().map_err(|e| bad(&e))?,
            "--partitions" => options.partitions = value.parse().map_err(|e| bad(&e))?,
            "--group-members" => options.group_members = value.parse().map_err(|e| bad(&e))?,
            "--copiers" => options.copiers = value.parse().map_err(|e| bad(&e))?,
            "--out" => out = PathBuf::from(value),
            "--faults" => {
                options.faults = value
                    .split(',')
                    .map(|name| {
                        FaultKind::from_name(name).ok_or_else(|| format!("unknown fault {name}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if options.faults.is_empty() {
        return Err("--faults needs at least one fault".into());
    }
    if !options.minutes.is_finite()
        || options.minutes <= 0.0
        || options.producers == 0
        || options.partitions < 1
    {
        return Err("--minutes, --producers and --partitions must be positive".into());
    }
    Ok((options, out))
}
