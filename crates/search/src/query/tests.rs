//! Search tests on an in-memory index: snippets, syntax errors, filters and facet counts
//! checked against a brute-force count.

use std::collections::BTreeMap;

use notbetter_taxonomy::{bundled, Case, Dimension, LabelState};

use crate::{FacetDim, SearchIndex, SearchRequest, Sort};

fn case(id: &str, year: i32, domains: &[&str], causes: &[&str], text: &str) -> Case {
    Case::builder(id)
        .title(format!("Case {id}"))
        .year(year)
        .domains(domains)
        .causes(causes)
        .failure_modes(&["suboptimal-performance"])
        .elements(
            &format!("Use case of {id}."),
            "A deep network.",
            "It did worse than promised.",
            text,
        )
        .build()
}

fn corpus() -> Vec<Case> {
    vec![
        case(
            "xray",
            2021,
            &["healthcare/medical-imaging"],
            &["model/shortcut-learning", "data/distribution-shift"],
            "The network used hospital shortcuts such as laterality markers.",
        ),
        case(
            "nli",
            2019,
            &["language-technology/nlu"],
            &["model/shortcut-learning"],
            "Models learned a lexical overlap shortcut instead of inference.",
        ),
        case(
            "sepsis",
            2021,
            &["healthcare/clinical-prediction"],
            &["data/distribution-shift"],
            "Performance dropped at new hospitals after deployment.",
        ),
        case(
            "recsys",
            2019,
            &["recommender-systems"],
            &["evaluation/weak-baselines"],
            "Tuned nearest-neighbour baselines beat the neural models.",
        ),
        case(
            "pde",
            2024,
            &["physics/fluid-dynamics"],
            &["evaluation/weak-baselines", "evaluation/flawed-metrics"],
            "Comparisons used weak numerical baselines.",
        ),
    ]
}

fn index() -> SearchIndex {
    let idx = SearchIndex::in_memory(&bundled()).unwrap();
    idx.rebuild(&corpus(), 7).unwrap();
    idx
}

/// Facet counts by brute force: every case matching `ids`, counted under each slug and its
/// ancestors.
fn brute_force(cases: &[Case], ids: &[String], dim: Dimension) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for c in cases.iter().filter(|c| ids.contains(&c.id)) {
        let mut seen = std::collections::HashSet::new();
        for slug in c.slugs(dim, LabelState::Confirmed) {
            let parts: Vec<_> = slug.split('/').collect();
            for i in 1..=parts.len() {
                let p = parts[..i].join("/");
                if seen.insert(p.clone()) {
                    *out.entry(p).or_insert(0) += 1;
                }
            }
        }
    }
    out
}

#[test]
fn empty_query_matches_everything_and_counts_facets() {
    let idx = index();
    assert_eq!(idx.generation().unwrap(), 7);
    let r = idx.search(&SearchRequest::new("*")).unwrap();
    assert_eq!(r.total, 5);
    let all: Vec<String> = corpus().iter().map(|c| c.id.clone()).collect();
    for (fd, dim) in [
        (FacetDim::Domain, Dimension::Domain),
        (FacetDim::Cause, Dimension::Cause),
    ] {
        assert_eq!(r.facets[&fd], brute_force(&corpus(), &all, dim), "{fd:?}");
    }
    assert_eq!(r.facets[&FacetDim::Domain]["healthcare"], 2);
    assert_eq!(r.facets[&FacetDim::Source]["curated"], 5);
}

#[test]
fn text_query_with_snippets_and_counts() {
    let idx = index();
    let r = idx.search(&SearchRequest::new("shortcut")).unwrap();
    let ids: Vec<_> = r.hits.iter().map(|h| h.id.clone()).collect();
    assert_eq!(r.total, 2);
    assert!(ids.contains(&"xray".to_string()) && ids.contains(&"nli".to_string()));
    for h in &r.hits {
        let marked: Vec<&str> = h
            .snippet
            .pieces()
            .filter(|(_, hit)| *hit)
            .map(|(t, _)| t)
            .collect();
        assert!(
            marked
                .iter()
                .any(|t| t.to_lowercase().starts_with("shortcut")),
            "{:?}",
            h.snippet
        );
        assert!(!h.snippet.text.contains('<'), "plain text, not markup");
    }
    assert_eq!(
        r.facets[&FacetDim::Cause],
        brute_force(&corpus(), &ids, Dimension::Cause)
    );
}

