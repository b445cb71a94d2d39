//! Finding input files and splitting them into raw records, by format.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Location};
use crate::{markdown, tabular};

/// The accepted input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Json,
    JsonLines,
    Csv,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        let ext = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "md" | "markdown" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// One record before checking: its fields as JSON values, and where each came from.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub file: String,
    /// Where the record starts.
    pub location: Location,
    pub fields: Map<String, Value>,
    /// For Markdown: the line of each front-matter key and section, for precise diagnostics.
    pub field_lines: HashMap<String, usize>,
    /// Whether this format carries list fields as `;`-separated strings (CSV).
    pub semicolon_lists: bool,
}

impl RawRecord {
    /// The location of a field: its own line where known, else the record's.
    pub fn locate(&self, field: &str) -> Location {
        match self.field_lines.get(field) {
            Some(&line) => Location::Line(line),
            None => self.location,
        }
    }

    /// A short provenance string: the file, plus the record where a file holds several.
    pub fn origin(&self) -> String {
        match self.location {
            Location::Whole | Location::Line(_) => self.file.clone(),
            other => format!("{}{}", self.file, other),
        }
    }
}

/// Expands paths into the input files under them, sorted for a stable order. Hidden files and
/// files of unknown formats inside directories are passed over; a path that does not exist is
/// an error.
pub fn collect_files(paths: &[PathBuf], diagnostics: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    collect_files_with(paths, diagnostics, |p| {
        Format::from_name(&p.to_string_lossy()).is_some()
    })
}

/// Like [`collect_files`], keeping the files inside directories for which `keep` is true (a
/// path named directly is always kept). Importers use it for their own formats.
pub fn collect_files_with(
    paths: &[PathBuf],
    diagnostics: &mut Vec<Diagnostic>,
    keep: impl Fn(&Path) -> bool,
) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
        } else if path.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .follow_links(true)
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                })
                .filter_map(|e| match e {
                    Ok(e) => Some(e),
                    Err(err) => {
                        diagnostics.push(Diagnostic::error(
                            path.display().to_string(),
                            Location::Whole,
                            None,
                            format!("cannot read directory entry: {err}"),
                        ));
                        None
                    }
                })
                .filter(|e| e.file_type().is_file() && keep(e.path()))
                .map(|e| e.into_path())
                .collect();
            found.sort();
            files.extend(found);
        } else {
            diagnostics.push(Diagnostic::error(
                path.display().to_string(),
                Location::Whole,
                None,
                "no such file or directory",
            ));
        }
    }
    files
}

/// Reads a file from disk and splits it into raw records.
pub fn parse_file(path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<RawRecord> {
    let name = path.display().to_string();
    let Some(format) = Format::from_name(&name) else {
        return Vec::new();
    };
    match std::fs::read_to_string(path) {
        Ok(text) => parse_text(&name, &text, format, diagnostics),
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                name,
                Location::Whole,
                None,
                format!("cannot read file: {e}"),
            ));
            Vec::new()
        }
    }
}

/// Splits a text of the given format into raw records.
pub fn parse_text(
    name: &str,
    text: &str,
    format: Format,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<RawRecord> {
    match format {
        Format::Markdown => markdown::parse(name, text, diagnostics)
            .into_iter()
            .collect(),
        Format::Json => tabular::parse_json(name, text, diagnostics),
        Format::JsonLines => tabular::parse_jsonl(name, text, diagnostics),
        Format::Csv => tabular::parse_csv(name, text, diagnostics),
    }
}
