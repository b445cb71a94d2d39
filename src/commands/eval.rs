//! `notbetter eval`: search relevance and label mapping on the evaluation sets in
//! `tests/eval/` (embedded), over the bundled cases in a throwaway data directory, so the
//! figures do not depend on what a local data directory holds.

use anyhow::{anyhow, Context};
use notbetter_kb::eval::{self, Half, LabelReport, QueryReport, Relevance};
use notbetter_kb::KnowledgeBase;
use serde::Serialize;

use crate::output::print_json;
use crate::EXIT_OK;

pub const QUERIES: &str = include_str!("../../tests/eval/queries.toml");
pub const LABELS: &str = include_str!("../../tests/eval/labels.toml");

#[derive(Serialize)]
struct Report {
    queries: QueryReport,
    labels: LabelReport,
}

/// Runs both evaluations on `half`.
pub fn run(half: Half, set: &[String]) -> anyhow::Result<(QueryReport, LabelReport)> {
    let dir = tempfile::tempdir().context("cannot create a temporary data directory")?;
    let kb = KnowledgeBase::open(dir.path(), notbetter_taxonomy::bundled())?;
    if !set.is_empty() {
        let mut tuning = serde_json::to_value(kb.index().tuning())?;
        for kv in set {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| anyhow!("--set {kv:?}: expected NAME=VALUE"))?;
            let v: f64 = v
                .parse()
                .map_err(|_| anyhow!("--set {kv:?}: the value is not a number"))?;
            tuning[k] = serde_json::json!(v);
        }
        let tuning = serde_json::from_value(tuning).map_err(|e| anyhow!("--set: {e}"))?;
        kb.index().set_tuning(tuning);
    }
    kb.seed(&crate::bundled::case_files())?;
    let queries = eval::parse_queries(QUERIES).map_err(|e| anyhow!(e))?;
    let labels = eval::parse_labels(LABELS).map_err(|e| anyhow!(e))?;
    let q = eval::evaluate_queries(&kb, &queries, half)?;
    let l = eval::evaluate_labels(kb.taxonomy(), &labels, half).map_err(|e| anyhow!(e))?;
    Ok((q, l))
}

pub fn eval(half: &str, json: bool, all: bool, set: &[String]) -> anyhow::Result<u8> {
    let half = Half::parse(half)
        .ok_or_else(|| anyhow!("unknown half `{half}`: expected report, tune or all"))?;
    let (queries, labels) = run(half, set)?;
    if json {
        print_json(&Report { queries, labels })?;
        return Ok(EXIT_OK);
    }
    let row = |name: &str, r: &Relevance| {
        println!(
            "  {name:<14} {:>3} queries  recall@10 {:.3}  MRR {:.3}  nDCG@10 {:.3}",
            r.queries, r.recall_at_10, r.mrr, r.ndcg_at_10
        )
    };
    println!("Search ({half:?} half)");
    row("all", &queries.overall);
    row("cross-domain", &queries.cross_domain);
    for (kind, r) in &queries.by_kind {
        row(kind, r);
    }
    println!();
    for o in &queries.outcomes {
        if all || !o.missed.is_empty() {
            let rank = o.first_relevant.map_or("none in 100".to_string(), |k| {
                format!("first relevant at {k}")
            });
            println!("  {} [{}] {:?}: {rank}", o.id, o.kind, o.text);
            if !o.missed.is_empty() {
                println!("      missed: {}", o.missed.join(", "));
                println!("      top 5:  {}", o.top.join(", "));
            }
        }
    }
    println!(
        "\nLabels ({half:?} half): {} labels, {} should map; precision {:.3} ({} of {} mapped right), recall {:.3}",
        labels.labels, labels.mappable, labels.precision, labels.correct, labels.mapped, labels.recall
    );
    for e in &labels.errors {
        let got = if e.got.is_empty() { "unmapped" } else { &e.got };
        let want = if e.expect.is_empty() {
            "unmapped"
        } else {
            &e.expect
        };
        let rule = if e.rule.is_empty() {
            String::new()
        } else {
            format!(" by {}", e.rule)
        };
        println!(
            "  {} {:?}: {got}{rule}, expected {want}",
            e.dimension, e.text
        );
    }
    Ok(EXIT_OK)
}
