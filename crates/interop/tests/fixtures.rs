//! The importers on the small synthetic fixtures in `tests/data/imports` (one per format, each
//! with one malformed record), so that the mapping is checked in every checkout.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use notbetter_ingest::{Batch, Checker, Location};
use notbetter_interop::{import_paths, Peer};
use notbetter_taxonomy::{Case, LabelState};

fn fixtures(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/imports")
        .join(sub)
}

fn import(peer: Peer) -> (Batch, BTreeMap<String, Case>) {
    let taxonomy = notbetter_taxonomy::bundled();
    let mut checker = Checker::new(&taxonomy, peer.source(), HashMap::new());
    let batch = import_paths(peer, &[fixtures(peer.name())], &mut checker, &taxonomy);
    let cases = batch
        .cases
        .iter()
        .map(|p| (p.case.id.clone(), p.case.clone()))
        .collect();
    (batch, cases)
}

fn causes(c: &Case) -> Vec<(&str, LabelState)> {
    c.causes
        .iter()
        .map(|l| (l.value.as_str(), l.state))
        .collect()
}

fn slugs(labels: &[notbetter_taxonomy::Label]) -> Vec<&str> {
    labels.iter().map(|l| l.value.as_str()).collect()
}

#[test]
fn avid_fixtures() {
    let (batch, cases) = import(Peer::Avid);
    assert_eq!(
        cases.keys().collect::<Vec<_>>(),
        ["avid-2024-r9001", "avid-2024-r9002", "avid-2024-v901"]
    );
    let errors: Vec<_> = batch.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].file.ends_with("AVID-2024-R9003.json"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].message.contains("malformed AVID record"),
        "{}",
        errors[0]
    );

    let r1 = &cases["avid-2024-r9001"];
    use LabelState::*;
    assert_eq!(
        causes(r1),
        [
            ("data/distribution-shift", Confirmed),
            ("model/fairness", Confirmed)
        ]
    );
    assert_eq!(r1.causes[0].raw.as_deref(), Some("P0101: Data drift"));
    assert_eq!(
        slugs(&r1.failure_modes),
        ["suboptimal-performance", "ethical-societal"]
    );
    assert!(
        r1.tags.contains(&"L05: Evaluation".to_string()),
        "{:?}",
        r1.tags
    );
    assert!(
        r1.outcome
            .contains("fixture.Probe: 40 of 50 passed (score 80.0)"),
        "{}",
        r1.outcome
    );
    assert_eq!(
        r1.references.len(),
        1,
        "the relative screenshot path is left out"
    );
    assert_eq!(r1.year, Some(2024));
    assert_eq!(r1.source_id.as_deref(), Some("AVID-2024-R9001"));
    assert_eq!(
        r1.source_url.as_deref(),
        Some("https://github.com/avidml/avid-db/blob/main/reports/2024/AVID-2024-R9001.json")
    );
    assert_eq!(r1.licence.as_deref(), Some("MIT"));
    assert!(r1.incomplete && r1.use_case.is_empty() && r1.solution.is_empty());

    // A harm, not a cause: kept unmapped, and a cause inferred from the text beside it.
    let r2 = &cases["avid-2024-r9002"];
    assert_eq!(
        causes(r2),
        [
            ("E0301: Toxicity", Unmapped),
            ("model/shortcut-learning", Inferred)
        ]
    );
    assert_eq!(slugs(&r2.domains), ["language-technology"]);
    // An LLM Evaluation report states its model family; the others state none.
    assert_eq!(slugs(&r2.methods), ["transformer"]);
    assert!(r1.methods.is_empty());

    let v = &cases["avid-2024-v901"];
    assert_eq!(
        causes(v),
        [
            ("model/robustness", Confirmed),
            ("deployment/security", Confirmed)
        ]
    );
    assert_eq!(v.references[0].arxiv.as_deref(), Some("1707.08945"));
    assert!(v
        .source_url
        .as_deref()
        .unwrap()
        .contains("/vulnerabilities/2024/"));
}

