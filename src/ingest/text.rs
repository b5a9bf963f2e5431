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
/// matching, rule matching, and every word indexed.
///
/// Folding runs on every word of every measure, so the letters of Czech
/// (and its neighbours) are folded from a table; any other character goes
/// through Unicode decomposition, which gives the same result, slower.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(folded) = fold_latin(c) {
            out.push(folded);
        } else {
            out.extend(
                std::iter::once(c)
                    .nfd()
                    .filter(|c| !is_combining_mark(*c))
                    .flat_map(char::to_lowercase),
            );
        }
    }
    out
}

/// The folded form of the accented Latin letters of Czech, Slovak, German
/// and Polish; `None` for anything else.
fn fold_latin(c: char) -> Option<char> {
    Some(match c {
        'á' | 'Á' | 'ä' | 'Ä' | 'à' | 'À' | 'â' | 'Â' | 'ą' | 'Ą' => 'a',
        'č' | 'Č' | 'ć' | 'Ć' | 'ç' | 'Ç' => 'c',
        'ď' | 'Ď' => 'd',
        'é' | 'É' | 'ě' | 'Ě' | 'ë' | 'Ë' | 'è' | 'È' | 'ê' | 'Ê' | 'ę' | 'Ę' => 'e',
        'í' | 'Í' | 'ì' | 'Ì' | 'î' | 'Î' | 'ï' | 'Ï' => 'i',
        'ĺ' | 'Ĺ' | 'ľ' | 'Ľ' => 'l',
        'ň' | 'Ň' | 'ń' | 'Ń' | 'ñ' | 'Ñ' => 'n',
        'ó' | 'Ó' | 'ö' | 'Ö' | 'ô' | 'Ô' | 'ò' | 'Ò' => 'o',
        'ř' | 'Ř' | 'ŕ' | 'Ŕ' => 'r',
        'š' | 'Š' | 'ś' | 'Ś' => 's',
        'ť' | 'Ť' => 't',
        'ú' | 'Ú' | 'ů' | 'Ů' | 'ü' | 'Ü' | 'ù' | 'Ù' | 'û' | 'Û' => 'u',
        'ý' | 'Ý' | 'ÿ' => 'y',
        'ž' | 'Ž' | 'ź' | 'Ź' | 'ż' | 'Ż' => 'z',
        _ => return None,
    })
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
    fn the_fold_table_agrees_with_unicode_decomposition() {
        for c in ('\u{80}'..='\u{24F}').filter(|c| fold_latin(*c).is_some()) {
            let decomposed: String = std::iter::once(c)
                .nfd()
                .filter(|c| !is_combining_mark(*c))
                .flat_map(char::to_lowercase)
                .collect();
            assert_eq!(fold_latin(c).unwrap().to_string(), decomposed, "{c}");
        }
        assert_eq!(fold("Łódź ﬁ Ǆ"), "łodz ﬁ ǆ");
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
