//! Splitting Czech text into words.
//!
//! A word is a run of letters and digits; everything else separates words.
//! Two Czech habits need more than that:
//!
//! - **Dotted abbreviations.** Legal forms are written `o.p.s.`, `o.p.s`,
//!   `s.r.o.` or, with the spaces Czech typography asks for, `o. p. s.`.
//!   Split on dots they would give the one-letter words `o`, `p`, `s`, which
//!   match half the corpus (`s` is a preposition) and not each other. They
//!   become one token, `ops`, whose offsets cover the whole abbreviation so
//!   that a highlight marks `o.p.s.` and not a lone `o`. The spaced form is
//!   joined only for the legal forms listed in [`SPACED_ABBREVIATIONS`],
//!   because a single letter with a dot is just as often an initial:
//!   `P. Veselého` must stay two words.
//! - **Hyphenated compounds.** `sociálně-právní` and `EKO-ANO` give their
//!   parts, at consecutive positions. The parts are what people type
//!   (`sociálně právní ochrana`), and consecutive positions let the phrase
//!   query `"sociálně právní"` match the hyphenated form and the query
//!   `sociálně-právní` match the spaced form, since queries are tokenized
//!   the same way. Emitting the glued form `sociálněprávní` as well would
//!   need a second token at the same position, which phrase queries in the
//!   query parser handle poorly, for a spelling nobody uses.
//!
//! Offsets are byte offsets into the text as given, never into a cleaned
//! copy: highlighting cuts the stored text with them.
//!
//! The text should already be clean (see [`crate::ingest::text::clean_line`]),
//! but queries arrive raw, so two leftovers of copy-paste are tolerated:
//! combining marks continue a word (a decomposed `ň` does not split `Kadaň`)
//! and soft hyphens and zero-width joiners inside a word are dropped from the
//! token text while its offsets still cover them.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::char::is_combining_mark;

use crate::ingest::text::fold;

/// Legal forms that are joined into one token when written with spaces
/// (`o. p. s.`), folded: akciová společnost, komanditní společnost,
/// občanské sdružení, obecně prospěšná společnost, státní podnik, společnost
/// s ručením omezeným, veřejná obchodní společnost, veřejná výzkumná
/// instituce, zapsaný spolek, zapsaný ústav.
pub const SPACED_ABBREVIATIONS: &[&str] = &[
    "as", "ks", "os", "ops", "sp", "sro", "vos", "vvi", "zs", "zu",
];

/// Longest letter run that counts as a segment of a dotted abbreviation:
/// two letters admit `Ph.D.` and keep `www.socialni-zaclenovani.cz` apart.
const MAX_SEGMENT_CHARS: usize = 2;

/// Tantivy [`Tokenizer`] for Czech text; see the module documentation.
#[derive(Clone, Default)]
pub struct CzechTokenizer {
    token: Token,
}

/// The token stream of a [`CzechTokenizer`].
pub struct CzechTokenStream<'a> {
    text: &'a str,
    cursor: usize,
    token: &'a mut Token,
}

impl Tokenizer for CzechTokenizer {
    type TokenStream<'a> = CzechTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CzechTokenStream<'a> {
        self.token.reset();
        CzechTokenStream {
            text,
            cursor: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for CzechTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        let Some(start) = self.text[self.cursor..]
            .char_indices()
            .find(|&(_, c)| starts_word(c))
            .map(|(i, _)| self.cursor + i)
        else {
            self.cursor = self.text.len();
            return false;
        };
        let end = match abbreviation(self.text, start) {
            Some((end, joined)) => {
                self.token.text.push_str(&joined);
                end
            }
            None => {
                let end = word_end(self.text, start);
                push_word(&self.text[start..end], &mut self.token.text);
                end
            }
        };
        self.token.position = self.token.position.wrapping_add(1);
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.cursor = end;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Letters and digits, with a fast path for ASCII and for the accented
/// Latin letters (U+00C0–U+017F, all letters but × and ÷) that make up
/// Czech text: `char::is_alphanumeric` looks those up in a Unicode table.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if ('\u{C0}'..='\u{17F}').contains(&c) {
        c != '×' && c != '÷'
    } else {
        c.is_alphanumeric()
    }
}

fn starts_word(c: char) -> bool {
    is_word_char(c)
}

fn continues_word(c: char) -> bool {
    is_word_char(c) || (!c.is_ascii() && is_combining_mark(c))
}

/// Invisible characters that may sit inside a word without splitting it.
fn is_joiner(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200C}' | '\u{200D}' | '\u{2060}')
}

/// End of the word that starts at `start`. Joiners belong to the word only
/// when a word character follows them.
fn word_end(text: &str, start: usize) -> usize {
    let mut end = start;
    for (i, c) in text[start..].char_indices() {
        if continues_word(c) {
            end = start + i + c.len_utf8();
        } else if !is_joiner(c) {
            break;
        }
    }
    end
}

