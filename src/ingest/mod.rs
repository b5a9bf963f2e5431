//! Ingest: the reports in `data/` become [`Measure`] records.
//!
//! The data directory holds everything a person edits:
//!
//! - `reports/`: the agency's reports as received, Markdown or text from a
//!   PDF, one file per report. A new file here is a new report.
//! - `gazetteer.toml`: towns, regions and localities.
//! - `categories.toml`: the category taxonomy and its rules.
//! - `overrides.toml`: categories decided by hand for single measures.
//!
//! [`import`] reads them all and either returns every measure or every
//! problem it found, each with its `file:line`.

pub mod error;
pub mod gazetteer;
pub mod matcher;
pub mod measure;
pub mod period;
pub mod report;
pub mod taxonomy;
pub mod text;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

pub use error::{Problem, Problems};
pub use gazetteer::{Gazetteer, Region, Town};
pub use measure::{Measure, Source};
pub use period::{Period, YearMonth};
pub use taxonomy::{Category, Taxonomy};

use report::{ParsedReport, Section};
use text::folded_words;

pub const REPORTS_DIR: &str = "reports";
pub const GAZETTEER_FILE: &str = "gazetteer.toml";
pub const CATEGORIES_FILE: &str = "categories.toml";
pub const OVERRIDES_FILE: &str = "overrides.toml";

/// Everything imported from a data directory.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// Report files, relative to the data directory, in import order.
    pub reports: Vec<String>,
    pub measures: Vec<Measure>,
    pub gazetteer: Gazetteer,
    pub taxonomy: Taxonomy,
}

impl Corpus {
    pub fn measure(&self, id: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.id == id)
    }

    /// A printable summary: reports, towns, measures, measures per category.
    pub fn summary(&self) -> String {
        let towns: HashSet<&str> = self
            .measures
            .iter()
            .flat_map(|m| m.towns.iter().map(String::as_str))
            .collect();
        let mut out = format!(
            "{} reports, {} towns, {} measures\n",
            self.reports.len(),
            towns.len(),
            self.measures.len()
        );
        for report in &self.reports {
            let n = self
                .measures
                .iter()
                .filter(|m| &m.source.file == report)
                .count();
            out.push_str(&format!("  {report}: {n} measures\n"));
        }
        out.push_str("measures per category:\n");
        for category in &self.taxonomy.categories {
            let n = self
                .measures
                .iter()
                .filter(|m| m.categories.contains(&category.slug))
                .count();
            out.push_str(&format!(
                "  {:<22} {:>4}  {}\n",
                category.slug, n, category.label
            ));
        }
        out
    }
}

/// Imports every report in `data_dir`, or returns every problem found.
pub fn import(data_dir: &Path) -> Result<Corpus, Problems> {
    let mut problems = Problems::default();
    let gazetteer = read(data_dir, GAZETTEER_FILE, &mut problems)
        .and_then(|(path, source)| Gazetteer::parse(&path, &source, &mut problems));
    let mut taxonomy = read(data_dir, CATEGORIES_FILE, &mut problems)
        .and_then(|(path, source)| Taxonomy::parse(&path, &source, &mut problems));
    if let Some(taxonomy) = taxonomy.as_mut()
        && data_dir.join(OVERRIDES_FILE).exists()
        && let Some((path, source)) = read(data_dir, OVERRIDES_FILE, &mut problems)
    {
        taxonomy.parse_overrides(&path, &source, &mut problems);
    }

    let reports = report_files(data_dir, &mut problems);
    let parsed: Vec<(String, ParsedReport)> = reports
        .iter()
        .filter_map(|name| {
            let (path, source) = read(data_dir, name, &mut problems)?;
            let report = report::parse(&path, &source, &mut problems)?;
            Some((name.clone(), report))
        })
        .collect();

    let (Some(gazetteer), Some(taxonomy)) = (gazetteer, taxonomy) else {
        return Err(problems.into_result(()).unwrap_err());
    };
    let measures = build_measures(&parsed, &gazetteer, &taxonomy, &mut problems);
    problems.into_result(Corpus {
        reports,
        measures,
        gazetteer,
        taxonomy,
    })
}

/// The report files, relative to `data_dir`, sorted by name so that import
/// order (and with it every id) does not depend on the file system.
fn report_files(data_dir: &Path, problems: &mut Problems) -> Vec<String> {
    let dir = data_dir.join(REPORTS_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(&dir, 0, format!("cannot read the reports directory: {e}"));
            return Vec::new();
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|name| !name.starts_with('.') && !name.ends_with('~'))
        .map(|name| format!("{REPORTS_DIR}/{name}"))
        .collect();
    names.sort();
    if names.is_empty() {
        problems.push(&dir, 0, "no reports found");
    }
    names
}

/// Reads `name` under `data_dir`, returning the path problems should name.
fn read(data_dir: &Path, name: &str, problems: &mut Problems) -> Option<(PathBuf, String)> {
    let display = PathBuf::from(name);
    match std::fs::read(data_dir.join(name)) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(source) => Some((display, source)),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let line = line_at(&String::from_utf8_lossy(e.as_bytes()), offset);
                problems.push(&display, line, "not valid UTF-8 (save the file as UTF-8)");
                None
            }
        },
        Err(e) => {
            problems.push(&display, 0, format!("cannot read: {e}"));
            None
        }
    }
}

