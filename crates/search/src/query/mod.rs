//! Queries: plain text read leniently (see `parse` and `plan`), facet filters (OR inside a
//! dimension, AND across), year ranges, sorting, snippets, and facet counts over the whole
//! result set.
//!
//! Facet counts are disjunctive: the counts of a dimension are computed with every filter
//! except that dimension's own, so a reader sees how many cases each other value would add.

mod any_field;
mod causes;
mod hits;
mod lexicon;
mod like;
mod mechanisms;
mod more_like;
mod parse;
mod plan;
mod prefix;
mod rank;
mod scores_of;
mod snippet;
mod soft;
mod sparse;
mod spell;
mod terms;
mod thesaurus;
mod tiers;
mod tuning;
mod unseen;
mod warm;

use rank::{held, RERANK_EXTRA};
use scores_of::ScoresOf;
pub use snippet::Snippet;

pub(crate) use causes::Priors;
pub(crate) use lexicon::Lexicon;
pub use like::{Brief, Neighbour, TextCause};
pub(crate) use mechanisms::MechanismTable;
pub use mechanisms::{MechanismDoc, ReadMechanism};
pub use plan::{Correction, ReadLabel, Reading};
pub(crate) use plan::{BODY_FIELDS, PROXIMITY_FIELDS};
pub use tuning::Tuning;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::atomic::Ordering as AtomicOrdering;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Order, Score, Searcher, Term};

use crate::deadline::{Deadline, TIMED_OUT};
use crate::facets::{Counts, FacetCounter};
use crate::schema::{facet_of, FacetDim};
use crate::{Result, SearchError, SearchIndex};

/// What one pass over a query gives: the total, the top hits, the facet counts if asked for,
/// and the scores of chosen documents if asked for (`one_pass`).
type Pass<Top> = (usize, Top, Option<Counts>, Option<Vec<(DocAddress, Score)>>);

/// The most hits one request may ask for.
pub const MAX_LIMIT: usize = 100;
/// The deepest offset one request may ask for; deeper paging is refused, not slowed down.
pub const MAX_OFFSET: usize = 10_000;
const MAX_QUERY_CHARS: usize = 1_000;
const SNIPPET_CHARS: usize = 220;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    /// Newest first.
    Year,
    /// Oldest first.
    YearAsc,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "" | "relevance" => Some(Sort::Relevance),
            "year" | "newest" => Some(Sort::Year),
            "year_asc" | "oldest" => Some(Sort::YearAsc),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchRequest {
    /// What the person typed: plain words, with quotes, `+`/`-`, `field:term` and a trailing
    /// `*` where clearly meant. Empty or `*` matches every case.
    pub query: String,
    /// Selected facet values (slugs) per dimension.
    pub filters: BTreeMap<FacetDim, Vec<String>>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            filters: BTreeMap::new(),
            year_from: None,
            year_to: None,
            sort: Sort::Relevance,
            offset: 0,
            limit: 20,
        }
    }
}

