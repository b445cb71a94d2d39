//! Internal errors: the client sees a plain 500, and the log keeps the whole error, its sources,
//! and the request's method and path; every response carries the security headers.

use std::sync::{Arc, Mutex};

use axum::routing::get as route_get;
use axum::Router;

use super::*;
use crate::AppError;

/// A log sink the test can read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the index could not be read")]
struct Outer {
    #[source]
    source: std::io::Error,
}

#[tokio::test]
async fn internal_errors_are_logged_with_their_sources_method_and_path() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Other tests' threads, with no subscriber, may have cached the request span's callsite as
    // never wanted (tracing caches interest globally), which dropped its fields from the line
    // about one run in six; rebuilding the cache under this thread's subscriber fixes that.
    tracing::callsite::rebuild_interest_cache();
    let app: Router = crate::layered(Router::new().route(
        "/boom",
        route_get(|| async {
            Err::<(), _>(AppError::internal(Outer {
                source: std::io::Error::other("disk on fire"),
            }))
        }),
    ));
    let r = get(&app, "/boom?x=1").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!r.body.contains("disk on fire"), "the client is not told");
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(r.headers.contains_key("content-security-policy"));
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("internal error"))
        .unwrap_or_else(|| panic!("no internal error logged: {text}"));
    for part in [
        "method=GET",
        "path=/boom",
        "the index could not be read: disk on fire",
    ] {
        assert!(line.contains(part), "`{part}` missing from: {line}");
    }
}

#[tokio::test]
async fn a_handler_may_set_its_own_security_header() {
    let app: Router = crate::layered(Router::new().route(
        "/own",
        route_get(|| async { ([("x-frame-options", "SAMEORIGIN")], "ok") }),
    ));
    let r = get(&app, "/own").await;
    assert_eq!(r.headers["x-frame-options"], "SAMEORIGIN");
    assert_eq!(
        r.headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
}
