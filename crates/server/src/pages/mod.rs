//! One module per page family, and the pieces they share: search parameters and their URLs,
//! taxonomy chips, and case lists.

pub mod browse;
pub mod case;
pub mod clusters;
pub mod contribute;
pub mod feeds;
pub mod form;
pub mod home;
pub mod premortem;
pub mod review;
pub mod search;

use maud::{html, Markup};
use notbetter_kb::{FacetDim, Sort};
use notbetter_kb::{SearchRequest, MAX_OFFSET};
use notbetter_taxonomy::{Dimension, Label, LabelState, Taxonomy, YEAR_FILTER_MAX, YEAR_MIN};

pub const PAGE_SIZE: usize = 20;

/// A raw query string as its (key, value) pairs, repeated keys kept, in order.
pub fn query_pairs(raw: Option<String>) -> Vec<(String, String)> {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// The parameters of `/search`, parsed from the query string (repeated keys allowed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchParams {
    pub q: String,
    pub filters: Vec<(FacetDim, String)>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub sort: Sort,
    pub page: usize,
}

fn facet_param(dim: FacetDim) -> &'static str {
    match dim {
        FacetDim::Domain => "domain",
        FacetDim::Cause => "cause",
        FacetDim::InferredCause => "inferred_cause",
        FacetDim::FailureMode => "mode",
        FacetDim::Source => "source",
        FacetDim::Method => "method",
    }
}

fn slug_ok(s: &str) -> bool {
    notbetter_taxonomy::Slug::is_valid(s)
}

impl SearchParams {
    /// Parses query pairs; a malformed value is a clear error naming the parameter.
    pub fn parse(pairs: &[(String, String)]) -> Result<SearchParams, String> {
        let mut p = SearchParams {
            page: 1,
            ..Default::default()
        };
        for (k, v) in pairs {
            let v = v.trim();
            let year = |v: &str| -> Result<Option<i32>, String> {
                if v.is_empty() {
                    return Ok(None);
                }
                v.parse::<i32>()
                    .ok()
                    .filter(|y| (YEAR_MIN..=YEAR_FILTER_MAX).contains(y))
                    .map(Some)
                    .ok_or_else(|| format!("`{k}` must be a year such as 2021, not `{v}`"))
            };
            match k.as_str() {
                "q" => p.q = v.to_string(),
                "year_from" => p.year_from = year(v)?,
                "year_to" => p.year_to = year(v)?,
                "sort" => {
                    p.sort = Sort::parse(v).ok_or_else(|| {
                        format!("`sort` must be relevance, year or year_asc, not `{v}`")
                    })?
                }
                "page" => {
                    let max = MAX_OFFSET / PAGE_SIZE + 1;
                    p.page = v
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=max).contains(n))
                        .ok_or_else(|| format!("`page` must be a number from 1 to {max}"))?
                }
                other => {
                    let dim = FacetDim::ALL.into_iter().find(|d| facet_param(*d) == other);
                    match dim {
                        Some(_) if v.is_empty() => {}
                        Some(d) if slug_ok(v) => p.add_filter(d, v),
                        Some(_) => {
                            return Err(format!(
                                "`{other}` must be a taxonomy slug such as data/leakage, not `{v}`"
                            ))
                        }
                        None => {} // Unknown parameters are ignored, as browsers and crawlers add their own.
                    }
                }
            }
        }
        // An inverted year range is not an error: no case falls in it, and the page says so.
        Ok(p)
    }

    fn add_filter(&mut self, dim: FacetDim, v: &str) {
        if !self.has(dim, v) {
            self.filters.push((dim, v.to_string()));
        }
    }

    pub fn request(&self) -> SearchRequest {
        let mut req = SearchRequest::new(self.q.clone());
        for (d, v) in &self.filters {
            req.filters.entry(*d).or_default().push(v.clone());
        }
        req.year_from = self.year_from;
        req.year_to = self.year_to;
        req.sort = self.sort;
        req.limit = PAGE_SIZE;
        req.offset = (self.page.max(1) - 1) * PAGE_SIZE;
        req
    }

    pub fn has(&self, dim: FacetDim, v: &str) -> bool {
        self.filters.iter().any(|(d, x)| *d == dim && x == v)
    }

    pub fn toggled(&self, dim: FacetDim, v: &str) -> SearchParams {
        let mut p = self.clone();
        if p.has(dim, v) {
            p.filters.retain(|(d, x)| !(*d == dim && x == v));
        } else {
            p.filters.push((dim, v.to_string()));
        }
        p.page = 1;
        p
    }

    pub fn url(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            s.append_pair("q", &self.q);
        }
        for (d, v) in &self.filters {
            s.append_pair(facet_param(*d), v);
        }
        if let Some(y) = self.year_from {
            s.append_pair("year_from", &y.to_string());
        }
        if let Some(y) = self.year_to {
            s.append_pair("year_to", &y.to_string());
        }
        match self.sort {
            Sort::Relevance => {}
            Sort::Year => {
                s.append_pair("sort", "year");
            }
            Sort::YearAsc => {
                s.append_pair("sort", "year_asc");
            }
        }
        if self.page > 1 {
            s.append_pair("page", &self.page.to_string());
        }
        let q = s.finish();
        if q.is_empty() {
            "/search".into()
        } else {
            format!("/search?{q}")
        }
    }
}

