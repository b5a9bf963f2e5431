//! Search-as-you-type: completions of the word being typed, as the corpus
//! spells it.
//!
//! The model is built from the stored measures when a generation is opened:
//! every word and every pair of neighbouring content words, keyed by their
//! folded form (so `prost` and `prošt` find the same), with the spelling the
//! corpus uses most and the measures that contain it. Earlier words of the
//! query narrow the measures whose words are counted, so "asistent prev"
//! completes to what stands in measures about assistants.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::plan::is_stopword;
use crate::analysis;
use crate::ingest::text::fold;

/// One completion and the number of measures it occurs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub text: String,
    pub count: u64,
}

#[derive(Debug, Default)]
struct Entry {
    /// Spellings seen, with how often: the most frequent is shown.
    spellings: HashMap<String, u32>,
    /// Sorted, distinct measure numbers.
    docs: Vec<u32>,
    /// For a pair: the stem of its first word.
    first_stem: String,
}

impl Entry {
    fn add(&mut self, spelling: &str, doc: u32) {
        *self.spellings.entry(spelling.to_owned()).or_insert(0) += 1;
        if self.docs.last() != Some(&doc) {
            self.docs.push(doc);
        }
    }

    fn spelling(&self) -> &str {
        self.spellings
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map_or("", |(s, _)| s.as_str())
    }
}

/// Words and word pairs of the corpus, by folded form.
#[derive(Debug, Default)]
pub struct Suggester {
    words: BTreeMap<String, Entry>,
    pairs: BTreeMap<String, Entry>,
    /// Stem → measures, for narrowing by earlier words in any case.
    stems: HashMap<String, Vec<u32>>,
}

