//! `serve --watch`: rebuild when a file in the data directory changes.
//!
//! Only events that change the data count (a file created, written,
//! renamed or removed), not reads: the rebuild itself reads every data
//! file, and must not trigger the next one. Events are debounced, so the
//! burst one editor save makes (write a temporary file, rename it over the
//! old one) is one rebuild. A rebuild whose data fingerprint equals the
//! served one's is skipped, and one that fails leaves the served generation
//! as it was; either way the log says what happened.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::event::ModifyKind;
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::live::{LiveIndex, RebuildError};
use crate::index::BuildError;

/// How long the data directory must be quiet before a rebuild starts.
pub const DEBOUNCE: Duration = Duration::from_millis(500);

/// Watches while it lives; dropping it stops the watching (and its thread).
pub struct DataWatcher {
    _watcher: RecommendedWatcher,
}

/// Starts watching `live`'s data directory, rebuilding after every change.
pub fn watch(live: Arc<LiveIndex>, debounce: Duration) -> notify::Result<DataWatcher> {
    let data_dir = live.data_dir().to_path_buf();
    let (events, changes) = channel::<PathBuf>();
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<Event>| match event {
            Ok(event) if changes_data(&event.kind) => {
                for path in event.paths {
                    let _ = events.send(path);
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "watching the data directory failed"),
        })?;
    watcher.watch(&data_dir, RecursiveMode::Recursive)?;
    std::thread::Builder::new()
        .name("opatreni-watch".into())
        .spawn(move || rebuild_after_quiet(&live, &changes, debounce))
        .map_err(|e| notify::Error::generic(&e.to_string()))?;
    tracing::info!(data = %data_dir.display(), "watching for changes");
    Ok(DataWatcher { _watcher: watcher })
}

/// Contents created, written, renamed or removed; not reads, and not
/// metadata (reading a file may touch its access time).
fn changes_data(kind: &EventKind) -> bool {
    match kind {
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
        _ => false,
    }
}

/// Waits for a change, then for `debounce` without one, then rebuilds;
/// ends when the watcher is dropped.
fn rebuild_after_quiet(live: &LiveIndex, changes: &Receiver<PathBuf>, debounce: Duration) {
    while let Ok(first) = changes.recv() {
        let mut changed = vec![first];
        loop {
            match changes.recv_timeout(debounce) {
                Ok(path) => {
                    if !changed.contains(&path) {
                        changed.push(path);
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let files: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
        tracing::info!(?files, "data changed");
        rebuild(live);
    }
}

fn rebuild(live: &LiveIndex) {
    match live.rebuild_if_changed() {
        Ok(Some(_)) => {} // the rebuild logs its changes
        Ok(None) => tracing::info!("the data is as indexed; nothing to rebuild"),
        Err(RebuildError::Build(BuildError::Data(problems))) => {
            let generation = live.searcher().meta().generation;
            tracing::warn!("the data has problems; still serving generation {generation}");
            for problem in problems.iter() {
                tracing::warn!("{problem}");
            }
        }
        Err(error) => tracing::error!(%error, "rebuild failed"),
    }
}
