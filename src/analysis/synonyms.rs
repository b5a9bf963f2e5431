//! Synonyms: abbreviations and what they stand for.
//!
//! Agencies write `OSPOD`, people search `sociálka` or "orgán sociálně-právní
//! ochrany dětí", and the other way round. No stemmer can relate those, so
//! a list kept by people who know the field does. It is a plain text file,
//! edited by non-programmers:
//!
//! ```text
//! # One group per line: phrases that mean the same, separated by "=".
//! OSPOD = orgán sociálně-právní ochrany dětí
//! ASZ = Agentura pro sociální začleňování   # a comment may end a line
//! ```
//!
//! Only `=` separates phrases, never a comma, because names of organisations
//! contain commas (`Člověk v tísni, o.p.s.`).
//!
//! Synonyms expand the *query*, not the index: a changed list then needs no
//! reindexing, and the index keeps what the reports actually say. Matching
//! compares the stems of folded words, so the list is written once in the
//! nominative and still matches `OSPODu` or "orgánu sociálně-právní ochrany
//! dětí" typed without accents.

use std::collections::HashMap;
use std::path::Path;

use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use super::fold::FoldFilter;
use super::stem::FoldedLightStemmer;
use super::tokenize::CzechTokenizer;
use crate::ingest::Problems;
use crate::ingest::text::fold;

/// The most alternative sequences one query expands into: a query that
/// names several abbreviations must not explode into a product of all
/// their spellings.
pub const MAX_ALTERNATIVES: usize = 16;

/// One line of the synonym file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynonymGroup {
    /// 1-based line in the file, for messages about it.
    pub line: usize,
    /// The phrases as written, trimmed.
    pub written: Vec<String>,
    /// The phrases as folded tokens, in the order written.
    pub phrases: Vec<Vec<String>>,
}

/// A synonym phrase found in a query: where it stands (in tokens) and the
/// other phrases of its group, as folded tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynonymSpan {
    pub start: usize,
    pub len: usize,
    pub alternatives: Vec<Vec<String>>,
}

/// The parsed synonym list.
#[derive(Clone, Debug, Default)]
pub struct Synonyms {
    groups: Vec<SynonymGroup>,
    /// Stem keys of a phrase → (group, phrase) indices.
    by_keys: HashMap<Vec<String>, (usize, usize), foldhash::fast::RandomState>,
    /// First stem key of a phrase → the longest phrase starting with it,
    /// in tokens: nearly every word of a query starts none, and finding
    /// that out by looking up every run of words from it was a twentieth
    /// of planning a query.
    longest_from: HashMap<String, usize, foldhash::fast::RandomState>,
}

impl Synonyms {
    /// Reads and parses the synonym file at `path`.
    pub fn load(path: &Path) -> Result<Synonyms, Problems> {
        match std::fs::read_to_string(path) {
            Ok(text) => Synonyms::parse(&text, path),
            Err(err) => {
                let mut problems = Problems::default();
                problems.push(path, 0, format!("cannot read the synonym file: {err}"));
                Err(problems)
            }
        }
    }

