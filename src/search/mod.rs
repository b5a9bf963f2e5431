//! Search: ranked, faceted queries over an index generation.
//!
//! [`Searcher`] answers every question the API asks (search, one measure,
//! facets, facet values, suggestions) in domain terms; it knows nothing of
//! HTTP. Invalid input is a [`SearchError`] naming the parameter, so that a
//! front end can say what to fix.

pub mod bits;
mod bytes;
pub mod champions;
pub mod counts;
pub mod execute;
pub mod facets;
pub mod highlight;
pub mod json;
pub mod kept;
pub mod live;
pub mod matching;
pub mod plan;
pub mod query;
mod rank;
pub mod suggest;
pub mod typo;
pub mod watch;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{IndexReader, ReloadPolicy, TantivyDocument, Term};

use crate::analysis::Synonyms;
use crate::index::{Generation, Label, Meta};
use crate::ingest::Measure;
use crate::ingest::text::{fold, folded_words};
pub use counts::{Counted, FacetCount, FacetCounts, FacetNames};
pub use facets::{
    Collected, Comparison, Facet, FacetTables, FacetValues, Literal, Selection, YearBound,
};
use kept::Recent;
pub use query::UserQuery;
pub use suggest::{Suggester, Suggestion};

/// Limits on what a client may ask, so no request can be expensive.
pub const MAX_LIMIT: usize = 100;
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_OFFSET: usize = 10_000;
pub const MAX_QUERY_CHARS: usize = 500;
pub const MAX_SUGGESTIONS: usize = 20;
pub const DEFAULT_SUGGESTIONS: usize = 8;
/// How many recent answers a searcher keeps.
const ANSWERS_CACHED: usize = 1024;

/// How many recent queries' plans a searcher keeps: as many as answers.
const PLANS_CACHED: usize = ANSWERS_CACHED;

/// From this many hits to read on one page, they are read side by side.
const READ_SIDE_BY_SIDE_FROM: usize = 4;

/// How many measures shown in hits are kept read and analysed.
const SHOWN_CACHED: usize = 4096;

/// A measure as a hit shows it: its fields, shared by every hit made
/// from it, and its text's words.
struct Shown {
    fields: Arc<HitFields>,
    words: highlight::Words,
}

impl Shown {
    fn new(measure: Measure, words: highlight::Words) -> Self {
        let fields = HitFields {
            id: measure.id,
            towns: measure.towns,
            region: measure.region,
            period: measure.period,
            categories: measure.categories,
            text: measure.text,
            json: None,
        };
        Shown {
            fields: Arc::new(fields.written()),
            words,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("{message}")]
    InvalidParameter {
        parameter: &'static str,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("search failed: {0}")]
    Internal(String),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError::Internal(e.to_string())
    }
}

fn invalid(parameter: &'static str, message: impl Into<String>) -> SearchError {
    SearchError::InvalidParameter {
        parameter,
        message: message.into(),
    }
}

/// Filters shared by `/search` and facet value search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filters {
    pub town: Vec<String>,
    pub period: Vec<String>,
    pub category: Vec<String>,
    pub region: Vec<String>,
    pub year: Option<u16>,
}

impl Filters {
    fn of(&self, facet: Facet) -> &[String] {
        match facet {
            Facet::Town => &self.town,
            Facet::Period => &self.period,
            Facet::Category => &self.category,
            Facet::Region => &self.region,
        }
    }
}

