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
    Internal(String),
}

impl AppError {
    pub fn internal(msg: impl Into<String>) -> AppError {
        AppError::Internal(msg.into())
    }
}

impl From<notbetter_kb::KbError> for AppError {
    fn from(e: notbetter_kb::KbError) -> Self {
        use notbetter_kb::ErrorKind;
        match e.kind() {
            ErrorKind::User => AppError::BadRequest(e.to_string()),
            ErrorKind::NotFound => AppError::NotFound,
            ErrorKind::Conflict => AppError::Conflict(e.to_string()),
            ErrorKind::Internal => AppError::Internal(e.to_string()),
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
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
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
