//! The Markdown export: one `<id>.md` per case in the bundled file format (TOML front matter,
//! then `##` sections), so a case can go back to `data/cases` by pull request.
//!
//! An element whose text could not survive a `##` section (a line of its own starting with
//! `## `, a carriage return, or surrounding blank space) is written in the front matter as a
//! TOML string instead, which ingest reads the same way. A missing element gets an empty
//! section, which shows a contributor the gap and reads back as missing.

use std::path::Path;

use notbetter_taxonomy::{Case, Evidence, Reference, Review, ELEMENTS};
use serde::Serialize;

use super::export_labels;
use crate::InteropError;

#[derive(Serialize)]
struct FrontMatter<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    year: Option<i32>,
    domains: Vec<String>,
    causes: Vec<String>,
    failure_modes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    methods: Vec<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    checked_against: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contributor: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    licence: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    use_case: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    solution: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    investigation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lessons: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    references: &'a [Reference],
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<&'a Evidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<&'a Review>,
}

/// Whether `text` must go in the front matter because a `##` section would change it.
fn needs_front_matter(text: &str) -> bool {
    text.contains('\r') || text.trim() != text || text.lines().any(|l| l.starts_with("## "))
}

/// The `<id>.md` file for one case.
pub fn case_markdown(case: &Case) -> Result<String, InteropError> {
    fn in_front(text: &str) -> Option<&str> {
        needs_front_matter(text).then_some(text)
    }
    let front = FrontMatter {
        id: &case.id,
        title: &case.title,
        year: case.year,
        domains: export_labels(&case.domains),
        causes: export_labels(&case.causes),
        failure_modes: export_labels(&case.failure_modes),
        methods: export_labels(&case.methods),
        tags: &case.tags,
        checked_against: case.checked_against.as_deref(),
        contributor: case.contributor.as_deref(),
        source_id: case.source_id.as_deref(),
        source_url: case.source_url.as_deref(),
        licence: case.licence.as_deref(),
        use_case: in_front(&case.use_case),
        solution: in_front(&case.solution),
        outcome: in_front(&case.outcome),
        investigation: in_front(&case.investigation),
        lessons: in_front(&case.lessons),
        references: &case.references,
        evidence: (!case.evidence.is_empty()).then_some(&case.evidence),
        review: case.review.as_ref(),
    };
    let toml = toml::to_string(&front).map_err(|source| InteropError::Toml {
        id: case.id.clone(),
        source,
    })?;
    let mut out = format!("+++\n{}+++\n", toml);
    let sections = ELEMENTS
        .iter()
        .map(|(field, heading)| (*field, *heading, true))
        .chain([("lessons", "Lessons", false)]);
    for (field, heading, required) in sections {
        let text = case.element(field);
        if needs_front_matter(text) || (text.is_empty() && !required) {
            continue;
        }
        out.push_str(&format!("\n## {heading}\n"));
        if !text.is_empty() {
            out.push_str(text);
            out.push('\n');
        }
    }
    Ok(out)
}

/// Writes one `<id>.md` per case into `dir` (created if needed), replacing files of the same
/// name and leaving others alone. Returns how many files were written.
pub fn write_dir(cases: &[Case], dir: &Path) -> Result<usize, InteropError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| InteropError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for case in cases {
        let path = dir.join(format!("{}.md", case.id));
        std::fs::write(&path, case_markdown(case)?).map_err(io(&path))?;
    }
    Ok(cases.len())
}
