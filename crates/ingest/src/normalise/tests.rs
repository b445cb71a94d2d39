//! Tests of checking and normalisation, one input form at a time.

use std::collections::HashMap;

use notbetter_taxonomy::{bundled, Fact, LabelState, Source};

use crate::{Batch, Checker, Location, Severity};

const GOOD_MD: &str = r#"+++
id = "good-case"
title = "A good case"
year = 2021
domains = ["radiology"]
causes = ["Clever Hans", "covariate shift"]
failure_modes = ["suboptimal-performance"]
tags = ["x-ray"]

[[references]]
kind = "paper"
title = "Paper"
doi = "10.1038/s42256-021-00338-7"

[evidence]
code_available = true
+++

## Use case
Reading chest radiographs. In hospitals.

## Proposed solution
A CNN. Trained on public data.

## Outcome
It failed. Badly.

## Why it failed
Shortcuts. Site markers.

## Lessons
Validate externally. Always.
"#;

fn run(files: &[(&str, &str)]) -> Batch {
    let taxonomy = bundled();
    let mut checker = Checker::new(&taxonomy, Source::Curated, HashMap::new());
    let mut batch = Batch::default();
    for (name, text) in files {
        checker.add_text(name, text, &mut batch);
    }
    batch
}

fn messages(batch: &Batch) -> Vec<String> {
    batch.diagnostics.iter().map(|d| d.to_string()).collect()
}

#[test]
fn markdown_case_is_normalised() {
    let batch = run(&[("dir/good-case.md", GOOD_MD)]);
    assert!(batch.diagnostics.is_empty(), "{:?}", messages(&batch));
    let case = &batch.cases[0].case;
    assert_eq!(case.domains[0].value, "healthcare/medical-imaging");
    assert_eq!(case.domains[0].raw.as_deref(), Some("radiology"));
    let causes: Vec<_> = case.causes.iter().map(|l| l.value.as_str()).collect();
    assert_eq!(
        causes,
        ["model/shortcut-learning", "data/distribution-shift"]
    );
    assert!(!case.incomplete);
    assert_eq!(case.evidence.code_available, Some(Fact::True));
    assert_eq!(case.lessons, "Validate externally. Always.");
}

#[test]
fn jsonl_json_and_csv_forms() {
    let jsonl = r#"{"id":"j1","title":"J","year":2020,"domains":["radiology"],"causes":["covariate shift","Clever Hans"],"use_case":"U.","solution":"S.","outcome":"O.","investigation":"I.","references":[{"doi":"10.1000/abc"}]}"#;
    let json = r#"[{"id":"j2","title":"J2","year":"2019","domains":"EHR","causes":["label noise"],"use_case":"U.","solution":"S.","outcome":"O.","investigation":"I.","references":["arXiv:1902.01007"]}]"#;
    let csv = "id,title,year,domains,causes,tags,use_case,solution,outcome,investigation,references\n\
               c1,C one,2018,drug discovery;EHR,data leak;weak baselines,a;b,U.,S.,O.,I.,10.1000/xyz;https://example.org/p\n";
    let batch = run(&[("a.jsonl", jsonl), ("b.json", json), ("c.csv", csv)]);
    assert!(batch.diagnostics.is_empty(), "{:?}", messages(&batch));
    let by_id: HashMap<_, _> = batch
        .cases
        .iter()
        .map(|p| (p.case.id.as_str(), &p.case))
        .collect();
    assert_eq!(by_id["j1"].causes[1].value, "model/shortcut-learning");
    assert_eq!(by_id["j2"].year, Some(2019));
    assert_eq!(
        by_id["j2"].domains[0].value,
        "healthcare/clinical-prediction"
    );
    assert_eq!(
        by_id["j2"].references[0].arxiv.as_deref(),
        Some("1902.01007")
    );
    let c1 = by_id["c1"];
    assert_eq!(c1.domains.len(), 2);
    assert_eq!(c1.tags, ["a", "b"]);
    assert_eq!(c1.references.len(), 2);
    assert_eq!(
        c1.references[1].url.as_deref(),
        Some("https://example.org/p")
    );
    assert_eq!(
        batch
            .cases
            .iter()
            .find(|p| p.case.id == "c1")
            .unwrap()
            .origin,
        "c.csv:2 (row on line 2)"
    );
}

#[test]
fn unmapped_labels_are_kept_with_suggestions() {
    let jsonl = r#"{"id":"u","title":"U","year":2020,"domains":["basket weaving"],"causes":["gremlins in the pipeline"],"use_case":"U.","solution":"S.","outcome":"O.","investigation":"I.","references":["10.1000/u"]}"#;
    let batch = run(&[("u.jsonl", jsonl)]);
    let case = &batch.cases[0].case;
    assert_eq!(case.causes[0].state, LabelState::Unmapped);
    assert_eq!(case.causes[0].value, "gremlins in the pipeline");
    assert_eq!(case.domains[0].state, LabelState::Unmapped);
    let m = messages(&batch);
    assert!(
        m.iter()
            .any(|m| m.contains("field `causes`") && m.contains("kept as unmapped")),
        "{m:?}"
    );
    assert!(batch.is_clean(false));
    assert!(!batch.is_clean(true));
}

