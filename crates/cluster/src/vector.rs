//! Cases to weighted term vectors: TF-IDF over what a case says about why it failed, plus
//! pseudo-terms for its cause labels, which weigh most.

use std::collections::HashSet;
use std::sync::Arc;

use notbetter_taxonomy::{Case, Dimension, LabelState, Taxonomy};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::sparse::SparseVec;
use crate::spread::spread_factors;
use crate::text::Tokenizer;
use crate::Params;

/// How much each field's words count. "Why it failed" and the lessons describe the mechanism;
/// tags are the curator's key phrases, so each tag word counts a little more; the title names
/// the application more than the mechanism, so it counts little.
const FIELD_WEIGHTS: [(Field, f32); 4] = [
    (Field::Investigation, 1.0),
    (Field::Lessons, 1.0),
    (Field::Tags, 1.5),
    (Field::Title, 0.5),
];

#[derive(Clone, Copy)]
enum Field {
    Investigation,
    Lessons,
    Tags,
    Title,
}

/// A term needs to occur in this many cases to be a dimension: a word of one case alone cannot
/// make two cases similar and would only dilute its vector.
const MIN_DOCUMENT_FREQUENCY: u32 = 2;

/// Inferred causes count half as much as confirmed ones at the same position.
const INFERRED_CAUSE_WEIGHT: f32 = 0.5;

/// One dimension of the vectors.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Term {
    /// The stem, or for pseudo-terms `cause:<slug>` / `family:<slug>`.
    pub(crate) key: String,
    /// The word to show: the stem's most frequent surface form in the corpus.
    pub(crate) display: String,
    /// In how many cases the term occurs.
    pub(crate) df: u32,
    /// `ln(N / df)`, times the domain spread factor (see `spread`) and the lexicon boost (see
    /// [`cause_lexicon`]); 1 for pseudo-terms.
    pub(crate) idf: f32,
    /// In how many case vectors the term is kept (after the heaviest-terms cut).
    pub(crate) vector_df: u32,
}

/// The vectorised corpus: a vocabulary and one unit vector per case, in the cases' order.
#[derive(Debug, Clone)]
pub(crate) struct Corpus {
    /// Text terms first (ids `0..text_terms`), then the cause pseudo-terms.
    pub(crate) terms: Vec<Term>,
    pub(crate) text_terms: usize,
    by_stem: FxHashMap<String, u32>,
    pub(crate) vectors: Vec<SparseVec>,
}

/// What one case contributes before the vocabulary is known: stem → (weighted count, the
/// surface form it was first seen as).
type DocTerms = FxHashMap<Arc<str>, (f32, Arc<str>)>;

impl Corpus {
    pub(crate) fn build(cases: &[Case], taxonomy: &Taxonomy, params: &Params) -> Corpus {
        let docs: Vec<DocTerms> = cases
            .par_iter()
            .map_init(Tokenizer::default, doc_terms)
            .collect();
        let (mut terms, by_stem) = vocabulary(&docs);
        let text_terms = terms.len();
        // Each case's weighted term counts by term id; the stems are not needed any more.
        let counts: Vec<Vec<(u32, f32)>> = docs
            .into_par_iter()
            .map(|doc| {
                doc.iter()
                    .filter_map(|(stem, (tf, _))| Some((*by_stem.get(stem.as_ref())?, *tf)))
                    .collect()
            })
            .collect();

        let n = cases.len().max(1) as f32;
        let spread = spread_factors(cases, &counts, text_terms);
        let lexicon = cause_lexicon(taxonomy);
        for (term, spread) in terms.iter_mut().zip(spread) {
            let boost = if lexicon.contains(&term.key) {
                params.lexicon_boost
            } else {
                1.0
            };
            // Unsmoothed: a term in every case weighs nothing, which does the work of a
            // maximum document frequency without a second threshold.
            term.idf = (n / term.df as f32).ln() * spread * boost;
        }

        // Cause pseudo-terms, ids after the text terms, in key order.
        let causes: Vec<Vec<(String, f32)>> =
            cases.par_iter().map(|c| cause_terms(c, params)).collect();
        let mut pseudo_df: FxHashMap<&str, u32> = FxHashMap::default();
        for (key, _) in causes.iter().flatten() {
            *pseudo_df.entry(key.as_str()).or_default() += 1;
        }
        let mut pseudo: Vec<(&str, u32)> = pseudo_df.into_iter().collect();
        pseudo.sort_unstable();
        let pseudo_ids: FxHashMap<&str, u32> = pseudo
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (*k, (text_terms + i) as u32))
            .collect();
        terms.extend(pseudo.iter().map(|&(key, df)| Term {
            key: key.to_string(),
            display: key.to_string(),
            df,
            idf: 1.0,
            vector_df: 0,
        }));

