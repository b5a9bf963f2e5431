//! The HTTP API, end to end: the real router on a real port, over an index
//! built on disk from the bundled reports, called with a real HTTP client.

mod common;

use std::collections::BTreeMap;

use common::{TestServer, data_dir, facet, ids};
use opatreni::ingest;

async fn server() -> TestServer {
    TestServer::start(&data_dir(), Some("s3cret")).await
}

#[tokio::test]
async fn search_finds_prostupne_bydleni_without_diacritics_and_marks_it() {
    let s = server().await;
    let (status, body) = s.get("/search?q=prostupne%20bydleni").await;
    assert_eq!(status, 200);
    assert_eq!(body["query"], "prostupne bydleni");
    let top: Vec<String> = ids(&body).into_iter().take(3).collect();
    for id in [
        "2011-2014-kadan-07",
        "2011-2014-hodonin-01",
        "2010-2013-jirkov-02",
    ] {
        assert!(
            top.contains(&id.to_owned()),
            "{id} not in the top 3: {top:?}"
        );
    }
    let kadan = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "2011-2014-kadan-07")
        .unwrap();
    assert_eq!(
        kadan["highlight"],
        "zajištění tréninkového stupně <mark>prostupného bydlení</mark> (10 bytů I. kategorie) a otevřená cesta zpět do Kadaně"
    );
    assert_eq!(kadan["towns"], serde_json::json!(["Kadaň"]));
    assert_eq!(kadan["region"], "ustecky");
    assert_eq!(kadan["period"], "2011-2014");
    assert_eq!(kadan["categories"], serde_json::json!(["bydleni"]));
    assert!(kadan["score"].as_f64().unwrap() > 0.0);
    assert!(body["took_ms"].as_f64().is_some());
    assert!(body["total"].as_u64().unwrap() >= 3);
    // Whole-phrase matches rank above measures with one of the words.
    let scores: Vec<f64> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["score"].as_f64().unwrap())
        .collect();
    assert!(scores[2] > scores[3] * 2.0, "{scores:?}");
}

#[tokio::test]
async fn inflected_and_folded_forms_are_highlighted() {
    let s = server().await;
    let (_, body) = s.get("/search?q=skolni%20psycholog").await;
    let top: Vec<String> = ids(&body).into_iter().take(3).collect();
    assert_eq!(top.len(), 3);
    for id in [
        "2011-2014-sokolov-02",
        "2011-2014-hodonin-02",
        "2011-2014-kolin-02",
    ] {
        assert!(top.contains(&id.to_owned()), "{id}: {top:?}");
    }
    let highlights: Vec<&str> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["highlight"].as_str().unwrap())
        .collect();
    assert!(
        highlights
            .iter()
            .any(|h| h.contains("<mark>školní psychologové</mark>")),
        "{highlights:?}"
    );
    assert!(
        highlights
            .iter()
            .any(|h| h.contains("<mark>školních psychologů</mark>")),
        "{highlights:?}"
    );

    // A typo is found and marked.
    let (_, body) = s.get("/search?q=kriminaity").await;
    assert!(body["total"].as_u64().unwrap() >= 5);
    assert!(
        body["hits"][0]["highlight"]
            .as_str()
            .unwrap()
            .contains("<mark>kriminality</mark>")
    );
}

#[tokio::test]
async fn facet_counts_are_disjunctive() {
    let s = server().await;
    let corpus = ingest::import(&data_dir()).unwrap();
    let (_, all) = s.get("/search?limit=0").await;
    assert_eq!(all["total"], 113);
    let (status, kadan) = s.get("/search?town=Kada%C5%88&limit=100").await;
    assert_eq!(status, 200);
    assert_eq!(kadan["total"], 22);
    // The town facet ignores the town filter: every town, with its full count.
    assert_eq!(facet(&kadan, "town"), facet(&all, "town"));
    assert!(facet(&kadan, "town").len() > 10);
    // The other facets count only Kadaň's measures.
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for m in corpus
        .measures
        .iter()
        .filter(|m| m.towns.contains(&"Kadaň".to_owned()))
    {
        for c in &m.categories {
            *expected.entry(c.clone()).or_default() += 1;
        }
    }
    let got: BTreeMap<String, u64> = facet(&kadan, "category").into_iter().collect();
    assert_eq!(got, expected);
    assert_eq!(facet(&kadan, "region"), [("ustecky".to_owned(), 22)]);
    assert_eq!(kadan["facets"]["region"][0]["label"], "Ústecký kraj");
    // Most frequent first, ties by value.
    let towns = facet(&all, "town");
    assert!(
        towns
            .windows(2)
            .all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0)),
        "{towns:?}"
    );
    assert_eq!(towns[0], ("Kadaň".to_owned(), 22));
}