#[test]
fn labels_close_to_an_alias_are_matched_with_their_rule_and_raw_text() {
    let jsonl = r#"{"id":"u","title":"U","year":2020,"domains":["radiology"],"causes":["covariate shift across sites", "covarate shfit"],"use_case":"U.","solution":"S.","outcome":"O.","investigation":"I.","references":["10.1000/u"]}"#;
    let batch = run(&[("u.jsonl", jsonl)]);
    let case = &batch.cases[0].case;
    let first = &case.causes[0];
    assert_eq!(first.state, LabelState::Matched);
    assert_eq!(first.value, "data/distribution-shift");
    assert_eq!(first.raw.as_deref(), Some("covariate shift across sites"));
    let info = first.matched.expect("rule and confidence");
    assert_eq!(info.rule, notbetter_taxonomy::MatchRule::Contains);
    assert!(info.confidence >= notbetter_taxonomy::MIN_CONFIDENCE);
    // The same slug twice is kept once.
    assert_eq!(case.causes.len(), 1);
    let m = messages(&batch);
    assert!(
        m.iter()
            .any(|m| m.contains("matched to `data/distribution-shift`") && m.contains("confirm")),
        "{m:?}"
    );
    // A person must confirm it: a warning, so --strict refuses it.
    assert!(batch.is_clean(false));
    assert!(!batch.is_clean(true));
}

#[test]
fn missing_causes_are_inferred_and_marked() {
    let jsonl = r#"{"id":"i","title":"Leaky","year":2020,"domains":["EHR"],"use_case":"U.","solution":"S.","outcome":"O.","investigation":"Train/test contamination through duplicates across splits inflated accuracy.","references":["10.1000/i"]}"#;
    let batch = run(&[("i.jsonl", jsonl)]);
    let case = &batch.cases[0].case;
    assert_eq!(case.causes[0].value, "data/leakage");
    assert_eq!(case.causes[0].state, LabelState::Inferred);
    assert!(!case.causes[0].evidence.is_empty());
    assert!(messages(&batch)
        .iter()
        .any(|m| m.contains("inferred data/leakage")));
}

#[test]
fn every_problem_is_reported_with_its_place() {
    let bad = r#"+++
id = "Bad Id"
year = 1066
domains = ["radiology"]
causes = ["label noise"]
colour = "red"

[[references]]
doi = "not-a-doi"
+++

## Use case
Only this one.
"#;
    let batch = run(&[("bad.md", bad)]);
    assert!(batch.cases.is_empty());
    let errors: Vec<_> = batch
        .errors()
        .map(|d| (d.field.clone().unwrap_or_default(), d.line))
        .collect();
    assert!(errors.contains(&("id".into(), Some(2))), "{errors:?}");
    assert!(errors.contains(&("title".into(), Some(1))), "{errors:?}");
    assert!(errors.contains(&("year".into(), Some(3))), "{errors:?}");
    assert!(
        errors.contains(&("references".into(), Some(8))),
        "{errors:?}"
    );
    let warnings: Vec<_> = batch
        .warnings()
        .map(|d| d.field.clone().unwrap_or_default())
        .collect();
    assert!(warnings.contains(&"colour".to_string()), "{warnings:?}");
    assert!(warnings.contains(&"solution".to_string()), "{warnings:?}");
}

#[test]
fn incomplete_cases_are_marked() {
    let jsonl = r#"{"id":"inc","title":"T","year":2020,"domains":["EHR"],"causes":["label noise"],"use_case":"U.","references":["10.1000/inc"]}"#;
    let batch = run(&[("x.jsonl", jsonl)]);
    assert!(batch.cases[0].case.incomplete);
    let m = messages(&batch);
    assert!(
        m.iter()
            .any(|m| m.contains("missing Proposed solution, Outcome, Why it failed")),
        "{m:?}"
    );
}

#[test]
fn duplicate_ids_and_dois_in_one_run() {
    let a = r#"{"id":"dup","title":"A","year":2020,"domains":["EHR"],"causes":["label noise"],"use_case":"U.","solution":"S.","outcome":"O.","investigation":"I.","references":["10.1000/same"]}"#;
    let b = r#"{"id":"other","title":"B","year":2020,"domains":["EHR"],"causes":["label noise"],"use_case":"U.","solution":"S.","outcome":"O.","investigation":"I.","references":["10.1000/SAME"]}"#;
    let batch = run(&[("a.jsonl", &format!("{a}\n{a}\n{b}\n"))]);
    let errors: Vec<_> = batch.errors().collect();
    assert_eq!(errors.len(), 1, "{:?}", messages(&batch));
    assert_eq!(errors[0].location, Location::JsonLine(2));
    assert!(errors[0]
        .message
        .contains("appears twice in this run; first in a.jsonl:1"));
    let doi_warning = batch
        .warnings()
        .find(|d| d.message.contains("already cited by case `dup`"));
    assert_eq!(doi_warning.map(|d| d.severity), Some(Severity::Warning));
}

#[test]
fn bad_json_types_are_reported_per_field() {
    let jsonl = r#"{"id":"t","title":["not","a","string"],"year":"soon","domains":"EHR","causes":[1],"evidence":{"code_available":"yes"},"references":[{"doi":"10.1000/x","pages":"1-2"}],"use_case":"U.","solution":"S.","outcome":"O.","investigation":"I."}"#;
    let batch = run(&[("t.jsonl", jsonl)]);
    let fields: Vec<_> = batch.errors().map(|d| d.field.clone().unwrap()).collect();
    for f in [
        "title",
        "year",
        "causes",
        "evidence.code_available",
        "references",
    ] {
        assert!(
            fields.contains(&f.to_string()),
            "{f}: {:?}",
            messages(&batch)
        );
    }
}
