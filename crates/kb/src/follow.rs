//! Following a shared store: a node's index moves forward by reading what changed since its
//! generation from the store's record of changes (`Store::changes_since`), indexing those
//! cases and committing at the store's generation; when too much changed, or the record does
//! not reach back (a restore, an index from another database), it rebuilds from the store.
//! On a serving node a background thread does this whenever another connection commits a change
//! (`LISTEN/NOTIFY`), and at least every 200 ms.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use notbetter_store::Changes;

use crate::{DataDir, IndexState, KbError, KnowledgeBase, Result};

/// More changed cases than this since the index's generation, and a node rebuilds instead.
pub const FOLLOW_MAX_CASES: usize = 5_000;

/// Under a stream of other nodes' writes, a follower indexes at most once per this long.
pub const COALESCE: Duration = Duration::from_millis(200);

/// What one step of following did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    UpToDate,
    /// These many cases were indexed, and the index is at `generation`.
    Indexed {
        cases: usize,
        generation: u64,
    },
    /// The index was rebuilt from the store.
    Rebuilt {
        cases: usize,
    },
}

impl KnowledgeBase {
    /// Brings the index up to the store's current generation (see the module's doc). Safe to
    /// call from any thread; one step runs at a time.
    pub fn follow(&self) -> Result<Followed> {
        let _following = self.following.lock().unwrap_or_else(|e| e.into_inner());
        let since = self.index.generation()?;
        let changes = self.store().changes_since(since, FOLLOW_MAX_CASES)?;
        match changes {
            Changes::UpToDate => Ok(Followed::UpToDate),
            Changes::Cases { generation, cases } => {
                let upserted = self.index.upsert(&cases);
                self.seal_index(upserted, generation)?;
                Ok(Followed::Indexed {
                    cases: cases.len(),
                    generation,
                })
            }
            Changes::Rebuild { generation } => {
                tracing::info!(
                    since,
                    generation,
                    "far behind the store; rebuilding the index"
                );
                let cases = self.reindex_locked()?;
                Ok(Followed::Rebuilt { cases })
            }
        }
    }

    /// Starts a thread that calls [`Self::follow`] as soon as another connection commits a
    /// change (PostgreSQL's `LISTEN/NOTIFY`), but not within [`COALESCE`] of its last step
    /// that indexed something, and at least every `every`, for as long as the knowledge base lives
    /// (it holds only a weak reference). Errors (a lost connection) are
    /// logged once and the next step tries again; polling goes on meanwhile.
    pub fn follow_in_background(self: &Arc<Self>, every: Duration) -> std::thread::JoinHandle<()> {
        let mut listener = self.store().change_listener();
        let kb = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("follow-store".into())
            .spawn(move || {
                let (mut failing, mut deaf) = (false, false);
                let mut last_indexed: Option<Instant> = None;
                loop {
                    let woken = match listener.as_mut() {
                        Some(l) => l.wait(every),
                        None => {
                            std::thread::sleep(every);
                            Ok(false)
                        }
                    };
                    if let Err(e) = &woken {
                        // The listening connection is lost: poll until it is back.
                        if !deaf {
                            tracing::warn!(error = %e, "listening for changes failed; polling");
                        }
                        std::thread::sleep(every);
                    }
                    deaf = woken.is_err();
                    // A write after a quiet spell is followed at once; under a stream of
                    // writes the index commits at most once per `COALESCE`, as polling would,
                    // so other nodes' writes do not cost this node a commit each.
                    let window = every.min(COALESCE);
                    if let Some(gap) = last_indexed.map(|t| t.elapsed()) {
                        if gap < window {
                            std::thread::sleep(window - gap);
                        }
                    }
                    let Some(kb) = kb.upgrade() else { return };
                    let step = kb.follow();
                    if matches!(
                        step,
                        Ok(Followed::Indexed { .. } | Followed::Rebuilt { .. })
                    ) {
                        last_indexed = Some(Instant::now());
                    }
                    match &step {
                        Ok(Followed::UpToDate) => {}
                        Ok(step) => tracing::debug!(?step, "followed the store"),
                        Err(e) if !failing => {
                            tracing::warn!(error = %e, "following the store failed; retrying")
                        }
                        Err(_) => {}
                    }
                    failing = step.is_err();
                }
            })
            .expect("the follower thread starts")
    }

    /// At open with a shared store: follow from the index's generation if the index was
    /// built from this database, else rebuild; then record which database it follows.
    pub(crate) fn catch_up_on_open(
        &self,
        data: &DataDir,
        store_gen: u64,
        index_gen: u64,
    ) -> Result<IndexState> {
        let store_id = self.store().meta("store_id")?.unwrap_or_default();
        let indexed_id = std::fs::read_to_string(data.indexed_store_id()).unwrap_or_default();
        let state = if indexed_id.trim() != store_id {
            tracing::info!("the index was built from another store; rebuilding it");
            let _following = self.following.lock().unwrap_or_else(|e| e.into_inner());
            self.reindex_locked()
                .map(|cases| IndexState::Rebuilt { cases })
        } else if store_gen != index_gen {
            self.follow().map(|f| match f {
                Followed::Rebuilt { cases } => IndexState::Rebuilt { cases },
                _ => IndexState::UpToDate,
            })
        } else {
            Ok(IndexState::UpToDate)
        };
        let state = match state {
            Ok(s) => s,
            Err(KbError::Search(notbetter_search::SearchError::Locked)) => {
                return Ok(IndexState::LockedElsewhere)
            }
            Err(e) => return Err(e),
        };
        write_store_id(&data.indexed_store_id(), &store_id)?;
        Ok(state)
    }
}

fn write_store_id(path: &Path, id: &str) -> Result<()> {
    std::fs::write(path, id).map_err(|source| KbError::DataDir {
        path: path.to_path_buf(),
        source,
    })
}

/// Copies the SQLite store of the data directory `dir` into the empty PostgreSQL database at
/// `url`, checking every table's row count (see `notbetter migrate`).
pub fn migrate_to_postgres(dir: &Path, url: &str) -> Result<notbetter_store::pg::MigrateReport> {
    Ok(notbetter_store::pg::migrate_sqlite_to_postgres(
        &DataDir::new(dir).database(),
        url,
    )?)
}
