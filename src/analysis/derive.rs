//! Derivational roots: one key for words built from one root.
//!
//! The light stemmer removes case endings, so "školní" and "školních" meet,
//! but "škola", "školní" and "školství" keep three stems, and "zaměstnanost"
//! never meets "zaměstnávání". A person searching for one usually wants
//! the others too. [`DerivedRoot`] strips the commonest Czech derivational
//! suffixes (-ost, -ství, -ský, -ání, -ní, -ka, …) from a folded light stem,
//! a few times over, and a prefixed negation (`ne-`), so that these words
//! share a root.
//!
//! It is deliberately rough: "poradna" and "pořádání" share `porad`. The
//! search therefore weighs a root match far below a stem match (see
//! `search::plan`); a root adds recall at the bottom of a ranking, it never
//! decides the top.

use super::rewrite::{Rewrite, RewriteTokenizer};
use super::stem::FoldedLightStemmer;
use tantivy::tokenizer::{TokenFilter, Tokenizer};

/// Suffixes stripped from a stem, tried in this order, each only while at
/// least as many letters remain as given: adjectives in -ský may leave a
/// short root ("rom-ský"), the rest leave four letters ("byt-ost" stays).
const SUFFIXES: &[(&str, usize)] = &[
    ("stv", 4),
    ("ctv", 4),
    ("ost", 4),
    ("avan", 4),
    ("ovan", 4),
    ("an", 4),
    ("en", 4),
    ("sk", 3),
    ("ck", 3),
    ("n", 4),
    ("k", 4),
];
/// How many suffixes one word may lose: "zaměstnanost" → "zaměstnan" →
/// "zaměstn".
const MAX_STRIPS: usize = 3;

/// Reduces a folded light stem to its derivational root.
#[derive(Clone, Copy, Debug, Default)]
pub struct DerivedRoot;

impl DerivedRoot {
    /// The root of a *folded* word: light stem, then derivation.
    pub fn root(&self, folded: &str) -> String {
        self.root_of_stem(&FoldedLightStemmer.stem(folded))
    }

    /// The root of a word already stemmed by [`FoldedLightStemmer`].
    pub fn root_of_stem(&self, stem: &str) -> String {
        let mut root: &str = stem;
        if let Some(rest) = root.strip_prefix("ne")
            && rest.len() >= 6
        {
            root = rest;
        }
        for _ in 0..MAX_STRIPS {
            let Some(shorter) = SUFFIXES
                .iter()
                .filter_map(|(suffix, min)| {
                    root.strip_suffix(suffix).filter(|rest| rest.len() >= *min)
                })
                .next()
            else {
                break;
            };
            root = shorter;
            // A stem vowel left bare by the suffix ("předškola-k") goes too.
            if root.len() > 4 && root.ends_with(['a', 'e', 'i', 'o', 'u', 'y']) {
                root = &root[..root.len() - 1];
            }
        }
        normalize_alternations(root)
    }
}

/// Czech alternates the last consonant and vowel of a root between
/// derived words: psycholo**g** / psycholo**ž**ka, dlu**h** / dlu**ž**ník,
/// d**ů**m / d**o**mů. The root keeps one member of each pair: g, h and z
/// (from ž) become h, and a u before the final consonant becomes o, as the
/// light stemmer already does for case forms ("dluh" → "dloh").
fn normalize_alternations(root: &str) -> String {
    let mut chars: Vec<char> = root.chars().collect();
    let n = chars.len();
    if n < 3 {
        return root.to_owned();
    }
    if matches!(chars[n - 1], 'g' | 'z') {
        chars[n - 1] = 'h';
    }
    let vowel = |c: char| "aeiouy".contains(c);
    if chars[n - 2] == 'u' && !vowel(chars[n - 1]) && !vowel(chars[n - 3]) {
        chars[n - 2] = 'o';
    }
    chars.into_iter().collect()
}

impl Rewrite for DerivedRoot {
    fn rewrite(&self, text: &mut String) {
        *text = self.root(text);
    }
}

impl TokenFilter for DerivedRoot {
    type Tokenizer<T: Tokenizer> = RewriteTokenizer<Self, T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        RewriteTokenizer::new(self, tokenizer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::text::fold;

    fn root(word: &str) -> String {
        DerivedRoot.root(&fold(word))
    }

    fn same_root(words: &[&str]) {
        let roots: Vec<String> = words.iter().map(|w| root(w)).collect();
        assert!(
            roots.windows(2).all(|w| w[0] == w[1]),
            "{words:?} → {roots:?}"
        );
    }

    #[test]
    fn words_of_one_root_meet() {
        same_root(&[
            "zaměstnanost",
            "zaměstnávání",
            "zaměstnání",
            "nezaměstnaných",
        ]);
        same_root(&["poradna", "poradenství", "poradnou", "poradenské"]);
        same_root(&["podnik", "podnikání", "podniku"]);
        same_root(&["škola", "školní", "školách", "školství", "školské"]);
        same_root(&["závislost", "závislé"]);
        same_root(&["komunita", "komunitní", "komunitního"]);
        same_root(&["koordinátor", "koordinátorky"]);
        same_root(&["záškoláci", "záškoláctví"]);
        same_root(&["předškoláci", "předškolní"]);
        same_root(&["Romové", "romských"]);
        same_root(&["psycholog", "psycholožka", "psychologové"]);
        same_root(&["dluh", "dluhové", "dlužnictví"]);
        same_root(&["asistent", "asistentka", "asistentů"]);
        same_root(&["pracovník", "pracovnice", "pracovníků"]);
    }

    #[test]
    fn short_and_unrelated_words_stay_apart() {
        assert_ne!(root("byt"), root("bytost"));
        assert_ne!(root("škola"), root("sklad"));
        same_root(&["nemoc", "nemocí"]);
        assert_ne!(root("nemoc"), root("nemovitost"));
    }
}
