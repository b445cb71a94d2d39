//! The web front end: the route table, shared state, middleware, and serving it.
//!
//! This is the only crate that imports axum and maud. Handlers read and write through the
//! [`KnowledgeBase`]; they never touch SQLite or tantivy directly. Pages work without
//! JavaScript; `web/app.js` only adds conveniences.

mod api;
mod assets;
mod auth;
mod background;
mod charts;
mod error;
mod layout;
mod markdown;
mod pages;
mod security;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use notbetter_kb::KnowledgeBase;

pub use api::openapi_json;
pub use auth::hash_password;
pub use error::AppError;
pub use security::Limits;

/// Tunable limits; tests shrink them.
#[derive(Debug, Clone)]
pub struct Config {
    /// Contributions allowed per client IP per hour.
    pub contributions_per_hour: u32,
    /// Login attempts allowed per client IP per minute.
    pub logins_per_minute: u32,
    /// Consecutive failed logins before an account is locked.
    pub lockout_after: i64,
    pub lockout: Duration,
    /// Mark cookies Secure. Set when the site is served over TLS (directly or behind a proxy).
    pub secure_cookies: bool,
    pub session_ttl: Duration,
}

impl Config {
    /// The login policy these limits set.
    pub fn login_policy(&self) -> notbetter_kb::LoginPolicy {
        notbetter_kb::LoginPolicy {
            lockout_after: self.lockout_after,
            lockout: self.lockout,
            session_ttl: self.session_ttl,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            contributions_per_hour: 10,
            logins_per_minute: 10,
            lockout_after: 5,
            lockout: Duration::from_secs(15 * 60),
            secure_cookies: false,
            session_ttl: Duration::from_secs(8 * 3600),
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub kb: Arc<KnowledgeBase>,
    pub config: Arc<Config>,
    pub limits: Arc<Limits>,
    /// Set while a background cluster refresh is queued, so bursts of approvals cause one
    /// recomputation, not one each.
    clusters_queued: Arc<std::sync::atomic::AtomicBool>,
    /// How long the last background cluster refresh took, in milliseconds.
    clusters_last_ms: Arc<std::sync::atomic::AtomicU64>,
    /// Permits for knowledge-base work: two per core. Requests beyond wait here, not on the
    /// blocking pool, so work that has started is not slowed by work that could not (and a
    /// search's time limit counts its own work, not its wait).
    work: Arc<tokio::sync::Semaphore>,
    /// Trips through `work` so far. Under load each trip waits its turn in the queue, so a page
    /// makes one; tests count them.
    trips: Arc<std::sync::atomic::AtomicU64>,
    /// Set once a first clustering exists; pages that need one before then wait on it here,
    /// asynchronously (see [`AppState::first_clusters`]).
    first_clustering: Arc<tokio::sync::OnceCell<()>>,
}

impl AppState {
    pub fn new(kb: Arc<KnowledgeBase>, config: Config) -> AppState {
        let limits = Arc::new(Limits::new(&config));
        AppState {
            kb,
            config: Arc::new(config),
            limits,
            clusters_queued: Arc::default(),
            clusters_last_ms: Arc::default(),
            work: Arc::new(tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            trips: Arc::default(),
            first_clustering: Arc::default(),
        }
    }

    /// Recomputes the clusters in the background if cases changed; readers keep the last result
    /// meanwhile. A refresh first waits for changes to settle: at least 200 ms, and five times
    /// as long as the last computation took, so that on a large knowledge base under a stream
    /// of approvals clustering takes at most about a sixth of one core. It runs at low priority
    /// (see `background`), so requests served meanwhile go first.
    pub fn refresh_clusters_in_background(&self) {
        use std::sync::atomic::Ordering;
        if self.clusters_queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let kb = self.kb.clone();
        let queued = self.clusters_queued.clone();
        let last_ms = self.clusters_last_ms.clone();
        tokio::task::spawn_blocking(move || {
            // Changes after this point queue another refresh.
            let settle = (5 * last_ms.load(Ordering::Relaxed)).max(200);
            std::thread::sleep(Duration::from_millis(settle));
            queued.store(false, Ordering::Release);
            let started = std::time::Instant::now();
            // The first clustering is awaited by pages (`first_clusters`): it runs at their
            // priority. Later ones replace clusters pages can already show, at a lower one.
            let refreshed = if kb.clusters().is_none() {
                kb.refresh_clusters()
            } else {
                background::pool().install(|| kb.refresh_clusters())
            };
            if let Err(e) = refreshed {
                tracing::error!(error = %e, "recomputing clusters failed");
            }
            last_ms.store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
            release_freed_memory();
        });
    }

    /// Computes the clusters if there are none yet (a new server's first pages), waiting for
    /// that without a work permit. Pages that waited for it while holding their permits kept
    /// every other request waiting too: in CI's load test, on a busy machine, a new debug
    /// server at 5,000 cases answered nothing for 15 s while its case pages waited for the
    /// first clustering. It runs at the requests' own priority, not on the background pool:
    /// a page is waiting for it, and on a busy machine the background pool's lowered priority
    /// kept a page waiting for more than a minute (the hostile-input test's client gave up).
    /// The pages waiting meanwhile wait asynchronously, on one computation: none of them holds
    /// a blocking thread (a flood of first requests could otherwise fill the blocking pool
    /// that every other request's work runs on). A failed clustering is tried again by the
    /// next page.
    pub(crate) async fn first_clusters(&self) -> Result<(), AppError> {
        if self.kb.clusters().is_some() {
            return Ok(());
        }
        let kb = self.kb.clone();
        self.first_clustering
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || kb.refresh_clusters())
                    .await
                    .map_err(|e| AppError::internal(format!("clustering task failed: {e}")))??;
                Ok::<(), AppError>(())
            })
            .await?;
        Ok(())
    }

