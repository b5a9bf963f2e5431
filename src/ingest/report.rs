//! Reading one report file into town sections and their measures.
//!
//! Reports come in two shapes. Markdown (`.md`) has `### Town` headings,
//! `- ` bullets and `**bold**` emphasis. Text extracted from a PDF (`.txt`
//! and anything else) has bare town names on their own lines and `■`
//! bullets whose text wraps over several lines, sometimes with blank lines
//! in between and words split by a line-end hyphen. Both are read by the
//! same loop: each line is classified, then either opens a section, opens a
//! measure, or continues the open measure.

use std::path::Path;

use super::error::Problems;
use super::period::Period;
use super::text::clean_line;

/// The file format, which decides how a heading is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Headings are `#` lines, nothing else.
    Markdown,
    /// Headings are short capitalised lines followed by a bullet.
    PlainText,
}

impl Format {
    pub fn of(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("md") => Format::Markdown,
            _ => Format::PlainText,
        }
    }
}

/// A report as read, before towns and categories are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedReport {
    pub period: Period,
    /// The line the period was read from.
    pub title_line: usize,
    pub sections: Vec<Section>,
}

/// A town heading and the measures listed under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading as printed, cleaned of markup and whitespace noise.
    pub heading: String,
    pub line: usize,
    pub items: Vec<Item>,
}

/// One bullet: one measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The line of the bullet.
    pub line: usize,
    /// Clean text, emphasis markers removed.
    pub text: String,
    /// The phrases the report set in bold, in order.
    pub key_phrases: Vec<String>,
}

