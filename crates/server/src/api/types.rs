//! The API's view types: the published JSON contract, kept apart from the internal models and
//! converted from them.

use std::collections::BTreeMap;

use notbetter_kb::{Revision, StoredCase};
use notbetter_taxonomy::{Case, Entry, Fact, Label, Reference, Review};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    /// Causes the question was read as; their cases rank higher.
    pub causes: Vec<ReadLabelView>,
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

/// A cluster of cases from different domains that share one failure mechanism.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterView {
    /// Stable id. Cause level: the cause slug with `/` as `.`, then the smallest member id.
    /// Mechanism level: the catalogue's id (`site-signature`).
    pub id: String,
    /// `cause` (a group of cases sharing a root-cause profile) or `mechanism` (cases sharing a
    /// specific failure mechanism, from the curated catalogue).
    pub level: ClusterLevel,
    /// For a mechanism: the id of the cause-level cluster holding most of its members, if any.
    pub parent: Option<String>,
    /// A readable name.
    pub name: String,
    /// The same as `name` (kept for clients of the first version of this endpoint).
    pub label: String,
    /// The primary cause slug of the cluster.
    pub cause: String,
    /// Top-level domain slugs, sorted.
    pub domains: Vec<String>,
    pub size: usize,
    /// Member case ids, sorted.
    pub members: Vec<String>,
    /// One line on the shared mechanism.
    pub mechanism: String,
    /// Distinctive terms, most typical first.
    pub terms: Vec<String>,
    /// Lessons gathered from the members.
    pub lessons: Vec<LessonView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LessonView {
    pub case_id: String,
    pub text: String,
}

/// The two levels of clusters.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClusterLevel {
    Cause,
    Mechanism,
}

impl ClusterView {
    /// A mechanism cluster; `parent` is the cause-level cluster holding most of its members.
    pub fn mechanism(
        m: &notbetter_kb::mechanism::MechanismCluster,
        parent: Option<String>,
    ) -> Self {
        ClusterView {
            id: m.id.clone(),
            level: ClusterLevel::Mechanism,
            parent,
            name: m.name.clone(),
            label: m.name.clone(),
            cause: m.cause.clone(),
            domains: m.domains.clone(),
            size: m.members.len(),
            members: m.members.clone(),
            mechanism: m.summary.clone(),
            terms: Vec::new(),
            lessons: m.lessons.iter().map(LessonView::from).collect(),
        }
    }
}

impl From<&notbetter_kb::SharedLesson> for LessonView {
    fn from(l: &notbetter_kb::SharedLesson) -> Self {
        LessonView {
            case_id: l.case_id.clone(),
            text: l.text.clone(),
        }
    }
}

impl From<&notbetter_kb::Cluster> for ClusterView {
    fn from(c: &notbetter_kb::Cluster) -> Self {
        ClusterView {
            id: c.id.clone(),
            level: ClusterLevel::Cause,
            parent: None,
            name: c.label.clone(),
            label: c.label.clone(),
            cause: c.cause.clone(),
            domains: c.domains.clone(),
            size: c.members.len(),
            members: c.members.clone(),
            mechanism: c.mechanism.clone(),
            terms: c.terms.clone(),
            lessons: c.lessons.iter().map(LessonView::from).collect(),
        }
    }
}

/// A case like another one, preferring other domains.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarView {
    pub id: String,
    pub title: String,
    pub domains: Vec<String>,
    pub score: f32,
}

/// A planned project to run a pre-mortem on. Not stored, not logged.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PremortemRequest {
    /// The plan in free text: use case, data and how it is collected, labelled and split,
    /// model, evaluation and deployment (up to about 5,000 words).
    pub description: String,
    /// The project's field: a domain slug, name or alias.
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A case that failed for this cause.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrecedentView {
    pub id: String,
    pub title: String,
    pub domains: Vec<String>,
    /// The first sentence of its outcome.
    pub outcome: String,
    /// The first sentence of its lessons (empty if none).
    pub lesson: String,
}

/// One cause of the checklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct PremortemCauseView {
    pub cause: String,
    pub name: String,
    pub score: f64,
    /// Sentences of the description that point to the cause.
    pub why: Vec<String>,
    /// The description already says how it handles the cause.
    pub addressed: bool,
    pub precedents: Vec<PrecedentView>,
    /// Questions to answer before building, each ending with its source.
    pub checks: Vec<String>,
}

/// The pre-mortem checklist, best-supported cause first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PremortemResponse {
    pub causes: Vec<PremortemCauseView>,
    /// The field precedents treat as the project's own (given, or read from similar cases).
    pub domain: Option<String>,
}

impl From<notbetter_kb::PremortemReport> for PremortemResponse {
    fn from(r: notbetter_kb::PremortemReport) -> Self {
        PremortemResponse {
            domain: r.domain,
            causes: r
                .causes
                .into_iter()
                .map(|c| PremortemCauseView {
                    cause: c.cause,
                    name: c.name,
                    score: c.score,
                    why: c.why,
                    addressed: c.addressed,
                    precedents: c
                        .precedents
                        .into_iter()
                        .map(|p| PrecedentView {
                            id: p.id,
                            title: p.title,
                            domains: p.domains,
                            outcome: p.outcome,
                            lesson: p.lesson,
                        })
                        .collect(),
                    checks: c.checks,
                })
                .collect(),
        }
    }
}