    /// Parses the text of a synonym file; `file` names it in problems.
    /// Every problem is reported, not just the first.
    pub fn parse(text: &str, file: &Path) -> Result<Synonyms, Problems> {
        let mut synonyms = Synonyms::default();
        let mut problems = Problems::default();
        let mut analyzer = TextAnalyzer::builder(CzechTokenizer::default())
            .filter(FoldFilter)
            .build();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let mut group = SynonymGroup {
                line,
                written: Vec::new(),
                phrases: Vec::new(),
            };
            let mut keys_seen: Vec<Vec<String>> = Vec::new();
            let problems_before = problems.len();
            for written in content.split('=').map(str::trim) {
                let tokens = folded_tokens(&mut analyzer, written);
                if tokens.is_empty() {
                    problems.push(
                        file,
                        line,
                        format!("empty phrase in \"{content}\"; phrases are separated by \"=\""),
                    );
                    continue;
                }
                let keys = stem_keys(&tokens);
                if keys_seen.contains(&keys) {
                    continue; // the same phrase twice on one line: harmless
                }
                if let Some(&(other, _)) = synonyms.by_keys.get(&keys) {
                    problems.push(
                        file,
                        line,
                        format!(
                            "\"{written}\" is already in the group on line {}; \
                             put all its synonyms on one line",
                            synonyms.groups[other].line
                        ),
                    );
                    continue;
                }
                keys_seen.push(keys);
                group.written.push(written.to_owned());
                group.phrases.push(tokens);
            }
            if group.phrases.len() < 2 {
                // A line whose phrases were all rejected above already has
                // its problem; a lone phrase needs one.
                if problems.len() == problems_before {
                    problems.push(
                        file,
                        line,
                        format!(
                            "\"{content}\" has nothing to be a synonym of; \
                             write \"ZKRATKA = rozvinutí\""
                        ),
                    );
                }
                continue;
            }
            let group_index = synonyms.groups.len();
            for (phrase_index, keys) in keys_seen.into_iter().enumerate() {
                let longest = synonyms.longest_from.entry(keys[0].clone()).or_default();
                *longest = (*longest).max(keys.len());
                synonyms.by_keys.insert(keys, (group_index, phrase_index));
            }
            synonyms.groups.push(group);
        }
        problems.into_result(synonyms)
    }

    pub fn groups(&self) -> &[SynonymGroup] {
        &self.groups
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The alternatives of a query: every way of replacing the synonym
    /// phrases found in `tokens` by another phrase of their group, the
    /// query itself excluded, at most [`MAX_ALTERNATIVES`].
    ///
    /// `tokens` are the query's words, folded or not; phrases are found
    /// left to right, longest first, without overlapping. The replaced
    /// parts are folded tokens, the rest is returned as given.
    pub fn expand<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<Vec<String>> {
        let found = self.find(tokens);
        if found.is_empty() {
            return Vec::new();
        }
        // Every combination of one phrase per hit, in the order written,
        // counted like an odometer; the combination typed is skipped.
        let typed: Vec<usize> = found.iter().map(|hit| hit.3).collect();
        let sizes: Vec<usize> = found
            .iter()
            .map(|hit| self.groups[hit.2].phrases.len())
            .collect();
        let mut choice = vec![0; found.len()];
        let mut alternatives = Vec::new();
        loop {
            if choice != typed {
                alternatives.push(self.spell(tokens, &found, &choice));
                if alternatives.len() == MAX_ALTERNATIVES {
                    return alternatives;
                }
            }
            let mut wheel = found.len();
            loop {
                if wheel == 0 {
                    return alternatives;
                }
                wheel -= 1;
                choice[wheel] += 1;
                if choice[wheel] < sizes[wheel] {
                    break;
                }
                choice[wheel] = 0;
            }
        }
    }

    /// The synonym phrases found in `tokens`, each with the other phrases
    /// of its group: what a query planner needs to offer a phrase's
    /// synonyms as alternatives of just the words it covers.
    pub fn spans<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<SynonymSpan> {
        self.spans_found(self.find(tokens))
    }

    fn spans_found(&self, found: Vec<(usize, usize, usize, usize)>) -> Vec<SynonymSpan> {
        found
            .into_iter()
            .map(|(start, len, group, phrase)| SynonymSpan {
                start,
                len,
                alternatives: self.groups[group]
                    .phrases
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != phrase)
                    .map(|(_, p)| p.clone())
                    .collect(),
            })
            .collect()
    }

    /// [`Synonyms::spans`] of tokens given as their [`Synonyms::key`]s,
    /// which a caller that meets the same tokens again can keep.
    pub fn spans_of_keys<S: AsRef<str>>(&self, keys: &[S]) -> Vec<SynonymSpan> {
        self.spans_found(self.find_keys(keys))
    }

    /// What a token is found by among the phrases' words: its folded stem.
    pub fn key(token: &str) -> String {
        FoldedLightStemmer.stem(&fold(token)).into_owned()
    }

    /// `(start, length, group, phrase)` of each synonym phrase in `tokens`,
    /// left to right, longest first, without overlapping.
    fn find<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<(usize, usize, usize, usize)> {
        let keys: Vec<String> = tokens.iter().map(|t| Synonyms::key(t.as_ref())).collect();
        self.find_keys(&keys)
    }

    /// [`Synonyms::find`] of tokens given as their keys.
    fn find_keys<S: AsRef<str>>(&self, keys: &[S]) -> Vec<(usize, usize, usize, usize)> {
        let mut found = Vec::new();
        let mut start = 0;
        while start < keys.len() {
            let longest = self
                .longest_from
                .get(keys[start].as_ref())
                .map_or(0, |&longest| longest.min(keys.len() - start));
            let run: Vec<String> = keys[start..start + longest]
                .iter()
                .map(|key| key.as_ref().to_owned())
                .collect();
            let hit = (1..=longest).rev().find_map(|n| {
                self.by_keys
                    .get(&run[..n])
                    .map(|&(group, phrase)| (start, n, group, phrase))
            });
            match hit {
                Some(hit) => {
                    found.push(hit);
                    start += hit.1;
                }
                None => start += 1,
            }
        }
        found
    }

    /// `tokens` with each hit replaced by the chosen phrase of its group.
    fn spell<S: AsRef<str>>(
        &self,
        tokens: &[S],
        found: &[(usize, usize, usize, usize)],
        choice: &[usize],
    ) -> Vec<String> {
        let mut out = Vec::with_capacity(tokens.len());
        let mut next = 0;
        for (&(start, len, group, phrase), &chosen) in found.iter().zip(choice) {
            out.extend(tokens[next..start].iter().map(|t| t.as_ref().to_owned()));
            if chosen == phrase {
                out.extend(
                    tokens[start..start + len]
                        .iter()
                        .map(|t| t.as_ref().to_owned()),
                );
            } else {
                out.extend(self.groups[group].phrases[chosen].iter().cloned());
            }
            next = start + len;
        }
        out.extend(tokens[next..].iter().map(|t| t.as_ref().to_owned()));
        out
    }
}

