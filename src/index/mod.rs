//! Index: measure records into a tantivy index on disk, in generations.
//!
//! The index directory holds one complete index per build, `gen-000001`,
//! `gen-000002`, …, and a `CURRENT` file naming the one to serve. A build
//! writes a new generation beside the served one, then replaces `CURRENT`
//! with an atomic rename: a reader sees the old index or the new one, never
//! half of one, and a build that fails (or is killed) leaves `CURRENT`
//! pointing at the last complete generation. Each generation also carries
//! `opatreni.json` with what the search stage needs besides the documents:
//! labels, the build time and a fingerprint of the data it was built from.

pub mod schema;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use tantivy::{Index, TantivyDocument};

use crate::analysis::{self, Chains, Synonyms};
use crate::ingest::text::fold;
use crate::ingest::{self, Corpus, Measure, Problems};
pub use schema::Fields;

const CURRENT: &str = "CURRENT";
const META: &str = "opatreni.json";
/// The synonym list a generation was built with, copied into it so that a
/// generation is complete on its own and a rebuild swaps both together.
const SYNONYMS: &str = "synonyms.txt";
/// The synonym file in the data directory.
pub const SYNONYMS_FILE: &str = "synonyms.txt";
const GENERATION_PREFIX: &str = "gen-";
/// Memory for tantivy's indexing buffers: enough to build a million
/// measures without flushing tiny segments.
const WRITER_MEMORY: usize = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("index at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("tantivy: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("index at {0}: no complete generation (build one with `opatreni index`)")]
    Missing(PathBuf),
    #[error("index metadata at {path}: {message}")]
    Meta { path: PathBuf, message: String },
}

/// Why a build from a data directory failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The data has problems; each names its file and line.
    #[error("{0}")]
    Data(Problems),
    #[error(transparent)]
    Index(#[from] IndexError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A slug with its Czech label, as the API shows facets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub value: String,
    pub label: String,
}

/// What a generation knows about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub generation: u64,
    /// RFC 3339, UTC, seconds.
    pub built_at: String,
    pub documents: u64,
    /// Fingerprint of the data directory this generation was built from.
    pub data_fingerprint: String,
    pub categories: Vec<Label>,
    pub regions: Vec<Label>,
    /// The analysis chains the generation was built with (see
    /// [`Chains::name`]).
    #[serde(default = "shipped_chains")]
    pub analysis: String,
}

fn shipped_chains() -> String {
    Chains::SHIPPED.name().to_owned()
}

/// An opened generation: the tantivy index, its fields and its metadata.
#[derive(Clone)]
pub struct Generation {
    pub index: Index,
    pub fields: Fields,
    pub meta: Meta,
    /// The analysis chains `meta.analysis` names, registered on `index`.
    pub chains: Chains,
    pub synonyms: Synonyms,
    pub path: PathBuf,
}

/// The bundled collection (`data/`) built under a temporary directory that
/// lives as long as the returned guard: what unit tests search.
#[cfg(test)]
pub(crate) fn bundled_for_tests() -> (tempfile::TempDir, Generation) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let generation = build_from_data(&data, dir.path()).expect("the bundled data builds");
    (dir, generation)
}

/// Imports `data_dir` and builds a new generation from it under `root`.
/// Nothing under `root` changes unless the data is valid and the build
/// completes.
pub fn build_from_data(data_dir: &Path, root: &Path) -> Result<Generation, BuildError> {
    let fingerprint = data_fingerprint(data_dir).map_err(io(data_dir))?;
    let imported = ingest::import(data_dir);
    let synonyms_path = data_dir.join(SYNONYMS_FILE);
    let synonyms_text = match std::fs::read_to_string(&synonyms_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(IndexError::Io {
                path: synonyms_path,
                source: e,
            }
            .into());
        }
    };
    let synonyms = Synonyms::parse(&synonyms_text, Path::new(SYNONYMS_FILE));
    match (imported, synonyms) {
        (Ok(corpus), Ok(synonyms)) => {
            let source = Source {
                corpus: &corpus,
                synonyms: &synonyms,
                synonyms_text: &synonyms_text,
                data_fingerprint: &fingerprint,
            };
            Ok(build(&source, Chains::SHIPPED, root)?)
        }
        (imported, synonyms) => {
            let mut problems = Problems::default();
            problems.extend(imported.err().unwrap_or_default());
            problems.extend(synonyms.err().unwrap_or_default());
            Err(BuildError::Data(problems.into_result(()).unwrap_err()))
        }
    }
}

/// What a generation is built from.
pub struct Source<'a> {
    pub corpus: &'a Corpus,
    pub synonyms: &'a Synonyms,
    /// The synonym file as written, copied into the generation.
    pub synonyms_text: &'a str,
    pub data_fingerprint: &'a str,
}

