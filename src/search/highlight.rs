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

/// `text` HTML-escaped, with matched words in `<mark>…</mark>`; `words`
/// are the text's words as [`super::plan::Analyzers::words`] gives them.
pub fn highlight(text: &str, words: &[Word], forms: &MatchForms) -> String {
    let ranges = merge_adjacent(text, matched_ranges(words, forms));
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
fn matched_ranges(words: &[Word], forms: &MatchForms) -> Vec<(usize, usize)> {
    if forms.is_empty() {
        return Vec::new();
    }
    words
        .iter()
        .filter(|word| {
            let w = &word.slot;
            forms.exact.contains(&w.exact)
                || forms.folded.contains(&w.folded)
                || forms.stems.contains(&w.stem)
                || forms.roots.contains(&w.root)
        })
        .map(|word| (word.range.start, word.range.end))
        .collect()
}

/// Joins ranges separated only by spaces, so "prostupného bydlení" is one
/// mark.
fn merge_adjacent(text: &str, ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
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
    if text.chars().count() <= FRAGMENT_CHARS {
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

fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::plan::Analyzers;

    fn analyzers() -> Analyzers {
        let (schema, _) = crate::index::schema::build();
        let index = tantivy::Index::create_in_ram(schema);
        crate::analysis::register(index.tokenizers());
        Analyzers::of(&index)
    }

    fn highlight(text: &str, forms: &MatchForms) -> String {
        super::highlight(text, &analyzers().words(text), forms)
    }

    fn forms(query: &str) -> MatchForms {
        let mut forms = MatchForms::default();
        for slot in analyzers().slots(query) {
            forms.add(&slot);
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
