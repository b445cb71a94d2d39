//! The API's handlers. Query strings are parsed by hand from the raw query, so that no input
//! can produce a framework rejection outside the problem-document format.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::Json;
use notbetter_kb::FacetDim;
use notbetter_kb::{SearchRequest, MAX_LIMIT};
use notbetter_taxonomy::Dimension;

use super::types::*;
use super::{ApiError, ApiPath};
use crate::pages::SearchParams;
use crate::AppState;

type ApiResult<T> = Result<Json<T>, ApiError>;

use crate::pages::query_pairs as pairs;

/// Parses a `limit` parameter: a number from 1 to the maximum page size.
fn parse_limit(v: &str) -> Result<usize, ApiError> {
    v.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| {
            ApiError::bad_request(format!("`limit` must be a number from 1 to {MAX_LIMIT}"))
        })
}

/// The 404 for an unknown case id.
fn no_case(id: &str) -> ApiError {
    ApiError::not_found(format!("no case with id `{id}`"))
}

fn valid_id(id: &str) -> bool {
    notbetter_taxonomy::CaseId::is_valid(id)
}

/// Search cases.
#[utoipa::path(
    get, path = "/api/v1/search",
    params(
        ("q" = Option<String>, Query, max_length = 1000, description = "Free text in tantivy query syntax; empty or `*` matches all"),
        ("domain" = Option<Vec<String>>, Query, pattern = r"^[a-z0-9-]+(/[a-z0-9-]+)*$", max_length = 120, description = "Domain slug; repeat for OR", explode = true),
        ("cause" = Option<Vec<String>>, Query, pattern = r"^[a-z0-9-]+(/[a-z0-9-]+)*$", max_length = 120, description = "Confirmed cause slug; repeat for OR", explode = true),
        ("inferred_cause" = Option<Vec<String>>, Query, pattern = r"^[a-z0-9-]+(/[a-z0-9-]+)*$", max_length = 120, description = "Inferred cause slug; repeat for OR", explode = true),
        ("mode" = Option<Vec<String>>, Query, pattern = r"^[a-z0-9-]+(/[a-z0-9-]+)*$", max_length = 120, description = "Failure mode slug; repeat for OR", explode = true),
        ("method" = Option<Vec<String>>, Query, pattern = r"^[a-z0-9-]+(/[a-z0-9-]+)*$", max_length = 120, description = "Method (model family) slug such as cnn or classical-ml; repeat for OR", explode = true),
        ("source" = Option<Vec<String>>, Query, pattern = r"^[a-z0-9-]+(/[a-z0-9-]+)*$", max_length = 120, description = "curated, contributed, imported or imported/<name>", explode = true),
        ("year_from" = Option<i32>, Query, minimum = 1950, maximum = 2100, description = "Earliest year, inclusive"),
        ("year_to" = Option<i32>, Query, minimum = 1950, maximum = 2100, description = "Latest year, inclusive; not before year_from"),
        ("sort" = Option<SortParam>, Query, description = "Order of hits"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1-based page; at most 10,000 hits can be paged through"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Hits per page (default 20)"),
    ),
    responses(
        (status = 200, body = SearchResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<SearchResponse> {
    let mut pairs = pairs(raw);
    // The page's form sends empty fields, which mean "not set"; the API documents values, so
    // an empty one is refused rather than read as absent.
    if let Some((k, _)) = pairs.iter().find(|(k, v)| {
        v.is_empty()
            && matches!(
                k.as_str(),
                "domain" | "cause" | "inferred_cause" | "mode" | "method" | "source" | "sort"
            )
    }) {
        return Err(ApiError::bad_request(format!(
            "`{k}` is empty: give a value or leave the parameter out"
        )));
    }
    let mut limit = 20;
    if let Some(pos) = pairs.iter().position(|(k, _)| k == "limit") {
        let (_, v) = pairs.remove(pos);
        limit = parse_limit(&v)?;
    }
    let params = SearchParams::parse(&pairs).map_err(ApiError::bad_request)?;
    if params.page > 100 {
        return Err(ApiError::bad_request(
            "`page` must be a number from 1 to 100",
        ));
    }
    let mut req: SearchRequest = params.request();
    req.limit = limit;
    req.offset = (params.page - 1) * limit;
    if req.offset > notbetter_kb::MAX_OFFSET {
        return Err(ApiError::bad_request(format!(
            "page too deep: at most {} results can be paged through",
            notbetter_kb::MAX_OFFSET
        )));
    }
    let r = state.run(move |kb| Ok(kb.search(&req)?)).await?;
    Ok(Json(SearchResponse {
        total: r.total,
        page: params.page,
        limit,
        hits: r.hits.iter().map(HitView::from).collect(),
        facets: r
            .facets
            .iter()
            .map(|(d, m)| (d.field_name().to_string(), m.clone()))
            .collect(),
        reading: ReadingView::from(&r.reading),
    }))
}

/// One case.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}",
    params(("id" = String, Path, description = "The case id (a slug)")),
    responses(
        (status = 200, body = StoredCaseView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn case(
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
) -> ApiResult<StoredCaseView> {
    if !valid_id(&id) {
        return Err(no_case(&id));
    }
    let lookup = id.clone();
    let stored = state.run(move |kb| Ok(kb.get(&lookup)?)).await?;
    stored
        .map(|s| Json(StoredCaseView::from(&s)))
        .ok_or_else(|| no_case(&id))
}

/// Previous versions of a case, newest first.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}/revisions",
    params(("id" = String, Path, description = "The case id")),
    responses(
        (status = 200, body = Vec<RevisionView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revisions(
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
) -> ApiResult<Vec<RevisionView>> {
    if !valid_id(&id) {
        return Err(no_case(&id));
    }
    let lookup = id.clone();
    let (exists, revs) = state
        .run(move |kb| Ok((kb.get(&lookup)?.is_some(), kb.revisions(&lookup)?)))
        .await?;
    if !exists {
        return Err(no_case(&id));
    }
    Ok(Json(revs.iter().map(RevisionView::from).collect()))
}

async fn entries(state: &AppState, dim: Dimension) -> Result<Vec<EntryView>, ApiError> {
    let counts = state.run(move |kb| Ok(kb.label_counts(dim)?)).await?;
    Ok(state
        .kb
        .taxonomy()
        .entries_of(dim)
        .map(|e| EntryView::new(e, &counts))
        .collect())
}

/// The whole taxonomy with case counts.
#[utoipa::path(get, path = "/api/v1/taxonomy", responses((status = 200, body = TaxonomyView)))]
pub async fn taxonomy(State(state): State<AppState>) -> ApiResult<TaxonomyView> {
    Ok(Json(TaxonomyView {
        domains: entries(&state, Dimension::Domain).await?,
        causes: entries(&state, Dimension::Cause).await?,
        failure_modes: entries(&state, Dimension::FailureMode).await?,
        methods: entries(&state, Dimension::Method).await?,
    }))
}

/// Every domain with case counts.
#[utoipa::path(get, path = "/api/v1/domains", responses((status = 200, body = Vec<EntryView>)))]
pub async fn domains(State(state): State<AppState>) -> ApiResult<Vec<EntryView>> {
    Ok(Json(entries(&state, Dimension::Domain).await?))
}

/// Every cause (and cause family) with case counts.
#[utoipa::path(get, path = "/api/v1/causes", responses((status = 200, body = Vec<EntryView>)))]
pub async fn causes(State(state): State<AppState>) -> ApiResult<Vec<EntryView>> {
    Ok(Json(entries(&state, Dimension::Cause).await?))
}

async fn browse(state: &AppState, dim: Dimension, slug: String) -> ApiResult<BrowseView> {
    let t = state.kb.taxonomy();
    let entry = t
        .get(dim, &slug)
        .ok_or_else(|| ApiError::not_found(format!("no {} `{slug}`", dim.as_str())))?
        .clone();
    let (facet, other) = match dim {
        Dimension::Domain => (FacetDim::Domain, FacetDim::Cause),
        _ => (FacetDim::Cause, FacetDim::Domain),
    };
    let req = SearchRequest {
        limit: MAX_LIMIT,
        ..SearchRequest::default()
    }
    .filter(facet, slug.clone());
    let (r, counts) = state
        .run(move |kb| Ok((kb.search(&req)?, kb.label_counts(dim)?)))
        .await?;
    Ok(Json(BrowseView {
        entry: EntryView::new(&entry, &counts),
        children: t
            .children(dim, Some(&slug))
            .map(|e| EntryView::new(e, &counts))
            .collect(),
        breakdown: r.facets.get(&other).cloned().unwrap_or_default(),
        total: r.total,
        cases: r.hits.iter().map(HitView::from).collect(),
    }))
}

/// One domain: its sub-domains, its cause breakdown and its cases.
#[utoipa::path(
    get, path = "/api/v1/domains/{slug}",
    params(("slug" = String, Path, description = "A domain slug such as healthcare/medical-imaging")),
    responses((status = 200, body = BrowseView), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
pub async fn domain(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath,
) -> ApiResult<BrowseView> {
    browse(&state, Dimension::Domain, slug).await
}

/// One cause: its causes (for a family), its domain breakdown and its cases.
#[utoipa::path(
    get, path = "/api/v1/causes/{slug}",
    params(("slug" = String, Path, description = "A cause slug such as data/leakage")),
    responses((status = 200, body = BrowseView), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
pub async fn cause(State(state): State<AppState>, ApiPath(slug): ApiPath) -> ApiResult<BrowseView> {
    browse(&state, Dimension::Cause, slug).await
}

/// Counts, sources and the domain × cause matrix.
#[utoipa::path(get, path = "/api/v1/stats", responses((status = 200, body = StatsView)))]
pub async fn stats(State(state): State<AppState>) -> ApiResult<StatsView> {
    let (total, by_source, matrix, domains, causes) = state
        .run(|kb| {
            let r = kb.search(&SearchRequest {
                limit: 1,
                ..SearchRequest::default()
            })?;
            let matrix = (*kb.matrix()?).clone();
            let domains = kb
                .label_counts(Dimension::Domain)?
                .keys()
                .filter(|k| !k.contains('/'))
                .count();
            let causes = kb
                .label_counts(Dimension::Cause)?
                .keys()
                .filter(|k| k.contains('/'))
                .count();
            Ok((
                r.total,
                r.facets.get(&FacetDim::Source).cloned().unwrap_or_default(),
                matrix,
                domains,
                causes,
            ))
        })
        .await?;
    Ok(Json(StatsView {
        cases: total,
        domains_with_cases: domains,
        causes_with_cases: causes,
        by_source: by_source.into_iter().collect::<BTreeMap<_, _>>(),
        matrix,
    }))
}

/// Both levels of clusters that span at least two top-level domains: the cause-level clusters,
/// widest first (`level: cause`), then the mechanism clusters beneath them (`level:
/// mechanism`, each with its `parent`), by cause, then size.
#[utoipa::path(get, path = "/api/v1/clusters", responses((status = 200, body = Vec<ClusterView>)))]
pub async fn clusters(State(state): State<AppState>) -> ApiResult<Vec<ClusterView>> {
    let clustering = crate::pages::clusters::current(&state).await?;
    let causes = clustering.shown().into_iter().map(ClusterView::from);
    let mechanisms = clustering.mechanisms.cross_field().map(|m| {
        let parent = crate::pages::clusters::parent_of(&clustering, m).map(|c| c.id.clone());
        ClusterView::mechanism(m, parent)
    });
    Ok(Json(causes.chain(mechanisms).collect()))
}

/// One cluster of either level (including those within one domain).
#[utoipa::path(
    get, path = "/api/v1/clusters/{id}",
    params(("id" = String, Path, description = "The cluster id")),
    responses((status = 200, body = ClusterView), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
pub async fn cluster(
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
) -> ApiResult<ClusterView> {
    let clustering = crate::pages::clusters::current(&state).await?;
    if let Some(m) = clustering.mechanisms.get(&id) {
        let parent = crate::pages::clusters::parent_of(&clustering, m).map(|c| c.id.clone());
        return Ok(Json(ClusterView::mechanism(m, parent)));
    }
    clustering
        .get(&id)
        .map(|c| Json(ClusterView::from(c)))
        .ok_or_else(|| ApiError::not_found(format!("no cluster `{id}`")))
}

/// Cases like this one (tantivy more-like-this), with cases from other domains preferred.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}/similar",
    params(
        ("id" = String, Path, description = "The case id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "How many (default 5)"),
    ),
    responses(
        (status = 200, body = Vec<SimilarView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn similar(
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
    RawQuery(raw): RawQuery,
) -> ApiResult<Vec<SimilarView>> {
    let mut limit = 5;
    for (k, v) in pairs(raw) {
        if k == "limit" {
            limit = parse_limit(&v)?;
        }
    }
    if !valid_id(&id) {
        return Err(no_case(&id));
    }
    let lookup = id.clone();
    let found = state
        .run(move |kb| {
            if kb.get(&lookup)?.is_none() {
                return Ok(None);
            }
            Ok(Some(kb.similar(&lookup, limit)?))
        })
        .await?;
    let found = found.ok_or_else(|| no_case(&id))?;
    Ok(Json(
        found
            .into_iter()
            .map(|s| SimilarView {
                id: s.id,
                title: s.title,
                domains: s.domains,
                score: s.score,
            })
            .collect(),
    ))
}

/// A pre-mortem: the failure causes that hit projects like the one described, in any field,
/// with why each applies, precedents and what to check before building. The description is
/// neither stored nor logged.
#[utoipa::path(
    post,
    path = "/api/v1/premortem",
    tag = "premortem",
    request_body = PremortemRequest,
    responses(
        (status = 200, body = PremortemResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn premortem(
    State(state): State<AppState>,
    body: Result<Json<PremortemRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<PremortemResponse> {
    let Json(req) = body.map_err(|e| {
        ApiError::bad_request(format!(
            "the body must be JSON {{\"description\": text, \"domain\": optional text, \"tags\": optional list}}: {}",
            e.body_text()
        ))
    })?;
    let report = state
        .run(move |kb| {
            let domain = match req.domain.as_deref().map(str::trim) {
                Some(d) if !d.is_empty() => {
                    Some(kb.resolve(notbetter_taxonomy::Dimension::Domain, d)?)
                }
                _ => None,
            };
            Ok(kb.premortem(&notbetter_kb::PremortemRequest {
                description: req.description,
                domain,
                tags: req.tags,
            })?)
        })
        .await?;
    Ok(Json(PremortemResponse::from(report)))
}
