//! `/search`: ranked hits with snippets, a facet sidebar with disjunctive counts, removable
//! filter chips, paging, help for empty results, and a friendly 400 for query errors.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use notbetter_kb::SearchResults;
use notbetter_kb::{FacetDim, Sort};
use notbetter_taxonomy::{Dimension, Taxonomy, YEAR_FILTER_MAX, YEAR_MIN};

use super::{hit_list, SearchParams, PAGE_SIZE};
use crate::error::AppError;
use crate::layout::page_with;
use crate::AppState;

pub async fn search(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let params = match SearchParams::parse(&pairs) {
        Ok(p) => p,
        Err(msg) => return Ok(render(&state, &SearchParams::default(), Err(msg)).into_response()),
    };
    let req = params.request();
    let result = state
        .run(move |kb| match kb.search(&req) {
            Ok(r) => Ok(Ok(r)),
            Err(e) if e.is_user_error() => Ok(Err(e.to_string())),
            Err(e) => Err(e.into()),
        })
        .await?;
    Ok(render(&state, &params, result).into_response())
}

fn render(
    state: &AppState,
    params: &SearchParams,
    result: Result<SearchResults, String>,
) -> (StatusCode, Markup) {
    let t = state.kb.taxonomy();
    let title = if params.q.is_empty() {
        "Search".to_string()
    } else {
        format!("Search: {}", params.q)
    };
    let status = if result.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = html! {
        h1 { "Search" }
        form #search-form method="get" action="/search" {
            div.search-layout {
                div.search-main {
                    div.row {
                        label.visually-hidden for="q" { "Query" }
                        input #q type="search" name="q" value=(params.q) placeholder="Words, \"phrases\", -exclusions, field:term";
                        label.visually-hidden for="sort" { "Sort" }
                        select #sort name="sort" {
                            option value="relevance" selected[params.sort == Sort::Relevance] { "Most relevant" }
                            option value="year" selected[params.sort == Sort::Year] { "Newest first" }
                            option value="year_asc" selected[params.sort == Sort::YearAsc] { "Oldest first" }
                        }
                        button type="submit" { "Search" }
                    }
                    @if !params.filters.is_empty() {
                        div.active-filters aria-label="Active filters" {
                            @for (d, v) in &params.filters {
                                a.chip.removable href=(params.toggled(*d, v).url()) aria-label=(format!("Remove filter {}", label_name(t, *d, v))) {
                                    (label_name(t, *d, v)) " ×"
                                }
                            }
                            a.clear href=(SearchParams { q: params.q.clone(), page: 1, ..Default::default() }.url()) { "Clear filters" }
                        }
                    }
                    @match &result {
                        Err(msg) => {
                            div.error-box role="alert" {
                                h2 { "That search could not be run" }
                                p { (msg) }
                                p { "Tips: close every quote and parenthesis, or put unusual characters in quotes. Fields you can search: title, tags, labels, use_case, solution, outcome, investigation, pattern, lessons, refs." }
                            }
                        }
                        Ok(r) => {
                            (reading(params, r))
                            p.count role="status" { (r.total) " case" @if r.total != 1 { "s" } }
                            @if r.total == 0 {
                                div.empty {
                                    h2 { "No cases match" }
                                    ul {
                                        @if !params.filters.is_empty() {
                                            li { "Drop some filters: " a href=(SearchParams { q: params.q.clone(), page: 1, ..Default::default() }.url()) { "search all cases for this query" } "." }
                                        }
                                        li { "Check the spelling, or try other words: a case must hold most of the words you type, and phrases in quotes, +required and field:term parts exactly." }
                                        li { "Browse " a href="/domains" { "by domain" } " or " a href="/causes" { "by cause" } " instead." }
                                    }
                                }
                            } @else {
                                (hit_list(t, &r.hits))
                                (pager(params, r.total))
                                p.export {
                                    @if r.total == 1 { "Export this result: " } @else { "Export these " (r.total) " results: " }
                                    a href=(export_url(params, "jsonl")) download { "JSON Lines" }
                                    " · "
                                    a href=(export_url(params, "csv")) download { "CSV" }
                                }
                            }
                        }
                    }
                }
                @if let Ok(r) = &result {
                    aside.facets aria-label="Filters" {
                        h2 { "Filter" }
                        (facet_group(t, params, r, FacetDim::Domain, Dimension::Domain, "Domain"))
                        (facet_group(t, params, r, FacetDim::Cause, Dimension::Cause, "Cause"))
                        (facet_group(t, params, r, FacetDim::FailureMode, Dimension::FailureMode, "Failure mode"))
                        (facet_group(t, params, r, FacetDim::Method, Dimension::Method, "Method"))
                        (facet_group(t, params, r, FacetDim::InferredCause, Dimension::Cause, "Inferred cause"))
                        (source_group(params, r))
                        fieldset.years {
                            legend { "Year" }
                            label for="year_from" { "From" }
                            input #year_from type="number" name="year_from" min=(YEAR_MIN) max=(YEAR_FILTER_MAX) value=[params.year_from];
                            label for="year_to" { "to" }
                            input #year_to type="number" name="year_to" min=(YEAR_MIN) max=(YEAR_FILTER_MAX) value=[params.year_to];
                        }
                        button.apply type="submit" { "Apply filters" }
                    }
                }
            }
        }
    };
    let api = params.url().replacen("/search", "/api/v1/search", 1);
    (
        status,
        page_with(
            &title,
            "Search real-world deep-learning failures by words, domain, cause and failure mode.",
            Some(&api),
            body,
        ),
    )
}