/// What a line of a report is.
#[derive(Debug, PartialEq, Eq)]
enum Line<'a> {
    Blank,
    /// A line that is only a web address, such as a footer.
    Url,
    /// A `#` heading (Markdown): its level and text. Levels 1 and 2 are the
    /// report's title and parts, 3 and deeper are towns.
    MarkdownHeading(usize, &'a str),
    /// A bullet with the text after the marker.
    Bullet(&'a str),
    Text(&'a str),
}

const BULLETS: [char; 7] = ['■', '•', '▪', '●', '-', '*', '+'];

fn classify(line: &str) -> Line<'_> {
    let line = line.trim();
    if line.is_empty() {
        return Line::Blank;
    }
    if line.starts_with('#') {
        let text = line.trim_start_matches('#');
        return Line::MarkdownHeading(line.len() - text.len(), text.trim());
    }
    if is_url(line) {
        return Line::Url;
    }
    let mut chars = line.chars();
    if let Some(first) = chars.next()
        && BULLETS.contains(&first)
    {
        let rest = chars.as_str();
        // "**bold**" starts with '*' but is not a bullet; a bullet marker is
        // followed by a space, or is the whole line (an empty bullet).
        if rest.is_empty() || rest.starts_with(' ') {
            return Line::Bullet(rest.trim());
        }
    }
    Line::Text(line)
}

fn is_url(line: &str) -> bool {
    !line.contains(' ')
        && ["http://", "https://", "www."]
            .iter()
            .any(|p| line.to_ascii_lowercase().starts_with(p))
}

/// Parses `source`, the contents of the report at `path` (used in problems).
/// Returns `None` when the report has problems severe enough that its
/// measures cannot be trusted (no period); other problems are pushed and
/// the report is still returned, so that one import lists them all.
pub fn parse(path: &Path, source: &str, problems: &mut Problems) -> Option<ParsedReport> {
    let format = Format::of(path);
    let lines: Vec<String> = source.lines().map(clean_line).collect();
    let kinds: Vec<Line> = lines.iter().map(|l| classify(l)).collect();

    let mut period = None;
    let mut sections: Vec<Section> = Vec::new();
    let mut open: Option<OpenItem> = None;
    let mut blank_since_item = false;

    for (index, kind) in kinds.iter().enumerate() {
        let number = index + 1;
        let heading = match (format, kind) {
            (Format::Markdown, Line::MarkdownHeading(level, text)) if *level >= 3 => Some(*text),
            (Format::PlainText, Line::Text(text))
                if looks_like_heading(text, &kinds[index + 1..], open.as_ref()) =>
            {
                Some(*text)
            }
            _ => None,
        };
        if let Some(text) = heading {
            finish(&mut open, &mut sections, problems, path);
            if period.is_none()
                && sections.is_empty()
                && let Some(found) = Period::find_in(text)
            {
                period = Some((found, number));
                continue;
            }
            sections.push(Section {
                heading: clean_heading(text),
                line: number,
                items: Vec::new(),
            });
            continue;
        }
        match kind {
            Line::Blank => blank_since_item = true,
            Line::Url => {}
            Line::Bullet(text) => {
                finish(&mut open, &mut sections, problems, path);
                if sections.is_empty() {
                    problems.push(path, number, "a measure before any town heading");
                }
                open = Some(OpenItem::new(number, text));
                blank_since_item = false;
            }
            Line::MarkdownHeading(_, text) if format == Format::Markdown => {
                finish(&mut open, &mut sections, problems, path);
                if period.is_none() {
                    period = Period::find_in(text).map(|found| (found, number));
                }
            }
            Line::Text(text) | Line::MarkdownHeading(_, text) => match open.as_mut() {
                // Markdown ends a list item at a blank line; PDF text wraps
                // items across blank lines, so there it continues.
                Some(item) if format == Format::PlainText || !blank_since_item => {
                    item.continue_with(text)
                }
                // Before the first heading: the title and any preamble.
                _ if sections.is_empty() => {
                    if period.is_none()
                        && let Some(found) = Period::find_in(text)
                    {
                        period = Some((found, number));
                    }
                }
                _ => problems.push(
                    path,
                    number,
                    format!("text outside any measure: {:?}", shorten(text)),
                ),
            },
        }
    }
    finish(&mut open, &mut sections, problems, path);

    for section in sections.iter().filter(|s| s.items.is_empty()) {
        problems.push(
            path,
            section.line,
            format!("heading {:?} has no measures under it", section.heading),
        );
    }
    let Some((period, title_line)) = period else {
        problems.push(
            path,
            1,
            "no recognisable period in the report's title \
             (expected e.g. \"v období červen 2011 – červen 2014\")",
        );
        return None;
    };
    Some(ParsedReport {
        period,
        title_line,
        sections,
    })
}

/// In PDF text a heading is a bare line: capitalised, short, not ending a
/// sentence or a hyphenated word, and followed by a bullet. A continuation
/// line ("vány", "(Toužim)") fails at least one of these.
fn looks_like_heading(text: &str, after: &[Line], open: Option<&OpenItem>) -> bool {
    let starts_upper = text.chars().next().is_some_and(char::is_uppercase);
    let short = text.split(' ').count() <= 6;
    let ends_sentence = text.ends_with([',', '.', ';', ':', '-']);
    let splits_a_word = open.is_some_and(OpenItem::ends_with_hyphen);
    let next = after.iter().find(|l| **l != Line::Blank);
    let bullet_follows = matches!(next, Some(Line::Bullet(_)));
    starts_upper && short && !ends_sentence && !splits_a_word && bullet_follows
}

fn clean_heading(text: &str) -> String {
    text.replace("**", "")
        .trim()
        .trim_end_matches(':')
        .trim()
        .to_owned()
}

fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// A measure whose lines are still being read.
struct OpenItem {
    line: usize,
    raw: String,
}

impl OpenItem {
    fn new(line: usize, text: &str) -> Self {
        Self {
            line,
            raw: text.to_owned(),
        }
    }

    fn ends_with_hyphen(&self) -> bool {
        let mut tail = self.raw.chars().rev();
        tail.next() == Some('-') && tail.next().is_some_and(char::is_alphabetic)
    }

    /// Appends a wrapped line. A line-end hyphen between two letters split a
    /// word ("poskyto-" / "vány" is "poskytovány") and is removed.
    fn continue_with(&mut self, text: &str) {
        let next_lower = text.chars().next().is_some_and(char::is_lowercase);
        if self.ends_with_hyphen() && next_lower {
            self.raw.pop();
        } else if !self.raw.is_empty() {
            self.raw.push(' ');
        }
        self.raw.push_str(text);
    }
}

fn finish(
    open: &mut Option<OpenItem>,
    sections: &mut [Section],
    problems: &mut Problems,
    path: &Path,
) {
    let Some(item) = open.take() else { return };
    let (text, key_phrases) =
        split_emphasis(&space_glued_dashes(&rejoin_split_capitals(&item.raw)));
    let text = trim_trailing_punctuation(&text);
    if text.chars().all(|c| !c.is_alphanumeric()) {
        problems.push(path, item.line, "a bullet with no text");
        return;
    }
    if let Some(section) = sections.last_mut() {
        section.items.push(Item {
            line: item.line,
            text,
            key_phrases,
        });
    }
}

/// Removes `**` / `__` markers and returns the text with the bold spans
/// collected as key phrases.
fn split_emphasis(raw: &str) -> (String, Vec<String>) {
    let mut text = String::with_capacity(raw.len());
    let mut phrases = Vec::new();
    let mut rest = raw;
    let mut bold: Option<String> = None;
    while let Some(pos) = find_marker(rest) {
        let (before, after) = rest.split_at(pos);
        text.push_str(before);
        match bold.take() {
            Some(mut phrase) => {
                phrase.push_str(before);
                let phrase = trim_trailing_punctuation(phrase.trim());
                if !phrase.is_empty() {
                    phrases.push(phrase);
                }
            }
            None => bold = Some(String::new()),
        }
        rest = &after[2..];
    }
    // An unclosed marker keeps its text; it is simply not a phrase.
    text.push_str(rest);
    (clean_line(&text), phrases)
}

/// PDF extraction sometimes detaches an initial capital with a diacritic
/// from its word: "Š ance", "Š umbark". A lone capital that is not one of
/// Czech's one-letter words (a, i, k, o, s, u, v, z), followed by a space and
/// a lowercase letter, is joined back to it.
fn rejoin_split_capitals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let detached = c == ' '
            && i >= 1
            && chars[i - 1].is_uppercase()
            && !"AIKOSUVZ".contains(chars[i - 1])
            && (i < 2 || !chars[i - 2].is_alphanumeric())
            && chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        if !detached {
            out.push(c);
        }
    }
    out
}

