//! Checking raw records and normalising them into canonical cases.
//!
//! Every problem in a record is reported, not just the first. Errors make a record unusable
//! (and the caller then stores nothing); warnings leave a usable case, and `--strict` turns them
//! into errors.

use std::collections::HashMap;
use std::path::Path;

use notbetter_taxonomy::{
    Case, Dimension, InputForm, Label, LabelState, Mapping, MatchInfo, Source, Taxonomy, ELEMENTS,
};
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Severity};
use crate::read::RawRecord;
use crate::refs::is_valid_url;

/// The earliest year a report can plausibly be from (see [`notbetter_taxonomy::YEAR_MIN`]).
pub const MIN_YEAR: i32 = notbetter_taxonomy::YEAR_MIN;

pub fn current_year() -> i32 {
    time::OffsetDateTime::now_utc().year()
}

/// Checks records one at a time, remembering what it has seen in this run (ids and DOIs).
pub struct Checker<'t> {
    taxonomy: &'t Taxonomy,
    source: Source,
    known_dois: HashMap<String, String>,
    seen_ids: HashMap<String, String>,
    seen_dois: HashMap<String, String>,
    max_year: i32,
    require_review: bool,
    /// A second opinion on labels the taxonomy leaves unmapped (see `with_reader`).
    reader: Option<&'t (dyn notbetter_taxonomy::LabelReader + Sync)>,
}

/// Checks one record on its own (no run state); convenient for single submissions.
pub fn normalise(
    taxonomy: &Taxonomy,
    source: Source,
    record: &RawRecord,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Case> {
    Checker::new(taxonomy, source, HashMap::new()).check(record, diagnostics)
}

struct Ctx<'a> {
    record: &'a RawRecord,
    diagnostics: &'a mut Vec<Diagnostic>,
    errors: usize,
}