/// A condition in the terms of an API that states filters as a formula
/// (Algolia's `facetFilters` and `numericFilters`): counted conjunctively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Condition {
    Facet {
        facet: Facet,
        value: String,
        negated: bool,
    },
    Year {
        bound: YearBound,
        op: Comparison,
        value: u16,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchRequest {
    pub q: String,
    /// Facet filters as `/search` takes them, counted disjunctively.
    pub filters: Filters,
    /// Further conditions, an AND of ORs, that every hit and every count
    /// meets.
    pub conditions: Vec<Vec<Condition>>,
    pub limit: usize,
    pub offset: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            q: String::new(),
            filters: Filters::default(),
            conditions: Vec::new(),
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

/// One measure of an answer: its stored fields (read through `Deref`),
/// its highlight and its score. The fields are one value shared with the
/// searcher's cache of shown measures (and with every other answer
/// showing it), so a hit costs its highlight, not a copy of its record:
/// copying the records was 3% of a fresh search of the bundled
/// collection, and freeing the copies as the answer cache let answers go
/// about as much again in the server. They are shared as one value, not
/// field by field: a page of ten hits sharing seven values each counted
/// 70 references up, and later down again, on as many lines of memory,
/// which the server's threads took from each other.
#[derive(Debug, Clone)]
pub struct Hit {
    fields: Arc<HitFields>,
    pub highlight: String,
    pub score: f64,
}

/// A measure's fields as its hits show them.
#[derive(Clone, PartialEq)]
pub struct HitFields {
    pub id: String,
    pub towns: Vec<String>,
    pub region: String,
    pub period: String,
    pub categories: Vec<String>,
    pub text: String,
    /// The fields as JSON, written once ([`json::hit_fields`]), or `None`
    /// (written with each answer).
    json: Option<Box<[u8]>>,
}

/// The fields as a reader knows them: their written JSON repeats them,
/// as bytes.
impl std::fmt::Debug for HitFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HitFields")
            .field("id", &self.id)
            .field("towns", &self.towns)
            .field("region", &self.region)
            .field("period", &self.period)
            .field("categories", &self.categories)
            .field("text", &self.text)
            .finish_non_exhaustive()
    }
}

impl HitFields {
    /// The fields with their JSON written, for answers to copy.
    fn written(mut self) -> Self {
        self.json = Some(json::hit_fields(&self));
        self
    }
}

impl Hit {
    fn new(fields: Arc<HitFields>, highlight: String, score: f64) -> Self {
        Hit {
            fields,
            highlight,
            score,
        }
    }
}

impl std::ops::Deref for Hit {
    type Target = HitFields;

    fn deref(&self) -> &HitFields {
        &self.fields
    }
}

impl Serialize for Hit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Hit", 8)?;
        out.serialize_field("id", &self.id)?;
        out.serialize_field("towns", &self.towns)?;
        out.serialize_field("region", &self.region)?;
        out.serialize_field("period", &self.period)?;
        out.serialize_field("categories", &self.categories)?;
        out.serialize_field("text", &self.text)?;
        out.serialize_field("highlight", &self.highlight)?;
        out.serialize_field("score", &self.score)?;
        out.end()
    }
}

// The shape `Hit` serialises to, for the OpenAPI document, whose
// description is the doc comment below.
/// One measure of an answer: its stored fields, its text (or a fragment
/// of a long one) with the matched words marked, and its score.
#[derive(utoipa::ToSchema)]
#[schema(as = Hit)]
#[allow(dead_code)]
struct HitSchema {
    id: String,
    towns: Vec<String>,
    region: String,
    period: String,
    categories: Vec<String>,
    text: String,
    highlight: String,
    score: f64,
}

impl utoipa::PartialSchema for Hit {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <HitSchema as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for Hit {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Hit")
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResponse {
    pub query: String,
    pub total: u64,
    pub took_ms: f64,
    // Shared, as the facet counts are, so that an answer is cheap to clone:
    // the cache of recent answers clones each answer it keeps and each it
    // gives, and a deep copy was a twelfth of a fresh search of the
    // bundled collection and most of a repeated one.
    #[schema(value_type = Vec<Hit>)]
    pub hits: Arc<[Hit]>,
    pub facets: FacetCounts,
}

/// An answer kept for the requests to come, and its JSON once a request
/// asked for it.
struct Answer {
    response: SearchResponse,
    json: std::sync::OnceLock<json::AnswerJson>,
}

impl Answer {
    fn json(&self) -> &json::AnswerJson {
        self.json
            .get_or_init(|| json::AnswerJson::of(&self.response))
    }

