//! The Lambda model on top of the engine: execution environments, admission, invocation
//! types, billing hooks and metrics. A run is a pure function of (scenario, seed).

mod admission;
pub mod config;
pub mod managed;
pub mod runtimes;
mod world;

pub use admission::{Pool, TokenBucket};
pub use config::{Account, Function, Output, Platform, Scenario, Source};
pub use world::{Event, Footprint, World, footprint, simulate, simulate_watched};
