//! Tests of the importers' mapping tables and of how a draft becomes a case.

use std::collections::HashMap;

use notbetter_ingest::{Batch, Checker, Location, Severity};
use notbetter_taxonomy::{Dimension, LabelState, Taxonomy};
use serde_json::json;

use super::aiid::{gmf_cause, GMF_CAUSES};
use super::atlas::words;
use super::avid::{metric_line, sep_causes};
use super::*;

/// Every SEP code of AVID's taxonomy (avidtools `SepEnum`).
const SEP_CODES: &[&str] = &[
    "S0100", "S0200", "S0201", "S0202", "S0300", "S0301", "S0302", "S0400", "S0401", "S0402",
    "S0403", "S0500", "S0501", "S0502", "S0600", "S0601", "P0100", "P0101", "P0102", "P0103",
    "P0104", "P0105", "P0200", "P0201", "P0202", "P0203", "P0204", "P0300", "P0301", "P0302",
    "P0303", "P0400", "P0401", "P0402", "P0403", "P0404", "E0100", "E0101", "E0102", "E0200",
    "E0201", "E0202", "E0300", "E0301", "E0302", "E0400", "E0401", "E0402",
];

fn taxonomy() -> Taxonomy {
    notbetter_taxonomy::bundled()
}

#[test]
fn every_mapped_slug_is_in_the_taxonomy() {
    let t = taxonomy();
    let mut slugs: Vec<&str> = SEP_CODES
        .iter()
        .flat_map(|c| sep_causes(c).iter().copied())
        .collect();
    slugs.extend(GMF_CAUSES.iter().map(|(_, s)| *s));
    slugs.extend(["deployment/security", "model/robustness"]);
    for slug in slugs {
        assert!(t.get(Dimension::Cause, slug).is_some(), "{slug}");
    }
    assert!(t.get(Dimension::Domain, "language-technology").is_some());
    for mode in [
        "safety-reliability",
        "ethical-societal",
        "suboptimal-performance",
    ] {
        assert!(t.get(Dimension::FailureMode, mode).is_some(), "{mode}");
    }
}

#[test]
fn sep_codes_map_to_causes_and_harms_to_none() {
    let table: &[(&str, &[&str])] = &[
        ("P0101", &["data/distribution-shift"]),
        ("E0101", &["model/fairness"]),
        ("S0403", &["model/robustness", "deployment/security"]),
        ("S0100", &["deployment/security"]),
        ("E0402", &["model/hallucination"]),
        ("P0204", &[]),
        ("E0301", &[]),
        ("P0401", &[]),
        ("X9999", &[]),
    ];
    for (code, want) in table {
        assert_eq!(sep_causes(code), *want, "{code}");
    }
}

#[test]
fn gmf_failures_map_through_aliases_and_the_table() {
    let t = taxonomy();
    let table = [
        ("Covariate Shift", Some("data/distribution-shift")),
        ("Concept Drift", Some("data/distribution-shift")),
        ("Generalization Failure", Some("data/distribution-shift")),
        ("Dataset Imbalance", Some("data/class-imbalance")),
        ("Data or Labelling Noise", Some("data/label-quality")),
        ("Distributional Bias", Some("data/bias")),
        ("Hardware Failure", Some("deployment/hardware-constraints")),
        ("Underspecification", Some("model/underspecification")),
        ("Misaligned Objective", Some("model/objective-misalignment")),
        ("Robustness Failure", Some("model/robustness")),
        ("Black Box", Some("model/interpretability")),
        ("Lack of Adversarial Robustness", Some("model/robustness")),
        ("Limited Dataset", Some("data/data-scarcity")),
        ("Overfitting", None),
        ("Tuning Issues", None),
        ("Context Misidentification", None),
    ];
    for (label, want) in table {
        assert_eq!(gmf_cause(&t, label).as_deref(), want, "{label}");
    }
}

#[test]
fn metrics_render_as_given() {
    let rows = json!({"name": "", "detection_method": {"type": "Static Threshold", "name": "Count failed"},
        "results": {"rows": [{"detector": "d.X", "passed": 56, "total_evaluated": 58, "score": 96.55172413793103}]}});
    assert_eq!(
        metric_line(&rows).as_deref(),
        Some("- (Static Threshold: Count failed): d.X: 56 of 58 passed (score 96.55172413793103)")
    );
    let scorer = json!({"scorer": "combined_scorer", "metrics": "avg_score", "value": 0.5});
    assert_eq!(
        metric_line(&scorer).as_deref(),
        Some("- combined_scorer avg_score: 0.5")
    );
    assert_eq!(metric_line(&json!({})), None);
}

