//! The memory a command's runs need, estimated before any of them runs, against a budget:
//! a scenario that would exhaust the machine is refused with the estimate and the key to
//! change, instead of dying an hour in.

use crate::model::{Footprint, Scenario, footprint};
use crate::scenario::InputError;

/// The default budget, GiB (`--max-memory`).
pub const DEFAULT_GIB: f64 = 8.0;

const GIB: f64 = (1u64 << 30) as f64;

/// What the runs of one scenario file need.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Need {
    /// Bytes the reports keep until the outputs are written, over every run.
    pub kept: u64,
    /// Bytes the largest run takes while it runs.
    pub working: u64,
    /// Bytes of the text of its CSV files while they are written.
    pub text: u64,
    /// Runs (variants × replications).
    pub runs: u64,
    /// The largest run's footprint, for the error.
    pub largest: Footprint,
}

/// What the runs of one file (its variants, each with its replications) need.
pub fn need(variants: &[Scenario]) -> Need {
    let mut n = Need::default();
    // Replication 0 of the first variants is charted (of the first alone without a
    // report; the estimate assumes the report).
    let charted = crate::runner::charted_by(&variants[0]);
    for (v, sc) in variants.iter().enumerate() {
        let f = footprint(sc);
        let reps = u64::from(sc.replications);
        n.kept = n
            .kept
            .saturating_add(f.kept(v < charted))
            .saturating_add(f.kept(false).saturating_mul(reps.saturating_sub(1)));
        if f.working() > n.working {
            n.working = f.working();
            n.largest = f;
        }
        n.text = n.text.saturating_add(f.text.saturating_mul(reps));
        n.runs += reps;
    }
    n
}

