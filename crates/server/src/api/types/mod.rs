//! The API's view types: the published JSON contract, kept apart from the internal models and
//! converted from them.

use std::collections::BTreeMap;

use notbetter_kb::{Revision, StoredCase};
use notbetter_taxonomy::{Case, Entry, Fact, Label, Reference, Review};
use serde::Serialize;
use utoipa::ToSchema;

mod clusters;
mod premortem;
mod search;

pub use clusters::*;
pub use premortem::*;
pub use search::*;

/// The order of search hits. It only documents the accepted values in the OpenAPI document;
/// parsing is shared with the search page (`SearchParams::parse`).
#[allow(dead_code)]
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortParam {
    Relevance,
    Year,
    YearAsc,
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

/// A taxonomy label on a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelView {
    /// The slug, or the raw text when unmapped.
    pub value: String,
    /// `confirmed`, `inferred` or `unmapped`.
    pub state: String,
    /// What the report said, when it differs from `value`.
    pub raw: Option<String>,
    /// For inferred labels: the phrases that led to them.
    pub evidence: Vec<String>,
}

impl From<&Label> for LabelView {
    fn from(l: &Label) -> Self {
        LabelView {
            value: l.value.clone(),
            state: l.state.as_str().into(),
            raw: l.raw.clone(),
            evidence: l.evidence.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferenceView {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub authors: Vec<String>,
    pub venue: Option<String>,
    pub year: Option<i32>,
    pub doi: Option<String>,
    pub arxiv: Option<String>,
    pub url: Option<String>,
    /// The best link to follow (doi.org, arxiv.org or the URL).
    pub link: Option<String>,
}

impl From<&Reference> for ReferenceView {
    fn from(r: &Reference) -> Self {
        ReferenceView {
            kind: r.kind.clone(),
            title: r.title.clone(),
            authors: r.authors.clone(),
            venue: r.venue.clone(),
            year: r.year,
            doi: r.doi.clone(),
            arxiv: r.arxiv.clone(),
            url: r.url.clone(),
            link: r.link(),
        }
    }
}

/// One evidence fact as the case states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FactView {
    Yes,
    No,
    /// The source was read and does not say; `unknown_reason` says why.
    Unknown,
    /// The case does not record this fact.
    NotStated,
}

impl From<Option<Fact>> for FactView {
    fn from(f: Option<Fact>) -> FactView {
        match f {
            Some(Fact::True) => FactView::Yes,
            Some(Fact::False) => FactView::No,
            Some(Fact::Unknown) => FactView::Unknown,
            None => FactView::NotStated,
        }
    }
}

/// The workshop's review criteria as facts: always all three.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    pub code_available: FactView,
    pub data_available: FactView,
    pub external_validation: FactView,
    /// Why a fact is `unknown`.
    pub unknown_reason: Option<String>,
}

/// A second reader's check of the case against its primary sources.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The primary sources read, as written (URLs, DOIs, arXiv ids).
    pub against: Vec<String>,
    /// A link for each entry of `against`, in the same order.
    pub links: Vec<String>,
    /// `confirmed` or `corrected`.
    pub verdict: String,
    pub notes: String,
}

impl From<&Review> for ReviewView {
    fn from(r: &Review) -> Self {
        ReviewView {
            date: r.date.clone(),
            against: r.against.clone(),
            links: r
                .against
                .iter()
                .map(|e| notbetter_taxonomy::source_link(e))
                .collect(),
            verdict: r.verdict.as_str().into(),
            notes: r.notes.clone(),
        }
    }
}

/// A whole case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: String,
    pub title: String,
    pub year: Option<i32>,
    pub domains: Vec<LabelView>,
    pub causes: Vec<LabelView>,
    pub failure_modes: Vec<LabelView>,
    /// Model families (`cnn`, `transformer`, `classical-ml`...).
    pub methods: Vec<LabelView>,
    pub tags: Vec<String>,
    pub use_case: String,
    pub solution: String,
    pub outcome: String,
    pub investigation: String,
    /// The failure told in field-neutral words, so a reader from another field recognises it
    /// (empty if not given).
    pub pattern: String,
    pub lessons: String,
    pub references: Vec<ReferenceView>,
    pub evidence: EvidenceView,
    pub checked_against: Option<String>,
    /// The recorded review, if any.
    pub review: Option<ReviewView>,
    /// `curated`, `contributed` or `imported/<source>`.
    pub source: String,
    pub source_id: Option<String>,
    pub source_url: Option<String>,
    pub licence: Option<String>,
    pub contributor: Option<String>,
    /// Whether one of the four elements is missing.
    pub incomplete: bool,
    /// The page of the case on this site.
    pub html_url: String,
}

