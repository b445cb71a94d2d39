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
        match self.lock().as_mut() {
            None => return compute().map(Arc::new),
            Some(cache) => {
                if let Some(hit) = cache.get(&key) {
                    return Ok(hit.clone());
                }
            }
        }
        // Computed outside the lock, so one slow query does not hold up the others.
        let results = Arc::new(compute()?);
        if let Some(cache) = self.lock().as_mut() {
            cache.put(key, results.clone());
        }
        Ok(results)
    }
}
