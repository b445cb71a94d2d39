//! Ranking beyond text scores: reordering candidates by how much of the query they hold
//! (coverage), which concepts each hit holds (for "Missing:"), and pseudo-relevance feedback
//! (measured and off by default; see `Tuning::feedback`).

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, EnableScoring, MoreLikeThisQuery, Occur, Query};
use tantivy::{DocAddress, DocSet, Searcher};

use super::plan;
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

    /// Orders candidates by text score plus how much of the query they hold: the share of the
    /// words' weight (rarer words weigh more) times the best score times `Tuning::coverage`.
    /// With the default, holding every word is worth as much as the best text score, so a
    /// case that misses a rare word ranks below one that holds it unless its text score is
    /// much higher. (Weighting coverage twice as much, nearer a strict order, lowered recall@10 on
    /// the tuning half from 0.800 to 0.791 on the cases of the time.)
    pub(super) fn rerank(
        &self,
        concepts: &[plan::Concept],
        addresses: Vec<(f32, DocAddress)>,
        held: Vec<Vec<bool>>,
    ) -> Vec<((f32, DocAddress), Vec<bool>)> {
        let coverage = self.tuning().coverage;
        let total: f32 = concepts.iter().map(|c| c.weight).sum::<f32>().max(1e-6);
        let best = addresses.iter().map(|a| a.0).fold(0.0f32, f32::max);
        let mut ranked: Vec<((f32, DocAddress), Vec<bool>)> = addresses
            .into_iter()
            .zip(held)
            .map(|((score, addr), h)| {
                let share: f32 = concepts
                    .iter()
                    .zip(&h)
                    .filter(|(_, h)| **h)
                    .map(|(c, _)| c.weight)
                    .sum::<f32>()
                    / total;
                ((score + coverage * best * share, addr), h)
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.0 .0
                .total_cmp(&a.0 .0)
                .then(a.0 .1.segment_ord.cmp(&b.0 .1.segment_ord))
                .then(a.0 .1.doc_id.cmp(&b.0 .1.doc_id))
        });
        ranked
    }
}

/// Pseudo-relevance feedback: from questions of this many concepts, the best this many
/// hits, each contributing this many of its terms.
const FEEDBACK_MIN_WORDS: usize = 4;
const FEEDBACK_DOCS: usize = 2;
const FEEDBACK_TERMS: usize = 25;

/// Candidates looked at beyond the page asked for, when reordering by how much of the query
/// each holds.
pub(super) const RERANK_EXTRA: usize = 100;

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
    let mut order: Vec<usize> = (0..addresses.len()).collect();
    order.sort_by_key(|&i| (addresses[i].1.segment_ord, addresses[i].1.doc_id));
    for (c, concept) in concepts.iter().enumerate() {
        let weight = concept
            .query
            .weight(EnableScoring::disabled_from_searcher(searcher))?;
        let mut current: Option<(u32, Box<dyn tantivy::query::Scorer>)> = None;
        for &i in &order {
            let addr = addresses[i].1;
            if current.as_ref().is_none_or(|(s, _)| *s != addr.segment_ord) {
                let segment = searcher.segment_reader(addr.segment_ord);
                current = Some((addr.segment_ord, weight.scorer(segment, 1.0)?));
            }
            let (_, scorer) = current.as_mut().expect("set above");
            let at = if scorer.doc() >= addr.doc_id {
                scorer.doc()
            } else {
                scorer.seek(addr.doc_id)
            };
            out[i][c] = at == addr.doc_id;
        }
    }
    Ok(out)
}
