//! The views of clusters (both levels), their lessons, and similar cases.

use serde::Serialize;
use utoipa::ToSchema;

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
