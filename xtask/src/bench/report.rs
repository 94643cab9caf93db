//! Writing the benchmark's results: `report.json` (every run and every figure, for tools),
//! `report.md` (the tables, for people) and `report.svg` (the chart), into one folder.
//!
//! Ratios in every scenario are to librdkafka's faster row (defaults or tuned, by records/s), and
//! each file says which row that was.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use super::client::{CEILING, Client, REFERENCE};
use super::idle::Idle;
use super::json::{number, quote};
use super::scenario::Scenario;
use super::summary::{Figures, Outcome, Row, Stat};

/// What the report says about the run as a whole.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    /// Facts about the machine, as (name, value).
    pub(crate) machine: Vec<(&'static str, String)>,
    /// Whether this was a `--quick` run (its figures mean nothing).
    pub(crate) quick: bool,
    /// Runs per client and scenario.
    pub(crate) runs: usize,
    /// How the processes were pinned.
    pub(crate) pinning: String,
    /// Seconds the whole benchmark took, builds included.
    pub(crate) elapsed_s: f64,
}

/// The results of every scenario, in report order.
pub(crate) type Results = [(Scenario, Vec<Row>)];

/// Writes the three files into `dir`.
///
/// # Errors
/// When a file cannot be written.
pub(crate) fn write(
    dir: &Path,
    context: &Context,
    results: &Results,
    idle: &[Idle],
) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let files = [
        ("report.json", to_json(context, results, idle)),
        ("report.md", super::markdown::render(context, results, idle)),
        ("report.svg", super::chart::render(context, results)),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        fs::write(&path, text).map_err(|error| format!("{}: {error}", path.display()))?;
    }
    Ok(())
}

/// The faster (by median records/s) of `client`'s measured rows in `rows`: the row its ratios
/// and franzl's ratios to it count.
pub(crate) fn faster(rows: &[Row], client: Client) -> Option<&Row> {
    rows.iter()
        .filter(|row| row.client == client)
        .filter_map(|row| {
            row.figures()
                .map(|figures| (row, figures.records_per_s.median))
        })
        .max_by(|(_, a), (_, b)| a.total_cmp(b))
        .map(|(row, _)| row)
}

/// Whether `row` is the faster of its client's rows, where the client has more than one measured.
pub(crate) fn is_faster_of_two(rows: &[Row], row: &Row) -> bool {
    let measured = rows
        .iter()
        .filter(|other| other.client == row.client && other.figures().is_some())
        .count();
    measured > 1 && faster(rows, row.client).is_some_and(|faster| faster.settings == row.settings)
}

/// The reference row (librdkafka's faster) in `rows`, if one was measured.
pub(crate) fn reference_row(rows: &[Row]) -> Option<&Row> {
    faster(rows, REFERENCE)
}

/// The reference row's figures in `rows`, if it was measured.
pub(crate) fn reference(rows: &[Row]) -> Option<&Figures> {
    reference_row(rows).and_then(Row::figures)
}

/// The ceiling's (replay's) figures in `rows`, if it was measured.
pub(crate) fn ceiling(rows: &[Row]) -> Option<&Figures> {
    rows.iter()
        .find(|row| row.client == CEILING)
        .and_then(Row::figures)
}

/// `value / reference`, when both are there and the reference is not zero.
pub(crate) fn ratio(value: Option<f64>, reference: Option<f64>) -> Option<f64> {
    match (value, reference) {
        (Some(value), Some(reference)) if reference != 0.0 => Some(value / reference),
        _ => None,
    }
}

/// How a row is labelled when it has no figures.
pub(crate) fn status(row: &Row) -> &'static str {
    match &row.outcome {
        Outcome::Measured { .. } => "ok",
        Outcome::NotApplicable(why) if why.starts_with("pending") => "pending",
        Outcome::NotApplicable(_) => "n/a",
        Outcome::Failed(_) => "failed",
    }
}

fn stat_json(stat: Option<Stat>) -> String {
    match stat {
        Some(stat) => format!(
            "{{\"median\":{},\"min\":{},\"max\":{}}}",
            number(Some(stat.median)),
            number(Some(stat.min)),
            number(Some(stat.max))
        ),
        None => "null".to_string(),
    }
}

