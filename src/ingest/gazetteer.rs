//! The gazetteer: towns, their regions and localities (`data/gazetteer.toml`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::error::Problems;
use super::matcher::PrefixPhrase;
use super::text::fold;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GazetteerFile {
    regions: BTreeMap<String, String>,
    #[serde(rename = "town", default)]
    towns: Vec<TownEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TownEntry {
    name: String,
    region: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    localities: Vec<LocalityEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocalityEntry {
    name: String,
    #[serde(rename = "match", default)]
    rules: Vec<String>,
}

/// A region (kraj): `ustecky`, "Ústecký kraj".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub slug: String,
    pub label: String,
}

/// A town with what is needed to find it and its localities in text.
#[derive(Debug, Clone)]
pub struct Town {
    pub name: String,
    pub region: Region,
    /// How the town itself is found in a measure's text.
    pub rule: PrefixPhrase,
    pub localities: Vec<Locality>,
}

#[derive(Debug, Clone)]
pub struct Locality {
    pub name: String,
    pub rules: Vec<PrefixPhrase>,
}

#[derive(Debug, Clone)]
pub struct Gazetteer {
    pub regions: Vec<Region>,
    towns: Vec<Town>,
    /// Folded name or alias → index into `towns`.
    by_name: BTreeMap<String, usize>,
}

impl Gazetteer {
    /// Parses the gazetteer; `file` is how problems name it.
    pub fn parse(file: &Path, source: &str, problems: &mut Problems) -> Option<Self> {
        let parsed: GazetteerFile = super::parse_toml(file, source, problems)?;
        let regions: Vec<Region> = parsed
            .regions
            .into_iter()
            .map(|(slug, label)| Region { slug, label })
            .collect();
        let mut gazetteer = Gazetteer {
            regions,
            towns: Vec::new(),
            by_name: BTreeMap::new(),
        };
        for entry in parsed.towns {
            let line = super::line_of(source, &format!("name = \"{}\"", entry.name));
            gazetteer.add(entry, file, line, problems);
        }
        Some(gazetteer)
    }

    fn add(&mut self, entry: TownEntry, file: &Path, line: usize, problems: &mut Problems) {
        let Some(region) = self
            .regions
            .iter()
            .find(|r| r.slug == entry.region)
            .cloned()
        else {
            let known: Vec<&str> = self.regions.iter().map(|r| r.slug.as_str()).collect();
            problems.push(
                file,
                line,
                format!(
                    "town {:?} has unknown region {:?}; known regions: {}",
                    entry.name,
                    entry.region,
                    known.join(", ")
                ),
            );
            return;
        };
        let Some(rule) = PrefixPhrase::for_name(&entry.name) else {
            problems.push(file, line, "a town with an empty name");
            return;
        };
        let localities = entry
            .localities
            .into_iter()
            .map(|l| {
                let rules = if l.rules.is_empty() {
                    PrefixPhrase::for_name(&l.name).into_iter().collect()
                } else {
                    l.rules
                        .iter()
                        .filter_map(|r| PrefixPhrase::parse(r))
                        .collect()
                };
                Locality {
                    name: l.name,
                    rules,
                }
            })
            .collect();
        let index = self.towns.len();
        for name in std::iter::once(&entry.name).chain(&entry.aliases) {
            if self.by_name.insert(fold(name), index).is_some() {
                problems.push(file, line, format!("{name:?} is listed twice"));
            }
        }
        self.towns.push(Town {
            name: entry.name,
            region,
            rule,
            localities,
        });
    }

    pub fn town(&self, name: &str) -> Option<&Town> {
        self.by_name.get(&fold(name)).map(|&i| &self.towns[i])
    }

    /// The towns a report heading names: "Kadaň", "Mělnicko" (an alias of
    /// Mělník), "Teplá a Toužim". `Err` carries the parts not in the
    /// gazetteer.
    pub fn resolve_heading(&self, heading: &str) -> Result<Vec<&Town>, Vec<String>> {
        if let Some(town) = self.town(heading) {
            return Ok(vec![town]);
        }
        let parts: Vec<&str> = heading
            .split([',', '&'])
            .flat_map(|p| p.split(" a "))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let (found, missing): (Vec<_>, Vec<_>) = parts
            .iter()
            .map(|p| (p, self.town(p)))
            .partition(|(_, t)| t.is_some());
        if missing.is_empty() {
            Ok(found.into_iter().filter_map(|(_, t)| t).collect())
        } else if found.is_empty() {
            Err(vec![heading.to_owned()])
        } else {
            Err(missing.into_iter().map(|(p, _)| p.to_string()).collect())
        }
    }

    pub fn towns(&self) -> &[Town] {
        &self.towns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Gazetteer {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/gazetteer.toml");
        let source = std::fs::read_to_string(&path).unwrap();
        let mut problems = Problems::default();
        let g = Gazetteer::parse(&path, &source, &mut problems).unwrap();
        assert!(problems.is_empty(), "{problems}");
        g
    }

    fn names(towns: Vec<&Town>) -> Vec<&str> {
        towns.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn resolves_single_alias_and_joined_headings() {
        let g = bundled();
        assert_eq!(g.regions.len(), 14);
        assert_eq!(names(g.resolve_heading("Kadaň").unwrap()), ["Kadaň"]);
        assert_eq!(names(g.resolve_heading("kadan").unwrap()), ["Kadaň"]);
        assert_eq!(names(g.resolve_heading("Mělnicko").unwrap()), ["Mělník"]);
        assert_eq!(g.town("Mělnicko").unwrap().region.label, "Středočeský kraj");
        assert_eq!(
            names(g.resolve_heading("Teplá a Toužim").unwrap()),
            ["Teplá", "Toužim"]
        );
        assert_eq!(
            names(g.resolve_heading("Kutná Hora").unwrap()),
            ["Kutná Hora"]
        );
        assert_eq!(g.resolve_heading("Teplá a Brno").unwrap_err(), ["Brno"]);
        assert_eq!(g.resolve_heading("Ostrava").unwrap_err(), ["Ostrava"]);
    }

    #[test]
    fn unknown_region_is_reported_with_its_line() {
        let source = "[regions]\nustecky = \"Ústecký kraj\"\n\n[[town]]\nname = \"Brno\"\nregion = \"jihomoravsky\"\n";
        let mut problems = Problems::default();
        Gazetteer::parse(Path::new("g.toml"), source, &mut problems).unwrap();
        assert_eq!(
            problems.0[0].to_string(),
            "g.toml:5: town \"Brno\" has unknown region \"jihomoravsky\"; known regions: ustecky"
        );
    }
}
