//! The moderation queue (submissions from the contribution form) and reviewer accounts with
//! their sessions. Password hashing and token generation happen in the server; this module only
//! stores what it is given.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::{now, Result, Sqlite, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubmissionStatus {
    Pending,
    Approved,
    Rejected,
}

impl SubmissionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Pending => "pending",
            SubmissionStatus::Approved => "approved",
            SubmissionStatus::Rejected => "rejected",
        }
    }

    pub(crate) fn parse(s: &str) -> SubmissionStatus {
        match s {
            "approved" => SubmissionStatus::Approved,
            "rejected" => SubmissionStatus::Rejected,
            _ => SubmissionStatus::Pending,
        }
    }
}

/// One contribution waiting for (or after) review. `doc` is the submitted form as JSON, in the
/// input form ingest reads, so a reviewer's edit goes through the same checks.
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    pub public_id: String,
    pub status: SubmissionStatus,
    pub title: String,
    pub doc: serde_json::Value,
    pub contributor: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub reviewer: Option<String>,
    pub reason: Option<String>,
    pub case_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
}

fn submission(r: &rusqlite::Row<'_>) -> rusqlite::Result<Submission> {
    let doc: String = r.get(3)?;
    Ok(Submission {
        public_id: r.get(0)?,
        status: SubmissionStatus::parse(&r.get::<_, String>(1)?),
        title: r.get(2)?,
        doc: serde_json::from_str(&doc).unwrap_or(serde_json::Value::Null),
        contributor: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
        reviewer: r.get(7)?,
        reason: r.get(8)?,
        case_id: r.get(9)?,
    })
}

pub(crate) const SUBMISSION_COLUMNS: &str =
    "public_id, status, title, doc, contributor, created_at, updated_at, reviewer, reason, case_id";

