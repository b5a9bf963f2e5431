//! Case and diacritics.
//!
//! People search Czech without accents far more often than with them: on a
//! phone, on a foreign keyboard, or out of habit. [`FoldFilter`] therefore
//! lowercases and strips the diacritics of both the indexed text and the
//! query, so that `prostupne bydleni` meets `prostupného bydlení`. Folding
//! merges some words (`byt` flat / `být` to be, `rada` council / `řada`
//! row), a price the search fields pay for recall; [`LowerFilter`] keeps the
//! diacritics for an "exact form" field that can rank the accented match
//! first.
//!
//! Both filters use the crate's one definition of folding,
//! [`crate::ingest::text::fold`], so that facets, slugs and the index agree
//! on what `Kadaň` folds to.

use tantivy::tokenizer::{TokenFilter, Tokenizer};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::rewrite::{Rewrite, RewriteTokenizer};
use crate::ingest::text::fold;

/// Lowercases and strips diacritics: `Školních` → `skolnich`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FoldFilter;

impl Rewrite for FoldFilter {
    fn rewrite(&self, text: &mut String) {
        if text.is_ascii() {
            text.make_ascii_lowercase();
        } else {
            *text = fold(text);
        }
    }
}

impl TokenFilter for FoldFilter {
    type Tokenizer<T: Tokenizer> = RewriteTokenizer<Self, T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        RewriteTokenizer::new(self, tokenizer)
    }
}

/// Lowercases and keeps diacritics: `Školních` → `školních`.
///
/// The token is also composed to NFC, because a query pasted from a PDF may
/// carry `n` + combining caron where the index has `ň`, and the two must be
/// the same term.
#[derive(Clone, Copy, Debug, Default)]
pub struct LowerFilter;

impl Rewrite for LowerFilter {
    fn rewrite(&self, text: &mut String) {
        if text.is_ascii() {
            text.make_ascii_lowercase();
        } else if is_nfc_quick(text.chars()) == IsNormalized::Yes {
            // Indexed text is NFC already, and most words are lowercase:
            // then nothing is allocated.
            if !text.chars().all(is_lowercase_already) {
                *text = text.chars().flat_map(char::to_lowercase).collect();
            }
        } else {
            *text = text.nfc().flat_map(char::to_lowercase).collect();
        }
    }
}

/// Whether lowercasing leaves `c` as it is.
fn is_lowercase_already(c: char) -> bool {
    let mut lower = c.to_lowercase();
    lower.next() == Some(c) && lower.next().is_none()
}

impl TokenFilter for LowerFilter {
    type Tokenizer<T: Tokenizer> = RewriteTokenizer<Self, T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        RewriteTokenizer::new(self, tokenizer)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{TextAnalyzer, TokenStream};

    use super::*;
    use crate::analysis::tokenize::CzechTokenizer;

    fn run(mut analyzer: TextAnalyzer, text: &str) -> Vec<(String, usize, usize)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push((t.text.clone(), t.offset_from, t.offset_to));
        }
        out
    }

    fn folded(text: &str) -> Vec<String> {
        let analyzer = TextAnalyzer::builder(CzechTokenizer::default())
            .filter(FoldFilter)
            .build();
        run(analyzer, text).into_iter().map(|t| t.0).collect()
    }

    fn lowered(text: &str) -> Vec<String> {
        let analyzer = TextAnalyzer::builder(CzechTokenizer::default())
            .filter(LowerFilter)
            .build();
        run(analyzer, text).into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn fold_strips_diacritics_and_case() {
        assert_eq!(
            folded("Zřízení Poradenského centra Khamoro na sídlišti Šumbark"),
            [
                "zrizeni",
                "poradenskeho",
                "centra",
                "khamoro",
                "na",
                "sidlisti",
                "sumbark"
            ]
        );
        assert_eq!(folded("ZŠ/MŠ, OSPODu"), ["zs", "ms", "ospodu"]);
        assert_eq!(folded("o.p.s."), ["ops"]);
    }

    #[test]
    fn typed_without_accents_meets_the_accented_text() {
        assert_eq!(folded("prostupného bydlení"), folded("prostupneho bydleni"));
        assert_eq!(folded("Dětí a mládeže"), folded("deti a mladeze"));
    }

    #[test]
    fn fold_keeps_the_original_offsets() {
        let analyzer = TextAnalyzer::builder(CzechTokenizer::default())
            .filter(FoldFilter)
            .build();
        let text = "Prunéřově za poslední dva roky";
        let toks = run(analyzer, text);
        assert_eq!(toks[0], ("prunerove".to_string(), 0, 12));
        assert_eq!(&text[toks[1].1..toks[1].2], "za");
    }

    #[test]
    fn lower_keeps_diacritics() {
        assert_eq!(
            lowered("Asistentka pedagoga na ZŠ Větrní"),
            ["asistentka", "pedagoga", "na", "zš", "větrní"]
        );
        // byt (flat) and být (to be) stay apart in the exact field.
        assert_ne!(lowered("byt"), lowered("být"));
        assert_eq!(folded("byt"), folded("být"));
    }

    #[test]
    fn lower_composes_decomposed_letters() {
        assert_eq!(lowered("Kadan\u{030C}"), ["kadaň"]);
        assert_eq!(lowered("Kadan\u{030C}"), lowered("KADAŇ"));
    }
}