fn build_measures(
    reports: &[(String, ParsedReport)],
    gazetteer: &Gazetteer,
    taxonomy: &Taxonomy,
    problems: &mut Problems,
) -> Vec<Measure> {
    let mut measures = Vec::new();
    let mut first_seen: HashMap<String, (String, usize)> = HashMap::new();
    for (file, report) in reports {
        let path = Path::new(file);
        for section in &report.sections {
            let towns = match gazetteer.resolve_heading(&section.heading) {
                Ok(towns) => towns,
                Err(missing) => {
                    for name in missing {
                        problems.push(
                            path,
                            section.line,
                            format!("town {name:?} is not in the gazetteer ({GAZETTEER_FILE})"),
                        );
                    }
                    continue;
                }
            };
            if towns.iter().any(|t| t.region != towns[0].region) {
                problems.push(
                    path,
                    section.line,
                    "the towns of one heading lie in different regions",
                );
                continue;
            }
            for (_, measure) in section_measures(file, report, section, &towns, taxonomy) {
                if let Some((other_file, other_line)) = first_seen.get(&measure.id) {
                    problems.push(
                        path,
                        measure.source.line,
                        format!(
                            "id {} is also given to {other_file}:{other_line}",
                            measure.id
                        ),
                    );
                    continue;
                }
                if measure.categories.is_empty() {
                    problems.push(
                        path,
                        measure.source.line,
                        format!(
                            "no category rule matches {}; add a rule to \
                             {CATEGORIES_FILE} or an override to {OVERRIDES_FILE}",
                            measure.id
                        ),
                    );
                }
                if let Some((line, message)) =
                    taxonomy.override_mismatch(&measure.id, &measure.text)
                {
                    problems.push(Path::new(OVERRIDES_FILE), line, message);
                }
                first_seen.insert(measure.id.clone(), (file.clone(), measure.source.line));
                measures.push(measure);
            }
        }
    }
    let known: HashSet<String> = measures.iter().map(|m| m.id.clone()).collect();
    for (id, line) in taxonomy.unused_overrides(&known) {
        problems.push(
            Path::new(OVERRIDES_FILE),
            line,
            format!("no measure has the id {id}"),
        );
    }
    measures
}

fn section_measures(
    file: &str,
    report: &ParsedReport,
    section: &Section,
    towns: &[&Town],
    taxonomy: &Taxonomy,
) -> Vec<(usize, Measure)> {
    let period = &report.period;
    let heading_slug = text::slug(&section.heading);
    section
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let id = format!("{}-{}-{:02}", period.label, heading_slug, i + 1);
            let words = folded_words(&item.text);
            let measure = Measure {
                categories: taxonomy.categorize(&id, &words),
                id,
                towns: towns_of_item(towns, &words),
                heading: section.heading.clone(),
                region: towns[0].region.slug.clone(),
                region_label: towns[0].region.label.clone(),
                localities: localities_in(towns, &words),
                period: period.label.clone(),
                period_from: period.from,
                period_to: period.to,
                text: item.text.clone(),
                key_phrases: item.key_phrases.clone(),
                source: Source {
                    file: file.to_owned(),
                    line: item.line,
                },
            };
            (i + 1, measure)
        })
        .collect()
}

/// Under a heading of several towns, a measure that names some of them
/// ("… občané v referendu odmítli (Toužim)") belongs to those; otherwise to
/// all of them.
fn towns_of_item(towns: &[&Town], words: &[String]) -> Vec<String> {
    let named: Vec<String> = towns
        .iter()
        .filter(|t| towns.len() > 1 && t.rule.is_in(words))
        .map(|t| t.name.clone())
        .collect();
    if named.is_empty() {
        towns.iter().map(|t| t.name.clone()).collect()
    } else {
        named
    }
}

fn localities_in(towns: &[&Town], words: &[String]) -> Vec<String> {
    towns
        .iter()
        .flat_map(|t| &t.localities)
        .filter(|l| l.rules.iter().any(|r| r.is_in(words)))
        .map(|l| l.name.clone())
        .collect()
}

/// Deserialises a TOML data file, turning a syntax error into a problem at
/// its line.
fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &Path,
    source: &str,
    problems: &mut Problems,
) -> Option<T> {
    match toml::from_str(source) {
        Ok(value) => Some(value),
        Err(e) => {
            let line = e.span().map_or(0, |span| line_at(source, span.start));
            problems.push(file, line, e.message().to_owned());
            None
        }
    }
}

/// 1-based line of a byte offset.
fn line_at(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// 1-based line of the first occurrence of `needle`, 0 if absent: enough to
/// point a person at a TOML entry after deserialisation dropped the spans.
fn line_of(source: &str, needle: &str) -> usize {
    source
        .find(needle)
        .map_or(0, |offset| line_at(source, offset))
}

/// Measures per town heading per report file, for checks and summaries.
pub fn counts_by_heading(measures: &[Measure]) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for m in measures {
        *counts
            .entry((m.source.file.clone(), m.heading.clone()))
            .or_insert(0) += 1;
    }
    counts
}
