//! All four forms of every word of a text from one pass of the tokenizer.
//!
//! Every measure is indexed through the four chains of the shipped
//! analysis. Built as separate tantivy chains, each would tokenize the text
//! again and lowercase or fold it again. Instead the text is tokenized once
//! and each token lowercased, folded, stemmed and reduced to its root in
//! turn, each step from the one before ([`forms`]). [`OnePass`] serves one
//! of the token lists to tantivy; the fields of a document are indexed one
//! after another on one thread, so a per-thread cache of the last few
//! texts' forms computes them once for all of a text's fields (the word
//! pairs only for the fields that index them). Queries (and the
//! hits highlighted for them) take their words' four forms from
//! [`word_forms`], the same pass without the pairs, so they are analysed
//! exactly as the index was; tests hold the one-pass tokens equal to the
//! separate chains'.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::MAX_TOKEN_BYTES;
use super::derive::DerivedRoot;
use super::fold::{FoldFilter, LowerFilter};
use super::rewrite::Rewrite;
use super::stem::FoldedLightStemmer;
use super::stopwords::is_stopword;
use super::tokenize::CzechTokenizer;

/// One of the four forms a word is indexed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// [`super::CS_EXACT`]: lowercase, diacritics kept.
    Exact,
    /// [`super::CS_FOLDED`].
    Folded,
    /// [`super::CS_STEM`], with the folded light stemmer.
    Stem,
    /// [`super::CS_ROOT`].
    Root,
    /// [`super::CS_PAIRS`]: neighbouring content words, folded, as one
    /// token ("prostupneho bydleni"), for suggestions.
    Pairs,
    /// [`super::CS_STEM_PAIRS`]: successive content words, stemmed, as one
    /// token ("prostupn bydlen"), at most one function word apart ("domov
    /// pro seniory" gives "domov senior"): what a query's words as a phrase
    /// score through, as a term.
    StemPairs,
}

/// The tokens of one text in each form. The words of a form are stored
/// end to end in one string, so analysing a text allocates a handful of
/// buffers rather than a string per word and form.
#[derive(Debug, Default, Clone)]
pub struct Forms {
    /// Position and byte offsets in the text of each word, and of each
    /// pair of words.
    places: Vec<(usize, usize, usize)>,
    pair_places: Vec<(usize, usize, usize)>,
    stem_pair_places: Vec<(usize, usize, usize)>,
    /// Per form: the words, concatenated, and where each ends.
    words: [String; 6],
    ends: [Vec<usize>; 6],
    /// Whether the pairs have been added.
    paired: bool,
}

impl Forms {
    /// Empty forms with room for the words of `text`, so that analysing it
    /// does not grow every buffer push by push (that was a twentieth of a
    /// build's instructions).
    fn with_room_for(text: &str) -> Forms {
        // A word and the space after it: at most one word per two bytes.
        let words = text.len() / 2 + 1;
        Forms {
            places: Vec::with_capacity(words),
            pair_places: Vec::new(),
            stem_pair_places: Vec::new(),
            words: std::array::from_fn(|f| match f {
                f if f < 4 => String::with_capacity(text.len()),
                _ => String::new(),
            }),
            ends: std::array::from_fn(|f| match f {
                f if f < 4 => Vec::with_capacity(words),
                _ => Vec::new(),
            }),
            paired: false,
        }
    }

    /// How many tokens `form` has.
    pub fn len(&self, form: Form) -> usize {
        self.places_of(form).len()
    }

    fn places_of(&self, form: Form) -> &[(usize, usize, usize)] {
        match form {
            Form::Pairs => &self.pair_places,
            Form::StemPairs => &self.stem_pair_places,
            _ => &self.places,
        }
    }

    /// The `i`th word in `form`.
    pub fn word(&self, form: Form, i: usize) -> &str {
        &self.words[form as usize][self.span(form, i)]
    }

    /// Where the `i`th token of `form` stands in the text, in bytes.
    pub fn range(&self, form: Form, i: usize) -> Range<usize> {
        let (_, from, to) = self.places_of(form)[i];
        from..to
    }

    /// The `i`th token in `form`, written into `token`.
    pub fn write_token(&self, form: Form, i: usize, token: &mut Token) {
        let (position, from, to) = self.places_of(form)[i];
        token.text.clear();
        token.text.push_str(self.word(form, i));
        token.position = position;
        token.offset_from = from;
        token.offset_to = to;
        token.position_length = 1;
    }

