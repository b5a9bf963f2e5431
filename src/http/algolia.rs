//! An Algolia-compatible search API, so InstantSearch.js and the Algolia
//! clients work against this server with no adapter.
//!
//! Only the protocol lives here: Algolia's parameters become a
//! [`SearchRequest`] (its `facetFilters` and `numericFilters` become
//! [`Condition`]s, which the search stage counts conjunctively, as Algolia
//! does: InstantSearch computes disjunctive counts itself, with one extra
//! query per refined facet), and the response is reshaped into what the
//! clients read. The Czech analysis applies unchanged.
//!
//! Endpoints: `POST /1/indexes/*/queries` (multi-query),
//! `POST /1/indexes/{index}/query` and
//! `POST /1/indexes/{index}/facets/{facet}/query` (facet value search).
//! The one index is called `measures`.

use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{AppState, with_searcher};
use crate::search::{
    Comparison, Condition, Facet, MAX_LIMIT, MAX_OFFSET, SearchError, SearchRequest,
    SearchResponse, Searcher, YearBound, check_query,
};

pub const INDEX_NAME: &str = "measures";
const DEFAULT_HITS_PER_PAGE: usize = 20;
const DEFAULT_PRE_TAG: &str = "<em>";
const DEFAULT_POST_TAG: &str = "</em>";

/// Algolia's error shape: `{"message": "…", "status": 400}`.
#[derive(Debug)]
pub struct AlgoliaError {
    status: StatusCode,
    message: String,
}

