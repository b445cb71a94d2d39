//! The error type of handlers. Errors caused by the request get a clear message in the site
//! layout and are not logged as failures; internal errors are logged once, here, and the client
//! only sees that something went wrong.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use crate::layout::page;

#[derive(Debug)]
pub enum AppError {
    NotFound,
    BadRequest(String),
    Forbidden(String),
    /// The request raced another that changed the thing first.
    Conflict(String),
    TooManyRequests,
    /// The system failed. The error is kept whole, with its chain of sources, for the log.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> AppError {
        AppError::Internal(error.into())
    }

    /// An internal error as one line: the error, then each source after a colon.
    pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
        let mut out = error.to_string();
        let mut source = error.source();
        while let Some(s) = source {
            let text = s.to_string();
            // thiserror's `transparent` and `#[error("{0}")]` repeat their source's message.
            if !out.ends_with(&text) {
                out.push_str(": ");
                out.push_str(&text);
            }
            source = s.source();
        }
        out
    }
}

impl From<notbetter_kb::KbError> for AppError {
    fn from(e: notbetter_kb::KbError) -> Self {
        use notbetter_kb::ErrorKind;
        match e.kind() {
            ErrorKind::User => AppError::BadRequest(e.to_string()),
            ErrorKind::NotFound => AppError::NotFound,
            ErrorKind::Conflict => AppError::Conflict(e.to_string()),
            ErrorKind::Internal => AppError::Internal(Box::new(e)),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no page at this address. Try the search, or browse by domain or cause.".to_string(),
            ),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Bad request", m),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, "Forbidden", m),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "Conflict", m),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                "You have sent too many requests in a short time. Please wait a while and try again.".to_string(),
            ),
            AppError::Internal(e) => {
                // Inside the request's span (see `lib.rs`), so the log names method and path.
                tracing::error!(error = %AppError::chain(e.as_ref()), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not complete this request. The error has been logged.".to_string(),
                )
            }
        };
        let body = page(
            title,
            "An error page of Not Better.",
            html! {
                h1 { (title) }
                p.error-message { (message) }
                p { a href="/" { "Back to the home page" } }
            },
        );
        (status, body).into_response()
    }
}
