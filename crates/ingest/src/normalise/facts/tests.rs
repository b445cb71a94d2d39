//! Tests of methods, evidence facts and reviews, in every input form, with the curation
//! requirements on and off.

use std::collections::HashMap;

use notbetter_taxonomy::{bundled, Fact, LabelState, Source, Verdict};

use crate::{Batch, Checker, Severity};

const REVIEWED_MD: &str = r#"+++
id = "reviewed-case"
title = "A reviewed case"
year = 2021
domains = ["radiology"]
causes = ["Clever Hans"]
methods = ["ConvNet", "LSTM"]

[[references]]
doi = "10.1038/s42256-021-00338-7"

[evidence]
code_available = true
data_available = false
external_validation = "unknown"
unknown_reason = "the abstract does not say"

[review]
date = "2025-03-04"
against = ["https://doi.org/10.1038/s42256-021-00338-7", "arXiv:2104.01234"]
verdict = "corrected"
notes = "venue corrected"
+++

## Use case
U. U.

## Proposed solution
S. S.

## Outcome
O. O.

## Why it failed
W. W.
"#;

/// A case whose review and evidence are broken in every way ingest checks, one per line.
const BROKEN_MD: &str = r#"+++
id = "broken-review"
title = "A case with a broken review"
year = 2021
domains = ["radiology"]
causes = ["Clever Hans"]
methods = ["abacus"]
[[references]]
doi = "10.1038/s42256-021-00338-7"
[evidence]
code_available = "maybe"
data_available = "unknown"
[review]
date = "2025-02-30"
against = ["https://hf.zsm.im/papers/2104.01234", "not a source"]
verdict = "fine"
notes = 3
+++

## Use case
U. U.
"#;

fn run(require: bool, files: &[(&str, &str)]) -> Batch {
    let taxonomy = bundled();
    let mut checker =
        Checker::new(&taxonomy, Source::Curated, HashMap::new()).require_review(require);
    let mut batch = Batch::default();
    for (name, text) in files {
        checker.add_text(name, text, &mut batch);
    }
    batch
}

/// (severity, field, line, a piece of the message) of every diagnostic.
fn found(batch: &Batch) -> Vec<(Severity, String, Option<usize>, String)> {
    batch
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.severity,
                d.field.clone().unwrap_or_default(),
                d.line,
                d.message.clone(),
            )
        })
        .collect()
}

#[test]
fn methods_evidence_and_review_are_read_from_markdown() {
    let batch = run(true, &[("cases/reviewed-case.md", REVIEWED_MD)]);
    assert!(batch.diagnostics.is_empty(), "{:?}", found(&batch));
    let c = &batch.cases[0].case;
    let methods: Vec<_> = c
        .methods
        .iter()
        .map(|l| (l.value.as_str(), l.raw.as_deref()))
        .collect();
    assert_eq!(methods, [("cnn", Some("ConvNet")), ("rnn", Some("LSTM"))]);
    assert_eq!(c.evidence.code_available, Some(Fact::True));
    assert_eq!(c.evidence.data_available, Some(Fact::False));
    assert_eq!(c.evidence.external_validation, Some(Fact::Unknown));
    assert_eq!(
        c.evidence.unknown_reason.as_deref(),
        Some("the abstract does not say")
    );
    let r = c.review.as_ref().unwrap();
    assert_eq!(r.date, "2025-03-04");
    assert_eq!(r.against.len(), 2);
    assert_eq!(r.verdict, Verdict::Corrected);
    assert_eq!(r.notes, "venue corrected");
}

#[test]
fn broken_reviews_and_evidence_name_file_line_and_expectation() {
    let batch = run(false, &[("cases/broken-review.md", BROKEN_MD)]);
    assert!(batch.cases.is_empty(), "errors make the case unusable");
    let found = found(&batch);
    let expect = [
        (
            Severity::Warning,
            "methods",
            7,
            "`abacus` is not in the taxonomy",
        ),
        (
            Severity::Error,
            "evidence.code_available",
            11,
            "expected true, false or \"unknown\", found \"maybe\"",
        ),
        (
            Severity::Warning,
            "evidence",
            10,
            "unknown_reason: missing: data_available \"unknown\"",
        ),
        (
            Severity::Error,
            "review.date",
            14,
            "`2025-02-30` is not a calendar date",
        ),
        (
            Severity::Warning,
            "review.against",
            15,
            "is on hf.zsm.im, a mirror (data/mirrors.txt)",
        ),
        (
            Severity::Error,
            "review.against",
            15,
            "item 2: `not a source` is not a URL, a DOI",
        ),
        (
            Severity::Error,
            "review.verdict",
            16,
            "expected confirmed or corrected, found \"fine\"",
        ),
        (
            Severity::Error,
            "review.notes",
            17,
            "expected a string, found a number",
        ),
    ];
    for (severity, field, line, message) in expect {
        assert!(
            found.iter().any(|(s, f, l, m)| *s == severity
                && f == field
                && *l == Some(line)
                && m.contains(message)),
            "{severity:?} {field}:{line} {message}\n{found:#?}"
        );
    }
    let shown = batch
        .diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>();
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with("error: cases/broken-review.md:15: field `review.against`")),
        "{shown:?}"
    );
}

