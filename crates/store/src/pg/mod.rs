//! The PostgreSQL backend: one client connection (reopened if it drops), the migrations, the
//! generation and its record of changes, and `meta`. Cases, moderation and copies are in the
//! sibling modules.
//!
//! Writers on several nodes are serialised the way SQLite serialises writers in one file:
//! every transaction that changes cases first locks the `generation` row of `meta`
//! ([`lock_generation`]), so generations commit in order and a case id chosen inside one
//! transaction cannot be taken by another before it commits.

mod cases;
mod copy;
mod listen;
mod moderation;
mod schema;
#[cfg(test)]
mod tests;

use std::cell::{RefCell, RefMut};

use postgres::{Client, NoTls, Transaction};

use crate::{Result, StoreError};

pub use copy::{migrate_sqlite_to_postgres, MigrateReport};
pub use listen::ChangeListener;

/// The advisory lock key that serialises migrations between nodes starting together.
const MIGRATION_LOCK: i64 = 0x6e62_6d69_6772;

/// A connection to a PostgreSQL store.
pub(crate) struct Pg {
    url: String,
    client: RefCell<Client>,
}

/// A postgres error with the server's message and detail, or the client's chain of causes.
pub(crate) fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{}: {}", db.severity(), db.message());
        if let Some(d) = db.detail() {
            s.push_str(&format!(" ({d})"));
        }
        return s;
    }
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        s.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    s
}

/// `url` with its password, if any, replaced by `***`, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{name}:***@{host}{tail}")
        }
        _ => url.to_string(),
    }
}

/// Checks that `url` is a PostgreSQL URL the client can read.
pub(crate) fn check_url(url: &str) -> Result<()> {
    let bad = |problem: &str| StoreError::BadUrl {
        url: redact(url),
        problem: problem.to_string(),
    };
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(bad("expected postgres://user@host:port/database"));
    }
    url.parse::<postgres::Config>()
        .map_err(|e| bad(&e.to_string()))?;
    Ok(())
}

impl Pg {
    pub(crate) fn connect(url: &str) -> Result<Pg> {
        check_url(url)?;
        let mut client = Client::connect(url, NoTls)?;
        migrate(&mut client)?;
        Ok(Pg {
            url: url.to_string(),
            client: RefCell::new(client),
        })
    }

    /// A listener for this database's committed changes (it connects on first use).
    pub(crate) fn change_listener(&self) -> ChangeListener {
        ChangeListener::new(&self.url)
    }

    /// The client, reconnected first if the connection was lost (a restarted server).
    pub(crate) fn client(&self) -> Result<RefMut<'_, Client>> {
        let mut c = self.client.borrow_mut();
        if c.is_closed() {
            tracing::warn!("PostgreSQL connection lost; reconnecting");
            *c = Client::connect(&self.url, NoTls)?;
        }
        Ok(c)
    }

    pub fn generation(&self) -> Result<u64> {
        let row = self.client()?.query_one(
            "SELECT value::bigint FROM meta WHERE key = 'generation'",
            &[],
        )?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .client()?
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
            .map(|r| r.get(0)))
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.client()?.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    /// PostgreSQL checks its own pages and constraints; this checks the rules that span
    /// tables: an approved submission has its case, and every generation since the first
    /// recorded change is recorded.
    pub fn integrity_check(&self) -> Result<String> {
        let mut c = self.client()?;
        let mut problems = Vec::new();
        let orphans: i64 = c
            .query_one(
                "SELECT count(*) FROM submissions s WHERE s.status = 'approved'
                 AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = s.case_id)",
                &[],
            )?
            .get(0);
        if orphans > 0 {
            problems.push(format!(
                "{orphans} approved submission(s) without their case"
            ));
        }
        let row = c.query_one(
            "SELECT (SELECT value::bigint FROM meta WHERE key = 'generation'),
                    max(generation), count(DISTINCT generation), min(generation) FROM changes",
            &[],
        )?;
        let (generation, max, distinct, min): (i64, Option<i64>, i64, Option<i64>) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if let (Some(max), Some(min)) = (max, min) {
            if max != generation {
                problems.push(format!(
                    "the last recorded change is generation {max}, the store is at {generation}"
                ));
            }
            if max - min + 1 != distinct {
                problems.push("generations are missing from the record of changes".into());
            }
        }
        Ok(if problems.is_empty() {
            "ok".to_string()
        } else {
            problems.join("; ")
        })
    }

    pub fn change_ids(&self, since: u64, upto: u64, max: usize) -> Result<Option<Vec<String>>> {
        let mut c = self.client()?;
        let first: Option<i64> = c
            .query_one(
                "SELECT min(generation) FROM changes WHERE generation > $1",
                &[&(since as i64)],
            )?
            .get(0);
        if first != Some(since as i64 + 1) {
            return Ok(None);
        }
        let rows = c.query(
            "SELECT DISTINCT case_id, case_id IS NOT NULL FROM changes
             WHERE generation > $1 AND generation <= $2
             ORDER BY case_id IS NOT NULL, case_id LIMIT $3",
            &[&(since as i64), &(upto as i64), &(max as i64 + 1)],
        )?;
        let ids: Vec<Option<String>> = rows.iter().map(|r| r.get(0)).collect();
        if ids.len() > max || ids.iter().any(Option::is_none) {
            return Ok(None);
        }
        Ok(Some(ids.into_iter().flatten().collect()))
    }

    /// The first column of each row of `sql`, as text (tests only).
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn query_text(&self, sql: &str) -> Result<Vec<Option<String>>> {
        Ok(self
            .client()?
            .simple_query(sql)?
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_string)),
                _ => None,
            })
            .collect())
    }
}

/// Applies the migrations not yet applied, under an advisory lock so that nodes starting
/// together migrate once.
fn migrate(client: &mut Client) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
    let version: i64 = match tx.query_opt("SELECT version FROM schema_version", &[])? {
        Some(r) => r.get(0),
        None => {
            tx.execute("INSERT INTO schema_version (version) VALUES (0)", &[])?;
            0
        }
    };
    let known = schema::MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::BadUrl {
            url: "(connected database)".into(),
            problem: format!(
                "its schema is at version {version}, newer than this program's {known}: upgrade notbetter"
            ),
        });
    }
    for m in &schema::MIGRATIONS[version as usize..] {
        tx.batch_execute(m)?;
    }
    tx.execute("UPDATE schema_version SET version = $1", &[&known])?;
    tx.commit()?;
    Ok(())
}

/// Locks the generation row until `tx` ends, serialising writers across nodes; returns the
/// generation.
pub(crate) fn lock_generation(tx: &mut Transaction<'_>) -> Result<i64> {
    Ok(tx
        .query_one(
            "SELECT value::bigint FROM meta WHERE key = 'generation' FOR UPDATE",
            &[],
        )?
        .get(0))
}

/// Raises the generation by one and records `changed` under it, when anything changed. A
/// `None` among them records "everything" (a restore).
pub(crate) fn bump_generation(tx: &mut Transaction<'_>, changed: &[Option<String>]) -> Result<i64> {
    if changed.is_empty() {
        return lock_generation(tx);
    }
    let g: i64 = tx
        .query_one(
            "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'
             RETURNING value::bigint",
            &[],
        )?
        .get(0);
    tx.execute(
        "INSERT INTO changes (generation, case_id) SELECT $1, unnest($2::text[])",
        &[&g, &changed],
    )?;
    // Delivered to listeners when (and only if) the transaction commits.
    tx.execute(
        "SELECT pg_notify($1, $2::bigint::text)",
        &[&listen::CHANNEL, &g],
    )?;
    Ok(g)
}
