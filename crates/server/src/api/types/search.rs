//! The search endpoint's views: hits with their snippets, how the query was read, the
//! response with facet counts.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// A passage of a case and the query's matches in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnippetView {
    /// Plain text (not HTML).
    pub text: String,
    /// The matched spans as `[start, end]` character (Unicode code point) offsets into `text`,
    /// end exclusive, in order and not overlapping.
    pub highlights: Vec<[usize; 2]>,
}

/// One search hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct HitView {
    pub id: String,
    pub title: String,
    pub year: Option<i32>,
    pub domains: Vec<String>,
    pub causes: Vec<String>,
    pub inferred_causes: Vec<String>,
    pub failure_modes: Vec<String>,
    pub source: String,
    /// A passage of the case, plain text, with where the query matched in it.
    pub snippet: SnippetView,
    pub score: f32,
    /// The query's words this case does not hold, when it holds only some of them.
    pub missing: Vec<String>,
}

impl From<&notbetter_kb::Hit> for HitView {
    fn from(h: &notbetter_kb::Hit) -> Self {
        HitView {
            id: h.id.clone(),
            title: h.title.clone(),
            year: h.year,
            domains: h.domains.clone(),
            causes: h.causes.clone(),
            inferred_causes: h.inferred_causes.clone(),
            failure_modes: h.failure_modes.clone(),
            source: h.source.clone(),
            snippet: SnippetView {
                text: h.snippet.text.clone(),
                highlights: h.snippet.char_ranges(),
            },
            score: h.score,
            missing: h.missing.clone(),
        }
    }
}

/// A taxonomy label the query was read as naming.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadLabelView {
    /// `domain` or `cause`.
    pub dimension: String,
    pub slug: String,
    pub name: String,
    /// The query words that point to it.
    pub words: Vec<String>,
}

/// A failure mechanism (from the curated catalogue) the question was read as.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadMechanismView {
    /// The catalogue's id; the mechanism's page is `/clusters/m/{id}`.
    pub id: String,
    pub name: String,
    /// The query words that point to it.
    pub words: Vec<String>,
    /// Whether the question's meaning (the bundled embedding model's reading) weighed more
    /// than its words.
    pub by_meaning: bool,
}

/// A spelling correction applied to the query.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionView {
    pub from: String,
    pub to: String,
}

/// How the query was read: corrections, synonyms, causes read from the words, words that
/// did not take part, and where the text was read differently from how it was typed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingView {
    /// The query as searched, when spelling corrections changed it.
    pub corrected: Option<String>,
    pub corrections: Vec<CorrectionView>,
    /// Labels named by an alias in the query; their cases are found too.
    pub synonyms: Vec<ReadLabelView>,
    /// Causes the question was read as (a mechanism read from it sits under each); their
    /// cases rank higher.
    pub causes: Vec<ReadLabelView>,
    /// Causes read from its words on thinner evidence (no mechanism read from it sits under
    /// them); their cases rank higher too, but they are not offered as what it is about.
    pub weak_causes: Vec<ReadLabelView>,
    /// Failure mechanisms the question was read as; the cases that share them rank higher.
    pub mechanisms: Vec<ReadMechanismView>,
    /// Function words that did not take part in matching.
    pub ignored: Vec<String>,
    pub notes: Vec<String>,
    /// Plain words matched softly, and how many of them a case must hold.
    pub words: usize,
    pub min_match: usize,
}

impl From<&notbetter_kb::Reading> for ReadingView {
    fn from(r: &notbetter_kb::Reading) -> Self {
        let label = |l: &notbetter_kb::ReadLabel| ReadLabelView {
            dimension: l.dimension.field_name().to_string(),
            slug: l.slug.clone(),
            name: l.name.clone(),
            words: l.words.clone(),
        };
        ReadingView {
            corrected: r.corrected.clone(),
            corrections: r
                .corrections
                .iter()
                .map(|c| CorrectionView {
                    from: c.from.clone(),
                    to: c.to.clone(),
                })
                .collect(),
            synonyms: r.synonyms.iter().map(label).collect(),
            causes: r.causes.iter().map(label).collect(),
            weak_causes: r.weak_causes.iter().map(label).collect(),
            mechanisms: r
                .mechanisms
                .iter()
                .map(|m| ReadMechanismView {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    words: m.words.clone(),
                    by_meaning: m.by_meaning,
                })
                .collect(),
            ignored: r.ignored.clone(),
            notes: r.notes.clone(),
            words: r.words,
            min_match: r.min_match,
        }
    }
}

/// Search results: the `notbetter search --json` shape, with paging.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub total: usize,
    pub page: usize,
    pub limit: usize,
    pub hits: Vec<HitView>,
    /// Dimension (`domain`, `cause`, `inferred_cause`, `failure_mode`, `source`, `method`) →
    /// slug → count. Counts are disjunctive: a dimension ignores its own filter.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    /// How the query was read.
    pub reading: ReadingView,
}
