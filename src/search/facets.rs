//! Facet values, the arrays that count them, and the best hits kept.
//!
//! Facet counts are disjunctive: the counts of one facet are computed with
//! every filter applied except that facet's own. Instead of running the
//! query once per facet, a search matches once, with no filters, and
//! checks each matching measure against every filter: a measure that passes
//! all of them is a hit and counts in every facet; one that fails exactly one
//! facet's filter counts in that facet alone; the rest count nowhere (the
//! executor drops them as whole sets before counting).
//!
//! A generation never changes once built, so when it is opened every
//! measure's facet values, years and listing place are read out of
//! tantivy's columns into plain arrays ([`FacetTables`]): counting then
//! touches a few integers per matching measure, which is what makes
//! exhaustive counting affordable on a million measures.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentReader};

use super::bits::DocBits;
use crate::index::schema;

/// The four facets, in the order of the arrays below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Facet {
    Town,
    Period,
    Category,
    Region,
}

impl Facet {
    pub const ALL: [Facet; 4] = [Facet::Town, Facet::Period, Facet::Category, Facet::Region];

    /// The name used in URLs and responses, and the index field.
    pub fn name(self) -> &'static str {
        match self {
            Facet::Town => schema::TOWN,
            Facet::Period => schema::PERIOD,
            Facet::Category => schema::CATEGORY,
            Facet::Region => schema::REGION,
        }
    }

    pub fn from_name(name: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Every value of one facet in the index, sorted, and for each segment the
/// map from the segment's own term ordinals to positions in `values`.
#[derive(Debug, Clone, Default)]
pub struct FacetValues {
    /// Shared with the answers that name their counts by position.
    pub values: Arc<[String]>,
    segment_maps: Vec<Vec<u32>>,
}

impl FacetValues {
    /// Reads the dictionaries of `field` in every segment.
    pub fn load(searcher: &tantivy::Searcher, field: &str) -> tantivy::Result<Self> {
        let mut per_segment: Vec<Vec<String>> = Vec::new();
        for segment in searcher.segment_readers() {
            let mut terms = Vec::new();
            if let Some(column) = segment.fast_fields().str(field)? {
                // One pass over the dictionary: looking each ordinal up
                // would decompress its block again for every value.
                let mut stream = column.dictionary().stream()?;
                while stream.advance() {
                    terms.push(String::from_utf8_lossy(stream.key()).into_owned());
                }
            }
            per_segment.push(terms);
        }
        let mut values: Vec<String> = per_segment.iter().flatten().cloned().collect();
        values.sort();
        values.dedup();
        let segment_maps = per_segment
            .iter()
            .map(|terms| {
                terms
                    .iter()
                    .map(|t| values.binary_search(t).expect("value was collected") as u32)
                    .collect()
            })
            .collect();
        Ok(FacetValues {
            values: values.into(),
            segment_maps,
        })
    }
}

/// The values of one facet for every measure of a segment, as positions
/// in [`FacetValues::values`]: measure `d` has `ids[starts[d]..starts[d + 1]]`.
/// Most measures have exactly one value, which `single` holds directly so
/// that counting reads one small integer per measure.
#[derive(Debug, Clone, Default)]
struct Csr {
    starts: Vec<u32>,
    ids: Vec<u32>,
    /// Per measure: its only value, or [`NOT_SINGLE`]. Two bytes, not four:
    /// a search that visits measures one by one reads this column at
    /// random, and at half the size a segment's column stays in the
    /// core's cache. Empty for a facet with more values than fit.
    single: Vec<u16>,
    /// The column as runs, when measures of one value are neighbours (the
    /// index lays towns and regions out so); `None` where runs would not
    /// be much fewer than measures.
    runs: Option<Runs>,
}

/// A facet column as runs of one value and the measures outside them.
#[derive(Debug, Clone)]
struct Runs {
    /// Each run's first measure, the one after its last, and its value.
    runs: Vec<(DocId, DocId, u32)>,
    /// The measures with no value or several, as a set, so that a search
    /// finds those it holds a word of bits at a time.
    others: DocBits,
}

impl Runs {
    /// What counting `docs` by runs costs, in about what visiting one
    /// measure costs: two prefix counts per run, and a pass over the words
    /// of `docs` for its prefix counts and for the measures outside runs.
    fn cost(&self, docs: &DocBits) -> u64 {
        self.runs.len() as u64 + docs.word_count() as u64 * 3 / 8
    }
}

/// In [`Csr::single`]: the measure has no value or several.
const NOT_SINGLE: u16 = u16::MAX;

impl Csr {
    #[inline]
    fn of(&self, doc: DocId) -> &[u32] {
        let doc = doc as usize;
        &self.ids[self.starts[doc] as usize..self.starts[doc + 1] as usize]
    }

    fn docs(&self) -> DocId {
        self.starts.len().saturating_sub(1) as DocId
    }

    /// Fills `single` and `runs` from the values; `values` is how many
    /// the facet has.
    fn fill_single(&mut self, values: usize) {
        if values >= usize::from(NOT_SINGLE) {
            return;
        }
        self.single = (0..self.docs())
            .map(|doc| match self.of(doc) {
                &[one] => one as u16,
                _ => NOT_SINGLE,
            })
            .collect();
        self.fill_runs();
    }

    fn fill_runs(&mut self) {
        let mut runs: Vec<(DocId, DocId, u32)> = Vec::new();
        let mut others = DocBits::empty(self.docs());
        let mut others_count = 0;
        for (doc, &value) in self.single.iter().enumerate() {
            let doc = doc as DocId;
            if value == NOT_SINGLE {
                others.insert(doc);
                others_count += 1;
                continue;
            }
            let value = u32::from(value);
            match runs.last_mut() {
                Some((_, end, last)) if *last == value && *end == doc => *end = doc + 1,
                _ => runs.push((doc, doc + 1, value)),
            }
            if runs.len() + others_count > self.single.len() / RUN_MIN_LEN {
                return;
            }
        }
        if !runs.is_empty() {
            self.runs = Some(Runs { runs, others });
        }
    }

    /// Adds the values of the `held` measures `docs` to `counts`, run by
    /// run when there are runs and fewer of them than measures to visit.
    fn count(&self, docs: &DocBits, held: u64, counts: &mut [u64]) {
        if let Some(runs) = &self.runs
            && runs.cost(docs) < held
        {
            self.count_by_runs(runs, docs, counts);
            return;
        }
        for doc in docs.iter() {
            self.count_measure(doc, counts);
        }
    }

    #[inline]
    fn count_measure(&self, doc: DocId, counts: &mut [u64]) {
        match self.single.get(doc as usize) {
            Some(&id) if id != NOT_SINGLE => counts[usize::from(id)] += 1,
            _ => self.count_values(doc, counts),
        }
    }

    #[inline]
    fn count_values(&self, doc: DocId, counts: &mut [u64]) {
        for &id in self.of(doc) {
            counts[id as usize] += 1;
        }
    }

    /// Each run adds the documents of `docs` it holds, the difference of
    /// two prefix counts; the measures outside runs are visited.
    fn count_by_runs(&self, runs: &Runs, docs: &DocBits, counts: &mut [u64]) {
        let ranks = docs.word_ranks();
        for &(start, end, value) in &runs.runs {
            let held = docs.count_before(&ranks, end) - docs.count_before(&ranks, start);
            counts[value as usize] += u64::from(held);
        }
        docs.for_each_common(&runs.others, |doc| self.count_values(doc, counts));
    }
}

/// Runs shorter than this on average are not kept: visiting the measures
/// costs about as much.
const RUN_MIN_LEN: usize = 16;

/// Facets with at most this many values also keep, per value, the set of
/// measures that have it: a search then counts such a facet by intersecting
/// sets rather than measure by measure.
const VALUE_SETS_MAX: usize = 256;

/// Whether segments keep the sets of a facet with `values`.
fn sets_kept(values: &FacetValues) -> bool {
    values.values.len() <= VALUE_SETS_MAX
}

/// One segment's measures in plain arrays.
#[derive(Debug, Clone, Default)]
pub struct SegmentTable {
    facets: [Csr; 4],
    /// Per facet with few values, per value position: its measures.
    value_sets: [Option<Vec<DocBits>>; 4],
    year_from: Vec<u16>,
    year_to: Vec<u16>,
    order: Vec<u32>,
}

/// Every facet's values, and every segment's measures as [`SegmentTable`]s.
#[derive(Debug, Clone, Default)]
pub struct FacetTables {
    pub values: [FacetValues; 4],
    segments: Vec<SegmentTable>,
    /// Every measure in listing order: the first page of "everything" is
    /// read from here instead of collected.
    listing: Vec<DocAddress>,
}

impl FacetTables {
    pub fn load(searcher: &tantivy::Searcher) -> tantivy::Result<Self> {
        let loaded: Vec<FacetValues> = Facet::ALL
            .iter()
            .map(|f| FacetValues::load(searcher, f.name()))
            .collect::<tantivy::Result<_>>()?;
        let values: [FacetValues; 4] = loaded.try_into().expect("four facets");
        let segments = searcher
            .segment_readers()
            .iter()
            .enumerate()
            .map(|(ord, reader)| SegmentTable::load(reader, ord, &values))
            .collect::<tantivy::Result<Vec<SegmentTable>>>()?;
        let mut listing: Vec<(u32, DocAddress)> = Vec::new();
        for (segment, (table, reader)) in
            segments.iter().zip(searcher.segment_readers()).enumerate()
        {
            for doc in reader.doc_ids_alive() {
                listing.push((
                    table.order[doc as usize],
                    DocAddress::new(segment as u32, doc),
                ));
            }
        }
        listing.sort_unstable_by_key(|(order, _)| *order);
        Ok(FacetTables {
            values,
            segments,
            listing: listing.into_iter().map(|(_, address)| address).collect(),
        })
    }

    /// How many measures there are.
    pub fn listing_len(&self) -> usize {
        self.listing.len()
    }

    /// The measures at places `range` of the listing order.
    pub fn listed(&self, range: std::ops::Range<usize>) -> Vec<Ranked> {
        let end = range.end.min(self.listing.len());
        let start = range.start.min(end);
        self.listing[start..end]
            .iter()
            .enumerate()
            .map(|(i, &address)| Ranked {
                score: 0.0,
                order: (start + i) as u64,
                address,
            })
            .collect()
    }
}

impl SegmentTable {
    fn load(
        reader: &SegmentReader,
        segment: usize,
        values: &[FacetValues; 4],
    ) -> tantivy::Result<Self> {
        let fast = reader.fast_fields();
        let max_doc = reader.max_doc();
        let mut facets: [Csr; 4] = Default::default();
        for facet in Facet::ALL {
            let csr = &mut facets[facet.index()];
            csr.starts.reserve(max_doc as usize + 1);
            csr.starts.push(0);
            let column = fast.str(facet.name())?;
            let map = values[facet.index()]
                .segment_maps
                .get(segment)
                .map_or(&[][..], Vec::as_slice);
            for doc in 0..max_doc {
                if let Some(column) = &column {
                    csr.ids
                        .extend(column.term_ords(doc).map(|ord| map[ord as usize]));
                }
                csr.starts.push(csr.ids.len() as u32);
            }
            csr.fill_single(values[facet.index()].values.len());
        }
        let read = |name: &str, missing: u64| -> tantivy::Result<Vec<u64>> {
            let column: Column<u64> = fast.u64(name)?;
            Ok((0..max_doc)
                .map(|doc| column.first(doc).unwrap_or(missing))
                .collect())
        };
        let year = |v: u64| v.min(u64::from(u16::MAX)) as u16;
        let value_sets = std::array::from_fn(|f| {
            let count = values[f].values.len();
            sets_kept(&values[f]).then(|| {
                let mut sets: Vec<DocBits> = (0..count).map(|_| DocBits::empty(max_doc)).collect();
                for doc in 0..max_doc {
                    for &id in facets[f].of(doc) {
                        sets[id as usize].insert(doc);
                    }
                }
                sets
            })
        });
        Ok(SegmentTable {
            value_sets,
            facets,
            year_from: read(schema::YEAR_FROM, u64::MAX)?
                .into_iter()
                .map(year)
                .collect(),
            year_to: read(schema::YEAR_TO, 0)?.into_iter().map(year).collect(),
            order: read(schema::ORDER, u64::from(u32::MAX))?
                .into_iter()
                .map(|o| o.min(u64::from(u32::MAX)) as u32)
                .collect(),
        })
    }
}

/// A bound of a measure's period, for numeric conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum YearBound {
    /// The first year of the period.
    From,
    /// The last year of the period.
    To,
    /// Any year the period covers: `Covers = 2012` holds for 2011–2014.
    Covers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    Less,
    LessOrEqual,
    Equal,
    NotEqual,
    GreaterOrEqual,
    Greater,
}

