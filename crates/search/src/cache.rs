//! Caches. Search results for the current searcher: popular queries (the home page's links, a
//! facet everyone clicks) are answered without searching again. Entries are keyed by the
//! searcher generation, so a commit makes every earlier entry unreachable; they age out. This is
//! what Elasticsearch's request cache and Solr's query result cache do.
//!
//! Each case's similar cases (more-like-this is the costliest part of a case page) are kept
//! across commits instead ([`SimilarCache`]): a commit forgets only the entries of the cases it
//! changed and the entries that list one of them, and an entry is recomputed after
//! [`SIMILAR_TTL`], so a case added since shows up in its neighbours' panels within that time. A
//! search result must not be stale; a "similar cases" panel may be, for a few minutes, and
//! approvals (each one a commit) no longer empty it.

use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lru::LruCache;

use crate::query::{SearchRequest, SearchResults, Similar};

/// Search results by request.
pub(crate) type ResultCache = GenerationCache<SearchRequest, SearchResults>;

/// How long a case's similar cases are kept at most.
pub(crate) const SIMILAR_TTL: Duration = Duration::from_secs(300);

/// Similar cases by case id and limit, with when they were computed.
type SimilarEntries = Option<LruCache<(String, usize), (Instant, Arc<Vec<Similar>>)>>;

/// Similar cases by case id and limit, kept across commits (see the module docs).
pub(crate) struct SimilarCache {
    inner: Mutex<SimilarInner>,
    /// How long an entry is served ([`SIMILAR_TTL`], shorter in tests).
    ttl: Mutex<Duration>,
}

struct SimilarInner {
    entries: SimilarEntries,
    /// Bumped whenever entries are forgotten: a value computed from a searcher taken before is
    /// not cached after.
    epoch: u64,
}

impl SimilarCache {
    pub(crate) fn new(capacity: usize) -> SimilarCache {
        SimilarCache {
            inner: Mutex::new(SimilarInner {
                entries: NonZeroUsize::new(capacity).map(LruCache::new),
                epoch: 0,
            }),
            ttl: Mutex::new(SIMILAR_TTL),
        }
    }

    /// Serves entries for `ttl` at most.
    #[cfg(test)]
    pub(crate) fn set_ttl(&self, ttl: Duration) {
        *self.ttl.lock().unwrap_or_else(|e| e.into_inner()) = ttl;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimilarInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the cache with an empty one of `capacity` entries (0 turns it off).
    pub(crate) fn resize(&self, capacity: usize) {
        let mut inner = self.lock();
        inner.entries = NonZeroUsize::new(capacity).map(LruCache::new);
        inner.epoch += 1;
    }

    /// Forgets every entry.
    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        if let Some(c) = inner.entries.as_mut() {
            c.clear();
        }
        inner.epoch += 1;
    }

    /// Forgets the entries of the cases `ids` and those listing one of them.
    pub(crate) fn forget(&self, ids: &HashSet<String>) {
        let mut inner = self.lock();
        inner.epoch += 1;
        if ids.is_empty() {
            return;
        }
        if let Some(c) = inner.entries.as_mut() {
            let stale: Vec<(String, usize)> = c
                .iter()
                .filter(|((id, _), (_, list))| {
                    ids.contains(id) || list.iter().any(|s| ids.contains(&s.id))
                })
                .map(|(k, _)| k.clone())
                .collect();
            for k in stale {
                c.pop(&k);
            }
        }
    }

    /// The current epoch; take it before the searcher a value is computed from.
    pub(crate) fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// Whether `key` has an entry (fresh or not), for tests.
    #[cfg(test)]
    pub(crate) fn holds(&self, id: &str, limit: usize) -> bool {
        self.lock()
            .entries
            .as_ref()
            .is_some_and(|c| c.contains(&(id.to_string(), limit)))
    }