    fn into_json(self) -> json::AnswerJson {
        let Answer { response, json } = self;
        json.into_inner()
            .unwrap_or_else(|| json::AnswerJson::of(&response))
    }
}

/// A facet's folded values and the positions of the values each folds.
type FoldedValues = HashMap<String, Vec<usize>, foldhash::fast::RandomState>;

/// A searcher over one generation. Cheap to share behind an `Arc`.
pub struct Searcher {
    reader: IndexReader,
    generation: Generation,
    synonyms: Synonyms,
    facets: Arc<FacetTables>,
    /// Per facet: folded value → positions, for case- and
    /// diacritics-insensitive filters (hashed as the caches hash: SipHash
    /// is for maps whose keys an attacker picks to collide, and these keys
    /// are the collection's own).
    folded_values: [FoldedValues; 4],
    /// Every facet's values and labels, which answers name their counts by.
    names: Arc<FacetNames>,
    suggester: Suggester,
    /// Facet counts of the whole collection, once asked for.
    everything: std::sync::OnceLock<[Vec<u64>; 4]>,
    /// Recent answers. Front ends repeat requests (every page load asks for
    /// the whole collection, every keystroke for a prefix already typed),
    /// and a generation never changes, so an answer stays right for the
    /// searcher's life; a rebuild makes a new searcher with an empty cache.
    /// An answer is kept the second time it is asked for (see
    /// [`Recent::kept_on_second_sight`]).
    answers: Recent<SearchRequest, Arc<Answer>>,
    /// Recent queries' plans, by the query as typed. A front end asks the
    /// same query again with a facet ticked or on the next page, each a
    /// new answer but the same plan, and planning (analysing the words,
    /// correcting typos, finding synonyms and each form's statistics) was a
    /// third of a fresh search of the bundled collection.
    ///
    /// Kept the second time a query comes, as answers are
    /// ([`Recent::kept_on_second_sight`]): most query texts come once (a
    /// prefix typed on the way to a word), and a plan kept is freed again
    /// a thousand queries later, when nothing of it is in the processor's
    /// caches. Freeing it then (its matching tree, its forms, its share of
    /// the terms' entries) cost more than planning a query again: with
    /// plans kept on first sight, a new search of the benchmark's mix ran
    /// 8% more instructions and missed the level-2 cache for data 11% more
    /// often (README "Benchmarks"). A query's second request is planned again,
    /// from the words' analysis and the terms' statistics that every plan
    /// shares.
    plans: Recent<String, Arc<plan::Plan>>,
    /// Measures shown recently, read from the store and analysed for
    /// highlighting: a fresh query's hits are mostly measures other
    /// queries showed, and reading and analysing them was most of a
    /// search of a small collection.
    shown: Recent<tantivy::DocAddress, Arc<Shown>>,
    analyzers: plan::Analyzers,
    vocabularies: plan::Vocabularies,
    /// The free words of recent queries, planned.
    free_words: plan::FreeWords,
    /// One thread per core, for searching a large collection's segments
    /// side by side.
    executor: tantivy::Executor,
    /// Where each term's postings are and how it scores, found as queries
    /// need it.
    terms: rank::TermCache,
    /// The sets of measures with a common term, decoded as queries need
    /// them.
    dense: matching::DenseSets,
    /// The best measures of common rankings, found as queries need them.
    champions: champions::Champions,
}

impl Searcher {
    pub fn open(generation: Generation) -> Result<Self, SearchError> {
        let reader = generation
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let tables = FacetTables::load(&searcher)?;
        let facets = &tables.values;
        let folded_values = std::array::from_fn(|f| {
            let mut map = FoldedValues::default();
            for (position, value) in facets[f].values.iter().enumerate() {
                map.entry(fold(value)).or_default().push(position);
            }
            map
        });
        let labels = std::array::from_fn(|f| {
            let named: &[Label] = match Facet::ALL[f] {
                Facet::Category => &generation.meta.categories,
                Facet::Region => &generation.meta.regions,
                Facet::Town | Facet::Period => &[],
            };
            facets[f]
                .values
                .iter()
                .map(|value| {
                    named
                        .iter()
                        .find(|l| &l.value == value)
                        .map(|l| l.label.clone())
                })
                .collect()
        });
        let names = Arc::new(FacetNames::new(
            std::array::from_fn(|f| facets[f].values.clone()),
            labels,
        ));
        let suggester = Suggester::load(&searcher, &generation.fields)?;
        let vocabularies = plan::Vocabularies {
            folded: typo::Vocabulary::load(&searcher, generation.fields.text_folded)?,
            stems: typo::Vocabulary::load(&searcher, generation.fields.text_stem)?,
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let executor = if threads > 1 {
            tantivy::Executor::multi_thread(threads, "opatreni-search-")?
        } else {
            tantivy::Executor::single_thread()
        };
        Ok(Searcher {
            executor,
            terms: rank::TermCache::default(),
            dense: matching::DenseSets::default(),
            champions: champions::Champions::default(),
            everything: std::sync::OnceLock::new(),
            answers: Recent::kept_on_second_sight(ANSWERS_CACHED),
            plans: Recent::kept_on_second_sight(PLANS_CACHED),
            shown: Recent::new(SHOWN_CACHED),
            vocabularies,
            free_words: plan::FreeWords::default(),
            analyzers: plan::Analyzers::of(&generation.index, generation.chains),
            reader,
            synonyms: generation.synonyms.clone(),
            generation,
            facets: Arc::new(tables),
            folded_values,
            names,
            suggester,
        })
    }

    pub fn meta(&self) -> &Meta {
        &self.generation.meta
    }

    /// What the searcher keeps within a memory budget (common words' sets,
    /// champion lists): each one's name, how many it holds and their bytes.
    pub fn kept(&self) -> [(&'static str, usize, usize); 2] {
        let (sets, set_bytes) = self.dense.kept();
        let (lists, list_bytes) = self.champions.size();
        [
            ("dense_sets", sets, set_bytes),
            ("champion_lists", lists, list_bytes),
        ]
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        if let Some(answer) = self.cached(request) {
            return Ok(answer);
        }
        Ok(self.compute_and_keep(request)?.response.clone())
    }

    /// The answer to `request` if it was computed recently, with `took_ms`
    /// the time taken now. Cheap: callers may try it before handing a
    /// search to another thread.
    pub fn cached(&self, request: &SearchRequest) -> Option<SearchResponse> {
        let started = Instant::now();
        let mut answer = self.answers.get(request)?.response.clone();
        answer.took_ms = millis_since(started);
        Some(answer)
    }

    /// [`Searcher::search`]'s answer as JSON ([`json`]). An answer is
    /// written once, however often it is asked for again.
    pub fn search_json(&self, request: &SearchRequest) -> Result<Vec<u8>, SearchError> {
        match self.cached_json(request) {
            Some(json) => Ok(json),
            None => self.fresh_json(request),
        }
    }

    /// [`Searcher::search_json`] for a request the caller has just looked
    /// up in vain ([`Searcher::cached_json`]), as the server does before
    /// handing a search to another thread: searched and kept without
    /// looking it up again (a lock the server's threads share, and the
    /// request hashed).
    pub fn fresh_json(&self, request: &SearchRequest) -> Result<Vec<u8>, SearchError> {
        // An answer the cache did not keep (most are asked for once) is
        // written straight into the body; a kept one is copied out.
        Ok(match Arc::try_unwrap(self.compute_and_keep(request)?) {
            Ok(answer) => answer.into_json().into_bytes(),
            Err(kept) => kept.json().as_bytes().to_vec(),
        })
    }

    /// [`Searcher::cached`] as JSON.
    pub fn cached_json(&self, request: &SearchRequest) -> Option<Vec<u8>> {
        let started = Instant::now();
        let answer = self.answers.get(request)?;
        Some(answer.json().with_took_ms(millis_since(started)))
    }

    fn compute_and_keep(&self, request: &SearchRequest) -> Result<Arc<Answer>, SearchError> {
        let answer = Arc::new(Answer {
            response: self.compute(request, execute::Strategy::Auto)?,
            json: std::sync::OnceLock::new(),
        });
        self.answers.put_copied(request, answer.clone());
        Ok(answer)
    }

    /// Answers `request` without the cache of recent answers, neither
    /// reading nor filling it: what a benchmark of the search itself times.
    pub fn search_uncached(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        self.compute(request, execute::Strategy::Auto)
    }

    /// [`Searcher::search_uncached`] ranking with `strategy`: for tests
    /// that hold the pruned ranking equal to scoring every hit.
    #[doc(hidden)]
    pub fn search_with_strategy(
        &self,
        request: &SearchRequest,
        strategy: execute::Strategy,
    ) -> Result<SearchResponse, SearchError> {
        self.compute(request, strategy)
    }

    fn compute(
        &self,
        request: &SearchRequest,
        strategy: execute::Strategy,
    ) -> Result<SearchResponse, SearchError> {
        let started = Instant::now();
        check_query(&request.q, "q")?;
        if request.limit > MAX_LIMIT {
            return Err(invalid(
                "limit",
                format!(
                    "limit must be between 0 and {MAX_LIMIT}, got {}",
                    request.limit
                ),
            ));
        }
        if request.offset > MAX_OFFSET {
            return Err(invalid(
                "offset",
                format!(
                    "offset must be at most {MAX_OFFSET}, got {}",
                    request.offset
                ),
            ));
        }
        let selected = self.selected(&request.filters)?;
        let mut conditions: Vec<Vec<Literal>> = request
            .conditions
            .iter()
            .map(|any| any.iter().map(|c| self.literal(c)).collect())
            .collect();
        if let Some(year) = request.filters.year {
            conditions.push(vec![Literal::Year {
                bound: YearBound::Covers,
                op: Comparison::Equal,
                value: u64::from(year),
            }]);
        }
        let searcher = self.reader.searcher();
        let plan = self.plan(&request.q, &searcher);
        let unfiltered = selected.iter().all(Option::is_none) && conditions.is_empty();
        let collected = if plan.matches_all() && unfiltered {
            // The whole collection, as listed: counts computed once per
            // generation, the page read from the listing order.
            Collected {
                total: self.facets.listing_len() as u64,
                top: self.facets.listed(0..request.offset + request.limit),
                counts: self.everything(&searcher)?.clone(),
            }
        } else {
            execute::run(
                &self.target(&searcher, strategy),
                &plan,
                &Selection {
                    selected,
                    conditions,
                    keep: request.offset + request.limit,
                },
            )?
        };
        let page = &collected.top[request.offset.min(collected.top.len())..];
        let shown = self.shown_page(&searcher, page.iter().map(|r| r.address).collect())?;
        let marker = highlight::Marker::new(&plan.forms);
        let mut hits = Vec::with_capacity(page.len());
        for (ranked, shown) in page.iter().zip(shown) {
            let score = if plan.scored() {
                round(f64::from(ranked.score), 3)
            } else {
                0.0
            };
            let highlight = highlight::highlight(&shown.fields.text, &shown.words, &marker);
            hits.push(Hit::new(shown.fields.clone(), highlight, score));
        }
        let facets = self.facet_counts(&collected.counts);
        Ok(SearchResponse {
            query: request.q.clone(),
            total: collected.total,
            took_ms: millis_since(started),
            hits: hits.into(),
            facets,
        })
    }

    /// The plan of query `q`, planned now or recently. Everything a plan
    /// depends on (the query, the index's terms and statistics, the
    /// synonyms) is fixed for the searcher's life.
    fn plan(&self, q: &str, searcher: &tantivy::Searcher) -> Arc<plan::Plan> {
        if let Some(plan) = self.plans.get(q) {
            return plan;
        }
        let plan = Arc::new(plan::plan(
            &UserQuery::parse(q),
            &plan::Context {
                stats: searcher,
                fields: &self.generation.fields,
                synonyms: &self.synonyms,
                analyzers: &self.analyzers,
                vocabularies: &self.vocabularies,
                terms: &self.terms,
                free_words: &self.free_words,
            },
        ));
        self.plans.put_copied(q, plan.clone());
        plan
    }

    /// The facet counts of the whole collection, collected on first use and
    /// kept for the generation's life: the first page a front end loads.
    fn everything(&self, searcher: &tantivy::Searcher) -> Result<&[Vec<u64>; 4], SearchError> {
        if let Some(counts) = self.everything.get() {
            return Ok(counts);
        }
        let everything = plan::Plan {
            matching: matching::Match::Everything,
            ranking: plan::Ranking::Listing,
            forms: plan::MatchForms::default(),
        };
        let collected = execute::run(
            &self.target(searcher, execute::Strategy::Auto),
            &everything,
            &Selection::default(),
        )?;
        Ok(self.everything.get_or_init(|| collected.counts))
    }

    fn target<'a>(
        &'a self,
        searcher: &'a tantivy::Searcher,
        strategy: execute::Strategy,
    ) -> execute::Target<'a> {
        execute::Target {
            searcher,
            fields: &self.generation.fields,
            tables: &self.facets,
            executor: &self.executor,
            strategy,
            terms: &self.terms,
            dense: &self.dense,
            champions: &self.champions,
        }
    }

