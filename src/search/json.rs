//! Answers written as JSON by hand.
//!
//! An answer is a few hundred short strings with their keys. Serde's
//! derived serialisers write each key through the serializer, one call per
//! field, and escape every string a byte at a time: writing a page of ten
//! hits with its facet counts took longer than searching the bundled
//! collection for it, and writing a kept answer again was most of what a
//! repeated `/search` cost. Here the keys are constant bytes, a string with
//! nothing to escape (nearly all of them) is copied whole, and numbers and
//! the rare string that needs escaping are left to `serde_json`, so the
//! bytes are those of [`serde_json::to_vec`] of the same answer: a test
//! holds the two equal over the whole query mix of the benchmarks.
//!
//! Where the answer's `took_ms` figure stands is kept with the bytes, so
//! that an answer kept from an earlier search is sent with the time it took
//! now ([`AnswerJson::with_took_ms`]).

use std::ops::Range;

use super::counts::FacetCounts;
use super::facets::Facet;
use super::{Hit, HitFields, SearchResponse};

/// An answer as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerJson {
    bytes: Vec<u8>,
    /// Where the `took_ms` figure is in `bytes`.
    took_ms: Range<usize>,
}

impl AnswerJson {
    /// `answer` as JSON, the bytes `serde_json::to_vec(answer)` writes.
    pub fn of(answer: &SearchResponse) -> Self {
        let mut out = Vec::with_capacity(estimated_len(answer));
        out.extend_from_slice(b"{\"query\":");
        string(&mut out, &answer.query);
        out.extend_from_slice(b",\"total\":");
        number(&mut out, &answer.total);
        out.extend_from_slice(b",\"took_ms\":");
        let took_from = out.len();
        decimal(&mut out, answer.took_ms);
        let took_ms = took_from..out.len();
        out.extend_from_slice(b",\"hits\":");
        array(&mut out, answer.hits.iter(), write_hit);
        out.extend_from_slice(b",\"facets\":");
        write_facets(&mut out, &answer.facets);
        out.push(b'}');
        AnswerJson {
            bytes: out,
            took_ms,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The same answer with `took_ms` in place of the figure it was
    /// written with.
    pub fn with_took_ms(&self, took_ms: f64) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes.len() + 8);
        out.extend_from_slice(&self.bytes[..self.took_ms.start]);
        decimal(&mut out, took_ms);
        out.extend_from_slice(&self.bytes[self.took_ms.end..]);
        out
    }
}

/// About how long `answer` is as JSON, so that its buffer is allocated
/// once.
fn estimated_len(answer: &SearchResponse) -> usize {
    let hits: usize = answer
        .hits
        .iter()
        .map(|hit| hit.text.len() + hit.highlight.len() + 160)
        .sum();
    let values: usize = Facet::ALL
        .into_iter()
        .map(|facet| answer.facets.of(facet).len())
        .sum();
    256 + answer.query.len() + hits + values * 48
}

fn write_hit(out: &mut Vec<u8>, hit: &Hit) {
    match &hit.json {
        Some(fields) => {
            debug_assert_eq!(**fields, *hit_fields(hit), "fields changed since written");
            out.extend_from_slice(fields);
        }
        None => write_fields(out, hit),
    }
    out.extend_from_slice(b",\"highlight\":");
    string(out, &hit.highlight);
    out.extend_from_slice(b",\"score\":");
    decimal(out, hit.score);
    out.push(b'}');
}

/// A hit's stored fields (all but its highlight and score) as JSON: the
/// start of its object, up to the highlight. A measure's are written when
/// it is first shown and copied into every answer that shows it: escaping
/// them anew was most of writing an answer.
pub fn hit_fields(fields: &HitFields) -> Box<[u8]> {
    let mut out = Vec::with_capacity(fields.text.len() + 128);
    write_fields(&mut out, fields);
    out.into()
}

fn write_fields(out: &mut Vec<u8>, fields: &HitFields) {
    out.extend_from_slice(b"{\"id\":");
    string(out, &fields.id);
    out.extend_from_slice(b",\"towns\":");
    strings(out, &fields.towns);
    out.extend_from_slice(b",\"region\":");
    string(out, &fields.region);
    out.extend_from_slice(b",\"period\":");
    string(out, &fields.period);
    out.extend_from_slice(b",\"categories\":");
    strings(out, &fields.categories);
    out.extend_from_slice(b",\"text\":");
    string(out, &fields.text);
}

