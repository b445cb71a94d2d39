//! Measured quality: search relevance and label mapping on the evaluation sets kept in
//! `tests/eval/` (queries with judged relevant cases; messy labels with the slug a curator
//! would choose, or none). Each set is split into a tuning half and a reporting half; the
//! figures that count are the reporting half's.

/// The pre-mortem's own evaluation (leave-one-out and plans), run over this knowledge base's
/// cases by `notbetter eval`.
pub use notbetter_premortem::eval::{
    evaluate as evaluate_premortem, parse_plans, PremortemReport, Recall,
};
pub use notbetter_premortem::Premortem;

use std::collections::{BTreeMap, HashMap, HashSet};

use notbetter_search::SearchRequest;
use notbetter_taxonomy::{Dimension, LabelState, Mapping};
use serde::{Deserialize, Serialize};

use crate::{KnowledgeBase, Result};

/// Which half of an evaluation set to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Half {
    Tune,
    Report,
    All,
}

impl Half {
    pub fn parse(s: &str) -> Option<Half> {
        match s {
            "tune" => Some(Half::Tune),
            "report" => Some(Half::Report),
            "all" => Some(Half::All),
            _ => None,
        }
    }

    fn admits(self, half: &str) -> bool {
        match self {
            Half::All => true,
            Half::Tune => half == "tune",
            Half::Report => half == "report",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalQuery {
    pub id: String,
    pub kind: String,
    pub half: String,
    pub text: String,
    pub relevant: Vec<String>,
    #[serde(default)]
    pub cross_domain: bool,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalLabel {
    pub dimension: String,
    pub text: String,
    /// The slug a curator would choose, or empty when the label must stay unmapped.
    pub expect: String,
    pub half: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize)]
struct QueryFile {
    query: Vec<EvalQuery>,
}

#[derive(Deserialize)]
struct LabelFile {
    label: Vec<EvalLabel>,
}

/// Parses `tests/eval/queries.toml`.
pub fn parse_queries(text: &str) -> std::result::Result<Vec<EvalQuery>, String> {
    toml::from_str::<QueryFile>(text)
        .map(|f| f.query)
        .map_err(|e| format!("queries: {e}"))
}

/// Parses `tests/eval/labels.toml`.
pub fn parse_labels(text: &str) -> std::result::Result<Vec<EvalLabel>, String> {
    toml::from_str::<LabelFile>(text)
        .map(|f| f.label)
        .map_err(|e| format!("labels: {e}"))
}

/// Recall@10, MRR and nDCG@10 over a group of queries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Relevance {
    pub queries: usize,
    /// Relevant cases in the top 10, over min(relevant, 10), averaged.
    pub recall_at_10: f64,
    /// One over the rank of the first relevant case (0 if none in the first 100), averaged.
    pub mrr: f64,
    /// Binary-gain nDCG over the first 10, averaged.
    pub ndcg_at_10: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryOutcome {
    pub id: String,
    pub kind: String,
    pub text: String,
    pub recall_at_10: f64,
    /// Rank of the first relevant case, from 1.
    pub first_relevant: Option<usize>,
    /// Relevant cases not in the top 10.
    pub missed: Vec<String>,
    pub top: Vec<String>,
    /// What the search said it read the question as, each with whether the judgments bear it
    /// out (see [`Readings`]).
    pub read: Vec<ReadOutcome>,
}

/// A cause or mechanism the search read a question as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadOutcome {
    /// "cause", "weak cause" (read on thinner evidence, shown as weaker) or "mechanism".
    pub kind: &'static str,
    pub id: String,
    /// At least one of the question's relevant cases is filed under the cause (or a narrower
    /// one) or assigned to the mechanism.
    pub right: bool,
}

/// How far the readings shown to the reader ("Read as: …") hold: of the causes and mechanisms
/// read, how many at least one relevant case carries. A reading no relevant case carries
/// tells the reader something about their question that the judgments do not support.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Readings {
    pub causes: usize,
    pub causes_right: usize,
    pub weak_causes: usize,
    pub weak_causes_right: usize,
    pub mechanisms: usize,
    pub mechanisms_right: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryReport {
    pub half: Half,
    pub overall: Relevance,
    pub cross_domain: Relevance,
    pub by_kind: BTreeMap<String, Relevance>,
    pub readings: Readings,
    pub outcomes: Vec<QueryOutcome>,
}

fn summarise<'a>(outcomes: impl Iterator<Item = (&'a QueryOutcome, f64)>) -> Relevance {
    let mut r = Relevance::default();
    for (o, ndcg) in outcomes {
        r.queries += 1;
        r.recall_at_10 += o.recall_at_10;
        r.mrr += o.first_relevant.map_or(0.0, |k| 1.0 / k as f64);
        r.ndcg_at_10 += ndcg;
    }
    if r.queries > 0 {
        let n = r.queries as f64;
        r.recall_at_10 /= n;
        r.mrr /= n;
        r.ndcg_at_10 /= n;
    }
    r
}

