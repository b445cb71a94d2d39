//! Label normalisation: free-text labels to canonical slugs, suggestions for unknown labels, and
//! causes inferred from a case's text.
//!
//! Matching ignores case, punctuation, a few function words and plurals (words are reduced with
//! the Snowball English stemmer), and spacing, so "Data-set shifts" matches "dataset shift".

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

use crate::model::{Dimension, Taxonomy};

/// Words that carry no meaning in a label; "sim-to-real" and "sim2real gap" should not differ
/// by a "to".
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "the", "of", "in", "on", "for", "to", "vs", "versus", "with", "by",
];

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// The normalised words of a text: lowercased, split on anything that is not a letter or digit,
/// function words dropped, each word stemmed.
pub fn label_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(stem_fully)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// Stems a word until it stops changing, so that normalising twice gives what normalising once
/// gave (the Snowball stemmer alone is not idempotent on every word). A step that changes a word
/// shortens it in practice, so the word's length bounds the steps; the fuzzer found words that
/// need more than four ("tevaludllllllll" loses a few `l`s per step).
fn stem_fully(word: &str) -> String {
    let mut current = word.to_string();
    for _ in 0..=word.chars().count() {
        let next = stemmer().stem(&current).into_owned();
        if next == current {
            break;
        }
        current = next;
    }
    current
}

/// The normalised form of a label, its words joined by single spaces. Two labels match when
/// their normalised forms are equal once the spaces are removed.
pub fn normalise_label(label: &str) -> String {
    label_words(label).join(" ")
}

fn compact(normalised: &str) -> String {
    normalised.replace(' ', "")
}

/// Normalised label → slug, for one dimension.
#[derive(Debug, Clone, Default)]
pub(crate) struct LabelIndex {
    by_key: HashMap<String, String>,
    /// (normalised words, original label, slug), used for suggestions and inference.
    pub(crate) phrases: Vec<(Vec<String>, String, String)>,
    /// (normalised words, slug) of the domains' `modality` aliases.
    pub(crate) modalities: Vec<(Vec<String>, String)>,
}

impl LabelIndex {
    /// Adds a label; returns the slug it already maps to when that is another entry.
    pub(crate) fn insert(&mut self, key: String, original: String, slug: &str) -> Option<String> {
        let c = compact(&key);
        if let Some(existing) = self.by_key.get(&c) {
            if existing != slug {
                return Some(existing.clone());
            }
            return None;
        }
        self.by_key.insert(c, slug.to_string());
        self.phrases
            .push((phrase_words(&key), original, slug.to_string()));
        None
    }
}

/// The words of a normalised name or alias (`normalise_label`'s output), as phrases are
/// matched against a label's words.
pub(crate) fn phrase_words(key: &str) -> Vec<String> {
    key.split(' ').map(str::to_string).collect()
}

/// What became of one free-text label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mapping {
    /// The label is a name, alias or slug of the entry (after normalisation).
    Mapped {
        slug: String,
    },
    /// The label is close enough to one entry by a looser rule; a person should confirm it.
    /// `confidence` is in percent.
    Matched {
        slug: String,
        rule: MatchRule,
        confidence: u8,
    },
    Unmapped {
        suggestions: Vec<String>,
    },
}

impl Mapping {
    /// The slug, for `Mapped` and `Matched`.
    pub fn slug(&self) -> Option<&str> {
        match self {
            Mapping::Mapped { slug } | Mapping::Matched { slug, .. } => Some(slug),
            Mapping::Unmapped { .. } => None,
        }
    }
}

/// The rule behind a `Matched` label, tried in this order after the exact alias match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchRule {
    /// A name or alias of the entry occurs inside the label ("covariate shift across sites").
    Contains,
    /// The label shares words that only this entry uses ("untuned baselines").
    Overlap,
    /// The label is a near spelling of a name or alias ("covariate shfit").
    Similar,
    /// The label starts with an AVID SEP code that names one entry ("P0101: Data drift").
    Code,
    /// The label describes a cause in other words, read from the cases filed under each cause
    /// ("did not tune the matrix-factorization baseline adequately").
    Read,
}

