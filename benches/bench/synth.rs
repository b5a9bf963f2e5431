//! Deterministic synthetic measures and the query mix.
//!
//! Everything here is a pure function of the bundled data and a fixed seed,
//! drawn from [`SplitMix64`] (written out here so the numbers cannot change
//! with a dependency's version): the same sizes give the same measures and
//! the same queries in every run, in every process, and for Lucene.
//!
//! - **Text**: fragments of the 113 real measures (split at top-level
//!   commas, semicolons, dashes and " a "), two or three recombined, with
//!   their numbers redrawn, so every inflected Czech word with its
//!   diacritics occurs, in new company.
//! - **Towns**: 6,000 (about the number of Czech municipalities): the
//!   gazetteer's real towns and Czech-looking names made of real roots,
//!   endings and prefixes (Horní Lhota, Nové Kamenice, Dubany nad Ohří), each
//!   in a region drawn by its real number of municipalities; measures pick
//!   towns with a Zipf-like skew (exponent 0.8), so a few towns have tens of
//!   thousands of measures and most a handful. 3 % of measures belong to two
//!   towns of one region, as "Teplá a Toužim" does.
//! - **Periods**: 20, 2005-2008 … 2024-2027.
//! - **Categories**: those of the real measures the fragments came from.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use opatreni::ingest::text::{fold, slug};
use opatreni::ingest::{Corpus, Measure, Source, YearMonth};

pub const SEED: u64 = 0x6f70_6174_7265_6e69; // "opatreni"
pub const TOWNS: usize = 6_000;
pub const PERIODS: u16 = 20;
pub const FIRST_PERIOD_YEAR: u16 = 2005;

/// splitmix64 (Steele, Lea & Flood 2014), as in Java's `SplittableRandom`.
#[derive(Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Draws indices with the given weights.
struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }

    fn draw(&self, rng: &mut SplitMix64) -> usize {
        let total = *self.cumulative.last().expect("weights");
        let x = rng.unit() * total;
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.cumulative.len() - 1)
    }
}

/// A piece of a real measure's text.
struct Fragment {
    text: String,
    /// The real measure it came from (for its categories).
    source: usize,
}

/// What synthetic measures are made of: the real collection, cut up.
pub struct Material {
    pub real: Corpus,
    fragments: Vec<Fragment>,
    /// Per real measure, its content words (for queries).
    words: Vec<Vec<String>>,
}

/// Words too common or too empty to be what someone searches for.
const STOPWORDS: &[&str] = &[
    "pro",
    "při",
    "nad",
    "pod",
    "mezi",
    "jejich",
    "který",
    "která",
    "které",
    "kteří",
    "také",
    "nebo",
    "jako",
    "podle",
    "jsou",
    "byl",
    "byla",
    "bylo",
    "byly",
    "této",
    "tohoto",
    "těchto",
    "všech",
    "další",
    "dalších",
    "rámci",
    "roce",
    "letech",
    "toho",
    "nich",
    "něj",
    "jen",
    "již",
    "až",
    "což",
    "tak",
    "než",
    "však",
    "the",
    "and",
];

