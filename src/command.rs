//! A run as a library call: load scenario files (or texts), check them and what they need,
//! then run every variant and replication and write each scenario's folder. The command
//! line prints what this returns; the Python package returns it as data frames.
//!
//! ```
//! use lambdasim::command::{Input, Request};
//!
//! let text = r#"
//!     name = "hello"
//!     duration = "5s"
//!     [[functions]]
//!     name = "api"
//!     duration = "50ms"
//!     [[sources]]
//!     service = "api_gateway"
//!     arrival = { process = "poisson", rate = 20.0 }
//! "#;
//! let out = tempfile::tempdir()?;
//! let mut request = Request::new(vec![Input::text(text)]);
//! request.options.out = Some(out.path().to_path_buf());
//! let loaded = request.load()?;
//! for w in &loaded.warnings {
//!     eprintln!("warning: {w}");
//! }
//! let outcome = loaded.run()?;
//! assert_eq!(outcome.written[0].dir, out.path().join("hello"));
//! assert!(out.path().join("hello/summary.csv").is_file());
//! assert!(out.path().join("hello/report.html").is_file());
//! # Ok::<(), anyhow::Error>(())
//! ```

use crate::metrics::RunReport;
use crate::model::Scenario;
use crate::output::folder::{self, Staged};
use crate::runner::{self, RunOptions, Written};
use crate::scenario::{self, InputError};
use anyhow::{Context, Result};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What messages call a scenario given as text rather than as a file.
pub const TEXT_LABEL: &str = "<string>";

/// A scenario to run: its path (for messages, the default name and relative trace paths)
/// and its text, or only its path, to be read when the request loads.
#[derive(Clone, Debug)]
pub struct Input {
    /// Where the text came from; relative trace paths are relative to its folder.
    pub path: PathBuf,
    /// The TOML text (`None`: read from `path` by [`Request::load`], in order with the
    /// validation of the others, so that the first file's error is the one reported).
    pub text: Option<String>,
}

impl Input {
    /// The scenario file at `path`, read now.
    pub fn read(path: &Path) -> Result<Input, InputError> {
        Ok(Input {
            path: path.to_path_buf(),
            text: Some(scenario::read(path)?),
        })
    }

    /// The scenario file at `path`, read when the request loads.
    pub fn file(path: &Path) -> Input {
        Input {
            path: path.to_path_buf(),
            text: None,
        }
    }

    /// A scenario given as text, called [`TEXT_LABEL`] in messages, named `scenario`
    /// when it has no `name`; its relative trace paths are relative to the current
    /// folder.
    pub fn text(text: impl Into<String>) -> Input {
        Input {
            path: PathBuf::from(TEXT_LABEL),
            text: Some(text.into()),
        }
    }
}

/// What to run, and how.
#[derive(Clone, Debug)]
pub struct Request {
    /// The scenarios, each with its sweep's variants.
    pub inputs: Vec<Input>,
    /// Output root, seed, threads, charts, report, progress.
    pub options: RunOptions,
    /// The most memory the runs may need, in GiB (refused before the run above it).
    pub max_memory_gib: f64,
}

impl Request {
    /// A request for `inputs` with the command line's defaults: each scenario's own
    /// output folder, seed and outputs, all cores, no progress bar.
    pub fn new(inputs: Vec<Input>) -> Request {
        Request {
            inputs,
            options: RunOptions {
                charts: true,
                report: true,
                ..RunOptions::default()
            },
            max_memory_gib: crate::budget::DEFAULT_GIB,
        }
    }

