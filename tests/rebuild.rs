//! Rebuilding while serving: reports added, corrected, deleted and broken
//! under a running server that other clients search the whole time; the
//! file watcher; and restarts after a build killed at any moment.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::TestServer;
use opatreni::search::live::LiveIndex;

const TOKEN: &str = "t0ken";

/// Clients that search in a loop until stopped, counting what failed.
struct Load {
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(server: &TestServer, clients: usize) -> Load {
        let (stop, done, failed) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicU64::new(0)),
        );
        let paths = [
            "/search?q=prostupne%20bydleni",
            "/search?limit=0",
            "/facets",
            "/search?q=kadan&town=Kada%C5%88",
            "/health",
        ];
        let tasks = (0..clients)
            .map(|i| {
                let (stop, done, failed) = (stop.clone(), done.clone(), failed.clone());
                let (client, base) = (server.client.clone(), server.base.clone());
                tokio::spawn(async move {
                    let mut n = i;
                    while !stop.load(Ordering::Relaxed) {
                        let path = paths[n % paths.len()];
                        n += 1;
                        let ok = match client.get(format!("{base}{path}")).send().await {
                            Ok(response) => {
                                response.status().is_success()
                                    && response.json::<serde_json::Value>().await.is_ok()
                            }
                            Err(_) => false,
                        };
                        if !ok {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        Load {
            stop,
            done,
            failed,
            tasks,
        }
    }

    async fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.unwrap();
        }
        (
            self.done.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
}

async fn total(server: &TestServer) -> u64 {
    server.get("/search?limit=0").await.1["total"]
        .as_u64()
        .unwrap()
}

fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_correct_delete_and_break_while_searching() {
    let data = common::data_copy();
    let reports = data.path().join("reports");
    let server = TestServer::start(data.path(), Some(TOKEN)).await;
    let load = Load::start(&server, 4);
    tokio::time::sleep(Duration::from_millis(100)).await;

    // A new report.
    std::fs::write(
        reports.join("2014-2017.md"),
        "# Výsledky v období září 2014 – srpen 2017\n\n### Kadaň\n\n- **prostupné bydlení** pro 12 rodin\n- dluhová poradna v Prunéřově\n\n### Sokolov\n\n- nové startovací byty\n",
    )
    .unwrap();
    let (status, body) = server.reindex(Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["changes"]["added"],
        serde_json::json!([
            "2014-2017-kadan-01",
            "2014-2017-kadan-02",
            "2014-2017-sokolov-01"
        ])
    );
    assert_eq!(total(&server).await, 116);
    assert_eq!(
        server.get("/search?period=2014-2017&limit=0").await.1["total"],
        3
    );

    // A corrected measure.
    edit(
        &reports.join("2011-2014.md"),
        "(10 bytů I. kategorie)",
        "(12 bytů I. kategorie)",
    );
    let (_, body) = server.reindex(Some(TOKEN)).await;
    assert_eq!(
        body["changes"]["changed"],
        serde_json::json!(["2011-2014-kadan-07"])
    );
    assert!(
        server.get("/measures/2011-2014-kadan-07").await.1["text"]
            .as_str()
            .unwrap()
            .contains("12 bytů")
    );

    // A deleted measure.
    edit(
        &reports.join("2011-2014.md"),
        "- spolupráce mateřských škol, základních škol, asistentů pedagoga a rozvíjejících se sociálních služeb",
        "",
    );
    let (_, body) = server.reindex(Some(TOKEN)).await;
    assert_eq!(
        body["changes"]["removed"],
        serde_json::json!(["2011-2014-vejprty-04"])
    );
    assert_eq!(body["changes"]["changed"], serde_json::json!([]));
    assert_eq!(total(&server).await, 115);
    assert_eq!(server.get("/measures/2011-2014-vejprty-04").await.0, 404);
    let served = server.get("/health").await.1;

    // A broken file changes nothing that is served.
    edit(
        &reports.join("2014-2017.md"),
        "### Sokolov",
        "### Atlantida",
    );
    std::fs::write(
        reports.join("2018.md"),
        "# bez období\n\n### Kadaň\n\n- x\n",
    )
    .unwrap();
    let (status, body) = server.reindex(Some(TOKEN)).await;
    assert_eq!(status, 422);
    let problems: Vec<&str> = body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        problems.contains(
            &"reports/2014-2017.md:8: town \"Atlantida\" is not in the gazetteer (gazetteer.toml)"
        ),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("reports/2018.md:1: no recognisable period")),
        "{problems:?}"
    );
    assert_eq!(server.get("/health").await.1, served);
    assert_eq!(total(&server).await, 115);
    assert_eq!(
        server.get("/search?period=2014-2017&limit=0").await.1["total"],
        3
    );

    let (done, failed) = load.stop().await;
    assert!(
        done > 20,
        "the clients searched throughout ({done} requests)"
    );
    assert_eq!(failed, 0, "{failed} of {done} searches failed");

    // Only the current and the previous generation are kept on disk.
    assert_eq!(generations(server.index_dir.path()).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_of_unchanged_data_succeeds() {
    let server = TestServer::start(&common::data_dir(), Some(TOKEN)).await;
    let (status, body) = server.reindex(Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert_eq!(body["index_generation"], 2);
    assert_eq!(
        body["changes"],
        serde_json::json!({"added": [], "removed": [], "changed": []})
    );
    assert_eq!(total(&server).await, 113);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_rebuilds_on_a_change_and_keeps_serving_on_a_broken_one() {
    let data = common::data_copy();
    let server = TestServer::start(data.path(), None).await;
    let _watcher =
        opatreni::search::watch::watch(server.live.clone(), Duration::from_millis(200)).unwrap();
    let generation = |body: serde_json::Value| body["index_generation"].as_u64().unwrap();
    assert_eq!(generation(server.get("/health").await.1), 1);

    edit(
        &data.path().join("reports/2011-2014.md"),
        "- otevření veřejné diskuse o omezení hazardu\n",
        "",
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while generation(server.get("/health").await.1) < 2 {
        assert!(Instant::now() < deadline, "the watcher did not rebuild");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(total(&server).await, 112);

    // A broken edit: logged, not served.
    edit(&data.path().join("gazetteer.toml"), "[regions]", "[regions");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(generation(server.get("/health").await.1), 2);
    assert_eq!(total(&server).await, 112);
}

/// `opatreni index` killed with SIGKILL at many moments of a build: every
/// restart opens a complete generation with all its measures.
#[test]
fn a_build_killed_at_any_moment_leaves_the_last_complete_generation() {
    let data = common::data_copy();
    // A larger report, so that a build takes long enough to be interrupted
    // at different stages.
    let mut big = String::from("# Výsledky v období leden 2020 – prosinec 2022\n\n### Kadaň\n\n");
    for i in 0..4000 {
        big.push_str(&format!(
            "- opatření číslo {i}: prostupné bydlení, dluhová poradna a terénní sociální práce\n"
        ));
    }
    std::fs::write(data.path().join("reports/2020-2022.md"), big).unwrap();
    let index = tempfile::tempdir().unwrap();
    let build = |kill_after: Option<Duration>| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_opatreni"))
            .args(["index", "--data"])
            .arg(data.path())
            .arg("--index")
            .arg(index.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        match kill_after {
            Some(delay) => {
                std::thread::sleep(delay);
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
            }
            None => assert!(child.wait().unwrap().success()),
        }
    };
    build(None);
    let complete = opatreni::index::open(index.path()).unwrap().meta.generation;
    let mut last = complete;
    for step in 0..12u64 {
        build(Some(Duration::from_millis(40 * step)));
        let generation =
            opatreni::index::open(index.path()).expect("a complete generation after a kill");
        assert!(generation.meta.generation >= last);
        last = generation.meta.generation;
        let live = LiveIndex::new(
            opatreni::search::Searcher::open(generation).unwrap(),
            data.path(),
            index.path(),
        );
        let request = opatreni::search::SearchRequest {
            limit: 0,
            ..Default::default()
        };
        assert_eq!(live.searcher().search(&request).unwrap().total, 4113);
    }
    // And the next complete build cleans up what the killed ones left.
    build(None);
    let names = generations(index.path());
    assert!(names.len() <= 2, "{names:?}");
}

/// A build after a killed one keeps the generation that was served, not
/// the killed build's incomplete one numbered between them: searches that
/// started on the served generation may still be reading it.
#[test]
fn a_build_after_a_killed_one_keeps_the_served_generation() {
    let index = tempfile::tempdir().unwrap();
    let data = common::data_dir();
    opatreni::index::build_from_data(&data, index.path()).unwrap();
    let served = opatreni::index::build_from_data(&data, index.path()).unwrap();
    assert_eq!(served.meta.generation, 2);
    // What a build killed before its metadata was written leaves.
    let killed = index.path().join("gen-000003");
    std::fs::create_dir(&killed).unwrap();
    std::fs::write(killed.join("meta.json"), "{}").unwrap();

    let current = opatreni::index::build_from_data(&data, index.path()).unwrap();
    assert_eq!(current.meta.generation, 4);
    assert_eq!(generations(index.path()), ["gen-000002", "gen-000004"]);
    assert_eq!(
        opatreni::index::open(index.path()).unwrap().meta.generation,
        4
    );
}

/// The generations' directories under `index`, by name.
fn generations(index: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(index)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("gen-"))
        .collect();
    names.sort();
    names
}
