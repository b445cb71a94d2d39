//! The taxonomy's types and the parser for `data/taxonomy.toml`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::normalise::{normalise_label, phrase_words, LabelIndex};

/// One axis of classification. Causes and cause families share the `cause` dimension, since a
/// family slug (`data`) is the parent of its causes (`data/leakage`). `method` is the model
/// family the failed approach used (`cnn`, `transformer`, `classical-ml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Domain,
    Cause,
    FailureMode,
    Method,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [
        Dimension::Domain,
        Dimension::Cause,
        Dimension::FailureMode,
        Dimension::Method,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Domain => "domain",
            Dimension::Cause => "cause",
            Dimension::FailureMode => "failure_mode",
            Dimension::Method => "method",
        }
    }

    pub fn parse(s: &str) -> Option<Dimension> {
        match s {
            "domain" | "domains" => Some(Dimension::Domain),
            "cause" | "causes" => Some(Dimension::Cause),
            "failure_mode" | "failure_modes" | "mode" => Some(Dimension::FailureMode),
            "method" | "methods" => Some(Dimension::Method),
            _ => None,
        }
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One taxonomy entry: a cause family, a cause, a domain, a sub-domain or a failure mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub dimension: Dimension,
    pub slug: String,
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Aliases that name this entry as a label but are too ambiguous to count as evidence in
    /// running text ("data leak" also describes privacy breaches).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_evidence: Vec<String>,
    /// Domain aliases that name the kind of data a model read ("time series", "NLP") as much
    /// as a field: inside a longer label that also names another field ("financial time
    /// series", "mental health NLP") they qualify it, and that field decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modality: Vec<String>,
}

impl Entry {
    /// The parent slug (`data` for `data/leakage`), if any.
    pub fn parent(&self) -> Option<&str> {
        self.slug.rsplit_once('/').map(|(p, _)| p)
    }

    /// Depth in the hierarchy: 0 for top-level entries.
    pub fn depth(&self) -> usize {
        self.slug.matches('/').count()
    }

    /// The last slug segment (`leakage` for `data/leakage`).
    pub fn leaf(&self) -> &str {
        self.slug.rsplit('/').next().unwrap_or(&self.slug)
    }
}

