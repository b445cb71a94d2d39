//! Ingest: turns failure reports in any accepted form into canonical [`Case`]s, with every
//! problem found reported as a [`Diagnostic`] that names the file, the line and the field.
//!
//! Reading ([`read`]) and parsing ([`markdown`], [`tabular`]) produce raw records;
//! [`normalise`] checks them and maps their labels onto the taxonomy. Nothing here writes
//! anywhere: the caller decides, from the diagnostics, whether to store the result.

mod diagnostic;
pub mod markdown;
mod mirrors;
pub mod normalise;
mod read;
mod refs;
pub mod tabular;

pub use diagnostic::{Diagnostic, Location, Severity};
pub use mirrors::{mirror_of, BUNDLED_MIRRORS};
pub use normalise::{normalise, Checker};
pub use read::{collect_files, collect_files_with, parse_file, parse_text, Format, RawRecord};
pub use refs::{classify_reference, is_valid_arxiv, is_valid_doi, is_valid_url, RefKind};

use notbetter_taxonomy::{Case, Source, Taxonomy};

/// A case read from somewhere, with where it came from.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub case: Case,
    /// The file (and record) it came from, for provenance.
    pub origin: String,
}

/// The result of reading a set of inputs: the cases that could be built, and every diagnostic.
#[derive(Debug, Default)]
pub struct Batch {
    pub cases: Vec<Parsed>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Batch {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// Whether the batch may be stored: no errors, and in strict mode no warnings either.
    pub fn is_clean(&self, strict: bool) -> bool {
        self.errors().next().is_none() && (!strict || self.warnings().next().is_none())
    }

    /// In strict mode every warning counts as an error.
    pub fn make_strict(&mut self) {
        for d in &mut self.diagnostics {
            d.severity = Severity::Error;
        }
    }
}

/// Reads every file under `paths` (files, or directories read recursively) and normalises its
/// records. `known_dois` maps DOIs already in the store to their case ids, so that a DOI cited
/// under a second id is caught across runs too.
pub fn ingest_paths(
    paths: &[std::path::PathBuf],
    taxonomy: &Taxonomy,
    source: &Source,
    known_dois: &std::collections::HashMap<String, String>,
) -> Batch {
    Checker::new(taxonomy, source.clone(), known_dois.clone()).read_paths(paths)
}

impl Checker<'_> {
    /// Reads every file under `paths` (files, or directories read recursively) and checks its
    /// records, with this checker's settings.
    pub fn read_paths(&mut self, paths: &[std::path::PathBuf]) -> Batch {
        let mut batch = Batch::default();
        let files = collect_files(paths, &mut batch.diagnostics);
        for file in files {
            match std::fs::read(&file) {
                Ok(bytes) => {
                    let name = file.display().to_string();
                    match String::from_utf8(bytes) {
                        Ok(text) => self.add_text(&name, &text, &mut batch),
                        Err(e) => batch.diagnostics.push(Diagnostic::error(
                            &name,
                            Location::Whole,
                            None,
                            format!(
                                "file is not valid UTF-8 (first bad byte at offset {})",
                                e.utf8_error().valid_up_to()
                            ),
                        )),
                    }
                }
                Err(e) => batch.diagnostics.push(Diagnostic::error(
                    file.display().to_string(),
                    Location::Whole,
                    None,
                    format!("cannot read file: {e}"),
                )),
            }
        }
        batch
    }

    /// Parses one text (a file's content) by its name's extension and adds its cases and
    /// diagnostics to `batch`.
    pub fn add_text(&mut self, name: &str, text: &str, batch: &mut Batch) {
        let Some(format) = Format::from_name(name) else {
            batch.diagnostics.push(Diagnostic::warning(
                name,
                Location::Whole,
                None,
                "skipped: expected a .md, .json, .jsonl or .csv file",
            ));
            return;
        };
        let records = parse_text(name, text, format, &mut batch.diagnostics);
        for record in records {
            if let Some(case) = self.check(&record, &mut batch.diagnostics) {
                batch.cases.push(Parsed {
                    case,
                    origin: record.origin(),
                });
            }
        }
    }
}
