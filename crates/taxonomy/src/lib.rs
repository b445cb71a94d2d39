//! The pure core of Not Better: the taxonomy, label normalisation and the canonical case type.
//!
//! This crate does no IO. It knows nothing of files, SQLite or tantivy: it parses taxonomy text
//! handed to it, maps free-text labels onto slugs, and defines the [`Case`] every other crate
//! passes around.

mod avid;
mod builder;
mod case;
mod facts;
mod garak;
mod ids;
mod input;
mod model;
mod normalise;
mod resolve;

pub use avid::{avid_sep_causes, leading_code as leading_avid_code};
pub use builder::CaseBuilder;
pub use case::{
    Case, Label, LabelState, MatchInfo, Reference, Source, ELEMENTS, OPTIONAL_SECTIONS,
};
pub use facts::{source_link, Evidence, Fact, Review, Verdict};
pub use garak::garak_probe_cause;
pub use ids::{CaseId, IdError, Slug, CASE_ID_MAX, SLUG_MAX};
pub use input::{reported_labels, InputForm};
pub use model::{slug_within, Dimension, Entry, Taxonomy, TaxonomyError};
pub use normalise::{label_words, normalise_label, Inference, LabelReader, Mapping, MatchRule};
pub use resolve::{field_head, qualified_head, METHODS_DOMAIN, MIN_CONFIDENCE};

/// The earliest year a case (or a reference) can be from: the perceptron predates deep
/// learning, but nothing in this knowledge base can predate computers. Ingest refuses earlier
/// years, and the search's year filters start here.
pub const YEAR_MIN: i32 = 1950;

/// The latest year a search's year filter accepts (ingest's own limit is next year).
pub const YEAR_FILTER_MAX: i32 = 2100;

/// The taxonomy bundled with this build (`data/taxonomy.toml`).
pub const BUNDLED_TAXONOMY: &str = include_str!("../../../data/taxonomy.toml");

/// Parses the bundled taxonomy. It is checked by this crate's tests, so this cannot fail in a
/// released build.
pub fn bundled() -> Taxonomy {
    Taxonomy::parse(BUNDLED_TAXONOMY).expect("the bundled taxonomy is valid")
}
