//! Knowledge-base tests on a real data directory: writes reach the index, and an index that
//! lags the store is rebuilt on open.

use notbetter_search::SearchRequest;
use notbetter_taxonomy::bundled;

use crate::{IndexState, KnowledgeBase};

pub(crate) const CASE: &str = r#"+++
id = "kb-case"
title = "Zebrafish counting model fails at a new lab"
year = 2022
domains = ["biology"]
causes = ["covariate shift"]
[[references]]
url = "https://example.org/zebrafish"
+++
## Use case
Counting fish. In tanks.
## Proposed solution
A CNN. Off the shelf.
## Outcome
It miscounted. Often.
## Why it failed
New lighting. New tanks.
"#;

/// A minimal case with the id `id`.
pub(crate) fn case(id: &str) -> notbetter_taxonomy::Case {
    notbetter_taxonomy::Case::builder(id)
        .title(format!("Case {id}"))
        .year(2020)
        .domains(&["biology"])
        .causes(&["data/distribution-shift"])
        .elements(
            "Counting fish.",
            "A CNN.",
            "It miscounted.",
            "New lighting in the new lab.",
        )
        .build()
}

fn files(text: &str) -> Vec<(String, String)> {
    vec![("bundled/kb-case.md".to_string(), text.to_string())]
}

#[test]
fn seeding_is_idempotent_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open(dir.path(), bundled()).unwrap();
    let (report, _) = kb.seed(&files(CASE)).unwrap().unwrap();
    assert_eq!(report.added, 1);
    assert!(kb.seed(&files(CASE)).unwrap().is_none());
    let r = kb.search(&SearchRequest::new("zebrafish")).unwrap();
    assert_eq!(r.total, 1);
    // A changed bundled file updates the case and keeps a revision.
    let changed = CASE.replace("It miscounted. Often.", "It miscounted. Always.");
    let (report, _) = kb.seed(&files(&changed)).unwrap().unwrap();
    assert_eq!(report.updated, 1);
    assert_eq!(kb.revisions("kb-case").unwrap().len(), 1);
}

#[test]
fn an_index_behind_the_store_is_rebuilt_on_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let kb = KnowledgeBase::open(dir.path(), bundled()).unwrap();
        kb.seed(&files(CASE)).unwrap();
    }
    // Simulate a crash after the store committed but before the index did.
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let kb = KnowledgeBase::open(dir.path(), bundled()).unwrap();
    assert_eq!(kb.opened, IndexState::Rebuilt { cases: 1 });
    assert_eq!(
        kb.search(&SearchRequest::new("zebrafish")).unwrap().total,
        1
    );
    drop(kb);
    let kb = KnowledgeBase::open(dir.path(), bundled()).unwrap();
    assert_eq!(kb.opened, IndexState::UpToDate);
}

#[test]
fn filter_values_resolve_through_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open(dir.path(), bundled()).unwrap();
    use notbetter_taxonomy::Dimension::*;
    assert_eq!(kb.resolve(Domain, "healthcare").unwrap(), "healthcare");
    assert_eq!(
        kb.resolve(Domain, "radiology").unwrap(),
        "healthcare/medical-imaging"
    );
    let e = kb.resolve(Cause, "covariate shfit").unwrap_err();
    assert!(e.is_user_error());
    assert!(
        e.to_string()
            .contains("did you mean data/distribution-shift"),
        "{e}"
    );
}

#[test]
fn label_counts_from_the_index_equal_the_stores() {
    let dir = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open(dir.path(), bundled()).unwrap();
    let files: Vec<(String, String)> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cases"))
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                (
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&path).unwrap(),
                )
            })
            .collect();
    kb.seed(&files).unwrap();
    for dim in notbetter_taxonomy::Dimension::ALL {
        let stored = kb
            .store()
            .label_counts(dim, notbetter_taxonomy::LabelState::Confirmed)
            .unwrap();
        assert!(!stored.is_empty(), "{dim}");
        assert_eq!(kb.label_counts(dim).unwrap(), stored, "{dim}");
    }
}

#[test]
fn restore_is_refused_while_another_process_holds_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.sqlite");
    // The "server": it holds the index writer once it has written.
    let server = KnowledgeBase::open(&dir.path().join("data"), bundled()).unwrap();
    server.write(&[(case("kept"), "test".into())]).unwrap();
    server.backup_to(&backup).unwrap();
    server.write(&[(case("newer"), "test".into())]).unwrap();
    // A second opener of the same directory (the CLI) cannot restore under it.
    let cli = KnowledgeBase::open(&dir.path().join("data"), bundled()).unwrap();
    let err = cli.restore_from(&backup).unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::Conflict, "{err}");
    assert!(err.to_string().contains("not changed"), "{err}");
    assert_eq!(cli.count().unwrap(), 2, "the database is unchanged");
    assert!(server.get("newer").unwrap().is_some());
    // With the server gone, the restore goes through and the index follows.
    drop(server);
    assert_eq!(cli.restore_from(&backup).unwrap(), 1);
    assert!(cli.get("newer").unwrap().is_none());
    assert_eq!(cli.indexed(), 1);
}

#[test]
fn exports_hold_exactly_what_the_search_counts() {
    let dir = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open(dir.path(), bundled()).unwrap();
    let mut cases = Vec::new();
    for i in 0..600 {
        let mut c = case(&format!("case-{i:03}"));
        if i % 3 == 0 {
            c.investigation = "Patients leaked across the split.".into();
        }
        if i % 2 == 0 {
            c.domains = vec![notbetter_taxonomy::Label::confirmed("healthcare")];
        }
        cases.push((c, "test".to_string()));
    }
    kb.write(&cases).unwrap();
    for req in [
        SearchRequest::new("leaked").filter(crate::FacetDim::Domain, "healthcare"),
        SearchRequest::new("leaked"),
        SearchRequest::default().filter(crate::FacetDim::Domain, "healthcare"),
        SearchRequest::default(),
        SearchRequest::new("nothing-matches-this"),
    ] {
        let total = kb.search(&req).unwrap().total as usize;
        let (n, out) = kb
            .export(&req, crate::ExportFormat::Jsonl, Vec::new())
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(n, total, "{req:?}");
        assert_eq!(text.lines().count(), total, "{req:?}");
        let (n, out) = kb
            .export(&req, crate::ExportFormat::Csv, Vec::new())
            .unwrap();
        assert_eq!(n, total);
        let rows = csv::Reader::from_reader(out.as_slice()).records().count();
        assert_eq!(rows, total, "one CSV row per case, after the header");
    }
    let leaked_health = kb
        .matching_ids(&SearchRequest::new("leaked").filter(crate::FacetDim::Domain, "healthcare"))
        .unwrap();
    assert_eq!(leaked_health.len(), 100, "every sixth case");
    assert!(leaked_health
        .iter()
        .all(|id| id[5..].parse::<usize>().unwrap() % 6 == 0));
}
