//! The case form shared by contributors and reviewers: its raw fields, validation through the
//! same checks ingest uses, and its rendering with an error next to each field.

use std::collections::{BTreeMap, HashMap};

use maud::{html, Markup};
use notbetter_kb::{KnowledgeBase, Location, RawRecord, Severity};
use notbetter_taxonomy::{Case, Dimension, InputForm, LabelState, Reference, Source, Taxonomy};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The most text one section may hold.
pub const MAX_SECTION: usize = 20_000;
pub const REF_SLOTS: usize = 3;

/// The form as typed: every field a string or a list of strings, kept verbatim so that a form
/// that comes back with errors shows exactly what the user typed. A field missing from a stored
/// form (one saved before the field existed) reads as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaseForm {
    pub title: String,
    pub year: String,
    pub domains: Vec<String>,
    pub domain_other: String,
    pub causes: Vec<String>,
    pub cause_other: String,
    pub failure_modes: Vec<String>,
    pub tags: String,
    pub use_case: String,
    pub solution: String,
    pub outcome: String,
    pub investigation: String,
    pub pattern: String,
    pub lessons: String,
    pub refs: Vec<String>,
    pub ref_titles: Vec<String>,
    pub contributor: String,
    pub licence: bool,
}

/// Errors by form field name.
pub type FieldErrors = BTreeMap<String, String>;

