//! The served index: the searcher of the current generation, swapped for a
//! new one when the data is rebuilt.
//!
//! A search takes an `Arc` to the searcher that is current when it starts and
//! finishes on it, however long it runs; a rebuild builds a complete new
//! generation on the side (see [`crate::index`]) and swaps the `Arc` only
//! when it is ready. One rebuild runs at a time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use serde::Serialize;

use super::{SearchError, Searcher};
use crate::index::{self, BuildError};
use crate::ingest::Measure;

/// What a rebuild changed, by measure id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Changes {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl Changes {
    /// What changed from `old` to `new`, each given as measure id →
    /// [`content_fingerprint`]: a rebuild of a million measures compares
    /// two maps of ids and numbers, not two copies of every record.
    pub fn between(old: &BTreeMap<String, u64>, new: &BTreeMap<String, u64>) -> Self {
        Changes {
            added: new
                .keys()
                .filter(|id| !old.contains_key(*id))
                .cloned()
                .collect(),
            removed: old
                .keys()
                .filter(|id| !new.contains_key(*id))
                .cloned()
                .collect(),
            changed: new
                .iter()
                .filter(|(id, print)| old.get(*id).is_some_and(|o| o != *print))
                .map(|(id, _)| id.clone())
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// A fingerprint of what a record says, wherever in its report it stands:
/// a bullet removed above a measure moves its line, not its content.
pub fn content_fingerprint(measure: &Measure) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    Measure {
        source: crate::ingest::Source {
            file: String::new(),
            line: 0,
        },
        ..measure.clone()
    }
    .hash(&mut hasher);
    hasher.finish()
}

/// The outcome of a successful rebuild.
#[derive(Debug, Clone, Serialize)]
pub struct Rebuilt {
    pub generation: u64,
    pub documents: u64,
    pub built_at: String,
    pub changes: Changes,
}

#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Search(#[from] SearchError),
}

pub struct LiveIndex {
    current: RwLock<Arc<Searcher>>,
    data_dir: PathBuf,
    index_dir: PathBuf,
    /// Held for the whole of a rebuild: one at a time.
    rebuilding: std::sync::Mutex<()>,
    /// The tally, under its own lock so that reading it (a metrics scrape)
    /// never waits for a rebuild.
    stats: std::sync::Mutex<RebuildStats>,
}

/// What the rebuilds since start did, for monitoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RebuildStats {
    pub succeeded: u64,
    pub failed: u64,
    /// When the last rebuild ended, and whether it succeeded.
    pub last: Option<(SystemTime, bool)>,
}

impl LiveIndex {
    pub fn new(searcher: Searcher, data_dir: &Path, index_dir: &Path) -> Self {
        LiveIndex {
            current: RwLock::new(Arc::new(searcher)),
            data_dir: data_dir.to_path_buf(),
            index_dir: index_dir.to_path_buf(),
            rebuilding: std::sync::Mutex::new(()),
            stats: std::sync::Mutex::new(RebuildStats::default()),
        }
    }

    /// Opens the current generation under `index_dir`, first building one
    /// from `data_dir` when there is none or when it was built from other
    /// data than is there now.
    pub fn open_or_build(data_dir: &Path, index_dir: &Path) -> Result<Self, RebuildError> {
        let fingerprint = index::data_fingerprint(data_dir).map_err(|e| {
            BuildError::Index(index::IndexError::Io {
                path: data_dir.to_path_buf(),
                source: e,
            })
        })?;
        let generation = match index::open(index_dir) {
            Ok(g) if g.meta.data_fingerprint == fingerprint => g,
            Ok(_) => {
                tracing::info!(data = %data_dir.display(), "the data changed since the index was built; rebuilding");
                index::build_from_data(data_dir, index_dir)?
            }
            Err(e) => {
                tracing::info!(reason = %e, "building the index");
                index::build_from_data(data_dir, index_dir)?
            }
        };
        Ok(LiveIndex::new(
            Searcher::open(generation)?,
            data_dir,
            index_dir,
        ))
    }

    /// The searcher to use for one request.
    pub fn searcher(&self) -> Arc<Searcher> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Rebuilds like [`LiveIndex::rebuild`], unless the data is exactly what
    /// the served generation was built from (`Ok(None)`).
    pub fn rebuild_if_changed(&self) -> Result<Option<Rebuilt>, RebuildError> {
        let fingerprint = index::data_fingerprint(&self.data_dir).map_err(|e| {
            BuildError::Index(index::IndexError::Io {
                path: self.data_dir.clone(),
                source: e,
            })
        })?;
        if fingerprint == self.searcher().meta().data_fingerprint {
            return Ok(None);
        }
        self.rebuild().map(Some)
    }

    /// Rebuilds from the data directory and swaps the new generation in.
    /// On error nothing served changes. Blocks: call it off the async
    /// runtime.
    pub fn rebuild(&self) -> Result<Rebuilt, RebuildError> {
        let _one_at_a_time = self.rebuilding.lock().unwrap_or_else(|e| e.into_inner());
        let outcome = self.rebuild_now();
        let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        match outcome {
            Ok(_) => stats.succeeded += 1,
            Err(_) => stats.failed += 1,
        }
        stats.last = Some((SystemTime::now(), outcome.is_ok()));
        outcome
    }

    /// The rebuild tally.
    pub fn stats(&self) -> RebuildStats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn rebuild_now(&self) -> Result<Rebuilt, RebuildError> {
        let old = self.searcher();
        let generation = index::build_from_data(&self.data_dir, &self.index_dir)?;
        let searcher = Searcher::open(generation)?;
        let changes = Changes::between(&old.fingerprints()?, &searcher.fingerprints()?);
        let meta = searcher.meta().clone();
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(searcher);
        tracing::info!(
            generation = meta.generation,
            documents = meta.documents,
            added = ?changes.added,
            removed = ?changes.removed,
            changed = ?changes.changed,
            "index rebuilt: {} added, {} removed, {} changed",
            changes.added.len(),
            changes.removed.len(),
            changes.changed.len(),
        );
        Ok(Rebuilt {
            generation: meta.generation,
            documents: meta.documents,
            built_at: meta.built_at,
            changes,
        })
    }
}
