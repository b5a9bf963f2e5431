//! Highlighting: every word that matched, wrapped in `<mark>`.
//!
//! tantivy's snippet generator marks the terms of one field, so a word that
//! matched through its stem, its folded form, a synonym or a typo would go
//! unmarked. Here the text is analysed by all three chains at once, and a
//! word is marked when any of its forms is one the query matched; adjacent
//! marked words share one `<mark>`, so a phrase reads as one.

use super::plan::{MatchForms, Word};

/// Texts longer than this are cut to a fragment around the first match.
const FRAGMENT_CHARS: usize = 300;

/// The forms a query matched, ready to test the words of many texts.
pub struct Marker<'a> {
    forms: &'a MatchForms,
    /// Per form (exact, folded, stem, root): a one-word Bloom filter of
    /// the query's forms, a bit for each form's length and first and last
    /// byte ([`sketch`]). A text's word is looked up only where its bit is
    /// set, which spares the lookups of nearly every word of a hit.
    sketches: [u64; 4],
}

impl<'a> Marker<'a> {
    pub fn new(forms: &'a MatchForms) -> Self {
        let sketches = [&forms.exact, &forms.folded, &forms.stems, &forms.roots]
            .map(|set| set.iter().fold(0, |bits, form| bits | sketch(form)));
        Marker { forms, sketches }
    }

    /// Whether `word`, whose forms' sketch bits are `bits`, is one the
    /// query matched.
    fn marks(&self, word: &Word, bits: [u8; 4]) -> bool {
        let w = &word.slot;
        let may = |i: usize| self.sketches[i] & (1 << bits[i]) != 0;
        (may(0) && self.forms.exact.contains(w.exact.as_str()))
            || (may(1) && self.forms.folded.contains(w.folded.as_str()))
            || (may(2) && self.forms.stems.contains(w.stem.as_str()))
            || (may(3) && self.forms.roots.contains(w.root.as_str()))
    }
}

/// A text's words as highlighting reads them: each word's four forms, and
/// their bits in a [`Marker`]'s filters, worked out once. A measure shown
/// is kept and highlighted for query after query, and working out the
/// bits for every word of every hit was half of matching its words.
pub struct Words {
    words: Vec<Word>,
    /// Per word, [`sketch_bit`] of its exact, folded, stemmed and root
    /// forms.
    bits: Vec<[u8; 4]>,
}

impl Words {
    /// `words` are the text's words as [`super::plan::Analyzers::words`]
    /// gives them.
    pub fn new(words: Vec<Word>) -> Self {
        let bits = words
            .iter()
            .map(|w| {
                let w = &w.slot;
                [&w.exact, &w.folded, &w.stem, &w.root].map(|form| sketch_bit(form))
            })
            .collect();
        Words { words, bits }
    }
}

/// One bit of 64 chosen by a word's length and its first and last byte.
fn sketch(form: &str) -> u64 {
    1 << sketch_bit(form)
}

/// Which bit [`sketch`] sets.
fn sketch_bit(form: &str) -> u8 {
    let bytes = form.as_bytes();
    let (first, last) = (bytes.first().copied(), bytes.last().copied());
    let mixed = (bytes.len() as u32).wrapping_mul(0x9E37_79B1)
        ^ u32::from(first.unwrap_or(0)).wrapping_mul(0x85EB_CA6B)
        ^ u32::from(last.unwrap_or(0)).wrapping_mul(0xC2B2_AE35);
    (mixed >> 26) as u8
}

/// `text` HTML-escaped, with matched words in `<mark>…</mark>`; `words`
/// are the text's words.
pub fn highlight(text: &str, words: &Words, marker: &Marker) -> String {
    let ranges = merge_adjacent(text, matched_ranges(words, marker));
    let (start, end) = fragment(text, ranges.first().map(|r| r.0));
    let mut out = String::with_capacity(text.len() + 32);
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for &(from, to) in ranges.iter().filter(|r| r.0 >= start && r.1 <= end) {
        escape_into(&text[at..from], &mut out);
        out.push_str("<mark>");
        escape_into(&text[from..to], &mut out);
        out.push_str("</mark>");
        at = to;
    }
    escape_into(&text[at..end], &mut out);
    if end < text.len() {
        out.push('…');
    }
    out
}

/// Byte ranges of the words that the query matched.
fn matched_ranges<'w>(
    words: &'w Words,
    marker: &'w Marker,
) -> impl Iterator<Item = (usize, usize)> + 'w {
    let count = if marker.forms.is_empty() {
        0
    } else {
        words.words.len()
    };
    words.words[..count]
        .iter()
        .zip(&words.bits)
        .filter(|(word, bits)| marker.marks(word, **bits))
        .map(|(word, _)| (word.range.start, word.range.end))
}

