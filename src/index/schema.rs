//! The tantivy schema: which parts of a measure are searched, and how.
//!
//! The measure text is indexed three times, once per analysis chain, so that
//! a query can prefer the form the person typed: the exact word (diacritics
//! kept) scores above the same word without diacritics, which scores above a
//! stemmed match. Key phrases (what the report set in bold) and places
//! (towns, the heading, localities) are indexed folded and stemmed, and
//! weighted apart. Facets are string fast fields: counting them reads
//! dictionary-encoded columns, never stored documents.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analysis;

/// Every field of the schema, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The measure id: a string term (for lookups) and a fast column.
    pub id: Field,
    /// The whole record as JSON, returned by the API.
    pub record: Field,
    pub text_exact: Field,
    pub text_folded: Field,
    pub text_stem: Field,
    /// Derivational roots: "škola" meets "školství", weighed low.
    pub text_root: Field,
    /// Pairs of neighbouring words, for suggestions: only which measures
    /// contain them, no frequencies or positions.
    pub text_pairs: Field,
    /// Successive words stemmed as one term ("prostupn bydlen"): a query's
    /// words as a phrase, scored as a term.
    pub text_stem_pairs: Field,
    pub phrases_stem: Field,
    pub places_folded: Field,
    pub places_stem: Field,
    pub town: Field,
    pub period: Field,
    pub category: Field,
    pub region: Field,
    pub year_from: Field,
    pub year_to: Field,
    /// Place in the listing order of an empty query: period, town, id.
    pub order: Field,
    /// ISO 639-3 code of the language whatlang detects ("ces").
    pub lang: Field,
}

pub const ID: &str = "id";
pub const TOWN: &str = "town";
pub const PERIOD: &str = "period";
pub const CATEGORY: &str = "category";
pub const REGION: &str = "region";
pub const YEAR_FROM: &str = "year_from";
pub const YEAR_TO: &str = "year_to";
pub const ORDER: &str = "order";

/// A field scored by BM25: frequencies, no positions.
fn analysed(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqs),
    )
}

/// A field that phrases are also matched on: positions too. Only the
/// stemmed text is; keeping positions for every field made a third of a
/// build's postings.
fn analysed_with_positions(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

/// The schema and its fields.
pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    // The record holds every value a hit shows; fields keep only what
    // searching and counting read.
    let facet = STRING | FAST;
    let fields = Fields {
        // Looked up as a term, never read as a column: a fast column of a
        // million distinct ids (a sorted dictionary built at every commit)
        // was a tenth of a 1M build.
        id: builder.add_text_field(ID, STRING),
        record: builder.add_text_field("record", STORED),
        text_exact: builder.add_text_field("text_exact", analysed(analysis::CS_EXACT)),
        text_folded: builder.add_text_field("text_folded", analysed(analysis::CS_FOLDED)),
        text_stem: builder.add_text_field("text_stem", analysed_with_positions(analysis::CS_STEM)),
        text_root: builder.add_text_field("text_root", analysed(analysis::CS_ROOT)),
        text_pairs: builder.add_text_field(
            "text_pairs",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analysis::CS_PAIRS)
                    .set_index_option(IndexRecordOption::Basic)
                    .set_fieldnorms(false),
            ),
        ),
        text_stem_pairs: builder
            .add_text_field("text_stem_pairs", analysed(analysis::CS_STEM_PAIRS)),
        phrases_stem: builder.add_text_field("phrases_stem", analysed(analysis::CS_STEM)),
        places_folded: builder.add_text_field("places_folded", analysed(analysis::CS_FOLDED)),
        places_stem: builder.add_text_field("places_stem", analysed(analysis::CS_STEM)),
        town: builder.add_text_field(TOWN, facet.clone()),
        period: builder.add_text_field(PERIOD, facet.clone()),
        category: builder.add_text_field(CATEGORY, facet.clone()),
        region: builder.add_text_field(REGION, facet),
        year_from: builder.add_u64_field(YEAR_FROM, INDEXED | FAST),
        year_to: builder.add_u64_field(YEAR_TO, INDEXED | FAST),
        order: builder.add_u64_field(ORDER, FAST),
        lang: builder.add_text_field("lang", STRING | STORED),
    };
    (builder.build(), fields)
}

impl Fields {
    /// Resolves the fields of an index opened from disk.
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Self> {
        let f = |name: &str| schema.get_field(name);
        Ok(Fields {
            id: f(ID)?,
            record: f("record")?,
            text_exact: f("text_exact")?,
            text_folded: f("text_folded")?,
            text_stem: f("text_stem")?,
            text_root: f("text_root")?,
            text_pairs: f("text_pairs")?,
            text_stem_pairs: f("text_stem_pairs")?,
            phrases_stem: f("phrases_stem")?,
            places_folded: f("places_folded")?,
            places_stem: f("places_stem")?,
            town: f(TOWN)?,
            period: f(PERIOD)?,
            category: f(CATEGORY)?,
            region: f(REGION)?,
            year_from: f(YEAR_FROM)?,
            year_to: f(YEAR_TO)?,
            order: f(ORDER)?,
            lang: f("lang")?,
        })
    }
}
