//! The query parts of a plan: a word in any field, a part the user clearly meant (phrase,
//! prefix, field), a facet term, and a word's weight.

use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::any_field::AnyField;
use super::lexicon::QueryWord;
use super::parse::{Part, Shape};
use super::prefix::PhrasePrefix;
use super::sparse::Boost;
use crate::schema::{facet_of, FacetDim, Fields};
use crate::SearchIndex;

/// The most synonyms one word brings in.
const MAX_SYNONYMS: usize = 4;

impl SearchIndex {
    /// A word in any text field, each field with its boost.
    pub(super) fn word_query(&self, stem: &str) -> Box<dyn Query> {
        Box::new(AnyField::new(
            self.fields
                .text
                .iter()
                .map(|&(f, boost)| (Term::from_field_text(f, stem), boost))
                .collect(),
        ))
    }

    /// A word, or one of `synonyms` (those the cases use, when they do not use the word; see
    /// [`Self::held_synonyms`]), each synonym weighing `weight`.
    pub(super) fn word_or_synonyms(
        &self,
        stem: &str,
        synonyms: &[String],
        weight: f32,
    ) -> Box<dyn Query> {
        if synonyms.is_empty() {
            return self.word_query(stem);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Should, self.word_query(stem))];
        for s in synonyms {
            clauses.push((
                Occur::Should,
                Box::new(Boost::new(self.word_query(s), weight)),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The synonyms of `stem` the cases use (at most `MAX_SYNONYMS`), when they do not use
    /// `stem` itself; else none.
    pub(super) fn held_synonyms(
        &self,
        searcher: &Searcher,
        stem: &str,
    ) -> tantivy::Result<Vec<String>> {
        let df = |s: &str| super::causes::body_df(searcher, &self.fields.body, s);
        if df(stem)? > 0 {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for s in super::thesaurus::synonyms(stem) {
            if out.len() == MAX_SYNONYMS {
                break;
            }
            if df(s)? > 0 {
                out.push(s.clone());
            }
        }
        Ok(out)
    }

    /// A part the user clearly meant: every word (in one field, or any), a phrase, or a
    /// phrase prefix.
    pub(super) fn strict(&self, part: &Part, words: &[QueryWord]) -> Box<dyn Query> {
        let fields: Vec<(Field, f32)> = match part.field {
            Some(name) => vec![(Fields::by_name(&self.schema, name), 1.0)],
            None => self.fields.text.clone(),
        };
        let per_field = |f: Field| -> Box<dyn Query> {
            let terms: Vec<Term> = words
                .iter()
                .map(|w| Term::from_field_text(f, &w.stem))
                .collect();
            match (part.shape, terms.len()) {
                (Shape::PhrasePrefix, _) => Box::new(PhrasePrefix::new(terms, 50)),
                (_, 1) => Box::new(TermQuery::new(
                    terms.into_iter().next().expect("one"),
                    IndexRecordOption::WithFreqs,
                )),
                // Words of one token ("ResNet-50") or a quoted phrase stay together.
                _ => Box::new(PhraseQuery::new(terms)),
            }
        };
        if part.shape == Shape::Words && words.len() > 1 && part.text.contains(char::is_whitespace)
        {
            // `+a b` never reaches here (b is its own token), but `title:"a b"` is a phrase;
            // several separate words in one part are all required.
            let each: Vec<Box<dyn Query>> = words
                .iter()
                .map(|w| {
                    self.strict(
                        &Part {
                            text: w.surface.clone(),
                            ..part.clone()
                        },
                        std::slice::from_ref(w),
                    )
                })
                .collect();
            return Box::new(BooleanQuery::intersection(each));
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = fields
            .iter()
            .map(|&(f, boost)| {
                (
                    Occur::Should,
                    Box::new(Boost::new(per_field(f), boost)) as Box<dyn Query>,
                )
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    pub(super) fn facet_query(&self, dim: FacetDim, slug: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_facet(self.fields.facet(dim), &facet_of(slug)),
            IndexRecordOption::Basic,
        ))
    }

    /// Inverse document frequency of a stem over the body fields (rarer words say more).
    pub(super) fn idf(&self, searcher: &Searcher, stem: &str) -> f32 {
        let n = searcher.num_docs() as f32;
        let df = super::causes::body_df(searcher, &self.fields.body, stem).unwrap_or(0) as f32;
        (1.0 + n / (df + 1.0)).ln().max(0.05)
    }
}
