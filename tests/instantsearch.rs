//! The real Algolia JavaScript client and algoliasearch-helper (the engine
//! of InstantSearch.js), installed from the npm registry, against the real
//! server: a multi-select disjunctive refinement round trip, checked against
//! what `/search` answers for the same question.
//!
//! Without Node.js and npm the test says it is skipped, unless
//! `OPATRENI_REQUIRE_NODE=1` (as CI sets it) makes that a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const PACKAGES: [&str; 2] = ["algoliasearch@4", "algoliasearch-helper@3"];

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `node_modules` with the client and the helper, installed once per
/// target directory.
fn node_modules() -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("instantsearch-npm");
    let modules = dir.join("node_modules");
    if modules.join("algoliasearch-helper").exists() && modules.join("algoliasearch").exists() {
        return Ok(modules);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let output = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&dir)
        .args(PACKAGES)
        .output()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "npm install failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(modules)
}

fn skip_or_fail(why: &str) {
    if std::env::var("OPATRENI_REQUIRE_NODE").is_ok_and(|v| v == "1") {
        panic!("the InstantSearch test is required but cannot run: {why}");
    }
    eprintln!("skipped: {why}");
}

fn counts(facet: &Value) -> Vec<(String, u64)> {
    let mut counts: Vec<(String, u64)> = facet
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let name = v
                .get("name")
                .or_else(|| v.get("value"))
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned();
            (name, v["count"].as_u64().unwrap())
        })
        .collect();
    counts.sort();
    counts
}

#[tokio::test]
async fn algoliasearch_helper_refines_two_towns_disjunctively() {
    if !have("node") || !have("npm") {
        return skip_or_fail("Node.js and npm are not installed");
    }
    let modules = match node_modules() {
        Ok(modules) => modules,
        Err(why) => return skip_or_fail(&why),
    };
    let server = common::TestServer::start(&common::data_dir(), None).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/instantsearch/roundtrip.js");
    let base = server.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(base)
            .env("NODE_PATH", modules)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(
        output.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run: Value = serde_json::from_slice(&output.stdout).unwrap();

    let q = "q=prostupne%20bydleni";
    let (_, plain) = server.get(&format!("/search?{q}&limit=100")).await;
    let (_, two_towns) = server
        .get(&format!(
            "/search?{q}&town=Kada%C5%88&town=Jirkov&limit=100"
        ))
        .await;
    let (_, housing) = server
        .get(&format!(
            "/search?{q}&town=Kada%C5%88&town=Jirkov&category=bydleni&limit=100"
        ))
        .await;

    assert_eq!(run["plain"]["nbHits"], plain["total"]);
    let refined = &run["refined"];
    assert_eq!(refined["nbHits"], two_towns["total"]);
    assert!(refined["nbHits"].as_u64().unwrap() >= 2);
    // The town facet still offers every town, with its count for the query:
    // the helper's extra query without the town refinement.
    assert_eq!(counts(&refined["town"]), counts(&plain["facets"]["town"]));
    let ticked: Vec<&str> = refined["town"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["refined"] == true)
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(ticked, ["Jirkov", "Kadaň"]);
    // Other facets count only the refined towns' measures.
    assert_eq!(
        counts(&refined["category"]),
        counts(&two_towns["facets"]["category"])
    );
    for hit in refined["hits"].as_array().unwrap() {
        let towns = hit["towns"].as_array().unwrap();
        assert!(
            towns.contains(&"Kadaň".into()) || towns.contains(&"Jirkov".into()),
            "{hit}"
        );
    }
    let kadan = refined["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "2011-2014-kadan-07")
        .unwrap();
    assert!(
        kadan["highlight"]
            .as_str()
            .unwrap()
            .contains("<em>prostupného bydlení</em>"),
        "{kadan}"
    );

    // A second disjunctive facet: AND across facets.
    let both = &run["twoFacets"];
    assert_eq!(both["nbHits"], housing["total"]);
    assert_eq!(
        counts(&both["town"]),
        counts(
            &server
                .get(&format!("/search?{q}&category=bydleni&limit=0"))
                .await
                .1["facets"]["town"]
        )
    );
}
