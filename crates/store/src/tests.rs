//! Store tests: migrations, idempotent writes, revisions, rollback and counts.

use notbetter_taxonomy::{
    bundled, Case, Dimension, Evidence, Fact, Label, LabelState, Review, Verdict,
};

use crate::Store;

pub(crate) fn case(id: &str, outcome: &str) -> Case {
    let vibes = Label {
        value: "vibes".into(),
        state: LabelState::Unmapped,
        raw: None,
        evidence: vec![],
        matched: None,
    };
    Case::builder(id)
        .title(format!("Case {id}"))
        .year(2021)
        .domains(&["healthcare/medical-imaging"])
        .labels(
            Dimension::Cause,
            vec![Label::confirmed("model/shortcut-learning"), vibes],
        )
        .failure_modes(&["suboptimal-performance"])
        .tags(&["x-ray"])
        .elements("U", "S", outcome, "I")
        .reference(notbetter_taxonomy::Reference {
            doi: Some(format!("10.1000/{id}")),
            ..Default::default()
        })
        .build()
}

fn store() -> Store {
    let mut s = Store::open_in_memory().unwrap();
    s.sync_taxonomy(&bundled()).unwrap();
    s
}

#[test]
fn migrations_run_once_on_a_real_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.sqlite");
    {
        let mut s = Store::open(&path).unwrap();
        s.sync_taxonomy(&bundled()).unwrap();
        s.apply([(&case("a", "O"), "test")]).unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.count().unwrap(), 1);
    let version: i64 = s
        .connection()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 6);
    // The newest cases come from an index, not a sort of every case.
    let plan: Vec<String> = s
        .connection()
        .prepare(
            "EXPLAIN QUERY PLAN SELECT id, doc FROM cases ORDER BY created_at DESC, year DESC, id LIMIT 8",
        )
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(plan.iter().any(|p| p.contains("cases_newest")), "{plan:?}");
    assert!(!plan.iter().any(|p| p.contains("TEMP B-TREE")), "{plan:?}");
    let mode: String = s
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(s.integrity_check().unwrap(), "ok");
}

#[test]
fn reapplying_is_a_no_op_and_changes_keep_revisions() {
    let mut s = store();
    let r = s
        .apply([(&case("a", "O"), "f.md"), (&case("b", "O"), "f.md")])
        .unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (2, 0, 0));
    let g = s.generation().unwrap();
    let r = s
        .apply([(&case("a", "O"), "f.md"), (&case("b", "O"), "f.md")])
        .unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (0, 0, 2));
    assert_eq!(
        s.generation().unwrap(),
        g,
        "a no-op does not bump the generation"
    );
    let r = s.apply([(&case("a", "O2"), "g.md")]).unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (0, 1, 0));
    assert_eq!(r.changed, ["a"]);
    assert_eq!(s.generation().unwrap(), g + 1);
    let stored = s.get("a").unwrap().unwrap();
    assert_eq!(stored.case.outcome, "O2");
    assert_eq!(stored.version, 2);
    assert_eq!(stored.provenance, "g.md");
    let revs = s.revisions("a").unwrap();
    assert_eq!(revs.len(), 1);
    assert_eq!(revs[0].case.outcome, "O");
    assert_eq!(revs[0].provenance, "f.md");
}

#[test]
fn a_failed_run_changes_nothing() {
    let mut s = store();
    s.apply([(&case("a", "O"), "f")]).unwrap();
    let g = s.generation().unwrap();
    let mut bad = case("b", "O");
    bad.domains = vec![Label::confirmed("not/a-slug")];
    let changed = case("a", "changed");
    let err = s.apply([(&changed, "f"), (&bad, "f")]);
    assert!(err.is_err());
    assert_eq!(s.count().unwrap(), 1);
    assert_eq!(s.get("a").unwrap().unwrap().case.outcome, "O");
    assert!(s.revisions("a").unwrap().is_empty());
    assert_eq!(s.generation().unwrap(), g);
}

#[test]
fn labels_are_linked_with_state_and_primary_flag() {
    let mut s = store();
    s.apply([(&case("a", "O"), "f")]).unwrap();
    let rows: Vec<(String, Option<String>, String, bool)> = s
        .connection()
        .prepare("SELECT dimension, slug, state, is_primary FROM case_labels WHERE case_id = 'a' ORDER BY dimension, position")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows[0],
        (
            "cause".into(),
            Some("model/shortcut-learning".into()),
            "confirmed".into(),
            true
        )
    );
    assert_eq!(rows[1], ("cause".into(), None, "unmapped".into(), false));
    let counts = s
        .label_counts(Dimension::Domain, LabelState::Confirmed)
        .unwrap();
    assert_eq!(counts["healthcare"], 1);
    assert_eq!(counts["healthcare/medical-imaging"], 1);
    assert_eq!(s.known_dois().unwrap()["10.1000/a"], "a");
}

#[test]
fn taxonomy_sync_refuses_to_drop_used_slugs() {
    let mut s = store();
    s.apply([(&case("a", "O"), "f")]).unwrap();
    let smaller = notbetter_taxonomy::Taxonomy::parse(
        r#"[[failure_mode]]
slug = "suboptimal-performance"
name = "S"
description = "d""#,
    )
    .unwrap();
    let err = s.sync_taxonomy(&smaller).unwrap_err().to_string();
    assert!(err.contains("still used"), "{err}");
    // Nothing was removed.
    let n: i64 = s
        .connection()
        .query_row("SELECT count(*) FROM taxonomy", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n as usize, bundled().entries().len());
}

