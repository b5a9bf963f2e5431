//! Text hygiene shared by every stage: Unicode normalisation, the whitespace
//! noise of PDF extraction, diacritics folding and slugs.
//!
//! Czech text is data. It is kept as UTF-8 in NFC, so that `é` is always one
//! code point and a byte comparison of two equal words succeeds. What PDF
//! extraction adds on top of the words (non-breaking spaces after one-letter
//! prepositions, soft hyphens, runs of spaces) is noise and is removed here,
//! once, before anything else looks at the text.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Characters that PDF extraction leaves inside words or between them and
/// that carry no meaning: they are turned into plain spaces (or dropped, for
/// the soft hyphen, which only marks where a word *may* break).
fn is_space_noise(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}' // no-break space: "a\u{A0}mládež"
            | '\u{202F}' // narrow no-break space
            | '\u{2007}' // figure space
            | '\u{2009}' // thin space
            | '\u{200A}' // hair space
            | '\t'
    )
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' // soft hyphen
            | '\u{200B}' // zero-width space
            | '\u{200C}'
            | '\u{200D}'
            | '\u{2060}' // word joiner
            | '\u{FEFF}' // byte-order mark
    )
}

/// NFC-normalises `raw`, turns non-breaking and other exotic spaces into
/// plain spaces, drops soft hyphens and zero-width characters, collapses runs
/// of spaces into one and trims both ends.
///
/// ```
/// use opatreni::ingest::text::clean_line;
/// assert_eq!(clean_line(" Teplá a\u{A0}Toužim "), "Teplá a Toužim");
/// assert_eq!(clean_line("posky\u{AD}továny"), "poskytovány");
/// ```
pub fn clean_line(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.nfc() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() || is_space_noise(c) {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Removes diacritics and lowercases: `Kadaň` → `kadan`, `Šumbark` →
/// `sumbark`. Used wherever people type without accents: slugs, facet
/// matching, rule matching.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A URL-safe identifier made of folded words joined by `-`:
/// `Teplá a Toužim` → `tepla-a-touzim`.
pub fn slug(text: &str) -> String {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The words of `text`, folded, in order: the unit that rule matching and
/// facet-value search work on.
pub fn folded_words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_line_removes_pdf_noise_and_keeps_letters() {
        assert_eq!(
            clean_line(" ■  rozšíření sociálních služeb a\u{A0}rekonstrukce  "),
            "■ rozšíření sociálních služeb a rekonstrukce"
        );
        assert_eq!(clean_line("\u{FEFF}Bílina"), "Bílina");
    }

    #[test]
    fn clean_line_composes_decomposed_letters() {
        let decomposed = "Kadan\u{030C}"; // n + combining caron
        assert_eq!(clean_line(decomposed), "Kadaň");
        assert_eq!(clean_line(decomposed).chars().count(), 5);
    }

    #[test]
    fn fold_and_slug() {
        assert_eq!(fold("Prostřední Suchá"), "prostredni sucha");
        assert_eq!(fold("ÚSTECKÝ"), "ustecky");
        assert_eq!(slug("Teplá a Toužim"), "tepla-a-touzim");
        assert_eq!(slug("Kutná Hora"), "kutna-hora");
        assert_eq!(folded_words("o.p.s, Šumbark!"), ["o", "p", "s", "sumbark"]);
    }
}
