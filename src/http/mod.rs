//! HTTP: the API of `../shared/api.md` over a [`LiveIndex`].
//!
//! Handlers only extract parameters, call the search stage and map the
//! result; every failure is an [`ApiError`] with one JSON shape. Searches
//! run on tokio's blocking pool: they are CPU work, and must not stall the
//! connections of other clients.

mod algolia;
mod error;
mod metrics;
mod openapi;
mod page;
mod params;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use subtle::ConstantTimeEq;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_http::{CompressionLevel, LatencyUnit};
use tracing::Level;
use utoipa::ToSchema;

pub use error::{ApiError, ErrorBody, ErrorDetail};
use params::Params;

use crate::index::BuildError;
use crate::ingest::Measure;
use crate::search::live::{Changes, LiveIndex, RebuildError};
use crate::search::{FacetCount, FacetCounts, SearchRequest, SearchResponse, Searcher, Suggestion};

/// What every handler shares.
pub struct AppState {
    pub index: Arc<LiveIndex>,
    /// The bearer token of `POST /admin/reindex`; `None` disables it.
    pub admin_token: Option<String>,
    pub metrics: metrics::Metrics,
}

impl AppState {
    pub fn new(index: Arc<LiveIndex>, admin_token: Option<String>) -> Arc<Self> {
        Arc::new(AppState {
            index,
            admin_token: admin_token.filter(|t| !t.is_empty()),
            metrics: metrics::Metrics::default(),
        })
    }
}

/// Every route of the API, with CORS, gzip and request logging.
pub fn router(state: Arc<AppState>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        // Any header: Algolia's clients send their own (x-algolia-*).
        .allow_headers(Any)
        .max_age(Duration::from_secs(3600));
    Router::new()
        .route("/search", get(search))
        .route("/measures/{id}", get(measure))
        .route("/facets", get(facets))
        .route("/facets/{facet}", get(facet_values))
        .route("/suggest", get(suggest))
        .route("/health", get(health))
        .route("/admin/reindex", post(reindex))
        .route("/1/indexes/{index}/queries", post(algolia::multi_query))
        .route("/1/indexes/{index}/query", post(algolia::single_query))
        .route(
            "/1/indexes/{index}/facets/{facet}/query",
            post(algolia::facet_query),
        )
        .route("/metrics", get(metrics::render))
        .route("/openapi.json", get(openapi::document))
        .merge(page::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .fallback(not_found)
        .with_state(state)
        .layer(
            // Browsers ask for gzip on every request, and compressing a
            // fresh answer of a few kilobytes at zlib's default level took
            // a third of the server's time. The fastest level leaves about
            // 1.3× the default's bytes (967 against 759 on average for
            // the benchmark's answers, 2,500 plain); `flate2` runs on
            // zlib-rs rather than miniz_oxide for the same reason (README
            // "Benchmarks").
            CompressionLayer::new()
                .gzip(true)
                .quality(CompressionLevel::Fastest),
        )
        .layer(cors)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
}

/// Collections below this many measures are searched on the request's own
/// task (see [`with_searcher`]).
const INLINE_BELOW_DOCUMENTS: u64 = 10_000;

/// Runs `work` with the current searcher (see [`on_searcher`]).
async fn with_searcher<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Searcher) -> Result<T, ApiError> + Send + 'static,
{
    on_searcher(state.index.searcher(), work).await
}

/// Runs `work` with `searcher`: on the blocking pool, unless the
/// collection is small enough that any search is over in well under a
/// millisecond, when the hand-over to another thread and back would cost
/// as much as the search.
async fn on_searcher<T, F>(searcher: Arc<Searcher>, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Searcher) -> Result<T, ApiError> + Send + 'static,
{
    if searcher.meta().documents < INLINE_BELOW_DOCUMENTS {
        return work(&searcher);
    }
    tokio::task::spawn_blocking(move || work(&searcher))
        .await
        .map_err(|e| ApiError::Internal(format!("search task failed: {e}")))?
}

/// `GET /facets`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetsResponse {
    pub facets: FacetCounts,
}

/// `GET /facets/{facet}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetValuesResponse {
    pub facet: String,
    pub values: Vec<FacetCount>,
}

/// `GET /suggest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestResponse {
    pub query: String,
    pub suggestions: Vec<Suggestion>,
}

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    #[schema(example = "ok")]
    pub status: String,
    pub documents: u64,
    pub index_generation: u64,
    /// RFC 3339, UTC.
    #[schema(example = "2026-11-23T09:48:09Z")]
    pub built_at: String,
}