impl Comparison {
    fn holds(self, left: u64, right: u64) -> bool {
        match self {
            Comparison::Less => left < right,
            Comparison::LessOrEqual => left <= right,
            Comparison::Equal => left == right,
            Comparison::NotEqual => left != right,
            Comparison::GreaterOrEqual => left >= right,
            Comparison::Greater => left > right,
        }
    }
}

/// One condition on a measure, with facet values already resolved to their
/// positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// The measure has one of these values (or, negated, none of them).
    Facet {
        facet: Facet,
        positions: Vec<usize>,
        negated: bool,
    },
    Year {
        bound: YearBound,
        op: Comparison,
        value: u64,
    },
}

/// Which measures a search keeps and how it counts them.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Per facet: `None` for no filter, else the selected value positions.
    /// These filters are OR within a facet, AND across facets, and counted
    /// disjunctively (each facet without its own filter).
    pub selected: [Option<Vec<usize>>; 4],
    /// Conditions every kept measure meets, an AND of ORs, counted
    /// conjunctively (they apply to every facet's counts).
    pub conditions: Vec<Vec<Literal>>,
    /// How many of the best hits to return (offset + limit).
    pub keep: usize,
}

/// Conditions compiled for counting: facet values as masks.
#[derive(Debug, Default)]
pub struct Conditions(Vec<Vec<Compiled>>);

