//! Ranking and highlighting of the search stage on the bundled reports.

mod common;

use opatreni::search::{Hit, SearchRequest, Searcher};
use std::path::Path;

fn search(searcher: &Searcher, q: &str) -> Vec<Hit> {
    let request = SearchRequest {
        q: q.to_owned(),
        limit: 20,
        ..SearchRequest::default()
    };
    searcher.search(&request).unwrap().hits.to_vec()
}

fn ids(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| &*h.id).collect()
}

fn highlight_of<'a>(hits: &'a [Hit], id: &str) -> &'a str {
    &hits
        .iter()
        .find(|h| *h.id == *id)
        .unwrap_or_else(|| panic!("{id} not found"))
        .highlight
}

#[test]
fn the_exact_form_ranks_above_a_stemmed_one() {
    let (s, _dir) = common::bundled_searcher();
    let hits = search(&s, "školních psychologů");
    let top = ids(&hits);
    assert_eq!(
        top[..2]
            .iter()
            .filter(|id| ["2011-2014-kolin-02", "2011-2014-hodonin-02"].contains(id))
            .count(),
        2,
        "{top:?}"
    );
    assert_eq!(top[2], "2011-2014-sokolov-02", "{top:?}");
    let hits = search(&s, "školní psychologové");
    assert_eq!(ids(&hits)[0], "2011-2014-sokolov-02");
}

#[test]
fn the_whole_query_ranks_above_one_of_its_words() {
    let (s, _dir) = common::bundled_searcher();
    let hits = search(&s, "prevence kriminality");
    let with_phrase = hits.iter().take_while(|h| {
        h.text.contains("prevence kriminality") || h.text.contains("Prevence kriminality")
    });
    assert!(with_phrase.count() >= 8, "{:?}", ids(&hits));
    let first_partial = hits
        .iter()
        .position(|h| !h.text.to_lowercase().contains("prevence kriminality"))
        .unwrap();
    assert!(hits[first_partial].score < hits[first_partial - 1].score);
    assert!(
        hits[first_partial..]
            .iter()
            .all(|h| !h.text.to_lowercase().contains("prevence kriminality"))
    );
}

#[test]
fn synonyms_match_and_are_marked_both_ways() {
    let (s, _dir) = common::bundled_searcher();
    let hits = search(&s, "OSPOD");
    assert_eq!(
        highlight_of(&hits, "2011-2014-hodonin-05"),
        "navýšení počtu pracovníků <mark>OSPODu</mark> o 4 pracovníky"
    );
    let hits = search(&s, "APK");
    assert_eq!(hits.len(), 5, "{:?}", ids(&hits));
    assert!(
        highlight_of(&hits, "2011-2014-kadan-21")
            .contains("<mark>asistentů prevence kriminality</mark>")
    );
    let hits = search(&s, "orgán sociálně-právní ochrany dětí");
    assert_eq!(ids(&hits)[0], "2011-2014-hodonin-05");
    let hits = search(&s, "zs");
    assert!(
        ids(&hits).contains(&"2011-2014-kolin-03"),
        "{:?}",
        ids(&hits)
    );
    assert!(highlight_of(&hits, "2011-2014-kolin-03").contains("<mark>ZŠ</mark> Lipanská"));
}

#[test]
fn typos_are_corrected_and_marked() {
    let (s, _dir) = common::bundled_searcher();
    let hits = search(&s, "psycholgové");
    assert_eq!(ids(&hits)[0], "2011-2014-sokolov-02");
    assert!(
        hits[0].highlight.contains("<mark>psychologové</mark>"),
        "{}",
        hits[0].highlight
    );
    let hits = search(&s, "prostupne bydelni");
    assert!(
        ids(&hits)[..3].contains(&"2011-2014-kadan-07"),
        "{:?}",
        ids(&hits)
    );
    assert!(highlight_of(&hits, "2011-2014-kadan-07").contains("<mark>prostupného bydlení</mark>"));
    // A word the index knows is never "corrected" into another.
    let hits = search(&s, "bydlení");
    assert!(
        hits.iter()
            .all(|h| h.highlight.contains("<mark>bydlení</mark>")
                || h.highlight.contains("<mark>Bydlení</mark>")
                || h.text.contains("byd")),
        "{:?}",
        ids(&hits)
    );
}

