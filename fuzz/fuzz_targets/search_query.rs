//! Fuzz target: the search query path with facet parameters. A few real cases go into an
//! in-RAM index once; each input becomes a `SearchRequest` (query text, filters, year range,
//! sort, paging). Every request must give results or a user error, never a panic or an
//! internal error.
#![no_main]

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use notbetter_ingest::{parse_text, Checker, Format};
use notbetter_search::{FacetDim, SearchIndex, SearchRequest, Sort};
use notbetter_taxonomy::{bundled, Source};

const CASES: [&str; 5] = [
    include_str!("../../data/cases/amazon-recruiting-tool-gender-bias.md"),
    include_str!("../../data/cases/alphafold2-missense-mutations.md"),
    include_str!("../../data/cases/ai-weather-record-extremes.md"),
    include_str!("../../data/cases/alzheimer-cnn-data-leakage-review.md"),
    include_str!("../../data/cases/android-malware-concept-drift-evaluation.md"),
];

fn index() -> &'static SearchIndex {
    static I: OnceLock<SearchIndex> = OnceLock::new();
    I.get_or_init(|| {
        let taxonomy = bundled();
        let mut checker = Checker::new(&taxonomy, Source::Curated, HashMap::new());
        let mut diagnostics = Vec::new();
        let mut cases = Vec::new();
        for (i, text) in CASES.iter().enumerate() {
            for record in parse_text(&format!("{i}.md"), text, Format::Markdown, &mut diagnostics) {
                cases.extend(checker.check(&record, &mut diagnostics));
            }
        }
        assert_eq!(cases.len(), CASES.len(), "{diagnostics:?}");
        let index = SearchIndex::in_memory(&taxonomy).unwrap();
        // Every input reaches the engine, not the result cache.
        index.set_result_cache(0);
        index.upsert(&cases).unwrap();
        index.commit(1).unwrap();
        index
    })
}

#[derive(Debug, Arbitrary)]
struct Input {
    query: String,
    filters: Vec<(u8, String)>,
    year_from: Option<i32>,
    year_to: Option<i32>,
    sort: u8,
    /// Raw sort parameter, parsed as the web site does, when `sort` is odd.
    sort_text: String,
    offset: u16,
    limit: u8,
}

fuzz_target!(|input: Input| {
    let index = index();
    let mut filters: BTreeMap<FacetDim, Vec<String>> = BTreeMap::new();
    for (dim, slug) in input.filters.into_iter().take(8) {
        let dim = FacetDim::ALL[usize::from(dim) % FacetDim::ALL.len()];
        filters.entry(dim).or_default().push(slug);
    }
    let sort = if input.sort % 2 == 1 {
        Sort::parse(&input.sort_text).unwrap_or_default()
    } else {
        [Sort::Relevance, Sort::Year, Sort::YearAsc][usize::from(input.sort / 2) % 3]
    };
    let req = SearchRequest {
        query: input.query,
        filters,
        year_from: input.year_from,
        year_to: input.year_to,
        sort,
        offset: usize::from(input.offset),
        limit: usize::from(input.limit),
    };
    match index.search(&req) {
        Ok(results) => {
            assert!(results.hits.len() <= req.limit);
            assert!(results.hits.len() <= results.total.saturating_sub(req.offset));
        }
        Err(e) => assert!(e.is_user_error(), "internal error for {req:?}: {e}"),
    }
    if let Err(e) = index.matching_ids(&req) {
        assert!(e.is_user_error(), "internal error for {req:?}: {e}");
    }
});
