//! HTTP: the API of `../shared/api.md` over a [`LiveIndex`].
//!
//! Handlers only extract parameters, call the search stage and map the
//! result; every failure is an [`ApiError`] with one JSON shape. Searches
//! run on tokio's blocking pool: they are CPU work, and must not stall the
//! connections of other clients.

mod algolia;
mod error;
mod metrics;
mod page;
mod params;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use tower_http::LatencyUnit;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use error::ApiError;
use params::Params;

use crate::index::BuildError;
use crate::search::live::{LiveIndex, RebuildError};
use crate::search::{SearchRequest, Searcher};

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
        .merge(page::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .fallback(not_found)
        .with_state(state)
        .layer(CompressionLayer::new().gzip(true))
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

/// Runs `work` with the current searcher on the blocking pool.
async fn with_searcher<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Searcher) -> Result<T, ApiError> + Send + 'static,
{
    let searcher = state.index.searcher();
    tokio::task::spawn_blocking(move || work(&searcher))
        .await
        .map_err(|e| ApiError::Internal(format!("search task failed: {e}")))?
}

async fn search(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let request = SearchRequest {
        q: params.text("q"),
        filters: params.filters()?,
        limit: params.limit()?,
        offset: params.offset()?,
        ..SearchRequest::default()
    };
    with_searcher(&state, move |s| Ok(Json(json!(s.search(&request)?)))).await
}

async fn measure(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    with_searcher(&state, move |s| Ok(Json(json!(s.measure(&id)?)))).await
}

async fn facets(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    with_searcher(&state, |s| Ok(Json(json!({ "facets": s.all_facets()? })))).await
}

async fn facet_values(
    State(state): State<Arc<AppState>>,
    Path(facet): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let prefix = params.text("q");
    let request = SearchRequest {
        q: params.text("query"),
        filters: params.filters()?,
        ..SearchRequest::default()
    };
    with_searcher(&state, move |s| {
        let values = s.facet_values(&facet, &prefix, &request)?;
        Ok(Json(json!({ "facet": facet, "values": values })))
    })
    .await
}

async fn suggest(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(raw.as_deref());
    let q = params.text("q");
    let limit = params.suggestion_limit()?;
    with_searcher(&state, move |s| {
        let suggestions = s.suggest(&q, limit)?;
        Ok(Json(json!({ "query": q, "suggestions": suggestions })))
    })
    .await
}

async fn health(State(state): State<Arc<AppState>>) -> Json<Value> {
    let searcher = state.index.searcher();
    let meta = searcher.meta();
    Json(json!({
        "status": "ok",
        "documents": meta.documents,
        "index_generation": meta.generation,
        "built_at": meta.built_at,
    }))
}

async fn reindex(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize(state.admin_token.as_deref(), &headers)?;
    let index = state.index.clone();
    let rebuilt = tokio::task::spawn_blocking(move || index.rebuild())
        .await
        .map_err(|e| ApiError::Internal(format!("rebuild task failed: {e}")))?;
    match rebuilt {
        Ok(rebuilt) => Ok(Json(json!({
            "status": "ok",
            "index_generation": rebuilt.generation,
            "documents": rebuilt.documents,
            "built_at": rebuilt.built_at,
            "changes": rebuilt.changes,
        }))),
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

async fn not_found() -> ApiError {
    ApiError::NotFound(
        "no such endpoint; see /search, /measures/{id}, /facets, /facets/{facet}, /suggest, /health".into(),
    )
}