fn push_word(word: &str, out: &mut String) {
    out.extend(word.chars().filter(|&c| !is_joiner(c)));
}

/// The end and the joined text of an abbreviation starting at `start`, if
/// one starts there.
fn abbreviation(text: &str, start: usize) -> Option<(usize, String)> {
    // Cheap test first: every abbreviation opens with a short letter run
    // and a dot.
    let first_end = word_end(text, start);
    if !is_segment(&text[start..first_end]) || !text[first_end..].starts_with('.') {
        return None;
    }
    dotted(text, start).or_else(|| spaced(text, start))
}

fn is_segment(word: &str) -> bool {
    !word.is_empty()
        && word.chars().count() <= MAX_SEGMENT_CHARS
        && word.chars().all(char::is_alphabetic)
}

/// `o.p.s.`, `o.p.s`, `s.r.o.`, `Ph.D.`: at least two short letter runs
/// joined by dots without spaces, with or without a final dot.
fn dotted(text: &str, start: usize) -> Option<(usize, String)> {
    let mut joined = String::new();
    let mut segments = 0;
    let mut end = start;
    let mut pos = start;
    loop {
        let segment_end = word_end(text, pos);
        let segment = &text[pos..segment_end];
        if !is_segment(segment) {
            break;
        }
        match text[segment_end..].strip_prefix('.') {
            Some(after_dot) => {
                joined.push_str(segment);
                segments += 1;
                end = segment_end + 1;
                if !after_dot.starts_with(starts_word) {
                    break;
                }
                pos = end;
            }
            None => {
                // The last segment may lack its dot: `o.p.s`.
                joined.push_str(segment);
                segments += 1;
                end = segment_end;
                break;
            }
        }
    }
    (segments >= 2).then_some((end, joined))
}

