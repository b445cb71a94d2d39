//! The importers on the full real record sets in `../shared/imports` (AVID, MITRE ATLAS, AIID):
//! every record imports without a panic or an error, and a known share gets a mapped cause.
//! When the folder is absent (a checkout without the shared data), the tests skip and say so.

use std::collections::HashMap;
use std::path::PathBuf;

use notbetter_ingest::{Batch, Checker};
use notbetter_interop::{import_paths, Peer};
use notbetter_taxonomy::{Case, LabelState, Source};

fn imports() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("../shared/imports");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: the real record sets are not at {} (they live in the shared folder beside \
             the repository)",
            dir.display()
        );
        None
    }
}

struct Figures {
    batch: Batch,
    confirmed: usize,
    mapped: usize,
    incomplete: usize,
}

fn import(peer: Peer, sub: &str) -> Option<Figures> {
    let dir = imports()?.join(sub);
    let taxonomy = notbetter_taxonomy::bundled();
    let mut checker = Checker::new(&taxonomy, peer.source(), HashMap::new());
    let batch = import_paths(peer, &[dir], &mut checker, &taxonomy);
    let cases = || batch.cases.iter().map(|p| &p.case);
    let has = |c: &&notbetter_taxonomy::Case, states: &[LabelState]| {
        c.causes.iter().any(|l| states.contains(&l.state))
    };
    let confirmed = cases().filter(|c| has(c, &[LabelState::Confirmed])).count();
    let mapped = cases()
        .filter(|c| has(c, &[LabelState::Confirmed, LabelState::Inferred]))
        .count();
    let incomplete = cases().filter(|c| c.incomplete).count();
    let n = batch.cases.len().max(1) as f64;
    eprintln!(
        "{}: {} records imported, {} error(s), {} warning(s); at least one mapped cause: {} \
         ({:.1}%), of which confirmed {} ({:.1}%); incomplete {}",
        peer.name(),
        batch.cases.len(),
        batch.errors().count(),
        batch.warnings().count(),
        mapped,
        100.0 * mapped as f64 / n,
        confirmed,
        100.0 * confirmed as f64 / n,
        incomplete,
    );
    for e in batch.errors().take(10) {
        eprintln!("  {e}");
    }
    for case in batch.cases.iter().map(|p| &p.case) {
        assert_eq!(case.source, Source::Imported(peer.name().into()));
        assert_eq!(case.licence.as_deref(), Some(peer.licence()));
        assert!(
            case.source_id.is_some() && case.source_url.is_some(),
            "{}",
            case.id
        );
        assert!(
            case.id.starts_with(&format!("{}-", peer.name())),
            "{}",
            case.id
        );
        assert_eq!(
            case.incomplete,
            !case.missing_elements().is_empty(),
            "{}",
            case.id
        );
    }
    Some(Figures {
        confirmed,
        mapped,
        incomplete,
        batch,
    })
}

// The floors below sit just under today's figures (AVID 1,524 of 1,757 with a mapped cause,
// 1,509 confirmed from the SEP view; ATLAS 57 of 57; AIID 81 of 1,137, 23 confirmed from GMF
// labels), so that a taxonomy edit that adds aliases does not break them but a broken mapping
// does.

#[test]
fn avid_reports_and_vulnerabilities_import() {
    let Some(f) = import(Peer::Avid, "avid") else {
        return;
    };
    // 1,717 reports and 40 vulnerabilities, as the shared README lists.
    assert_eq!(f.batch.cases.len(), 1757);
    assert_eq!(f.batch.errors().count(), 0);
    assert!(f.confirmed >= 1500, "{}", f.confirmed);
    assert!(f.mapped >= 1500, "{}", f.mapped);
    // AVID has no use case, solution or investigation: every record is incomplete.
    assert_eq!(f.incomplete, 1757);
    // The 39 package-hallucination probe reports carry no SEP code; the probe's module names
    // the cause, kept with the probe as the source's wording.
    let package: Vec<&Case> = f
        .batch
        .cases
        .iter()
        .map(|p| &p.case)
        .filter(|c| c.title.contains("`packagehallucination."))
        .collect();
    assert_eq!(package.len(), 39);
    for c in package {
        let label = c
            .causes
            .iter()
            .find(|l| l.value == "model/hallucination")
            .unwrap_or_else(|| panic!("{}: {:?}", c.id, c.causes));
        assert_eq!(label.state, LabelState::Confirmed);
        assert!(label
            .raw
            .as_deref()
            .is_some_and(|r| r.starts_with("garak probe packagehallucination.")));
    }
}

#[test]
fn atlas_case_studies_import() {
    let Some(f) = import(Peer::Atlas, "atlas") else {
        return;
    };
    // The compiled ATLAS.yaml holds the 57 case studies; the raw files repeat them.
    assert_eq!(f.batch.cases.len(), 57);
    assert_eq!(f.batch.errors().count(), 0);
    assert_eq!(f.confirmed, 57, "every case study is an attack");
    assert_eq!(f.incomplete, 57);
    let cases = || f.batch.cases.iter().map(|p| &p.case);
    assert!(cases().all(|c| !c.outcome.contains("{{") && !c.use_case.contains("{{")));
    let robustness = cases()
        .filter(|c| c.causes.iter().any(|l| l.value == "model/robustness"))
        .count();
    eprintln!("atlas: {robustness} of 57 also model/robustness");
    assert!(robustness >= 30, "{robustness}");
}

#[test]
fn aiid_incidents_import() {
    let Some(f) = import(Peer::Aiid, "aiid") else {
        return;
    };
    assert_eq!(f.batch.cases.len(), 1137);
    assert_eq!(f.batch.errors().count(), 0);
    assert!(f.confirmed >= 20, "{}", f.confirmed);
    assert!(f.mapped >= 75, "{}", f.mapped);
    assert_eq!(f.incomplete, 1137, "the export has no text beyond titles");
}