impl From<&Case> for CaseView {
    fn from(c: &Case) -> Self {
        let labels = |v: &[Label]| v.iter().map(LabelView::from).collect();
        CaseView {
            id: c.id.clone(),
            title: c.title.clone(),
            year: c.year,
            domains: labels(&c.domains),
            causes: labels(&c.causes),
            failure_modes: labels(&c.failure_modes),
            methods: labels(&c.methods),
            tags: c.tags.clone(),
            use_case: c.use_case.clone(),
            solution: c.solution.clone(),
            outcome: c.outcome.clone(),
            investigation: c.investigation.clone(),
            pattern: c.pattern.clone(),
            lessons: c.lessons.clone(),
            references: c.references.iter().map(ReferenceView::from).collect(),
            evidence: EvidenceView {
                code_available: c.evidence.code_available.into(),
                data_available: c.evidence.data_available.into(),
                external_validation: c.evidence.external_validation.into(),
                unknown_reason: c.evidence.unknown_reason.clone(),
            },
            checked_against: c.checked_against.clone(),
            review: c.review.as_ref().map(ReviewView::from),
            source: c.source.facet(),
            source_id: c.source_id.clone(),
            source_url: c.source_url.clone(),
            licence: c.licence.clone(),
            contributor: c.contributor.clone(),
            incomplete: c.incomplete,
            html_url: format!("/cases/{}", c.id),
        }
    }
}

/// A stored case with its bookkeeping.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredCaseView {
    #[serde(flatten)]
    pub case: CaseView,
    pub version: i64,
    pub provenance: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&StoredCase> for StoredCaseView {
    fn from(s: &StoredCase) -> Self {
        StoredCaseView {
            case: CaseView::from(&s.case),
            version: s.version,
            provenance: s.provenance.clone(),
            created_at: s.created_at.clone(),
            updated_at: s.updated_at.clone(),
        }
    }
}

/// A previous version of a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionView {
    pub version: i64,
    pub provenance: String,
    pub valid_from: String,
    pub replaced_at: String,
    pub case: CaseView,
}

impl From<&Revision> for RevisionView {
    fn from(r: &Revision) -> Self {
        RevisionView {
            version: r.version,
            provenance: r.provenance.clone(),
            valid_from: r.valid_from.clone(),
            replaced_at: r.replaced_at.clone(),
            case: CaseView::from(&r.case),
        }
    }
}

/// A taxonomy entry with its number of cases (confirmed labels; parents count children).
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent: Option<String>,
    pub aliases: Vec<String>,
    pub cases: usize,
}

impl EntryView {
    pub fn new(e: &Entry, counts: &BTreeMap<String, usize>) -> EntryView {
        EntryView {
            slug: e.slug.clone(),
            name: e.name.clone(),
            description: e.description.clone(),
            parent: e.parent().map(str::to_string),
            aliases: e.aliases.clone(),
            cases: counts.get(&e.slug).copied().unwrap_or(0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaxonomyView {
    pub domains: Vec<EntryView>,
    pub causes: Vec<EntryView>,
    pub failure_modes: Vec<EntryView>,
    /// Model families.
    pub methods: Vec<EntryView>,
}

/// One domain or cause with its breakdown along the other axis and its cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrowseView {
    pub entry: EntryView,
    pub children: Vec<EntryView>,
    /// For a domain: cause → cases; for a cause: domain → cases.
    pub breakdown: BTreeMap<String, u64>,
    pub total: usize,
    /// Up to 100 cases; the search API pages through the rest.
    pub cases: Vec<HitView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsView {
    pub cases: usize,
    pub domains_with_cases: usize,
    pub causes_with_cases: usize,
    /// curated, contributed, imported/<source> → cases.
    pub by_source: BTreeMap<String, u64>,
    /// Top-level domain → cause → cases (confirmed labels).
    pub matrix: BTreeMap<String, BTreeMap<String, u64>>,
}
