//! `Store`'s public API, sent to the backend in use (SQLite or PostgreSQL), and following the
//! store's changes by generation, which both backends record the same way.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use notbetter_taxonomy::{Case, Dimension, LabelState, Taxonomy};

use crate::{ApplyReport, Backend, Result, Revision, Store, StoredCase, Submission};
use crate::{SubmissionStatus, User};

/// Declares each method once and sends it to the backend's method of the same name.
macro_rules! dispatch {
    (
        read: $( $(#[$rm:meta])* fn $rname:ident($($rarg:ident : $rty:ty),*) -> $rret:ty; )*
        write: $( $(#[$wm:meta])* fn $wname:ident($($warg:ident : $wty:ty),*) -> $wret:ty; )*
    ) => {
        impl Store {
            $(
                $(#[$rm])*
                pub fn $rname(&self, $($rarg: $rty),*) -> $rret {
                    match &self.backend {
                        Backend::Sqlite(s) => s.$rname($($rarg),*),
                        Backend::Postgres(p) => p.$rname($($rarg),*),
                    }
                }
            )*
            $(
                $(#[$wm])*
                pub fn $wname(&mut self, $($warg: $wty),*) -> $wret {
                    match &mut self.backend {
                        Backend::Sqlite(s) => s.$wname($($warg),*),
                        Backend::Postgres(p) => p.$wname($($warg),*),
                    }
                }
            )*
        }
    };
}

dispatch! {
    read:
    /// The change counter: it goes up with every committed change to cases, in the same
    /// transaction as the change.
    fn generation() -> Result<u64>;
    /// Reads a value from the `meta` table.
    fn meta(key: &str) -> Result<Option<String>>;
    /// SQLite: `PRAGMA integrity_check`. PostgreSQL (which checks its own pages and
    /// constraints): the store's cross-table rules, such as an approved submission having its
    /// case. `ok`, or what is wrong.
    fn integrity_check() -> Result<String>;
    fn get(id: &str) -> Result<Option<StoredCase>>;
    /// Every case, in id order.
    fn all() -> Result<Vec<StoredCase>>;
    /// Every case's id and source facet, without reading the documents.
    fn ids_and_sources() -> Result<Vec<(String, String)>>;
    /// The cases of `ids` that exist, in the order given.
    fn cases_by_ids(ids: &[String]) -> Result<Vec<Case>>;
    fn count() -> Result<usize>;
    /// The newest cases by when they were first stored, then by year.
    fn newest(limit: usize) -> Result<Vec<Case>>;
    /// The newest cases with their bookkeeping, by when they were first stored.
    fn newest_stored(limit: usize) -> Result<Vec<StoredCase>>;
    /// Top-level domain → cause → number of cases with both (confirmed or matched labels).
    fn domain_cause_matrix() -> Result<BTreeMap<String, BTreeMap<String, u64>>>;
    /// Previous versions of a case, newest first.
    fn revisions(id: &str) -> Result<Vec<Revision>>;
    /// Lower-cased DOI → id of the (first) case citing it.
    fn known_dois() -> Result<HashMap<String, String>>;
    /// How many cases carry each slug of `dim` in `state`, a case counting under a slug's
    /// ancestors too, once per case.
    fn label_counts(dim: Dimension, state: LabelState) -> Result<BTreeMap<String, usize>>;
    fn submission(public_id: &str) -> Result<Option<Submission>>;
    /// Submissions with `status`, oldest first.
    fn submissions(status: SubmissionStatus, limit: usize) -> Result<Vec<Submission>>;
    fn count_submissions(status: SubmissionStatus) -> Result<usize>;
    fn user(name: &str) -> Result<Option<User>>;
    /// The user of a live session.
    fn session_user(token_hash: &str) -> Result<Option<User>>;
    /// Writes a consistent copy of the whole store to `dest`, a SQLite file that
    /// [`Store::open`] reads (SQLite: the online backup API; PostgreSQL: one snapshot).
    fn backup_to(dest: &Path) -> Result<()>;
    /// The ids of the cases changed in generations `since + 1 ..= upto` (at most `max`), or
    /// `None` when they are not all recorded (a restore, history from before the changes
    /// table, more than `max` cases): then a follower rebuilds.
    fn change_ids(since: u64, upto: u64, max: usize) -> Result<Option<Vec<String>>>;

    write:
    /// Makes the `taxonomy` table equal to `taxonomy`, refusing to drop a slug in use.
    fn sync_taxonomy(taxonomy: &Taxonomy) -> Result<()>;
    fn add_submission(
        public_id: &str,
        title: &str,
        doc: &serde_json::Value,
        contributor: Option<&str>,
        client: &str
    ) -> Result<()>;
    /// Replaces a pending submission's content (a reviewer's edit).
    fn update_submission(public_id: &str, title: &str, doc: &serde_json::Value) -> Result<()>;
    /// Rejects a pending submission (`NotFound`, or `AlreadyDecided` when it is not pending).
    fn reject_submission(public_id: &str, reviewer: &str, reason: &str) -> Result<()>;
    /// Approves a pending submission and writes its case in one transaction, allocating the
    /// case's id (`case.id`, else `-2`, `-3`…) inside it. Returns the id given.
    fn approve_submission(public_id: &str, reviewer: &str, case: &Case) -> Result<String>;
    fn add_user(name: &str, role: &str, password_hash: &str) -> Result<()>;
    /// Records one failed login; returns the new count of consecutive failures.
    fn login_failed(name: &str, lock_after: i64, lock_until: &str) -> Result<i64>;
    fn login_succeeded(name: &str) -> Result<()>;
    fn add_session(token_hash: &str, user: &str, expires_at: &str) -> Result<()>;
    fn delete_session(token_hash: &str) -> Result<()>;
    /// Replaces this store's content with the backup at `src` (a SQLite file). The caller
    /// rebuilds derived data afterwards.
    fn restore_from(src: &Path) -> Result<()>;
}

/// What changed in the store since a generation a follower has seen.
#[derive(Debug)]
pub enum Changes {
    /// Nothing: the store is at that generation.
    UpToDate,
    /// These cases changed (each as it is now); the store is at `generation`.
    Cases { generation: u64, cases: Vec<Case> },
    /// Too much changed, or not all of it is recorded: rebuild from the store.
    Rebuild { generation: u64 },
}

impl Store {
    /// Writes cases in one transaction: new ones are added, changed ones updated with their
    /// previous version kept as a revision, identical ones left alone. `provenance` says where
    /// each came from. The generation goes up, and the changed ids are recorded under it, in
    /// the same transaction.
    pub fn apply<'a>(
        &mut self,
        cases: impl IntoIterator<Item = (&'a Case, &'a str)>,
    ) -> Result<ApplyReport> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.apply(cases),
            Backend::Postgres(p) => p.apply(cases, false),
        }
    }

    /// What [`Store::apply`] would do, without writing anything: the same transaction, rolled
    /// back.
    pub fn dry_run<'a>(
        &mut self,
        cases: impl IntoIterator<Item = (&'a Case, &'a str)>,
    ) -> Result<ApplyReport> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.dry_run(cases),
            Backend::Postgres(p) => p.apply(cases, true),
        }
    }

    /// Calls `f` on every case in id order without holding them all in memory.
    pub fn for_each(&self, f: impl FnMut(Case)) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(s) => s.for_each(f),
            Backend::Postgres(p) => p.for_each(f),
        }
    }

    /// Writes a value to the `meta` table. `generation` is reserved.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        assert_ne!(
            key, "generation",
            "the generation is only changed by writes to cases"
        );
        match &mut self.backend {
            Backend::Sqlite(s) => s.set_meta(key, value),
            Backend::Postgres(p) => p.set_meta(key, value),
        }
    }

    /// A listener woken when another connection commits a change (PostgreSQL's
    /// `LISTEN/NOTIFY`), for a follower that would otherwise only poll; `None` for SQLite.
    pub fn change_listener(&self) -> Option<crate::pg::ChangeListener> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(p) => Some(p.change_listener()),
        }
    }

    /// What changed since generation `since`, for an index that follows the store: the
    /// changed cases as they are now, or `Rebuild` when more than `max` cases changed, the
    /// store went back (a restore), or the record of changes does not reach back to `since`.
    /// The generation is read first, so the cases read after it may be newer than it; a
    /// follower indexing them at that generation is never missing a change, and sees the
    /// newer ones again at the next call.
    pub fn changes_since(&self, since: u64, max: usize) -> Result<Changes> {
        let generation = self.generation()?;
        if generation == since {
            return Ok(Changes::UpToDate);
        }
        if generation < since {
            return Ok(Changes::Rebuild { generation });
        }
        match self.change_ids(since, generation, max)? {
            None => Ok(Changes::Rebuild { generation }),
            Some(ids) => Ok(Changes::Cases {
                generation,
                cases: self.cases_by_ids(&ids)?,
            }),
        }
    }
}
