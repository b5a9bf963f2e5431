//! The language of a text, for the rare measure not written in Czech.
//!
//! The reports are Czech; a foreign text is the exception (a project name
//! in English, a quotation in Slovak or German). Detection therefore only
//! overrides Czech when whatlang says its guess is reliable: a short Czech
//! query without accents is easily mistaken for Slovak or Croatian, and
//! stemming it with foreign rules would lose the Czech forms.
//!
//! Foreign stemming comes from one crate, rust-stemmers, which covers the
//! languages likely here (English, German, Russian); Slovak is close enough
//! to Czech to share its chain, the rest are only folded.

use tantivy::tokenizer::{TokenFilter, Tokenizer};

use super::rewrite::{Rewrite, RewriteTokenizer};

/// A language the analysis distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    Czech,
    Slovak,
    English,
    German,
    Polish,
    Russian,
    Ukrainian,
    /// Detected reliably, but none of the above.
    Other,
}

impl Lang {
    /// ISO 639-1 code, `"xx"` for [`Lang::Other`].
    pub fn code(self) -> &'static str {
        match self {
            Lang::Czech => "cs",
            Lang::Slovak => "sk",
            Lang::English => "en",
            Lang::German => "de",
            Lang::Polish => "pl",
            Lang::Russian => "ru",
            Lang::Ukrainian => "uk",
            Lang::Other => "xx",
        }
    }

    /// Whether Czech stemming suits the language.
    pub fn uses_czech_stemmer(self) -> bool {
        matches!(self, Lang::Czech | Lang::Slovak)
    }

    /// The rust-stemmers algorithm for a foreign language that has one.
    pub fn foreign_stemmer(self) -> Option<ForeignStemmer> {
        let algorithm = match self {
            Lang::English => rust_stemmers::Algorithm::English,
            Lang::German => rust_stemmers::Algorithm::German,
            Lang::Russian => rust_stemmers::Algorithm::Russian,
            _ => return None,
        };
        Some(ForeignStemmer { algorithm })
    }
}

/// Letters that only Czech writes: a text with one of them is Czech, and
/// checking for them is a hundred times cheaper than whatlang's trigram
/// model, which otherwise dominates the cost of indexing.
const ONLY_IN_CZECH: [char; 6] = ['ě', 'ř', 'ů', 'Ě', 'Ř', 'Ů'];

/// Letters with a háček that Czech shares with Slovak (and with few other
/// languages whatlang knows), and letters only Slovak writes. A text with
/// the first and none of the second is Czech as far as analysis goes:
/// Slovak would use the same chain.
const CZECH_OR_SLOVAK: [char; 12] = ['č', 'š', 'ž', 'ď', 'ť', 'ň', 'Č', 'Š', 'Ž', 'Ď', 'Ť', 'Ň'];
const ONLY_IN_SLOVAK: [char; 8] = ['ä', 'ľ', 'ĺ', 'ŕ', 'ô', 'Ľ', 'Ĺ', 'Ŕ'];

/// whatlang reads at most this many bytes of a text: enough for a
/// reliable guess, and it keeps a long text from costing more.
const SAMPLE_BYTES: usize = 400;

/// whatlang weighs only the languages the analysis tells apart and the
/// four others most likely to be written in a Czech town (which count as
/// [`Lang::Other`]): scoring the trigrams of all seventy it knows was most
/// of the cost of detection, and detection a tenth of a build.
static DETECTOR: std::sync::LazyLock<whatlang::Detector> = std::sync::LazyLock::new(|| {
    use whatlang::Lang::*;
    whatlang::Detector::with_allowlist(vec![Ces, Slk, Eng, Deu, Pol, Rus, Ukr, Fra, Ita, Spa, Hun])
});

/// The language of `text`: Czech when it has a letter only Czech writes
/// (or Czech háčeks and no Slovak letter), else whatlang's guess when it is
/// reliable, else Czech.
pub fn detect_language(text: &str) -> Lang {
    if text.contains(ONLY_IN_CZECH)
        || (text.contains(CZECH_OR_SLOVAK) && !text.contains(ONLY_IN_SLOVAK))
    {
        return Lang::Czech;
    }
    let sample = match text.char_indices().nth(SAMPLE_BYTES) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let Some(info) = DETECTOR.detect(sample).filter(|info| info.is_reliable()) else {
        return Lang::Czech;
    };
    match info.lang() {
        whatlang::Lang::Ces => Lang::Czech,
        whatlang::Lang::Slk => Lang::Slovak,
        whatlang::Lang::Eng => Lang::English,
        whatlang::Lang::Deu => Lang::German,
        whatlang::Lang::Pol => Lang::Polish,
        whatlang::Lang::Rus => Lang::Russian,
        whatlang::Lang::Ukr => Lang::Ukrainian,
        _ => Lang::Other,
    }
}

/// A rust-stemmers stemmer for a foreign language, on lowercase text.
#[derive(Clone, Copy, Debug)]
pub struct ForeignStemmer {
    algorithm: rust_stemmers::Algorithm,
}

impl ForeignStemmer {
    /// Stems one lowercase word.
    pub fn stem(&self, word: &str) -> String {
        rust_stemmers::Stemmer::create(self.algorithm)
            .stem(word)
            .into_owned()
    }
}

impl Rewrite for ForeignStemmer {
    fn rewrite(&self, text: &mut String) {
        *text = self.stem(text);
    }
}

impl TokenFilter for ForeignStemmer {
    type Tokenizer<T: Tokenizer> = RewriteTokenizer<Self, T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        RewriteTokenizer::new(self, tokenizer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn czech_report_text_is_czech() {
        assert_eq!(
            detect_language(
                "zřízení pozic školních psychologů a speciálních pedagogů na šesti \
                 základních školách, zavedení asistentů prevence kriminality"
            ),
            Lang::Czech
        );
    }

    #[test]
    fn the_shortcut_leaves_slovak_to_whatlang() {
        // No ě, ř or ů, but háčeks: Czech without asking whatlang.
        assert_eq!(detect_language("podpora inkluzivní školy"), Lang::Czech);
        // Slovak letters: whatlang decides.
        assert_eq!(
            detect_language(
                "Mesto zaviedlo sociálne bývanie pre rodiny s deťmi a podporilo zamestnávanie \
                 dlhodobo nezamestnaných ľudí v regióne, ktorí žijú v osadách."
            ),
            Lang::Slovak
        );
    }

    #[test]
    fn short_or_unaccented_queries_default_to_czech() {
        assert_eq!(detect_language("prostupne bydleni"), Lang::Czech);
        assert_eq!(detect_language("OSPOD"), Lang::Czech);
        assert_eq!(detect_language(""), Lang::Czech);
    }

    #[test]
    fn reliable_foreign_text_is_recognised() {
        assert_eq!(
            detect_language(
                "The municipality introduced social housing and supported the \
                 employment of long-term unemployed people in the region."
            ),
            Lang::English
        );
        assert_eq!(
            detect_language(
                "Die Stadt hat ein Gemeindezentrum eröffnet und unterstützt \
                 langzeitarbeitslose Menschen bei der Suche nach Arbeit."
            ),
            Lang::German
        );
    }

    #[test]
    fn foreign_stemmers() {
        let en = Lang::English.foreign_stemmer().unwrap();
        assert_eq!(en.stem("psychologists"), en.stem("psychologist"));
        assert!(Lang::Czech.foreign_stemmer().is_none());
        assert!(Lang::Slovak.uses_czech_stemmer());
        assert_eq!(Lang::German.code(), "de");
    }
}
