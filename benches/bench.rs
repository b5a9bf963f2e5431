//! `cargo bench`: index build, in-process search and HTTP throughput, with
//! the Czech chains, with tantivy's default tokenizer and with Lucene 8.7,
//! in one run, on the bundled collection (113 measures) and on synthetic
//! collections of 100,000 and 1,000,000 measures (see `bench/synth.rs`).
//!
//! ```sh
//! cargo bench                                  # 113, 100000, 1000000
//! cargo bench -- --sizes 113,100000 --no-lucene --no-http
//! cargo bench -- --queries 2000 --http-seconds 10 --http-rounds 7 --no-profile
//! ```
//!
//! Each (size, engine) runs in a child process (this binary, re-executed
//! with `--child`), so that its peak memory (`VmHWM`) is its own. The run
//! ends with a Markdown table for the README. Without `--bench` (as under
//! `cargo test`) it only runs a quick smoke test.

/// The allocator the server runs with (`src/main.rs`), so that builds,
/// searches and the HTTP runs measure what `opatreni` itself does.
#[global_allocator]
static GLOBAL: opatreni::alloc::MiMalloc = opatreni::alloc::MiMalloc;

#[path = "bench/child.rs"]
mod child;
#[path = "bench/synth.rs"]
mod synth;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

const DEFAULT_SIZES: &[usize] = &[113, 100_000, 1_000_000];
/// Measures the build profile samples (then scales to the size).
const PROFILE_SAMPLE: usize = 200_000;

struct Options {
    bench: bool,
    sizes: Vec<usize>,
    queries: usize,
    lucene: bool,
    http: bool,
    http_seconds: usize,
    http_rounds: usize,
    profile: bool,
    command: String,
}

impl Options {
    fn parse(args: &[String]) -> Options {
        let mut o = Options {
            bench: false,
            sizes: DEFAULT_SIZES.to_vec(),
            queries: 1000,
            lucene: true,
            http: true,
            http_seconds: 4,
            http_rounds: 5,
            profile: true,
            command: String::from("cargo bench"),
        };
        let mut shown = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| -> String {
                let v = args
                    .next()
                    .unwrap_or_else(|| panic!("{name} needs a value"))
                    .clone();
                shown.push(format!("{name} {v}"));
                v
            };
            match arg.as_str() {
                "--bench" => o.bench = true,
                "--sizes" => {
                    o.sizes = value("--sizes")
                        .split(',')
                        .map(|s| {
                            s.trim()
                                .replace('_', "")
                                .parse()
                                .unwrap_or_else(|_| panic!("--sizes: {s:?} is not a number"))
                        })
                        .collect()
                }
                "--queries" => {
                    o.queries = value("--queries").parse().expect("--queries N");
                }
                "--http-seconds" => {
                    o.http_seconds = value("--http-seconds").parse().expect("--http-seconds N");
                }
                "--http-rounds" => {
                    o.http_rounds = value("--http-rounds").parse().expect("--http-rounds N");
                    assert!(o.http_rounds > 0, "--http-rounds: at least 1");
                }
                "--no-lucene" => {
                    o.lucene = false;
                    shown.push(arg.clone());
                }
                "--no-http" => {
                    o.http = false;
                    shown.push(arg.clone());
                }
                "--no-profile" => {
                    o.profile = false;
                    shown.push(arg.clone());
                }
                other => eprintln!("bench: ignoring argument {other:?}"),
            }
        }
        if !shown.is_empty() {
            o.command = format!("cargo bench -- {}", shown.join(" "));
        }
        o
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        child::run(&args[1..]);
        return;
    }
    let options = Options::parse(&args);
    if !options.bench {
        smoke();
        return;
    }
    let started = Instant::now();
    let work = tempfile::Builder::new()
        .prefix("opatreni-bench-")
        .tempdir()
        .expect("work directory");
    println!("opatreni benchmark: {}", options.command);
    println!("machine: {}", machine());
    println!("work directory: {}", work.path().display());
    let load_at_start = load_average();
    println!("load average at start: {load_at_start}");
    let mut rows: Vec<Value> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let lucene = if options.lucene {
        lucene_setup(work.path())
    } else {
        Err("skipped: --no-lucene".to_owned())
    };
    if let Err(why) = &lucene {
        println!("Lucene: {why}");
        notes.push(format!("Lucene: {why}"));
    }
    let mut profile = None;
    for &size in &options.sizes {
        for chains in ["czech", "default"] {
            let dir = work.path().join(format!("index-{size}-{chains}"));
            let result = run_child(&[
                "search".into(),
                format!("size={size}"),
                format!("chains={chains}"),
                format!("queries={}", options.queries),
                format!("dir={}", dir.display()),
            ]);
            let _ = std::fs::remove_dir_all(&dir);
            match result {
                Ok(r) => {
                    println!("{}", summary_line(&r));
                    rows.push(r);
                }
                Err(e) => println!("{size} {chains}: failed: {e}"),
            }
        }
        if let Ok(classpath) = &lucene {
            match run_lucene(work.path(), classpath, size, options.queries) {
                Ok(r) => {
                    println!("{}", summary_line(&r));
                    rows.push(r);
                }
                Err(e) => println!("{size} lucene: failed: {e}"),
            }
        }
    }
    if options.profile
        && let Some(&size) = options.sizes.iter().max()
    {
        match run_child(&[
            "profile".into(),
            format!("size={size}"),
            format!("sample={PROFILE_SAMPLE}"),
        ]) {
            Ok(p) => profile = Some(p),
            Err(e) => println!("build profile failed: {e}"),
        }
    }
    let http = if !options.http {
        Err("skipped: --no-http".to_owned())
    } else if !on_path("wrk") {
        Err("skipped: wrk not installed".to_owned())
    } else {
        let dir = work.path().join("index-http");
        run_child(&[
            "http".into(),
            format!("dir={}", dir.display()),
            format!("seconds={}", options.http_seconds),
            format!("rounds={}", options.http_rounds),
        ])
    };
    let elapsed = started.elapsed().as_secs_f64();
    notes.push(format!(
        "Load average (1, 5, 15 min) at the start: {load_at_start}; at the end: {}. \
         Numbers from a machine busy with other work are not comparable.",
        load_average()
    ));
    println!();
    print_report(&options, &rows, profile.as_ref(), &http, &notes, elapsed);
}

