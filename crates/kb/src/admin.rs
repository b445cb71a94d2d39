//! Reading the whole store, and running it: counts, the newest cases, backups and restores, and
//! the search index's knobs.

use std::path::Path;
use std::time::Duration;

use notbetter_store::StoredCase;
use notbetter_taxonomy::Case;

use crate::{KbError, KnowledgeBase, Result};

impl KnowledgeBase {
    /// How many cases the store holds.
    pub fn count(&self) -> Result<usize> {
        Ok(self.store().count()?)
    }

    /// How many cases the index can find (equal to [`Self::count`] once it is in step).
    pub fn indexed(&self) -> u64 {
        self.index.num_docs()
    }

    /// The `limit` most recently added cases, newest first.
    pub fn newest(&self, limit: usize) -> Result<Vec<Case>> {
        Ok(self.store().newest(limit)?)
    }

    /// Like [`Self::newest`], with each case's bookkeeping (for feeds).
    pub fn newest_stored(&self, limit: usize) -> Result<Vec<StoredCase>> {
        Ok(self.store().newest_stored(limit)?)
    }

    /// Every stored case with its bookkeeping, in id order.
    pub fn all_stored(&self) -> Result<Vec<StoredCase>> {
        Ok(self.store().all()?)
    }

    /// Calls `f` with each case, in id order, without holding them all.
    pub fn for_each_case(&self, f: impl FnMut(Case)) -> Result<()> {
        Ok(self.store().for_each(f)?)
    }

    /// Writes a consistent copy of the store to `dest` (SQLite's online backup).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        Ok(self.store().backup_to(dest)?)
    }

    /// Replaces the store with the backup at `src`, then rebuilds the index from it. The index
    /// is claimed first: while another process (a running server) holds it, the restore is
    /// refused with [`KbError::Busy`] and the database is left as it was, since that process
    /// would go on serving an index that no longer matches the store. Returns the number of
    /// cases restored.
    pub fn restore_from(&self, src: &Path) -> Result<usize> {
        match self.index.claim_writer() {
            Ok(()) => {}
            Err(notbetter_search::SearchError::Locked) => {
                return Err(KbError::Busy(self.dir().to_path_buf()))
            }
            Err(e) => return Err(e.into()),
        }
        self.store().restore_from(src)?;
        self.reindex()
    }

    /// Sets how many search results the index caches (0 turns the cache off).
    pub fn set_result_cache(&self, entries: usize) {
        self.index.set_result_cache(entries);
    }

    /// Splits searches over the index's segments from `min_docs` cases on (see
    /// `SearchIndex::set_parallel_min_docs`).
    pub fn set_parallel_min_docs(&self, min_docs: u64) {
        self.index.set_parallel_min_docs(min_docs);
    }

    /// For the benchmark: the time of the pass that only counts a request's matches (see
    /// `SearchIndex::time_counting_pass`), with the count.
    pub fn time_counting_pass(
        &self,
        req: &crate::SearchRequest,
    ) -> Result<(usize, std::time::Duration)> {
        Ok(self.index.time_counting_pass(req)?)
    }

    /// Sets how long one search may run before it answers with what it has.
    pub fn set_search_timeout(&self, timeout: Duration) {
        self.index.set_search_timeout(timeout);
    }

    /// The knobs of soft matching in use.
    pub fn tuning(&self) -> notbetter_search::Tuning {
        self.index.tuning()
    }

    /// Replaces the knobs of soft matching (for evaluating alternatives).
    pub fn set_tuning(&self, tuning: notbetter_search::Tuning) {
        self.index.set_tuning(tuning);
    }
}