#[test]
fn a_mirror_alone_is_a_warning_that_strict_makes_an_error() {
    let text = REVIEWED_MD.replace(
        "\"arXiv:2104.01234\"",
        "\"https://arxiv.deeppaper.ai/abs/2104.01234\"",
    );
    let mut batch = run(false, &[("reviewed-case.md", &text)]);
    assert_eq!(batch.cases.len(), 1);
    let found = found(&batch);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].1.as_str(), found[0].2),
        ("review.against", Some(20))
    );
    assert!(batch.is_clean(false) && !batch.is_clean(true));
    batch.make_strict();
    assert_eq!(batch.errors().count(), 1);
}

#[test]
fn curation_requirements_are_warnings_only_when_switched_on() {
    let bare = r#"{"id":"bare","title":"T","year":2020,"domains":["EHR"],"causes":["label noise"],"use_case":"U.","solution":"S.","outcome":"O.","investigation":"I.","references":["10.1000/b"],"evidence":{"code_available":true}}"#;
    assert!(run(false, &[("b.jsonl", bare)]).diagnostics.is_empty());
    let batch = run(true, &[("b.jsonl", bare)]);
    let mut fields: Vec<_> = batch
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.field.clone().unwrap(), d.line))
        .collect();
    fields.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        fields,
        [
            (Severity::Warning, "evidence".to_string(), Some(1)),
            (Severity::Warning, "methods".to_string(), Some(1)),
            (Severity::Warning, "review".to_string(), Some(1)),
        ]
    );
    let m = batch
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        m.contains("data_available, external_validation not stated"),
        "{m}"
    );
    // The Markdown file names the record's first line when a table is missing altogether.
    let md = REVIEWED_MD.replace("methods = [\"ConvNet\", \"LSTM\"]\n", "");
    let batch = run(true, &[("reviewed-case.md", &md)]);
    let d: Vec<_> = found(&batch);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!((d[0].1.as_str(), d[0].2), ("methods", Some(1)));
}

#[test]
fn json_and_csv_carry_methods_review_and_evidence() {
    let jsonl = r#"{"id":"j","title":"J","year":2020,"domains":["EHR"],"causes":["label noise"],"methods":["random forest","BERT"],"use_case":"U.","solution":"S.","outcome":"O.","investigation":"I.","references":["10.1000/j"],"evidence":{"code_available":"unknown","data_available":false,"external_validation":true,"unknown_reason":"closed"},"review":{"date":"2024-01-31","against":["10.1000/j"],"verdict":"confirmed","notes":"n"}}"#;
    let csv = "id,title,year,domains,causes,methods,use_case,solution,outcome,investigation,references,evidence.code_available,evidence.data_available,evidence.external_validation,evidence.unknown_reason,review.date,review.against,review.verdict,review.notes\n\
               c,C,2019,EHR,label noise,GNN;diffusion models,U.,S.,O.,I.,10.1000/c,TRUE,unknown,false,not said,2024-02-01,10.1000/c; https://example.org/c,confirmed,n\n";
    let batch = run(true, &[("a.jsonl", jsonl), ("c.csv", csv)]);
    assert!(batch.diagnostics.is_empty(), "{:?}", found(&batch));
    let by_id: HashMap<_, _> = batch
        .cases
        .iter()
        .map(|p| (p.case.id.as_str(), &p.case))
        .collect();
    let slugs = |id: &str| {
        by_id[id]
            .methods
            .iter()
            .map(|l| l.value.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(slugs("j"), ["classical-ml", "transformer"]);
    assert_eq!(slugs("c"), ["gnn", "generative"]);
    assert!(by_id["c"]
        .methods
        .iter()
        .all(|l| l.state == LabelState::Confirmed));
    assert_eq!(by_id["j"].evidence.code_available, Some(Fact::Unknown));
    assert_eq!(by_id["c"].evidence.code_available, Some(Fact::True));
    assert_eq!(by_id["c"].evidence.data_available, Some(Fact::Unknown));
    assert_eq!(
        by_id["c"].review.as_ref().unwrap().against,
        ["10.1000/c", "https://example.org/c"]
    );
    assert_eq!(
        by_id["j"].review.as_ref().unwrap().verdict,
        Verdict::Confirmed
    );
}

#[test]
fn bare_toml_dates_and_future_dates() {
    let bare = REVIEWED_MD.replace("date = \"2025-03-04\"", "date = 2025-03-04");
    let batch = run(true, &[("reviewed-case.md", &bare)]);
    assert!(batch.diagnostics.is_empty(), "{:?}", found(&batch));
    assert_eq!(
        batch.cases[0].case.review.as_ref().unwrap().date,
        "2025-03-04"
    );
    let future = REVIEWED_MD.replace("2025-03-04", "2999-01-01");
    let batch = run(false, &[("reviewed-case.md", &future)]);
    assert!(
        found(&batch).iter().any(|(_, f, l, m)| f == "review.date"
            && *l == Some(19)
            && m.contains("in the future")),
        "{:?}",
        found(&batch)
    );
}

#[test]
fn a_missing_key_is_reported_on_the_review_line() {
    let text = REVIEWED_MD.replace("verdict = \"corrected\"\n", "");
    let batch = run(false, &[("reviewed-case.md", &text)]);
    assert!(batch.cases.is_empty());
    let found = found(&batch);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].1.as_str(), found[0].2), ("review", Some(18)));
    assert_eq!(found[0].3, "verdict: required: confirmed or corrected");
}