/// A quick check that the generator, a build, the query mix and the
/// figures' arithmetic work: what `cargo test` runs of this binary.
fn smoke() {
    check_round_figures();
    let material = synth::Material::load(&child::data_dir());
    let a = material.generate(3000, synth::SEED);
    let b = material.generate(3000, synth::SEED);
    assert_eq!(a, b, "the generator is deterministic");
    let ids: std::collections::HashSet<&str> = a.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids.len(), a.len(), "synthetic ids are unique");
    assert!(a.iter().all(|m| !m.categories.is_empty()));
    let queries = material.queries(&synth::judged_queries(&child::judged_path()), &a, 200);
    assert_eq!(queries.len(), 200);
    check_in_process_mix();
    let dir = tempfile::tempdir().expect("tempdir");
    child::run(&[
        "search".into(),
        "size=3000".into(),
        "chains=czech".into(),
        "queries=200".into(),
        format!("dir={}", dir.path().display()),
    ]);
    println!("bench smoke test passed (run `cargo bench` for the benchmark)");
}

/// The fresh mix's in-process figures: a cache size as sysfs writes it,
/// and a time per request from the real searcher over the bundled data.
fn check_in_process_mix() {
    assert_eq!(child::parse_cache_size("1024K"), Some(1 << 20));
    assert_eq!(child::parse_cache_size("2M"), Some(2 << 20));
    assert_eq!(child::parse_cache_size("512"), Some(512));
    assert_eq!(child::parse_cache_size("K"), None);
    let dir = tempfile::tempdir().expect("tempdir");
    let live = opatreni::search::live::LiveIndex::open_or_build(&child::data_dir(), dir.path())
        .expect("index of the bundled data");
    let mix = child::rotating_requests();
    assert!(
        mix.len() > 1000,
        "the fresh load's distinct requests: {}",
        mix.len()
    );
    let us = child::mix_in_process(&live.searcher(), &mix[..200], 64 << 10);
    assert!(us.is_finite() && us > 0.0, "{us} µs a request");
}

