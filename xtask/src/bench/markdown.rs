//! `report.md`: the machine, how the figures were taken, an overview of throughput ratios, one
//! table per scenario with every row (a peer's defaults and tuned rows each), its ratio to
//! librdkafka's faster row and its share of replay's rate (the ceiling), and the idle wake-ups.

use std::fmt::Write as _;

use super::client::{Client, REFERENCE, Settings};
use super::idle::Idle;
use super::report::{
    Context, Results, ceiling, clients, faster, is_faster_of_two, ratio, reference, reference_row,
    status,
};
use super::summary::{Outcome, Row, Stat};

/// A number with about three significant digits, grouped for reading.
pub(crate) fn figure(value: f64) -> String {
    if !value.is_finite() {
        return "-".into();
    }
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        let digits = format!("{:.0}", magnitude);
        let mut grouped = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index) % 3 == 0 {
                grouped.push(' ');
            }
            grouped.push(digit);
        }
        if value < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

fn with_spread(stat: Stat) -> String {
    format!("{} ±{:.0}%", figure(stat.median), stat.spread() * 50.0)
}

fn times(value: Option<f64>) -> String {
    value.map_or("-".into(), |value| format!("{value:.2}×"))
}

fn percent(value: Option<f64>) -> String {
    value.map_or("-".into(), |value| format!("{:.0}%", value * 100.0))
}

/// The note column: what a tuned row set, the row's own note, and which row the ratios use.
fn notes(row: &Row, rows: &[Row]) -> String {
    let mut notes: Vec<String> = Vec::new();
    if row.settings == Settings::Tuned && !row.tuning.is_empty() {
        notes.push(format!("`{}`", row.tuning));
    }
    notes.extend(row.note.map(String::from));
    if let Some(per) = row.figures().and_then(|f| f.records_per_transaction) {
        notes.push(format!("{} records per transaction", figure(per.median)));
    }
    if is_faster_of_two(rows, row) {
        notes.push("the faster of its two rows".into());
    }
    if reference_row(rows).is_some_and(|r| r.client == row.client && r.settings == row.settings) {
        notes.push("**the reference: ratios are to this row**".into());
    }
    notes.join("; ")
}

fn table_row(row: &Row, rows: &[Row]) -> String {
    let (reference, ceiling) = (reference(rows), ceiling(rows));
    let note = notes(row, rows);
    let Some(figures) = row.figures() else {
        let why = match &row.outcome {
            Outcome::NotApplicable(why) | Outcome::Failed(why) => why.as_str(),
            Outcome::Measured { .. } => "",
        };
        return format!(
            "| {} | {} | | | | | | | | | {} |\n",
            row.name(),
            status(row),
            why.replace('|', "/")
        );
    };
    let latency = figures.latency_us.map_or("-".into(), |[p50, p99, p999]| {
        format!(
            "{} / {} / {}",
            figure(p50.median),
            figure(p99.median),
            figure(p999.median)
        )
    });
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        row.name(),
        with_spread(figures.records_per_s),
        figure(figures.mb_per_s.median),
        times(ratio(
            Some(figures.records_per_s.median),
            reference.map(|f| f.records_per_s.median)
        )),
        percent(ratio(
            Some(figures.records_per_s.median),
            ceiling.map(|f| f.records_per_s.median)
        )),
        figure(figures.cpu_us_per_record.median),
        times(ratio(
            Some(figures.cpu_us_per_record.median),
            reference.map(|f| f.cpu_us_per_record.median)
        )),
        figures
            .allocs_per_record
            .map_or("-".into(), |stat| figure(stat.median)),
        figure(figures.peak_mib.median),
        latency,
        note
    )
}

/// The overview's cell of `client` in a scenario: its faster row's ratio to the reference
/// (librdkafka's own figure), marked when that was the tuned row.
fn overview_cell(rows: &[Row], client: Client) -> String {
    let Some(row) = faster(rows, client) else {
        return rows
            .iter()
            .find(|row| row.client == client)
            .map_or("-".into(), |row| status(row).to_string());
    };
    let tuned = if row.settings == Settings::Tuned {
        " (tuned)"
    } else {
        ""
    };
    let rate = row.figures().map(|f| f.records_per_s.median);
    if client == REFERENCE {
        return format!("{} rec/s{tuned}", figure(rate.unwrap_or(0.0)));
    }
    let ratio = ratio(rate, reference(rows).map(|f| f.records_per_s.median));
    format!("{}{tuned}", times(ratio))
}

