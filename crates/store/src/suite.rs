//! The store test suite, run against both backends: each test is written once, as a function
//! of a [`Fixture`], and instantiated for SQLite (a file in a temporary directory) and for
//! PostgreSQL (a fresh database on the throwaway cluster of `pg_harness`).

use std::collections::BTreeSet;

use notbetter_taxonomy::{bundled, Dimension, Label, LabelState};

use crate::tests::case;
use crate::{Changes, Store, StoreError, SubmissionStatus};

/// One store to test: `open` makes a new connection to it (a second node, for PostgreSQL).
pub(crate) struct Fixture {
    pub dir: tempfile::TempDir,
    open: Box<dyn Fn() -> Store + Send + Sync>,
}

impl Fixture {
    pub(crate) fn open(&self) -> Store {
        let mut s = (self.open)();
        s.sync_taxonomy(&bundled()).unwrap();
        s
    }
}

pub(crate) fn sqlite() -> Option<Fixture> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.sqlite");
    Some(Fixture {
        dir,
        open: Box::new(move || Store::open(&path).unwrap()),
    })
}

fn postgres() -> Option<Fixture> {
    let url = crate::pg_harness::fresh_database()?;
    Some(Fixture {
        dir: tempfile::tempdir().unwrap(),
        open: Box::new(move || Store::open_postgres(&url).unwrap_or_else(|e| panic!("{url}: {e}"))),
    })
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::sqlite().unwrap()) } )*
        }
        mod postgres {
            $( #[test] fn $name() {
                if let Some(f) = super::postgres() { super::$name(f) }
            } )*
        }
    };
}

both_backends!(
    writes_are_idempotent_and_changes_keep_revisions,
    a_failed_batch_changes_nothing,
    a_dry_run_reports_without_writing,
    changes_are_recorded_by_generation,
    moderation_submits_approves_rejects_and_conflicts,
    approvals_of_one_title_on_two_connections_get_distinct_ids,
    users_sessions_and_lockout,
    backup_and_restore_round_trip,
    reads_and_aggregates,
    taxonomy_sync_refuses_to_drop_used_slugs,
);

fn writes_are_idempotent_and_changes_keep_revisions(f: Fixture) {
    let mut s = f.open();
    let r = s
        .apply([(&case("a", "O"), "f.md"), (&case("b", "O"), "f.md")])
        .unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (2, 0, 0));
    let g = s.generation().unwrap();
    assert_eq!(g, 1);
    let r = s
        .apply([(&case("a", "O"), "f.md"), (&case("b", "O"), "f.md")])
        .unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (0, 0, 2));
    assert_eq!(s.generation().unwrap(), g, "a no-op does not bump it");
    let r = s.apply([(&case("a", "O2"), "g.md")]).unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (0, 1, 0));
    assert_eq!(r.changed, ["a"]);
    assert_eq!(s.generation().unwrap(), g + 1);
    let stored = s.get("a").unwrap().unwrap();
    assert_eq!(stored.case, case("a", "O2"));
    assert_eq!((stored.version, stored.provenance.as_str()), (2, "g.md"));
    let revs = s.revisions("a").unwrap();
    assert_eq!(revs.len(), 1);
    assert_eq!(revs[0].case, case("a", "O"));
    assert_eq!((revs[0].version, revs[0].provenance.as_str()), (1, "f.md"));
    assert_eq!(s.integrity_check().unwrap(), "ok");
}

fn a_failed_batch_changes_nothing(f: Fixture) {
    let mut s = f.open();
    s.apply([(&case("a", "O"), "f")]).unwrap();
    let g = s.generation().unwrap();
    let mut bad = case("b", "O");
    bad.domains = vec![Label::confirmed("not/a-slug")];
    let changed = case("a", "changed");
    assert!(s.apply([(&changed, "f"), (&bad, "f")]).is_err());
    assert_eq!(s.count().unwrap(), 1);
    assert_eq!(s.get("a").unwrap().unwrap().case.outcome, "O");
    assert!(s.revisions("a").unwrap().is_empty());
    assert_eq!(s.generation().unwrap(), g);
    assert!(matches!(
        s.changes_since(g, 100).unwrap(),
        Changes::UpToDate
    ));
    // The connection is usable afterwards.
    s.apply([(&case("c", "O"), "f")]).unwrap();
    assert_eq!(s.count().unwrap(), 2);
}

