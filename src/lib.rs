//! lambdasim: a discrete-event performance and cost simulator for AWS Lambda.
//!
//! A scenario (TOML) describes functions and the sources that invoke them; a run simulates
//! it from a seed and reports counts, latency, concurrency and cost. See ARCHITECTURE.md.

#![warn(missing_docs)]

pub mod app;
pub mod billing;
pub mod budget;
pub mod cli;
pub mod engine;
pub mod import;
pub mod metrics;
pub mod model;
pub mod output;
pub mod policies;
pub mod progress;
pub mod read;
pub mod runner;
pub mod scenario;
pub mod sources;
