//! The curated checks per cause (`data/checks.toml`): questions to answer before building,
//! each citing a published checklist item (paraphrased) or a bundled case's lessons.

use std::collections::BTreeMap;

use notbetter_taxonomy::{Dimension, Taxonomy};
use serde::{Deserialize, Serialize};

/// The checks bundled with this build.
pub const BUNDLED_CHECKS: &str = include_str!("../../../data/checks.toml");

/// One check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub cause: String,
    pub text: String,
    /// A checklist item ("REFORMS 4b") or `case:<id>`.
    pub source: String,
    #[serde(default)]
    pub url: String,
}

impl Check {
    /// The case a `case:` source names.
    pub fn case_id(&self) -> Option<&str> {
        self.source.strip_prefix("case:")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    check: Vec<Check>,
}

/// Checks by cause slug.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    by_cause: BTreeMap<String, Vec<Check>>,
}

impl Checks {
    /// Parses the checks file; every cause must be a cause of `taxonomy`.
    pub fn parse(text: &str, taxonomy: &Taxonomy) -> Result<Checks, String> {
        let file: File = toml::from_str(text).map_err(|e| format!("checks: {e}"))?;
        let mut by_cause: BTreeMap<String, Vec<Check>> = BTreeMap::new();
        for c in file.check {
            if taxonomy.get(Dimension::Cause, &c.cause).is_none() {
                return Err(format!(
                    "checks: `{}` is not a cause of the taxonomy",
                    c.cause
                ));
            }
            if c.text.trim().is_empty() || c.source.trim().is_empty() {
                return Err(format!(
                    "checks: a check of `{}` has no text or no source",
                    c.cause
                ));
            }
            by_cause.entry(c.cause.clone()).or_default().push(c);
        }
        Ok(Checks { by_cause })
    }

    pub fn of(&self, cause: &str) -> &[Check] {
        self.by_cause.get(cause).map_or(&[], Vec::as_slice)
    }

    pub fn all(&self) -> impl Iterator<Item = &Check> {
        self.by_cause.values().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_checks_fit_the_taxonomy_and_cover_every_cause() {
        let t = notbetter_taxonomy::bundled();
        let checks = Checks::parse(BUNDLED_CHECKS, &t).unwrap();
        for cause in t.causes().filter(|e| e.slug.contains('/')) {
            assert!(checks.of(&cause.slug).len() >= 2, "{}", cause.slug);
        }
        let bad = "[[check]]\ncause = \"data/no-such\"\ntext = \"?\"\nsource = \"x\"\n";
        assert!(Checks::parse(bad, &t).unwrap_err().contains("data/no-such"));
    }
}