    /// Every facet over the whole collection.
    pub fn all_facets(&self) -> Result<FacetCounts, SearchError> {
        let request = SearchRequest {
            limit: 0,
            ..SearchRequest::default()
        };
        Ok(self.search(&request)?.facets)
    }

    /// Values of `facet` with a word starting with `prefix` (any case, with
    /// or without diacritics), counted as `/search` counts them for
    /// `request` (its query, filters and conditions; its paging is ignored).
    pub fn facet_values(
        &self,
        facet: &str,
        prefix: &str,
        request: &SearchRequest,
    ) -> Result<Vec<FacetCount>, SearchError> {
        let facet = Facet::from_name(facet).ok_or_else(|| {
            SearchError::NotFound(format!(
                "no facet {facet:?}; facets are town, period, category, region"
            ))
        })?;
        check_query(prefix, "q")?;
        let request = SearchRequest {
            limit: 0,
            offset: 0,
            ..request.clone()
        };
        let counts = self.search(&request)?.facets;
        let prefix = fold(prefix.trim());
        Ok(counts
            .of(facet)
            .filter(|c| {
                let label = c.label.unwrap_or("");
                prefix.is_empty()
                    || fold(c.value).starts_with(&prefix)
                    || fold(label).starts_with(&prefix)
                    || folded_words(c.value)
                        .iter()
                        .chain(&folded_words(label))
                        .any(|w| w.starts_with(&prefix))
            })
            .map(|c| c.to_owned())
            .collect())
    }

