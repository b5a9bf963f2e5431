//! The period a report covers, read from its own title.
//!
//! The agency titles its reports in prose: "… v období červen 2011 – červen
//! 2014", "… červen 2010 až červen 2013". The period is found as a month name
//! (any case of it, with or without diacritics) or a month number, a year, a
//! separator (dash, "až", "do") and a second month and year.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::folded_words;

/// A calendar month: the resolution the reports use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: u16,
    pub month: u8,
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let parsed = text.split_once('-').and_then(|(y, m)| {
            Some(YearMonth {
                year: y.parse().ok()?,
                month: m.parse().ok().filter(|m| (1..=12).contains(m))?,
            })
        });
        parsed.ok_or_else(|| serde::de::Error::custom(format!("not a YYYY-MM month: {text}")))
    }
}

/// The span of a report: `2011-2014`, from 2011-06 to 2014-06.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Period {
    /// The label people filter by: first and last year, `2011-2014`.
    pub label: String,
    pub from: YearMonth,
    pub to: YearMonth,
}

impl Period {
    pub fn new(from: YearMonth, to: YearMonth) -> Self {
        Self {
            label: format!("{}-{}", from.year, to.year),
            from,
            to,
        }
    }

    /// Whether the period covers any part of the calendar `year`.
    pub fn covers_year(&self, year: u16) -> bool {
        (self.from.year..=self.to.year).contains(&year)
    }

    /// Finds the period in a title line; `None` if the line names none.
    pub fn find_in(title: &str) -> Option<Self> {
        // Punctuation separators (dashes, slashes) fall away with the
        // splitting; the word separators "až" and "do" are skipped explicitly.
        let words = folded_words(title);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        (0..words.len()).find_map(|start| period_at(&words[start..]))
    }
}

/// Reads `month year [sep] month year` at the start of `words`.
fn period_at(words: &[&str]) -> Option<Period> {
    let (from, rest) = month_year_at(words)?;
    let rest = match rest.first() {
        Some(&("az" | "do")) => &rest[1..],
        _ => rest,
    };
    let (to, _) = month_year_at(rest)?;
    (from < to).then(|| Period::new(from, to))
}

fn month_year_at<'a>(words: &'a [&'a str]) -> Option<(YearMonth, &'a [&'a str])> {
    let month = month_number(words.first()?)?;
    let year: u16 = words
        .get(1)?
        .parse()
        .ok()
        .filter(|y| (1900..=2200).contains(y))?;
    Some((YearMonth { year, month }, &words[2..]))
}

/// A month from its Czech name in the nominative or genitive, folded
/// ("cerven", "cervna"), or from its number.
fn month_number(word: &str) -> Option<u8> {
    const NAMES: [(&[&str], u8); 12] = [
        (&["leden", "ledna"], 1),
        (&["unor", "unora"], 2),
        (&["brezen", "brezna"], 3),
        (&["duben", "dubna"], 4),
        (&["kveten", "kvetna"], 5),
        (&["cerven", "cervna"], 6),
        (&["cervenec", "cervence"], 7),
        (&["srpen", "srpna"], 8),
        (&["zari"], 9),
        (&["rijen", "rijna"], 10),
        (&["listopad", "listopadu"], 11),
        (&["prosinec", "prosince"], 12),
    ];
    if let Ok(n) = word.parse::<u8>() {
        return (1..=12).contains(&n).then_some(n);
    }
    NAMES
        .iter()
        .find(|(names, _)| names.contains(&word))
        .map(|&(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(year: u16, month: u8) -> YearMonth {
        YearMonth { year, month }
    }

    #[test]
    fn reads_both_seed_titles() {
        let md = Period::find_in(
            "## VÝSLEDKY SPOLUPRÁCE – MĚSTA PODPOROVANÁ V OBDOBÍ ČERVEN 2011 – ČERVEN 2014",
        )
        .unwrap();
        assert_eq!(md, Period::new(ym(2011, 6), ym(2014, 6)));
        assert_eq!(md.label, "2011-2014");
        let txt = Period::find_in(
            "Výsledky spolupráce – města podporovaná v období červen 2010 až červen 2013",
        )
        .unwrap();
        assert_eq!(txt.label, "2010-2013");
        assert_eq!((txt.from, txt.to), (ym(2010, 6), ym(2013, 6)));
    }

    #[test]
    fn reads_genitive_months_and_numbers() {
        let p = Period::find_in("v období od ledna 2015 do prosince 2017").unwrap();
        assert_eq!((p.from, p.to), (ym(2015, 1), ym(2017, 12)));
        let p = Period::find_in("období 9/2016 - 8/2019").unwrap();
        assert_eq!((p.from, p.to), (ym(2016, 9), ym(2019, 8)));
        assert_eq!(
            Period::find_in("červenec 2012 – červen 2015").unwrap().from,
            ym(2012, 7)
        );
    }

    #[test]
    fn rejects_titles_without_a_period() {
        assert_eq!(Period::find_in("Výsledky spolupráce"), None);
        assert_eq!(Period::find_in("červen 2014 – červen 2011"), None);
        assert_eq!(Period::find_in("v roce 2014"), None);
    }

    #[test]
    fn covers_year() {
        let p = Period::new(ym(2011, 6), ym(2014, 6));
        assert!(p.covers_year(2011) && p.covers_year(2014));
        assert!(!p.covers_year(2010));
    }
}