impl SearchRequest {
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            ..Default::default()
        }
    }

    pub fn filter(mut self, dim: FacetDim, slug: impl Into<String>) -> SearchRequest {
        self.filters.entry(dim).or_default().push(slug.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub year: Option<i32>,
    pub domains: Vec<String>,
    pub causes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inferred_causes: Vec<String>,
    pub failure_modes: Vec<String>,
    pub source: String,
    /// A passage of the case with the query's matches marked.
    pub snippet: Snippet,
    pub score: f32,
    /// The query's words this case does not hold, when it holds only some of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// Slug → number of matching cases, per dimension. Parents count the cases of their children.
pub type FacetCounts = BTreeMap<FacetDim, BTreeMap<String, u64>>;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: FacetCounts,
    /// How the query was read.
    pub reading: Reading,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Similar {
    pub id: String,
    pub title: String,
    pub domains: Vec<String>,
    pub score: f32,
}

impl SearchIndex {
    /// Checks the query's length and plans it (see `plan`).
    fn planned(
        &self,
        searcher: &Searcher,
        text: &str,
        at_most: Option<usize>,
    ) -> Result<plan::Plan> {
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchError::Request(format!(
                "query is too long: at most {MAX_QUERY_CHARS} characters"
            )));
        }
        Ok(self.plan(searcher, text.trim(), at_most)?)
    }

    fn filter_query(&self, dim: FacetDim, slugs: &[String]) -> Box<dyn Query> {
        let field = self.fields.facet(dim);
        let clauses: Vec<(Occur, Box<dyn Query>)> = slugs
            .iter()
            .map(|s| {
                let term = Term::from_facet(field, &facet_of(s.trim_matches('/')));
                let q: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                (Occur::Should, q)
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    /// The text query AND the year range, AND the facet filters if `with_filters`.
    fn combined(
        &self,
        text: &dyn Query,
        req: &SearchRequest,
        with_filters: bool,
    ) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text.box_clone())];
        for (dim, slugs) in &req.filters {
            if with_filters && !slugs.is_empty() {
                clauses.push((Occur::Must, self.filter_query(*dim, slugs)));
            }
        }
        if req.year_from.is_some() || req.year_to.is_some() {
            let bound = |y: Option<i32>, incl: fn(Term) -> Bound<Term>| match y {
                Some(y) => incl(Term::from_field_i64(self.fields.year, i64::from(y))),
                None => Bound::Unbounded,
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    bound(req.year_from, Bound::Included),
                    bound(req.year_to, Bound::Included),
                )),
            ));
        }
        if clauses.len() == 1 {
            clauses.pop().map(|(_, q)| q).expect("one clause")
        } else {
            Box::new(BooleanQuery::new(clauses))
        }
    }

    /// Runs a search: ranked hits with snippets, the total, and facet counts. Answers from the
    /// result cache when the same request was made on the current searcher.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let results = self
            .cache
            .get_or(searcher.generation().generation_id(), req, || {
                self.search_uncached(&searcher, req)
            })?;
        Ok(SearchResults::clone(&results))
    }

    /// A search's result, with the errors a user's query can cause turned into the user errors
    /// they are: a passed deadline, and fields that do not exist or cannot be queried that way
    /// (the schema is fixed, so only the query can name them).
    fn timed<T>(&self, r: tantivy::Result<T>) -> Result<T> {
        use tantivy::TantivyError as E;
        match r {
            Err(E::InvalidArgument(m)) if m == TIMED_OUT => Err(SearchError::Request(format!(
                "the search took longer than {} ms; narrow it with more words or a filter",
                self.timeout_ms.load(AtomicOrdering::Relaxed)
            ))),
            Err(E::FieldNotFound(f)) => Err(SearchError::Query(format!(
                "unknown field `{f}`; searchable fields are title, tags, labels, use_case, solution, outcome, investigation, pattern, lessons, refs"
            ))),
            Err(E::SchemaError(m)) => Err(SearchError::Query(format!(
                "this kind of query is not supported here ({m})"
            ))),
            r => r.map_err(SearchError::from),
        }
    }

    /// Sets the time limit of one search (a search past it is refused as too broad).
    pub fn set_search_timeout(&self, limit: Duration) {
        self.timeout_ms
            .store(limit.as_millis() as u64, AtomicOrdering::Relaxed);
    }

    /// Sets how many results the cache keeps (0 turns it off, for measuring the engine); the
    /// similar-cases cache is turned off with it, and back on at its default size.
    pub fn set_result_cache(&self, entries: usize) {
        self.cache.resize(entries);
        self.similar_cache.resize(if entries == 0 {
            0
        } else {
            crate::index::SIMILAR_CACHE
        });
    }

    fn search_uncached(&self, searcher: &Searcher, req: &SearchRequest) -> Result<SearchResults> {
        if req.limit == 0 || req.limit > MAX_LIMIT {
            return Err(SearchError::Request(format!(
                "limit must be 1 to {MAX_LIMIT}"
            )));
        }
        if req.offset > MAX_OFFSET {
            return Err(SearchError::Request(format!(
                "offset must be at most {MAX_OFFSET}; narrow the search instead of paging deeper"
            )));
        }
        let plan = self.planned(searcher, &req.query, None)?;
        let results = self.run_plan(searcher, req, plan)?;
        self.tiered(searcher, req, results)
    }

    fn run_plan(
        &self,
        searcher: &Searcher,
        req: &SearchRequest,
        plan: plan::Plan,
    ) -> Result<SearchResults> {
        // Relevance over several soft words: a wider window by text score, reordered by how
        // much of the query each case holds (see `rerank`); the proximity of the query's words
        // is then scored on that window only.
        let rerank = req.sort == Sort::Relevance && plan.concepts.len() > 1;
        let text = if rerank {
            plan.query.box_clone()
        } else {
            plan.scored_query()
        };
        let full = self.combined(text.as_ref(), req, true);
        let full = if rerank {
            self.with_feedback(searcher, full, plan.concepts.len())?
        } else {
            full
        };

        // Facet counts come from a pass over the query without its facet filters (see
        // `facets`); with no filter that is the same query, so they share the pass for the hits.
        let filters: Vec<(FacetDim, Vec<String>)> = req
            .filters
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(d, v)| (*d, v.clone()))
            .collect();
        let counter = |filters| FacetCounter {
            dims: FacetDim::ALL.to_vec(),
            filters,
            tables: &self.facet_tables,
        };
        let shared = filters.is_empty().then(|| counter(Vec::new()));
        let deadline =
            Instant::now() + Duration::from_millis(self.timeout_ms.load(AtomicOrdering::Relaxed));
        let top = if rerank {
            TopDocs::with_limit(req.offset + req.limit + RERANK_EXTRA)
        } else {
            TopDocs::with_limit(req.limit).and_offset(req.offset)
        };
        // The members of the mechanisms a question was read as: the pass keeps the scores of
        // those it matches, for `with_members`.
        let members = if rerank && !plan.lifted.is_empty() {
            self.timed(self.members_of(searcher, &plan))?
        } else {
            Vec::new()
        };
        let mut member_scores = Vec::new();
        let (total, addresses, facets) = match req.sort {
            Sort::Relevance => {
                // Equal scores in id order (`ties`), so pages hold still across merges.
                let key = crate::ties::by_relevance();
                let scores_of =
                    (!members.is_empty()).then(|| ScoresOf::new(members.iter().map(|(_, a)| *a)));
                let (total, hits, facets, scores) = self.one_pass(
                    searcher,
                    full.as_ref(),
                    top.order_by(key),
                    shared,
                    scores_of,
                    deadline,
                )?;
                member_scores = scores.unwrap_or_default();
                let hits = hits.into_iter().map(|((s, _, _), a)| (s, a)).collect();
                (total, hits, facets)
            }
            Sort::Year | Sort::YearAsc => {
                let order = if req.sort == Sort::Year {
                    Order::Desc
                } else {
                    Order::Asc
                };
                // Ties on the year are broken by id, so the order does not depend on how the
                // index's segments happen to be laid out.
                let key = crate::ties::by_year(order);
                let (total, hits, facets, _) = self.one_pass(
                    searcher,
                    full.as_ref(),
                    top.order_by(key),
                    shared,
                    None,
                    deadline,
                )?;
                let hits = hits.into_iter().map(|(_, a)| (0.0, a)).collect();
                (total, hits, facets)
            }
        };
        let facets = match facets {
            Some(facets) => facets,
            None => {
                let unfiltered = self.combined(text.as_ref(), req, false);
                let counter = Deadline {
                    inner: counter(filters),
                    at: deadline,
                };
                self.timed(self.run(searcher, unfiltered.as_ref(), &counter))?
            }
        };

        let (addresses, held) = if rerank {
            let (mut addresses, lifts) =
                self.with_members(searcher, &plan, addresses, &members, &member_scores)?;
            // The window's proximity scores and the words each case holds, in one trip to
            // the pool.
            let found = self.timed(self.per_document(
                searcher,
                &addresses,
                |(_, a)| a.segment_ord,
                |some| {
                    let near = rank::scores(searcher, &plan.proximity, some)?;
                    let held = held(searcher, &plan.concepts, some)?;
                    Ok(near.into_iter().zip(held).collect())
                },
            ))?;
            let mut held = Vec::with_capacity(found.len());
            for ((score, _), (near, h)) in addresses.iter_mut().zip(found) {
                *score += near;
                held.push(h);
            }
            let at: Vec<DocAddress> = addresses.iter().map(|(_, a)| *a).collect();
            let keys = self.timed(crate::ties::keys_of(searcher, &at))?;
            let mut ranked: Vec<((f32, DocAddress), Vec<bool>)> =
                self.rerank(&plan.concepts, addresses, keys, held, &lifts);
            ranked.drain(..req.offset.min(ranked.len()));
            ranked.truncate(req.limit);
            ranked.into_iter().unzip()
        } else {
            let held = self.timed(held(searcher, &plan.concepts, &addresses))?;
            (addresses, held)
        };
        let mut hits = self.hits(searcher, full.as_ref(), &addresses)?;
        for (hit, held) in hits.iter_mut().zip(&held) {
            hit.missing = plan
                .concepts
                .iter()
                .zip(held)
                .filter(|(_, h)| !**h)
                .map(|(c, _)| c.label.clone())
                .collect();
        }
        Ok(SearchResults {
            total,
            hits,
            facets,
            reading: plan.reading,
        })
    }

    /// One pass over `query`: the total, the top hits by `top`, the facets if `counter` is
    /// given, and the scores of the documents `scores_of` names if it is. The collectors form
    /// a tuple, so each document reaches them without dynamic dispatch.
    fn one_pass<T: Collector>(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        top: T,
        counter: Option<FacetCounter<'_>>,
        scores_of: Option<ScoresOf>,
        deadline: Instant,
    ) -> Result<Pass<T::Fruit>> {
        let collector = Deadline {
            inner: (Count, top, counter, scores_of),
            at: deadline,
        };
        self.timed(self.run(searcher, query, &collector))
    }
}

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_compounds;
#[cfg(test)]
mod tests_fields;
#[cfg(test)]
mod tests_meaning;
#[cfg(test)]
mod tests_names;
