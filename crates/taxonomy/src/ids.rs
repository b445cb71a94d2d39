//! The two identifiers every layer checks: a case id (`CaseId`) and a taxonomy slug (`Slug`),
//! each with its one validator. Ingest, the store, the search and the server all call these,
//! so they cannot disagree about what is well formed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// The longest case id.
pub const CASE_ID_MAX: usize = 100;

/// The longest slug.
pub const SLUG_MAX: usize = 120;

/// A case id: 1 to 100 bytes of `a-z`, `0-9` and `-`, starting with a letter or digit
/// (`epic-sepsis-model-external-validation`). It names the case's file and its URL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CaseId(String);

impl CaseId {
    /// The id, if `s` is one.
    pub fn parse(s: &str) -> Result<CaseId, IdError> {
        if CaseId::is_valid(s) {
            Ok(CaseId(s.to_string()))
        } else {
            Err(IdError {
                value: s.chars().take(120).collect(),
                expected: "a case id: 1 to 100 characters of a-z, 0-9 and '-', starting with a letter or digit",
            })
        }
    }

    /// Whether `s` is a well-formed case id.
    pub fn is_valid(s: &str) -> bool {
        let b = s.as_bytes();
        !b.is_empty()
            && b.len() <= CASE_ID_MAX
            && b[0].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    }

    /// The id a title suggests: its ASCII words lowercased and joined by `-`, at most 60
    /// characters, or `case` when the title has no such word.
    pub fn from_title(title: &str) -> CaseId {
        let mut out = String::new();
        for word in title
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            if out.len() + word.len() + 1 > 60 {
                break;
            }
            if !out.is_empty() {
                out.push('-');
            }
            out.push_str(&word.to_ascii_lowercase());
        }
        if out.is_empty() {
            out.push_str("case");
        }
        CaseId(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A taxonomy slug: segments of `a-z`, `0-9` and `-` joined by `/` (`data/leakage`), at most
/// 120 bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// The slug, if `s` is one.
    pub fn parse(s: &str) -> Result<Slug, IdError> {
        if Slug::is_valid(s) {
            Ok(Slug(s.to_string()))
        } else {
            Err(IdError {
                value: s.chars().take(120).collect(),
                expected: "a taxonomy slug such as data/leakage: segments of a-z, 0-9 and '-' separated by '/'",
            })
        }
    }

    /// Whether `s` is a well-formed slug.
    pub fn is_valid(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= SLUG_MAX
            && s.split('/').all(|seg| {
                !seg.is_empty()
                    && seg
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! text_impls {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl std::ops::Deref for $t {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }
        impl std::str::FromStr for $t {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                <$t>::parse(s)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$t>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_impls!(CaseId);
text_impls!(Slug);

/// A value that is not a well-formed id or slug, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not {expected}")]
pub struct IdError {
    pub value: String,
    pub expected: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids() {
        for ok in ["a", "0-shot", "epic-sepsis-2021", &"x".repeat(100)] {
            assert!(CaseId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-lead", "Upper", "a b", "a/b", "é", &"x".repeat(101)] {
            let e = CaseId::parse(bad).unwrap_err();
            assert!(e.to_string().contains("a case id"), "{e}");
        }
        assert_eq!(
            CaseId::from_title("  Deep nets — on X-rays!").as_str(),
            "deep-nets-on-x-rays"
        );
        assert_eq!(CaseId::from_title("—").as_str(), "case");
        assert!(CaseId::is_valid(
            CaseId::from_title(&"word ".repeat(40)).as_str()
        ));
    }

    #[test]
    fn slugs() {
        for ok in ["data", "data/leakage", "imported/avid", "a-b/c-d/e"] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/data",
            "data/",
            "data//x",
            "Data",
            "data leakage",
            "x'--",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
        let s: Slug = serde_json::from_str("\"data/leakage\"").unwrap();
        assert_eq!(s.as_str(), "data/leakage");
        assert!(serde_json::from_str::<Slug>("\"not a slug\"").is_err());
    }
}
