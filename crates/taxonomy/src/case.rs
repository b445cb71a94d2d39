//! The canonical case: what ingest produces, the store keeps and the index serves.

use serde::{Deserialize, Serialize};

use crate::facts::{Evidence, Review};
use crate::model::Dimension;
use crate::normalise::MatchRule;

/// The four required elements, as (field name, section heading).
pub const ELEMENTS: [(&str, &str); 4] = [
    ("use_case", "Use case"),
    ("solution", "Proposed solution"),
    ("outcome", "Outcome"),
    ("investigation", "Why it failed"),
];

/// The optional sections that follow the four elements (field, heading), in reading order.
pub const OPTIONAL_SECTIONS: [(&str, &str); 2] = [
    ("pattern", "The pattern in any field"),
    ("lessons", "Lessons"),
];

/// How far a label on a case is established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelState {
    /// Given by the report and mapped onto the taxonomy.
    Confirmed,
    /// Proposed by ingest from the text; not confirmed by a person.
    Inferred,
    /// Given by the report but not (yet) mapped onto the taxonomy.
    Unmapped,
    /// Given by the report and mapped by a looser rule than an exact alias (see
    /// `Label::matched`); it counts as given everywhere, and asks a person to confirm it.
    Matched,
}

impl LabelState {
    pub fn as_str(self) -> &'static str {
        match self {
            LabelState::Confirmed => "confirmed",
            LabelState::Inferred => "inferred",
            LabelState::Unmapped => "unmapped",
            LabelState::Matched => "matched",
        }
    }

    pub fn parse(s: &str) -> Option<LabelState> {
        match s {
            "confirmed" => Some(LabelState::Confirmed),
            "inferred" => Some(LabelState::Inferred),
            "unmapped" => Some(LabelState::Unmapped),
            "matched" => Some(LabelState::Matched),
            _ => None,
        }
    }
}

/// One label of a case in one dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// The canonical slug, or the raw text for an unmapped label.
    pub value: String,
    pub state: LabelState,
    /// What the report said, when it differs from `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// For inferred labels: the phrases in the text that led to them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// For matched labels: the rule that mapped the raw text, and how sure it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<MatchInfo>,
}

/// How a matched label was mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchInfo {
    pub rule: MatchRule,
    /// In percent.
    pub confidence: u8,
}

impl Label {
    pub fn confirmed(slug: impl Into<String>) -> Label {
        Label {
            value: slug.into(),
            state: LabelState::Confirmed,
            raw: None,
            evidence: Vec::new(),
            matched: None,
        }
    }

    /// The slug, for labels that are on the taxonomy.
    pub fn slug(&self) -> Option<&str> {
        (self.state != LabelState::Unmapped).then_some(self.value.as_str())
    }
}

/// A reference to the published source of a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arxiv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Reference {
    /// The best link for a reader to follow.
    pub fn link(&self) -> Option<String> {
        if let Some(doi) = &self.doi {
            Some(format!("https://doi.org/{doi}"))
        } else if let Some(arxiv) = &self.arxiv {
            Some(format!("https://arxiv.org/abs/{arxiv}"))
        } else {
            self.url.clone()
        }
    }
}

/// Where a case came from: the bundled curated files, a moderated contribution, or an importer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    #[default]
    Curated,
    Contributed,
    Imported(String),
}

impl Source {
    /// The facet path segment(s): `curated`, `contributed`, `imported/avid`.
    pub fn facet(&self) -> String {
        match self {
            Source::Curated => "curated".into(),
            Source::Contributed => "contributed".into(),
            Source::Imported(name) => format!("imported/{name}"),
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "curated" => Some(Source::Curated),
            "contributed" => Some(Source::Contributed),
            _ => s
                .strip_prefix("imported/")
                .filter(|n| !n.is_empty())
                .map(|n| Source::Imported(n.to_string())),
        }
    }
}

/// A canonical case. Labels are already normalised; `incomplete` is set when one of the four
/// elements is empty. The default is an empty curated case (see [`Case::builder`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    pub title: String,
    pub year: Option<i32>,
    pub domains: Vec<Label>,
    pub causes: Vec<Label>,
    pub failure_modes: Vec<Label>,
    /// Model families (the `method` dimension). Left out of the canonical JSON when empty, so
    /// cases stored before methods existed keep their hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<Label>,
    pub tags: Vec<String>,
    pub use_case: String,
    pub solution: String,
    pub outcome: String,
    pub investigation: String,
    /// The failure told in field-neutral words, so a reader from another field recognises it
    /// ("The pattern in any field"). Optional; left out of the canonical JSON when empty, so
    /// cases stored before it existed keep their hash.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pattern: String,
    pub lessons: String,
    pub references: Vec<Reference>,
    pub evidence: Evidence,
    pub checked_against: Option<String>,
    /// The recorded review against the primary sources, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    pub source: Source,
    pub source_id: Option<String>,
    pub source_url: Option<String>,
    pub licence: Option<String>,
    pub contributor: Option<String>,
    pub incomplete: bool,
}

impl Case {
    pub fn labels(&self, dim: Dimension) -> &[Label] {
        match dim {
            Dimension::Domain => &self.domains,
            Dimension::Cause => &self.causes,
            Dimension::FailureMode => &self.failure_modes,
            Dimension::Method => &self.methods,
        }
    }

    pub fn labels_mut(&mut self, dim: Dimension) -> &mut Vec<Label> {
        match dim {
            Dimension::Domain => &mut self.domains,
            Dimension::Cause => &mut self.causes,
            Dimension::FailureMode => &mut self.failure_modes,
            Dimension::Method => &mut self.methods,
        }
    }

    /// Slugs of the labels in `state` for `dim`.
    /// The slugs of `dim` in `state`. `Confirmed` also yields matched labels: they were given
    /// by the report too, only mapped by a looser rule.
    pub fn slugs(&self, dim: Dimension, state: LabelState) -> impl Iterator<Item = &str> {
        self.labels(dim)
            .iter()
            .filter(move |l| {
                l.state == state || state == LabelState::Confirmed && l.state == LabelState::Matched
            })
            .map(|l| l.value.as_str())
    }

    /// The text of an element by its field name (see [`ELEMENTS`]).
    pub fn element(&self, field: &str) -> &str {
        match field {
            "use_case" => &self.use_case,
            "solution" => &self.solution,
            "outcome" => &self.outcome,
            "investigation" => &self.investigation,
            "pattern" => &self.pattern,
            "lessons" => &self.lessons,
            _ => "",
        }
    }

    /// The primary cause: the first confirmed one.
    pub fn primary_cause(&self) -> Option<&str> {
        self.slugs(Dimension::Cause, LabelState::Confirmed).next()
    }

    /// Whether any of the four elements is missing.
    pub fn missing_elements(&self) -> Vec<&'static str> {
        ELEMENTS
            .iter()
            .filter(|(f, _)| self.element(f).trim().is_empty())
            .map(|(f, _)| *f)
            .collect()
    }
}