fn write_facets(out: &mut Vec<u8>, facets: &FacetCounts) {
    out.push(b'{');
    for (f, facet) in Facet::ALL.into_iter().enumerate() {
        if f > 0 {
            out.push(b',');
        }
        string(out, facet.name());
        out.push(b':');
        array(out, facets.written(facet), |out, (value, count)| {
            out.extend_from_slice(value);
            number(out, &count);
            out.push(b'}');
        });
    }
    out.push(b'}');
}

/// Each value of a facet, with its label, as the start of its JSON object
/// up to its count (`{"value":"Kadaň","count":`), written once per
/// generation: a search of the bundled collection lists forty-odd values,
/// and escaping their names again for every answer was a third of
/// writing it.
#[derive(Debug, Default)]
pub struct ValuesJson {
    bytes: Vec<u8>,
    /// Where each value's ends in `bytes`.
    ends: Vec<usize>,
}

impl ValuesJson {
    /// `labels[i]` is the label of `values[i]`, if it has one.
    pub fn of(values: &[String], labels: &[Option<String>]) -> Self {
        let mut written = ValuesJson::default();
        for (i, value) in values.iter().enumerate() {
            let out = &mut written.bytes;
            out.extend_from_slice(b"{\"value\":");
            string(out, value);
            if let Some(label) = labels.get(i).and_then(Option::as_deref) {
                out.extend_from_slice(b",\"label\":");
                string(out, label);
            }
            out.extend_from_slice(b",\"count\":");
            written.ends.push(out.len());
        }
        written
    }

    /// The value at `position`, as written.
    pub fn get(&self, position: usize) -> &[u8] {
        let start = position
            .checked_sub(1)
            .map_or(0, |before| self.ends[before]);
        &self.bytes[start..self.ends[position]]
    }
}

fn strings(out: &mut Vec<u8>, values: &[String]) {
    array(out, values, |out, value| string(out, value));
}

/// `items` as a JSON array, each written by `write`.
fn array<T>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    mut write: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, item);
    }
    out.push(b']');
}

/// `value` as a JSON string. JSON escapes only the quote, the backslash
/// and control characters; any other text is copied as it is.
fn string(out: &mut Vec<u8>, value: &str) {
    if needs_escaping(value.as_bytes()) {
        serialized(out, value);
    } else {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    }
}

/// Whether any byte of `value` must be escaped in a JSON string.
fn needs_escaping(value: &[u8]) -> bool {
    super::bytes::any(value, |byte| byte < 0x20 || byte == b'"' || byte == b'\\')
}

/// A number as `serde_json` writes it (the shortest form that reads back
/// as the same `f64`), so that the bytes match its serialiser's.
fn number(out: &mut Vec<u8>, value: &impl serde::Serialize) {
    serialized(out, value);
}

/// A decimal as [`number`] writes it. Scores and milliseconds are rounded
/// to three places, and such a value is written from its thousandths:
/// that decimal is the shortest that reads back as the same `f64` (no
/// other decimal of three places is within a unit of its last place),
/// which is what `serde_json` writes, without its general float
/// formatting. Any other value is written by `serde_json`.
fn decimal(out: &mut Vec<u8>, value: f64) {
    let thousandths = (value * 1000.0).round();
    if value.is_sign_negative() || thousandths >= 1e12 || thousandths / 1000.0 != value {
        return number(out, &value);
    }
    let thousandths = thousandths as u64;
    let (whole, part) = (thousandths / 1000, thousandths % 1000);
    number(out, &whole);
    out.push(b'.');
    if part == 0 {
        out.push(b'0');
        return;
    }
    let digits = [part / 100, part / 10 % 10, part % 10].map(|d| b'0' + d as u8);
    let shown = if part % 100 == 0 {
        1
    } else if part % 10 == 0 {
        2
    } else {
        3
    };
    out.extend_from_slice(&digits[..shown]);
}

