//! A run's memory, estimated from the scenario alone before it runs: what a run holds
//! while it runs (its time series, environments, hosts, records), and what its report
//! keeps once it is done, until the outputs are written (its summary; with the series,
//! distributions and records too if it is the charted run).

use super::env::Env;
use crate::metrics::{
    AttemptRecord, Bin, BinReport, FunctionReport, RunReport, SourceReport, TraceRecord,
};
use crate::model::Scenario;

/// Bytes one run takes, by what takes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// The time series while the run runs (its bins).
    pub series: u64,
    /// The time series as its report holds it (kept by the charted run only).
    pub series_kept: u64,
    /// Its summary: the figures of each function, the total and each source.
    pub summary: u64,
    /// The latency, queue and age distributions (kept by the charted run only).
    pub distributions: u64,
    /// Execution environments: the concurrency the account allows and the provisioned
    /// ones beside.
    pub environments: u64,
    /// The hosts of a finite cluster.
    pub hosts: u64,
    /// The records of `invocations.csv` and `trace.json`, when asked for.
    pub records: u64,
    /// The run's rows of the files written whole from the reports (`summary.csv`,
    /// `sources.csv`, `variants.csv`), as text; the rows of `timeseries.csv` and
    /// `invocations.csv` go to disk as each run ends.
    pub text: u64,
}

/// Bytes of a row of `summary.csv` or `variants.csv` as text, at most about.
const SUMMARY_ROW_TEXT: u64 = 1200;
/// Bytes of a row of `sources.csv` as text, at most about.
const SOURCE_ROW_TEXT: u64 = 300;

impl Footprint {
    /// What the run holds at its peak.
    pub fn working(&self) -> u64 {
        self.series
            + self.series_kept
            + self.summary
            + self.distributions
            + self.environments
            + self.hosts
            + self.records
    }

    /// What the report keeps once the run is done: its summary; and if it is `charted`
    /// (the run the charts and `trace.json` show), its time series, distributions and
    /// records too.
    pub fn kept(&self, charted: bool) -> u64 {
        self.summary
            + if charted {
                self.series_kept + self.distributions + self.records
            } else {
                0
            }
    }
}

/// Bytes of one latency distribution (an hdrhistogram of 1 µs to 30 days at three
/// significant digits).
fn distribution_bytes() -> u64 {
    static BYTES: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *BYTES.get_or_init(|| {
        let h = crate::metrics::latency_histogram();
        (h.distinct_values() * std::mem::size_of::<u64>()) as u64
    })
}

