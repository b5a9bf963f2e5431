//! From a parsed query to what a search runs: which measures match, and
//! how they are ranked.
//!
//! Every word of the query becomes a *slot* that matches its exact form
//! (diacritics kept), its folded form, its stem, its key-phrase and place
//! forms, its derivational root, and, for words the index does not know, the
//! words one edit away (typos). A measure matches when any slot matches.
//!
//! A slot scores the *sum* of the ways it matches, each weighed. A word
//! typed exactly also matches folded, stemmed and by root, so the sum ranks
//! an exact match above a folded one above a stemmed one, as a
//! best-of-the-ways would, while staying a plain sum of weighted term
//! scores: the shape MaxScore can prune, so ranking the best ten of
//! a hundred thousand matches reads a small part of their postings. Words
//! as a phrase score as terms too: each pair of successive query words is
//! looked up among the measures' pairs of successive stems
//! ([`crate::analysis::CS_STEM_PAIRS`]). A measure containing every word
//! gets a bonus, a constant of the query (scaled by its words' rarity); the
//! executor ranks those measures first, then the others, each a pruned
//! pass.
//!
//! Synonyms ("NZDM" = "nízkoprahové zařízení pro děti a mládež") are
//! alternatives of the slots they cover: the unit matches the covered words
//! or any phrase of the group, and scores the terms of both. Quoted phrases
//! are required. Matching is exact in both cases (a [`Match`] with phrase
//! queries); only the scores are sums of terms.

use std::ops::Range;
use std::sync::Arc;

use tantivy::Term;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use super::kept::Recent;
use super::matching::{Match, Phrase};
use super::query::UserQuery;
use super::rank::{KnownRanking, PerCache, PlannedTerm, TermCache};
use super::typo::Vocabulary;
use crate::analysis::{self, Synonyms, forms};
use crate::index::Fields;

/// A ranking term, shared: a kept word's terms go into every plan of a
/// query with the word, and copying them (a heap allocation each, freed
/// with the plan) was most of what planning a query of known words
/// allocated. Each carries what the term cache knows of it.
pub type SharedTerm = Arc<PlannedTerm>;

fn shared(term: Term) -> SharedTerm {
    Arc::new(PlannedTerm::new(term))
}

/// Weights of the ways a slot can match; they add up. An exact word scores
/// all of exact, folded, stem and root; a word typed without its
/// diacritics folded, stem and root; another case of it stem and root.
const EXACT: f32 = 1.0;
const FOLDED: f32 = 1.0;
const STEM: f32 = 1.0;
/// A word in what the report set in bold.
const KEY_PHRASE: f32 = 1.5;
/// A word of a town, heading or locality name, as typed and any case of it.
const PLACE_FOLDED: f32 = 1.2;
const PLACE_STEM: f32 = 0.8;
/// A corrected typo weighs this share of the word it was corrected to.
const TYPO: f32 = 0.6;
/// A shared derivational root ("škola" for "školství") counts least of all.
const ROOT: f32 = 0.3;
const SYNONYM: f32 = 0.8;
/// Bonus for a measure with every slot, per unit of the words' summed
/// inverse document frequency (about what one word scores in a measure of
/// average length).
const ALL_WORDS: f32 = 1.0;
/// Weight of a pair of the query's words found in order in a measure.
const PHRASE: f32 = 2.0;
/// Typos are corrected in words at least this long (folded letters), and
/// in stems one letter shorter (a stem has lost its ending): a shorter
/// word one edit away is usually another word.
pub const FUZZY_MIN_CHARS: usize = 5;

pub use crate::analysis::stopwords::is_stopword;

/// One query word in its analysed forms: exact (lowercase), folded,
/// stemmed and reduced to its derivational root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
pub struct Analyzers {
    exact: TextAnalyzer,
    folded: TextAnalyzer,
    stem: TextAnalyzer,
    root: TextAnalyzer,
    /// The index has the shipped chains, whose four forms of a word come
    /// from one pass over the text ([`forms::word_forms`]): running the
    /// four tantivy chains instead cloned and ran each, a seventh of a
    /// fresh search of the bundled collection, for the same words.
    one_pass: bool,
    /// The slots of the query words (and quoted phrases, synonyms'
    /// alternatives) analysed last. A front end searching as a person
    /// types sends the same words again and again in new queries
    /// ("prostupné", "prostupné b", "prostupné bydlení"), and analysing
    /// them was a third of planning a query.
    recent: Recent<String, Arc<[Slot]>>,
}

