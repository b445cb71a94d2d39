//! The SQLite backend's record of changes: each generation's changed case ids (`changes`),
//! written in the transaction that bumps the generation, and read by nodes that follow.

use rusqlite::{params, Transaction};

use crate::{Result, Sqlite};

impl Sqlite {
    /// See [`crate::Store::change_ids`].
    pub fn change_ids(&self, since: u64, upto: u64, max: usize) -> Result<Option<Vec<String>>> {
        // The record reaches back to `since` only if generation `since + 1` is in it (every
        // generation records at least one row, and rows are never deleted).
        let first: Option<i64> = self.conn.query_row(
            "SELECT min(generation) FROM changes WHERE generation > ?1",
            [since as i64],
            |r| r.get(0),
        )?;
        if first != Some(since as i64 + 1) {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT case_id FROM changes WHERE generation > ?1 AND generation <= ?2
             ORDER BY case_id IS NOT NULL, case_id LIMIT ?3",
        )?;
        let ids: Vec<Option<String>> = stmt
            .query_map(params![since as i64, upto as i64, max as i64 + 1], |r| {
                r.get(0)
            })?
            .collect::<Result<_, _>>()?;
        if ids.len() > max || ids.iter().any(Option::is_none) {
            return Ok(None);
        }
        Ok(Some(ids.into_iter().flatten().collect()))
    }
}

/// Raises the generation by one and records `changed` under it, when anything changed.
pub(crate) fn bump_generation(tx: &Transaction<'_>, changed: &[String]) -> Result<()> {
    if changed.is_empty() {
        return Ok(());
    }
    let g: i64 = tx.query_row(
        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'
         RETURNING CAST(value AS INTEGER)",
        [],
        |r| r.get(0),
    )?;
    let mut record =
        tx.prepare_cached("INSERT INTO changes (generation, case_id) VALUES (?1, ?2)")?;
    for id in changed {
        record.execute(params![g, id])?;
    }
    Ok(())
}