fn serialized(out: &mut Vec<u8>, value: &(impl serde::Serialize + ?Sized)) {
    // Writing to a `Vec` cannot fail, and neither can serialising a
    // string or a number.
    serde_json::to_writer(out, value).expect("a string or a number serialises");
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::search::FacetNames;

    /// An answer whose one hit has its fields written beforehand (as
    /// shown measures' are) or not.
    fn answer(text: &str, label: &str, fields_written: bool) -> SearchResponse {
        let values = || Arc::<[String]>::from(vec!["a\"b".to_owned(), "Kadaň".to_owned()]);
        let names = FacetNames::new(
            [values(), values(), values(), values()],
            [
                vec![None, None],
                vec![None, None],
                vec![Some(label.to_owned()), None],
                vec![None, Some("Ústecký kraj".to_owned())],
            ],
        );
        let counts = [vec![2, 3], vec![0, 1], vec![1, 0], vec![0, 0]];
        let fields = HitFields {
            id: "2011-2014-kadan-07".into(),
            towns: vec!["Kadaň".to_owned(), text.to_owned()],
            region: "ustecky".into(),
            period: "2011-2014".into(),
            categories: vec![],
            text: text.into(),
            json: None,
        };
        let fields = if fields_written {
            fields.written()
        } else {
            fields
        };
        let hit = Hit::new(Arc::new(fields), format!("<mark>{text}</mark>"), 16.648);
        SearchResponse {
            query: text.to_owned(),
            total: 12,
            took_ms: 0.125,
            hits: vec![hit].into(),
            facets: FacetCounts::new(Arc::new(names), &counts),
        }
    }

    /// Strings with every kind of character JSON escapes, and with none,
    /// are written as `serde_json` writes them, whether a hit's fields
    /// were written beforehand or with the answer.
    #[test]
    fn answers_are_written_as_serde_json_writes_them() {
        let texts = [
            "prostupné bydlení",
            "\"uvozovky\" a \\ lomítko",
            "řádek\nřádek\ttab\r\u{1}\u{1f}",
            "",
            "„české“ uvozovky – a pomlčka\u{a0}",
        ];
        for (text, fields_written) in texts.into_iter().flat_map(|t| [(t, false), (t, true)]) {
            for label in [text, "Bydlení"] {
                let answer = answer(text, label, fields_written);
                let written = AnswerJson::of(&answer);
                let expected = serde_json::to_vec(&answer).unwrap();
                assert_eq!(
                    String::from_utf8_lossy(written.as_bytes()),
                    String::from_utf8_lossy(&expected),
                    "{text:?}"
                );
            }
        }
    }

    /// A hit reads the same in a debug print whether its fields were
    /// written beforehand or not: the written bytes are not printed.
    #[test]
    fn a_hit_prints_its_fields_not_their_json() {
        let [written, unwritten] = [true, false].map(|w| answer("bydlení", "Bydlení", w));
        let printed = format!("{:?}", written.hits[0]);
        assert_eq!(printed, format!("{:?}", unwritten.hits[0]));
        assert!(printed.contains("text: \"bydlení\""), "{printed}");
    }

    /// Every value of three decimal places up to a thousand, larger and
    /// negative ones, and values of more places are written as
    /// `serde_json` writes them.
    #[test]
    fn decimals_are_written_as_serde_json_writes_them() {
        let mut values: Vec<f64> = (0..1_000_000).map(|n| n as f64 / 1000.0).collect();
        values.extend([
            1e9 + 0.125,
            123_456_789.5,
            1e12,
            1e15,
            1e16,
            -0.0,
            -16.648,
            0.0001,
            1e-7,
            16.6485,
            1.0 / 3.0,
            f64::MAX,
        ]);
        for value in values {
            let mut out = Vec::new();
            decimal(&mut out, value);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&value).unwrap(),
                "{value}"
            );
        }
    }

    /// An answer sent again carries the time it took then, in place of
    /// the time it took first.
    #[test]
    fn took_ms_is_replaced_in_place() {
        let mut answer = answer("bydlení", "Bydlení", true);
        let written = AnswerJson::of(&answer);
        answer.took_ms = 0.003;
        assert_eq!(
            written.with_took_ms(0.003),
            serde_json::to_vec(&answer).unwrap()
        );
        answer.took_ms = 1234.5;
        assert_eq!(
            written.with_took_ms(1234.5),
            serde_json::to_vec(&answer).unwrap()
        );
    }
}
