//! The one place that turns cases into tantivy documents. Field names are constants here.

use notbetter_taxonomy::{Case, Dimension, LabelState};
use serde::{Deserialize, Serialize};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};
use tantivy::TantivyDocument;

pub const ID: &str = "id";
pub const TITLE: &str = "title";
pub const TAGS: &str = "tags";
pub const USE_CASE: &str = "use_case";
pub const SOLUTION: &str = "solution";
pub const OUTCOME: &str = "outcome";
pub const INVESTIGATION: &str = "investigation";
pub const LESSONS: &str = "lessons";
/// "The pattern in any field": the failure told in field-neutral words.
pub const PATTERN: &str = "pattern";
pub const REFS: &str = "refs";
/// The display names of the case's taxonomy labels, so that "shortcut" finds every case
/// classified as shortcut learning even when its text says "spurious cue".
pub const LABELS: &str = "labels";
pub const YEAR: &str = "year";

/// Text fields searched by default, with their boosts. The title and tags say most about what a
/// case is; why it failed is what researchers search for.
///
/// The pattern in any field is not among them: it is searched only when named (`pattern:`).
/// Its field-neutral words ("the test set", "the site") are shared by most cases, so searched
/// by default it added no relevance (on the tuning half recall@10 was 0.824 at boosts 0.25-0.5
/// and 0.814 from 0.75, against 0.828 without it) and one more field to score for every word
/// (at 1M, one run each: the mix's p99 101 ms with it, 84 without; docs/performance.md).
pub const TEXT_FIELDS: [(&str, f32); 9] = [
    (TITLE, 3.0),
    (LABELS, 1.5),
    (TAGS, 2.0),
    (INVESTIGATION, 1.5),
    (LESSONS, 1.2),
    (OUTCOME, 1.2),
    (USE_CASE, 1.0),
    (SOLUTION, 1.0),
    (REFS, 0.8),
];

/// Fields tried in order for a hit's snippet.
pub const SNIPPET_FIELDS: [&str; 7] = [
    INVESTIGATION,
    OUTCOME,
    PATTERN,
    USE_CASE,
    SOLUTION,
    LESSONS,
    TITLE,
];

/// The facet dimensions of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacetDim {
    Domain,
    /// Confirmed causes.
    Cause,
    /// Causes proposed by ingest from the text; faceted apart from confirmed ones.
    InferredCause,
    FailureMode,
    /// curated, contributed, imported/<name>.
    Source,
    /// Model families (confirmed).
    Method,
}

impl FacetDim {
    pub const ALL: [FacetDim; 6] = [
        FacetDim::Domain,
        FacetDim::Cause,
        FacetDim::InferredCause,
        FacetDim::FailureMode,
        FacetDim::Source,
        FacetDim::Method,
    ];

    pub fn field_name(self) -> &'static str {
        match self {
            FacetDim::Domain => "domain",
            FacetDim::Cause => "cause",
            FacetDim::InferredCause => "inferred_cause",
            FacetDim::FailureMode => "failure_mode",
            FacetDim::Source => "source",
            FacetDim::Method => "method",
        }
    }

    pub fn parse(s: &str) -> Option<FacetDim> {
        FacetDim::ALL.into_iter().find(|d| d.field_name() == s)
    }

    pub fn from_dimension(d: Dimension) -> FacetDim {
        match d {
            Dimension::Domain => FacetDim::Domain,
            Dimension::Cause => FacetDim::Cause,
            Dimension::FailureMode => FacetDim::FailureMode,
            Dimension::Method => FacetDim::Method,
        }
    }
}

/// Field handles, resolved once.
#[derive(Debug, Clone)]
pub struct Fields {
    pub id: Field,
    pub year: Field,
    pub text: Vec<(Field, f32)>,
    pub snippet: Vec<Field>,
    pub facets: Vec<(FacetDim, Field)>,
    /// Fields whose words say what a case is about (word weights, cause reading).
    pub body: Vec<Field>,
    /// Fields searched for query words near each other.
    pub proximity: Vec<Field>,
    /// Fields whose vocabulary spelling corrections come from (the references' author names
    /// left out).
    pub spell: Vec<Field>,
}

