//! Shared by the end-to-end tests: the bundled data, a fresh index built
//! from it on disk, and the real server on a real port.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use opatreni::http::{AppState, router};
use opatreni::search::Searcher;
use opatreni::search::live::LiveIndex;

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// A copy of the bundled data in a temporary directory, to change.
pub fn data_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&data_dir(), dir.path());
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A searcher over a fresh index of the bundled data; the directory lives
/// as long as the returned guard.
pub fn bundled_searcher() -> (Searcher, tempfile::TempDir) {
    let index = tempfile::tempdir().unwrap();
    let generation = opatreni::index::build_from_data(&data_dir(), index.path()).unwrap();
    (Searcher::open(generation).unwrap(), index)
}

/// The real router on a real port, over an index built from `data`.
pub struct TestServer {
    pub base: String,
    pub live: Arc<LiveIndex>,
    pub index_dir: tempfile::TempDir,
    pub client: reqwest::Client,
}

impl TestServer {
    pub async fn start(data: &Path, admin_token: Option<&str>) -> TestServer {
        let index_dir = tempfile::tempdir().unwrap();
        let (data_path, index_path) = (data.to_path_buf(), index_dir.path().to_path_buf());
        let live =
            tokio::task::spawn_blocking(move || LiveIndex::open_or_build(&data_path, &index_path))
                .await
                .unwrap()
                .unwrap();
        let live = Arc::new(live);
        let state = AppState::new(live.clone(), admin_token.map(str::to_owned));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, router(state)).await.unwrap();
        });
        TestServer {
            base,
            live,
            index_dir,
            client: reqwest::Client::new(),
        }
    }

    /// The response to `method` on `path_and_query`, whole: for its
    /// status and headers, or a body that is not JSON.
    pub async fn send(&self, method: reqwest::Method, path_and_query: &str) -> reqwest::Response {
        self.client
            .request(method, format!("{}{}", self.base, path_and_query))
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path_and_query: &str) -> (u16, serde_json::Value) {
        let response = self.send(reqwest::Method::GET, path_and_query).await;
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    pub async fn reindex(&self, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut request = self.client.post(format!("{}/admin/reindex", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }
}

/// The ids of a search response's hits.
pub fn ids(body: &serde_json::Value) -> Vec<String> {
    body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `value → count` of one facet of a response.
pub fn facet(body: &serde_json::Value, name: &str) -> Vec<(String, u64)> {
    body["facets"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["value"].as_str().unwrap().to_owned(),
                v["count"].as_u64().unwrap(),
            )
        })
        .collect()
}
