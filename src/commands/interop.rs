//! `notbetter import` (AVID, MITRE ATLAS, AIID records into the knowledge base) and
//! `notbetter export` (every case as JSON Lines, CSV, Markdown files or BibTeX).

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};

use anyhow::{bail, Context};
use notbetter_kb::import::{import_paths, Peer};
use notbetter_kb::{write_markdown_dir, Batch, ExportFormat};
use notbetter_taxonomy::Source;
use serde::Serialize;

use crate::cli::{Cli, Command, ExportFormatArg, ImportSource};
use crate::output::{print_json, JsonDiagnostic};
use crate::{EXIT_INPUT, EXIT_OK};

/// Warnings are listed one by one up to this many; past it they are counted by field.
const LIST_WARNINGS: usize = 20;

/// The summary `--json` prints: the shape of `ingest --json`.
#[derive(Serialize)]
struct Summary<'a> {
    added: usize,
    updated: usize,
    unchanged: usize,
    cases: usize,
    dry_run: bool,
    warnings: Vec<JsonDiagnostic<'a>>,
    errors: Vec<JsonDiagnostic<'a>>,
}

impl ImportSource {
    fn peer(self) -> Peer {
        match self {
            ImportSource::Avid => Peer::Avid,
            ImportSource::Atlas => Peer::Atlas,
            ImportSource::Aiid => Peer::Aiid,
        }
    }
}

impl ExportFormatArg {
    fn format(self) -> ExportFormat {
        match self {
            ExportFormatArg::Jsonl => ExportFormat::Jsonl,
            ExportFormatArg::Csv => ExportFormat::Csv,
            ExportFormatArg::Md => ExportFormat::Markdown,
            ExportFormatArg::Bibtex => ExportFormat::Bibtex,
        }
    }
}

fn print_warnings(batch: &Batch) {
    let count = batch.warnings().count();
    if count <= LIST_WARNINGS {
        for w in batch.warnings() {
            eprintln!("{w}");
        }
        return;
    }
    let mut by_field: BTreeMap<&str, usize> = BTreeMap::new();
    for w in batch.warnings() {
        *by_field
            .entry(w.field.as_deref().unwrap_or("-"))
            .or_default() += 1;
    }
    let fields: Vec<String> = by_field.iter().map(|(f, n)| format!("{f} {n}")).collect();
    eprintln!(
        "{count} warning(s), by field: {} (--json lists them all)",
        fields.join(", ")
    );
}

pub fn import(cli: &Cli) -> anyhow::Result<u8> {
    let Command::Import {
        source,
        paths,
        dry_run,
        json,
    } = &cli.command
    else {
        unreachable!("dispatched on Command::Import")
    };
    let peer = source.peer();
    let kb = super::open(cli)?;
    let batch = {
        let mut checker = kb.checker(peer.source())?;
        import_paths(peer, paths, &mut checker, kb.taxonomy())
    };
    // Unlike ingest, an import stores the records that could be read: a malformed record is
    // reported and skipped, and the run exits 1 so that scripts notice.
    let report = kb.ingest(&batch, *dry_run)?;
    let errors = batch.errors().count();
    if *json {
        print_json(&Summary {
            added: report.added,
            updated: report.updated,
            unchanged: report.unchanged,
            cases: batch.cases.len(),
            dry_run: *dry_run,
            warnings: batch.warnings().map(JsonDiagnostic::from).collect(),
            errors: batch.errors().map(JsonDiagnostic::from).collect(),
        })?;
    } else {
        for e in batch.errors() {
            eprintln!("{e}");
        }
        print_warnings(&batch);
        let (add, update) = if *dry_run {
            ("would add", "would update")
        } else {
            ("added", "updated")
        };
        println!(
            "{}: {add} {}, {update} {}, unchanged {}; {errors} record(s) skipped for errors",
            peer.name(),
            report.added,
            report.updated,
            report.unchanged,
        );
    }
    Ok(if errors > 0 { EXIT_INPUT } else { EXIT_OK })
}

pub fn export(cli: &Cli) -> anyhow::Result<u8> {
    let Command::Export {
        format,
        out,
        query,
        filters,
    } = &cli.command
    else {
        unreachable!("dispatched on Command::Export")
    };
    for s in &filters.sources {
        if s != "imported" && Source::parse(s).is_none() {
            eprintln!(
                "error: unknown source `{s}`: expected curated, contributed, imported or \
                 imported/<name>"
            );
            return Ok(EXIT_INPUT);
        }
    }
    let format = format.format();
    let kb = super::open_with_cases(cli)?;
    let req = match super::search::request(&kb, query, filters) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_INPUT);
        }
    };
    if format == ExportFormat::Markdown {
        let Some(dir) = out else {
            bail!("the md export writes one file per case: give a directory with --out");
        };
        let ids = kb.matching_ids(&req)?;
        let mut cases = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(s) = kb.get(id)? {
                cases.push(s.case);
            }
        }
        let n = write_markdown_dir(&cases, dir)?;
        eprintln!("wrote {n} case file(s) to {}", dir.display());
        return Ok(EXIT_OK);
    }
    let result = match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            kb.export(&req, format, BufWriter::new(file))
                .and_then(|(n, mut w)| {
                    w.flush().map_err(notbetter_kb::InteropError::Write)?;
                    Ok(n)
                })
                .map(|n| eprintln!("wrote {n} case(s) to {}", path.display()))
        }
        None => kb
            .export(&req, format, BufWriter::new(std::io::stdout().lock()))
            .and_then(|(_, mut w)| Ok(w.flush().map_err(notbetter_kb::InteropError::Write)?)),
    };
    match result {
        Err(e) if e.is_broken_pipe() => Ok(EXIT_OK),
        Err(e) if e.is_user_error() => {
            eprintln!("error: {e}");
            Ok(EXIT_INPUT)
        }
        Err(e) => Err(e.into()),
        Ok(()) => Ok(EXIT_OK),
    }
}
