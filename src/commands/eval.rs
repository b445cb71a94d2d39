//! `notbetter eval`: search relevance and label mapping on the evaluation sets in
//! `tests/eval/` (embedded), over the bundled cases in a throwaway data directory, so the
//! figures do not depend on what a local data directory holds.

use anyhow::{anyhow, Context};
use notbetter_kb::eval::{self, Half, LabelReport, QueryReport, Relevance};
use notbetter_kb::eval::{PremortemReport, Recall};
use notbetter_kb::mechanism::{Catalogue, MechanismParams};
use notbetter_kb::mechanism_eval::{self, MechanismReport, SimilarReport};
use notbetter_kb::KnowledgeBase;
use serde::Serialize;

use crate::output::print_json;
use crate::EXIT_OK;

pub const QUERIES: &str = include_str!("../../tests/eval/queries.toml");
pub const LABELS: &str = include_str!("../../tests/eval/labels.toml");
pub const PLANS: &str = include_str!("../../tests/eval/premortem.toml");
pub const MECHANISM_PAIRS: &str = include_str!("../../tests/eval/mechanisms.toml");

#[derive(Serialize)]
struct Report {
    queries: QueryReport,
    labels: LabelReport,
    premortem: PremortemReport,
    mechanisms: MechanismReport,
    similar: SimilarReport,
}

/// What one run of the evaluations measured.
pub type Figures = (
    QueryReport,
    LabelReport,
    PremortemReport,
    MechanismReport,
    SimilarReport,
);

/// Runs both evaluations on `half`.
pub fn run(half: Half, set: &[String]) -> anyhow::Result<Figures> {
    let dir = tempfile::tempdir().context("cannot create a temporary data directory")?;
    let mut mechanism_params = MechanismParams::default();
    let kb = KnowledgeBase::open(dir.path(), notbetter_taxonomy::bundled())?;
    let mut engine =
        notbetter_kb::eval::Premortem::bundled(kb.taxonomy().clone()).map_err(|e| anyhow!(e))?;
    let mut weights = serde_json::to_value(engine.weights)?;
    let set: Vec<String> = set
        .iter()
        .filter(|kv| {
            if let Some((k, v)) = kv
                .strip_prefix("mechanism.")
                .and_then(|rest| rest.split_once('='))
            {
                let v: f32 = v.parse().unwrap_or(f32::NAN);
                match k {
                    "threshold" => mechanism_params.threshold = v,
                    "margin" => mechanism_params.margin = v,
                    "primary_bonus" => mechanism_params.primary_bonus = v,
                    "second" => mechanism_params.second = v,
                    "max_per_case" => mechanism_params.max_per_case = v as usize,
                    "why" => mechanism_params.fields[0] = v,
                    "lessons" => mechanism_params.fields[1] = v,
                    "tags" => mechanism_params.fields[2] = v,
                    "title" => mechanism_params.fields[3] = v,
                    _ => {}
                }
                return false;
            }
            let Some(rest) = kv.strip_prefix("premortem.") else {
                return true;
            };
            if let Some((k, v)) = rest.split_once('=') {
                if let Ok(v) = v.parse::<u64>() {
                    weights[k] = serde_json::json!(v);
                } else if let Ok(v) = v.parse::<f64>() {
                    weights[k] = serde_json::json!(v);
                }
            }
            false
        })
        .cloned()
        .collect();
    engine.weights = serde_json::from_value(weights).map_err(|e| anyhow!("--set: {e}"))?;
    if !set.is_empty() {
        let tuning = kb
            .tuning()
            .with_settings(set.iter().map(String::as_str))
            .map_err(|e| anyhow!("--set {e}"))?;
        kb.set_tuning(tuning);
    }
    kb.seed(&crate::bundled::case_files())?;
    kb.refresh_clusters()?;
    let queries = eval::parse_queries(QUERIES).map_err(|e| anyhow!(e))?;
    let labels = eval::parse_labels(LABELS).map_err(|e| anyhow!(e))?;
    let q = eval::evaluate_queries(&kb, &queries, half)?;
    let l = eval::evaluate_labels(&kb, &labels, half).map_err(|e| anyhow!(e))?;
    let plans = eval::parse_plans(PLANS).map_err(|e| anyhow!(e))?;
    let half_name = match half {
        Half::Tune => "tune",
        Half::Report => "report",
        Half::All => "all",
    };
    let p = eval::evaluate_premortem(&engine, &kb.cases()?, &plans, half_name)?;
    let pairs = mechanism_eval::parse_pairs(MECHANISM_PAIRS).map_err(|e| anyhow!(e))?;
    let catalogue = Catalogue::bundled(kb.taxonomy()).map_err(|e| anyhow!(e))?;
    let m = mechanism_eval::evaluate(&kb.cases()?, &catalogue, &mechanism_params, &pairs, half)
        .map_err(|e| anyhow!(e))?;
    let similar = mechanism_eval::evaluate_similar(&kb, &pairs, half)?;
    Ok((q, l, p, m, similar))
}