#[test]
fn filters_or_within_and_across_dimensions() {
    let idx = index();
    let req = SearchRequest::new("")
        .filter(FacetDim::Domain, "healthcare")
        .filter(FacetDim::Domain, "physics");
    let r = idx.search(&req).unwrap();
    assert_eq!(r.total, 3);
    let req = req.filter(FacetDim::Cause, "data/distribution-shift");
    let r = idx.search(&req).unwrap();
    assert_eq!(r.total, 2);
    // Disjunctive counts: the domain counts ignore the domain filter but keep the cause one.
    assert_eq!(r.facets[&FacetDim::Domain]["healthcare"], 2);
    assert!(!r.facets[&FacetDim::Domain].contains_key("physics"));
    // The cause counts ignore the cause filter but keep the domain one.
    assert_eq!(r.facets[&FacetDim::Cause]["evaluation/weak-baselines"], 1);
    // A top-level cause family selects all its causes.
    let r = idx
        .search(&SearchRequest::new("").filter(FacetDim::Cause, "evaluation"))
        .unwrap();
    assert_eq!(r.total, 2);
}

#[test]
fn years_sorting_and_paging() {
    let idx = index();
    let mut req = SearchRequest::new("");
    req.sort = Sort::Year;
    let r = idx.search(&req).unwrap();
    assert_eq!(r.hits[0].id, "pde");
    req.sort = Sort::YearAsc;
    req.year_from = Some(2020);
    let r = idx.search(&req).unwrap();
    assert_eq!(r.total, 3);
    assert_eq!(r.hits.last().unwrap().id, "pde");
    req.limit = 1;
    req.offset = 1;
    let r = idx.search(&req).unwrap();
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.total, 3);
}

#[test]
fn any_text_is_searched_and_bad_requests_are_user_errors() {
    let idx = index();
    // What tantivy's parser refused (and the fuzzers found) is read as words, with a note.
    // See fuzz/regressions/search_query/.
    for q in [
        "\"unbalanced",
        "(a OR",
        "nosuchfield:x",
        "title:",
        "title:*",
        "/:*",
        "a nosuchfield:*",
        "(tags:*)",
        "S  a    :    *   S  \0\0\0\u{7f}a\0",
        "title : *",
        "<script>alert(1)</script>",
    ] {
        let r = idx.search(&SearchRequest::new(q));
        assert!(r.is_ok(), "{q}: {r:?}");
        assert!(idx.matching_ids(&SearchRequest::new(q)).is_ok(), "{q}");
    }
    let r = idx.search(&SearchRequest::new("(shortcut OR")).unwrap();
    assert_eq!(r.total, 2, "{r:?}");
    assert!(!r.reading.notes.is_empty());
    let mut req = SearchRequest::new("x");
    req.limit = 0;
    assert!(idx.search(&req).unwrap_err().is_user_error());
    req.limit = 10;
    req.offset = 1_000_000;
    assert!(idx.search(&req).unwrap_err().is_user_error());
    // Field and phrase syntax work.
    let r = idx
        .search(&SearchRequest::new("investigation:\"lexical overlap\""))
        .unwrap();
    assert_eq!(r.total, 1);
    let r = idx
        .search(&SearchRequest::new("shortcut -hospital"))
        .unwrap();
    assert_eq!(r.total, 1);
}

#[test]
fn upsert_replaces_by_id_and_commit_makes_it_visible() {
    let idx = index();
    let mut c = corpus().remove(3);
    c.investigation = "Now about zebrafish.".into();
    idx.upsert([&c]).unwrap();
    assert_eq!(
        idx.search(&SearchRequest::new("zebrafish")).unwrap().total,
        0
    );
    idx.commit(8).unwrap();
    assert_eq!(
        idx.search(&SearchRequest::new("zebrafish")).unwrap().total,
        1
    );
    assert_eq!(idx.num_docs(), 5);
    idx.delete("recsys").unwrap();
    idx.commit(9).unwrap();
    assert_eq!(idx.num_docs(), 4);
}

#[test]
fn generation_is_kept_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    {
        let idx = SearchIndex::open(dir.path(), &bundled()).unwrap();
        assert_eq!(idx.generation().unwrap(), 0);
        idx.rebuild(&corpus(), 42).unwrap();
    }
    let idx = SearchIndex::open(dir.path(), &bundled()).unwrap();
    assert_eq!(idx.generation().unwrap(), 42);
    assert_eq!(idx.num_docs(), 5);
}