/// Words and phrases whose slots are kept (each a few hundred bytes).
const SLOTS_KEPT: usize = 4_096;

/// A word of a text in its four forms, and where it stands in the text.
pub struct Word {
    pub slot: Slot,
    pub range: Range<usize>,
}

impl Analyzers {
    /// The chains registered on `index`, which was built with `chains`.
    pub fn of(index: &tantivy::Index, chains: analysis::Chains) -> Self {
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
            one_pass: chains == analysis::Chains::SHIPPED,
            recent: Recent::new(SLOTS_KEPT),
        }
    }

    /// The words of `text` in their four forms, in order.
    pub fn words(&self, text: &str) -> Vec<Word> {
        if self.one_pass {
            return one_pass_words(text);
        }
        self.chain_words(text)
    }

    /// [`Analyzers::words`] from the four chains, each run on its own.
    fn chain_words(&self, text: &str) -> Vec<Word> {
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
    pub fn slots(&self, text: &str) -> Arc<[Slot]> {
        if let Some(slots) = self.recent.get(text) {
            return slots;
        }
        let slots: Arc<[Slot]> = self.words(text).into_iter().map(|w| w.slot).collect();
        self.recent.put(text.to_owned(), slots.clone());
        slots
    }
}

fn one_pass_words(text: &str) -> Vec<Word> {
    use forms::Form;
    let forms = forms::word_forms(text);
    (0..forms.len(Form::Exact))
        .map(|i| Word {
            slot: Slot {
                exact: forms.word(Form::Exact, i).to_owned(),
                folded: forms.word(Form::Folded, i).to_owned(),
                stem: forms.word(Form::Stem, i).to_owned(),
                root: forms.word(Form::Root, i).to_owned(),
            },
            range: forms.range(Form::Exact, i),
        })
        .collect()
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
/// match. Shared strings, so that a kept word's forms are added to a plan
/// without a copy ([`FreeWord`]).
#[derive(Debug, Clone, Default)]
pub struct MatchForms {
    pub exact: FormSet,
    pub folded: FormSet,
    pub stems: FormSet,
    pub roots: FormSet,
}

/// Distinct forms in the order they were added. A query brings a few, a
/// synonym a few dozen: a list scanned on insertion and lookup costs less
/// to fill and to drop than a tree (planning a fresh query built four of
/// them, a twentieth of its time), and highlighting looks a word up only
/// where its Bloom filter bit says it may be there ([`super::highlight`]).
#[derive(Debug, Clone, Default)]
pub struct FormSet(Vec<Arc<str>>);

impl FormSet {
    /// Adds `form` unless it is there.
    pub fn insert(&mut self, form: Arc<str>) {
        if !self.contains(&form) {
            self.0.push(form);
        }
    }

    pub fn contains(&self, form: &str) -> bool {
        self.0.iter().any(|kept| **kept == *form)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<str>> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Extend<Arc<str>> for FormSet {
    fn extend<I: IntoIterator<Item = Arc<str>>>(&mut self, forms: I) {
        for form in forms {
            self.insert(form);
        }
    }
}

impl MatchForms {
    /// Adds the exact, folded and stemmed forms of a query word.
    pub fn add(&mut self, slot: &Slot) {
        if slot.is_stopword() {
            return;
        }
        self.exact.insert(slot.exact.as_str().into());
        self.folded.insert(slot.folded.as_str().into());
        self.stems.insert(slot.stem.as_str().into());
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
    /// The index's statistics, for the bonuses' scale.
    pub stats: &'a tantivy::Searcher,
    pub fields: &'a Fields,
    pub synonyms: &'a Synonyms,
    pub analyzers: &'a Analyzers,
    pub vocabularies: &'a Vocabularies,
    /// What the generation's terms are known to score: their frequencies,
    /// shared with ranking, which looks the same terms up.
    pub terms: &'a TermCache,
    pub free_words: &'a FreeWords,
}

/// A query ready to run: which measures match, how they rank, and what to
/// highlight.
pub struct Plan {
    pub matching: Match,
    pub ranking: Ranking,
    pub forms: MatchForms,
}

impl Plan {
    /// True when the query matches every measure (nothing searched for,
    /// nothing excluded).
    pub fn matches_all(&self) -> bool {
        matches!(self.matching, Match::Everything)
    }

    pub fn scored(&self) -> bool {
        !matches!(self.ranking, Ranking::Listing)
    }
}

/// How the measures a query matches are ranked.
pub enum Ranking {
    /// Nothing searched for: the listing order.
    Listing,
    /// The sum of the weighted term scores, plus bonuses.
    Terms {
        terms: Vec<(SharedTerm, f32)>,
        bonus: Bonus,
        /// The terms as the generation knows them, once a search ran.
        known: PerCache<KnownRanking>,
    },
}

/// What a measure with every word of the query gets on top of its terms'
/// scores.
pub struct Bonus {
    /// Per word (or synonym unit), the measures that have it: a measure in
    /// all of them gets `all_words`. Empty for a query of one word.
    pub presence: Vec<Match>,
    pub all_words: f32,
    /// Per unit of `presence`: the ranking terms a measure without the
    /// unit cannot have (its word's stem, and the exact and folded forms,
    /// key phrase and pairs that imply the stem). What a measure lacking
    /// some word can score at most follows, which often shows that none
    /// of them can reach the best hits. Empty where a unit implies nothing
    /// (synonyms).
    pub lacking: Vec<Vec<SharedTerm>>,
}

impl Bonus {
    fn none() -> Self {
        Bonus {
            presence: Vec::new(),
            all_words: 0.0,
            lacking: Vec::new(),
        }
    }

    /// Adds to each word's `lacking` the pair terms with its stem.
    fn add_pairs(&mut self, pairs: &[(SharedTerm, f32)]) {
        for (presence, lacking) in self.presence.iter().zip(&mut self.lacking) {
            let Match::AnyTerm(stems) = presence else {
                continue;
            };
            let Some(stem) = stems.first().map(Term::serialized_value_bytes) else {
                continue;
            };
            for (pair, _) in pairs {
                let joined = pair.term().serialized_value_bytes();
                if joined.split(|&byte| byte == b' ').any(|part| part == stem) {
                    lacking.push(pair.clone());
                }
            }
        }
    }
}

pub fn plan(user: &UserQuery, cx: &Context) -> Plan {
    let mut forms = MatchForms::default();
    let mut terms = WeightedTerms::default();

    // Quoted phrases are required; their words rank like any other.
    let mut required: Vec<Match> = Vec::new();
    for part in user.wanted().filter(|p| p.phrase) {
        let slots = cx.analyzers.slots(&part.text);
        if let Some(phrase) = phrase_match(cx.fields, &slots, 0) {
            for slot in slots.iter() {
                forms.add(slot);
                terms.add_all(&slot_terms(cx, slot, None).scored, 1.0);
            }
            required.push(phrase);
        }
    }

    let parts: Vec<Arc<[Slot]>> = user
        .wanted()
        .filter(|p| !p.phrase)
        .map(|p| cx.analyzers.slots(&p.text))
        .collect();
    let words: Vec<&Slot> = parts.iter().flat_map(|slots| slots.iter()).collect();
    let free: Vec<Arc<FreeWord>> = words.iter().map(|w| cx.free_words.of(cx, w)).collect();
    let (units, mut bonus) = match words_plan(cx, &words, &free, &mut forms) {
        Some((units, bonus)) => (units, Some(bonus)),
        None => (Vec::new(), None),
    };
    let pairs = pair_terms(cx, &words, &free);
    terms.reserve(units.iter().map(|u| u.terms.len()).sum::<usize>() + pairs.len());
    let mut any = Vec::with_capacity(units.len());
    for unit in units {
        terms.add_all(&unit.terms, 1.0);
        any.push(unit.matching);
    }
    if let Some(bonus) = &mut bonus {
        bonus.add_pairs(&pairs);
    }
    terms.add_all(&pairs, 1.0);

    let excluded: Vec<Match> = user
        .excluded()
        .filter_map(|part| {
            let slots = cx.analyzers.slots(&part.text);
            match &*slots {
                [one] => Some(slot_terms(cx, one, None).matching()),
                _ => phrase_match(cx.fields, &slots, 0),
            }
        })
        .collect();

    // With a quoted phrase, the free words only rank.
    let matching = match (required.is_empty(), any.is_empty()) {
        (true, true) => Match::Everything,
        (true, false) => Match::Any(any),
        (false, _) => Match::Every(required),
    };
    let matching = if excluded.is_empty() {
        matching
    } else {
        Match::Except(Box::new(matching), excluded)
    };
    let ranking = if terms.is_empty() {
        Ranking::Listing
    } else {
        Ranking::Terms {
            terms: terms.into_terms(),
            bonus: bonus.unwrap_or_else(Bonus::none),
            known: PerCache::default(),
        }
    };
    Plan {
        matching,
        ranking,
        forms,
    }
}

/// Terms with weights, each term once: a term reached two ways (a word
/// and its synonym) counts at its higher weight, as a best-of-the-ways
/// would count it. Each term's hash is kept beside it, so that looking
/// for a term compares integers in a row, not terms behind pointers.
#[derive(Default)]
struct WeightedTerms {
    terms: Vec<(SharedTerm, f32)>,
    hashes: Vec<u64>,
}

impl WeightedTerms {
    fn add_all(&mut self, terms: &[(SharedTerm, f32)], scale: f32) {
        for (term, weight) in terms {
            let weight = weight * scale;
            let hash = term.hash();
            match self.position(term, hash) {
                Some(at) => self.terms[at].1 = self.terms[at].1.max(weight),
                None => {
                    self.terms.push((term.clone(), weight));
                    self.hashes.push(hash);
                }
            }
        }
    }

    /// Where `term`, whose hash is `hash`, is kept.
    fn position(&self, term: &SharedTerm, hash: u64) -> Option<usize> {
        let mut from = 0;
        while let Some(ahead) = self.hashes[from..].iter().position(|&kept| kept == hash) {
            let at = from + ahead;
            if self.terms[at].0 == *term {
                return Some(at);
            }
            from = at + 1;
        }
        None
    }

    fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    fn reserve(&mut self, more: usize) {
        self.terms.reserve(more);
        self.hashes.reserve(more);
    }

    fn into_terms(self) -> Vec<(SharedTerm, f32)> {
        self.terms
    }
}

/// One unit of the free words: a content word, or the words a synonym
/// covers.
struct Unit {
    matching: Match,
    terms: Arc<[(SharedTerm, f32)]>,
    /// The measures that have the unit, for the all-words bonus: those with
    /// the word's stem (or its correction's), or, for a synonym, the
    /// unit's own matches.
    presence: Match,
    /// See [`Bonus::lacking`].
    lacking: Vec<SharedTerm>,
}

/// The free words of a query: their units (any of which matches), and
/// the bonuses for having all of them and having them as a phrase. `None`
/// when there is no word to search.
fn words_plan(
    cx: &Context,
    words: &[&Slot],
    free: &[Arc<FreeWord>],
    forms: &mut MatchForms,
) -> Option<(Vec<Unit>, Bonus)> {
    if words.is_empty() {
        return None;
    }
    // Stopwords count only when the query has nothing else.
    let all_stop = words.iter().all(|slot| slot.is_stopword());
    let keys: Vec<&str> = free.iter().map(|w| w.synonym_key.as_str()).collect();
    let spans = cx.synonyms.spans_of_keys(&keys);

    let mut units: Vec<Unit> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if let Some(span) = spans.iter().find(|s| s.start == i) {
            let covered = span.start..span.start + span.len;
            units.push(synonym_unit(
                cx,
                &words[covered.clone()],
                &free[covered],
                &span.alternatives,
                forms,
            ));
            i += span.len;
            continue;
        }
        let slot = &words[i];
        if all_stop || !slot.is_stopword() {
            if all_stop {
                forms.exact.insert(slot.exact.as_str().into());
                forms.folded.insert(slot.folded.as_str().into());
            }
            let word = &free[i];
            word.add_forms(forms);
            units.push(Unit {
                matching: word.matching.clone(),
                terms: word.scored.clone(),
                presence: word.presence.clone(),
                lacking: word.lacking.clone(),
            });
        }
        i += 1;
    }
    if units.is_empty() {
        return None;
    }

    // The bonus scales with how rare the words are, as their scores do.
    let all_words = ALL_WORDS
        * units
            .iter()
            .filter_map(|u| match &u.presence {
                Match::AnyTerm(stems) => stems.first(),
                _ => None,
            })
            .map(|stem| idf(cx, stem))
            .sum::<f32>();
    let (presence, lacking) = if units.len() > 1 {
        units
            .iter_mut()
            .map(|u| (u.presence.clone(), std::mem::take(&mut u.lacking)))
            .unzip()
    } else {
        (Vec::new(), Vec::new())
    };
    Some((
        units,
        Bonus {
            presence,
            all_words,
            lacking,
        },
    ))
}

/// The query's successive content words as [`CS_STEM_PAIRS`] terms, each
/// weighed [`PHRASE`]: a measure with the words in this order, at most a
/// function word apart, scores them on top of the words. A typo is read
/// as its correction, so "sociální pdonik" is rewarded where "sociálního
/// podniku" stands.
///
/// [`CS_STEM_PAIRS`]: crate::analysis::CS_STEM_PAIRS
fn pair_terms(cx: &Context, words: &[&Slot], free: &[Arc<FreeWord>]) -> Vec<(SharedTerm, f32)> {
    let content: Vec<(usize, &str)> = words
        .iter()
        .enumerate()
        .filter(|(_, w)| forms::is_content(&w.folded))
        .map(|(i, w)| (i, free[i].corrections.stem(w)))
        .collect();
    content
        .windows(2)
        .filter(|pair| pair[1].0 <= pair[0].0 + forms::STEM_PAIR_REACH)
        .map(|pair| {
            let joined = forms::stem_pair(pair[0].1, pair[1].1);
            (
                shared(Term::from_field_text(cx.fields.text_stem_pairs, &joined)),
                PHRASE,
            )
        })
        .collect()
}

/// The words a synonym phrase covers, or any other phrase of its group.
/// It matches either way (all the covered words, or an alternative, as a
/// phrase where it has several words), and scores the terms of both.
fn synonym_unit(
    cx: &Context,
    covered: &[&Slot],
    free: &[Arc<FreeWord>],
    alternatives: &[Vec<String>],
    forms: &mut MatchForms,
) -> Unit {
    let mut terms = WeightedTerms::default();
    let mut ways: Vec<Match> = Vec::new();
    let mut every = Vec::new();
    for (_, word) in covered.iter().zip(free).filter(|(s, _)| !s.is_stopword()) {
        word.add_forms(forms);
        terms.add_all(&word.scored, 1.0);
        every.push(word.matching.clone());
    }
    if !every.is_empty() {
        ways.push(Match::Every(every));
    }
    for alternative in alternatives {
        let slots = cx.analyzers.slots(&alternative.join(" "));
        for slot in slots.iter() {
            forms.add(slot);
        }
        match &*slots {
            [] => continue,
            [one] => {
                let one = slot_terms(cx, one, None);
                terms.add_all(&one.scored, SYNONYM);
                ways.push(Match::AnyTerm(one.matching.into()));
            }
            _ => {
                if let Some(phrase) = phrase_match(cx.fields, &slots, 1) {
                    ways.push(phrase);
                }
                for slot in slots.iter().filter(|s| !s.is_stopword()) {
                    terms.add_all(&slot_terms(cx, slot, None).scored, SYNONYM);
                }
            }
        }
    }
    let matching = Match::Any(ways);
    Unit {
        presence: matching.clone(),
        matching,
        terms: terms.into_terms().into(),
        lacking: Vec::new(),
    }
}

/// A free word's typos' corrections: the known words one edit from its
/// folded form and from its stem, worked out once for every part of the
/// plan that reads them.
struct Corrections {
    folded: Vec<String>,
    stems: Vec<String>,
}

impl Corrections {
    fn of(cx: &Context, slot: &Slot) -> Self {
        Corrections {
            folded: cx
                .vocabularies
                .folded
                .corrections(&slot.folded, FUZZY_MIN_CHARS),
            stems: cx
                .vocabularies
                .stems
                .corrections(&slot.stem, FUZZY_MIN_CHARS - 1),
        }
    }

    /// The stem of `slot` (whose corrections these are), or its first
    /// correction if the index does not know it.
    fn stem<'a>(&'a self, slot: &'a Slot) -> &'a str {
        self.stems.first().unwrap_or(&slot.stem)
    }
}

/// What a free word of a query brings to its plan, worked out once per
/// word for the generation's life: queries mostly repeat words other
/// queries had, and building a word's ten-odd terms and finding its
/// typos' corrections again for every new query was a quarter of planning
/// it.
struct FreeWord {
    corrections: Corrections,
    /// The ways it matches, weighed ([`slot_terms`] with its corrections),
    /// shared with the units of the plans that have the word.
    scored: Arc<[(SharedTerm, f32)]>,
    /// The fewest of them that match the same measures.
    matching: Match,
    /// The measures with its stem (or its correction's): see
    /// [`Unit::presence`].
    presence: Match,
    /// See [`Bonus::lacking`].
    lacking: Vec<SharedTerm>,
    /// What the word is found by among synonym phrases ([`Synonyms::key`]).
    synonym_key: String,
    forms: FreeWordForms,
}

/// The forms a free word is highlighted by: those of the ways
/// [`slot_terms`] matches it.
struct FreeWordForms {
    /// Exact, folded and stemmed, unless the word is a stopword.
    word: Option<[Arc<str>; 3]>,
    root: Arc<str>,
    corrected_folded: Vec<Arc<str>>,
    corrected_stems: Vec<Arc<str>>,
}

impl FreeWordForms {
    fn of(slot: &Slot, corrections: &Corrections) -> Self {
        let all = |forms: &[String]| forms.iter().map(|f| Arc::from(f.as_str())).collect();
        FreeWordForms {
            word: (!slot.is_stopword()).then(|| {
                [&slot.exact, &slot.folded, &slot.stem].map(|form| Arc::from(form.as_str()))
            }),
            root: slot.root.as_str().into(),
            corrected_folded: all(&corrections.folded),
            corrected_stems: all(&corrections.stems),
        }
    }
}

impl FreeWord {
    fn of(cx: &Context, slot: &Slot) -> Self {
        let corrections = Corrections::of(cx, slot);
        let SlotTerms { scored, matching } = slot_terms(cx, slot, Some(&corrections));
        let stem = corrections.stem(slot);
        let text = Term::from_field_text;
        let mut lacking = vec![
            text(cx.fields.text_stem, stem),
            text(cx.fields.phrases_stem, stem),
        ];
        if stem == slot.stem {
            lacking.push(text(cx.fields.text_exact, &slot.exact));
            lacking.push(text(cx.fields.text_folded, &slot.folded));
        }
        // The same terms as among `scored`, where they are, so that both
        // share one copy.
        let lacking = lacking
            .into_iter()
            .map(|term| {
                scored
                    .iter()
                    .find(|(scored, _)| *scored.term() == term)
                    .map_or_else(|| shared(term), |(scored, _)| scored.clone())
            })
            .collect();
        let presence = Match::AnyTerm(vec![text(cx.fields.text_stem, stem)].into());
        FreeWord {
            scored: scored.into(),
            matching: Match::AnyTerm(matching.into()),
            presence,
            lacking,
            synonym_key: Synonyms::key(&slot.folded),
            forms: FreeWordForms::of(slot, &corrections),
            corrections,
        }
    }

    /// Adds the forms the word matches through, for highlighting.
    fn add_forms(&self, forms: &mut MatchForms) {
        let mine = &self.forms;
        if let Some([exact, folded, stem]) = &mine.word {
            forms.exact.insert(exact.clone());
            forms.folded.insert(folded.clone());
            forms.stems.insert(stem.clone());
        }
        forms.roots.insert(mine.root.clone());
        forms.folded.extend(mine.corrected_folded.iter().cloned());
        forms.stems.extend(mine.corrected_stems.iter().cloned());
    }
}

/// The free words of a generation's recent queries, planned.
pub struct FreeWords(Recent<Slot, Arc<FreeWord>>);

/// Words kept planned (a few KiB each).
const FREE_WORDS_KEPT: usize = 4_096;

impl Default for FreeWords {
    fn default() -> Self {
        FreeWords(Recent::new(FREE_WORDS_KEPT))
    }
}

impl FreeWords {
    fn of(&self, cx: &Context, slot: &Slot) -> Arc<FreeWord> {
        if let Some(word) = self.0.get(slot) {
            return word;
        }
        let word = Arc::new(FreeWord::of(cx, slot));
        self.0.put(slot.clone(), word.clone());
        word
    }
}

/// BM25's inverse document frequency of a term, as tantivy computes it.
fn idf(cx: &Context, term: &Term) -> f32 {
    let docs = cx.stats.num_docs() as f32;
    let with = cx
        .terms
        .get(cx.stats, term)
        .map_or(0, |known| known.doc_freq()) as f32;
    (1.0 + (docs - with + 0.5) / (with + 0.5)).ln()
}

/// The ways one word can match, weighed, and the fewest of them that
/// match the same measures.
struct SlotTerms {
    scored: Vec<(SharedTerm, f32)>,
    matching: Vec<Term>,
}

impl SlotTerms {
    fn matching(self) -> Match {
        Match::AnyTerm(self.matching.into())
    }
}

/// The ways one word can match, weighed. Given its `corrections` (a free
/// word's), a word the index does not know is also matched through its
/// corrections (typos), and any word through its derivational root (the
/// forms a free word is highlighted by follow the same ways:
/// [`FreeWordForms`]).
///
/// Every form of an indexed word is computed from the one before (exact,
/// folded, stem, root; [`forms`]), so a measure with the word's exact form
/// has its folded form, its stem and its root too: matching reads only the
/// broadest of them, the root, or the stem when roots are not used, which
/// halves the postings a search decodes to find its matches.
fn slot_terms(cx: &Context, slot: &Slot, corrections: Option<&Corrections>) -> SlotTerms {
    let fields = cx.fields;
    let text = Term::from_field_text;
    let scored_text = |field, text: &str| shared(Term::from_field_text(field, text));
    let mut scored = vec![
        (scored_text(fields.text_exact, &slot.exact), EXACT),
        (scored_text(fields.text_folded, &slot.folded), FOLDED),
        (scored_text(fields.text_stem, &slot.stem), STEM),
        (scored_text(fields.phrases_stem, &slot.stem), KEY_PHRASE),
        (
            scored_text(fields.places_folded, &slot.folded),
            PLACE_FOLDED,
        ),
        (scored_text(fields.places_stem, &slot.stem), PLACE_STEM),
    ];
    let broadest = if corrections.is_some() {
        scored.push((scored_text(fields.text_root, &slot.root), ROOT));
        text(fields.text_root, &slot.root)
    } else {
        text(fields.text_stem, &slot.stem)
    };
    let mut matching = vec![
        broadest,
        text(fields.phrases_stem, &slot.stem),
        text(fields.places_stem, &slot.stem),
    ];
    if let Some(corrections) = corrections {
        for folded in &corrections.folded {
            let term = text(fields.text_folded, folded);
            matching.push(term.clone());
            scored.push((shared(term), FOLDED * TYPO));
        }
        for stem in &corrections.stems {
            let term = text(fields.text_stem, stem);
            matching.push(term.clone());
            scored.push((shared(term), STEM * TYPO));
        }
    }
    SlotTerms { scored, matching }
}

/// The slots as a phrase on the stemmed text (any case of each word),
/// with `slop` words allowed between them. A single word is its stem; no
/// word, no match.
fn phrase_match(fields: &Fields, slots: &[Slot], slop: u32) -> Option<Match> {
    let stem = |slot: &Slot| Term::from_field_text(fields.text_stem, &slot.stem);
    match slots {
        [] => None,
        [one] => Some(Match::AnyTerm(vec![stem(one)].into())),
        _ => Some(Match::Phrase(Phrase {
            terms: slots.iter().map(stem).enumerate().collect(),
            slop,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzers(chains: analysis::Chains) -> Analyzers {
        let (schema, _) = crate::index::schema::build();
        let index = tantivy::Index::create_in_ram(schema);
        analysis::register_with(index.tokenizers(), chains);
        Analyzers::of(&index, chains)
    }

    fn spelled(words: Vec<Word>) -> Vec<(Slot, Range<usize>)> {
        words.into_iter().map(|w| (w.slot, w.range)).collect()
    }

    /// The shipped chains' words from one pass are the words the four
    /// registered chains give, for every bundled measure and the
    /// tokenizer's hard cases.
    #[test]
    fn one_pass_words_equal_the_chains_words() {
        let shipped = analyzers(analysis::Chains::SHIPPED);
        assert!(shipped.one_pass);
        let texts = forms::sample_texts();
        let mut compared = 0;
        for text in &texts {
            let one_pass = spelled(shipped.words(text));
            assert_eq!(one_pass, spelled(shipped.chain_words(text)), "{text}");
            compared += one_pass.len();
        }
        assert!(compared > 1000, "only {compared} words compared");
    }

    /// Another analysis runs its own chains: tantivy's default tokenizer
    /// does not stem.
    #[test]
    fn other_chains_are_run_as_registered() {
        let default = analyzers(analysis::Chains::TantivyDefault);
        assert!(!default.one_pass);
        let words = default.words("Prostupného bydlení");
        assert_eq!(words[0].slot.stem, "prostupneho");
        let shipped = analyzers(analysis::Chains::SHIPPED).words("Prostupného bydlení");
        assert_ne!(shipped[0].slot.stem, "prostupneho");
    }
}
