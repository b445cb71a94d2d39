//! Tiers of a long query: when fewer than `Tuning::fill_below` cases (or none) hold the usual
//! share of its words, the cases holding one word fewer, then any, follow them, and the reader
//! is told how the results were widened.

use std::collections::HashSet;

use tantivy::Searcher;

use super::{SearchRequest, SearchResults, Sort};
use crate::{Result, SearchIndex};

impl SearchIndex {
    /// `results` (the query searched with its usual share), widened by tiers when too few
    /// cases hold that share.
    pub(super) fn tiered(
        &self,
        searcher: &Searcher,
        req: &SearchRequest,
        results: SearchResults,
    ) -> Result<SearchResults> {
        let fill_below = if req.sort == Sort::Relevance {
            self.tuning().fill_below
        } else {
            0
        };
        let (wanted, words) = (results.reading.min_match, results.reading.words);
        let minimums = relaxed_minimums(wanted);
        if results.total >= fill_below.max(1) || minimums.is_empty() {
            return Ok(results);
        }
        // Fewer cases than `fill_below` (or none) hold enough of a long query's words. Those
        // that do stay first, in their order, and the cases holding one word fewer, then any,
        // follow them (or replace them when there were none), and the reader is told; a long
        // question is not answered by nothing, or by two cases and nothing after them. Each
        // tier's matches include the previous tier's, so the total and the facet counts are
        // the last tier's.
        let mut whole = req.clone();
        whole.offset = 0;
        whole.limit = req.offset + req.limit + fill_below;
        let (mut first, none) = if results.total == 0 {
            (None, results)
        } else if req.offset == 0 && results.hits.len() == results.total {
            (Some((wanted, results)), SearchResults::default())
        } else {
            let plan = self.planned(searcher, &req.query, None)?;
            let all = self.run_plan(searcher, &whole, plan)?;
            (Some((wanted, all)), SearchResults::default())
        };
        for at_most in minimums {
            let relaxed = self.planned(searcher, &req.query, Some(at_most))?;
            let mut more = self.run_plan(searcher, &whole, relaxed)?;
            let widened = match first.take() {
                None if more.total == 0 => continue,
                None => {
                    more.reading.notes.push(if at_most > 1 {
                        format!("no case holds {wanted} of these {words} words, so cases holding {at_most} are shown")
                    } else {
                        format!("no case holds {wanted} of these {words} words, so cases holding any of them are shown")
                    });
                    more
                }
                Some((held, f)) if more.total <= f.total => {
                    first = Some((held, f));
                    continue;
                }
                Some((held, f)) => followed(f, more, held, at_most, words),
            };
            if widened.total >= fill_below {
                return Ok(paged(widened, req));
            }
            first = Some((at_most, widened));
        }
        Ok(first.map_or(none, |(_, f)| paged(f, req)))
    }
}

/// `first`'s hits (cases holding `held` of the `words`), then those of `more` (cases holding
/// `at_most`) not among them, with `more`'s total and facet counts, which include `first`'s.
fn followed(
    first: SearchResults,
    more: SearchResults,
    held: usize,
    at_most: usize,
    words: usize,
) -> SearchResults {
    let count = first.total;
    let seen: HashSet<String> = first.hits.iter().map(|h| h.id.clone()).collect();
    let mut hits = first.hits;
    hits.extend(more.hits.into_iter().filter(|h| !seen.contains(&h.id)));
    let mut reading = first.reading;
    let cases = if count == 1 {
        "case holds"
    } else {
        "cases hold"
    };
    reading.notes.push(if at_most > 1 {
        format!(
            "only {count} {cases} {held} of these {words} words; cases holding {at_most} follow"
        )
    } else {
        format!(
            "only {count} {cases} {held} of these {words} words; cases holding any of them follow"
        )
    });
    SearchResults {
        total: more.total.max(count),
        hits,
        facets: more.facets,
        reading,
    }
}

/// The page `req` asks for, out of results fetched from the first hit.
fn paged(mut results: SearchResults, req: &SearchRequest) -> SearchResults {
    results.hits = results
        .hits
        .into_iter()
        .skip(req.offset)
        .take(req.limit)
        .collect();
    results
}

/// The caps tried in turn when too few cases hold `wanted` of a query's words: one word
/// fewer, then any one (measured on the tuning half: going straight to any one word ranked a
/// long paraphrase's case lower, paraphrases' MRR 0.749 against 0.776).
pub(crate) fn relaxed_minimums(wanted: usize) -> Vec<usize> {
    match wanted {
        0 | 1 => Vec::new(),
        2 => vec![1],
        w => vec![w - 1, 1],
    }
}
