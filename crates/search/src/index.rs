//! The index on disk: one long-lived writer (created on the first write, so read-only
//! processes do not take the index lock), a reader reloaded after each commit, and the store
//! generation recorded in each commit.

use std::path::Path;
use std::sync::Mutex;

use notbetter_taxonomy::{Case, Taxonomy};
use tantivy::directory::MmapDirectory;
use tantivy::schema::Schema;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use crate::cache::ResultCache;
use crate::facets::SegmentTables;
use crate::schema::{build_schema, to_document, Fields, Names};
use crate::{Result, SearchError};

/// Memory for the writer's indexing buffer. Enough to index the bundled cases in one segment,
/// small enough for a 2-core, modest machine.
const WRITER_HEAP: usize = 64 * 1024 * 1024;

/// Search results kept for repeated requests, by default.
const RESULT_CACHE: usize = 512;
/// Case pages whose similar cases are kept, by default.
pub(crate) const SIMILAR_CACHE: usize = 2_048;
/// The default time limit of one search. The slowest query of the benchmark's mix takes about
/// a tenth of this at 1M cases on two cores.
const SEARCH_TIMEOUT_MS: u64 = 2_000;

pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    /// Indexing threads of the next writer opened; 0 is tantivy's default (one per core).
    writer_threads: std::sync::atomic::AtomicUsize,
    pub(crate) schema: Schema,
    pub(crate) fields: Fields,
    pub(crate) cache: ResultCache,
    /// Similar cases per case, for the current searcher.
    pub(crate) similar_cache: crate::cache::SimilarCache,
    /// The longest a search may take, in milliseconds (see `deadline`).
    pub(crate) timeout_ms: std::sync::atomic::AtomicU64,
    /// Per-segment label combinations for facet counting, built on first use.
    pub(crate) facet_tables: SegmentTables,
    names: Names,
    /// The taxonomy in the index's terms: aliases for synonyms, causes' own words.
    pub(crate) lexicon: crate::query::Lexicon,
    /// Cases per cause, for reading causes from a question.
    pub(crate) priors: crate::query::Priors,
    tuning: std::sync::RwLock<crate::query::Tuning>,
    /// The failure mechanisms questions are read as (set by the knowledge base).
    pub(crate) mechanisms: std::sync::RwLock<std::sync::Arc<crate::query::MechanismTable>>,
    /// The pool large indexes search their segments on.
    pub(crate) parallel: crate::parallel::Parallel,
    /// The ids written or deleted since the last commit (`None`: everything, after a clear),
    /// whose similar cases the commit forgets.
    touched: Mutex<Option<std::collections::HashSet<String>>>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if it does not exist. If the schema on disk differs
    /// from this build's, the index is recreated empty (its generation is then 0, so the caller
    /// rebuilds it from the store).
    pub fn open(dir: &Path, taxonomy: &Taxonomy) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir).map_err(|e| {
            tantivy::TantivyError::SystemError(format!("cannot create {}: {e}", dir.display()))
        })?;
        let schema = build_schema();
        let directory = MmapDirectory::open(dir)?;
        let index = match Index::open_or_create(directory, schema.clone()) {
            Ok(index) => index,
            Err(tantivy::TantivyError::SchemaError(msg)) => {
                tracing::warn!(%msg, "index schema changed; recreating the index");
                for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                    let _ = std::fs::remove_file(entry.path());
                }
                Index::create_in_dir(dir, schema.clone())?
            }
            Err(e) => return Err(e.into()),
        };
        SearchIndex::with_index(index, taxonomy)
    }

    /// An index in memory, for tests.
    pub fn in_memory(taxonomy: &Taxonomy) -> Result<SearchIndex> {
        SearchIndex::with_index(Index::create_in_ram(build_schema()), taxonomy)
    }

    fn with_index(index: Index, taxonomy: &Taxonomy) -> Result<SearchIndex> {
        index
            .tokenizers()
            .register(crate::stem::ANALYZER, crate::stem::en_stem());
        let schema = index.schema();
        let fields = Fields::new(&schema);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let names: Names = taxonomy
            .entries()
            .iter()
            .map(|e| (format!("{}:{}", e.dimension, e.slug), e.name.clone()))
            .collect();
        Ok(SearchIndex {
            lexicon: crate::query::Lexicon::new(taxonomy),
            priors: crate::query::Priors::default(),
            tuning: std::sync::RwLock::new(crate::query::Tuning::default()),
            mechanisms: std::sync::RwLock::default(),
            names,
            index,
            reader,
            writer: Mutex::new(None),
            writer_threads: std::sync::atomic::AtomicUsize::new(0),
            schema,
            fields,
            facet_tables: SegmentTables::default(),
            cache: ResultCache::new(RESULT_CACHE),
            similar_cache: crate::cache::SimilarCache::new(SIMILAR_CACHE),
            timeout_ms: std::sync::atomic::AtomicU64::new(SEARCH_TIMEOUT_MS),
            parallel: crate::parallel::Parallel::new(),
            touched: Mutex::new(Some(Default::default())),
        })
    }

    /// The knobs of soft matching in use.
    pub fn tuning(&self) -> crate::query::Tuning {
        self.tuning
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the knobs of soft matching and similar cases (for evaluating alternatives);
    /// clears both caches.
    pub fn set_tuning(&self, tuning: crate::query::Tuning) {
        *self.tuning.write().unwrap_or_else(|e| e.into_inner()) = tuning;
        self.cache.clear();
        self.similar_cache.clear();
    }

    /// The store generation of the last commit, or 0 for an index never committed.
    pub fn generation(&self) -> Result<u64> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0))
    }

    /// Runs `f` with the writer, creating it on first use. Another process holding the index
    /// lock (a running server, say) is a clear error.
    fn with_writer<R>(&self, f: impl FnOnce(&mut IndexWriter) -> Result<R>) -> Result<R> {
        let mut guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let opened = match self
                .writer_threads
                .load(std::sync::atomic::Ordering::Relaxed)
            {
                0 => self.index.writer(WRITER_HEAP),
                n => self.index.writer_with_num_threads(n, WRITER_HEAP),
            };
            match opened {
                Ok(w) => *guard = Some(w),
                Err(tantivy::TantivyError::LockFailure(..)) => return Err(SearchError::Locked),
                Err(e) => return Err(e.into()),
            }
        }
        f(guard.as_mut().expect("writer was just created"))
    }

    /// Takes the index's writer (and so its lock) now, if this process does not hold it yet.
    /// Another process holding it is [`SearchError::Locked`].
    pub fn claim_writer(&self) -> Result<()> {
        self.with_writer(|_| Ok(()))
    }

    /// Adds or replaces cases (by id). Nothing is visible until [`SearchIndex::commit`].
    pub fn upsert<'a>(&self, cases: impl IntoIterator<Item = &'a Case>) -> Result<usize> {
        self.upsert_with(cases, |_| false)
    }

    /// Like [`SearchIndex::upsert`], but skips looking for an old copy of the cases `is_new`
    /// names: the caller knows the index cannot hold them (the store has just added them, or
    /// the index was just cleared). That saves a delete per case, which bulk loads feel.
    pub fn upsert_with<'a>(
        &self,
        cases: impl IntoIterator<Item = &'a Case>,
        is_new: impl Fn(&str) -> bool,
    ) -> Result<usize> {
        self.with_writer(|writer| {
            let mut touched = self.touched();
            let mut n = 0;
            for case in cases {
                if !is_new(&case.id) {
                    writer.delete_term(Term::from_field_text(self.fields.id, &case.id));
                }
                writer.add_document(to_document(&self.fields, &self.schema, &self.names, case))?;
                if let Some(t) = touched.as_mut() {
                    t.insert(case.id.clone());
                }
                n += 1;
            }
            Ok(n)
        })
    }

    fn touched(&self) -> std::sync::MutexGuard<'_, Option<std::collections::HashSet<String>>> {
        self.touched.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes a case by id. Nothing is visible until [`SearchIndex::commit`].
    pub fn delete(&self, id: &str) -> Result<()> {
        self.with_writer(|writer| {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
            if let Some(t) = self.touched().as_mut() {
                t.insert(id.to_string());
            }
            Ok(())
        })
    }

    /// Removes every document. Nothing is visible until [`SearchIndex::commit`].
    pub fn clear(&self) -> Result<()> {
        self.with_writer(|writer| {
            writer.delete_all_documents()?;
            *self.touched() = None;
            Ok(())
        })
    }

    /// Commits pending changes, recording the store generation they reflect, and reloads the
    /// reader so the next search sees them.
    pub fn commit(&self, generation: u64) -> Result<()> {
        self.with_writer(|writer| {
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&generation.to_string());
            prepared.commit()?;
            Ok(())
        })?;
        self.reader.reload()?;
        // After the reload, so a similar-cases computation on the old searcher is not cached.
        match self.touched().replace(Default::default()) {
            Some(ids) => self.similar_cache.forget(&ids),
            None => self.similar_cache.clear(),
        }
        self.forget_merged_segments();
        Ok(())
    }

    /// Drops the facet tables of segments the reader no longer searches.
    fn forget_merged_segments(&self) {
        let live: Vec<_> = self
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        self.facet_tables.retain_segments(&live);
    }

    /// Indexes with one thread from the next write on (settling the current writer first), so
    /// the same cases written in the same order land in the same segments at the same
    /// addresses every run. With a thread per core, which thread takes a case varies, and with
    /// it the segments' sizes, which decide the merges. Searches break equal scores by id
    /// (`ties`), so `notbetter eval` repeats exactly without this; the pre-mortem's
    /// leave-one-out, which deletes and re-adds cases around merges, uses it. Slower for bulk
    /// loads.
    pub fn index_on_one_thread(&self) -> Result<()> {
        self.writer_threads
            .store(1, std::sync::atomic::Ordering::Relaxed);
        self.settle()
    }

    /// Waits for the writer's background merges to finish and reloads the reader, so the
    /// segments searched next no longer depend on how fast the merges ran. A measurement that
    /// deletes and re-adds cases between searches (the pre-mortem's leave-one-out) calls it
    /// after each commit: BM25 counts a deleted case until a merge drops it, so without it the
    /// same run could score differently twice. The next write opens a new writer.
    pub fn settle(&self) -> Result<()> {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = writer {
            writer.wait_merging_threads()?;
        }
        self.reader.reload()?;
        self.forget_merged_segments();
        Ok(())
    }

    /// Throws away uncommitted changes.
    pub fn rollback(&self) -> Result<()> {
        let mut guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(writer) = guard.as_mut() {
            writer.rollback()?;
        }
        Ok(())
    }

    /// Replaces the whole index with `cases` and commits it at `generation`.
    pub fn rebuild<'a>(
        &self,
        cases: impl IntoIterator<Item = &'a Case>,
        generation: u64,
    ) -> Result<usize> {
        self.clear()?;
        let n = self.upsert_with(cases, |_| true)?;
        self.commit(generation)?;
        Ok(n)
    }

    /// The number of searchable cases.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