/// The export of exactly the cases `params` match (paging and order dropped).
fn export_url(params: &SearchParams, format: &str) -> String {
    let all = SearchParams {
        page: 1,
        sort: Sort::Relevance,
        ..params.clone()
    };
    let url = all.url();
    match url.split_once('?') {
        Some((_, q)) => format!("/export/cases.{format}?{q}"),
        None => format!("/export/cases.{format}"),
    }
}

/// How the query was read: spelling corrections (with the search as typed one click away,
/// in quotes so it is not corrected again), labels and causes it was read as naming, and
/// where the text was read differently from how it was typed.
fn reading(params: &SearchParams, r: &SearchResults) -> Markup {
    let reading = &r.reading;
    let as_typed = |q: &str| {
        SearchParams {
            q: q.to_string(),
            page: 1,
            ..params.clone()
        }
        .url()
    };
    let mut verbatim = params.q.clone();
    for c in &reading.corrections {
        verbatim = verbatim.replacen(&c.from, &format!("\"{}\"", c.from), 1);
    }
    html! {
        @if reading.corrected.is_some() || !reading.synonyms.is_empty() || !reading.causes.is_empty() || !reading.weak_causes.is_empty() || !reading.mechanisms.is_empty() || !reading.notes.is_empty() {
            div.reading role="note" aria-label="How your query was read" {
                @if let Some(corrected) = &reading.corrected {
                    p { "Showing results for " strong { (corrected) } ". "
                        "Search instead for " a href=(as_typed(&verbatim)) { (params.q) } "." }
                }
                @if !reading.synonyms.is_empty() {
                    p { "Also finding cases filed under "
                        @for (i, l) in reading.synonyms.iter().enumerate() {
                            @if i > 0 { ", " }
                            strong { (l.name) } " (for “" (l.words.join(" ")) "”)"
                        }
                        "." }
                }
                @if !reading.causes.is_empty() {
                    p { "Read as: "
                        (cause_links(params, &reading.causes))
                        ". Cases filed under these causes rank higher." }
                }
                @if !reading.mechanisms.is_empty() {
                    p { "Read as the mechanism"
                        @if reading.mechanisms.len() > 1 { "s" }
                        ": "
                        @for (i, m) in reading.mechanisms.iter().enumerate() {
                            @if i > 0 { "; " }
                            a href={ "/clusters/m/" (m.id) } { (m.name) }
                            @if m.words.is_empty() { " (by the question's meaning)" }
                            @else if m.by_meaning { " (by the question's meaning, and “" (m.words.join("”, “")) "”)" }
                            @else { " (from “" (m.words.join("”, “")) "”)" }
                        }
                        ". Cases that share it, in every field, rank higher." }
                }
                @if !reading.weak_causes.is_empty() {
                    p.weak { "Also weighed, on thinner evidence: "
                        (cause_links(params, &reading.weak_causes))
                        ". Cases filed under " (if reading.weak_causes.len() > 1 { "these causes" } else { "this cause" }) " rank higher too, but no failure mechanism read from the question bears " (if reading.weak_causes.len() > 1 { "them" } else { "it" }) " out." }
                }
                @for note in &reading.notes {
                    p { "Note: " (note) "." }
                }
            }
        }
    }
}

/// Causes read from a question, each linking to this search filtered by it, with the words it
/// was read from.
fn cause_links(params: &SearchParams, causes: &[notbetter_kb::ReadLabel]) -> Markup {
    html! {
        @for (i, l) in causes.iter().enumerate() {
            @if i > 0 { ", " }
            a href=(SearchParams { q: params.q.clone(), page: 1, ..params.clone() }.toggled(FacetDim::Cause, &l.slug).url()) { (l.name) }
            @if !l.words.is_empty() { " (from “" (l.words.join("”, “")) "”)" }
        }
    }
}

fn label_name(t: &Taxonomy, dim: FacetDim, slug: &str) -> String {
    let (d, prefix) = match dim {
        FacetDim::Domain => (Some(Dimension::Domain), ""),
        FacetDim::Cause => (Some(Dimension::Cause), ""),
        FacetDim::InferredCause => (Some(Dimension::Cause), "inferred: "),
        FacetDim::FailureMode => (Some(Dimension::FailureMode), ""),
        FacetDim::Method => (Some(Dimension::Method), "method: "),
        FacetDim::Source => (None, "source: "),
    };
    match d {
        Some(d) => format!("{prefix}{}", t.name(d, slug)),
        None => format!("{prefix}{slug}"),
    }
}

