//! Facet values and the one-pass collector that counts them.
//!
//! Facet counts are disjunctive: the counts of one facet are computed with
//! every filter applied except that facet's own. Instead of running the
//! query once per facet, the collector runs it once, with no filters, and
//! checks each matching measure against every filter: a measure that passes
//! all of them is a hit and counts in every facet; one that fails exactly one
//! facet's filter counts in that facet alone; the rest count nowhere.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

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
    pub values: Vec<String>,
    segment_maps: Vec<Vec<u32>>,
}

impl FacetValues {
    /// Reads the dictionaries of `field` in every segment.
    pub fn load(searcher: &tantivy::Searcher, field: &str) -> tantivy::Result<Self> {
        let mut per_segment: Vec<Vec<String>> = Vec::new();
        for segment in searcher.segment_readers() {
            let mut terms = Vec::new();
            if let Some(column) = segment.fast_fields().str(field)? {
                let mut buffer = String::new();
                for ord in 0..column.num_terms() as u64 {
                    buffer.clear();
                    column.ord_to_str(ord, &mut buffer)?;
                    terms.push(buffer.clone());
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
            values,
            segment_maps,
        })
    }

    pub fn position(&self, value: &str) -> Option<usize> {
        self.values.binary_search_by(|v| v.as_str().cmp(value)).ok()
    }
}

/// What a search collects: filters, and how many hits to keep.
#[derive(Debug, Clone)]
pub struct FacetedCollector {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    facets: Arc<[FacetValues; 4]>,
    /// Per facet: `None` for no filter, else which values are selected.
    selected: [Option<Vec<bool>>; 4],
    year: Option<u64>,
    keep: usize,
    scored: bool,
}

impl FacetedCollector {
    /// `selected`: per facet, the selected value positions (`None`: no
    /// filter). `year`: keep measures whose period covers it. `keep`: how
    /// many of the best hits to return (offset + limit). `scored`: rank by
    /// score, or only by listing order.
    pub fn new(
        facets: Arc<[FacetValues; 4]>,
        selected: [Option<Vec<usize>>; 4],
        year: Option<u64>,
        keep: usize,
        scored: bool,
    ) -> Self {
        let masks = std::array::from_fn(|f| {
            selected[f].as_ref().map(|positions| {
                let mut mask = vec![false; facets[f].values.len()];
                for &p in positions {
                    mask[p] = true;
                }
                mask
            })
        });
        FacetedCollector {
            shared: Arc::new(Shared {
                facets,
                selected: masks,
                year,
                keep,
                scored,
            }),
        }
    }

    fn zero_counts(&self) -> [Vec<u64>; 4] {
        std::array::from_fn(|f| vec![0; self.shared.facets[f].values.len()])
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
    fn better(&self, other: &Self) -> Ordering {
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

/// The result of one collection.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub total: u64,
    /// The best hits, best first.
    pub top: Vec<Ranked>,
    /// Per facet, per value position: its disjunctive count.
    pub counts: [Vec<u64>; 4],
}

pub struct SegmentFacets {
    shared: Arc<Shared>,
    segment: SegmentOrdinal,
    columns: [Option<StrColumn>; 4],
    year_from: Column<u64>,
    year_to: Column<u64>,
    order: Column<u64>,
    heap: BinaryHeap<Ranked>,
    total: u64,
    counts: [Vec<u64>; 4],
}

impl Collector for FacetedCollector {
    type Fruit = Collected;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let fast = reader.fast_fields();
        let column = |f: Facet| fast.str(f.name());
        Ok(SegmentFacets {
            shared: self.shared.clone(),
            segment,
            columns: [
                column(Facet::Town)?,
                column(Facet::Period)?,
                column(Facet::Category)?,
                column(Facet::Region)?,
            ],
            year_from: fast.u64(schema::YEAR_FROM)?,
            year_to: fast.u64(schema::YEAR_TO)?,
            order: fast.u64(schema::ORDER)?,
            heap: BinaryHeap::with_capacity(self.shared.keep + 1),
            total: 0,
            counts: self.zero_counts(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.shared.scored
    }

    fn merge_fruits(&self, fruits: Vec<Collected>) -> tantivy::Result<Collected> {
        let mut merged = Collected {
            counts: self.zero_counts(),
            ..Collected::default()
        };
        for fruit in fruits {
            merged.total += fruit.total;
            merged.top.extend(fruit.top);
            for (sum, part) in merged.counts.iter_mut().zip(&fruit.counts) {
                for (s, p) in sum.iter_mut().zip(part) {
                    *s += p;
                }
            }
        }
        merged.top.sort_by(Ranked::better);
        merged.top.truncate(self.shared.keep);
        Ok(merged)
    }
}

impl SegmentFacets {
    /// The position in the facet's values of a segment term ordinal.
    fn position(&self, facet: usize, ord: u64) -> usize {
        self.shared.facets[facet].segment_maps[self.segment as usize][ord as usize] as usize
    }

    fn passes(&self, facet: usize, doc: DocId) -> bool {
        let Some(selected) = &self.shared.selected[facet] else {
            return true;
        };
        let Some(column) = &self.columns[facet] else {
            return false;
        };
        column
            .term_ords(doc)
            .any(|ord| selected[self.position(facet, ord)])
    }

    fn count(&mut self, facet: usize, doc: DocId) {
        let Some(column) = &self.columns[facet] else {
            return;
        };
        let maps = &self.shared.facets[facet].segment_maps[self.segment as usize];
        for ord in column.term_ords(doc) {
            self.counts[facet][maps[ord as usize] as usize] += 1;
        }
    }

    fn in_year(&self, doc: DocId) -> bool {
        let Some(year) = self.shared.year else {
            return true;
        };
        let from = self.year_from.first(doc).unwrap_or(u64::MAX);
        let to = self.year_to.first(doc).unwrap_or(0);
        (from..=to).contains(&year)
    }

    fn keep(&mut self, doc: DocId, score: Score) {
        let keep = self.shared.keep;
        if keep == 0 {
            return;
        }
        self.heap.push(Ranked {
            score: if self.shared.scored { score } else { 0.0 },
            order: self.order.first(doc).unwrap_or(u64::MAX),
            address: DocAddress::new(self.segment, doc),
        });
        if self.heap.len() > keep {
            self.heap.pop();
        }
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = Collected;

    fn collect(&mut self, doc: DocId, score: Score) {
        if !self.in_year(doc) {
            return;
        }
        // Bit f set: the measure fails facet f's filter.
        let failing = (0..4).fold(0u8, |bits, f| bits | (u8::from(!self.passes(f, doc)) << f));
        match failing.count_ones() {
            0 => {
                self.total += 1;
                for f in 0..4 {
                    self.count(f, doc);
                }
                self.keep(doc, score);
            }
            1 => self.count(failing.trailing_zeros() as usize, doc),
            _ => {}
        }
    }

    fn harvest(self) -> Collected {
        Collected {
            total: self.total,
            top: self.heap.into_sorted_vec(),
            counts: self.counts,
        }
    }
}
