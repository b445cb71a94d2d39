//! A word in any of the text fields, each field with its boost: tantivy's union of boosted
//! term queries, whose terms the soft union (`soft.rs`) can read straight into its window.
//!
//! Searched on its own, it is exactly the boolean query it wraps. Inside a soft union, each
//! concept of a question is such a word; tantivy's union would buffer its fields' matches in a
//! window of its own and hand them on one document at a time through a boxed scorer, which
//! was a fifth of a question's matching at 1M (docs/performance.md, "Twenty-second session").

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    Bm25Weight, BooleanQuery, BoostQuery, EnableScoring, Explanation, Occur, Query, TermQuery,
    Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// Any of `terms` (one per field), each scored by BM25 times its boost, summed in their order.
#[derive(Debug)]
pub struct AnyField {
    terms: Vec<(Term, Score)>,
    union: BooleanQuery,
}

impl AnyField {
    pub fn new(terms: Vec<(Term, Score)>) -> AnyField {
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|(term, boost)| {
                let q = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), *boost)) as Box<dyn Query>,
                )
            })
            .collect();
        AnyField {
            terms,
            union: BooleanQuery::new(clauses),
        }
    }

    /// The boolean query it is: its clauses are the fields' boosted term queries.
    pub fn union(&self) -> &BooleanQuery {
        &self.union
    }

    /// Each field's term with its BM25 weight and boost, as `TermQuery` weighs it, or with no
    /// weight when the search does not score.
    pub(crate) fn weighed(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Weighed> {
        let terms = self
            .terms
            .iter()
            .map(|(term, boost)| {
                let bm25 = match scoring {
                    EnableScoring::Enabled {
                        statistics_provider,
                        ..
                    } => Some(Bm25Weight::for_terms(
                        statistics_provider,
                        std::slice::from_ref(term),
                    )?),
                    EnableScoring::Disabled { .. } => None,
                };
                Ok((term.clone(), bm25, *boost))
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Weighed(terms))
    }
}

impl Clone for AnyField {
    fn clone(&self) -> Self {
        AnyField::new(self.terms.clone())
    }
}

impl Query for AnyField {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        self.union.weight(scoring)
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.union.query_terms(visitor)
    }
}

/// The terms of an [`AnyField`] with their weights, for one search.
pub(crate) struct Weighed(Vec<(Term, Option<Bm25Weight>, Score)>);

impl Weighed {
    /// The fields of one segment that hold the term, in the terms' order, scored (if the
    /// search scores) as tantivy's term scorer under a parent boost of `boost` (as
    /// `BoostWeight` passes it on: the parent's boost times the field's).
    pub(crate) fn in_segment(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Vec<FieldTerm>> {
        let mut out = Vec::with_capacity(self.0.len());
        for (term, bm25, b) in &self.0 {
            let field = term.field();
            let Some(postings) = reader
                .inverted_index(field)?
                .read_postings(term, IndexRecordOption::WithFreqs)?
            else {
                continue;
            };
            if postings.doc() == tantivy::TERMINATED {
                continue;
            }
            let scored = match bm25 {
                Some(bm25) => {
                    let norms = match reader.fieldnorms_readers().get_field(field)? {
                        Some(n) => n,
                        None => FieldNormReader::constant(reader.max_doc(), 1),
                    };
                    Some((norms, bm25.boost_by(boost * b)))
                }
                None => None,
            };
            out.push(FieldTerm { postings, scored });
        }
        Ok(out)
    }

    /// The word's score at `doc` (its fields' scores summed), if a field holds it there.
    pub(crate) fn explain(
        &self,
        reader: &SegmentReader,
        doc: DocId,
    ) -> tantivy::Result<Option<Explanation>> {
        let mut found = None;
        for mut t in self.in_segment(reader, 1.0)? {
            let at = if t.doc() >= doc { t.doc() } else { t.seek(doc) };
            if at == doc {
                *found.get_or_insert(0.0) += t.score();
            }
        }
        Ok(found
            .map(|score| Explanation::new("a word in any field: its fields' scores summed", score)))
    }
}

/// One field's postings of the term, scored as tantivy's `TermScorer` scores them (0 when
/// the search does not score).
pub(crate) struct FieldTerm {
    postings: SegmentPostings,
    scored: Option<(FieldNormReader, Bm25Weight)>,
}

impl FieldTerm {
    #[inline]
    pub(crate) fn doc(&self) -> DocId {
        self.postings.doc()
    }

    #[inline]
    pub(crate) fn advance(&mut self) -> DocId {
        self.postings.advance()
    }

    #[inline]
    pub(crate) fn seek(&mut self, target: DocId) -> DocId {
        self.postings.seek(target)
    }

    #[inline]
    pub(crate) fn score(&self) -> Score {
        match &self.scored {
            Some((norms, bm25)) => {
                let doc = self.postings.doc();
                bm25.score(norms.fieldnorm_id(doc), self.postings.term_freq())
            }
            None => 0.0,
        }
    }

    pub(crate) fn size_hint(&self) -> u32 {
        self.postings.size_hint()
    }
}
