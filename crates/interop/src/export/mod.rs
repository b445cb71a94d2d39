//! Exports: cases in the JSON input form (JSON Lines), as CSV, as bundled Markdown files and as
//! BibTeX.
//!
//! JSON Lines and Markdown are lossless for what ingest reads back: ingesting an export gives
//! the same cases. Labels are written as the report would write them: a confirmed label as its
//! slug, an unmapped label as its verbatim text (it maps to nothing, so it comes back unmapped),
//! and an inferred label not at all, because ingest infers it again from the same text.
//! What does not survive: the `raw` wording behind a confirmed label (the slug is what matters),
//! the source (everything re-ingested is curated), and inferred causes that an importer drew
//! from text the case does not keep (AIID report titles, GMF "potential" labels). CSV also
//! drops reference details other than the DOI, arXiv id or URL; it keeps the evidence facts
//! and the review in dotted columns (`evidence.code_available`, `review.date`).

pub mod bibtex;
pub mod markdown;

use std::io::Write;

use notbetter_taxonomy::{Case, Evidence, Label, LabelState, Reference, Review};
use serde::{Deserialize, Serialize};

use crate::InteropError;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Csv,
    Markdown,
    Bibtex,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
            ExportFormat::Markdown => "md",
            ExportFormat::Bibtex => "bibtex",
        }
    }
}

/// A case in the JSON input form of `case-format.md`: what ingest reads from JSON and JSON
/// Lines. Every key is always present, so each line has the same columns for pandas or R.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputForm {
    pub id: String,
    pub title: String,
    pub year: Option<i32>,
    pub domains: Vec<String>,
    pub causes: Vec<String>,
    pub failure_modes: Vec<String>,
    pub methods: Vec<String>,
    pub tags: Vec<String>,
    pub use_case: String,
    pub solution: String,
    pub outcome: String,
    pub investigation: String,
    pub lessons: String,
    pub references: Vec<Reference>,
    pub evidence: Evidence,
    pub checked_against: Option<String>,
    pub review: Option<Review>,
    pub contributor: Option<String>,
    pub source_id: Option<String>,
    pub source_url: Option<String>,
    pub licence: Option<String>,
}

/// The labels of one dimension as a report would give them (see the module docs).
pub fn export_labels(labels: &[Label]) -> Vec<String> {
    labels
        .iter()
        .filter(|l| l.state != LabelState::Inferred)
        // A matched label goes back as it was written, so it comes back matched, not
        // confirmed: exporting must not confirm what no reviewer confirmed.
        .map(|l| match (l.state, &l.raw) {
            (LabelState::Matched, Some(raw)) => raw.clone(),
            _ => l.value.clone(),
        })
        .collect()
}

/// A case in the JSON input form.
pub fn input_form(case: &Case) -> InputForm {
    InputForm {
        id: case.id.clone(),
        title: case.title.clone(),
        year: case.year,
        domains: export_labels(&case.domains),
        causes: export_labels(&case.causes),
        failure_modes: export_labels(&case.failure_modes),
        methods: export_labels(&case.methods),
        tags: case.tags.clone(),
        use_case: case.use_case.clone(),
        solution: case.solution.clone(),
        outcome: case.outcome.clone(),
        investigation: case.investigation.clone(),
        lessons: case.lessons.clone(),
        references: case.references.clone(),
        evidence: case.evidence.clone(),
        checked_against: case.checked_against.clone(),
        review: case.review.clone(),
        contributor: case.contributor.clone(),
        source_id: case.source_id.clone(),
        source_url: case.source_url.clone(),
        licence: case.licence.clone(),
    }
}

/// One case per line, in the JSON input form.
pub fn write_jsonl(cases: &[Case], out: &mut dyn Write) -> Result<(), InteropError> {
    write(ExportFormat::Jsonl, cases, out)
}

/// The CSV columns: the input form's names, with the `evidence` and `review` tables spread
/// into dotted columns that ingest reads back into tables.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "title",
    "year",
    "domains",
    "causes",
    "failure_modes",
    "methods",
    "tags",
    "use_case",
    "solution",
    "outcome",
    "investigation",
    "lessons",
    "references",
    "evidence.code_available",
    "evidence.data_available",
    "evidence.external_validation",
    "evidence.unknown_reason",
    "checked_against",
    "review.date",
    "review.against",
    "review.verdict",
    "review.notes",
    "contributor",
    "source_id",
    "source_url",
    "licence",
];