#[tokio::test]
async fn filters_or_within_a_facet_and_across_facets() {
    let s = server().await;
    let (_, both) = s.get("/search?town=kadan&town=KRUPKA&limit=100").await;
    assert_eq!(both["total"], 28);
    let (_, housing) = s
        .get("/search?town=kadan&town=krupka&category=bydleni&limit=100")
        .await;
    let hits = housing["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    for hit in hits {
        assert!(
            hit["categories"]
                .as_array()
                .unwrap()
                .contains(&"bydleni".into())
        );
        assert!(
            hit["towns"] == serde_json::json!(["Kadaň"])
                || hit["towns"] == serde_json::json!(["Krupka"])
        );
    }
    assert_eq!(housing["total"].as_u64().unwrap() as usize, hits.len());
    let (_, region) = s.get("/search?region=karlovarsky&limit=0").await;
    assert_eq!(region["total"], 6 + 3 + 4); // Sokolov, Jáchymov, Teplá a Toužim
    let (_, period) = s.get("/search?period=2010-2013&limit=0").await;
    assert_eq!(period["total"], 54);
    // A town that has no measures matches nothing, and is not an error.
    let (status, none) = s.get("/search?town=Brno").await;
    assert_eq!((status, none["total"].as_u64()), (200, Some(0)));
}

#[tokio::test]
async fn year_selects_the_periods_that_cover_it() {
    let s = server().await;
    for (year, total) in [(2010, 54), (2012, 113), (2013, 113), (2014, 59), (2009, 0)] {
        let (status, body) = s.get(&format!("/search?year={year}&limit=0")).await;
        assert_eq!(
            (status, body["total"].as_u64().unwrap()),
            (200, total),
            "year {year}"
        );
    }
}

#[tokio::test]
async fn empty_query_lists_everything_by_period_town_and_id_with_paging() {
    let s = server().await;
    let (_, first) = s.get("/search?limit=100").await;
    let (_, rest) = s.get("/search?limit=100&offset=100").await;
    assert_eq!(first["total"], 113);
    let mut all = ids(&first);
    all.extend(ids(&rest));
    assert_eq!(all.len(), 113);
    let corpus = ingest::import(&data_dir()).unwrap();
    let mut expected: Vec<&ingest::Measure> = corpus.measures.iter().collect();
    expected.sort_by_key(|m| {
        (
            m.period.clone(),
            ingest::text::fold(&m.towns[0]),
            m.id.clone(),
        )
    });
    let expected: Vec<String> = expected.iter().map(|m| m.id.clone()).collect();
    assert_eq!(all, expected);
    assert_eq!(all[0], "2010-2013-bilina-01");
    let (_, page) = s.get("/search?limit=5&offset=10").await;
    assert_eq!(ids(&page), expected[10..15]);
    assert_eq!(page["hits"][0]["highlight"], page["hits"][0]["text"]);
}

#[tokio::test]
async fn query_syntax_for_people() {
    let s = server().await;
    // A phrase in quotes is required as a phrase.
    let (_, phrase) = s
        .get("/search?q=%22prostupn%C3%A9%20zam%C4%9Bstn%C3%A1v%C3%A1n%C3%AD%22&limit=100")
        .await;
    assert_eq!(phrase["total"], 4);
    // -word excludes.
    let (_, housing) = s.get("/search?q=bydleni&limit=100").await;
    let (_, without) = s.get("/search?q=bydleni%20-prostupne&limit=100").await;
    assert!(without["total"].as_u64() < housing["total"].as_u64());
    assert!(!ids(&without).contains(&"2011-2014-kadan-07".to_owned()));
    // Anything else is text, never an error.
    for junk in [
        "text:bydleni",
        "(bydleni",
        "bydl*",
        "bydleni~2",
        "a AND b",
        "%22",
        "%22bydleni",
        "-",
        "--",
        "%3C%3E%26",
        "%C2%A0",
        "\\",
    ] {
        let (status, body) = s.get(&format!("/search?q={junk}")).await;
        assert_eq!(status, 200, "{junk}: {body}");
    }
    let (_, lone) = s.get("/search?q=%22prostupne%20bydleni").await;
    assert!(ids(&lone).contains(&"2011-2014-kadan-07".to_owned()));
}