        let text_share = (1.0 - params.cause_share).clamp(0.0, 1.0).sqrt();
        let cause_share = params.cause_share.clamp(0.0, 1.0).sqrt();
        let vectors: Vec<SparseVec> = counts
            .par_iter()
            .zip(causes.par_iter())
            .map(|(counts, causes)| {
                let mut text = SparseVec::from_pairs(
                    counts
                        .iter()
                        .map(|&(id, tf)| (id, sublinear(tf) * terms[id as usize].idf))
                        .collect(),
                );
                text.keep_heaviest(params.max_terms);
                text.normalise();
                text.scale(text_share);
                let mut cause = SparseVec::from_pairs(
                    causes
                        .iter()
                        .map(|(k, w)| (pseudo_ids[k.as_str()], *w))
                        .collect(),
                );
                cause.normalise();
                cause.scale(cause_share);
                let mut v = text.concat(&cause);
                // A case without text terms or without causes is still a unit vector, so
                // similarities stay comparable.
                v.normalise();
                v
            })
            .collect();
        for v in &vectors {
            for &t in &v.idx {
                terms[t as usize].vector_df += 1;
            }
        }
        Corpus {
            terms,
            text_terms,
            by_stem,
            vectors,
        }
    }

    pub(crate) fn is_text_term(&self, id: u32) -> bool {
        (id as usize) < self.text_terms
    }

    /// The unit TF-IDF vector of a piece of text (a lesson sentence) over this vocabulary.
    pub(crate) fn text_vector(&self, tokenizer: &mut Tokenizer, text: &str) -> SparseVec {
        let mut pairs: Vec<(u32, f32)> = Vec::new();
        tokenizer.for_each_term(text, |stem, _| {
            if let Some(&id) = self.by_stem.get(stem.as_ref()) {
                pairs.push((id, 1.0));
            }
        });
        let mut v = SparseVec::from_pairs(pairs);
        for (i, w) in v.idx.iter().zip(v.val.iter_mut()) {
            *w = sublinear(*w) * self.terms[*i as usize].idf;
        }
        v.normalise();
        v
    }
}

/// The text terms: stems in at least [`MIN_DOCUMENT_FREQUENCY`] cases, sorted, with their
/// document frequency and display word (idf is filled in later); and the stem → id map.
fn vocabulary(docs: &[DocTerms]) -> (Vec<Term>, FxHashMap<String, u32>) {
    let mut stats: FxHashMap<&str, (u32, FxHashMap<&str, u32>)> = FxHashMap::default();
    for doc in docs {
        for (stem, (_, surface)) in doc {
            let s = stats.entry(stem.as_ref()).or_default();
            s.0 += 1;
            *s.1.entry(surface.as_ref()).or_default() += 1;
        }
    }
    let mut kept: Vec<(&str, u32, &FxHashMap<&str, u32>)> = stats
        .iter()
        .filter(|(_, (df, _))| *df >= MIN_DOCUMENT_FREQUENCY)
        .map(|(stem, (df, surfaces))| (*stem, *df, surfaces))
        .collect();
    kept.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let terms: Vec<Term> = kept
        .into_iter()
        .map(|(stem, df, surfaces)| Term {
            key: stem.to_string(),
            display: most_frequent(surfaces).to_string(),
            df,
            idf: 0.0,
            vector_df: 0,
        })
        .collect();
    let by_stem = terms
        .iter()
        .enumerate()
        .map(|(i, t)| (t.key.clone(), i as u32))
        .collect();
    (terms, by_stem)
}

/// The stems of the words the taxonomy names causes with: their names and aliases
/// ("spurious correlation", "annotation artefacts", "look-ahead bias"). These are the words a
/// report uses when it says what went wrong rather than where, so they count more. Families
/// ("Data", "Model") and descriptions are left out: their words are generic.
fn cause_lexicon(taxonomy: &Taxonomy) -> HashSet<String> {
    let mut tokenizer = Tokenizer::default();
    taxonomy
        .causes()
        .flat_map(|e| std::iter::once(&e.name).chain(&e.aliases))
        .flat_map(|phrase| tokenizer.stems(phrase))
        .collect()
}

fn position_weight(position: usize, params: &Params) -> f32 {
    (position as f32 + 1.0).powf(-params.cause_decay)
}