/// A reference as a CSV cell item: the DOI, else `arXiv:<id>`, else the URL.
pub fn reference_id(r: &Reference) -> Option<String> {
    r.doi
        .clone()
        .or_else(|| r.arxiv.as_ref().map(|a| format!("arXiv:{a}")))
        .or_else(|| r.url.clone())
}

/// A header row, then one row per case; list cells are joined with `;`.
pub fn write_csv(cases: &[Case], out: &mut dyn Write) -> Result<(), InteropError> {
    write(ExportFormat::Csv, cases, out)
}

/// One CSV row of a case, in [`CSV_COLUMNS`] order.
fn csv_row(case: &Case) -> Vec<String> {
    let f = input_form(case);
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let fact = |f: Option<notbetter_taxonomy::Fact>| f.map(|f| f.as_str().to_string());
    let refs: Vec<String> = f.references.iter().filter_map(reference_id).collect();
    let review = f.review.as_ref();
    vec![
        f.id.clone(),
        f.title.clone(),
        f.year.map(|y| y.to_string()).unwrap_or_default(),
        f.domains.join("; "),
        f.causes.join("; "),
        f.failure_modes.join("; "),
        f.methods.join("; "),
        f.tags.join("; "),
        f.use_case.clone(),
        f.solution.clone(),
        f.outcome.clone(),
        f.investigation.clone(),
        f.lessons.clone(),
        refs.join("; "),
        opt(&fact(f.evidence.code_available)),
        opt(&fact(f.evidence.data_available)),
        opt(&fact(f.evidence.external_validation)),
        opt(&f.evidence.unknown_reason),
        opt(&f.checked_against),
        review.map(|r| r.date.clone()).unwrap_or_default(),
        review.map(|r| r.against.join("; ")).unwrap_or_default(),
        review
            .map(|r| r.verdict.as_str().to_string())
            .unwrap_or_default(),
        review.map(|r| r.notes.clone()).unwrap_or_default(),
        opt(&f.contributor),
        opt(&f.source_id),
        opt(&f.source_url),
        opt(&f.licence),
    ]
}

/// Writes cases one at a time in a streaming format, so an export of any size needs memory for
/// one case: JSON Lines, CSV (its header first, even for no case) or BibTeX. Markdown writes a
/// directory instead (see [`markdown::write_dir`]).
pub struct CaseWriter<W: Write> {
    format: ExportFormat,
    out: Option<W>,
    csv: Option<csv::Writer<W>>,
    written: usize,
}

impl<W: Write> CaseWriter<W> {
    pub fn new(format: ExportFormat, out: W) -> Result<CaseWriter<W>, InteropError> {
        match format {
            ExportFormat::Markdown => Err(InteropError::NeedsDirectory("md")),
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(CSV_COLUMNS)?;
                Ok(CaseWriter {
                    format,
                    out: None,
                    csv: Some(w),
                    written: 0,
                })
            }
            _ => Ok(CaseWriter {
                format,
                out: Some(out),
                csv: None,
                written: 0,
            }),
        }
    }

    pub fn write(&mut self, case: &Case) -> Result<(), InteropError> {
        if let Some(w) = &mut self.csv {
            w.write_record(csv_row(case))?;
        } else if let Some(out) = &mut self.out {
            match self.format {
                ExportFormat::Jsonl => {
                    serde_json::to_writer(&mut *out, &input_form(case))?;
                    out.write_all(b"\n")?;
                }
                _ => {
                    if self.written > 0 {
                        out.write_all(b"\n")?;
                    }
                    out.write_all(bibtex::case_bibtex(case).as_bytes())?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    /// How many cases were written.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Flushes what is buffered and gives the output back.
    pub fn finish(self) -> Result<W, InteropError> {
        if let Some(w) = self.csv {
            return w
                .into_inner()
                .map_err(|e| InteropError::Write(e.into_error()));
        }
        let mut out = self.out.expect("a non-CSV writer keeps its output");
        out.flush()?;
        Ok(out)
    }
}

/// Writes `cases` in a streaming format. Markdown writes a directory instead (see
/// [`markdown::write_dir`]).
pub fn write(
    format: ExportFormat,
    cases: &[Case],
    out: &mut dyn Write,
) -> Result<(), InteropError> {
    let mut w = CaseWriter::new(format, out)?;
    for case in cases {
        w.write(case)?;
    }
    w.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests;