/// Builds a new generation from `source` under `root`, analysed by
/// `chains`, and makes it current. Returns it opened. Every other
/// generation but the one it replaces is removed.
pub fn build(source: &Source, chains: Chains, root: &Path) -> Result<Generation, IndexError> {
    let Source {
        corpus,
        synonyms,
        synonyms_text,
        data_fingerprint,
    } = *source;
    std::fs::create_dir_all(root).map_err(io(root))?;
    let generation = next_generation_number(root)?;
    let path = root.join(generation_name(generation));
    if path.exists() {
        std::fs::remove_dir_all(&path).map_err(io(&path))?;
    }
    std::fs::create_dir_all(&path).map_err(io(&path))?;
    let (schema, fields) = schema::build();
    let index = Index::create_in_dir(&path, schema)?;
    analysis::register_with(index.tokenizers(), chains);
    write_documents(&index, &fields, &corpus.measures)?;
    let meta = Meta {
        generation,
        built_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        documents: corpus.measures.len() as u64,
        data_fingerprint: data_fingerprint.to_owned(),
        categories: corpus
            .taxonomy
            .categories
            .iter()
            .map(|c| Label {
                value: c.slug.clone(),
                label: c.label.clone(),
            })
            .collect(),
        regions: corpus
            .gazetteer
            .regions
            .iter()
            .map(|r| Label {
                value: r.slug.clone(),
                label: r.label.clone(),
            })
            .collect(),
        analysis: chains.name().to_owned(),
    };
    write_atomically(&path.join(SYNONYMS), synonyms_text.as_bytes())?;
    // The metadata is written last: a generation without it is incomplete.
    write_atomically(
        &path.join(META),
        &serde_json::to_vec_pretty(&meta).expect("meta serialises"),
    )?;
    let served = served_generation(root);
    write_atomically(&root.join(CURRENT), generation_name(generation).as_bytes())?;
    remove_generations_but(root, generation, served);
    Ok(Generation {
        index,
        fields,
        meta,
        chains,
        synonyms: synonyms.clone(),
        path,
    })
}

/// Adds every measure and commits. Measures are prepared (serialised,
/// their language detected) and added on one thread, in [`layout`] order,
/// while tantivy's own threads index them: each segment then holds an
/// ordered part of the layout. Preparing is a sixth of a build's work, so
/// one thread keeps ahead of the indexing threads on two cores; more
/// would interleave the layout in the segments.
fn write_documents(index: &Index, fields: &Fields, measures: &[Measure]) -> Result<(), IndexError> {
    let mut writer = index.writer::<TantivyDocument>(WRITER_MEMORY)?;
    let order = listing_order(measures);
    for i in layout(measures, &order) {
        writer.add_document(document(fields, &measures[i], order[i]))?;
    }
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 && measures.len() < ONE_SEGMENT_BELOW {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    Ok(())
}

/// Collections smaller than this are merged into one segment. Each segment
/// costs a search its own dictionary lookups and posting cursors, which are
/// most of searching a few hundred measures; larger collections keep the
/// segments tantivy's threads wrote, which a search reads side by side
/// from 50,000 measures on (`search::execute`).
const ONE_SEGMENT_BELOW: usize = 1_000;

/// The order measures are added in, and so their document ids: by region,
/// then first town, those of that town alone first, then listing order. A
/// town's measures are neighbours,
/// so in every segment the town and region columns are long runs of one
/// value, and facet counting adds up a run's bits at once instead of
/// visiting its measures (`search::facets`). Merged segments are
/// concatenations, which keeps the runs.
fn layout(measures: &[Measure], order: &[u64]) -> Vec<usize> {
    let mut layout: Vec<usize> = (0..measures.len()).collect();
    layout.sort_by_cached_key(|&i| {
        let m = &measures[i];
        let town = m.towns.first().map(|t| fold(t));
        (m.region.clone(), town, m.towns.len(), order[i])
    });
    layout
}

/// Each measure's place when the whole collection is listed: by period, then
/// first town, then id.
fn listing_order(measures: &[Measure]) -> Vec<u64> {
    // Folded, so that "Bílina" sorts before "Bruntál" as Czech readers
    // expect, not after it as the bytes of "í" would have it. The keys are
    // computed once, not once per comparison.
    let mut sorted: Vec<usize> = (0..measures.len()).collect();
    sorted.sort_by_cached_key(|&i| {
        let m = &measures[i];
        (
            m.period.clone(),
            m.towns.first().map(|t| fold(t)),
            m.id.clone(),
        )
    });
    let mut rank = vec![0; measures.len()];
    for (place, index) in sorted.into_iter().enumerate() {
        rank[index] = place as u64;
    }
    rank
}

fn document(fields: &Fields, m: &Measure, order: u64) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, &m.id);
    doc.add_text(
        fields.record,
        serde_json::to_string(m).expect("records serialise"),
    );
    let text_fields = [
        fields.text_exact,
        fields.text_folded,
        fields.text_stem,
        fields.text_root,
        fields.text_pairs,
        fields.text_stem_pairs,
    ];
    for field in text_fields {
        doc.add_text(field, &m.text);
    }
    for phrase in &m.key_phrases {
        doc.add_text(fields.phrases_stem, phrase);
    }
    let places = m
        .towns
        .iter()
        .chain(std::iter::once(&m.heading))
        .chain(&m.localities);
    for place in places {
        doc.add_text(fields.places_folded, place);
        doc.add_text(fields.places_stem, place);
    }
    for town in &m.towns {
        doc.add_text(fields.town, town);
    }
    doc.add_text(fields.period, &m.period);
    for category in &m.categories {
        doc.add_text(fields.category, category);
    }
    doc.add_text(fields.region, &m.region);
    doc.add_u64(fields.year_from, u64::from(m.period_from.year));
    doc.add_u64(fields.year_to, u64::from(m.period_to.year));
    doc.add_u64(fields.order, order);
    doc.add_text(fields.lang, analysis::detect_language(&m.text).code());
    doc
}