impl Material {
    pub fn load(data_dir: &Path) -> Self {
        let real = opatreni::ingest::import(data_dir)
            .unwrap_or_else(|problems| panic!("the bundled data does not import: {problems}"));
        let mut fragments = Vec::new();
        let mut words = Vec::new();
        for (source, m) in real.measures.iter().enumerate() {
            for text in split_fragments(&m.text) {
                if text.chars().filter(|c| c.is_alphabetic()).count() >= 3 {
                    fragments.push(Fragment { text, source });
                }
            }
            words.push(
                m.text
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| {
                        w.chars().count() >= 3
                            && w.chars().any(char::is_alphabetic)
                            && !w.chars().any(|c| c.is_ascii_digit())
                            && !STOPWORDS.contains(&w.to_lowercase().as_str())
                    })
                    .map(str::to_lowercase)
                    .collect(),
            );
        }
        Material {
            real,
            fragments,
            words,
        }
    }

    /// The collection of `size` measures: the real one for 113 (its size),
    /// synthetic otherwise.
    pub fn corpus(&self, size: usize) -> Corpus {
        if size == self.real.measures.len() {
            return self.real.clone();
        }
        Corpus {
            reports: vec!["synthetic".to_owned()],
            measures: self.generate(size, SEED),
            gazetteer: self.real.gazetteer.clone(),
            taxonomy: self.real.taxonomy.clone(),
        }
    }

    /// `n` synthetic measures, the same for the same `n` and `seed`.
    pub fn generate(&self, n: usize, seed: u64) -> Vec<Measure> {
        let mut rng = SplitMix64::new(seed);
        let towns = Towns::generate(&self.real, &mut rng);
        let zipf = Weighted::new((0..towns.names.len()).map(|r| 1.0 / ((r + 1) as f64).powf(0.8)));
        let categories = &self.real.taxonomy.categories;
        let mut per_heading: HashMap<(u32, u32, u16), u32> = HashMap::new();
        let mut measures = Vec::with_capacity(n);
        for i in 0..n {
            let town = zipf.draw(&mut rng);
            let second = if rng.chance(0.03) {
                let same = &towns.by_region[towns.region[town]];
                Some(*rng.pick(same)).filter(|&t| t != town)
            } else {
                None
            };
            let names: Vec<String> = std::iter::once(town)
                .chain(second)
                .map(|t| towns.names[t].clone())
                .collect();
            let heading = names.join(" a ");
            let start = FIRST_PERIOD_YEAR + rng.below(usize::from(PERIODS)) as u16;
            let period = format!("{}-{}", start, start + 3);
            let seq = per_heading
                .entry((town as u32, second.map_or(u32::MAX, |t| t as u32), start))
                .or_insert(0);
            *seq += 1;
            let id = format!("{period}-{}-{:02}", towns.slugs_of(town, second), seq);

            let parts = match rng.below(20) {
                0..=8 => 1,
                9..=16 => 2,
                _ => 3,
            };
            let mut text = String::new();
            let mut sources = BTreeSet::new();
            let mut used = Vec::new();
            for p in 0..parts {
                let fragment = rng.pick(&self.fragments);
                if p > 0 {
                    text.push_str(match rng.below(20) {
                        0..=11 => ", ",
                        12..=16 => " a ",
                        _ => "; ",
                    });
                }
                let start = text.len();
                redraw_numbers(&fragment.text, &mut rng, &mut text);
                used.push(start..text.len());
                // The first fragment's categories, and sometimes the others'.
                if p == 0 || rng.chance(0.4) {
                    sources.insert(fragment.source);
                }
            }
            let key_phrases = if rng.chance(0.35) {
                let range = rng.pick(&used).clone();
                key_phrase(&text[range], &mut rng).into_iter().collect()
            } else {
                Vec::new()
            };
            let mut cats: Vec<String> = categories
                .iter()
                .filter(|c| {
                    sources
                        .iter()
                        .any(|&s| self.real.measures[s].categories.contains(&c.slug))
                })
                .map(|c| c.slug.clone())
                .collect();
            if cats.len() > 3 {
                // At most three, as the real measures have: keep a stable
                // random three, in taxonomy order.
                while cats.len() > 3 {
                    let drop = rng.below(cats.len());
                    cats.remove(drop);
                }
            }
            let region = &towns.regions[towns.region[town]];
            measures.push(Measure {
                id,
                towns: names,
                heading,
                region: region.slug.clone(),
                region_label: region.label.clone(),
                localities: Vec::new(),
                period,
                period_from: YearMonth {
                    year: start,
                    month: 6,
                },
                period_to: YearMonth {
                    year: start + 3,
                    month: 6,
                },
                text,
                key_phrases,
                categories: cats,
                source: Source {
                    file: "synthetic".to_owned(),
                    line: i + 1,
                },
            });
        }
        measures
    }

    /// The query mix over `corpus`: the judged queries, then generated ones
    /// up to `total`, shuffled; every third gets a town and period filter
    /// taken from a measure of `corpus`, so the filter matches something.
    pub fn queries(&self, judged: &[String], corpus: &[Measure], total: usize) -> Vec<BenchQuery> {
        let mut rng = SplitMix64::new(SEED ^ 0x0071_7565_7269_6573); // "queries"
        let mut texts: Vec<(String, &'static str)> =
            judged.iter().map(|q| (q.clone(), "judged")).collect();
        while texts.len() < total {
            let words = rng.pick(&self.words);
            if words.is_empty() {
                continue;
            }
            let n = match rng.below(20) {
                0..=7 => 1,
                8..=14 => 2,
                _ => 3,
            }
            .min(words.len());
            let start = rng.below(words.len() - n + 1);
            let q = words[start..start + n].join(" ");
            if rng.chance(0.5) {
                let folded = fold(&q);
                let kind = if folded == q { "ascii" } else { "folded" };
                texts.push((folded, kind));
            } else {
                let kind = if q.is_ascii() { "ascii" } else { "diacritics" };
                texts.push((q, kind));
            }
        }
        texts.truncate(total.max(judged.len()));
        // Fisher–Yates.
        for i in (1..texts.len()).rev() {
            let j = rng.below(i + 1);
            texts.swap(i, j);
        }
        texts
            .into_iter()
            .enumerate()
            .map(|(i, (q, kind))| {
                let (town, period) = if i % 3 == 0 {
                    let m = rng.pick(corpus);
                    (Some(m.towns[0].clone()), Some(m.period.clone()))
                } else {
                    (None, None)
                };
                BenchQuery {
                    q,
                    kind,
                    town,
                    period,
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchQuery {
    pub q: String,
    /// `judged`, `diacritics`, `folded` or `ascii` (generated, no
    /// diacritics to fold).
    pub kind: &'static str,
    pub town: Option<String>,
    pub period: Option<String>,
}

/// Splits a measure's text at top-level `, `, `; `, ` – ` and ` a `
/// (not inside parentheses, so none is left half open).
fn split_fragments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
        // Every separator starts with an ASCII byte, a char boundary.
        if depth == 0 && bytes[i].is_ascii() {
            let rest = &text[i..];
            let sep = [", ", "; ", " – ", " a "]
                .into_iter()
                .find(|s| rest.starts_with(s));
            if let Some(sep) = sep {
                out.push(text[start..i].trim().to_owned());
                i += sep.len();
                start = i;
                continue;
            }
        }
        i += 1;
    }
    out.push(text[start..].trim().to_owned());
    out.retain(|f| !f.is_empty());
    out
}

/// Copies `fragment` into `out` with every number redrawn: a year stays a
/// plausible year, other numbers keep their number of digits.
fn redraw_numbers(fragment: &str, rng: &mut SplitMix64, out: &mut String) {
    let mut chars = fragment.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !c.is_ascii_digit() {
            out.push(c);
            continue;
        }
        let mut end = i + 1;
        while let Some(&(j, d)) = chars.peek() {
            if !d.is_ascii_digit() {
                break;
            }
            end = j + 1;
            chars.next();
        }
        let digits = &fragment[i..end];
        if digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20")) {
            out.push_str(&(2005 + rng.below(23)).to_string());
        } else if digits.len() <= 6 {
            let low = 10usize.pow(digits.len() as u32 - 1);
            let n = low + rng.below(9 * low);
            out.push_str(&n.to_string());
        } else {
            out.push_str(digits);
        }
    }
}

/// Two or three neighbouring words of `text`, as a report sets a key
/// phrase in bold.
fn key_phrase(text: &str, rng: &mut SplitMix64) -> Option<String> {
    let words: Vec<&str> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() < 2 {
        return words.first().map(|w| w.to_string());
    }
    let n = (2 + rng.below(2)).min(words.len());
    let start = rng.below(words.len() - n + 1);
    let mut phrase = &words[start..start + n];
    // Not ending on a preposition ("začleňování v").
    while phrase.len() > 1 && phrase[phrase.len() - 1].chars().count() <= 2 {
        phrase = &phrase[..phrase.len() - 1];
    }
    Some(phrase.join(" "))
}

/// The synthetic municipalities.
struct Towns {
    names: Vec<String>,
    slugs: Vec<String>,
    /// Index into `regions`, per town.
    region: Vec<usize>,
    regions: Vec<opatreni::ingest::Region>,
    by_region: Vec<Vec<usize>>,
}

/// Municipalities per region (Czech Statistical Office, 2023): the weights
/// of the regions synthetic towns lie in.
const MUNICIPALITIES: &[(&str, f64)] = &[
    // Prague is one municipality of 57 districts (městské části).
    ("praha", 57.0),
    ("stredocesky", 1144.0),
    ("jihocesky", 624.0),
    ("plzensky", 501.0),
    ("karlovarsky", 134.0),
    ("ustecky", 354.0),
    ("liberecky", 215.0),
    ("kralovehradecky", 448.0),
    ("pardubicky", 451.0),
    ("vysocina", 704.0),
    ("jihomoravsky", 673.0),
    ("olomoucky", 402.0),
    ("zlinsky", 307.0),
    ("moravskoslezsky", 300.0),
];

#[derive(Clone, Copy, PartialEq)]
enum Gender {
    Masculine,
    Feminine,
    Plural,
    Neuter,
}

const ROOTS: &[&str] = &[
    "Hrad", "Kamen", "Lip", "Dub", "Břez", "Bystř", "Kostel", "Olš", "Topol", "Jablon", "Lub",
    "Chlum", "Hol", "Bor", "Luk", "Mlýn", "Rad", "Slav", "Dobr", "Vlk", "Vrb", "Trn", "Jez",
    "Dvor", "Hum", "Kunr", "Lhot", "Ples", "Roud", "Skal", "Stud", "Svat", "Věž", "Zahr", "Žďár",
    "Bělč", "Buk", "Cer", "Dol", "Hruš", "Kruš", "Lom", "Most", "Ostr", "Pas", "Přib", "Rožm",
    "Sed", "Sob", "Stráž", "Třeb", "Uhl", "Vel", "Vrch", "Zbr", "Klad", "Kroč", "Pol", "Mokr",
    "Bran", "Host", "Chot", "Jíl", "Kojet", "Libě", "Nech", "Pět", "Rudn", "Stach", "Tuř", "Bušt",
    "Dlouh", "Hlub", "Kralov", "Lit", "Miro", "Neč", "Pisk", "Sloup", "Vojn",
];

const ENDINGS: &[(&str, Gender)] = &[
    ("ov", Gender::Masculine),
    ("ín", Gender::Masculine),
    ("ec", Gender::Masculine),
    ("ník", Gender::Masculine),
    ("ná", Gender::Feminine),
    ("ka", Gender::Feminine),
    ("ice", Gender::Plural),
    ("ovice", Gender::Plural),
    ("any", Gender::Plural),
    ("nice", Gender::Plural),
    ("ovy", Gender::Plural),
    ("iště", Gender::Neuter),
    ("no", Gender::Neuter),
];

const STANDALONE: &[(&str, Gender)] = &[
    ("Lhota", Gender::Feminine),
    ("Lhotka", Gender::Feminine),
    ("Ves", Gender::Feminine),
    ("Hora", Gender::Feminine),
    ("Újezd", Gender::Masculine),
    ("Dvůr", Gender::Masculine),
    ("Mlýn", Gender::Masculine),
    ("Dvory", Gender::Plural),
    ("Hamry", Gender::Plural),
    ("Pole", Gender::Neuter),
];

fn prefixes(gender: Gender) -> &'static [&'static str] {
    match gender {
        Gender::Masculine => &[
            "Horní",
            "Dolní",
            "Nový",
            "Starý",
            "Velký",
            "Malý",
            "Český",
            "Moravský",
        ],
        Gender::Feminine => &[
            "Horní",
            "Dolní",
            "Nová",
            "Stará",
            "Velká",
            "Malá",
            "Česká",
            "Moravská",
        ],
        Gender::Plural | Gender::Neuter => &[
            "Horní",
            "Dolní",
            "Nové",
            "Staré",
            "Velké",
            "Malé",
            "České",
            "Moravské",
        ],
    }
}

