//! Czech function words, folded.
//!
//! They take part in phrases ("zařízení pro děti"), but a measure must not
//! match because it contains "pro" or "a", and a suggestion must not be
//! "prostor kde". The list is short on purpose: only words that carry no
//! meaning of their own in a measure.

const STOPWORDS: &[&str] = &[
    "a", "aby", "ale", "ani", "asi", "az", "by", "byl", "byla", "bylo", "byly", "co", "dle", "do",
    "i", "jak", "je", "jeho", "jej", "jeji", "jejich", "jen", "jiz", "jsou", "k", "kde", "ke",
    "ktera", "ktere", "kteri", "ktery", "mezi", "na", "nad", "nebo", "o", "od", "po", "pod", "pri",
    "pro", "s", "se", "si", "ta", "tak", "ten", "to", "tzv", "u", "v", "ve", "z", "za", "ze",
];

/// Whether a *folded* word is a function word.
pub fn is_stopword(folded: &str) -> bool {
    // Called for every word indexed: most words are longer than any
    // function word, and the length test saves the search.
    folded.len() <= LONGEST && STOPWORDS.binary_search(&folded).is_ok()
}

/// The length in bytes of the longest function word.
const LONGEST: usize = 6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_for_binary_search() {
        assert_eq!(STOPWORDS.iter().map(|w| w.len()).max(), Some(LONGEST));
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stopword("pro") && is_stopword("pri") && !is_stopword("prostupne"));
    }
}
