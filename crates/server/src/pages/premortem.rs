//! `/premortem`: describe a planned project, get the failure causes that hit similar projects
//! in any field, with why each applies, precedents, and what to check before building. Works
//! without JavaScript; prints cleanly; downloads as Markdown. Descriptions are neither stored
//! nor logged: they live only in the request and the page sent back.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};
use notbetter_kb::{PremortemReport as Report, PremortemRequest as Request};
use notbetter_taxonomy::{Dimension, Taxonomy};
use serde::Deserialize;

use super::slug_chips;
use crate::error::AppError;
use crate::layout::page;
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct PremortemForm {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub domain: String,
    /// Comma-separated tags (methods, data types, anything the description leaves implicit).
    #[serde(default)]
    pub tags: String,
    /// `md` downloads the checklist as Markdown.
    #[serde(default)]
    pub format: String,
}

/// `GET /premortem`, optionally prefilled (`?description=…`, as cluster pages link it).
pub async fn form(
    State(state): State<AppState>,
    Query(q): Query<PremortemForm>,
) -> Result<Markup, AppError> {
    Ok(render(&state, &q, None, None))
}

/// `POST /premortem`: the checklist, or its Markdown.
pub async fn submit(
    State(state): State<AppState>,
    Form(f): Form<PremortemForm>,
) -> Result<Response, AppError> {
    let domain = f.domain.trim().to_string();
    let description = f.description.clone();
    let tags: Vec<String> = f
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let result = state
        .run(move |kb| {
            let domain = if domain.is_empty() {
                None
            } else {
                Some(kb.resolve(Dimension::Domain, &domain)?)
            };
            Ok(kb.premortem(&Request {
                description,
                domain,
                tags,
            }))
        })
        .await;
    let report = match result {
        Ok(Ok(r)) => r,
        Ok(Err(e)) if e.is_user_error() => {
            return Ok((
                StatusCode::BAD_REQUEST,
                render(&state, &f, None, Some(e.to_string())),
            )
                .into_response())
        }
        Ok(Err(e)) => return Err(e.into()),
        Err(AppError::BadRequest(msg)) => {
            return Ok(
                (StatusCode::BAD_REQUEST, render(&state, &f, None, Some(msg))).into_response(),
            )
        }
        Err(e) => return Err(e),
    };
    if f.format == "md" {
        let md = notbetter_kb::premortem_markdown(&report, state.kb.taxonomy());
        return Ok((
            [
                (header::CONTENT_TYPE, "text/markdown; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"premortem.md\"",
                ),
            ],
            md,
        )
            .into_response());
    }
    Ok(render(&state, &f, Some(&report), None).into_response())
}

fn render(
    state: &AppState,
    f: &PremortemForm,
    report: Option<&Report>,
    error: Option<String>,
) -> Markup {
    let t = state.kb.taxonomy();
    let body = html! {
        h1 { "Pre-mortem" }
        p.lead { "Describe a project you are planning: the use case, the data and how it is collected, labelled and split, the model, and how you will evaluate and deploy it. You get the failure causes that hit similar projects, in any field, with real precedents and what to check before you build. Your description is not stored." }
        @if let Some(msg) = &error {
            div.error-box role="alert" { h2 { "That description could not be checked" } p { (msg) } }
        }
        form.premortem-form method="post" action="/premortem" {
            label for="description" { "Your planned project" }
            textarea #description name="description" rows="12" required { (f.description) }
            label for="domain" { "Field (optional: a domain name, slug or alias, e.g. radiology)" }
            input #domain type="text" name="domain" value=(f.domain);
            label for="tags" { "Tags (optional, comma-separated: e.g. CNN, chest x-ray, EHR)" }
            input #tags type="text" name="tags" value=(f.tags);
            div.row {
                button type="submit" name="format" value="html" { "Run the pre-mortem" }
                button.secondary type="submit" name="format" value="md" { "Download as Markdown" }
            }
        }
        @if let Some(r) = report {
            (checklist(t, r))
        }
    };
    page(
        "Pre-mortem",
        "Before you build: the failures that hit similar deep-learning projects in any field, with precedents and checks.",
        body,
    )
}

fn checklist(t: &Taxonomy, r: &Report) -> Markup {
    html! {
        section.premortem aria-label="Pre-mortem checklist" {
            h2 { "What could go wrong" }
            @if r.causes.is_empty() {
                p { "The knowledge base found nothing like this project. Try describing the data, the split and the evaluation in more detail." }
            }
            ol.causes {
                @for c in &r.causes {
                    li.cause-item {
                        h3 {
                            a href=(format!("/causes/{}", c.cause)) { (c.name) }
                            @if c.addressed { " " span.state { "(addressed in your plan)" } }
                        }
                        @if !c.why.is_empty() {
                            h4 { "Why it applies" }
                            ul.why { @for w in &c.why { li { q { (w) } } } }
                        }
                        @if !c.precedents.is_empty() {
                            h4 { "Precedents" }
                            ul.precedents {
                                @for p in &c.precedents {
                                    li {
                                        a href=(format!("/cases/{}", p.id)) { (p.title) }
                                        " " (slug_chips(t, Dimension::Domain, &p.domains))
                                        p.outcome { (p.outcome) }
                                        @if !p.pattern.is_empty() { p.pattern { "In any field: " (p.pattern) } }
                                        @if !p.lesson.is_empty() { p.lesson { "Lesson: " (p.lesson) } }
                                    }
                                }
                            }
                        }
                        @if !c.check_items.is_empty() {
                            h4 { "What to check before building" }
                            ul.checks {
                                @for k in &c.check_items {
                                    li {
                                        (k.text) " "
                                        span.source {
                                            "("
                                            @if let Some(id) = k.case_id() {
                                                a href=(format!("/cases/{id}")) { "case: " (id) }
                                            } @else if k.url.is_empty() {
                                                (k.source)
                                            } @else {
                                                a href=(k.url) { (k.source) }
                                            }
                                            ")"
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
