//! Groups to readable clusters: the stable id, the label of cause and distinctive terms, the
//! one-line mechanism, the domains spanned and the lessons gathered from the members.

use std::collections::{BTreeSet, HashMap};

use notbetter_taxonomy::{Case, Dimension, LabelState, Taxonomy};
use rustc_hash::FxHashMap;

use crate::sparse::SparseVec;
use crate::text::{sentences, Tokenizer};
use crate::vector::Corpus;
use crate::{Cluster, Params, SharedLesson};

/// Everything labelling needs that is the same for every cluster.
pub(crate) struct Context<'a> {
    pub(crate) cases: &'a [Case],
    pub(crate) corpus: &'a Corpus,
    pub(crate) taxonomy: &'a Taxonomy,
    pub(crate) params: &'a Params,
}

/// A secondary cause is named in the mechanism line when at least this share of the members
/// (and at least two) have it confirmed.
const SECONDARY_CAUSE_SHARE: f32 = 0.5;

/// The stable id: the cause slug and the lexicographically smallest member id, joined by `.`
/// (`model.shortcut-learning.arct-bert-spurious-cues`). Neither slugs nor case ids contain a
/// dot, so the last dot-separated part is the member. It changes only when the cluster's own
/// membership changes at its smallest id or its cause; a case added elsewhere leaves it be.
pub(crate) fn cluster_id(cause: &str, smallest_member: &str) -> String {
    format!("{}.{smallest_member}", cause.replace('/', "."))
}

/// The top-level domain slugs of a case, sorted and without repeats.
pub(crate) fn top_domains(case: &Case) -> Vec<String> {
    let set: BTreeSet<&str> = case
        .domains
        .iter()
        .filter_map(|l| l.slug())
        .map(|s| s.split('/').next().unwrap_or(s))
        .collect();
    set.into_iter().map(str::to_string).collect()
}

pub(crate) fn describe(cx: &Context<'_>, tokenizer: &mut Tokenizer, members: &[usize]) -> Cluster {
    let cause = main_cause(cx.cases, members, cx.params);
    let cause = cause.as_str();
    let mut ids: Vec<&str> = members.iter().map(|&i| cx.cases[i].id.as_str()).collect();
    ids.sort_unstable();
    let mut domain_counts: std::collections::BTreeMap<String, usize> = Default::default();
    for &i in members {
        let tops: BTreeSet<String> = top_domains(&cx.cases[i]).into_iter().collect();
        for d in tops {
            *domain_counts.entry(d).or_default() += 1;
        }
    }
    let domains: Vec<String> = domain_counts.keys().cloned().collect();
    let centroid = SparseVec::mean(members.iter().map(|&i| &cx.corpus.vectors[i]));
    let terms = distinctive_terms(cx, cause, members, &centroid);
    let name = cx.taxonomy.name(Dimension::Cause, cause);
    let shown: Vec<&str> = terms
        .iter()
        .take(cx.params.label_terms)
        .map(String::as_str)
        .collect();
    let label = if shown.is_empty() {
        lower_first(name)
    } else {
        format!("{}: {}", lower_first(name), shown.join(", "))
    };
    Cluster {
        id: cluster_id(cause, ids[0]),
        label,
        cause: cause.to_string(),
        mechanism: mechanism(cx, cause, members, &domains),
        terms,
        members: ids.into_iter().map(str::to_string).collect(),
        domains,
        domain_counts,
        lessons: shared_lessons(cx, tokenizer, members, &centroid),
    }
}

/// The cause the members carry with the most weight, counted as in their vectors (by position,
/// see [`Params::cause_decay`]; inferred causes half); ties go to the smaller slug.
pub(crate) fn main_cause(cases: &[Case], members: &[usize], params: &Params) -> String {
    let mut weights: HashMap<String, f32> = HashMap::new();
    for &i in members {
        for (key, w) in crate::vector::cause_terms(&cases[i], params) {
            if let Some(slug) = key.strip_prefix("cause:") {
                *weights.entry(slug.to_string()).or_default() += w;
            }
        }
    }
    weights
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(slug, _)| slug)
        .unwrap_or_default()
}

