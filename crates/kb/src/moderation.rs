//! Contributions and their review: the moderation queue, approving a submission into the
//! knowledge base (its case id allocated inside the store's transaction), rejecting, and the
//! reviewer accounts with their login policy.

use std::time::Duration;

use notbetter_store::{Submission, SubmissionStatus, User};
use notbetter_taxonomy::Case;

use crate::{KnowledgeBase, Result};

/// When repeated failed logins lock an account, and for how long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct LoginPolicy {
    /// Consecutive failed logins that lock the account.
    pub lockout_after: i64,
    /// How long a locked account stays locked.
    pub lockout: Duration,
    pub session_ttl: Duration,
}

/// What a login attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    /// The password was right; the session (by its token's hash) is stored.
    Ok,
    /// Unknown name or wrong password (the two are not told apart).
    Wrong,
    /// The account is locked after repeated failures.
    Locked,
}

impl KnowledgeBase {
    /// Files a contribution in the moderation queue.
    pub fn submit(
        &self,
        public_id: &str,
        title: &str,
        doc: &serde_json::Value,
        contributor: Option<&str>,
        client: &str,
    ) -> Result<()> {
        Ok(self
            .store()
            .add_submission(public_id, title, doc, contributor, client)?)
    }

    pub fn submission(&self, public_id: &str) -> Result<Option<Submission>> {
        Ok(self.store().submission(public_id)?)
    }

    /// Submissions with `status`, oldest first.
    pub fn submissions(&self, status: SubmissionStatus, limit: usize) -> Result<Vec<Submission>> {
        Ok(self.store().submissions(status, limit)?)
    }

    pub fn count_submissions(&self, status: SubmissionStatus) -> Result<usize> {
        Ok(self.store().count_submissions(status)?)
    }

    /// Replaces a pending submission's content (a reviewer's edit). A submission decided
    /// meanwhile is a conflict, as in [`Self::reject`].
    pub fn update_submission(
        &self,
        public_id: &str,
        title: &str,
        doc: &serde_json::Value,
    ) -> Result<()> {
        Ok(self.store().update_submission(public_id, title, doc)?)
    }

    /// Rejects a pending submission. One decided meanwhile is an error of kind
    /// [`crate::ErrorKind::Conflict`]; a missing one, [`crate::ErrorKind::NotFound`].
    pub fn reject(&self, public_id: &str, reviewer: &str, reason: &str) -> Result<()> {
        Ok(self
            .store()
            .reject_submission(public_id, reviewer, reason)?)
    }

