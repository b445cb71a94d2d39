//! Exports of the cases a search matches, streamed: the matching ids first, then the cases in
//! small chunks read from the store, so an export holds neither the store's lock while it
//! writes nor more than one chunk of cases in memory.

use std::io::Write;

use notbetter_interop::CaseWriter;
pub use notbetter_interop::{ExportFormat, InteropError};
use notbetter_search::SearchRequest;

use crate::{KbError, KnowledgeBase, Result};

/// Cases read from the store at a time during an export.
const EXPORT_CHUNK: usize = 256;

impl KnowledgeBase {
    /// The ids of every case `req` matches, ignoring its paging: what the search counts in its
    /// total. A request with no words, filter or year is every case in the store, in id order
    /// (read from the store, so an export is whole even while the index is being rebuilt);
    /// otherwise the search's matches, by relevance for words and by id without.
    pub fn matching_ids(&self, req: &SearchRequest) -> Result<Vec<String>> {
        let blank_query = matches!(req.query.trim(), "" | "*");
        let unfiltered = req.filters.values().all(Vec::is_empty)
            && req.year_from.is_none()
            && req.year_to.is_none();
        if blank_query && unfiltered {
            return Ok(self
                .store()
                .ids_and_sources()?
                .into_iter()
                .map(|(id, _)| id)
                .collect());
        }
        let mut ids = self.index.matching_ids(req)?;
        if blank_query {
            ids.sort_unstable();
        }
        Ok(ids)
    }

    /// Writes the cases `req` matches to `out` in `format` (JSON Lines, CSV or BibTeX), one
    /// chunk at a time, and returns how many it wrote with the output. The store's lock is held
    /// only while a chunk is read, never while it is written (a slow reader stalls nobody).
    pub fn export<W: Write>(
        &self,
        req: &SearchRequest,
        format: ExportFormat,
        out: W,
    ) -> Result<(usize, W)> {
        let ids = self.matching_ids(req)?;
        self.write_cases(&ids, format, out)
    }

    /// Writes the cases of `ids` that exist, in that order, as [`Self::export`] does.
    pub fn write_cases<W: Write>(
        &self,
        ids: &[String],
        format: ExportFormat,
        out: W,
    ) -> Result<(usize, W)> {
        let mut writer = CaseWriter::new(format, out)?;
        for chunk in ids.chunks(EXPORT_CHUNK) {
            let cases = self.store().cases_by_ids(chunk)?;
            for case in &cases {
                writer.write(case)?;
            }
        }
        let n = writer.written();
        Ok((n, writer.finish()?))
    }
}

impl KbError {
    /// Whether the error is the reader of an export going away (`| head`, a closed download),
    /// which is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, KbError::Export(e) if e.is_broken_pipe())
    }
}
