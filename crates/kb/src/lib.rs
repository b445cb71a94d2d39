//! The knowledge base: one data directory holding the SQLite store (the source of truth) and the
//! tantivy index derived from it, kept in step.
//!
//! Every write goes to the store first, in one transaction; the changed cases are then indexed
//! and committed with the store's new generation. If the process dies in between, the index's
//! generation is behind the store's, and the next [`KnowledgeBase::open`] rebuilds it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use notbetter_ingest::{Batch, Checker};
use notbetter_search::{SearchIndex, SearchRequest, SearchResults, Similar};
use notbetter_store::{ApplyReport, Revision, Store, StoredCase};
use notbetter_taxonomy::{Case, Dimension, Mapping, Source, Taxonomy};
use sha2::{Digest, Sha256};

pub use notbetter_cluster::{Cluster, Clustering};
pub use notbetter_search::{FacetDim, Sort};

mod clusters;
pub mod eval;
pub use clusters::{Matrix, CLUSTER_MAX_CASES};

#[derive(Debug, thiserror::Error)]
pub enum KbError {
    #[error(transparent)]
    Store(#[from] notbetter_store::StoreError),
    #[error(transparent)]
    Search(#[from] notbetter_search::SearchError),
    #[error("cannot use data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Premortem(#[from] notbetter_premortem::PremortemError),
    /// The bundled checks do not fit the taxonomy (a build error, caught by the tests).
    #[error("{0}")]
    Checks(String),
    #[error("`{value}` is not a known {dimension}{hint}")]
    UnknownLabel {
        dimension: String,
        value: String,
        hint: String,
    },
}

impl KbError {
    /// Whether the error was caused by the request rather than by the system.
    pub fn is_user_error(&self) -> bool {
        match self {
            KbError::Search(e) => e.is_user_error(),
            KbError::Premortem(e) => e.is_user_error(),
            KbError::UnknownLabel { .. } => true,
            _ => false,
        }
    }
}

pub type Result<T, E = KbError> = std::result::Result<T, E>;

/// The files of a data directory.
pub struct DataDir {
    pub root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }
    pub fn database(&self) -> PathBuf {
        self.root.join("notbetter.sqlite")
    }
    pub fn index(&self) -> PathBuf {
        self.root.join("index")
    }
}

/// What opening found and did about the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    UpToDate,
    /// The index was behind or ahead of the store and was rebuilt from it.
    Rebuilt {
        cases: usize,
    },
    /// The index differed from the store but another process holds its writer.
    LockedElsewhere,
}

pub struct KnowledgeBase {
    taxonomy: Taxonomy,
    store: Mutex<Store>,
    index: SearchIndex,
    dir: PathBuf,
    clusters: clusters::ClusterCache,
    /// Built on first use: most commands never run a pre-mortem.
    premortem: std::sync::OnceLock<notbetter_premortem::Premortem>,
    pub opened: IndexState,
}

