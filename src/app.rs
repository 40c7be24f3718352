//! The application: load and validate every scenario, run them, write their outputs and
//! print the summary table. All terminal and file I/O of a command happens here or below.

use crate::cli::{Cli, Command, Format};
use crate::model::Scenario;
use crate::output::folder::{self, Staged};
use crate::runner::{self, RunOptions};
use crate::scenario::{self, InputError};
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};

/// Runs the command described by `cli`.
pub fn run(cli: &Cli) -> Result<()> {
    // An interrupted command removes what it staged and exits with 130 or 143.
    folder::remove_staged_on_interrupt().context("cannot watch for interrupts")?;
    match &cli.command {
        Some(Command::Import(args)) => return crate::import::run(args),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = std::io::stdout().lock();
            clap_complete::generate(*shell, &mut cmd, "lambdasim", &mut out);
            out.flush()?;
            return Ok(());
        }
        None => {}
    }
    let mut opts = cli.run_options();
    opts.progress = opts.progress && std::io::stderr().is_terminal();
    let (files, texts) = load_all(cli, &opts)?;
    // Each file's warnings, each once though several variants of a sweep may give it.
    let warnings: Vec<Vec<String>> = files
        .iter()
        .zip(&cli.scenarios)
        .map(|(variants, path)| {
            let mut ws: Vec<String> = Vec::new();
            let long = long_run(variants, path, &opts);
            for w in variants.iter().flat_map(|v| &v.warnings).chain(&long) {
                if !ws.contains(w) {
                    ws.push(w.clone());
                }
            }
            ws
        })
        .collect();
    // Warnings go to stderr even with --quiet: the run goes on, but not as the user thinks.
    // Each once over the command.
    let mut seen = std::collections::HashSet::new();
    let mut warned = 0;
    for w in warnings.iter().flatten() {
        if seen.insert(w) {
            eprintln!("warning: {w}");
            warned += 1;
        }
    }
    if cli.deny_warnings && warned > 0 {
        return Err(InputError {
            file: cli.scenarios[0].display().to_string(),
            position: None,
            key: None,
            message: format!("{warned} warning(s) above, and --deny-warnings makes them errors"),
            help: None,
        }
        .into());
    }
    // The memory the runs need, and where the outputs go, are checked before anything
    // runs, in --check too.
    let threads = opts.jobs.unwrap_or_else(rayon::current_num_threads);
    let named: Vec<(&std::path::Path, &[Scenario])> = cli
        .scenarios
        .iter()
        .map(|p| p.as_path())
        .zip(files.iter().map(|v| v.as_slice()))
        .collect();
    crate::budget::check(&named, threads, cli.max_memory)?;
    for (variants, path) in files.iter().zip(&cli.scenarios) {
        writable(&variants[0], path, &opts)?;
    }
    let mut stdout = std::io::stdout().lock();
    if cli.check {
        for variants in &files {
            writeln!(stdout, "{}", plan(&variants[0], &opts))?;
            if variants.len() > 1 {
                let names: Vec<&str> = variants.iter().map(|v| v.variant.as_str()).collect();
                writeln!(
                    stdout,
                    "  sweep: {} variants: {}",
                    variants.len(),
                    names.join(" | ")
                )?;
            }
        }
        return Ok(());
    }
    // Each folder is locked and staged before the long part: a second run of the same
    // scenario is refused at once, and an interrupted one leaves the old folder whole.
    let staged = files
        .iter()
        .map(|v| Staged::begin(&runner::output_dir(&v[0], &opts)))
        .collect::<Result<Vec<_>, _>>()?;
    // Every variant of every file is a scenario of its own; outputs are grouped by file.
    let scenarios: Vec<Scenario> = files.iter().flatten().cloned().collect();
    // Each run writes its rows into its file's folder as it ends; the first variants of
    // each file are charted (the first alone without a report).
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
    let each = files
        .iter()
        .zip(staged)
        .zip(&cli.scenarios)
        .zip(texts)
        .zip(warnings);
    for ((((variants, staged), path), text), warnings) in each {
        let runs: Vec<crate::metrics::RunReport> = per_scenario
            .by_ref()
            .take(variants.len())
            .flatten()
            .collect();
        let mut about = runner::About {
            file: Some((path.display().to_string(), text)),
            warnings,
        };
        for r in runs.iter().filter(|r| r.stopped_at.is_some()) {
            let w = stopped(r);
            eprintln!("warning: {w}");
            about.warnings.push(w);
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
    let comparison = if files.len() > 1 {
        Some(runner::write_comparison(
            &runner::output_root(&files[0][0], &opts),
            &results,
        )?)
    } else {
        None
    };
    // Several scenarios: an index of their reports at the root.
    let index = if files.len() > 1 && opts.report && written.iter().any(|w| w.report) {
        let root = runner::output_root(&files[0][0], &opts);
        let entries: Vec<(String, &[crate::metrics::RunReport])> = written
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
            folder::write_file(&root, "index.html", html.as_bytes())
                .with_context(|| format!("cannot write {}", root.join("index.html").display()))?,
        )
    } else {
        None
    };
    if !cli.quiet && cli.format == Format::Json {
        serde_json::to_writer_pretty(&mut stdout, &crate::output::table::json(&results))?;
        writeln!(stdout)?;
    } else if !cli.quiet {
        writeln!(stdout, "{}", crate::output::table::render(&results))?;
        for w in &written {
            let names: Vec<String> = w
                .files
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            writeln!(stdout, "wrote {}/ ({})", w.dir.display(), names.join(", "))?;
        }
        for c in comparison.iter().chain(&index) {
            writeln!(stdout, "wrote {}", c.display())?;
        }
        for w in &written {
            if let Some(r) = &w.recommendation {
                writeln!(stdout, "{r}")?;
            }
        }
    }
    Ok(())
}