    pub fn suggest(&self, q: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError> {
        check_query(q, "q")?;
        if limit == 0 || limit > MAX_SUGGESTIONS {
            return Err(invalid(
                "limit",
                format!("limit must be between 1 and {MAX_SUGGESTIONS}, got {limit}"),
            ));
        }
        let searcher = self.reader.searcher();
        Ok(self.suggester.suggest(
            &searcher,
            &self.generation.fields,
            &self.analyzers,
            q,
            limit,
        )?)
    }

    /// The stored record of the measure `id`.
    pub fn measure(&self, id: &str) -> Result<Measure, SearchError> {
        let searcher = self.reader.searcher();
        let term = Term::from_field_text(self.generation.fields.id, id);
        let top = searcher.search(
            &TermQuery::new(term, IndexRecordOption::Basic),
            &TopDocs::with_limit(1).order_by_score(),
        )?;
        match top.first() {
            Some((_, address)) => self.stored_measure(&searcher, *address),
            None => Err(SearchError::NotFound(format!("no measure with id {id:?}"))),
        }
    }

    /// Every measure's id and content fingerprint, for telling what a
    /// rebuild changed without holding two copies of every record.
    pub fn fingerprints(&self) -> Result<std::collections::BTreeMap<String, u64>, SearchError> {
        let searcher = self.reader.searcher();
        let mut prints = std::collections::BTreeMap::new();
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(64)
                .map_err(|e| SearchError::Internal(format!("cannot read stored measures: {e}")))?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                let measure = record_of(&doc, &self.generation)?;
                prints.insert(measure.id.clone(), live::content_fingerprint(&measure));
            }
        }
        Ok(prints)
    }