/// `POST /admin/reindex`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReindexResponse {
    pub status: String,
    pub index_generation: u64,
    pub documents: u64,
    pub built_at: String,
    pub changes: Changes,
}

#[utoipa::path(
    get,
    path = "/search",
    tag = "search",
    summary = "Ranked, faceted search",
    params(
        ("q" = Option<String>, Query, description = "The query as a person types it; `\"…\"` marks a phrase, `-word` excludes. Empty: every measure."),
        ("town" = Option<Vec<String>>, Query, explode = true, description = "Town filter, repeatable (OR)"),
        ("period" = Option<Vec<String>>, Query, explode = true, description = "Period filter, e.g. 2011-2014, repeatable"),
        ("category" = Option<Vec<String>>, Query, explode = true, description = "Category slug, repeatable"),
        ("region" = Option<Vec<String>>, Query, explode = true, description = "Region slug, repeatable"),
        ("year" = Option<u16>, Query, description = "Measures whose period covers this year"),
        ("limit" = Option<usize>, Query, description = "Hits per page, 0–100, default 10"),
        ("offset" = Option<usize>, Query, description = "Hits to skip, 0–10000"),
    ),
    responses(
        (status = 200, description = "Hits and disjunctive facet counts", body = SearchResponse),
        (status = 400, description = "A bad parameter", body = ErrorBody),
    )
)]
async fn search(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<JsonBytes, ApiError> {
    let params = Params::parse(raw.as_deref());
    let request = SearchRequest {
        q: params.text("q"),
        filters: params.filters()?,
        limit: params.limit()?,
        offset: params.offset()?,
        ..SearchRequest::default()
    };
    let searcher = state.index.searcher();
    // A recent answer needs no trip to the blocking pool.
    if let Some(json) = searcher.cached_json(&request) {
        return Ok(JsonBytes(json));
    }
    on_searcher(searcher, move |s| Ok(JsonBytes(s.fresh_json(&request)?))).await
}

/// A body the search stage wrote as JSON itself (see
/// [`crate::search::json`]), sent as [`Json`] would send it.
struct JsonBytes(Vec<u8>);

impl IntoResponse for JsonBytes {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0,
        )
            .into_response()
    }
}

#[utoipa::path(
    get,
    path = "/measures/{id}",
    tag = "search",
    summary = "One measure's stored record",
    params(("id" = String, Path, description = "Measure id, e.g. 2011-2014-kadan-07")),
    responses(
        (status = 200, body = Measure),
        (status = 404, description = "No such measure", body = ErrorBody),
    )
)]
async fn measure(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Measure>, ApiError> {
    let Path(id) = id?;
    with_searcher(&state, move |s| Ok(Json(s.measure(&id)?))).await
}

#[utoipa::path(
    get,
    path = "/facets",
    tag = "search",
    summary = "Every facet value with its count over the whole collection",
    responses((status = 200, body = FacetsResponse))
)]
async fn facets(State(state): State<Arc<AppState>>) -> Result<Json<FacetsResponse>, ApiError> {
    with_searcher(&state, |s| {
        Ok(Json(FacetsResponse {
            facets: s.all_facets()?,
        }))
    })
    .await
}

#[utoipa::path(
    get,
    path = "/facets/{facet}",
    tag = "search",
    summary = "Facet value search: values with a word starting with q",
    params(
        ("facet" = String, Path, description = "town, period, category or region"),
        ("q" = Option<String>, Query, description = "Prefix, any case, with or without diacritics"),
        ("query" = Option<String>, Query, description = "A full-text query the counts are computed under"),
        ("town" = Option<Vec<String>>, Query, explode = true),
        ("period" = Option<Vec<String>>, Query, explode = true),
        ("category" = Option<Vec<String>>, Query, explode = true),
        ("region" = Option<Vec<String>>, Query, explode = true),
        ("year" = Option<u16>, Query),
    ),
    responses(
        (status = 200, body = FacetValuesResponse),
        (status = 400, body = ErrorBody),
        (status = 404, description = "No such facet", body = ErrorBody),
    )
)]
async fn facet_values(
    State(state): State<Arc<AppState>>,
    facet: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<FacetValuesResponse>, ApiError> {
    let Path(facet) = facet?;
    let params = Params::parse(raw.as_deref());
    let prefix = params.text("q");
    let request = SearchRequest {
        q: params.query_text("query")?,
        filters: params.filters()?,
        ..SearchRequest::default()
    };
    with_searcher(&state, move |s| {
        let values = s.facet_values(&facet, &prefix, &request)?;
        Ok(Json(FacetValuesResponse { facet, values }))
    })
    .await
}

#[utoipa::path(
    get,
    path = "/suggest",
    tag = "search",
    summary = "Search-as-you-type completions, spelled as the corpus spells them",
    params(
        ("q" = Option<String>, Query, description = "What has been typed so far"),
        ("limit" = Option<usize>, Query, description = "1–20, default 8"),
    ),
    responses((status = 200, body = SuggestResponse), (status = 400, body = ErrorBody))
)]
async fn suggest(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SuggestResponse>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let q = params.text("q");
    let limit = params.suggestion_limit()?;
    with_searcher(&state, move |s| {
        let suggestions = s.suggest(&q, limit)?;
        Ok(Json(SuggestResponse {
            query: q,
            suggestions,
        }))
    })
    .await
}