impl Fields {
    pub fn facet(&self, dim: FacetDim) -> Field {
        self.facets
            .iter()
            .find(|(d, _)| *d == dim)
            .map(|(_, f)| *f)
            .expect("every facet dimension has a field")
    }

    pub fn by_name(schema: &Schema, name: &str) -> Field {
        schema.get_field(name).expect("field is in the schema")
    }

    pub fn new(schema: &Schema) -> Fields {
        let f = |n| Fields::by_name(schema, n);
        Fields {
            id: f(ID),
            year: f(YEAR),
            text: TEXT_FIELDS.iter().map(|&(n, b)| (f(n), b)).collect(),
            snippet: SNIPPET_FIELDS.iter().map(|&n| f(n)).collect(),
            body: crate::query::BODY_FIELDS.iter().map(|&n| f(n)).collect(),
            proximity: crate::query::PROXIMITY_FIELDS
                .iter()
                .map(|&n| f(n))
                .collect(),
            spell: TEXT_FIELDS
                .iter()
                .filter(|(n, _)| *n != REFS)
                .map(|&(n, _)| f(n))
                .collect(),
            facets: FacetDim::ALL
                .iter()
                .map(|&d| (d, f(d.field_name())))
                .collect(),
        }
    }
}

pub fn build_schema() -> Schema {
    let mut b = Schema::builder();
    // Equal scores and years are ordered by the id's numbers below (`ties`), not by this.
    b.add_text_field(ID, STRING | STORED);
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(crate::stem::ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    for (name, _) in TEXT_FIELDS {
        if name == REFS || name == LABELS {
            // Searched but never shown from the index.
            let unstored = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(crate::stem::ANALYZER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            );
            b.add_text_field(name, unstored);
        } else {
            b.add_text_field(name, text.clone());
        }
    }
    b.add_text_field(PATTERN, text);
    for dim in FacetDim::ALL {
        b.add_facet_field(dim.field_name(), FacetOptions::default().set_stored());
    }
    b.add_i64_field(YEAR, INDEXED | FAST | STORED);
    // The id as two numbers: equal scores are ordered by it (`ties`).
    b.add_u64_field(crate::ties::TIE_HEAD, FAST);
    b.add_u64_field(crate::ties::TIE_TAIL, FAST);
    b.build()
}

/// `/a/b` for the slug `a/b`.
pub fn facet_of(slug: &str) -> Facet {
    Facet::from_path(slug.split('/'))
}

/// Display names of taxonomy slugs, for the `labels` field.
pub type Names = std::collections::HashMap<String, String>;

/// Turns a case into its tantivy document.
pub fn to_document(
    fields: &Fields,
    schema: &Schema,
    names: &Names,
    case: &Case,
) -> TantivyDocument {
    let f = |n| Fields::by_name(schema, n);
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, &case.id);
    let (head, tail) = crate::ties::tie_key(&case.id);
    doc.add_u64(f(crate::ties::TIE_HEAD), head);
    doc.add_u64(f(crate::ties::TIE_TAIL), tail);
    doc.add_text(f(TITLE), &case.title);
    for tag in &case.tags {
        doc.add_text(f(TAGS), tag);
    }
    doc.add_text(f(USE_CASE), &case.use_case);
    doc.add_text(f(SOLUTION), &case.solution);
    doc.add_text(f(OUTCOME), &case.outcome);
    doc.add_text(f(INVESTIGATION), &case.investigation);
    doc.add_text(f(PATTERN), &case.pattern);
    doc.add_text(f(LESSONS), &case.lessons);
    for r in &case.references {
        let mut text = r.title.clone().unwrap_or_default();
        for a in &r.authors {
            text.push(' ');
            text.push_str(a);
        }
        if let Some(v) = &r.venue {
            text.push(' ');
            text.push_str(v);
        }
        doc.add_text(f(REFS), &text);
    }
    for (dim, state, facet) in [
        (Dimension::Domain, LabelState::Confirmed, FacetDim::Domain),
        (Dimension::Cause, LabelState::Confirmed, FacetDim::Cause),
        (
            Dimension::Cause,
            LabelState::Inferred,
            FacetDim::InferredCause,
        ),
        (
            Dimension::FailureMode,
            LabelState::Confirmed,
            FacetDim::FailureMode,
        ),
        (Dimension::Method, LabelState::Confirmed, FacetDim::Method),
    ] {
        for slug in case.slugs(dim, state) {
            doc.add_facet(fields.facet(facet), facet_of(slug));
        }
    }
    doc.add_facet(
        fields.facet(FacetDim::Source),
        facet_of(&case.source.facet()),
    );
    let mut label_names = Vec::new();
    for dim in Dimension::ALL {
        for slug in case.slugs(dim, LabelState::Confirmed) {
            if let Some(name) = names.get(&format!("{dim}:{slug}")) {
                label_names.push(name.as_str());
            }
        }
    }
    doc.add_text(f(LABELS), label_names.join(". "));
    if let Some(y) = case.year {
        doc.add_i64(fields.year, i64::from(y));
    }
    doc
}