impl Ctx<'_> {
    fn push(&mut self, severity: Severity, field: Option<&str>, message: String) {
        if severity == Severity::Error {
            self.errors += 1;
        }
        let location = field.map_or(self.record.location, |f| self.record.locate(f));
        self.diagnostics.push(Diagnostic::new(
            severity,
            self.record.file.clone(),
            location,
            field,
            message,
        ));
    }

    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.push(Severity::Error, Some(field), message.into());
    }

    fn warn(&mut self, field: &str, message: impl Into<String>) {
        self.push(Severity::Warning, Some(field), message.into());
    }

    fn string(&mut self, field: &str) -> Option<String> {
        match self.record.fields.get(field)? {
            Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            Value::Null => None,
            Value::Number(n) => Some(n.to_string()),
            other => {
                self.error(field, format!("expected a string, found {}", kind(other)));
                None
            }
        }
    }

    fn list(&mut self, field: &str) -> Vec<String> {
        let split = |s: &str| -> Vec<String> {
            s.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        match self.record.fields.get(field) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => split(s),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                        Value::String(_) => {}
                        other => self.error(
                            field,
                            format!("item {}: expected a string, found {}", i + 1, kind(other)),
                        ),
                    }
                }
                out
            }
            Some(other) => {
                self.error(
                    field,
                    format!("expected a list of strings, found {}", kind(other)),
                );
                Vec::new()
            }
        }
    }

    fn year(&mut self, field: &str, max_year: i32) -> Option<i32> {
        let value = self.record.fields.get(field)?;
        let year = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            Value::Null => return None,
            _ => None,
        };
        match year {
            Some(y) if (i64::from(MIN_YEAR)..=i64::from(max_year)).contains(&y) => Some(y as i32),
            Some(y) => {
                self.error(
                    field,
                    format!("year {y} is not plausible: expected {MIN_YEAR} to {max_year}"),
                );
                None
            }
            None => {
                self.error(
                    field,
                    format!("expected a year as a whole number, found {}", show(value)),
                );
                None
            }
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

fn valid_id(id: &str) -> bool {
    notbetter_taxonomy::CaseId::is_valid(id)
}

impl<'t> Checker<'t> {
    pub fn new(
        taxonomy: &'t Taxonomy,
        source: Source,
        known_dois: HashMap<String, String>,
    ) -> Checker<'t> {
        Checker {
            taxonomy,
            source,
            known_dois,
            seen_ids: HashMap::new(),
            seen_dois: HashMap::new(),
            max_year: current_year() + 1,
            require_review: false,
            reader: None,
        }
    }

    /// Asks `reader` about labels the taxonomy's rules leave unmapped (the knowledge base
    /// reads descriptions of causes from its cases). What it maps is a `matched` label, shown
    /// for a person to confirm like the taxonomy's own rules.
    pub fn with_reader(
        mut self,
        reader: &'t (dyn notbetter_taxonomy::LabelReader + Sync),
    ) -> Checker<'t> {
        self.reader = Some(reader);
        self
    }

    /// Turns on the curation requirements: every case needs a `[review]`, all three evidence
    /// facts stated, and at least one method; each one missing is a warning (an error under
    /// `--strict`). Off by default, because reports, imports and contributions carry no
    /// review; `check` turns it on, as do `ingest --strict` and the content test. A review or evidence table that is present is checked either way.
    pub fn require_review(mut self, on: bool) -> Checker<'t> {
        self.require_review = on;
        self
    }

    /// Checks one record; returns the case unless the record has errors.
    pub fn check(&mut self, record: &RawRecord, diagnostics: &mut Vec<Diagnostic>) -> Option<Case> {
        let mut cx = Ctx {
            record,
            diagnostics,
            errors: 0,
        };
        let mut unknown: Vec<&String> = record
            .fields
            .keys()
            .filter(|k| !InputForm::fields().contains(&k.as_str()))
            .collect();
        unknown.sort();
        for field in unknown {
            cx.warn(
                field,
                format!(
                    "unknown field `{field}` is ignored; known fields are {}",
                    InputForm::fields().join(", ")
                ),
            );
        }

        let id = cx.string("id");
        match &id {
            None => cx.error("id", "required: a slug of lowercase letters, digits and '-'"),
            Some(id) if !valid_id(id) => cx.error(
                "id",
                format!("`{id}` is not a valid id: expected lowercase letters, digits and '-', at most 100 characters"),
            ),
            Some(id) => {
                if record.field_lines.contains_key("id") {
                    // Markdown files are named after their id.
                    let stem = Path::new(&record.file).file_stem().and_then(|s| s.to_str());
                    if stem.is_some_and(|s| s != id) {
                        cx.warn("id", format!("file name does not match the id: expected `{id}.md`"));
                    }
                }
                if let Some(first) = self.seen_ids.get(id) {
                    cx.error("id", format!("id `{id}` appears twice in this run; first in {first}"));
                }
            }
        }
        let title = cx.string("title");
        if title.is_none() {
            cx.error("title", "required: a one-line title");
        }
        let year = cx.year("year", self.max_year);
        if year.is_none() && !record.fields.contains_key("year") {
            cx.warn(
                "year",
                "missing: expected the year the failure was reported",
            );
        }

        let mut labels = HashMap::new();
        for (dim, field) in [
            (Dimension::Domain, "domains"),
            (Dimension::Cause, "causes"),
            (Dimension::FailureMode, "failure_modes"),
            (Dimension::Method, "methods"),
        ] {
            let raw = cx.list(field);
            let mut out: Vec<Label> = Vec::new();
            for label in raw {
                let mapping = match self.taxonomy.map(dim, &label) {
                    Mapping::Unmapped { suggestions } => self
                        .reader
                        .and_then(|r| r.read(dim, &label))
                        .unwrap_or(Mapping::Unmapped { suggestions }),
                    m => m,
                };
                match mapping {
                    Mapping::Mapped { slug } => {
                        if !out.iter().any(|l| l.value == slug) {
                            let raw = (slug != label).then_some(label);
                            out.push(Label {
                                value: slug,
                                state: LabelState::Confirmed,
                                raw,
                                evidence: Vec::new(),
                                matched: None,
                            });
                        }
                    }
                    Mapping::Matched {
                        slug,
                        rule,
                        confidence,
                    } => {
                        cx.warn(
                            field,
                            format!(
                                "`{label}` is not an alias; matched to `{slug}` ({rule}, {confidence}% sure); confirm it or write the slug"
                            ),
                        );
                        if !out.iter().any(|l| l.value == slug) {
                            out.push(Label {
                                value: slug,
                                state: LabelState::Matched,
                                raw: Some(label),
                                evidence: Vec::new(),
                                matched: Some(MatchInfo { rule, confidence }),
                            });
                        }
                    }
                    Mapping::Unmapped { suggestions } => {
                        let hint = if suggestions.is_empty() {
                            "no close match in the taxonomy".to_string()
                        } else {
                            format!("did you mean {}?", suggestions.join(", "))
                        };
                        cx.warn(
                            field,
                            format!("`{label}` is not in the taxonomy; kept as unmapped ({hint})"),
                        );
                        if !out.iter().any(|l| l.value == label) {
                            out.push(Label {
                                value: label,
                                state: LabelState::Unmapped,
                                raw: None,
                                evidence: Vec::new(),
                                matched: None,
                            });
                        }
                    }
                }
            }
            labels.insert(dim, out);
        }
        if labels[&Dimension::Domain].is_empty() {
            cx.warn("domains", "missing: expected at least one domain");
        }
        if self.require_review && labels[&Dimension::Method].is_empty() {
            cx.warn(
                "methods",
                "missing: expected at least one method (the model family, e.g. cnn, transformer; \
                 classical-ml for a case that is not deep learning)",
            );
        }

        let mut texts = HashMap::new();
        for field in InputForm::TEXT_FIELDS {
            texts.insert(field, cx.string(field).unwrap_or_default());
        }
        let missing: Vec<&str> = ELEMENTS
            .iter()
            .filter(|(f, _)| texts[f].is_empty())
            .map(|(_, heading)| *heading)
            .collect();
        if !missing.is_empty() {
            let field = ELEMENTS
                .iter()
                .find(|(f, _)| texts[f].is_empty())
                .map(|(f, _)| *f)
                .unwrap_or("use_case");
            cx.warn(
                field,
                format!(
                    "missing {}: the case is marked incomplete (expected all four of Use case, \
                     Proposed solution, Outcome, Why it failed)",
                    missing.join(", ")
                ),
            );
        }

        if labels[&Dimension::Cause].is_empty() {
            let text = format!(
                "{} {} {} {} {} {}",
                title.as_deref().unwrap_or(""),
                texts["use_case"],
                texts["solution"],
                texts["outcome"],
                texts["investigation"],
                texts["lessons"]
            );
            let inferred = self.taxonomy.infer_causes(&text);
            if inferred.is_empty() {
                cx.warn(
                    "causes",
                    "missing, and none could be inferred from the text",
                );
            } else {
                cx.warn(
                    "causes",
                    format!(
                        "missing; inferred {} from the text (marked inferred)",
                        inferred
                            .iter()
                            .map(|i| i.slug.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            labels.insert(
                Dimension::Cause,
                inferred
                    .into_iter()
                    .map(|i| Label {
                        value: i.slug,
                        state: LabelState::Inferred,
                        raw: None,
                        evidence: i.evidence,
                        matched: None,
                    })
                    .collect(),
            );
        }

        let references = self.references(&mut cx, id.as_deref());
        let evidence = facts::evidence(&mut cx, self.require_review);
        let tags = cx.list("tags");
        let checked_against = cx.string("checked_against");
        let review = facts::review(&mut cx, self.require_review);
        let contributor = cx.string("contributor");
        let source_id = cx.string("source_id");
        let source_url = cx.string("source_url");
        if let Some(url) = &source_url {
            if !is_valid_url(url) {
                cx.error("source_url", format!("`{url}` is not an http(s) URL"));
            }
        }
        let licence = cx.string("licence");

        if let Some(id) = &id {
            self.seen_ids
                .entry(id.clone())
                .or_insert_with(|| record.origin());
        }
        if cx.errors > 0 {
            return None;
        }
        let mut take = |d: Dimension| labels.remove(&d).unwrap_or_default();
        let domains = take(Dimension::Domain);
        let causes = take(Dimension::Cause);
        let failure_modes = take(Dimension::FailureMode);
        let methods = take(Dimension::Method);
        let mut text = |f: &str| texts.remove(f).unwrap_or_default();
        Some(Case {
            id: id?,
            title: title?,
            year,
            domains,
            causes,
            failure_modes,
            methods,
            tags,
            use_case: text("use_case"),
            solution: text("solution"),
            outcome: text("outcome"),
            investigation: text("investigation"),
            pattern: text("pattern"),
            lessons: text("lessons"),
            references,
            evidence,
            checked_against,
            review,
            source: self.source.clone(),
            source_id,
            source_url,
            licence,
            contributor,
            incomplete: !missing.is_empty(),
        })
    }
}

mod facts;
mod references;
#[cfg(test)]
mod tests;
