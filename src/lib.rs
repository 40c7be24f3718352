//! lambdasim: a discrete-event performance and cost simulator for AWS Lambda.
//!
//! A scenario (TOML) describes functions and the sources that invoke them; a run simulates
//! it from a seed and reports counts, latency, concurrency and cost.
//!
//! The library's entry points:
//! - [`parse`] and [`load`] read a scenario ([`parse_variants`] and [`load_variants`]
//!   each variant of its `[sweep]`); bad input is an [`InputError`] that names the file,
//!   position and key;
//! - [`simulate`] runs one replication of a scenario from a seed, into a [`RunReport`];
//! - [`command`] runs files as the command line does (every variant and replication in
//!   parallel, each scenario's folder of CSVs, charts and report written as one unit);
//! - [`import`] turns a function's CloudWatch logs into a scenario that replays them.
//!
//! The modules hidden from these docs (the engine, the runner, the sources, the outputs,
//! the policies, the memory budget) are the simulator's internals: public for its own
//! tests and benchmarks, not a stable interface.
//!
//! ```
//! let scenario = lambdasim::parse(
//!     r#"
//!     name = "hello"
//!     duration = "10s"
//!
//!     [[functions]]
//!     name = "api"
//!     memory_mb = 512
//!     duration = { dist = "constant", value = "100ms" }
//!
//!     [[sources]]
//!     name = "users"
//!     service = "api_gateway"
//!     function = "api"
//!     arrival = { process = "poisson", rate = 50.0 }
//!     "#,
//!     "hello.toml".as_ref(),
//! )?;
//! let report = lambdasim::simulate(&scenario, scenario.seed, 0);
//! let api = &report.functions[0];
//! assert_eq!(api.succeeded + api.failed + api.unfinished, api.requests);
//! assert!(api.requests > 400 && api.requests < 600); // 50 a second for 10 s
//! assert!(api.cold_starts >= 1);
//! # Ok::<(), lambdasim::InputError>(())
//! ```

#![warn(missing_docs)]

mod app;
pub mod billing;
#[doc(hidden)]
pub mod budget;
mod cli;
pub mod command;
#[doc(hidden)]
pub mod engine;
pub mod import;
pub mod metrics;
pub mod model;
#[doc(hidden)]
pub mod output;
#[doc(hidden)]
pub mod policies;
mod progress;
#[doc(hidden)]
pub mod read;
#[doc(hidden)]
pub mod runner;
pub mod scenario;
#[doc(hidden)]
pub mod sources;

pub use metrics::{FunctionReport, RunReport};
pub use model::{Scenario, simulate};
pub use scenario::{InputError, load, load_variants, parse, parse_variants};

/// The `lambdasim` command line: parses the process's arguments, runs the command, and
/// returns its exit status (0 success, 2 invalid input, 1 any other failure; 130 and 143
/// when interrupted by SIGINT and SIGTERM).
pub fn command_line() -> std::process::ExitCode {
    app::main()
}