#[test]
fn derived_words_help_without_flooding() {
    let (s, _dir) = common::bundled_searcher();
    let hits = search(&s, "poradna");
    assert_eq!(ids(&hits)[0], "2011-2014-kadan-16");
    assert!(
        ids(&hits).contains(&"2011-2014-kadan-22"),
        "poradenství: {:?}",
        ids(&hits)
    );
    let hits = search(&s, "školství");
    assert_eq!(ids(&hits)[0], "2010-2013-kutna-hora-03");
    assert!(hits.len() > 5, "škola, školní, školách share the root");
    // A root match ranks below every stem match.
    let hits = search(&s, "podnikání");
    assert_eq!(
        ids(&hits)[..2],
        ["2010-2013-bruntal-04", "2011-2014-sokolov-04"]
    );
}

#[test]
fn without_diacritics_any_case() {
    let (s, _dir) = common::bundled_searcher();
    for q in [
        "nizkoprahove zarizeni pro deti",
        "NÍZKOPRAHOVÉ ZAŘÍZENÍ PRO DĚTI",
        "nízkoprahového zařízení",
    ] {
        let hits = search(&s, q);
        assert!(
            ids(&hits)[..2].contains(&"2011-2014-krupka-02"),
            "{q}: {:?}",
            ids(&hits)
        );
    }
    let hits = search(&s, "děti");
    for id in ["2011-2014-kadan-08", "2011-2014-kadan-11"] {
        // "dětí", "dětí"
        assert!(ids(&hits).contains(&id), "{id}: {:?}", ids(&hits));
    }
}

#[test]
fn suggestions_come_from_the_index_with_the_corpus_spelling() {
    let (s, _dir) = common::bundled_searcher();
    let texts = |q: &str| -> Vec<String> {
        s.suggest(q, 8)
            .unwrap()
            .into_iter()
            .map(|s| s.text)
            .collect()
    };
    let prost = s.suggest("prost", 8).unwrap();
    assert_eq!(prost[0].text, "prostupného");
    assert_eq!(prost[0].count, 7);
    assert!(
        texts("prost").contains(&"prostupného bydlení".to_owned()),
        "{:?}",
        texts("prost")
    );
    // Typed without diacritics, or with others.
    assert_eq!(texts("prošt")[0], "prostupného");
    assert_eq!(texts("PROSTUPNE")[0], "prostupného");
    // Earlier words narrow the measures counted, and are kept as typed.
    let narrowed = s.suggest("asistent prev", 8).unwrap();
    assert!(
        narrowed.iter().all(|s| s.text.starts_with("asistent prev")),
        "{narrowed:?}"
    );
    assert!(
        narrowed
            .iter()
            .any(|s| s.text == "asistent prevence kriminality"),
        "{narrowed:?}"
    );
    // After a space: the words that follow, in any case of the last one.
    assert!(
        texts("prostupne ").contains(&"prostupného bydlení".to_owned()),
        "{:?}",
        texts("prostupne ")
    );
    assert!(texts("xyzzy").is_empty());
    assert!(texts("").is_empty());
}

/// The whole collection is answered from the listing and cached counts;
/// it must equal what the executor computes for a query that happens to
/// match everything.
#[test]
fn the_listing_shortcut_equals_the_executor() {
    let (s, _dir) = common::bundled_searcher();
    for offset in [0, 10, 105] {
        let request = |q: &str| SearchRequest {
            q: q.to_owned(),
            limit: 10,
            offset,
            ..SearchRequest::default()
        };
        let listed = s.search(&request("")).unwrap();
        let collected = s.search(&request("-xyzzy")).unwrap();
        assert_eq!(listed.total, 113);
        assert_eq!(listed.total, collected.total);
        assert_eq!(listed.facets, collected.facets);
        assert_eq!(ids(&listed.hits), ids(&collected.hits), "offset {offset}");
    }
}

