//! The soak's report: `report.json` (for machines) and `report.md` (for people), with the
//! counts of both checks and the fault timeline, and `history.log`, one line per event.
//!
//! The JSON is written by hand (the harness takes no serde); strings are escaped as JSON says.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use super::faults::FaultEvent;
use super::history::{Finding, Findings, History};

/// What a soak run was asked to do and how long it took.
#[derive(Clone, Debug)]
pub struct RunFacts {
    /// Minutes of faults asked for.
    pub minutes: f64,
    /// The seed of the fault schedule.
    pub seed: u64,
    /// The topic.
    pub topic: String,
    /// Its partitions.
    pub partitions: i32,
    /// Producers.
    pub producers: u32,
    /// The whole run, draining included.
    pub elapsed: Duration,
    /// Whether the live consumer reached the end offsets before its deadline.
    pub consumer_drained: bool,
}

/// Writes `report.json`, `report.md` and `history.log` into `dir`.
///
/// # Errors
///
/// A file cannot be written.
pub fn write(
    dir: &Path,
    facts: &RunFacts,
    log: &Findings,
    live: &Findings,
    faults: &[FaultEvent],
    history: &History,
) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("report.json"), json(facts, log, live, faults))?;
    std::fs::write(dir.join("report.md"), markdown(facts, log, live, faults))?;
    write_history(&dir.join("history.log"), history)
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_finding(finding: &Finding) -> String {
    let examples: Vec<String> = finding.examples.iter().map(|e| json_string(e)).collect();
    format!(
        "{{\"count\": {}, \"examples\": [{}]}}",
        finding.count,
        examples.join(", ")
    )
}

fn json_findings(findings: &Findings) -> String {
    format!(
        "{{\"sent\": {}, \"acked\": {}, \"failed\": {}, \"failed_but_written\": {}, \"read\": {}, \
         \"lost\": {}, \"duplicated\": {}, \"reordered\": {}, \"phantom\": {}, \
         \"redelivered\": {}, \"misplaced\": {}, \"clean\": {}}}",
        findings.sent,
        findings.acked,
        findings.failed,
        findings.failed_but_written,
        findings.read,
        json_finding(&findings.lost),
        json_finding(&findings.duplicated),
        json_finding(&findings.reordered),
        json_finding(&findings.phantom),
        json_finding(&findings.redelivered),
        json_finding(&findings.misplaced),
        findings.is_clean()
    )
}

/// The JSON report.
pub fn json(facts: &RunFacts, log: &Findings, live: &Findings, faults: &[FaultEvent]) -> String {
    let timeline: Vec<String> = faults
        .iter()
        .map(|f| {
            format!(
                "    {{\"at_s\": {:.1}, \"kind\": {}, \"node\": {}, \"lasted_s\": {:.1}, \
                 \"detail\": {}}}",
                f.at.as_secs_f64(),
                json_string(f.kind.name()),
                f.node,
                f.lasted.as_secs_f64(),
                json_string(&f.detail)
            )
        })
        .collect();
    format!(
        "{{\n  \"minutes\": {}, \"seed\": {}, \"topic\": {}, \"partitions\": {}, \
         \"producers\": {}, \"elapsed_s\": {:.1}, \"consumer_drained\": {},\n  \
         \"log\": {},\n  \"consumer\": {},\n  \"faults\": [\n{}\n  ]\n}}\n",
        facts.minutes,
        facts.seed,
        json_string(&facts.topic),
        facts.partitions,
        facts.producers,
        facts.elapsed.as_secs_f64(),
        facts.consumer_drained,
        json_findings(log),
        json_findings(live),
        timeline.join(",\n")
    )
}

/// The Markdown report.
pub fn markdown(
    facts: &RunFacts,
    log: &Findings,
    live: &Findings,
    faults: &[FaultEvent],
) -> String {
    let mut text = format!(
        "# franzl soak: {} min of faults on cluster3\n\n\
         Seed {}, topic `{}` ({} partitions), {} idempotent producers (acks=all), one consumer \
         through the fault proxies; {:.0} s in all. Consumer drained: {}.\n\n\
         `log` is what a fresh consumer read from the brokers afterwards (the producers' \
         promise); `consumer` is what the consumer under faults returned.\n\n\
         | | log | consumer |\n|---|---:|---:|\n",
        facts.minutes,
        facts.seed,
        facts.topic,
        facts.partitions,
        facts.producers,
        facts.elapsed.as_secs_f64(),
        if facts.consumer_drained { "yes" } else { "NO" }
    );
    let rows: [(&str, u64, u64); 11] = [
        ("sent", log.sent, live.sent),
        ("acknowledged", log.acked, live.acked),
        ("failed", log.failed, live.failed),
        ("read", log.read, live.read),
        ("**lost**", log.lost.count, live.lost.count),
        (
            "**duplicated**",
            log.duplicated.count,
            live.duplicated.count,
        ),
        ("**reordered**", log.reordered.count, live.reordered.count),
        ("**phantom**", log.phantom.count, live.phantom.count),
        ("redelivered", log.redelivered.count, live.redelivered.count),
        ("misplaced", log.misplaced.count, live.misplaced.count),
        (
            "failed but written",
            log.failed_but_written,
            live.failed_but_written,
        ),
    ];
    for (name, a, b) in rows {
        let _ = writeln!(text, "| {name} | {a} | {b} |");
    }
    for (which, findings) in [("log", log), ("consumer", live)] {
        for (name, finding) in [
            ("lost", &findings.lost),
            ("duplicated", &findings.duplicated),
            ("reordered", &findings.reordered),
            ("phantom", &findings.phantom),
            ("redelivered", &findings.redelivered),
            ("misplaced", &findings.misplaced),
        ] {
            if !finding.examples.is_empty() {
                let _ = writeln!(text, "\n{which}, {name}: {}", finding.examples.join("; "));
            }
        }
    }
    let _ = write!(
        text,
        "\n## Fault timeline ({} faults)\n\n| at (s) | fault | node | lasted (s) | what happened |\n\
         |---:|---|---:|---:|---|\n",
        faults.len()
    );
    for f in faults {
        let _ = writeln!(
            text,
            "| {:.1} | {} | {} | {:.1} | {} |",
            f.at.as_secs_f64(),
            f.kind.name(),
            f.node,
            f.lasted.as_secs_f64(),
            f.detail.replace('|', "/").replace('\n', " ")
        );
    }
    text
}

fn write_history(path: &Path, history: &History) -> io::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "# send ID PARTITION | ack ID PARTITION OFFSET | fail ID ERROR | read PARTITION OFFSET VALUE"
    )?;
    for (id, partition) in &history.sends {
        writeln!(out, "send {id} {partition}")?;
    }
    for (id, partition, offset) in &history.acks {
        writeln!(out, "ack {id} {partition} {offset}")?;
    }
    for (id, error) in &history.failures {
        writeln!(out, "fail {id} {}", error.replace('\n', " "))?;
    }
    for read in &history.reads {
        match &read.value {
            Ok(id) => writeln!(out, "read {} {} {id}", read.partition, read.offset)?,
            Err(raw) => writeln!(out, "read {} {} {raw:?}", read.partition, read.offset)?,
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::json_string;

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\u000ad\"");
    }
}