/// The text terms most typical of the cluster against the corpus, as display words. A term
/// scores `w ln(p / q)`: `w` its weight in the cluster's centroid (TF-IDF, averaged over the
/// members), `p` the share of members whose vector holds it and `q` the share of all case
/// vectors that do. That is its part in the divergence of the cluster from the corpus, weighted
/// by how much it says in the members that use it: high for a word most members stress and few
/// other cases use. Ties go to the heavier term. In a cluster of two or more a term must occur
/// in at least two members, so one member's pet word cannot name the group; the words of the
/// cause's own name are left out, since the label already starts with it.
fn distinctive_terms(
    cx: &Context<'_>,
    cause: &str,
    members: &[usize],
    centroid: &SparseVec,
) -> Vec<String> {
    let name_stems = Tokenizer::default().stems(cx.taxonomy.name(Dimension::Cause, cause));
    let size = members.len() as f32;
    let total = cx.corpus.vectors.len() as f32;
    let min_members = members.len().min(2);
    // How many members hold each term, in one pass over their vectors.
    let mut holders: FxHashMap<u32, usize> = FxHashMap::default();
    for &i in members {
        for &t in &cx.corpus.vectors[i].idx {
            *holders.entry(t).or_default() += 1;
        }
    }
    let mut scored: Vec<(f32, f32, u32)> = centroid
        .iter()
        .filter(|&(t, _)| cx.corpus.is_text_term(t))
        .filter(|&(t, _)| !name_stems.contains(&cx.corpus.terms[t as usize].key))
        .filter_map(|(t, w)| {
            let count = holders.get(&t).copied().unwrap_or(0);
            if count < min_members {
                return None;
            }
            let p = count as f32 / size;
            let q = cx.corpus.terms[t as usize].vector_df as f32 / total;
            Some((w * (p / q).ln(), w, t))
        })
        .filter(|&(s, _, _)| s > 0.0)
        .collect();
    scored.sort_unstable_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then(a.2.cmp(&b.2))
    });
    let mut out: Vec<String> = Vec::new();
    for (_, _, t) in scored {
        let word = &cx.corpus.terms[t as usize].display;
        if !out.contains(word) {
            out.push(word.clone());
        }
        if out.len() == cx.params.cluster_terms {
            break;
        }
    }
    out
}

/// Fields named in the mechanism line; beyond this many, the most represented are named and
/// the rest counted (the domains are listed in full on the cluster anyway).
const NAMED_FIELDS: usize = 4;

/// One line: the cause, where it was seen, what the taxonomy says it is, and the secondary
/// causes most members share.
fn mechanism(cx: &Context<'_>, cause: &str, members: &[usize], domains: &[String]) -> String {
    let name = cx.taxonomy.name(Dimension::Cause, cause);
    // Fields by how many members come from them, then alphabetically.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for &i in members {
        for d in top_domains(&cx.cases[i]) {
            *counts.entry(d).or_default() += 1;
        }
    }
    let mut per_field: Vec<(usize, &str)> = domains
        .iter()
        .map(|d| (counts.get(d).copied().unwrap_or(0), d.as_str()))
        .collect();
    per_field.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let mut fields: Vec<String> = per_field
        .iter()
        .map(|(_, d)| lower_first(cx.taxonomy.name(Dimension::Domain, d)))
        .collect();
    if fields.len() > NAMED_FIELDS {
        let others = fields.len() - (NAMED_FIELDS - 1);
        fields.truncate(NAMED_FIELDS - 1);
        fields.push(format!("{others} others"));
    }
    let place = match domains.len() {
        0 => String::new(),
        1 => format!(" in {}", fields[0]),
        n => format!(" across {n} fields ({})", join_and(&fields)),
    };
    let description = cx
        .taxonomy
        .get(Dimension::Cause, cause)
        .map(|e| lower_first(e.description.trim()))
        .unwrap_or_default();
    let mut line = if description.is_empty() {
        format!("{name}{place}.")
    } else {
        format!("{name}{place}: {description}")
    };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for &i in members {
        for slug in cx.cases[i].slugs(Dimension::Cause, LabelState::Confirmed) {
            if slug != cause {
                *counts.entry(slug).or_default() += 1;
            }
        }
    }
    let needed = ((members.len() as f32 * SECONDARY_CAUSE_SHARE).ceil() as usize).max(2);
    let mut secondary: Vec<(&str, usize)> =
        counts.into_iter().filter(|&(_, n)| n >= needed).collect();
    secondary.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if !secondary.is_empty() {
        let names: Vec<String> = secondary
            .iter()
            .map(|(s, _)| lower_first(cx.taxonomy.name(Dimension::Cause, s)))
            .collect();
        line.push_str(&format!(" Often with {}.", join_and(&names)));
    }
    line
}

/// From each member with lessons, its sentence closest to the cluster's centroid; the most
/// central first, at most `max_lessons`.
fn shared_lessons(
    cx: &Context<'_>,
    tokenizer: &mut Tokenizer,
    members: &[usize],
    centroid: &SparseVec,
) -> Vec<SharedLesson> {
    let weights: FxHashMap<u32, f32> = centroid.iter().collect();
    let score = |v: SparseVec| -> f32 {
        v.iter()
            .map(|(t, w)| w * weights.get(&t).copied().unwrap_or(0.0))
            .sum()
    };
    let mut picked: Vec<(f32, SharedLesson)> = Vec::new();
    for &i in members {
        let case = &cx.cases[i];
        let best = sentences(&case.lessons)
            .map(|s| (score(cx.corpus.text_vector(tokenizer, s)), s))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.len().cmp(&a.1.len())));
        if let Some((score, text)) = best {
            picked.push((
                score,
                SharedLesson {
                    case_id: case.id.clone(),
                    text: text.to_string(),
                },
            ));
        }
    }
    picked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.case_id.cmp(&b.1.case_id)));
    picked.truncate(cx.params.max_lessons);
    picked.into_iter().map(|(_, l)| l).collect()
}

