//! Tests of the soft union: against tantivy's minimum-should-match union, seeking, and words
//! in any field read straight into the window.

use proptest::prelude::*;
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, TermQuery};
use tantivy::schema::{IndexRecordOption, Schema, TEXT};
use tantivy::{doc, DocAddress, Index};

#[test]
fn min_match_grows_with_the_query() {
    use super::min_match;
    assert_eq!(min_match(1, 0.34), 1);
    assert_eq!(min_match(2, 0.34), 1);
    assert_eq!(min_match(3, 0.34), 2);
    assert_eq!(min_match(4, 0.34), 2);
    assert_eq!(min_match(9, 0.34), 4);
}

use super::*;

/// An index of `docs` (each a list of word numbers) in `segments` segments, and the
/// clauses for words 0..`words`.
fn index(docs: &[Vec<u8>], segments: usize) -> (Index, tantivy::schema::Field) {
    let mut schema = Schema::builder();
    let body = schema.add_text_field("body", TEXT);
    let index = Index::create_in_ram(schema.build());
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    let per = docs.len().div_ceil(segments.max(1)).max(1);
    for chunk in docs.chunks(per) {
        for words in chunk {
            let text: Vec<String> = words.iter().map(|w| format!("w{w}")).collect();
            writer.add_document(doc!(body => text.join(" "))).unwrap();
        }
        writer.commit().unwrap();
    }
    (index, body)
}

fn clauses(body: tantivy::schema::Field, words: u8) -> Vec<Box<dyn Query>> {
    (0..words)
        .map(|w| {
            Box::new(TermQuery::new(
                Term::from_field_text(body, &format!("w{w}")),
                IndexRecordOption::WithFreqs,
            )) as Box<dyn Query>
        })
        .collect()
}

/// Every match with its score, in document order.
fn matches(index: &Index, q: &dyn Query) -> Vec<(DocAddress, Score)> {
    let searcher = index.reader().unwrap().searcher();
    let n = searcher.num_docs() as usize;
    let mut all = searcher
        .search(q, &TopDocs::with_limit(n.max(1)).order_by_score())
        .unwrap();
    all.sort_by_key(|(_, a)| *a);
    all.into_iter().map(|(s, a)| (a, s)).collect()
}

fn same(a: &[(DocAddress, Score)], b: &[(DocAddress, Score)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((da, sa), (db, sb))| da == db && (sa - sb).abs() <= 1e-4 * sa.abs().max(1.0))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// The same documents and scores as tantivy's minimum-should-match union, on its own,
    /// beside a filter (which seeks it), and counted.
    #[test]
    fn matches_tantivys_minimum_should_match(
        docs in prop::collection::vec(prop::collection::vec(0u8..5, 0..5), 1..9000),
        min in 2usize..5,
        segments in 1usize..3,
        filter_word in 0u8..5,
    ) {
        let (index, body) = index(&docs, segments);
        let ours = SoftUnionQuery::new(clauses(body, 5), min);
        let theirs = BooleanQuery::union_with_minimum_required_clauses(clauses(body, 5), min);
        let (a, b) = (matches(&index, &ours), matches(&index, &theirs));
        prop_assert!(same(&a, &b), "{} against {} matches", a.len(), b.len());
        // Intersected with a filter, the union is sought rather than advanced.
        let filter = || -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(body, &format!("w{filter_word}")),
                IndexRecordOption::Basic,
            ))
        };
        let with = |q: Box<dyn Query>| BooleanQuery::new(vec![(Occur::Must, q), (Occur::Must, filter())]);
        let (a, b) = (
            matches(&index, &with(Box::new(ours.clone()))),
            matches(&index, &with(Box::new(theirs.clone()))),
        );
        prop_assert!(same(&a, &b), "filtered: {} against {}", a.len(), b.len());
        let searcher = index.reader().unwrap().searcher();
        prop_assert_eq!(searcher.search(&ours, &Count).unwrap(), searcher.search(&theirs, &Count).unwrap());
    }
}

#[test]
fn seeks_inside_and_past_the_window_and_explains() {
    // Word 0 in every document, word 1 in every third: at least two means every third.
    let docs: Vec<Vec<u8>> = (0..20_000u32)
        .map(|i| if i % 3 == 0 { vec![0, 1] } else { vec![0] })
        .collect();
    let (index, body) = index(&docs, 1);
    let searcher = index.reader().unwrap().searcher();
    let q = SoftUnionQuery::new(clauses(body, 2), 2);
    let weight = q
        .weight(EnableScoring::enabled_from_searcher(&searcher))
        .unwrap();
    let reader = searcher.segment_reader(0);
    let mut s = weight.scorer(reader, 1.0).unwrap();
    assert_eq!(s.doc(), 0);
    assert_eq!(s.seek(10), 12, "inside the window");
    assert_eq!(s.seek(12), 12, "seeking where it is stays");
    assert_eq!(s.advance(), 15);
    assert_eq!(s.seek(15_001), 15_003, "past the window");
    assert_eq!(s.seek(19_998), 19_998);
    assert_eq!(s.seek(19_999), TERMINATED, "no match at or after 19,999");
    assert!(weight.explain(reader, 3).is_ok());
    assert!(
        weight.explain(reader, 4).is_err(),
        "one clause is not enough"
    );
    let all: Vec<DocId> = searcher
        .search(&q, &DocSetCollector)
        .unwrap()
        .into_iter()
        .map(|a| a.doc_id)
        .collect();
    assert_eq!(all.len(), 6_667);
}

