//! Czech text analysis: how text becomes index terms, the same way for the
//! reports and for the queries.
//!
//! ```text
//! text ─ CzechTokenizer ─ RemoveLongFilter ─┬─ LowerFilter ─────────────────── cs_exact
//!                                           ├─ FoldFilter ──────────────────── cs_folded
//!                                           └─ FoldFilter ─ FoldedLightStemmer  cs_stem
//! ```
//!
//! Why this chain:
//!
//! - **Tokenize** ([`tokenize`]) on anything that is not a letter or digit,
//!   except that dotted abbreviations (`o.p.s.`) stay one token and
//!   hyphenated compounds (`sociálně-právní`) give their parts at
//!   consecutive positions. Offsets always point into the original text,
//!   for highlighting.
//! - **Fold** ([`fold`]) diacritics and case, because queries are typed
//!   without accents as often as with them.
//! - **Stem** ([`stem`]) the folded words, because Czech declines: the
//!   query `školní psycholog` must meet "školních psychologů". The stemmer
//!   works on folded text so that accents typed or not give the same key.
//!
//! A search field can index the text several ways and let the query hit
//! all of them with different weights: `cs_stem` for recall, `cs_folded`
//! to rank the exact word above its other forms, `cs_exact` to rank the
//! accented spelling above a folded collision (`byt` flat, `být` to be).
//! `cs_stem_lucene` and `cs_stem_snowball` exist to measure alternatives
//! (see [`StemmerKind`] and the `stemmer_measurement` test).
//!
//! Synonyms ([`synonyms`]) expand queries, not the index. The language of
//! a text ([`lang`]) is Czech unless detected reliably otherwise; foreign
//! text gets the stemmer of its language from [`analyzer_for`].

pub mod derive;
pub mod fold;
pub mod forms;
pub mod lang;
pub mod rewrite;
pub mod stem;
pub mod stopwords;
pub mod synonyms;
pub mod tokenize;

use std::ops::Range;

use tantivy::Index;
use tantivy::tokenizer::{
    RemoveLongFilter, TextAnalyzer, TextAnalyzerBuilder, TokenStream, Tokenizer, TokenizerManager,
};

pub use derive::DerivedRoot;
pub use fold::{FoldFilter, LowerFilter};
pub use lang::{ForeignStemmer, Lang, detect_language};
pub use stem::{FoldedLightStemmer, LuceneLightStemmer, SnowballCzechStemmer, StemmerKind};
pub use synonyms::{SynonymGroup, SynonymSpan, Synonyms};
pub use tokenize::CzechTokenizer;

/// Tokenized and lowercased, diacritics kept: the "exact form" field.
pub const CS_EXACT: &str = "cs_exact";
/// Tokenized, lowercased and folded: the word as typed without accents.
pub const CS_FOLDED: &str = "cs_folded";
/// Folded and stemmed with [`FoldedLightStemmer`]: the recall field.
pub const CS_STEM: &str = "cs_stem";
/// Lucene's light stemmer on accented text, then folded (measurement).
pub const CS_STEM_LUCENE: &str = "cs_stem_lucene";
/// Snowball's Czech stemmer on accented text, then folded (measurement).
pub const CS_STEM_SNOWBALL: &str = "cs_stem_snowball";

/// Tokenize, fold, stem, then reduce to the derivational root
/// ([`DerivedRoot`]): "škola", "školní" and "školství" meet.
pub const CS_ROOT: &str = "cs_root";

/// Neighbouring content words as one folded token, for suggestions.
pub const CS_PAIRS: &str = "cs_pairs";

/// Successive content words, stemmed, as one token: phrases as terms.
pub const CS_STEM_PAIRS: &str = "cs_stem_pairs";

/// Every analyzer name [`register`] defines.
pub const NAMES: [&str; 8] = [
    CS_EXACT,
    CS_FOLDED,
    CS_STEM,
    CS_ROOT,
    CS_PAIRS,
    CS_STEM_PAIRS,
    CS_STEM_LUCENE,
    CS_STEM_SNOWBALL,
];

/// Tokens longer than this many bytes are dropped: no Czech word is that
/// long, so they are URLs or extraction garbage that would bloat the term
/// dictionary.
pub const MAX_TOKEN_BYTES: usize = 40;

