//! The result of clustering: the clusters, a case's cluster, the clusters worth showing, and a
//! case's nearest counterparts in other fields.

use std::collections::HashMap;

use crate::sparse::SparseVec;
use crate::Cluster;
use notbetter_taxonomy::Taxonomy;

/// All clusters of a corpus, with the vectors kept for similarity look-ups.
#[derive(Debug, Clone)]
pub struct Clustering {
    /// Every cluster, singletons included, sorted by id.
    pub clusters: Vec<Cluster>,
    /// Cases with no cause label at all: they have no mechanism to share, so no cluster.
    pub unclustered: Vec<String>,
    pub(crate) cases: Vec<CaseEntry>,
    pub(crate) vectors: Vec<SparseVec>,
    /// The number of dimensions (terms and pseudo-terms) of the vectors.
    pub(crate) dims: usize,
    pub(crate) by_case: HashMap<String, usize>,
    pub(crate) cluster_of: Vec<Option<usize>>,
    /// The mechanism level beneath the clusters (empty until [`Clustering::add_mechanisms`]).
    pub mechanisms: crate::mechanism::Mechanisms,
    /// Answers of [`Clustering::nearest_elsewhere`] by case and `k`: a clustering never changes
    /// once built, and case pages ask the same question again and again.
    pub(crate) nearest: std::sync::Arc<std::sync::Mutex<NearestMemo>>,
}

/// Nearest cases elsewhere, by case id and `k`.
pub(crate) type NearestMemo = HashMap<(String, usize), Vec<(String, f32)>>;

/// What a look-up needs to know of a case.
#[derive(Debug, Clone)]
pub(crate) struct CaseEntry {
    pub(crate) id: String,
    /// Top-level domains as small numbers (any consistent numbering), sorted, so the scan of
    /// [`Clustering::nearest_elsewhere`] compares integers rather than strings.
    pub(crate) domains: Vec<u16>,
}

impl Clustering {
    /// Adds the mechanism level, and gives each cause-level cluster a readable label from it:
    /// the cause's name and the names of the mechanisms most of its members show
    /// ("Data leakage: random hold-outs right next to training points; the future in the
    /// training data"). A cluster none of whose members has a mechanism keeps its label.
    pub fn add_mechanisms(
        &mut self,
        mechanisms: crate::mechanism::Mechanisms,
        taxonomy: &Taxonomy,
    ) {
        for c in &mut self.clusters {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for m in &c.members {
                for mech in mechanisms.of_case(m) {
                    *counts.entry(mech.id.as_str()).or_default() += 1;
                }
            }
            let mut top: Vec<(&str, usize)> = counts.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let names: Vec<String> = top
                .iter()
                .take(2)
                .filter_map(|(id, _)| mechanisms.get(id))
                .map(|m| lower_first(&m.name))
                .collect();
            if !names.is_empty() {
                let cause = taxonomy.name(notbetter_taxonomy::Dimension::Cause, &c.cause);
                c.label = format!("{cause}: {}", names.join("; "));
            }
        }
        self.mechanisms = mechanisms;
    }

    /// The cluster a case belongs to (`None` for unknown or unclustered cases).
    pub fn cluster_of(&self, case_id: &str) -> Option<&Cluster> {
        let i = *self.by_case.get(case_id)?;
        self.cluster_of[i].map(|c| &self.clusters[c])
    }

    /// A cluster by its id.
    pub fn get(&self, cluster_id: &str) -> Option<&Cluster> {
        self.clusters
            .binary_search_by(|c| c.id.as_str().cmp(cluster_id))
            .ok()
            .map(|i| &self.clusters[i])
    }

    /// The clusters to show: those spanning at least two top-level domains, most domains
    /// first, then the largest, then by id.
    pub fn shown(&self) -> Vec<&Cluster> {
        let mut out: Vec<&Cluster> = self
            .clusters
            .iter()
            .filter(|c| c.domains.len() >= 2)
            .collect();
        out.sort_by(|a, b| {
            b.domains
                .len()
                .cmp(&a.domains.len())
                .then(b.members.len().cmp(&a.members.len()))
                .then(a.id.cmp(&b.id))
        });
        out
    }

    /// The cosine similarity of two cases' vectors (`None` if either is unknown).
    pub fn similarity(&self, a: &str, b: &str) -> Option<f32> {
        let (a, b) = (*self.by_case.get(a)?, *self.by_case.get(b)?);
        Some(self.vectors[a].dot(&self.vectors[b]))
    }