#[tokio::test]
async fn bad_parameters_are_400_naming_the_parameter() {
    let s = server().await;
    for (query, parameter) in [
        ("limit=abc", "limit"),
        ("limit=1000", "limit"),
        ("offset=x", "offset"),
        ("category=sport", "category"),
        ("region=bavorsko", "region"),
        ("year=abc", "year"),
        ("period=loni", "period"),
    ] {
        let (status, body) = s.get(&format!("/search?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["error"]["code"], "invalid_parameter", "{query}");
        assert_eq!(body["error"]["parameter"], parameter, "{query}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(parameter),
            "{query}: {body}"
        );
    }
    let long = "a".repeat(600);
    let (status, body) = s.get(&format!("/search?q={long}")).await;
    assert_eq!(
        (status, body["error"]["parameter"].as_str()),
        (400, Some("q"))
    );
    let (status, _) = s.get("/suggest?q=prost&limit=0").await;
    assert_eq!(status, 400);
    // A query's length is checked under the name it was sent as.
    for (query, parameter) in [("q", "q"), ("query", "query")] {
        let (status, body) = s.get(&format!("/facets/town?{query}={long}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["error"]["parameter"], parameter, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{parameter} is 600 characters long")),
            "{body}"
        );
    }
}

/// What axum itself refuses (a path segment that is not UTF-8, a method a
/// route does not take) answers in the API's JSON shape too, naming the
/// parameter at fault, not in axum's plain text or with an empty body.
#[tokio::test]
async fn refusals_before_a_handler_are_json_too() {
    let s = server().await;
    for (path, parameter) in [("/measures/%FF", "id"), ("/facets/%FF%FE", "facet")] {
        let (status, body) = s.get(path).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(body["error"]["code"], "invalid_parameter", "{path}");
        assert_eq!(body["error"]["parameter"], parameter, "{path}: {body}");
    }
    for (path, allowed) in [("/search", "GET,HEAD"), ("/measures/x", "GET,HEAD")] {
        let response = s.send(reqwest::Method::POST, path).await;
        assert_eq!(response.status(), 405, "{path}");
        assert_eq!(response.headers()["allow"], allowed, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed", "{path}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("does not take POST"),
            "{body}"
        );
    }
    let response = s.send(reqwest::Method::GET, "/admin/reindex").await;
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test]
async fn measures_by_id_and_404s() {
    let s = server().await;
    let (status, body) = s.get("/measures/2011-2014-kadan-07").await;
    assert_eq!(status, 200);
    let expected = ingest::import(&data_dir())
        .unwrap()
        .measure("2011-2014-kadan-07")
        .unwrap()
        .clone();
    assert_eq!(body, serde_json::to_value(expected).unwrap());
    for path in ["/measures/2011-2014-kadan-99", "/facets/mesto", "/nothing"] {
        let (status, body) = s.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
}

#[tokio::test]
async fn facets_and_facet_value_search() {
    let s = server().await;
    let (status, body) = s.get("/facets").await;
    assert_eq!(status, 200);
    let towns = facet(&body, "town");
    assert_eq!(towns.len(), 18);
    // The measures of "Teplá a Toužim" count for both towns, but one names Toužim alone.
    assert_eq!(towns.iter().map(|t| t.1).sum::<u64>(), 113 + 3);
    assert!(body["facets"]["category"][0]["label"].as_str().is_some());

    for prefix in ["kad", "kadan", "KADAŇ", "Kad"] {
        let (_, body) = s.get(&format!("/facets/town?q={prefix}")).await;
        assert_eq!(body["facet"], "town");
        assert_eq!(
            body["values"],
            serde_json::json!([{"value": "Kadaň", "count": 22}]),
            "{prefix}"
        );
    }
    let (_, hora) = s.get("/facets/town?q=hora").await;
    assert_eq!(hora["values"][0]["value"], "Kutná Hora");
    // Counts under the other filters.
    let (_, housing) = s.get("/facets/town?q=kad&category=bydleni").await;
    assert_eq!(housing["values"][0]["count"], 6);
    let (_, regions) = s.get("/facets/region?q=ust").await;
    assert_eq!(regions["values"][0]["value"], "ustecky");
    assert_eq!(regions["values"][0]["label"], "Ústecký kraj");
}

#[tokio::test]
async fn suggestions_keep_the_corpus_diacritics() {
    let s = server().await;
    let (status, body) = s.get("/suggest?q=prost").await;
    assert_eq!(status, 200);
    let texts: Vec<&str> = body["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(texts.contains(&"prostupného"), "{texts:?}");
    assert!(texts.contains(&"prostupného bydlení"), "{texts:?}");
    let (_, typed_without) = s.get("/suggest?q=skolni%20psych").await;
    let first = typed_without["suggestions"][0]["text"].as_str().unwrap();
    assert!(first.starts_with("skolni psycholog"), "{first}");
}

#[tokio::test]
async fn health_cors_and_gzip() {
    let s = server().await;
    let (status, health) = s.get("/health").await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["documents"], 113);
    assert_eq!(health["index_generation"], 1);
    assert!(health["built_at"].as_str().unwrap().ends_with('Z'));

    let plain = reqwest::Client::builder().no_gzip().build().unwrap();
    let response = plain
        .get(format!("{}/search?q=bydleni", s.base))
        .header("Origin", "https://frontend.example")
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let compressed = response.bytes().await.unwrap();
    assert_eq!(&compressed[..2], &[0x1f, 0x8b]); // the gzip magic number
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&compressed[..]),
        &mut unzipped,
    )
    .expect("a whole gzip stream");
    let mut unzipped: serde_json::Value = serde_json::from_slice(&unzipped).unwrap();
    let (_, mut answer) = s.get("/search?q=bydleni").await;
    assert!(answer["total"].as_u64().unwrap() > 0, "{answer}");
    for took in [&mut unzipped, &mut answer] {
        took["took_ms"] = serde_json::Value::Null;
    }
    assert_eq!(unzipped, answer, "gzipped, the same answer");
}

