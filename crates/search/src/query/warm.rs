//! Warming a server up: what searches build lazily the first time they need it, built once
//! at start instead, so the first visitors do not pay for it.

use super::{lexicon, mechanisms, thesaurus, SearchRequest};
use crate::{Result, SearchIndex};

impl SearchIndex {
    /// Builds what searches otherwise build the first time they need it (the synonym table
    /// and its word list, the stop words, the embedding model, the facet tables and cause
    /// counts of the current segments), so the first visitors of a new server do not wait for
    /// it: in a debug build that first search took 0.4 s, and under load more than a second.
    /// Returns how long it took. Errors are the search's own (a broken index).
    pub fn warm_up(&self) -> Result<std::time::Duration> {
        let started = std::time::Instant::now();
        let _ = lexicon::is_stop_word("the");
        let _ = thesaurus::synonyms("slip");
        let _ = thesaurus::is_word("slip");
        let _ = mechanisms::embedder();
        let mut req = SearchRequest::new("why did the model fail at the new hospital?");
        req.limit = 1;
        self.search_uncached(&self.reader.searcher(), &req)?;
        Ok(started.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use notbetter_taxonomy::{bundled, Case};

    use crate::SearchIndex;

    #[test]
    fn warming_up_builds_the_current_segments_facet_tables() {
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        let case = Case::builder("sepsis")
            .title("Sepsis alerts at a new hospital")
            .year(2021)
            .domains(&["healthcare/clinical-prediction"])
            .causes(&["data/distribution-shift"])
            .failure_modes(&["suboptimal-performance"])
            .elements("Use.", "A network.", "Worse.", "The new hospital differed.")
            .build();
        idx.upsert(&[case]).unwrap();
        idx.commit(1).unwrap();
        assert_eq!(
            idx.facet_tables.len(),
            0,
            "nothing is built before a search"
        );
        idx.warm_up().unwrap();
        assert_eq!(
            idx.facet_tables.len(),
            1,
            "the one segment's table is built"
        );
    }
}