#[utoipa::path(
    get,
    path = "/health",
    tag = "operations",
    summary = "Liveness, and which index generation is served",
    responses((status = 200, body = HealthResponse))
)]
async fn health(State(state): State<Arc<AppState>>) -> Json<HealthResponse> {
    let searcher = state.index.searcher();
    let meta = searcher.meta();
    Json(HealthResponse {
        status: "ok".into(),
        documents: meta.documents,
        index_generation: meta.generation,
        built_at: meta.built_at.clone(),
    })
}

#[utoipa::path(
    post,
    path = "/admin/reindex",
    tag = "operations",
    summary = "Rebuild the index from the data directory and swap it in",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReindexResponse),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 403, description = "No admin token is configured", body = ErrorBody),
        (status = 422, description = "The data has problems; the old index keeps serving", body = ErrorBody),
    )
)]
async fn reindex(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<ReindexResponse>, ApiError> {
    authorize(state.admin_token.as_deref(), &headers)?;
    let index = state.index.clone();
    let rebuilt = tokio::task::spawn_blocking(move || index.rebuild())
        .await
        .map_err(|e| ApiError::Internal(format!("rebuild task failed: {e}")))?;
    match rebuilt {
        Ok(rebuilt) => Ok(Json(ReindexResponse {
            status: "ok".into(),
            index_generation: rebuilt.generation,
            documents: rebuilt.documents,
            built_at: rebuilt.built_at,
            changes: rebuilt.changes,
        })),
        Err(RebuildError::Build(BuildError::Data(problems))) => {
            tracing::warn!(problems = problems.len(), "reindex refused: invalid data");
            Err(ApiError::InvalidData(
                problems.iter().map(ToString::to_string).collect(),
            ))
        }
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

/// Checks the bearer token in constant time, so its bytes cannot be
/// guessed one at a time from response times.
fn authorize(expected: Option<&str>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = expected.filter(|t| !t.is_empty()) else {
        return Err(ApiError::Forbidden(
            "reindexing is disabled: the server has no admin token (set OPATRENI_ADMIN_TOKEN)"
                .into(),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(given) if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) => Ok(()),
        Some(_) => Err(ApiError::Unauthorized(
            "the bearer token is not valid".into(),
        )),
        None => Err(ApiError::Unauthorized(
            "an Authorization: Bearer <token> header is required".into(),
        )),
    }
}

async fn not_found(uri: Uri) -> Response {
    let error = ApiError::NotFound(
        "no such endpoint; see /search, /measures/{id}, /facets, /facets/{facet}, /suggest, /health".into(),
    );
    in_the_shape_of(&uri, error)
}

/// A route asked with a method it does not have (`POST /search`): the
/// error in JSON, as every other, where axum would send an empty body.
/// axum still sets the `Allow` header.
async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let error = ApiError::MethodNotAllowed(format!(
        "{} does not take {method}; the Allow header lists the methods it takes",
        uri.path()
    ));
    in_the_shape_of(&uri, error)
}

/// `error` in the shape the client of `uri` expects: Algolia's under its
/// routes (`/1/…`), the API's elsewhere.
fn in_the_shape_of(uri: &Uri, error: ApiError) -> Response {
    if uri.path().starts_with("/1/") {
        algolia::AlgoliaError::from(error).into_response()
    } else {
        error.into_response()
    }
}
