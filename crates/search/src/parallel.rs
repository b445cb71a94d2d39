//! Searching a large index's segments on several threads: one search pool per index, used
//! when the index holds at least `parallel_min_docs` documents in two or more segments.
//!
//! Splitting one search over the segments lowers its latency but not the machine's
//! throughput (the work is the same, plus a hand-over), so small indexes, where every search is
//! fast already, keep to the calling thread. The merged results do not depend on the executor:
//! tantivy hands the per-segment fruits to `merge_fruits` in segment order, and top-k merging
//! breaks ties by document address (`parallel_and_single_thread_agree` in the tests).

use std::sync::atomic::{AtomicU64, Ordering};

use tantivy::collector::Collector;
use tantivy::query::{EnableScoring, Query};
use tantivy::{Executor, Searcher};

use crate::SearchIndex;

/// Documents from which a search is split over segments, by default. At 100k cases a search
/// of the benchmark's mix takes a few milliseconds on one thread, and splitting it cost a tenth
/// of the HTTP throughput at 16 connections (docs/performance.md); at 1M the slowest classes
/// take tens of milliseconds, which two threads cut by a fifth to a third.
pub const PARALLEL_MIN_DOCS: u64 = 250_000;

/// The pool and the size from which it is used.
pub(crate) struct Parallel {
    executor: Executor,
    min_docs: AtomicU64,
}

impl std::fmt::Debug for Parallel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parallel")
            .field("min_docs", &self.min_docs.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Parallel {
    /// A pool with one thread per core (at most 8); a single-threaded executor when the pool
    /// cannot be made or the machine has one core.
    pub(crate) fn new() -> Parallel {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(8);
        let executor = if threads > 1 {
            Executor::multi_thread(threads, "notbetter-search-").unwrap_or_else(|e| {
                tracing::warn!(error = %e, "no search thread pool; searching on one thread");
                Executor::single_thread()
            })
        } else {
            Executor::single_thread()
        };
        Parallel {
            executor,
            min_docs: AtomicU64::new(PARALLEL_MIN_DOCS),
        }
    }
}

impl SearchIndex {
    /// Splits searches over segments from `min_docs` documents on (`u64::MAX`: never; 0:
    /// always, with two or more segments). Clears the result cache, so timings that follow
    /// measure the engine.
    pub fn set_parallel_min_docs(&self, min_docs: u64) {
        self.parallel.min_docs.store(min_docs, Ordering::Relaxed);
        self.cache.clear();
    }

    /// Runs `collector` over `query` like `Searcher::search`, on the search pool when the
    /// index is large enough (see the module docs).
    pub(crate) fn run<C: Collector>(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        collector: &C,
    ) -> tantivy::Result<C::Fruit> {
        let scoring = if collector.requires_scoring() {
            EnableScoring::enabled_from_searcher(searcher)
        } else {
            EnableScoring::disabled_from_searcher(searcher)
        };
        let parallel = searcher.segment_readers().len() > 1
            && searcher.num_docs() >= self.parallel.min_docs.load(Ordering::Relaxed);
        let single = Executor::single_thread();
        let executor = if parallel {
            &self.parallel.executor
        } else {
            &single
        };
        searcher.search_with_executor(query, collector, executor, scoring)
    }
}

#[cfg(test)]
mod tests {
    use notbetter_taxonomy::{bundled, Case};

    use crate::{SearchIndex, SearchRequest, Sort};

    fn case(i: usize) -> Case {
        // Few distinct texts, so many cases score the same and the order of ties matters.
        let (domain, cause, text) = [
            (
                "healthcare/medical-imaging",
                "model/shortcut-learning",
                "hospital shortcut markers",
            ),
            (
                "recommender-systems",
                "evaluation/weak-baselines",
                "tuned baselines beat neural models",
            ),
            (
                "physics/fluid-dynamics",
                "data/distribution-shift",
                "shortcut under shift at new sites",
            ),
        ][i % 3];
        Case::builder(format!("c{i:03}"))
            .title(format!("Case {}", i % 4))
            .year(2015 + (i % 5) as i32)
            .domains(&[domain])
            .causes(&[cause])
            .failure_modes(&["suboptimal-performance"])
            .elements("A use case.", "A deep network.", "It did worse.", text)
            .build()
    }

    /// Several segments, some with deleted documents.
    fn index() -> SearchIndex {
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        let cases: Vec<Case> = (0..120).map(case).collect();
        for (g, chunk) in cases.chunks(25).enumerate() {
            idx.upsert(chunk).unwrap();
            idx.commit(g as u64 + 1).unwrap();
        }
        idx.upsert(&cases[..10]).unwrap();
        idx.commit(99).unwrap();
        assert!(idx.reader.searcher().segment_readers().len() > 1);
        idx
    }

    /// The same hits in the same order, totals and facet counts, on one thread and on the
    /// pool, for every page of queries full of ties, filtered or not, by score or by year.
    #[test]
    fn parallel_and_single_thread_agree() {
        let idx = index();
        let mut requests = Vec::new();
        for q in [
            "",
            "shortcut",
            "tuned baselines",
            "what went wrong with shortcut at new sites",
        ] {
            for sort in [Sort::Relevance, Sort::Year] {
                for offset in [0, 7, 20, 60] {
                    let mut req = SearchRequest::new(q);
                    req.sort = sort;
                    req.limit = 13;
                    req.offset = offset;
                    requests.push(req.clone());
                    requests.push(req.filter(crate::FacetDim::Domain, "healthcare"));
                }
            }
        }
        let run = |min_docs| {
            idx.set_parallel_min_docs(min_docs);
            requests
                .iter()
                .map(|r| idx.search(r).unwrap())
                .collect::<Vec<_>>()
        };
        let single = run(u64::MAX);
        let parallel = run(0);
        assert_eq!(single.len(), parallel.len());
        for ((req, a), b) in requests.iter().zip(&single).zip(&parallel) {
            assert_eq!(a, b, "{req:?}");
        }
        let ids = |req: &SearchRequest| idx.matching_ids(req).unwrap();
        idx.set_parallel_min_docs(u64::MAX);
        let one: Vec<_> = requests.iter().map(ids).collect();
        idx.set_parallel_min_docs(0);
        let two: Vec<_> = requests.iter().map(ids).collect();
        assert_eq!(one, two);
    }
}
