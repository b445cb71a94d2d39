//! Online backups with SQLite's backup API, safe while the server is writing.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::Connection;

use crate::{Result, Sqlite, StoreError};

impl Sqlite {
    /// Copies the live database to `dest` page by page, letting writers in between steps, and
    /// checks the copy's integrity.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let mut target = Connection::open(dest)?;
        {
            let backup = Backup::new(&self.conn, &mut target)?;
            backup.run_to_completion(256, Duration::from_millis(5), None)?;
        }
        check_backup(&target, dest)
    }

    /// Replaces this database's content with the backup at `src` (through the backup API, so
    /// the WAL and open readers stay consistent). The caller rebuilds derived data afterwards.
    pub fn restore_from(&mut self, src: &Path) -> Result<()> {
        let source = open_backup(src)?;
        let before = self.generation()?;
        {
            let backup = Backup::new(&source, &mut self.conn)?;
            backup.run_to_completion(256, Duration::from_millis(0), None)?;
        }
        crate::migrate(&mut self.conn)?;
        // The restored content is a new generation past both the old one and the backup's,
        // recorded as "everything changed" (the backup's own record of changes is dropped), so
        // anything following the store rebuilds.
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE meta SET value = max(CAST(value AS INTEGER), ?1) + 1 WHERE key = 'generation'",
            [before as i64],
        )?;
        tx.execute("DELETE FROM changes", [])?;
        tx.execute(
            "INSERT INTO changes (generation, case_id)
             SELECT CAST(value AS INTEGER), NULL FROM meta WHERE key = 'generation'",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Opens the SQLite backup at `path` read-only, refusing it unless SQLite's integrity check
/// passes (restores on both backends read backups through this).
pub(crate) fn open_backup(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    check_backup(&conn, path)?;
    Ok(conn)
}

/// `BadBackup` unless `PRAGMA integrity_check` on `conn` (the file at `path`) says `ok`.
fn check_backup(conn: &Connection, path: &Path) -> Result<()> {
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(StoreError::BadBackup {
            path: path.display().to_string(),
            problem: check,
        });
    }
    Ok(())
}
