//! A query's matches at a few given documents, each segment's scorer sought forward from one
//! to the next (`for_each_match`: the reranked window's proximity scores and the words its
//! cases hold), the documents of a list of case ids, and the boost wrapper whose parts the
//! window's word test can see (`Boost`).

use tantivy::query::{BoostWeight, EnableScoring, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocSet, Score, Searcher, Term, TERMINATED};

/// A query whose scores are multiplied by `boost`: tantivy's `BoostQuery`, whose parts
/// `rank::holds` can see (a word's synonyms are tested one by one).
#[derive(Debug)]
pub struct Boost {
    query: Box<dyn Query>,
    boost: Score,
}

impl Boost {
    pub fn new(query: Box<dyn Query>, boost: Score) -> Boost {
        Boost { query, boost }
    }

    /// The boosted query: the same matches.
    pub fn inner(&self) -> &dyn Query {
        self.query.as_ref()
    }
}

impl Clone for Boost {
    fn clone(&self) -> Self {
        Boost {
            query: self.query.box_clone(),
            boost: self.boost,
        }
    }
}

impl Query for Boost {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let inner = self.query.weight(scoring)?;
        Ok(if scoring.is_scoring_enabled() {
            Box::new(BoostWeight::new(inner, self.boost))
        } else {
            inner
        })
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor)
    }
}

/// The live documents whose `field` holds one of `ids` (a raw, untokenised field), each with
/// the id it holds, in segment and document order.
pub(super) fn documents_of(
    searcher: &Searcher,
    field: Field,
    ids: &[&str],
) -> tantivy::Result<Vec<(String, DocAddress)>> {
    let mut out = Vec::new();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let inverted = reader.inverted_index(field)?;
        let alive = reader.alive_bitset();
        for id in ids {
            let term = Term::from_field_text(field, id);
            let Some(mut postings) = inverted.read_postings(&term, IndexRecordOption::Basic)?
            else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    out.push((id.to_string(), DocAddress::new(ord as u32, doc)));
                }
                doc = postings.advance();
            }
        }
    }
    out.sort_by_key(|(_, a)| (a.segment_ord, a.doc_id));
    Ok(out)
}

/// The indexes of `addresses` in document order (by segment, then document).
pub(super) fn document_order(addresses: &[DocAddress]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..addresses.len()).collect();
    order.sort_by_key(|&i| (addresses[i].segment_ord, addresses[i].doc_id));
    order
}

/// Calls `f(i, scorer)` for each address `i` that `weight` matches, with the scorer on it:
/// the addresses are visited in `order` (document order), each segment's scorer seeking
/// forward only.
pub(super) fn for_each_match(
    searcher: &Searcher,
    weight: &dyn Weight,
    addresses: &[DocAddress],
    order: &[usize],
    mut f: impl FnMut(usize, &mut dyn Scorer),
) -> tantivy::Result<()> {
    let mut current: Option<(u32, Box<dyn Scorer>)> = None;
    for &i in order {
        let addr = addresses[i];
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
        if at == addr.doc_id {
            f(i, scorer.as_mut());
        }
    }
    Ok(())
}
