//! Tests of the reranking helpers: the window's clause scores and matches, and which
//! members join it.

use tantivy::collector::TopDocs;
use tantivy::query::{BoostQuery, PhraseQuery, Query};
use tantivy::{DocAddress, Term};

use super::{holds, scores};

/// An index of one text field holding `texts`, committed every `every` documents (so the
/// window spans segments), and its searcher.
fn indexed(texts: &[&str], every: usize) -> (tantivy::schema::Field, tantivy::Searcher) {
    let docs: Vec<[&str; 1]> = texts.iter().map(|t| [*t]).collect();
    let docs: Vec<&[&str]> = docs.iter().map(|d| &d[..]).collect();
    let (fields, searcher) = crate::query::fixture::text_index(&["body"], &docs, every);
    (fields[0], searcher)
}

/// Every document, in reverse order, as a reranked window may hold them.
fn whole_window(searcher: &tantivy::Searcher) -> Vec<(f32, DocAddress)> {
    let mut window: Vec<(f32, DocAddress)> = Vec::new();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        for doc in 0..reader.max_doc() {
            window.push((0.0, DocAddress::new(ord as u32, doc)));
        }
    }
    window.reverse();
    window
}

/// Of the members outside the window, only the best few by text score join it, in order
/// (equal scores by id, whatever their addresses); the rest are named so their lifts are
/// dropped.
#[test]
fn only_the_best_members_outside_the_window_join_it() {
    let at = |s: u32, d: u32| DocAddress::new(s, d);
    let key = crate::ties::tie_key;
    let candidates = vec![
        (1.0, key("e"), at(0, 5)),
        (3.0, key("b"), at(1, 2)),
        (2.0, key("a"), at(0, 9)),
        (2.0, key("c"), at(0, 1)),
        (0.5, key("d"), at(2, 0)),
    ];
    let (joining, mut left) = super::best_of(candidates.clone(), 3);
    assert_eq!(
        joining,
        vec![(3.0, at(1, 2)), (2.0, at(0, 9)), (2.0, at(0, 1))]
    );
    left.sort();
    assert_eq!(left, vec![at(0, 5), at(2, 0)]);
    let (all, none) = super::best_of(candidates, 10);
    assert_eq!((all.len(), none.len()), (5, 0));
}

/// The proximity scores added to a reranked window are the scores the same clauses give
/// a document in a search of their own: seeking across segments, in any order of the
/// window, and zero where no clause matches.
#[test]
fn scores_of_a_window_are_the_clauses_own_scores() {
    let (body, searcher) = indexed(
        &[
            "label noise in the training data",
            "noise label data",
            "the labels were noisy and the data small",
            "data shift between hospitals",
            "label data noise label noise",
            "nothing relevant here",
        ],
        2,
    );
    let phrase = |a: &str, b: &str, boost: f32| {
        let mut q = PhraseQuery::new(vec![
            Term::from_field_text(body, a),
            Term::from_field_text(body, b),
        ]);
        q.set_slop(2);
        Box::new(BoostQuery::new(Box::new(q), boost)) as Box<dyn Query>
    };
    let clauses = vec![phrase("label", "noise", 0.5), phrase("data", "shift", 2.0)];
    let alone = tantivy::query::BooleanQuery::new(
        clauses
            .iter()
            .map(|q| (tantivy::query::Occur::Should, q.box_clone()))
            .collect(),
    );
    let expected: Vec<(f32, DocAddress)> = searcher
        .search(&alone, &TopDocs::with_limit(100).order_by_score())
        .unwrap();
    assert!(expected.len() >= 3, "the fixture has matches: {expected:?}");

    let window = whole_window(&searcher);
    let got = scores(&searcher, &clauses, &window).unwrap();
    for ((_, addr), score) in window.iter().zip(&got) {
        let want = expected
            .iter()
            .find(|(_, a)| a == addr)
            .map_or(0.0, |(s, _)| *s);
        assert!(
            (score - want).abs() < 1e-5,
            "{addr:?}: got {score}, want {want}"
        );
    }
    assert!(got.iter().filter(|s| **s > 0.0).count() == expected.len());
}

/// Which queries a window's documents match, clause by clause for unions (nested ones
/// too, and inside a boost), is what a search of each query finds; a union that needs two clauses, or one
/// with a required clause, is tested whole.
#[test]
fn holds_of_a_window_are_each_querys_own_matches() {
    use tantivy::collector::DocSetCollector;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::IndexRecordOption;

    let (body, searcher) = indexed(
        &[
            "label noise",
            "data shift",
            "label data",
            "shift",
            "noise data shift",
            "other",
            "label",
            "data",
        ],
        3,
    );
    let term = |w: &str| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(body, w),
            IndexRecordOption::Basic,
        ))
    };
    let queries: Vec<Box<dyn Query>> = vec![
        Box::new(BooleanQuery::union(vec![
            term("noise"),
            Box::new(crate::query::sparse::Boost::new(
                Box::new(BooleanQuery::union(vec![term("shift"), term("nothing")])),
                0.5,
            )),
        ])),
        Box::new(BooleanQuery::union_with_minimum_required_clauses(
            vec![term("label"), term("data"), term("shift")],
            2,
        )),
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, term("data")),
            (Occur::Should, term("label")),
        ])),
        term("absent"),
    ];
    let window = whole_window(&searcher);
    let refs: Vec<&dyn Query> = queries.iter().map(|q| q.as_ref()).collect();
    let got = holds(&searcher, &refs, &window).unwrap();
    for (c, q) in queries.iter().enumerate() {
        let found = searcher.search(q.as_ref(), &DocSetCollector).unwrap();
        for ((_, addr), held) in window.iter().zip(&got) {
            assert_eq!(held[c], found.contains(addr), "query {c} at {addr:?}");
        }
    }
    // The fixture exercises each kind: the nested union and the two-clause one match.
    assert!(got.iter().filter(|h| h[0]).count() == 4);
    assert!(got.iter().filter(|h| h[1]).count() == 3);
}