impl KnowledgeBase {
    /// Opens (creating if needed) the knowledge base in `dir`: migrates the store, syncs the
    /// taxonomy into it, and rebuilds the index if its generation differs from the store's.
    pub fn open(dir: &Path, taxonomy: Taxonomy) -> Result<KnowledgeBase> {
        let data = DataDir::new(dir);
        std::fs::create_dir_all(dir).map_err(|source| KbError::DataDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut store = Store::open(&data.database())?;
        store.sync_taxonomy(&taxonomy)?;
        let index = SearchIndex::open(&data.index(), &taxonomy)?;
        let mut kb = KnowledgeBase {
            premortem: std::sync::OnceLock::new(),
            taxonomy,
            store: Mutex::new(store),
            index,
            dir: dir.to_path_buf(),
            clusters: clusters::ClusterCache::default(),
            opened: IndexState::UpToDate,
        };
        let (store_gen, count) = {
            let store = kb.store();
            (store.generation()?, store.count()?)
        };
        let index_gen = kb.index.generation()?;
        if store_gen != index_gen || kb.index.num_docs() as usize != count {
            tracing::warn!(
                store_gen,
                index_gen,
                "search index is out of step with the store; rebuilding"
            );
            match kb.reindex() {
                Ok(cases) => kb.opened = IndexState::Rebuilt { cases },
                // Another process (a running server) holds the writer and keeps the index
                // current itself; reading is still safe.
                Err(KbError::Search(notbetter_search::SearchError::Locked)) => {
                    tracing::info!("index is locked by another process; not rebuilding it here");
                    kb.opened = IndexState::LockedElsewhere;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(kb)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The store, locked. Hold it briefly.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// A checker for new input, aware of the DOIs already in the store.
    pub fn checker(&self, source: Source) -> Result<Checker<'_>> {
        let known = self.store().known_dois()?;
        Ok(Checker::new(&self.taxonomy, source, known))
    }

    /// Writes cases to the store (one transaction), then indexes what changed and commits the
    /// index at the store's new generation.
    pub fn write(&self, cases: &[(Case, String)]) -> Result<ApplyReport> {
        let mut store = self.store();
        let report = store.apply(cases.iter().map(|(c, o)| (c, o.as_str())))?;
        if report.changed.is_empty() {
            return Ok(report);
        }
        let generation = store.generation()?;
        let changed: HashMap<&str, &Case> = cases.iter().map(|(c, _)| (c.id.as_str(), c)).collect();
        let result = self
            .index
            .upsert(
                report
                    .changed
                    .iter()
                    .filter_map(|id| changed.get(id.as_str()).copied()),
            )
            .and_then(|_| self.index.commit(generation));
        if let Err(e) = result {
            // The store is the truth and has the change; the index is rebuilt at next open.
            tracing::error!(error = %e, "indexing failed after a committed write");
            let _ = self.index.rollback();
            return Err(e.into());
        }
        Ok(report)
    }

    /// Stores a checked batch. The caller has already decided the batch is clean.
    pub fn ingest(&self, batch: &Batch, dry_run: bool) -> Result<ApplyReport> {
        if dry_run {
            let mut store = self.store();
            return Ok(store.dry_run(batch.cases.iter().map(|p| (&p.case, p.origin.as_str())))?);
        }
        let cases: Vec<(Case, String)> = batch
            .cases
            .iter()
            .map(|p| (p.case.clone(), p.origin.clone()))
            .collect();
        self.write(&cases)
    }

    /// Approves a pending submission: the case is written with the submission's closing in one
    /// store transaction, then indexed, so it is searchable as soon as this returns.
    pub fn approve(&self, public_id: &str, reviewer: &str, case: &Case) -> Result<()> {
        let mut store = self.store();
        store.decide_submission(
            public_id,
            notbetter_store::SubmissionStatus::Approved,
            reviewer,
            None,
            Some(case),
        )?;
        let generation = store.generation()?;
        let result = self
            .index
            .upsert([case])
            .and_then(|_| self.index.commit(generation));
        if let Err(e) = result {
            tracing::error!(error = %e, "indexing failed after an approval");
            let _ = self.index.rollback();
            return Err(e.into());
        }
        Ok(())
    }

    /// Rebuilds the index from the store.
    pub fn reindex(&self) -> Result<usize> {
        let store = self.store();
        let generation = store.generation()?;
        let mut cases = Vec::new();
        store.for_each(|c| cases.push(c))?;
        drop(store);
        Ok(self.index.rebuild(&cases, generation)?)
    }

    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        Ok(self.index.search(req)?)
    }

    /// The pre-mortem of a planned project's description (never stored or logged).
    pub fn premortem(
        &self,
        req: &notbetter_premortem::Request,
    ) -> Result<notbetter_premortem::Report> {
        let engine = match self.premortem.get() {
            Some(e) => e,
            None => {
                let built = notbetter_premortem::Premortem::bundled(self.taxonomy.clone())
                    .map_err(KbError::Checks)?;
                self.premortem.get_or_init(|| built)
            }
        };
        Ok(engine.run(&self.index, req, &[])?)
    }

    /// Every case in the store, in id order.
    pub fn cases(&self) -> Result<Vec<notbetter_taxonomy::Case>> {
        let mut out = Vec::new();
        self.store().for_each(|c| out.push(c))?;
        Ok(out)
    }

    pub fn similar(&self, id: &str, limit: usize) -> Result<Vec<Similar>> {
        Ok(self.index.similar(id, limit)?)
    }

    pub fn get(&self, id: &str) -> Result<Option<StoredCase>> {
        Ok(self.store().get(id)?)
    }

    pub fn revisions(&self, id: &str) -> Result<Vec<Revision>> {
        Ok(self.store().revisions(id)?)
    }

    /// Turns a filter value a person typed (a slug, a name or an alias) into a slug.
    pub fn resolve(&self, dim: Dimension, value: &str) -> Result<String> {
        if self.taxonomy.get(dim, value).is_some() {
            return Ok(value.to_string());
        }
        match self.taxonomy.map(dim, value) {
            Mapping::Mapped { slug } => Ok(slug),
            // A filter that is only close to a label is a question for the user, not a guess.
            Mapping::Matched { slug, .. } => Err(KbError::UnknownLabel {
                dimension: dim.as_str().replace('_', " "),
                value: value.to_string(),
                hint: format!("; did you mean {slug}?"),
            }),
            Mapping::Unmapped { suggestions } => Err(KbError::UnknownLabel {
                dimension: dim.as_str().replace('_', " "),
                value: value.to_string(),
                hint: if suggestions.is_empty() {
                    String::new()
                } else {
                    format!("; did you mean {}?", suggestions.join(", "))
                },
            }),
        }
    }

    /// Case counts per slug (confirmed labels, parents counting their children).
    /// Cases per confirmed label of `dim`, parents counting each case once. These are the
    /// facet counts of the empty query, so they come from the index (and its result cache)
    /// rather than from a scan of the store's label rows on every browse page.
    pub fn label_counts(
        &self,
        dim: Dimension,
    ) -> Result<std::collections::BTreeMap<String, usize>> {
        let all = self.search(&SearchRequest {
            limit: 1,
            ..SearchRequest::default()
        })?;
        Ok(all
            .facets
            .get(&FacetDim::from_dimension(dim))
            .map(|counts| {
                counts
                    .iter()
                    .map(|(k, &n)| (k.clone(), n as usize))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Ingests the bundled case files when they differ from what was last seeded (always on an
    /// empty data directory). Returns `None` when nothing needed doing. Cases edited after
    /// seeding keep their edits until the bundled files themselves change.
    pub fn seed(&self, files: &[(String, String)]) -> Result<Option<(ApplyReport, Batch)>> {
        let mut hasher = Sha256::new();
        for (name, text) in files {
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
        let digest = hex::encode(hasher.finalize());
        let empty = self.store().count()? == 0;
        if !empty && self.store().meta("bundled_hash")?.as_deref() == Some(digest.as_str()) {
            return Ok(None);
        }
        let mut batch = Batch::default();
        {
            let mut checker = self.checker(Source::Curated)?;
            for (name, text) in files {
                checker.add_text(name, text, &mut batch);
            }
        }
        if !batch.is_clean(false) {
            for d in batch.errors() {
                tracing::error!("bundled case rejected: {d}");
            }
            return Ok(Some((ApplyReport::default(), batch)));
        }
        let report = self.ingest(&batch, false)?;
        self.store().set_meta("bundled_hash", &digest)?;
        Ok(Some((report, batch)))
    }
}

/// What [`KnowledgeBase::ingest_jsonl`] did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct StreamReport {
    /// Records read and checked without errors.
    pub cases: usize,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Batches written (each one store transaction and one index commit).
    pub batches: usize,
    pub warnings: usize,
    pub errors: usize,
    /// The first [`STREAM_DIAGNOSTICS_KEPT`] diagnostics, errors and warnings in input order;
    /// the rest are only counted, so memory stays bounded whatever the input's size.
    pub diagnostics: Vec<notbetter_ingest::Diagnostic>,
}

/// How many diagnostics a [`StreamReport`] keeps.
pub const STREAM_DIAGNOSTICS_KEPT: usize = 100;

type StreamBatch = Vec<(Case, String)>;

impl KnowledgeBase {
    /// Ingests JSON Lines from `reader` in batches of `batch_size` checked cases, so that peak
    /// memory is bounded by a few batches, not by the input. Each batch is one store
    /// transaction, then one index commit at the store's generation after it, as in
    /// [`KnowledgeBase::write`].
    ///
    /// Three stages overlap, one thread each: reading and checking batch k+2, writing batch
    /// k+1 to the store, and indexing batch k. The index therefore lags the store by at most
    /// one batch while this runs, which is the state [`KnowledgeBase::open`] repairs if the
    /// process dies; it never holds a case the store lacks.
    ///
    /// Unlike [`KnowledgeBase::ingest`], a run is atomic per batch, not as a whole: once any
    /// record has an error, nothing more is written (the batch holding it and every later one),
    /// but reading and checking go on to the end so that every error is counted. Batches
    /// written before the first error stay stored. Read errors and invalid UTF-8 are errors of
    /// their line. `progress` is called after each indexed batch.
    pub fn ingest_jsonl(
        &self,
        name: &str,
        reader: impl std::io::BufRead + Send,
        source: Source,
        batch_size: usize,
        mut progress: impl FnMut(&StreamReport),
    ) -> Result<StreamReport> {
        let checker = self.checker(source)?;
        let batch_size = batch_size.max(1);
        std::thread::scope(|s| {
            let (to_store, from_reader) = std::sync::mpsc::sync_channel::<StreamBatch>(0);
            let (to_index, from_store) =
                std::sync::mpsc::sync_channel::<(StreamBatch, ApplyReport, u64)>(0);
            let reading = s.spawn(move || read_jsonl(name, reader, checker, batch_size, to_store));
            let storing = s.spawn(move || -> Result<()> {
                for batch in from_reader {
                    let mut store = self.store();
                    let applied = store.apply(batch.iter().map(|(c, o)| (c, o.as_str())))?;
                    let generation = store.generation()?;
                    drop(store);
                    if to_index.send((batch, applied, generation)).is_err() {
                        break;
                    }
                }
                Ok(())
            });
            let mut done = StreamReport::default();
            let mut indexed: Result<()> = Ok(());
            for (batch, applied, generation) in from_store {
                if !applied.changed.is_empty() {
                    let by_id: HashMap<&str, &Case> =
                        batch.iter().map(|(c, _)| (c.id.as_str(), c)).collect();
                    let upserted = self.index.upsert_with(
                        applied
                            .changed
                            .iter()
                            .filter_map(|id| by_id.get(id.as_str()).copied()),
                        |id| applied.added_ids.contains(id),
                    );
                    // The writer has its own copies now: free the batch before the commit.
                    drop(by_id);
                    drop(batch);
                    let result = upserted.and_then(|_| self.index.commit(generation));
                    if let Err(e) = result {
                        // The store has the batch; the index is rebuilt at next open.
                        tracing::error!(error = %e, "indexing failed after a committed write");
                        let _ = self.index.rollback();
                        indexed = Err(e.into());
                        break;
                    }
                }
                done.added += applied.added;
                done.updated += applied.updated;
                done.unchanged += applied.unchanged;
                done.batches += 1;
                progress(&done);
            }
            let stored = storing
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            let mut report = reading
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            indexed?;
            stored?;
            report.added = done.added;
            report.updated = done.updated;
            report.unchanged = done.unchanged;
            report.batches = done.batches;
            Ok(report)
        })
    }
}

/// The reading stage of [`KnowledgeBase::ingest_jsonl`]: parses and checks every line, sends
/// clean batches on, and stops sending (not checking) at the first error or when the next stage
/// has stopped.
fn read_jsonl(
    name: &str,
    mut reader: impl std::io::BufRead,
    mut checker: Checker<'_>,
    batch_size: usize,
    to_store: std::sync::mpsc::SyncSender<StreamBatch>,
) -> StreamReport {
    use notbetter_ingest::{Diagnostic, Location, Severity};
    let mut report = StreamReport::default();
    let mut pending: StreamBatch = Vec::with_capacity(batch_size.min(100_000));
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut line = Vec::new();
    let mut line_no = 0usize;
    let mut sending = true;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line);
        let at_end = matches!(read, Ok(0));
        let failed = read.is_err();
        if !at_end {
            line_no += 1;
        }
        match read {
            Ok(0) => {}
            Ok(_) => match std::str::from_utf8(&line) {
                Ok(text) if text.trim().is_empty() => {}
                Ok(text) => {
                    let records =
                        notbetter_ingest::tabular::parse_jsonl(name, text, &mut diagnostics);
                    for mut record in records {
                        record.location = Location::JsonLine(line_no);
                        if let Some(case) = checker.check(&record, &mut diagnostics) {
                            report.cases += 1;
                            if sending {
                                pending.push((case, record.origin()));
                            }
                        }
                    }
                }
                Err(e) => diagnostics.push(Diagnostic::error(
                    name,
                    Location::JsonLine(line_no),
                    None,
                    format!(
                        "not valid UTF-8 (first bad byte at offset {})",
                        e.valid_up_to()
                    ),
                )),
            },
            Err(e) => diagnostics.push(Diagnostic::error(
                name,
                Location::JsonLine(line_no),
                None,
                format!("cannot read: {e}"),
            )),
        }
        for mut d in diagnostics.drain(..) {
            // parse_jsonl saw one line: put its diagnostics on the line in the stream.
            if d.location == Location::JsonLine(1) {
                d.location = Location::JsonLine(line_no);
                d.line = Some(line_no);
            }
            match d.severity {
                Severity::Error => report.errors += 1,
                Severity::Warning => report.warnings += 1,
            }
            if report.diagnostics.len() < STREAM_DIAGNOSTICS_KEPT {
                report.diagnostics.push(d);
            }
        }
        if report.errors > 0 {
            sending = false;
            pending.clear();
        }
        let full = pending.len() >= batch_size || ((at_end || failed) && !pending.is_empty());
        if sending && full {
            let batch =
                std::mem::replace(&mut pending, Vec::with_capacity(batch_size.min(100_000)));
            if to_store.send(batch).is_err() {
                break;
            }
        }
        if at_end || failed {
            break;
        }
    }
    report
}

#[cfg(test)]
mod tests;
