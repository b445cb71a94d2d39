//! A cache of search results for the current searcher: popular queries (the home page's
//! links, a facet everyone clicks) are answered without searching again. Entries are keyed by
//! the searcher generation, so a commit makes every earlier entry unreachable; they age out.
//! This is what Elasticsearch's request cache and Solr's query result cache do.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;

use crate::query::{SearchRequest, SearchResults};

type Key = (u64, SearchRequest);

pub(crate) struct ResultCache {
    entries: Mutex<Option<LruCache<Key, Arc<SearchResults>>>>,
}

impl ResultCache {
    pub(crate) fn new(capacity: usize) -> ResultCache {
        ResultCache {
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<LruCache<Key, Arc<SearchResults>>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached results of `req` at searcher `generation`, or `compute`'s (cached if they
    /// are not an error).
    pub(crate) fn get_or<E>(
        &self,
        generation: u64,
        req: &SearchRequest,
        compute: impl FnOnce() -> Result<SearchResults, E>,
    ) -> Result<Arc<SearchResults>, E> {
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
