//! `lambdasim import`: a function's CloudWatch logs, summed up (`LogSummary`), written as
//! a runnable scenario. Its source replays every logged invocation exactly (arrival,
//! duration, end, cold start and INIT), so the scenario's run reproduces the log; the
//! function carries a model fitted from the same log (durations, INIT, error rate) for
//! what-if runs. A header comment says what was imported.

use crate::billing::{self, Architecture, Pricing, Sizing, Usage};
use crate::engine::Time;
use crate::model::Scenario;
use crate::sources::ArrivalProcess;
use crate::sources::cloudwatch::LogSummary;
use std::fmt::Write;
use std::path::{Component, Path, PathBuf};

/// What the import was asked for.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The scenario's name (the function's, with one function).
    pub name: String,
    /// The architecture the functions ran on (the logs do not say).
    pub architecture: Architecture,
    /// The service that invoked them (the logs do not say): `direct` by default.
    pub service: String,
    /// The scenario file to write (its folder anchors the logs' relative paths).
    pub out: PathBuf,
}

/// One function's logs, read.
#[derive(Debug)]
pub struct Imported {
    /// The function's name.
    pub name: String,
    /// Its log files, as the user named them.
    pub logs: Vec<PathBuf>,
    /// What they hold.
    pub summary: LogSummary,
}