impl Sqlite {
    pub fn add_submission(
        &mut self,
        public_id: &str,
        title: &str,
        doc: &serde_json::Value,
        contributor: Option<&str>,
        client: &str,
    ) -> Result<()> {
        let at = now();
        self.conn.execute(
            "INSERT INTO submissions (public_id, status, title, doc, contributor, client, created_at, updated_at)
             VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6, ?6)",
            params![public_id, title, doc.to_string(), contributor, client, at],
        )?;
        Ok(())
    }

    pub fn submission(&self, public_id: &str) -> Result<Option<Submission>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE public_id = ?1"),
                [public_id],
                submission,
            )
            .optional()?)
    }

    /// Submissions with `status`, oldest first.
    pub fn submissions(&self, status: SubmissionStatus, limit: usize) -> Result<Vec<Submission>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE status = ?1 ORDER BY created_at, id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![status.as_str(), limit as i64], submission)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn count_submissions(&self, status: SubmissionStatus) -> Result<usize> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM submissions WHERE status = ?1",
            [status.as_str()],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// Replaces a pending submission's content (a reviewer's edit).
    pub fn update_submission(
        &mut self,
        public_id: &str,
        title: &str,
        doc: &serde_json::Value,
    ) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE submissions SET title = ?2, doc = ?3, updated_at = ?4 WHERE public_id = ?1 AND status = 'pending'",
            params![public_id, title, doc.to_string(), now()],
        )?;
        if n == 0 {
            return Err(match self.submission(public_id)? {
                Some(_) => StoreError::AlreadyDecided(public_id.to_string()),
                None => StoreError::NotFound(public_id.to_string()),
            });
        }
        Ok(())
    }

    /// Rejects a pending submission. A submission that is not there is
    /// [`StoreError::NotFound`]; one already decided (by another reviewer, say) is
    /// [`StoreError::AlreadyDecided`].
    pub fn reject_submission(
        &mut self,
        public_id: &str,
        reviewer: &str,
        reason: &str,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        close_pending(
            &tx,
            public_id,
            SubmissionStatus::Rejected,
            reviewer,
            Some(reason),
            None,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Approves a pending submission and writes its case, in one transaction, so an approved
    /// submission always has its case. The case's id is allocated here, inside that
    /// transaction: `case.id` is the wanted id, and if a case already has it, `-2`, `-3`… are
    /// tried, so two approvals of the same title can never pick the same id (the second would
    /// have overwritten the first). Returns the id given.
    pub fn approve_submission(
        &mut self,
        public_id: &str,
        reviewer: &str,
        case: &notbetter_taxonomy::Case,
    ) -> Result<String> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut case = case.clone();
        case.id = free_id(&tx, &case.id)?;
        close_pending(
            &tx,
            public_id,
            SubmissionStatus::Approved,
            reviewer,
            None,
            Some(&case.id),
        )?;
        let provenance = format!("contributed (submission {public_id}, approved by {reviewer})");
        let report = crate::cases::apply_in(&tx, [(&case, provenance.as_str())])?;
        crate::changes::bump_generation(&tx, &report.changed)?;
        tx.commit()?;
        Ok(case.id)
    }

    pub fn add_user(&mut self, name: &str, role: &str, password_hash: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,
               failed_logins = 0, locked_until = NULL",
            params![name, role, password_hash, now()],
        )?;
        Ok(())
    }

    pub fn user(&self, name: &str) -> Result<Option<User>> {
        Ok(self
            .conn
            .query_row(
                "SELECT name, role, password_hash, failed_logins, locked_until FROM users WHERE name = ?1",
                [name],
                |r| {
                    Ok(User {
                        name: r.get(0)?,
                        role: r.get(1)?,
                        password_hash: r.get(2)?,
                        failed_logins: r.get(3)?,
                        locked_until: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records one failed login, in one statement: the count of consecutive failures goes up
    /// by one, and when it reaches `lock_after` the account is locked until `lock_until`.
    /// Returns the new count.
    pub fn login_failed(&mut self, name: &str, lock_after: i64, lock_until: &str) -> Result<i64> {
        Ok(self
            .conn
            .query_row(
                "UPDATE users SET failed_logins = failed_logins + 1,
                   locked_until = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 ELSE locked_until END
                 WHERE name = ?1 RETURNING failed_logins",
                params![name, lock_after, lock_until],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    pub fn login_succeeded(&mut self, name: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = ?1",
            [name],
        )?;
        Ok(())
    }

    pub fn add_session(&mut self, token_hash: &str, user: &str, expires_at: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO sessions (token_hash, user_name, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash, user, now(), expires_at],
        )?;
        Ok(())
    }

    /// The user of a live session (expiry is compared as RFC 3339 text, which sorts by time).
    pub fn session_user(&self, token_hash: &str) -> Result<Option<User>> {
        let name: Option<String> = self
            .conn
            .query_row(
                "SELECT user_name FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
                params![token_hash, now()],
                |r| r.get(0),
            )
            .optional()?;
        match name {
            Some(n) => self.user(&n),
            None => Ok(None),
        }
    }

    pub fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }
}

/// Closes the pending submission `public_id` inside `tx`, telling a missing submission from one
/// already decided.
fn close_pending(
    tx: &rusqlite::Transaction<'_>,
    public_id: &str,
    status: SubmissionStatus,
    reviewer: &str,
    reason: Option<&str>,
    case_id: Option<&str>,
) -> Result<()> {
    let n = tx.execute(
        "UPDATE submissions SET status = ?2, reviewer = ?3, reason = ?4, case_id = ?5, updated_at = ?6
         WHERE public_id = ?1 AND status = 'pending'",
        params![public_id, status.as_str(), reviewer, reason, case_id, now()],
    )?;
    if n == 1 {
        return Ok(());
    }
    let exists: Option<String> = tx
        .query_row(
            "SELECT status FROM submissions WHERE public_id = ?1",
            [public_id],
            |r| r.get(0),
        )
        .optional()?;
    Err(match exists {
        Some(_) => StoreError::AlreadyDecided(public_id.to_string()),
        None => StoreError::NotFound(public_id.to_string()),
    })
}

/// `wanted`, or `wanted-2`, `wanted-3`… : the first id no case has.
fn free_id(tx: &rusqlite::Transaction<'_>, wanted: &str) -> Result<String> {
    let taken = |id: &str| -> Result<bool> {
        Ok(tx
            .query_row("SELECT 1 FROM cases WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some())
    };
    let mut id = wanted.to_string();
    let mut n = 2;
    while taken(&id)? {
        id = format!("{wanted}-{n}");
        n += 1;
    }
    Ok(id)
}