/// Refuses a command whose runs would need more than `budget_gib`: every report kept,
/// with either as many runs at once as there are `threads` or, once they are done, the
/// text of the largest file's CSV files.
pub fn check(
    files: &[(&std::path::Path, &[Scenario])],
    threads: usize,
    budget_gib: f64,
) -> Result<(), InputError> {
    let needs: Vec<Need> = files.iter().map(|(_, v)| need(v)).collect();
    let runs: u64 = needs.iter().map(|n| n.runs).sum();
    let at_once = (threads as u64).min(runs).max(1);
    let working = needs.iter().map(|n| n.working).max().unwrap_or(0);
    let kept: u64 = needs.iter().map(|n| n.kept).fold(0, u64::saturating_add);
    let text = needs.iter().map(|n| n.text).max().unwrap_or(0);
    let total = kept.saturating_add(working.saturating_mul(at_once).max(text));
    if (total as f64) <= budget_gib * GIB {
        return Ok(());
    }
    // Name the file that needs the most, and the part of it that dominates.
    let (i, n) = needs
        .iter()
        .enumerate()
        .max_by_key(|(_, n)| n.kept.saturating_add(n.working))
        .expect("at least one file");
    let (path, variants) = files[i];
    let f = n.largest;
    let gb = |b: u64| {
        if b as f64 >= GIB / 10.0 {
            format!("{:.1} GiB", b as f64 / GIB)
        } else {
            format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
        }
    };
    let parts = [
        (
            f.series + f.series_kept,
            "output.timeseries_interval",
            "time series",
        ),
        (f.distributions, "replications", "distributions"),
        (f.environments, "account.concurrency_limit", "environments"),
        (f.hosts, "platform.hosts", "hosts"),
        (f.records, "output.invocations", "invocation records"),
    ];
    let &(_, key, what) = parts.iter().max_by_key(|p| p.0).expect("parts");
    // Many small runs: their summaries, kept until the files are written, dominate.
    let (key, what) = if n.kept > n.working.saturating_mul(at_once) {
        ("replications", "reports")
    } else {
        (key, what)
    };
    let pc = variants[0]
        .functions
        .iter()
        .position(|f| f.provisioned_concurrency.max() > 0);
    let key = match (what, pc) {
        ("environments", Some(j)) => format!("functions[{j}].provisioned_concurrency"),
        ("distributions" | "reports", _) if variants.len() > 1 => "sweep".into(),
        _ => key.to_string(),
    };
    Err(InputError {
        file: path.display().to_string(),
        position: None,
        key: Some(key),
        message: format!(
            "the runs need about {} of memory (most of it {what}), more than the budget of {budget_gib} GiB: {} run(s) ({} variant(s) × replications) keep {} of reports, {at_once} at once take {} each while they run, and the CSV text takes {}",
            gb(total),
            n.runs,
            variants.len(),
            gb(n.kept),
            gb(n.working),
            gb(n.text),
        ),
        help: Some(match what {
            "time series" => "a longer `output.timeseries_interval`, a shorter `duration`, or fewer `replications`; or a larger budget with --max-memory".into(),
            "distributions" | "reports" => "fewer variants or replications, or a larger budget with --max-memory".into(),
            "environments" => "fewer provisioned environments or a lower `account.concurrency_limit`; or a larger budget with --max-memory".into(),
            "hosts" => "fewer `platform.hosts`, or a larger budget with --max-memory".into(),
            _ => "turn `output.invocations` off, shorten the run, or give a larger budget with --max-memory".into(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(extra: &str, sweep: &str) -> Vec<Scenario> {
        crate::scenario::parse_variants(
            &format!(
                r#"
duration = "16m"
{extra}
[[functions]]
name = "a"
duration = "10ms"
[[sources]]
service = "api_gateway"
arrival = {{ process = "poisson", rate = 1.0 }}
{sweep}
"#
            ),
            std::path::Path::new("t.toml"),
        )
        .unwrap()
    }

    fn refusal(v: &[Scenario], threads: usize, gib: f64) -> InputError {
        check(&[(std::path::Path::new("t.toml"), v)], threads, gib).unwrap_err()
    }

    #[test]
    fn the_estimate_adds_the_reports_kept_to_the_runs_at_once_and_names_what_dominates() {
        let v = scenario(
            "replications = 3",
            "[output]\ntimeseries_interval = \"1ms\"",
        );
        let n = need(&v);
        let f = footprint(&v[0]);
        assert_eq!(n.runs, 3);
        assert_eq!(n.kept, f.kept(true) + 2 * f.kept(false));
        assert_eq!(n.working, f.working());
        assert_eq!(n.text, 3 * f.text);
        // Just over the estimate with one thread is refused, just under is not.
        let total = n.kept + n.working.max(n.text);
        let gib = total as f64 / GIB;
        assert!(check(&[(std::path::Path::new("t.toml"), &v)], 1, gib * 1.001).is_ok());
        let e = refusal(&v, 1, gib * 0.999);
        assert_eq!(e.key.as_deref(), Some("output.timeseries_interval"));
        assert!(e.message.contains("3 run(s) (1 variant(s)"), "{e}");
        assert!(
            e.help
                .unwrap()
                .starts_with("a longer `output.timeseries_interval`")
        );
        // Two threads hold two runs at once, when the runs at once outweigh the text.
        let two = n.kept + (2 * n.working).max(n.text);
        assert!(
            check(
                &[(std::path::Path::new("t.toml"), &v)],
                2,
                two as f64 / GIB * 1.001
            )
            .is_ok()
        );
        if 2 * n.working > n.text {
            assert!(
                check(
                    &[(std::path::Path::new("t.toml"), &v)],
                    2,
                    two as f64 / GIB * 0.999
                )
                .is_err()
            );
        }
    }

    #[test]
    fn many_small_runs_are_dominated_by_their_summaries_and_name_the_replications() {
        let v = scenario("replications = 100000", "");
        let n = need(&v);
        let f = footprint(&v[0]);
        assert_eq!(n.kept, f.kept(true) + 99_999 * f.kept(false));
        assert!(n.kept > 2 * n.working);
        let e = refusal(&v, 2, n.kept as f64 / GIB);
        assert_eq!(e.key.as_deref(), Some("replications"), "{e}");
        assert!(e.message.contains("(most of it reports)"), "{e}");
        assert!(
            e.help
                .unwrap()
                .starts_with("fewer variants or replications")
        );
        // A sweep's runs name the sweep.
        let values: Vec<String> = (0..2000).map(|k| (128 + k).to_string()).collect();
        let v = scenario(
            "replications = 50",
            &format!(
                "[sweep]\n\"functions.a.memory_mb\" = [{}]",
                values.join(", ")
            ),
        );
        let n = need(&v);
        let e = refusal(&v, 2, n.kept as f64 / GIB);
        assert_eq!(e.key.as_deref(), Some("sweep"), "{e}");
        assert!(e.message.contains("(most of it reports)"), "{e}");
        // With as much running at once as kept, the run's own parts name the key.
        let v = scenario(
            "replications = 3",
            "[output]\ntimeseries_interval = \"1ms\"",
        );
        let n = need(&v);
        assert!(n.kept < n.working);
        let e = refusal(&v, 1, 1e-3);
        assert!(e.message.contains("(most of it time series)"), "{e}");
    }

    #[test]
    fn the_time_series_count_both_their_running_bins_and_their_report_rows() {
        // Environments worth three quarters of the series (bins and rows together): the
        // series dominate.
        let fine = "[output]\ntimeseries_interval = \"1ms\"";
        let f = footprint(&scenario("", fine)[0]);
        let per_env = f.environments / 1000;
        let limit = 3 * (f.series + f.series_kept) / 4 / per_env;
        let v = scenario(&format!("[account]\nconcurrency_limit = {limit}"), fine);
        let e = refusal(&v, 1, 1e-3);
        assert_eq!(e.key.as_deref(), Some("output.timeseries_interval"), "{e}");
    }

    #[test]
    fn small_figures_are_in_mib_and_a_sweeps_distributions_name_the_sweep() {
        let v = scenario("", "[sweep]\n\"functions.a.memory_mb\" = [128, 256, 512]");
        assert_eq!(v.len(), 3);
        let e = refusal(&v, 1, 1e-4);
        assert_eq!(e.key.as_deref(), Some("sweep"), "{e}");
        assert!(
            e.message.contains("MiB") && !e.message.contains(" GiB of reports"),
            "{e}"
        );
        // Each variant's replication 0 is charted: it keeps its distributions.
        assert!(e.message.contains("most of it reports"), "{e}");
        assert!(
            e.help
                .unwrap()
                .starts_with("fewer variants or replications")
        );
        let one = scenario("", "");
        let e = refusal(&one, 1, 1e-4);
        assert_eq!(e.key.as_deref(), Some("replications"), "{e}");
        let hosts = scenario("[platform]\nhosts = 100000\nhost_memory_mb = 4096", "");
        let e = refusal(&hosts, 1, 1e-4);
        assert_eq!(e.key.as_deref(), Some("platform.hosts"), "{e}");
        assert!(e.help.unwrap().starts_with("fewer `platform.hosts`"));
        let envs = scenario("[account]\nconcurrency_limit = 5000000", "");
        let e = refusal(&envs, 1, 1e-3);
        assert_eq!(e.key.as_deref(), Some("account.concurrency_limit"), "{e}");
        assert!(
            e.help
                .unwrap()
                .starts_with("fewer provisioned environments")
        );
    }
}