/// Estimates what one run of `sc` takes.
pub fn footprint(sc: &Scenario) -> Footprint {
    let functions = sc.functions.len() as u64;
    let interval = sc.output.timeseries_interval.as_nanos().max(1);
    let bins = sc.duration.as_nanos().div_ceil(interval) + 1;
    let cells = bins.saturating_mul(functions);
    // A function's latency distribution, and the total's; queue waits with asynchronous
    // or poll sources, event and oldest ages with poll sources (each is allocated at its
    // first value).
    let asynchronous = sc
        .sources
        .iter()
        .any(|s| s.invocation == crate::sources::InvocationType::Event || s.mapping.is_some());
    let poll = sc.sources.iter().any(|s| s.mapping.is_some());
    let kinds = 1 + u64::from(asynchronous) + 2 * u64::from(poll);
    let distributions = kinds * (functions + 1) * distribution_bytes();
    let provisioned: u64 = sc
        .functions
        .iter()
        .map(|f| u64::from(f.provisioned_concurrency.max()))
        .sum();
    let environments = (u64::from(sc.account.concurrency_limit) + provisioned)
        * (std::mem::size_of::<Env>() as u64 + 16);
    let hosts = sc.platform.cluster.map_or(0, |c| u64::from(c.hosts) * 256);
    let expected = sc.expected_requests();
    let mut records = 0;
    let sources = sc.sources.len() as u64;
    let text = (functions + 1) * SUMMARY_ROW_TEXT + sources * SOURCE_ROW_TEXT;
    if sc.output.invocations {
        records += (expected * std::mem::size_of::<AttemptRecord>() as f64) as u64;
    }
    if sc.output.trace {
        records += sc.output.trace_limit * std::mem::size_of::<TraceRecord>() as u64;
    }
    Footprint {
        series: cells.saturating_mul(std::mem::size_of::<Bin>() as u64),
        series_kept: cells.saturating_mul(std::mem::size_of::<BinReport>() as u64),
        summary: std::mem::size_of::<RunReport>() as u64
            + (functions + 1) * std::mem::size_of::<FunctionReport>() as u64
            + sources * (std::mem::size_of::<SourceReport>() as u64 + 32),
        distributions,
        environments,
        hosts,
        records,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_holds_every_part_and_keeps_its_summary_and_if_charted_its_series() {
        // Distinct powers of two: a sum that drops, doubles or multiplies a part is seen.
        let f = Footprint {
            series: 1,
            series_kept: 2,
            summary: 4,
            distributions: 8,
            environments: 16,
            hosts: 32,
            records: 64,
            text: 128,
        };
        assert_eq!(f.working(), 127);
        assert_eq!(f.kept(true), 4 + 2 + 8 + 64);
        assert_eq!(f.kept(false), 4);
    }

    #[test]
    fn each_part_counts_what_the_scenario_asks_for() {
        let parse =
            |text: &str| crate::scenario::parse(text, std::path::Path::new("t.toml")).unwrap();
        let base = r#"
duration = "100s"
[[functions]]
name = "a"
duration = "10ms"
[[functions]]
name = "b"
duration = "10ms"
provisioned_concurrency = 7
[[sources]]
service = "api_gateway"
function = "a"
arrival = { process = "constant", rate = 10.0 }
[[sources]]
name = "second"
service = "api_gateway"
function = "b"
arrival = { process = "constant", rate = 5.0 }
[account]
concurrency_limit = 1000
[output]
timeseries_interval = "10s"
"#;
        let size = |n: usize| n as u64;
        let f = footprint(&parse(base));
        // 100 s at 10 s: 11 bins, for each of 2 functions.
        assert_eq!(f.series, 22 * size(std::mem::size_of::<Bin>()));
        assert_eq!(f.series_kept, 22 * size(std::mem::size_of::<BinReport>()));
        assert_eq!(
            f.summary,
            size(std::mem::size_of::<RunReport>())
                + 3 * size(std::mem::size_of::<FunctionReport>())
                + 2 * (size(std::mem::size_of::<SourceReport>()) + 32)
        );
        // Synchronous sources: latency only, for 2 functions and the total.
        assert_eq!(f.distributions, 3 * distribution_bytes());
        assert_eq!(
            f.environments,
            1007 * (size(std::mem::size_of::<Env>()) + 16)
        );
        assert_eq!((f.hosts, f.records), (0, 0));
        assert_eq!(f.text, 3 * SUMMARY_ROW_TEXT + 2 * SOURCE_ROW_TEXT);
        // 1,500 requests expected: a record each; and the trace's limit.
        let recorded = footprint(&parse(&base.replace(
            "timeseries_interval = \"10s\"",
            "timeseries_interval = \"10s\"\ninvocations = true\ntrace = true\ntrace_limit = 300",
        )));
        assert_eq!(
            recorded.records,
            1500 * size(std::mem::size_of::<AttemptRecord>())
                + 300 * size(std::mem::size_of::<TraceRecord>())
        );
        // An asynchronous source adds queue waits; a poll source event and oldest ages too.
        let s3 = footprint(&parse(&base.replacen(
            "service = \"api_gateway\"",
            "service = \"s3\"",
            1,
        )));
        assert_eq!(s3.distributions, 2 * 3 * distribution_bytes());
        let sqs = footprint(&parse(&base.replacen(
            "service = \"api_gateway\"",
            "service = \"sqs\"",
            1,
        )));
        assert_eq!(sqs.distributions, 4 * 3 * distribution_bytes());
        let cluster = footprint(&parse(&format!(
            "{base}[platform]\nhosts = 40\nhost_memory_mb = 4096\n"
        )));
        assert_eq!(cluster.hosts, 40 * 256);
    }

    #[test]
    fn the_series_grow_with_the_bins_and_the_functions_and_provisioned_environments_count() {
        let sc = |extra: &str, interval: &str| {
            crate::scenario::parse(
                &format!(
                    r#"
duration = "16m"
[[functions]]
name = "a"
duration = "10ms"
{extra}
[[sources]]
service = "api_gateway"
function = "a"
arrival = {{ process = "poisson", rate = 1.0 }}
[output]
timeseries_interval = "{interval}"
"#
                ),
                std::path::Path::new("t.toml"),
            )
            .unwrap()
        };
        let bin = std::mem::size_of::<Bin>() as u64;
        let row = std::mem::size_of::<BinReport>() as u64;
        let ms = footprint(&sc("", "1ms"));
        assert_eq!((ms.series, ms.series_kept), (960_001 * bin, 960_001 * row));
        let s = footprint(&sc("", "1s"));
        assert_eq!((s.series, s.series_kept), (961 * bin, 961 * row));
        assert_eq!(
            s.kept(true) - s.kept(false),
            s.series_kept + s.distributions + s.records
        );
        assert!(s.kept(false) >= std::mem::size_of::<RunReport>() as u64);
        assert!(ms.working() > 100 * s.working() / 2);
        assert!(distribution_bytes() > 100_000, "{}", distribution_bytes());
        // A synchronous source: the latency distributions of the function and the total.
        assert_eq!(s.distributions, 2 * distribution_bytes());
        let pc = footprint(&sc("provisioned_concurrency = 500", "1s"));
        assert_eq!(
            pc.environments - s.environments,
            500 * (std::mem::size_of::<Env>() as u64 + 16)
        );
    }
}
