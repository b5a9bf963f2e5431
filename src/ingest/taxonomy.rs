//! The category taxonomy (`data/categories.toml`) and the hand-made
//! corrections to it (`data/overrides.toml`).
//!
//! Categories are assigned by rules, so that a new report is categorised
//! without anyone touching code; where a rule is wrong for one measure, an
//! override names the measure's id and its categories, and wins.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::error::Problems;
use super::matcher::PrefixPhrase;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    #[serde(rename = "category")]
    categories: Vec<CategoryEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryEntry {
    slug: String,
    label: String,
    rules: Vec<String>,
}

/// One category: `bydleni`, "Bydlení", and the rules that assign it.
#[derive(Debug, Clone)]
pub struct Category {
    pub slug: String,
    pub label: String,
    pub rules: Vec<PrefixPhrase>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub categories: Vec<Category>,
    /// Measure id → its categories, decided by a person.
    overrides: BTreeMap<String, Override>,
}

#[derive(Debug, Clone)]
struct Override {
    categories: Vec<String>,
    /// The beginning of the measure's text, as the person who decided saw
    /// it: ids are positions, so an override must notice when a bullet
    /// inserted or removed above its measure moved another one under its id.
    text: Option<String>,
    line: usize,
}

/// An override as written: the categories alone, or with the text they
/// were decided for.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OverrideEntry {
    Categories(Vec<String>),
    Checked {
        categories: Vec<String>,
        text: String,
    },
}

impl Taxonomy {
    pub fn parse(file: &Path, source: &str, problems: &mut Problems) -> Option<Self> {
        let parsed: TaxonomyFile = super::parse_toml(file, source, problems)?;
        let mut categories: Vec<Category> = Vec::new();
        for entry in parsed.categories {
            let line = super::line_of(source, &format!("slug = \"{}\"", entry.slug));
            if categories.iter().any(|c| c.slug == entry.slug) {
                problems.push(
                    file,
                    line,
                    format!("category {:?} is defined twice", entry.slug),
                );
                continue;
            }
            let rules = entry
                .rules
                .iter()
                .filter_map(|r| PrefixPhrase::parse(r))
                .collect();
            categories.push(Category {
                slug: entry.slug,
                label: entry.label,
                rules,
            });
        }
        Some(Taxonomy {
            categories,
            overrides: BTreeMap::new(),
        })
    }

    /// Reads the overrides file: `"<measure id>" = ["slug", …]`.
    pub fn parse_overrides(&mut self, file: &Path, source: &str, problems: &mut Problems) {
        let Some(parsed): Option<BTreeMap<String, OverrideEntry>> =
            super::parse_toml(file, source, problems)
        else {
            return;
        };
        for (id, entry) in parsed {
            let (categories, text) = match entry {
                OverrideEntry::Categories(categories) => (categories, None),
                OverrideEntry::Checked { categories, text } => (categories, Some(text)),
            };
            let line = super::line_of(source, &format!("\"{id}\""));
            for slug in categories.iter().filter(|s| self.category(s).is_none()) {
                problems.push(
                    file,
                    line,
                    format!(
                        "unknown category {slug:?} for {id}; known: {}",
                        self.slugs()
                    ),
                );
            }
            if categories.is_empty() {
                problems.push(file, line, format!("{id} is given no category"));
            }
            self.overrides.insert(
                id,
                Override {
                    categories,
                    text,
                    line,
                },
            );
        }
    }

    pub fn category(&self, slug: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.slug == slug)
    }

    fn slugs(&self) -> String {
        let slugs: Vec<&str> = self.categories.iter().map(|c| c.slug.as_str()).collect();
        slugs.join(", ")
    }

    /// The categories whose rules match `words` (folded), in taxonomy order.
    pub fn by_rules(&self, words: &[String]) -> Vec<String> {
        self.categories
            .iter()
            .filter(|c| c.rules.iter().any(|r| r.is_in(words)))
            .map(|c| c.slug.clone())
            .collect()
    }

    /// The categories of a measure: the override if there is one, else the
    /// rules' verdict.
    pub fn categorize(&self, id: &str, words: &[String]) -> Vec<String> {
        match self.overrides.get(id) {
            Some(o) => o.categories.clone(),
            None => self.by_rules(words),
        }
    }

    /// When the override of `id` was decided for another text than the
    /// measure now under that id: its line and what to tell the person.
    pub fn override_mismatch(&self, id: &str, text: &str) -> Option<(usize, String)> {
        let o = self.overrides.get(id)?;
        let expected = o.text.as_deref()?;
        (!text.starts_with(expected)).then(|| {
            (
                o.line,
                format!(
                    "the override of {id} was decided for a measure starting {expected:?}, \
                     but {id} is now {text:?}; was a bullet added or removed above it?"
                ),
            )
        })
    }

    /// Overrides whose id matched no measure, with their line: a typo or a
    /// measure that was renumbered.
    pub fn unused_overrides<'a>(
        &'a self,
        known: &'a std::collections::HashSet<String>,
    ) -> impl Iterator<Item = (&'a str, usize)> + 'a {
        self.overrides
            .iter()
            .filter(|(id, _)| !known.contains(*id))
            .map(|(id, o)| (id.as_str(), o.line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::text::folded_words;

    const SOURCE: &str = "[[category]]\nslug = \"bydleni\"\nlabel = \"Bydlení\"\nrules = [\"bydl\", \"startovac byt\"]\n\n\
        [[category]]\nslug = \"zamestnanost\"\nlabel = \"Zaměstnanost\"\nrules = [\"zamestn\"]\n";

    #[test]
    fn rules_and_overrides() {
        let mut problems = Problems::default();
        let mut taxonomy = Taxonomy::parse(Path::new("c.toml"), SOURCE, &mut problems).unwrap();
        taxonomy.parse_overrides(
            Path::new("o.toml"),
            "\"x-01\" = [\"zamestnanost\"]\n\"x-02\" = [\"zdravi\"]\n\
             \"x-03\" = { categories = [\"bydleni\"], text = \"startovací\" }\n",
            &mut problems,
        );
        let words = folded_words("systém startovacích bytů a prostupného zaměstnávání");
        assert_eq!(taxonomy.by_rules(&words), ["bydleni", "zamestnanost"]);
        assert_eq!(taxonomy.categorize("x-01", &words), ["zamestnanost"]);
        assert_eq!(
            problems.0[0].to_string(),
            "o.toml:2: unknown category \"zdravi\" for x-02; known: bydleni, zamestnanost"
        );
        assert_eq!(taxonomy.override_mismatch("x-03", "startovací byty"), None);
        let (line, message) = taxonomy
            .override_mismatch("x-03", "tréninkové byty")
            .unwrap();
        assert_eq!(line, 3);
        assert!(
            message.contains("was a bullet added or removed above it?"),
            "{message}"
        );
    }
}
