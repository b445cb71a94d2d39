//! Free text of any length (a planned project's description) against the index: the cases
//! most like it (more-like-this over the text's own terms, not a query a person typed), the
//! causes its words point to, and a case's brief for showing it as a precedent.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, TantivyDocument, Term};

use super::causes::body_df;
use super::lexicon::text_words;
use crate::schema::{
    facet_of, FacetDim, INVESTIGATION, LESSONS, OUTCOME, PATTERN, SOLUTION, TAGS, TITLE, USE_CASE,
};
use crate::{Result, SearchIndex};

/// Distinct words of a long text that take part in reading its causes: the rarest ones.
const CAUSE_WORDS: usize = 60;
/// Terms a more-like-this query keeps from a long text.
const LIKE_TERMS: usize = 60;
/// The fields a case is described by, whose terms the text is matched in.
const LIKE_FIELDS: [&str; 7] = [
    TITLE,
    TAGS,
    USE_CASE,
    SOLUTION,
    OUTCOME,
    INVESTIGATION,
    LESSONS,
];

/// A case like a text, with what the pre-mortem needs of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Neighbour {
    pub id: String,
    pub title: String,
    pub domains: Vec<String>,
    /// Confirmed causes, primary first.
    pub causes: Vec<String>,
    pub score: f32,
}

/// A cause a text's words point to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextCause {
    pub slug: String,
    pub score: f64,
    /// The words (as written) that count most for it.
    pub words: Vec<String>,
}

/// What a precedent shows of a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Brief {
    pub id: String,
    pub title: String,
    pub domains: Vec<String>,
    pub outcome: String,
    /// The pattern in any field (empty if the case has none).
    pub pattern: String,
    pub lessons: String,
}

impl SearchIndex {
    /// The `limit` cases most like `text` (by more-like-this over the text's terms in every
    /// field cases are described by), leaving out `exclude`.
    pub fn like_text(&self, text: &str, limit: usize, exclude: &[&str]) -> Result<Vec<Neighbour>> {
        self.like(text, limit, exclude, None)
    }

