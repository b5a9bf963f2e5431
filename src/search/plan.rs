//! From a parsed query to a tantivy query: how each word may match, and
//! how matches are weighed.
//!
//! Every word of the query becomes a *slot* that matches, in order of
//! preference, its exact form (diacritics kept), its folded form, its stem,
//! or, for words of five letters or more, a form one edit away (a typo).
//! A slot takes the best of these (a disjunction-max), so a word is never
//! counted twice. A measure matches when any slot matches; on top of the
//! slots' scores, measures get a bonus for containing every slot, and a
//! larger one for containing them as a phrase (in order, at most two words
//! apart). Synonyms ("NZDM" = "nízkoprahové zařízení pro děti a mládež")
//! are alternatives of the slots they cover.

use std::collections::BTreeSet;
use std::ops::Range;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use super::query::UserQuery;
use super::typo::Vocabulary;
use crate::analysis::{self, Synonyms};
use crate::index::Fields;

/// Weights of the ways a slot can match. An exact form beats a folded one,
/// which beats a stem; a typo counts least.
const EXACT: f32 = 3.0;
const FOLDED: f32 = 2.0;
const STEM: f32 = 1.0;
const KEY_PHRASE: f32 = 1.5;
const PLACE: f32 = 2.0;
/// A corrected typo weighs this share of the word it was corrected to.
const TYPO: f32 = 0.6;
/// A shared derivational root ("škola" for "školství") counts least of all.
const ROOT: f32 = 0.3;
const SYNONYM: f32 = 0.8;
/// Bonus for a measure with every slot, and for one with them as a phrase.
const ALL_WORDS: f32 = 1.0;
const PHRASE: f32 = 3.0;
const PHRASE_SLOP: u32 = 2;
/// Typos are corrected in words at least this long (folded letters): a
/// shorter word one edit away is usually another word.
pub const FUZZY_MIN_CHARS: usize = 5;

pub use crate::analysis::stopwords::is_stopword;

/// One query word in its analysed forms: exact (lowercase), folded,
/// stemmed and reduced to its derivational root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub exact: String,
    pub folded: String,
    pub stem: String,
    pub root: String,
}

impl Slot {
    fn is_stopword(&self) -> bool {
        is_stopword(&self.folded)
    }
}

/// The four chains of an index, taken from its tokenizer manager so that
/// queries are analysed exactly as the index was.
#[derive(Clone)]
pub struct Analyzers {
    exact: TextAnalyzer,
    folded: TextAnalyzer,
    stem: TextAnalyzer,
    root: TextAnalyzer,
}

/// A word of a text in its four forms, and where it stands in the text.
pub struct Word {
    pub slot: Slot,
    pub range: Range<usize>,
}

impl Analyzers {
    pub fn of(index: &tantivy::Index) -> Self {
        let get = |name: &str| {
            index
                .tokenizers()
                .get(name)
                .unwrap_or_else(|| analysis::analyzer(name).expect("a chain of analysis::NAMES"))
        };
        Analyzers {
            exact: get(analysis::CS_EXACT),
            folded: get(analysis::CS_FOLDED),
            stem: get(analysis::CS_STEM),
            root: get(analysis::CS_ROOT),
        }
    }

    /// The words of `text` in their four forms, in order.
    pub fn words(&self, text: &str) -> Vec<Word> {
        let exact = run(&self.exact, text);
        let folded = run(&self.folded, text);
        let stem = run(&self.stem, text);
        let root = run(&self.root, text);
        exact
            .into_iter()
            .zip(folded)
            .zip(stem)
            .zip(root)
            .map(
                |((((exact, range), (folded, _)), (stem, _)), (root, _))| Word {
                    slot: Slot {
                        exact,
                        folded,
                        stem,
                        root,
                    },
                    range,
                },
            )
            .collect()
    }

    /// The slots of a piece of text, in order.
    pub fn slots(&self, text: &str) -> Vec<Slot> {
        self.words(text).into_iter().map(|w| w.slot).collect()
    }
}

fn run(analyzer: &TextAnalyzer, text: &str) -> Vec<(String, Range<usize>)> {
    let mut analyzer = analyzer.clone();
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push((token.text.clone(), token.offset_from..token.offset_to));
    }
    tokens
}

/// What the highlighter needs to know of a query: the forms that count as a
/// match.
#[derive(Debug, Clone, Default)]
pub struct MatchForms {
    pub exact: BTreeSet<String>,
    pub folded: BTreeSet<String>,
    pub stems: BTreeSet<String>,
    pub roots: BTreeSet<String>,
}