/// `/search?domain=…` for one facet value.
pub fn search_url(dim: FacetDim, slug: &str) -> String {
    SearchParams {
        page: 1,
        ..Default::default()
    }
    .toggled(dim, slug)
    .url()
}

/// `text` as one query-string value.
pub fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub fn browse_url(dim: Dimension, slug: &str) -> String {
    match dim {
        Dimension::Domain => format!("/domains/{slug}"),
        Dimension::Cause => format!("/causes/{slug}"),
        Dimension::FailureMode => search_url(FacetDim::FailureMode, slug),
        Dimension::Method => search_url(FacetDim::Method, slug),
    }
}

/// A taxonomy chip. Inferred and unmapped labels are marked in text, not only by colour.
pub fn chip(t: &Taxonomy, dim: Dimension, label: &Label) -> Markup {
    match label.state {
        LabelState::Confirmed => html! {
            a.chip.(dim.as_str()) href=(browse_url(dim, &label.value)) title=(label.value) { (t.name(dim, &label.value)) }
        },
        LabelState::Inferred => html! {
            a.chip.inferred href=(search_url(FacetDim::InferredCause, &label.value))
                title=(format!("Inferred from the text: {}", label.evidence.join(", "))) {
                (t.name(dim, &label.value)) " " span.state { "(inferred)" }
            }
        },
        LabelState::Unmapped => html! {
            span.chip.unmapped title="Not yet mapped to the taxonomy" { (label.value) " " span.state { "(unmapped)" } }
        },
        LabelState::Matched => {
            let how = label
                .matched
                .map(|m| format!("{}, {}% sure", m.rule, m.confidence))
                .unwrap_or_default();
            let raw = label.raw.as_deref().unwrap_or(&label.value);
            html! {
                a.chip.(dim.as_str()).matched href=(browse_url(dim, &label.value))
                    title=(format!("Written as “{raw}”; matched by rule ({how}), not yet confirmed by a reviewer")) {
                    (t.name(dim, &label.value)) " " span.state { "(matched from “" (raw) "”: " (how) ")" }
                }
            }
        }
    }
}

/// Chips for slugs (as search hits carry them).
pub fn slug_chips(t: &Taxonomy, dim: Dimension, slugs: &[String]) -> Markup {
    html! {
        @for s in slugs { (chip(t, dim, &Label::confirmed(s.clone()))) }
    }
}

/// A list of search hits.
pub fn hit_list(t: &Taxonomy, hits: &[notbetter_kb::Hit]) -> Markup {
    html! {
        ol.hits {
            @for h in hits {
                li.hit {
                    h3 { a href=(format!("/cases/{}", h.id)) { (h.title) } }
                    p.meta {
                        @if let Some(y) = h.year { span.year { (y) } " · " }
                        (slug_chips(t, Dimension::Domain, &h.domains))
                        (slug_chips(t, Dimension::Cause, &h.causes))
                        @for c in &h.inferred_causes {
                            (chip(t, Dimension::Cause, &Label { value: c.clone(), state: LabelState::Inferred, raw: None, evidence: vec![], matched: None }))
                        }
                    }
                    p.snippet {
                        @for (text, hit) in h.snippet.pieces() {
                            @if hit { b { (text) } } @else { (text) }
                        }
                    }
                    @if !h.missing.is_empty() {
                        p.missing { "Missing: " @for (i, w) in h.missing.iter().enumerate() { @if i > 0 { ", " } s { (w) } } }
                    }
                }
            }
        }
    }
}