impl MatchRule {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchRule::Contains => "contains",
            MatchRule::Overlap => "overlap",
            MatchRule::Similar => "similar",
            MatchRule::Code => "code",
            MatchRule::Read => "read",
        }
    }
}

impl std::fmt::Display for MatchRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A second opinion on labels the taxonomy's rules leave unmapped, from knowledge the taxonomy
/// does not hold (the knowledge base reads a description of a cause from the words of the
/// cases filed under each cause). `None` keeps the label unmapped.
pub trait LabelReader {
    fn read(&self, dim: Dimension, label: &str) -> Option<Mapping>;
}

/// A cause proposed from a case's text, with the alias phrases that were found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inference {
    pub slug: String,
    pub evidence: Vec<String>,
}

impl Taxonomy {
    /// Whether a code in the label decided its mapping in `dim`, even to unmapped: a leading
    /// AVID SEP code, or (for causes) a garak probe. A reader of the label's other words
    /// should leave it as it is.
    pub fn decided_by_code(&self, dim: Dimension, label: &str) -> bool {
        crate::avid::leading_code(label).is_some() || crate::garak::probe_slug(dim, label).is_some()
    }

    /// Maps a free-text label onto a slug of `dim`.
    pub fn map(&self, dim: Dimension, label: &str) -> Mapping {
        let key = compact(&normalise_label(label));
        let index = &self.labels[&dim];
        if let Some(slug) = index.by_key.get(&key) {
            return Mapping::Mapped { slug: slug.clone() };
        }
        // A leading AVID SEP code decides a cause: its one entry, else unmapped with the
        // code's entries as suggestions. Elsewhere the words after it are read.
        if let Some((code, rest)) = crate::avid::leading_code(label) {
            match crate::avid::code_slugs(dim, &code) {
                Some(slugs) => {
                    let known: Vec<String> = slugs
                        .iter()
                        .filter(|s| self.get(dim, s).is_some())
                        .map(|s| s.to_string())
                        .collect();
                    return match known.as_slice() {
                        [one] => Mapping::Matched {
                            slug: one.clone(),
                            rule: MatchRule::Code,
                            confidence: 90,
                        },
                        [] => Mapping::Unmapped {
                            suggestions: self.suggest(dim, rest),
                        },
                        _ => Mapping::Unmapped { suggestions: known },
                    };
                }
                None if !rest.trim().is_empty() => {
                    let by_words = self.map(dim, rest);
                    // Words that name no failure mode leave it to the code ("E0302:
                    // Polarization/ Exclusion").
                    let fallback = (dim == Dimension::FailureMode)
                        .then(|| crate::avid::avid_sep_failure_mode(&code))
                        .flatten()
                        .filter(|s| self.get(dim, s).is_some());
                    return match (by_words, fallback) {
                        (Mapping::Unmapped { .. }, Some(slug)) => Mapping::Matched {
                            slug: slug.to_string(),
                            rule: MatchRule::Code,
                            confidence: 80,
                        },
                        (m, _) => m,
                    };
                }
                None => {}
            }
        }
        // A garak probe's module decides a cause ("… using the probe `encoding.InjectBase64`"):
        // its cause, or, for a module that names none, unmapped with the words' suggestions.
        if let Some(found) = crate::garak::probe_slug(dim, label) {
            return match found.filter(|s| self.get(dim, s).is_some()) {
                Some(slug) => Mapping::Matched {
                    slug: slug.to_string(),
                    rule: MatchRule::Code,
                    confidence: 85,
                },
                None => Mapping::Unmapped {
                    suggestions: self.suggest(dim, label),
                },
            };
        }
        // "medical imaging: COVID-19 chest X-rays": a domain's field before a colon decides.
        let exact = |h: &str| index.by_key.get(&compact(&normalise_label(h))).cloned();
        if let Some(m) = crate::resolve::by_field_head(self, dim, label, exact) {
            return m;
        }
        // "label_quality (annotator dialect bias)": a closing parenthesis qualifies the name
        // before it, so a head that is itself a name or alias decides, whatever other
        // entries' words the qualifier holds ("outcomes confounded by treatment").
        let head = crate::resolve::qualified_head(label);
        if let Some(slug) = head.and_then(|h| index.by_key.get(&compact(&normalise_label(h)))) {
            // Unless the qualifier names one narrower entry ("(drug discovery)" below
            // chemistry).
            let slug = crate::resolve::narrower_named(self, dim, label, slug).unwrap_or(slug);
            return Mapping::Matched {
                slug: slug.to_string(),
                rule: MatchRule::Contains,
                confidence: crate::resolve::HEAD_CONFIDENCE,
            };
        }
        if let Some(m) = crate::resolve::resolve(self, dim, head.unwrap_or(label)) {
            return m;
        }
        Mapping::Unmapped {
            suggestions: self.suggest(dim, label),
        }
    }