    /// The cached similar cases of `key` if younger than the time to live, else `compute`'s,
    /// cached unless an error or unless entries were forgotten since `epoch` (taken before the
    /// searcher `compute` reads).
    pub(crate) fn get_or<E>(
        &self,
        epoch: u64,
        key: &(String, usize),
        compute: impl FnOnce() -> Result<Vec<Similar>, E>,
    ) -> Result<Arc<Vec<Similar>>, E> {
        let ttl = *self.ttl.lock().unwrap_or_else(|e| e.into_inner());
        {
            let mut inner = self.lock();
            if let Some((at, v)) = inner.entries.as_mut().and_then(|c| c.get(key)) {
                if at.elapsed() < ttl {
                    return Ok(v.clone());
                }
            }
        }
        // Computed outside the lock, as search results are.
        let value = Arc::new(compute()?);
        let mut inner = self.lock();
        if inner.epoch == epoch {
            if let Some(c) = inner.entries.as_mut() {
                c.put(key.clone(), (Instant::now(), value.clone()));
            }
        }
        Ok(value)
    }
}

/// The entries of a [`GenerationCache`]; `None` when it is turned off.
type Entries<K, V> = Option<LruCache<(u64, K), Arc<V>>>;

/// Values by key and searcher generation, least recently used first out.
pub(crate) struct GenerationCache<K: std::hash::Hash + Eq + Clone, V> {
    entries: Mutex<Entries<K, V>>,
}

impl<K: std::hash::Hash + Eq + Clone, V> GenerationCache<K, V> {
    pub(crate) fn new(capacity: usize) -> GenerationCache<K, V> {
        GenerationCache {
            entries: Mutex::new(NonZeroUsize::new(capacity).map(LruCache::new)),
        }
    }

    /// Replaces the cache with an empty one of `capacity` entries (0 turns it off).
    pub(crate) fn resize(&self, capacity: usize) {
        *self.lock() = NonZeroUsize::new(capacity).map(LruCache::new);
    }