pub fn eval(half: &str, json: bool, all: bool, set: &[String]) -> anyhow::Result<u8> {
    let half = Half::parse(half)
        .ok_or_else(|| anyhow!("unknown half `{half}`: expected report, tune or all"))?;
    let (queries, labels, premortem, mechanisms, similar) = run(half, set)?;
    if json {
        print_json(&Report {
            queries,
            labels,
            premortem,
            mechanisms,
            similar,
        })?;
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
    let r = &queries.readings;
    println!(
        "  read as        causes {} of {} borne out by a relevant case (weaker ones {} of {}), mechanisms {} of {}",
        r.causes_right, r.causes, r.weak_causes_right, r.weak_causes, r.mechanisms_right, r.mechanisms
    );
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
    let rules: Vec<String> = labels
        .by_rule
        .iter()
        .map(|(rule, c)| format!("{rule} {} right, {} wrong", c.right, c.wrong))
        .collect();
    println!("  by rule: {}", rules.join("; "));
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
    if all {
        for e in &labels.right {
            println!(
                "  right: {} {:?}: {} by {}",
                e.dimension, e.text, e.got, e.rule
            );
        }
    }
    let recall = |name: &str, r: &Recall| {
        println!(
            "  {name:<14} {:>3} items  recall@3 {:.3}  recall@5 {:.3}  primary in top 3 {:.3}",
            r.items, r.recall_at_3, r.recall_at_5, r.primary_at_3
        )
    };
    println!("\nPre-mortem ({half:?} half)");
    recall("leave-one-out", &premortem.leave_one_out);
    recall("plans", &premortem.plans);
    println!(
        "  listed causes with a precedent from another field: {:.3}",
        premortem.cross_domain_precedents
    );
    for m in &premortem.misses {
        let plan = m.id.len() <= 4 && m.id.starts_with('p');
        if all || plan {
            println!(
                "  {}: expected {}; top 5 {}",
                m.id,
                m.expected.join(", "),
                m.got.join(", ")
            );
        }
    }
    let m = &mechanisms;
    println!(
        "\nMechanisms ({half:?} half): pair recall {:.3} ({} pairs), negative precision {:.3} ({} pairs); \
         text rule alone {:.3} / {:.3}; {} mechanisms with members, {} across fields; {:.0}% of cases assigned",
        m.pair_recall,
        m.same_pairs,
        m.negative_precision,
        m.different_pairs,
        m.text_only_pair_recall,
        m.text_only_negative_precision,
        m.mechanisms,
        m.cross_field,
        m.coverage * 100.0
    );
    for (a, b, want, ga, gb) in &m.missed {
        println!("  missed {a} + {b} ({want}): {ga} / {gb}");
    }
    for (a, b, got) in &m.merged {
        println!("  merged {a} + {b}: both {got}");
    }
    println!(
        "\nSimilar cases ({half:?} half): a pair's other case among the first 5 {:.3} ({} pairs both ways), \
         MRR@20 {:.3}; pairs of different mechanisms listed in the first 5 {:.3} ({} pairs)",
        similar.recall_at_5,
        similar.directed_pairs,
        similar.mrr_at_20,
        similar.different_in_top_5,
        similar.different_pairs
    );
    Ok(EXIT_OK)
}
