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
        self.phrases.push((
            key.split(' ').map(str::to_string).collect(),
            original,
            slug.to_string(),
        ));
        None
    }
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
mod tests {
    use super::*;
    use crate::bundled;

    /// Exact alias mappings only (the looser rules have their own tests in `resolve`).
    fn mapped(dim: Dimension, label: &str) -> Option<String> {
        match bundled().map(dim, label) {
            Mapping::Mapped { slug } => Some(slug),
            Mapping::Matched { .. } | Mapping::Unmapped { .. } => None,
        }
    }

    #[test]
    fn aliases_map_to_slugs() {
        use Dimension::*;
        let table: &[(Dimension, &str, Option<&str>)] = &[
            (Cause, "covariate shift", Some("data/distribution-shift")),
            (Cause, "Covariate Shift", Some("data/distribution-shift")),
            (Cause, "dataset shift", Some("data/distribution-shift")),
            (Cause, "data-set shifts", Some("data/distribution-shift")),
            (Cause, "Domain-Shift", Some("data/distribution-shift")),
            (Cause, "temporal drift", Some("data/distribution-shift")),
            (Cause, "concept drift", Some("data/distribution-shift")),
            (
                Cause,
                "spurious correlation",
                Some("model/shortcut-learning"),
            ),
            (
                Cause,
                "Spurious Correlations",
                Some("model/shortcut-learning"),
            ),
            (Cause, "Clever Hans", Some("model/shortcut-learning")),
            (Cause, "clever-hans", Some("model/shortcut-learning")),
            (Cause, "label noise", Some("data/label-quality")),
            (Cause, "Annotation errors", Some("data/label-quality")),
            (Cause, "data leak", Some("data/leakage")),
            (Cause, "Data Leaks", Some("data/leakage")),
            (Cause, "train/test contamination", Some("data/leakage")),
            (Cause, "train-test contamination", Some("data/leakage")),
            (
                Cause,
                "sim-to-real gap",
                Some("data/simulated-data-quality"),
            ),
            (
                Cause,
                "sim to real gap",
                Some("data/simulated-data-quality"),
            ),
            (Cause, "GPU memory", Some("deployment/hardware-constraints")),
            (Cause, "data/leakage", Some("data/leakage")),
            (Cause, "leakage", Some("data/leakage")),
            (Cause, "Shortcut learning", Some("model/shortcut-learning")),
            (Cause, "weak baselines", Some("evaluation/weak-baselines")),
            (Cause, "data:weak_baselines", None),
            (
                Cause,
                "evaluation:weak_baselines",
                Some("evaluation/weak-baselines"),
            ),
            (Cause, "", None),
            (Cause, "!!!", None),
            // After an AVID code, the words are read (causes: see `avid_codes_decide_causes`).
            (
                Domain,
                "P0201: radiology",
                Some("healthcare/medical-imaging"),
            ),
            (Domain, "radiology", Some("healthcare/medical-imaging")),
            (
                Domain,
                "Medical Imaging",
                Some("healthcare/medical-imaging"),
            ),
            (Domain, "EHR", Some("healthcare/clinical-prediction")),
            (Domain, "drug discovery", Some("chemistry/drug-discovery")),
            (Domain, "self-driving", Some("transport")),
            (Domain, "Self Driving Cars", Some("transport")),
            (Domain, "healthcare", Some("healthcare")),
            (Domain, "health care", Some("healthcare")),
            (Domain, "earth & climate science", Some("earth-climate")),
            (Domain, "NLP", Some("language-technology")),
            (Domain, "basket weaving", None),
            (
                FailureMode,
                "Suboptimal performance",
                Some("suboptimal-performance"),
            ),
            (FailureMode, "safety", Some("safety-reliability")),
        ];
        let mut wrong = Vec::new();
        for &(dim, label, want) in table {
            let got = mapped(dim, label);
            if got.as_deref() != want {
                wrong.push(format!("{dim} {label:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn avid_codes_decide_causes() {
        let t = bundled();
        let by_code = |label| match t.map(Dimension::Cause, label) {
            Mapping::Matched { slug, rule, .. } => {
                assert_eq!(rule, MatchRule::Code);
                Some(slug)
            }
            _ => None,
        };
        assert_eq!(
            by_code("P0201: Resilience/ Stability").as_deref(),
            Some("model/robustness")
        );
        assert_eq!(
            by_code("p0101 something").as_deref(),
            Some("data/distribution-shift")
        );
        // Two entries for the code: unmapped, and both offered.
        let Mapping::Unmapped { suggestions } =
            t.map(Dimension::Cause, "S0403: Adversarial Example")
        else {
            panic!("S0403 names robustness and security");
        };
        assert_eq!(suggestions, ["model/robustness", "deployment/security"]);
        // A harm, not a cause: unmapped, whatever the words.
        assert!(matches!(
            t.map(Dimension::Cause, "E0301: Toxicity"),
            Mapping::Unmapped { .. }
        ));
        // A failure mode is read from the words, and from the code when they name none.
        let mode = |label: &str| match t.map(Dimension::FailureMode, label) {
            Mapping::Matched { slug, rule, .. } => Some((slug, Some(rule))),
            Mapping::Mapped { slug } => Some((slug, None)),
            Mapping::Unmapped { .. } => None,
        };
        assert_eq!(
            mode("E0302: Polarization/ Exclusion"),
            Some(("ethical-societal".into(), Some(MatchRule::Code)))
        );
        assert_eq!(
            mode("P0401: harm to the user's health"),
            Some(("safety-reliability".into(), Some(MatchRule::Code)))
        );
        assert_eq!(
            mode("P0402: physical harm"),
            Some(("safety-reliability".into(), None))
        );
        assert_eq!(mode("P0403: Socioeconomic safety"), None);
        assert_eq!(mode("S0403: Adversarial Example"), None);
    }

    #[test]
    fn unknown_labels_get_close_suggestions() {
        let t = bundled();
        // A near spelling is matched by rule (see `resolve`); its suggestions still lead
        // with the right entry.
        let suggestions = t.suggest(Dimension::Cause, "covariate shfit");
        assert_eq!(
            suggestions.first().map(String::as_str),
            Some("data/distribution-shift")
        );
        let suggestions = t.suggest(Dimension::Cause, "label leakage problems");
        assert!(
            suggestions.contains(&"data/leakage".to_string()),
            "{suggestions:?}"
        );
        let Mapping::Unmapped { suggestions } = t.map(Dimension::Domain, "zzzz qqqq") else {
            panic!("should not map")
        };
        assert!(suggestions.is_empty(), "{suggestions:?}");
    }

    #[test]
    fn infers_causes_with_evidence() {
        let t = bundled();
        let text = "The model relied on spurious correlations with the hospital; under covariate \
                    shift at a new site, accuracy fell.";
        let inferred = t.infer_causes(text);
        let slugs: Vec<_> = inferred.iter().map(|i| i.slug.as_str()).collect();
        assert!(slugs.contains(&"model/shortcut-learning"), "{inferred:?}");
        assert!(slugs.contains(&"data/distribution-shift"), "{inferred:?}");
        let shortcut = inferred
            .iter()
            .find(|i| i.slug == "model/shortcut-learning")
            .unwrap();
        assert_eq!(shortcut.evidence, vec!["spurious correlation".to_string()]);
        // One generic word is not evidence enough.
        assert!(t.infer_causes("There was some bias.").is_empty());
        // Ambiguous aliases are labels, not evidence: a privacy breach is no train/test leak.
        assert!(t
            .infer_causes("A data leak exposed customer records.")
            .is_empty());
        assert!(t.infer_causes("").is_empty());
    }

    #[test]
    fn normalisation_is_idempotent_on_words_that_stem_many_times() {
        // Found by the `labels` fuzz target (fuzz/regressions/labels/).
        for s in [
            "tevaludllllllll+rom spuvIousstrongl",
            "lllllllllllllllllllllll",
        ] {
            let once = normalise_label(s);
            assert_eq!(normalise_label(&once), once, "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn normalisation_is_idempotent(s in "\\PC{0,40}") {
            let once = normalise_label(&s);
            proptest::prop_assert_eq!(normalise_label(&once), once.clone());
        }

        #[test]
        fn mapping_never_panics(s in "\\PC{0,60}") {
            let t = bundled();
            let _ = t.map(Dimension::Cause, &s);
            let _ = t.infer_causes(&s);
        }
    }
}
