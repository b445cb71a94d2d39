//! Server-side SVG charts and heatmap shading; no chart library reaches the browser.

use maud::{html, Markup};

/// One bar: a label, a count and where clicking it leads.
pub struct Bar {
    pub label: String,
    pub count: u64,
    pub href: String,
}

/// A horizontal bar chart. Bars are links; the chart has a title and a text alternative.
pub fn bar_chart(title: &str, bars: &[Bar]) -> Markup {
    let max = bars.iter().map(|b| b.count).max().unwrap_or(1).max(1);
    let row = 26;
    let label_w = 260;
    let bar_w = 300;
    let height = bars.len() * row + 10;
    let width = label_w + bar_w + 50;
    html! {
        figure.chart {
            // Not role="img": the bars are links, and an image cannot hold interactive content.
            svg aria-labelledby="chart-title" viewBox=(format!("0 0 {width} {height}"))
                width="100%" preserveAspectRatio="xMinYMin meet" {
                title #chart-title { (title) }
                @for (i, b) in bars.iter().enumerate() {
                    @let y = i * row + 5;
                    @let w = ((b.count as f64 / max as f64) * bar_w as f64).round().max(2.0);
                    a href=(b.href) {
                        text.chart-label x=(label_w - 8) y=(y + 16) text-anchor="end" { (b.label) }
                        rect.chart-bar x=(label_w) y=(y + 3) width=(w) height="18" rx="3" {}
                        text.chart-count x=(label_w as f64 + w + 6.0) y=(y + 16) { (b.count) }
                    }
                }
            }
            figcaption { (title) }
        }
    }
}

/// The CSS class for a heatmap cell: six steps from empty to the maximum.
pub fn heat_class(count: u64, max: u64) -> &'static str {
    if count == 0 || max == 0 {
        return "heat-0";
    }
    let step = ((count as f64 / max as f64) * 5.0).ceil() as u8;
    match step {
        0 | 1 => "heat-1",
        2 => "heat-2",
        3 => "heat-3",
        4 => "heat-4",
        _ => "heat-5",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_steps() {
        assert_eq!(heat_class(0, 10), "heat-0");
        assert_eq!(heat_class(1, 10), "heat-1");
        assert_eq!(heat_class(10, 10), "heat-5");
        assert_eq!(heat_class(6, 10), "heat-3");
    }

    #[test]
    fn bars_are_links_with_escaped_labels() {
        let svg = bar_chart(
            "Causes",
            &[Bar {
                label: "<b>x</b>".into(),
                count: 3,
                href: "/search?cause=a".into(),
            }],
        )
        .into_string();
        assert!(svg.contains("href=\"/search?cause=a\""));
        assert!(svg.contains("&lt;b&gt;x&lt;/b&gt;"));
    }
}
