//! A cache of search results for the current searcher: popular queries (the home page's
//! links, a facet everyone clicks) are answered without searching again. Entries are keyed by
//! the searcher generation, so a commit makes every earlier entry unreachable; they age out.
//! This is what Elasticsearch's request cache and Solr's query result cache do. The same kind
//! of cache keeps each case's similar cases (more-like-this is the costliest part of a case
//! page).

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;

use crate::query::{SearchRequest, SearchResults, Similar};

/// Search results by request.
pub(crate) type ResultCache = GenerationCache<SearchRequest, SearchResults>;
/// Similar cases by case id and limit.
pub(crate) type SimilarCache = GenerationCache<(String, usize), Vec<Similar>>;

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
