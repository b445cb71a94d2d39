//! Reading a question as failure mechanisms: which of the curated mechanisms (kept in
//! `data/mechanisms.toml`, assigned to cases by the cluster crate) a query describes, so a
//! question that describes a mechanism without naming it ("information from the future leaks
//! into the features") finds the cases that share it, in every field.
//!
//! The knowledge base hands the index a [`MechanismDoc`] per mechanism: its own words (name,
//! one-line summary, phrases) and the text of the cases assigned to it. A mechanism scores,
//! for each content word of the query, the word's inverse document frequency times the word's
//! share of the mechanism's member cases, plus `mechanism_catalogue` when its own words use
//! the word; divided by the words' total weight. The best one or two mechanisms over
//! `mechanism_threshold` lift their members (a constant `mechanism_lift`), and the reader is
//! told ("Read as mechanism: …").

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
mod tests {
    use super::*;

    fn doc(id: &str, text: &str, members: &[(&str, &str)]) -> MechanismDoc {
        MechanismDoc {
            id: id.into(),
            name: id.into(),
            causes: vec!["data/leakage".into()],
            text: text.into(),
            description: text.into(),
            members: members
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }

    #[test]
    fn a_question_is_read_as_the_mechanism_whose_words_it_uses() {
        let table = MechanismTable::new(&[
            doc(
                "future-in-features",
                "information from the future in the features; look-ahead",
                &[
                    ("a", "the backtest used prices published on later days"),
                    (
                        "b",
                        "features computed with data from after the prediction time",
                    ),
                ],
            ),
            doc(
                "site-signature",
                "a scanner or hospital signature learned instead of the signal",
                &[(
                    "c",
                    "the network recognised the hospital from the radiograph",
                )],
            ),
            doc("empty", "no members, never read", &[]),
        ]);
        assert_eq!(
            table.entries.len(),
            2,
            "mechanisms without members are left out"
        );
        let tuning = Tuning::default();
        let words = |ws: &[&str]| -> Vec<(String, String, f32)> {
            let mut analyzer = crate::stem::en_stem();
            ws.iter()
                .map(|w| {
                    let stem = super::super::lexicon::content_stems(&mut analyzer, w).remove(0);
                    (stem, w.to_string(), 1.0)
                })
                .collect()
        };
        let read = table.score(&words(&["future", "data", "published"]), &[], &[], &tuning);
        assert_eq!(table.entries[read[0].index].id, "future-in-features");
        assert!(read[0].words.contains(&"future".to_string()));
        let read = table.score(&words(&["hospital", "radiograph"]), &[], &[], &tuning);
        assert_eq!(table.entries[read[0].index].id, "site-signature");
        assert!(read[1].score == 0.0, "no shared word, no score");
        let named = ["data/distribution-shift".to_string()];
        let read = table.score(
            &words(&["future", "data", "published"]),
            &[],
            &named,
            &tuning,
        );
        assert!(
            read.is_empty(),
            "a named cause leaves only its own mechanisms"
        );
    }

    /// End to end on an index: a question that describes a mechanism in other words finds
    /// the cases assigned to it in every field, above cases that only share its words, and
    /// says how it was read.
    #[test]
    fn a_mechanism_question_lifts_the_members_across_fields() {
        use notbetter_taxonomy::{bundled, Case};
        let case = |id: &str, domain: &str, cause: &str, why: &str| {
            Case::builder(id)
                .title(format!("Case {id}"))
                .year(2022)
                .domains(&[domain])
                .causes(&[cause])
                .failure_modes(&["suboptimal-performance"])
                .elements("A use case.", "A deep network.", "It did worse.", why)
                .build()
        };
        let mut cases = vec![
            case(
                "backtest",
                "finance/trading",
                "data/leakage",
                "Quarterly reports published after the trade date were among the model inputs.",
            ),
            case(
                "ehr",
                "healthcare/clinical-prediction",
                "data/leakage",
                "Lab values charted after the diagnosis time were among the model inputs.",
            ),
        ];
        for i in 0..6 {
            cases.push(case(
                &format!("other-{i}"),
                "recommender-systems",
                "evaluation/weak-baselines",
                "Future work should share information about the model inputs and tuning.",
            ));
        }
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        idx.rebuild(&cases, 1).unwrap();
        // Causes are read from questions too; only the mechanism is under test here.
        idx.set_tuning(Tuning {
            cause_threshold: f32::INFINITY,
            ..Tuning::default()
        });
        let query = "information from the future ends up in the model inputs";
        let ids = |idx: &SearchIndex| -> Vec<String> {
            let r = idx.search(&crate::SearchRequest::new(query)).unwrap();
            r.hits.into_iter().map(|h| h.id).collect()
        };
        let before = ids(&idx);
        assert!(
            before.iter().take(2).all(|id| id.starts_with("other")),
            "{before:?}"
        );
        idx.set_mechanisms(&[MechanismDoc {
            id: "future-in-features".into(),
            name: "The future in the features".into(),
            causes: vec!["data/leakage".into()],
            text: "Information from the future leaks into the features: look-ahead.".into(),
            description: "The future in the features.".into(),
            members: vec![
                ("backtest".into(), cases[0].investigation.clone()),
                ("ehr".into(), cases[1].investigation.clone()),
            ],
        }]);
        let after = ids(&idx);
        let mut top: Vec<&str> = after.iter().take(2).map(String::as_str).collect();
        top.sort_unstable();
        assert_eq!(top, ["backtest", "ehr"], "{after:?}");
        let r = idx.search(&crate::SearchRequest::new(query)).unwrap();
        assert_eq!(r.reading.mechanisms.len(), 1);
        assert_eq!(r.reading.mechanisms[0].id, "future-in-features");
        let words = &r.reading.mechanisms[0].words;
        assert!(
            !words.is_empty() && words.iter().all(|w| query.contains(w.as_str())),
            "{words:?}"
        );

        // A question that names a field asks about it: the member from another field is no
        // longer lifted above cases that hold more of the words.
        let query = "information from the future ends up in the model inputs in finance";
        let r = idx.search(&crate::SearchRequest::new(query)).unwrap();
        let ids: Vec<&str> = r.hits.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(r.reading.mechanisms.len(), 1, "{:?}", r.reading);
        assert_eq!(ids[0], "backtest", "{ids:?}");
        assert!(ids[1].starts_with("other"), "{ids:?}");

        // A cause named by an alias ("scaling" is one of scalability's) narrows the reading
        // to its own mechanisms in a short question, not in a longer one where it is
        // incidental.
        let read = |query: &str| {
            let r = idx.search(&crate::SearchRequest::new(query)).unwrap();
            assert!(
                r.reading
                    .synonyms
                    .iter()
                    .any(|s| s.slug == "model/scalability"),
                "{:?}",
                r.reading
            );
            r.reading.mechanisms
        };
        assert!(read("future inputs scaling").is_empty());
        let long = read("information from the future ends up in the model inputs after scaling");
        assert_eq!(long.len(), 1, "{long:?}");
        assert_eq!(long[0].id, "future-in-features");
    }

    /// Words most assigned cases hold, or that a mechanism's members hold little more often
    /// than cases at large, do not point to it; a word nearly its own does, alone.
    #[test]
    fn common_and_unremarkable_words_do_not_support_a_reading() {
        // Ten assigned cases: every one holds "model", four hold "fail" (two of them the
        // drift mechanism's), and only the drift mechanism's two hold "sepsis".
        let members = |ids: &[&str], text: &str| -> Vec<(String, String)> {
            ids.iter()
                .map(|id| (id.to_string(), text.to_string()))
                .collect()
        };
        let mut drift = doc("drift", "accuracy slips after launch", &[]);
        drift.members = members(&["a", "b"], "the sepsis model would fail after launch");
        let mut other = doc("other", "unrelated", &[]);
        other.members = members(&["c", "d"], "the model would fail on new data");
        other.members.extend(members(
            &["e", "f", "g", "h", "i", "j"],
            "a model of crystals",
        ));
        let table = MechanismTable::new(&[drift, other]);
        let tuning = Tuning::default();
        let words = |ws: &[&str]| -> Vec<(String, String, f32)> {
            let mut analyzer = crate::stem::en_stem();
            ws.iter()
                .map(|w| {
                    let stem = super::super::lexicon::content_stems(&mut analyzer, w).remove(0);
                    (stem, w.to_string(), 1.0)
                })
                .collect()
        };
        let drift_of = |ws: &[&str]| {
            let scores = table.score(&words(ws), &[], &[], &tuning);
            scores
                .into_iter()
                .find(|m| table.entries[m.index].id == "drift")
                .expect("scored")
        };
        // "model": every case holds it. "fail": 0.4 of the cases, over `cause_common`.
        let generic = drift_of(&["model", "fail"]);
        assert_eq!(generic.support, 0, "{generic:?}");
        assert!(choose(&[generic], false, &tuning).is_empty());
        // "sepsis": its members hold it five times as often as cases at large (all of them,
        // against 0.2): one word that supports, though not sharply enough to read alone.
        let sepsis = drift_of(&["sepsis", "model"]);
        assert_eq!((sepsis.support, sepsis.sharpest), (1, 5.0), "{sepsis:?}");
        let alone = Tuning {
            mechanism_alone: 5.0,
            ..Tuning::default()
        };
        assert_eq!(
            choose(std::slice::from_ref(&sepsis), false, &alone).len(),
            1
        );
        assert!(choose(&[sepsis], false, &tuning).is_empty());
        // Two such words do: "sepsis" and "launch" (its own words use it).
        let two = drift_of(&["sepsis", "launch"]);
        assert_eq!(two.support, 2, "{two:?}");
    }

    #[test]
    fn weak_readings_lift_nothing() {
        let tuning = Tuning::default();
        let s = |score: f32, support: usize| MechanismScore {
            index: 0,
            score,
            words: vec![],
            by_meaning: false,
            support,
            sharpest: 2.0,
        };
        let strong = tuning.mechanism_threshold * 2.0;
        assert!(choose(&[s(tuning.mechanism_threshold * 0.9, 2)], false, &tuning).is_empty());
        let chosen = choose(&[s(strong, 2)], false, &tuning);
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].1, 1.0);
        // One word pointing to it is no reading, and does not set the bar for the next…
        let one_word = choose(&[s(strong * 2.0, 1), s(strong, 2)], false, &tuning);
        assert_eq!(one_word.len(), 1);
        assert_eq!(one_word[0].1, 1.0);
        // …unless that word is nearly the mechanism's own, the question names one of its
        // causes, or the reading is by meaning.
        let sharp = MechanismScore {
            sharpest: tuning.mechanism_alone,
            ..s(strong, 1)
        };
        assert_eq!(choose(&[sharp], false, &tuning).len(), 1);
        assert_eq!(choose(&[s(strong, 1)], true, &tuning).len(), 1);
        let meaning = MechanismScore {
            by_meaning: true,
            ..s(strong, 0)
        };
        assert_eq!(choose(&[meaning], false, &tuning).len(), 1);
    }
}
