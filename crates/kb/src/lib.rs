//! The knowledge base: one data directory holding the SQLite store (the source of truth) and the
//! tantivy index derived from it, kept in step; or, on one of several web nodes, a shared
//! PostgreSQL store and this node's own index, which follows it.
//!
//! Every write goes to the store first, in one transaction; the changed cases are then indexed
//! and committed with the store's new generation. If the process dies in between, the index's
//! generation is behind the store's, and the next [`KnowledgeBase::open`] rebuilds it. With a
//! shared store, other nodes write too, so the index is only ever moved forward by
//! [`KnowledgeBase::follow`]: it reads what changed since the index's generation from the
//! store's record of changes and indexes that (see `follow.rs`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use notbetter_search::SearchIndex;
use notbetter_store::Store;
use notbetter_taxonomy::{Dimension, Mapping, Source, Taxonomy};
use sha2::{Digest, Sha256};

// The value types of the knowledge base's answers: callers (the server, the binary) use these
// and never name the store or the search crate.
pub use notbetter_cluster::{mechanism, Cluster, Clustering, SharedLesson};
pub use notbetter_ingest::{
    classify_reference, collect_files, normalise, Batch, Checker, Diagnostic, Location, RawRecord,
    RefKind, Severity,
};
pub use notbetter_premortem::Request as PremortemRequest;
pub use notbetter_premortem::{to_markdown as premortem_markdown, Report as PremortemReport};
pub use notbetter_search::{
    Correction, FacetCounts, FacetDim, Hit, ReadLabel, ReadMechanism, Reading, SearchRequest,
    SearchResults, Similar, Snippet, Sort, Tuning, MAX_LIMIT, MAX_OFFSET, PARALLEL_MIN_DOCS,
};
pub use notbetter_store::{ApplyReport, Revision, StoredCase, Submission, SubmissionStatus, User};
pub use notbetter_taxonomy::Case;

mod admin;
mod clusters;
pub mod eval;
mod export;
mod follow;
mod labels;
pub mod mechanism_eval;
mod moderation;
mod stream;
pub use clusters::{Matrix, CLUSTER_MAX_CASES};
pub use export::{ExportFormat, InteropError};
pub use notbetter_interop::export::markdown::write_dir as write_markdown_dir;
/// The importers of peer databases' records (AVID, MITRE ATLAS, the AI Incident Database).
pub mod import {
    pub use notbetter_interop::import::*;
}
pub use follow::{migrate_to_postgres, Followed, FOLLOW_MAX_CASES};
pub use moderation::{Login, LoginPolicy};
pub use notbetter_store::pg::{redact as redact_url, MigrateReport};
pub use stream::{StreamReport, STREAM_DIAGNOSTICS_KEPT};

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
    #[error(transparent)]
    Export(#[from] notbetter_interop::InteropError),
    /// A restore was asked for while another process (a running server) holds the index.
    #[error("the search index of {0} is held by another process (is `notbetter serve` running on it?); stop it first: the database was not changed")]
    Busy(PathBuf),
}

/// What kind of failure a [`KbError`] is, for callers that answer requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request was wrong (a bad query, an unknown label).
    User,
    /// The thing asked for is not there.
    NotFound,
    /// The request raced another one that changed the thing first (a submission decided by
    /// another reviewer), or the resource is held elsewhere.
    Conflict,
    /// The system failed.
    Internal,
}

impl KbError {
    pub fn kind(&self) -> ErrorKind {
        use notbetter_store::StoreError;
        match self {
            KbError::Search(e) if e.is_user_error() => ErrorKind::User,
            KbError::Premortem(e) if e.is_user_error() => ErrorKind::User,
            KbError::UnknownLabel { .. } => ErrorKind::User,
            KbError::Store(StoreError::NotFound(_)) => ErrorKind::NotFound,
            KbError::Store(StoreError::AlreadyDecided(_)) | KbError::Busy(_) => ErrorKind::Conflict,
            _ => ErrorKind::Internal,
        }
    }