    /// Validates every scenario, and finds what in them is probably a mistake.
    pub fn load(self) -> Result<Loaded> {
        let Request {
            mut inputs,
            options,
            max_memory_gib,
        } = self;
        if inputs.is_empty() {
            return Err(InputError {
                file: "lambdasim".into(),
                position: None,
                key: None,
                message: "no scenario to run".into(),
                help: Some("give at least one scenario file or text".into()),
            }
            .into());
        }
        let mut files = Vec::with_capacity(inputs.len());
        let mut dirs: HashMap<PathBuf, String> = HashMap::new();
        for input in &mut inputs {
            let text = match input.text.take() {
                Some(t) => t,
                None => scenario::read(&input.path)?,
            };
            let sc = scenario::parse_variants(&text, &input.path)?;
            input.text = Some(text);
            let dir = runner::output_dir(&sc[0], &options);
            if let Some(other) = dirs.insert(dir.clone(), input.path.display().to_string()) {
                return Err(InputError {
                    file: input.path.display().to_string(),
                    position: None,
                    key: Some("name".into()),
                    message: format!("writes to {} like {other}", dir.display()),
                    help: Some("give the scenarios different `name`s".into()),
                }
                .into());
            }
            files.push(sc);
        }
        // Each file's warnings, each once though several variants of a sweep may give it.
        let by_file: Vec<Vec<String>> = files
            .iter()
            .zip(&inputs)
            .map(|(variants, input)| {
                let mut ws: Vec<String> = Vec::new();
                let long = long_run(variants, &input.path, &options);
                for w in variants.iter().flat_map(|v| &v.warnings).chain(&long) {
                    if !ws.contains(w) {
                        ws.push(w.clone());
                    }
                }
                ws
            })
            .collect();
        // And each once over the request.
        let mut seen = HashSet::new();
        let warnings: Vec<String> = by_file
            .iter()
            .flatten()
            .filter(|w| seen.insert(*w))
            .cloned()
            .collect();
        let plans = files
            .iter()
            .map(|variants| plan(variants, &options))
            .collect();
        Ok(Loaded {
            inputs,
            options,
            max_memory_gib,
            files,
            by_file,
            warnings,
            plans,
        })
    }
}

/// A request whose scenarios are valid.
pub struct Loaded {
    inputs: Vec<Input>,
    options: RunOptions,
    max_memory_gib: f64,
    files: Vec<Vec<Scenario>>,
    by_file: Vec<Vec<String>>,
    /// Warnings about the scenarios (valid input that is probably a mistake), each once.
    pub warnings: Vec<String>,
    /// What each file would run, as `--check` prints it.
    pub plans: Vec<String>,
}

/// What a run did.
pub struct Outcome {
    /// The reports of every run of every file: by file, its variants' replications in
    /// order.
    pub results: Vec<Vec<RunReport>>,
    /// What was written for each file.
    pub written: Vec<Written>,
    /// `comparison.csv`, when several files ran.
    pub comparison: Option<PathBuf>,
    /// `index.html`, when several files ran with reports.
    pub index: Option<PathBuf>,
    /// Warnings found while running: runs stopped at the most attempts a run may make.
    pub warnings: Vec<String>,
}

impl Loaded {
    /// The scenarios, by file, each as its sweep's variants.
    pub fn scenarios(&self) -> &[Vec<Scenario>] {
        &self.files
    }

    /// Checks what the runs need, before anything runs: that they fit in the memory
    /// allowed, and that every output folder can be written.
    pub fn check(&self) -> Result<()> {
        let threads = self.options.jobs.unwrap_or_else(rayon::current_num_threads);
        let named: Vec<(&Path, &[Scenario])> = self
            .inputs
            .iter()
            .map(|i| i.path.as_path())
            .zip(self.files.iter().map(|v| v.as_slice()))
            .collect();
        crate::budget::check(&named, threads, self.max_memory_gib)?;
        for (variants, input) in self.files.iter().zip(&self.inputs) {
            writable(&variants[0], &input.path, &self.options)?;
        }
        Ok(())
    }