#[test]
fn atlas_fixtures() {
    let (batch, cases) = import(Peer::Atlas);
    // CS9000 is in the compiled file and in a raw file: imported once, from the compiled one.
    assert_eq!(
        cases.keys().collect::<Vec<_>>(),
        ["atlas-aml-cs9000", "atlas-aml-cs9001", "atlas-aml-cs9003"]
    );
    let errors: Vec<_> = batch.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].file.ends_with("ATLAS.yaml"));
    assert_eq!(errors[0].location, Location::Record(3));

    use LabelState::*;
    let evasion = &cases["atlas-aml-cs9000"];
    assert_eq!(evasion.title, "Evasion of a fixture spam filter");
    assert_eq!(
        causes(evasion),
        [
            ("deployment/security", Confirmed),
            ("model/robustness", Confirmed)
        ]
    );
    assert!(evasion.outcome.starts_with(
        "1. AI Attack Staging (AML.TA0001): Craft Adversarial Data: Manual Modification \
         (AML.T0043.003)\nThe team edited messages by hand."
    ));
    assert!(evasion
        .use_case
        .starts_with("A synthetic case study for tests"));
    assert_eq!(slugs(&evasion.failure_modes), ["safety-reliability"]);
    assert_eq!(evasion.year, Some(2021));
    assert_eq!(
        evasion.source_url.as_deref(),
        Some("https://atlas.mitre.org/studies/AML.CS9000")
    );
    assert!(evasion.incomplete, "no proposed solution or investigation");

    // Poisoning is an attack but not crafted input.
    assert_eq!(
        causes(&cases["atlas-aml-cs9001"]),
        [("deployment/security", Confirmed)]
    );

    let raw = &cases["atlas-aml-cs9003"];
    assert!(
        raw.outcome.starts_with(
            "1. defense evasion: llm jailbreak\nA role-play prompt made the llm jailbreak work."
        ),
        "{}",
        raw.outcome
    );
}

#[test]
fn aiid_fixtures() {
    let (batch, cases) = import(Peer::Aiid);
    assert_eq!(
        cases.keys().collect::<Vec<_>>(),
        ["aiid-9001", "aiid-9002", "aiid-9003"]
    );
    let errors: Vec<_> = batch.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].location, Location::Record(4));
    assert!(errors[0].file.ends_with("incidents.json"));
    // The GMF taxonomy definition is recognised and passed over without a word.
    assert!(batch
        .diagnostics
        .iter()
        .all(|d| !d.file.ends_with("gmf-taxonomy.json")));

    use LabelState::*;
    let annotated = &cases["aiid-9001"];
    assert_eq!(
        causes(annotated),
        [
            ("data/bias", Confirmed),
            ("Tuning Issues", Unmapped),
            ("data/distribution-shift", Inferred)
        ]
    );
    assert_eq!(
        annotated.causes[0].raw.as_deref(),
        Some("Distributional Bias")
    );
    assert_eq!(
        annotated.tags,
        ["Fixture Bank", "harmed: Loan applicants", "Credit Scoring"]
    );
    assert_eq!(
        annotated.references.len(),
        1,
        "the report without a link is left out"
    );
    assert_eq!(annotated.references[0].authors, ["A. Reporter"]);
    assert_eq!(annotated.licence.as_deref(), Some("CC-BY-SA-4.0"));
    assert_eq!(
        annotated.source_url.as_deref(),
        Some("https://incidentdatabase.ai/cite/9001/")
    );
    assert!(annotated.incomplete && annotated.outcome.is_empty());

    let inferred = &cases["aiid-9002"];
    assert_eq!(causes(inferred), [("model/fairness", Inferred)]);
    assert_eq!(inferred.causes[0].evidence, ["racial bias"]);
    assert!(
        cases["aiid-9003"].causes.is_empty(),
        "nothing to infer from: left empty"
    );
}

#[test]
fn importing_twice_gives_identical_cases() {
    for peer in Peer::ALL {
        assert_eq!(import(peer).1, import(peer).1, "{}", peer.name());
    }
}