/// The idle table (none when the run left the idle wake-ups out).
fn idle_table(md: &mut String, idle: &[Idle]) {
    if idle.is_empty() {
        return;
    }
    md.push_str(
        "\n## Idle wake-ups\n\nEach program counts its own threads' context switches \
         (`voluntary_ctxt_switches` + `nonvoluntary_ctxt_switches` of every `/proc/self/task/*/status`) \
         over a window before its client exists (the baseline) and over the same window with the \
         client idle: a producer connected to the partition's leader with nothing to send, or a \
         consumer assigned to partition 0 at its end of a topic nothing writes to, waiting in \
         `poll`. Wake-ups/s is the difference per second.\n\n\
         | client | role | wake-ups/s | switches/s idle | switches/s baseline | window s | threads (before) |\n\
         |---|---|---:|---:|---:|---:|---:|\n",
    );
    for row in idle {
        match &row.measured {
            Ok(m) => {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {} ({}) |",
                    row.client.name(),
                    row.role.as_str(),
                    figure(m.wakeups_per_s),
                    figure(m.idle_per_s),
                    figure(m.baseline_per_s),
                    figure(m.window_s),
                    m.threads,
                    m.baseline_threads
                );
            }
            Err(why) => {
                let _ = writeln!(
                    md,
                    "| {} | {} | failed | | | | {} |",
                    row.client.name(),
                    row.role.as_str(),
                    why.replace('|', "/")
                );
            }
        }
    }
}

/// The whole report.
pub(crate) fn render(context: &Context, results: &Results, idle: &[Idle]) -> String {
    let mut md = String::from("# franzl client benchmark\n\n");
    if context.quick {
        md.push_str(
            "**`--quick` run: tiny counts that check every client; the figures mean nothing.**\n\n",
        );
    }
    md.push_str("| machine | |\n|---|---|\n");
    for (name, value) in &context.machine {
        let _ = writeln!(md, "| {name} | {} |", value.replace('|', "/"));
    }
    let _ = writeln!(md, "| pinning | {} |", context.pinning);
    let _ = writeln!(
        md,
        "| runs | {} per client and scenario (median, ± half the spread) |",
        context.runs
    );
    let _ = writeln!(
        md,
        "| took | {:.0} s, builds included |\n",
        context.elapsed_s
    );
    md.push_str(
        "Each client is a separate process, run under `bench-measure` (CPU time and peak memory from \
         `getrusage` of the child). records/s and MB/s (10^6 bytes of values) cover the timed part, after \
         a warm-up of a tenth of the count; CPU µs/record is the whole process's user + system time \
         (start-up, JVM included) over every record it handled; allocs/record are heap allocations in the \
         timed part (Rust programs: a counting global allocator; franz-go: Go's heap objects; librdkafka's \
         C allocations and the JVM's are not seen). Every count a client claims is checked against the \
         broker's offsets. A peer whose documentation recommends throughput settings has two rows, its \
         defaults and `tuned` (the settings are in the note, their sources in `xtask/src/bench/tuning.rs`; \
         what the scenario fixes, such as acks, compression and idempotence, stays fixed); franzl runs \
         the scenario with its own defaults. Ratios are to the faster of librdkafka's two rows (marked \
         in each table); the overview gives each peer's faster row. \"of replay\" is the share of replay's records/s, the ceiling \
         (Produce requests encoded before the clock and sent as fast as the broker answers; Fetch responses \
         read only as far as the batch headers). A shared machine makes ratios, not absolute figures, \
         the thing to read.\n\n",
    );
    md.push_str(
        "## Overview: records/s as a multiple of librdkafka's faster row\n\n\
         Each peer's cell is its faster row, `(tuned)` when that was the tuned one.\n\n| scenario |",
    );
    let clients = clients(results);
    for client in &clients {
        let _ = write!(md, " {} |", client.name());
    }
    md.push_str(" franzl of replay |\n|---|");
    md.push_str(&"---|".repeat(clients.len() + 1));
    md.push('\n');
    for (scenario, rows) in results {
        let _ = write!(md, "| {} |", scenario.title);
        let franzl = faster(rows, Client::Franzl).and_then(Row::figures);
        for &client in &clients {
            let _ = write!(md, " {} |", overview_cell(rows, client));
        }
        let share = ratio(
            franzl.map(|f| f.records_per_s.median),
            ceiling(rows).map(|f| f.records_per_s.median),
        );
        let _ = writeln!(md, " {} |", percent(share));
    }
    for (scenario, rows) in results {
        let _ = write!(
            md,
            "\n## {}\n\n{} records timed after {} warm-up, {} partition(s), acks={}, compression {}{}.{}\n\n",
            scenario.title,
            scenario.count(context.quick),
            scenario.warmup(context.quick),
            scenario.partitions,
            scenario.acks,
            scenario.compression,
            if scenario.idempotent {
                ", idempotent"
            } else {
                ""
            },
            scenario
                .mode
                .description()
                .map_or(String::new(), |text| format!(" {text}"))
        );
        md.push_str(
            "| client | records/s | MB/s | × librdkafka | of replay | CPU µs/record | × librdkafka | allocs/record | peak MiB | p50 / p99 / p99.9 µs | note |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
        );
        for row in rows {
            md.push_str(&table_row(row, rows));
        }
    }
    idle_table(&mut md, idle);
    md
}