    /// Every token of `form`.
    pub fn tokens(&self, form: Form) -> Vec<Token> {
        (0..self.len(form))
            .map(|i| {
                let mut token = Token::default();
                self.write_token(form, i, &mut token);
                token
            })
            .collect()
    }

    fn push(&mut self, form: Form, word: &str) {
        let f = form as usize;
        self.words[f].push_str(word);
        self.ends[f].push(self.words[f].len());
    }
}

/// The tokens of `text` in all six forms.
pub fn forms(text: &str) -> Forms {
    let mut forms = word_forms(text);
    forms.add_pairs();
    forms
}

/// The words of `text` in their four forms (exact, folded, stem, root),
/// without the pairs: what a query's words or a hit's highlighting need.
pub fn word_forms(text: &str) -> Forms {
    let mut tokenizer = CzechTokenizer::default();
    let mut stream = tokenizer.token_stream(text);
    let mut forms = Forms::with_room_for(text);
    let mut scratch = String::new();
    while let Some(token) = stream.next() {
        // As tantivy's RemoveLongFilter: tokens of MAX_TOKEN_BYTES or more go.
        if token.text.len() >= MAX_TOKEN_BYTES {
            continue;
        }
        forms
            .places
            .push((token.position, token.offset_from, token.offset_to));
        scratch.clear();
        scratch.push_str(&token.text);
        LowerFilter.rewrite(&mut scratch);
        forms.push(Form::Exact, &scratch);
        scratch.clear();
        scratch.push_str(&token.text);
        FoldFilter.rewrite(&mut scratch);
        forms.push(Form::Folded, &scratch);
        let stem = FoldedLightStemmer.stem(&scratch);
        forms.push(Form::Root, &DerivedRoot.root_of_stem(&stem));
        forms.push(Form::Stem, &stem);
    }
    forms
}

impl Forms {
    /// Adds both kinds of pairs: neighbouring content words, folded
    /// ([`Form::Pairs`]), and successive content words at most
    /// [`STEM_PAIR_REACH`] positions apart, stemmed ([`Form::StemPairs`]).
    /// A content word carries meaning: no function word, no number.
    fn add_pairs(&mut self) {
        if self.paired {
            return;
        }
        self.paired = true;
        self.reserve_pairs(Form::Pairs);
        self.reserve_pairs(Form::StemPairs);
        let content: Vec<usize> = (0..self.places.len())
            .filter(|&i| is_content(self.word(Form::Folded, i)))
            .collect();
        for pair in content.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let ((position, from, _), (next_position, _, to)) = (self.places[a], self.places[b]);
            if next_position == position + 1 {
                self.pair_places.push((position, from, to));
                self.push_pair(Form::Pairs, Form::Folded, a, b);
            }
            if next_position <= position + STEM_PAIR_REACH {
                self.stem_pair_places.push((position, from, to));
                self.push_pair(Form::StemPairs, Form::Stem, a, b);
            }
        }
    }

    /// Adds to `pairs` the words `a` and `b` of `form` as one token, as
    /// [`stem_pair`] joins them.
    fn push_pair(&mut self, pairs: Form, form: Form, a: usize, b: usize) {
        let (first, second) = (self.span(form, a), self.span(form, b));
        let [words, joined] = self
            .words
            .get_disjoint_mut([form as usize, pairs as usize])
            .expect("two different forms");
        joined.push_str(&words[first]);
        joined.push(PAIR_SEPARATOR);
        joined.push_str(&words[second]);
        let end = joined.len();
        self.ends[pairs as usize].push(end);
    }

    /// Where the `i`th word of `form` is in its string of words.
    fn span(&self, form: Form, i: usize) -> Range<usize> {
        let f = form as usize;
        let start = if i == 0 { 0 } else { self.ends[f][i - 1] };
        start..self.ends[f][i]
    }
}

impl Forms {
    /// Room for as many pairs as there are words, each two words long.
    fn reserve_pairs(&mut self, form: Form) {
        let words = self.places.len();
        let bytes = 2 * self.words[Form::Folded as usize].len() + words;
        let places = match form {
            Form::Pairs => &mut self.pair_places,
            _ => &mut self.stem_pair_places,
        };
        places.reserve(words);
        self.words[form as usize].reserve(bytes);
        self.ends[form as usize].reserve(words);
    }
}

