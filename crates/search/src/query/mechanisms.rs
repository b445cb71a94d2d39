//! Reading a question as failure mechanisms: which of the curated mechanisms (kept in
//! `data/mechanisms.toml`, assigned to cases by the cluster crate) a query describes, so a
//! question that describes a mechanism without naming it ("information from the future leaks
//! into the features") finds the cases that share it, in every field.
//!
//! The knowledge base hands the index a [`MechanismDoc`] per mechanism: its own words (name,
//! one-line summary, phrases) and the text of the cases assigned to it. A mechanism scores,
//! for each content word of the query, the word's inverse document frequency times the word's
//! share of the mechanism's member cases, plus `mechanism_catalogue` when its own words use
//! the word; divided by the words' total weight. A reading from words must rest on two words
//! that point to the mechanism (uncommon, and held far more often by its members than by
//! cases at large, or used by its own words), or one it nearly owns. The best one or two
//! mechanisms over `mechanism_threshold` lift their members (a constant `mechanism_lift`),
//! and the reader is told ("Read as mechanism: …").

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use tantivy::Searcher;

use super::lexicon::text_stems;
use super::tuning::Tuning;
use crate::SearchIndex;

/// One mechanism as the knowledge base knows it, for reading questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MechanismDoc {
    /// The catalogue's stable id.
    pub id: String,
    pub name: String,
    /// The causes it sits under: its own first, then those it also belongs to.
    pub causes: Vec<String>,
    /// The mechanism's own words: name, summary and phrases.
    pub text: String,
    /// Its name and one-line summary, which the embedding model compares with a question.
    pub description: String,
    /// The cases assigned to it: id and the text that says what failed and why.
    pub members: Vec<(String, String)>,
}

/// A mechanism a question was read as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadMechanism {
    pub id: String,
    pub name: String,
    /// The query words that point to it.
    pub words: Vec<String>,
    /// Whether the embedding model's reading of the question weighed more than its words.
    pub by_meaning: bool,
}

/// The mechanisms in the index's stems.
#[derive(Debug, Default)]
pub(crate) struct MechanismTable {
    entries: Vec<Entry>,
    /// Stem → share of all assigned cases whose text holds it, the rate a mechanism's
    /// members are compared with.
    base: HashMap<String, f32>,
}

#[derive(Debug)]
struct Entry {
    id: String,
    name: String,
    causes: Vec<String>,
    own: HashSet<String>,
    /// Stem → share of the members whose text holds it.
    share: HashMap<String, f32>,
    members: Vec<String>,
    /// The description's unit vector (empty when the embedding model is unavailable).
    vector: Vec<f32>,
}

/// A mechanism's score for one query, with the words behind it.
#[derive(Debug, Clone)]
pub(crate) struct MechanismScore {
    pub index: usize,
    pub score: f32,
    pub words: Vec<String>,
    /// The embedding model's part of the score outweighs the words'.
    pub by_meaning: bool,
    /// How many of the question's words point to it (`Tuning::mechanism_support`).
    pub support: usize,
    /// The most times more often its members hold one of those words than cases at large.
    pub sharpest: f32,
}

impl MechanismTable {
    pub(crate) fn new(docs: &[MechanismDoc]) -> MechanismTable {
        let mut analyzer = crate::stem::en_stem();
        let model = embedder();
        // Each member's text is read once: for its mechanism's shares and, the first time
        // its case is met, for the rate over all assigned cases.
        let mut holders: HashMap<String, f32> = HashMap::new();
        let mut assigned: HashSet<&str> = HashSet::new();
        let entries: Vec<Entry> = docs
            .iter()
            .filter(|d| !d.members.is_empty())
            .map(|d| {
                let own: HashSet<String> = text_stems(&mut analyzer, &d.text).into_iter().collect();
                let mut share: HashMap<String, f32> = HashMap::new();
                let n = d.members.len() as f32;
                for (id, text) in &d.members {
                    let stems: HashSet<String> =
                        text_stems(&mut analyzer, text).into_iter().collect();
                    let first = assigned.insert(id);
                    for s in stems {
                        if first {
                            *holders.entry(s.clone()).or_default() += 1.0;
                        }
                        *share.entry(s).or_default() += 1.0 / n;
                    }
                }
                Entry {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    causes: d.causes.clone(),
                    own,
                    share,
                    members: d.members.iter().map(|(id, _)| id.clone()).collect(),
                    vector: model.map(|m| m.embed(&d.description)).unwrap_or_default(),
                }
            })
            .collect();
        let n = assigned.len().max(1) as f32;
        let base = holders
            .into_iter()
            .map(|(stem, count)| (stem, count / n))
            .collect();
        MechanismTable { entries, base }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn members(&self, index: usize) -> &[String] {
        &self.entries[index].members
    }

    /// The causes a mechanism sits under: its own first, then those it also belongs to.
    pub(crate) fn causes(&self, index: usize) -> &[String] {
        &self.entries[index].causes
    }

    pub(crate) fn read_label(&self, score: &MechanismScore) -> ReadMechanism {
        let e = &self.entries[score.index];
        ReadMechanism {
            id: e.id.clone(),
            name: e.name.clone(),
            words: score.words.clone(),
            by_meaning: score.by_meaning,
        }
    }

    /// Every mechanism's score for the query's `(stem, surface, idf)` words and the unit
    /// vector of its text (empty for none), best first. When the query names causes (by an
    /// alias), only their mechanisms are candidates.
    pub(crate) fn score(
        &self,
        words: &[(String, String, f32)],
        vector: &[f32],
        named_causes: &[String],
        tuning: &Tuning,
    ) -> Vec<MechanismScore> {
        let total: f32 = words.iter().map(|(_, _, idf)| idf).sum();
        if total <= 0.0 && vector.is_empty() {
            return Vec::new();
        }
        let mut scores: Vec<MechanismScore> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                named_causes.is_empty() || e.causes.iter().any(|c| named_causes.contains(c))
            })
            .map(|(index, e)| {
                let mut parts: Vec<(f32, &str)> = Vec::new();
                let mut support = 0;
                let mut sharpest: f32 = 0.0;
                for (stem, surface, idf) in words {
                    let own = if e.own.contains(stem) {
                        tuning.mechanism_catalogue
                    } else {
                        0.0
                    };
                    let share = e.share.get(stem).copied().unwrap_or(0.0);
                    let s = idf * (own + share);
                    if s > 0.0 {
                        parts.push((s, surface));
                    }
                    // An uncommon word that members hold far more often than cases at
                    // large, or that the mechanism's own words use.
                    let base = self.base.get(stem).copied().unwrap_or(0.0);
                    let lift = if base > 0.0 { share / base } else { 0.0 };
                    if base <= tuning.cause_common
                        && (lift >= tuning.mechanism_support || own > 0.0)
                    {
                        support += 1;
                        sharpest = sharpest.max(lift);
                    }
                }
                let lexical = if total > 0.0 {
                    parts.iter().map(|(s, _)| s).sum::<f32>() / total
                } else {
                    0.0
                };
                let meaning = if vector.is_empty() || e.vector.is_empty() {
                    0.0
                } else {
                    let cosine = notbetter_embed::cosine(vector, &e.vector);
                    tuning.mechanism_dense * (cosine - tuning.mechanism_dense_floor).max(0.0)
                };
                let score = lexical + meaning;
                parts.sort_by(|a, b| b.0.total_cmp(&a.0));
                MechanismScore {
                    index,
                    score,
                    words: parts.iter().take(3).map(|(_, w)| w.to_string()).collect(),
                    by_meaning: meaning > lexical,
                    support,
                    sharpest,
                }
            })
            .collect();
        scores.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        scores
    }
}