fn row_json(
    row: &Row,
    faster_of_two: bool,
    reference: Option<&Figures>,
    ceiling: Option<&Figures>,
) -> String {
    let mut json = format!(
        "{{\"client\":{},\"settings\":\"{}\",\"tuning\":{},\"status\":\"{}\"",
        quote(row.client.name()),
        row.settings.as_str(),
        quote(&row.tuning),
        status(row)
    );
    let _ = write!(json, ",\"note\":{}", row.note.map_or("null".into(), quote));
    match &row.outcome {
        Outcome::NotApplicable(why) | Outcome::Failed(why) => {
            let _ = write!(json, ",\"reason\":{}}}", quote(why));
        }
        Outcome::Measured { samples, figures } => {
            let _ = write!(json, ",\"faster_of_its_two_rows\":{faster_of_two}");
            let latency = |index: usize| figures.latency_us.map(|stats| stats[index]);
            let _ = write!(
                json,
                ",\"figures\":{{\"records_per_s\":{},\"mb_per_s\":{},\"cpu_us_per_record\":{},\
                 \"allocs_per_record\":{},\"peak_mib\":{},\"p50_us\":{},\"p99_us\":{},\"p999_us\":{},\
                 \"records_per_transaction\":{}}}",
                stat_json(Some(figures.records_per_s)),
                stat_json(Some(figures.mb_per_s)),
                stat_json(Some(figures.cpu_us_per_record)),
                stat_json(figures.allocs_per_record),
                stat_json(Some(figures.peak_mib)),
                stat_json(latency(0)),
                stat_json(latency(1)),
                stat_json(latency(2)),
                stat_json(figures.records_per_transaction),
            );
            let _ = write!(
                json,
                ",\"ratio_to_librdkafka\":{{\"records_per_s\":{},\"cpu_us_per_record\":{}}}",
                number(ratio(
                    Some(figures.records_per_s.median),
                    reference.map(|f| f.records_per_s.median)
                )),
                number(ratio(
                    Some(figures.cpu_us_per_record.median),
                    reference.map(|f| f.cpu_us_per_record.median)
                )),
            );
            let _ = write!(
                json,
                ",\"share_of_replay\":{{\"records_per_s\":{}}}",
                number(ratio(
                    Some(figures.records_per_s.median),
                    ceiling.map(|f| f.records_per_s.median)
                )),
            );
            let runs: Vec<String> = samples
                .iter()
                .map(|sample| {
                    let r = &sample.reported;
                    let p = |index: usize| number(r.percentiles.map(|p| p[index]));
                    format!(
                        "{{\"records\":{},\"bytes\":{},\"warmup\":{},\"elapsed_s\":{},\"cpu_s\":{},\
                         \"max_rss_kib\":{},\"allocs\":{},\"p50_us\":{},\"p99_us\":{},\"p999_us\":{}}}",
                        r.records,
                        r.bytes,
                        r.warmup,
                        number(Some(r.elapsed_s)),
                        number(Some(sample.usage.cpu_s)),
                        number(Some(sample.usage.max_rss_kib)),
                        number(r.allocs),
                        p(0),
                        p(1),
                        p(2)
                    )
                })
                .collect();
            let _ = write!(json, ",\"runs\":[{}]}}", runs.join(","));
        }
    }
    json
}

fn idle_json(idle: &Idle) -> String {
    let mut json = format!(
        "{{\"client\":{},\"role\":\"{}\"",
        quote(idle.client.name()),
        idle.role.as_str()
    );
    match &idle.measured {
        Ok(m) => {
            let _ = write!(
                json,
                ",\"status\":\"ok\",\"window_s\":{},\"wakeups_per_s\":{},\"idle_switches_per_s\":{},                 \"baseline_switches_per_s\":{},\"threads\":{},\"baseline_threads\":{}}}",
                number(Some(m.window_s)),
                number(Some(m.wakeups_per_s)),
                number(Some(m.idle_per_s)),
                number(Some(m.baseline_per_s)),
                m.threads,
                m.baseline_threads
            );
        }
        Err(why) => {
            let _ = write!(json, ",\"status\":\"failed\",\"reason\":{}}}", quote(why));
        }
    }
    json
}

