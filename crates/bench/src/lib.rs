//! Performance: a deterministic synthetic corpus of realistic cases (`notbetter synth`), and
//! one benchmark run (`notbetter bench`) that measures ingest, index size, the search query
//! mix against SQLite FTS5 + `GROUP BY`, cold start, freshness and clustering, and checks the
//! figures against the targets of issue 7.
//!
//! The targets are checks in the report, never assertions in tests: the tests here only check
//! that the generator is deterministic, that its output ingests cleanly, that the report has
//! every key, and that the FTS5 baseline counts what the index counts.

pub mod queries;
pub mod report;
pub mod run;
pub mod stats;
pub mod synth;
pub mod vocab;

pub use report::Report;
pub use run::{run, Options};
pub use synth::{write_corpus, Synth};

#[cfg(test)]
mod tests;