    /// Forgets every entry.
    pub(crate) fn clear(&self) {
        if let Some(c) = self.lock().as_mut() {
            c.clear();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached value of `req` at searcher `generation`, or `compute`'s (cached if it is
    /// not an error).
    pub(crate) fn get_or<E>(
        &self,
        generation: u64,
        req: &K,
        compute: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        let key = (generation, req.clone());
        // The guard is dropped before computing, whether the cache is on or off: a guard
        // kept as a temporary of a `match` would live through its arms and make every
        // uncached search wait for the one before it.
        let looked_up = {
            let mut guard = self.lock();
            guard.as_mut().map(|cache| cache.get(&key).cloned())
        };
        match looked_up {
            None => return compute().map(Arc::new),
            Some(Some(hit)) => return Ok(hit),
            Some(None) => {}
        }
        // Computed outside the lock, so one slow query does not hold up the others.
        let results = Arc::new(compute()?);
        if let Some(cache) = self.lock().as_mut() {
            cache.put(key, results.clone());
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::GenerationCache;

    fn similar(id: &str) -> crate::query::Similar {
        crate::query::Similar {
            id: id.into(),
            title: id.into(),
            domains: Vec::new(),
            score: 1.0,
        }
    }

    /// Forgetting drops the entries of changed cases and the entries listing them, keeps the
    /// rest, and a value computed across a forget is returned but not cached.
    #[test]
    fn similar_cases_outlive_unrelated_changes() {
        let cache = super::SimilarCache::new(8);
        let put = |id: &str, list: &[&str]| {
            let list: Vec<_> = list.iter().map(|i| similar(i)).collect();
            cache
                .get_or(cache.epoch(), &(id.to_string(), 5), || Ok::<_, ()>(list))
                .unwrap();
        };
        put("a", &["b", "c"]);
        put("d", &["e"]);
        put("f", &["g"]);
        cache.forget(&["c".to_string(), "f".to_string()].into_iter().collect());
        assert!(!cache.holds("a", 5), "lists a changed case");
        assert!(cache.holds("d", 5), "untouched");
        assert!(!cache.holds("f", 5), "is a changed case");
        // A hit does not compute.
        let hit = cache.get_or(cache.epoch(), &("d".to_string(), 5), || Err("computed"));
        assert_eq!(hit.unwrap()[0].id, "e");
        // Computed from a searcher taken before a forget: answered, not cached.
        let before = cache.epoch();
        cache.forget(&std::collections::HashSet::new());
        let v = cache.get_or(before, &("x".to_string(), 5), || {
            Ok::<_, ()>(vec![similar("y")])
        });
        assert_eq!(v.unwrap()[0].id, "y");
        assert!(!cache.holds("x", 5));
    }

    /// On an index: an approval elsewhere keeps a case's similar cases; changing or deleting a
    /// case they list forgets them, so the panel never links to a deleted case.
    #[test]
    fn commits_forget_only_the_similar_cases_they_touch() {
        use notbetter_taxonomy::{bundled, Case};

        use crate::SearchIndex;
        let case = |id: &str, domain: &str, text: &str| {
            Case::builder(id)
                .title(format!("Case {id}"))
                .year(2021)
                .domains(&[domain])
                .causes(&["model/shortcut-learning"])
                .failure_modes(&["suboptimal-performance"])
                .elements("A use case.", "A deep network.", "It did worse.", text)
                .build()
        };
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        let text = "hospital scanner markers shortcut confounded the classifier";
        idx.rebuild(
            &[
                case("a", "healthcare", text),
                case("b", "finance", text),
                case("c", "ecology", "camera trap backgrounds shortcut species"),
            ],
            1,
        )
        .unwrap();
        let ids = |v: Vec<crate::query::Similar>| -> Vec<String> {
            v.into_iter().map(|s| s.id).collect()
        };
        assert_eq!(ids(idx.similar("a", 5).unwrap())[0], "b");
        assert!(idx.similar_cache.holds("a", 5));
        // An unrelated case approved: the entry stays.
        idx.upsert([&case("z", "physics", "turbulence closure surrogate")])
            .unwrap();
        idx.commit(2).unwrap();
        assert!(
            idx.similar_cache.holds("a", 5),
            "an unrelated commit kept it"
        );
        // A listed case deleted: the entry goes, and the recomputed list does not link to it.
        idx.delete("b").unwrap();
        idx.commit(3).unwrap();
        assert!(!idx.similar_cache.holds("a", 5));
        assert!(!ids(idx.similar("a", 5).unwrap()).contains(&"b".to_string()));
        // A rebuild forgets everything.
        idx.rebuild(&[case("a", "healthcare", text)], 4).unwrap();
        assert!(!idx.similar_cache.holds("a", 5));
    }

    /// Two computations run at once, with the cache on (two misses) and off: the first waits
    /// for a message only the second sends, so a lock held while computing would make it give
    /// up (after 10 s) instead of seeing it.
    #[test]
    fn computations_do_not_wait_for_each_other() {
        for capacity in [0, 8] {
            let cache: GenerationCache<u32, u32> = GenerationCache::new(capacity);
            let (go, wait) = mpsc::channel::<()>();
            std::thread::scope(|s| {
                let cache = &cache;
                let first = s.spawn(move || {
                    cache.get_or(1, &1, || {
                        wait.recv_timeout(Duration::from_secs(10))
                            .map(|_| 1)
                            .map_err(|_| "the second computation never ran")
                    })
                });
                // Give the first a head start into its computation.
                std::thread::sleep(Duration::from_millis(50));
                let second = cache.get_or(1, &2, || {
                    go.send(()).expect("the first is waiting");
                    Ok::<u32, &str>(2)
                });
                assert_eq!(*second.unwrap(), 2);
                assert_eq!(*first.join().unwrap().unwrap(), 1, "capacity {capacity}");
            });
        }
    }
}
