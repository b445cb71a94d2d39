//! The fixed query mix: seven classes of four queries each, picked by frequency rank from the
//! generator's vocabulary and labels, each written once for the index and once for FTS5.
//!
//! Every query asks for 20 hits with snippets and the facet counts. A prefix is written as a
//! phrase prefix, `"distribution shi"*`: tantivy's query parser reads a bare `shi*` as a
//! regular expression, which the index does not allow, while a phrase prefix (whose last word
//! is a prefix, expanded to at most 50 terms) is always on. FTS5 writes it `"distribution
//! shi" *`.

use notbetter_kb::{FacetDim, SearchRequest};
use notbetter_store::fts5::FtsRequest;
use notbetter_taxonomy::Dimension;
use serde::Serialize;

use crate::synth::Synth;

/// The query classes, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    RareTerm,
    CommonTerm,
    And3,
    Phrase,
    Prefix,
    BrowseFilterOnly,
    TermWithFacet,
    /// Questions of 5 to 12 words as people type them: function words, a taxonomy alias,
    /// content words of every frequency (soft matching, synonyms, cause reading).
    NaturalLanguage,
}

impl Class {
    pub const ALL: [Class; 8] = [
        Class::RareTerm,
        Class::CommonTerm,
        Class::And3,
        Class::Phrase,
        Class::Prefix,
        Class::BrowseFilterOnly,
        Class::TermWithFacet,
        Class::NaturalLanguage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::RareTerm => "rare_term",
            Class::CommonTerm => "common_term",
            Class::And3 => "and3",
            Class::Phrase => "phrase",
            Class::Prefix => "prefix",
            Class::BrowseFilterOnly => "browse_filter_only",
            Class::TermWithFacet => "term_with_facet",
            Class::NaturalLanguage => "natural_language",
        }
    }
}

/// One query of the mix, for both engines.
#[derive(Debug, Clone)]
pub struct BenchQuery {
    pub class: Class,
    /// What it is, for the readable report.
    pub text: String,
    pub ours: SearchRequest,
    pub fts: FtsRequest,
}

/// Hits asked for by every query.
pub const LIMIT: usize = 20;

fn query(class: Class, ours: &str, fts: &str, filters: &[(Dimension, &str)]) -> BenchQuery {
    let mut req = SearchRequest::new(ours);
    req.limit = LIMIT;
    let mut fts_filters: Vec<(Dimension, Vec<String>)> = Vec::new();
    for &(dim, slug) in filters {
        req = req.filter(FacetDim::from_dimension(dim), slug);
        fts_filters.push((dim, vec![slug.to_string()]));
    }
    let shown = filters
        .iter()
        .map(|(d, s)| format!(" {}={s}", d.as_str()))
        .collect::<String>();
    BenchQuery {
        class,
        text: format!("{ours}{shown}"),
        ours: req,
        fts: FtsRequest {
            query: fts.to_string(),
            filters: fts_filters,
            limit: LIMIT,
        },
    }
}

/// The mix: four queries per class.
pub fn mix(synth: &Synth) -> Vec<BenchQuery> {
    let v = &synth.vocab;
    let g = v.function_words;
    let n = v.len();
    let mut out = Vec::new();
    for r in [n - 9_000, n - 6_000, n - 3_000, n - 500] {
        let w = v.word(r);
        out.push(query(Class::RareTerm, w, w, &[]));
    }
    for r in [g, g + 1, g + 3, g + 5] {
        let w = v.word(r);
        out.push(query(Class::CommonTerm, w, w, &[]));
    }
    for (a, b, c) in [
        (g + 2, g + 20, g + 60),
        (g + 4, g + 30, g + 90),
        (g + 8, g + 45, g + 130),
        (g + 12, g + 70, g + 200),
    ] {
        // Plain words match softly now (most of them); `+` asks for all three, as FTS5's
        // implicit AND does.
        let q = format!("{} {} {}", v.word(a), v.word(b), v.word(c));
        let ours = format!("+{} +{} +{}", v.word(a), v.word(b), v.word(c));
        out.push(query(Class::And3, &ours, &q, &[]));
    }
    let phrases: Vec<&str> = synth
        .causes
        .entries
        .iter()
        .filter_map(|e| e.phrases_of_two_words().next())
        .take(4)
        .collect();
    for p in &phrases {
        let q = format!("\"{p}\"");
        out.push(query(Class::Phrase, &q, &q, &[]));
    }
    for p in &phrases {
        let (first, second) = p.split_once(' ').expect("two words");
        let stem: String = second.chars().take(3).collect();
        out.push(query(
            Class::Prefix,
            &format!("\"{first} {stem}\"*"),
            &format!("\"{first} {stem}\" *"),
            &[],
        ));
    }
    let d = &synth.domains.entries;
    let c = &synth.causes.entries;
    let m = &synth.modes.entries;
    let top_domain = d
        .iter()
        .find(|e| !e.slug.contains('/'))
        .map_or(d[0].slug.as_str(), |e| e.slug.as_str());
    for (dim, slug) in [
        (Dimension::Domain, top_domain),
        (Dimension::Domain, d[4].slug.as_str()),
        (Dimension::Cause, c[0].slug.as_str()),
        (Dimension::FailureMode, m[1].slug.as_str()),
    ] {
        out.push(query(Class::BrowseFilterOnly, "", "", &[(dim, slug)]));
    }
    for (r, dim, slug) in [
        (g, Dimension::Domain, top_domain),
        (g + 1, Dimension::Cause, c[0].slug.as_str()),
        (g + 10, Dimension::Domain, d[2].slug.as_str()),
        (g + 25, Dimension::Cause, c[3].slug.as_str()),
    ] {
        let w = v.word(r);
        out.push(query(Class::TermWithFacet, w, w, &[(dim, slug)]));
    }
    // Questions: frame words, a cause alias from the generator's phrases, and content words
    // from common to rare. FTS5 has no soft matching; the nearest it offers is OR.
    let alias = |i: usize| phrases.get(i % phrases.len().max(1)).copied().unwrap_or("");
    let questions = [
        format!(
            "what went wrong with {} {} models?",
            v.word(g + 3),
            v.word(g + 40)
        ),
        format!(
            "why did the {} {} fail after {} at the new {}",
            v.word(g + 15),
            alias(0),
            v.word(g + 120),
            v.word(g + 700)
        ),
        format!(
            "do {} really beat simple {} baselines on {} {} data",
            v.word(g + 7),
            v.word(g + 60),
            v.word(g + 300),
            v.word(n - 4_000)
        ),
        format!(
            "the {} looked great on {} but {} {} {} in practice",
            v.word(g + 2),
            v.word(g + 200),
            alias(1),
            v.word(g + 35),
            v.word(g + 1_500)
        ),
    ];
    for q in &questions {
        let fts = q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" OR ");
        out.push(query(Class::NaturalLanguage, q, &fts, &[]));
    }
    out
}