/// The start every chain shares.
fn tokenizer() -> TextAnalyzerBuilder<impl Tokenizer> {
    TextAnalyzer::builder(CzechTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
}

/// The chain that stems with `kind`; [`StemmerKind::None`] gives the
/// [`CS_FOLDED`] chain.
pub fn stem_analyzer(kind: StemmerKind) -> TextAnalyzer {
    match kind {
        StemmerKind::FoldedLight => tokenizer()
            .filter(FoldFilter)
            .filter(FoldedLightStemmer)
            .build(),
        StemmerKind::LuceneLight => tokenizer()
            .filter(LowerFilter)
            .filter(LuceneLightStemmer)
            .filter(FoldFilter)
            .build(),
        StemmerKind::Snowball => tokenizer()
            .filter(LowerFilter)
            .filter(SnowballCzechStemmer::default())
            .filter(FoldFilter)
            .build(),
        StemmerKind::None => tokenizer().filter(FoldFilter).build(),
    }
}

/// The analyzer registered under `name`, if it is one of [`NAMES`]. The
/// four chains of the shipped analysis are served from one pass over the
/// text ([`forms`]); the same chains built filter by filter
/// ([`chain_analyzer`]) give the same tokens, more slowly.
pub fn analyzer(name: &str) -> Option<TextAnalyzer> {
    use forms::{Form, OnePass};
    let one_pass = |form| Some(TextAnalyzer::from(OnePass(form)));
    match name {
        CS_EXACT => one_pass(Form::Exact),
        CS_FOLDED => one_pass(Form::Folded),
        CS_STEM => one_pass(Form::Stem),
        CS_ROOT => one_pass(Form::Root),
        CS_PAIRS => one_pass(Form::Pairs),
        CS_STEM_PAIRS => one_pass(Form::StemPairs),
        _ => chain_analyzer(name),
    }
}

/// The analyzer of `name` as a tantivy chain: tokenizer, then one filter
/// per step.
pub fn chain_analyzer(name: &str) -> Option<TextAnalyzer> {
    match name {
        CS_EXACT => Some(tokenizer().filter(LowerFilter).build()),
        CS_FOLDED => Some(stem_analyzer(StemmerKind::None)),
        CS_STEM => Some(stem_analyzer(StemmerKind::FoldedLight)),
        CS_ROOT => Some(tokenizer().filter(FoldFilter).filter(DerivedRoot).build()),
        CS_STEM_LUCENE => Some(stem_analyzer(StemmerKind::LuceneLight)),
        CS_STEM_SNOWBALL => Some(stem_analyzer(StemmerKind::Snowball)),
        _ => None,
    }
}

/// The stemming chain for a text in `lang`: [`CS_STEM`] for Czech and
/// Slovak, the language's own stemmer (then folding) where rust-stemmers
/// has one, [`CS_FOLDED`] otherwise.
pub fn analyzer_for(lang: Lang) -> TextAnalyzer {
    if lang.uses_czech_stemmer() {
        return stem_analyzer(StemmerKind::FoldedLight);
    }
    match lang.foreign_stemmer() {
        Some(stemmer) => tokenizer()
            .filter(LowerFilter)
            .filter(stemmer)
            .filter(FoldFilter)
            .build(),
        None => stem_analyzer(StemmerKind::None),
    }
}

/// Registers every analyzer of [`NAMES`] on `manager`.
pub fn register(manager: &TokenizerManager) {
    for name in NAMES {
        let analyzer = analyzer(name).expect("every name in NAMES has an analyzer");
        manager.register(name, analyzer);
    }
}

/// Which analysis an index uses. The shipped one is
/// `Czech(StemmerKind::FoldedLight)`; the others exist to be measured
/// against it on the same code path: other stemmers in the retrieval
/// evaluation, tantivy's default tokenizer in the benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chains {
    /// The Czech chains, [`CS_STEM`] stemming with the given stemmer.
    Czech(StemmerKind),
    /// tantivy's default tokenizer, lowercased and ASCII-folded, under
    /// every name: what a tantivy user would start with.
    TantivyDefault,
}

impl Chains {
    pub const SHIPPED: Chains = Chains::Czech(StemmerKind::FoldedLight);

    /// How an index's metadata names it: `folded-light`, `tantivy-default`.
    pub fn name(self) -> &'static str {
        match self {
            Chains::Czech(stemmer) => stemmer.name(),
            Chains::TantivyDefault => "tantivy-default",
        }
    }

    pub fn from_name(name: &str) -> Option<Chains> {
        match name {
            "tantivy-default" => Some(Chains::TantivyDefault),
            _ => StemmerKind::from_name(name).map(Chains::Czech),
        }
    }
}

