//! Reading a question as causes: which of the taxonomy's causes a query describes, from the
//! taxonomy's own words for each cause and from the words of the cases filed under it, so a
//! mechanism described in other words ("the network learns whatever traces the collection
//! process leaves") still finds the cases filed under its cause, in every field.
//!
//! For each content word of the query, the cases holding it (a sample of at most
//! `SAMPLE_PER_WORD`, so the cost is bounded at any size) are tallied by confirmed cause. A
//! cause scores the word's inverse document frequency times the log of its *lift*: how much
//! more often the cause appears among those cases than among all cases, smoothed so that one
//! or two cases cannot make a lift. Words of the cause's name, aliases or description add to
//! it, less so when many causes share the word. The sum over words, divided by the sum of the
//! words' weights, is the cause's score.

use std::collections::HashMap;
use std::sync::Mutex;

use tantivy::query::{BooleanQuery, EnableScoring, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocSet, Searcher, Term, TERMINATED};

use super::lexicon::Vocab;
use super::tuning::Tuning;
use crate::facets::SegmentTables;
use crate::schema::FacetDim;

/// Cases looked at per query word.
const SAMPLE_PER_WORD: usize = 5_000;
/// How causes are scored (from `Tuning`).
#[derive(Debug, Clone, Copy)]
struct CauseParams {
    /// A cause needs this many sampled cases holding a word before the word counts for it.
    pub support: u64,
    /// Smoothing: a word's cases are mixed with this many cases at the overall rate.
    pub smoothing: f64,
    /// Weight of a word from the cause's own name, aliases or description.
    pub taxonomy: f64,
    /// A word held by more than this share of the cases is common: it counts for a cause's
    /// score but not for its support.
    pub common: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CauseScore {
    pub slug: String,
    pub score: f64,
    /// The query words (as typed) that count most for it.
    pub words: Vec<String>,
    /// How many of the words counting for it are not common (held by at most
    /// `CauseParams::common` of the cases).
    pub support: usize,
}

/// The number of cases, and cases per cause.
type Totals = std::sync::Arc<(u64, HashMap<String, u64>)>;
/// Per cause: its score and the (weight, word) pairs behind it.
type Scores<'a> = HashMap<&'a str, (f64, Vec<(f64, &'a str)>)>;

/// Cases per label of a dimension over the whole index, kept per searcher generation.
#[derive(Debug, Default)]
pub(crate) struct Priors {
    cached: Mutex<HashMap<FacetDim, (u64, Totals)>>,
}

impl Priors {
    fn get(
        &self,
        searcher: &Searcher,
        tables: &SegmentTables,
        dim: FacetDim,
    ) -> tantivy::Result<Totals> {
        let generation = searcher.generation().generation_id();
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((g, p)) = cached.get(&dim) {
            if *g == generation {
                return Ok(p.clone());
            }
        }
        let mut totals: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            let table = tables.get(segment)?;
            let alive = segment.alive_bitset();
            for (slug, n) in table.totals(dim, |d| alive.is_none_or(|a| a.is_alive(d))) {
                *totals.entry(slug.to_string()).or_default() += n;
            }
        }
        let p = std::sync::Arc::new((searcher.num_docs(), totals));
        cached.insert(dim, (generation, p.clone()));
        Ok(p)
    }
}

/// Scores every label of `dim` in `vocab` (causes, or the narrowest domains) against the
/// query's content words, `(stem, surface)`, best first; labels scoring nothing are left out.
#[allow(clippy::too_many_arguments)]
fn read_labels(
    searcher: &Searcher,
    tables: &SegmentTables,
    priors: &Priors,
    body: &[Field],
    dim: FacetDim,
    vocab: &Vocab,
    words: &[(String, String)],
    params: CauseParams,
) -> tantivy::Result<Vec<CauseScore>> {
    let priors = priors.get(searcher, tables, dim)?;
    let (n_docs, totals) = (&priors.0, &priors.1);
    if *n_docs == 0 || words.is_empty() {
        return Ok(Vec::new());
    }
    let n = *n_docs as f64;
    let mut scores: Scores = HashMap::new();
    let mut weight_sum = 0.0;
    let mut seen_stems = Vec::new();
    let mut common: Vec<&str> = Vec::new();
    for (stem, surface) in words {
        if seen_stems.contains(&stem) {
            continue;
        }
        seen_stems.push(stem);
        let terms: Vec<Term> = body
            .iter()
            .map(|f| Term::from_field_text(*f, stem))
            .collect();
        let df = body_df(searcher, body, stem)?;
        let spread = vocab.spread.get(stem.as_str()).copied();
        if df == 0 && spread.is_none() {
            continue;
        }
        let idf = (1.0 + n / (df as f64 + 1.0)).ln();
        weight_sum += idf;
        if df as f64 > params.common * n {
            common.push(surface);
        }
        if df > 0 {
            let (seen, per_cause) = tally(searcher, tables, &terms, dim, vocab)?;
            for (slug, k) in per_cause {
                if k < params.support {
                    continue;
                }
                let Some(&total) = totals.get(slug.as_str()) else {
                    continue;
                };
                let prior = total as f64 / n;
                let p = (k as f64 + params.smoothing * prior) / (seen as f64 + params.smoothing);
                let lift = (p / prior).ln();
                if lift > 0.0 {
                    let slug = vocab
                        .names
                        .get_key_value(slug.as_str())
                        .map(|(k, _)| k.as_str());
                    if let Some(slug) = slug {
                        let e = scores.entry(slug).or_default();
                        e.0 += idf * lift;
                        e.1.push((idf * lift, surface));
                    }
                }
            }
        }
        if let Some(spread) = spread {
            for (slug, own) in &vocab.words {
                if own.contains(stem.as_str()) {
                    let w = idf * params.taxonomy / spread as f64;
                    let e = scores.entry(slug.as_str()).or_default();
                    e.0 += w;
                    e.1.push((w, surface));
                }
            }
        }
    }
    if weight_sum == 0.0 {
        return Ok(Vec::new());
    }
    let mut out: Vec<CauseScore> = scores
        .into_iter()
        .map(|(slug, (s, mut ws))| {
            ws.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut words: Vec<String> = Vec::new();
            let mut support: Vec<&str> = Vec::new();
            for (_, w) in ws {
                if !words.iter().any(|x| x == w) && words.len() < 3 {
                    words.push(w.to_string());
                }
                if !common.contains(&w) && !support.contains(&w) {
                    support.push(w);
                }
            }
            CauseScore {
                slug: slug.to_string(),
                score: s / weight_sum,
                words,
                support: support.len(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.slug.cmp(&b.slug)));
    Ok(out)
}

/// How many cases hold `stem` in the body fields: the most of any one field (a case holding
/// it in two fields counts once).
pub(crate) fn body_df(searcher: &Searcher, body: &[Field], stem: &str) -> tantivy::Result<u64> {
    let mut df = 0;
    for f in body {
        df = df.max(searcher.doc_freq(&Term::from_field_text(*f, stem))?);
    }
    Ok(df)
}

/// The causes to lift, with their strength (1 for the best): those read from the words when
/// strong enough, less the causes the question names by an alias (already synonyms).
pub(super) fn choose<'a>(
    read: &'a [CauseScore],
    named: &[String],
    tuning: &Tuning,
) -> Vec<(&'a CauseScore, f32)> {
    // Readings resting on fewer than two uncommon words are no readings: they neither count
    // nor set the bar.
    let mut eligible = read.iter().filter(|c| c.support >= tuning.cause_min_words);
    let Some(best) = eligible.next() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in std::iter::once(best).chain(eligible).take(2) {
        let strong = c.score as f32 >= tuning.cause_threshold
            && c.score as f32 >= tuning.cause_relative * best.score as f32;
        if strong && !named.contains(&c.slug) {
            out.push((c, (c.score / best.score) as f32));
        }
    }
    out
}

impl crate::SearchIndex {
    /// `read_labels` of the causes over this index, with the knobs in force.
    pub(crate) fn read_causes(
        &self,
        searcher: &Searcher,
        words: &[(String, String)],
    ) -> tantivy::Result<Vec<CauseScore>> {
        self.read_labels(searcher, FacetDim::Cause, words)
    }

    /// `read_labels` of `dim` (causes or domains) over this index, with the knobs in force.
    pub(crate) fn read_labels(
        &self,
        searcher: &Searcher,
        dim: FacetDim,
        words: &[(String, String)],
    ) -> tantivy::Result<Vec<CauseScore>> {
        let t = self.tuning();
        let vocab = self.lexicon.vocab(dim);
        read_labels(
            searcher,
            &self.facet_tables,
            &self.priors,
            &self.fields.body,
            dim,
            vocab,
            words,
            CauseParams {
                support: t.cause_support as u64,
                smoothing: f64::from(t.cause_smoothing),
                taxonomy: f64::from(t.cause_taxonomy),
                common: f64::from(t.cause_common),
            },
        )
    }
}

/// The number of cases holding any of `terms` (at most `SAMPLE_PER_WORD` looked at), and
/// how many of them carry each label of `dim` that `vocab` reads as.
fn tally(
    searcher: &Searcher,
    tables: &SegmentTables,
    terms: &[Term],
    dim: FacetDim,
    vocab: &Vocab,
) -> tantivy::Result<(u64, HashMap<String, u64>)> {
    let query = BooleanQuery::union(
        terms
            .iter()
            .map(|t| {
                Box::new(TermQuery::new(t.clone(), IndexRecordOption::Basic)) as Box<dyn Query>
            })
            .collect(),
    );
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut seen = 0u64;
    let mut per_cause: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        if seen as usize >= SAMPLE_PER_WORD {
            break;
        }
        let table = tables.get(segment)?;
        let alive = segment.alive_bitset();
        // Counted by label id within the segment, named once at the end.
        let mut counts = vec![0u64; table.label_count(dim)];
        let mut scorer = weight.scorer(segment, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED && (seen as usize) < SAMPLE_PER_WORD {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                seen += 1;
                for &id in table.label_ids(dim, doc) {
                    counts[id as usize] += 1;
                }
            }
            doc = scorer.advance();
        }
        for (id, n) in counts.into_iter().enumerate() {
            let slug = table.label_name(dim, id as u32);
            if n > 0 && vocab.names.contains_key(slug) {
                *per_cause.entry(slug.to_string()).or_default() += n;
            }
        }
    }
    Ok((seen, per_cause))
}

#[cfg(test)]
mod tests {
    use super::{choose, CauseScore};
    use crate::query::tuning::Tuning;

    fn read(slug: &str, score: f64, words: &[&str], support: usize) -> CauseScore {
        CauseScore {
            slug: slug.into(),
            score,
            words: words.iter().map(|w| w.to_string()).collect(),
            support,
        }
    }

    /// A cause is read only when two uncommon words of the question count for it: "fail"
    /// alone does not make a question about optimisation difficulty, nor "models fail"
    /// (both common) one about hallucination; the strongest reading left sets the bar.
    #[test]
    fn one_word_does_not_read_a_cause() {
        let scores = vec![
            read("model/optimization-difficulty", 0.9, &["fail"], 1),
            read("model/hallucination", 0.85, &["fail", "models"], 0),
            read("data/confounding", 0.8, &["confounder", "hospital"], 2),
        ];
        let chosen = choose(&scores, &[], &Tuning::default());
        let slugs: Vec<&str> = chosen.iter().map(|(c, _)| c.slug.as_str()).collect();
        assert_eq!(slugs, ["data/confounding"]);
        assert_eq!(chosen[0].1, 1.0, "the strongest reading left sets the bar");
        let any = Tuning {
            cause_min_words: 0,
            ..Tuning::default()
        };
        assert_eq!(choose(&scores, &[], &any).len(), 2);
    }

    /// Words more than `cause_common` of the cases hold add to a cause's score but are not
    /// counted among the words it rests on.
    #[test]
    fn common_words_do_not_count_as_support() {
        use crate::SearchIndex;
        use notbetter_taxonomy::{bundled, Case};
        let cases: Vec<Case> = (0..10)
            .map(|i| {
                let cause = if i < 3 {
                    "data/distribution-shift"
                } else {
                    "model/fairness"
                };
                let why = if i < 4 {
                    "The sensor readings began to drift."
                } else {
                    "Something else went wrong."
                };
                Case::builder(format!("c{i}"))
                    .title(format!("Case {i}"))
                    .causes(&[cause])
                    .elements("U.", "S.", "O.", why)
                    .build()
            })
            .collect();
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        idx.rebuild(&cases, 1).unwrap();
        let words: Vec<(String, String)> = ["drift", "sensor"]
            .iter()
            .map(|w| (w.to_string(), w.to_string()))
            .collect();
        let support = |common: f32| {
            idx.set_tuning(Tuning {
                cause_common: common,
                ..Tuning::default()
            });
            let read = idx.read_causes(&idx.reader.searcher(), &words).unwrap();
            let shift = read.iter().find(|c| c.slug == "data/distribution-shift");
            shift.expect("read from both words").support
        };
        // Four cases of ten hold both words.
        assert_eq!(support(1.0), 2);
        assert_eq!(support(0.5), 2);
        assert_eq!(support(0.3), 0);
    }
}
