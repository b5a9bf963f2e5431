//! `GET /metrics` in the Prometheus (OpenMetrics) text format: requests by
//! route and status, their latency, and the state of the index.
//!
//! Request metrics are recorded by a route layer, so the route label is the
//! route's pattern (`/measures/{id}`), not the path asked for: the label
//! set stays small whatever clients send. Index metrics are read when
//! scraped, from the served generation and the rebuild tally.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KeptLabels {
    what: &'static str,
}

/// Every metric, registered once.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    documents: Gauge,
    generation: Gauge,
    built: Gauge,
    rebuilds: Family<ResultLabels, Counter>,
    last_rebuild: Gauge,
    last_rebuild_success: Gauge,
    kept: Family<KeptLabels, Gauge>,
    kept_bytes: Family<KeptLabels, Gauge>,
}

/// Latency buckets from 100 µs to 2.5 s: searches take milliseconds.
const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("opatreni");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency =
            Family::<RouteLabels, Histogram>::new_with_constructor(|| Histogram::new(BUCKETS));
        let (documents, generation, built, last_rebuild, last_rebuild_success) = Default::default();
        let rebuilds = Family::<ResultLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "index_documents",
            "Measures in the served index",
            Gauge::clone(&documents),
        );
        registry.register(
            "index_generation",
            "Generation of the served index",
            Gauge::clone(&generation),
        );
        registry.register(
            "index_built_timestamp_seconds",
            "When the served index generation was built (Unix time)",
            Gauge::clone(&built),
        );
        registry.register(
            "rebuilds",
            "Rebuilds since start, by result",
            rebuilds.clone(),
        );
        registry.register(
            "last_rebuild_timestamp_seconds",
            "When the last rebuild ended (Unix time; 0: none since start)",
            Gauge::clone(&last_rebuild),
        );
        registry.register(
            "last_rebuild_success",
            "1 if the last rebuild succeeded, 0 if it failed or none ran",
            Gauge::clone(&last_rebuild_success),
        );
        let (kept, kept_bytes) = Default::default();
        registry.register(
            "search_kept",
            "What the searcher keeps across searches: common words' sets, champion lists",
            Family::<KeptLabels, Gauge>::clone(&kept),
        );
        registry.register(
            "search_kept_bytes",
            "Memory taken by what the searcher keeps, in bytes",
            Family::<KeptLabels, Gauge>::clone(&kept_bytes),
        );
        Metrics {
            registry,
            kept,
            kept_bytes,
            requests,
            latency,
            documents,
            generation,
            built,
            rebuilds,
            last_rebuild,
            last_rebuild_success,
        }
    }
}

fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The route layer that counts and times every routed request.
pub async fn track(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let metrics = &state.metrics;
    metrics
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// `GET /metrics`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    summary = "Prometheus metrics (OpenMetrics text): requests by route and status, latency, index documents and generation, rebuilds, what the searcher keeps",
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text", body = String))
)]
pub async fn render(State(state): State<Arc<AppState>>) -> Response {
    let metrics = &state.metrics;
    let searcher = state.index.searcher();
    let meta = searcher.meta();
    metrics.documents.set(meta.documents as i64);
    metrics.generation.set(meta.generation as i64);
    if let Ok(built) = humantime::parse_rfc3339(&meta.built_at) {
        metrics.built.set(unix_seconds(built));
    }
    let stats = state.index.stats();
    // The tally lives with the index; the counters catch up to it.
    for (result, total) in [("success", stats.succeeded), ("failure", stats.failed)] {
        let counter = metrics.rebuilds.get_or_create(&ResultLabels { result });
        counter.inc_by(total.saturating_sub(counter.get()));
    }
    let (when, ok) = stats
        .last
        .map_or((0, false), |(t, ok)| (unix_seconds(t), ok));
    metrics.last_rebuild.set(when);
    metrics.last_rebuild_success.set(i64::from(ok));
    for (what, count, bytes) in searcher.kept() {
        let labels = KeptLabels { what };
        metrics.kept.get_or_create(&labels).set(count as i64);
        metrics.kept_bytes.get_or_create(&labels).set(bytes as i64);
    }
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut body, &metrics.registry) {
        return super::ApiError::Internal(format!("cannot encode metrics: {e}")).into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
