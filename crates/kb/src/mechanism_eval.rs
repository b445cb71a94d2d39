//! Measured quality of the mechanism level: pairs of cases kept in `tests/eval/mechanisms.toml`
//! (written from the case texts before the method was tuned), cross-field pairs that share a
//! mechanism and same-cause pairs that do not. Pair recall is the share of `same` pairs put in
//! one mechanism; negative precision the share of `different` pairs not put in one. The same
//! pairs also judge a case page's similar cases: whether each case of a `same` pair lists the
//! other, from another field, among its first five.

use std::collections::HashSet;

use notbetter_cluster::mechanism::{assign, Catalogue, MechanismParams, Mechanisms};
use notbetter_taxonomy::Case;
use serde::{Deserialize, Serialize};

use crate::eval::Half;

#[derive(Debug, Clone, Deserialize)]
pub struct SamePair {
    pub a: String,
    pub b: String,
    pub mechanism: String,
    pub half: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DifferentPair {
    pub a: String,
    pub b: String,
    #[serde(default)]
    pub mechanisms: Vec<String>,
    pub half: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Pairs {
    pub same: Vec<SamePair>,
    pub different: Vec<DifferentPair>,
}

/// Parses the pairs file.
pub fn parse_pairs(text: &str) -> Result<Pairs, String> {
    toml::from_str(text).map_err(|e| format!("tests/eval/mechanisms.toml: {}", e.message()))
}

/// The mechanism-level figures on one half.
#[derive(Debug, Clone, Serialize)]
pub struct MechanismReport {
    pub half: Half,
    pub same_pairs: usize,
    pub pair_recall: f64,
    pub different_pairs: usize,
    pub negative_precision: f64,
    /// The same figures with the curators' member lists off: the text rule alone.
    pub text_only_pair_recall: f64,
    pub text_only_negative_precision: f64,
    /// Share of all cases given a mechanism.
    pub coverage: f64,
    /// Mechanisms with members, and those spanning two or more top-level domains.
    pub mechanisms: usize,
    pub cross_field: usize,
    /// `same` pairs not put together: (a, b, the mechanism the judge named, what each got).
    pub missed: Vec<(String, String, String, String, String)>,
    /// `different` pairs put together: (a, b, the mechanism both got).
    pub merged: Vec<(String, String, String)>,
}

fn in_half(half: Half, h: &str) -> bool {
    match half {
        Half::All => true,
        Half::Tune => h == "tune",
        Half::Report => h == "report",
    }
}

fn figures(m: &Mechanisms, pairs: &Pairs, half: Half) -> (usize, f64, usize, f64) {
    let same: Vec<&SamePair> = pairs
        .same
        .iter()
        .filter(|p| in_half(half, &p.half))
        .collect();
    let diff: Vec<&DifferentPair> = pairs
        .different
        .iter()
        .filter(|p| in_half(half, &p.half))
        .collect();
    let together = |a: &str, b: &str| m.together(a, b);
    let hit = same.iter().filter(|p| together(&p.a, &p.b)).count();
    let apart = diff.iter().filter(|p| !together(&p.a, &p.b)).count();
    let ratio = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    (
        same.len(),
        ratio(hit, same.len()),
        diff.len(),
        ratio(apart, diff.len()),
    )
}

/// Scores `params` on `half` of `pairs` over `cases`. Pairs naming a case that is not there
/// are an error (the set and the cases must agree).
pub fn evaluate(
    cases: &[Case],
    catalogue: &Catalogue,
    params: &MechanismParams,
    pairs: &Pairs,
    half: Half,
) -> Result<MechanismReport, String> {
    let ids: HashSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    for (a, b) in pairs
        .same
        .iter()
        .map(|p| (&p.a, &p.b))
        .chain(pairs.different.iter().map(|p| (&p.a, &p.b)))
    {
        for id in [a, b] {
            if !ids.contains(id.as_str()) {
                return Err(format!("mechanism pair names `{id}`, which is not a case"));
            }
        }
    }
    let m = assign(cases, catalogue, params);
    let text_only = assign(
        cases,
        catalogue,
        &MechanismParams {
            curated: false,
            ..params.clone()
        },
    );
    let (same_pairs, pair_recall, different_pairs, negative_precision) = figures(&m, pairs, half);
    let (_, text_only_pair_recall, _, text_only_negative_precision) =
        figures(&text_only, pairs, half);
    let got = |id: &str| {
        m.of.get(id)
            .map(|v| v.join("+"))
            .unwrap_or_else(|| "-".into())
    };
    let missed = pairs
        .same
        .iter()
        .filter(|p| in_half(half, &p.half))
        .filter(|p| !m.together(&p.a, &p.b))
        .map(|p| {
            (
                p.a.clone(),
                p.b.clone(),
                p.mechanism.clone(),
                got(&p.a),
                got(&p.b),
            )
        })
        .collect();
    let merged = pairs
        .different
        .iter()
        .filter(|p| in_half(half, &p.half))
        .filter(|p| m.together(&p.a, &p.b))
        .map(|p| (p.a.clone(), p.b.clone(), got(&p.a)))
        .collect();
    Ok(MechanismReport {
        half,
        same_pairs,
        pair_recall,
        different_pairs,
        negative_precision,
        text_only_pair_recall,
        text_only_negative_precision,
        coverage: m.of.len() as f64 / cases.len().max(1) as f64,
        mechanisms: m.clusters.len(),
        cross_field: m.cross_field().count(),
        missed,
        merged,
    })
}

/// How a case page's similar cases fare on the pairs: each `same` pair read both ways (does
/// `a` list `b` among its first five similar cases, and at which rank among its first 20), and
/// how many `different` pairs list each other among the first five.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarReport {
    pub half: Half,
    /// `same` pairs read both ways.
    pub directed_pairs: usize,
    pub recall_at_5: f64,
    /// Mean reciprocal rank of the partner among the first 20 (0 when it is not there).
    pub mrr_at_20: f64,
    pub different_pairs: usize,
    /// Share of `different` pairs of which one lists the other among its first five.
    pub different_in_top_5: f64,
}

/// Scores the similar cases of `kb` on `half` of `pairs`.
pub fn evaluate_similar(
    kb: &crate::KnowledgeBase,
    pairs: &Pairs,
    half: Half,
) -> crate::Result<SimilarReport> {
    // The index keeps each case's similar cases in its own cache.
    let similar = |id: &str| -> crate::Result<Vec<String>> {
        Ok(kb.similar(id, 20)?.into_iter().map(|s| s.id).collect())
    };
    let (mut directed, mut found, mut reciprocal) = (0, 0, 0.0);
    for p in pairs.same.iter().filter(|p| in_half(half, &p.half)) {
        for (a, b) in [(&p.a, &p.b), (&p.b, &p.a)] {
            directed += 1;
            if let Some(rank) = similar(a)?.iter().position(|id| id == b) {
                found += usize::from(rank < 5);
                reciprocal += 1.0 / (rank + 1) as f64;
            }
        }
    }
    let (mut different, mut close) = (0, 0);
    for p in pairs.different.iter().filter(|p| in_half(half, &p.half)) {
        different += 1;
        let listed = |other: &str, list: &[String]| list.iter().take(5).any(|id| id == other);
        if listed(&p.b, &similar(&p.a)?) || listed(&p.a, &similar(&p.b)?) {
            close += 1;
        }
    }
    let ratio = |n: f64, d: usize| if d == 0 { 0.0 } else { n / d as f64 };
    Ok(SimilarReport {
        half,
        directed_pairs: directed,
        recall_at_5: ratio(found as f64, directed),
        mrr_at_20: ratio(reciprocal, directed),
        different_pairs: different,
        different_in_top_5: ratio(close as f64, different),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled_cases() -> Vec<Case> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/cases");
        let batch = notbetter_ingest::ingest_paths(
            &[root],
            &notbetter_taxonomy::bundled(),
            &notbetter_taxonomy::Source::Curated,
            &Default::default(),
        );
        batch.cases.into_iter().map(|p| p.case).collect()
    }

    fn pairs() -> Pairs {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/eval/mechanisms.toml");
        parse_pairs(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn every_pair_names_a_bundled_case_and_the_catalogue_is_valid() {
        let cases = bundled_cases();
        let catalogue = Catalogue::bundled(&notbetter_taxonomy::bundled()).unwrap();
        let r = evaluate(
            &cases,
            &catalogue,
            &MechanismParams::default(),
            &pairs(),
            Half::All,
        )
        .unwrap();
        assert!(r.same_pairs >= 80 && r.different_pairs >= 80);
    }
}
