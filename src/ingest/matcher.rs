//! Matching word-beginning phrases against text, the rule language of the
//! category taxonomy and of the gazetteer's localities.
//!
//! Czech inflects the end of a word: "prostupné bydlení", "prostupného
//! bydlení", "v Prunéřově". A rule therefore names the *beginnings* of
//! consecutive words, without diacritics: `prostupn bydl` matches all of the
//! above and `prunerov` finds the village in any case. This is deliberately
//! simpler than the search stemmer: rules are written and read by people, and
//! a prefix is what a person would write.

use super::text::folded_words;

/// One rule: consecutive word prefixes, all folded (`startovac byt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixPhrase {
    prefixes: Vec<String>,
}

impl PrefixPhrase {
    /// Parses a rule as written in a data file. Returns `None` for a rule
    /// with no word in it.
    pub fn parse(rule: &str) -> Option<Self> {
        let prefixes = folded_words(rule);
        (!prefixes.is_empty()).then_some(Self { prefixes })
    }

    /// The default rule for a proper name: every word without its last
    /// letter when it is longer than four, which is where Czech puts the
    /// case ending (`Kadaň` → `kada`, matching "Kadaně" and "Kadaní").
    pub fn for_name(name: &str) -> Option<Self> {
        let prefixes: Vec<String> = folded_words(name)
            .into_iter()
            .map(|w| {
                let n = w.chars().count();
                if n > 4 {
                    w.chars().take(n - 1).collect()
                } else {
                    w
                }
            })
            .collect();
        (!prefixes.is_empty()).then_some(Self { prefixes })
    }

    /// Whether the phrase occurs in `words` (the folded words of a text).
    pub fn is_in(&self, words: &[String]) -> bool {
        words.windows(self.prefixes.len()).any(|window| {
            window
                .iter()
                .zip(&self.prefixes)
                .all(|(word, prefix)| word.starts_with(prefix.as_str()))
        })
    }
}

impl std::fmt::Display for PrefixPhrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.prefixes.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(rule: &str, text: &str) -> bool {
        PrefixPhrase::parse(rule)
            .unwrap()
            .is_in(&folded_words(text))
    }

    #[test]
    fn prefix_phrase_matches_every_case() {
        assert!(matches(
            "prostupn bydl",
            "zajištění stupně prostupného bydlení"
        ));
        assert!(matches("prostupn bydl", "Prostupné bydlení"));
        assert!(matches("startovac byt", "systému startovacích bytů"));
        assert!(!matches(
            "prostupn bydl",
            "prostupného zaměstnávání a bydlení"
        ));
    }

    #[test]
    fn name_rule_drops_the_case_ending() {
        let kadan = PrefixPhrase::for_name("Kadaň").unwrap();
        assert!(kadan.is_in(&folded_words("otevřená cesta zpět do Kadaně")));
        let touzim = PrefixPhrase::for_name("Toužim").unwrap();
        assert!(touzim.is_in(&folded_words("centra občané v referendu odmítli (Toužim)")));
        assert!(PrefixPhrase::parse(" , ").is_none());
    }
}