/// A request is kept the second time it is asked (most are asked once, as
/// a person types), and answered from the cache from then on, the same.
#[test]
fn a_repeated_request_is_answered_from_the_cache_with_the_same_result() {
    let (s, _dir) = common::bundled_searcher();
    let request = SearchRequest {
        q: "prostupne bydleni".into(),
        ..SearchRequest::default()
    };
    assert!(s.cached(&request).is_none());
    let first = s.search(&request).unwrap();
    assert!(s.cached(&request).is_none(), "asked once, not kept");
    s.search(&request).unwrap();
    let again = s.cached(&request).expect("kept when asked again");
    assert_eq!(ids(&again.hits), ids(&first.hits));
    assert_eq!((again.total, &again.facets), (first.total, &first.facets));
    let other = SearchRequest {
        offset: 1,
        ..request.clone()
    };
    assert!(s.cached(&other).is_none(), "another page is another answer");
}

/// The JSON the searcher writes by hand for `/search` is, byte for byte,
/// what serde's derived serialiser writes for the same answer: for every
/// judged query, as typed and without diacritics, alone, filtered, on a
/// later page and with no hits asked for, and for the whole collection; an
/// answer searched again without the cache (`fresh_json`), or kept and
/// written again, differs only in its `took_ms`.
#[test]
fn answers_are_written_as_serde_json_writes_them() {
    let (s, _dir) = common::bundled_searcher();
    let mut written = 0;
    for q in judged_queries().into_iter().chain([String::new()]) {
        for q in [opatreni::ingest::text::fold(&q), q] {
            for (region, offset, limit) in [
                (None, 0, 10),
                (Some("ustecky"), 0, 100),
                (None, 5, 10),
                (None, 0, 0),
            ] {
                let mut request = SearchRequest {
                    q: q.clone(),
                    offset,
                    limit,
                    ..SearchRequest::default()
                };
                request.filters.region.extend(region.map(String::from));
                let json = s.search_json(&request).unwrap();
                // Searched again without looking in the cache, as the
                // server searches after its own look: the same answer,
                // and now kept.
                let fresh = s.fresh_json(&request).unwrap();
                let mut answer = s.cached(&request).expect("kept when asked again");
                let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
                let mut fresh: serde_json::Value = serde_json::from_slice(&fresh).unwrap();
                fresh["took_ms"] = parsed["took_ms"].clone();
                assert_eq!(fresh, parsed, "{request:?}");
                answer.took_ms = parsed["took_ms"].as_f64().unwrap();
                assert_eq!(
                    String::from_utf8(json).unwrap(),
                    serde_json::to_string(&answer).unwrap(),
                    "{request:?}"
                );
                let again = s.cached_json(&request).expect("kept");
                let again: serde_json::Value = serde_json::from_slice(&again).unwrap();
                let mut first = parsed;
                first["took_ms"] = again["took_ms"].clone();
                assert_eq!(again, first, "{request:?}");
                written += usize::from(!answer.hits.is_empty());
            }
        }
    }
    assert!(written > 300, "only {written} answers had hits");
}

