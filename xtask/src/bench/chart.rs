//! `report.svg`: for every scenario, one bar per measured row showing its records/s as a
//! multiple of librdkafka's faster row on a doubling (log2) scale centred on 1×: faster rows reach
//! right, slower ones left, and the absolute figure stands beside each bar; a tuned row's bar is
//! its client's colour, lighter. Ratios beyond 1/16× or 16× are drawn at the edge (the label keeps
//! the true value). Rows without figures (pending slots, not applicable, failed) are named under
//! their scenario.
//!
//! Plain SVG 1.1 written by hand: no scripts, no external fonts, readable in any browser.

use std::fmt::Write as _;

use super::client::{Client, Settings};
use super::markdown::figure;
use super::report::{Context, Results, ratio, reference, status};

const WIDTH: f64 = 1000.0;
/// Where the bars' area starts (client names end here).
const LEFT: f64 = 120.0;
/// The bars' area: 1× in its middle.
const SPAN: f64 = 640.0;
/// Doublings drawn each side of 1×.
const DOUBLINGS: f64 = 4.0;
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

/// The x of `ratio` on the doubling scale, clamped to the bars' area.
fn x(ratio: f64) -> f64 {
    let doublings = ratio.log2().clamp(-DOUBLINGS, DOUBLINGS);
    LEFT + SPAN / 2.0 * (1.0 + doublings / DOUBLINGS)
}

fn axis(svg: &mut String, height: f64) {
    for step in -4i32..=4 {
        let ratio = 2f64.powi(step);
        let label = if step < 0 {
            format!("1/{}×", 1 << -step)
        } else {
            format!("{}×", 1 << step)
        };
        let stroke = if step == 0 { "#000" } else { "#ddd" };
        let _ = writeln!(
            svg,
            "<line x1=\"{0:.1}\" y1=\"62\" x2=\"{0:.1}\" y2=\"{1:.0}\" stroke=\"{stroke}\"/>\
             <text x=\"{0:.1}\" y=\"58\" class=\"axis\">{label}</text>",
            x(ratio),
            height - 10.0
        );
    }
}

/// The chart.
pub(crate) fn render(context: &Context, results: &Results) -> String {
    let centre = x(1.0);
    let mut body = String::new();
    let mut y = 72.0;
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
            let rate = row.figures().map(|f| f.records_per_s.median);
            let (Some(rate), Some(ratio)) = (rate, ratio(rate, reference)) else {
                absent.push(format!("{}: {}", row.name(), status(row)));
                continue;
            };
            let end = x(ratio);
            let (from, width) = if end >= centre {
                (centre, end - centre)
            } else {
                (end, centre - end)
            };
            let _ = writeln!(
                body,
                "<text x=\"{:.0}\" y=\"{:.0}\" class=\"client\">{}</text>\
                 <rect x=\"{from:.1}\" y=\"{y:.0}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{}\" fill-opacity=\"{}\"/>\
                 <text x=\"{:.1}\" y=\"{:.0}\" class=\"value\">{ratio:.2}× ({} rec/s)</text>",
                LEFT - 8.0,
                y + 12.0,
                row.name(),
                width.max(2.0),
                colour(row.client),
                if row.settings == Settings::Tuned {
                    "0.5"
                } else {
                    "1"
                },
                end.max(centre) + 6.0,
                y + 12.0,
                figure(rate)
            );
            y += BAR + GAP;
        }
        if !absent.is_empty() {
            let _ = writeln!(
                body,
                "<text x=\"{LEFT}\" y=\"{:.0}\" class=\"absent\">{}</text>",
                y + 10.0,
                escape(&absent.join(" · "))
            );
            y += 16.0;
        }
        y += 12.0;
    }
    let height = y + 10.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {WIDTH} {height:.0}\">\n\
         <style>text{{font-family:sans-serif;font-size:12px}} .title{{font-size:16px;font-weight:bold}} \
         .scenario{{font-weight:bold}} .client{{text-anchor:end}} .value{{fill:#333}} \
         .absent{{fill:#888;font-style:italic}} .axis{{fill:#555;text-anchor:middle}}</style>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"22\" class=\"title\">records/s as a multiple of librdkafka's \
         (doubling scale){}</text>\n",
        if context.quick {
            ", --quick: the figures mean nothing"
        } else {
            ""
        }
    );
    let machine: Vec<String> = context
        .machine
        .iter()
        .take(2)
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    let _ = writeln!(
        svg,
        "<text x=\"10\" y=\"40\" class=\"absent\">{}; {}; median of {} run(s)</text>",
        escape(&machine.join(", ")),
        escape(&context.pinning),
        context.runs
    );
    axis(&mut svg, height);
    svg.push_str(&body);
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::super::report::tests::{context, results};
    use super::*;

    #[test]
    fn doubling_scale() {
        assert_eq!(x(1.0), LEFT + SPAN / 2.0);
        assert_eq!(x(16.0), LEFT + SPAN);
        assert_eq!(x(1000.0), LEFT + SPAN);
        assert_eq!(x(1.0 / 16.0), LEFT);
        assert_eq!(x(0.0), LEFT);
        assert!((x(2.0) - (LEFT + SPAN * 5.0 / 8.0)).abs() < 1e-9);
    }

    #[test]
    fn bars_for_the_measured_and_names_for_the_rest() {
        let svg = render(&context(), &results());
        assert!(svg.starts_with("<svg "));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(
            svg.matches("<rect x=").count(),
            8,
            "four measured rows in two scenarios"
        );
        assert!(svg.contains("1.50× (3 000 rec/s)"));
        assert!(svg.contains("0.50× (1 000 rec/s)"));
        assert!(svg.contains(">librdkafka tuned</text>"));
        assert_eq!(svg.matches("fill-opacity=\"0.5\"").count(), 2);
        assert!(svg.contains("franzl: pending · rskafka: failed"));
        assert!(svg.contains("test &lt;cpu&gt;"));
    }
}