fn to_json(context: &Context, results: &Results, idle: &[Idle]) -> String {
    let machine: Vec<String> = context
        .machine
        .iter()
        .map(|(name, value)| format!("{}:{}", quote(name), quote(value)))
        .collect();
    let mut json = format!(
        "{{\"machine\":{{{}}},\"quick\":{},\"runs\":{},\"pinning\":{},\"elapsed_s\":{},\"reference\":{},\"scenarios\":[",
        machine.join(","),
        context.quick,
        context.runs,
        quote(&context.pinning),
        number(Some(context.elapsed_s)),
        quote(REFERENCE.name())
    );
    for (index, (scenario, rows)) in results.iter().enumerate() {
        let (reference, ceiling) = (reference(rows), ceiling(rows));
        let reference_settings = reference_row(rows).map(|row| row.settings.as_str());
        let rows_json: Vec<String> = rows
            .iter()
            .map(|row| row_json(row, is_faster_of_two(rows, row), reference, ceiling))
            .collect();
        let _ = write!(
            json,
            "{}\n{{\"id\":{},\"title\":{},\"mode\":\"{}\",\"partitions\":{},\"size\":{},\"acks\":{},\
             \"compression\":{},\"idempotent\":{},\"count\":{},\"warmup\":{},\
             \"reference_settings\":{},\"results\":[{}]}}",
            if index == 0 { "" } else { "," },
            quote(scenario.id),
            quote(scenario.title),
            scenario.mode.as_str(),
            scenario.partitions,
            scenario.size,
            quote(scenario.acks),
            quote(scenario.compression),
            scenario.idempotent,
            scenario.count(context.quick),
            scenario.warmup(context.quick),
            reference_settings.map_or("null".into(), quote),
            rows_json.join(",\n")
        );
    }
    let idle: Vec<String> = idle.iter().map(idle_json).collect();
    let _ = write!(json, "],\n\"idle\":[{}]}}\n", idle.join(",\n"));
    json
}

