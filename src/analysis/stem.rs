//! Stemming Czech.
//!
//! Czech inflects every noun and adjective into up to fourteen forms, and a
//! query names a thing in whatever case the sentence in the searcher's head
//! needed: `školní psycholog` must find "školních psychologů", `děti` must
//! find "dětí" and "dětmi". A stemmer cuts the case ending so that all the
//! forms meet in one index key.
//!
//! The stemmer used by the search fields, [`FoldedLightStemmer`], works on
//! *folded* text (no diacritics, lowercase). Stemming first and folding
//! afterwards would be wrong for queries: a query typed without accents
//! reaches the stemmer already folded, `skolnich` instead of `školních`, and
//! a stemmer written for accented endings (`-ích`, `-ého`, `-ům`) misses them.
//! Working on folded text on both sides makes the index key of a word the
//! same whether or not its accents were typed, by construction.
//!
//! It is the light stemmer of Dolamic & Savoy ("Indexing and stemming
//! approaches for the Czech language", 2009; Lucene's `CzechStemmer`) with
//! its rules rewritten for folded input:
//!
//! 1. **Case endings** are the folded image of Lucene's list, minus the
//!    endings that folding makes ambiguous with the end of a lemma:
//!    - `-ám` folds to `-am`, the end of *program* and *reklam*; dropped.
//!    - `-át` nouns (*stát*, *kandidát*, *certifikát*) fold onto the `-at`,
//!      `-ata`, `-aty`, `-atech`, `-atům` endings of the *kuře/kuřata*
//!      paradigm; that paradigm is dropped, it is rare in policy texts.
//!    - `-es`, `-os`, `-us` are no Czech case ending but the end of *proces*,
//!      *chaos*, *autobus*, whose other forms keep it (*procesu*); dropped,
//!      except `-ismus` → `-ism` (*rasismus*, *rasismu*).
//!    - `-ém` folds to `-em`, shared with the instrumental `-em`; nouns whose
//!      lemma ends so (*systém*, *problém*, *režim* for `-ím`) are listed in
//!      [`PROTECTED_ENDINGS`] and keep it.
//! 2. **Possessive** `-ov`, `-in`, `-ův` as in Lucene (*Prunéřov*,
//!    *dluhový*).
//! 3. **Normalization** of the stem's last letters, where Lucene applies one
//!    rule and stops, applies these in turn:
//!    - the fleeting `e` before the last consonant goes (*služeb*/*služby*,
//!      *obec*/*obce*, *počet*/*počtu*), but only in stems longer than three
//!      letters, so that *dět* does not shrink to *dt*;
//!    - palatalised endings go back to the hard consonant: `c` → `k`
//!      (*ruce*/*ruka*, *zaměstnanci*), `z` → `h`, `čt` → `ck`. Lucene's
//!      `št` → `sk` is dropped: folded, it would read `st` and merge *cesta*
//!      with *český* and *růst* with *ruský*;
//!    - `ů` before the last consonant becomes `o` (*dům*/*domu*), which on
//!      folded text reads `u` → `o` and applies to every stem, harmlessly
//!      for consistency since all forms of a word share that letter.
//!
//! The `stemmer_measurement` test of [`super`] compares this stemmer with
//! [`LuceneLightStemmer`] (Lucene's rules, kept faithful, on accented text)
//! and [`SnowballCzechStemmer`] (Snowball's Czech stemmer, via frostem),
//! both applied before folding; [`StemmerKind`] names the four choices. On
//! the two bundled reports (547 distinct words) all three merge about as
//! much (427, 428 and 430 keys; 539 unstemmed), but only this one gives a
//! word typed without accents the key of the accented word: 547 of 547
//! words, against 466 for Lucene's rules and 461 for Snowball.

use std::borrow::Cow;

use tantivy::tokenizer::{TokenFilter, Tokenizer};
use unicode_normalization::UnicodeNormalization;

use super::rewrite::{Rewrite, RewriteTokenizer};
use crate::ingest::text::fold;

