//! Retrieval quality on the judged query set (`tests/fixtures/queries.toml`):
//! nDCG@10 and recall@10 per query class, for the search as it ships, for
//! the same search with each other stemmer, and for the baseline a user
//! would otherwise pick (tantivy's default tokenizer with ASCII folding and
//! its query parser).
//!
//! The test fails when the shipped search falls below 0.90 nDCG@10 overall
//! or 0.80 in any class. Run `cargo test --test eval -- --nocapture` to see
//! the table that the README quotes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use opatreni::analysis::{Chains, StemmerKind, Synonyms};
use opatreni::index::{self, Source};
use opatreni::ingest;
use opatreni::search::{SearchRequest, Searcher};
use serde::Deserialize;
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{Index, TantivyDocument, doc};

#[derive(Deserialize)]
struct Judgements {
    query: Vec<Judged>,
}

#[derive(Deserialize)]
struct Judged {
    q: String,
    class: String,
    relevant: BTreeMap<String, u32>,
}

fn judgements() -> Vec<Judged> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/queries.toml");
    let text = std::fs::read_to_string(path).unwrap();
    toml::from_str::<Judgements>(&text).unwrap().query
}

/// nDCG@10 with graded gains 2^g - 1 and the log2 discount.
fn ndcg_at_10(ranked: &[String], relevant: &BTreeMap<String, u32>) -> f64 {
    let gain = |g: u32| f64::from((1u32 << g) - 1);
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, id)| gain(*relevant.get(id).unwrap_or(&0)) / (i as f64 + 2.0).log2())
        .sum();
    let mut ideal: Vec<u32> = relevant.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, &g)| gain(g) / (i as f64 + 2.0).log2())
        .sum();
    dcg / idcg
}

/// Relevant measures in the top 10, out of as many as could fit there.
fn recall_at_10(ranked: &[String], relevant: &BTreeMap<String, u32>) -> f64 {
    let found = ranked
        .iter()
        .take(10)
        .filter(|id| relevant.contains_key(*id))
        .count();
    found as f64 / relevant.len().min(10) as f64
}

/// Mean nDCG@10 and recall@10 per class, and overall (over all queries).
struct Scores {
    by_class: BTreeMap<String, (f64, f64, usize)>,
    overall: (f64, f64),
    /// (nDCG@10, class, query) of every query, worst first.
    per_query: Vec<(f64, String, String)>,
}

fn evaluate(search: impl Fn(&str) -> Vec<String>) -> Scores {
    let mut by_class: BTreeMap<String, (f64, f64, usize)> = BTreeMap::new();
    let (mut ndcg_sum, mut recall_sum, mut n) = (0.0, 0.0, 0);
    let mut per_query = Vec::new();
    for judged in judgements() {
        let ranked = search(&judged.q);
        let (ndcg, recall) = (
            ndcg_at_10(&ranked, &judged.relevant),
            recall_at_10(&ranked, &judged.relevant),
        );
        per_query.push((ndcg, judged.class.clone(), judged.q.clone()));
        let entry = by_class.entry(judged.class).or_default();
        entry.0 += ndcg;
        entry.1 += recall;
        entry.2 += 1;
        ndcg_sum += ndcg;
        recall_sum += recall;
        n += 1;
    }
    for entry in by_class.values_mut() {
        entry.0 /= entry.2 as f64;
        entry.1 /= entry.2 as f64;
    }
    per_query.sort_by(|a, b| a.0.total_cmp(&b.0));
    Scores {
        by_class,
        overall: (ndcg_sum / n as f64, recall_sum / n as f64),
        per_query,
    }
}

fn searcher_with(stemmer: StemmerKind, dir: &Path) -> Searcher {
    let data = common::data_dir();
    let corpus = ingest::import(&data).unwrap();
    let synonyms_text = std::fs::read_to_string(data.join(index::SYNONYMS_FILE)).unwrap();
    let synonyms = Synonyms::parse(&synonyms_text, Path::new(index::SYNONYMS_FILE)).unwrap();
    let source = Source {
        corpus: &corpus,
        synonyms: &synonyms,
        synonyms_text: &synonyms_text,
        data_fingerprint: "eval",
    };
    Searcher::open(index::build(&source, Chains::Czech(stemmer), dir).unwrap()).unwrap()
}

fn ours(searcher: &Searcher, q: &str) -> Vec<String> {
    let request = SearchRequest {
        q: q.to_owned(),
        limit: 10,
        ..SearchRequest::default()
    };
    searcher
        .search(&request)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id.to_string())
        .collect()
}

/// What a user of tantivy would build first: the default tokenizer with
/// ASCII folding, and the query parser in lenient mode.
struct Baseline {
    index: Index,
    parser: QueryParser,
    id: tantivy::schema::Field,
}