#[derive(Debug)]
enum Compiled {
    Facet {
        facet: usize,
        mask: Vec<bool>,
        negated: bool,
    },
    Year {
        bound: YearBound,
        op: Comparison,
        value: u64,
    },
}

fn mask(len: usize, positions: &[usize]) -> Vec<bool> {
    let mut mask = vec![false; len];
    for &p in positions {
        mask[p] = true;
    }
    mask
}

impl Conditions {
    pub fn compile(tables: &FacetTables, conditions: &[Vec<Literal>]) -> Self {
        let facets = &tables.values;
        Conditions(
            conditions
                .iter()
                .map(|any| {
                    any.iter()
                        .map(|literal| match literal {
                            Literal::Facet {
                                facet,
                                positions,
                                negated,
                            } => Compiled::Facet {
                                facet: facet.index(),
                                mask: mask(facets[facet.index()].values.len(), positions),
                                negated: *negated,
                            },
                            Literal::Year { bound, op, value } => Compiled::Year {
                                bound: *bound,
                                op: *op,
                                value: *value,
                            },
                        })
                        .collect()
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FacetTables {
    /// The arrays of segment `ordinal`.
    pub fn segment(&self, ordinal: usize) -> Option<&SegmentTable> {
        self.segments.get(ordinal)
    }

    /// Whether every segment keeps, per value of facet `facet`, its
    /// measures ([`SegmentTable::value_sets`]).
    pub fn keeps_value_sets(&self, facet: usize) -> bool {
        sets_kept(&self.values[facet])
    }

    /// Zeroed counts for every value of every facet.
    pub fn zero_counts(&self) -> [Vec<u64>; 4] {
        std::array::from_fn(|f| vec![0; self.values[f].values.len()])
    }
}

impl SegmentTable {
    /// Per value position of facet `facet`, its measures, where the facet
    /// has few enough values for them to be kept.
    pub fn value_sets(&self, facet: usize) -> Option<&[DocBits]> {
        self.value_sets[facet].as_deref()
    }

    /// Adds the facet's values of the measures `docs`, of which there are
    /// `held` (counted once by the caller, who often counts several facets
    /// over one set), to `counts`, the cheapest of three ways:
    /// intersecting each value's set with `docs` (facets with few values),
    /// adding up runs of one value (towns and regions, laid out in runs),
    /// or visiting the measures. About 16 set words cost what one measure
    /// or one run does.
    pub fn count_facet(&self, facet: usize, docs: &DocBits, held: u64, counts: &mut [u64]) {
        if let Some(sets) = &self.value_sets[facet] {
            let by_sets = sets.len() as u64 * docs.word_count() as u64;
            let column = &self.facets[facet];
            let by_runs = column.runs.as_ref().map_or(u64::MAX, |r| r.cost(docs) * 16);
            if by_sets < held * 16 && by_sets < by_runs {
                for (count, set) in counts.iter_mut().zip(sets) {
                    *count += set.count_common(docs);
                }
                return;
            }
        }
        self.facets[facet].count(docs, held, counts);
    }

    /// The measure's place in the listing order.
    #[inline]
    pub fn order(&self, doc: DocId) -> u32 {
        self.order[doc as usize]
    }

    fn has_value(&self, facet: usize, mask: &[bool], doc: DocId) -> bool {
        self.facets[facet]
            .of(doc)
            .iter()
            .any(|&id| mask[id as usize])
    }

    fn year_holds(&self, bound: YearBound, op: Comparison, value: u64, doc: DocId) -> bool {
        let from = u64::from(self.year_from[doc as usize]);
        let to = u64::from(self.year_to[doc as usize]);
        match bound {
            YearBound::From => op.holds(from, value),
            YearBound::To => op.holds(to, value),
            YearBound::Covers => match op {
                Comparison::Equal => (from..=to).contains(&value),
                Comparison::NotEqual => !(from..=to).contains(&value),
                // "Covers a year before 2012": its first year is before it.
                Comparison::Less | Comparison::LessOrEqual => op.holds(from, value),
                Comparison::Greater | Comparison::GreaterOrEqual => op.holds(to, value),
            },
        }
    }

    /// Whether the measure meets every condition (each an OR of literals).
    pub fn meets(&self, conditions: &Conditions, doc: DocId) -> bool {
        conditions.0.iter().all(|any| {
            any.iter().any(|literal| match literal {
                Compiled::Facet {
                    facet,
                    mask,
                    negated,
                } => self.has_value(*facet, mask, doc) != *negated,
                Compiled::Year { bound, op, value } => self.year_holds(*bound, *op, *value, doc),
            })
        })
    }
}

/// One hit: its score, its listing order (the tie-break) and its address.
#[derive(Debug, Clone, Copy)]
pub struct Ranked {
    pub score: Score,
    pub order: u64,
    pub address: DocAddress,
}

impl Ranked {
    /// Better first: higher score, then earlier in the listing.
    pub fn better(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.order.cmp(&other.order))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.better(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
/// The heap keeps the worst kept hit on top, to be pushed out.
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.better(other)
    }
}

/// The best `keep` hits seen so far.
#[derive(Debug)]
pub struct TopHits {
    keep: usize,
    heap: BinaryHeap<Ranked>,
}

impl TopHits {
    pub fn new(keep: usize) -> Self {
        TopHits {
            keep,
            heap: BinaryHeap::with_capacity(keep + 1),
        }
    }

    /// How many hits it keeps.
    pub fn keep(&self) -> usize {
        self.keep
    }

    /// The score a hit must reach to be kept, once `keep` hits are held.
    pub fn threshold(&self) -> Option<Score> {
        (self.keep > 0 && self.heap.len() == self.keep)
            .then(|| self.heap.peek().map(|worst| worst.score))
            .flatten()
    }

    pub fn offer(&mut self, hit: Ranked) {
        if self.keep == 0 {
            return;
        }
        // A full heap only takes a hit better than its worst.
        if self.heap.len() == self.keep {
            if self
                .heap
                .peek()
                .is_some_and(|worst| hit.better(worst) != Ordering::Less)
            {
                return;
            }
            self.heap.pop();
        }
        self.heap.push(hit);
    }

    /// The hits, best first.
    pub fn into_sorted(self) -> Vec<Ranked> {
        self.heap.into_sorted_vec()
    }
}

/// The result of one search.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub total: u64,
    /// The best hits, best first.
    pub top: Vec<Ranked>,
    /// Per facet, per value position: its disjunctive count.
    pub counts: [Vec<u64>; 4],
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A facet column where measure `d` has the values `of(d)`.
    fn csr(docs: u32, of: impl Fn(u32) -> Vec<u32>) -> Csr {
        let mut csr = Csr {
            starts: vec![0],
            ..Csr::default()
        };
        for doc in 0..docs {
            csr.ids.extend(of(doc));
            csr.starts.push(csr.ids.len() as u32);
        }
        csr.fill_single(50);
        csr
    }

    fn counted(csr: &Csr, docs: &DocBits, by_runs: bool) -> Vec<u64> {
        let mut counts = vec![0; 50];
        if by_runs {
            let runs = csr.runs.as_ref().expect("a column in runs");
            csr.count_by_runs(runs, docs, &mut counts);
        } else {
            for doc in docs.iter() {
                csr.count_measure(doc, &mut counts);
            }
        }
        counts
    }

    #[test]
    fn runs_count_what_visiting_each_measure_counts() {
        // Runs of up to 60 measures with one value, and now and then a
        // measure with two values or none.
        let value = |d: u32| (d / 60 + d / 1_300) % 40;
        let column = csr(5_000, |d| match d % 97 {
            0 => vec![value(d), 45],
            1 => vec![],
            _ => vec![value(d)],
        });
        assert!(column.runs.is_some(), "the column is laid out in runs");
        for step in [1, 2, 3, 17, 64, 1_000] {
            let mut docs = DocBits::empty(5_000);
            for doc in (0..5_000).step_by(step) {
                docs.insert(doc);
            }
            assert_eq!(
                counted(&column, &docs, true),
                counted(&column, &docs, false)
            );
        }
    }

    #[test]
    fn a_column_without_runs_keeps_none() {
        let column = csr(1_000, |d| vec![d % 40]);
        assert!(column.runs.is_none());
    }
}
