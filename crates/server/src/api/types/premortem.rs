//! The pre-mortem endpoint's request and checklist views.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    /// The first sentence of its pattern in any field: the failure in field-neutral words
    /// (empty if none).
    pub pattern: String,
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
                            pattern: p.pattern,
                            lesson: p.lesson,
                        })
                        .collect(),
                    checks: c.checks,
                })
                .collect(),
        }
    }
}