/// An index of three text fields; each document holds words (numbers under 5) in each field.
fn fields_index(docs: &[[Vec<u8>; 3]], segments: usize) -> (Index, Vec<tantivy::schema::Field>) {
    let mut schema = Schema::builder();
    let fields: Vec<_> = ["title", "body", "tags"]
        .iter()
        .map(|n| schema.add_text_field(n, TEXT))
        .collect();
    let index = Index::create_in_ram(schema.build());
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    let per = docs.len().div_ceil(segments.max(1)).max(1);
    for chunk in docs.chunks(per) {
        for d in chunk {
            let mut doc = tantivy::TantivyDocument::new();
            for (f, words) in fields.iter().zip(d) {
                let text: Vec<String> = words.iter().map(|w| format!("w{w}")).collect();
                doc.add_text(*f, text.join(" "));
            }
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
    }
    (index, fields)
}

/// Words 0..`words`, each in any of `fields` with these boosts.
fn any_fields(fields: &[tantivy::schema::Field], words: u8) -> Vec<AnyField> {
    (0..words)
        .map(|w| {
            AnyField::new(
                fields
                    .iter()
                    .zip([3.0, 1.0, 0.8])
                    .map(|(&f, b)| (Term::from_field_text(f, &format!("w{w}")), b))
                    .collect(),
            )
        })
        .collect()
}

/// Every match with its exact score, in document order.
fn exact(index: &Index, q: &dyn Query) -> Vec<(DocAddress, u32)> {
    matches(index, q)
        .into_iter()
        .map(|(a, s)| (a, s.to_bits()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Words in any field are read straight into the window, not through tantivy's union of
    /// their fields: the same documents with bit for bit the same scores as the union, and
    /// as tantivy's minimum-should-match union to rounding; sought beside a filter; counted;
    /// and, all of two words required, as tantivy's intersection.
    #[test]
    fn words_in_any_field_score_as_their_union(
        docs in prop::collection::vec(
            [
                prop::collection::vec(0u8..5, 0..3),
                prop::collection::vec(0u8..5, 0..6),
                prop::collection::vec(0u8..5, 0..2),
            ],
            1..9000,
        ),
        min in 2usize..4,
        segments in 1usize..3,
        filter_word in 0u8..5,
        boost in prop_oneof![Just(1.0f32), 0.3f32..4.0],
    ) {
        let (index, fields) = fields_index(&docs, segments);
        let read = |b: f32| -> Box<dyn Query> {
            let q = SoftUnionQuery::new(
                any_fields(&fields, 4).into_iter().map(|a| Box::new(a) as Box<dyn Query>).collect(),
                min,
            );
            Box::new(tantivy::query::BoostQuery::new(Box::new(q), b))
        };
        let unions = |b: f32| -> Box<dyn Query> {
            let q = SoftUnionQuery::new(
                any_fields(&fields, 4)
                    .into_iter()
                    .map(|a| Box::new(a.union().clone()) as Box<dyn Query>)
                    .collect(),
                min,
            );
            Box::new(tantivy::query::BoostQuery::new(Box::new(q), b))
        };
        let (a, b) = (exact(&index, read(boost).as_ref()), exact(&index, unions(boost).as_ref()));
        prop_assert_eq!(&a, &b);
        let theirs = BooleanQuery::union_with_minimum_required_clauses(
            any_fields(&fields, 4).into_iter().map(|a| Box::new(a) as Box<dyn Query>).collect(),
            min,
        );
        let (a, b) = (matches(&index, read(1.0).as_ref()), matches(&index, &theirs));
        prop_assert!(same(&a, &b), "{} against {} matches", a.len(), b.len());
        let filter = || -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(fields[1], &format!("w{filter_word}")),
                IndexRecordOption::Basic,
            ))
        };
        let with = |q: Box<dyn Query>| BooleanQuery::new(vec![(Occur::Must, q), (Occur::Must, filter())]);
        prop_assert_eq!(
            exact(&index, &with(read(boost))),
            exact(&index, &with(unions(boost)))
        );
        let searcher = index.reader().unwrap().searcher();
        prop_assert_eq!(
            searcher.search(read(1.0).as_ref(), &Count).unwrap(),
            searcher.search(&theirs, &Count).unwrap()
        );
        // Every word of two (an alias's words): as tantivy's intersection, bit for bit.
        let pair = || any_fields(&fields, 2);
        let all = SoftUnionQuery::new(
            pair().into_iter().map(|a| Box::new(a) as Box<dyn Query>).collect(),
            2,
        );
        let both = BooleanQuery::intersection(
            pair().into_iter().map(|a| Box::new(a) as Box<dyn Query>).collect(),
        );
        prop_assert_eq!(exact(&index, &all), exact(&index, &both));
        prop_assert_eq!(
            searcher.search(&all, &Count).unwrap(),
            searcher.search(&both, &Count).unwrap()
        );
    }
}

#[test]
fn explains_words_in_any_field_by_their_fields() {
    // Word 0 in the title of document 0 and the body of document 1; word 1 in both bodies;
    // word 2 nowhere.
    let docs = vec![[vec![0], vec![1], vec![]], [vec![], vec![0, 1], vec![3]]];
    let (index, fields) = fields_index(&docs, 1);
    let searcher = index.reader().unwrap().searcher();
    let q = SoftUnionQuery::new(
        any_fields(&fields, 3)
            .into_iter()
            .map(|a| Box::new(a) as Box<dyn Query>)
            .collect(),
        2,
    );
    let weight = q
        .weight(EnableScoring::enabled_from_searcher(&searcher))
        .unwrap();
    let reader = searcher.segment_reader(0);
    for (doc, score) in [(0u32, 0usize), (1, 1)].map(|(d, i)| (d, matches(&index, &q)[i].1)) {
        let e = weight.explain(reader, doc).unwrap();
        assert_eq!(e.value(), score);
        let json = e.to_pretty_json();
        assert_eq!(json.matches("a word in any field").count(), 2, "{json}");
    }
}
