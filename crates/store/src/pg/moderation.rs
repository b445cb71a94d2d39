//! The moderation queue, reviewer accounts and sessions in PostgreSQL: the same semantics as
//! the SQLite backend's `moderation.rs`, so any node can serve any reviewer.

use postgres::{Row, Transaction};

use super::{bump_generation, lock_generation, Pg};
use crate::moderation::SUBMISSION_COLUMNS;
use crate::{now, Result, StoreError, Submission, SubmissionStatus, User};

fn submission(r: &Row) -> Submission {
    let doc: String = r.get(3);
    Submission {
        public_id: r.get(0),
        status: SubmissionStatus::parse(r.get(1)),
        title: r.get(2),
        doc: serde_json::from_str(&doc).unwrap_or(serde_json::Value::Null),
        contributor: r.get(4),
        created_at: r.get(5),
        updated_at: r.get(6),
        reviewer: r.get(7),
        reason: r.get(8),
        case_id: r.get(9),
    }
}

/// The submission columns with the document as text.
fn columns() -> String {
    SUBMISSION_COLUMNS.replace(", doc,", ", doc::text,")
}

fn user(r: &Row) -> User {
    User {
        name: r.get(0),
        role: r.get(1),
        password_hash: r.get(2),
        failed_logins: r.get(3),
        locked_until: r.get(4),
    }
}

impl Pg {
    pub fn add_submission(
        &self,
        public_id: &str,
        title: &str,
        doc: &serde_json::Value,
        contributor: Option<&str>,
        client: &str,
    ) -> Result<()> {
        self.client()?.execute(
            "INSERT INTO submissions (public_id, status, title, doc, contributor, client, created_at, updated_at)
             VALUES ($1, 'pending', $2, $3::text::jsonb, $4, $5, $6, $6)",
            &[&public_id, &title, &doc.to_string(), &contributor, &client, &now()],
        )?;
        Ok(())
    }

    pub fn submission(&self, public_id: &str) -> Result<Option<Submission>> {
        Ok(self
            .client()?
            .query_opt(
                &format!("SELECT {} FROM submissions WHERE public_id = $1", columns()),
                &[&public_id],
            )?
            .map(|r| submission(&r)))
    }

    pub fn submissions(&self, status: SubmissionStatus, limit: usize) -> Result<Vec<Submission>> {
        Ok(self
            .client()?
            .query(
                &format!(
                    "SELECT {} FROM submissions WHERE status = $1 ORDER BY created_at, id LIMIT $2",
                    columns()
                ),
                &[&status.as_str(), &(limit as i64)],
            )?
            .iter()
            .map(submission)
            .collect())
    }

    pub fn count_submissions(&self, status: SubmissionStatus) -> Result<usize> {
        let n: i64 = self
            .client()?
            .query_one(
                "SELECT count(*) FROM submissions WHERE status = $1",
                &[&status.as_str()],
            )?
            .get(0);
        Ok(n as usize)
    }

    pub fn update_submission(
        &self,
        public_id: &str,
        title: &str,
        doc: &serde_json::Value,
    ) -> Result<()> {
        let n = self.client()?.execute(
            "UPDATE submissions SET title = $2, doc = $3::text::jsonb, updated_at = $4
             WHERE public_id = $1 AND status = 'pending'",
            &[&public_id, &title, &doc.to_string(), &now()],
        )?;
        if n == 0 {
            return Err(match self.submission(public_id)? {
                Some(_) => StoreError::AlreadyDecided(public_id.to_string()),
                None => StoreError::NotFound(public_id.to_string()),
            });
        }
        Ok(())
    }

