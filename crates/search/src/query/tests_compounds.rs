//! Hyphenated compounds end to end: either spelling finds a case, and snippets stay whole
//! wherever a fragment boundary falls in a compound.

use notbetter_taxonomy::{bundled, Case};

use crate::{SearchIndex, SearchRequest};

fn case(id: &str, text: &str) -> Case {
    Case::builder(id)
        .title(format!("Case {id}"))
        .year(2022)
        .domains(&["healthcare/medical-imaging"])
        .causes(&["data/distribution-shift"])
        .failure_modes(&["suboptimal-performance"])
        .elements("A use case.", "A deep network.", "It did worse.", text)
        .build()
}

#[test]
fn either_spelling_of_a_compound_finds_the_case() {
    let idx = SearchIndex::in_memory(&bundled()).unwrap();
    idx.rebuild(
        &[
            case(
                "hyphen",
                "The pre-trained encoder lost to a non-stationary baseline.",
            ),
            case(
                "closed",
                "The pretrained encoder was fine-tuned on X-ray images.",
            ),
            case("other", "Training data came from one site."),
        ],
        1,
    )
    .unwrap();
    let ids = |q: &str| -> Vec<String> {
        let mut ids: Vec<String> = idx
            .search(&SearchRequest::new(q))
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids("pretrained"), ["closed", "hyphen"]);
    assert_eq!(ids("pre-trained"), ["closed", "hyphen"]);
    assert_eq!(ids("finetuned"), ["closed"]);
    assert_eq!(ids("nonstationary"), ["hyphen"]);
    assert_eq!(ids("xray"), ["closed"]);
    // The parts are still words of their own.
    assert_eq!(ids("stationary"), ["hyphen"]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Snippets of long texts full of compounds: no panic (tantivy subtracts a fragment's start
    /// from each highlight's), and every highlight lies inside its snippet on char boundaries.
    #[test]
    fn snippets_around_compounds_stay_whole(
        words in proptest::collection::vec(
            proptest::sample::select(vec![
                "pre-trained", "pretrained", "state-of-the-art", "X-ray", "model", "shift",
                "the", "non-stationary", "data", "fine-tuning", "sim-to-real", "é-ü",
            ]),
            20..120),
        query in proptest::sample::select(vec![
            "pretrained", "pre-trained", "state-of-the-art", "xray", "stationary tuning",
        ]),
    ) {
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        idx.rebuild(&[case("long", &words.join(" "))], 1).unwrap();
        for hit in idx.search(&SearchRequest::new(query)).unwrap().hits {
            for r in &hit.snippet.highlights {
                proptest::prop_assert!(r.start < r.end && r.end <= hit.snippet.text.len());
                proptest::prop_assert!(hit.snippet.text.is_char_boundary(r.start));
                proptest::prop_assert!(hit.snippet.text.is_char_boundary(r.end));
            }
        }
    }
}