    fn like(
        &self,
        text: &str,
        limit: usize,
        exclude: &[&str],
        cause: Option<&str>,
    ) -> Result<Vec<Neighbour>> {
        let searcher = self.reader.searcher();
        let like: Box<dyn Query> = Box::new(self.text_terms(&searcher, text)?);
        let query: Box<dyn Query> = match cause {
            None => like,
            Some(slug) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, like),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_facet(self.fields.facet(FacetDim::Cause), &facet_of(slug)),
                        IndexRecordOption::Basic,
                    )),
                ),
            ])),
        };
        let found = searcher.search(
            query.as_ref(),
            &TopDocs::with_limit(limit + exclude.len()).order_by_score(),
        )?;
        let mut out = Vec::new();
        for (score, addr) in found {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let id = self.text_of(&doc, crate::schema::ID);
            if exclude.contains(&id.as_str()) {
                continue;
            }
            out.push(Neighbour {
                title: self.text_of(&doc, TITLE),
                domains: self.facets_of(&doc, FacetDim::Domain),
                causes: self.facets_of(&doc, FacetDim::Cause),
                id,
                score,
            });
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }

    /// The `LIKE_TERMS` terms of `text` that say most about it, per field, as one query: what
    /// tantivy's more-like-this does with a document's fields (term frequency times BM25's
    /// idf; words of four letters or more; terms in no case, or in more than a quarter of
    /// the cases, left out), but with ties broken by field and term, so the same text always
    /// gives the same query. (More-like-this keeps its candidates in a hash map and a heap,
    /// and broke ties differently from run to run, which moved the evaluation by ±0.01.)
    fn text_terms(&self, searcher: &Searcher, text: &str) -> Result<BooleanQuery> {
        let n = searcher.num_docs();
        let max_df = (n / 4).max(2);
        let mut analyzer = crate::stem::en_stem();
        let mut tf: BTreeMap<String, u32> = BTreeMap::new();
        let mut stream = analyzer.token_stream(text);
        while let Some(t) = stream.next() {
            if t.text.len() >= 4 {
                *tf.entry(t.text.clone()).or_default() += 1;
            }
        }
        let mut scored: Vec<(f32, Term)> = Vec::new();
        for name in LIKE_FIELDS {
            let field = self.schema.get_field(name).expect("field");
            for (word, &count) in &tf {
                let term = Term::from_field_text(field, word);
                let df = searcher.doc_freq(&term)?;
                if df == 0 || df > max_df {
                    continue;
                }
                let idf = ((((n - df) as f32 + 0.5) / (df as f32 + 0.5)) + 1.0).ln();
                scored.push((count as f32 * idf, term));
            }
        }
        // Best first; ties by field (LIKE_FIELDS order, as pushed) and term: a stable sort.
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.truncate(LIKE_TERMS);
        Ok(BooleanQuery::new(
            scored
                .into_iter()
                .map(|(_, t)| {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect(),
        ))
    }

    /// The causes the words of `text` point to, best first (see `causes`): its rarest
    /// `CAUSE_WORDS` distinct content words are read, so a long text costs what a question
    /// of that many words does.
    pub fn causes_of_text(&self, text: &str) -> Result<Vec<TextCause>> {
        self.labels_of_text(FacetDim::Cause, text)
    }

    /// The labels of `dim` (causes, or the narrowest domains) the words of `text` point to,
    /// best first, read as [`SearchIndex::causes_of_text`] reads causes.
    pub fn labels_of_text(&self, dim: FacetDim, text: &str) -> Result<Vec<TextCause>> {
        let searcher = self.reader.searcher();
        let vocab = self.lexicon.vocab(dim);
        let mut analyzer = crate::stem::en_stem();
        let mut seen: HashMap<String, String> = HashMap::new();
        for w in text_words(&mut analyzer, text) {
            if !w.stop && w.stem.chars().count() > 2 {
                seen.entry(w.stem).or_insert(w.surface);
            }
        }
        let n = searcher.num_docs().max(1) as f64;
        let mut words: Vec<(f64, String, String)> = seen
            .into_iter()
            .map(|(stem, surface)| {
                let df = body_df(&searcher, &self.fields.body, &stem).unwrap_or(0);
                // Words in no case cannot point anywhere; taxonomy words still can.
                let known = df > 0 || vocab.spread.contains_key(&stem);
                let idf = if known {
                    (n / (df as f64 + 1.0)).ln()
                } else {
                    f64::MIN
                };
                (idf, stem, surface)
            })
            .filter(|(idf, _, _)| *idf > f64::MIN)
            .collect();
        words.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        words.truncate(CAUSE_WORDS);
        let pairs: Vec<(String, String)> = words.into_iter().map(|(_, s, w)| (s, w)).collect();
        let read = self.read_labels(&searcher, dim, &pairs)?;
        Ok(read
            .into_iter()
            .map(|c| TextCause {
                slug: c.slug,
                score: c.score,
                words: c.words,
            })
            .collect())
    }

    /// Cases filed under `cause`, most like `text` first, for precedents from fields the
    /// neighbours did not reach. Leaves out `exclude`.
    pub fn like_text_with_cause(
        &self,
        text: &str,
        cause: &str,
        limit: usize,
        exclude: &[&str],
    ) -> Result<Vec<Neighbour>> {
        self.like(text, limit, exclude, Some(cause))
    }

    /// A case's title, domains, outcome, pattern and lessons, from the index's stored text.
    pub fn brief(&self, id: &str) -> Result<Option<Brief>> {
        let searcher = self.reader.searcher();
        let Some((_, doc)) = self.doc_by_id(&searcher, id)? else {
            return Ok(None);
        };
        Ok(Some(Brief {
            id: id.to_string(),
            title: self.text_of(&doc, TITLE),
            domains: self.facets_of(&doc, FacetDim::Domain),
            outcome: self.text_of(&doc, OUTCOME),
            pattern: self.text_of(&doc, PATTERN),
            lessons: self.text_of(&doc, LESSONS),
        }))
    }
}
