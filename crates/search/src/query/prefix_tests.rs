//! [`super::PhrasePrefix`] against tantivy's `PhrasePrefixQuery`: the same cases, in the same
//! order, with the same scores, whatever the phrase and however it is walked.

use proptest::prelude::*;
use tantivy::query::{EnableScoring, PhrasePrefixQuery, Query};
use tantivy::schema::{Schema, TEXT};
use tantivy::{doc, DocId, Index, Score, Term};
use tantivy::{DocSet, TERMINATED};

use super::PhrasePrefix;

/// Words sharing prefixes, so that a prefix expands to several of them.
const WORDS: &[&str] = &[
    "in",
    "int",
    "integr",
    "integration",
    "intern",
    "interval",
    "work",
    "workflow",
    "workflows",
    "shift",
    "shortcut",
    "short",
];

/// The cases a scorer reached: (segment, case, score).
type Reached = Vec<(u32, DocId, Score)>;

/// Every (case, score) the query matches, segment by segment; with `steps`, the cases reached
/// by taking each step in turn instead: `None` advances, `Some(target)` seeks a later case.
fn matches(index: &Index, query: &dyn Query, steps: Option<&[Option<DocId>]>) -> Reached {
    let reader = index.reader().expect("reader");
    let searcher = reader.searcher();
    let weight = query
        .weight(EnableScoring::enabled_from_searcher(&searcher))
        .expect("weight");
    let mut out = Vec::new();
    for (s, segment) in searcher.segment_readers().iter().enumerate() {
        let mut scorer = weight.scorer(segment, 1.5).expect("scorer");
        match steps {
            None => {
                while scorer.doc() != TERMINATED {
                    out.push((s as u32, scorer.doc(), scorer.score()));
                    scorer.advance();
                }
            }
            Some(steps) => {
                for &step in steps {
                    let doc = match step {
                        None => scorer.advance(),
                        Some(t) if scorer.doc() < t => scorer.seek(t),
                        Some(_) => continue,
                    };
                    if doc == TERMINATED {
                        break;
                    }
                    out.push((s as u32, doc, scorer.score()));
                }
            }
        }
    }
    out
}

/// An index of `docs` (each a list of indices into `WORDS`), committed in `segments` parts.
fn index_of(docs: &[Vec<usize>], segments: usize) -> (Index, tantivy::schema::Field) {
    let mut schema = Schema::builder();
    let body = schema.add_text_field("body", TEXT);
    let index = Index::create_in_ram(schema.build());
    let mut writer = index
        .writer_with_num_threads(1, 15_000_000)
        .expect("writer");
    let per = docs.len().div_ceil(segments.max(1)).max(1);
    for part in docs.chunks(per) {
        for words in part {
            let text: Vec<&str> = words.iter().map(|&w| WORDS[w]).collect();
            writer
                .add_document(doc!(body => text.join(" ")))
                .expect("add");
        }
        writer.commit().expect("commit");
    }
    (index, body)
}

fn both(
    index: &Index,
    terms: Vec<Term>,
    max_expansions: u32,
    steps: Option<&[Option<DocId>]>,
) -> (Reached, Reached) {
    let mut theirs = PhrasePrefixQuery::new(terms.clone());
    theirs.set_max_expansions(max_expansions);
    let ours = PhrasePrefix::new(terms, max_expansions);
    (matches(index, &ours, steps), matches(index, &theirs, steps))
}

#[test]
fn finds_the_word_followed_by_an_expansion() {
    let docs = vec![
        vec![7, 3],       // workflow integration
        vec![7, 9],       // workflow shift
        vec![3, 7],       // integration workflow
        vec![7, 9, 7, 5], // workflow shift workflow interval
        vec![6, 2],       // work integr
    ];
    let (index, body) = index_of(&docs, 1);
    let terms = vec![
        Term::from_field_text(body, "workflow"),
        Term::from_field_text(body, "int"),
    ];
    let (ours, theirs) = both(&index, terms, 50, None);
    let docs: Vec<DocId> = ours.iter().map(|m| m.1).collect();
    assert_eq!(docs, vec![0, 3]);
    assert_eq!(ours, theirs);
    // With one expansion ("int" itself, which no case holds after "workflow"), nothing.
    let terms = vec![
        Term::from_field_text(body, "workflow"),
        Term::from_field_text(body, "int"),
    ];
    let (ours, theirs) = both(&index, terms, 1, None);
    assert!(ours.is_empty());
    assert_eq!(ours, theirs);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn same_as_tantivy(
        docs in prop::collection::vec(prop::collection::vec(0..WORDS.len(), 1..12), 1..60),
        segments in 1usize..4,
        word in 0..WORDS.len(),
        prefix in 0..WORDS.len(),
        cut in 1usize..4,
        max_expansions in prop::sample::select(vec![1u32, 2, 3, 50]),
        seeks in prop::collection::vec(0u32..70, 0..20),
        steps in prop::collection::vec(prop::option::of(0u32..70), 0..30),
        three in any::<bool>(),
    ) {
        let (index, body) = index_of(&docs, segments);
        let prefix_word = WORDS[prefix];
        let prefix_text = &prefix_word[..cut.min(prefix_word.len())];
        let mut terms = vec![
            Term::from_field_text(body, WORDS[word]),
            Term::from_field_text(body, prefix_text),
        ];
        if three {
            // Two words before the prefix: tantivy's own scorer, unchanged.
            terms.insert(0, Term::from_field_text(body, WORDS[(word + 1) % WORDS.len()]));
        }
        let (ours, theirs) = both(&index, terms.clone(), max_expansions, None);
        prop_assert_eq!(ours, theirs);
        // Seeks only (testing a few cases), then advances and seeks mixed (an intersection).
        let mut seeks: Vec<Option<DocId>> = seeks.into_iter().map(Some).collect();
        seeks.sort_unstable();
        let (ours, theirs) = both(&index, terms.clone(), max_expansions, Some(&seeks));
        prop_assert_eq!(ours, theirs);
        let (ours, theirs) = both(&index, terms, max_expansions, Some(&steps));
        prop_assert_eq!(ours, theirs);
    }
}