#[tokio::test]
async fn reindex_needs_the_token_and_refuses_broken_data() {
    let data = common::data_copy();
    let s = TestServer::start(data.path(), Some("s3cret")).await;
    let disabled = TestServer::start(data.path(), None).await;
    let (status, body) = disabled.reindex(Some("s3cret")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );

    let (status, body) = s.reindex(None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = s.reindex(Some("wrong")).await;
    assert_eq!(status, 401);
    let (status, body) = s.reindex(Some("s3cret")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["index_generation"], 2);
    assert_eq!(body["changes"]["added"], serde_json::json!([]));

    std::fs::write(
        data.path().join("reports/2015-2018.md"),
        "# Období červen 2015 – červen 2018\n\n### Ostrava\n\n- x\n",
    )
    .unwrap();
    let (status, body) = s.reindex(Some("s3cret")).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "invalid_data");
    let problems = body["error"]["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p
            .as_str()
            .unwrap()
            .starts_with("reports/2015-2018.md:3: town \"Ostrava\"")),
        "{problems:?}"
    );
    let (_, health) = s.get("/health").await;
    assert_eq!(
        (
            health["index_generation"].as_u64(),
            health["documents"].as_u64()
        ),
        (Some(2), Some(113))
    );
}

/// The README's `/search` example, run as it is written there: its
/// answer must be the one the README shows (total, top hit and its score,
/// highlight, the town facet's counts), so that a change in ranking or
/// counting cannot leave the documentation behind.
#[tokio::test]
async fn the_readme_search_example_answers_as_shown() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let (path, shown) = readme_example(&readme, "curl 'http://127.0.0.1:8080/search?");
    let s = server().await;
    let (status, body) = s.get(path).await;
    assert_eq!(status, 200, "{path}");
    let top = &body["hits"][0];
    assert_eq!(body["total"].as_f64(), Some(shown_number(shown, "total")));
    assert_eq!(top["id"].as_str(), Some(shown_string(shown, "id")));
    assert_eq!(top["score"].as_f64(), Some(shown_number(shown, "score")));
    assert_eq!(
        top["highlight"].as_str(),
        Some(shown_string(shown, "highlight"))
    );
    let towns_line = shown
        .lines()
        .find(|line| line.contains("\"town\": ["))
        .expect("the example shows the town facet");
    let shown_towns: Vec<(String, u64)> = towns_line
        .split("{\"value\": \"")
        .skip(1)
        .map(|entry| {
            let (value, rest) = entry.split_once('"').unwrap();
            (value.to_owned(), shown_number(rest, "count") as u64)
        })
        .collect();
    assert!(shown_towns.len() >= 3, "{towns_line}");
    assert_eq!(
        facet(&body, "town")[..shown_towns.len()],
        shown_towns[..],
        "the town facet's first values"
    );
}

/// The path of the README's example that starts with `command`, and the
/// JSON block shown after it.
fn readme_example<'r>(readme: &'r str, command: &str) -> (&'r str, &'r str) {
    let at = readme.find(command).expect("the README has the example");
    let line = readme[at..].lines().next().unwrap();
    let path = line
        .trim_start_matches("curl '")
        .trim_end_matches('\'')
        .trim_start_matches("http://127.0.0.1:8080");
    let json = &readme[at..];
    let start = json.find("```json\n").expect("a JSON block follows") + "```json\n".len();
    let end = start + json[start..].find("```").unwrap();
    (path, &json[start..end])
}

/// The number the shown JSON gives first for `key`.
fn shown_number(shown: &str, key: &str) -> f64 {
    let pattern = format!("\"{key}\": ");
    let at = shown
        .find(&pattern)
        .unwrap_or_else(|| panic!("no {key} in {shown}"))
        + pattern.len();
    let digits: String = shown[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("{key}: {digits:?}"))
}

/// The string the shown JSON gives first for `key`.
fn shown_string<'s>(shown: &'s str, key: &str) -> &'s str {
    let pattern = format!("\"{key}\": \"");
    let at = shown
        .find(&pattern)
        .unwrap_or_else(|| panic!("no {key} in {shown}"))
        + pattern.len();
    let end = at + shown[at..].find('"').unwrap();
    &shown[at..end]
}
