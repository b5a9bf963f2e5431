//! The measure record: what every later stage reads.

use serde::{Deserialize, Serialize};

use super::period::{Period, YearMonth};

/// One measure: one bullet of one report, with everything resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Measure {
    /// `{period}-{heading slug}-{NN}`, NN the bullet's 1-based place under its
    /// heading: readable, and the same every time the same data is imported.
    pub id: String,
    /// The towns the measure belongs to (two for "Teplá a Toužim", or the one
    /// of them the measure names).
    pub towns: Vec<String>,
    /// The town heading as printed in the report ("Mělnicko").
    pub heading: String,
    /// Region slug (`ustecky`) and label ("Ústecký kraj").
    pub region: String,
    pub region_label: String,
    /// Localities the text mentions, as the gazetteer names them.
    pub localities: Vec<String>,
    /// The period label, `2011-2014`.
    pub period: String,
    #[schema(value_type = String, example = "2011-06")]
    pub period_from: YearMonth,
    #[schema(value_type = String, example = "2014-06")]
    pub period_to: YearMonth,
    /// The measure as written, emphasis markers and PDF noise removed.
    pub text: String,
    /// What the report set in bold.
    pub key_phrases: Vec<String>,
    /// Category slugs, in taxonomy order; never empty.
    pub categories: Vec<String>,
    pub source: Source,
}

/// Where a measure was read: the report file (relative to the data
/// directory) and the line of its bullet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Source {
    pub file: String,
    pub line: usize,
}

impl Measure {
    pub fn period(&self) -> Period {
        Period::new(self.period_from, self.period_to)
    }
}