const RIVERS: &[&str] = &[
    "nad Labem",
    "nad Ohří",
    "nad Sázavou",
    "nad Vltavou",
    "nad Orlicí",
    "nad Jizerou",
    "nad Moravou",
    "nad Odrou",
    "pod Radhoštěm",
    "pod Sněžníkem",
    "u Brna",
    "u Jihlavy",
];

impl Towns {
    fn generate(real: &Corpus, rng: &mut SplitMix64) -> Towns {
        let regions = real.gazetteer.regions.clone();
        let region_of = |slug: &str| regions.iter().position(|r| r.slug == slug);
        let weights = Weighted::new(regions.iter().map(|r| {
            MUNICIPALITIES
                .iter()
                .find(|(s, _)| *s == r.slug)
                .map_or(100.0, |(_, w)| *w)
        }));
        let mut names = Vec::with_capacity(TOWNS);
        let mut region = Vec::with_capacity(TOWNS);
        let mut seen = HashSet::new();
        for town in real.gazetteer.towns() {
            if seen.insert(slug(&town.name)) {
                names.push(town.name.clone());
                region.push(region_of(&town.region.slug).unwrap_or(0));
            }
        }
        while names.len() < TOWNS {
            let (base, gender) = if rng.chance(0.12) {
                let (name, gender) = *rng.pick(STANDALONE);
                (name.to_owned(), gender)
            } else {
                let (ending, gender) = *rng.pick(ENDINGS);
                (format!("{}{ending}", rng.pick(ROOTS)), gender)
            };
            let mut name = if rng.chance(0.45) {
                format!("{} {base}", rng.pick(prefixes(gender)))
            } else {
                base
            };
            if rng.chance(0.08) {
                name = format!("{name} {}", rng.pick(RIVERS));
            }
            if seen.insert(slug(&name)) {
                names.push(name);
                region.push(weights.draw(rng));
            }
        }
        // The Zipf rank is the order: shuffle so that the big towns are not
        // the real ones and not all alike.
        let mut order: Vec<usize> = (0..names.len()).collect();
        for i in (1..order.len()).rev() {
            let j = rng.below(i + 1);
            order.swap(i, j);
        }
        let names: Vec<String> = order.iter().map(|&i| names[i].clone()).collect();
        let region: Vec<usize> = order.iter().map(|&i| region[i]).collect();
        let mut by_region = vec![Vec::new(); regions.len()];
        for (t, &r) in region.iter().enumerate() {
            by_region[r].push(t);
        }
        Towns {
            slugs: names.iter().map(|n| slug(n)).collect(),
            names,
            region,
            regions,
            by_region,
        }
    }

    fn slugs_of(&self, town: usize, second: Option<usize>) -> String {
        match second {
            Some(s) => format!("{}-a-{}", self.slugs[town], self.slugs[s]),
            None => self.slugs[town].clone(),
        }
    }
}

#[derive(serde::Deserialize)]
struct Judgements {
    query: Vec<JudgedQuery>,
}

#[derive(serde::Deserialize)]
struct JudgedQuery {
    q: String,
}

/// The judged queries of the retrieval evaluation.
pub fn judged_queries(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    toml::from_str::<Judgements>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .query
        .into_iter()
        .map(|q| q.q)
        .collect()
}
