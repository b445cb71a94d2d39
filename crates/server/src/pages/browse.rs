//! `/domains`, `/domains/{slug}`, `/causes` and `/causes/{slug}`: browsing the taxonomy, with
//! server-side charts and the way a domain's causes recur elsewhere.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use maud::{html, Markup};
use notbetter_kb::FacetDim;
use notbetter_kb::{Hit, SearchRequest, MAX_LIMIT};
use notbetter_taxonomy::{Dimension, Entry};

use super::{hit_list, search_url, SearchParams};
use crate::charts::{bar_chart, Bar};
use crate::error::AppError;
use crate::layout::page_with;
use crate::AppState;

fn counts_for(
    state: &AppState,
    dim: Dimension,
) -> impl std::future::Future<Output = Result<BTreeMap<String, usize>, AppError>> + '_ {
    state.run(move |kb| Ok(kb.label_counts(dim)?))
}

pub async fn domains(State(state): State<AppState>) -> Result<Markup, AppError> {
    let counts = counts_for(&state, Dimension::Domain).await?;
    Ok(tree_page(
        &state,
        Dimension::Domain,
        &counts,
        "Domains",
        "Browse deep-learning failures by the field they happened in.",
    ))
}

pub async fn causes(State(state): State<AppState>) -> Result<Markup, AppError> {
    let counts = counts_for(&state, Dimension::Cause).await?;
    Ok(tree_page(&state, Dimension::Cause, &counts, "Causes", "Browse deep-learning failures by their root cause: data, model, deployment and evaluation."))
}

fn tree_page(
    state: &AppState,
    dim: Dimension,
    counts: &BTreeMap<String, usize>,
    title: &str,
    description: &str,
) -> Markup {
    let t = state.kb.taxonomy();
    let base = if dim == Dimension::Domain {
        "/domains"
    } else {
        "/causes"
    };
    let n = |slug: &str| counts.get(slug).copied().unwrap_or(0);
    let body = html! {
        h1 { (title) }
        p.lead { (description) }
        ul.tree {
            @for e in t.children(dim, None) {
                li {
                    a href=(format!("{base}/{}", e.slug)) { strong { (e.name) } } " " span.count { "(" (n(&e.slug)) ")" }
                    p.desc { (e.description) }
                    @let kids: Vec<&Entry> = t.children(dim, Some(&e.slug)).collect();
                    @if !kids.is_empty() {
                        ul {
                            @for k in kids {
                                li { a href=(format!("{base}/{}", k.slug)) { (k.name) } " " span.count { "(" (n(&k.slug)) ")" } }
                            }
                        }
                    }
                }
            }
        }
    };
    let api = if dim == Dimension::Domain {
        "/api/v1/domains"
    } else {
        "/api/v1/causes"
    };
    page_with(title, description, Some(api), body)
}

/// Every case matching one facet value (the taxonomy is small enough that one page of the
/// maximum size holds a domain's or cause's cases; beyond that the page links to the search).
fn cases_with(
    kb: &notbetter_kb::KnowledgeBase,
    dim: FacetDim,
    slug: &str,
) -> Result<notbetter_kb::SearchResults, AppError> {
    let req = SearchRequest {
        limit: MAX_LIMIT,
        ..SearchRequest::default()
    }
    .filter(dim, slug);
    Ok(kb.search(&req)?)
}

pub async fn domain(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Markup, AppError> {
    let t = state.kb.taxonomy();
    let entry = t
        .get(Dimension::Domain, &slug)
        .ok_or(AppError::NotFound)?
        .clone();
    // The cases here and, for the top causes here, the other fields they occur in: one trip
    // through the work queue (under load each trip waits its turn). The other fields come from
    // the domain × cause matrix the home page shows, which is kept between changes and may lag
    // the newest approval by one background refresh; the counts of this domain are exact.
    let top_level = slug.split('/').next().unwrap_or(&slug).to_string();
    let wanted = slug.clone();
    let (r, ranked, elsewhere, current) = state
        .run(move |kb| {
            let r = cases_with(kb, FacetDim::Domain, &wanted)?;
            let causes = r.facets.get(&FacetDim::Cause).cloned().unwrap_or_default();
            let mut ranked: Vec<(String, u64)> = causes
                .into_iter()
                .filter(|(s, _)| s.contains('/'))
                .collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let (matrix, current) = kb.recent_matrix()?;
            let elsewhere = ranked
                .iter()
                .take(4)
                .filter_map(|(cause, _)| {
                    let doms: Vec<(String, u64)> = matrix
                        .iter()
                        .filter(|(d, _)| **d != top_level)
                        .filter_map(|(d, row)| Some((d.clone(), *row.get(cause)?)))
                        .filter(|(_, n)| *n > 0)
                        .collect();
                    (!doms.is_empty()).then(|| (cause.clone(), doms))
                })
                .collect::<Vec<_>>();
            Ok((r, ranked, elsewhere, current))
        })
        .await?;
    if !current {
        state.refresh_clusters_in_background();
    }
    let bars: Vec<Bar> = ranked
        .iter()
        .map(|(s, n)| Bar {
            label: t.name(Dimension::Cause, s).to_string(),
            count: *n,
            href: SearchParams {
                page: 1,
                ..Default::default()
            }
            .toggled(FacetDim::Domain, &slug)
            .toggled(FacetDim::Cause, s)
            .url(),
        })
        .collect();
    let subs: Vec<&Entry> = t.children(Dimension::Domain, Some(&slug)).collect();
    let body = html! {
        nav.crumbs aria-label="Breadcrumb" { a href="/domains" { "Domains" } @if let Some(p) = entry.parent() { " / " a href=(format!("/domains/{p}")) { (t.name(Dimension::Domain, p)) } } }
        h1 { (entry.name) }
        p.lead { (entry.description) }
        @if !subs.is_empty() {
            h2 { "Sub-domains" }
            ul.inline { @for s in subs { li { a href=(format!("/domains/{}", s.slug)) { (s.name) } } } }
        }
        @if !bars.is_empty() {
            h2 { "Causes of failure here" }
            (bar_chart(&format!("Cases in {} by cause", entry.name), &bars))
        }
        @if !elsewhere.is_empty() {
            h2 { "The same causes elsewhere" }
            ul.elsewhere {
                @for (cause, doms) in &elsewhere {
                    li {
                        a href=(format!("/causes/{cause}")) { strong { (t.name(Dimension::Cause, cause)) } } " also occurs in: "
                        @for (i, (d, n)) in doms.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href=(SearchParams { page: 1, ..Default::default() }.toggled(FacetDim::Cause, cause).toggled(FacetDim::Domain, d).url()) {
                                (t.name(Dimension::Domain, d)) " (" (n) ")"
                            }
                        }
                    }
                }
            }
        }
        h2 { "Cases (" (r.total) ")" }
        (case_section(&state, &r.hits, r.total, FacetDim::Domain, &slug))
    };
    Ok(page_with(
        &entry.name,
        &format!(
            "Deep-learning failures in {}: {}",
            entry.name, entry.description
        ),
        Some(&format!("/api/v1/domains/{slug}")),
        body,
    ))
}

