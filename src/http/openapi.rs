//! `GET /openapi.json`: the API described as OpenAPI 3.1, generated from
//! the handlers' annotations and the response types, so the document and
//! the responses cannot drift apart (a test checks real responses against
//! it).

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    ErrorBody, ErrorDetail, FacetValuesResponse, FacetsResponse, HealthResponse, ReindexResponse,
    SuggestResponse,
};
use crate::ingest::{Measure, Source};
use crate::search::live::Changes;
use crate::search::{FacetCount, FacetCounts, Hit, SearchResponse, Suggestion};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "opatreni",
        description = "Full-text search over Czech public-policy measures, with Czech morphology, \
                       diacritics-insensitive matching and disjunctive facets. An Algolia-compatible \
                       API for InstantSearch lives under /1/ (see the README).",
    ),
    paths(
        super::search,
        super::measure,
        super::facets,
        super::facet_values,
        super::suggest,
        super::health,
        super::reindex,
        super::algolia::multi_query,
        super::algolia::single_query,
        super::algolia::facet_query,
        super::metrics::render,
        document,
    ),
    components(schemas(
        SearchResponse, Hit, FacetCounts, FacetCount, Measure, Source, FacetsResponse,
        FacetValuesResponse, SuggestResponse, Suggestion, HealthResponse, ReindexResponse, Changes,
        ErrorBody, ErrorDetail, super::algolia::MultiQueryBody,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "search", description = "Searching measures"),
        (name = "operations", description = "Health and rebuilding"),
        (name = "algolia", description = "Algolia-compatible API for InstantSearch.js"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    summary = "This document",
    responses((status = 200, description = "OpenAPI 3.1", body = serde_json::Value))
)]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    Json(doc)
}
