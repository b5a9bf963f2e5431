//! The Algolia-compatible API's filters and errors, and `/metrics`, over
//! real HTTP.

mod common;

use serde_json::{Value, json};

async fn algolia(s: &common::TestServer, path: &str, body: Value) -> (u16, Value) {
    let response = s
        .client
        .post(format!("{}{path}", s.base))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn first_result(s: &common::TestServer, params: Value) -> Value {
    let (status, body) = algolia(
        s,
        "/1/indexes/*/queries",
        json!({"requests": [{"indexName": "measures", "params": params}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["results"][0].clone()
}

#[tokio::test]
async fn algolia_filters_paging_and_errors() {
    let s = common::TestServer::start(&common::data_dir(), None).await;
    // Negation and AND of ORs.
    let all = first_result(&s, json!({"query": "", "hitsPerPage": 0})).await;
    assert_eq!(all["nbHits"], 113);
    let not_kadan = first_result(
        &s,
        json!({"hitsPerPage": 0, "facetFilters": ["town:-Kadaň"], "facets": ["town"]}),
    )
    .await;
    assert_eq!(not_kadan["nbHits"], 113 - 22);
    assert!(not_kadan["facets"]["town"].get("Kadaň").is_none());
    let ored = first_result(&s, json!({"hitsPerPage": 0, "facetFilters": [["town:Kadaň", "category:zdravi", "region:karlovarsky"]]})).await;
    assert_eq!(ored["nbHits"], 22 + 13);
    // Years: the period covers 2010 / starts in 2011 or later.
    let covers = first_result(
        &s,
        "numericFilters=%5B%22year%3D2010%22%5D&hitsPerPage=0".into(),
    )
    .await;
    assert_eq!(covers["nbHits"], 54);
    let later = first_result(
        &s,
        json!({"numericFilters": ["year_from>=2011"], "hitsPerPage": 0}),
    )
    .await;
    assert_eq!(later["nbHits"], 59);
    // Paging.
    let page = first_result(&s, json!({"query": "bydleni", "hitsPerPage": 3, "page": 1})).await;
    assert_eq!(
        (page["page"].as_u64(), page["hitsPerPage"].as_u64()),
        (Some(1), Some(3))
    );
    assert_eq!(page["hits"].as_array().unwrap().len(), 3);
    assert_eq!(
        page["nbPages"].as_u64().unwrap(),
        page["nbHits"].as_u64().unwrap().div_ceil(3)
    );
    assert_eq!(page["exhaustiveNbHits"], true);
    // Single-index query and facet value search.
    let (status, single) = algolia(
        &s,
        "/1/indexes/measures/query",
        json!({"params": "query=skolni%20psycholog&hitsPerPage=2"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        single["hits"][0]["_highlightResult"]["text"]["matchLevel"],
        "full"
    );
    let (_, facet_hits) = algolia(
        &s,
        "/1/indexes/measures/facets/town/query",
        json!({"params": "facetQuery=hora&highlightPreTag=%3Cb%3E&highlightPostTag=%3C%2Fb%3E"}),
    )
    .await;
    assert_eq!(
        facet_hits["facetHits"],
        json!([{"value": "Kutná Hora", "highlighted": "Kutná <b>Hora</b>", "count": 7}])
    );
    // Errors in Algolia's shape.
    for (path, body, status) in [
        (
            "/1/indexes/*/queries",
            json!({"requests": [{"indexName": "other"}]}),
            404,
        ),
        ("/1/indexes/*/queries", json!({"nothing": []}), 400),
        (
            "/1/indexes/*/queries",
            json!({"requests": [{"indexName": "measures", "params": {"facetFilters": ["mesto:X"]}}]}),
            400,
        ),
        ("/1/indexes/measures/facets/mesto/query", json!({}), 404),
    ] {
        let (got, body) = algolia(&s, path, body).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["status"], status);
        assert!(body["message"].as_str().is_some());
    }
    let response = s
        .client
        .post(format!("{}/1/indexes/*/queries", s.base))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

/// Every refusal on Algolia's routes has Algolia's shape and names the
/// parameter at fault as Algolia's clients send it, including what axum
/// refuses before a handler runs (a wrong method, a path segment that is
/// not UTF-8, a body over 2 MB) and paths that are no route.
#[tokio::test]
async fn algolia_refusals_name_what_was_wrong_in_algolias_shape() {
    let s = common::TestServer::start(&common::data_dir(), None).await;
    let long = "a".repeat(501);
    for (path, body, status, named) in [
        (
            "/1/indexes/measures/query",
            json!({"query": long}),
            400,
            "query",
        ),
        (
            "/1/indexes/measures/facets/town/query",
            json!({"facetQuery": long}),
            400,
            "facetQuery",
        ),
        (
            "/1/indexes/measures/query",
            json!({"facetFilters": ["mesto:X"]}),
            400,
            "facetFilters",
        ),
        (
            "/1/indexes/measures/query",
            json!({"facetFilters": ["town"]}),
            400,
            "facetFilters",
        ),
        (
            "/1/indexes/measures/query",
            json!({"numericFilters": ["year=99999"]}),
            400,
            "numericFilters",
        ),
        (
            "/1/indexes/measures/query",
            json!({"facets": ["mesto"]}),
            400,
            "facets",
        ),
        ("/1/indexes/%FF/query", json!({}), 400, "index"),
        (
            "/1/indexes/measures/nothing",
            json!({}),
            404,
            "no such endpoint",
        ),
    ] {
        let (got, answer) = algolia(&s, path, body).await;
        assert_eq!(got, status, "{path}: {answer}");
        assert_eq!(answer["status"], status, "{path}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(named), "{path}: {message}");
    }
    let response = s.send(reqwest::Method::GET, "/1/indexes/*/queries").await;
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], 405);
    let too_big = format!("{{\"query\": \"{}\"}}", "a".repeat(3 << 20));
    let response = s
        .client
        .post(format!("{}/1/indexes/measures/query", s.base))
        .body(too_big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], 413);
    assert!(answer["message"].as_str().unwrap().contains("length limit"));
}

#[tokio::test]
async fn metrics_count_requests_and_report_the_index() {
    let data = common::data_copy();
    let s = common::TestServer::start(data.path(), Some("tok")).await;
    for path in [
        "/search?q=bydleni",
        "/search?q=bydleni",
        "/search?limit=abc",
        "/measures/2011-2014-kadan-07",
    ] {
        s.get(path).await;
    }
    std::fs::write(data.path().join("reports/bad.md"), "# nic\n").unwrap();
    assert_eq!(s.reindex(Some("tok")).await.0, 422);
    let response = s.send(reqwest::Method::GET, "/metrics").await;
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    for line in [
        r#"opatreni_http_requests_total{route="/search",method="GET",status="200"} 2"#,
        r#"opatreni_http_requests_total{route="/search",method="GET",status="400"} 1"#,
        r#"opatreni_http_requests_total{route="/measures/{id}",method="GET",status="200"} 1"#,
        r#"opatreni_http_requests_total{route="/admin/reindex",method="POST",status="422"} 1"#,
        r#"opatreni_http_request_duration_seconds_count{route="/search"} 3"#,
        "opatreni_index_documents 113",
        "opatreni_index_generation 1",
        r#"opatreni_rebuilds_total{result="failure"} 1"#,
        r#"opatreni_rebuilds_total{result="success"} 0"#,
        "opatreni_last_rebuild_success 0",
        // A collection this small keeps neither: its terms are too rare.
        r#"opatreni_search_kept{what="dense_sets"} 0"#,
        r#"opatreni_search_kept_bytes{what="champion_lists"} 0"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    assert!(
        text.contains(
            "opatreni_http_request_duration_seconds_bucket{le=\"0.005\",route=\"/search\"}"
        ) || text.contains(
            "opatreni_http_request_duration_seconds_bucket{route=\"/search\",le=\"0.005\"}"
        ),
        "{text}"
    );
    assert!(text.trim_end().ends_with("# EOF"));
}
