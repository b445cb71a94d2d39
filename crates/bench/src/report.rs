//! The benchmark's report: the JSON shape of issue 7, the targets as checks, and a readable
//! table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::queries::Class;
use crate::stats::{round3, Percentiles, Slowest};

/// One target of the issue, with the figure measured against it.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub target: String,
    /// The figure, or null where this run does not measure it.
    pub value: Option<f64>,
    pub unit: &'static str,
    /// Whether the figure meets the target; null where it is not measured here.
    pub pass: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

fn check(target: &str, value: f64, unit: &'static str, pass: bool, note: &str) -> Check {
    Check {
        target: target.to_string(),
        value: Some(round3(value)),
        unit,
        pass: Some(pass),
        note: note.to_string(),
    }
}

/// What the readable table shows beyond the JSON.
#[derive(Debug, Clone, Default)]
pub struct Details {
    pub seed: u64,
    pub synth_s: f64,
    pub corpus_mb: f64,
    pub ingest_s: f64,
    pub batches: usize,
    pub fts5_build_s: f64,
    pub fts5_mb: f64,
    /// Percentiles over every sample of the mix.
    pub ours_all: Option<Percentiles>,
    /// Percentiles of the counting pass over every sample of the mix: the floor under
    /// `ours_all` that exact facet counts leave.
    pub counting_all: Option<Percentiles>,
    /// Mean milliseconds of one search over every sample of the mix: one core's cost per
    /// search, which bounds the uncached requests a second the machine can answer.
    pub ours_mean_ms: Option<f64>,
    pub fts5_all: Option<Percentiles>,
    pub samples: BTreeMap<&'static str, (usize, usize)>,
    pub cluster_cases: usize,
    pub clusters: usize,
    /// Seconds to assign the cases to mechanisms before the mix (as the server does).
    pub mechanisms_s: f64,
    pub queries: Vec<(Class, String)>,
}

/// The report; `--json` prints it as is.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub cases: usize,
    pub ingest_cases_per_s: f64,
    /// The same cases indexed by the search crate alone (no reading, checking or SQLite): the
    /// rate ingest cannot pass on this machine.
    pub index_only_cases_per_s: f64,
    pub ingest_peak_rss_mb: Option<f64>,
    /// The peak of the process's anonymous memory while ingesting (its own allocations, not the
    /// mapped index files' pages), sampled every 10 ms: what the 1.5 GiB target is about.
    pub ingest_peak_anon_mb: Option<f64>,
    pub index_mb: f64,
    pub search: BTreeMap<&'static str, Percentiles>,
    /// Per class, the pass that only counts the matches: the floor under `search` that exact
    /// counts leave (same index, same queries, same executor).
    pub counting_pass: BTreeMap<&'static str, Percentiles>,
    pub fts5: BTreeMap<&'static str, Percentiles>,
    /// Per class, the query with the highest median: the one that sets the class's tail.
    pub slowest: BTreeMap<&'static str, Slowest>,
    pub ratio_fts5_over_ours: BTreeMap<&'static str, f64>,
    pub cold_start_ms: f64,
    pub freshness_ms: f64,
    /// Median milliseconds of a pre-mortem of a 5,000-word description.
    pub premortem_ms: f64,
    /// Seconds to cluster the cases; null when no clustering crate is built in.
    pub cluster_s: Option<f64>,
    pub checks: BTreeMap<&'static str, Check>,
    #[serde(skip)]
    pub details: Details,
}

/// 1M cases in 90 s.
pub const TARGET_INGEST_PER_S: f64 = 1_000_000.0 / 90.0;
pub const TARGET_RSS_MB: f64 = 1536.0;
pub const TARGET_P50_MS: f64 = 5.0;
pub const TARGET_P99_MS: f64 = 50.0;
pub const TARGET_RATIO: f64 = 10.0;
pub const TARGET_COLD_MS: f64 = 1000.0;
pub const TARGET_FRESH_MS: f64 = 1000.0;