impl Baseline {
    fn build() -> Self {
        let mut schema = Schema::builder();
        let id = schema.add_text_field("id", STRING | STORED);
        let indexing = TextFieldIndexing::default()
            .set_tokenizer("default_folded")
            .set_index_option(tantivy::schema::IndexRecordOption::WithFreqsAndPositions);
        let text = schema.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(indexing),
        );
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(
            "default_folded",
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        );
        let mut writer = index.writer::<TantivyDocument>(50_000_000).unwrap();
        for m in ingest::import(&common::data_dir()).unwrap().measures {
            writer
                .add_document(doc!(id => m.id, text => m.text))
                .unwrap();
        }
        writer.commit().unwrap();
        let parser = QueryParser::for_index(&index, vec![text]);
        Baseline { index, parser, id }
    }

    fn search(&self, q: &str) -> Vec<String> {
        let (query, _) = self.parser.parse_query_lenient(q);
        let searcher = self.index.reader().unwrap().searcher();
        let top = searcher
            .search(&query, &TopDocs::with_limit(10).order_by_score())
            .unwrap();
        top.into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address).unwrap();
                doc.get_first(self.id).unwrap().as_str().unwrap().to_owned()
            })
            .collect()
    }
}

fn table(rows: &[(String, Scores)]) -> String {
    let classes: Vec<String> = rows[0].1.by_class.keys().cloned().collect();
    let mut out = String::from("| engine | overall |");
    for class in &classes {
        out.push_str(&format!(" {class} |"));
    }
    out.push_str("\n| --- | --- |");
    out.push_str(&" --- |".repeat(classes.len()));
    for (name, scores) in rows {
        out.push_str(&format!(
            "\n| {name} | {:.3} / {:.3} |",
            scores.overall.0, scores.overall.1
        ));
        for class in &classes {
            let (ndcg, recall, _) = scores.by_class[class];
            out.push_str(&format!(" {ndcg:.3} / {recall:.3} |"));
        }
    }
    out
}

#[test]
fn judged_queries_meet_the_quality_bar() {
    let judged = judgements();
    assert!(judged.len() >= 60, "at least 60 judged queries");
    for class in [
        "exact",
        "folded",
        "inflected",
        "abbreviation",
        "typo",
        "derived",
    ] {
        assert!(
            judged.iter().filter(|j| j.class == class).count() >= 10,
            "class {class}"
        );
    }

    let mut rows = Vec::new();
    let dirs: Vec<tempfile::TempDir> = StemmerKind::ALL
        .iter()
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    for (kind, dir) in StemmerKind::ALL.iter().zip(&dirs) {
        let searcher = searcher_with(*kind, dir.path());
        let name = if *kind == StemmerKind::FoldedLight {
            format!("opatreni ({}, shipped)", kind.name())
        } else {
            format!("opatreni with {} stemmer", kind.name())
        };
        rows.push((name, evaluate(|q| ours(&searcher, q))));
    }
    let baseline = Baseline::build();
    rows.push((
        "tantivy default + ASCII folding".to_owned(),
        evaluate(|q| baseline.search(q)),
    ));
    println!(
        "nDCG@10 / recall@10 on {} judged queries\n{}",
        judged.len(),
        table(&rows)
    );

    let shipped = &rows[0].1;
    println!("\nweakest queries of the shipped search (nDCG@10):");
    for (ndcg, class, q) in shipped.per_query.iter().take(12) {
        println!("  {ndcg:.3}  {class:<12}  {q}");
    }
    assert!(
        shipped.overall.0 >= 0.90,
        "overall nDCG@10 {:.3} < 0.90",
        shipped.overall.0
    );
    for (class, (ndcg, _, _)) in &shipped.by_class {
        assert!(*ndcg >= 0.80, "class {class}: nDCG@10 {ndcg:.3} < 0.80");
    }
    let baseline = &rows.last().unwrap().1;
    assert!(
        shipped.overall.0 > baseline.overall.0,
        "the Czech chain beats the baseline"
    );
}

#[test]
fn metrics_are_computed_as_defined() {
    let relevant: BTreeMap<String, u32> = [("a".to_owned(), 3), ("b".to_owned(), 1)].into();
    let ranked = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!((ndcg_at_10(&ranked(&["a", "b"]), &relevant) - 1.0).abs() < 1e-9);
    assert!(ndcg_at_10(&ranked(&["b", "a"]), &relevant) < 1.0);
    assert_eq!(ndcg_at_10(&ranked(&["x"]), &relevant), 0.0);
    assert_eq!(recall_at_10(&ranked(&["a", "x"]), &relevant), 0.5);
}
