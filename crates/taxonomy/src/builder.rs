//! A builder of [`Case`] values, for tests and for code that makes cases by hand: every field
//! starts empty (a curated case with no labels, text or references) and each call sets one.

use crate::{Case, Dimension, Evidence, Label, Reference, Review, Source};

/// Builds a [`Case`]; see [`Case::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct CaseBuilder {
    case: Case,
}

impl Case {
    /// A builder of a case with this id and nothing else: no title, labels, text or
    /// references, source curated, marked incomplete until [`CaseBuilder::build`] looks.
    pub fn builder(id: impl Into<String>) -> CaseBuilder {
        CaseBuilder {
            case: Case {
                id: id.into(),
                incomplete: true,
                ..Case::default()
            },
        }
    }
}

fn confirmed(slugs: &[&str]) -> Vec<Label> {
    slugs.iter().map(|s| Label::confirmed(*s)).collect()
}

impl CaseBuilder {
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.case.title = title.into();
        self
    }
    pub fn year(mut self, year: i32) -> Self {
        self.case.year = Some(year);
        self
    }
    /// Domain slugs, each a confirmed label.
    pub fn domains(mut self, slugs: &[&str]) -> Self {
        self.case.domains = confirmed(slugs);
        self
    }
    /// Cause slugs, each a confirmed label; the first is the primary cause.
    pub fn causes(mut self, slugs: &[&str]) -> Self {
        self.case.causes = confirmed(slugs);
        self
    }
    /// The labels of one dimension as they are, in any state.
    pub fn labels(mut self, dim: Dimension, labels: Vec<Label>) -> Self {
        match dim {
            Dimension::Domain => self.case.domains = labels,
            Dimension::Cause => self.case.causes = labels,
            Dimension::FailureMode => self.case.failure_modes = labels,
            Dimension::Method => self.case.methods = labels,
        }
        self
    }
    pub fn failure_modes(mut self, slugs: &[&str]) -> Self {
        self.case.failure_modes = confirmed(slugs);
        self
    }
    pub fn methods(mut self, slugs: &[&str]) -> Self {
        self.case.methods = confirmed(slugs);
        self
    }
    pub fn tags(mut self, tags: &[&str]) -> Self {
        self.case.tags = tags.iter().map(|t| t.to_string()).collect();
        self
    }
    pub fn use_case(mut self, text: impl Into<String>) -> Self {
        self.case.use_case = text.into();
        self
    }
    pub fn solution(mut self, text: impl Into<String>) -> Self {
        self.case.solution = text.into();
        self
    }
    pub fn outcome(mut self, text: impl Into<String>) -> Self {
        self.case.outcome = text.into();
        self
    }
    pub fn investigation(mut self, text: impl Into<String>) -> Self {
        self.case.investigation = text.into();
        self
    }
    pub fn pattern(mut self, text: impl Into<String>) -> Self {
        self.case.pattern = text.into();
        self
    }
    pub fn lessons(mut self, text: impl Into<String>) -> Self {
        self.case.lessons = text.into();
        self
    }
    /// The four elements at once: use case, solution, outcome, why it failed.
    pub fn elements(self, use_case: &str, solution: &str, outcome: &str, why: &str) -> Self {
        self.use_case(use_case)
            .solution(solution)
            .outcome(outcome)
            .investigation(why)
    }
    pub fn reference(mut self, reference: Reference) -> Self {
        self.case.references.push(reference);
        self
    }
    pub fn evidence(mut self, evidence: Evidence) -> Self {
        self.case.evidence = evidence;
        self
    }
    pub fn checked_against(mut self, text: impl Into<String>) -> Self {
        self.case.checked_against = Some(text.into());
        self
    }
    pub fn review(mut self, review: Review) -> Self {
        self.case.review = Some(review);
        self
    }
    pub fn source(mut self, source: Source) -> Self {
        self.case.source = source;
        self
    }
    pub fn source_id(mut self, id: impl Into<String>) -> Self {
        self.case.source_id = Some(id.into());
        self
    }
    pub fn source_url(mut self, url: impl Into<String>) -> Self {
        self.case.source_url = Some(url.into());
        self
    }
    pub fn licence(mut self, licence: impl Into<String>) -> Self {
        self.case.licence = Some(licence.into());
        self
    }
    pub fn contributor(mut self, name: impl Into<String>) -> Self {
        self.case.contributor = Some(name.into());
        self
    }

    /// The case, marked incomplete exactly when one of the four elements is empty.
    pub fn build(mut self) -> Case {
        let c = &self.case;
        self.case.incomplete = [&c.use_case, &c.solution, &c.outcome, &c.investigation]
            .iter()
            .any(|t| t.trim().is_empty());
        self.case
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_built_case_is_incomplete_until_it_has_the_four_elements() {
        let bare = Case::builder("x")
            .title("X")
            .causes(&["data/leakage"])
            .build();
        assert!(bare.incomplete);
        assert_eq!(bare.causes[0].value, "data/leakage");
        let whole = Case::builder("x")
            .elements("Use.", "Solution.", "Outcome.", "Why.")
            .build();
        assert!(!whole.incomplete);
        assert_eq!(whole.source, Source::Curated);
    }
}