    /// Checks what the runs need ([`Loaded::check`]), runs every variant and replication
    /// of every file, and writes each file's folder as one unit.
    pub fn run(self) -> Result<Outcome> {
        self.check()?;
        let Loaded {
            inputs,
            options: opts,
            files,
            by_file,
            ..
        } = self;
        // Each folder is locked and staged before the long part: a second run of the same
        // scenario is refused at once, and an interrupted one leaves the old folder whole.
        let staged = files
            .iter()
            .map(|v| Staged::begin(&runner::output_dir(&v[0], &opts)))
            .collect::<Result<Vec<_>, _>>()?;
        // Every variant of every file is a scenario of its own; outputs are grouped by file.
        let scenarios: Vec<Scenario> = files.iter().flatten().cloned().collect();
        // Each run writes its rows into its file's folder as it ends; the first variants
        // of each file are charted (the first alone without a report).
        let spill = runner::Spill {
            staged: files
                .iter()
                .zip(&staged)
                .flat_map(|(v, s)| std::iter::repeat_n(s, v.len()))
                .collect(),
            charted: files
                .iter()
                .flat_map(|v| {
                    let n = runner::charted_variants(&v[0], &opts);
                    (0..v.len()).map(move |k| k < n)
                })
                .collect(),
        };
        let mut per_scenario = runner::simulate_into(&scenarios, &opts, Some(&spill))?.into_iter();
        drop(spill);
        let mut results = Vec::with_capacity(files.len());
        let mut written = Vec::with_capacity(files.len());
        let mut stopped_warnings = Vec::new();
        let each = files.iter().zip(staged).zip(inputs).zip(by_file);
        for (((variants, staged), input), warnings) in each {
            let runs: Vec<RunReport> = per_scenario
                .by_ref()
                .take(variants.len())
                .flatten()
                .collect();
            let mut about = runner::About {
                file: Some((
                    input.path.display().to_string(),
                    input.text.unwrap_or_default(),
                )),
                warnings,
            };
            for r in runs.iter().filter(|r| r.stopped_at.is_some()) {
                let w = stopped(r);
                about.warnings.push(w.clone());
                stopped_warnings.push(w);
            }
            written.push(runner::write_outputs(
                &variants[0],
                &runs,
                &staged,
                &opts,
                &about,
            )?);
            staged.commit()?;
            results.push(runs);
        }
        let root = runner::output_root(&files[0][0], &opts);
        let comparison = if files.len() > 1 {
            Some(runner::write_comparison(&root, &results)?)
        } else {
            None
        };
        // Several scenarios: an index of their reports at the root.
        let index = if files.len() > 1 && opts.report && written.iter().any(|w| w.report) {
            let entries: Vec<(String, &[RunReport])> = written
                .iter()
                .zip(&results)
                .filter(|(w, _)| w.report)
                .map(|(w, runs)| {
                    let link = w.dir.strip_prefix(&root).unwrap_or(&w.dir);
                    (link.display().to_string(), runs.as_slice())
                })
                .collect();
            let html = crate::output::report::index(&entries);
            Some(
                folder::write_file(&root, "index.html", html.as_bytes()).with_context(|| {
                    format!("cannot write {}", root.join("index.html").display())
                })?,
            )
        } else {
            None
        };
        Ok(Outcome {
            results,
            written,
            comparison,
            index,
            warnings: stopped_warnings,
        })
    }
}

/// Refuses, before the run, an output folder that cannot be written: a part of its path
/// that is a file, or a place that takes no new file (read-only, no permission).
fn writable(sc: &Scenario, path: &Path, opts: &RunOptions) -> Result<()> {
    let dir = runner::output_dir(sc, opts);
    folder::check_writable(&dir).map_err(|why| {
        InputError {
            file: path.display().to_string(),
            position: None,
            key: Some(
                if opts.out.is_some() {
                    "--out"
                } else {
                    "output.dir"
                }
                .into(),
            ),
            message: format!(
                "the output folder {} cannot be written: {why}",
                dir.display()
            ),
            help: Some("choose another folder with `[output] dir` or `--out`".into()),
        }
        .into()
    })
}

/// Simulated requests a second one core is assumed to manage, for the estimate of a
/// command's run time (the engine does 3–10 M on today's machines; slow scenarios less).
const REQUESTS_PER_CORE_SECOND: f64 = 2e6;

/// A warning when a file's runs (variants × replications) would take over an hour.
fn long_run(variants: &[Scenario], path: &Path, opts: &RunOptions) -> Option<String> {
    let requests: f64 = variants
        .iter()
        .map(|sc| sc.expected_requests() * f64::from(sc.replications))
        .sum();
    let cores = opts.jobs.unwrap_or_else(rayon::current_num_threads).max(1);
    let runs: u64 = variants.iter().map(|v| u64::from(v.replications)).sum();
    let secs = requests / REQUESTS_PER_CORE_SECOND / cores.min(runs as usize).max(1) as f64;
    (secs > 3600.0).then(|| {
        format!(
            "{}: {runs} run(s) of about {:.2e} requests in all may take about {:.1} hours on {cores} core(s); fewer `replications`, variants or a shorter `duration` would take less",
            path.display(),
            requests,
            secs / 3600.0
        )
    })
}

/// The warning of a run that reached the most attempts a run may make.
fn stopped(r: &RunReport) -> String {
    let at = r.stopped_at.unwrap_or_default();
    let name = crate::output::table::run_name(r);
    format!(
        "{name}, replication {}: stopped at {at} of {}, after {:.0e} attempts (invocations and throttles), the most one run may make; its results cover the run until then. Throttled events retried without end are the usual cause: check the backoffs and the concurrency",
        r.replication,
        r.duration,
        crate::model::config::MAX_ATTEMPTS as f64
    )
}