#[test]
fn placeholders_show_as_words() {
    assert_eq!(
        words("{{victim_research_preprint.id}}"),
        "victim research preprint"
    );
    assert_eq!(
        words("the {{llm_jailbreak.name}} worked"),
        "the llm jailbreak worked"
    );
    assert_eq!(
        words("no placeholder {{ unclosed"),
        "no placeholder {{ unclosed"
    );
}

fn run(drafts: Vec<Draft>) -> Batch {
    let t = taxonomy();
    let mut checker = Checker::new(&t, Peer::Aiid.source(), HashMap::new());
    let mut batch = Batch::default();
    for d in drafts {
        finish(d, &mut checker, &t, &mut batch);
    }
    batch
}

fn titled(id: &str, title: &str) -> Draft {
    let mut d = Draft::new("x.json", Location::Record(1));
    d.form.id = id.into();
    d.form.title = title.into();
    d
}

#[test]
fn causes_are_inferred_from_all_the_text_when_the_source_gives_none() {
    let mut d = titled("aiid-1", "A chatbot told users false things");
    d.extra_text = "Experts point to a spurious correlation in its data".into();
    let batch = run(vec![d]);
    let causes = &batch.cases[0].case.causes;
    assert_eq!(causes[0].value, "model/shortcut-learning");
    assert_eq!(causes[0].state, LabelState::Inferred);
    let warnings: Vec<&str> = batch
        .warnings()
        .filter(|w| w.field.as_deref() == Some("causes"))
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "ingest's own inference warning is replaced: {warnings:?}"
    );
    assert!(
        warnings[0].contains("inferred model/shortcut-learning"),
        "{warnings:?}"
    );
}

#[test]
fn source_wording_and_proposed_causes_are_kept() {
    let mut d = titled("aiid-2", "A title");
    d.causes
        .push(("data/bias".into(), "Distributional Bias".into()));
    d.causes
        .push(("Tuning Issues".into(), "Tuning Issues".into()));
    d.potential
        .push(("data/distribution-shift".into(), "Covariate Shift".into()));
    d.potential
        .push(("data/bias".into(), "Inadequate Data Sampling".into()));
    let batch = run(vec![d]);
    let c = &batch.cases[0].case;
    let got: Vec<(&str, LabelState, Option<&str>)> = c
        .causes
        .iter()
        .map(|l| (l.value.as_str(), l.state, l.raw.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "data/bias",
                LabelState::Confirmed,
                Some("Distributional Bias")
            ),
            ("Tuning Issues", LabelState::Unmapped, None),
            (
                "data/distribution-shift",
                LabelState::Inferred,
                Some("Covariate Shift")
            ),
        ]
    );
    assert_eq!(c.source, Peer::Aiid.source());
}

#[test]
fn a_record_ingest_rejects_is_skipped_and_the_others_kept() {
    let mut bad = Draft::new("x.json", Location::Record(2));
    bad.form.id = "aiid-3".to_string();
    bad.warn("references", "a warning of the importer's");
    let batch = run(vec![bad, titled("aiid-4", "Fine")]);
    assert_eq!(batch.cases.len(), 1);
    let error = batch.errors().next().unwrap();
    assert_eq!(
        (error.file.as_str(), error.location),
        ("x.json", Location::Record(2))
    );
    assert_eq!(error.field.as_deref(), Some("title"));
    assert!(batch
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Warning && d.message == "a warning of the importer's"));
}

#[test]
fn causes_the_source_only_proposes_are_kept_as_inferred_and_said_so() {
    let mut d = titled("aiid-5", "A spurious correlation in a title");
    d.potential.push((
        "model/underspecification".into(),
        "Underspecification".into(),
    ));
    let batch = run(vec![d]);
    let c = &batch.cases[0].case;
    assert_eq!(
        c.causes.len(),
        1,
        "no text inference beside the source's proposal"
    );
    assert_eq!(c.causes[0].state, LabelState::Inferred);
    assert_eq!(
        c.causes[0].evidence,
        ["the source proposes `Underspecification`"]
    );
    let w: Vec<&str> = batch
        .warnings()
        .filter(|w| w.field.as_deref() == Some("causes"))
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        w,
        ["missing; the source proposes model/underspecification without confirming (marked inferred)"]
    );
}