    /// The `k` cases most similar to `case_id` that share none of its top-level domains, with
    /// their cosine similarity, best first (ties by id). Cases with nothing in common (score 0)
    /// are left out. A linear scan with the query spread into a dense array, so each case costs
    /// one read per term it holds: tens of milliseconds at 100k cases.
    /// Remembered per case and `k` (at most one entry per clustered case and `k`).
    pub fn nearest_elsewhere(&self, case_id: &str, k: usize) -> Vec<(String, f32)> {
        let memo = || self.nearest.lock().unwrap_or_else(|e| e.into_inner());
        let key = (case_id.to_string(), k);
        if let Some(found) = memo().get(&key) {
            return found.clone();
        }
        let found = self.nearest_uncached(case_id, k);
        if self.by_case.contains_key(case_id) {
            memo().insert(key, found.clone());
        }
        found
    }

    fn nearest_uncached(&self, case_id: &str, k: usize) -> Vec<(String, f32)> {
        let Some(&q) = self.by_case.get(case_id) else {
            return Vec::new();
        };
        let query = &self.cases[q];
        let mut dense = vec![0.0f32; self.dims];
        for (t, w) in self.vectors[q].iter() {
            dense[t as usize] = w;
        }
        let mut scored: Vec<(f32, usize)> = self
            .cases
            .iter()
            .zip(&self.vectors)
            .enumerate()
            .filter(|(_, (c, _))| !c.domains.iter().any(|d| query.domains.contains(d)))
            .map(|(i, (_, v))| (v.iter().map(|(t, w)| w * dense[t as usize]).sum(), i))
            .filter(|&(s, _)| s > 0.0)
            .collect();
        let by_rank = |a: &(f32, usize), b: &(f32, usize)| {
            b.0.total_cmp(&a.0)
                .then_with(|| self.cases[a.1].id.cmp(&self.cases[b.1].id))
        };
        if scored.len() > k && k > 0 {
            scored.select_nth_unstable_by(k - 1, by_rank);
        }
        scored.truncate(k);
        scored.sort_by(by_rank);
        scored
            .into_iter()
            .map(|(s, i)| (self.cases[i].id.clone(), s))
            .collect()
    }
}

/// `text` with its first letter lowercased, unless the first word is an acronym ("LLM").
fn lower_first(text: &str) -> String {
    let first_word = text.split_whitespace().next().unwrap_or("");
    let acronym = first_word.chars().filter(|c| c.is_uppercase()).count() > 1;
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if !acronym => c.to_lowercase().chain(chars).collect(),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::cluster;
    use crate::testing::{case, corpus};

    #[test]
    fn shows_clusters_spanning_two_domains_by_spread_then_size() {
        let c = cluster(&corpus(), &notbetter_taxonomy::bundled());
        let shown: Vec<&str> = c.shown().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            shown,
            [
                "model.shortcut-learning.cxr-hospital",
                "data.leakage.eeg-subject"
            ]
        );
        // The single weak-baseline case is a cluster, but not one to show.
        assert!(c.get("evaluation.weak-baselines.recsys-baseline").is_some());
        assert!(c.cluster_of("nope").is_none());
    }

    #[test]
    fn nearest_elsewhere_skips_the_cases_own_domains() {
        let mut cases = corpus();
        cases.push(case(
            "cxr-second",
            &["healthcare/medical-imaging"],
            &["model/shortcut-learning", "data/confounding"],
            "The hospital marker artefact again lined up with the label.",
            "",
            &["chest x-ray"],
        ));
        let c = cluster(&cases, &notbetter_taxonomy::bundled());
        let near = c.nearest_elsewhere("cxr-hospital", 2);
        let ids: Vec<&str> = near.iter().map(|(id, _)| id.as_str()).collect();
        // The music case shares both causes; the NLI case only the first. The other chest
        // x-ray case is nearer than both but in the same field.
        assert_eq!(ids, ["music-horse", "nli-overlap"]);
        assert!(near[0].1 > near[1].1);
        assert!(c.similarity("cxr-hospital", "cxr-second").unwrap() > near[0].1);
        assert!(c.nearest_elsewhere("unknown", 3).is_empty());
        // Asked again, from the memo: the same answer; other `k`s are their own entries.
        assert_eq!(c.nearest_elsewhere("cxr-hospital", 2), near);
        assert_eq!(c.nearest_elsewhere("cxr-hospital", 1), near[..1]);
        assert_eq!(
            c.nearest.lock().unwrap().len(),
            2,
            "unknown cases are not remembered"
        );
    }

    #[test]
    fn cases_without_causes_are_not_clustered() {
        let mut cases = corpus();
        cases.push(case(
            "no-cause",
            &["ecology"],
            &[],
            "Something failed.",
            "",
            &[],
        ));
        let c = cluster(&cases, &notbetter_taxonomy::bundled());
        assert_eq!(c.unclustered, ["no-cause"]);
        assert!(c.cluster_of("no-cause").is_none());
    }
}
