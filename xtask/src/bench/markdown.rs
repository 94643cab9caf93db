//! `report.md`: the machine, how the figures were taken, an overview of throughput ratios, and one
//! table per scenario with every figure, its ratio to librdkafka and its share of replay's rate
//! (the ceiling).

use std::fmt::Write as _;

use super::client::{Client, REFERENCE};
use super::report::{Context, Results, ceiling, clients, ratio, reference, status};
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

fn table_row(row: &Row, rows: &[Row]) -> String {
    let (reference, ceiling) = (reference(rows), ceiling(rows));
    let note = row.note.unwrap_or("");
    let Some(figures) = row.figures() else {
        let why = match &row.outcome {
            Outcome::NotApplicable(why) | Outcome::Failed(why) => why.as_str(),
            Outcome::Measured { .. } => "",
        };
        return format!(
            "| {} | {} | | | | | | | | | {} |\n",
            row.client.name(),
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
        row.client.name(),
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

/// The whole report.
pub(crate) fn render(context: &Context, results: &Results) -> String {
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
         broker's offsets. Ratios are to librdkafka; \"of replay\" is the share of replay's records/s, the ceiling \
         (Produce requests encoded before the clock and sent as fast as the broker answers; Fetch responses \
         read only as far as the batch headers). A shared machine makes ratios, not absolute figures, \
         the thing to read.\n\n",
    );
    md.push_str("## Overview: records/s as a multiple of librdkafka's\n\n| scenario |");
    let clients = clients(results);
    for client in &clients {
        let _ = write!(md, " {} |", client.name());
    }
    md.push_str(" franzl of replay |\n|---|");
    md.push_str(&"---|".repeat(clients.len() + 1));
    md.push('\n');
    for (scenario, rows) in results {
        let _ = write!(md, "| {} |", scenario.title);
        let reference = reference(rows);
        let franzl = rows
            .iter()
            .find(|row| row.client == Client::Franzl)
            .and_then(|row| row.figures());
        for row in rows {
            let cell = match row.figures() {
                Some(_) if row.client == REFERENCE => format!(
                    "{} rec/s",
                    figure(row.figures().map_or(0.0, |f| f.records_per_s.median))
                ),
                Some(figures) => times(ratio(
                    Some(figures.records_per_s.median),
                    reference.map(|f| f.records_per_s.median),
                )),
                None => status(row).to_string(),
            };
            let _ = write!(md, " {cell} |");
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
            "\n## {}\n\n{} records timed after {} warm-up, {} partition(s), acks={}, compression {}{}.\n\n",
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
            }
        );
        md.push_str(
            "| client | records/s | MB/s | × librdkafka | of replay | CPU µs/record | × librdkafka | allocs/record | peak MiB | p50 / p99 / p99.9 µs | note |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
        );
        for row in rows {
            md.push_str(&table_row(row, rows));
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::super::report::tests::{context, results};
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
        let md = render(&context(), &results());
        assert!(md.contains("| franzl | pending | | | | | | | | | pending: not yet |"));
        assert!(md.contains("| franz-go | 3 000 ±0% | 0.30 | 1.50× | 75% |"));
        assert!(md.contains("| librdkafka | 2 000 ±0% | 0.20 | 1.00× | 50% |"));
        assert!(md.contains("| replay | 4 000 ±0% | 0.40 | 2.00× | 100% |"));
        assert!(
            md.contains(" 2.00× | - |\n"),
            "the overview's franzl share: {md}"
        );
        assert!(md.contains("| 100 / 200 / 300 |"));
        assert!(md.contains("| rskafka | failed |"));
    }
}