/// Folded nouns whose lemma ends in what looks like a case ending (`-em`
/// from `-ém`, `-im` from `-ím`), so that *systému* would lose `-emu` and
/// *systém* `-em`. A word made of one of them and a case ending of their
/// paradigm keeps the lemma whole. Compounds (*ekosystém*) end the same way
/// and share the protection.
pub const PROTECTED_ENDINGS: &[&str] = &["system", "problem", "rezim"];

/// The case endings of the hard masculine inanimate nouns in
/// [`PROTECTED_ENDINGS`] (*systém, systému, systéme, systémem, systémy,
/// systémům, systémech*), folded.
const PROTECTED_CASE_ENDINGS: &[&str] = &["", "u", "e", "em", "y", "um", "ech"];

/// Which stemmer a chain uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StemmerKind {
    /// [`FoldedLightStemmer`] on folded text: the search default.
    FoldedLight,
    /// [`LuceneLightStemmer`] on lowercase accented text, then folded.
    LuceneLight,
    /// [`SnowballCzechStemmer`] on lowercase accented text, then folded.
    Snowball,
    /// No stemming: folded words.
    None,
}

impl StemmerKind {
    pub const ALL: [StemmerKind; 4] = [
        StemmerKind::FoldedLight,
        StemmerKind::LuceneLight,
        StemmerKind::Snowball,
        StemmerKind::None,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StemmerKind::FoldedLight => "folded-light",
            StemmerKind::LuceneLight => "lucene-light",
            StemmerKind::Snowball => "snowball",
            StemmerKind::None => "none",
        }
    }

    pub fn from_name(name: &str) -> Option<StemmerKind> {
        StemmerKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The index key of one word, as the chain of this kind computes it:
    /// what a word becomes in the index, whatever its case and accents.
    pub fn key(self, word: &str) -> String {
        match self {
            StemmerKind::FoldedLight => FoldedLightStemmer.stem(&fold(word)).into_owned(),
            StemmerKind::LuceneLight => fold(&LuceneLightStemmer.stem(&lower(word))),
            StemmerKind::Snowball => fold(&SnowballCzechStemmer::default().stem(&lower(word))),
            StemmerKind::None => fold(word),
        }
    }
}

fn lower(word: &str) -> String {
    word.nfc().flat_map(char::to_lowercase).collect()
}

/// The Czech light stemmer for folded text; see the module documentation.
///
/// Words that are not ASCII after folding (foreign letters such as `ł`,
/// `ß`, Cyrillic) and words with digits (`6x`, `2013`) are left alone: the
/// rules know nothing about them.
#[derive(Clone, Copy, Debug, Default)]
pub struct FoldedLightStemmer;

impl FoldedLightStemmer {
    /// Stems one folded (lowercase, accent-free) word.
    pub fn stem<'a>(&self, folded: &'a str) -> Cow<'a, str> {
        if !folded.is_ascii() || folded.bytes().any(|b| b.is_ascii_digit()) {
            return Cow::Borrowed(folded);
        }
        let mut s = folded.as_bytes().to_vec();
        s.truncate(folded_case_stem_len(&s));
        s.truncate(folded_possessive_stem_len(&s));
        folded_normalize(&mut s);
        if s == folded.as_bytes() {
            Cow::Borrowed(folded)
        } else {
            Cow::Owned(String::from_utf8(s).expect("rules only write ASCII"))
        }
    }
}

/// Case endings stripped from words longer than five letters.
const FOLDED_ENDINGS_3: &[&str] = &[
    "ech", "ich", "eho", "emi", "emu", "ete", "eti", "iho", "imi", "imu", "ach", "ych", "ama",
    "ami", "ove", "ovi", "ymi",
];

/// Case endings stripped from words longer than four letters.
const FOLDED_ENDINGS_2: &[&str] = &["em", "im", "um", "ym", "mi", "ou"];