impl Suggester {
    /// Builds the model from the texts of all measures, `doc` numbering them.
    pub fn build<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut model = Suggester::default();
        for (doc, text) in texts.into_iter().enumerate() {
            model.add(doc as u32, text);
        }
        model
    }

    fn add(&mut self, doc: u32, text: &str) {
        let folded = analysis::analyze(analysis::CS_FOLDED, text);
        let stems = analysis::analyze(analysis::CS_STEM, text);
        let mut previous: Option<(String, String, String)> = None;
        for ((key, _, range), (stem, _, _)) in folded.into_iter().zip(stems) {
            let spelling = text[range].to_owned();
            let stem_of_word = stem.clone();
            let stems = self.stems.entry(stem).or_default();
            if stems.last() != Some(&doc) {
                stems.push(doc);
            }
            self.words
                .entry(key.clone())
                .or_default()
                .add(&spelling, doc);
            if is_stopword(&key) || key.chars().all(|c| c.is_ascii_digit()) {
                previous = None;
                continue;
            }
            if let Some((prev_key, prev_spelling, prev_stem)) = previous.take() {
                let entry = self.pairs.entry(format!("{prev_key} {key}")).or_default();
                entry.add(&format!("{prev_spelling} {spelling}"), doc);
                entry.first_stem = prev_stem;
            }
            previous = Some((key, spelling, stem_of_word.clone()));
        }
    }

    /// Completions of `query`'s last word, at most `limit`, most frequent
    /// first. A query ending in a space completes the next word.
    pub fn suggest(&self, query: &str, limit: usize) -> Vec<Suggestion> {
        let words: Vec<(String, String)> = analysis::analyze(analysis::CS_FOLDED, query)
            .into_iter()
            .map(|(folded, _, range)| (folded, query[range].to_owned()))
            .collect();
        let finished = query.ends_with(char::is_whitespace) || words.is_empty();
        let (context, typing) = if finished {
            (&words[..], None)
        } else {
            (&words[..words.len() - 1], words.last())
        };
        let allowed = self.measures_with(context);
        let prefix_typed: String = context
            .iter()
            .map(|(_, typed)| format!("{typed} "))
            .collect();

        let mut found: Vec<Suggestion> = Vec::new();
        let mut push = |entry: &Entry, text: String| {
            let count = match &allowed {
                Some(allowed) => intersection_count(&entry.docs, allowed),
                None => entry.docs.len(),
            } as u64;
            if count > 0 && !found.iter().any(|s| s.text == text) {
                found.push(Suggestion { text, count });
            }
        };
        match typing {
            Some((prefix, _)) => {
                for (_, entry) in self
                    .words
                    .range(prefix.clone()..)
                    .take_while(|(k, _)| k.starts_with(prefix.as_str()))
                {
                    push(entry, format!("{prefix_typed}{}", entry.spelling()));
                }
                for (_, entry) in self
                    .pairs
                    .range(prefix.clone()..)
                    .take_while(|(k, _)| k.starts_with(prefix.as_str()))
                {
                    push(entry, format!("{prefix_typed}{}", entry.spelling()));
                }
            }
            // After a finished word: the words that follow it in the corpus.
            None => {
                if let Some((last, typed)) = context.last() {
                    let stem = stem_of(typed);
                    let before: String = context[..context.len() - 1]
                        .iter()
                        .map(|(_, typed)| format!("{typed} "))
                        .collect();
                    let candidates = self
                        .pairs
                        .range(last.clone()..)
                        .take_while(|(k, _)| k.starts_with(last.as_str()));
                    for (_, entry) in
                        candidates.filter(|(_, e)| Some(&e.first_stem) == stem.as_ref())
                    {
                        push(entry, format!("{before}{}", entry.spelling()));
                    }
                }
            }
        }
        found.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.text.chars().count().cmp(&b.text.chars().count()))
                .then(a.text.cmp(&b.text))
        });
        found.truncate(limit);
        found
    }

    /// Measures containing every context word (in any case), or `None` when
    /// there is no context.
    fn measures_with(&self, context: &[(String, String)]) -> Option<Vec<u32>> {
        let mut allowed: Option<Vec<u32>> = None;
        for (_, typed) in context {
            let Some(stem) = stem_of(typed) else {
                continue;
            };
            if is_stopword(&fold(typed)) {
                continue;
            }
            let docs = self.stems.get(&stem).cloned().unwrap_or_default();
            allowed = Some(match allowed {
                None => docs,
                Some(current) => current
                    .into_iter()
                    .filter(|d| docs.binary_search(d).is_ok())
                    .collect(),
            });
        }
        allowed
    }
}

fn stem_of(word: &str) -> Option<String> {
    analysis::analyze(analysis::CS_STEM, word)
        .into_iter()
        .next()
        .map(|(stem, _, _)| stem)
}

fn intersection_count(sorted: &[u32], allowed: &[u32]) -> usize {
    sorted
        .iter()
        .filter(|d| allowed.binary_search(d).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Suggester {
        Suggester::build([
            "zajištění tréninkového stupně prostupného bydlení",
            "zahájení pilotního provozu prostupného bydlení",
            "zavedení modelu prostupného zaměstnávání",
            "rozšíření sociálních služeb a rekonstrukce prostor",
            "zavedení asistentů prevence kriminality",
            "programy primární prevence na školách",
        ])
    }

    fn texts(s: Vec<Suggestion>) -> Vec<String> {
        s.into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn completes_with_the_corpus_diacritics() {
        let s = model().suggest("prost", 10);
        assert_eq!(
            s[0],
            Suggestion {
                text: "prostupného".into(),
                count: 3
            }
        );
        assert!(texts(s).contains(&"prostupného bydlení".to_owned()));
        assert_eq!(texts(model().suggest("prošt", 1)), ["prostupného"]);
    }

    #[test]
    fn earlier_words_narrow_the_completions() {
        assert_eq!(
            texts(model().suggest("asistent prev", 5)),
            ["asistent prevence", "asistent prevence kriminality"]
        );
        assert_eq!(
            texts(model().suggest("prostupne ", 5))[0],
            "prostupného bydlení"
        );
        assert!(model().suggest("xyz", 5).is_empty());
    }
}
