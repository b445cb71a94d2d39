//! Whole-store copies between SQLite and PostgreSQL: `migrate --to` (a data directory's
//! SQLite store into an empty PostgreSQL database), and a PostgreSQL store's backups and
//! restores, which are SQLite files (the same format as the SQLite backend's backups).

use std::path::Path;

use postgres::types::ToSql;
use postgres::Transaction;
use rusqlite::types::Value;
use rusqlite::Connection;

use super::schema::TABLES;
use super::{bump_generation, lock_generation, Pg};
use crate::{Result, Store, StoreError};

/// How a column is read and written on each side.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    Bool,
    Json,
}

use Kind::*;

/// Each table's columns (surrogate ids left out: each side numbers its own rows, in the
/// source's order).
fn columns(table: &str) -> &'static [(&'static str, Kind)] {
    match table {
        "meta" => &[("key", Text), ("value", Text)],
        "taxonomy" => &[
            ("dimension", Text),
            ("slug", Text),
            ("name", Text),
            ("description", Text),
            ("parent", Text),
            ("aliases", Text),
        ],
        "cases" => &[
            ("id", Text),
            ("title", Text),
            ("year", Int),
            ("source", Text),
            ("incomplete", Bool),
            ("doc", Json),
            ("hash", Text),
            ("version", Int),
            ("provenance", Text),
            ("created_at", Text),
            ("updated_at", Text),
        ],
        "case_labels" => &[
            ("case_id", Text),
            ("dimension", Text),
            ("position", Int),
            ("slug", Text),
            ("raw", Text),
            ("state", Text),
            ("is_primary", Bool),
            ("evidence", Text),
        ],
        "case_references" => &[
            ("case_id", Text),
            ("position", Int),
            ("kind", Text),
            ("title", Text),
            ("authors", Text),
            ("venue", Text),
            ("year", Int),
            ("doi", Text),
            ("arxiv", Text),
            ("url", Text),
        ],
        "revisions" => &[
            ("case_id", Text),
            ("version", Int),
            ("doc", Json),
            ("hash", Text),
            ("provenance", Text),
            ("valid_from", Text),
            ("replaced_at", Text),
        ],
        "submissions" => &[
            ("public_id", Text),
            ("status", Text),
            ("title", Text),
            ("doc", Json),
            ("contributor", Text),
            ("client", Text),
            ("created_at", Text),
            ("updated_at", Text),
            ("reviewer", Text),
            ("reason", Text),
            ("case_id", Text),
        ],
        "users" => &[
            ("name", Text),
            ("role", Text),
            ("password_hash", Text),
            ("created_at", Text),
            ("failed_logins", Int),
            ("locked_until", Text),
        ],
        "sessions" => &[
            ("token_hash", Text),
            ("user_name", Text),
            ("created_at", Text),
            ("expires_at", Text),
        ],
        "changes" => &[("generation", Int), ("case_id", Text)],
        other => unreachable!("no table {other}"),
    }
}

/// The order rows are copied in, so copies keep the source's order of surrogate ids.
fn order(table: &str) -> &'static str {
    match table {
        "revisions" | "submissions" => " ORDER BY id",
        "changes" => " ORDER BY generation",
        _ => "",
    }
}

fn names(table: &str) -> String {
    columns(table)
        .iter()
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Counts a table's rows; `meta` without the database's own `store_id`, which a SQLite store
/// has no need of.
fn count_sql(table: &str) -> String {
    if table == "meta" {
        "SELECT count(*) FROM meta WHERE key <> 'store_id'".into()
    } else {
        format!("SELECT count(*) FROM {table}")
    }
}

/// Rows per table on the PostgreSQL side.
fn pg_counts(tx: &mut Transaction<'_>) -> Result<Vec<i64>> {
    TABLES
        .iter()
        .map(|t| Ok(tx.query_one(&count_sql(t), &[])?.get(0)))
        .collect()
}

fn sqlite_counts(conn: &Connection) -> Result<Vec<i64>> {
    TABLES
        .iter()
        .map(|t| Ok(conn.query_row(&count_sql(t), [], |r| r.get(0))?))
        .collect()
}

/// Copies every row of `src` into `tx` (meta rows replace the target's).
fn sqlite_into_pg(src: &Connection, tx: &mut Transaction<'_>) -> Result<()> {
    for table in TABLES {
        let cols = columns(table);
        let placeholders: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, (_, k))| match k {
                Json => format!("${}::text::jsonb", i + 1),
                _ => format!("${}", i + 1),
            })
            .collect();
        let conflict = if *table == "meta" {
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        } else if *table == "taxonomy" {
            " ON CONFLICT (dimension, slug) DO UPDATE SET name = excluded.name,
              description = excluded.description, parent = excluded.parent,
              aliases = excluded.aliases"
        } else {
            ""
        };
        let insert = tx.prepare(&format!(
            "INSERT INTO {table} ({}) VALUES ({}){conflict}",
            names(table),
            placeholders.join(", ")
        ))?;
        let mut stmt = src.prepare(&format!(
            "SELECT {} FROM {table}{}",
            names(table),
            order(table)
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(cols.len());
            for (i, (_, kind)) in cols.iter().enumerate() {
                let v: Value = r.get(i)?;
                values.push(match (kind, v) {
                    (_, Value::Null) => match kind {
                        Int => Box::new(None::<i64>),
                        Bool => Box::new(None::<bool>),
                        _ => Box::new(None::<String>),
                    },
                    (Int, Value::Integer(n)) => Box::new(n),
                    (Bool, Value::Integer(n)) => Box::new(n != 0),
                    (Text | Json, Value::Text(s)) => Box::new(s),
                    (_, other) => Box::new(match other {
                        Value::Integer(n) => n.to_string(),
                        Value::Real(f) => f.to_string(),
                        Value::Text(s) => s,
                        Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
                        Value::Null => unreachable!(),
                    }),
                });
            }
            let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
            tx.execute(&insert, &params)?;
        }
    }
    Ok(())
}

