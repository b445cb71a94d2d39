//! What is recorded about a case's sources: the evidence facts (code, data, external
//! validation) and the review of the case against its primary sources.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// One evidence fact: stated true, stated false, or recorded as unknown because the source does
/// not say (the [`Evidence`] then gives the reason). Written `true`, `false` or `"unknown"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fact {
    True,
    False,
    Unknown,
}

impl Fact {
    pub fn as_str(self) -> &'static str {
        match self {
            Fact::True => "true",
            Fact::False => "false",
            Fact::Unknown => "unknown",
        }
    }

    /// `true`, `false` or `unknown`, ignoring case and surrounding space (CSV cells are text).
    pub fn parse(s: &str) -> Option<Fact> {
        match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(Fact::True),
            "false" => Some(Fact::False),
            "unknown" => Some(Fact::Unknown),
            _ => None,
        }
    }
}

impl From<bool> for Fact {
    fn from(b: bool) -> Fact {
        if b {
            Fact::True
        } else {
            Fact::False
        }
    }
}

impl Serialize for Fact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Fact::True => s.serialize_bool(true),
            Fact::False => s.serialize_bool(false),
            Fact::Unknown => s.serialize_str("unknown"),
        }
    }
}

impl<'de> Deserialize<'de> for Fact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fact, D::Error> {
        struct FactVisitor;
        impl Visitor<'_> for FactVisitor {
            type Value = Fact;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false or \"unknown\"")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Fact, E> {
                Ok(Fact::from(b))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Fact, E> {
                Fact::parse(s).ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        d.deserialize_any(FactVisitor)
    }
}

/// Facts about the evidence behind a case, following the workshop's review criteria. A field
/// left out is "not stated"; `"unknown"` says the source was read and does not tell, and then
/// `unknown_reason` says why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_available: Option<Fact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_available: Option<Fact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_validation: Option<Fact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_reason: Option<String>,
}

impl Evidence {
    /// The three facts' field names, in display order.
    pub const FIELDS: [&'static str; 3] =
        ["code_available", "data_available", "external_validation"];

    pub fn is_empty(&self) -> bool {
        *self == Evidence::default()
    }

    /// The three facts with their field names, in [`Evidence::FIELDS`] order.
    pub fn facts(&self) -> [(&'static str, Option<Fact>); 3] {
        [
            ("code_available", self.code_available),
            ("data_available", self.data_available),
            ("external_validation", self.external_validation),
        ]
    }

    /// Whether all three facts are stated (true, false or unknown).
    pub fn fully_stated(&self) -> bool {
        self.facts().iter().all(|(_, f)| f.is_some())
    }

    /// Whether any fact is recorded as unknown.
    pub fn has_unknown(&self) -> bool {
        self.facts().iter().any(|(_, f)| *f == Some(Fact::Unknown))
    }
}

/// What a review concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The case matched its sources as written.
    Confirmed,
    /// The reviewer corrected the case to match its sources.
    Corrected,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Confirmed => "confirmed",
            Verdict::Corrected => "corrected",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        match s.trim() {
            "confirmed" => Some(Verdict::Confirmed),
            "corrected" => Some(Verdict::Corrected),
            _ => None,
        }
    }
}

/// A second reader's check of a case against its primary sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The primary sources read: URLs, DOIs or arXiv ids, never a mirror.
    pub against: Vec<String>,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

/// The link a reader follows for one `against` entry: a URL as given, a DOI at doi.org, an
/// arXiv id at arxiv.org.
pub fn source_link(entry: &str) -> String {
    let e = entry.trim();
    if e.starts_with("http://") || e.starts_with("https://") {
        e.to_string()
    } else if let Some(doi) = e
        .strip_prefix("doi:")
        .or_else(|| e.starts_with("10.").then_some(e))
    {
        format!("https://doi.org/{}", doi.trim())
    } else {
        let id = e
            .strip_prefix("arXiv:")
            .or_else(|| e.strip_prefix("arxiv:"))
            .unwrap_or(e);
        format!("https://arxiv.org/abs/{}", id.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_read_booleans_and_unknown_and_write_them_back() {
        let e: Evidence = serde_json::from_str(
            r#"{"code_available":true,"data_available":"unknown","external_validation":"False","unknown_reason":"r"}"#,
        )
        .unwrap();
        assert_eq!(e.code_available, Some(Fact::True));
        assert_eq!(e.data_available, Some(Fact::Unknown));
        assert_eq!(e.external_validation, Some(Fact::False));
        assert!(e.fully_stated() && e.has_unknown());
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code_available":true,"data_available":"unknown","external_validation":false,"unknown_reason":"r"}"#
        );
        let bad = serde_json::from_str::<Evidence>(r#"{"code_available":"maybe"}"#);
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("true, false or \"unknown\""));
        assert!(!Evidence::default().fully_stated());
    }

    #[test]
    fn source_links() {
        for (entry, link) in [
            ("https://example.org/a", "https://example.org/a"),
            (
                "10.1038/s42256-021-00338-7",
                "https://doi.org/10.1038/s42256-021-00338-7",
            ),
            ("doi:10.1/x", "https://doi.org/10.1/x"),
            ("arXiv:2104.01234", "https://arxiv.org/abs/2104.01234"),
            ("2104.01234", "https://arxiv.org/abs/2104.01234"),
        ] {
            assert_eq!(source_link(entry), link, "{entry}");
        }
    }
}
