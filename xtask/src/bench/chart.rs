//! `report.svg`: for every scenario, one bar per measured client showing its records/s as a
//! multiple of librdkafka's, with a line at 1×, and the absolute figure at the bar's end. Clients
//! without figures (pending slots, not applicable, failed) are named under the scenario instead.
//!
//! Plain SVG 1.1 written by hand: no scripts, no external fonts, readable in any browser.

use std::fmt::Write as _;

use super::client::Client;
use super::markdown::figure;
use super::report::{Context, Results, clients, ratio, reference, status};

const WIDTH: f64 = 960.0;
const LABEL: f64 = 300.0;
const BAR_SPAN: f64 = 560.0;
const BAR: f64 = 16.0;
const GAP: f64 = 4.0;

fn colour(client: Client) -> &'static str {
    match client {
        Client::Franzl => "#d62728",
        Client::Rdkafka => "#1f77b4",
        Client::Java => "#ff7f0e",
        Client::Rskafka => "#2ca02c",
        Client::FranzGo => "#9467bd",
        Client::Replay => "#7f7f7f",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The chart.
pub(crate) fn render(context: &Context, results: &Results) -> String {
    let ratios: Vec<f64> = results
        .iter()
        .flat_map(|(_, rows)| {
            let reference = reference(rows).map(|f| f.records_per_s.median);
            rows.iter().filter_map(move |row| {
                ratio(row.figures().map(|f| f.records_per_s.median), reference)
            })
        })
        .collect();
    // Round the scale up to a half, at least 1.5× so the 1× line never sits at the edge.
    let top = (ratios.iter().copied().fold(1.5, f64::max) * 2.0).ceil() / 2.0;
    let x = |ratio: f64| LABEL + BAR_SPAN * (ratio / top).min(1.0);
    let mut body = String::new();
    let mut y = 70.0;
    for (scenario, rows) in results {
        let _ = writeln!(
            body,
            "<text x=\"10\" y=\"{:.0}\" class=\"scenario\">{}</text>",
            y + 12.0,
            escape(scenario.title)
        );
        y += 20.0;
        let reference = reference(rows).map(|f| f.records_per_s.median);
        let mut absent = Vec::new();
        for row in rows {
            let (Some(figures), Some(ratio)) = (
                row.figures(),
                ratio(row.figures().map(|f| f.records_per_s.median), reference),
            ) else {
                absent.push(format!("{}: {}", row.client.name(), status(row)));
                continue;
            };
            let _ = writeln!(
                body,
                "<text x=\"{:.0}\" y=\"{:.0}\" class=\"client\">{}</text>\
                 <rect x=\"{LABEL}\" y=\"{y:.0}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{}\"/>\
                 <text x=\"{:.1}\" y=\"{:.0}\" class=\"value\">{ratio:.2}× ({} rec/s)</text>",
                LABEL - 8.0,
                y + 12.0,
                row.client.name(),
                x(ratio) - LABEL,
                colour(row.client),
                x(ratio) + 4.0,
                y + 12.0,
                figure(figures.records_per_s.median)
            );
            y += BAR + GAP;
        }
        if !absent.is_empty() {
            let _ = writeln!(
                body,
                "<text x=\"{LABEL}\" y=\"{:.0}\" class=\"absent\">{}</text>",
                y + 10.0,
                escape(&absent.join(" · "))
            );
            y += 16.0;
        }
        y += 12.0;
    }
    let height = y + 10.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height:.0}\" viewBox=\"0 0 {WIDTH} {height:.0}\">\n\
         <style>text{{font-family:sans-serif;font-size:12px}} .title{{font-size:16px;font-weight:bold}} \
         .scenario{{font-weight:bold}} .client{{text-anchor:end}} .value{{fill:#333}} .absent{{fill:#888;font-style:italic}} \
         .axis{{fill:#555;text-anchor:middle}}</style>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"22\" class=\"title\">records/s as a multiple of librdkafka's{}</text>\n",
        if context.quick {
            " (--quick: figures mean nothing)"
        } else {
            ""
        }
    );
    let machine = context
        .machine
        .iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .take(2)
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        svg,
        "<text x=\"10\" y=\"40\" class=\"absent\">{}; {}</text>",
        escape(&machine),
        escape(&context.pinning)
    );
    // Grid lines at every half, the 1× line darker.
    let mut tick = 0.0;
    while tick <= top + 1e-9 {
        let stroke = if (tick - 1.0).abs() < 1e-9 {
            "#000"
        } else {
            "#ddd"
        };
        let _ = writeln!(
            svg,
            "<line x1=\"{0:.1}\" y1=\"58\" x2=\"{0:.1}\" y2=\"{1:.0}\" stroke=\"{stroke}\"/>\
             <text x=\"{0:.1}\" y=\"54\" class=\"axis\">{tick}×</text>",
            x(tick),
            height - 10.0
        );
        tick += 0.5;
    }
    svg.push_str(&body);
    let legend: Vec<String> = clients(results)
        .iter()
        .map(|client| client.name().to_string())
        .collect();
    let _ = writeln!(svg, "<!-- clients: {} -->\n</svg>", legend.join(", "));
    svg
}

#[cfg(test)]
mod tests {
    use super::super::report::tests::{context, results};
    use super::*;

    #[test]
    fn bars_for_the_measured_and_names_for_the_rest() {
        let svg = render(&context(), &results());
        assert!(svg.starts_with("<svg "));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(
            svg.matches("<rect x=").count(),
            4,
            "two measured clients in two scenarios"
        );
        assert!(svg.contains("1.50× (3 000 rec/s)"));
        assert!(svg.contains("franzl: pending · rskafka: failed"));
        assert!(svg.contains("test &lt;cpu&gt;"));
    }
}