/// Runs every query of `half` through the knowledge base's search and scores the ranking.
pub fn evaluate_queries(kb: &KnowledgeBase, set: &[EvalQuery], half: Half) -> Result<QueryReport> {
    let causes_of: HashMap<String, Vec<String>> = kb
        .cases()?
        .into_iter()
        .map(|c| {
            let slugs = c
                .causes
                .iter()
                .filter(|l| l.state != LabelState::Unmapped)
                .map(|l| l.value.clone())
                .collect();
            (c.id, slugs)
        })
        .collect();
    let clustering = kb.refresh_clusters()?;
    let members: HashMap<&str, HashSet<&str>> = clustering
        .mechanisms
        .clusters
        .iter()
        .map(|m| {
            (
                m.id.as_str(),
                m.members.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let mut scored: Vec<(QueryOutcome, f64, bool)> = Vec::new();
    let mut readings = Readings::default();
    for q in set.iter().filter(|q| half.admits(&q.half)) {
        let mut req = SearchRequest::new(q.text.clone());
        req.limit = notbetter_search::MAX_LIMIT;
        let results = kb.search(&req)?;
        let relevant: HashSet<&str> = q.relevant.iter().map(String::as_str).collect();
        let mut read = Vec::new();
        let shown = results.reading.causes.iter().map(|c| (c, false));
        let weak = results.reading.weak_causes.iter().map(|c| (c, true));
        for (c, is_weak) in shown.chain(weak) {
            let right = relevant.iter().any(|id| {
                causes_of.get(*id).is_some_and(|slugs| {
                    slugs
                        .iter()
                        .any(|s| notbetter_taxonomy::slug_within(s, &c.slug))
                })
            });
            if is_weak {
                readings.weak_causes += 1;
                readings.weak_causes_right += usize::from(right);
            } else {
                readings.causes += 1;
                readings.causes_right += usize::from(right);
            }
            read.push(ReadOutcome {
                kind: if is_weak { "weak cause" } else { "cause" },
                id: c.slug.clone(),
                right,
            });
        }
        for m in &results.reading.mechanisms {
            let right = members
                .get(m.id.as_str())
                .is_some_and(|ids| relevant.iter().any(|id| ids.contains(id)));
            readings.mechanisms += 1;
            readings.mechanisms_right += usize::from(right);
            read.push(ReadOutcome {
                kind: "mechanism",
                id: m.id.clone(),
                right,
            });
        }
        let ids: Vec<String> = results.hits.into_iter().map(|h| h.id).collect();
        let top10 = &ids[..ids.len().min(10)];
        let found = top10
            .iter()
            .filter(|id| relevant.contains(id.as_str()))
            .count();
        let ideal = relevant.len().min(10);
        let dcg: f64 = top10
            .iter()
            .enumerate()
            .filter(|(_, id)| relevant.contains(id.as_str()))
            .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
            .sum();
        let idcg: f64 = (0..ideal).map(|i| 1.0 / ((i + 2) as f64).log2()).sum();
        let outcome = QueryOutcome {
            id: q.id.clone(),
            kind: q.kind.clone(),
            text: q.text.clone(),
            recall_at_10: if ideal == 0 {
                0.0
            } else {
                found as f64 / ideal as f64
            },
            first_relevant: ids
                .iter()
                .position(|id| relevant.contains(id.as_str()))
                .map(|p| p + 1),
            missed: q
                .relevant
                .iter()
                .filter(|r| !top10.contains(r))
                .cloned()
                .collect(),
            top: top10.iter().take(5).cloned().collect(),
            read,
        };
        let ndcg = if idcg > 0.0 { dcg / idcg } else { 0.0 };
        scored.push((outcome, ndcg, q.cross_domain));
    }
    let mut by_kind = BTreeMap::new();
    let kinds: std::collections::BTreeSet<&str> =
        scored.iter().map(|(o, _, _)| o.kind.as_str()).collect();
    for kind in kinds {
        by_kind.insert(
            kind.to_string(),
            summarise(
                scored
                    .iter()
                    .filter(|(o, _, _)| o.kind == kind)
                    .map(|(o, n, _)| (o, *n)),
            ),
        );
    }
    Ok(QueryReport {
        half,
        overall: summarise(scored.iter().map(|(o, n, _)| (o, *n))),
        cross_domain: summarise(scored.iter().filter(|s| s.2).map(|(o, n, _)| (o, *n))),
        by_kind,
        readings,
        outcomes: scored.into_iter().map(|(o, _, _)| o).collect(),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelOutcome {
    pub dimension: String,
    pub text: String,
    pub expect: String,
    /// The slug it was mapped to (by any rule), or empty.
    pub got: String,
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelReport {
    pub half: Half,
    pub labels: usize,
    /// Labels that should map.
    pub mappable: usize,
    pub mapped: usize,
    pub correct: usize,
    /// Correct mappings over all mappings.
    pub precision: f64,
    /// Correct mappings over the labels that should map.
    pub recall: f64,
    /// Per rule that mapped a label ("alias" for an exact alias): how many it mapped right
    /// and how many wrong (to another slug, or when the label should stay unmapped).
    pub by_rule: BTreeMap<String, RuleCount>,
    /// Every label mapped wrongly, mapped when it should not be, or left unmapped.
    pub errors: Vec<LabelOutcome>,
    /// Every label mapped right.
    pub right: Vec<LabelOutcome>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    pub right: usize,
    pub wrong: usize,
}

/// Maps every label of `half` and scores the mapping against the curator's slugs.
pub fn evaluate_labels(
    kb: &KnowledgeBase,
    set: &[EvalLabel],
    half: Half,
) -> std::result::Result<LabelReport, String> {
    let mut r = LabelReport {
        half,
        labels: 0,
        mappable: 0,
        mapped: 0,
        correct: 0,
        precision: 0.0,
        recall: 0.0,
        by_rule: BTreeMap::new(),
        errors: Vec::new(),
        right: Vec::new(),
    };
    for l in set.iter().filter(|l| half.admits(&l.half)) {
        let dim = Dimension::parse(&l.dimension)
            .ok_or_else(|| format!("label {:?}: unknown dimension {:?}", l.text, l.dimension))?;
        r.labels += 1;
        let (got, rule) = match kb.map_label(dim, &l.text) {
            Mapping::Mapped { slug } => (slug, "alias".to_string()),
            Mapping::Matched { slug, rule, .. } => (slug, rule.to_string()),
            Mapping::Unmapped { .. } => (String::new(), String::new()),
        };
        if !l.expect.is_empty() {
            r.mappable += 1;
        }
        if !got.is_empty() {
            r.mapped += 1;
            let count = r.by_rule.entry(rule.clone()).or_default();
            if got == l.expect {
                count.right += 1;
            } else {
                count.wrong += 1;
            }
        }
        let right = !got.is_empty() && got == l.expect;
        let outcome = LabelOutcome {
            dimension: l.dimension.clone(),
            text: l.text.clone(),
            expect: l.expect.clone(),
            got,
            rule,
        };
        if right {
            r.correct += 1;
            r.right.push(outcome);
        } else if outcome.got != outcome.expect {
            r.errors.push(outcome);
        }
    }
    r.precision = if r.mapped == 0 {
        1.0
    } else {
        r.correct as f64 / r.mapped as f64
    };
    r.recall = if r.mappable == 0 {
        1.0
    } else {
        r.correct as f64 / r.mappable as f64
    };
    Ok(r)
}