impl AlgoliaError {
    fn bad_request(message: impl Into<String>) -> Self {
        AlgoliaError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<SearchError> for AlgoliaError {
    fn from(e: SearchError) -> Self {
        let status = match e {
            SearchError::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            SearchError::NotFound(_) => StatusCode::NOT_FOUND,
            SearchError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        AlgoliaError {
            status,
            message: e.to_string(),
        }
    }
}

impl From<super::ApiError> for AlgoliaError {
    fn from(e: super::ApiError) -> Self {
        AlgoliaError {
            status: e.status(),
            message: e.to_string(),
        }
    }
}

impl From<PathRejection> for AlgoliaError {
    fn from(rejection: PathRejection) -> Self {
        super::ApiError::from(rejection).into()
    }
}

/// A body axum could not read (over its 2 MB limit), in Algolia's shape
/// instead of axum's plain text.
impl From<BytesRejection> for AlgoliaError {
    fn from(rejection: BytesRejection) -> Self {
        AlgoliaError {
            status: rejection.status(),
            message: rejection.body_text(),
        }
    }
}

impl IntoResponse for AlgoliaError {
    fn into_response(self) -> Response {
        let body = json!({ "message": self.message, "status": self.status.as_u16() });
        (self.status, Json(body)).into_response()
    }
}

/// The body of a multi-query request.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documents the shape for OpenAPI; the body is parsed leniently
pub struct MultiQueryBody {
    /// `{"indexName": "measures", "params": "query=…&facets=…"}`; `params`
    /// may also be an object.
    requests: Vec<serde_json::Value>,
}

/// `POST /1/indexes/*/queries`.
#[utoipa::path(
    post,
    path = "/1/indexes/{index}/queries",
    tag = "algolia",
    summary = "Algolia multi-query (InstantSearch): params `query`, `page`, `hitsPerPage`, `facets`, `facetFilters`, `numericFilters` (year, year_from, year_to), `highlightPreTag`, `highlightPostTag`, `maxValuesPerFacet`",
    params(("index" = String, Path, description = "`*`")),
    request_body = MultiQueryBody,
    responses(
        (status = 200, description = "`{\"results\": [...]}`, one Algolia search result per request", body = serde_json::Value),
        (status = 400, description = "`{\"message\": …, \"status\": 400}`", body = serde_json::Value),
    )
)]
pub async fn multi_query(
    State(state): State<std::sync::Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AlgoliaError> {
    let body = parse_body(&body?)?;
    let requests = body
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| AlgoliaError::bad_request("the body needs a \"requests\" array"))?
        .clone();
    let queries = requests
        .iter()
        .map(|r| {
            check_index(r.get("indexName").and_then(Value::as_str).unwrap_or(""))?;
            Query::parse(r.get("params").cloned().unwrap_or(Value::Null))
        })
        .collect::<Result<Vec<Query>, AlgoliaError>>()?;
    run(&state, move |s| {
        let results = queries
            .iter()
            .map(|q| q.answer(s))
            .collect::<Result<Vec<Value>, AlgoliaError>>()?;
        Ok(json!({ "results": results }))
    })
    .await
}

/// `POST /1/indexes/{index}/query`.
#[utoipa::path(
    post,
    path = "/1/indexes/{index}/query",
    tag = "algolia",
    summary = "Algolia single-index query; the body is `{\"params\": …}` or the parameters themselves",
    params(("index" = String, Path, description = "`measures`")),
    request_body = serde_json::Value,
    responses(
        (status = 200, description = "One Algolia search result", body = serde_json::Value),
        (status = 400, body = serde_json::Value),
        (status = 404, description = "Unknown index", body = serde_json::Value),
    )
)]
pub async fn single_query(
    State(state): State<std::sync::Arc<AppState>>,
    index: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AlgoliaError> {
    let Path(index) = index?;
    check_index(&index)?;
    let body: Value = parse_body(&body?)?;
    let query = Query::parse(body.get("params").cloned().unwrap_or(body))?;
    run(&state, move |s| query.answer(s)).await
}

/// `POST /1/indexes/{index}/facets/{facet}/query`: facet value search.
#[utoipa::path(
    post,
    path = "/1/indexes/{index}/facets/{facet}/query",
    tag = "algolia",
    summary = "Algolia facet value search: `facetQuery`, `maxFacetHits` and the search parameters",
    params(
        ("index" = String, Path, description = "`measures`"),
        ("facet" = String, Path, description = "town, period, category or region"),
    ),
    request_body = serde_json::Value,
    responses(
        (status = 200, description = "`{\"facetHits\": [{\"value\", \"highlighted\", \"count\"}], …}`", body = serde_json::Value),
        (status = 400, body = serde_json::Value),
        (status = 404, body = serde_json::Value),
    )
)]
pub async fn facet_query(
    State(state): State<std::sync::Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AlgoliaError> {
    let Path((index, facet)) = path?;
    check_index(&index)?;
    let body: Value = parse_body(&body?)?;
    let query = Query::parse(body.get("params").cloned().unwrap_or(body))?;
    run(&state, move |s| {
        let started = Instant::now();
        let prefix = query.params.query_text("facetQuery")?;
        let max = query.params.number("maxFacetHits", 10, 1, 100)?;
        let values = s.facet_values(&facet, &prefix, &query.request)?;
        let hits: Vec<Value> = values
            .iter()
            .take(max)
            .map(|v| {
                json!({
                    "value": v.value,
                    "highlighted": highlight_prefix(&v.value, &prefix, &query.pre_tag, &query.post_tag),
                    "count": v.count,
                })
            })
            .collect();
        Ok(json!({
            "facetHits": hits,
            "exhaustiveFacetsCount": true,
            "processingTimeMS": started.elapsed().as_millis() as u64,
        }))
    })
    .await
}

/// Algolia's JS client sends JSON as text/plain or form-encoded to skip the
/// CORS preflight, so a body is parsed whatever its content type; an empty
/// one is an empty object.
fn parse_body(body: &Bytes) -> Result<Value, AlgoliaError> {
    if body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(body)
        .map_err(|e| AlgoliaError::bad_request(format!("the body is not JSON: {e}")))
}

fn check_index(name: &str) -> Result<(), AlgoliaError> {
    if name == INDEX_NAME {
        Ok(())
    } else {
        Err(AlgoliaError {
            status: StatusCode::NOT_FOUND,
            message: format!("Index {name:?} does not exist; the index is called {INDEX_NAME:?}"),
        })
    }
}

async fn run<F>(state: &AppState, work: F) -> Result<Json<Value>, AlgoliaError>
where
    F: FnOnce(&Searcher) -> Result<Value, AlgoliaError> + Send + 'static,
{
    with_searcher(state, move |s| Ok(work(s))).await?.map(Json)
}

/// Algolia parameters, from a URL-encoded string or a JSON object. In the
/// string form every value is text, and arrays are JSON text.
struct Params {
    map: Map<String, Value>,
    /// The parameters as the client sent them, echoed in `params`.
    original: String,
}

impl Params {
    fn parse(params: Value) -> Result<Params, AlgoliaError> {
        match params {
            Value::Null => Ok(Params {
                map: Map::new(),
                original: String::new(),
            }),
            Value::String(encoded) => Ok(Params {
                map: form_urlencoded::parse(encoded.as_bytes())
                    .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                    .collect(),
                original: encoded,
            }),
            Value::Object(map) => {
                let original = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(map.iter().map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                        )
                    }))
                    .finish();
                Ok(Params { map, original })
            }
            other => Err(AlgoliaError::bad_request(format!(
                "params must be a string or an object, got {other}"
            ))),
        }
    }

    fn text(&self, name: &str) -> String {
        match self.map.get(name) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    /// The text of `name`, a query's, checked under that name: the search
    /// would name its own field (`q`).
    fn query_text(&self, name: &'static str) -> Result<String, AlgoliaError> {
        let text = self.text(name);
        check_query(&text, name)?;
        Ok(text)
    }

    fn number(
        &self,
        name: &str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, AlgoliaError> {
        let value = match self.map.get(name) {
            None | Some(Value::Null) => return Ok(default),
            Some(Value::Number(n)) => n.as_u64().map(|n| n as usize),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(default),
            Some(Value::String(s)) => s.trim().parse().ok(),
            Some(_) => None,
        };
        value.filter(|n| (min..=max).contains(n)).ok_or_else(|| {
            AlgoliaError::bad_request(format!(
                "{name} must be a whole number from {min} to {max}, got {}",
                self.text(name)
            ))
        })
    }

    /// A list parameter: a JSON array (nested one level for filters), JSON
    /// text of one, or comma-separated text.
    fn list(&self, name: &str) -> Result<Vec<Vec<String>>, AlgoliaError> {
        let value = match self.map.get(name) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::String(s)) if s.trim_start().starts_with('[') => serde_json::from_str(s)
                .map_err(|e| {
                    AlgoliaError::bad_request(format!("{name} is not a valid JSON array: {e}"))
                })?,
            Some(Value::String(s)) => Value::Array(
                s.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::String(p.to_owned()))
                    .collect(),
            ),
            Some(other) => other.clone(),
        };
        let bad = || {
            AlgoliaError::bad_request(format!(
                "{name} must be an array of strings or of arrays of strings"
            ))
        };
        match value {
            Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(vec![s]),
                    Value::Array(inner) => inner
                        .into_iter()
                        .map(|v| v.as_str().map(str::to_owned).ok_or_else(bad))
                        .collect(),
                    _ => Err(bad()),
                })
                .collect(),
            Value::String(s) => Ok(vec![vec![s]]),
            _ => Err(bad()),
        }
    }
}