impl CaseForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> CaseForm {
        let mut f = CaseForm {
            refs: vec![String::new(); REF_SLOTS],
            ref_titles: vec![String::new(); REF_SLOTS],
            ..Default::default()
        };
        for (k, v) in pairs {
            match k.as_str() {
                "title" => f.title = v.clone(),
                "year" => f.year = v.clone(),
                "domains" if !v.is_empty() => f.domains.push(v.clone()),
                "domain_other" => f.domain_other = v.clone(),
                "causes" if !v.is_empty() => f.causes.push(v.clone()),
                "cause_other" => f.cause_other = v.clone(),
                "failure_modes" if !v.is_empty() => f.failure_modes.push(v.clone()),
                "tags" => f.tags = v.clone(),
                "use_case" => f.use_case = v.clone(),
                "solution" => f.solution = v.clone(),
                "outcome" => f.outcome = v.clone(),
                "investigation" => f.investigation = v.clone(),
                "pattern" => f.pattern = v.clone(),
                "lessons" => f.lessons = v.clone(),
                "contributor" => f.contributor = v.clone(),
                "licence" => f.licence = v == "agree",
                other => {
                    for i in 0..REF_SLOTS {
                        if other == format!("ref{}", i + 1) {
                            f.refs[i] = v.clone();
                        } else if other == format!("ref{}_title", i + 1) {
                            f.ref_titles[i] = v.clone();
                        }
                    }
                }
            }
        }
        f
    }

    /// The form from a stored submission document.
    pub fn from_doc(doc: &Value) -> CaseForm {
        serde_json::from_value(doc.get("form").cloned().unwrap_or(Value::Null)).unwrap_or_default()
    }

    fn split(s: &str) -> Vec<String> {
        s.split([';', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The record in the input form ingest reads.
    fn record(&self) -> Map<String, Value> {
        let mut domains = self.domains.clone();
        domains.extend(Self::split(&self.domain_other));
        let mut causes = self.causes.clone();
        causes.extend(Self::split(&self.cause_other));
        let references = self
            .refs
            .iter()
            .zip(
                self.ref_titles
                    .iter()
                    .chain(std::iter::repeat(&String::new())),
            )
            .filter(|(r, _)| !r.trim().is_empty())
            .map(|(r, title)| {
                let mut reference = Reference {
                    title: Some(title.trim().to_string()).filter(|t| !t.is_empty()),
                    ..Default::default()
                };
                match notbetter_kb::classify_reference(r) {
                    Some(notbetter_kb::RefKind::Doi(d)) => reference.doi = Some(d),
                    Some(notbetter_kb::RefKind::Arxiv(a)) => reference.arxiv = Some(a),
                    Some(notbetter_kb::RefKind::Url(u)) => reference.url = Some(u),
                    None => reference.url = Some(r.trim().to_string()),
                }
                reference
            })
            .collect();
        let form = InputForm {
            id: "submission".into(),
            title: self.title.trim().into(),
            domains,
            causes,
            failure_modes: self.failure_modes.clone(),
            tags: Self::split(&self.tags),
            use_case: self.use_case.trim().into(),
            solution: self.solution.trim().into(),
            outcome: self.outcome.trim().into(),
            investigation: self.investigation.trim().into(),
            pattern: self.pattern.trim().into(),
            lessons: self.lessons.trim().into(),
            references,
            contributor: Some(self.contributor.trim().to_string()).filter(|c| !c.is_empty()),
            ..InputForm::default()
        };
        let Ok(Value::Object(mut m)) = serde_json::to_value(form) else {
            unreachable!("an input form serialises to a JSON object")
        };
        // The year as typed, so that ingest's check names the field when it is not a year.
        if !self.year.trim().is_empty() {
            m.insert("year".into(), json!(self.year.trim()));
        }
        m
    }

    /// The document stored for a submission: the form as typed.
    pub fn doc(&self) -> Value {
        json!({ "form": self })
    }

    /// Checks the form. Returns the case (with a placeholder id) when it is acceptable, the
    /// errors by field, and notices (such as labels kept unmapped for a reviewer).
    pub fn validate(&self, kb: &KnowledgeBase) -> (Option<Case>, FieldErrors, Vec<String>) {
        let mut errors = FieldErrors::new();
        let mut notices = Vec::new();
        let record = RawRecord {
            file: "form".into(),
            location: Location::Whole,
            fields: self.record(),
            field_lines: HashMap::new(),
            semicolon_lists: false,
        };
        let mut diags = Vec::new();
        let case = kb.check_one(Source::Contributed, &record, &mut diags);
        for d in diags {
            let field = d.field.clone().unwrap_or_default();
            let field = match field.as_str() {
                "references" => "refs".to_string(),
                f => f.to_string(),
            };
            match d.severity {
                Severity::Error => {
                    errors.entry(field).or_insert(d.message);
                }
                Severity::Warning if d.message.contains("not in the taxonomy") => {
                    notices.push(d.message)
                }
                Severity::Warning => {}
            }
        }
        let required = [
            ("title", &self.title, "Give the case a one-line title."),
            (
                "use_case",
                &self.use_case,
                "Describe the use case: the real-world problem and where.",
            ),
            (
                "solution",
                &self.solution,
                "Describe the deep-learning solution that was proposed.",
            ),
            ("outcome", &self.outcome, "Describe the negative outcome."),
            (
                "investigation",
                &self.investigation,
                "Say why it failed, as far as it is known.",
            ),
        ];
        for (field, value, msg) in required {
            if value.trim().is_empty() {
                errors.insert(field.into(), msg.into());
            } else if value.len() > MAX_SECTION {
                errors.insert(field.into(), format!("At most {MAX_SECTION} characters."));
            }
        }
        for (field, value) in [("pattern", &self.pattern), ("lessons", &self.lessons)] {
            if value.len() > MAX_SECTION {
                errors.insert(field.into(), format!("At most {MAX_SECTION} characters."));
            }
        }
        if self.title.chars().count() > 300 {
            errors.insert("title".into(), "At most 300 characters.".into());
        }
        if self.year.trim().is_empty() {
            errors.insert(
                "year".into(),
                "Give the year the failure was reported, e.g. 2021.".into(),
            );
        }
        if self.domains.is_empty() && self.domain_other.trim().is_empty() {
            errors.insert(
                "domains".into(),
                "Pick at least one domain, or name one under Other.".into(),
            );
        }
        if self.causes.is_empty() && self.cause_other.trim().is_empty() {
            errors.insert(
                "causes".into(),
                "Pick at least one cause, or name one under Other.".into(),
            );
        }
        if self.refs.iter().all(|r| r.trim().is_empty()) {
            errors.insert(
                "refs".into(),
                "Give at least one reference: a DOI, an arXiv id or a URL.".into(),
            );
        }
        if self.contributor.chars().count() > 200 {
            errors.insert("contributor".into(), "At most 200 characters.".into());
        }
        if !self.licence {
            errors.insert(
                "licence".into(),
                "Contributions are published under CC BY 4.0; tick the box to agree.".into(),
            );
        }
        let case = if errors.is_empty() { case } else { None };
        (case, errors, notices)
    }
}

/// A URL-safe id from a title: lowercase words joined by '-', at most 60 characters.
pub fn slugify(title: &str) -> String {
    notbetter_taxonomy::CaseId::from_title(title).into_string()
}

fn error_for(errors: &FieldErrors, field: &str) -> Markup {
    html! {
        @if let Some(e) = errors.get(field) { p.field-error id=(format!("{field}-error")) role="alert" { (e) } }
    }
}

fn described(errors: &FieldErrors, field: &str) -> Option<String> {
    errors.contains_key(field).then(|| format!("{field}-error"))
}

fn checkboxes(t: &Taxonomy, dim: Dimension, name: &str, selected: &[String]) -> Markup {
    html! {
        div.checks {
            @for top in t.children(dim, None) {
                @let kids: Vec<_> = t.children(dim, Some(&top.slug)).collect();
                div.check-group {
                    @let id = format!("{name}-{}", top.slug.replace('/', "--"));
                    input type="checkbox" id=(id) name=(name) value=(top.slug) checked[selected.contains(&top.slug)];
                    label for=(id) { strong { (top.name) } }
                    @for k in kids {
                        @let kid = format!("{name}-{}", k.slug.replace('/', "--"));
                        span.sub {
                            input type="checkbox" id=(kid) name=(name) value=(k.slug) checked[selected.contains(&k.slug)];
                            label for=(kid) { (k.name) }
                        }
                    }
                }
            }
        }
    }
}

/// The form's fields (without the `<form>` element, the CSRF field and the buttons).
pub fn fields(t: &Taxonomy, f: &CaseForm, errors: &FieldErrors) -> Markup {
    let text = |name: &str, label: &str, value: &str, hint: &str| {
        html! {
            div.field.(if errors.contains_key(name) { "has-error" } else { "" }) {
                label for=(name) { (label) }
                @if !hint.is_empty() { p.hint { (hint) } }
                textarea id=(name) name=(name) rows="6" aria-describedby=[described(errors, name)] { (value) }
                (error_for(errors, name))
            }
        }
    };
    html! {
        div.field.(if errors.contains_key("title") { "has-error" } else { "" }) {
            label for="title" { "Title (required)" }
            input #title type="text" name="title" value=(f.title) maxlength="300" aria-describedby=[described(errors, "title")];
            (error_for(errors, "title"))
        }
        div.field.(if errors.contains_key("year") { "has-error" } else { "" }) {
            label for="year" { "Year the failure was reported (required)" }
            input #year type="text" inputmode="numeric" name="year" value=(f.year) aria-describedby=[described(errors, "year")];
            (error_for(errors, "year"))
        }
        fieldset.field.(if errors.contains_key("domains") { "has-error" } else { "" }) {
            legend { "Domains (at least one)" }
            (checkboxes(t, Dimension::Domain, "domains", &f.domains))
            label for="domain_other" { "Other domains (comma-separated; we map them to the taxonomy)" }
            input #domain_other type="text" name="domain_other" value=(f.domain_other);
            (error_for(errors, "domains"))
        }
        fieldset.field.(if errors.contains_key("causes") { "has-error" } else { "" }) {
            legend { "Causes (at least one; the first is the primary cause)" }
            (checkboxes(t, Dimension::Cause, "causes", &f.causes))
            label for="cause_other" { "Other causes (comma-separated, e.g. \"covariate shift\")" }
            input #cause_other type="text" name="cause_other" value=(f.cause_other);
            (error_for(errors, "causes"))
        }
        fieldset.field {
            legend { "Failure modes" }
            (checkboxes(t, Dimension::FailureMode, "failure_modes", &f.failure_modes))
        }
        div.field {
            label for="tags" { "Tags (comma-separated)" }
            input #tags type="text" name="tags" value=(f.tags);
        }
        (text("use_case", "Use case (required)", &f.use_case, "The real-world problem deep learning was applied to, and where."))
        (text("solution", "Proposed solution (required)", &f.solution, "The deep-learning approach the literature proposed, with its citation."))
        (text("outcome", "Outcome (required)", &f.outcome, "What went wrong: expected versus observed, with numbers where the source gives them."))
        (text("investigation", "Why it failed (required)", &f.investigation, "The investigation of why it did not work as promised."))
        (text("pattern", "The pattern in any field (optional)", &f.pattern, "The failure in words a reader from another field would recognise: what the model or the evaluation really relied on, and how it showed. No names or numbers."))
        (text("lessons", "Lessons (optional)", &f.lessons, ""))
        fieldset.field.(if errors.contains_key("refs") { "has-error" } else { "" }) {
            legend { "References (at least one DOI, arXiv id or URL)" }
            @for i in 0..REF_SLOTS {
                @let n = i + 1;
                div.ref-row {
                    label for=(format!("ref{n}")) { "Reference " (n) " (DOI, arXiv id or URL)" }
                    input id=(format!("ref{n}")) type="text" name=(format!("ref{n}")) value=(f.refs.get(i).cloned().unwrap_or_default());
                    label for=(format!("ref{n}_title")) { "Title of reference " (n) }
                    input id=(format!("ref{n}_title")) type="text" name=(format!("ref{n}_title")) value=(f.ref_titles.get(i).cloned().unwrap_or_default());
                }
            }
            (error_for(errors, "refs"))
        }
        div.field.(if errors.contains_key("contributor") { "has-error" } else { "" }) {
            label for="contributor" { "Your name, for credit (optional)" }
            input #contributor type="text" name="contributor" value=(f.contributor) maxlength="200";
            (error_for(errors, "contributor"))
        }
        div.field.(if errors.contains_key("licence") { "has-error" } else { "" }) {
            input #licence type="checkbox" name="licence" value="agree" checked[f.licence];
            label for="licence" { "I wrote this text myself and agree to publish it under the Creative Commons Attribution 4.0 licence (CC BY 4.0)." }
            (error_for(errors, "licence"))
        }
    }
}

/// Labels the case would carry, for the preview and the review page.
pub fn label_summary(t: &Taxonomy, case: &Case) -> Markup {
    html! {
        ul.label-summary {
            @for (dim, name) in [(Dimension::Domain, "Domains"), (Dimension::Cause, "Causes"), (Dimension::FailureMode, "Failure modes"), (Dimension::Method, "Methods")] {
                li {
                    strong { (name) ": " }
                    @for l in case.labels(dim) {
                        (super::chip(t, dim, l))
                        @if l.state == LabelState::Unmapped { " " }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_stored_before_a_field_existed_keeps_what_it_has() {
        // A submission saved before "pattern" was a field of the form.
        let doc = json!({ "form": { "title": "Old", "use_case": "U", "refs": ["https://e.org"] } });
        let f = CaseForm::from_doc(&doc);
        assert_eq!(f.title, "Old");
        assert_eq!(f.use_case, "U");
        assert_eq!(f.refs, vec!["https://e.org".to_string()]);
        assert_eq!(f.pattern, "");
    }
}
