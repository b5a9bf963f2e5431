//! # opatreni
//!
//! A full-text search server for Czech public-policy measures. Data flows one
//! way, one module per pipeline stage:
//!
//! ```text
//! data/ -> ingest -> records -> analysis (Czech) -> index (tantivy) -> search -> http
//! ```
//!
//! Each stage knows only the ones before it: [`ingest`] turns reports into
//! [`ingest::Measure`] records, [`analysis`] turns Czech text into tokens,
//! [`index`] writes them into tantivy generations, [`search`] answers
//! queries over a generation. Beside them, [`alloc`] is the allocator the
//! server and the benchmark run with.

pub mod alloc;
pub mod analysis;
pub mod http;
pub mod index;
pub mod ingest;
pub mod search;
