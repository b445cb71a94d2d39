//! Search tests of the pattern in any field: its words find a case, `pattern:` names it, and a
//! hit found by it shows it as the snippet.

use notbetter_taxonomy::{bundled, Case};

use crate::{SearchIndex, SearchRequest};

fn case(id: &str, why: &str, pattern: &str) -> Case {
    Case::builder(id)
        .title(format!("Case {id}"))
        .year(2022)
        .domains(&["healthcare/medical-imaging"])
        .causes(&["model/shortcut-learning"])
        .failure_modes(&["suboptimal-performance"])
        .elements("A use case.", "A deep network.", "It did worse.", why)
        .pattern(pattern)
        .build()
}

#[test]
fn the_pattern_in_any_field_is_searched_and_shown() {
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
    // Neither word is in any other field of any case.
    assert_eq!(ids("collection traces"), ["stain"]);
    assert_eq!(ids("pattern:collection"), ["stain"]);
    assert!(ids("pattern:stained").is_empty(), "the field is its own");
    let hit = idx
        .search(&SearchRequest::new("collection traces"))
        .unwrap()
        .hits
        .remove(0);
    assert!(
        hit.snippet.text.contains("collection process"),
        "{:?}",
        hit.snippet
    );
}