/// What `migrate --to` copied: rows per table, the same on both sides.
#[derive(Debug, Clone)]
pub struct MigrateReport {
    pub tables: Vec<(&'static str, i64)>,
    pub generation: u64,
}

/// Copies the SQLite store at `sqlite` into the PostgreSQL database at `url`, which must hold
/// no cases, submissions, users or history (the taxonomy may be there: it is synced). One
/// transaction: the row counts of every table are compared before it commits, and a
/// difference, or any error, leaves the target as it was.
pub fn migrate_sqlite_to_postgres(sqlite: &Path, url: &str) -> Result<MigrateReport> {
    super::check_url(url)?;
    if !sqlite.exists() {
        return Err(StoreError::Io {
            path: sqlite.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no SQLite store here"),
        });
    }
    let source = Store::open(sqlite)?;
    let src = source.connection_sqlite();
    // One read snapshot of the source, so the counts compared are of the rows copied.
    src.execute_batch("BEGIN")?;
    let pg = Pg::connect(url)?;
    let mut c = pg.client()?;
    let mut tx = c.transaction()?;
    let generation = lock_generation(&mut tx)?;
    let mut held = Vec::new();
    for t in TABLES {
        if matches!(*t, "meta" | "taxonomy") {
            continue;
        }
        let n: i64 = tx
            .query_one(&format!("SELECT count(*) FROM {t}"), &[])?
            .get(0);
        if n > 0 {
            held.push(format!("{n} row(s) in {t}"));
        }
    }
    if generation != 0 {
        held.push(format!("generation {generation}"));
    }
    if !held.is_empty() {
        return Err(StoreError::NotEmpty(held.join(", ")));
    }
    // Taxonomy rows the target holds but the source lacks would make the counts differ; the
    // source's taxonomy is the one in force, so start from none.
    tx.execute("DELETE FROM taxonomy", &[])?;
    tx.execute("DELETE FROM meta WHERE key <> 'store_id'", &[])?;
    sqlite_into_pg(src, &mut tx)?;
    let want = sqlite_counts(src)?;
    let got = pg_counts(&mut tx)?;
    if want != got {
        let diff: Vec<String> = TABLES
            .iter()
            .zip(want.iter().zip(&got))
            .filter(|(_, (a, b))| a != b)
            .map(|(t, (a, b))| format!("{t}: {a} in SQLite, {b} in PostgreSQL"))
            .collect();
        return Err(StoreError::CopyMismatch(diff.join("; ")));
    }
    let generation = source.generation()?;
    tx.commit()?;
    src.execute_batch("COMMIT")?;
    Ok(MigrateReport {
        tables: TABLES.iter().copied().zip(want).collect(),
        generation,
    })
}

impl Store {
    /// The SQLite connection of a SQLite store (copies only).
    pub(crate) fn connection_sqlite(&self) -> &Connection {
        match &self.backend {
            crate::Backend::Sqlite(s) => &s.conn,
            crate::Backend::Postgres(_) => unreachable!("a SQLite store was opened"),
        }
    }
}

/// The database's `store_id` (read inside `tx` before its rows are replaced).
fn store_id(tx: &mut Transaction<'_>) -> Result<String> {
    Ok(tx
        .query_opt("SELECT value FROM meta WHERE key = 'store_id'", &[])?
        .map(|r| r.get(0))
        .unwrap_or_default())
}

/// `path` with `suffix` added to its file name.
fn sibling(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

impl Pg {
    /// Writes the whole store, as of one snapshot, to a new SQLite file at `dest` (replacing
    /// it only once the copy is complete and checked).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let partial = sibling(dest, ".partial");
        let io = |source| StoreError::Io {
            path: partial.display().to_string(),
            source,
        };
        if partial.exists() {
            std::fs::remove_file(&partial).map_err(io)?;
        }
        let mut target = Store::open(&partial)?;
        let mut c = self.client()?;
        let mut tx = c
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        {
            let crate::Backend::Sqlite(s) = &mut target.backend else {
                unreachable!("a SQLite store was opened")
            };
            s.conn.pragma_update(None, "foreign_keys", "OFF")?;
            let stx = s.conn.transaction()?;
            stx.execute("DELETE FROM meta", [])?;
            for table in TABLES {
                let cols = columns(table);
                let select: Vec<String> = cols
                    .iter()
                    .map(|(c, k)| match k {
                        Json => format!("{c}::text"),
                        _ => c.to_string(),
                    })
                    .collect();
                let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
                let mut insert = stx.prepare(&format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    names(table),
                    placeholders.join(", ")
                ))?;
                let portal = tx.bind(
                    &format!("SELECT {} FROM {table}{}", select.join(", "), order(table)),
                    &[],
                )?;
                loop {
                    let rows = tx.query_portal(&portal, 1000)?;
                    if rows.is_empty() {
                        break;
                    }
                    for r in rows {
                        let values: Vec<Value> = cols
                            .iter()
                            .enumerate()
                            .map(|(i, (_, k))| match k {
                                Int => r
                                    .get::<_, Option<i64>>(i)
                                    .map_or(Value::Null, Value::Integer),
                                Bool => r
                                    .get::<_, Option<bool>>(i)
                                    .map_or(Value::Null, |b| Value::Integer(b as i64)),
                                Text | Json => r
                                    .get::<_, Option<String>>(i)
                                    .map_or(Value::Null, Value::Text),
                            })
                            .collect();
                        insert.execute(rusqlite::params_from_iter(values))?;
                    }
                }
            }
            let want = pg_counts(&mut tx)?;
            let got = sqlite_counts(&stx)?;
            if want != got {
                return Err(StoreError::BadBackup {
                    path: dest.display().to_string(),
                    problem: format!("row counts {got:?} differ from the database's {want:?}"),
                });
            }
            stx.commit()?;
            s.conn.pragma_update(None, "foreign_keys", "ON")?;
        }
        tx.commit()?;
        let check = target.integrity_check()?;
        drop(target);
        if check != "ok" {
            return Err(StoreError::BadBackup {
                path: dest.display().to_string(),
                problem: check,
            });
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(sibling(&partial, suffix));
        }
        std::fs::rename(&partial, dest).map_err(|source| StoreError::Io {
            path: dest.display().to_string(),
            source,
        })?;
        Ok(())
    }