impl MatchForms {
    /// Adds the exact, folded and stemmed forms of a query word.
    pub fn add(&mut self, slot: &Slot) {
        if slot.is_stopword() {
            return;
        }
        self.exact.insert(slot.exact.clone());
        self.folded.insert(slot.folded.clone());
        self.stems.insert(slot.stem.clone());
    }

    pub fn is_empty(&self) -> bool {
        self.folded.is_empty()
    }
}

/// The vocabularies typos are corrected against.
pub struct Vocabularies {
    pub folded: Vocabulary,
    pub stems: Vocabulary,
}

/// What planning a query needs to know of the index.
pub struct Context<'a> {
    pub fields: &'a Fields,
    pub synonyms: &'a Synonyms,
    pub analyzers: &'a Analyzers,
    pub vocabularies: &'a Vocabularies,
}

/// A query ready to run.
pub struct Plan {
    pub query: Box<dyn Query>,
    /// False when nothing is searched for (an empty query): measures are
    /// then listed in order, not ranked.
    pub scored: bool,
    /// True when the query matches every measure (nothing searched for,
    /// nothing excluded).
    pub matches_all: bool,
    pub forms: MatchForms,
}

pub fn plan(user: &UserQuery, cx: &Context) -> Plan {
    let mut forms = MatchForms::default();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();

    // Quoted phrases are required.
    for part in user.wanted().filter(|p| p.phrase) {
        let slots = cx.analyzers.slots(&part.text);
        if let Some(query) = phrase_query(cx.fields, &slots, 0) {
            for slot in &slots {
                forms.add(slot);
            }
            clauses.push((Occur::Must, query));
        }
    }

    let words: Vec<Slot> = user
        .wanted()
        .filter(|p| !p.phrase)
        .flat_map(|p| cx.analyzers.slots(&p.text))
        .collect();
    if let Some(query) = words_query(cx, &words, &mut forms) {
        let occur = if clauses.is_empty() {
            Occur::Must
        } else {
            Occur::Should
        };
        clauses.push((occur, query));
    }

    let scored = !clauses.is_empty();
    if !scored {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    for part in user.excluded() {
        let slots = cx.analyzers.slots(&part.text);
        let query = match slots.as_slice() {
            [one] => Some(slot_query(cx, one, false, &mut MatchForms::default())),
            _ => phrase_query(cx.fields, &slots, 0),
        };
        if let Some(query) = query {
            clauses.push((Occur::MustNot, query));
        }
    }
    Plan {
        matches_all: !scored && clauses.len() == 1,
        query: Box::new(BooleanQuery::new(clauses)),
        scored,
        forms,
    }
}

/// The free words of a query: any slot matches, with bonuses for all of
/// them and for a phrase. `None` when there is no word to search.
fn words_query(cx: &Context, words: &[Slot], forms: &mut MatchForms) -> Option<Box<dyn Query>> {
    // Stopwords count only when the query has nothing else.
    let all_stop = words.iter().all(Slot::is_stopword);
    if words.is_empty() {
        return None;
    }
    let folded: Vec<&str> = words.iter().map(|s| s.folded.as_str()).collect();
    let spans = cx.synonyms.spans(&folded);

    // Units: one per content slot, except that the slots a synonym covers
    // form one unit with the synonym's phrases as alternatives.
    let mut units: Vec<Box<dyn Query>> = Vec::new();
    // Per unit, a cheap test that a measure has it: its stem (or its
    // correction's), for the all-words bonus. Intersecting the full units
    // would run every way of matching every word a second time.
    let mut presence: Vec<Box<dyn Query>> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if let Some(span) = spans.iter().find(|s| s.start == i) {
            let unit = synonym_unit(
                cx,
                &words[span.start..span.start + span.len],
                &span.alternatives,
                forms,
            );
            presence.push(unit.box_clone());
            units.push(unit);
            i += span.len;
            continue;
        }
        let slot = &words[i];
        if all_stop || !slot.is_stopword() {
            if all_stop {
                forms.exact.insert(slot.exact.clone());
                forms.folded.insert(slot.folded.clone());
            }
            presence.push(term(cx.fields.text_stem, &corrected(cx, slot).stem));
            units.push(slot_query(cx, slot, true, forms));
        }
        i += 1;
    }

    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if units.len() > 1 {
        let all = presence;
        clauses.push((
            Occur::Should,
            Box::new(BoostQuery::new(
                Box::new(BooleanQuery::intersection(all)),
                ALL_WORDS,
            )),
        ));
    }
    // The phrase bonus reads a typo as its correction, so "sociální pdonik"
    // is rewarded where "sociálního podniku" stands.
    let corrected: Vec<Slot> = words.iter().map(|w| corrected(cx, w)).collect();
    if words.len() > 1
        && let Some(phrase) = phrase_query(cx.fields, &corrected, PHRASE_SLOP)
    {
        clauses.push((Occur::Should, Box::new(BoostQuery::new(phrase, PHRASE))));
    }
    let any: Vec<(Occur, Box<dyn Query>)> = units.into_iter().map(|u| (Occur::Should, u)).collect();
    clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// The words a synonym phrase covers, or any other phrase of its group.
fn synonym_unit(
    cx: &Context,
    covered: &[Slot],
    alternatives: &[Vec<String>],
    forms: &mut MatchForms,
) -> Box<dyn Query> {
    let mut ways: Vec<Box<dyn Query>> = Vec::new();
    let originals: Vec<Box<dyn Query>> = covered
        .iter()
        .filter(|s| !s.is_stopword())
        .map(|s| slot_query(cx, s, true, forms))
        .collect();
    if !originals.is_empty() {
        ways.push(Box::new(BooleanQuery::intersection(originals)));
    }
    for alternative in alternatives {
        let slots = cx.analyzers.slots(&alternative.join(" "));
        for slot in &slots {
            forms.add(slot);
        }
        let query = match slots.as_slice() {
            [one] => Some(slot_query(cx, one, false, &mut MatchForms::default())),
            _ => phrase_query(cx.fields, &slots, 1),
        };
        if let Some(query) = query {
            ways.push(Box::new(BoostQuery::new(query, SYNONYM)));
        }
    }
    Box::new(DisjunctionMaxQuery::with_tie_breaker(ways, 0.1))
}

/// `slot` with its stem replaced by the first correction of an unknown
/// stem, if there is one.
fn corrected(cx: &Context, slot: &Slot) -> Slot {
    let mut slot = slot.clone();
    if let Some(stem) = cx
        .vocabularies
        .stems
        .corrections(&slot.stem, FUZZY_MIN_CHARS - 1)
        .into_iter()
        .next()
    {
        slot.stem = stem;
    }
    slot
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

/// The best of the ways one word can match. With `forgiving`, a word the
/// index does not know is also matched through its corrections (typos) and
/// the word's derivational root; the forms it matches through are added
/// to `forms` for highlighting.
fn slot_query(
    cx: &Context,
    slot: &Slot,
    forgiving: bool,
    forms: &mut MatchForms,
) -> Box<dyn Query> {
    let fields = cx.fields;
    forms.add(slot);
    let mut ways = vec![
        boosted(term(fields.text_exact, &slot.exact), EXACT),
        boosted(term(fields.text_folded, &slot.folded), FOLDED),
        boosted(term(fields.text_stem, &slot.stem), STEM),
        boosted(term(fields.phrases_stem, &slot.stem), KEY_PHRASE),
        boosted(term(fields.places_folded, &slot.folded), PLACE),
        boosted(term(fields.places_stem, &slot.stem), PLACE * 0.6),
    ];
    if forgiving {
        forms.roots.insert(slot.root.clone());
        ways.push(boosted(term(fields.text_root, &slot.root), ROOT));
        for folded in cx
            .vocabularies
            .folded
            .corrections(&slot.folded, FUZZY_MIN_CHARS)
        {
            forms.folded.insert(folded.clone());
            ways.push(boosted(term(fields.text_folded, &folded), FOLDED * TYPO));
        }
        for stem in cx
            .vocabularies
            .stems
            .corrections(&slot.stem, FUZZY_MIN_CHARS - 1)
        {
            forms.stems.insert(stem.clone());
            ways.push(boosted(term(fields.text_stem, &stem), STEM * TYPO));
        }
    }
    Box::new(DisjunctionMaxQuery::with_tie_breaker(ways, 0.1))
}

/// The slots as a phrase on the stemmed text (any case of each word),
/// with `slop` words allowed between them. A single word is a term query;
/// no word, no query.
fn phrase_query(fields: &Fields, slots: &[Slot], slop: u32) -> Option<Box<dyn Query>> {
    match slots {
        [] => None,
        [one] => Some(term(fields.text_stem, &one.stem)),
        _ => {
            let terms = slots
                .iter()
                .enumerate()
                .map(|(i, s)| (i, Term::from_field_text(fields.text_stem, &s.stem)))
                .collect();
            Some(Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop)))
        }
    }
}
