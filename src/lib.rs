//! # opatreni
//!
//! A full-text search server for Czech public-policy measures. Data flows one
//! way, one module per pipeline stage:
//!
//! ```text
//! data/ -> ingest -> records -> analysis (Czech) -> index (tantivy) -> search -> http
//! ```
//!
//! Each stage knows only the one before it: [`ingest`] turns reports into
//! [`ingest::Measure`] records, [`analysis`] turns Czech text into tokens.

pub mod analysis;
pub mod ingest;