    /// How many trips through the work queue requests have made so far.
    #[cfg(test)]
    pub(crate) fn trips(&self) -> u64 {
        self.trips.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs blocking knowledge-base work off the async runtime, after waiting for a permit.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&KnowledgeBase) -> Result<T, AppError> + Send + 'static,
    {
        let kb = self.kb.clone();
        self.trips
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let permit = self
            .work
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| AppError::internal(format!("work queue closed: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&kb)
        })
        .await
        .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
    }
}

/// Hands memory freed by a big computation back to the operating system. Clustering allocates
/// hundreds of megabytes for a few seconds; glibc keeps freed memory in its arenas, so without
/// this the server's resident size ratchets up to the largest clustering's peak and stays there.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it takes no pointers
    // and is thread-safe in glibc.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The largest request body accepted: a contribution with long sections fits easily.
pub const BODY_LIMIT: usize = 256 * 1024;

/// The whole application as a router, so tests can drive it without a port.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/", get(pages::home::home))
        .route("/search", get(pages::search::search))
        .route("/domains", get(pages::browse::domains))
        .route("/domains/{*slug}", get(pages::browse::domain))
        .route("/causes", get(pages::browse::causes))
        .route("/causes/{*slug}", get(pages::browse::cause))
        .route("/cases/{id}", get(pages::case::case))
        .route("/clusters", get(pages::clusters::clusters))
        .route("/clusters/{id}", get(pages::clusters::cluster))
        .route("/clusters/m/{id}", get(pages::clusters::mechanism))
        .route(
            "/premortem",
            get(pages::premortem::form).post(pages::premortem::submit),
        )
        .route(
            "/contribute",
            get(pages::contribute::form).post(pages::contribute::submit),
        )
        .route("/contribute/{id}", get(pages::contribute::status))
        .route(
            "/review",
            get(pages::review::queue).post(pages::review::bulk),
        )
        .route(
            "/review/login",
            get(pages::review::login_form).post(pages::review::login),
        )
        .route("/review/logout", post(pages::review::logout))
        .route(
            "/review/{id}",
            get(pages::review::item).post(pages::review::decide),
        )
        .route("/static/{*path}", get(assets::serve))
        .route("/export/cases.jsonl", get(pages::feeds::jsonl))
        .route("/export/cases.csv", get(pages::feeds::csv))
        .route("/feed.atom", get(pages::feeds::atom))
        .route("/healthz", get(|| async { "ok" }))
        .merge(api::router())
        .fallback(|| async { AppError::NotFound })
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    layered(routes).with_state(state)
}

/// The layers every response passes through: the security headers (set where a handler has
/// not set its own) and a trace span per request, so that any error logged while answering
/// names the method and path.
fn layered<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    use axum::http::{header::HeaderName, HeaderValue, Request};
    use tower_http::set_header::SetResponseHeaderLayer;
    let mut router = router;
    for (name, value) in security::HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    router.layer(
        tower_http::trace::TraceLayer::new_for_http().make_span_with(
            |req: &Request<axum::body::Body>| {
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
            },
        ),
    )
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

#[cfg(test)]
mod tests;
