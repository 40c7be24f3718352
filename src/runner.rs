//! Running many scenarios: every (scenario, replication) in parallel on a rayon pool, then
//! the outputs of each scenario written under its own folder. Results do not depend on the
//! number of threads: each run is a pure function of (scenario, seed), collected in order.

use crate::engine::Time;
use crate::engine::derive_seed;
use crate::metrics::RunReport;
use crate::model::{Scenario, simulate_watched};
use crate::output::folder::Staged;
use crate::output::{self, charts};
use crate::progress::Progress;
use anyhow::{Context, Result};
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;

/// How to run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Output root overriding every scenario's `[output] dir`.
    pub out: Option<PathBuf>,
    /// Seed overriding every scenario's.
    pub seed: Option<u64>,
    /// Worker threads (`None`: all cores).
    pub jobs: Option<usize>,
    /// Draw charts (when the scenario asks for them too).
    pub charts: bool,
    /// Show a progress bar (only drawn on a terminal).
    pub progress: bool,
}

/// What was written for one scenario.
pub struct Written {
    /// The folder.
    pub dir: PathBuf,
    /// The files written, in order.
    pub files: Vec<PathBuf>,
    /// The recommendation, as a sentence (`[recommend]`).
    pub recommendation: Option<String>,
}

/// The seed of replication `r` of a scenario whose seed is `seed`: replication 0 runs with
/// the seed itself, the others with seeds derived from it.
pub fn replication_seed(seed: u64, r: u32) -> u64 {
    if r == 0 {
        seed
    } else {
        derive_seed(seed, u64::from(r))
    }
}

/// The folder a scenario writes to.
pub fn output_dir(sc: &Scenario, opts: &RunOptions) -> PathBuf {
    opts.out
        .clone()
        .unwrap_or_else(|| sc.output.dir.clone())
        .join(&sc.name)
}

/// Simulates every replication of every scenario, in parallel; results in input order,
/// each with its whole time series and attempts.
pub fn simulate_all(scenarios: &[Scenario], opts: &RunOptions) -> Result<Vec<Vec<RunReport>>> {
    simulate_into(scenarios, opts, None)
}

/// Where [`simulate_into`] writes each scenario's rows, and which scenarios are charted.
pub struct Spill<'a> {
    /// The folder each scenario writes to (the variants of a file share one).
    pub staged: Vec<&'a Staged>,
    /// Whether each scenario's replication 0 is charted (and traced): it keeps its time
    /// series, distributions and trace.
    pub charted: Vec<bool>,
}

/// The two files whose rows grow with the runs: each finished run writes its rows as parts
/// of them, in its scenario's staged folder, then drops what only they needed.
const STREAMED: [&str; 2] = ["timeseries.csv", "invocations.csv"];

/// Simulates as [`simulate_all`] does; with `spill`, each run, once done, writes its rows
/// of `timeseries.csv` and `invocations.csv` to its scenario's folder as parts, drops its
/// attempts, and keeps its time series, distributions and trace only if it is a charted
/// replication 0. Memory then holds each run's summary, not its rows.
pub fn simulate_into(
    scenarios: &[Scenario],
    opts: &RunOptions,
    spill: Option<&Spill>,
) -> Result<Vec<Vec<RunReport>>> {
    let jobs: Vec<(usize, u32)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| (0..s.replications).map(move |r| (i, r)))
        .collect();
    let total = jobs.iter().fold(Time::ZERO, |t, &(i, _)| {
        t.saturating_add(scenarios[i].duration)
    });
    let progress = Progress::new(opts.progress, total, jobs.len() as u64);
    let work = || -> Result<Vec<RunReport>> {
        jobs.par_iter()
            .map(|&(i, r)| {
                let sc = &scenarios[i];
                let seed = replication_seed(opts.seed.unwrap_or(sc.seed), r);
                let mut run = progress.run(format!("{} #{r}", sc.name), sc.duration);
                let mut report = simulate_watched(sc, seed, r, |now| run.at(now));
                run.done();
                if r > 0 {
                    report.drop_distributions();
                }
                if let Some(s) = spill {
                    write_rows(&mut report, s.staged[i], (i, r), s.charted[i] && r == 0)?;
                }
                Ok(report)
            })
            .collect()
    };
    let reports = match opts.jobs {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .context("cannot start the worker threads")?
            .install(work),
        None => work(),
    }?;
    progress.finish();
    let mut out: Vec<Vec<RunReport>> = scenarios.iter().map(|_| Vec::new()).collect();
    for (report, &(i, _)) in reports.into_iter().zip(&jobs) {
        out[i].push(report);
    }
    Ok(out)
}

/// Writes the file `name` of `columns`: from the runs' parts when they wrote them (every
/// run one), else from the reports by `whole`.
fn streamed(
    staged: &Staged,
    runs: &[RunReport],
    name: &str,
    columns: &[&str],
    whole: fn(&[RunReport]) -> Result<Vec<u8>, csv::Error>,
) -> Result<PathBuf> {
    let written = staged.parts(name);
    let path = if written == 0 {
        staged.write(name, &whole(runs)?)
    } else {
        anyhow::ensure!(
            written == runs.len(),
            "only {written} of {} runs wrote their rows of {name}",
            runs.len()
        );
        staged.join(name, &output::csv::header(columns)?)
    };
    path.with_context(|| format!("cannot write {}", staged.dir().join(name).display()))
}