/// The clients that have a row in every scenario, once each, for legends and overviews.
pub(crate) fn clients(results: &Results) -> Vec<Client> {
    let mut clients: Vec<Client> = Vec::new();
    for row in results.first().map_or(&[][..], |(_, rows)| rows.as_slice()) {
        if !clients.contains(&row.client) {
            clients.push(row.client);
        }
    }
    clients
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::client::Settings;
    use super::super::idle::{Role, Wakeups};
    use super::super::run::{Reported, Sample, Usage};
    use super::super::scenario::SCENARIOS;
    use super::*;

    /// A small result set: librdkafka (defaults slower than tuned), franz-go and replay
    /// measured, franzl pending, rskafka failed.
    pub(crate) fn results() -> Vec<(Scenario, Vec<Row>)> {
        let sample = |rate: f64| Sample {
            reported: Reported {
                records: 1000,
                bytes: 100_000,
                elapsed_s: 1000.0 / rate,
                warmup: 100,
                allocs: None,
                percentiles: Some([100.0, 200.0, 300.0]),
                transactions: None,
            },
            usage: Usage {
                cpu_s: 0.5,
                max_rss_kib: 10240.0,
            },
        };
        let row = |client, settings, outcome, note| Row {
            client,
            settings,
            tuning: match settings {
                Settings::Tuned => "linger.ms=100".into(),
                Settings::Defaults => String::new(),
            },
            outcome,
            note,
        };
        let measured = |client, settings, rate| {
            let samples = vec![sample(rate)];
            let figures = Figures::of(&samples).unwrap();
            let outcome = Outcome::Measured {
                samples,
                figures: Box::new(figures),
            };
            row(client, settings, outcome, None)
        };
        let rows = vec![
            row(
                Client::Franzl,
                Settings::Defaults,
                Outcome::NotApplicable("pending: not yet".into()),
                None,
            ),
            measured(Client::Rdkafka, Settings::Defaults, 1000.0),
            measured(Client::Rdkafka, Settings::Tuned, 2000.0),
            measured(Client::FranzGo, Settings::Defaults, 3000.0),
            row(
                Client::Rskafka,
                Settings::Defaults,
                Outcome::Failed("count \"x\"".into()),
                Some("acks=all"),
            ),
            measured(Client::Replay, Settings::Defaults, 4000.0),
        ];
        let roundtrip = SCENARIOS.iter().find(|s| s.id == "roundtrip-100").unwrap();
        vec![(SCENARIOS[0], rows.clone()), (*roundtrip, rows)]
    }

    /// Idle rows: franzl measured, librdkafka failed.
    pub(crate) fn idle() -> Vec<Idle> {
        vec![
            Idle {
                client: Client::Franzl,
                role: Role::Consumer,
                measured: Ok(Wakeups {
                    window_s: 2.0,
                    wakeups_per_s: 2.5,
                    idle_per_s: 4.0,
                    baseline_per_s: 1.5,
                    threads: 3,
                    baseline_threads: 1,
                }),
            },
            Idle {
                client: Client::Rdkafka,
                role: Role::Producer,
                measured: Err("no broker".into()),
            },
        ]
    }

    pub(crate) fn context() -> Context {
        Context {
            machine: vec![("cpu", "test <cpu>".into())],
            quick: true,
            runs: 1,
            pinning: "none".into(),
            elapsed_s: 1.0,
        }
    }

    #[test]
    fn json_report_has_every_row_and_the_ratios() {
        let json = to_json(&context(), &results(), &idle());
        assert!(json.contains(
            "\"client\":\"franzl\",\"settings\":\"defaults\",\"tuning\":\"\",\"status\":\"pending\""
        ));
        assert!(json.contains("\"client\":\"rskafka\",\"settings\":\"defaults\",\"tuning\":\"\",\"status\":\"failed\",\"note\":\"acks=all\",\"reason\":\"count \\\"x\\\"\""));
        // Ratios are to librdkafka's faster row, the tuned one here.
        assert!(json.contains("\"reference_settings\":\"tuned\""));
        assert!(json.contains("\"ratio_to_librdkafka\":{\"records_per_s\":1.5,"));
        assert!(json.contains("\"ratio_to_librdkafka\":{\"records_per_s\":0.5,"));
        assert!(json.contains(
            "\"settings\":\"tuned\",\"tuning\":\"linger.ms=100\",\"status\":\"ok\",\"note\":null,\
             \"faster_of_its_two_rows\":true"
        ));
        assert!(json.contains(
            "\"role\":\"consumer\",\"status\":\"ok\",\"window_s\":2,\"wakeups_per_s\":2.5"
        ));
        assert!(
            json.contains("\"role\":\"producer\",\"status\":\"failed\",\"reason\":\"no broker\"")
        );
        assert!(json.contains("\"share_of_replay\":{\"records_per_s\":0.75}"));
        assert_eq!(json.matches('{').count(), json.matches('}').count());
    }

    #[test]
    fn the_reference_is_the_faster_of_librdkafkas_rows() {
        let (_, rows) = &results()[0];
        let reference = reference_row(rows).unwrap();
        assert_eq!(reference.settings, Settings::Tuned);
        assert!(is_faster_of_two(rows, reference));
        let defaults = rows
            .iter()
            .find(|row| row.client == REFERENCE && row.settings == Settings::Defaults)
            .unwrap();
        assert!(!is_faster_of_two(rows, defaults));
        let franz_go = rows
            .iter()
            .find(|row| row.client == Client::FranzGo)
            .unwrap();
        assert!(
            !is_faster_of_two(rows, franz_go),
            "one row, nothing to be faster than"
        );
        let mut not_run = rows.clone();
        not_run.push(Row {
            settings: Settings::Tuned,
            outcome: Outcome::NotApplicable("no setting".into()),
            ..franz_go.clone()
        });
        assert!(
            !is_faster_of_two(&not_run, franz_go),
            "a row not run is not slower"
        );
        assert_eq!(
            clients(&results()),
            [
                Client::Franzl,
                Client::Rdkafka,
                Client::FranzGo,
                Client::Rskafka,
                Client::Replay
            ]
        );
    }

    #[test]
    fn ratios() {
        assert_eq!(ratio(Some(3.0), Some(2.0)), Some(1.5));
        assert_eq!(ratio(Some(3.0), Some(0.0)), None);
        assert_eq!(ratio(None, Some(1.0)), None);
    }
}