/// One query of a multi-query request, translated.
struct Query {
    params: Params,
    request: SearchRequest,
    page: usize,
    hits_per_page: usize,
    /// Facets whose counts the client asked for.
    facets: Vec<Facet>,
    max_values_per_facet: usize,
    pre_tag: String,
    post_tag: String,
}

impl Query {
    fn parse(params: Value) -> Result<Query, AlgoliaError> {
        let params = Params::parse(params)?;
        if !params.text("filters").trim().is_empty() {
            return Err(AlgoliaError::bad_request(
                "filters (the expression syntax) is not supported; use facetFilters and numericFilters",
            ));
        }
        let hits_per_page = params.number("hitsPerPage", DEFAULT_HITS_PER_PAGE, 0, MAX_LIMIT)?;
        let page = params.number("page", 0, 0, MAX_OFFSET)?;
        if page * hits_per_page > MAX_OFFSET {
            return Err(AlgoliaError::bad_request(format!(
                "page × hitsPerPage must be at most {MAX_OFFSET}"
            )));
        }
        let mut conditions = facet_conditions(&params.list("facetFilters")?)?;
        conditions.extend(numeric_conditions(&params.list("numericFilters")?)?);
        let facets = requested_facets(&params.list("facets")?)?;
        let tag = |name: &str, default: &str| {
            Some(params.text(name))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Ok(Query {
            request: SearchRequest {
                q: params.query_text("query")?,
                conditions,
                limit: hits_per_page,
                offset: page * hits_per_page,
                ..SearchRequest::default()
            },
            page,
            hits_per_page,
            facets,
            max_values_per_facet: params.number("maxValuesPerFacet", 100, 1, 1000)?,
            pre_tag: tag("highlightPreTag", DEFAULT_PRE_TAG),
            post_tag: tag("highlightPostTag", DEFAULT_POST_TAG),
            params,
        })
    }

    fn answer(&self, searcher: &Searcher) -> Result<Value, AlgoliaError> {
        let response = searcher.search(&self.request)?;
        Ok(self.result(response))
    }

    fn result(&self, response: SearchResponse) -> Value {
        let hits: Vec<Value> = response
            .hits
            .iter()
            .map(|hit| {
                let value = hit.highlight.replace("<mark>", &self.pre_tag).replace("</mark>", &self.post_tag);
                let matched = matched_words(&hit.highlight);
                let words_matched: usize = matched.iter().map(|m| m.split_whitespace().count()).sum();
                let level = if matched.is_empty() {
                    "none"
                } else if words_matched >= self.request.q.split_whitespace().count() {
                    "full"
                } else {
                    "partial"
                };
                json!({
                    "objectID": hit.id,
                    "id": hit.id,
                    "towns": hit.towns,
                    "region": hit.region,
                    "period": hit.period,
                    "categories": hit.categories,
                    "text": hit.text,
                    "_highlightResult": {
                        "text": {
                            "value": value,
                            "matchLevel": level,
                            "fullyHighlighted": hit.highlight.starts_with("<mark>") && hit.highlight.ends_with("</mark>") && matched.len() == 1,
                            "matchedWords": matched,
                        }
                    },
                    "_rankingInfo": { "score": hit.score },
                })
            })
            .collect();
        let mut facets = Map::new();
        for facet in &self.facets {
            let counts: Map<String, Value> = response
                .facets
                .of(*facet)
                .take(self.max_values_per_facet)
                .map(|c| (c.value.to_owned(), json!(c.count)))
                .collect();
            facets.insert(facet.name().to_owned(), Value::Object(counts));
        }
        let pages = if self.hits_per_page == 0 {
            0
        } else {
            response.total.div_ceil(self.hits_per_page as u64)
        };
        json!({
            "hits": hits,
            "nbHits": response.total,
            "page": self.page,
            "nbPages": pages,
            "hitsPerPage": self.hits_per_page,
            "facets": facets,
            "exhaustiveFacetsCount": true,
            "exhaustiveNbHits": true,
            "exhaustive": { "facetsCount": true, "nbHits": true },
            "processingTimeMS": response.took_ms.round() as u64,
            "query": response.query,
            "params": self.params.original,
            "index": INDEX_NAME,
        })
    }
}

/// The facet `attribute` names, in `parameter` (`facets`, `facetFilters`).
fn facet_of(parameter: &str, attribute: &str) -> Result<Facet, AlgoliaError> {
    Facet::from_name(attribute).ok_or_else(|| {
        AlgoliaError::bad_request(format!(
            "{parameter}: unknown facet attribute {attribute:?}; facets are town, period, category, region"
        ))
    })
}

/// `["*"]` or names: the facets to count.
fn requested_facets(list: &[Vec<String>]) -> Result<Vec<Facet>, AlgoliaError> {
    let names: Vec<&str> = list.iter().flatten().map(String::as_str).collect();
    if names.contains(&"*") {
        return Ok(Facet::ALL.to_vec());
    }
    names
        .into_iter()
        .map(|name| facet_of("facets", name))
        .collect()
}

/// `facetFilters`: the outer list is AND, an inner list OR;
/// `attribute:value` matches, `attribute:-value` excludes.
fn facet_conditions(list: &[Vec<String>]) -> Result<Vec<Vec<Condition>>, AlgoliaError> {
    list.iter()
        .map(|any| {
            any.iter()
                .map(|filter| {
                    let (attribute, value) = filter.split_once(':').ok_or_else(|| {
                        AlgoliaError::bad_request(format!(
                            "facetFilters: {filter:?} is not attribute:value"
                        ))
                    })?;
                    let (value, negated) = match value.strip_prefix('-') {
                        Some(rest) => (rest, true),
                        None => (
                            value.strip_prefix("\\-").map_or(value, |_| &value[1..]),
                            false,
                        ),
                    };
                    Ok(Condition::Facet {
                        facet: facet_of("facetFilters", attribute.trim())?,
                        value: value.trim().to_owned(),
                        negated,
                    })
                })
                .collect()
        })
        .collect()
}

/// `numericFilters` on `year_from`, `year_to` and `year` (the period covers
/// it): `year_from<=2012`, `year=2013`, `year_to!=2014`.
fn numeric_conditions(list: &[Vec<String>]) -> Result<Vec<Vec<Condition>>, AlgoliaError> {
    const OPERATORS: [(&str, Comparison); 6] = [
        ("<=", Comparison::LessOrEqual),
        (">=", Comparison::GreaterOrEqual),
        ("!=", Comparison::NotEqual),
        ("<", Comparison::Less),
        (">", Comparison::Greater),
        ("=", Comparison::Equal),
    ];
    list.iter()
        .map(|any| {
            any.iter()
                .map(|filter| {
                    let bad = || AlgoliaError::bad_request(format!("numericFilters: {filter:?} is not attribute<op>year with attribute year, year_from or year_to"));
                    let (symbol, op) = OPERATORS.iter().find(|(symbol, _)| filter.contains(symbol)).ok_or_else(bad)?;
                    let (attribute, value) = filter.split_once(symbol).ok_or_else(bad)?;
                    let bound = match attribute.trim() {
                        "year" => YearBound::Covers,
                        "year_from" => YearBound::From,
                        "year_to" => YearBound::To,
                        _ => return Err(bad()),
                    };
                    let value: u16 = value.trim().parse().map_err(|_| bad())?;
                    Ok(Condition::Year { bound, op: *op, value })
                })
                .collect()
        })
        .collect()
}

/// The text inside each `<mark>` of a highlight.
fn matched_words(highlight: &str) -> Vec<String> {
    highlight
        .split("<mark>")
        .skip(1)
        .filter_map(|part| {
            part.split_once("</mark>")
                .map(|(inside, _)| inside.to_owned())
        })
        .collect()
}

/// `value` with the beginning of each word that starts with `prefix`
/// (folded) wrapped in the tags.
fn highlight_prefix(value: &str, prefix: &str, pre: &str, post: &str) -> String {
    use crate::ingest::text::fold;
    let prefix = fold(prefix.trim());
    if prefix.is_empty() {
        return value.to_owned();
    }
    let mut out = String::new();
    for (i, word) in value.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let folded = fold(word);
        if folded.starts_with(&prefix) {
            let cut = word
                .char_indices()
                .nth(prefix.chars().count())
                .map_or(word.len(), |(i, _)| i);
            out.push_str(&format!("{pre}{}{post}{}", &word[..cut], &word[cut..]));
        } else {
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_from_a_string_and_from_an_object() {
        let q = Query::parse(Value::String(
            "query=bydleni&hitsPerPage=5&page=1&facets=%5B%22town%22%2C%22category%22%5D&facetFilters=%5B%5B%22town%3AKada%C5%88%22%2C%22town%3AKrupka%22%5D%2C%22category%3A-bydleni%22%5D&numericFilters=year%3D2012".into(),
        ))
        .unwrap();
        assert_eq!(
            (q.request.q.as_str(), q.request.limit, q.request.offset),
            ("bydleni", 5, 5)
        );
        assert_eq!(q.facets, [Facet::Town, Facet::Category]);
        assert_eq!(q.request.conditions.len(), 3);
        assert_eq!(
            q.request.conditions[1],
            [Condition::Facet {
                facet: Facet::Category,
                value: "bydleni".into(),
                negated: true
            }]
        );
        assert_eq!(
            q.request.conditions[2],
            [Condition::Year {
                bound: YearBound::Covers,
                op: Comparison::Equal,
                value: 2012
            }]
        );

        let q = Query::parse(json!({"query": "x", "facets": ["*"], "facetFilters": [["region:ustecky"]], "numericFilters": ["year_from>=2011"]})).unwrap();
        assert_eq!(q.facets.len(), 4);
        assert_eq!(q.request.conditions.len(), 2);
    }

    #[test]
    fn bad_params_are_400s() {
        for params in [
            "facetFilters=%5B%22mesto%3AKadan%22%5D",
            "numericFilters=price%3E3",
            "hitsPerPage=1000",
            "filters=town%3AKadan",
            "facetFilters=%5Bx",
        ] {
            let error = Query::parse(Value::String(params.into()))
                .err()
                .unwrap_or_else(|| panic!("{params}"));
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{params}");
        }
    }

    #[test]
    fn facet_hits_are_highlighted_by_prefix() {
        assert_eq!(
            highlight_prefix("Kutná Hora", "hor", "<em>", "</em>"),
            "Kutná <em>Hor</em>a"
        );
        assert_eq!(
            highlight_prefix("Kadaň", "kadan", "<em>", "</em>"),
            "<em>Kadaň</em>"
        );
    }
}