    /// Replaces the store's content with the backup at `src` (a SQLite file, migrated on a
    /// copy if it is older), in one transaction. The generation becomes one past both the old
    /// one and the backup's, recorded as "everything changed", so every node rebuilds.
    pub fn restore_from(&self, src: &Path) -> Result<()> {
        drop(crate::backup::open_backup(src)?);
        // A copy, migrated to the current schema, so the backup itself is never written.
        let dir = std::env::temp_dir().join(format!(
            "notbetter-restore-{}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let copy = dir.join("restore.sqlite");
        let result = (|| {
            std::fs::copy(src, &copy).map_err(|source| StoreError::Io {
                path: src.display().to_string(),
                source,
            })?;
            let store = Store::open(&copy)?;
            let conn = store.connection_sqlite();
            let backup_gen = store.generation()?;
            let mut c = self.client()?;
            let mut tx = c.transaction()?;
            let before = lock_generation(&mut tx)?;
            // The database stays itself (its `store_id`), whatever the backup's says.
            let id = store_id(&mut tx)?;
            for t in TABLES.iter().rev() {
                tx.execute(&format!("DELETE FROM {t}"), &[])?;
            }
            sqlite_into_pg(conn, &mut tx)?;
            // The backup's history of changes ends here: the record starts again at the
            // restore, which followers take as "rebuild".
            tx.execute("DELETE FROM changes", &[])?;
            let start = (before as u64).max(backup_gen) as i64;
            tx.execute(
                "UPDATE meta SET value = $1::bigint::text WHERE key = 'generation'",
                &[&start],
            )?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('store_id', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&id],
            )?;
            bump_generation(&mut tx, &[None])?;
            tx.commit()?;
            Ok(())
        })();
        let _ = std::fs::remove_dir_all(&dir);
        result
    }
}
