//! Streaming ingest of JSON Lines: reading and checking, storing, and indexing overlap, one
//! thread each, with memory bounded by a few batches.

use std::collections::HashMap;

use notbetter_ingest::Checker;
use notbetter_store::ApplyReport;
use notbetter_taxonomy::{Case, Source};

use crate::{KnowledgeBase, Result};

/// What [`KnowledgeBase::ingest_jsonl`] did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct StreamReport {
    /// Records read and checked without errors.
    pub cases: usize,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Batches written (each one store transaction and one index commit).
    pub batches: usize,
    pub warnings: usize,
    pub errors: usize,
    /// The first [`STREAM_DIAGNOSTICS_KEPT`] diagnostics, errors and warnings in input order;
    /// the rest are only counted, so memory stays bounded whatever the input's size.
    pub diagnostics: Vec<notbetter_ingest::Diagnostic>,
}

/// How many diagnostics a [`StreamReport`] keeps.
pub const STREAM_DIAGNOSTICS_KEPT: usize = 100;

type StreamBatch = Vec<(Case, String)>;

impl KnowledgeBase {
    /// Ingests JSON Lines from `reader` in batches of `batch_size` checked cases, so that peak
    /// memory is bounded by a few batches, not by the input. Each batch is one store
    /// transaction, then one index commit at the store's generation after it, as in
    /// [`KnowledgeBase::write`].
    ///
    /// Three stages overlap, one thread each: reading and checking batch k+2, writing batch
    /// k+1 to the store, and indexing batch k. The index therefore lags the store by at most
    /// one batch while this runs, which is the state [`KnowledgeBase::open`] repairs if the
    /// process dies; it never holds a case the store lacks.
    ///
    /// Unlike [`KnowledgeBase::ingest`], a run is atomic per batch, not as a whole: once any
    /// record has an error, nothing more is written (the batch holding it and every later one),
    /// but reading and checking go on to the end so that every error is counted. Batches
    /// written before the first error stay stored. Read errors and invalid UTF-8 are errors of
    /// their line. `progress` is called after each indexed batch.
    pub fn ingest_jsonl(
        &self,
        name: &str,
        reader: impl std::io::BufRead + Send,
        source: Source,
        batch_size: usize,
        mut progress: impl FnMut(&StreamReport),
    ) -> Result<StreamReport> {
        let checker = self.checker(source)?;
        let batch_size = batch_size.max(1);
        std::thread::scope(|s| {
            let (to_store, from_reader) = std::sync::mpsc::sync_channel::<StreamBatch>(0);
            let (to_index, from_store) =
                std::sync::mpsc::sync_channel::<(StreamBatch, ApplyReport, u64)>(0);
            let reading = s.spawn(move || read_jsonl(name, reader, checker, batch_size, to_store));
            let storing = s.spawn(move || -> Result<()> {
                for batch in from_reader {
                    let mut store = self.store();
                    let applied = store.apply(batch.iter().map(|(c, o)| (c, o.as_str())))?;
                    let generation = store.generation()?;
                    drop(store);
                    if to_index.send((batch, applied, generation)).is_err() {
                        break;
                    }
                }
                Ok(())
            });
            let mut done = StreamReport::default();
            let mut indexed: Result<()> = Ok(());
            for (batch, applied, generation) in from_store {
                if !applied.changed.is_empty() && self.shared {
                    // Other nodes may have written between the batches: follow the store.
                    drop(batch);
                    if let Err(e) = self.follow() {
                        indexed = Err(e);
                        break;
                    }
                } else if !applied.changed.is_empty() {
                    let by_id: HashMap<&str, &Case> =
                        batch.iter().map(|(c, _)| (c.id.as_str(), c)).collect();
                    let upserted = self.index.upsert_with(
                        applied
                            .changed
                            .iter()
                            .filter_map(|id| by_id.get(id.as_str()).copied()),
                        |id| applied.added_ids.contains(id),
                    );
                    // The writer has its own copies now: free the batch before the commit.
                    drop(by_id);
                    drop(batch);
                    if let Err(e) = self.seal_index(upserted, generation) {
                        indexed = Err(e);
                        break;
                    }
                }
                done.added += applied.added;
                done.updated += applied.updated;
                done.unchanged += applied.unchanged;
                done.batches += 1;
                progress(&done);
            }
            let stored = storing
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            let mut report = reading
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            indexed?;
            stored?;
            report.added = done.added;
            report.updated = done.updated;
            report.unchanged = done.unchanged;
            report.batches = done.batches;
            Ok(report)
        })
    }
}

/// The reading stage of [`KnowledgeBase::ingest_jsonl`]: parses and checks every line, sends
/// clean batches on, and stops sending (not checking) at the first error or when the next stage
/// has stopped.
fn read_jsonl(
    name: &str,
    mut reader: impl std::io::BufRead,
    mut checker: Checker<'_>,
    batch_size: usize,
    to_store: std::sync::mpsc::SyncSender<StreamBatch>,
) -> StreamReport {
    use notbetter_ingest::{Diagnostic, Location, Severity};
    let mut report = StreamReport::default();
    let mut pending: StreamBatch = Vec::with_capacity(batch_size.min(100_000));
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut line = Vec::new();
    let mut line_no = 0usize;
    let mut sending = true;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line);
        let at_end = matches!(read, Ok(0));
        let failed = read.is_err();
        if !at_end {
            line_no += 1;
        }
        match read {
            Ok(0) => {}
            Ok(_) => match std::str::from_utf8(&line) {
                Ok(text) if text.trim().is_empty() => {}
                Ok(text) => {
                    let records =
                        notbetter_ingest::tabular::parse_jsonl(name, text, &mut diagnostics);
                    for mut record in records {
                        record.location = Location::JsonLine(line_no);
                        if let Some(case) = checker.check(&record, &mut diagnostics) {
                            report.cases += 1;
                            if sending {
                                pending.push((case, record.origin()));
                            }
                        }
                    }
                }
                Err(e) => diagnostics.push(Diagnostic::error(
                    name,
                    Location::JsonLine(line_no),
                    None,
                    format!(
                        "not valid UTF-8 (first bad byte at offset {})",
                        e.valid_up_to()
                    ),
                )),
            },
            Err(e) => diagnostics.push(Diagnostic::error(
                name,
                Location::JsonLine(line_no),
                None,
                format!("cannot read: {e}"),
            )),
        }
        for mut d in diagnostics.drain(..) {
            // parse_jsonl saw one line: put its diagnostics on the line in the stream.
            if d.location == Location::JsonLine(1) {
                d.location = Location::JsonLine(line_no);
                d.line = Some(line_no);
            }
            match d.severity {
                Severity::Error => report.errors += 1,
                Severity::Warning => report.warnings += 1,
            }
            if report.diagnostics.len() < STREAM_DIAGNOSTICS_KEPT {
                report.diagnostics.push(d);
            }
        }
        if report.errors > 0 {
            sending = false;
            pending.clear();
        }
        let full = pending.len() >= batch_size || ((at_end || failed) && !pending.is_empty());
        if sending && full {
            let batch =
                std::mem::replace(&mut pending, Vec::with_capacity(batch_size.min(100_000)));
            if to_store.send(batch).is_err() {
                break;
            }
        }
        if at_end || failed {
            break;
        }
    }
    report
}
