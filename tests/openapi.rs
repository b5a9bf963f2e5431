//! `/openapi.json` against the real responses: every documented path is
//! called, and every response body is checked against the schema the
//! document gives for its status.

mod common;

use serde_json::Value;

/// Resolves `{"$ref": "#/components/schemas/X"}` in `doc`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(
                doc,
                doc.pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling {reference}")),
            )
        }
        None => schema,
    }
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

/// The JSON Schema subset utoipa emits: `$ref`, `type` (or a list of
/// types), `properties`, `required`, `items`, `oneOf`/`anyOf`/`allOf`,
/// `minimum`. Collects every mismatch with its path.
fn validate(doc: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(any) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
    {
        let ok = any.iter().any(|s| {
            let mut e = Vec::new();
            validate(doc, s, value, path, &mut e);
            e.is_empty()
        });
        if !ok {
            errors.push(format!("{path}: matches none of the alternatives: {value}"));
        }
        return;
    }
    for s in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        validate(doc, s, value, path, errors);
    }
    match schema.get("type") {
        Some(Value::String(t)) if !type_matches(t, value) => {
            errors.push(format!("{path}: expected {t}, got {value}"))
        }
        Some(Value::Array(ts)) if !ts.iter().any(|t| type_matches(t.as_str().unwrap(), value)) => {
            errors.push(format!("{path}: expected one of {ts:?}, got {value}"))
        }
        _ => {}
    }
    if let (Some(min), Some(n)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) && n < min
    {
        errors.push(format!("{path}: {n} is below the minimum {min}"));
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = required.as_str().unwrap();
            if !object.contains_key(name) {
                errors.push(format!("{path}: required property {name} is missing"));
            }
        }
        if let Some(properties) = properties {
            for (name, field) in object {
                match properties.get(name) {
                    Some(field_schema) => {
                        validate(doc, field_schema, field, &format!("{path}.{name}"), errors)
                    }
                    None => errors.push(format!("{path}: property {name} is not documented")),
                }
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            validate(doc, items, item, &format!("{path}[{i}]"), errors);
        }
    }
}

/// The documented schema of `method path` for `status`, or panics.
fn response_schema<'a>(doc: &'a Value, method: &str, path: &str, status: u16) -> &'a Value {
    let operation = &doc["paths"][path][method];
    assert!(operation.is_object(), "{method} {path} is not documented");
    let response = &operation["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path} does not document status {status}"
    );
    &response["content"]["application/json"]["schema"]
}

#[tokio::test]
async fn real_responses_match_the_document() {
    let data = common::data_copy();
    let s = common::TestServer::start(data.path(), Some("tok")).await;
    let (status, doc) = s.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

    let gets: &[(&str, &str)] = &[
        ("/search", "/search?q=prostupne%20bydleni&town=Kada%C5%88"),
        ("/search", "/search"),
        ("/search", "/search?limit=abc"),
        ("/search", "/search?category=sport"),
        ("/measures/{id}", "/measures/2011-2014-kadan-07"),
        ("/measures/{id}", "/measures/nic"),
        ("/facets", "/facets"),
        ("/facets/{facet}", "/facets/town?q=kad"),
        ("/facets/{facet}", "/facets/mesto"),
        ("/suggest", "/suggest?q=prost"),
        ("/suggest", "/suggest?limit=0"),
        ("/health", "/health"),
        ("/openapi.json", "/openapi.json"),
    ];
    let mut errors = Vec::new();
    let mut covered = std::collections::BTreeSet::new();
    for (documented, url) in gets {
        let (status, body) = s.get(url).await;
        let schema = response_schema(&doc, "get", documented, status);
        validate(&doc, schema, &body, url, &mut errors);
        covered.insert(format!("get {documented}"));
    }
    for (token, expected) in [(Some("tok"), 200), (Some("bad"), 401)] {
        let (status, body) = s.reindex(token).await;
        assert_eq!(status, expected);
        validate(
            &doc,
            response_schema(&doc, "post", "/admin/reindex", status),
            &body,
            "reindex",
            &mut errors,
        );
    }
    covered.insert("post /admin/reindex".to_owned());
    let metrics = s.send(reqwest::Method::GET, "/metrics").await;
    assert_eq!(metrics.status(), 200);
    assert!(doc["paths"]["/metrics"]["get"]["responses"]["200"].is_object());
    covered.insert("get /metrics".to_owned());
    let algolia = [
        (
            "/1/indexes/{index}/queries",
            "/1/indexes/*/queries",
            r#"{"requests":[{"indexName":"measures","params":"query=bydleni"}]}"#,
        ),
        (
            "/1/indexes/{index}/query",
            "/1/indexes/measures/query",
            r#"{"params":"query=bydleni"}"#,
        ),
        (
            "/1/indexes/{index}/facets/{facet}/query",
            "/1/indexes/measures/facets/town/query",
            r#"{"facetQuery":"kad"}"#,
        ),
    ];
    for (documented, url, body) in algolia {
        let response = s
            .client
            .post(format!("{}{url}", s.base))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert_eq!(status, 200, "{url}");
        let body: Value = response.json().await.unwrap();
        validate(
            &doc,
            response_schema(&doc, "post", documented, status),
            &body,
            url,
            &mut errors,
        );
        covered.insert(format!("post {documented}"));
    }
    assert!(
        errors.is_empty(),
        "responses that do not match the document:\n{}",
        errors.join("\n")
    );

    // Every documented operation was exercised, and every route is documented.
    let documented: std::collections::BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{method} {path}"))
        })
        .collect();
    assert_eq!(documented, covered);
}

#[test]
fn the_validator_catches_mismatches() {
    let doc = serde_json::json!({"components": {"schemas": {"A": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 0}}}}}});
    let schema = serde_json::json!({"$ref": "#/components/schemas/A"});
    let mut errors = Vec::new();
    validate(
        &doc,
        &schema,
        &serde_json::json!({"n": 1}),
        "ok",
        &mut errors,
    );
    assert!(errors.is_empty());
    validate(
        &doc,
        &schema,
        &serde_json::json!({"n": -1, "x": 2}),
        "bad",
        &mut errors,
    );
    validate(
        &doc,
        &schema,
        &serde_json::json!({"n": "1"}),
        "bad",
        &mut errors,
    );
    validate(&doc, &schema, &serde_json::json!({}), "bad", &mut errors);
    assert_eq!(errors.len(), 4, "{errors:?}");
}