/// Sublinear term frequency, `1 + ln tf`, continued linearly below one (a word seen only in the
/// title has a weighted count of 0.5) so the weight never turns negative.
fn sublinear(tf: f32) -> f32 {
    if tf >= 1.0 {
        1.0 + tf.ln()
    } else {
        tf.max(0.0)
    }
}

fn most_frequent<'a>(counts: &FxHashMap<&'a str, u32>) -> &'a str {
    counts
        .iter()
        .max_by(|a, b| {
            a.1.cmp(b.1)
                .then(b.0.len().cmp(&a.0.len()))
                .then(b.0.cmp(a.0))
        })
        .map(|(s, _)| *s)
        .unwrap_or("")
}

fn doc_terms(tokenizer: &mut Tokenizer, case: &Case) -> DocTerms {
    let mut terms = DocTerms::default();
    let tags = case.tags.join(" . ");
    for (field, weight) in FIELD_WEIGHTS {
        let text = match field {
            Field::Investigation => case.investigation.as_str(),
            Field::Lessons => case.lessons.as_str(),
            Field::Tags => tags.as_str(),
            Field::Title => case.title.as_str(),
        };
        tokenizer.for_each_term(text, |stem, surface| match terms.get_mut(stem) {
            Some(entry) => entry.0 += weight,
            None => {
                terms.insert(stem.clone(), (weight, surface.clone()));
            }
        });
    }
    terms
}