fn folded_case_stem_len(s: &[u8]) -> usize {
    let len = s.len();
    let ends = |suffix: &str| s.ends_with(suffix.as_bytes());
    for lemma in PROTECTED_ENDINGS {
        if let Some(at) = s.windows(lemma.len()).rposition(|w| w == lemma.as_bytes()) {
            let lemma_end = at + lemma.len();
            let tail = &s[lemma_end..];
            if PROTECTED_CASE_ENDINGS.iter().any(|e| e.as_bytes() == tail) {
                return lemma_end;
            }
        }
    }
    if len > 6 && ends("ismus") {
        return len - 2;
    }
    if len > 6 && ends("etem") {
        return len - 4;
    }
    if len > 5 && FOLDED_ENDINGS_3.iter().any(|e| ends(e)) {
        return len - 3;
    }
    if len > 4 && FOLDED_ENDINGS_2.iter().any(|e| ends(e)) {
        return len - 2;
    }
    if len > 3 && matches!(s[len - 1], b'a' | b'e' | b'i' | b'o' | b'u' | b'y') {
        return len - 1;
    }
    len
}

fn folded_possessive_stem_len(s: &[u8]) -> usize {
    let len = s.len();
    if len > 5 && (s.ends_with(b"ov") || s.ends_with(b"in") || s.ends_with(b"uv")) {
        return len - 2;
    }
    len
}

fn folded_normalize(s: &mut Vec<u8>) {
    let len = s.len();
    if len > 3 && s[len - 2] == b'e' {
        s.remove(len - 2);
    }
    let len = s.len();
    if s.ends_with(b"ct") {
        s[len - 1] = b'k';
    } else if let Some(last) = s.last_mut() {
        match *last {
            b'c' => *last = b'k',
            b'z' => *last = b'h',
            _ => {}
        }
    }
    let len = s.len();
    if len > 2 && s[len - 2] == b'u' {
        s[len - 2] = b'o';
    }
}

impl Rewrite for FoldedLightStemmer {
    fn rewrite(&self, text: &mut String) {
        if let Cow::Owned(stem) = self.stem(text) {
            *text = stem;
        }
    }
}

impl TokenFilter for FoldedLightStemmer {
    type Tokenizer<T: Tokenizer> = RewriteTokenizer<Self, T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        RewriteTokenizer::new(self, tokenizer)
    }
}

/// Lucene's `CzechStemmer`, rule for rule, on lowercase accented text.
///
/// Kept faithful so that [`FoldedLightStemmer`] can be measured against the
/// published algorithm; its weakness for search is that a query typed
/// without accents does not meet its accented rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct LuceneLightStemmer;

impl LuceneLightStemmer {
    /// Stems one lowercase word with diacritics.
    pub fn stem(&self, word: &str) -> String {
        let mut s: Vec<char> = word.chars().collect();
        s.truncate(lucene_remove_case(&s));
        s.truncate(lucene_remove_possessives(&s));
        if !s.is_empty() {
            lucene_normalize(&mut s);
        }
        s.into_iter().collect()
    }
}

fn ends_with(s: &[char], suffix: &str) -> bool {
    let n = suffix.chars().count();
    s.len() >= n && s[s.len() - n..].iter().copied().eq(suffix.chars())
}

const LUCENE_ENDINGS_4: &[&str] = &["ětem", "etem", "atům"];
const LUCENE_ENDINGS_3: &[&str] = &[
    "ech", "ich", "ích", "ého", "ěmi", "emi", "ému", "ěte", "ete", "ěti", "eti", "ího", "iho",
    "ími", "ímu", "imu", "ách", "ata", "aty", "ých", "ama", "ami", "ové", "ovi", "ými",
];
const LUCENE_ENDINGS_2: &[&str] = &[
    "em", "es", "ém", "ím", "ům", "at", "ám", "os", "us", "ým", "mi", "ou",
];

fn lucene_remove_case(s: &[char]) -> usize {
    let len = s.len();
    let any = |list: &[&str]| list.iter().any(|e| ends_with(s, e));
    if len > 7 && ends_with(s, "atech") {
        return len - 5;
    }
    if len > 6 && any(LUCENE_ENDINGS_4) {
        return len - 4;
    }
    if len > 5 && any(LUCENE_ENDINGS_3) {
        return len - 3;
    }
    if len > 4 && any(LUCENE_ENDINGS_2) {
        return len - 2;
    }
    if len > 3
        && matches!(
            s[len - 1],
            'a' | 'e' | 'i' | 'o' | 'u' | 'ů' | 'y' | 'á' | 'é' | 'í' | 'ý' | 'ě'
        )
    {
        return len - 1;
    }
    len
}