fn folded_tokens(analyzer: &mut TextAnalyzer, phrase: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(phrase);
    let mut tokens = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push(token.text.clone());
    }
    tokens
}

fn stem_keys(tokens: &[String]) -> Vec<String> {
    tokens
        .iter()
        .map(|t| FoldedLightStemmer.stem(t).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# Zkratky, jak je píší zprávy
OSPOD = orgán sociálně-právní ochrany dětí

ZŠ = základní škola   # i ve zprávě z Kolína
ASZ = Agentura pro sociální začleňování = Agentura
";

    fn sample() -> Synonyms {
        Synonyms::parse(SAMPLE, Path::new("data/synonyms.txt")).unwrap()
    }

    fn words(text: &str) -> Vec<String> {
        crate::ingest::text::folded_words(text)
    }

    #[test]
    fn parses_one_group_per_line_with_comments() {
        let synonyms = sample();
        let groups = synonyms.groups();
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].line, 2);
        assert_eq!(
            groups[0].written,
            ["OSPOD", "orgán sociálně-právní ochrany dětí"]
        );
        assert_eq!(
            groups[0].phrases,
            [words("ospod"), words("organ socialne pravni ochrany deti")]
        );
        assert_eq!(groups[1].line, 4);
        assert_eq!(groups[1].written, ["ZŠ", "základní škola"]);
        assert_eq!(groups[2].phrases.len(), 3);
    }

    #[test]
    fn abbreviation_expands_to_its_meaning_in_any_case() {
        let synonyms = sample();
        assert_eq!(
            synonyms.expand(&words("navyseni poctu pracovniku OSPODu")),
            [words(
                "navyseni poctu pracovniku organ socialne pravni ochrany deti"
            )]
        );
    }

    #[test]
    fn meaning_contracts_to_the_abbreviation() {
        let synonyms = sample();
        // Genitive, hyphen typed as a space, no accents.
        assert_eq!(
            synonyms.expand(&words("pracovnici organu socialne pravni ochrany deti")),
            [words("pracovnici ospod")]
        );
        assert_eq!(
            synonyms.expand(&words("asistent pedagoga na základní škole")),
            [words("asistent pedagoga na zs")]
        );
    }

    #[test]
    fn several_phrases_expand_into_combinations() {
        let synonyms = sample();
        let alternatives = synonyms.expand(&words("ASZ a ZŠ"));
        assert_eq!(
            alternatives,
            [
                words("asz a zakladni skola"),
                words("agentura pro socialni zaclenovani a zs"),
                words("agentura pro socialni zaclenovani a zakladni skola"),
                words("agentura a zs"),
                words("agentura a zakladni skola"),
            ]
        );
        // The longest phrase wins over "agentura" alone.
        assert_eq!(
            synonyms.expand(&words("Agentura pro sociální začleňování")),
            [words("asz"), words("agentura")]
        );
    }

    /// Tokens given as their keys (as a planner keeps them) are found as
    /// the tokens are: phrases of one and several words, overlapping
    /// candidates, a phrase at the end, none at all.
    #[test]
    fn spans_of_keys_are_the_spans_of_their_tokens() {
        let synonyms = sample();
        let queries = [
            "asistent pedagoga na základní škole",
            "Agentura pro sociální začleňování a ZŠ",
            "pracovnici organu socialne pravni ochrany deti OSPODu",
            "agentura agentura pro",
            "prostupné bydlení",
            "",
        ];
        let mut found = 0;
        for query in queries {
            let tokens = words(query);
            let keys: Vec<String> = tokens.iter().map(|t| Synonyms::key(t)).collect();
            let spans = synonyms.spans(&tokens);
            assert_eq!(synonyms.spans_of_keys(&keys), spans, "{query}");
            found += spans.len();
        }
        assert_eq!(found, 7);
    }

    #[test]
    fn a_query_without_synonyms_has_no_alternatives() {
        assert!(sample().expand(&words("prostupné bydlení")).is_empty());
        assert!(sample().expand::<&str>(&[]).is_empty());
        assert!(Synonyms::default().expand(&words("OSPOD")).is_empty());
    }

    #[test]
    fn problems_name_file_and_line() {
        let text = "\
OSPOD = orgán sociálně-právní ochrany dětí
sociálka
ZŠ = 
sociálka = OSPOD
";
        let problems = Synonyms::parse(text, Path::new("data/synonyms.txt")).unwrap_err();
        let report = problems.to_string();
        assert_eq!(problems.len(), 3, "{report}");
        assert!(
            report.contains("data/synonyms.txt:2: \"sociálka\" has nothing"),
            "{report}"
        );
        assert!(
            report.contains("data/synonyms.txt:3: empty phrase"),
            "{report}"
        );
        assert!(
            report.contains("data/synonyms.txt:4: \"OSPOD\" is already in the group on line 1"),
            "{report}"
        );
    }

    #[test]
    fn load_reads_a_file_and_reports_a_missing_one() {
        let dir = std::env::temp_dir().join(format!("opatreni-synonyms-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("synonyms.txt");
        std::fs::write(&path, SAMPLE).unwrap();
        assert_eq!(Synonyms::load(&path).unwrap().groups().len(), 3);
        std::fs::remove_dir_all(&dir).unwrap();

        let problems = Synonyms::load(&dir.join("missing.txt")).unwrap_err();
        assert!(problems.to_string().contains("missing.txt: cannot read"));
    }
}