#[test]
fn similar_prefers_other_domains() {
    let idx = SearchIndex::in_memory(&bundled()).unwrap();
    let text = "scanner signature hospital marker shortcut confounded label artefact";
    let cases = [
        case("source", 2020, &["healthcare/medical-imaging"], &[], text),
        // Shares every word, from the same field.
        case(
            "same-field",
            2020,
            &["healthcare/pathology"],
            &[],
            "scanner signature hospital marker shortcut confounded label artefact",
        ),
        // Shares most words, from another field.
        case(
            "other-field",
            2020,
            &["ecology"],
            &[],
            "scanner signature hospital marker shortcut camera background",
        ),
    ];
    // Unrelated cases, so that the shared words are rare enough for more-like-this.
    let filler = (0..10).map(|i| {
        case(
            &format!("unrelated-{i}"),
            2020,
            &["finance"],
            &[],
            "returns volatility order book",
        )
    });
    let all: Vec<Case> = cases.into_iter().chain(filler).collect();
    idx.rebuild(&all, 1).unwrap();
    let sim = idx.similar("source", 3).unwrap();
    let ids: Vec<&str> = sim.iter().map(|s| s.id.as_str()).collect();
    assert!(!ids.contains(&"source"), "a case is not similar to itself");
    assert_eq!(
        &ids[..2],
        ["other-field", "same-field"],
        "the other field's case comes first, though it shares fewer words: {sim:?}"
    );
    assert!(idx.similar("missing", 3).unwrap().is_empty());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn any_query_gives_results_or_a_clear_error(q in "\\PC{0,40}") {
        let idx = index();
        match idx.search(&SearchRequest::new(q)) {
            Ok(r) => proptest::prop_assert!(r.hits.len() <= 20),
            Err(e) => proptest::prop_assert!(e.is_user_error(), "{}", e),
        }
    }
}

/// Whether `c` passes the filter on `dim` (a slug selects itself and its descendants).
fn passes(c: &Case, dim: Dimension, slugs: &[String]) -> bool {
    slugs.is_empty()
        || c.slugs(dim, LabelState::Confirmed).any(|s| {
            slugs
                .iter()
                .any(|f| s == f || s.starts_with(&format!("{f}/")))
        })
}

const DOMAINS: [&str; 5] = [
    "healthcare/medical-imaging",
    "healthcare/clinical-prediction",
    "healthcare",
    "physics/fluid-dynamics",
    "recommender-systems",
];
const CAUSES: [&str; 5] = [
    "model/shortcut-learning",
    "data/distribution-shift",
    "evaluation/weak-baselines",
    "evaluation/flawed-metrics",
    "evaluation",
];
const WORDS: [&str; 3] = ["alpha", "beta", "gamma"];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// The one-pass disjunctive counter agrees with brute force over a corpus spread across
    /// several segments, with replaced cases, for any filters: each dimension is counted over
    /// the cases passing every filter but its own.
    #[test]
    fn facet_counts_match_brute_force(
        spec in proptest::collection::vec(
            (proptest::sample::subsequence(DOMAINS.to_vec(), 1..3),
             proptest::sample::subsequence(CAUSES.to_vec(), 1..3),
             0..3usize),
            1..30),
        batches in 1..4usize,
        domain_filter in proptest::sample::subsequence(DOMAINS.to_vec(), 0..3),
        cause_filter in proptest::sample::subsequence(CAUSES.to_vec(), 0..3),
        word in 0..4usize,
        parallel in proptest::bool::ANY,
    ) {
        let cases: Vec<Case> = spec
            .iter()
            .enumerate()
            .map(|(i, (d, c, w))| case(&format!("c{i}"), 2020, d, c, WORDS[*w]))
            .collect();
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        if parallel {
            idx.set_parallel_min_docs(0);
        }
        // Several commits make several segments; the first batch is indexed twice, so some
        // documents are deleted ones the counter must skip.
        let per = cases.len().div_ceil(batches);
        idx.upsert(&cases[..per]).unwrap();
        idx.commit(1).unwrap();
        for (g, chunk) in cases.chunks(per).enumerate() {
            idx.upsert(chunk).unwrap();
            idx.commit(g as u64 + 2).unwrap();
        }
        let query = WORDS.get(word).copied().unwrap_or("");
        let mut req = SearchRequest::new(query);
        req.limit = 100;
        let df: Vec<String> = domain_filter.iter().map(|s| s.to_string()).collect();
        let cf: Vec<String> = cause_filter.iter().map(|s| s.to_string()).collect();
        for s in &df { req = req.filter(FacetDim::Domain, s.clone()); }
        for s in &cf { req = req.filter(FacetDim::Cause, s.clone()); }
        let r = idx.search(&req).unwrap();

        let text = |c: &Case| query.is_empty() || c.investigation == query;
        let ids = |keep_domain: bool, keep_cause: bool| -> Vec<String> {
            cases
                .iter()
                .filter(|c| text(c))
                .filter(|c| !keep_domain || passes(c, Dimension::Domain, &df))
                .filter(|c| !keep_cause || passes(c, Dimension::Cause, &cf))
                .map(|c| c.id.clone())
                .collect()
        };
        proptest::prop_assert_eq!(r.total, ids(true, true).len());
        proptest::prop_assert_eq!(
            &r.facets[&FacetDim::Domain],
            &brute_force(&cases, &ids(false, true), Dimension::Domain)
        );
        proptest::prop_assert_eq!(
            &r.facets[&FacetDim::Cause],
            &brute_force(&cases, &ids(true, false), Dimension::Cause)
        );
        let source: u64 = ids(true, true).len() as u64;
        proptest::prop_assert_eq!(
            r.facets[&FacetDim::Source].get("curated").copied().unwrap_or(0),
            source
        );
    }
}