/// What `--check` prints for a file: its first variant, and the names of a sweep's.
fn plan(variants: &[Scenario], opts: &RunOptions) -> String {
    let sc = &variants[0];
    let expected: f64 = sc
        .sources
        .iter()
        .map(|s| s.expected_requests(sc.duration))
        .sum();
    let mut s = format!(
        "{}: ok — {} simulated, {} function(s), {} source(s), {} replication(s), seed {}, ~{:.0} requests per run → {}",
        sc.name,
        sc.duration,
        sc.functions.len(),
        sc.sources.len(),
        sc.replications,
        opts.seed.unwrap_or(sc.seed),
        expected.max(0.0),
        runner::output_dir(sc, opts).display()
    );
    for f in &sc.functions {
        s.push_str(&format!(
            "\n  function {}: {} MB {}, timeout {}",
            f.name,
            f.memory_mb,
            f.architecture.as_str(),
            f.timeout
        ));
    }
    for src in &sc.sources {
        s.push_str(&format!(
            "\n  source {} ({}, {}) → {}",
            src.name,
            src.service.name,
            src.invocation.as_str(),
            sc.functions[src.function].name
        ));
    }
    if variants.len() > 1 {
        let names: Vec<&str> = variants.iter().map(|v| v.variant.as_str()).collect();
        s.push_str(&format!(
            "\n  sweep: {} variants: {}",
            variants.len(),
            names.join(" | ")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
duration = "2s"

[[functions]]
name = "api"
duration = { dist = "constant", value = "50ms" }

[[sources]]
name = "users"
service = "api_gateway"
function = "api"
arrival = { process = "poisson", rate = 20.0 }
"#;

    #[test]
    fn a_text_without_a_name_is_named_scenario_and_runs_into_its_folder() {
        let out = tempfile::tempdir().unwrap();
        let mut request = Request::new(vec![Input::text(TEXT)]);
        request.options.out = Some(out.path().to_path_buf());
        request.options.charts = false;
        let loaded = request.load().unwrap();
        assert_eq!(loaded.scenarios()[0][0].name, "scenario");
        assert!(
            loaded.plans[0].starts_with("scenario: ok"),
            "{}",
            loaded.plans[0]
        );
        let outcome = loaded.run().unwrap();
        assert_eq!(outcome.written[0].dir, out.path().join("scenario"));
        let summary = std::fs::read_to_string(out.path().join("scenario/summary.csv")).unwrap();
        // The header, the function's row and the `*` row.
        assert_eq!(summary.lines().count(), 3, "{summary}");
        let f = &outcome.results[0][0].functions[0];
        assert_eq!(f.succeeded + f.failed + f.unfinished, f.requests);
    }

    #[test]
    fn a_bad_text_is_an_input_error_of_string() {
        let bad = TEXT.replace("rate = 20.0", "rate = -1.0");
        let err = Request::new(vec![Input::text(bad)]).load().err().unwrap();
        let input = err.downcast_ref::<InputError>().expect("an input error");
        assert_eq!(input.file, TEXT_LABEL);
        assert!(input.position.is_some());
    }

    #[test]
    fn a_cancelled_run_is_interrupted_and_leaves_no_folder() {
        let out = tempfile::tempdir().unwrap();
        let mut request = Request::new(vec![Input::text(TEXT)]);
        request.options.out = Some(out.path().to_path_buf());
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        request.options.cancel = Some(cancel);
        let err = request.load().unwrap().run().err().expect("interrupted");
        assert!(err.downcast_ref::<runner::Interrupted>().is_some(), "{err}");
        assert!(!out.path().join("scenario").exists());
        let left: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.iter().all(|n| n.ends_with(".lock")), "{left:?}");
    }

    #[test]
    fn no_scenario_is_an_input_error_not_a_panic() {
        let err = Request::new(Vec::new()).load().err().unwrap();
        assert!(err.downcast_ref::<InputError>().is_some(), "{err}");
        assert!(err.to_string().contains("no scenario to run"));
    }

    #[test]
    fn a_named_file_keeps_its_stem_as_the_default_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nightly.toml");
        std::fs::write(&path, TEXT).unwrap();
        let loaded = Request::new(vec![Input::read(&path).unwrap()])
            .load()
            .unwrap();
        assert_eq!(loaded.scenarios()[0][0].name, "nightly");
    }
}
