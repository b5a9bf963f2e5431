//! The search page in a real browser: headless Chromium driven over
//! WebDriver (chromedriver) against the real server on the bundled data.
//!
//! Without Chromium and chromedriver the test says it is skipped, unless
//! `OPATRENI_REQUIRE_BROWSER=1` (as CI sets it) makes that a failure.
//! Screenshots at desktop and phone width land in `target/screenshots/`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn skip_or_fail(why: &str) {
    if std::env::var("OPATRENI_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("the browser test is required but cannot run: {why}");
    }
    eprintln!("skipped: {why}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn connect(port: u16, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match ClientBuilder::native()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return client,
            Err(e) if Instant::now() > deadline => panic!("cannot reach chromedriver: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Waits until `check` holds, polling; panics with `what` after 20 s.
async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn hit_ids(c: &Client) -> Vec<String> {
    let mut ids = Vec::new();
    for hit in c.find_all(Locator::Css("#hits .hit")).await.unwrap() {
        ids.push(hit.attr("data-id").await.unwrap().unwrap_or_default());
    }
    ids
}

async fn status(c: &Client) -> String {
    c.find(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Sizes the window so that the page itself (the viewport) is
/// `width`×`height`: the window's own frame is measured and added.
async fn set_viewport(c: &Client, width: u32, height: u32) {
    c.set_window_size(width, height).await.unwrap();
    let inner = c
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .unwrap();
    let frame = |i: usize, want: u32| {
        let got = inner[i].as_u64().unwrap() as u32;
        want + want.saturating_sub(got)
    };
    c.set_window_size(frame(0, width), frame(1, height))
        .await
        .unwrap();
}

async fn screenshot(c: &Client, name: &str, width: u32, height: u32) {
    set_viewport(c, width, height).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), c.screenshot().await.unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_refine_and_reload_in_chromium() {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        return skip_or_fail(
            "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
        );
    }
    let server = common::TestServer::start(&common::data_dir(), None).await;
    let port = free_port();
    let _driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let c = connect(port, profile.path()).await;

    c.goto(&format!("{}/", server.base)).await.unwrap();
    wait_for("the first listing", || async {
        status(&c).await.contains("113")
    })
    .await;

    // Type the query without diacritics; suggestions appear; submit.
    let input = c.find(Locator::Id("q")).await.unwrap();
    input.send_keys("prostupne bydleni").await.unwrap();
    wait_for("suggestions", || async {
        c.find(Locator::Css("#suggestions li")).await.is_ok()
    })
    .await;
    c.find(Locator::Css("#search button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("results for the query", || async {
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("q=prostupne+bydleni")
            && hit_ids(&c).await.contains(&"2011-2014-kadan-07".to_owned())
    })
    .await;
    let ids = hit_ids(&c).await;
    for id in [
        "2011-2014-kadan-07",
        "2011-2014-hodonin-01",
        "2010-2013-jirkov-02",
    ] {
        assert!(ids.contains(&id.to_owned()), "{id} not among {ids:?}");
    }
    let kadan = c
        .find(Locator::Css(
            "#hits .hit[data-id='2011-2014-kadan-07'] .hit-text",
        ))
        .await
        .unwrap();
    assert!(
        kadan
            .html(true)
            .await
            .unwrap()
            .contains("<mark>prostupného bydlení</mark>")
    );
    let total_before = status(&c).await;
    let category_counts = |c: &Client| {
        let c = c.clone();
        async move {
            c.find(Locator::Css("fieldset[data-facet='category']"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let categories_before = category_counts(&c).await;
    screenshot(&c, "desktop-results.png", 1280, 900).await;

    // Tick Kadaň: the counts change and the URL says so.
    c.find(Locator::Css(
        "fieldset[data-facet='town'] input[value='Kadaň']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for("the town filter in the URL", || async {
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("town=Kada%C5%88")
    })
    .await;
    wait_for("the filtered results", || async {
        let ids = hit_ids(&c).await;
        !ids.is_empty() && ids.iter().all(|id| id.contains("kadan"))
    })
    .await;
    assert!(
        status(&c).await.contains(" 3 opatření"),
        "{}",
        status(&c).await
    );
    assert_ne!(category_counts(&c).await, categories_before);
    // Disjunctive: the other towns are still offered.
    assert!(
        c.find(Locator::Css(
            "fieldset[data-facet='town'] input[value='Jirkov']"
        ))
        .await
        .is_ok()
    );
    let filtered_url = c.current_url().await.unwrap();
    let filtered_ids = hit_ids(&c).await;
    let filtered_categories = category_counts(&c).await;
    screenshot(&c, "desktop-filtered.png", 1280, 900).await;

    // Reload: the same page, from the URL alone.
    c.refresh().await.unwrap();
    wait_for("the reloaded page", || async {
        hit_ids(&c).await == filtered_ids && category_counts(&c).await == filtered_categories
    })
    .await;
    assert_eq!(c.current_url().await.unwrap(), filtered_url);
    assert!(town_checked(&c, "Kadaň").await);
    assert_eq!(
        c.find(Locator::Id("q"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("prostupne bydleni")
    );

    // Back: the search before the filter, with its counts; forward again.
    c.back().await.unwrap();
    wait_for("the state before the filter", || async {
        !c.current_url().await.unwrap().as_str().contains("town=")
            && status(&c).await == total_before
            && category_counts(&c).await == categories_before
    })
    .await;
    assert!(!town_checked(&c, "Kadaň").await);
    assert_eq!(hit_ids(&c).await, ids);
    c.forward().await.unwrap();
    wait_for("the filter again", || async {
        hit_ids(&c).await == filtered_ids
    })
    .await;
    assert!(town_checked(&c, "Kadaň").await);

    // Suggestions by keyboard: arrow down to the first, Enter searches it.
    let input = c.find(Locator::Id("q")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys("asistent prev").await.unwrap();
    wait_for("suggestions for the second word", || async {
        c.find(Locator::Css("#suggestions li")).await.is_ok()
    })
    .await;
    let first = c
        .find(Locator::Css("#suggestions li"))
        .await
        .unwrap()
        .attr("data-text")
        .await
        .unwrap()
        .unwrap();
    assert!(first.starts_with("asistent prev"), "{first}");
    input.send_keys(&Key::Down.to_string()).await.unwrap();
    assert_eq!(
        input
            .attr("aria-activedescendant")
            .await
            .unwrap()
            .as_deref(),
        Some("suggestion-0")
    );
    input.send_keys(&Key::Enter.to_string()).await.unwrap();
    let wanted = format!("q={}", first.replace(' ', "+"));
    wait_for("the chosen suggestion searched", || async {
        c.current_url().await.unwrap().as_str().contains(&wanted)
            && c.find(Locator::Id("suggestions"))
                .await
                .unwrap()
                .attr("hidden")
                .await
                .unwrap()
                .is_some()
    })
    .await;

    // No results: one button per filter, and removing one finds something.
    c.goto(&format!(
        "{}/?q=prostupne+bydleni&town=Krupka&category=dluhy",
        server.base
    ))
    .await
    .unwrap();
    wait_for("the empty state", || async {
        c.find(Locator::Id("empty"))
            .await
            .unwrap()
            .attr("hidden")
            .await
            .unwrap()
            .is_none()
    })
    .await;
    let buttons = c
        .find_all(Locator::Css("#empty-actions button"))
        .await
        .unwrap();
    assert_eq!(buttons.len(), 2);
    assert!(buttons[1].text().await.unwrap().starts_with("Zrušit"));
    screenshot(&c, "desktop-empty.png", 1280, 900).await;
    buttons[1].click().await.unwrap();
    wait_for("results without the category filter", || async {
        !hit_ids(&c).await.is_empty()
    })
    .await;
    assert!(
        !c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("category=")
    );

    // Phone width: the filters fold away above the results.
    c.goto(filtered_url.as_str()).await.unwrap();
    set_viewport(&c, 390, 844).await;
    c.refresh().await.unwrap();
    wait_for("the filtered page again", || async {
        hit_ids(&c).await == filtered_ids
    })
    .await;
    let filters = c.find(Locator::Id("filters")).await.unwrap();
    assert_eq!(
        filters.prop("open").await.unwrap().as_deref(),
        Some("false")
    );
    screenshot(&c, "phone-results.png", 390, 844).await;
    c.find(Locator::Css("#filters > summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    screenshot(&c, "phone-filters.png", 390, 844).await;
    c.close().await.unwrap();
}

async fn town_checked(c: &Client, town: &str) -> bool {
    c.find(Locator::Css(&format!(
        "fieldset[data-facet='town'] input[value='{town}']"
    )))
    .await
    .unwrap()
    .prop("checked")
    .await
    .unwrap()
    .as_deref()
        == Some("true")
}

/// The page and its assets, without a browser: types and caching.
#[tokio::test]
async fn page_and_assets_are_served_with_types_and_caching() {
    let server = common::TestServer::start(&common::data_dir(), None).await;
    for (path, mime, cache, needle) in [
        ("/", "text/html", "no-cache", "Hledat opatření"),
        ("/assets/app.js", "text/javascript", "max-age", "/suggest"),
        ("/assets/style.css", "text/css", "max-age", "@media"),
    ] {
        let response = server.send(reqwest::Method::GET, path).await;
        assert_eq!(response.status(), 200, "{path}");
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
        assert!(header("content-type").starts_with(mime), "{path}");
        assert!(header("content-type").contains("charset=utf-8"), "{path}");
        assert!(header("cache-control").contains(cache), "{path}");
        assert!(response.text().await.unwrap().contains(needle), "{path}");
    }
}