fn case_section(state: &AppState, hits: &[Hit], total: usize, dim: FacetDim, slug: &str) -> Markup {
    html! {
        (hit_list(state.kb.taxonomy(), hits))
        @if total > hits.len() { p { a href=(search_url(dim, slug)) { "All " (total) " cases in the search" } } }
    }
}

pub async fn cause(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Markup, AppError> {
    let t = state.kb.taxonomy();
    let entry = t
        .get(Dimension::Cause, &slug)
        .ok_or(AppError::NotFound)?
        .clone();
    let wanted = slug.clone();
    let r = state
        .run(move |kb| cases_with(kb, FacetDim::Cause, &wanted))
        .await?;
    let domains = r.facets.get(&FacetDim::Domain).cloned().unwrap_or_default();
    let mut ranked: Vec<(&String, &u64)> =
        domains.iter().filter(|(d, _)| !d.contains('/')).collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let bars: Vec<Bar> = ranked
        .iter()
        .map(|(d, n)| Bar {
            label: t.name(Dimension::Domain, d).to_string(),
            count: **n,
            href: SearchParams {
                page: 1,
                ..Default::default()
            }
            .toggled(FacetDim::Cause, &slug)
            .toggled(FacetDim::Domain, d)
            .url(),
        })
        .collect();
    // Cases grouped by top-level domain (a case in two domains appears under both).
    let mut groups: BTreeMap<String, Vec<&Hit>> = BTreeMap::new();
    for h in &r.hits {
        let mut tops: Vec<&str> = h
            .domains
            .iter()
            .map(|d| d.split('/').next().unwrap_or(d))
            .collect();
        tops.dedup();
        for d in tops {
            groups.entry(d.to_string()).or_default().push(h);
        }
    }
    let kids: Vec<&Entry> = t.children(Dimension::Cause, Some(&slug)).collect();
    let body = html! {
        nav.crumbs aria-label="Breadcrumb" { a href="/causes" { "Causes" } @if let Some(p) = entry.parent() { " / " a href=(format!("/causes/{p}")) { (t.name(Dimension::Cause, p)) } } }
        h1 { (entry.name) }
        p.lead { (entry.description) }
        @if let Some(p) = entry.parent() { p { "Family: " a href=(format!("/causes/{p}")) { (t.name(Dimension::Cause, p)) } } }
        @if !entry.aliases.is_empty() { p.aliases { "Also called: " (entry.aliases.join(", ")) } }
        p.premortem-link { "Would this hit your project? " a href="/premortem" { "Run a pre-mortem" } "." }
        @if !kids.is_empty() {
            h2 { "Causes in this family" }
            ul.inline { @for k in kids { li { a href=(format!("/causes/{}", k.slug)) { (k.name) } } } }
        }
        @if !bars.is_empty() {
            h2 { "Where it occurs" }
            (bar_chart(&format!("Cases of {} by domain", entry.name), &bars))
        }
        h2 { "Cases by domain (" (r.total) ")" }
        @for (d, hits) in &groups {
            section.group {
                h3 { a href=(format!("/domains/{d}")) { (t.name(Dimension::Domain, d)) } }
                ul {
                    @for h in hits {
                        li { a href=(format!("/cases/{}", h.id)) { (h.title) } @if let Some(y) = h.year { " (" (y) ")" } }
                    }
                }
            }
        }
        @if r.total > r.hits.len() { p { a href=(search_url(FacetDim::Cause, &slug)) { "All " (r.total) " cases in the search" } } }
    };
    Ok(page_with(
        &entry.name,
        &format!(
            "Deep-learning failures caused by {}: {}",
            entry.name.to_lowercase(),
            entry.description
        ),
        Some(&format!("/api/v1/causes/{slug}")),
        body,
    ))
}