    /// The measures at `addresses`, read and analysed for showing. Those
    /// not shown recently are read side by side on the executor's threads
    /// when there are a few: each is a block of the store to decompress
    /// and a text to analyse, which one after another were a good part of
    /// a search.
    fn shown_page(
        &self,
        searcher: &tantivy::Searcher,
        addresses: Vec<tantivy::DocAddress>,
    ) -> Result<Vec<Arc<Shown>>, SearchError> {
        let cached = self.shown.get_each(&addresses);
        let missing: Vec<tantivy::DocAddress> = addresses
            .iter()
            .zip(&cached)
            .filter(|(_, cached)| cached.is_none())
            .map(|(&address, _)| address)
            .collect();
        let read: Vec<Arc<Shown>> = if missing.len() >= READ_SIDE_BY_SIDE_FROM {
            self.executor
                .map(|a| Ok(self.read_shown(searcher, a)), missing.into_iter())?
                .into_iter()
                .collect::<Result<_, _>>()?
        } else {
            missing
                .into_iter()
                .map(|a| self.read_shown(searcher, a))
                .collect::<Result<_, _>>()?
        };
        let mut read = read.into_iter();
        cached
            .into_iter()
            .map(|cached| {
                cached
                    .or_else(|| read.next())
                    .ok_or_else(|| SearchError::Internal("a hit neither cached nor read".into()))
            })
            .collect()
    }