impl Report {
    /// Fills `checks` from the figures.
    pub fn add_checks(&mut self) {
        let scale = if self.cases == 1_000_000 {
            String::new()
        } else {
            format!(
                "the target is set for 1M cases; this run has {}",
                self.cases
            )
        };
        let c = &mut self.checks;
        c.insert(
            "ingest_rate",
            check(
                "1M cases ingested in at most 90 s: at least 11,111 cases/s",
                self.ingest_cases_per_s,
                "cases/s",
                self.ingest_cases_per_s >= TARGET_INGEST_PER_S,
                &format!(
                    "{}{}the search crate alone indexes the same cases at {:.0} cases/s on this \
                     machine, the most ingest could reach",
                    scale,
                    if scale.is_empty() { "" } else { "; " },
                    self.index_only_cases_per_s
                ),
            ),
        );
        if let Some(anon) = self.ingest_peak_anon_mb {
            c.insert(
                "ingest_peak_anon",
                check(
                    "peak anonymous memory while ingesting at most 1.5 GiB",
                    anon,
                    "MB",
                    anon <= TARGET_RSS_MB,
                    &format!(
                        "{scale}{}sampled every 10 ms; VmHWM, which also counts the pages of the \
                         memory-mapped index files the kernel can reclaim, was {} MB",
                        if scale.is_empty() { "" } else { "; " },
                        self.ingest_peak_rss_mb
                            .map_or("?".into(), |m| format!("{m:.0}"))
                    ),
                ),
            );
        }
        if let Some(all) = self.details.ours_all {
            // The floor: the pass that only counts matches, which exact facet counts need.
            let floor = |pick: fn(&Percentiles) -> f64, target: f64| {
                let slowest = self
                    .counting_pass
                    .iter()
                    .max_by(|a, b| pick(a.1).total_cmp(&pick(b.1)));
                match (self.details.counting_all, slowest) {
                    (Some(mix), Some((class, p))) => format!(
                        "{scale}{}the pass that only counts the matches, which exact facet \
                         counts cannot skip, takes {:.1} ms over the mix and {:.1} ms on its \
                         slowest class ({class}){}; docs/performance.md has the profile",
                        if scale.is_empty() { "" } else { "; " },
                        pick(&mix),
                        pick(p),
                        if pick(&mix) <= target {
                            ". Over the mix that is under the target: the rest is scoring the \
                             matches and reading every match's facet values"
                        } else {
                            ""
                        },
                    ),
                    _ => scale.clone(),
                }
            };
            c.insert(
                "search_p50",
                check(
                    "p50 over the mix at most 5 ms",
                    all.p50_ms,
                    "ms",
                    all.p50_ms <= TARGET_P50_MS,
                    &floor(|p| p.p50_ms, TARGET_P50_MS),
                ),
            );
            c.insert(
                "search_p99",
                check(
                    "p99 over the mix at most 50 ms",
                    all.p99_ms,
                    "ms",
                    all.p99_ms <= TARGET_P99_MS,
                    &floor(|p| p.p99_ms, TARGET_P99_MS),
                ),
            );
        }
        for class in Class::ALL {
            let key: &'static str = match class {
                Class::RareTerm => "ratio_rare_term",
                Class::CommonTerm => "ratio_common_term",
                Class::And3 => "ratio_and3",
                Class::Phrase => "ratio_phrase",
                Class::Prefix => "ratio_prefix",
                Class::BrowseFilterOnly => "ratio_browse_filter_only",
                Class::TermWithFacet => "ratio_term_with_facet",
                Class::NaturalLanguage => "ratio_natural_language",
            };
            if let Some(&r) = self.ratio_fts5_over_ours.get(class.name()) {
                c.insert(
                    key,
                    check(
                        "at least 10x faster than FTS5 + GROUP BY (p50), every class has counts",
                        r,
                        "x",
                        r >= TARGET_RATIO,
                        "",
                    ),
                );
            }
        }
        c.insert(
            "cold_start",
            check(
                "first search on an existing data dir within 1 s (at 1M)",
                self.cold_start_ms,
                "ms",
                self.cold_start_ms <= TARGET_COLD_MS,
                &scale,
            ),
        );
        c.insert(
            "freshness",
            check(
                "an approved contribution is searchable within 1 s",
                self.freshness_ms,
                "ms",
                self.freshness_ms <= TARGET_FRESH_MS,
                "",
            ),
        );
        c.insert(
            "premortem",
            check(
                "a pre-mortem of a 5,000-word description within 2 s at 100k cases",
                self.premortem_ms,
                "ms",
                self.premortem_ms <= 2_000.0,
                "",
            ),
        );
        c.insert(
            "http_api_c16",
            Check {
                target:
                    "at least 2,000 requests/s on /api/v1/search at 100k cases, concurrency 16, \
                         zero errors"
                        .into(),
                value: None,
                unit: "requests/s",
                pass: None,
                note: match self.details.ours_mean_ms {
                    Some(mean) => {
                        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                        format!(
                            "measured over HTTP by tests/load/http.sh, not by this command. The \
                             floor at {} cases: one search of the mix costs {mean:.2} ms of one \
                             core on average, so {cores} cores answer at most {:.0} uncached \
                             searches a second before any HTTP, JSON or snippet work",
                            self.cases,
                            cores as f64 * 1000.0 / mean.max(1e-3)
                        )
                    }
                    None => "measured over HTTP by tests/load/http.sh, not by this command".into(),
                },
            },
        );
    }

    /// The report as a readable table.
    pub fn table(&self) -> String {
        let d = &self.details;
        let mut s = String::new();
        let _ = writeln!(s, "notbetter bench: {} cases (seed {})", self.cases, d.seed);
        let _ = writeln!(
            s,
            "corpus      {:>10.1} MB JSONL, written in {:.1} s",
            d.corpus_mb, d.synth_s
        );
        let _ = writeln!(
            s,
            "ingest      {:>10.0} cases/s ({:.1} s, {} batches), peak RSS {} MB, anonymous {} MB",
            self.ingest_cases_per_s,
            d.ingest_s,
            d.batches,
            self.ingest_peak_rss_mb
                .map_or("?".into(), |m| format!("{m:.0}")),
            self.ingest_peak_anon_mb
                .map_or("?".into(), |m| format!("{m:.0}"))
        );
        let _ = writeln!(
            s,
            "index alone {:>10.0} cases/s (the floor: same cases, no reading, checks or SQLite)",
            self.index_only_cases_per_s
        );
        let _ = writeln!(s, "index       {:>10.1} MB on disk", self.index_mb);
        let _ = writeln!(
            s,
            "fts5        {:>10.1} MB on disk, built in {:.1} s",
            d.fts5_mb, d.fts5_build_s
        );
        let _ = writeln!(s, "cold start  {:>10.1} ms", self.cold_start_ms);
        let _ = writeln!(s, "freshness   {:>10.1} ms", self.freshness_ms);
        let _ = writeln!(
            s,
            "mechanisms  {:>10.2} s (assigned before the mix)",
            d.mechanisms_s
        );
        match self.cluster_s {
            Some(c) => {
                let _ = writeln!(
                    s,
                    "clustering  {c:>10.2} s ({} cases, {} clusters)",
                    d.cluster_cases, d.clusters
                );
            }
            None => {
                let _ = writeln!(s, "clustering        n/a");
            }
        }
        let _ = writeln!(
            s,
            "\n{:<20} {:>9} {:>9} {:>9}   {:>9} {:>9} {:>9}   {:>8}  samples",
            "search (ms)", "p50", "p95", "p99", "fts5 p50", "p95", "p99", "fts5/us"
        );
        let row = |name: &str,
                   o: Option<&Percentiles>,
                   f: Option<&Percentiles>,
                   r: Option<f64>,
                   n: String| {
            let p = |x: Option<&Percentiles>, g: fn(&Percentiles) -> f64| {
                x.map_or("-".into(), |x| format!("{:.2}", g(x)))
            };
            format!(
                "{name:<20} {:>9} {:>9} {:>9}   {:>9} {:>9} {:>9}   {:>8}  {n}\n",
                p(o, |x| x.p50_ms),
                p(o, |x| x.p95_ms),
                p(o, |x| x.p99_ms),
                p(f, |x| x.p50_ms),
                p(f, |x| x.p95_ms),
                p(f, |x| x.p99_ms),
                r.map_or("-".into(), |r| format!("{r:.1}x")),
            )
        };
        for class in Class::ALL {
            let k = class.name();
            let n = d
                .samples
                .get(k)
                .map_or(String::new(), |(a, b)| format!("{a}/{b}"));
            s.push_str(&row(
                k,
                self.search.get(k),
                self.fts5.get(k),
                self.ratio_fts5_over_ours.get(k).copied(),
                n,
            ));
        }
        s.push_str(&row(
            "(whole mix)",
            d.ours_all.as_ref(),
            d.fts5_all.as_ref(),
            None,
            String::new(),
        ));
        let _ = writeln!(
            s,
            "\n{:<20} {:>9} {:>9}   {:>14}",
            "counting pass (ms)", "p50", "p99", "of search p50"
        );
        for (k, c) in &self.counting_pass {
            let share = self.search.get(k).map_or("-".into(), |o| {
                format!("{:.0}%", 100.0 * c.p50_ms / o.p50_ms.max(1e-6))
            });
            let _ = writeln!(
                s,
                "{k:<20} {:>9.2} {:>9.2}   {share:>14}",
                c.p50_ms, c.p99_ms
            );
        }
        let _ = writeln!(
            s,
            "\n{:<20} {:>9} {:>9}   query",
            "slowest query (ms)", "p50", "p99"
        );
        for (k, q) in &self.slowest {
            let _ = writeln!(
                s,
                "{k:<20} {:>9.2} {:>9.2}   {}",
                q.latency.p50_ms, q.latency.p99_ms, q.query
            );
        }
        let _ = writeln!(s, "\nchecks");
        for (k, c) in &self.checks {
            let verdict = match c.pass {
                Some(true) => "pass",
                Some(false) => "MISS",
                None => "n/a ",
            };
            let value = c.value.map_or("-".into(), |v| format!("{v} {}", c.unit));
            let _ = writeln!(s, "  {verdict}  {k:<26} {value:<22} {}", c.target);
            if !c.note.is_empty() {
                let _ = writeln!(s, "        {:<26} ({})", "", c.note);
            }
        }
        let _ = writeln!(s, "\nqueries");
        for (class, text) in &d.queries {
            let _ = writeln!(s, "  {:<20} {text}", class.name());
        }
        s
    }
}