/// What a searcher keeps from one search for the next (plans by query,
/// terms, shown measures, answers) never changes an answer: two searchers
/// of one index, asked the same requests in opposite orders, answer each
/// alike. The requests are every judged query as typed and without its
/// diacritics (whose plans differ only in the exact forms' weight), alone,
/// filtered by region and on the second page: the same query text with
/// other filters or another page, which from its third request on takes
/// its plan from the cache.
#[test]
fn answers_do_not_depend_on_what_was_asked_before() {
    let (first, dir) = common::bundled_searcher();
    let second = Searcher::open(opatreni::index::open(dir.path()).unwrap()).unwrap();
    let mut requests = Vec::new();
    for q in judged_queries() {
        for q in [opatreni::ingest::text::fold(&q), q] {
            for (region, offset) in [(None, 0), (Some("ustecky"), 0), (None, 5)] {
                let mut request = SearchRequest {
                    q: q.clone(),
                    offset,
                    ..SearchRequest::default()
                };
                request.filters.region.extend(region.map(String::from));
                requests.push(request);
            }
        }
    }
    let answer = |s: &Searcher, r: &SearchRequest| {
        let a = s.search(r).unwrap();
        let hits: Vec<(String, f64, String)> = a
            .hits
            .iter()
            .map(|h| (h.id.to_string(), h.score, h.highlight.clone()))
            .collect();
        (hits, a.total, a.facets)
    };
    let forward: Vec<_> = requests.iter().map(|r| answer(&first, r)).collect();
    let backward: Vec<_> = requests.iter().rev().map(|r| answer(&second, r)).collect();
    for (request, (f, b)) in requests
        .iter()
        .zip(forward.iter().zip(backward.iter().rev()))
    {
        assert_eq!(f, b, "{request:?}");
    }
    assert!(forward.iter().filter(|(hits, ..)| !hits.is_empty()).count() > requests.len() / 2);
}

/// A page's measures are read side by side when several are not cached,
/// and taken from the cache of shown measures when they are: either way
/// each hit shows its own measure, highlighted for this query.
#[test]
fn hits_read_side_by_side_show_the_same_as_hits_from_the_cache() {
    let (s, _dir) = common::bundled_searcher();
    let request = |q: &str, offset| SearchRequest {
        q: q.into(),
        limit: 20,
        offset,
        ..SearchRequest::default()
    };
    // Read: nothing has been shown yet.
    let read = s.search_uncached(&request("sociální bydlení", 0)).unwrap();
    assert!(read.hits.len() >= 10, "{} hits", read.hits.len());
    // Another query that shows the same measures, now from the cache.
    s.search_uncached(&request("bydlení", 0)).unwrap();
    let cached = s.search_uncached(&request("sociální bydlení", 0)).unwrap();
    let shown = |r: &opatreni::search::SearchResponse| -> Vec<(String, String, String)> {
        r.hits
            .iter()
            .map(|h| (h.id.to_string(), h.text.to_string(), h.highlight.clone()))
            .collect()
    };
    assert_eq!(shown(&read), shown(&cached));
    for hit in read.hits.iter() {
        assert_eq!(s.measure(&hit.id).unwrap().text, *hit.text, "{}", hit.id);
        assert!(
            hit.highlight.contains("<mark>"),
            "{}: {}",
            hit.id,
            hit.highlight
        );
    }
}

/// A larger collection made from the bundled one: each measure several
/// times, its text joined with another's, so that scores differ.
fn larger_searcher(copies: usize) -> (Searcher, tempfile::TempDir) {
    let (generation, dir) = larger_generation(copies);
    (Searcher::open(generation).unwrap(), dir)
}