    /// Up to three slugs whose labels are closest to `label`: by string similarity of the
    /// normalised forms, or by shared words.
    pub fn suggest(&self, dim: Dimension, label: &str) -> Vec<String> {
        let words = label_words(label);
        if words.is_empty() {
            return Vec::new();
        }
        let key = words.concat();
        let mut best: BTreeMap<&str, f64> = BTreeMap::new();
        for (phrase, _, slug) in &self.labels[&dim].phrases {
            let sim = strsim::jaro_winkler(&key, &phrase.concat());
            let shared = phrase.iter().filter(|w| words.contains(w)).count() as f64;
            let overlap = shared / (phrase.len().max(words.len()) as f64);
            let score = sim.max(0.5 + overlap / 2.0 * f64::from(u8::from(shared > 0.0)));
            let entry = best.entry(slug.as_str()).or_insert(0.0);
            *entry = entry.max(score);
        }
        let mut ranked: Vec<(&str, f64)> = best.into_iter().filter(|&(_, s)| s >= 0.75).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        ranked
            .into_iter()
            .take(3)
            .map(|(s, _)| s.to_string())
            .collect()
    }

    /// Proposes causes from free text. A cause is proposed when its aliases occur in the text
    /// with a weight of at least two words in total, so one generic word ("bias") is not enough
    /// but one specific phrase ("covariate shift") or two separate hits are. At most three
    /// causes, strongest first.
    pub fn infer_causes(&self, text: &str) -> Vec<Inference> {
        let words = label_words(text);
        let mut found: BTreeMap<&str, (usize, Vec<String>)> = BTreeMap::new();
        for (phrase, original, slug) in &self.labels[&Dimension::Cause].phrases {
            // Families ("data") and slugs written as paths are not evidence in running text.
            if !slug.contains('/') || original.contains('/') && original == slug {
                continue;
            }
            if phrase.is_empty() || phrase.len() > words.len() {
                continue;
            }
            let ambiguous = self
                .get(Dimension::Cause, slug)
                .is_some_and(|e| e.not_evidence.iter().any(|n| n == original));
            if ambiguous {
                continue;
            }
            let hit = words.windows(phrase.len()).any(|w| w == phrase.as_slice());
            if hit {
                let e = found.entry(slug.as_str()).or_default();
                e.0 += phrase.len();
                if !e.1.iter().any(|x| x.eq_ignore_ascii_case(original)) {
                    e.1.push(original.to_lowercase());
                }
            }
        }
        let mut ranked: Vec<_> = found.into_iter().filter(|(_, (w, _))| *w >= 2).collect();
        ranked.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        ranked
            .into_iter()
            .take(3)
            .map(|(slug, (_, evidence))| Inference {
                slug: slug.to_string(),
                evidence,
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "normalise_tests.rs"]
mod tests;
