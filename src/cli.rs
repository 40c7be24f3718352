//! The command line: clap options, converted into run options in one place.

use crate::runner::RunOptions;
use clap::Parser;
use std::path::PathBuf;

/// lambdasim — simulate AWS Lambda workloads: latency, cold starts, throttling and cost.
///
/// Runs each scenario file (and every replication inside it) in parallel and writes CSV
/// results and charts under `<out>/<scenario name>/`.
#[derive(Debug, Parser)]
#[command(name = "lambdasim", version, about, long_about = None)]
pub struct Cli {
    /// Scenario files (TOML) to run.
    #[arg(required = true, value_name = "SCENARIO")]
    pub scenarios: Vec<PathBuf>,

    /// Output root (default: each scenario's `[output] dir`, else `output`).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Override every scenario's seed.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Worker threads (default: all cores).
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Parse and validate the files, print what would run, simulate nothing.
    #[arg(long)]
    pub check: bool,

    /// Write CSV files only.
    #[arg(long)]
    pub no_charts: bool,

    /// No progress bars, no table; errors still go to stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

impl Cli {
    /// The run options these flags ask for.
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            out: self.out.clone(),
            seed: self.seed,
            jobs: self.jobs.map(usize::from),
            charts: !self.no_charts,
            progress: !self.quiet,
        }
    }
}
