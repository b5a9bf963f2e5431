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
    values: [Vec<String>; 4],
    labels: [Vec<Option<String>>; 4],
}

impl FacetNames {
    /// `labels[f][i]` is the label of `values[f][i]`, if it has one.
    pub fn new(values: [Vec<String>; 4], labels: [Vec<Option<String>>; 4]) -> Self {
        FacetNames { values, labels }
    }
}

/// Per facet, every value with a non-zero count, most frequent first and
/// ties by value (the order `/search` lists them in).
#[derive(Clone, Default)]
pub struct FacetCounts {
    names: Arc<FacetNames>,
    /// Per facet: (value position, count) in listing order.
    counted: Arc<[Vec<(u32, u64)>; 4]>,
}

impl FacetCounts {
    /// Lists `counts` (per facet, per value position) in listing order.
    pub fn new(names: Arc<FacetNames>, counts: &[Vec<u64>; 4]) -> Self {
        let counted = std::array::from_fn(|f| listing_order(&counts[f]));
        FacetCounts {
            names,
            counted: Arc::new(counted),
        }
    }

    /// The counted values of `facet`, in listing order.
    pub fn of(
        &self,
        facet: Facet,
    ) -> impl ExactSizeIterator<Item = Counted<'_>> + DoubleEndedIterator + Clone {
        let f = facet.index();
        let (values, labels) = (&self.names.values[f], &self.names.labels[f]);
        self.counted[f].iter().map(move |&(position, count)| {
            let position = position as usize;
            Counted {
                value: &values[position],
                label: labels.get(position).and_then(Option::as_deref),
                count,
            }
        })
    }
}

/// Value positions with a non-zero count, most frequent first, ties by
/// position (values are sorted, so by value).
fn listing_order(counts: &[u64]) -> Vec<(u32, u64)> {
    let mut counted: Vec<(u32, u64)> = counts
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(position, &n)| (position as u32, n))
        .collect();
    counted.sort_unstable_by_key(|&(position, n)| (std::cmp::Reverse(n), position));
    counted
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
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
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