    /// Whether the error was caused by the request rather than by the system.
    pub fn is_user_error(&self) -> bool {
        self.kind() == ErrorKind::User
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
    /// With a shared store: the id of the store the index was built from.
    pub fn indexed_store_id(&self) -> PathBuf {
        self.root.join("index.store-id")
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
    /// A second connection to the same store for long read-only aggregates (the domain ×
    /// cause matrix, the clustering input: hundreds of milliseconds at 100k cases), so pages
    /// do not wait on `store`'s lock while one runs. Opened on first use.
    aggregates: Mutex<Option<Store>>,
    /// Where the store is, to open `aggregates`: the PostgreSQL URL, else the SQLite file.
    store_at: (Option<String>, PathBuf),
    index: SearchIndex,
    /// Whether other processes write the store too (PostgreSQL).
    shared: bool,
    /// Held while the index is moved to a new generation when the store is shared, so that
    /// reading the index's generation, indexing and committing are one step.
    following: Mutex<()>,
    dir: PathBuf,
    clusters: clusters::ClusterCache,
    /// The curated catalogue of failure mechanisms (`data/mechanisms.toml`), read on first
    /// use: only clustering needs it.
    mechanisms: std::sync::OnceLock<notbetter_cluster::mechanism::Catalogue>,
    /// Built on first use: most commands never run a pre-mortem.
    premortem: std::sync::OnceLock<notbetter_premortem::Premortem>,
    /// The domains' names, descriptions and aliases as vectors of the bundled model, built
    /// on first use: only a domain label that the taxonomy's rules leave unmapped needs them.
    domain_meanings: std::sync::OnceLock<Vec<(String, Vec<f32>)>>,
    pub opened: IndexState,
}

impl KnowledgeBase {
    /// Opens (creating if needed) the knowledge base in `dir`: migrates the store, syncs the
    /// taxonomy into it, and rebuilds the index if its generation differs from the store's.
    pub fn open(dir: &Path, taxonomy: Taxonomy) -> Result<KnowledgeBase> {
        KnowledgeBase::open_with(dir, taxonomy, None)
    }

    /// [`Self::open`], with the store in the PostgreSQL database at `database` when given
    /// (the data directory then holds only this node's index). With a shared store the index
    /// is brought up to the store's generation by [`Self::follow`] (a rebuild when it is far
    /// behind or was built from another database).
    pub fn open_with(
        dir: &Path,
        taxonomy: Taxonomy,
        database: Option<&str>,
    ) -> Result<KnowledgeBase> {
        let data = DataDir::new(dir);
        std::fs::create_dir_all(dir).map_err(|source| KbError::DataDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut store = Store::open_any(database, &data.database())?;
        store.sync_taxonomy(&taxonomy)?;
        let shared = store.is_shared();
        let index = SearchIndex::open(&data.index(), &taxonomy)?;
        let mut kb = KnowledgeBase {
            shared,
            following: Mutex::new(()),
            mechanisms: std::sync::OnceLock::new(),
            premortem: std::sync::OnceLock::new(),
            domain_meanings: std::sync::OnceLock::new(),
            taxonomy,
            store: Mutex::new(store),
            aggregates: Mutex::new(None),
            store_at: (database.map(str::to_string), data.database()),
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
        if shared {
            kb.opened = kb.catch_up_on_open(&data, store_gen, index_gen)?;
        } else if store_gen != index_gen || kb.index.num_docs() as usize != count {
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

    /// The curated catalogue of failure mechanisms, parsed on first use (a bad bundled file
    /// is a build error the tests catch).
    fn mechanism_catalogue(&self) -> Result<&notbetter_cluster::mechanism::Catalogue> {
        if let Some(c) = self.mechanisms.get() {
            return Ok(c);
        }
        let parsed = notbetter_cluster::mechanism::Catalogue::bundled(&self.taxonomy)
            .map_err(KbError::Checks)?;
        Ok(self.mechanisms.get_or_init(|| parsed))
    }

    /// The store, locked. Hold it briefly. Only the knowledge base itself reaches the store.
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Indexes cases the store has just committed at `generation`, and commits the index at
    /// that generation. The one place "store first, then index, else roll the index back"
    /// lives: if indexing fails, the store (the truth) keeps the change and the index is
    /// rebuilt at the next open.
    fn commit_to_index<'a>(
        &self,
        cases: impl IntoIterator<Item = &'a Case>,
        generation: u64,
    ) -> Result<()> {
        self.commit_to_index_with(cases, |_| false, generation)
    }

    /// [`Self::commit_to_index`], skipping the delete of an old copy for the cases `is_new`
    /// names (the store has just added them).
    /// With a shared store, other nodes' writes may lie between the index's generation and
    /// `generation`, so the index follows the store instead.
    fn commit_to_index_with<'a>(
        &self,
        cases: impl IntoIterator<Item = &'a Case>,
        is_new: impl Fn(&str) -> bool,
        generation: u64,
    ) -> Result<()> {
        if self.shared {
            return self.follow().map(|_| ());
        }
        let upserted = self.index.upsert_with(cases, is_new);
        self.seal_index(upserted, generation)
    }

    /// The second half of [`Self::commit_to_index`], for callers that free their copies of the
    /// cases between the two: commits what `upserted` added at `generation`, or rolls the
    /// index back.
    fn seal_index(&self, upserted: notbetter_search::Result<usize>, generation: u64) -> Result<()> {
        let result = upserted.and_then(|_| self.index.commit(generation));
        if let Err(e) = result {
            tracing::error!(error = %e, "indexing failed after a committed write");
            let _ = self.index.rollback();
            return Err(e.into());
        }
        Ok(())
    }

    /// Checks one record on its own (a contribution), as [`normalise`] does, with labels that
    /// describe a cause read from the cases (see `labels`).
    pub fn check_one(
        &self,
        source: Source,
        record: &RawRecord,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Case> {
        Checker::new(&self.taxonomy, source, std::collections::HashMap::new())
            .with_reader(self)
            .check(record, diagnostics)
    }

    /// A checker for new input, aware of the DOIs already in the store.
    pub fn checker(&self, source: Source) -> Result<Checker<'_>> {
        let known = self.store().known_dois()?;
        Ok(Checker::new(&self.taxonomy, source, known).with_reader(self))
    }

    /// Writes cases to the store (one transaction), then indexes what changed and commits the
    /// index at the store's new generation.
    pub fn write(&self, cases: &[(Case, String)]) -> Result<ApplyReport> {
        let mut store = self.store();
        let report = store.apply(cases.iter().map(|(c, o)| (c, o.as_str())))?;
        if report.changed.is_empty() {
            return Ok(report);
        }
        if self.shared {
            drop(store);
            self.follow()?;
            return Ok(report);
        }
        let generation = store.generation()?;
        let changed: HashMap<&str, &Case> = cases.iter().map(|(c, _)| (c.id.as_str(), c)).collect();
        self.commit_to_index(
            report
                .changed
                .iter()
                .filter_map(|id| changed.get(id.as_str()).copied()),
            generation,
        )?;
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

    /// Rebuilds the index from the store.
    pub fn reindex(&self) -> Result<usize> {
        let _following = self.following.lock().unwrap_or_else(|e| e.into_inner());
        self.reindex_locked()
    }

    /// [`Self::reindex`], the caller holding `following`. The generation is read before the
    /// cases, so the index never claims a generation whose cases it lacks.
    fn reindex_locked(&self) -> Result<usize> {
        let store = self.store();
        let generation = store.generation()?;
        let mut cases = Vec::new();
        store.for_each(|c| cases.push(c))?;
        drop(store);
        Ok(self.index.rebuild(&cases, generation)?)
    }

    /// Whether the store is shared with other nodes (PostgreSQL), so the index must follow
    /// it ([`Self::follow_in_background`]).
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        Ok(self.index.search(req)?)
    }

    /// Builds what the first searches would otherwise build (see `SearchIndex::warm_up`).
    pub fn warm_up(&self) -> Result<std::time::Duration> {
        Ok(self.index.warm_up()?)
    }

    /// The pre-mortem of a planned project's description (never stored or logged).
    pub fn premortem(&self, req: &PremortemRequest) -> Result<PremortemReport> {
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
    pub fn cases(&self) -> Result<Vec<Case>> {
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

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_shared;