fn larger_generation(copies: usize) -> (opatreni::index::Generation, tempfile::TempDir) {
    let data = common::data_dir();
    let mut corpus = opatreni::ingest::import(&data).unwrap();
    let base = corpus.measures.clone();
    corpus.measures = (0..base.len() * copies)
        .map(|i| {
            let mut m = base[i % base.len()].clone();
            m.id = format!("{}-{i}", m.id);
            let other = &base[(i * 7 + i / base.len()) % base.len()];
            m.text = format!("{} {}", m.text, other.text);
            m
        })
        .collect();
    let text = std::fs::read_to_string(data.join("synonyms.txt")).unwrap();
    let synonyms = opatreni::analysis::Synonyms::parse(&text, Path::new("synonyms.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let source = opatreni::index::Source {
        corpus: &corpus,
        synonyms: &synonyms,
        synonyms_text: &text,
        data_fingerprint: "test",
    };
    let generation =
        opatreni::index::build(&source, opatreni::analysis::Chains::SHIPPED, dir.path()).unwrap();
    (generation, dir)
}

/// The bundled collection is merged into one segment (each segment costs a
/// search its own lookups), while the larger one keeps the several that
/// tantivy's threads wrote, which the test below needs.
#[test]
fn a_small_collection_is_one_segment_and_a_larger_one_several() {
    let segments = |copies| {
        let (generation, _dir) = larger_generation(copies);
        generation.index.searchable_segment_ids().unwrap().len()
    };
    assert_eq!(segments(1), 1);
    assert!(segments(20) > 1, "2,260 measures in one segment");
}

/// The judged queries, and a few with a phrase, an exclusion and a
/// synonym.
fn judged_queries() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/queries.toml");
    let judged: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    judged["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["q"].as_str().unwrap().to_owned())
        .chain(
            [
                "\"prostupné bydlení\" Kadaň",
                "sociální -bydlení",
                "TSP Sokolov",
            ]
            .map(String::from),
        )
        .collect()
}

/// Champion lists (each ranking's best measures, kept) give the hits and
/// scores that scoring every hit gives, whatever filters leave of them,
/// for every judged query and on several pages: where a list cannot tell,
/// the search walks the postings instead.
#[test]
fn champion_lists_rank_as_scoring_every_hit() {
    use opatreni::search::execute::Strategy;
    let (s, _dir) = larger_searcher(20);
    let mut compared = 0;
    for q in &judged_queries() {
        for (filters, offset) in [
            (opatreni::search::Filters::default(), 0),
            (opatreni::search::Filters::default(), 40),
            (
                opatreni::search::Filters {
                    region: vec!["ustecky".into()],
                    ..Default::default()
                },
                0,
            ),
            (
                opatreni::search::Filters {
                    town: vec!["Kadaň".into()],
                    ..Default::default()
                },
                0,
            ),
        ] {
            let request = SearchRequest {
                q: q.to_owned(),
                filters,
                limit: 20,
                offset,
                ..SearchRequest::default()
            };
            let ranked = |strategy| -> Vec<(String, f64)> {
                s.search_with_strategy(&request, strategy)
                    .unwrap()
                    .hits
                    .iter()
                    .map(|h| (h.id.to_string(), h.score))
                    .collect()
            };
            let each = ranked(Strategy::ScoreEach);
            assert_eq!(ranked(Strategy::Champions), each, "{q} {request:?}");
            compared += usize::from(!each.is_empty());
        }
    }
    assert!(compared > 300, "only {compared} requests had hits");
    let [_, (what, lists, bytes)] = s.kept();
    assert_eq!(what, "champion_lists");
    assert!(
        lists > 20 && bytes > 0,
        "{lists} lists built, {bytes} bytes"
    );
}

/// The pruned ranking (MaxScore, those with every word first) finds the
/// same best hits in the same order as scoring every hit, for every
/// judged query, unfiltered and filtered, on a collection large enough to
/// have several segments; totals and facet counts are the same too.
#[test]
fn pruned_ranking_equals_scoring_every_hit() {
    use opatreni::search::execute::Strategy;
    let (s, _dir) = larger_searcher(20);
    let mut compared = 0;
    for q in &judged_queries() {
        for filters in [
            opatreni::search::Filters::default(),
            opatreni::search::Filters {
                region: vec!["ustecky".into()],
                period: vec!["2011-2014".into()],
                ..Default::default()
            },
        ] {
            let request = SearchRequest {
                q: q.to_owned(),
                filters,
                limit: 20,
                ..SearchRequest::default()
            };
            let each = s
                .search_with_strategy(&request, Strategy::ScoreEach)
                .unwrap();
            let pruned = s.search_with_strategy(&request, Strategy::Prune).unwrap();
            assert_eq!(each.total, pruned.total, "{q}");
            assert_eq!(each.facets, pruned.facets, "{q}");
            // Scores are summed in the same order either way, so even
            // ties come out in the same (listing) order.
            let ranked = |r: &opatreni::search::SearchResponse| -> Vec<(String, f64)> {
                r.hits.iter().map(|h| (h.id.to_string(), h.score)).collect()
            };
            assert_eq!(ranked(&each), ranked(&pruned), "{q}");
            compared += usize::from(each.total > 0);
        }
    }
    assert!(compared > 150, "only {compared} queries had hits");
}