/// Loads every file (each as its sweep's variants, and its text, for the report); refuses
/// two files that would write to the same folder.
fn load_all(cli: &Cli, opts: &RunOptions) -> Result<(Vec<Vec<Scenario>>, Vec<String>)> {
    let mut scenarios = Vec::with_capacity(cli.scenarios.len());
    let mut texts = Vec::with_capacity(cli.scenarios.len());
    let mut dirs: HashMap<std::path::PathBuf, String> = HashMap::new();
    for path in &cli.scenarios {
        let text = scenario::read(path)?;
        let sc = scenario::parse_variants(&text, path)?;
        let dir = runner::output_dir(&sc[0], opts);
        if let Some(other) = dirs.insert(dir.clone(), path.display().to_string()) {
            return Err(InputError {
                file: path.display().to_string(),
                position: None,
                key: Some("name".into()),
                message: format!("writes to {} like {other}", dir.display()),
                help: Some("give the scenarios different `name`s".into()),
            }
            .into());
        }
        scenarios.push(sc);
        texts.push(text);
    }
    Ok((scenarios, texts))
}

/// Refuses, before the run, an output folder that cannot be written: a part of its path
/// that is a file, or a place that takes no new file (read-only, no permission).
fn writable(sc: &Scenario, path: &std::path::Path, opts: &RunOptions) -> Result<()> {
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
fn long_run(variants: &[Scenario], path: &std::path::Path, opts: &RunOptions) -> Option<String> {
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
fn stopped(r: &crate::metrics::RunReport) -> String {
    let at = r.stopped_at.unwrap_or_default();
    let name = crate::output::table::run_name(r);
    format!(
        "{name}, replication {}: stopped at {at} of {}, after {:.0e} attempts (invocations and throttles), the most one run may make; its results cover the run until then. Throttled events retried without end are the usual cause: check the backoffs and the concurrency",
        r.replication,
        r.duration,
        crate::model::config::MAX_ATTEMPTS as f64
    )
}

/// What `--check` prints for a scenario.
fn plan(sc: &Scenario, opts: &RunOptions) -> String {
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
    s
}