/// `o. p. s.`, `s. r. o.`: single letters, each with its dot, one space
/// apart, joined only when they spell a known legal form.
fn spaced(text: &str, start: usize) -> Option<(usize, String)> {
    let mut joined = String::new();
    let mut end = start;
    let mut pos = start;
    while let Some(letter) = text[pos..].chars().next().filter(|c| c.is_alphabetic()) {
        let letter_end = pos + letter.len_utf8();
        if word_end(text, pos) != letter_end || !text[letter_end..].starts_with('.') {
            break;
        }
        joined.push(letter);
        end = letter_end + 1;
        let mut rest = text[end..].chars();
        match (rest.next(), rest.next()) {
            (Some(space), Some(next)) if space.is_whitespace() && next.is_alphabetic() => {
                pos = end + space.len_utf8();
            }
            _ => break,
        }
    }
    let folded = fold(&joined);
    (joined.chars().count() >= 2 && SPACED_ABBREVIATIONS.contains(&folded.as_str()))
        .then_some((end, joined))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_letter_test_agrees_with_unicode() {
        for c in ('\0'..='\u{2FF}').chain(['ě', 'ř', 'ů', '€', '–', '„']) {
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    /// (text, position, offset_from, offset_to) of every token.
    fn tokens(text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut tokenizer = CzechTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    fn texts(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|t| t.0).collect()
    }

    /// The slice of the original text each token's offsets point at.
    fn spans(text: &str) -> Vec<&str> {
        tokens(text)
            .into_iter()
            .map(|(_, _, from, to)| &text[from..to])
            .collect()
    }

    #[test]
    fn words_with_byte_offsets_into_the_original() {
        let text = "zřízení pozic školních psychologů";
        assert_eq!(
            tokens(text),
            [
                ("zřízení".to_string(), 0, 0, 10),
                ("pozic".to_string(), 1, 11, 16),
                ("školních".to_string(), 2, 17, 27),
                ("psychologů".to_string(), 3, 28, 39),
            ]
        );
        assert_eq!(spans(text), ["zřízení", "pozic", "školních", "psychologů"]);
    }

    #[test]
    fn punctuation_and_bullets_separate_words() {
        assert_eq!(
            texts(" ■ posílení terénní sociální práce, (Toužim)"),
            ["posílení", "terénní", "sociální", "práce", "Toužim"]
        );
        assert_eq!(
            texts("projekt „Viděn v ulicích“ seznamující"),
            ["projekt", "Viděn", "v", "ulicích", "seznamující"]
        );
    }

    #[test]
    fn dotted_abbreviation_is_one_token_spanning_all_of_it() {
        let text = "sociálního podniku Srdece a čin, o.p.s";
        let last = tokens(text).pop().unwrap();
        assert_eq!(last.0, "ops");
        assert_eq!(&text[last.2..last.3], "o.p.s");

        let text = "Člověk v tísni, o.p.s. a Srdce s.r.o.";
        assert_eq!(
            texts(text),
            ["Člověk", "v", "tísni", "ops", "a", "Srdce", "sro"]
        );
        assert_eq!(spans(text)[3], "o.p.s.");
        assert_eq!(spans(text)[6], "s.r.o.");
        assert_eq!(texts("Mgr. Novák, Ph.D."), ["Mgr", "Novák", "PhD"]);
    }

    #[test]
    fn spaced_abbreviation_joins_only_known_legal_forms() {
        let text = "Romodrom, o. p. s. zřídil";
        assert_eq!(texts(text), ["Romodrom", "ops", "zřídil"]);
        assert_eq!(spans(text)[1], "o. p. s.");
        assert_eq!(texts("Srdce, z. ú."), ["Srdce", "zú"]);
        // Initials are not abbreviations.
        assert_eq!(
            texts("v ulicích Janáčkova a P. Veselého"),
            ["v", "ulicích", "Janáčkova", "a", "P", "Veselého"]
        );
        assert_eq!(texts("J. K. Tyla"), ["J", "K", "Tyla"]);
    }

    #[test]
    fn a_dot_between_words_is_not_an_abbreviation() {
        assert_eq!(
            texts("www.socialni-zaclenovani.cz"),
            ["www", "socialni", "zaclenovani", "cz"]
        );
        assert_eq!(texts("v lokalitě.A další"), ["v", "lokalitě", "A", "další"]);
        assert_eq!(texts("tzv. Záslužného"), ["tzv", "Záslužného"]);
        assert_eq!(texts("1.1.2013"), ["1", "1", "2013"]);
    }

    #[test]
    fn hyphenated_compounds_give_parts_at_consecutive_positions() {
        let text = "orgán sociálně-právní ochrany, firma EKO-ANO";
        let toks = tokens(text);
        let words: Vec<_> = toks.iter().map(|t| (t.0.as_str(), t.1)).collect();
        assert_eq!(
            words,
            [
                ("orgán", 0),
                ("sociálně", 1),
                ("právní", 2),
                ("ochrany", 3),
                ("firma", 4),
                ("EKO", 5),
                ("ANO", 6),
            ]
        );
        // Same positions as the spaced spelling, so phrases match both.
        let spaced: Vec<_> = tokens("orgán sociálně právní ochrany")
            .into_iter()
            .map(|t| (t.0, t.1))
            .collect();
        let hyphenated: Vec<_> = toks[..4].iter().map(|t| (t.0.clone(), t.1)).collect();
        assert_eq!(spaced, hyphenated);
    }

    #[test]
    fn slash_separates_and_digits_are_tokens() {
        assert_eq!(texts("na ZŠ/MŠ Větrní"), ["na", "ZŠ", "MŠ", "Větrní"]);
        assert_eq!(
            texts("zapojení 181 dětí, z toho 1/3 sociálně vyloučených"),
            [
                "zapojení",
                "181",
                "dětí",
                "z",
                "toho",
                "1",
                "3",
                "sociálně",
                "vyloučených"
            ]
        );
        assert_eq!(texts("domovní schůze 6x"), ["domovní", "schůze", "6x"]);
    }

    #[test]
    fn copy_paste_leftovers_do_not_split_words() {
        let decomposed = "Kadan\u{030C} a Prunéřov";
        assert_eq!(texts(decomposed), ["Kadan\u{030C}", "a", "Prunéřov"]);
        let soft = "jsou posky\u{AD}továny";
        let toks = tokens(soft);
        assert_eq!(toks[1].0, "poskytovány");
        assert_eq!(&soft[toks[1].2..toks[1].3], "posky\u{AD}továny");
        // A trailing soft hyphen is not part of the word.
        assert_eq!(spans("sociální\u{AD} ho"), ["sociální", "ho"]);
    }

    #[test]
    fn odd_inputs_give_valid_offsets() {
        for text in [
            "a.",
            "a. ",
            "a.b",
            ".",
            "..a..",
            "a. b. c",
            "o. p. s",
            "o. p.s.",
            "ž.ř.",
            "\u{AD}",
            "a\u{AD}",
            "\u{AD}a",
            "a\u{301}\u{301}",
            "s. r. o.\u{A0}Kolín",
            "Ph.D.-x",
        ] {
            for (_, _, from, to) in tokens(text) {
                assert!(from < to && to <= text.len(), "{text:?}");
                assert!(
                    text.is_char_boundary(from) && text.is_char_boundary(to),
                    "{text:?}"
                );
            }
        }
        assert_eq!(texts("ž.ř."), ["žř"]);
        assert_eq!(texts("o. p.s."), ["o", "ps"]);
    }

    #[test]
    fn empty_and_separator_only_text() {
        assert!(tokens("").is_empty());
        assert!(tokens(" ■ – … ").is_empty());
    }
}