fn find_marker(text: &str) -> Option<usize> {
    match (text.find("**"), text.find("__")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A dash used as punctuation stands between spaces; PDF extraction glues
/// it to the next word ("Šumbark –poskytuje"), which would also glue it to
/// that word's token.
fn space_glued_dashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    let mut previous = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        let glued = chars.peek().is_some_and(|next| !next.is_whitespace());
        if matches!(c, '–' | '—') && previous == Some(' ') && glued {
            out.push(' ');
        }
        previous = Some(c);
    }
    out
}

/// Drops the list punctuation a bullet ends with (",", ";", a final "."),
/// keeping the period of an abbreviation ("atd.", "o.p.s.").
fn trim_trailing_punctuation(text: &str) -> String {
    let text = text.trim_end_matches([',', ';', ' ']);
    if let Some(stripped) = text.strip_suffix('.') {
        let last_word = stripped.rsplit(' ').next().unwrap_or("");
        let is_abbreviation = last_word.contains('.')
            || last_word.chars().count() <= 3
            || ["apod", "např", "resp"].contains(&last_word);
        if !is_abbreviation {
            return stripped.trim_end().to_owned();
        }
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(name: &str, source: &str) -> (Option<ParsedReport>, Problems) {
        let mut problems = Problems::default();
        let report = parse(Path::new(name), source, &mut problems);
        (report, problems)
    }

    fn texts(report: &ParsedReport) -> Vec<(&str, Vec<&str>)> {
        report
            .sections
            .iter()
            .map(|s| {
                (
                    s.heading.as_str(),
                    s.items.iter().map(|i| i.text.as_str()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn markdown_bullets_and_bold() {
        let (report, problems) = parse_str(
            "r.md",
            "## Výsledky v období červen 2011 – červen 2014\n\n### Kadaň\n\n\
             - **zavedení domovníků** v každém domě v Prunéřově\n\
             - změna pravidel přidělování bytů\n\n\
             - **rozvoj komunitní práce** a **příměstských táborů**\n",
        );
        assert!(problems.is_empty(), "{problems}");
        let report = report.unwrap();
        assert_eq!(report.period.label, "2011-2014");
        assert_eq!(report.title_line, 1);
        let kadan = &report.sections[0];
        assert_eq!(kadan.heading, "Kadaň");
        assert_eq!(
            kadan.items[0].text,
            "zavedení domovníků v každém domě v Prunéřově"
        );
        assert_eq!(kadan.items[0].key_phrases, ["zavedení domovníků"]);
        assert_eq!(kadan.items[0].line, 5);
        assert_eq!(
            kadan.items[2].key_phrases,
            ["rozvoj komunitní práce", "příměstských táborů"]
        );
        assert_eq!(kadan.items.len(), 3);
    }

    #[test]
    fn pdf_text_wraps_hyphens_blank_lines_and_footer() {
        let source = "\n \nVýsledky spolupráce v\u{a0}období červen 2010 až červen 2013\n\nBílina\n \
             ■  integrované centrum na Teplickém předměstí \n \
             ■  rozšíření služeb a\u{a0}rekonstrukce prostor, kde jsou poskyto-\n\nvány \n \
             ■  osvětová kampaň v plánovaném komunit-\n\nním centru, občané odmítli \n(Toužim)\n\n \
             ■  projekt „Viděn v\u{a0}ulicích“ seznamující občany se\u{a0}službami města.\n\n\
             Teplá a\u{a0}Toužim\n \
             ■  vznik občanského sdružení Š umbarák\n \n \n\nwww.socialni-zaclenovani.cz \n";
        let (report, problems) = parse_str("r.txt", source);
        assert!(problems.is_empty(), "{problems}");
        let report = report.unwrap();
        assert_eq!(report.period.label, "2010-2013");
        assert_eq!(
            texts(&report),
            [
                (
                    "Bílina",
                    vec![
                        "integrované centrum na Teplickém předměstí",
                        "rozšíření služeb a rekonstrukce prostor, kde jsou poskytovány",
                        "osvětová kampaň v plánovaném komunitním centru, občané odmítli (Toužim)",
                        "projekt „Viděn v ulicích“ seznamující občany se službami města",
                    ]
                ),
                ("Teplá a Toužim", vec!["vznik občanského sdružení Šumbarák"]),
            ]
        );
        assert_eq!(report.sections[1].line, 17);
    }

    #[test]
    fn problems_name_the_line() {
        let (report, problems) =
            parse_str("r.md", "## Zpráva\n\n### Kadaň\n- \n- text\n### Krupka\n");
        assert!(report.is_none());
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "r.md:4: a bullet with no text",
                "r.md:6: heading \"Krupka\" has no measures under it",
                "r.md:1: no recognisable period in the report's title \
                 (expected e.g. \"v období červen 2011 – červen 2014\")",
            ]
        );
    }

    #[test]
    fn split_capitals_are_rejoined_but_one_letter_words_are_not() {
        assert_eq!(
            rejoin_split_capitals("projekt Š ance pro"),
            "projekt Šance pro"
        );
        assert_eq!(
            rejoin_split_capitals("sídlišti Š umbark"),
            "sídlišti Šumbark"
        );
        assert_eq!(
            rejoin_split_capitals("V rodinách a K městu"),
            "V rodinách a K městu"
        );
        assert_eq!(
            rejoin_split_capitals("ulice P. Veselého"),
            "ulice P. Veselého"
        );
    }

    #[test]
    fn glued_dash_gets_its_space() {
        assert_eq!(
            space_glued_dashes("sídlišti Šumbark –poskytuje terénní programy"),
            "sídlišti Šumbark – poskytuje terénní programy"
        );
        assert_eq!(space_glued_dashes("a – b"), "a – b");
    }

    #[test]
    fn trailing_punctuation() {
        assert_eq!(
            trim_trailing_punctuation("sociální práce, "),
            "sociální práce"
        );
        assert_eq!(
            trim_trailing_punctuation("lokality Mělnicka."),
            "lokality Mělnicka"
        );
        assert_eq!(
            trim_trailing_punctuation("Srdce a čin, o.p.s."),
            "Srdce a čin, o.p.s."
        );
        assert_eq!(
            trim_trailing_punctuation("kurzy, tábory atd."),
            "kurzy, tábory atd."
        );
    }
}
