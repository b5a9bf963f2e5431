//! Ingest: reports in `data/` to measure records.
pub mod text;