#[test]
fn the_matrix_counts_each_case_once_per_cell() {
    let mut s = store();
    let mut b = case("b", "O");
    b.domains = vec![
        Label::confirmed("healthcare/medical-imaging"),
        Label::confirmed("healthcare/dermatology"),
    ];
    s.apply([(&case("a", "O"), "f"), (&b, "f")]).unwrap();
    let m = s.domain_cause_matrix().unwrap();
    assert_eq!(
        m["healthcare"]["model/shortcut-learning"], 2,
        "b counts once in spite of two sub-domains"
    );
    assert_eq!(m.len(), 1);
    assert!(
        !m["healthcare"].contains_key("vibes"),
        "unmapped labels are not counted"
    );
}

#[test]
fn methods_review_and_unknown_evidence_round_trip() {
    let mut s = store();
    let mut c = case("m", "O");
    c.methods = vec![
        Label::confirmed("cnn"),
        Label {
            value: "abacus".into(),
            state: LabelState::Unmapped,
            raw: None,
            evidence: vec![],
            matched: None,
        },
    ];
    c.evidence = Evidence {
        code_available: Some(Fact::True),
        data_available: Some(Fact::False),
        external_validation: Some(Fact::Unknown),
        unknown_reason: Some("the paper does not say".into()),
    };
    c.review = Some(Review {
        date: "2026-01-02".into(),
        against: vec!["https://doi.org/10.1000/m".into(), "2104.01234".into()],
        verdict: Verdict::Corrected,
        notes: "year corrected".into(),
    });
    s.apply([(&c, "f")]).unwrap();
    assert_eq!(s.get("m").unwrap().unwrap().case, c);
    let methods: Vec<(Option<String>, String)> = s
        .connection()
        .prepare("SELECT slug, state FROM case_labels WHERE case_id = 'm' AND dimension = 'method' ORDER BY position")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        methods,
        [
            (Some("cnn".into()), "confirmed".into()),
            (None, "unmapped".into())
        ]
    );
    assert_eq!(
        s.label_counts(Dimension::Method, LabelState::Confirmed)
            .unwrap()["cnn"],
        1
    );
    // A method that is not in the taxonomy cannot be stored as confirmed.
    let mut bad = case("bad", "O");
    bad.methods = vec![Label::confirmed("abacus")];
    assert!(s.apply([(&bad, "f")]).is_err());
}

#[test]
fn cases_without_the_new_fields_keep_their_canonical_json() {
    // Cases stored before methods and reviews existed hash the same afterwards, so upgrading
    // does not turn every case into a new revision.
    let doc = serde_json::to_value(case("a", "O")).unwrap();
    for key in ["methods", "review"] {
        assert!(doc.get(key).is_none(), "{key} in {doc}");
    }
    assert!(doc["evidence"].as_object().unwrap().is_empty());
}

#[test]
fn migration_4_keeps_labels_and_admits_methods() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.sqlite");
    // A database as the previous release left it: version 3, labels in use.
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        crate::schema::migrations()
            .to_version(&mut conn, 3)
            .unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        let mut old = crate::Sqlite { conn };
        let without_methods = notbetter_taxonomy::Taxonomy::from_entries(
            bundled()
                .entries()
                .iter()
                .filter(|e| e.dimension != Dimension::Method)
                .cloned()
                .collect(),
        )
        .unwrap();
        old.sync_taxonomy(&without_methods).unwrap();
        assert!(
            old.sync_taxonomy(&bundled()).is_err(),
            "version 3 refuses the method dimension"
        );
        // Written as that release wrote it (it had no record of changes).
        let tx = old.conn.transaction().unwrap();
        crate::cases::apply_in(&tx, [(&case("a", "O"), "f")]).unwrap();
        tx.commit().unwrap();
    }
    // A backup from before the migration restores too.
    let copy = dir.path().join("v3-backup.sqlite");
    std::fs::copy(&path, &copy).unwrap();
    let mut restored = store();
    restored.restore_from(&copy).unwrap();
    assert_eq!(restored.get("a").unwrap().unwrap().case, case("a", "O"));

    let mut s = Store::open(&path).unwrap();
    let fk: i64 = s
        .connection()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1, "foreign keys are on again after the migrations");
    assert_eq!(s.get("a").unwrap().unwrap().case, case("a", "O"));
    s.sync_taxonomy(&bundled()).unwrap();
    let mut m = case("m", "O");
    m.methods = vec![Label::confirmed("transformer")];
    s.apply([(&m, "f")]).unwrap();
    assert_eq!(
        s.label_counts(Dimension::Method, LabelState::Confirmed)
            .unwrap()["transformer"],
        1
    );
    // The taxonomy rows the labels point at survived the rebuild.
    assert!(s
        .sync_taxonomy(&notbetter_taxonomy::Taxonomy::parse("").unwrap())
        .is_err());
    assert_eq!(s.integrity_check().unwrap(), "ok");
}
