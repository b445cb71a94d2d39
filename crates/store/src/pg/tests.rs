//! PostgreSQL-only tests: `migrate --to` and a lost connection.

use crate::suite::{sqlite, submit};
use crate::tests::case;
use crate::{Changes, Store, StoreError};

/// `migrate --to`: a SQLite store into an empty PostgreSQL database, counts checked; a
/// database that holds anything is refused and left as it was.
#[test]
fn migrate_copies_a_sqlite_store_into_an_empty_postgres_database() {
    let Some(url) = crate::pg_harness::fresh_database() else {
        return;
    };
    let src = sqlite().unwrap();
    let mut s = src.open();
    s.apply([(&case("a", "O"), "f"), (&case("b", "O"), "f")])
        .unwrap();
    s.apply([(&case("a", "O2"), "g")]).unwrap();
    submit(&mut s, "s1");
    s.approve_submission("s1", "rita", &case("c", "O")).unwrap();
    s.add_user("rita", "reviewer", "h").unwrap();
    s.add_session("tok", "rita", "2999-01-01T00:00:00Z")
        .unwrap();
    drop(s);
    let path = src.dir.path().join("nb.sqlite");
    let report = crate::pg::migrate_sqlite_to_postgres(&path, &url).unwrap();
    assert_eq!(report.generation, 3);
    let rows = |t: &str| report.tables.iter().find(|(n, _)| *n == t).unwrap().1;
    assert_eq!(
        (rows("cases"), rows("revisions"), rows("changes")),
        (3, 1, 4)
    );

    let mut pg = Store::open_postgres(&url).unwrap();
    assert_eq!(pg.generation().unwrap(), 3);
    assert_eq!(pg.get("a").unwrap().unwrap().case, case("a", "O2"));
    assert_eq!(pg.revisions("a").unwrap()[0].case, case("a", "O"));
    assert_eq!(pg.session_user("tok").unwrap().unwrap().name, "rita");
    assert_eq!(
        pg.submission("s1").unwrap().unwrap().case_id.as_deref(),
        Some("c")
    );
    assert!(matches!(
        pg.changes_since(1, 10).unwrap(),
        Changes::Cases { .. }
    ));
    assert_eq!(pg.integrity_check().unwrap(), "ok");
    // The serial ids go on after the copied rows.
    submit(&mut pg, "s2");
    pg.apply([(&case("b", "O3"), "h")]).unwrap();
    assert_eq!(pg.generation().unwrap(), 4);

    let err = crate::pg::migrate_sqlite_to_postgres(&path, &url).unwrap_err();
    assert!(matches!(err, StoreError::NotEmpty(_)), "{err}");
    assert!(err.to_string().contains("row(s) in cases"), "{err}");
    assert_eq!(pg.count().unwrap(), 3, "the refused target is unchanged");

    let err = crate::pg::migrate_sqlite_to_postgres(&path, "mysql://x/y").unwrap_err();
    assert!(matches!(err, StoreError::BadUrl { .. }), "{err}");
    let missing = src.dir.path().join("missing.sqlite");
    let empty = crate::pg_harness::fresh_database().unwrap();
    assert!(crate::pg::migrate_sqlite_to_postgres(&missing, &empty).is_err());
    assert!(!missing.exists(), "a missing source is not created");
}

/// A connection the server dropped (a restart, an administrator) is reopened on the next call.
#[test]
fn a_dropped_connection_is_reopened() {
    let Some(url) = crate::pg_harness::fresh_database() else {
        return;
    };
    let mut s = Store::open_postgres(&url).unwrap();
    s.sync_taxonomy(&notbetter_taxonomy::bundled()).unwrap();
    s.apply([(&case("a", "O"), "f")]).unwrap();
    let admin = Store::open_postgres(&url).unwrap();
    let killed = admin
        .pg_query_text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .unwrap();
    assert_eq!(killed, [Some("1".to_string())]);
    // Termination is a signal: wait until the backend is gone.
    let others = "SELECT count(*) FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid()";
    let started = std::time::Instant::now();
    while admin.pg_query_text(others).unwrap() != [Some("0".to_string())] {
        assert!(started.elapsed().as_secs() < 10, "the backend did not exit");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // The call that finds the connection gone fails; the next one reconnects.
    assert!(s.count().is_err());
    assert_eq!(s.count().unwrap(), 1);
    s.apply([(&case("b", "O"), "f")]).unwrap();
    assert_eq!(s.count().unwrap(), 2);
}