    /// Rejects each pending submission of `ids`; ids that are gone or already decided are
    /// skipped (a bulk action races other reviewers by nature). Returns how many it rejected.
    pub fn reject_many(&self, ids: &[String], reviewer: &str, reason: &str) -> Result<usize> {
        let mut store = self.store();
        let mut n = 0;
        for id in ids {
            match store.reject_submission(id, reviewer, reason) {
                Ok(()) => n += 1,
                Err(
                    notbetter_store::StoreError::NotFound(_)
                    | notbetter_store::StoreError::AlreadyDecided(_),
                ) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(n)
    }

    /// Approves a pending submission: the case is written with the submission's closing in
    /// one store transaction, then indexed, so it is searchable as soon as this returns.
    /// `case.id` is the wanted id (the title's slug); the store gives the first free one of
    /// `id`, `id-2`, `id-3`… inside that transaction, and it is returned.
    pub fn approve(&self, public_id: &str, reviewer: &str, case: &Case) -> Result<String> {
        let mut store = self.store();
        let id = store.approve_submission(public_id, reviewer, case)?;
        if self.shared {
            drop(store);
            self.follow()?;
            return Ok(id);
        }
        let generation = store.generation()?;
        let mut stored = case.clone();
        stored.id = id.clone();
        self.commit_to_index([&stored], generation)?;
        Ok(id)
    }

    /// Adds a reviewer or admin, or replaces their password and role (unlocking them).
    pub fn add_user(&self, name: &str, role: &str, password_hash: &str) -> Result<()> {
        Ok(self.store().add_user(name, role, password_hash)?)
    }

    pub fn user(&self, name: &str) -> Result<Option<User>> {
        Ok(self.store().user(name)?)
    }

    /// The user of a live session, by its token's hash.
    pub fn session_user(&self, token_hash: &str) -> Result<Option<User>> {
        Ok(self.store().session_user(token_hash)?)
    }

    pub fn log_out(&self, token_hash: &str) -> Result<()> {
        Ok(self.store().delete_session(token_hash)?)
    }

    /// One login attempt under `policy`. `verify` checks the password against the stored hash
    /// (`None` for an unknown name); it is called exactly once whatever the outcome, locked
    /// accounts included, so every answer costs the same time. A wrong password for a known
    /// account counts one failure; the failure that reaches `policy.lockout_after` locks it.
    /// On success the session `session_hash` is stored.
    pub fn log_in(
        &self,
        name: &str,
        verify: impl FnOnce(Option<&str>) -> bool,
        session_hash: &str,
        policy: &LoginPolicy,
        now: time::OffsetDateTime,
    ) -> Result<Login> {
        let user = self.store().user(name)?;
        let now_text = notbetter_store::timestamp(now);
        let locked = user.as_ref().is_some_and(|u| {
            u.locked_until
                .as_deref()
                .is_some_and(|until| until > now_text.as_str())
        });
        let right = verify(user.as_ref().map(|u| u.password_hash.as_str()));
        if locked {
            return Ok(Login::Locked);
        }
        let mut store = self.store();
        if right {
            store.login_succeeded(name)?;
            let expires = notbetter_store::timestamp(now + policy.session_ttl);
            store.add_session(session_hash, name, &expires)?;
            return Ok(Login::Ok);
        }
        if user.is_some() {
            let until = notbetter_store::timestamp(now + policy.lockout);
            let failures = store.login_failed(name, policy.lockout_after, &until)?;
            if failures == policy.lockout_after {
                tracing::warn!(user = %name, "account locked after failed logins");
            }
        }
        Ok(Login::Wrong)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::tests::case;
    use crate::ErrorKind;

    fn open() -> (tempfile::TempDir, Arc<KnowledgeBase>) {
        let dir = tempfile::tempdir().unwrap();
        let kb = KnowledgeBase::open(dir.path(), notbetter_taxonomy::bundled()).unwrap();
        (dir, Arc::new(kb))
    }

    fn submit(kb: &KnowledgeBase, public_id: &str) {
        kb.submit(
            public_id,
            "Same title",
            &serde_json::json!({}),
            None,
            "127.0.0.1",
        )
        .unwrap();
    }

    #[test]
    fn concurrent_approvals_of_one_title_keep_both_cases() {
        let (_dir, kb) = open();
        submit(&kb, "aaaaaaaaaaaaaaaa");
        submit(&kb, "bbbbbbbbbbbbbbbb");
        // Both reviewers ask for the same id (the title's slug), at the same time.
        let approvals: Vec<_> = ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"]
            .into_iter()
            .map(|public_id| {
                let kb = kb.clone();
                std::thread::spawn(move || {
                    let mut c = case("same-title");
                    c.use_case = format!("Submitted as {public_id}.");
                    kb.approve(public_id, "rita", &c).unwrap()
                })
            })
            .collect();
        let mut ids: Vec<String> = approvals.into_iter().map(|h| h.join().unwrap()).collect();
        ids.sort();
        assert_eq!(ids, ["same-title", "same-title-2"]);
        for id in &ids {
            let stored = kb.get(id).unwrap().expect("both cases exist");
            assert_eq!(stored.version, 1, "neither case overwrote the other");
        }
        let texts: std::collections::HashSet<String> = ids
            .iter()
            .map(|id| kb.get(id).unwrap().unwrap().case.use_case)
            .collect();
        assert_eq!(texts.len(), 2);
        assert_eq!(
            kb.search(&crate::SearchRequest::new("submitted"))
                .unwrap()
                .total,
            2
        );
    }

    #[test]
    fn deciding_a_decided_submission_is_a_conflict_and_a_missing_one_not_found() {
        let (_dir, kb) = open();
        submit(&kb, "cccccccccccccccc");
        kb.approve("cccccccccccccccc", "rita", &case("first"))
            .unwrap();
        let again = kb
            .approve("cccccccccccccccc", "sam", &case("second"))
            .unwrap_err();
        assert_eq!(again.kind(), ErrorKind::Conflict, "{again}");
        assert!(kb.get("second").unwrap().is_none(), "nothing was written");
        let reject = kb.reject("cccccccccccccccc", "sam", "late").unwrap_err();
        assert_eq!(reject.kind(), ErrorKind::Conflict);
        let edit = kb
            .update_submission("cccccccccccccccc", "Late edit", &serde_json::json!({}))
            .unwrap_err();
        assert_eq!(edit.kind(), ErrorKind::Conflict);
        let missing = kb.reject("dddddddddddddddd", "sam", "gone").unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        assert_eq!(
            kb.reject_many(
                &["cccccccccccccccc".into(), "dddddddddddddddd".into()],
                "sam",
                "bulk"
            )
            .unwrap(),
            0
        );
    }

    #[test]
    fn each_failed_login_counts_once_and_the_limit_locks() {
        let (_dir, kb) = open();
        kb.add_user("rita", "reviewer", "stored-hash").unwrap();
        let policy = LoginPolicy {
            lockout_after: 3,
            lockout: Duration::from_secs(60),
            session_ttl: Duration::from_secs(60),
        };
        let now = time::OffsetDateTime::now_utc();
        let attempt = |password_ok: bool| {
            let mut calls = 0;
            let outcome = kb
                .log_in(
                    "rita",
                    |_| {
                        calls += 1;
                        password_ok
                    },
                    "session-hash",
                    &policy,
                    now,
                )
                .unwrap();
            assert_eq!(calls, 1, "the password is checked exactly once");
            outcome
        };
        for n in 1..=2 {
            assert_eq!(attempt(false), Login::Wrong);
            assert_eq!(kb.user("rita").unwrap().unwrap().failed_logins, n);
        }
        assert_eq!(attempt(false), Login::Wrong);
        let user = kb.user("rita").unwrap().unwrap();
        assert_eq!(user.failed_logins, 3, "the locking failure counts once");
        assert!(user.locked_until.is_some());
        assert_eq!(
            attempt(true),
            Login::Locked,
            "locked even with the password"
        );
        assert!(kb.session_user("session-hash").unwrap().is_none());
        // Once the lock has passed, the right password gets in and clears the count.
        let later = now + Duration::from_secs(120);
        let outcome = kb
            .log_in("rita", |_| true, "session-hash", &policy, later)
            .unwrap();
        assert_eq!(outcome, Login::Ok);
        assert_eq!(kb.user("rita").unwrap().unwrap().failed_logins, 0);
    }
}
