//! Searching a large index's segments on several threads: one search pool per index, used
//! when the index holds at least `parallel_min_docs` documents in two or more segments.
//!
//! Splitting one search over the segments lowers its latency but not the machine's
//! throughput (the work is the same, plus a hand-over), so small indexes, where every search is
//! fast already, keep to the calling thread. The merged results do not depend on the executor:
//! tantivy hands the per-segment fruits to `merge_fruits` in segment order, and top-k merging
//! breaks equal scores by id (`ties`; `parallel_and_single_thread_agree` in the tests). What a
//! reranked question does one document at a time after its search (proximity, held words,
//! mechanism members) is split the same way (`SearchIndex::per_document`).

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
    /// The pool's threads (1 for the single-threaded executor).
    threads: usize,
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
        let threads = match executor {
            Executor::SingleThread => 1,
            Executor::ThreadPool(_) => threads,
        };
        Parallel {
            executor,
            threads,
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

    /// Whether searches of `searcher` are split over the pool (see the module docs).
    fn splits(&self, searcher: &Searcher) -> bool {
        self.parallel.threads > 1
            && searcher.segment_readers().len() > 1
            && searcher.num_docs() >= self.parallel.min_docs.load(Ordering::Relaxed)
    }

    /// `f` over `items` (documents, each in the segment `segment` gives), with its results in
    /// the items' order. Where searches are split over the pool, so is this: the items are
    /// dealt to the pool's threads whole segments at a time, most items first, each thread
    /// taking the segment to the one with fewest so far. `f` must give one result per item,
    /// and an item's result must not depend on the other items (true of everything that
    /// scores or tests documents one at a time: `rank::scores`, `rank::holds`); then the
    /// results are the same on one thread or several.
    pub(crate) fn per_document<A, T>(
        &self,
        searcher: &Searcher,
        items: &[A],
        segment: impl Fn(&A) -> u32,
        f: impl Fn(&[A]) -> tantivy::Result<Vec<T>> + Sync,
    ) -> tantivy::Result<Vec<T>>
    where
        A: Copy + Send + Sync,
        T: Send,
    {
        if !self.splits(searcher) {
            return f(items);
        }
        let mut by_segment: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
        for (i, item) in items.iter().enumerate() {
            by_segment.entry(segment(item)).or_default().push(i);
        }
        let mut segments: Vec<Vec<usize>> = by_segment.into_values().collect();
        segments.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); self.parallel.threads];
        for s in segments {
            let least = groups
                .iter_mut()
                .min_by_key(|g| g.len())
                .expect("at least two groups");
            least.extend(s);
        }
        groups.retain(|g| !g.is_empty());
        if groups.len() < 2 {
            return f(items);
        }
        let parts = self.parallel.executor.map(
            |group: &Vec<usize>| {
                let mine: Vec<A> = group.iter().map(|&i| items[i]).collect();
                let got = f(&mine)?;
                assert_eq!(got.len(), mine.len(), "one result per item");
                Ok(got)
            },
            groups.iter(),
        )?;
        let mut out: Vec<Option<T>> = std::iter::repeat_with(|| None).take(items.len()).collect();
        for (group, got) in groups.iter().zip(parts) {
            for (&i, t) in group.iter().zip(got) {
                out[i] = Some(t);
            }
        }
        Ok(out
            .into_iter()
            .map(|t| t.expect("every item is in one group"))
            .collect())
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
        let single = Executor::single_thread();
        let executor = if self.splits(searcher) {
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
        // A mechanism whose members (every fourth case, in every segment) the questions
        // below are read as, so that the pass keeps its members' scores in every segment.
        let members: Vec<(String, String)> = (0..120)
            .step_by(4)
            .map(|i| (format!("c{i:03}"), case(i).investigation))
            .collect();
        idx.set_mechanisms(&[crate::MechanismDoc {
            id: "site-shortcut".into(),
            name: "Shortcut at new sites".into(),
            causes: vec!["model/shortcut-learning".into()],
            text: "shortcut markers at new sites and hospitals".into(),
            description: "The model reads site markers, a shortcut that fails at new sites.".into(),
            members,
        }]);
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
        assert!(
            single.iter().any(|r| !r.reading.mechanisms.is_empty()),
            "no question was read as the mechanism"
        );
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

    /// Work split by segment comes back in the items' order, whatever the order they came in.
    #[test]
    fn work_per_document_is_split_by_segment_and_put_back_in_order() {
        let idx = index();
        let searcher = idx.reader.searcher();
        let mut items: Vec<tantivy::DocAddress> = searcher
            .segment_readers()
            .iter()
            .enumerate()
            .flat_map(|(s, r)| (0..r.max_doc()).map(move |d| tantivy::DocAddress::new(s as u32, d)))
            .collect();
        // Interleave the segments, backwards.
        items.reverse();
        items.sort_by_key(|a| a.doc_id);
        // The results, and how many pieces the work was cut into.
        let run = |min_docs: u64| {
            idx.set_parallel_min_docs(min_docs);
            let calls = std::sync::atomic::AtomicUsize::new(0);
            let got = idx
                .per_document(
                    &searcher,
                    &items,
                    |a| a.segment_ord,
                    |some| {
                        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        Ok(some.to_vec())
                    },
                )
                .unwrap();
            (got, calls.into_inner())
        };
        let (got, calls) = run(0);
        assert_eq!(got, items);
        if idx.parallel.threads > 1 {
            assert!(calls > 1, "the work was not split");
        }
        // Below the size from which searches are split, one call does it all.
        let (got, calls) = run(u64::MAX);
        assert_eq!((got, calls), (items.clone(), 1));
    }
}
