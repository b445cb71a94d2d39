//! Names typed as names: a word with a capital after its first letter ("BraTS") is searched
//! as typed, never respelled into a word some case uses, while the same word typed in lower
//! case, or a whole query typed in capitals, is still corrected. Real words are not typos
//! either: an English word no case uses is left out, not respelled. And a long query few or
//! no cases hold enough of shows those cases first, then the cases holding one word fewer,
//! then those holding any.

use notbetter_taxonomy::{bundled, Case};

use crate::{SearchIndex, SearchRequest};

/// An in-memory index of `cases` (committed at generation 1).
fn indexed(cases: &[Case]) -> SearchIndex {
    let idx = SearchIndex::in_memory(&bundled()).unwrap();
    idx.rebuild(cases, 1).unwrap();
    idx
}

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
    let idx = indexed(&[
        case(
            "beat",
            "A tuned linear model beat the segmentation network.",
        ),
        case(
            "leak",
            "Slices of one patient caused leakage across the split.",
        ),
        case("media", "Answers were copied from social media."),
    ]);
    let corrections = |q: &str| -> Vec<(String, String)> {
        idx.search(&SearchRequest::new(q))
            .unwrap()
            .reading
            .corrections
            .into_iter()
            .map(|c| (c.from, c.to))
            .collect()
    };
    // "medqa" is one edit from "media" (by stems); typed as the dataset's name it stays.
    // ("brats" is an English word, so it is never respelled "beat", however typed.)
    assert_eq!(corrections("U-Net BraTS"), []);
    assert_eq!(corrections("u-net brats"), []);
    assert_eq!(corrections("MedQA"), []);
    assert_eq!(
        corrections("medqa answers"),
        [("medqa".to_string(), "media".to_string())]
    );
    // A query typed all in capitals is not a list of names.
    assert_eq!(
        corrections("LEKAGE"),
        [("lekage".to_string(), "leakage".to_string())]
    );
}

#[test]
fn a_real_word_no_case_uses_is_left_out_not_respelled() {
    let idx = indexed(&[
        case("disk", "The disk filled up and the pipeline stalled."),
        case("help", "Customer messages to the help line were misrouted."),
    ]);
    let r = idx
        .search(&SearchRequest::new("messages to help desks misrouted"))
        .unwrap();
    // "desks" is one edit from "disk", but it is an English word: not a typo.
    assert!(r.reading.corrections.is_empty(), "{:?}", r.reading);
    assert!(
        r.reading
            .notes
            .iter()
            .any(|n| n.contains("no case uses “desks”")),
        "{:?}",
        r.reading.notes
    );
    assert_eq!(r.hits[0].id, "help");
    assert!(r.hits.iter().all(|h| h.id != "disk"));
    // Alone it is searched as typed, and finds nothing.
    let r = idx.search(&SearchRequest::new("desks")).unwrap();
    assert_eq!(r.total, 0);
    assert!(r.reading.corrections.is_empty());
    // A misspelling is still corrected.
    let r = idx.search(&SearchRequest::new("customer mesages")).unwrap();
    assert_eq!(r.reading.corrections.len(), 1, "{:?}", r.reading);
}

fn ids(r: &crate::SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.id.as_str()).collect()
}

/// Asserts that each of `notes` is among the notes the search gave.
fn has_notes(r: &crate::SearchResults, notes: &[&str]) {
    for note in notes {
        assert!(
            r.reading.notes.iter().any(|n| n == note),
            "{note:?} not in {:?}",
            r.reading.notes
        );
    }
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[test]
fn a_query_no_case_holds_enough_of_shows_the_cases_holding_one_word_fewer_first() {
    let idx = indexed(&[
        case("three", "Violet ink around the lesion."),
        case("two", "The scalpel and the surgeons."),
        case("other-two", "A hospital audit."),
        case("one", "A dermatology ward."),
    ]);
    // Nine words; the share asks for four, "three" holds three of them, the others two.
    let q = "violet ink lesion scalpel surgeons hospital audit dermatology ward";
    let r = idx.search(&SearchRequest::new(q)).unwrap();
    assert_eq!(r.reading.min_match, 3, "{:?}", r.reading);
    // Fewer than ten cases hold three, so those holding any word follow "three".
    assert_eq!(ids(&r)[0], "three");
    assert_eq!(r.total, 4);
    assert_eq!(
        sorted(r.hits[1..].iter().map(|h| h.id.clone()).collect()),
        ["one", "other-two", "two"]
    );
    has_notes(
        &r,
        &[
            "no case holds 4 of these 9 words, so cases holding 3 are shown",
            "only 1 case holds 3 of these 9 words; cases holding any of them follow",
        ],
    );
    assert_eq!(
        sorted(idx.matching_ids(&SearchRequest::new(q)).unwrap()),
        ["one", "other-two", "three", "two"]
    );

    // Without filling, the cases holding one word fewer are all there is.
    idx.set_tuning(crate::Tuning {
        fill_below: 0,
        ..crate::Tuning::default()
    });
    let r = idx.search(&SearchRequest::new(q)).unwrap();
    assert_eq!(ids(&r), ["three"]);
    assert_eq!(idx.matching_ids(&SearchRequest::new(q)).unwrap(), ["three"]);
}

#[test]
fn the_few_cases_holding_enough_words_come_first_and_the_cases_holding_fewer_follow() {
    let idx = indexed(&[
        case("two", "The scalpel and the surgeons."),
        case("four", "Violet ink around the lesion, in a ward."),
        case("one", "A dermatology clinic."),
        case("none", "Nothing of the question here."),
    ]);
    // Seven words; the share asks for three, which only "four" holds.
    let q = "violet ink lesion scalpel surgeons dermatology ward";
    let r = idx.search(&SearchRequest::new(q)).unwrap();
    assert_eq!(r.reading.min_match, 3, "{:?}", r.reading);
    assert_eq!(ids(&r), ["four", "two", "one"]);
    assert_eq!(r.total, 3);
    has_notes(
        &r,
        &[
            "only 1 case holds 3 of these 7 words; cases holding 2 follow",
            "only 2 cases hold 2 of these 7 words; cases holding any of them follow",
        ],
    );
    // The facet counts are those of every case shown.
    let domain = &r.facets[&crate::FacetDim::Domain];
    assert_eq!(
        domain.get("healthcare/medical-imaging"),
        Some(&3),
        "{domain:?}"
    );
    // Paging walks the same order.
    let mut page = SearchRequest::new(q);
    page.offset = 1;
    page.limit = 1;
    assert_eq!(ids(&idx.search(&page).unwrap()), ["two"]);
    // Sorted by year, only the cases holding enough words are listed.
    let mut by_year = SearchRequest::new(q);
    by_year.sort = crate::Sort::Year;
    assert_eq!(ids(&idx.search(&by_year).unwrap()), ["four"]);
}
