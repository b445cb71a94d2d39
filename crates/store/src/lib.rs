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
pub mod fts5;
mod moderation;
mod schema;

use std::path::Path;

use rusqlite::Connection;

pub use cases::{ApplyReport, Revision, StoredCase};
pub use moderation::{Submission, SubmissionStatus, User};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A connection to the store.
pub struct Store {
    conn: Connection,
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

    fn init(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        migrate(&mut conn)?;
        Ok(Store { conn })
    }

    /// The raw connection, for read-only SQL in tests (the `testing` feature gives it to other
    /// crates' tests).
    #[cfg(any(test, feature = "testing"))]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

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
        assert_ne!(
            key, "generation",
            "the generation is only changed by writes to cases"
        );
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
mod tests;
