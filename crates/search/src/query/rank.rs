//! Ranking beyond text scores: reordering candidates by how much of the query they hold
//! (coverage), which concepts each hit holds (for "Missing:"), and pseudo-relevance feedback
//! (measured and off by default; see `Tuning::feedback`), and the lifts of the mechanisms and
//! causes a question was read as.

use std::collections::{HashMap, HashSet};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, EnableScoring, MoreLikeThisQuery, Occur, Query};
use tantivy::{DocAddress, Searcher};

use super::plan;
use super::sparse::{document_order, for_each_match};
use crate::ties::TieKey;
use crate::{Result, SearchIndex};

impl SearchIndex {
    /// Pseudo-relevance feedback for questions of several words: the cases most like the
    /// best few hits (more-like-this over their text) rank higher. The matching set does
    /// not change (the feedback is optional), so totals and facet counts stay exact.
    pub(super) fn with_feedback(
        &self,
        searcher: &Searcher,
        full: Box<dyn Query>,
        words: usize,
    ) -> Result<Box<dyn Query>> {
        let tuning = self.tuning();
        if tuning.feedback <= 0.0 || words < FEEDBACK_MIN_WORDS {
            return Ok(full);
        }
        let seeds = self.timed(searcher.search(
            full.as_ref(),
            &TopDocs::with_limit(FEEDBACK_DOCS).order_by_score(),
        ))?;
        if seeds.is_empty() {
            return Ok(full);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, full)];
        for (_, addr) in seeds {
            let mlt = MoreLikeThisQuery::builder()
                .with_min_doc_frequency(2)
                .with_max_doc_frequency((searcher.num_docs() / 5).max(2))
                .with_min_term_frequency(1)
                .with_min_word_length(4)
                .with_max_query_terms(FEEDBACK_TERMS)
                .with_document(addr);
            clauses.push((
                Occur::Should,
                Box::new(tantivy::query::BoostQuery::new(
                    Box::new(mlt),
                    tuning.feedback,
                )),
            ));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// The live documents of the members of the mechanisms the question was read as, each
    /// with its id, in segment and document order.
    pub(super) fn members_of(
        &self,
        searcher: &Searcher,
        plan: &plan::Plan,
    ) -> tantivy::Result<Vec<(String, DocAddress)>> {
        let mut ids: Vec<&str> = plan
            .lifted
            .iter()
            .flat_map(|(members, _)| members.iter().map(String::as_str))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        super::sparse::documents_of(searcher, self.fields.id, &ids)
    }

    /// The candidates for reranking plus the members of the mechanisms the question was read
    /// as that match the query but fell outside them, and each member's lift (its strongest
    /// mechanism's strength). `members` are [`Self::members_of`], and `scores` the text scores
    /// the search's pass gave those of them it matched.
    pub(super) fn with_members(
        &self,
        searcher: &Searcher,
        plan: &plan::Plan,
        mut addresses: Vec<(f32, DocAddress)>,
        members: &[(String, DocAddress)],
        scores: &[(DocAddress, f32)],
    ) -> Result<(Vec<(f32, DocAddress)>, Lifts)> {
        let mut lifts: HashMap<DocAddress, f32> = HashMap::new();
        let mut causes: HashMap<DocAddress, f32> = HashMap::new();
        let scores: HashMap<DocAddress, f32> = scores.iter().copied().collect();
        let matched: HashMap<&str, (DocAddress, f32)> = members
            .iter()
            .filter_map(|(id, addr)| Some((id.as_str(), (*addr, *scores.get(addr)?))))
            .collect();
        let window: HashSet<DocAddress> = addresses.iter().map(|(_, a)| *a).collect();
        let mut outside: HashMap<DocAddress, f32> = HashMap::new();
        for (members, strength) in &plan.lifted {
            for id in members {
                let Some(&(addr, score)) = matched.get(id.as_str()) else {
                    continue;
                };
                let lift = lifts.entry(addr).or_insert(0.0);
                *lift = lift.max(*strength);
                if !window.contains(&addr) {
                    outside.insert(addr, score);
                }
            }
        }
        // Of the members outside the window, the best by text score join it (see `best_of`).
        let at: Vec<DocAddress> = outside.keys().copied().collect();
        let keys = self.timed(crate::ties::keys_of(searcher, &at))?;
        let outside = at.into_iter().zip(keys).map(|(a, k)| (outside[&a], k, a));
        let (joining, left) = best_of(outside.collect(), RERANK_EXTRA);
        for addr in left {
            lifts.remove(&addr);
        }
        addresses.extend(joining);
        // Cases filed under a cause the question was read as.
        if self.tuning().cause_rerank > 0.0 && !plan.cause_lifts.is_empty() {
            let queries: Vec<Box<dyn Query>> = plan
                .cause_lifts
                .iter()
                .map(|(slug, _)| self.facet_query(crate::schema::FacetDim::Cause, slug))
                .collect();
            let refs: Vec<&dyn Query> = queries.iter().map(|q| q.as_ref()).collect();
            let found = self.timed(holds(searcher, &refs, &addresses))?;
            for ((_, addr), found) in addresses.iter().zip(found) {
                for ((_, strength), f) in plan.cause_lifts.iter().zip(found) {
                    if f {
                        *causes.entry(*addr).or_insert(0.0) += strength;
                    }
                }
            }
        }
        // A question that names a field asks about that field ("common failures in finance"):
        // the causes and mechanisms read from it lift only that field's cases, so the
        // readings' members from other fields do not push its own cases down.
        if !plan.fields.is_empty() {
            let queries: Vec<Box<dyn Query>> = plan
                .fields
                .iter()
                .map(|slug| self.facet_query(crate::schema::FacetDim::Domain, slug))
                .collect();
            let refs: Vec<&dyn Query> = queries.iter().map(|q| q.as_ref()).collect();
            let found = self.timed(holds(searcher, &refs, &addresses))?;
            for ((_, addr), found) in addresses.iter().zip(found) {
                if !found.contains(&true) {
                    lifts.remove(addr);
                    causes.remove(addr);
                }
            }
        }
        Ok((addresses, (lifts, causes)))
    }

    /// Orders candidates by text score plus how much of the query they hold: the share of the
    /// words' weight (rarer words weigh more) times the best score times `Tuning::coverage`.
    /// With the default, holding every word is worth as much as the best text score, so a
    /// case that misses a rare word ranks below one that holds it unless its text score is
    /// much higher. (Weighting coverage twice as much, nearer a strict order, lowered recall@10 on
    /// the tuning half from 0.800 to 0.791 on the cases of the time.)
    /// Members of a mechanism the question was read as gain `Tuning::mechanism_lift` times the
    /// best score (times the reading's strength), and cases under a cause it was read as
    /// `Tuning::cause_rerank` times it.
    pub(super) fn rerank(
        &self,
        concepts: &[plan::Concept],
        addresses: Vec<(f32, DocAddress)>,
        keys: Vec<TieKey>,
        held: Vec<Vec<bool>>,
        (lifts, causes): &Lifts,
    ) -> Vec<((f32, DocAddress), Vec<bool>)> {
        let tuning = self.tuning();
        let coverage = tuning.coverage;
        let total: f32 = concepts.iter().map(|c| c.weight).sum::<f32>().max(1e-6);
        let best = addresses.iter().map(|a| a.0).fold(0.0f32, f32::max);
        let mut ranked: Vec<((f32, TieKey, DocAddress), Vec<bool>)> = addresses
            .into_iter()
            .zip(keys)
            .zip(held)
            .map(|(((score, addr), key), h)| {
                let share: f32 = concepts
                    .iter()
                    .zip(&h)
                    .filter(|(_, h)| **h)
                    .map(|(c, _)| c.weight)
                    .sum::<f32>()
                    / total;
                let lift = lifts.get(&addr).copied().unwrap_or(0.0);
                let cause = causes.get(&addr).copied().unwrap_or(0.0);
                let gain =
                    coverage * share + tuning.mechanism_lift * lift + tuning.cause_rerank * cause;
                ((score + best * gain, key, addr), h)
            })
            .collect();
        // Equal scores in id order (`ties`).
        ranked.sort_by(|a, b| crate::ties::by_score(&a.0, &b.0));
        ranked
            .into_iter()
            .map(|((score, _, addr), h)| ((score, addr), h))
            .collect()
    }
}

/// Pseudo-relevance feedback: from questions of this many concepts, the best this many
/// hits, each contributing this many of its terms.
/// Per candidate: the strength of its strongest mechanism reading, and the summed strength of
/// the causes read from the question that it is filed under.
pub(super) type Lifts = (HashMap<DocAddress, f32>, HashMap<DocAddress, f32>);

const FEEDBACK_MIN_WORDS: usize = 4;
const FEEDBACK_DOCS: usize = 2;
const FEEDBACK_TERMS: usize = 25;

/// Candidates looked at beyond the page asked for, when reordering by how much of the query
/// each holds.
pub(super) const RERANK_EXTRA: usize = 100;

/// The `n` best of `candidates` by text score (ties in id order: `ties`), and the others'
/// addresses. Members of a mechanism outside the reranked window join it this way, at most
/// `RERANK_EXTRA`: the cut the window itself makes below the page. (At a million cases a
/// mechanism has hundreds of members, and scoring the proximity and words of every one cost a
/// question more than its search.)
fn best_of(
    mut ranked: Vec<(f32, TieKey, DocAddress)>,
    n: usize,
) -> (Vec<(f32, DocAddress)>, Vec<DocAddress>) {
    ranked.sort_by(crate::ties::by_score);
    let left = ranked
        .drain(n.min(ranked.len())..)
        .map(|(_, _, a)| a)
        .collect();
    (ranked.into_iter().map(|(s, _, a)| (s, a)).collect(), left)
}

/// For each address, which of the concepts its case holds (by seeking each concept's
/// matches; addresses are visited in document order per segment).
pub(super) fn held(
    searcher: &Searcher,
    concepts: &[plan::Concept],
    addresses: &[(f32, DocAddress)],
) -> tantivy::Result<Vec<Vec<bool>>> {
    let mut out = vec![vec![false; concepts.len()]; addresses.len()];
    if concepts.len() < 2 {
        // One word: every hit holds it.
        out.iter_mut()
            .for_each(|h| h.iter_mut().for_each(|x| *x = true));
        return Ok(out);
    }
    let queries: Vec<&dyn Query> = concepts.iter().map(|c| c.query.as_ref()).collect();
    holds(searcher, &queries, addresses)
}

/// For each address, the summed scores of the `queries` that match it (the scores the same
/// clauses add inside a boolean query, with the searcher's statistics).
///
/// Each query is sought on its own rather than through one union: a union that seeks past
/// its buffered window refills it by advancing every clause through thousands of documents,
/// which at a million cases cost a question more than its search for a window of a hundred.
pub(super) fn scores(
    searcher: &Searcher,
    queries: &[Box<dyn Query>],
    addresses: &[(f32, DocAddress)],
) -> tantivy::Result<Vec<f32>> {
    let mut out = vec![0.0f32; addresses.len()];
    if addresses.is_empty() {
        return Ok(out);
    }
    let addresses: Vec<DocAddress> = addresses.iter().map(|(_, a)| *a).collect();
    let order = document_order(&addresses);
    for query in queries {
        let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
        for_each_match(
            searcher,
            weight.as_ref(),
            &addresses,
            &order,
            |i, scorer| {
                out[i] += scorer.score();
            },
        )?;
    }
    Ok(out)
}

/// For each address, which of `queries` match it. A query that is a union (optional clauses
/// only) is tested clause by clause, for the reason given at [`scores`].
pub(super) fn holds(
    searcher: &Searcher,
    queries: &[&dyn Query],
    addresses: &[(f32, DocAddress)],
) -> tantivy::Result<Vec<Vec<bool>>> {
    let mut out = vec![vec![false; queries.len()]; addresses.len()];
    let addresses: Vec<DocAddress> = addresses.iter().map(|(_, a)| *a).collect();
    let order = document_order(&addresses);
    for (c, query) in queries.iter().enumerate() {
        let mut leaves = Vec::new();
        disjuncts(*query, &mut leaves);
        for leaf in leaves {
            let weight = leaf.weight(EnableScoring::disabled_from_searcher(searcher))?;
            for_each_match(searcher, weight.as_ref(), &addresses, &order, |i, _| {
                out[i][c] = true;
            })?;
        }
    }
    Ok(out)
}

/// The queries whose union is `query`: the clauses of a boolean query of optional clauses
/// (any one of which makes a match), recursively, and through boosts (which match what they
/// boost) and words in any field (each field's term); otherwise `query` itself.
fn disjuncts<'q>(query: &'q dyn Query, out: &mut Vec<&'q dyn Query>) {
    if let Some(b) = query.downcast_ref::<super::sparse::Boost>() {
        return disjuncts(b.inner(), out);
    }
    if let Some(a) = query.downcast_ref::<super::any_field::AnyField>() {
        return disjuncts(a.union(), out);
    }
    if let Some(b) = query.downcast_ref::<BooleanQuery>() {
        let clauses = b.clauses();
        if !clauses.is_empty()
            && b.get_minimum_number_should_match() <= 1
            && clauses.iter().all(|(o, _)| *o == Occur::Should)
        {
            for (_, q) in clauses {
                disjuncts(q.as_ref(), out);
            }
            return;
        }
    }
    out.push(query);
}

#[cfg(test)]
#[path = "rank_tests.rs"]
mod tests;
