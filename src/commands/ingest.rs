//! `notbetter ingest` and `notbetter check`.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;

use notbetter_kb::{collect_files, Batch, Checker, Diagnostic, Location};
use notbetter_taxonomy::Source;
use serde::Serialize;

use crate::cli::Cli;
use crate::output::{print_json, progress, JsonDiagnostic};
use crate::{EXIT_INPUT, EXIT_OK};

/// Reads and checks every file under `paths`, with a progress bar on a terminal.
fn read_all(paths: &[PathBuf], checker: &mut Checker<'_>) -> Batch {
    let mut batch = Batch::default();
    let files = collect_files(paths, &mut batch.diagnostics);
    let pb = progress(files.len() as u64, "reading");
    for file in &files {
        let name = file.display().to_string();
        match std::fs::read(file) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => checker.add_text(&name, &text, &mut batch),
                Err(e) => batch.diagnostics.push(Diagnostic::error(
                    name,
                    Location::Whole,
                    None,
                    format!(
                        "not valid UTF-8 (first bad byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                )),
            },
            Err(e) => batch.diagnostics.push(Diagnostic::error(
                name,
                Location::Whole,
                None,
                format!("cannot read: {e}"),
            )),
        }
        pb.inc(1);
    }
    pb.finish_and_clear();
    batch
}

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

fn summary(batch: &Batch, counts: (usize, usize, usize), dry_run: bool) -> Summary<'_> {
    Summary {
        added: counts.0,
        updated: counts.1,
        unchanged: counts.2,
        cases: batch.cases.len(),
        dry_run,
        warnings: batch.warnings().map(JsonDiagnostic::from).collect(),
        errors: batch.errors().map(JsonDiagnostic::from).collect(),
    }
}

fn print_diagnostics(batch: &Batch) {
    for d in &batch.diagnostics {
        eprintln!("{d}");
    }
}

pub fn ingest(
    cli: &Cli,
    paths: &[PathBuf],
    strict: bool,
    dry_run: bool,
    json: bool,
) -> anyhow::Result<u8> {
    let kb = super::open(cli)?;
    let mut batch = {
        let mut checker = kb.checker(Source::Curated)?.require_review(strict);
        read_all(paths, &mut checker)
    };
    if strict {
        batch.make_strict();
    }
    if !batch.is_clean(strict) {
        if json {
            print_json(&summary(&batch, (0, 0, 0), dry_run))?;
        } else {
            print_diagnostics(&batch);
            eprintln!(
                "ingest failed: {} error(s) in the input; nothing was stored",
                batch.errors().count()
            );
        }
        return Ok(EXIT_INPUT);
    }
    let report = kb.ingest(&batch, dry_run)?;
    if json {
        print_json(&summary(
            &batch,
            (report.added, report.updated, report.unchanged),
            dry_run,
        ))?;
    } else {
        print_diagnostics(&batch);
        let verb = if dry_run { "would add" } else { "added" };
        println!(
            "{verb} {}, {} {}, unchanged {} ({} warning(s))",
            report.added,
            if dry_run { "would update" } else { "updated" },
            report.updated,
            report.unchanged,
            batch.warnings().count()
        );
    }
    Ok(EXIT_OK)
}

pub fn check(paths: &[PathBuf], strict: bool, json: bool) -> anyhow::Result<u8> {
    let taxonomy = notbetter_taxonomy::bundled();
    // `check` is the curator's tool: it holds input to the curated standard (review, evidence,
    // method) and reports what falls short as warnings, errors under --strict.
    let mut checker = Checker::new(&taxonomy, Source::Curated, HashMap::new()).require_review(true);
    // A mechanism catalogue (`data/mechanisms.toml`) is checked as one; case files as cases.
    let (catalogues, paths): (Vec<&PathBuf>, Vec<PathBuf>) = {
        let (c, p): (Vec<&PathBuf>, Vec<&PathBuf>) = paths
            .iter()
            .partition(|p| p.file_name().is_some_and(|n| n == "mechanisms.toml"));
        (c, p.into_iter().cloned().collect())
    };
    let mut catalogue_errors = 0;
    let mut parsed = Vec::new();
    for path in &catalogues {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        match notbetter_kb::mechanism::Catalogue::parse(&text, &taxonomy) {
            Ok(c) => {
                if !json {
                    println!(
                        "{}: {} mechanism(s), well formed",
                        path.display(),
                        c.mechanisms.len()
                    );
                }
                parsed.push((path, c));
            }
            Err(e) => {
                catalogue_errors += 1;
                eprintln!("error: {}: {e}", path.display());
            }
        }
    }
    if paths.is_empty() {
        return Ok(if catalogue_errors == 0 {
            EXIT_OK
        } else {
            EXIT_INPUT
        });
    }
    let mut batch = read_all(&paths, &mut checker);
    // With the cases at hand, a curator's member and exclusion lists must name real cases.
    let ids: std::collections::HashSet<&str> =
        batch.cases.iter().map(|p| p.case.id.as_str()).collect();
    for (path, c) in &parsed {
        for m in &c.mechanisms {
            for id in m.members.iter().chain(&m.not) {
                if !ids.contains(id.as_str()) {
                    catalogue_errors += 1;
                    eprintln!(
                        "error: {}: mechanism `{}` lists `{id}`, which is not among the checked cases",
                        path.display(),
                        m.id
                    );
                }
            }
        }
        for id in &c.unassigned {
            if !ids.contains(id.as_str()) {
                catalogue_errors += 1;
                eprintln!(
                    "error: {}: `unassigned` lists `{id}`, which is not among the checked cases",
                    path.display()
                );
            }
        }
    }
    if strict {
        batch.make_strict();
    }
    let clean = batch.is_clean(strict) && catalogue_errors == 0;
    if json {
        print_json(&summary(&batch, (0, 0, 0), true))?;
    } else {
        print_diagnostics(&batch);
        println!(
            "checked {} case(s): {} error(s), {} warning(s)",
            batch.cases.len(),
            batch.errors().count(),
            batch.warnings().count()
        );
    }
    Ok(if clean { EXIT_OK } else { EXIT_INPUT })
}