#[cfg(test)]
mod tests {
    use super::super::report::tests::{context, idle, results};
    use super::super::scenario::{Mode, SCENARIOS};
    use super::*;

    #[test]
    fn figures_read_well() {
        assert_eq!(figure(1_234_567.4), "1 234 567");
        assert_eq!(figure(123.0), "123");
        assert_eq!(figure(12.34), "12.3");
        assert_eq!(figure(1.234), "1.23");
        assert_eq!(figure(f64::NAN), "-");
    }

    #[test]
    fn every_row_is_in_the_tables() {
        let md = render(&context(), &results(), &idle());
        assert!(md.contains("| franzl | pending | | | | | | | | | pending: not yet |"));
        assert!(md.contains("| franz-go | 3 000 ±0% | 0.30 | 1.50× | 75% |"));
        assert!(md.contains("| librdkafka | 1 000 ±0% | 0.10 | 0.50× | 25% |"));
        assert!(md.contains("| librdkafka tuned | 2 000 ±0% | 0.20 | 1.00× | 50% |"));
        assert!(md.contains(
            "| `linger.ms=100`; the faster of its two rows; **the reference: ratios are to this row** |"
        ));
        assert!(
            md.contains("| 2 000 rec/s (tuned) | 1.50× |"),
            "overview: {md}"
        );
        assert!(md.contains("| franzl | consumer | 2.50 | 4.00 | 1.50 | 2.00 | 3 (1) |"));
        assert!(md.contains("| librdkafka | producer | failed | | | | no broker |"));
        assert!(md.contains("| replay | 4 000 ±0% | 0.40 | 2.00× | 100% |"));
        assert!(
            md.contains(" 2.00× | - |\n"),
            "the overview's franzl share: {md}"
        );
        assert!(md.contains("| 100 / 200 / 300 |"));
        assert!(md.contains("| rskafka | failed |"));
    }

    #[test]
    fn a_group_scenario_says_its_join_is_not_timed() {
        let group = SCENARIOS
            .iter()
            .find(|s| s.mode == Mode::GroupConsume)
            .unwrap();
        let rows = results().remove(0).1;
        let md = render(&context(), &[(*group, rows)], &idle());
        assert!(md.contains(
            "## consume in a group, 6 partitions, 100 B\n\n2000 records timed after 0 warm-up, \
             6 partition(s), acks=1, compression none. Each run joins a fresh consumer group"
        ));
        assert!(md.contains("The join is not timed: the clock starts at the first record"));
    }
}
