//! Helpers the importers share: finding files, ids, years, references and tags.

use std::path::{Path, PathBuf};

use notbetter_ingest::normalise::{current_year, MIN_YEAR};
use notbetter_ingest::{classify_reference, Diagnostic, Location, RefKind};
use notbetter_taxonomy::Reference;

use super::Draft;

/// Expands `paths` into the files under them whose extension is one of `exts`, sorted; hidden
/// files and folders are passed over. A path that does not exist is an error.
pub fn collect_files(
    paths: &[PathBuf],
    exts: &[&str],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<PathBuf> {
    notbetter_ingest::collect_files_with(paths, diagnostics, |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e.to_ascii_lowercase().as_str()))
    })
}

/// A file's text, or an error diagnostic.
pub fn read_text(path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(e) => {
                diagnostics.push(Diagnostic::error(
                    path.display().to_string(),
                    Location::Whole,
                    None,
                    format!(
                        "not valid UTF-8 (first bad byte at offset {}); skipped",
                        e.utf8_error().valid_up_to()
                    ),
                ));
                None
            }
        },
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                path.display().to_string(),
                Location::Whole,
                None,
                format!("cannot read: {e}"),
            ));
            None
        }
    }
}

/// A record that cannot be read: reported with its file and record, and skipped.
pub fn malformed(
    diagnostics: &mut Vec<Diagnostic>,
    file: &str,
    location: Location,
    what: &str,
    problem: impl std::fmt::Display,
) {
    diagnostics.push(Diagnostic::error(
        file,
        location,
        None,
        format!("malformed {what}: {problem}; skipped"),
    ));
}

/// A case id from a source id: `prefix-` and the id lowercased, with every run of other
/// characters than letters and digits made one `-` (`AML.CS0000` → `atlas-aml-cs0000`).
pub fn make_id(prefix: &str, source_id: &str) -> Option<String> {
    let mut slug = String::new();
    for c in source_id.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    Some(format!("{prefix}-{slug}"))
        .filter(|id| !slug.is_empty() && notbetter_taxonomy::CaseId::is_valid(id))
}

/// Sets `year` from an ISO date (`2023-01-05`, or a year alone), or warns when the date is
/// unreadable or implausible and leaves the year empty.
pub fn set_year(draft: &mut Draft, date: Option<&str>) {
    let Some(date) = date.map(str::trim).filter(|d| !d.is_empty()) else {
        return;
    };
    let year = date
        .get(..4)
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|y| y.parse::<i32>().ok());
    match year {
        Some(y) if (MIN_YEAR..=current_year() + 1).contains(&y) => draft.form.year = Some(y),
        _ => draft.warn(
            "year",
            format!("the source's date `{date}` is not a plausible date; the year is left empty"),
        ),
    }
}

/// A reference from a source's title and link. A DOI or arXiv link becomes the bare id. A link
/// ingest would reject (a relative path, a local file) is left out with a warning, since a
/// reference needs something to follow.
pub fn reference(
    draft: &mut Draft,
    n: usize,
    title: Option<&str>,
    link: Option<&str>,
) -> Option<Reference> {
    let link = link.map(str::trim).filter(|l| !l.is_empty());
    let title = title
        .map(str::trim)
        .filter(|t| !t.is_empty() && Some(*t) != link)
        .map(str::to_string);
    let mut r = Reference {
        title,
        ..Default::default()
    };
    match link.and_then(classify_reference) {
        Some(RefKind::Doi(d)) => r.doi = Some(d),
        Some(RefKind::Arxiv(a)) => r.arxiv = Some(a),
        Some(RefKind::Url(u)) => r.url = Some(u),
        None => {
            draft.warn(
                "references",
                format!(
                    "source reference {n} ({}) has no DOI, arXiv id or http(s) URL; left out",
                    link.or(r.title.as_deref()).unwrap_or("empty")
                ),
            );
            return None;
        }
    }
    Some(r)
}

/// Adds `tag` unless it is empty or already there (ignoring case).
pub fn push_tag(tags: &mut Vec<String>, tag: &str) {
    let tag = tag.trim();
    if !tag.is_empty() && !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
        tags.push(tag.to_string());
    }
}

/// A trimmed, non-empty string.
pub fn text(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_source_ids() {
        for (prefix, raw, want) in [
            ("avid", "2023-R0001", Some("avid-2023-r0001")),
            ("atlas", "AML.CS0000", Some("atlas-aml-cs0000")),
            ("aiid", "12", Some("aiid-12")),
            ("aiid", " -- ", None),
            ("x", "a__b..", Some("x-a-b")),
        ] {
            assert_eq!(make_id(prefix, raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn references_keep_what_can_be_followed() {
        let mut d = Draft::new("f.json", Location::Whole);
        let r = reference(
            &mut d,
            1,
            Some("P"),
            Some("https://arxiv.org/abs/1802.03162"),
        )
        .unwrap();
        assert_eq!(r.arxiv.as_deref(), Some("1802.03162"));
        assert_eq!(r.title.as_deref(), Some("P"));
        let r = reference(&mut d, 2, Some("https://x.org/a"), Some("https://x.org/a")).unwrap();
        assert!(r.title.is_none(), "a title equal to the link is dropped");
        assert!(reference(&mut d, 3, Some("Screenshot"), Some("../img/a.png")).is_none());
        assert_eq!(d.warnings.len(), 1);
        assert!(d.warnings[0].1.contains("../img/a.png"), "{:?}", d.warnings);
    }

    #[test]
    fn years_from_dates() {
        let mut d = Draft::new("f.json", Location::Whole);
        set_year(&mut d, Some("2023-01-05"));
        assert_eq!(d.form.year, Some(2023));
        let mut d = Draft::new("f.json", Location::Whole);
        set_year(&mut d, Some("0001-01-01"));
        set_year(&mut d, Some("soon"));
        assert_eq!(d.form.year, None);
        assert_eq!(d.warnings.len(), 2);
    }
}
