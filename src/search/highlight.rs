//! Highlighting: every word that matched, wrapped in `<mark>`.
//!
//! tantivy's snippet generator marks the terms of one field, so a word that
//! matched through its stem, its folded form, a synonym or a typo would go
//! unmarked. Here the text is analysed by all three chains at once, and a
//! word is marked when any of its forms is one the query matched; adjacent
//! marked words share one `<mark>`, so a phrase reads as one.

use super::plan::{Analyzers, FUZZY_MIN_CHARS, MatchForms};

/// Texts longer than this are cut to a fragment around the first match.
const FRAGMENT_CHARS: usize = 300;

/// `text` HTML-escaped, with matched words in `<mark>…</mark>`.
pub fn highlight(text: &str, forms: &MatchForms, analyzers: &Analyzers) -> String {
    let ranges = merge_adjacent(text, matched_ranges(text, forms, analyzers));
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

/// Byte ranges of the words of `text` that the query matched.
fn matched_ranges(text: &str, forms: &MatchForms, analyzers: &Analyzers) -> Vec<(usize, usize)> {
    if forms.is_empty() {
        return Vec::new();
    }
    analyzers
        .words(text)
        .into_iter()
        .filter(|word| {
            let w = &word.slot;
            forms.exact.contains(&w.exact)
                || forms.folded.contains(&w.folded)
                || forms.stems.contains(&w.stem)
                || near(&w.folded, &forms.fuzzy_folded, FUZZY_MIN_CHARS)
                || near(&w.stem, &forms.fuzzy_stems, FUZZY_MIN_CHARS - 1)
        })
        .map(|word| (word.range.start, word.range.end))
        .collect()
}

fn near(word: &str, targets: &std::collections::BTreeSet<String>, min_chars: usize) -> bool {
    word.chars().count() >= min_chars && targets.iter().any(|t| within_one_edit(word, t))
}

/// Whether `a` becomes `b` by at most one insertion, deletion, substitution
/// or swap of neighbouring letters: the typos the search forgives.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match (ra.len(), rb.len()) {
        (0, 0) => true,
        (x, y) if x == y => {
            ra[1..] == rb[1..] // substitution
                || (x >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..]) // swap
        }
        (x, y) if x > y => ra[1..] == *rb, // deletion
        _ => *ra == rb[1..],               // insertion
    }
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

    fn analyzers() -> Analyzers {
        let (schema, _) = crate::index::schema::build();
        let index = tantivy::Index::create_in_ram(schema);
        crate::analysis::register(index.tokenizers());
        Analyzers::of(&index)
    }

    fn highlight(text: &str, forms: &MatchForms) -> String {
        super::highlight(text, forms, &analyzers())
    }

    fn forms(query: &str) -> MatchForms {
        let mut forms = MatchForms::default();
        for slot in analyzers().slots(query) {
            forms.exact.insert(slot.exact.clone());
            forms.folded.insert(slot.folded.clone());
            forms.stems.insert(slot.stem.clone());
            if slot.folded.chars().count() >= FUZZY_MIN_CHARS {
                forms.fuzzy_folded.insert(slot.folded);
                forms.fuzzy_stems.insert(slot.stem);
            }
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
    fn marks_typos_and_escapes_html() {
        assert_eq!(
            highlight("asistentů prevence kriminality <b>", &forms("kriminaity")),
            "asistentů prevence <mark>kriminality</mark> &lt;b&gt;"
        );
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit("kriminality", "kriminaity"));
        assert!(within_one_edit("psychologove", "psycholgove"));
        assert!(within_one_edit("bydleni", "bydelni"));
        assert!(within_one_edit("bydleni", "bydlenu"));
        assert!(!within_one_edit("bydleni", "bdyelni"));
        assert!(!within_one_edit("skola", "skolami"));
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