fn lucene_remove_possessives(s: &[char]) -> usize {
    let len = s.len();
    if len > 5 && (ends_with(s, "ov") || ends_with(s, "in") || ends_with(s, "ův")) {
        return len - 2;
    }
    len
}

fn lucene_normalize(s: &mut Vec<char>) {
    let len = s.len();
    if ends_with(s, "čt") {
        s[len - 2] = 'c';
        s[len - 1] = 'k';
        return;
    }
    if ends_with(s, "št") {
        s[len - 2] = 's';
        s[len - 1] = 'k';
        return;
    }
    match s[len - 1] {
        'c' | 'č' => {
            s[len - 1] = 'k';
            return;
        }
        'z' | 'ž' => {
            s[len - 1] = 'h';
            return;
        }
        _ => {}
    }
    if len > 1 && s[len - 2] == 'e' {
        s.remove(len - 2);
        return;
    }
    if len > 2 && s[len - 2] == 'ů' {
        s[len - 2] = 'o';
    }
}

impl Rewrite for LuceneLightStemmer {
    fn rewrite(&self, text: &mut String) {
        *text = self.stem(text);
    }
}

impl TokenFilter for LuceneLightStemmer {
    type Tokenizer<T: Tokenizer> = RewriteTokenizer<Self, T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        RewriteTokenizer::new(self, tokenizer)
    }
}

/// Snowball's Czech stemmer (frostem) on lowercase accented text.
///
/// Aggressive: it also strips derivational suffixes, which merges more
/// forms and more unrelated words; see the measurement in [`super`].
#[derive(Clone, Copy)]
pub struct SnowballCzechStemmer {
    stemmer: frostem::Stemmer,
}

impl Default for SnowballCzechStemmer {
    fn default() -> Self {
        SnowballCzechStemmer {
            stemmer: frostem::Stemmer::new(frostem::Algorithm::Czech),
        }
    }
}

impl SnowballCzechStemmer {
    /// Stems one lowercase word with diacritics.
    pub fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        self.stemmer.stem(word)
    }
}

impl Rewrite for SnowballCzechStemmer {
    fn rewrite(&self, text: &mut String) {
        if let Cow::Owned(stem) = self.stem(text) {
            *text = stem;
        }
    }
}

