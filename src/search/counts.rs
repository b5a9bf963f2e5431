//! Facet counts as an answer carries them.
//!
//! A search of a large collection counts thousands of towns. Written out as
//! a string per value and label, every answer cost as many allocations as
//! the collection has towns, before any client read it, and so did every
//! copy of it (the answer cache hands out copies). So an answer keeps only
//! value positions and counts, and names them through a table its searcher
//! shares: a copy is two reference counts, and the strings are read once,
//! when the answer is serialised or a caller asks for them.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use super::facets::Facet;
use super::json::ValuesJson;

/// One value of a facet with its count: what `/facets/{facet}` lists.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub count: u64,
}

/// One counted value, borrowed from the answer's table of names.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Counted<'a> {
    pub value: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<&'a str>,
    pub count: u64,
}

impl Counted<'_> {
    pub fn to_owned(&self) -> FacetCount {
        FacetCount {
            value: self.value.to_owned(),
            label: self.label.map(str::to_owned),
            count: self.count,
        }
    }
}

/// Every facet's values and labels, by value position.
#[derive(Debug, Default)]
pub struct FacetNames {
    /// The facet tables' own lists of values, shared.
    values: [Arc<[String]>; 4],
    labels: [Vec<Option<String>>; 4],
    /// Each value and its label as JSON, written once for every answer
    /// to copy.
    written: [ValuesJson; 4],
}

impl FacetNames {
    /// `labels[f][i]` is the label of `values[f][i]`, if it has one.
    pub fn new(values: [Arc<[String]>; 4], labels: [Vec<Option<String>>; 4]) -> Self {
        let written = std::array::from_fn(|f| ValuesJson::of(&values[f], &labels[f]));
        FacetNames {
            values,
            labels,
            written,
        }
    }
}

/// Per facet, every value with a non-zero count, most frequent first and
/// ties by value (the order `/search` lists them in).
#[derive(Clone, Default)]
pub struct FacetCounts {
    names: Arc<FacetNames>,
    /// (value position, count) in listing order, the facets one after
    /// another: one allocation an answer (four lists and their sorting's
    /// buffers were a twentieth of a small collection's search).
    counted: Arc<[(u32, u64)]>,
    /// Where each facet's part of `counted` ends.
    ends: [u32; 4],
}

impl FacetCounts {
    /// Lists `counts` (per facet, per value position) in listing order.
    pub fn new(names: Arc<FacetNames>, counts: &[Vec<u64>; 4]) -> Self {
        let mut ends = [0u32; 4];
        let mut end = 0;
        for (f, counts) in counts.iter().enumerate() {
            end += counts.iter().filter(|&&n| n > 0).count();
            ends[f] = end as u32;
        }
        let mut counted: Arc<[(u32, u64)]> = (0..end).map(|_| (0, 0)).collect();
        let slots = Arc::get_mut(&mut counted).expect("a list just made is not shared");
        let mut start = 0;
        for (counts, &end) in counts.iter().zip(&ends) {
            list_in_order(counts, &mut slots[start..end as usize]);
            start = end as usize;
        }
        FacetCounts {
            names,
            counted,
            ends,
        }
    }

    /// Facet `f`'s (value position, count) pairs in listing order.
    fn listed(&self, f: usize) -> &[(u32, u64)] {
        let start = if f == 0 { 0 } else { self.ends[f - 1] };
        &self.counted[start as usize..self.ends[f] as usize]
    }

    /// The counted values of `facet` in listing order, each as the start
    /// of its JSON object (see [`ValuesJson`]) and its count.
    pub(super) fn written(&self, facet: Facet) -> impl Iterator<Item = (&[u8], u64)> {
        let f = facet.index();
        let written = &self.names.written[f];
        self.listed(f)
            .iter()
            .map(move |&(position, count)| (written.get(position as usize), count))
    }

    /// The counted values of `facet`, in listing order.
    pub fn of(
        &self,
        facet: Facet,
    ) -> impl ExactSizeIterator<Item = Counted<'_>> + DoubleEndedIterator + Clone {
        let f = facet.index();
        let (values, labels) = (&self.names.values[f], &self.names.labels[f]);
        self.listed(f).iter().map(move |&(position, count)| {
            let position = position as usize;
            Counted {
                value: &values[position],
                label: labels.get(position).and_then(Option::as_deref),
                count,
            }
        })
    }
}

/// Fills `listing` (as long as `counts` has non-zero counts) with the
/// value positions that have one, most frequent first, ties by position
/// (values are sorted, so by value). A few values are sorted in place. A
/// search of a million measures lists thousands of towns, most with small
/// counts: they are placed by a counting sort, linear in the values and
/// the largest count, which was a million instructions a search as a
/// comparison sort.
fn list_in_order(counts: &[u64], listing: &mut [(u32, u64)]) {
    if listing.len() <= SORT_IN_PLACE_MAX {
        by_sorting(counts, listing);
        return;
    }
    let most = counts.iter().copied().max().unwrap_or(0);
    if most <= (listing.len() as u64).max(COUNTING_SORT_MIN) * 4 {
        by_counting(counts, most as usize, listing)
    } else {
        by_comparing(counts, listing)
    }
}

/// Up to this many listed values are sorted in place, with no buffer.
const SORT_IN_PLACE_MAX: usize = 64;

/// Below this many values a count up to four times as large is still
/// sorted by counting.
const COUNTING_SORT_MIN: u64 = 256;

/// [`list_in_order`] by a stable sort of the values in position order.
fn by_sorting(counts: &[u64], listing: &mut [(u32, u64)]) {
    let counted = counts.iter().enumerate().filter(|&(_, &n)| n > 0);
    for (slot, (position, &n)) in listing.iter_mut().zip(counted) {
        *slot = (position as u32, n);
    }
    listing.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
}