/// Whether `slug` is `ancestor` or sits beneath it (`data/leakage` is under `data`, not under
/// `data/leak`).
pub fn slug_within(slug: &str, ancestor: &str) -> bool {
    slug.strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("taxonomy is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("taxonomy entry `{slug}`: {message}")]
    Entry { slug: String, message: String },
}

#[derive(Deserialize)]
struct RawEntry {
    slug: String,
    name: String,
    description: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    not_evidence: Vec<String>,
    #[serde(default)]
    modality: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxonomy {
    #[serde(default)]
    cause_family: Vec<RawEntry>,
    #[serde(default)]
    cause: Vec<RawEntry>,
    #[serde(default)]
    domain: Vec<RawEntry>,
    #[serde(default)]
    failure_mode: Vec<RawEntry>,
    #[serde(default)]
    method: Vec<RawEntry>,
}

/// The whole taxonomy, with an index from normalised labels to slugs.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    entries: Vec<Entry>,
    by_slug: HashMap<(Dimension, String), usize>,
    pub(crate) labels: BTreeMap<Dimension, LabelIndex>,
}

impl Taxonomy {
    /// Parses and checks taxonomy TOML: slugs are well-formed and unique, parents exist, and no
    /// normalised alias points at two entries of one dimension.
    pub fn parse(text: &str) -> Result<Taxonomy, TaxonomyError> {
        let raw: RawTaxonomy = toml::from_str(text)?;
        let mut entries = Vec::new();
        let groups = [
            (Dimension::Cause, raw.cause_family),
            (Dimension::Cause, raw.cause),
            (Dimension::Domain, raw.domain),
            (Dimension::FailureMode, raw.failure_mode),
            (Dimension::Method, raw.method),
        ];
        for (dimension, list) in groups {
            for r in list {
                entries.push(Entry {
                    dimension,
                    slug: r.slug,
                    name: r.name,
                    description: r.description,
                    aliases: r.aliases,
                    not_evidence: r.not_evidence,
                    modality: r.modality,
                });
            }
        }
        Taxonomy::from_entries(entries)
    }

    pub fn from_entries(entries: Vec<Entry>) -> Result<Taxonomy, TaxonomyError> {
        let err = |slug: &str, message: String| TaxonomyError::Entry {
            slug: slug.to_string(),
            message,
        };
        let mut by_slug = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let well_formed = crate::Slug::is_valid(&e.slug);
            if !well_formed {
                return Err(err(
                    &e.slug,
                    "expected lowercase segments of a-z, 0-9 and '-' separated by '/'".into(),
                ));
            }
            if e.name.trim().is_empty() || e.description.trim().is_empty() {
                return Err(err(&e.slug, "needs a name and a description".into()));
            }
            if by_slug.insert((e.dimension, e.slug.clone()), i).is_some() {
                return Err(err(&e.slug, format!("defined twice in {}", e.dimension)));
            }
        }
        for e in &entries {
            if let Some(bad) = e.not_evidence.iter().find(|n| !e.aliases.contains(n)) {
                return Err(err(
                    &e.slug,
                    format!("not_evidence `{bad}` is not one of its aliases"),
                ));
            }
            if let Some(bad) = e.modality.iter().find(|n| !e.aliases.contains(n)) {
                return Err(err(
                    &e.slug,
                    format!("modality `{bad}` is not one of its aliases"),
                ));
            }
            if !e.modality.is_empty() && e.dimension != Dimension::Domain {
                return Err(err(&e.slug, "only domains have a modality".into()));
            }
            if let Some(parent) = e.parent() {
                if !by_slug.contains_key(&(e.dimension, parent.to_string())) {
                    return Err(err(&e.slug, format!("parent `{parent}` is not defined")));
                }
            }
        }
        let mut labels = BTreeMap::new();
        for dim in Dimension::ALL {
            let mut index = LabelIndex::default();
            for e in entries.iter().filter(|e| e.dimension == dim) {
                let mut names = vec![e.slug.clone(), e.leaf().to_string(), e.name.clone()];
                names.extend(e.aliases.iter().cloned());
                for name in names {
                    let key = normalise_label(&name);
                    if key.is_empty() {
                        continue;
                    }
                    if let Some(other) = index.insert(key.clone(), name.clone(), &e.slug) {
                        return Err(err(
                            &e.slug,
                            format!("label `{name}` (normalised `{key}`) also maps to `{other}`"),
                        ));
                    }
                }
                for m in &e.modality {
                    let words = phrase_words(&normalise_label(m));
                    index.modalities.push((words, e.slug.clone()));
                }
            }
            labels.insert(dim, index);
        }
        Ok(Taxonomy {
            entries,
            by_slug,
            labels,
        })
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entries_of(&self, dim: Dimension) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.dimension == dim)
    }

    pub fn get(&self, dim: Dimension, slug: &str) -> Option<&Entry> {
        self.by_slug
            .get(&(dim, slug.to_string()))
            .map(|&i| &self.entries[i])
    }

    /// The children of `slug` (or the top-level entries when `slug` is `None`).
    pub fn children<'a>(
        &'a self,
        dim: Dimension,
        slug: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries_of(dim).filter(move |e| e.parent() == slug)
    }

    /// Causes proper (depth 1), without the families.
    pub fn causes(&self) -> impl Iterator<Item = &Entry> {
        self.entries_of(Dimension::Cause).filter(|e| e.depth() == 1)
    }

    /// The display name of a slug, falling back to the slug itself.
    pub fn name<'a>(&'a self, dim: Dimension, slug: &'a str) -> &'a str {
        self.get(dim, slug).map(|e| e.name.as_str()).unwrap_or(slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_within_itself_and_its_ancestors_only() {
        assert!(slug_within("data/leakage", "data/leakage"));
        assert!(slug_within("data/leakage", "data"));
        assert!(!slug_within("data", "data/leakage"));
        assert!(!slug_within("data/leakage", "data/leak"));
        assert!(!slug_within("database", "data"));
    }

    #[test]
    fn bundled_taxonomy_parses_and_is_rich() {
        let t = crate::bundled();
        let causes: Vec<_> = t.causes().collect();
        assert!(causes.len() >= 20, "{} causes", causes.len());
        let with_five = causes.iter().filter(|e| e.aliases.len() >= 5).count();
        assert!(
            with_five * 10 >= causes.len() * 8,
            "most causes need 5+ aliases: {with_five}/{}",
            causes.len()
        );
        for family in ["data", "model", "deployment", "evaluation"] {
            assert!(t.get(Dimension::Cause, family).is_some(), "{family}");
        }
        let domains = t.children(Dimension::Domain, None).count();
        assert!(domains >= 15, "{domains} top-level domains");
        assert_eq!(t.entries_of(Dimension::FailureMode).count(), 3);
    }

    #[test]
    fn bundled_taxonomy_has_the_model_families() {
        let t = crate::bundled();
        for slug in [
            "cnn",
            "transformer",
            "gnn",
            "rnn",
            "mlp",
            "generative",
            "deep-rl",
            "foundation-model",
            "classical-ml",
        ] {
            assert!(t.get(Dimension::Method, slug).is_some(), "{slug}");
        }
        // The families people write map onto them.
        for (label, slug) in [
            ("ConvNet", "cnn"),
            ("LSTM", "rnn"),
            ("BERT", "transformer"),
            ("large language model", "transformer"),
            ("graph neural networks", "gnn"),
            ("multilayer perceptron", "mlp"),
            ("diffusion models", "generative"),
            ("GAN", "generative"),
            ("deep reinforcement learning", "deep-rl"),
            ("foundation models", "foundation-model"),
            ("random forest", "classical-ml"),
            ("logistic regression", "classical-ml"),
        ] {
            assert_eq!(
                t.map(Dimension::Method, label),
                crate::Mapping::Mapped { slug: slug.into() },
                "{label}"
            );
        }
        assert_eq!(Dimension::parse("methods"), Some(Dimension::Method));
    }

    #[test]
    fn methods_parse_from_their_own_table() {
        let text = r#"[[method]]
slug = "cnn"
name = "Convolutional network"
description = "d"
aliases = ["ConvNet"]"#;
        let t = Taxonomy::parse(text).unwrap();
        let e = t.get(Dimension::Method, "cnn").unwrap();
        assert_eq!(e.dimension, Dimension::Method);
        assert_eq!(e.aliases, ["ConvNet"]);
        assert!(t.get(Dimension::Cause, "cnn").is_none());
    }

    #[test]
    fn rejects_bad_slug_and_missing_parent_and_alias_clash() {
        let bad = r#"[[cause]]
slug = "Data/Leak"
name = "x"
description = "y""#;
        assert!(Taxonomy::parse(bad)
            .unwrap_err()
            .to_string()
            .contains("lowercase"));
        let orphan = r#"[[cause]]
slug = "data/leakage"
name = "x"
description = "y""#;
        assert!(Taxonomy::parse(orphan)
            .unwrap_err()
            .to_string()
            .contains("parent `data`"));
        let clash = r#"[[failure_mode]]
slug = "a"
name = "A"
description = "d"
aliases = ["Same thing"]
[[failure_mode]]
slug = "b"
name = "B"
description = "d"
aliases = ["same-things"]"#;
        let e = Taxonomy::parse(clash).unwrap_err().to_string();
        assert!(e.contains("also maps to `a`"), "{e}");
        let modality = r#"[[domain]]
slug = "a"
name = "A"
description = "d"
aliases = ["time series forecasting"]
modality = ["time series"]"#;
        let e = Taxonomy::parse(modality).unwrap_err().to_string();
        assert!(
            e.contains("modality `time series` is not one of its aliases"),
            "{e}"
        );
        let cause_modality = r#"[[cause_family]]
slug = "a"
name = "A"
description = "d"
aliases = ["time series"]
modality = ["time series"]"#;
        let e = Taxonomy::parse(cause_modality).unwrap_err().to_string();
        assert!(e.contains("only domains have a modality"), "{e}");
    }
}
