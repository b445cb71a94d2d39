//! The Markdown export: one `<id>.md` per case in the bundled file format (TOML front matter,
//! then `##` sections), so a case can go back to `data/cases` by pull request.
//!
//! An element whose text could not survive a `##` section (a line of its own starting with
//! `## `, a carriage return, or surrounding blank space) is written in the front matter as a
//! TOML string instead, which ingest reads the same way. A missing element gets an empty
//! section, which shows a contributor the gap and reads back as missing.

use std::path::Path;

use notbetter_taxonomy::{Case, InputForm, ELEMENTS};

use crate::InteropError;

/// Whether `text` must go in the front matter because a `##` section would change it.
fn needs_front_matter(text: &str) -> bool {
    text.contains('\r') || text.trim() != text || text.lines().any(|l| l.starts_with("## "))
}

/// The front matter of a case: its input form's fields in declaration order, each left out
/// when it is empty, and the text fields only when a `##` section could not hold them.
fn front_matter(case: &Case) -> Result<toml::Table, InteropError> {
    let toml_error = |source| InteropError::Toml {
        id: case.id.clone(),
        source,
    };
    // Serialised straight to TOML, so nested tables keep their declaration order too.
    let mut form = toml::Table::try_from(InputForm::from(case)).map_err(toml_error)?;
    form.retain(|field, value| {
        let empty = match value {
            toml::Value::String(s) => s.is_empty(),
            toml::Value::Array(a) => a.is_empty(),
            toml::Value::Table(t) => t.is_empty(),
            _ => false,
        };
        let name: &str = field;
        let text_field = InputForm::TEXT_FIELDS.contains(&name);
        !empty && (!text_field || needs_front_matter(value.as_str().unwrap_or_default()))
    });
    Ok(form)
}

/// The `<id>.md` file for one case.
pub fn case_markdown(case: &Case) -> Result<String, InteropError> {
    let toml = toml::to_string(&front_matter(case)?).map_err(|source| InteropError::Toml {
        id: case.id.clone(),
        source,
    })?;
    let mut out = format!("+++\n{}+++\n", toml);
    let sections = ELEMENTS
        .iter()
        .map(|(field, heading)| (*field, *heading, true))
        .chain(
            notbetter_taxonomy::OPTIONAL_SECTIONS
                .iter()
                .map(|(field, heading)| (*field, *heading, false)),
        );
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