    /// Reads and analyses the measure at `address`, and keeps it.
    fn read_shown(
        &self,
        searcher: &tantivy::Searcher,
        address: tantivy::DocAddress,
    ) -> Result<Arc<Shown>, SearchError> {
        let measure = self.stored_measure(searcher, address)?;
        let words = highlight::Words::new(self.analyzers.words(&measure.text));
        let shown = Arc::new(Shown::new(measure, words));
        self.shown.put(address, shown.clone());
        Ok(shown)
    }

    fn stored_measure(
        &self,
        searcher: &tantivy::Searcher,
        address: tantivy::DocAddress,
    ) -> Result<Measure, SearchError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        record_of(&doc, &self.generation)
    }

    /// The selected value positions of each facet filter. An unknown
    /// category or region is an error (they are fixed lists); an unknown
    /// town or period simply matches nothing.
    fn selected(&self, filters: &Filters) -> Result<[Option<Vec<usize>>; 4], SearchError> {
        let mut selected: [Option<Vec<usize>>; 4] = Default::default();
        for facet in Facet::ALL {
            let values = filters.of(facet);
            if values.is_empty() {
                continue;
            }
            let mut positions = Vec::new();
            for value in values {
                match self.folded_values[facet.index()].get(&fold(value.trim())) {
                    Some(found) => positions.extend(found),
                    None => self.check_known(facet, value)?,
                }
            }
            selected[facet.index()] = Some(positions);
        }
        Ok(selected)
    }

