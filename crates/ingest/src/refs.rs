//! Syntax checks for reference identifiers: DOIs, arXiv ids and URLs.

use std::sync::OnceLock;

use regex::Regex;

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid pattern"))
}

/// A bare DOI: `10.` then a registrant code of 4 to 9 digits (with optional sub-codes), a slash
/// and a non-empty suffix without spaces.
pub fn is_valid_doi(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"^10\.\d{4,9}(\.\d+)*/\S+$").is_match(s)
}

/// A bare arXiv id: new style `2104.01234` (with optional version) or old style
/// `hep-th/9901001`.
pub fn is_valid_arxiv(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        &RE,
        r"^(\d{4}\.\d{4,5}|[a-z][a-z\-]*(\.[A-Z]{2})?/\d{7})(v\d+)?$",
    )
    .is_match(s)
}

/// An absolute http(s) URL with a host.
pub fn is_valid_url(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        &RE,
        r"^https?://[A-Za-z0-9\-._~%]+(\.[A-Za-z]{2,}|:\d+)[^\s]*$",
    )
    .is_match(s)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefKind {
    Doi(String),
    Arxiv(String),
    Url(String),
}

/// Classifies one identifier as written in a CSV cell or a form field, accepting the common
/// prefixed spellings (`doi:`, `https://doi.org/`, `arXiv:`, `https://arxiv.org/abs/`).
pub fn classify_reference(raw: &str) -> Option<RefKind> {
    let s = raw.trim();
    let lower = s.to_ascii_lowercase();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "doi:",
    ] {
        if lower.starts_with(prefix) {
            let doi = s[prefix.len()..].trim();
            return is_valid_doi(doi).then(|| RefKind::Doi(doi.to_string()));
        }
    }
    for prefix in ["https://arxiv.org/abs/", "http://arxiv.org/abs/", "arxiv:"] {
        if lower.starts_with(prefix) {
            let id = s[prefix.len()..].trim();
            return is_valid_arxiv(id).then(|| RefKind::Arxiv(id.to_string()));
        }
    }
    if is_valid_doi(s) {
        Some(RefKind::Doi(s.to_string()))
    } else if is_valid_arxiv(s) {
        Some(RefKind::Arxiv(s.to_string()))
    } else if is_valid_url(s) {
        Some(RefKind::Url(s.to_string()))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_valid_doi("10.1038/s42256-021-00338-7"));
        assert!(is_valid_doi("10.1371/journal.pmed.1002683"));
        assert!(!is_valid_doi("10.10/x"));
        assert!(!is_valid_doi("doi:10.1038/x"));
        assert!(!is_valid_doi("10.1038/ has space"));
        assert!(is_valid_arxiv("2104.01234"));
        assert!(is_valid_arxiv("1902.01007v3"));
        assert!(is_valid_arxiv("hep-th/9901001"));
        assert!(!is_valid_arxiv("2104.123"));
        assert!(is_valid_url("https://www.ntsb.gov/investigations/x.aspx"));
        assert!(is_valid_url("http://localhost:8080/a"));
        assert!(!is_valid_url("javascript:alert(1)"));
        assert!(!is_valid_url("ftp://x.org"));
        assert!(!is_valid_url("https://"));
    }

    #[test]
    fn classification_accepts_prefixed_forms() {
        use RefKind::*;
        let table = [
            ("10.1038/abc", Some(Doi("10.1038/abc".into()))),
            ("doi:10.1038/abc", Some(Doi("10.1038/abc".into()))),
            (
                "https://doi.org/10.1038/abc",
                Some(Doi("10.1038/abc".into())),
            ),
            ("arXiv:1902.01007", Some(Arxiv("1902.01007".into()))),
            (
                "https://arxiv.org/abs/1902.01007",
                Some(Arxiv("1902.01007".into())),
            ),
            (
                "https://example.org/x",
                Some(Url("https://example.org/x".into())),
            ),
            ("doi:nonsense", None),
            ("see the paper", None),
        ];
        for (input, want) in table {
            assert_eq!(classify_reference(input), want, "{input}");
        }
    }
}
