//! The JSON API under `/api/v1`: the same data as the pages, as stable view types (apart from
//! the internal models), errors as `application/problem+json`, open CORS for reads, and an
//! OpenAPI 3.1 document generated from this code by utoipa.

mod handlers;
mod types;

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use tower_http::cors::{Any, CorsLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use types::*;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Not Better API",
        description = "Real-world deep-learning failures, classified by domain and cause. Read-only; case texts are CC BY 4.0.",
        license(name = "CC BY 4.0 (content)", identifier = "CC-BY-4.0")
    ),
    // Only the two endpoints whose slug spans several path segments (`data/leakage`) are
    // listed here: axum routes them as `{*slug}`, which is not an OpenAPI path. Every other
    // endpoint is registered once, with its route, in `routes` below.
    paths(handlers::domain, handlers::cause),
    components(schemas(
        SortParam,
        ClusterView,
        ClusterLevel,
        LessonView,
        SimilarView,
        Problem,
        SearchResponse,
        HitView,
        ReadingView,
        ReadLabelView,
        ReadMechanismView,
        CorrectionView,
        PremortemRequest,
        PremortemResponse,
        PremortemCauseView,
        PrecedentView,
        CaseView,
        LabelView,
        ReferenceView,
        EvidenceView,
        FactView,
        ReviewView,
        RevisionView,
        EntryView,
        TaxonomyView,
        BrowseView,
        StatsView,
        StoredCaseView
    ))
)]
pub struct ApiDoc;

/// Every endpoint: each `routes!` entry adds the route and its OpenAPI path from the
/// handler's `#[utoipa::path]`, so neither can be forgotten.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(handlers::search))
        .routes(routes!(handlers::case))
        .routes(routes!(handlers::revisions))
        .routes(routes!(handlers::taxonomy))
        .routes(routes!(handlers::domains))
        .routes(routes!(handlers::causes))
        .routes(routes!(handlers::stats))
        .routes(routes!(handlers::clusters))
        .routes(routes!(handlers::cluster))
        .routes(routes!(handlers::similar))
        .routes(routes!(handlers::premortem))
        .route("/api/v1/domains/{*slug}", get(handlers::domain))
        .route("/api/v1/causes/{*slug}", get(handlers::cause))
}

/// The OpenAPI document as JSON (built once).
pub fn openapi_json() -> serde_json::Value {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(routes().split_for_parts().1).unwrap_or_default())
        .clone()
}

/// The API's routes, at their full paths under `/api/v1`, with open CORS and problem-details
/// 404s for unknown endpoints.
pub fn router() -> Router<AppState> {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            // The pre-mortem reads; it changes nothing.
            Method::POST,
        ])
        .allow_headers([header::CONTENT_TYPE]);
    let unknown = || async { ApiError::not_found("no such API endpoint") };
    routes()
        .split_for_parts()
        .0
        .route(
            "/api/v1/openapi.json",
            get(|| async { Json(openapi_json()) }),
        )
        .route("/api/v1", any(unknown))
        .route("/api/v1/{*rest}", any(unknown))
        .layer(cors)
}

/// An API error, rendered as RFC 9457 problem details.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            detail: detail.into(),
        }
    }
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            detail: detail.into(),
        }
    }
}

impl From<crate::AppError> for ApiError {
    fn from(e: crate::AppError) -> Self {
        use crate::AppError::*;
        match e {
            NotFound => ApiError::not_found("not found"),
            BadRequest(m) => ApiError::bad_request(m),
            Forbidden(m) => ApiError {
                status: StatusCode::FORBIDDEN,
                detail: m,
            },
            Conflict(m) => ApiError {
                status: StatusCode::CONFLICT,
                detail: m,
            },
            TooManyRequests => ApiError {
                status: StatusCode::TOO_MANY_REQUESTS,
                detail: "too many requests".into(),
            },
            Internal(e) => {
                tracing::error!(error = %crate::AppError::chain(e.as_ref()), "internal error in the API");
                ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    detail: "internal error; it has been logged".into(),
                }
            }
        }
    }
}

impl From<notbetter_kb::KbError> for ApiError {
    fn from(e: notbetter_kb::KbError) -> Self {
        crate::AppError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            r#type: "about:blank".into(),
            title: self.status.canonical_reason().unwrap_or("Error").into(),
            status: self.status.as_u16(),
            detail: self.detail,
        };
        let mut res = (self.status, Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        res
    }
}

/// A path parameter whose rejection (such as invalid percent-encoding) is a problem document.
pub struct ApiPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ApiPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(p)| ApiPath(p))
            .map_err(|e: PathRejection| ApiError::bad_request(e.body_text()))
    }
}

#[cfg(test)]
mod tests;