/// Joins ranges separated only by spaces, so "prostupného bydlení" is one
/// mark.
fn merge_adjacent(text: &str, ranges: impl Iterator<Item = (usize, usize)>) -> Vec<(usize, usize)> {
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (from, to) in ranges {
        match merged.last_mut() {
            Some(last) if text[last.1..from].chars().all(char::is_whitespace) => last.1 = to,
            _ => merged.push((from, to)),
        }
    }
    merged
}

/// The byte range to show: the whole text, or a window of about
/// [`FRAGMENT_CHARS`] characters starting a little before the first match,
/// cut at spaces.
fn fragment(text: &str, first_match: Option<usize>) -> (usize, usize) {
    // A text of no more bytes than that has no more characters.
    if text.len() <= FRAGMENT_CHARS || text.chars().count() <= FRAGMENT_CHARS {
        return (0, text.len());
    }
    let anchor = first_match.unwrap_or(0);
    let lead = text[..anchor]
        .char_indices()
        .rev()
        .nth(60)
        .map_or(0, |(i, _)| i);
    let start = if lead == 0 {
        0
    } else {
        text[lead..anchor].find(' ').map_or(lead, |i| lead + i + 1)
    };
    let limit = text[start..]
        .char_indices()
        .nth(FRAGMENT_CHARS)
        .map_or(text.len(), |(i, _)| start + i);
    let end = if limit == text.len() {
        limit
    } else {
        text[start..limit].rfind(' ').map_or(limit, |i| start + i)
    };
    (start, end)
}

/// Appends `text` to `out` with HTML's special characters escaped. Plain
/// text, and runs of it, are copied whole: escaping character by character
/// was a tenth of a search of the bundled collection.
fn escape_into(text: &str, out: &mut String) {
    if !super::bytes::any(text.as_bytes(), |byte| {
        matches!(byte, b'<' | b'>' | b'&' | b'"' | b'\'')
    }) {
        out.push_str(text);
        return;
    }
    let mut plain = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[plain..at]);
        out.push_str(escaped);
        plain = at + 1;
    }
    out.push_str(&text[plain..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::plan::Analyzers;

    fn analyzers() -> Analyzers {
        let (schema, _) = crate::index::schema::build();
        let index = tantivy::Index::create_in_ram(schema);
        crate::analysis::register(index.tokenizers());
        Analyzers::of(&index, crate::analysis::Chains::SHIPPED)
    }

    fn highlight(text: &str, forms: &MatchForms) -> String {
        super::highlight(
            text,
            &Words::new(analyzers().words(text)),
            &Marker::new(forms),
        )
    }

    fn forms(query: &str) -> MatchForms {
        let mut forms = MatchForms::default();
        for slot in analyzers().slots(query).iter() {
            forms.add(slot);
        }
        forms
    }

    #[test]
    fn marks_stemmed_and_folded_matches_as_one_phrase() {
        let text = "zajištění tréninkového stupně prostupného bydlení (10 bytů I. kategorie)";
        assert_eq!(
            highlight(text, &forms("prostupne bydleni")),
            "zajištění tréninkového stupně <mark>prostupného bydlení</mark> (10 bytů I. kategorie)"
        );
    }

    #[test]
    fn marks_roots_and_escapes_html() {
        let mut forms = forms("prevence");
        forms.roots.insert("kriminalit".into());
        assert_eq!(
            highlight("asistentů <prevence> kriminality & <b>", &forms),
            "asistentů &lt;<mark>prevence</mark>&gt; <mark>kriminality</mark> &amp; &lt;b&gt;"
        );
    }

    #[test]
    fn escapes_every_special_character_beside_multibyte_letters() {
        let mut out = String::new();
        escape_into("ž<č>&\"ř'ů", &mut out);
        assert_eq!(out, "ž&lt;č&gt;&amp;&quot;ř&#39;ů");
        escape_into("", &mut out);
        escape_into("bez zvláštních znaků", &mut out);
        assert_eq!(out, "ž&lt;č&gt;&amp;&quot;ř&#39;ůbez zvláštních znaků");
    }

    #[test]
    fn long_text_is_cut_around_the_first_match() {
        let text = format!(
            "{} prostupné bydlení {}",
            "slovo ".repeat(80),
            "konec ".repeat(80)
        );
        let marked = highlight(&text, &forms("bydlení"));
        assert!(marked.starts_with('…') && marked.ends_with('…'), "{marked}");
        assert!(marked.contains("<mark>bydlení</mark>"));
        assert!(marked.chars().count() < 330);
    }
}
