//! The command line: clap options, converted into run options in one place.

use crate::runner::RunOptions;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// lambdasim — simulate AWS Lambda workloads: latency, cold starts, throttling and cost.
///
/// Runs each scenario file (and every replication inside it) in parallel and writes CSV
/// results and charts under `<out>/<scenario name>/`.
#[derive(Debug, Parser)]
#[command(
    name = "lambdasim",
    version,
    about,
    long_about = None,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    /// What to do instead of running scenarios.
    #[command(subcommand)]
    pub command: Option<Command>,

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

    /// Write no charts (report.html then has none either).
    #[arg(long)]
    pub no_charts: bool,

    /// Write no report.html (nor index.html).
    #[arg(long)]
    pub no_report: bool,

    /// No progress bars, no table; errors still go to stderr.
    #[arg(short, long)]
    pub quiet: bool,

    /// The most memory the runs may need, in GiB: a command estimated to need more is
    /// refused before it runs.
    #[arg(long, value_name = "GIB", default_value_t = lambdasim_default_gib(), value_parser = positive_gib)]
    pub max_memory: f64,

    /// Treat warnings (valid input that is probably a mistake) as errors: exit status 2.
    #[arg(long)]
    pub deny_warnings: bool,

    /// What stdout shows at the end: the table and the files written, or the summary
    /// rows (the columns of summary.csv) as JSON, alone.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// What stdout shows at the end of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The summary table, the folders and files written, the recommendations.
    Table,
    /// A JSON array of the summary rows, one object per run and function, with the
    /// columns of summary.csv as keys.
    Json,
}

/// Shown under the options by `--help`.
const AFTER_HELP: &str = "\
Examples:
  lambdasim scenarios/burst.toml              run one scenario, write output/burst/
  lambdasim a.toml b.toml -j 4 -o results     run two, on 4 threads, under results/
  lambdasim --check scenarios/*.toml          validate and show what would run
  lambdasim s.toml --format json | jq '.[] | select(.function == \"*\")'
  lambdasim import --name orders logs/*.log   a scenario from a function's CloudWatch logs
  lambdasim completions bash > /etc/bash_completion.d/lambdasim

Exit status: 0 success; 1 a failure while running or writing; 2 invalid input (the error
names the file, line, key and what was expected); 130 and 143 when interrupted by SIGINT
or SIGTERM (the output folder is left as it was).

Every key of a scenario file, the outputs and their columns: docs/scenarios.md in the
lambdasim repository.";

/// The commands besides running scenarios.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a function's CloudWatch logs (REPORT lines, any export) and write a scenario
    /// that replays them exactly, with a model of the function fitted from them.
    Import(ImportArgs),
    /// Print a completion script for a shell (bash, zsh, fish, elvish or powershell) on
    /// stdout.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `lambdasim import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The function's name (default: from the first log's file name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// The scenario file to write (default: `<name>.toml` in the current folder).
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// The function's architecture, which the logs do not record: x86_64 or arm64.
    #[arg(long, value_name = "ARCH", default_value = "x86_64", value_parser = ["x86_64", "arm64"])]
    pub architecture: String,

    /// The service that invoked the function, which the logs do not record.
    #[arg(long, value_name = "SERVICE", default_value = "direct")]
    pub service: String,

    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub force: bool,

    /// Print nothing; errors still go to stderr.
    #[arg(short, long)]
    pub quiet: bool,

    /// Log files of one function (several streams or exports are merged in time order).
    #[arg(required = true, value_name = "LOG")]
    pub logs: Vec<PathBuf>,
}

impl Cli {
    /// The run options these flags ask for.
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            out: self.out.clone(),
            seed: self.seed,
            jobs: self.jobs.map(usize::from),
            charts: !self.no_charts,
            report: !self.no_report,
            progress: !self.quiet,
            cancel: None,
        }
    }
}

const fn lambdasim_default_gib() -> f64 {
    crate::budget::DEFAULT_GIB
}

fn positive_gib(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("`{s}` is not a number of GiB greater than 0")),
    }
}