/// [`list_in_order`] by a counting sort: how many values have each count,
/// then each value put straight into its place, in position order so that
/// ties stay by position.
fn by_counting(counts: &[u64], most: usize, listing: &mut [(u32, u64)]) {
    // Slot `most - n` holds the values counted `n` times: the most first.
    let mut next = vec![0usize; most + 1];
    for &n in counts.iter().filter(|&&n| n > 0) {
        next[most - n as usize] += 1;
    }
    let mut start = 0;
    for slot in &mut next {
        let values = *slot;
        *slot = start;
        start += values;
    }
    for (position, &n) in counts.iter().enumerate().filter(|&(_, &n)| n > 0) {
        let slot = &mut next[most - n as usize];
        listing[*slot] = (position as u32, n);
        *slot += 1;
    }
}

/// [`list_in_order`] by comparing, for counts too large to count: each
/// value one integer, its count's complement above its position.
fn by_comparing(counts: &[u64], listing: &mut [(u32, u64)]) {
    let mut keys: Vec<u128> = counts
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(position, &n)| (u128::from(!n) << 32) | position as u128)
        .collect();
    keys.sort_unstable();
    for (slot, key) in listing.iter_mut().zip(keys) {
        *slot = (key as u32, !((key >> 32) as u64));
    }
}

impl PartialEq for FacetCounts {
    fn eq(&self, other: &Self) -> bool {
        Facet::ALL
            .into_iter()
            .all(|facet| self.of(facet).eq(other.of(facet)))
    }
}

impl std::fmt::Debug for FacetCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("FacetCounts");
        for facet in Facet::ALL {
            out.field(facet.name(), &self.of(facet).collect::<Vec<_>>());
        }
        out.finish()
    }
}

impl Serialize for FacetCounts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct List<'a>(&'a FacetCounts, Facet);
        impl Serialize for List<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.of(self.1))
            }
        }
        let mut out = serializer.serialize_struct("FacetCounts", Facet::ALL.len())?;
        for facet in Facet::ALL {
            out.serialize_field(facet.name(), &List(self, facet))?;
        }
        out.end()
    }
}

/// The shape [`FacetCounts`] serialises to, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct FacetCountsSchema {
    town: Vec<FacetCount>,
    period: Vec<FacetCount>,
    category: Vec<FacetCount>,
    region: Vec<FacetCount>,
}

impl utoipa::PartialSchema for FacetCounts {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <FacetCountsSchema as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for FacetCounts {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("FacetCounts")
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <FacetCountsSchema as utoipa::ToSchema>::schemas(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Arc<FacetNames> {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Arc<[String]>>();
        Arc::new(FacetNames::new(
            [
                strings(&["Bílina", "Kadaň", "Most"]),
                strings(&["2010-2013"]),
                strings(&["bydleni"]),
                strings(&["ustecky"]),
            ],
            [
                vec![],
                vec![],
                vec![Some("Bydlení".into())],
                vec![Some("Ústecký kraj".into())],
            ],
        ))
    }

    #[test]
    fn values_are_listed_most_frequent_first_ties_by_value_and_zeros_left_out() {
        let counts = FacetCounts::new(names(), &[vec![2, 0, 5], vec![7], vec![0], vec![7]]);
        let towns: Vec<(&str, u64)> = counts.of(Facet::Town).map(|c| (c.value, c.count)).collect();
        assert_eq!(towns, [("Most", 5), ("Bílina", 2)]);
        assert_eq!(counts.of(Facet::Category).len(), 0);
        let tied = FacetCounts::new(names(), &[vec![3, 3, 3], vec![], vec![], vec![]]);
        let order: Vec<&str> = tied.of(Facet::Town).map(|c| c.value).collect();
        assert_eq!(order, ["Bílina", "Kadaň", "Most"]);
    }

    type Listing = [(u32, u64)];

    #[test]
    fn sorting_counting_and_comparing_list_in_the_same_order() {
        let mut seed: u64 = 7;
        let mut next = |bound: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % bound
        };
        for (values, largest) in [(1, 3), (40, 5), (6_000, 200), (300, 100_000)] {
            let counts: Vec<u64> = (0..values)
                .map(|_| if next(4) == 0 { 0 } else { next(largest) })
                .collect();
            let listed = counts.iter().filter(|&&n| n > 0).count();
            let most = counts.iter().copied().max().unwrap() as usize;
            let list = |by: &dyn Fn(&mut Listing)| {
                let mut listing = vec![(0, 0); listed];
                by(&mut listing);
                listing
            };
            let compared = list(&|l| by_comparing(&counts, l));
            assert_eq!(list(&|l| by_counting(&counts, most, l)), compared);
            assert_eq!(list(&|l| by_sorting(&counts, l)), compared);
            assert_eq!(list(&|l| list_in_order(&counts, l)), compared);
            assert!(
                compared
                    .windows(2)
                    .all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0))
            );
        }
    }

    #[test]
    fn serialises_as_lists_of_value_label_and_count() {
        let counts = FacetCounts::new(names(), &[vec![1, 0, 0], vec![1], vec![1], vec![1]]);
        let json = serde_json::to_value(&counts).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "town": [{"value": "Bílina", "count": 1}],
                "period": [{"value": "2010-2013", "count": 1}],
                "category": [{"value": "bydleni", "label": "Bydlení", "count": 1}],
                "region": [{"value": "ustecky", "label": "Ústecký kraj", "count": 1}],
            })
        );
    }
}
