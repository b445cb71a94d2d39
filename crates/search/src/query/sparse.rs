//! A query's matches and scores at a few given documents, found by walking the query's tree
//! and seeking its leaves, and the boost wrapper that lets that walk see inside boosts.
//!
//! Intersecting a question's query with a handful of cases (the members of a mechanism it was
//! read as) seeks the query far ahead once per case. tantivy's unions answer such a seek by
//! reading every clause through the next 4,096 document ids; at a million cases that cost a
//! question about 20 ms per mechanism (docs/performance.md, thirteenth session). A leaf (a
//! term, a phrase, a facet) seeks through its skip list instead, so here boolean queries, soft
//! unions and boosts are taken apart and only their leaves are sought: same documents, same
//! scores (summed in another order, so they may differ in the last bits).

use tantivy::query::{
    AllQuery, AllScorer, BooleanQuery, BoostWeight, EnableScoring, Occur, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocSet, Score, Searcher, Term, TERMINATED};

use super::soft::SoftUnionQuery;

/// A query whose scores are multiplied by `boost`: tantivy's `BoostQuery`, whose parts
/// [`scores_at`] can see.
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

/// For each address, the score `query` gives its document, or `None` if it does not match:
/// what a search of `query` with the searcher's statistics finds there.
pub(super) fn scores_at(
    searcher: &Searcher,
    query: &dyn Query,
    addresses: &[DocAddress],
) -> tantivy::Result<Vec<Option<Score>>> {
    eval(searcher, query, addresses, &document_order(addresses))
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

/// `query` at the addresses `live` (indexes into `addresses`, in document order); `None` at
/// the others.
fn eval(
    searcher: &Searcher,
    query: &dyn Query,
    addresses: &[DocAddress],
    live: &[usize],
) -> tantivy::Result<Vec<Option<Score>>> {
    if let Some(b) = query.downcast_ref::<BooleanQuery>() {
        if let Some(out) = boolean(searcher, b, addresses, live)? {
            return Ok(out);
        }
    }
    if let Some(s) = query.downcast_ref::<SoftUnionQuery>() {
        let clauses: Vec<&dyn Query> = s.clauses().iter().map(|q| q.as_ref()).collect();
        // The union's scorer needs one clause at least, whatever its minimum says.
        return counted(searcher, &clauses, s.min().max(1), addresses, live);
    }
    if let Some(b) = query.downcast_ref::<Boost>() {
        let mut out = eval(searcher, b.query.as_ref(), addresses, live)?;
        out.iter_mut().flatten().for_each(|s| *s *= b.boost);
        return Ok(out);
    }
    leaf(searcher, query, addresses, live)
}

/// A boolean query taken apart: every required clause, none of the excluded ones, and at
/// least the minimum of the optional ones (one, when nothing is required); the score is the
/// sum of the clauses matched. `None` for the shapes tantivy treats specially (a clause that
/// matches everything, or nothing but exclusions), which are sought whole.
fn boolean(
    searcher: &Searcher,
    query: &BooleanQuery,
    addresses: &[DocAddress],
    live: &[usize],
) -> tantivy::Result<Option<Vec<Option<Score>>>> {
    let clauses = query.clauses();
    let required: Vec<&dyn Query> = of(clauses, Occur::Must);
    let optional: Vec<&dyn Query> = of(clauses, Occur::Should);
    let excluded: Vec<&dyn Query> = of(clauses, Occur::MustNot);
    let required_any = !required.is_empty();
    if (required.is_empty() && optional.is_empty())
        || clauses
            .iter()
            .any(|(_, q)| q.downcast_ref::<AllQuery>().is_some())
    {
        return Ok(None);
    }
    let mut out: Vec<Option<Score>> = vec![None; addresses.len()];
    live.iter().for_each(|&i| out[i] = Some(0.0));
    let mut live = live.to_vec();
    for q in required {
        let found = eval(searcher, q, addresses, &live)?;
        for &i in &live {
            out[i] = out[i].zip(found[i]).map(|(a, b)| a + b);
        }
        live.retain(|&i| out[i].is_some());
    }
    for q in excluded {
        let found = eval(searcher, q, addresses, &live)?;
        for &i in &live {
            if found[i].is_some() {
                out[i] = None;
            }
        }
        live.retain(|&i| out[i].is_some());
    }
    // With clauses required, the optional ones only add to the score unless a minimum is
    // set (a minimum above their number matches nothing, as in tantivy).
    let min = if required_any {
        query.get_minimum_number_should_match()
    } else {
        query.get_minimum_number_should_match().max(1)
    };
    let counts = counted(searcher, &optional, min, addresses, &live)?;
    for &i in &live {
        out[i] = out[i].zip(counts[i]).map(|(a, s)| a + s);
    }
    Ok(Some(out))
}

/// The clauses of `clauses` that occur as `occur`.
fn of(clauses: &[(Occur, Box<dyn Query>)], occur: Occur) -> Vec<&dyn Query> {
    clauses
        .iter()
        .filter(|(o, _)| *o == occur)
        .map(|(_, q)| q.as_ref())
        .collect()
}

/// At least `min` of `clauses` (zero: any number, none included), scored by the sum of
/// those matched.
fn counted(
    searcher: &Searcher,
    clauses: &[&dyn Query],
    min: usize,
    addresses: &[DocAddress],
    live: &[usize],
) -> tantivy::Result<Vec<Option<Score>>> {
    let mut counts = vec![0usize; addresses.len()];
    let mut sums: Vec<Score> = vec![0.0; addresses.len()];
    for q in clauses {
        let found = eval(searcher, *q, addresses, live)?;
        for &i in live {
            if let Some(s) = found[i] {
                counts[i] += 1;
                sums[i] += s;
            }
        }
    }
    let mut out = vec![None; addresses.len()];
    for &i in live {
        if counts[i] >= min {
            out[i] = Some(sums[i]);
        }
    }
    Ok(out)
}

/// A query sought whole at each address (`for_each_match`). A query that
/// matches every document of a segment (an open year range) scores nothing there, as in
/// tantivy's boolean queries, which drop such clauses.
fn leaf(
    searcher: &Searcher,
    query: &dyn Query,
    addresses: &[DocAddress],
    live: &[usize],
) -> tantivy::Result<Vec<Option<Score>>> {
    let mut out = vec![None; addresses.len()];
    if live.is_empty() {
        return Ok(out);
    }
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    for_each_match(searcher, weight.as_ref(), addresses, live, |i, scorer| {
        out[i] = Some(if scorer.is::<AllScorer>() {
            0.0
        } else {
            scorer.score()
        });
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;
    use tantivy::{DocAddress, Term};

    use super::{scores_at, Boost};
    use crate::query::soft::SoftUnionQuery;

    const WORDS: [&str; 6] = ["label", "noise", "shift", "site", "leak", "scanner"];

    /// A query tree over `WORDS`, as the plan builds them: terms, boolean queries of every
    /// occurrence and minimum, soft unions and boosts, nested.
    #[derive(Clone, Debug)]
    enum Tree {
        Term(usize),
        Bool(Vec<(u8, Tree)>, usize),
        Soft(Vec<Tree>, usize),
        Boost(Box<Tree>, f32),
    }

    fn tree() -> impl Strategy<Value = Tree> {
        let leaf = (0..WORDS.len()).prop_map(Tree::Term);
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                (
                    prop::collection::vec((0u8..3, inner.clone()), 1..4),
                    0usize..3
                )
                    .prop_map(|(c, m)| Tree::Bool(c, m)),
                (prop::collection::vec(inner.clone(), 3..5), 2usize..4)
                    .prop_map(|(c, m)| Tree::Soft(c, m)),
                (inner, 0.2f32..3.0).prop_map(|(t, b)| Tree::Boost(Box::new(t), b)),
            ]
        })
    }

    fn build(tree: &Tree, body: tantivy::schema::Field) -> Box<dyn Query> {
        match tree {
            Tree::Term(w) => Box::new(TermQuery::new(
                Term::from_field_text(body, WORDS[*w]),
                IndexRecordOption::WithFreqs,
            )),
            Tree::Bool(clauses, min) => {
                let occur = [Occur::Must, Occur::Should, Occur::MustNot];
                let mut q = BooleanQuery::new(
                    clauses
                        .iter()
                        .map(|(o, t)| (occur[*o as usize], build(t, body)))
                        .collect(),
                );
                q.set_minimum_number_should_match(*min);
                Box::new(q)
            }
            Tree::Soft(clauses, min) => Box::new(SoftUnionQuery::new(
                clauses.iter().map(|t| build(t, body)).collect(),
                (*min).min(clauses.len() - 1),
            )),
            Tree::Boost(t, b) => Box::new(Boost::new(build(t, body), *b)),
        }
    }

    fn documents() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(
            prop::collection::vec(0..WORDS.len(), 1..5)
                .prop_map(|ws| ws.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" ")),
            4..16,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// At every document of an index spread over segments, the tree walk finds exactly
        /// the documents a search of the query finds, with the same scores.
        #[test]
        fn scores_at_are_what_a_search_finds(tree in tree(), docs in documents()) {
            let rows: Vec<[&str; 1]> = docs.iter().map(|d| [d.as_str()]).collect();
            let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
            let (fields, searcher) = crate::query::fixture::text_index(&["body"], &rows, 3);
            let query = build(&tree, fields[0]);
            let expected: Vec<(f32, DocAddress)> = searcher
                .search(query.as_ref(), &TopDocs::with_limit(100).order_by_score())
                .unwrap();
            let mut every: Vec<DocAddress> = Vec::new();
            for (ord, reader) in searcher.segment_readers().iter().enumerate() {
                every.extend((0..reader.max_doc()).map(|d| DocAddress::new(ord as u32, d)));
            }
            every.reverse();
            let got = scores_at(&searcher, query.as_ref(), &every).unwrap();
            for (addr, score) in every.iter().zip(&got) {
                let want = expected.iter().find(|(_, a)| a == addr).map(|(s, _)| *s);
                match (score, want) {
                    (Some(g), Some(w)) => prop_assert!(
                        (g - w).abs() <= 1e-4 * w.abs().max(1.0),
                        "{addr:?}: got {g}, want {w}"
                    ),
                    (g, w) => prop_assert_eq!(g.is_some(), w.is_some(), "{:?}", addr),
                }
            }
        }
    }
}
