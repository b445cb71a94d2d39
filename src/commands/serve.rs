//! `notbetter serve`: seed the bundled cases if needed, then serve the site.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::cli::Cli;
use crate::EXIT_OK;

pub fn serve(
    cli: &Cli,
    addr: SocketAddr,
    secure_cookies: bool,
    contributions_per_hour: u32,
) -> anyhow::Result<u8> {
    let kb = super::open(cli)?;
    if let Some((report, batch)) = kb.seed(&crate::bundled::case_files())? {
        tracing::info!(
            added = report.added,
            updated = report.updated,
            errors = batch.errors().count(),
            "synced the bundled cases"
        );
    }
    tracing::info!(data_dir = %kb.dir().display(), cases = kb.index().num_docs(), "knowledge base ready");
    let config = notbetter_server::Config {
        secure_cookies,
        contributions_per_hour,
        ..Default::default()
    };
    let state = notbetter_server::AppState::new(Arc::new(kb), config);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        // Clusters are computed in the background; the first page that needs them before then
        // waits for the same computation.
        state.refresh_clusters_in_background();
        notbetter_server::serve(addr, state).await
    })?;
    Ok(EXIT_OK)
}
