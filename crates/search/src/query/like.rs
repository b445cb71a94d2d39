//! Free text of any length (a planned project's description) against the index: the cases
//! most like it (more-like-this over the text's own terms, not a query a person typed), the
//! causes its words point to, and a case's brief for showing it as a precedent.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, MoreLikeThisQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, OwnedValue};
use tantivy::{TantivyDocument, Term};

use super::causes::body_df;
use super::lexicon::query_words;
use crate::schema::{
    facet_of, FacetDim, INVESTIGATION, LESSONS, OUTCOME, SOLUTION, TAGS, TITLE, USE_CASE,
};
use crate::{Result, SearchIndex};

/// Distinct words of a long text that take part in reading its causes: the rarest ones.
const CAUSE_WORDS: usize = 60;
/// Terms a more-like-this query keeps from a long text.
const LIKE_TERMS: usize = 60;

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
        let fields = [
            TITLE,
            TAGS,
            USE_CASE,
            SOLUTION,
            OUTCOME,
            INVESTIGATION,
            LESSONS,
        ]
        .iter()
        .map(|n| {
            (
                self.schema.get_field(n).expect("field"),
                vec![OwnedValue::Str(text.to_string())],
            )
        })
        .collect();
        let mlt = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_max_doc_frequency((searcher.num_docs() / 4).max(2))
            .with_min_term_frequency(1)
            .with_min_word_length(4)
            .with_max_query_terms(LIKE_TERMS)
            .with_document_fields(fields);
        let query: Box<dyn Query> = match cause {
            None => Box::new(mlt),
            Some(slug) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(mlt) as Box<dyn Query>),
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

    /// The causes the words of `text` point to, best first (see `causes`): its rarest
    /// `CAUSE_WORDS` distinct content words are read, so a long text costs what a question
    /// of that many words does.
    pub fn causes_of_text(&self, text: &str) -> Result<Vec<TextCause>> {
        let searcher = self.reader.searcher();
        let mut analyzer = crate::stem::en_stem();
        let mut seen: HashMap<String, String> = HashMap::new();
        for w in query_words(&mut analyzer, text) {
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
                let known = df > 0 || self.lexicon.cause_word_spread.contains_key(&stem);
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
        let read = self.read_causes(&searcher, &pairs)?;
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

    /// A case's title, domains, outcome and lessons, from the index's stored text.
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
            lessons: self.text_of(&doc, LESSONS),
        }))
    }
}
