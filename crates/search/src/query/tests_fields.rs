//! Search tests of the pattern in any field: `pattern:` searches it (plain words do not), a hit
//! found by it shows it as the snippet, and similar cases read it on its own.

use notbetter_taxonomy::{bundled, Case};

use crate::{SearchIndex, SearchRequest};

fn case(id: &str, why: &str, pattern: &str) -> Case {
    case_in("healthcare/medical-imaging", id, why, pattern)
}

fn case_in(domain: &str, id: &str, why: &str, pattern: &str) -> Case {
    Case::builder(id)
        .title(format!("Case {id}"))
        .year(2022)
        .domains(&[domain])
        .causes(&["model/shortcut-learning"])
        .failure_modes(&["suboptimal-performance"])
        .elements("A use case.", "A deep network.", "It did worse.", why)
        .pattern(pattern)
        .build()
}

#[test]
fn the_pattern_in_any_field_is_searched_when_named_and_shown() {
    let idx = SearchIndex::in_memory(&bundled()).unwrap();
    idx.rebuild(
        &[
            case(
                "stain",
                "Slides from the second lab were stained darker.",
                "The classifier learned traces the collection process left in the inputs.",
            ),
            case("other", "The scanner was replaced mid-study.", ""),
        ],
        1,
    )
    .unwrap();
    let ids = |q: &str| -> Vec<String> {
        idx.search(&SearchRequest::new(q))
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.id)
            .collect()
    };
    // Neither word is in any other field of any case: the pattern is searched when named.
    assert!(
        ids("collection traces").is_empty(),
        "not searched by default"
    );
    assert_eq!(ids("pattern:collection"), ["stain"]);
    assert_eq!(ids("pattern:\"collection process\""), ["stain"]);
    assert!(ids("pattern:stained").is_empty(), "the field is its own");
    let hit = idx
        .search(&SearchRequest::new("pattern:collection pattern:traces"))
        .unwrap()
        .hits
        .remove(0);
    assert!(
        hit.snippet.text.contains("collection process"),
        "{:?}",
        hit.snippet
    );
}

#[test]
fn similar_cases_read_the_pattern_on_its_own() {
    let idx = SearchIndex::in_memory(&bundled()).unwrap();
    let radiology = "Radiographs from the portable scanner of the intensive care ward were read \
                     by radiologists and the network learned the ward.";
    idx.rebuild(
        &[
            case_in(
                "healthcare/medical-imaging",
                "xray",
                radiology,
                "The classifier learned traces the collection process left in the inputs \
                 instead of the condition itself.",
            ),
            // Another field, other words, the same pattern.
            case_in(
                "language-technology",
                "nli",
                "Crowdworkers wrote hypotheses with negation words that predicted the class.",
                "The classifier learned traces the collection process left in the inputs \
                 instead of the meaning itself.",
            ),
            // The same field and words, another pattern.
            case_in(
                "healthcare/medical-imaging",
                "ward",
                radiology,
                "Performance drifted as the ward replaced its equipment over the years.",
            ),
            case_in(
                "physics",
                "pde",
                "The solver diverged on stiff equations.",
                "",
            ),
        ],
        1,
    )
    .unwrap();
    let rank = |id: &str| {
        idx.similar("xray", 3)
            .unwrap()
            .iter()
            .position(|s| s.id == id)
    };
    assert_eq!(
        rank("nli"),
        Some(0),
        "{:?}",
        idx.similar("xray", 3).unwrap()
    );
    let mut tuning = idx.tuning();
    tuning.similar_pattern = 0.0;
    idx.set_tuning(tuning);
    assert_ne!(
        rank("nli"),
        Some(0),
        "by the text alone the same field's case comes first"
    );
}