fn a_dry_run_reports_without_writing(f: Fixture) {
    let mut s = f.open();
    s.apply([(&case("a", "O"), "f")]).unwrap();
    let r = s
        .dry_run([(&case("a", "O2"), "f"), (&case("b", "O"), "f")])
        .unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (1, 1, 0));
    assert_eq!(s.count().unwrap(), 1);
    assert_eq!(s.generation().unwrap(), 1);
    assert_eq!(s.get("a").unwrap().unwrap().case.outcome, "O");
}

fn changes_are_recorded_by_generation(f: Fixture) {
    let mut s = f.open();
    assert!(matches!(s.changes_since(0, 10).unwrap(), Changes::UpToDate));
    s.apply([(&case("a", "O"), "f"), (&case("b", "O"), "f")])
        .unwrap();
    s.apply([(&case("a", "O2"), "f")]).unwrap();
    s.apply([(&case("c", "O"), "f")]).unwrap();
    // Another connection (another node) sees the same record.
    let other = f.open();
    match other.changes_since(1, 10).unwrap() {
        Changes::Cases { generation, cases } => {
            assert_eq!(generation, 3);
            let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(ids, ["a", "c"]);
            assert_eq!(cases[0].outcome, "O2", "each case as it is now");
        }
        other => panic!("{other:?}"),
    }
    match other.changes_since(0, 10).unwrap() {
        Changes::Cases { cases, .. } => assert_eq!(cases.len(), 3),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        other.changes_since(0, 2).unwrap(),
        Changes::Rebuild { generation: 3 }
    ));
    assert!(matches!(
        other.changes_since(3, 10).unwrap(),
        Changes::UpToDate
    ));
    assert!(matches!(
        other.changes_since(9, 10).unwrap(),
        Changes::Rebuild { generation: 3 }
    ));
}

pub(crate) fn submit(s: &mut Store, id: &str) {
    s.add_submission(
        id,
        &format!("Title {id}"),
        &serde_json::json!({ "title": format!("Title {id}") }),
        Some("ann@example.org"),
        "127.0.0.1",
    )
    .unwrap();
}