impl Drop for SearchIndex {
    /// Lets the writer finish its background merges, so a process that indexes and exits
    /// (`notbetter ingest`) leaves a merged index for the next one to search.
    fn drop(&mut self) {
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(writer) = writer {
            if let Err(e) = writer.wait_merging_threads() {
                tracing::warn!(error = %e, "index merges did not finish cleanly");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use notbetter_taxonomy::{bundled, Case};

    use super::SearchIndex;

    #[test]
    fn settling_waits_for_the_merges_and_searches_their_result() {
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        // One segment per commit; tantivy's default merge policy merges eight small ones.
        for i in 0..8u64 {
            let case = Case::builder(format!("c{i}"))
                .title("A case")
                .elements("A use case.", "A network.", "It did worse.", "Why.")
                .build();
            idx.upsert([&case]).unwrap();
            idx.commit(i + 1).unwrap();
        }
        idx.settle().unwrap();
        assert_eq!(idx.reader.searcher().segment_readers().len(), 1);
        assert_eq!(idx.num_docs(), 8);
        // The next write opens a new writer.
        idx.delete("c0").unwrap();
        idx.commit(9).unwrap();
        idx.settle().unwrap();
        assert_eq!(idx.num_docs(), 7);
    }

    #[test]
    fn one_indexing_thread_keeps_the_cases_in_the_order_written() {
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        idx.index_on_one_thread().unwrap();
        let cases: Vec<Case> = (0..200)
            .map(|i| {
                Case::builder(format!("c{i:03}"))
                    .title("A case")
                    .elements("A use case.", "A network.", "It did worse.", "Why.")
                    .build()
            })
            .collect();
        idx.upsert(&cases).unwrap();
        idx.commit(1).unwrap();
        let searcher = idx.reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        for doc in 0..200u32 {
            let stored: tantivy::TantivyDocument =
                searcher.doc(tantivy::DocAddress::new(0, doc)).unwrap();
            let id = stored
                .get_first(idx.fields.id)
                .and_then(|v| tantivy::schema::Value::as_str(&v))
                .expect("every case has an id");
            assert_eq!(id, format!("c{doc:03}"));
        }
    }
}
