//! Static assets from `web/`, embedded in the binary.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use include_dir::{include_dir, Dir};

use crate::error::AppError;

static WEB: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../web");

pub async fn serve(Path(path): Path<String>) -> Result<Response, AppError> {
    if path.split('/').any(|seg| seg == ".." || seg.is_empty()) {
        return Err(AppError::NotFound);
    }
    let file = WEB.get_file(&path).ok_or(AppError::NotFound)?;
    let mime = match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        file.contents(),
    )
        .into_response())
}