/// A name for the function from its log's file name: `orders-api-week.log.gz` →
/// `orders-api-week`, with any character a name may not hold replaced by `-`.
pub fn name_from_path(p: &Path) -> String {
    let file = p
        .file_name()
        .map_or("function".into(), |f| f.to_string_lossy().into_owned());
    let stem = file.split('.').next().unwrap_or("");
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() {
        "function".into()
    } else {
        name
    }
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A duration as the scenario format writes it, exact to the microsecond.
fn duration(t: Time) -> String {
    let us = t.as_nanos().div_ceil(1_000);
    if us.is_multiple_of(1_000_000) {
        format!("{}s", us / 1_000_000)
    } else if us.is_multiple_of(1_000) {
        format!("{}ms", us / 1_000)
    } else {
        format!("{}.{:03}ms", us / 1_000, us % 1_000)
    }
}

/// `path` as seen from the folder `from` (both made absolute against the current
/// folder), so that the scenario finds its log wherever it is run from.
pub fn relative_to(path: &Path, from: &Path) -> PathBuf {
    let abs = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let (p, f) = (abs(path), abs(from));
    let (pc, fc): (Vec<Component>, Vec<Component>) =
        (p.components().collect(), f.components().collect());
    let common = pc.iter().zip(&fc).take_while(|(a, b)| a == b).count();
    // Nothing shared but the root (or a drive): the absolute path says more.
    if common <= 1 {
        return p;
    }
    let mut out = PathBuf::new();
    for _ in common..fc.len() {
        out.push("..");
    }
    for c in &pc[common..] {
        out.push(c.as_os_str());
    }
    out
}

/// The empirical distribution of a histogram, as `percentiles`.
fn percentiles(h: &hdrhistogram::Histogram<u64>) -> String {
    const PS: [f64; 12] = [
        0.0, 1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0,
    ];
    let mut parts = Vec::with_capacity(PS.len());
    let mut last = 0u64;
    for p in PS {
        let v = match p {
            0.0 => h.min(),
            100.0 => h.max(),
            _ => h.value_at_quantile(p / 100.0),
        }
        .max(last);
        last = v;
        let key = if p.fract() == 0.0 {
            format!("p{p:.0}")
        } else {
            format!("\"p{p}\"")
        };
        parts.push(format!("{key} = {}", quoted(&duration(Time(v)))));
    }
    format!(
        "{{ dist = \"empirical\", percentiles = {{ {} }} }}",
        parts.join(", ")
    )
}

/// What the logged invocations cost at AWS's 2025 prices: each report at its own memory
/// size, no free tier.
pub fn logged_cost(s: &LogSummary, arch: Architecture) -> (f64, f64) {
    let mut pricing = Pricing::preset("aws-x86-2025").expect("a preset");
    pricing.free_tier = false;
    // Billed Duration is already what AWS billed: INIT is in it or not, as logged.
    let funcs: Vec<(Sizing, Usage)> = s
        .memory_sizes
        .iter()
        .map(|(&memory_mb, &(requests, ondemand_ms))| {
            (
                Sizing {
                    memory_mb,
                    architecture: arch,
                    // The log says nothing of either.
                    ephemeral_storage_mb: billing::FREE_EPHEMERAL_MB,
                    snapstart_charged: false,
                    edge: false,
                    managed: None,
                },
                Usage {
                    requests,
                    ondemand_ms,
                    ..Usage::default()
                },
            )
        })
        .collect();
    let (_, total) = billing::bill(&pricing, &funcs, s.period());
    (total.request, total.compute)
}

fn utc(ns: u64) -> String {
    chrono::DateTime::from_timestamp_nanos(ns as i64)
        .format("%Y-%m-%d %H:%M UTC")
        .to_string()
}

/// Dollars, to the cent, or to four significant digits below a dollar.
fn money(x: f64) -> String {
    if x >= 1.0 || x == 0.0 {
        format!("${x:.2}")
    } else {
        let digits = (3 - x.log10().floor() as i32).clamp(2, 10) as usize;
        format!("${x:.digits$}")
    }
}

/// `n` grouped in thousands, with its noun: "1 request", "2,000 requests".
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What the import found, as lines (the header comment and what the command prints).
pub fn found(s: &LogSummary, o: &ImportOptions) -> Vec<String> {
    let mut lines = Vec::new();
    let files: Vec<String> = s
        .files
        .iter()
        .map(|(p, f)| format!("{} ({})", p.display(), f.label()))
        .collect();
    lines.push(format!("Logs: {}", files.join(", ")));
    let days = s.period().as_nanos() as f64 / 86_400e9;
    lines.push(format!(
        "Period: {} to {} ({days:.2} days)",
        utc(s.first_arrival),
        utc(s.last_end)
    ));
    let pct = |n: u64| 100.0 * n as f64 / s.invocations.max(1) as f64;
    lines.push(format!(
        "Logged: {}, {} ({:.2} %), {}, {}",
        counted(s.invocations, "invocation", "invocations"),
        counted(s.cold_starts, "cold start", "cold starts"),
        pct(s.cold_starts),
        counted(s.errors, "error", "errors"),
        counted(s.timeouts, "timeout", "timeouts")
    ));
    if s.restores > 0 {
        lines.push(format!("SnapStart restores: {}", thousands(s.restores)));
    }
    let sizes: Vec<String> = s
        .memory_sizes
        .iter()
        .map(|(mb, (n, _))| format!("{mb} MB × {}", thousands(*n)))
        .collect();
    lines.push(format!(
        "Memory: {} (max used {} MB)",
        sizes.join(", "),
        s.max_memory_used_mb
    ));
    let rule = match s.billing.bill_init() {
        Some(true) => {
            "INIT billed: Billed Duration = ceil(Duration + Init Duration), AWS's rule since August 2025"
        }
        Some(false) => {
            "INIT not billed: Billed Duration = ceil(Duration), AWS's rule for managed runtimes before August 2025"
        }
        None => "no cold start tells whether INIT is billed: billed as AWS does since August 2025",
    };
    lines.push(format!("Billing: {rule}"));
    let (req, dur) = logged_cost(s, o.architecture);
    lines.push(format!(
        "Cost as logged: {} at {} prices (requests {}, duration {} for {:.1} GB-s; no free tier)",
        money(req + dur),
        o.architecture.as_str(),
        money(req),
        money(dur),
        s.gb_seconds()
    ));
    if s.bad.count > 0 {
        lines.push(format!(
            "Malformed reports skipped: {} (the first: {})",
            thousands(s.bad.count),
            s.bad.first.join("; ")
        ));
    }
    if s.untimed > 0 {
        lines.push(format!(
            "Reports without a time of their own: {} (placed one after another)",
            thousands(s.untimed)
        ));
    }
    lines
}

/// The timeout to write: the logged timeouts' Duration, else the longest invocation
/// rounded up to the second (at least AWS's default of 3 s), and never below the longest.
fn timeout(s: &LogSummary) -> (Time, &'static str) {
    let longest_ms = s.max_duration.ceil_millis();
    match s.timeout {
        Some(t) => (
            Time::from_millis(t.ceil_millis().max(longest_ms)),
            "the Duration of the logged timeouts",
        ),
        None => (
            Time::from_secs(longest_ms.div_ceil(1000).max(3)),
            "not in the logs: the longest invocation, rounded up to the second",
        ),
    }
}

/// What the imported scenario gives when run three ways: as written (the replay, which
/// must reproduce the log), with its cold starts simulated on the logged arrivals, and
/// the fitted model alone (the weekly arrivals through the fitted function).
pub fn checks(sc: &Scenario, logged_cold_starts: u64) -> Vec<String> {
    let run = |sc: &Scenario| crate::model::simulate(sc, sc.seed, 0).total;
    let pct = |n: u64| {
        if logged_cold_starts == 0 {
            String::new()
        } else {
            let logged = logged_cold_starts as f64;
            format!(
                " ({:+.1} % against the log)",
                100.0 * (n as f64 - logged) / logged
            )
        }
    };
    let mut lines = Vec::new();
    let base = run(sc);
    lines.push(format!(
        "Replayed by this scenario: {}, {}, {} failed, {}",
        counted(base.requests, "request", "requests"),
        counted(base.cold_starts, "cold start", "cold starts"),
        thousands(base.failed),
        money(base.costs.total())
    ));
    let mut simulated = sc.clone();
    for src in &mut simulated.sources {
        for a in &mut src.arrival {
            if let ArrivalProcess::Trace(t) = a {
                t.copy_cold_starts = false;
            }
        }
    }
    let keep = sc
        .functions
        .first()
        .map_or(String::new(), |f| f.keep_alive.label());
    let r = run(&simulated);
    lines.push(format!(
        "Cold starts simulated instead (keep-alive {keep}) on the logged arrivals: {}{}",
        thousands(r.cold_starts),
        pct(r.cold_starts)
    ));
    let mut fitted = sc.clone();
    fitted.sources.retain(|src| {
        !src.arrival
            .iter()
            .any(|a| matches!(a, ArrivalProcess::Trace(_)))
    });
    for src in &mut fitted.sources {
        for a in &mut src.arrival {
            if let ArrivalProcess::Weekly(w) = a {
                w.scale = 1.0;
            }
        }
    }
    if !fitted.sources.is_empty() {
        let r = run(&fitted);
        lines.push(format!(
            "The fitted model alone (weekly arrivals, fitted durations, simulated cold starts): {}, {}{}, p99 {:.0} ms",
            counted(r.requests, "request", "requests"),
            counted(r.cold_starts, "cold start", "cold starts"),
            pct(r.cold_starts),
            r.latency.p99_ms
        ));
    }
    lines
}

/// The scenario file for the functions `fns`; `checks` (from `checks`) go in its header.
pub fn scenario(fns: &[Imported], o: &ImportOptions, checks: &[String]) -> String {
    let mut t = String::new();
    let several = fns.len() > 1;
    let _ = writeln!(t, "# {}: imported by `lambdasim import`.", o.name);
    for f in fns {
        if several {
            let _ = writeln!(t, "# Function {}:", f.name);
        }
        for l in found(&f.summary, o) {
            let _ = writeln!(t, "# {}{l}", if several { "  " } else { "" });
        }
    }
    for l in checks {
        let _ = writeln!(t, "# {l}");
    }
    let (logged, more) = source_names(fns, 0);
    let _ = writeln!(
        t,
        "#
# The source `{logged}` replays every logged invocation when it arrived, for its logged
# duration, ending as logged (success, error, timeout), cold or warm as logged with its
# logged INIT: this scenario's run reproduces the log, and its cost is the logged cost.
# The function's `duration`, `init` and `error_rate` are fitted from the same log: they
# serve every invocation that is not replayed, e.g. the source `{more}`. To ask what-if
# questions, sweep what you would change:
#
#   [sweep]
#   \"functions.{name}.memory_mb\" = [512, 1024, 2048]
#
# (with `cpu_bound_fraction` and `reference_memory_mb` below, the replayed durations
# scale with memory too), or `provisioned_concurrency`, `reserved_concurrency`,
# `keep_alive`; with `cold_starts = \"simulate\"` the cold starts are simulated instead.",
        name = fns[0].name
    );
    let _ = writeln!(t);
    let first = fns
        .iter()
        .map(|f| f.summary.first_arrival)
        .min()
        .unwrap_or(0);
    let last = fns.iter().map(|f| f.summary.last_end).max().unwrap_or(0);
    let _ = writeln!(t, "name = {}", quoted(&o.name));
    let what = if several {
        "replayed from their CloudWatch logs"
    } else {
        "replayed from its CloudWatch logs"
    };
    let _ = writeln!(
        t,
        "description = {}",
        quoted(&format!(
            "{} {what}, {} to {}",
            o.name,
            utc(first),
            utc(last)
        ))
    );
    // From the run's 0 (the first arrival's minute) past the last report.
    let origin = first - first % 60_000_000_000;
    let minutes = (last - origin).div_ceil(60_000_000_000) + 1;
    let span = if minutes.is_multiple_of(1440) {
        format!("{}d", minutes / 1440)
    } else if minutes.is_multiple_of(60) {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    };
    let _ = writeln!(
        t,
        "duration = \"{span}\"   # from the first arrival's minute past the last report"
    );
    let _ = writeln!(t, "seed = 1");
    let _ = writeln!(t);
    let _ = writeln!(t, "[pricing]");
    let mut evidence = crate::sources::cloudwatch::BillingEvidence::default();
    for f in fns {
        evidence.init_billed += f.summary.billing.init_billed;
        evidence.init_free += f.summary.billing.init_free;
    }
    let _ = writeln!(
        t,
        "bill_init = {}   # {}",
        evidence.bill_init().unwrap_or(true),
        if evidence.bill_init().is_some() {
            "as the logged cold starts were billed"
        } else {
            "no logged cold start tells: AWS's rule since August 2025"
        }
    );
    for f in fns {
        let _ = writeln!(t);
        t.push_str(&function_block(f, o));
    }
    let start = chrono::DateTime::from_timestamp_nanos(origin as i64)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    for (i, f) in fns.iter().enumerate() {
        let (logged, more) = source_names(fns, i);
        let dir = o
            .out
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let paths: Vec<String> = f
            .logs
            .iter()
            .map(|p| quoted(&relative_to(p, dir).to_string_lossy()))
            .collect();
        let path = if paths.len() == 1 {
            paths[0].clone()
        } else {
            format!("[{}]", paths.join(", "))
        };
        let _ = writeln!(t);
        let _ = writeln!(t, "[[sources]]");
        let _ = writeln!(t, "name = {}", quoted(&logged));
        let _ = writeln!(
            t,
            "service = {}   # not in the logs: as given to the import",
            quoted(&o.service)
        );
        let _ = writeln!(t, "function = {}", quoted(&f.name));
        let _ = writeln!(
            t,
            "arrival = {{ process = \"trace\", format = \"cloudwatch\", path = {path}, start = \"{start}\", durations = \"trace\", cold_starts = \"trace\" }}"
        );
        let _ = writeln!(t);
        t.push_str(&extra_source(&f.summary, o, &f.name, &more, origin));
    }
    t
}

/// The names of the replaying and the fitted source of function `i`: `logged` and `more`
/// for a single function, `logged-<name>` and `more-<name>` for several.
fn source_names(fns: &[Imported], i: usize) -> (String, String) {
    if fns.len() == 1 {
        ("logged".into(), "more".into())
    } else {
        (
            format!("logged-{}", fns[i].name),
            format!("more-{}", fns[i].name),
        )
    }
}

/// A `[[functions]]` table: the logged configuration and the fitted model.
fn function_block(f: &Imported, o: &ImportOptions) -> String {
    let s = &f.summary;
    let mut t = String::new();
    let (timeout, why) = timeout(s);
    let _ = writeln!(t, "[[functions]]");
    let _ = writeln!(t, "name = {}", quoted(&f.name));
    let _ = writeln!(t, "memory_mb = {}", s.memory_mb());
    let _ = writeln!(
        t,
        "architecture = \"{}\"   # not in the logs: as given to the import",
        o.architecture.as_str()
    );
    let _ = writeln!(t, "timeout = {}   # {why}", quoted(&duration(timeout)));
    let _ = writeln!(t, "# Fitted: the logged durations.");
    let _ = writeln!(t, "duration = {}", percentiles(&s.durations));
    if !s.inits.is_empty() {
        let _ = writeln!(t, "# Fitted: the logged INIT durations.");
        let _ = writeln!(t, "init = {}", percentiles(&s.inits));
    }
    if s.restores > 0 {
        let _ = writeln!(
            t,
            "# The log holds SnapStart restores. It does not name the runtime: set yours (Python\n\
             # 3.12+ and .NET 8+ pay for the snapshot cache and each restore; Java pays neither)."
        );
        let _ = writeln!(t, "runtime = \"java21\"");
        let _ = writeln!(t, "snapstart = true");
        let _ = writeln!(
            t,
            "# Fitted: the logged Restore Durations, and the share of them billed."
        );
        let _ = writeln!(t, "restore = {}", percentiles(&s.restore_times));
        // Each logged Billed Restore Duration is rounded up, and the replay rounds again:
        // take off half a millisecond per restore.
        let share = if s.restore_ms.0 > 0.0 {
            ((s.restore_ms.1 as f64 - 0.5 * s.restores as f64) / s.restore_ms.0).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let _ = writeln!(t, "billed_restore_share = {share:.4}");
    }
    let rate = s.errors as f64 / s.invocations.max(1) as f64;
    let _ = writeln!(
        t,
        "error_rate = {rate:.6}   # fitted: the logged errors (timeouts follow from the durations)"
    );
    let _ = writeln!(
        t,
        "max_memory_used_mb = {}   # the logged Max Memory Used: a size below it plus 10 % runs out of memory",
        s.max_memory_used_mb.max(1)
    );
    let _ = writeln!(
        t,
        "# cpu_bound_fraction = 0.5   # the share of the duration that scales with CPU (an assumption)"
    );
    let _ = writeln!(t, "# reference_memory_mb = {}", s.memory_mb());
    t
}

/// The fitted arrivals: a `weekly` process with the logged rate of each hour of the week,
/// as a second source that adds nothing until its `traffic_scale` is raised.
fn extra_source(
    s: &LogSummary,
    o: &ImportOptions,
    function: &str,
    source: &str,
    origin: u64,
) -> String {
    const WEEK_S: u64 = 7 * 86_400;
    // 1970-01-01 was a Thursday, three days after a Monday.
    let offset = (origin / 1_000_000_000 + 3 * 86_400) % WEEK_S;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Fitted: the logged arrival rate (per second) of each hour of the week, from Monday
# 00:00 UTC. This source adds traffic like the logged, through the fitted function
# (durations, INIT, errors drawn; cold starts simulated): traffic_scale = 1.0 adds as much
# again (twice the traffic in all), 0.5 half as much. Sweep it:
#   \"sources.{source}.arrival.traffic_scale\" = [0.0, 0.5, 1.0]"
    );
    let _ = writeln!(t, "[[sources]]");
    let _ = writeln!(t, "name = {}", quoted(source));
    let _ = writeln!(t, "service = {}", quoted(&o.service));
    let _ = writeln!(t, "function = {}", quoted(function));
    let _ = writeln!(t, "[sources.arrival]");
    let _ = writeln!(t, "process = \"weekly\"");
    let _ = writeln!(t, "traffic_scale = 0.0");
    let _ = writeln!(
        t,
        "week_offset = \"{offset}s\"   # where in the week the run's t = 0 falls"
    );
    let _ = writeln!(t, "rates = [");
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let rates = s.weekly_rates();
    for (d, day) in DAYS.iter().enumerate() {
        let hours: Vec<String> = rates[d * 24..(d + 1) * 24]
            .iter()
            .map(|r| format!("{r:.6}"))
            .collect();
        let _ = writeln!(t, "    # {day}");
        for chunk in hours.chunks(12) {
            let _ = writeln!(t, "    {},", chunk.join(", "));
        }
    }
    let _ = writeln!(t, "]");
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fitted_percentiles_are_the_histograms() {
        // 1 to 1,000 ms, once each: the p-th percentile is about p × 10 ms.
        let mut h = hdrhistogram::Histogram::<u64>::new(3).unwrap();
        for ms in 1..=1000u64 {
            h.record(ms * 1_000_000).unwrap();
        }
        let text = percentiles(&h);
        let at = |key: &str| -> f64 {
            let rest = &text[text.find(&format!("{key} = \"")).unwrap() + key.len() + 4..];
            rest[..rest.find("ms").unwrap()].parse().unwrap()
        };
        // Within the histogram's 3 significant digits.
        assert!((at("p0") - 1.0).abs() <= 0.002, "{text}");
        assert!((at("p100") - 1000.0).abs() <= 1.0, "{text}");
        for (key, want) in [("p10", 100.0), ("p50", 500.0), ("p90", 900.0)] {
            assert!((at(key) - want).abs() <= 1.0, "{key}: {text}");
        }
        // The ends are the histogram's minimum and maximum.
        assert!(
            text.contains(&format!("p0 = \"{}\"", duration(Time(h.min())))),
            "{text}"
        );
        assert!(
            text.contains(&format!("p100 = \"{}\"", duration(Time(h.max())))),
            "{text}"
        );
    }

    #[test]
    fn names_come_from_the_file_name() {
        assert_eq!(
            name_from_path(Path::new("logs/orders-api-week.log.gz")),
            "orders-api-week"
        );
        assert_eq!(name_from_path(Path::new("/x/my fn.json")), "my-fn");
        assert_eq!(name_from_path(Path::new("a_b-c9.log")), "a_b-c9");
        assert_eq!(name_from_path(Path::new(".hidden")), "function");
    }

    #[test]
    fn durations_are_written_exactly_to_the_microsecond() {
        assert_eq!(duration(Time::from_millis(6000)), "6s");
        assert_eq!(duration(Time::from_millis(6001)), "6001ms");
        assert_eq!(duration(Time(31_414_740_000)), "31414.740ms");
        assert_eq!(duration(Time(1_500)), "0.002ms");
        let back = crate::scenario::raw::parse_duration("31414.740ms").unwrap();
        assert_eq!(back, Time(31_414_740_000));
    }

    #[test]
    fn relative_paths_climb_out_of_the_scenario_folder() {
        let d = tempfile::tempdir().unwrap();
        let logs = d.path().join("logs");
        let out = d.path().join("scenarios");
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(logs.join("a.log"), "").unwrap();
        assert_eq!(
            relative_to(&logs.join("a.log"), &out),
            Path::new("../logs/a.log")
        );
        assert_eq!(relative_to(&logs.join("a.log"), &logs), Path::new("a.log"));
    }

    #[test]
    fn money_keeps_four_digits_below_a_dollar() {
        assert_eq!(money(2.734), "$2.73");
        assert_eq!(money(0.02419), "$0.02419");
        assert_eq!(money(0.0037), "$0.003700");
        assert_eq!(money(0.0), "$0.00");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(18_770), "18,770");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn counts_take_their_noun_in_the_singular_for_one() {
        assert_eq!(counted(1, "request", "requests"), "1 request");
        assert_eq!(counted(0, "request", "requests"), "0 requests");
        assert_eq!(counted(1_000, "request", "requests"), "1,000 requests");
    }
}
