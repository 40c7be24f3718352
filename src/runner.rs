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
    /// Write `report.html` (when the scenario asks for it too).
    pub report: bool,
    /// Show a progress bar (only drawn on a terminal).
    pub progress: bool,
    /// Set from another thread to stop the runs (within [`crate::engine::WATCH_EVENTS`]
    /// events of each): they then end in [`Interrupted`].
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

/// The runs were stopped through [`RunOptions::cancel`].
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// The variants of a file whose replication 0 is charted (and kept whole until its
/// outputs are written); `report.html` switches between their charts.
pub const MAX_CHARTED_VARIANTS: usize = 12;

/// How many variants of a file are charted: [`MAX_CHARTED_VARIANTS`] for the report's
/// chooser, or only the first when there is no report or no chart.
pub fn charted_variants(sc: &Scenario, opts: &RunOptions) -> usize {
    if opts.report && opts.charts {
        charted_by(sc)
    } else {
        1
    }
}

/// How many variants of a file its scenario's `[output]` has charted, whatever the
/// command line turns off.
pub fn charted_by(sc: &Scenario) -> usize {
    if sc.output.report && sc.output.charts {
        MAX_CHARTED_VARIANTS
    } else {
        1
    }
}

/// What a scenario's report says besides its runs.
#[derive(Clone, Debug, Default)]
pub struct About {
    /// The scenario file's path and text, as run.
    pub file: Option<(String, String)>,
    /// Warnings about the file and its runs.
    pub warnings: Vec<String>,
}

