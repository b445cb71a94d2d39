//! The SQLite store, the source of truth: cases with their labels, references, provenance and
//! revisions, and the taxonomy synced from `data/taxonomy.toml`.
//!
//! This is the only crate that imports rusqlite. Every write is one transaction, so a failed
//! run changes nothing. Each case is kept whole as canonical JSON (`cases.doc`), and its
//! labels and references are also spread into link tables for SQL queries; both are written in
//! the same transaction. A `generation` counter in `meta` goes up with every change, so that
//! derived data (the search index) can tell whether it is behind.

mod backup;
mod cases;
mod changes;
mod dispatch;
pub mod fts5;
mod moderation;
pub mod pg;
#[cfg(any(test, feature = "testing"))]
pub mod pg_harness;
mod schema;

use std::path::Path;

use rusqlite::Connection;

pub use cases::{ApplyReport, Revision, StoredCase};
pub use dispatch::Changes;
pub use moderation::{Submission, SubmissionStatus, User};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL error: {}", pg::describe(.0))]
    Postgres(#[from] postgres::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("stored case `{id}` is corrupt: {source}")]
    Corrupt {
        id: String,
        source: serde_json::Error,
    },
    #[error("backup {path} failed its integrity check: {problem}")]
    BadBackup { path: String, problem: String },
    #[error("`{0}` not found")]
    NotFound(String),
    #[error("submission `{0}` has already been decided")]
    AlreadyDecided(String),
    #[error("taxonomy slug `{slug}` is still used by {count} case label(s) and cannot be removed")]
    SlugInUse { slug: String, count: i64 },
    /// A database URL that is not `postgres://…` or `postgresql://…`, or one the client cannot
    /// parse.
    #[error("database URL `{url}`: {problem}")]
    BadUrl { url: String, problem: String },
    /// `migrate --to` into a database that already holds data.
    #[error("the target database is not empty: {0}; migrate only into an empty database")]
    NotEmpty(String),
    /// A copy whose row counts differ from its source's.
    #[error("the copy does not match its source: {0}")]
    CopyMismatch(String),
    /// An I/O error around a backup file.
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A connection to the store: the embedded SQLite file of one data directory, or a PostgreSQL
/// database shared by several nodes. Both offer the same API with the same semantics.
pub struct Store {
    backend: Backend,
}

enum Backend {
    Sqlite(Sqlite),
    Postgres(Box<pg::Pg>),
}

/// The SQLite backend: one connection to one file.
pub(crate) struct Sqlite {
    pub(crate) conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, with WAL, foreign keys and the
    /// migrations applied.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Store::init(conn)
    }

    /// An in-memory store, for tests.
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user@host:port/db`) and
    /// applies its migrations.
    pub fn open_postgres(url: &str) -> Result<Store> {
        Ok(Store {
            backend: Backend::Postgres(Box::new(pg::Pg::connect(url)?)),
        })
    }

    /// Opens `database` if given (a PostgreSQL URL), else the SQLite file at `path`.
    pub fn open_any(database: Option<&str>, path: &Path) -> Result<Store> {
        match database {
            Some(url) => Store::open_postgres(url),
            None => Store::open(path),
        }
    }

    fn init(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        migrate(&mut conn)?;
        Ok(Store {
            backend: Backend::Sqlite(Sqlite { conn }),
        })
    }

    /// Whether other processes may write this store too (PostgreSQL): then a derived index
    /// must follow the store's changes rather than assume it saw every write.
    pub fn is_shared(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The raw SQLite connection, for read-only SQL in tests (the `testing` feature gives it
    /// to other crates' tests). Panics on a PostgreSQL store.
    #[cfg(any(test, feature = "testing"))]
    pub fn connection(&self) -> &Connection {
        match &self.backend {
            Backend::Sqlite(s) => &s.conn,
            Backend::Postgres(_) => panic!("connection() is the SQLite connection"),
        }
    }

    /// Runs `sql` on a PostgreSQL store and returns the first column of each row as text, for
    /// checks in tests. Panics on a SQLite store.
    #[cfg(any(test, feature = "testing"))]
    pub fn pg_query_text(&self, sql: &str) -> Result<Vec<Option<String>>> {
        match &self.backend {
            Backend::Postgres(p) => p.query_text(sql),
            Backend::Sqlite(_) => panic!("pg_query_text() is for PostgreSQL stores"),
        }
    }
}

impl Sqlite {
    /// The change counter: it goes up with every committed change to cases.
    pub fn generation(&self) -> Result<u64> {
        let g: i64 = self.conn.query_row(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'",
            [],
            |r| r.get(0),
        )?;
        Ok(g as u64)
    }

    /// What [`Store::apply`] would do, without writing anything: the same transaction,
    /// rolled back.
    pub fn dry_run<'a>(
        &mut self,
        cases: impl IntoIterator<Item = (&'a notbetter_taxonomy::Case, &'a str)>,
    ) -> Result<ApplyReport> {
        let tx = self.conn.transaction()?;
        let report = cases::apply_in(&tx, cases)?;
        tx.rollback()?;
        Ok(report)
    }

    /// Reads a value from the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Writes a value to the `meta` table. `generation` is reserved.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: `ok`, or SQLite's description of what is wrong.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

/// Applies the migrations, then turns foreign keys on. Migrations run with them off, as
/// SQLite's guide to rebuilding a table asks; each one that rebuilds a table checks the keys
/// itself before it commits.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    schema::migrations().to_latest(conn)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// A UTC time as stored: RFC 3339 at whole seconds (`2026-11-29T04:50:00Z`), so that stored
/// times sort as text.
pub fn timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

pub(crate) fn now() -> String {
    timestamp(time::OffsetDateTime::now_utc())
}

#[cfg(test)]
mod suite;
#[cfg(test)]
mod tests;
