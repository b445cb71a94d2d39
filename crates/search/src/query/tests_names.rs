//! Names typed as names: a word with a capital after its first letter ("BraTS") is searched
//! as typed, never respelled into a word some case uses, while the same word typed in lower
//! case, or a whole query typed in capitals, is still corrected.

use notbetter_taxonomy::{bundled, Case};

use crate::{SearchIndex, SearchRequest};

fn case(id: &str, text: &str) -> Case {
    Case::builder(id)
        .title(format!("Case {id}"))
        .year(2022)
        .domains(&["healthcare/medical-imaging"])
        .causes(&["evaluation/weak-baselines"])
        .failure_modes(&["suboptimal-performance"])
        .elements("A use case.", "A deep network.", "It did worse.", text)
        .build()
}

#[test]
fn a_name_is_not_respelled_but_a_lower_case_typo_is() {
    let idx = SearchIndex::in_memory(&bundled()).unwrap();
    idx.rebuild(
        &[
            case(
                "beat",
                "A tuned linear model beat the segmentation network.",
            ),
            case(
                "leak",
                "Slices of one patient caused leakage across the split.",
            ),
        ],
        1,
    )
    .unwrap();
    let corrections = |q: &str| -> Vec<(String, String)> {
        idx.search(&SearchRequest::new(q))
            .unwrap()
            .reading
            .corrections
            .into_iter()
            .map(|c| (c.from, c.to))
            .collect()
    };
    // "brats" is one edit from "beat" (by stems); typed as the dataset's name it stays.
    assert_eq!(corrections("U-Net BraTS"), []);
    assert_eq!(corrections("MedQA"), []);
    assert_eq!(
        corrections("u-net brats"),
        [("brats".to_string(), "beat".to_string())]
    );
    // A query typed all in capitals is not a list of names.
    assert_eq!(
        corrections("LEKAGE"),
        [("lekage".to_string(), "leakage".to_string())]
    );
}