/// What was written for one scenario.
pub struct Written {
    /// The folder.
    pub dir: PathBuf,
    /// The files written, in order.
    pub files: Vec<PathBuf>,
    /// The recommendation, as a sentence (`[recommend]`).
    pub recommendation: Option<String>,
    /// Whether `report.html` is among the files.
    pub report: bool,
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
                let name = format!("{} #{r}", output::table::label(&sc.name, &sc.variant));
                let cancelled = || {
                    opts.cancel
                        .as_ref()
                        .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
                };
                if cancelled() {
                    return Err(Interrupted.into());
                }
                let mut run = progress.run(name, sc.duration);
                let mut report = simulate_watched(sc, seed, r, |now| {
                    run.at(now);
                    !cancelled()
                });
                run.done();
                if cancelled() {
                    return Err(Interrupted.into());
                }
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

/// Writes the file `name` of `columns` from the runs' parts, every run's (see
/// [`simulate_into`]).
fn streamed(staged: &Staged, runs: &[RunReport], name: &str, columns: &[&str]) -> Result<PathBuf> {
    let written = staged.parts(name);
    anyhow::ensure!(
        written == runs.len(),
        "only {written} of {} runs wrote their rows of {name}",
        runs.len()
    );
    staged
        .join(name, &output::csv::header(columns)?)
        .with_context(|| format!("cannot write {}", staged.dir().join(name).display()))
}

/// Writes `report`'s rows of the streamed files as part `key` of them in `staged`, then
/// drops its attempts, and unless it is `charted` its time series, distributions and
/// trace.
fn write_rows(
    report: &mut RunReport,
    staged: &Staged,
    key: (usize, u32),
    charted: bool,
) -> Result<()> {
    let part = |name: &str, rows: &dyn Fn(&mut dyn Write) -> csv::Result<()>| {
        staged
            .write_part(name, key, |w| rows(w).map_err(std::io::Error::other))
            .with_context(|| format!("cannot write {}", staged.dir().join(name).display()))
    };
    part("timeseries.csv", &|w| {
        output::csv::timeseries_rows(report, w)
    })?;
    // Runs that recorded no attempts have no rows of `invocations.csv`.
    if report.attempts.is_some() {
        part("invocations.csv", &|w| {
            output::csv::invocation_rows(report, w)
        })?;
    }
    report.attempts = None;
    if !charted {
        report.series = Vec::new();
        report.trace = None;
        report.drop_distributions();
    }
    Ok(())
}

/// Writes the outputs of one scenario file's runs (every variant and replication), which
/// [`simulate_into`] ran with `staged` as their folder (their rows are its parts).
/// `trace.json` (when asked for) and the per-run charts show the first variant's
/// replication 0; with a sweep, the `variants` and `memory` charts cover every variant,
/// and `report.html` the charts of the first [`MAX_CHARTED_VARIANTS`]. They go to
/// `staged`, which the caller commits.
pub fn write_outputs(
    sc: &Scenario,
    runs: &[RunReport],
    staged: &Staged,
    opts: &RunOptions,
    about: &About,
) -> Result<Written> {
    let dir = staged.dir().to_path_buf();
    let mut files = Vec::new();
    let put = |name: &str, bytes: &[u8]| -> Result<PathBuf> {
        staged
            .write(name, bytes)
            .with_context(|| format!("cannot write {}", dir.join(name).display()))
    };
    let summary = output::csv::summary(runs)?;
    files.push(put("summary.csv", &summary)?);
    let timeseries = streamed(
        staged,
        runs,
        "timeseries.csv",
        output::csv::TIMESERIES_COLUMNS,
    )?;
    files.push(timeseries);
    files.push(put("sources.csv", &output::csv::sources(runs)?)?);
    if sc.pipeline.any {
        files.push(put("pipeline.csv", &output::csv::pipeline(runs)?)?);
    }
    let variants = output::csv::variants(runs)?;
    files.push(put("variants.csv", &variants)?);
    if sc.output.invocations {
        let invocations = streamed(
            staged,
            runs,
            "invocations.csv",
            output::csv::INVOCATION_COLUMNS,
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
    let charted = opts.charts && sc.output.charts;
    // The SVGs of the first variant's charts and the sweep's, for the report.
    let (mut first_svgs, mut sweep_svgs) = (Vec::new(), Vec::new());
    let svg = |name: &str, bytes: &[u8]| {
        name.strip_suffix(".svg").map(|stem| {
            (
                stem.to_string(),
                String::from_utf8_lossy(bytes).into_owned(),
            )
        })
    };
    if charted {
        if let Some(first) = runs.first() {
            for (name, bytes) in charts::render(first).context("cannot draw the charts")? {
                first_svgs.extend(svg(&name, &bytes));
                files.push(put(&name, &bytes)?);
            }
        }
        // With a sweep, the variants side by side (nothing for a single variant).
        let sweep = charts::render_variants(runs).context("cannot draw the sweep charts")?;
        for (name, bytes) in sweep {
            sweep_svgs.extend(svg(&name, &bytes));
            files.push(put(&name, &bytes)?);
        }
    }
    let report = opts.report && sc.output.report;
    if report {
        // Each charted variant's replication 0, the first's charts as drawn above.
        let mut variant_charts = Vec::new();
        let zeros: Vec<&RunReport> = runs.iter().filter(|r| r.replication == 0).collect();
        if charted {
            for (k, r) in zeros.iter().take(MAX_CHARTED_VARIANTS).enumerate() {
                let svgs = if k == 0 {
                    std::mem::take(&mut first_svgs)
                } else {
                    charts::render_svgs(r).context("cannot draw the charts")?
                };
                variant_charts.push((r.variant.clone(), svgs));
            }
        }
        let page = output::report::Page {
            name: &sc.name,
            description: &sc.description,
            file: about.file.as_ref().map(|(p, t)| (p.as_str(), t.as_str())),
            seed: opts.seed.unwrap_or(sc.seed),
            uncharted: if charted {
                zeros.len().saturating_sub(MAX_CHARTED_VARIANTS)
            } else {
                0
            },
            variant_charts,
            sweep_charts: sweep_svgs,
            summary_csv: &summary,
            variants_csv: &variants,
            recommendation: recommendation.as_deref(),
            warnings: &about.warnings,
        };
        let html = output::report::render(&page, runs);
        files.push(put("report.html", html.as_bytes())?);
    }
    Ok(Written {
        dir,
        files,
        recommendation,
        report,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spilled_runs_keep_their_summary_and_only_charted_replication_zero_keeps_its_rows() {
        let text = r#"
duration = "1m"
replications = 2
[[functions]]
name = "a"
duration = "10ms"
[[sources]]
service = "s3"
arrival = { process = "poisson", rate = 20.0 }
[output]
invocations = true
trace = true
[sweep]
"functions.a.memory_mb" = [128, 256]
"#;
        let variants =
            crate::scenario::parse_variants(text, std::path::Path::new("t.toml")).unwrap();
        let d = tempfile::tempdir().unwrap();
        let staged = Staged::begin(&d.path().join("t")).unwrap();
        let spill = Spill {
            staged: vec![&staged, &staged],
            charted: vec![true, false],
        };
        let opts = RunOptions::default();
        let runs = simulate_into(&variants, &opts, Some(&spill)).unwrap();
        let whole = simulate_all(&variants, &opts).unwrap();
        for (k, (run, full)) in runs
            .iter()
            .flatten()
            .zip(whole.iter().flatten())
            .enumerate()
        {
            let charted = k == 0;
            assert_eq!(run.total.requests, full.total.requests);
            assert!(run.attempts.is_none(), "run {k}");
            assert_eq!(!run.series.is_empty(), charted, "run {k}");
            assert_eq!(run.trace.is_some(), charted, "run {k}");
            assert_eq!(run.total.latency.histogram.is_some(), charted, "run {k}");
            assert!(!full.series.is_empty() && full.attempts.is_some());
        }
        assert_eq!(staged.parts("timeseries.csv"), 4);
        assert_eq!(staged.parts("invocations.csv"), 4);
    }
}
