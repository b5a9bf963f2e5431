//! The query syntax people type, parsed without ever failing.
//!
//! Only two things are syntax: `"…"` (or Czech „…“) marks a phrase, and a
//! leading `-` excludes a word or phrase. Everything else is text: `:`,
//! `(`, `*`, `~`, `AND`, a lone quote. The analysis chain later drops what is
//! not a word, so no input can be a syntax error.

/// One part of a query: a word or a phrase, wanted or excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub text: String,
    /// Written in quotes: the words must stand together, in order.
    pub phrase: bool,
    /// Written with a leading `-`: measures containing it are removed.
    pub excluded: bool,
}

/// A parsed query: its parts in the order typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    pub parts: Vec<Part>,
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '„' | '“' | '”')
}

impl UserQuery {
    pub fn parse(input: &str) -> Self {
        // Byte positions throughout: no copy of the input as characters.
        let char_at = |i: usize| input.get(i..).and_then(|rest| rest.chars().next());
        // An odd number of quotes: the last one opens nothing and is text.
        let quotes = input.chars().filter(|&c| is_quote(c)).count();
        let lone_quote = (quotes % 2 == 1).then(|| input.rfind(is_quote)).flatten();

        let mut parts = Vec::new();
        let mut i = 0;
        while let Some(c) = char_at(i) {
            if c.is_whitespace() || Some(i) == lone_quote {
                i += c.len_utf8();
                continue;
            }
            let excluded =
                c == '-' && char_at(i + 1).is_some_and(|next| !next.is_whitespace() && next != '-');
            if excluded {
                i += 1;
            }
            // An exclusion's '-' is followed by a character.
            let Some(first) = char_at(i) else {
                break;
            };
            let (text, phrase, next) = if is_quote(first) && Some(i) != lone_quote {
                let from = i + first.len_utf8();
                let end = input[from..]
                    .find(is_quote)
                    .map_or(input.len(), |e| from + e);
                let next = char_at(end).map_or(input.len(), |quote| end + quote.len_utf8());
                (&input[from..end], true, next)
            } else {
                let end = input[i..]
                    .char_indices()
                    .find(|&(j, c)| c.is_whitespace() || (is_quote(c) && Some(i + j) != lone_quote))
                    .map_or(input.len(), |(j, _)| i + j);
                (&input[i..end], false, end)
            };
            let text = text.trim();
            if !text.is_empty() {
                parts.push(Part {
                    text: text.to_owned(),
                    phrase,
                    excluded,
                });
            }
            i = next;
        }
        UserQuery { parts }
    }

    /// The parts that are searched for (not excluded).
    pub fn wanted(&self) -> impl Iterator<Item = &Part> {
        self.parts.iter().filter(|p| !p.excluded)
    }

    pub fn excluded(&self) -> impl Iterator<Item = &Part> {
        self.parts.iter().filter(|p| p.excluded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(input: &str) -> Vec<(String, bool, bool)> {
        UserQuery::parse(input)
            .parts
            .into_iter()
            .map(|p| (p.text, p.phrase, p.excluded))
            .collect()
    }

    fn word(t: &str) -> (String, bool, bool) {
        (t.to_owned(), false, false)
    }

    #[test]
    fn words_phrases_and_exclusions() {
        assert_eq!(
            parts(r#"bydlení "prostupné bydlení" -tréninkové"#),
            [
                word("bydlení"),
                ("prostupné bydlení".into(), true, false),
                ("tréninkové".into(), false, true),
            ]
        );
        assert_eq!(
            parts("-„terénní práce“"),
            [("terénní práce".into(), true, true)]
        );
    }

    #[test]
    fn anything_else_is_text() {
        assert_eq!(
            parts("text:bydlení AND (x*)"),
            [word("text:bydlení"), word("AND"), word("(x*)")]
        );
        assert_eq!(
            parts(r#"prostupné "bydlení"#),
            [word("prostupné"), word("bydlení")]
        );
        assert_eq!(
            parts("sociálně-právní - -- ~"),
            [word("sociálně-právní"), word("-"), word("--"), word("~")]
        );
        assert_eq!(parts(r#""""#), []);
        assert_eq!(parts("   "), []);
    }
}