    /// A condition with its facet value resolved (case- and
    /// diacritics-insensitive); an unknown value matches nothing.
    fn literal(&self, condition: &Condition) -> Literal {
        match condition {
            Condition::Facet {
                facet,
                value,
                negated,
            } => Literal::Facet {
                facet: *facet,
                positions: self.folded_values[facet.index()]
                    .get(&fold(value.trim()))
                    .cloned()
                    .unwrap_or_default(),
                negated: *negated,
            },
            Condition::Year { bound, op, value } => Literal::Year {
                bound: *bound,
                op: *op,
                value: u64::from(*value),
            },
        }
    }

    fn check_known(&self, facet: Facet, value: &str) -> Result<(), SearchError> {
        let known: Vec<&str> = match facet {
            Facet::Category => self
                .generation
                .meta
                .categories
                .iter()
                .map(|l| l.value.as_str())
                .collect(),
            Facet::Region => self
                .generation
                .meta
                .regions
                .iter()
                .map(|l| l.value.as_str())
                .collect(),
            Facet::Period if !is_period(value) => {
                return Err(invalid(
                    "period",
                    format!("period must look like 2011-2014, got {value:?}"),
                ));
            }
            _ => return Ok(()),
        };
        if known.iter().any(|k| fold(k) == fold(value.trim())) {
            return Ok(());
        }
        let parameter = facet.name();
        Err(invalid(
            if facet == Facet::Category {
                "category"
            } else {
                "region"
            },
            format!(
                "unknown {parameter} {value:?}; known values: {}",
                known.join(", ")
            ),
        ))
    }

    /// Every value with a count, most frequent first, ties by value
    /// ([`FacetCounts::new`]).
    fn facet_counts(&self, counts: &[Vec<u64>; 4]) -> FacetCounts {
        FacetCounts::new(self.names.clone(), counts)
    }
}

fn is_period(value: &str) -> bool {
    let value = value.trim();
    value.len() == 9
        && value.as_bytes()[4] == b'-'
        && value[..4].bytes().all(|b| b.is_ascii_digit())
        && value[5..].bytes().all(|b| b.is_ascii_digit())
}

/// An error naming `parameter` if `q` is longer than [`MAX_QUERY_CHARS`].
/// Public so that a caller that fills a request from parameters of its own
/// names (the HTTP layer's `query`, `facetQuery`) can check them under those
/// names first: the search checks every text again, under its field's.
pub fn check_query(q: &str, parameter: &'static str) -> Result<(), SearchError> {
    let chars = q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(invalid(
            parameter,
            format!(
                "{parameter} is {chars} characters long; at most {MAX_QUERY_CHARS} are allowed"
            ),
        ));
    }
    Ok(())
}

/// Milliseconds since `started`, to the microsecond, as answers report
/// them.
fn millis_since(started: Instant) -> f64 {
    round(started.elapsed().as_secs_f64() * 1000.0, 3)
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

fn record_of(doc: &TantivyDocument, generation: &Generation) -> Result<Measure, SearchError> {
    let json = doc
        .get_first(generation.fields.record)
        .and_then(|v| v.as_str())
        .ok_or_else(|| SearchError::Internal("a document without its record".into()))?;
    serde_json::from_str(json)
        .map_err(|e| SearchError::Internal(format!("a stored record does not parse: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query's plan is kept from its second request on (see
    /// `Searcher::plans`): the first is planned and let go, the second
    /// planned and kept, the third given the kept plan.
    #[test]
    fn a_query_is_kept_planned_from_its_second_request() {
        let (_dir, generation) = crate::index::bundled_for_tests();
        let searcher = Searcher::open(generation).unwrap();
        let index = searcher.reader.searcher();
        let plans: Vec<_> = (0..3)
            .map(|_| searcher.plan("prostupné bydlení", &index))
            .collect();
        assert!(!Arc::ptr_eq(&plans[0], &plans[1]), "kept on first sight");
        assert!(
            Arc::ptr_eq(&plans[1], &plans[2]),
            "not kept on second sight"
        );
        assert!(!plans[2].matches_all());
    }
}