/// The medians and round-by-round ratios the HTTP targets are judged by.
fn check_round_figures() {
    assert_eq!(child::median(vec![0.52, 0.41, 0.55]), Some(0.52));
    // Nearest rank, as the latency percentiles: the lower middle of an
    // even count, a figure some round measured, not the mean of two.
    assert_eq!(child::median(vec![0.6, 0.4, 0.5, 0.7]), Some(0.5));
    assert_eq!(child::median(Vec::new()), None);
    let http = serde_json::json!({
        "health": {"rounds_rps": [80_000.0, 90_000.0, 85_000.0]},
        "search_rotating": {"rounds_rps": [40_000.0, null, 51_000.0]},
    });
    assert_eq!(round_ratios(&http, "search_rotating"), [0.5, 0.6]);
    assert!(round_ratios(&http, "search").is_empty());
}

fn run_child(args: &[String]) -> Result<Value, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe)
        .arg("--child")
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    result_line(&output)
}

fn result_line(output: &std::process::Output) -> Result<Value, String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("exited with {}: {stdout}", output.status));
    }
    let line = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or_else(|| format!("no RESULT line in {stdout:?}"))?;
    serde_json::from_str(line).map_err(|e| format!("bad RESULT line: {e}"))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Finds the Lucene 8 jars of Debian's `liblucene8-java` and compiles
/// `benches/lucene/LuceneBench.java` against them; the classpath to run it.
fn lucene_setup(work: &Path) -> Result<String, String> {
    let jars_dir = Path::new("/usr/share/java");
    let jar = |name: &str| -> Option<PathBuf> {
        let plain = jars_dir.join(format!("{name}.jar"));
        if plain.is_file() {
            return Some(plain);
        }
        let mut versioned: Vec<PathBuf> = std::fs::read_dir(jars_dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|f| f.to_str())
                    .and_then(|f| f.strip_prefix(&format!("{name}-")))
                    .is_some_and(|rest| rest.starts_with('8') && rest.ends_with(".jar"))
            })
            .collect();
        versioned.sort();
        versioned.pop()
    };
    let mut jars = Vec::new();
    for name in ["lucene-core", "lucene-analyzers-common", "lucene-facet"] {
        jars.push(
            jar(name).ok_or("skipped: Lucene not installed (apt-get install liblucene8-java)")?,
        );
    }
    if !on_path("javac") || !on_path("java") {
        return Err("skipped: no Java (javac) installed".to_owned());
    }
    let classes = work.join("lucene-classes");
    std::fs::create_dir_all(&classes).map_err(|e| e.to_string())?;
    let jars: Vec<String> = jars.iter().map(|j| j.display().to_string()).collect();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/lucene/LuceneBench.java");
    let status = Command::new("javac")
        .args(["-nowarn", "-d"])
        .arg(&classes)
        .arg("-cp")
        .arg(jars.join(":"))
        .arg(&source)
        .status()
        .map_err(|e| format!("javac: {e}"))?;
    if !status.success() {
        return Err(format!("javac failed on {}", source.display()));
    }
    Ok(format!("{}:{}", classes.display(), jars.join(":")))
}

