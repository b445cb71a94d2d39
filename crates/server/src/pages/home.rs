//! `/`: what this is, the search box, the counts, the domain × cause matrix and the newest cases.

use axum::extract::State;
use maud::{html, Markup};
use notbetter_kb::FacetDim;
use notbetter_kb::SearchRequest;
use notbetter_taxonomy::Dimension;

use super::SearchParams;
use crate::charts::heat_class;
use crate::error::AppError;
use crate::layout::page_with;
use crate::AppState;

pub async fn home(State(state): State<AppState>) -> Result<Markup, AppError> {
    let (total, newest, (m, current)) = state
        .run(|kb| {
            let all = kb.search(&SearchRequest {
                limit: 1,
                ..Default::default()
            })?;
            let newest = kb.newest(8)?;
            Ok((all.total, newest, kb.recent_matrix()?))
        })
        .await?;
    if !current {
        // Changes another node made, or a refresh not yet run: the heatmap catches up.
        state.refresh_clusters_in_background();
    }
    let t = state.kb.taxonomy();
    let domains: Vec<_> = t
        .children(Dimension::Domain, None)
        .filter(|d| m.contains_key(&d.slug))
        .collect();
    let causes: Vec<_> = t
        .causes()
        .filter(|c| m.values().any(|row| row.contains_key(&c.slug)))
        .collect();
    let max = m
        .values()
        .flat_map(|r| r.values())
        .copied()
        .max()
        .unwrap_or(0);
    let body = html! {
        section.intro {
            h1 { "Not Better" }
            p.lead {
                "A searchable knowledge base of real-world deep-learning failures: what was tried, what went wrong, and why — across fields that rarely talk to each other."
            }
            form.big-search role="search" method="get" action="/search" {
                label for="home-q" { "Search failures by cause, domain or words" }
                div.row {
                    input #home-q type="search" name="q" placeholder="e.g. shortcut, leakage, \"external validation\"";
                    button type="submit" { "Search" }
                }
            }
            p.premortem-link {
                "Planning a project? "
                a href="/premortem" { "Run a pre-mortem" }
                ": describe it and see the failures that hit similar projects in any field, with what to check before you build."
            }
            ul.stats {
                li { strong { (total) } " cases" }
                li { strong { (domains.len()) } " domains" }
                li { strong { (causes.len()) } " causes" }
            }
        }
        section aria-labelledby="matrix-h" {
            h2 #matrix-h { "Domain × cause" }
            p { "Each cell counts the cases of a domain with a given cause. Follow a cell to those cases; read down a column to see one cause cross fields." }
            div.matrix-wrap tabindex="0" role="region" aria-label="Domain by cause matrix" {
                table.matrix {
                    thead {
                        tr {
                            th scope="col" { "Domain" }
                            @for c in &causes {
                                th.rot scope="col" { span { a href=(format!("/causes/{}", c.slug)) { (c.name) } } }
                            }
                        }
                    }
                    tbody {
                        @for d in &domains {
                            tr {
                                th scope="row" { a href=(format!("/domains/{}", d.slug)) { (d.name) } }
                                @for c in &causes {
                                    @let n = m.get(&d.slug).and_then(|r| r.get(&c.slug)).copied().unwrap_or(0);
                                    td.(heat_class(n, max)) {
                                        @if n > 0 {
                                            @let url = SearchParams { page: 1, ..Default::default() }
                                                .toggled(FacetDim::Domain, &d.slug)
                                                .toggled(FacetDim::Cause, &c.slug)
                                                .url();
                                            a href=(url) aria-label=(format!("{n} cases: {} × {}", d.name, c.name)) { (n) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="newest-h" {
            h2 #newest-h { "Newest cases" }
            ul.newest {
                @for c in &newest {
                    li {
                        a href=(format!("/cases/{}", c.id)) { (c.title) }
                        @if let Some(y) = c.year { " " span.year { "(" (y) ")" } }
                    }
                }
            }
        }
    };
    Ok(page_with(
        "Real-world deep-learning failures",
        "Not Better: a searchable, cross-domain knowledge base of real-world deep-learning failures, classified by domain and cause.",
        Some("/api/v1/stats"),
        body,
    ))
}
