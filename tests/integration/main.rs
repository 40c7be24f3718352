//! Integration tests, compiled into one binary: a module per behaviour.

mod asynchronous;
mod billing;
mod budget;
mod cli;
mod closed_forms;
mod cluster;
mod compute;
mod esm_provisioned;
mod fifo;
mod fuzz;
mod import;
mod kafka;
mod lifecycle;
mod logs;
mod managed;
mod pipeline;
mod policies;
mod poll;
mod provisioning;
mod recommend;
mod report;
mod safety;
mod seeds;
mod sweeps;
mod trace;
mod traces;
mod warnings;

use lambdasim::metrics::RunReport;
use lambdasim::model::{Scenario, simulate};
use std::path::Path;

/// Parses a scenario from TOML text (panics on invalid input: tests write valid ones).
pub fn scenario(toml: &str) -> Scenario {
    lambdasim::scenario::parse(toml, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a scenario from TOML text with its own seed.
pub fn run(toml: &str) -> RunReport {
    let sc = scenario(toml);
    simulate(&sc, sc.seed, 0)
}

/// Asserts `succeeded + failed + unfinished = requests` for every row.
pub fn assert_conserved(r: &RunReport) {
    for f in r.functions.iter().chain(std::iter::once(&r.total)) {
        assert_eq!(
            f.succeeded + f.failed + f.unfinished,
            f.requests,
            "conservation broken for {}: {} + {} + {} != {}",
            f.function,
            f.succeeded,
            f.failed,
            f.unfinished,
            f.requests
        );
    }
}