/// The bundled embedding model, or `None` (logged once) if it cannot load.
pub(crate) fn embedder() -> Option<&'static notbetter_embed::Embedder> {
    match notbetter_embed::Embedder::bundled() {
        Ok(m) => Some(m),
        Err(e) => {
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| tracing::warn!(%e, "mechanisms are read from words only"));
            None
        }
    }
}

/// The mechanisms a question is read as, from its weighted words and its meaning (the
/// question as corrected, embedded when the model's weight is not 0).
pub(crate) fn read(
    table: &MechanismTable,
    words: &[(String, String, f32)],
    question: &str,
    named_causes: &[String],
    tuning: &Tuning,
) -> Vec<(MechanismScore, f32)> {
    let vector = match embedder() {
        Some(m) if tuning.mechanism_dense > 0.0 => m.embed(question),
        _ => Vec::new(),
    };
    let scores = table.score(words, &vector, named_causes, tuning);
    choose(&scores, !named_causes.is_empty(), tuning)
}

/// The mechanisms strong enough to lift, with their strength (1 for the best). Readings that
/// rest on fewer than `mechanism_min_words` of the question's words neither count nor set
/// the bar, unless one of them is nearly the mechanism's own (`mechanism_alone`: "sepsis",
/// which its members hold 28 times as often as cases at large, against 2-3 times for
/// "fail"), the question names one of the mechanism's causes (`narrowed`), or the reading
/// is by the question's meaning.
pub(crate) fn choose(
    read: &[MechanismScore],
    narrowed: bool,
    tuning: &Tuning,
) -> Vec<(MechanismScore, f32)> {
    let eligible: Vec<&MechanismScore> = read
        .iter()
        .filter(|m| {
            narrowed
                || m.by_meaning
                || m.support >= tuning.mechanism_min_words
                || m.support > 0 && m.sharpest >= tuning.mechanism_alone
        })
        .collect();
    let Some(best) = eligible.first() else {
        return Vec::new();
    };
    eligible
        .iter()
        .take(tuning.mechanism_max)
        .filter(|m| {
            m.score >= tuning.mechanism_threshold
                && m.score >= tuning.mechanism_relative * best.score
        })
        .map(|m| ((*m).clone(), m.score / best.score))
        .collect()
}

impl SearchIndex {
    /// Replaces the mechanisms questions are read as (the knowledge base calls this whenever
    /// it recomputes its clusters); clears the result cache.
    pub fn set_mechanisms(&self, docs: &[MechanismDoc]) {
        let table = Arc::new(MechanismTable::new(docs));
        *self.mechanisms.write().unwrap_or_else(|e| e.into_inner()) = table;
        self.cache.clear();
    }

    pub(crate) fn mechanism_table(&self) -> Arc<MechanismTable> {
        self.mechanisms
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The query's content words with their weights, for [`MechanismTable::score`].
    pub(crate) fn weighted_words(
        &self,
        searcher: &Searcher,
        pairs: &[(String, String)],
    ) -> Vec<(String, String, f32)> {
        let mut seen = HashSet::new();
        pairs
            .iter()
            .filter(|(stem, _)| seen.insert(stem.clone()))
            .map(|(stem, surface)| (stem.clone(), surface.clone(), self.idf(searcher, stem)))
            .collect()
    }
}

#[cfg(test)]
#[path = "mechanisms_tests.rs"]
mod tests;