/// A word that carries meaning: no function word, no number. Queries pair
/// their words by the same rule.
pub fn is_content(folded: &str) -> bool {
    !is_stopword(folded) && !folded.chars().all(|c| c.is_ascii_digit())
}

/// How many positions apart two content words of a stem pair may stand:
/// one function word may come between them.
pub const STEM_PAIR_REACH: usize = 2;

/// What joins the two words of a pair.
const PAIR_SEPARATOR: char = ' ';

/// Two stems as one [`Form::StemPairs`] term; queries build theirs here too.
pub fn stem_pair(first: &str, second: &str) -> String {
    // Not `format!`, whose machinery costs a query a few hundred
    // instructions a pair.
    let mut joined = String::with_capacity(first.len() + 1 + second.len());
    joined.push_str(first);
    joined.push(PAIR_SEPARATOR);
    joined.push_str(second);
    joined
}

/// How many texts' forms each thread keeps: a measure's places (towns,
/// heading, localities) are indexed into two fields one field after the
/// other, so each is met again a few texts later.
const RECENT_TEXTS: usize = 8;

thread_local! {
    /// The texts analysed last on this thread, and their forms.
    static RECENT: RefCell<std::collections::VecDeque<(String, Rc<Forms>)>> =
        const { RefCell::new(std::collections::VecDeque::new()) };
}

/// The forms of `text`, with the pairs when `form` is one of them: from
/// the texts analysed last on this thread when it is one of them.
fn cached_forms(text: &str, form: Form) -> Rc<Forms> {
    let pairs = matches!(form, Form::Pairs | Form::StemPairs);
    RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        if let Some((_, forms)) = recent.iter_mut().find(|(cached, _)| cached == text) {
            if pairs {
                Rc::make_mut(forms).add_pairs();
            }
            return forms.clone();
        }
        let mut computed = word_forms(text);
        if pairs {
            computed.add_pairs();
        }
        let computed = Rc::new(computed);
        if recent.len() == RECENT_TEXTS {
            recent.pop_back();
        }
        recent.push_front((text.to_owned(), computed.clone()));
        computed
    })
}

/// Every bundled measure's text and the tokenizer's hard cases, for tests
/// that hold two ways of analysing a text equal.
#[cfg(test)]
pub(crate) fn sample_texts() -> Vec<String> {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let corpus = crate::ingest::import(&data).expect("the bundled data imports");
    corpus
        .measures
        .into_iter()
        .map(|m| m.text)
        .chain(HARD_TEXTS.map(String::from))
        .collect()
}

/// Texts with the tokenizer's hard cases: abbreviations, compounds,
/// decomposed letters and soft hyphens, a word too long to index, nothing.
#[cfg(test)]
const HARD_TEXTS: [&str; 5] = [
    "Srdce a čin, o.p.s. a s. r. o.",
    "sociálně-právní ochrana, ZŠ/MŠ, EKO-ANO",
    "Kadan\u{30C} posky\u{AD}továny",
    "slovo-ktere-je-opravdu-hodne-hodne-hodne-dlouhe-a-nema-konec nic",
    "",
];

/// The tokenizer of one form: the whole shipped chain of that field.
#[derive(Clone, Copy, Debug)]
pub struct OnePass(pub Form);

impl Tokenizer for OnePass {
    type TokenStream<'a> = OnePassStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> OnePassStream {
        OnePassStream {
            forms: cached_forms(text, self.0),
            form: self.0,
            next: 0,
            token: Token::default(),
        }
    }
}

pub struct OnePassStream {
    forms: Rc<Forms>,
    form: Form,
    next: usize,
    /// The current token, copied out of the shared forms so that filters
    /// may change it.
    token: Token,
}

impl TokenStream for OnePassStream {
    fn advance(&mut self) -> bool {
        if self.next >= self.forms.len(self.form) {
            return false;
        }
        self.forms
            .write_token(self.form, self.next, &mut self.token);
        self.next += 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{CS_EXACT, CS_FOLDED, CS_ROOT, CS_STEM, chain_analyzer};

    fn triples(tokens: &[Token]) -> Vec<(String, usize, std::ops::Range<usize>)> {
        tokens
            .iter()
            .map(|t| (t.text.clone(), t.position, t.offset_from..t.offset_to))
            .collect()
    }

    fn by_chain(name: &str, text: &str) -> Vec<(String, usize, std::ops::Range<usize>)> {
        let mut analyzer = chain_analyzer(name).unwrap();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push((t.text.clone(), t.position, t.offset_from..t.offset_to));
        }
        out
    }