#[cfg(test)]
mod tests {
    use notbetter_taxonomy::{bundled, Case};

    use crate::{FacetDim, SearchIndex, SearchRequest};

    fn case(id: &str, cause: &str, methods: &[&str]) -> Case {
        Case::builder(id)
            .title(format!("Case {id}"))
            .year(2020)
            .domains(&["healthcare/medical-imaging"])
            .causes(&[cause])
            .methods(methods)
            .elements("U.", "S.", "O.", "I.")
            .build()
    }

    #[test]
    fn methods_are_a_facet_with_disjunctive_counts_and_searchable_names() {
        let idx = SearchIndex::in_memory(&bundled()).unwrap();
        let cases = [
            case("a", "model/shortcut-learning", &["cnn"]),
            case("b", "model/shortcut-learning", &["cnn", "transformer"]),
            case("c", "data/leakage", &["transformer"]),
            case("d", "data/leakage", &["classical-ml"]),
            case("e", "data/leakage", &[]),
        ];
        idx.rebuild(&cases, 1).unwrap();

        let all = idx.search(&SearchRequest::new("")).unwrap();
        let methods = &all.facets[&FacetDim::Method];
        assert_eq!(methods["cnn"], 2);
        assert_eq!(methods["transformer"], 2);
        assert_eq!(methods["classical-ml"], 1);
        assert_eq!(methods.len(), 3, "{methods:?}");

        let cnn = idx
            .search(&SearchRequest::new("").filter(FacetDim::Method, "cnn"))
            .unwrap();
        let mut ids: Vec<_> = cnn.hits.iter().map(|h| h.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["a", "b"]);
        // The method counts ignore the method filter; the others apply it.
        assert_eq!(cnn.facets[&FacetDim::Method], all.facets[&FacetDim::Method]);
        assert_eq!(cnn.facets[&FacetDim::Cause]["model/shortcut-learning"], 2);
        assert!(!cnn.facets[&FacetDim::Cause].contains_key("data/leakage"));

        let either = idx
            .search(
                &SearchRequest::new("")
                    .filter(FacetDim::Method, "cnn")
                    .filter(FacetDim::Method, "classical-ml"),
            )
            .unwrap();
        assert_eq!(either.total, 3, "OR inside the dimension");

        // The method's display name is searchable text.
        let named = idx.search(&SearchRequest::new("convolutional")).unwrap();
        assert_eq!(named.total, 2);
    }
}