/// "Shortcut learning" → "shortcut learning", but "LLM evaluation" stays as it is.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_string(),
    }
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{case, corpus};
    use crate::{cluster, Clustering};

    fn clustered() -> Clustering {
        cluster(&corpus(), &notbetter_taxonomy::bundled())
    }

    #[test]
    fn a_cluster_is_labelled_by_cause_and_distinctive_terms() {
        let c = clustered();
        let shortcut = c.cluster_of("nli-overlap").expect("clustered");
        assert_eq!(shortcut.id, "model.shortcut-learning.cxr-hospital");
        assert_eq!(shortcut.cause, "model/shortcut-learning");
        assert_eq!(
            shortcut.members,
            ["cxr-hospital", "music-horse", "nli-overlap"]
        );
        assert_eq!(
            shortcut.domains,
            ["healthcare", "language-technology", "ml-research"]
        );
        // Every member says "artefact"; the cause's own words are not repeated.
        assert!(
            shortcut.label.starts_with("shortcut learning: artefact"),
            "{}",
            shortcut.label
        );
        assert!(!shortcut.terms.iter().any(|t| t.contains("shortcut")));
        // Terms of one member only ("hospital") cannot name a group of three.
        assert!(
            !shortcut.terms.contains(&"hospital".to_string()),
            "{:?}",
            shortcut.terms
        );
        assert_eq!(
            shortcut.mechanism,
            "Shortcut learning across 3 fields (healthcare, language technology and machine \
             learning research): the model relies on a spurious cue that predicts the label in \
             the data but not in the world. Often with confounding."
        );
    }

    #[test]
    fn lessons_are_gathered_one_per_member_most_central_first() {
        let c = clustered();
        let leakage = c.cluster_of("eeg-subject").expect("clustered");
        assert_eq!(leakage.label.split(':').next(), Some("data leakage"));
        let from: Vec<&str> = leakage.lessons.iter().map(|l| l.case_id.as_str()).collect();
        assert_eq!(from.len(), 2);
        assert!(from.contains(&"eeg-subject") && from.contains(&"ppi-protein"));
        // The EEG case has two lesson sentences; the one about splitting is the shared one.
        let eeg = leakage
            .lessons
            .iter()
            .find(|l| l.case_id == "eeg-subject")
            .unwrap();
        assert_eq!(eeg.text, "Split by subject.");
    }

    #[test]
    fn a_singleton_is_labelled_from_its_own_terms() {
        let mut cases = corpus();
        cases.push(case(
            "zz-forecast",
            &["engineering/time-series"],
            &["evaluation/weak-baselines"],
            "A tuned simple baseline matched the transformer forecaster.",
            "Tune the baselines.",
            &["forecasting"],
        ));
        let c = cluster(&cases, &notbetter_taxonomy::bundled());
        let weak = c.cluster_of("zz-forecast").unwrap();
        assert_eq!(weak.members, ["recsys-baseline", "zz-forecast"]);
        assert!(weak.label.starts_with("weak baselines: "), "{}", weak.label);
        assert!(
            weak.terms.contains(&"tuned".to_string()),
            "{:?}",
            weak.terms
        );
    }

    #[test]
    fn ids_do_not_move_when_an_unrelated_case_arrives() {
        let before = clustered();
        let mut cases = corpus();
        cases.push(case(
            "aaa-pinn",
            &["physics"],
            &["model/optimization-difficulty"],
            "The physics-informed loss would not converge.",
            "",
            &[],
        ));
        let after = cluster(&cases, &notbetter_taxonomy::bundled());
        for c in &before.clusters {
            assert_eq!(
                after.get(&c.id).map(|a| &a.members),
                Some(&c.members),
                "{}",
                c.id
            );
        }
        assert_eq!(
            after.cluster_of("aaa-pinn").unwrap().id,
            "model.optimization-difficulty.aaa-pinn"
        );
    }

    #[test]
    fn small_helpers() {
        assert_eq!(cluster_id("data/leakage", "a-b"), "data.leakage.a-b");
        assert_eq!(lower_first("Shortcut learning"), "shortcut learning");
        assert_eq!(lower_first("LLM evaluation"), "LLM evaluation");
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join_and(&items(&["a"])), "a");
        assert_eq!(join_and(&items(&["a", "b", "c"])), "a, b and c");
    }
}