/// Opens the current generation under `root`.
pub fn open(root: &Path) -> Result<Generation, IndexError> {
    let name = std::fs::read_to_string(root.join(CURRENT))
        .map_err(|_| IndexError::Missing(root.to_path_buf()))?;
    open_generation(&root.join(name.trim()))
}

fn open_generation(path: &Path) -> Result<Generation, IndexError> {
    let meta_path = path.join(META);
    let bytes = std::fs::read(&meta_path).map_err(io(&meta_path))?;
    let meta: Meta = serde_json::from_slice(&bytes).map_err(|e| IndexError::Meta {
        path: meta_path.clone(),
        message: e.to_string(),
    })?;
    let synonyms_path = path.join(SYNONYMS);
    let synonyms_text = std::fs::read_to_string(&synonyms_path).map_err(io(&synonyms_path))?;
    let synonyms =
        Synonyms::parse(&synonyms_text, &synonyms_path).map_err(|problems| IndexError::Meta {
            path: synonyms_path.clone(),
            message: problems.to_string(),
        })?;
    let index = Index::open_in_dir(path)?;
    let chains = Chains::from_name(&meta.analysis).ok_or_else(|| IndexError::Meta {
        path: meta_path.clone(),
        message: format!("unknown analysis {:?}", meta.analysis),
    })?;
    analysis::register_with(index.tokenizers(), chains);
    let fields = Fields::from_schema(&index.schema())?;
    Ok(Generation {
        index,
        fields,
        meta,
        chains,
        synonyms,
        path: path.to_path_buf(),
    })
}

fn generation_name(n: u64) -> String {
    format!("{GENERATION_PREFIX}{n:06}")
}

fn generations(root: &Path) -> Result<Vec<u64>, IndexError> {
    let mut numbers: Vec<u64> = std::fs::read_dir(root)
        .map_err(io(root))?
        .filter_map(Result::ok)
        .filter_map(|e| generation_number(e.file_name().to_str()?))
        .collect();
    numbers.sort_unstable();
    Ok(numbers)
}

fn next_generation_number(root: &Path) -> Result<u64, IndexError> {
    Ok(generations(root)?.last().map_or(1, |n| n + 1))
}

/// The number of the generation `CURRENT` names, if it names one.
fn served_generation(root: &Path) -> Option<u64> {
    generation_number(std::fs::read_to_string(root.join(CURRENT)).ok()?.trim())
}

/// The number in a generation's name (`gen-000002`), if it is one.
fn generation_number(name: &str) -> Option<u64> {
    name.strip_prefix(GENERATION_PREFIX)?.parse().ok()
}

/// Removes every generation but `current` and `served`, the one `current`
/// replaced: a search that started on that may still be reading its files.
/// The generation kept is the one that was served, not the one numbered
/// before `current`: a killed build leaves an incomplete generation between
/// them, which goes with the older ones.
fn remove_generations_but(root: &Path, current: u64, served: Option<u64>) {
    let Ok(numbers) = generations(root) else {
        return;
    };
    for n in numbers
        .into_iter()
        .filter(|&n| n != current && Some(n) != served)
    {
        let path = root.join(generation_name(n));
        if let Err(e) = std::fs::remove_dir_all(&path) {
            tracing::warn!(path = %path.display(), error = %e, "could not remove an old index generation");
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it
/// over `path`: readers see the old contents or the new, never a mix.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), IndexError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    file.write_all(bytes).map_err(io(&tmp))?;
    file.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    if let Some(dir) = path.parent()
        && let Ok(dir) = std::fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// A fingerprint of every file under `data_dir` (names and contents), to
/// tell whether an index was built from the data as it is now.
pub fn data_fingerprint(data_dir: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    collect_files(data_dir, data_dir, &mut files)?;
    files.sort();
    let mut hash = Fnv1a::default();
    for relative in files {
        hash.write(relative.to_string_lossy().as_bytes());
        hash.write(&[0]);
        hash.write(&std::fs::read(data_dir.join(&relative))?);
        hash.write(&[0]);
    }
    Ok(format!("{:016x}", hash.0))
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(root, &path, out)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            out.push(relative.to_path_buf());
        }
    }
    Ok(())
}

/// 64-bit FNV-1a: stable across Rust versions and platforms, unlike
/// `DefaultHasher`, so a fingerprint written by one build reads the same in
/// the next.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
