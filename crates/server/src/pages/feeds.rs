//! Bulk and syndication downloads: `/export/cases.jsonl` and `/export/cases.csv` (the cases a
//! search's parameters match, streamed), and `/feed.atom`.

use std::io::Write;

use atom_syndication::{Category, Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use notbetter_kb::ExportFormat;

use super::SearchParams;
use crate::error::AppError;
use crate::AppState;

/// How many cases the Atom feed carries.
const FEED_SIZE: usize = 30;

/// Bytes gathered before a chunk of an export is sent.
const CHUNK_BYTES: usize = 64 * 1024;

/// An `io::Write` that hands what is written to the response body in chunks. When the client
/// has gone, writing fails with `BrokenPipe`, which ends the export.
struct BodyWriter {
    buf: Vec<u8>,
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl BodyWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(CHUNK_BYTES),
        ));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl Write for BodyWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// Streams the cases `raw`'s search parameters match (`q`, `domain`, `cause`, `mode`,
/// `method`, `source`, `year_from`, `year_to`, read as `/search` reads them; paging is
/// ignored). The parameters and the matching are checked before the first byte is sent, so a
/// bad parameter is a 400; the cases are then written off the async runtime, a chunk at a time.
async fn export(
    state: AppState,
    raw: Option<String>,
    format: ExportFormat,
    content_type: &'static str,
    filename: &'static str,
) -> Result<Response, AppError> {
    let params = SearchParams::parse(&super::query_pairs(raw)).map_err(AppError::BadRequest)?;
    let req = params.request();
    let ids = state.run(move |kb| Ok(kb.matching_ids(&req)?)).await?;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let kb = state.kb.clone();
    tokio::task::spawn_blocking(move || {
        let out = BodyWriter {
            buf: Vec::with_capacity(CHUNK_BYTES),
            tx: tx.clone(),
        };
        match kb.write_cases(&ids, format, out) {
            Ok(_) => {}
            Err(e) if e.is_broken_pipe() => {}
            Err(e) => {
                // The status is sent already: log it, and cut the body so the client sees a
                // failed download rather than a short file that looks whole.
                tracing::error!(error = %e, "export failed while streaming");
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, filename),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response())
}

/// The matching cases in the JSON input form, one per line (loads with
/// `pandas.read_json(lines=True)`).
pub async fn jsonl(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    export(
        state,
        raw,
        ExportFormat::Jsonl,
        "application/x-ndjson; charset=utf-8",
        "attachment; filename=\"notbetter-cases.jsonl\"",
    )
    .await
}

/// The matching cases as CSV, lists joined with `;`.
pub async fn csv(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    export(
        state,
        raw,
        ExportFormat::Csv,
        "text/csv; charset=utf-8",
        "attachment; filename=\"notbetter-cases.csv\"",
    )
    .await
}

/// Text as XML 1.0 allows it: control characters other than tab, newline and carriage return
/// (which no XML parser accepts, escaped or not) are dropped.
fn xml_text(s: &str) -> String {
    s.chars()
        .filter(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// A stored RFC 3339 time, or the epoch for one that does not parse.
fn date(s: &str) -> FixedDateTime {
    FixedDateTime::parse_from_rfc3339(s).unwrap_or_default()
}

/// The newest cases as an Atom feed, written by the `atom_syndication` library.
pub async fn atom(State(state): State<AppState>) -> Result<Response, AppError> {
    let cases = state.run(|kb| Ok(kb.newest_stored(FEED_SIZE)?)).await?;
    let mut feed = Feed::default();
    feed.set_title(Text::plain("Not Better: newest cases"));
    feed.set_subtitle(Some(Text::plain(
        "Real-world deep-learning failures, classified by domain and cause.",
    )));
    feed.set_id("tag:notbetter,2026:feed");
    feed.set_updated(
        cases
            .first()
            .map(|s| date(&s.updated_at))
            .unwrap_or_default(),
    );
    let link = |rel: &str, href: String| {
        let mut l = Link::default();
        l.set_rel(rel);
        l.set_href(href);
        l
    };
    feed.set_links(vec![
        link("self", "/feed.atom".into()),
        link("alternate", "/".into()),
    ]);
    let entries = cases
        .iter()
        .map(|s| {
            let c = &s.case;
            let mut e = Entry::default();
            e.set_title(Text::plain(xml_text(&c.title)));
            e.set_id(format!("tag:notbetter,2026:case:{}", c.id));
            e.set_links(vec![link("alternate", format!("/cases/{}", c.id))]);
            e.set_published(Some(date(&s.created_at)));
            e.set_updated(date(&s.updated_at));
            let mut author = Person::default();
            author.set_name(xml_text(c.contributor.as_deref().unwrap_or("Not Better")));
            e.set_authors(vec![author]);
            e.set_categories(
                c.causes
                    .iter()
                    .map(|l| {
                        let mut cat = Category::default();
                        cat.set_term(xml_text(&l.value));
                        cat
                    })
                    .collect::<Vec<_>>(),
            );
            let summary: String = c.outcome.chars().take(400).collect();
            e.set_summary(Some(Text::plain(xml_text(&summary))));
            e
        })
        .collect::<Vec<_>>();
    feed.set_entries(entries);
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed.to_string(),
    )
        .into_response())
}
