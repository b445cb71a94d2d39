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

pub use notbetter_taxonomy::InputForm;
use notbetter_taxonomy::{Case, Label, Reference};

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

/// The labels of one dimension as a report would give them (see the module docs).
pub fn export_labels(labels: &[Label]) -> Vec<String> {
    notbetter_taxonomy::reported_labels(labels)
}

/// A case in the JSON input form.
pub fn input_form(case: &Case) -> InputForm {
    InputForm::from(case)
}

/// One case per line, in the JSON input form.
pub fn write_jsonl(cases: &[Case], out: &mut dyn Write) -> Result<(), InteropError> {
    write(ExportFormat::Jsonl, cases, out)
}

/// The CSV columns: the input form's fields, with the `evidence` and `review` tables spread
/// into dotted columns that ingest reads back into tables (see [`InputForm::csv_columns`]).
pub fn csv_columns() -> &'static [String] {
    static COLUMNS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    COLUMNS.get_or_init(InputForm::csv_columns)
}

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

/// One CSV cell: text as it is, numbers and booleans written out, lists joined with `; `
/// (references as their DOI, arXiv id or URL), and nothing for a missing value.
fn cell(value: Option<&serde_json::Value>, column: &str) -> String {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(items)) if column == "references" => items
            .iter()
            .filter_map(|r| serde_json::from_value::<Reference>(r.clone()).ok())
            .filter_map(|r| reference_id(&r))
            .collect::<Vec<_>>()
            .join("; "),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| cell(Some(v), ""))
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
    }
}

/// One CSV row of a case, in [`csv_columns`] order, read off the case's input form.
fn csv_row(case: &Case) -> Result<Vec<String>, InteropError> {
    let form = serde_json::to_value(input_form(case))?;
    Ok(csv_columns()
        .iter()
        .map(|column| {
            let value = match column.split_once('.') {
                Some((table, key)) => form.get(table).and_then(|t| t.get(key)),
                None => form.get(column.as_str()),
            };
            cell(value, column)
        })
        .collect())
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
                w.write_record(csv_columns())?;
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
            w.write_record(csv_row(case)?)?;
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