/// The cause pseudo-terms of a case with their weights: the n-th confirmed cause (0-based)
/// weighs `(n + 1) ^ -cause_decay`, inferred ones half as much, and each adds its family
/// (`model` for `model/shortcut-learning`) at `family_share` of its weight.
pub(crate) fn cause_terms(case: &Case, params: &Params) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = Vec::new();
    let confirmed = case.slugs(Dimension::Cause, LabelState::Confirmed);
    let inferred = case.slugs(Dimension::Cause, LabelState::Inferred);
    let weighted = confirmed
        .enumerate()
        .map(|(i, s)| (s, position_weight(i, params)))
        .chain(
            inferred
                .enumerate()
                .map(|(i, s)| (s, INFERRED_CAUSE_WEIGHT * position_weight(i, params))),
        );
    for (slug, w) in weighted {
        out.push((format!("cause:{slug}"), w));
        if let Some((family, _)) = slug.split_once('/') {
            out.push((format!("family:{family}"), w * params.family_share));
        }
    }
    // A family named twice adds up, as does a cause both confirmed and inferred.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|later, first| {
        if later.0 == first.0 {
            first.1 += later.1;
            true
        } else {
            false
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::case;

    fn build(cases: &[Case]) -> Corpus {
        Corpus::build(cases, &notbetter_taxonomy::bundled(), &Params::default())
    }

    fn idf(corpus: &Corpus, key: &str) -> f32 {
        corpus
            .terms
            .iter()
            .find(|t| t.key == key)
            .unwrap_or_else(|| panic!("no term `{key}`"))
            .idf
    }

    const SHORTCUT: &str = "model/shortcut-learning";
    const LEAKAGE: &str = "data/leakage";

    #[test]
    fn a_shared_confirmed_cause_outweighs_shared_words() {
        let cases = [
            case("a", &[], &[SHORTCUT], "hospital scanner marker", "", &[]),
            case("b", &[], &[SHORTCUT], "protein subject split", "", &[]),
            case("c", &[], &[LEAKAGE], "hospital scanner marker", "", &[]),
            case(
                "d",
                &[],
                &["evaluation/weak-baselines"],
                "protein subject split",
                "",
                &[],
            ),
        ];
        let corpus = build(&cases);
        let v = &corpus.vectors;
        for x in v {
            assert!((x.norm() - 1.0).abs() < 1e-5);
        }
        // Same cause, no shared word: exactly the cause share of the similarity.
        assert!((v[0].dot(&v[1]) - 0.6).abs() < 1e-5, "{}", v[0].dot(&v[1]));
        // Same words, causes of different families: exactly the text share.
        assert!((v[0].dot(&v[2]) - 0.4).abs() < 1e-5, "{}", v[0].dot(&v[2]));
    }

    #[test]
    fn terms_are_stemmed_shown_as_words_and_need_two_cases() {
        let cases = [
            case(
                "a",
                &[],
                &[SHORTCUT],
                "The models learned shortcuts.",
                "",
                &[],
            ),
            case(
                "b",
                &[],
                &[SHORTCUT],
                "Models learning a shortcut; a model again.",
                "",
                &[],
            ),
            case(
                "c",
                &[],
                &[SHORTCUT],
                "Nothing shared here: zebra.",
                "",
                &[],
            ),
        ];
        let corpus = build(&cases);
        let keys: Vec<&str> = corpus.terms[..corpus.text_terms]
            .iter()
            .map(|t| t.key.as_str())
            .collect();
        assert_eq!(keys, ["learn", "model", "shortcut"]);
        // "models" is the surface form seen first in most cases.
        let model = &corpus.terms[1];
        assert_eq!((model.display.as_str(), model.df), ("models", 2));
        // Pseudo-terms follow the text terms.
        let pseudo: Vec<&str> = corpus.terms[corpus.text_terms..]
            .iter()
            .map(|t| t.key.as_str())
            .collect();
        assert_eq!(pseudo, ["cause:model/shortcut-learning", "family:model"]);
    }

    #[test]
    fn tf_is_sublinear() {
        assert_eq!(sublinear(1.0), 1.0);
        assert!((sublinear(std::f32::consts::E) - 2.0).abs() < 1e-6);
        assert_eq!(sublinear(0.5), 0.5);
        assert_eq!(sublinear(0.0), 0.0);
    }

    #[test]
    fn words_of_one_field_weigh_less_than_words_across_fields() {
        let h = "healthcare/medical-imaging";
        let cases = [
            case("h1", &[h], &[SHORTCUT], "radiograph", "", &[]),
            case("h2", &[h], &[SHORTCUT], "radiograph", "", &[]),
            case("h3", &[h], &[SHORTCUT], "divergence", "", &[]),
            case("h4", &[h], &[SHORTCUT], "", "", &[]),
            case("e1", &["ecology"], &[SHORTCUT], "divergence", "", &[]),
            case("e2", &["ecology"], &[SHORTCUT], "", "", &[]),
        ];
        let corpus = build(&cases);
        // Both terms are in two cases; "radiograph" lives in one domain (perplexity 1, factor
        // 1/4), "divergence" in two at rates 1/4 and 1/2 (perplexity 1.89, factor 0.47).
        let ratio = idf(&corpus, "diverg") / idf(&corpus, "radiograph");
        let expected =
            (-(1.0f32 / 3.0) * (1.0f32 / 3.0).ln() - (2.0 / 3.0) * (2.0f32 / 3.0).ln()).exp();
        assert!((ratio - expected).abs() < 1e-4, "{ratio} vs {expected}");
    }

    #[test]
    fn words_of_the_cause_lexicon_weigh_more() {
        let cases = [
            case("a", &[], &[SHORTCUT], "spurious zebra", "", &[]),
            case("b", &[], &[SHORTCUT], "spurious zebra", "", &[]),
            case("c", &[], &[SHORTCUT], "other", "", &[]),
        ];
        let corpus = build(&cases);
        // "spurious" is in the aliases of shortcut learning; "zebra" is not.
        let ratio = idf(&corpus, "spurious") / idf(&corpus, "zebra");
        assert!(
            (ratio - Params::default().lexicon_boost).abs() < 1e-5,
            "{ratio}"
        );
    }

    #[test]
    fn cause_terms_weigh_by_position_with_families() {
        let c = case(
            "a",
            &[],
            &[SHORTCUT, "data/confounding", LEAKAGE],
            "",
            "",
            &[],
        );
        let got = cause_terms(&c, &Params::default());
        let want = [
            ("cause:data/confounding", 0.5),
            ("cause:data/leakage", 1.0 / 3.0),
            ("cause:model/shortcut-learning", 1.0),
            ("family:data", 0.25 + 1.0 / 6.0),
            ("family:model", 0.5),
        ];
        assert_eq!(got.len(), want.len());
        for ((k, w), (wk, ww)) in got.iter().zip(want) {
            assert_eq!(k, wk);
            assert!((w - ww).abs() < 1e-6, "{k}: {w} vs {ww}");
        }
    }

    #[test]
    fn inferred_causes_count_half() {
        let mut c = case("a", &[], &[], "", "", &[]);
        c.causes = vec![notbetter_taxonomy::Label {
            value: LEAKAGE.into(),
            state: LabelState::Inferred,
            raw: None,
            evidence: vec!["leakage".into()],
            matched: None,
        }];
        let got = cause_terms(&c, &Params::default());
        assert_eq!(got[0], ("cause:data/leakage".to_string(), 0.5));
        assert_eq!(got[1], ("family:data".to_string(), 0.25));
    }
}