/// What writes one run's rows of a file.
type Rows<'a> = &'a dyn Fn(&mut dyn Write) -> csv::Result<()>;

/// Writes `report`'s rows of the streamed files as part `key` of them in `staged`, then
/// drops its attempts, and unless it is `charted` its time series, distributions and
/// trace.
fn write_rows(
    report: &mut RunReport,
    staged: &Staged,
    key: (usize, u32),
    charted: bool,
) -> Result<()> {
    let [series, attempts] = STREAMED;
    let r = &*report;
    let parts: [(&str, Rows); 2] = [
        (series, &|w| output::csv::timeseries_rows(r, w)),
        (attempts, &|w| output::csv::invocation_rows(r, w)),
    ];
    // Runs that recorded no attempts have no rows of `invocations.csv`.
    let recorded = usize::from(report.attempts.is_some());
    for &(name, rows) in &parts[..1 + recorded] {
        staged
            .write_part(name, key, |w| rows(w).map_err(std::io::Error::other))
            .with_context(|| format!("cannot write {}", staged.dir().join(name).display()))?;
    }
    report.attempts = None;
    if !charted {
        report.series = Vec::new();
        report.trace = None;
        report.drop_distributions();
    }
    Ok(())
}

/// Writes the outputs of one scenario file's runs (every variant and replication).
/// `trace.json` (when asked for) and the per-run charts show the first variant's
/// replication 0; with a sweep, the `variants` and `memory` charts cover every variant.
/// They go to `staged`, which the caller commits.
pub fn write_outputs(
    sc: &Scenario,
    runs: &[RunReport],
    staged: &Staged,
    opts: &RunOptions,
) -> Result<Written> {
    let dir = staged.dir().to_path_buf();
    let mut files = Vec::new();
    let put = |name: &str, bytes: &[u8]| -> Result<PathBuf> {
        staged
            .write(name, bytes)
            .with_context(|| format!("cannot write {}", dir.join(name).display()))
    };
    files.push(put("summary.csv", &output::csv::summary(runs)?)?);
    let timeseries = streamed(
        staged,
        runs,
        "timeseries.csv",
        output::csv::TIMESERIES_COLUMNS,
        output::csv::timeseries,
    )?;
    files.push(timeseries);
    files.push(put("sources.csv", &output::csv::sources(runs)?)?);
    files.push(put("variants.csv", &output::csv::variants(runs)?)?);
    if sc.output.invocations {
        let invocations = streamed(
            staged,
            runs,
            "invocations.csv",
            output::csv::INVOCATION_COLUMNS,
            output::csv::invocations,
        )?;
        files.push(invocations);
    }
    let mut recommendation = None;
    if let Some(strategy) = sc.recommend {
        use crate::metrics::recommend::recommend;
        match recommend(runs, strategy, crate::scenario::BASELINE) {
            Some(r) => {
                files.push(put("recommendation.csv", &output::recommend::csv(&r)?)?);
                files.push(put(
                    "power_tuning.json",
                    &output::recommend::power_tuning_json(&r),
                )?);
                recommendation = Some(output::recommend::sentence(&sc.name, &r));
            }
            None => {
                recommendation = Some(format!(
                    "{}: no variant to recommend: every one ran out of memory or served nothing",
                    sc.name
                ));
            }
        }
    }
    // Only replication 0 is traced: one run's timeline is what a trace viewer shows.
    if sc.output.trace
        && let Some(bytes) = runs.first().and_then(output::trace::render)
    {
        files.push(put("trace.json", &bytes)?);
    }
    if opts.charts && sc.output.charts {
        if let Some(first) = runs.first() {
            for (name, bytes) in charts::render(first).context("cannot draw the charts")? {
                files.push(put(&name, &bytes)?);
            }
        }
        // With a sweep, the variants side by side (nothing for a single variant).
        let sweep = charts::render_variants(runs).context("cannot draw the sweep charts")?;
        for (name, bytes) in sweep {
            files.push(put(&name, &bytes)?);
        }
    }
    Ok(Written {
        dir,
        files,
        recommendation,
    })
}

/// Writes `comparison.csv` under `root`: one row per scenario and variant, for a command
/// that ran several scenarios.
pub fn write_comparison(root: &std::path::Path, results: &[Vec<RunReport>]) -> Result<PathBuf> {
    output::folder::write_file(root, "comparison.csv", &output::csv::comparison(results)?)
        .with_context(|| format!("cannot write {}", root.join("comparison.csv").display()))
}

/// The folder that holds every scenario's folder: `--out`, else the first scenario's
/// `[output] dir`.
pub fn output_root(first: &Scenario, opts: &RunOptions) -> PathBuf {
    opts.out.clone().unwrap_or_else(|| first.output.dir.clone())
}
