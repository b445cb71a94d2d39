//! The web front end: the route table, and serving it.
//!
//! This is the only crate that imports axum and maud. Handlers read and write through the
//! [`KnowledgeBase`]; they never touch SQLite or tantivy directly.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use notbetter_kb::KnowledgeBase;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub kb: Arc<KnowledgeBase>,
}

/// The whole application as a router, so tests can drive it without a port.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

/// Serves the application on `addr` until the process is stopped.
pub async fn serve(addr: SocketAddr, state: AppState) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
