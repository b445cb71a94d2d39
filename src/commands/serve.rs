//! `notbetter serve`: seed the bundled cases if needed, then serve the site.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::cli::Cli;
use crate::EXIT_OK;

/// How often a node with a shared store looks for other nodes' writes.
const FOLLOW_EVERY_MS: u64 = 200;

/// What `notbetter serve` was asked for.
pub struct Options {
    pub addr: SocketAddr,
    pub secure_cookies: bool,
    pub contributions_per_hour: u32,
    pub search_cache: usize,
    pub search_timeout_ms: u64,
    pub parallel_min_docs: u64,
    pub cluster_max_cases: usize,
}

pub fn serve(cli: &Cli, opts: &Options) -> anyhow::Result<u8> {
    let kb = Arc::new(super::open(cli)?);
    kb.set_result_cache(opts.search_cache);
    kb.set_search_timeout(std::time::Duration::from_millis(opts.search_timeout_ms));
    kb.set_cluster_limit(opts.cluster_max_cases);
    kb.set_parallel_min_docs(opts.parallel_min_docs);
    if let Some((report, batch)) = kb.seed(&crate::bundled::case_files())? {
        tracing::info!(
            added = report.added,
            updated = report.updated,
            errors = batch.errors().count(),
            "synced the bundled cases"
        );
    }
    let warm = kb.warm_up()?;
    tracing::info!(
        data_dir = %kb.dir().display(),
        cases = kb.indexed(),
        warm_up_ms = warm.as_millis() as u64,
        "knowledge base ready"
    );
    let config = notbetter_server::Config {
        secure_cookies: opts.secure_cookies,
        contributions_per_hour: opts.contributions_per_hour,
        ..Default::default()
    };
    if kb.is_shared() {
        // Other nodes write the shared store too: this node's index follows it.
        kb.follow_in_background(std::time::Duration::from_millis(FOLLOW_EVERY_MS));
        tracing::info!(every_ms = FOLLOW_EVERY_MS, "following the shared store");
    }
    let state = notbetter_server::AppState::new(kb, config);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        // Clusters are computed in the background; the first page that needs them before then
        // waits for the same computation.
        state.refresh_clusters_in_background();
        notbetter_server::serve(opts.addr, state).await
    })?;
    Ok(EXIT_OK)
}