#[test]
fn cached_results_follow_commits() {
    let idx = index();
    let req = SearchRequest::new("shortcut");
    let first = idx.search(&req).unwrap();
    // The second answer comes from the cache and is the same.
    assert_eq!(idx.search(&req).unwrap(), first);
    // A commit makes a new searcher: the cached answer is not served for it.
    idx.upsert([&case(
        "vqa",
        2020,
        &["computer-vision"],
        &["model/shortcut-learning"],
        "Answers followed a language shortcut.",
    )])
    .unwrap();
    idx.commit(8).unwrap();
    let after = idx.search(&req).unwrap();
    assert_eq!(after.total, first.total + 1);
    assert!(after.hits.iter().any(|h| h.id == "vqa"));
    // With the cache off, the engine answers the same.
    idx.set_result_cache(0);
    assert_eq!(idx.search(&req).unwrap(), after);
}

#[test]
fn cached_similar_cases_follow_commits() {
    let idx = index();
    let first = idx.similar("xray", 5).unwrap();
    assert_eq!(idx.similar("xray", 5).unwrap(), first, "cached, the same");
    // A near copy of the case, from another field, committed: it must appear.
    idx.upsert([&case(
        "xray-copy",
        2022,
        &["language-technology/nlu"],
        &["model/shortcut-learning"],
        "The network used hospital shortcuts such as laterality markers.",
    )])
    .unwrap();
    idx.commit(9).unwrap();
    // A new case does not empty the other cases' panels (see `cache.rs`)...
    assert_eq!(
        idx.similar("xray", 5).unwrap(),
        first,
        "kept across the commit"
    );
    // ...and shows up once an entry has lived its time.
    idx.similar_cache.set_ttl(std::time::Duration::ZERO);
    let after = idx.similar("xray", 5).unwrap();
    assert_eq!(after[0].id, "xray-copy", "{after:?}");
    // Uncached, the engine answers the same cases (more-like-this sums its terms in hash
    // order, so scores may differ in the last bit).
    idx.set_result_cache(0);
    let ids = |v: &[crate::Similar]| v.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&idx.similar("xray", 5).unwrap()), ids(&after));
}

#[test]
fn a_search_past_its_time_limit_is_a_clear_user_error() {
    let idx = index();
    idx.set_result_cache(0);
    idx.set_search_timeout(std::time::Duration::ZERO);
    for req in [
        SearchRequest::new("shortcut"),
        SearchRequest::new("").filter(FacetDim::Domain, "healthcare"),
    ] {
        let e = idx.search(&req).unwrap_err();
        assert!(e.is_user_error(), "{e}");
        assert!(e.to_string().contains("took longer than 0 ms"), "{e}");
    }
    idx.set_search_timeout(std::time::Duration::from_secs(2));
    assert_eq!(
        idx.search(&SearchRequest::new("shortcut")).unwrap().total,
        2
    );
}

#[test]
fn snippet_ranges_are_sorted_merged_and_on_character_boundaries() {
    let s = crate::Snippet::new(
        "héllo wörld".into(),
        &[7..13, 0..3, 1..6, 2..2, 40..50, 1..2],
    );
    // 1..2 is inside "é" (bytes 1..3): dropped; 0..3 and 1..6 merge; 7..13 is "wörld".
    assert_eq!(s.highlights, vec![0..6, 7..13]);
    let pieces: Vec<(&str, bool)> = s.pieces().collect();
    assert_eq!(pieces, [("héllo", true), (" ", false), ("wörld", true)]);
    assert_eq!(
        serde_json::to_value(&s).unwrap(),
        serde_json::json!({"text": "héllo wörld", "highlights": [[0, 5], [6, 11]]}),
        "JSON offsets count characters"
    );
}
