//! The search index: faceted full-text search over cases, derived from the store.
//!
//! This is the only crate that imports tantivy. The index holds nothing that the store does not:
//! it can be deleted and rebuilt at any time. Each commit carries the store generation it
//! reflects (tantivy's commit payload), so a caller can tell when the index is behind.

mod cache;
mod deadline;
mod facets;
mod index;
mod parallel;
mod query;
mod schema;
mod stem;
mod ties;

pub use index::SearchIndex;
pub use parallel::PARALLEL_MIN_DOCS;
pub use query::{
    Brief, Correction, FacetCounts, Hit, MechanismDoc, Neighbour, ReadLabel, ReadMechanism,
    Reading, SearchRequest, SearchResults, Similar, Snippet, Sort, TextCause, Tuning, MAX_LIMIT,
    MAX_OFFSET,
};
pub use schema::FacetDim;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The user's query could not be parsed. The message says what is wrong.
    #[error("invalid query: {0}")]
    Query(String),
    /// A request parameter is out of range.
    #[error("invalid request: {0}")]
    Request(String),
    /// Another process holds the index's writer lock.
    #[error("the search index is locked by another process (is `notbetter serve` running on this data directory?); stop it, or make this change through the web site")]
    Locked,
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory error: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
}

impl SearchError {
    /// Whether the error was caused by the request (and so deserves a 400, not a 500).
    pub fn is_user_error(&self) -> bool {
        matches!(self, SearchError::Query(_) | SearchError::Request(_))
    }
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;