    pub fn reject_submission(&self, public_id: &str, reviewer: &str, reason: &str) -> Result<()> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        close_pending(
            &mut tx,
            public_id,
            SubmissionStatus::Rejected,
            reviewer,
            Some(reason),
            None,
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn approve_submission(
        &self,
        public_id: &str,
        reviewer: &str,
        case: &notbetter_taxonomy::Case,
    ) -> Result<String> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        // Taken first: another node's approval of the same title waits here, then sees this
        // one's case when it picks an id.
        lock_generation(&mut tx)?;
        let mut case = case.clone();
        case.id = free_id(&mut tx, &case.id)?;
        close_pending(
            &mut tx,
            public_id,
            SubmissionStatus::Approved,
            reviewer,
            None,
            Some(&case.id),
        )?;
        let provenance = format!("contributed (submission {public_id}, approved by {reviewer})");
        let report = super::cases::apply_in(&mut tx, [(&case, provenance.as_str())])?;
        let changed: Vec<Option<String>> = report.changed.iter().cloned().map(Some).collect();
        bump_generation(&mut tx, &changed)?;
        tx.commit()?;
        Ok(case.id)
    }

    pub fn add_user(&self, name: &str, role: &str, password_hash: &str) -> Result<()> {
        self.client()?.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET role = excluded.role,
               password_hash = excluded.password_hash, failed_logins = 0, locked_until = NULL",
            &[&name, &role, &password_hash, &now()],
        )?;
        Ok(())
    }

    pub fn user(&self, name: &str) -> Result<Option<User>> {
        Ok(self
            .client()?
            .query_opt(
                "SELECT name, role, password_hash, failed_logins, locked_until FROM users
                 WHERE name = $1",
                &[&name],
            )?
            .map(|r| user(&r)))
    }

    /// One statement, so concurrent failures on several nodes each count once.
    pub fn login_failed(&self, name: &str, lock_after: i64, lock_until: &str) -> Result<i64> {
        Ok(self
            .client()?
            .query_opt(
                "UPDATE users SET failed_logins = failed_logins + 1,
                   locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
                 WHERE name = $1 RETURNING failed_logins",
                &[&name, &lock_after, &lock_until],
            )?
            .map(|r| r.get(0))
            .unwrap_or(0))
    }

    pub fn login_succeeded(&self, name: &str) -> Result<()> {
        self.client()?.execute(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = $1",
            &[&name],
        )?;
        Ok(())
    }

    pub fn add_session(&self, token_hash: &str, user: &str, expires_at: &str) -> Result<()> {
        self.client()?.execute(
            "INSERT INTO sessions (token_hash, user_name, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
            &[&token_hash, &user, &now(), &expires_at],
        )?;
        Ok(())
    }

    pub fn session_user(&self, token_hash: &str) -> Result<Option<User>> {
        Ok(self
            .client()?
            .query_opt(
                "SELECT u.name, u.role, u.password_hash, u.failed_logins, u.locked_until
                 FROM sessions s JOIN users u ON u.name = s.user_name
                 WHERE s.token_hash = $1 AND s.expires_at > $2",
                &[&token_hash, &now()],
            )?
            .map(|r| user(&r)))
    }

    pub fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.client()?
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
        Ok(())
    }
}

fn close_pending(
    tx: &mut Transaction<'_>,
    public_id: &str,
    status: SubmissionStatus,
    reviewer: &str,
    reason: Option<&str>,
    case_id: Option<&str>,
) -> Result<()> {
    let n = tx.execute(
        "UPDATE submissions SET status = $2, reviewer = $3, reason = $4, case_id = $5, updated_at = $6
         WHERE public_id = $1 AND status = 'pending'",
        &[&public_id, &status.as_str(), &reviewer, &reason, &case_id, &now()],
    )?;
    if n == 1 {
        return Ok(());
    }
    let exists = tx.query_opt(
        "SELECT status FROM submissions WHERE public_id = $1",
        &[&public_id],
    )?;
    Err(match exists {
        Some(_) => StoreError::AlreadyDecided(public_id.to_string()),
        None => StoreError::NotFound(public_id.to_string()),
    })
}

fn free_id(tx: &mut Transaction<'_>, wanted: &str) -> Result<String> {
    let mut id = wanted.to_string();
    let mut n = 2;
    while tx
        .query_opt("SELECT 1 FROM cases WHERE id = $1", &[&id])?
        .is_some()
    {
        id = format!("{wanted}-{n}");
        n += 1;
    }
    Ok(id)
}
