//! What runs in a child process, one measurement each, so that its peak
//! memory is its own: `--child <mode> key=value …`. Each prints one line
//! `RESULT {json}` on stdout for the driver.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use opatreni::analysis::{self, Chains, Synonyms};
use opatreni::index::{self, Source};
use opatreni::ingest::Measure;
use opatreni::search::{Filters, SearchRequest, Searcher};
use serde_json::{Value, json};

use crate::synth::{BenchQuery, Material};

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

pub fn judged_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/queries.toml")
}

/// `key=value` arguments.
pub struct Args(BTreeMap<String, String>);

impl Args {
    pub fn parse(args: &[String]) -> Args {
        Args(
            args.iter()
                .filter_map(|a| a.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> &str {
        self.0
            .get(key)
            .unwrap_or_else(|| panic!("child: missing {key}="))
    }

    pub fn number(&self, key: &str) -> usize {
        self.get(key)
            .parse()
            .unwrap_or_else(|_| panic!("child: {key}= is not a number"))
    }
}

pub fn run(args: &[String]) {
    let mode = args.first().map(String::as_str).unwrap_or("");
    let kv = Args::parse(&args[1.min(args.len())..]);
    let result = match mode {
        "search" => search(
            kv.number("size"),
            match kv.get("chains") {
                "czech" => Chains::SHIPPED,
                "default" => Chains::TantivyDefault,
                other => panic!("child: unknown chains={other}"),
            },
            kv.number("queries"),
            Path::new(kv.get("dir")),
        ),
        "export" => export(
            kv.number("size"),
            kv.number("queries"),
            Path::new(kv.get("dir")),
        ),
        "profile" => profile(kv.number("size"), kv.number("sample")),
        "http" => http(
            Path::new(kv.get("dir")),
            kv.number("seconds"),
            kv.number("rounds"),
        ),
        other => panic!("child: unknown mode {other:?}"),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "RESULT {result}").expect("stdout");
}

/// A line of `/proc/self/status` in kB (`VmRSS`, `VmHWM`); 0 where there
/// is no procfs.
pub fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key) && l[key.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Bytes of every file under `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn synonyms() -> (Synonyms, String) {
    let path = data_dir().join(index::SYNONYMS_FILE);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let synonyms = Synonyms::parse(&text, Path::new(index::SYNONYMS_FILE))
        .unwrap_or_else(|p| panic!("synonyms: {p}"));
    (synonyms, text)
}

pub fn request(q: &BenchQuery) -> SearchRequest {
    SearchRequest {
        q: q.q.clone(),
        filters: Filters {
            town: q.town.iter().cloned().collect(),
            period: q.period.iter().cloned().collect(),
            ..Filters::default()
        },
        ..SearchRequest::default()
    }
}

/// p-th percentile (nearest rank) of sorted milliseconds.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn latencies(mut ms: Vec<f64>) -> Value {
    ms.sort_by(f64::total_cmp);
    let total: f64 = ms.iter().sum();
    json!({
        "n": ms.len(),
        "p50_ms": percentile(&ms, 50.0),
        "p95_ms": percentile(&ms, 95.0),
        "p99_ms": percentile(&ms, 99.0),
        "max_ms": ms.last().copied().unwrap_or(f64::NAN),
        "qps": ms.len() as f64 / (total / 1000.0),
    })
}

/// The generated measures of `size` and the query mix over them: the same
/// for every engine, so that their numbers compare.
fn corpus_and_mix(size: usize, queries: usize) -> (opatreni::ingest::Corpus, Vec<BenchQuery>) {
    let material = Material::load(&data_dir());
    let corpus = material.corpus(size);
    let mix = material.queries(
        &crate::synth::judged_queries(&judged_path()),
        &corpus.measures,
        queries,
    );
    (corpus, mix)
}

/// Builds an index of `size` measures with `chains` under `dir`, opens it
/// and runs the query mix twice, timing both runs.
fn search(size: usize, chains: Chains, queries: usize, dir: &Path) -> Value {
    let started = Instant::now();
    let (corpus, mix) = corpus_and_mix(size, queries);
    let vocabulary = vocabulary(&corpus.measures);
    let generate_s = started.elapsed().as_secs_f64();
    let (synonyms, synonyms_text) = synonyms();
    let rss_before_build_kb = status_kb("VmRSS");

    let started = Instant::now();
    let source = Source {
        corpus: &corpus,
        synonyms: &synonyms,
        synonyms_text: &synonyms_text,
        data_fingerprint: "bench",
    };
    let generation = index::build(&source, chains, dir).expect("index build");
    let build_s = started.elapsed().as_secs_f64();
    let peak_rss_kb = status_kb("VmHWM");
    let index_bytes = dir_bytes(&generation.path);
    // As a server does after a build: the imported records are gone.
    drop(corpus);

    let started = Instant::now();
    let searcher = Searcher::open(generation).expect("searcher");
    let open_s = started.elapsed().as_secs_f64();
    let rss_before_search_kb = status_kb("VmRSS");

    // The search itself, not the searcher's cache of recent answers (the
    // timed pass would otherwise only find the warm-up's answers there).
    // The first run of each query also fills what the searcher keeps
    // across searches (terms' tables, common words' sets, champion
    // lists): timed apart, as a freshly opened index serves.
    let requests: Vec<SearchRequest> = mix.iter().map(request).collect();
    let mut first = Vec::with_capacity(requests.len());
    for r in &requests {
        let t = Instant::now();
        std::hint::black_box(searcher.search_uncached(r).expect("search"));
        first.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut all = Vec::with_capacity(requests.len());
    let (mut filtered, mut unfiltered) = (Vec::new(), Vec::new());
    let mut hits_total = 0u64;
    let mut empty = 0usize;
    for (q, r) in mix.iter().zip(&requests) {
        let t = Instant::now();
        let response = searcher.search_uncached(r).expect("search");
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        std::hint::black_box(&response);
        hits_total += response.total;
        empty += usize::from(response.total == 0);
        all.push(ms);
        if q.town.is_some() {
            filtered.push(ms)
        } else {
            unfiltered.push(ms)
        }
    }
    // Once more without hits (limit 0): matching, scoring and the four
    // facets, without reading and highlighting the top 10.
    let mut counting = Vec::with_capacity(requests.len());
    for r in &requests {
        let r = SearchRequest {
            limit: 0,
            ..r.clone()
        };
        let t = Instant::now();
        std::hint::black_box(searcher.search_uncached(&r).expect("search"));
        counting.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    json!({
        "engine": chains.name(),
        "docs": size,
        "generate_s": generate_s,
        "vocabulary": vocabulary,
        "build_s": build_s,
        "docs_per_s": size as f64 / build_s,
        "index_bytes": index_bytes,
        "rss_before_build_kb": rss_before_build_kb,
        "peak_rss_kb": peak_rss_kb,
        "open_s": open_s,
        "rss_before_search_kb": rss_before_search_kb,
        "peak_rss_end_kb": status_kb("VmHWM"),
        "search": latencies(all),
        "first": latencies(first),
        "filtered": latencies(filtered),
        "unfiltered": latencies(unfiltered),
        "limit0": latencies(counting),
        "mean_total": hits_total as f64 / mix.len().max(1) as f64,
        "no_hits": empty,
    })
}

/// Distinct folded words of the measures' texts.
fn vocabulary(measures: &[Measure]) -> usize {
    let mut words = std::collections::HashSet::new();
    for m in measures {
        for w in opatreni::ingest::text::folded_words(&m.text) {
            if !words.contains(&w) {
                words.insert(w);
            }
        }
    }
    words.len()
}

/// Writes the measures of `size` and the query mix as JSON lines, for
/// Lucene.
fn export(size: usize, queries: usize, dir: &Path) -> Value {
    let (corpus, mix) = corpus_and_mix(size, queries);
    let write = |name: &str, lines: &mut dyn Iterator<Item = String>| {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).expect("export file");
        let mut out = std::io::BufWriter::new(file);
        for line in lines {
            out.write_all(line.as_bytes()).expect("export");
            out.write_all(b"\n").expect("export");
        }
        out.flush().expect("export");
        path
    };
    let measures = write(
        "measures.jsonl",
        &mut corpus
            .measures
            .iter()
            .map(|m| serde_json::to_string(m).expect("measure")),
    );
    let queries = write(
        "queries.jsonl",
        &mut mix.iter().map(|q| serde_json::to_string(q).expect("query")),
    );
    json!({"measures": measures, "queries": queries})
}

/// Where build time goes: each piece of the per-document work of
/// `index::build` that the library's public API exposes, single-threaded,
/// over the first `sample` measures of `size`, scaled to `size`.
fn profile(size: usize, sample: usize) -> Value {
    use tantivy::tokenizer::{
        AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
    };
    let material = Material::load(&data_dir());
    let mut corpus = material.corpus(size);
    corpus.measures.truncate(sample.min(size));
    let measures = &corpus.measures;
    let scale = size as f64 / measures.len() as f64;
    let mut phases: Vec<(String, f64)> = Vec::new();
    let mut time = |name: &str, work: &mut dyn FnMut()| {
        let t = Instant::now();
        work();
        phases.push((name.to_owned(), t.elapsed().as_secs_f64() * scale));
    };
    let drain = |analyzer: &mut TextAnalyzer, text: &str| {
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            std::hint::black_box(stream.token());
        }
    };
    time("record JSON (serde_json::to_string)", &mut || {
        for m in measures {
            std::hint::black_box(serde_json::to_string(m).expect("json"));
        }
    });
    time(
        "language detection (analysis::detect_language)",
        &mut || {
            for m in measures {
                std::hint::black_box(analysis::detect_language(&m.text));
            }
        },
    );
    let mut tokenizer = TextAnalyzer::builder(analysis::CzechTokenizer::default())
        .filter(RemoveLongFilter::limit(analysis::MAX_TOKEN_BYTES))
        .build();
    time("CzechTokenizer alone, text once", &mut || {
        for m in measures {
            drain(&mut tokenizer, &m.text);
        }
    });
    // The four text fields, each document's text through the four
    // analyzers in turn, as the indexer asks for them.
    let names = [
        analysis::CS_EXACT,
        analysis::CS_FOLDED,
        analysis::CS_STEM,
        analysis::CS_ROOT,
    ];
    let mut czech: Vec<TextAnalyzer> = names
        .iter()
        .map(|n| analysis::analyzer(n).expect("analyzer"))
        .collect();
    time(
        "text through cs_exact, cs_folded, cs_stem, cs_root",
        &mut || {
            for m in measures {
                for analyzer in czech.iter_mut() {
                    drain(analyzer, &m.text);
                }
            }
        },
    );
    let mut default = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(analysis::MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    time("text through tantivy's default chain, 4 times", &mut || {
        for m in measures {
            for _ in 0..4 {
                drain(&mut default, &m.text);
            }
        }
    });
    let (folded, stem) = czech.split_at_mut(2);
    time("places and key phrases (cs_folded, cs_stem)", &mut || {
        for m in measures {
            let places = m.towns.iter().chain([&m.heading]).chain(&m.localities);
            for text in places.chain(&m.key_phrases) {
                drain(&mut folded[1], text);
                drain(&mut stem[0], text);
            }
        }
    });
    json!({
        "docs": size,
        "sample": measures.len(),
        "phases": phases.into_iter().map(|(n, s)| json!({"phase": n, "cpu_s": s})).collect::<Vec<_>>(),
    })
}

/// Serves the bundled collection in-process and measures `/health` and
/// `/search` with wrk, 2 threads, 32 connections: `rounds` rounds, each
/// running every load for `seconds` one after another. What the other
/// tenants of a shared machine take from it drifts over minutes, and a
/// ratio of two loads measured once each, a minute apart, drifted with it
/// (fresh `/search` ÷ `/health` 0.55 and 0.46 in two runs an hour apart
/// with the same search code); each round gives a ratio of loads run
/// seconds apart, and the report takes the median of the rounds'.
fn http(dir: &Path, seconds: usize, rounds: usize) -> Value {
    let runtime = tokio::runtime::Runtime::new().expect("tokio");
    let live = opatreni::search::live::LiveIndex::open_or_build(&data_dir(), dir)
        .expect("index of the bundled data");
    // The same search in-process, single-threaded, to tell the HTTP stack's
    // share of a request's time from the search's.
    let searcher = live.searcher();
    let request = SearchRequest {
        q: "prostupne bydleni".to_owned(),
        ..SearchRequest::default()
    };
    let reps = 2000;
    for _ in 0..reps / 10 {
        searcher.search_uncached(&request).expect("search");
    }
    let t = Instant::now();
    for _ in 0..reps {
        std::hint::black_box(searcher.search_uncached(&request).expect("search"));
    }
    let in_process_ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(reps);
    let mix = rotating_mix();
    let requests = rotating_requests_of(&mix);
    let evict = level_2_cache_bytes();
    let mix_warm_us = mix_in_process(&searcher, &requests, 0);
    let mix_evicted_us = mix_in_process(&searcher, &requests, evict);
    drop(searcher);
    let script = rotating_script(dir, &mix);
    let state = opatreni::http::AppState::new(Arc::new(live), None);
    let app = opatreni::http::router(state);
    // The last load asks for gzip, as browsers do: compressing each answer
    // is then part of what a search costs the server.
    let loads = [
        Load::new("health", "/health"),
        Load::new("search", "/search?q=prostupne%20bydleni"),
        Load::new("search_rotating", "/search?…").scripted(&script),
        Load::new("search_rotating_gzip", "/search?…")
            .scripted(&script)
            .gzipped(),
    ];
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let mut runs = vec![Vec::new(); loads.len()];
        for _ in 0..rounds {
            for (load, runs) in loads.iter().zip(&mut runs) {
                runs.push(load.run(addr, seconds).await);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        let mut results = serde_json::Map::new();
        results.insert("search_in_process_ms".to_owned(), json!(in_process_ms));
        results.insert("rotating_queries".to_owned(), json!(mix.len()));
        results.insert(
            "mix_in_process_us".to_owned(),
            json!({"warm": mix_warm_us, "evicted": mix_evicted_us, "evict_bytes": evict}),
        );
        for (load, runs) in loads.iter().zip(runs) {
            results.insert(load.name.to_owned(), rounds_together(load.path, &runs));
        }
        Value::Object(results)
    })
}

/// One wrk load: a path, or a script that picks the paths, and whether it
/// asks for gzip.
struct Load {
    name: &'static str,
    path: &'static str,
    script: Option<PathBuf>,
    gzip: bool,
}

impl Load {
    fn new(name: &'static str, path: &'static str) -> Load {
        Load {
            name,
            path,
            script: None,
            gzip: false,
        }
    }

    fn scripted(self, script: &Path) -> Load {
        Load {
            script: Some(script.to_owned()),
            ..self
        }
    }

    fn gzipped(self) -> Load {
        Load { gzip: true, ..self }
    }

    /// Runs wrk for `seconds` against the server at `addr`: its figures,
    /// and the CPU time the server (this process) and wrk spent meanwhile.
    async fn run(&self, addr: std::net::SocketAddr, seconds: usize) -> Value {
        let mut wrk = std::process::Command::new("wrk");
        wrk.args(["-t2", "-c32", &format!("-d{seconds}s"), "--latency"]);
        if self.gzip {
            wrk.args(["-H", "Accept-Encoding: gzip"]);
        }
        match &self.script {
            Some(script) => wrk.arg("-s").arg(script).arg(format!("http://{addr}/")),
            None => wrk.arg(format!("http://{addr}{}", self.path)),
        };
        let server_before = CpuUse::of("self");
        let (text, wrk_cpu) = tokio::task::spawn_blocking(move || run_wrk(&mut wrk))
            .await
            .expect("wrk task")
            .expect("wrk runs");
        let server = CpuUse::of("self")
            .zip(server_before)
            .map(|(after, before)| after.since(before));
        let mut result = parse_wrk(self.path, &text);
        result["cpu"] = json!({
            "server_user_s": server.map(|c| c.user_s),
            "server_system_s": server.map(|c| c.system_s),
            "server_preempted": server.map(|c| c.preempted),
            "wrk_s": wrk_cpu.map(|c| c.user_s + c.system_s),
        });
        result
    }
}

/// One load's runs, one a round, as one: the median of their requests per
/// second and p99s, each round's requests per second (`rounds_rps`), and
/// CPU time per request over all of them.
fn rounds_together(path: &str, runs: &[Value]) -> Value {
    let median_of = |key: &str| median(runs.iter().filter_map(|r| r[key].as_f64()).collect());
    let sum_of = |key: &str| runs.iter().filter_map(|r| r[key].as_u64()).sum::<u64>();
    let requests = sum_of("requests");
    // `None` unless procfs was read in every run.
    let per_request = |key: &str, scale: f64| -> Option<f64> {
        let total: Option<f64> = runs.iter().map(|r| r["cpu"][key].as_f64()).sum();
        total
            .filter(|_| requests > 0)
            .map(|total| total * scale / requests as f64)
    };
    json!({
        "path": path,
        "rps": median_of("rps"),
        "rounds_rps": runs.iter().map(|r| r["rps"].clone()).collect::<Vec<_>>(),
        "p99_ms": median_of("p99_ms"),
        "requests": requests,
        "non_2xx": sum_of("non_2xx"),
        "cpu": {
            "server_user_us": per_request("server_user_s", 1e6),
            "server_system_us": per_request("server_system_s", 1e6),
            "server_preempted": per_request("server_preempted", 1.0),
            "wrk_us": per_request("wrk_s", 1e6),
        },
    })
}

/// The median, by nearest rank as the latency percentiles are; `None` for
/// none.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    (!values.is_empty()).then(|| percentile(&values, 50.0))
}

/// Every distinct request of a query mix over the bundled collection, with
/// its path: what the fresh `/search` load sends in turn. Far more
/// distinct requests than the searcher keeps answers for, so every one is
/// searched.
fn rotating_mix() -> Vec<(String, BenchQuery)> {
    let material = Material::load(&data_dir());
    let mix = material.queries(
        &crate::synth::judged_queries(&judged_path()),
        &material.real.measures,
        8000,
    );
    let mut seen = std::collections::HashSet::new();
    let mut distinct = Vec::new();
    for q in mix {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("q", &q.q);
        if let (Some(town), Some(period)) = (&q.town, &q.period) {
            query
                .append_pair("town", town)
                .append_pair("period", period);
        }
        let path = format!("/search?{}", query.finish());
        if seen.insert(path.clone()) {
            distinct.push((path, q));
        }
    }
    distinct
}

/// [`rotating_mix`]'s requests, made from the queries their paths were.
pub fn rotating_requests() -> Vec<SearchRequest> {
    rotating_requests_of(&rotating_mix())
}

fn rotating_requests_of(mix: &[(String, BenchQuery)]) -> Vec<SearchRequest> {
    mix.iter().map(|(_, q)| request(q)).collect()
}

/// A wrk script, written beside `dir`, that requests the paths of `mix`
/// in turn, each wrk thread starting half way round from the other.
///
/// Each request is formatted once, when a wrk thread starts: formatted at
/// every request (`wrk.format` runs `string.format` and a table concat in
/// Lua), it cost wrk about 2 µs of CPU a request that the `/health` run,
/// which needs no script, does not pay, and on the two cores wrk shares
/// with the server that is time taken from the server.
fn rotating_script(dir: &Path, mix: &[(String, BenchQuery)]) -> PathBuf {
    let mut lua = String::from("local paths = {\n");
    for (p, _) in mix {
        // Percent-encoded: no quote or backslash to escape.
        lua.push_str(&format!("  \"{p}\",\n"));
    }
    lua.push_str(
        r#"}
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
local requests = {}
function init(args)
  for k, p in ipairs(paths) do requests[k] = wrk.format("GET", p) end
  i = math.floor(id * #paths / 2)
end
function request()
  i = i % #paths + 1
  return requests[i]
end
"#,
    );
    std::fs::create_dir_all(dir).expect("work directory");
    let path = dir.with_extension("lua");
    std::fs::write(&path, lua).expect("wrk script");
    path
}

/// Microseconds a request of `mix` takes in-process on one thread, asked
/// as the server asks ([`Searcher::search_json`]), over one pass after a
/// pass that warms what the searcher keeps. With `evict` bytes of other
/// memory touched between two searches (and not timed), each search starts
/// with its code and data out of the core's level-2 cache, as a request
/// under load does: the kernel's TCP work, the HTTP stack and wrk run on
/// the same cores between two of the server's searches. The two figures
/// tell how much of a fresh search's cost is its memory traffic rather
/// than its instructions.
pub fn mix_in_process(searcher: &Searcher, mix: &[SearchRequest], evict: usize) -> f64 {
    let mut other = vec![0u8; evict];
    let mut timed = Duration::ZERO;
    for pass in 0..2 {
        for request in mix {
            // One write a cache line, each line a new value, so that none
            // is optimised away.
            for line in other.chunks_mut(64) {
                line[0] = line[0].wrapping_add(1);
            }
            let started = Instant::now();
            std::hint::black_box(searcher.search_json(request).expect("search"));
            if pass == 1 {
                timed += started.elapsed();
            }
        }
    }
    std::hint::black_box(&other);
    timed.as_secs_f64() * 1e6 / mix.len().max(1) as f64
}

/// The first processor's level-2 cache in bytes, as sysfs gives it
/// (`1024K`); 1 MiB where sysfs does not say.
fn level_2_cache_bytes() -> usize {
    const FALLBACK: usize = 1 << 20;
    let Ok(caches) = std::fs::read_dir("/sys/devices/system/cpu/cpu0/cache") else {
        return FALLBACK;
    };
    caches
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|cache| read_trimmed(&cache.join("level")).as_deref() == Some("2"))
        .find_map(|cache| parse_cache_size(&read_trimmed(&cache.join("size"))?))
        .unwrap_or(FALLBACK)
}

fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|text| text.trim().to_owned())
}

/// `1024K`, `2M` or a count of bytes, in bytes.
pub fn parse_cache_size(size: &str) -> Option<usize> {
    let (digits, scale) = if let Some(kib) = size.strip_suffix('K') {
        (kib, 1 << 10)
    } else if let Some(mib) = size.strip_suffix('M') {
        (mib, 1 << 20)
    } else {
        (size, 1)
    };
    digits.parse::<usize>().ok()?.checked_mul(scale)
}

/// Runs wrk to its end and returns its output and the CPU time it used,
/// read from procfs while it is a zombie (after it closed its output,
/// before it is reaped), as `Command::output` would reap it unread.
fn run_wrk(wrk: &mut std::process::Command) -> std::io::Result<(String, Option<CpuUse>)> {
    use std::io::Read;
    let mut child = wrk.stdout(std::process::Stdio::piped()).spawn()?;
    let mut text = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut text)?;
    }
    let pid = child.id().to_string();
    let mut cpu = None;
    for _ in 0..200 {
        if CpuUse::is_zombie(&pid) {
            cpu = CpuUse::of(&pid);
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait()?;
    Ok((text, cpu))
}

/// A process's CPU time and how often its threads were preempted (switched
/// out while runnable), from procfs. With the load generator on the same
/// cores as the server, requests per second is the cores divided by what
/// both spend per request, so the benchmark reports each one's share.
#[derive(Clone, Copy)]
struct CpuUse {
    user_s: f64,
    system_s: f64,
    preempted: u64,
}

/// procfs counts CPU time in ticks of `USER_HZ`, 100 on every Linux.
const USER_HZ: f64 = 100.0;

impl CpuUse {
    /// `pid` is a process id or `self`; `None` without procfs.
    fn of(pid: &str) -> Option<CpuUse> {
        let fields = stat_fields(pid)?;
        // utime and stime are fields 14 and 15.
        let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
        let preempted = std::fs::read_dir(format!("/proc/{pid}/task"))
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|task| std::fs::read_to_string(task.path().join("status")).ok())
            .filter_map(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("nonvoluntary_ctxt_switches:"))
                    .and_then(|n| n.trim().parse::<u64>().ok())
            })
            .sum();
        Some(CpuUse {
            user_s: ticks(11)? / USER_HZ,
            system_s: ticks(12)? / USER_HZ,
            preempted,
        })
    }

    fn is_zombie(pid: &str) -> bool {
        stat_fields(pid).is_some_and(|fields| fields.first().is_some_and(|state| state == "Z"))
    }

    fn since(self, before: CpuUse) -> CpuUse {
        CpuUse {
            user_s: self.user_s - before.user_s,
            system_s: self.system_s - before.system_s,
            preempted: self.preempted.saturating_sub(before.preempted),
        }
    }
}

/// The fields of `/proc/{pid}/stat` after the command's closing
/// parenthesis (the command may hold spaces and parentheses), from the
/// state, field 3.
fn stat_fields(pid: &str) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_command = stat.rsplit_once(')')?.1;
    Some(
        after_command
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    )
}

/// Requests/sec, the 99 % latency and any errors from wrk's output.
pub fn parse_wrk(path: &str, text: &str) -> Value {
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok());
    let p99 = text.lines().find_map(|l| {
        let mut parts = l.split_whitespace();
        (parts.next()? == "99%").then(|| parts.next().and_then(wrk_ms))?
    });
    let non_2xx = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    // "123456 requests in 10.00s, 45.67MB read"
    let requests = text.lines().find_map(|l| {
        let (n, rest) = l.trim().split_once(' ')?;
        rest.starts_with("requests in")
            .then(|| n.parse::<u64>().ok())?
    });
    json!({"path": path, "rps": rps, "p99_ms": p99, "requests": requests, "non_2xx": non_2xx, "raw": text})
}

/// wrk's durations: `812.00us`, `1.23ms`, `2.01s`, `1.5m`.
fn wrk_ms(v: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        (v, 1.0)
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}