fn moderation_submits_approves_rejects_and_conflicts(f: Fixture) {
    let mut s = f.open();
    for id in ["s1", "s2", "s3"] {
        submit(&mut s, id);
    }
    assert!(
        s.add_submission("s1", "again", &serde_json::json!({}), None, "x")
            .is_err(),
        "public ids are unique"
    );
    assert_eq!(s.count_submissions(SubmissionStatus::Pending).unwrap(), 3);
    let pending = s.submissions(SubmissionStatus::Pending, 10).unwrap();
    assert_eq!(pending.len(), 3);
    assert_eq!(pending[0].doc["title"], "Title s1");
    assert_eq!(pending[0].contributor.as_deref(), Some("ann@example.org"));

    s.update_submission("s2", "Edited", &serde_json::json!({"title": "Edited"}))
        .unwrap();
    assert_eq!(s.submission("s2").unwrap().unwrap().title, "Edited");

    let g = s.generation().unwrap();
    let id = s
        .approve_submission("s1", "rita", &case("c1", "O"))
        .unwrap();
    assert_eq!(id, "c1");
    assert_eq!(s.generation().unwrap(), g + 1);
    let sub = s.submission("s1").unwrap().unwrap();
    assert_eq!(sub.status, SubmissionStatus::Approved);
    assert_eq!(
        (sub.reviewer.as_deref(), sub.case_id.as_deref()),
        (Some("rita"), Some("c1"))
    );
    let stored = s.get("c1").unwrap().unwrap();
    assert!(
        stored.provenance.contains("submission s1"),
        "{}",
        stored.provenance
    );
    match s.changes_since(g, 10).unwrap() {
        Changes::Cases { cases, .. } => assert_eq!(cases[0].id, "c1"),
        other => panic!("{other:?}"),
    }
    // A second approval with the same wanted id gets the next free one.
    assert_eq!(
        s.approve_submission("s2", "rita", &case("c1", "O"))
            .unwrap(),
        "c1-2"
    );

    assert!(matches!(
        s.approve_submission("s1", "bob", &case("x", "O")),
        Err(StoreError::AlreadyDecided(_))
    ));
    assert!(
        s.get("x").unwrap().is_none(),
        "a refused approval writes no case"
    );
    assert!(matches!(
        s.reject_submission("nope", "bob", "r"),
        Err(StoreError::NotFound(_))
    ));
    s.reject_submission("s3", "bob", "off topic").unwrap();
    let sub = s.submission("s3").unwrap().unwrap();
    assert_eq!(sub.status, SubmissionStatus::Rejected);
    assert_eq!(sub.reason.as_deref(), Some("off topic"));
    assert!(matches!(
        s.reject_submission("s3", "bob", "r"),
        Err(StoreError::AlreadyDecided(_))
    ));
    assert!(matches!(
        s.update_submission("s3", "t", &serde_json::json!({})),
        Err(StoreError::AlreadyDecided(_))
    ));
    assert!(matches!(
        s.update_submission("nope", "t", &serde_json::json!({})),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.count_submissions(SubmissionStatus::Pending).unwrap(), 0);
    assert_eq!(s.count_submissions(SubmissionStatus::Approved).unwrap(), 2);
    assert_eq!(s.integrity_check().unwrap(), "ok");
}

fn approvals_of_one_title_on_two_connections_get_distinct_ids(f: Fixture) {
    let mut s = f.open();
    for i in 0..8 {
        submit(&mut s, &format!("p{i}"));
    }
    let f = std::sync::Arc::new(f);
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let f = f.clone();
            std::thread::spawn(move || {
                let mut s = f.open();
                (0..4)
                    .map(|i| {
                        s.approve_submission(&format!("p{}", t * 4 + i), "r", &case("same", "O"))
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let ids: BTreeSet<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(ids.len(), 8, "{ids:?}");
    assert_eq!(s.count().unwrap(), 8);
    for id in &ids {
        assert_eq!(
            s.get(id).unwrap().unwrap().version,
            1,
            "{id} was not overwritten"
        );
    }
    assert_eq!(s.generation().unwrap(), 8);
    assert_eq!(s.integrity_check().unwrap(), "ok");
}

fn users_sessions_and_lockout(f: Fixture) {
    let mut s = f.open();
    s.add_user("rita", "reviewer", "hash1").unwrap();
    assert!(
        s.add_user("eve", "superuser", "h").is_err(),
        "roles are checked"
    );
    assert_eq!(
        s.login_failed("rita", 3, "2999-01-01T00:00:00Z").unwrap(),
        1
    );
    assert_eq!(
        s.login_failed("rita", 3, "2999-01-01T00:00:00Z").unwrap(),
        2
    );
    assert_eq!(s.user("rita").unwrap().unwrap().locked_until, None);
    assert_eq!(
        s.login_failed("rita", 3, "2999-01-01T00:00:00Z").unwrap(),
        3
    );
    let u = s.user("rita").unwrap().unwrap();
    assert_eq!(u.locked_until.as_deref(), Some("2999-01-01T00:00:00Z"));
    assert_eq!(s.login_failed("nobody", 3, "x").unwrap(), 0);
    s.login_succeeded("rita").unwrap();
    let u = s.user("rita").unwrap().unwrap();
    assert_eq!((u.failed_logins, u.locked_until), (0, None));

    s.add_session("live", "rita", "2999-01-01T00:00:00Z")
        .unwrap();
    s.add_session("old", "rita", "2000-01-01T00:00:00Z")
        .unwrap();
    assert!(s
        .add_session("x", "nobody", "2999-01-01T00:00:00Z")
        .is_err());
    let other = f.open();
    assert_eq!(other.session_user("live").unwrap().unwrap().name, "rita");
    assert!(other.session_user("old").unwrap().is_none(), "expired");
    s.delete_session("live").unwrap();
    assert!(other.session_user("live").unwrap().is_none());
    // Re-adding a user resets the password and the lock.
    s.add_user("rita", "admin", "hash2").unwrap();
    let u = other.user("rita").unwrap().unwrap();
    assert_eq!(
        (u.role.as_str(), u.password_hash.as_str()),
        ("admin", "hash2")
    );
}

fn backup_and_restore_round_trip(f: Fixture) {
    let mut s = f.open();
    s.apply([(&case("a", "O"), "f"), (&case("b", "O"), "f")])
        .unwrap();
    s.apply([(&case("a", "O2"), "g")]).unwrap();
    submit(&mut s, "s1");
    s.add_user("rita", "reviewer", "h").unwrap();
    s.set_meta("bundled_hash", "abc").unwrap();
    let backup = f.dir.path().join("backup.sqlite");
    s.backup_to(&backup).unwrap();

    // The backup is a SQLite store holding everything.
    let copy = Store::open(&backup).unwrap();
    assert_eq!(copy.integrity_check().unwrap(), "ok");
    assert_eq!(copy.count().unwrap(), 2);
    assert_eq!(copy.get("a").unwrap().unwrap().case, case("a", "O2"));
    assert_eq!(copy.get("a").unwrap().unwrap().version, 2);
    assert_eq!(copy.revisions("a").unwrap().len(), 1);
    assert_eq!(copy.submission("s1").unwrap().unwrap().title, "Title s1");
    assert!(copy.user("rita").unwrap().is_some());
    assert_eq!(copy.generation().unwrap(), 2);
    assert_eq!(copy.meta("bundled_hash").unwrap().as_deref(), Some("abc"));
    drop(copy);

    s.apply([(&case("c", "O"), "f")]).unwrap();
    s.reject_submission("s1", "r", "no").unwrap();
    let before = s.generation().unwrap();
    s.restore_from(&backup).unwrap();
    assert_eq!(s.count().unwrap(), 2);
    assert!(s.get("c").unwrap().is_none());
    assert_eq!(s.revisions("a").unwrap().len(), 1);
    assert_eq!(
        s.submission("s1").unwrap().unwrap().status,
        SubmissionStatus::Pending
    );
    let after = s.generation().unwrap();
    assert!(
        after > before,
        "a restore is a new generation ({before} → {after})"
    );
    assert!(
        matches!(
            s.changes_since(before, 100).unwrap(),
            Changes::Rebuild { .. }
        ),
        "followers rebuild after a restore"
    );
    // Writing goes on from there.
    s.apply([(&case("d", "O"), "f")]).unwrap();
    assert_eq!(s.generation().unwrap(), after + 1);
    assert_eq!(s.integrity_check().unwrap(), "ok");

    // A file that is not a store is refused and changes nothing.
    let junk = f.dir.path().join("junk.sqlite");
    std::fs::write(&junk, b"not a database at all, not even close to one").unwrap();
    assert!(s.restore_from(&junk).is_err());
    assert_eq!(s.count().unwrap(), 3);
}

fn reads_and_aggregates(f: Fixture) {
    let mut s = f.open();
    let mut m = case("m", "O");
    m.year = None;
    m.methods = vec![Label::confirmed("transformer")];
    s.apply([(&case("b", "O"), "f"), (&case("a", "O"), "f"), (&m, "f")])
        .unwrap();
    assert_eq!(s.count().unwrap(), 3);
    let all: Vec<String> = s.all().unwrap().into_iter().map(|c| c.case.id).collect();
    assert_eq!(all, ["a", "b", "m"]);
    let mut seen = Vec::new();
    s.for_each(|c| seen.push(c.id)).unwrap();
    assert_eq!(seen, ["a", "b", "m"]);
    let by_ids = s
        .cases_by_ids(&["m".into(), "zz".into(), "a".into()])
        .unwrap();
    assert_eq!(
        by_ids.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["m", "a"]
    );
    let sources = s.ids_and_sources().unwrap();
    assert_eq!(sources.len(), 3);
    assert_eq!(sources[0], ("a".into(), case("a", "O").source.facet()));
    // Same created_at: by year, newest first, no year last, then id.
    let newest: Vec<String> = s.newest(10).unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(newest, ["a", "b", "m"]);
    assert_eq!(s.newest_stored(1).unwrap().len(), 1);
    let counts = s
        .label_counts(Dimension::Domain, LabelState::Confirmed)
        .unwrap();
    assert_eq!(counts["healthcare"], 3);
    assert_eq!(counts["healthcare/medical-imaging"], 3);
    assert_eq!(
        s.label_counts(Dimension::Method, LabelState::Confirmed)
            .unwrap()["transformer"],
        1
    );
    let matrix = s.domain_cause_matrix().unwrap();
    assert_eq!(matrix["healthcare"]["model/shortcut-learning"], 3);
    assert_eq!(matrix.len(), 1);
    let dois = s.known_dois().unwrap();
    assert_eq!(dois["10.1000/a"], "a");
    assert_eq!(s.meta("nothing").unwrap(), None);
    s.set_meta("k", "v1").unwrap();
    s.set_meta("k", "v2").unwrap();
    assert_eq!(s.meta("k").unwrap().as_deref(), Some("v2"));
}

fn taxonomy_sync_refuses_to_drop_used_slugs(f: Fixture) {
    let mut s = f.open();
    s.apply([(&case("a", "O"), "f")]).unwrap();
    let err = s
        .sync_taxonomy(&notbetter_taxonomy::Taxonomy::parse("").unwrap())
        .unwrap_err();
    assert!(matches!(err, StoreError::SlugInUse { .. }), "{err}");
    assert_eq!(s.count().unwrap(), 1);
    s.sync_taxonomy(&bundled()).unwrap();
}
