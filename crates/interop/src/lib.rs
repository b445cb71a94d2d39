//! Interoperability: exports of canonical cases to other formats, and importers that map peer
//! databases' records (AVID, MITRE ATLAS, the AI Incident Database) onto the same [`Case`].
//!
//! [`export`] writes cases as JSON Lines and Markdown that re-ingest to the same cases, as CSV
//! for spreadsheets, and as BibTeX. [`import`] reads the peers' files and hands each record,
//! turned into the JSON input form, to ingest's [`Checker`](notbetter_ingest::Checker), so an
//! imported case is checked and normalised exactly as a report would be. Nothing here touches
//! the store: the caller decides what to write.
//!
//! [`Case`]: notbetter_taxonomy::Case

pub mod export;
pub mod import;

pub use export::bibtex::{bibtex_key, case_bibtex};
pub use export::markdown::case_markdown;
pub use export::{input_form, write, CaseWriter, ExportFormat, InputForm};
pub use import::{import_paths, Peer};

use std::path::PathBuf;

/// What can go wrong writing an export. Import problems are diagnostics, not errors.
#[derive(Debug, thiserror::Error)]
pub enum InteropError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot encode the front matter of `{id}`: {source}")]
    Toml {
        id: String,
        source: toml::ser::Error,
    },
    #[error("the {0} export writes one file per case: give a directory with --out")]
    NeedsDirectory(&'static str),
}

impl InteropError {
    /// Whether the reader went away (`| head`), which is not a failure of the export.
    pub fn is_broken_pipe(&self) -> bool {
        let io = match self {
            InteropError::Write(e) | InteropError::Io { source: e, .. } => Some(e),
            InteropError::Csv(e) => match e.kind() {
                csv::ErrorKind::Io(e) => Some(e),
                _ => None,
            },
            _ => None,
        };
        io.is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
