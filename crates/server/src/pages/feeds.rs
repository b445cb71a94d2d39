//! Bulk and syndication downloads: `/export/cases.jsonl`, `/export/cases.csv` and `/feed.atom`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{html, PreEscaped};

use crate::error::AppError;
use crate::AppState;

/// How many cases the Atom feed carries.
const FEED_SIZE: usize = 30;

async fn all_cases(state: &AppState) -> Result<Vec<notbetter_taxonomy::Case>, AppError> {
    state
        .run(|kb| {
            let mut cases = Vec::new();
            kb.store().for_each(|c| cases.push(c))?;
            Ok(cases)
        })
        .await
}

fn download(content_type: &'static str, filename: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, filename),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response()
}

/// Every case in the JSON input form, one per line (loads with `pandas.read_json(lines=True)`).
pub async fn jsonl(State(state): State<AppState>) -> Result<Response, AppError> {
    let cases = all_cases(&state).await?;
    let mut out = Vec::new();
    notbetter_interop::export::write_jsonl(&cases, &mut out)
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(download(
        "application/x-ndjson; charset=utf-8",
        "attachment; filename=\"notbetter-cases.jsonl\"",
        out,
    ))
}

/// Every case as CSV, lists joined with `;`.
pub async fn csv(State(state): State<AppState>) -> Result<Response, AppError> {
    let cases = all_cases(&state).await?;
    let mut out = Vec::new();
    notbetter_interop::export::write_csv(&cases, &mut out)
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(download(
        "text/csv; charset=utf-8",
        "attachment; filename=\"notbetter-cases.csv\"",
        out,
    ))
}

/// The newest cases as an Atom feed.
pub async fn atom(State(state): State<AppState>) -> Result<Response, AppError> {
    let cases = state
        .run(|kb| Ok(kb.store().newest_stored(FEED_SIZE)?))
        .await?;
    let updated = cases
        .first()
        .map(|s| s.updated_at.clone())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let feed = html! {
        (PreEscaped("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"))
        feed xmlns="http://www.w3.org/2005/Atom" {
            title { "Not Better: newest cases" }
            subtitle { "Real-world deep-learning failures, classified by domain and cause." }
            id { "tag:notbetter,2026:feed" }
            link rel="self" href="/feed.atom" {}
            link rel="alternate" href="/" {}
            updated { (updated) }
            @for s in &cases {
                entry {
                    title { (s.case.title) }
                    id { "tag:notbetter,2026:case:" (s.case.id) }
                    link rel="alternate" href=(format!("/cases/{}", s.case.id)) {}
                    published { (s.created_at) }
                    updated { (s.updated_at) }
                    author { name { (s.case.contributor.as_deref().unwrap_or("Not Better")) } }
                    @for l in &s.case.causes { category term=(l.value) {} }
                    summary { (s.case.outcome.chars().take(400).collect::<String>()) }
                }
            }
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed.into_string(),
    )
        .into_response())
}
