//! The curated catalogue of failure mechanisms (`data/mechanisms.toml`): its types, its
//! parsing and the checks that make a bad catalogue an error naming the mechanism.

use std::collections::HashSet;

use notbetter_taxonomy::{Dimension, Taxonomy};
use serde::Deserialize;

/// One mechanism of the catalogue.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mechanism {
    /// Stable id (`a-z0-9-`); the page is `/clusters/m/<id>`.
    pub id: String,
    /// What a person would call it.
    pub name: String,
    /// The parent cause slug.
    pub cause: String,
    /// Other causes under which cases of this mechanism are filed.
    #[serde(default)]
    pub also: Vec<String>,
    /// One line on how the failure happens.
    pub summary: String,
    /// Words or short phrases that point to this mechanism rather than its siblings.
    pub phrases: Vec<String>,
    /// What a practitioner sees before knowing the cause, in their words. Read only by search
    /// (questions described by their symptoms), never to assign cases.
    #[serde(default)]
    pub symptoms: Vec<String>,
    /// Case ids a curator confirmed as members, whatever the text rule says.
    #[serde(default)]
    pub members: Vec<String>,
    /// Case ids a curator excluded.
    #[serde(default)]
    pub not: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    unassigned: Vec<String>,
    mechanism: Vec<Mechanism>,
}

/// The catalogue, checked against the taxonomy.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub mechanisms: Vec<Mechanism>,
    /// Case ids a curator read and found none of the mechanisms in: the text rule leaves them
    /// without a mechanism (while curation applies).
    pub unassigned: Vec<String>,
}

/// The bundled catalogue's text.
pub const BUNDLED_MECHANISMS: &str = include_str!("../../../../data/mechanisms.toml");

impl Catalogue {
    /// Parses and checks a catalogue: ids well formed and unique, causes in the taxonomy, a
    /// name, a summary and at least one phrase each, and no case both a curated member and
    /// unassigned. Errors name the mechanism and what was expected.
    pub fn parse(text: &str, taxonomy: &Taxonomy) -> Result<Catalogue, String> {
        let file: File =
            toml::from_str(text).map_err(|e| format!("mechanisms.toml: {}", e.message()))?;
        let mut seen = HashSet::new();
        for m in &file.mechanism {
            let at = |what: &str| format!("mechanisms.toml: mechanism `{}`: {what}", m.id);
            if !notbetter_taxonomy::CaseId::is_valid(&m.id) {
                return Err(at("the id must be a-z, 0-9 and '-'"));
            }
            if !seen.insert(m.id.clone()) {
                return Err(at("the id is used twice"));
            }
            for c in std::iter::once(&m.cause).chain(&m.also) {
                if taxonomy.get(Dimension::Cause, c).is_none() || !c.contains('/') {
                    return Err(at(&format!("`{c}` is not a cause slug of the taxonomy")));
                }
            }
            if m.name.trim().is_empty() || m.summary.trim().is_empty() {
                return Err(at("needs a name and a summary"));
            }
            if m.phrases.iter().all(|p| p.trim().is_empty()) {
                return Err(at("needs at least one phrase"));
            }
        }
        let unassigned: HashSet<&str> = file.unassigned.iter().map(String::as_str).collect();
        for m in &file.mechanism {
            if let Some(id) = m.members.iter().find(|id| unassigned.contains(id.as_str())) {
                return Err(format!(
                    "mechanisms.toml: mechanism `{}`: lists `{id}` as a member, but `unassigned` \
                     lists it too; a curated case is either a member or unassigned",
                    m.id
                ));
            }
        }
        Ok(Catalogue {
            mechanisms: file.mechanism,
            unassigned: file.unassigned,
        })
    }

    /// The bundled catalogue (a bad file is a build error the tests catch).
    pub fn bundled(taxonomy: &Taxonomy) -> Result<Catalogue, String> {
        Catalogue::parse(BUNDLED_MECHANISMS, taxonomy)
    }

    pub fn get(&self, id: &str) -> Option<&Mechanism> {
        self.mechanisms.iter().find(|m| m.id == id)
    }
}