fn param_name(dim: FacetDim) -> &'static str {
    match dim {
        FacetDim::Domain => "domain",
        FacetDim::Cause => "cause",
        FacetDim::InferredCause => "inferred_cause",
        FacetDim::FailureMode => "mode",
        FacetDim::Source => "source",
        FacetDim::Method => "method",
    }
}

fn facet_group(
    t: &Taxonomy,
    params: &SearchParams,
    r: &SearchResults,
    fd: FacetDim,
    dim: Dimension,
    title: &str,
) -> Markup {
    let counts = r.facets.get(&fd).cloned().unwrap_or_default();
    let selected: Vec<&String> = params
        .filters
        .iter()
        .filter(|(d, _)| *d == fd)
        .map(|(_, v)| v)
        .collect();
    if counts.is_empty() && selected.is_empty() {
        return html! {};
    }
    let tops: Vec<_> = t
        .children(dim, None)
        .filter(|e| counts.contains_key(&e.slug) || selected.contains(&&e.slug))
        .collect();
    let name = param_name(fd);
    html! {
        fieldset.facet {
            legend { (title) }
            ul {
                @for e in tops {
                    li {
                        (facet_box(name, &e.slug, &e.name, counts.get(&e.slug).copied().unwrap_or(0), params.has(fd, &e.slug)))
                        @let kids: Vec<_> = t.children(dim, Some(&e.slug))
                            .filter(|k| counts.contains_key(&k.slug) || params.has(fd, &k.slug)).collect();
                        @if !kids.is_empty() {
                            ul {
                                @for k in kids {
                                    li { (facet_box(name, &k.slug, &k.name, counts.get(&k.slug).copied().unwrap_or(0), params.has(fd, &k.slug))) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn source_group(params: &SearchParams, r: &SearchResults) -> Markup {
    let counts = r.facets.get(&FacetDim::Source).cloned().unwrap_or_default();
    if counts.len() <= 1 && !params.filters.iter().any(|(d, _)| *d == FacetDim::Source) {
        return html! {};
    }
    html! {
        fieldset.facet {
            legend { "Source" }
            ul {
                @for (slug, n) in &counts {
                    li { (facet_box("source", slug, slug, *n, params.has(FacetDim::Source, slug))) }
                }
            }
        }
    }
}

fn facet_box(name: &str, value: &str, label: &str, count: u64, checked: bool) -> Markup {
    let id = format!("f-{name}-{}", value.replace('/', "--"));
    html! {
        input type="checkbox" id=(id) name=(name) value=(value) checked[checked];
        label for=(id) { (label) " " span.count { "(" (count) ")" } }
    }
}

fn pager(params: &SearchParams, total: usize) -> Markup {
    let pages = total
        .div_ceil(PAGE_SIZE)
        .min(notbetter_kb::MAX_OFFSET / PAGE_SIZE + 1);
    if pages <= 1 {
        return html! {};
    }
    let at = |n: usize| {
        SearchParams {
            page: n,
            ..params.clone()
        }
        .url()
    };
    html! {
        nav.pager aria-label="Pages" {
            @if params.page > 1 { a rel="prev" href=(at(params.page - 1)) { "← Previous" } }
            span { "Page " (params.page) " of " (pages) }
            @if params.page < pages { a rel="next" href=(at(params.page + 1)) { "Next →" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notbetter_kb::{ReadMechanism, Reading};

    /// The note says what a mechanism was read from: the words, the question's meaning (the
    /// embedding model), or both.
    #[test]
    fn a_mechanism_reading_says_what_it_came_from() {
        let read = |words: &[&str], by_meaning: bool| {
            let r = SearchResults {
                total: 0,
                hits: Vec::new(),
                facets: Default::default(),
                reading: Reading {
                    mechanisms: vec![ReadMechanism {
                        id: "proxy-labels".into(),
                        name: "Proxy labels".into(),
                        words: words.iter().map(|w| w.to_string()).collect(),
                        by_meaning,
                    }],
                    ..Reading::default()
                },
            };
            reading(&SearchParams::default(), &r).into_string()
        };
        let html = read(&["label", "care"], false);
        assert!(html.contains("(from “label”, “care”)"), "{html}");
        assert!(
            html.contains(r#"href="/clusters/m/proxy-labels""#),
            "{html}"
        );
        let html = read(&["label"], true);
        assert!(html.contains("meaning, and “label”)"), "{html}");
        let html = read(&[], true);
        assert!(html.contains("(by the question"), "{html}");
        assert!(!html.contains("(from"), "{html}");
    }
}