impl TokenFilter for SnowballCzechStemmer {
    type Tokenizer<T: Tokenizer> = RewriteTokenizer<Self, T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        RewriteTokenizer::new(self, tokenizer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(word: &str) -> String {
        StemmerKind::FoldedLight.key(word)
    }

    /// Every word of each group must reach the same key, typed with or
    /// without accents.
    fn assert_conflate(group: &[&str]) {
        let first = key(group[0]);
        for word in group {
            assert_eq!(key(word), first, "{word} vs {}", group[0]);
            assert_eq!(key(&fold(word)), first, "{word} typed without accents");
        }
    }

    #[test]
    fn case_forms_of_report_words_conflate() {
        assert_conflate(&[
            "psycholog",
            "psychologa",
            "psychologové",
            "psychologů",
            "psychologům",
            "psychologem",
            "psychologovi",
            "psychology",
            "psychologech",
        ]);
        assert_conflate(&["školní", "školních", "školním", "školního", "školními"]);
        assert_conflate(&["bydlení", "bydlením"]);
        assert_conflate(&[
            "prostupné",
            "prostupného",
            "prostupném",
            "prostupný",
            "prostupná",
            "prostupnou",
            "prostupných",
            "prostupnému",
        ]);
        assert_conflate(&[
            "asistent",
            "asistentů",
            "asistenti",
            "asistenty",
            "asistenta",
            "asistentem",
            "asistentovi",
            "asistentech",
        ]);
        assert_conflate(&["děti", "dětí", "dětmi", "dětem", "dětech"]);
        assert_conflate(&["zaměstnávání", "zaměstnáváním"]);
        assert_conflate(&["služby", "služeb", "službách", "službami"]);
        assert_conflate(&["obec", "obce", "obci", "obcí", "obcemi"]);
        assert_conflate(&["zaměstnanec", "zaměstnance", "zaměstnanci", "zaměstnanců"]);
        assert_conflate(&["byt", "bytu", "byty", "bytů", "bytech", "bytem"]);
        assert_conflate(&["dům", "domu", "domy", "domů", "domech"]);
        assert_conflate(&["centrum", "centra", "centru", "centrem"]);
        assert_conflate(&["Prunéřov", "Prunéřově", "Prunéřovem"]);
        assert_conflate(&["systém", "systému", "systémem", "systémy", "systémech"]);
        assert_conflate(&["ekosystém", "ekosystému", "ekosystémem"]);
        assert_conflate(&["problém", "problému", "problémy"]);
        assert_conflate(&["režim", "režimu", "režimem"]);
        assert_conflate(&["proces", "procesu", "procesem", "procesy"]);
        assert_conflate(&["program", "programu", "programy", "programech"]);
        assert_conflate(&["stát", "státu", "státy", "státech"]);
        assert_conflate(&["OSPOD", "OSPODu"]);
        assert_conflate(&["dluh", "dluhové", "dluhovou"]);
    }

    #[test]
    fn different_words_stay_apart() {
        for (a, b) in [
            ("byt", "bytost"),
            ("byt", "bytový"),
            ("cesta", "český"),
            ("škola", "školní"),
            ("kandidát", "kandid"),
            ("děti", "dítě"),
            ("sociální", "sociolog"),
        ] {
            assert_ne!(key(a), key(b), "{a} / {b}");
        }
    }

    #[test]
    fn folded_light_stems() {
        let s = FoldedLightStemmer;
        assert_eq!(s.stem("psychologu"), "psycholog");
        assert_eq!(s.stem("skolnich"), "skoln");
        assert_eq!(s.stem("bydlenim"), "bydln");
        assert_eq!(s.stem("detmi"), "det");
        assert_eq!(s.stem("zamestnanci"), "zamestnank");
        assert_eq!(s.stem("rasismus"), "rasism");
        // Words the rules know nothing about.
        assert_eq!(s.stem("2013"), "2013");
        assert_eq!(s.stem("6x"), "6x");
        assert_eq!(s.stem("łódź"), "łódź");
        assert_eq!(s.stem("zs"), "zs");
    }

    #[test]
    fn lucene_light_follows_the_published_rules() {
        let s = LuceneLightStemmer;
        for word in [
            "pán", "páni", "pánové", "pána", "pánů", "pánovi", "pánům", "pánem",
        ] {
            assert_eq!(s.stem(word), "pán", "{word}");
        }
        for word in ["muž", "muži", "muže", "mužů", "mužům", "mužích", "mužem"] {
            assert_eq!(s.stem(word), "muh", "{word}");
        }
        for word in ["kost", "kosti", "kostí", "kostem", "kostech", "kostmi"] {
            assert_eq!(s.stem(word), "kost", "{word}");
        }
        assert_eq!(s.stem("píseň"), "písň");
        assert_eq!(s.stem("čeští"), "česk");
        assert_eq!(s.stem("český"), "česk");
        assert_eq!(s.stem("angličtí"), "anglick");
        assert_eq!(s.stem("kuřatech"), "kuř");
        assert_eq!(s.stem("psychologů"), "psycholog");
        // Its blind spot: the same word typed without accents.
        assert_ne!(s.stem("školních"), s.stem("skolnich"));
    }

    #[test]
    fn snowball_stems_accented_text() {
        let s = SnowballCzechStemmer::default();
        assert_eq!(s.stem("psychologů"), s.stem("psychologové"));
        assert_eq!(
            StemmerKind::Snowball.key("Asistentů"),
            StemmerKind::Snowball.key("asistenti")
        );
    }

    #[test]
    fn every_kind_keys_case_and_accents_alike() {
        for kind in StemmerKind::ALL {
            assert_eq!(
                kind.key("Školních"),
                kind.key("školních"),
                "{}",
                kind.name()
            );
        }
        assert_eq!(StemmerKind::None.key("Školních"), "skolnich");
    }
}