/// Registers every analyzer of [`NAMES`] as `chains` defines them.
pub fn register_with(manager: &TokenizerManager, chains: Chains) {
    register(manager);
    match chains {
        Chains::SHIPPED => {}
        Chains::Czech(stemmer) => manager.register(CS_STEM, stem_analyzer(stemmer)),
        Chains::TantivyDefault => {
            for name in NAMES {
                manager.register(
                    name,
                    TextAnalyzer::builder(tantivy::tokenizer::SimpleTokenizer::default())
                        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
                        .filter(tantivy::tokenizer::LowerCaser)
                        .filter(tantivy::tokenizer::AsciiFoldingFilter)
                        .build(),
                );
            }
        }
    }
}

/// Registers every analyzer of [`NAMES`] on the index, which must happen
/// each time an index is created or opened, before indexing or searching.
pub fn register_on(index: &Index) {
    register(index.tokenizers());
}

/// The tokens of `text` under the analyzer `name`: term, position and
/// byte range in `text`, with the registered chain of that name. For tests
/// and measurements; searching and highlighting use the index's own
/// analyzers (`search::plan::Analyzers`).
///
/// # Panics
///
/// If `name` is not one of [`NAMES`]: the names are constants, so that is
/// a programming error.
pub fn analyze(name: &str, text: &str) -> Vec<(String, usize, Range<usize>)> {
    let mut analyzer =
        analyzer(name).unwrap_or_else(|| panic!("no analyzer named {name:?} in {NAMES:?}"));
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push((
            token.text.clone(),
            token.position,
            token.offset_from..token.offset_to,
        ));
    }
    tokens
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashSet};

    use tantivy::collector::Count;
    use tantivy::query::QueryParser;
    use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
    use tantivy::{TantivyDocument, doc};

    use super::*;
    use crate::ingest::text::{clean_line, fold};

    fn terms(name: &str, text: &str) -> Vec<String> {
        analyze(name, text).into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn the_three_chains_on_a_report_line() {
        let line = "zřízení pozic Školních psychologů a speciálních pedagogů, o.p.s.";
        assert_eq!(
            terms(CS_EXACT, line),
            [
                "zřízení",
                "pozic",
                "školních",
                "psychologů",
                "a",
                "speciálních",
                "pedagogů",
                "ops"
            ]
        );
        assert_eq!(
            terms(CS_FOLDED, line),
            [
                "zrizeni",
                "pozic",
                "skolnich",
                "psychologu",
                "a",
                "specialnich",
                "pedagogu",
                "ops"
            ]
        );
        assert_eq!(
            terms(CS_STEM, line),
            [
                "zrizn",
                "pozik",
                "skoln",
                "psycholog",
                "a",
                "specialn",
                "pedagog",
                "ops"
            ]
        );
    }

    #[test]
    fn queries_without_accents_meet_the_reports() {
        for (query, text) in [
            (
                "prostupne bydleni",
                "zajištění tréninkového stupně prostupného bydlení",
            ),
            ("skolni psycholog", "zřízení pozic školních psychologů"),
            (
                "skolni psycholog",
                "3 školní psychologové a 5 speciálních pedagogů",
            ),
            (
                "asistent prevence kriminality",
                "zřízení tří pozic asistentů prevence kriminality",
            ),
            ("děti", "zapojení 181 dětí a mládeže"),
            ("deti", "zřízení předškolních klubů (28 dětí)"),
            ("sociálně právní", "orgán sociálně-právní ochrany dětmi"),
        ] {
            let q = terms(CS_STEM, query);
            let t = terms(CS_STEM, text);
            assert!(
                t.windows(q.len()).any(|w| w == q.as_slice()),
                "{query:?} not found as a phrase in {text:?}: {q:?} / {t:?}"
            );
        }
    }

    #[test]
    fn analyze_gives_positions_and_highlight_ranges() {
        let text = "podpora prostupného zaměstnávání";
        let tokens = analyze(CS_STEM, text);
        assert_eq!(tokens.len(), 3);
        assert_eq!(tokens[1].1, 1);
        assert_eq!(&text[tokens[1].2.clone()], "prostupného");
        assert_eq!(&text[tokens[2].2.clone()], "zaměstnávání");
    }

    #[test]
    fn overlong_tokens_are_dropped() {
        let long = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(
            terms(CS_FOLDED, &format!("byty {long} domy")),
            ["byty", "domy"]
        );
    }

    #[test]
    #[should_panic(expected = "no analyzer named")]
    fn analyze_rejects_unknown_names() {
        analyze("default", "byt");
    }

    #[test]
    fn foreign_text_gets_its_own_stemmer() {
        let mut en = analyzer_for(Lang::English);
        let mut stream = en.token_stream("Housing programmes");
        assert_eq!(stream.next().unwrap().text, "hous");
        let mut cs = analyzer_for(detect_language("prostupné bydlení"));
        assert_eq!(cs.token_stream("bydlení").next().unwrap().text, "bydln");
    }

    /// The chains registered on a real index answer phrase queries typed
    /// without accents in another case.
    #[test]
    fn registered_chain_answers_phrase_queries() {
        let mut schema = Schema::builder();
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(CS_STEM)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let body = schema.add_text_field(
            "body",
            TextOptions::default().set_indexing_options(indexing),
        );
        let index = Index::create_in_ram(schema.build());
        register_on(&index);
        let mut writer = index.writer::<TantivyDocument>(15_000_000).unwrap();
        writer
            .add_document(doc!(body => "zavedení asistentů prevence kriminality (tři asistenti)"))
            .unwrap();
        writer
            .add_document(doc!(body => "zajištění tréninkového stupně prostupného bydlení"))
            .unwrap();
        writer
            .add_document(
                doc!(body => "navýšení počtu pracovníků OSPODu; orgán sociálně-právní ochrany"),
            )
            .unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let parser = QueryParser::for_index(&index, vec![body]);
        let count = |q: &str| {
            searcher
                .search(&parser.parse_query(q).unwrap(), &Count)
                .unwrap()
        };
        assert_eq!(count("\"prostupne bydleni\""), 1);
        assert_eq!(count("\"asistent prevence kriminality\""), 1);
        assert_eq!(count("\"socialne pravni\""), 1);
        assert_eq!(count("ospod"), 1);
        assert_eq!(count("\"bydleni prostupne\""), 0);
    }

    /// The words of the bundled reports, lowercase, accents kept.
    fn report_words() -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/reports");
        let mut words = BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in text.lines() {
                for word in clean_line(line).split(|c: char| !c.is_alphanumeric()) {
                    if word.chars().any(char::is_alphabetic) {
                        words.insert(word.to_lowercase());
                    }
                }
            }
        }
        words
    }

    /// Prints, for the vocabulary of the reports, how many keys each
    /// stemmer gives on the accented words and on the same words folded,
    /// and for how many words the two keys agree (a query typed without
    /// accents then finds the word). Run with
    /// `cargo test --lib stemmer_measurement -- --ignored --nocapture`.
    #[test]
    #[ignore = "prints a measurement"]
    fn stemmer_measurement() {
        let words = report_words();
        println!("distinct words: {}", words.len());
        println!(
            "{:<14} {:>10} {:>10} {:>16}",
            "stemmer", "keys(orig)", "keys(fold)", "key(w)==key(fold w)"
        );
        for kind in StemmerKind::ALL {
            let original: HashSet<String> = words.iter().map(|w| kind.key(w)).collect();
            let folded: HashSet<String> = words.iter().map(|w| kind.key(&fold(w))).collect();
            let agree = words
                .iter()
                .filter(|w| kind.key(w) == kind.key(&fold(w)))
                .count();
            println!(
                "{:<14} {:>10} {:>10} {:>12}/{}",
                kind.name(),
                original.len(),
                folded.len(),
                agree,
                words.len()
            );
        }
    }

    /// On the reports, every token's offsets cut out the word it came from.
    #[test]
    fn offsets_cut_the_reports_into_their_words() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/reports");
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for (term, _, range) in analyze(CS_FOLDED, &text) {
                let cut: String = fold(&text[range])
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect();
                assert_eq!(cut, term);
            }
        }
    }

    /// On the reports, the search stemmer finds every word typed without
    /// accents, and merges forms (fewer keys than words).
    #[test]
    fn folded_light_is_accent_proof_on_the_reports() {
        let words = report_words();
        let kind = StemmerKind::FoldedLight;
        for word in &words {
            assert_eq!(kind.key(word), kind.key(&fold(word)), "{word}");
        }
        let keys: HashSet<String> = words.iter().map(|w| kind.key(w)).collect();
        assert!(keys.len() < words.len() * 9 / 10, "{} keys", keys.len());
    }
}