    /// Every bundled measure, and the tokenizer's hard cases, give the same
    /// tokens in one pass as through the registered chains.
    #[test]
    fn one_pass_equals_the_registered_chains() {
        let texts = sample_texts();
        let texts = texts.iter().map(String::as_str);
        for text in texts {
            let forms = forms(text);
            assert_eq!(
                triples(&forms.tokens(Form::Exact)),
                by_chain(CS_EXACT, text),
                "{text}"
            );
            assert_eq!(
                triples(&forms.tokens(Form::Folded)),
                by_chain(CS_FOLDED, text),
                "{text}"
            );
            assert_eq!(
                triples(&forms.tokens(Form::Stem)),
                by_chain(CS_STEM, text),
                "{text}"
            );
            assert_eq!(
                triples(&forms.tokens(Form::Root)),
                by_chain(CS_ROOT, text),
                "{text}"
            );
        }
    }

    /// Pairs as defined: neighbouring content words, folded; successive
    /// content words at most a function word apart, stemmed; each with the
    /// place of its first word and the offsets of both. Checked word by
    /// word on every bundled measure and the hard cases.
    #[test]
    fn pairs_are_the_content_words_side_by_side() {
        let texts = sample_texts();
        let texts = texts.iter().map(String::as_str);
        let mut pairs_seen = 0;
        for text in texts {
            let words = word_forms(text);
            let n = words.len(Form::Exact);
            let (mut pairs, mut stem_pairs) = (Vec::new(), Vec::new());
            for a in 0..n {
                let content = |i| is_content(words.word(Form::Folded, i));
                if !content(a) {
                    continue;
                }
                let place = words.places[a];
                if let Some(b) = (a + 1..n).find(|&b| content(b)) {
                    let next = words.places[b];
                    let joined = |form| format!("{} {}", words.word(form, a), words.word(form, b));
                    if b == a + 1 && next.0 == place.0 + 1 {
                        pairs.push((joined(Form::Folded), place.0, place.1..next.2));
                    }
                    if next.0 <= place.0 + STEM_PAIR_REACH {
                        stem_pairs.push((joined(Form::Stem), place.0, place.1..next.2));
                    }
                }
            }
            let forms = forms(text);
            assert_eq!(triples(&forms.tokens(Form::Pairs)), pairs, "{text}");
            assert_eq!(
                triples(&forms.tokens(Form::StemPairs)),
                stem_pairs,
                "{text}"
            );
            pairs_seen += pairs.len();
        }
        assert!(pairs_seen > 300, "only {pairs_seen} pairs");
    }

    /// The cache serves each field of a text the right form, and a new text
    /// its own.
    #[test]
    fn the_tokenizers_serve_each_form_of_the_right_text() {
        let run = |form, text: &str| {
            let mut tokenizer = OnePass(form);
            let mut stream = tokenizer.token_stream(text);
            let mut out = Vec::new();
            while let Some(t) = stream.next() {
                out.push(t.text.clone());
            }
            out
        };
        assert_eq!(
            run(Form::Exact, "Školních psychologů"),
            ["školních", "psychologů"]
        );
        assert_eq!(
            run(Form::Folded, "Školních psychologů"),
            ["skolnich", "psychologu"]
        );
        assert_eq!(
            run(Form::Stem, "Školních psychologů"),
            ["skoln", "psycholog"]
        );
        assert_eq!(
            run(Form::Root, "Školních psychologů"),
            ["skol", "psycholoh"]
        );
        assert_eq!(run(Form::Folded, "Kadaň"), ["kadan"]);
        assert_eq!(
            run(
                Form::Pairs,
                "zřízení nízkoprahového zařízení pro děti a mládež v roce 2013"
            ),
            ["zrizeni nizkoprahoveho", "nizkoprahoveho zarizeni"]
        );
        assert_eq!(
            run(
                Form::StemPairs,
                "zřízení nízkoprahového zařízení pro děti a mládež v roce 2013"
            ),
            [
                "zrizn nizkoprah",
                "nizkoprah zarizn",
                "zarizn det",
                "det mladh",
                "mladh rok"
            ]
        );
    }
}