fn run_lucene(work: &Path, classpath: &str, size: usize, queries: usize) -> Result<Value, String> {
    let dir = work.join(format!("lucene-{size}"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let files = run_child(&[
        "export".into(),
        format!("size={size}"),
        format!("queries={queries}"),
        format!("dir={}", dir.display()),
    ])?;
    let index = dir.join("index");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let output = Command::new("java")
        .args(["-Xms1g", "-Xmx2g", "-XX:+UseParallelGC", "-cp", classpath])
        .arg("LuceneBench")
        .arg(files["measures"].as_str().unwrap_or_default())
        .arg(files["queries"].as_str().unwrap_or_default())
        .arg(&index)
        .arg(threads.to_string())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("java: {e}"))?;
    let result = result_line(&output);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
        .map_or("unknown CPU".to_owned(), |(_, m)| m.trim().to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kb: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    format!(
        "{cpus} × {model} (nproc {cpus}), {:.1} GiB RAM, {}",
        mem_kb / 1024.0 / 1024.0,
        std::env::consts::OS
    )
}

fn engine_label(engine: &str) -> &'static str {
    match engine {
        "folded-light" => "opatreni, Czech chains",
        "tantivy-default" => "opatreni, tantivy default tokenizer",
        "lucene" => "Lucene 8.7, CzechAnalyzer + folding",
        _ => "?",
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn summary_line(r: &Value) -> String {
    format!(
        "{:>9} {:<38} build {:>7.2} s ({:>7.0} docs/s), index {:>8.1} MiB, peak RSS {:>7.1} MiB{}, open {:>6.2} s, p50 {:.3} p95 {:.3} p99 {:.3} ms, {:.0} q/s, mean hits {:.0}",
        r["docs"],
        engine_label(r["engine"].as_str().unwrap_or("")),
        f(&r["build_s"]),
        f(&r["docs_per_s"]),
        f(&r["index_bytes"]) / 1048576.0,
        f(&r["peak_rss_kb"]) / 1024.0,
        r["rss_before_build_kb"]
            .as_f64()
            .map_or(String::new(), |kb| format!(
                " ({:.1} before the build)",
                kb / 1024.0
            )),
        f(&r["open_s"]),
        f(&r["search"]["p50_ms"]),
        f(&r["search"]["p95_ms"]),
        f(&r["search"]["p99_ms"]),
        f(&r["search"]["qps"]),
        f(&r["mean_total"]),
    )
}

fn size_label(n: u64) -> String {
    match n {
        113 => "113 (real)".to_owned(),
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn find<'a>(rows: &'a [Value], docs: u64, engine: &str) -> Option<&'a Value> {
    rows.iter()
        .find(|r| r["docs"].as_u64() == Some(docs) && r["engine"] == engine)
}

fn print_report(
    options: &Options,
    rows: &[Value],
    profile: Option<&Value>,
    http: &Result<Value, String>,
    notes: &[String],
    elapsed: f64,
) {
    let judged = synth::judged_queries(&child::judged_path()).len();
    println!("### Benchmarks\n");
    println!(
        "`{}` on {}; the whole run took {:.0} min {:.0} s. {} queries per size \
         (the {} judged ones and generated ones; 1–3 words, half without diacritics; \
         every third filtered by town and period), each run twice and both runs \
         timed (the first, on the freshly opened index, reported apart); every search computes all four disjunctive facets and \
         highlights its top 10, and is timed without the searcher's cache of \
         recent answers (`Searcher::search_uncached`). Peak RSS is the process's `VmHWM` after the \
         build, the generated measures in memory included.\n",
        options.command,
        machine(),
        (elapsed / 60.0).floor(),
        elapsed % 60.0,
        options.queries.max(judged),
        judged,
    );
    println!(
        "| measures | engine | build s | docs/s | index MiB | peak RSS MiB (before build) | open s | p50 ms | p95 ms | p99 ms | queries/s |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        println!(
            "| {} | {} | {:.2} | {:.0} | {:.1} | {:.0}{} | {:.2} | {:.3} | {:.3} | {:.3} | {:.0} |",
            size_label(r["docs"].as_u64().unwrap_or(0)),
            engine_label(r["engine"].as_str().unwrap_or("")),
            f(&r["build_s"]),
            f(&r["docs_per_s"]),
            f(&r["index_bytes"]) / 1048576.0,
            f(&r["peak_rss_kb"]) / 1024.0,
            r["rss_before_build_kb"]
                .as_f64()
                .map_or(String::new(), |kb| format!(" ({:.0})", kb / 1024.0)),
            f(&r["open_s"]),
            f(&r["search"]["p50_ms"]),
            f(&r["search"]["p95_ms"]),
            f(&r["search"]["p99_ms"]),
            f(&r["search"]["qps"]),
        );
    }
    println!();
    println!(
        "| measures | Czech ÷ default: build | p50 | p99 | opatreni ÷ Lucene: build | p50 | p99 | filtered p50 / p99 ms | unfiltered p50 / p99 ms | limit=0 p50 / p99 ms | first run p50 / p99 ms | mean hits | vocabulary |"
    );
    println!(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for &size in &options.sizes {
        let size = size as u64;
        let Some(czech) = find(rows, size, "folded-light") else {
            continue;
        };
        let ratio = |other: Option<&Value>, path: &[&str]| -> String {
            let get = |v: &Value| path.iter().fold(v, |v, k| &v[*k]).as_f64();
            match other.and_then(get).zip(get(czech)) {
                Some((o, c)) if o > 0.0 => format!("{:.2}×", c / o),
                _ => "–".to_owned(),
            }
        };
        let default = find(rows, size, "tantivy-default");
        let lucene = find(rows, size, "lucene");
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.3} / {:.3} | {:.3} / {:.3} | {:.3} / {:.3} | {:.3} / {:.3} | {:.0} | {} |",
            size_label(size),
            ratio(default, &["build_s"]),
            ratio(default, &["search", "p50_ms"]),
            ratio(default, &["search", "p99_ms"]),
            ratio(lucene, &["build_s"]),
            ratio(lucene, &["search", "p50_ms"]),
            ratio(lucene, &["search", "p99_ms"]),
            f(&czech["filtered"]["p50_ms"]),
            f(&czech["filtered"]["p99_ms"]),
            f(&czech["unfiltered"]["p50_ms"]),
            f(&czech["unfiltered"]["p99_ms"]),
            f(&czech["limit0"]["p50_ms"]),
            f(&czech["limit0"]["p99_ms"]),
            f(&czech["first"]["p50_ms"]),
            f(&czech["first"]["p99_ms"]),
            f(&czech["mean_total"]),
            czech["vocabulary"],
        );
    }
    println!(
        "\nThe last six columns are the Czech chains': latency with and without a \
         town and period filter, without reading and highlighting hits (`limit=0`), \
         on each query's first run on the freshly opened index (what the searcher \
         keeps across searches still being filled; the other columns are the \
         second run), \
         the mean number of matches per query and the distinct words of the \
         collection. Synthetic text recombines the vocabulary of the 113 real \
         measures, so every word is common and a query matches far more of a large \
         collection than on real data: a pessimistic load.\n"
    );
    match http {
        Ok(h) => {
            println!(
                "| HTTP, bundled collection, wrk -t2 -c32, {} rounds of {} s | requests/s \
                 (median of the rounds) | p99 ms (median) | server CPU µs per request: \
                 user + kernel | wrk CPU µs per request | server preemptions per request |",
                options.http_rounds, options.http_seconds
            );
            println!("| --- | ---: | ---: | ---: | ---: | ---: |");
            let rotating = h["rotating_queries"].as_u64().unwrap_or(0);
            for (key, label) in [
                ("health", "`GET /health`".to_owned()),
                (
                    "search",
                    "`GET /search?q=prostupne%20bydleni`, repeated (from the answer cache after the first)"
                        .to_owned(),
                ),
                (
                    "search_rotating",
                    format!(
                        "`GET /search?q=…` over {rotating} distinct queries of the mix in turn (each one searched)"
                    ),
                ),
                (
                    "search_rotating_gzip",
                    "the same, gzipped (`Accept-Encoding: gzip`, as browsers ask)".to_owned(),
                ),
            ] {
                let r = &h[key];
                let errors = r["non_2xx"].as_u64().unwrap_or(0);
                let cpu = &r["cpu"];
                println!(
                    "| {label}{} | {:.0} | {:.2} | {:.1} + {:.1} | {:.1} | {:.2} |",
                    if errors > 0 {
                        format!(" ({errors} non-2xx!)")
                    } else {
                        String::new()
                    },
                    f(&r["rps"]),
                    f(&r["p99_ms"]),
                    f(&cpu["server_user_us"]),
                    f(&cpu["server_system_us"]),
                    f(&cpu["wrk_us"]),
                    f(&cpu["server_preempted"]),
                );
            }
            println!(
                "\nEach round runs the four loads one after another; `/search` ÷ `/health` \
                 in each round: {}.",
                ["search", "search_rotating", "search_rotating_gzip"]
                    .iter()
                    .zip(["repeated", "every request searched", "gzipped"])
                    .map(|(key, what)| {
                        let ratios = round_ratios(h, key)
                            .iter()
                            .map(|r| format!("{r:.3}"))
                            .collect::<Vec<_>>();
                        format!("{what} {}", ratios.join(", "))
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            let mix = &h["mix_in_process_us"];
            println!(
                "\nThe same search in-process, one thread: {:.3} ms ({:.0} per second). \
                 The {rotating} distinct queries in turn, in-process, one thread, asked as \
                 the server asks: {:.1} µs a request with the caches as the search before \
                 left them, {:.1} µs with {} KiB of other memory (the core's level-2 cache) \
                 touched between two searches. \
                 wrk runs on the same {} cores as the server, so requests per second is \
                 the cores' time divided by what the server and wrk each spend on a \
                 request (CPU time from procfs, in ticks of 10 ms). A preemption is one \
                 of the server's threads switched out while it could still run, mostly \
                 for a wrk thread its answer woke.\n",
                f(&h["search_in_process_ms"]),
                1000.0 / f(&h["search_in_process_ms"]),
                f(&mix["warm"]),
                f(&mix["evicted"]),
                mix["evict_bytes"].as_u64().unwrap_or(0) / 1024,
                std::thread::available_parallelism().map_or(0, |n| n.get()),
            );
        }
        Err(why) => println!("HTTP: {why}\n"),
    }
    if let Some(p) = profile {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let budget = p["docs"]
            .as_u64()
            .and_then(|docs| find(rows, docs, "folded-light"))
            .map_or(String::new(), |r| {
                format!(
                    "; the build above took {:.1} s on {cores} cores, {:.1} CPU seconds, \
                     and what these steps leave of them is tantivy's own indexing, \
                     storing and merging",
                    f(&r["build_s"]),
                    f(&r["build_s"]) * cores as f64
                )
            });
        println!(
            "Where a build's time goes at {} measures: single-threaded CPU seconds of each \
             per-document step the library's API exposes, timed on {} of them and scaled{budget}.\n",
            p["docs"], p["sample"],
        );
        println!("| step | CPU s |");
        println!("| --- | ---: |");
        for phase in p["phases"].as_array().into_iter().flatten() {
            println!(
                "| {} | {:.2} |",
                phase["phase"].as_str().unwrap_or(""),
                f(&phase["cpu_s"])
            );
        }
        println!();
    }
    for note in notes {
        println!("{note}\n");
    }
    print_targets(rows, http);
}

/// Requests per second of load `key` divided by `/health`'s in the same
/// round, round by round (a round where either gave no figure left out).
fn round_ratios(http: &Value, key: &str) -> Vec<f64> {
    let rounds = |key: &str| {
        http[key]["rounds_rps"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    (rounds(key).iter().zip(rounds("health")))
        .filter_map(|(load, health)| Some(load.as_f64()? / health.as_f64()?))
        .collect()
}

fn print_targets(rows: &[Value], http: &Result<Value, String>) {
    let largest = rows
        .iter()
        .filter_map(|r| r["docs"].as_u64())
        .max()
        .unwrap_or(0);
    let mut lines = Vec::new();
    let mut check = |name: String, value: Option<f64>, limit: f64, at_most: bool, unit: &str| {
        let line = match value {
            Some(v) => {
                let met = if at_most { v <= limit } else { v >= limit };
                format!(
                    "- [{}] {name}: {v:.3}{unit} (target {} {limit}{unit})",
                    if met { "x" } else { " " },
                    if at_most { "≤" } else { "≥" }
                )
            }
            None => format!("- [ ] {name}: not measured"),
        };
        lines.push(line);
    };
    if let Some(c) = find(rows, largest, "folded-light") {
        let label = size_label(largest);
        check(
            format!("build of {label} measures"),
            c["build_s"].as_f64(),
            20.0,
            true,
            " s",
        );
        check(
            format!("peak RSS building {label}"),
            c["peak_rss_kb"].as_f64().map(|kb| kb / 1048576.0),
            1.5,
            true,
            " GiB",
        );
        check(
            format!("search p50 at {label}"),
            c["search"]["p50_ms"].as_f64(),
            1.0,
            true,
            " ms",
        );
        check(
            format!("search p99 at {label}"),
            c["search"]["p99_ms"].as_f64(),
            8.0,
            true,
            " ms",
        );
        let d = find(rows, largest, "tantivy-default");
        check(
            format!("Czech ÷ default build time at {label}"),
            d.and_then(|d| Some(f(&c["build_s"]) / d["build_s"].as_f64()?)),
            1.5,
            true,
            "×",
        );
    }
    if let Ok(h) = http {
        for (key, what) in [
            ("search", "one query repeated"),
            ("search_rotating", "every request searched"),
        ] {
            check(
                format!("/search ÷ /health requests per second, {what} (median of the rounds)"),
                child::median(round_ratios(h, key)),
                0.5,
                false,
                "",
            );
        }
    }
    if !lines.is_empty() {
        println!("Targets:\n");
        for l in lines {
            println!("{l}");
        }
    }
}
