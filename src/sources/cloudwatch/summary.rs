//! What a function's logs say, in one streaming pass: the period, the counts, the memory,
//! the billing rule they follow, and the figures a fitted model of the function is built
//! from (the distributions of duration and INIT, the error rate, the arrival rate of each
//! hour of the week). Memory is fixed: histograms and counters, whatever the log's length.

use super::{BadLines, Invocation, LogError, LogFormat, LogReader, Status};
use crate::engine::Time;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::path::PathBuf;

const HOUR: u64 = 3_600_000_000_000;
/// 1970-01-01 was a Thursday: hours from Monday 00:00 to then.
const EPOCH_HOUR_OF_WEEK: u64 = 3 * 24;

/// Which billing rule the logged cold starts follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BillingEvidence {
    /// Cold starts billed `ceil(Duration + Init Duration)` (INIT billed: since August 2025).
    pub init_billed: u64,
    /// Cold starts billed `ceil(Duration)` (INIT free: managed runtimes before then).
    pub init_free: u64,
    /// Reports billed otherwise (100 ms rounding before December 2020, SnapStart …).
    pub other: u64,
}

impl BillingEvidence {
    /// Whether the log says INIT is billed; `None` when it has no cold start to tell.
    pub fn bill_init(&self) -> Option<bool> {
        match (self.init_billed, self.init_free) {
            (0, 0) => None,
            (a, b) => Some(a >= b),
        }
    }
}

/// Everything the import reports and fits.
#[derive(Debug)]
pub struct LogSummary {
    /// The files read, and the format found in each.
    pub files: Vec<(PathBuf, LogFormat)>,
    /// Logged invocations.
    pub invocations: u64,
    /// Of which started cold (an Init Duration or a Restore Duration).
    pub cold_starts: u64,
    /// Of which restored a SnapStart snapshot.
    pub restores: u64,
    /// Ended with `Status: error`.
    pub errors: u64,
    /// Ended with `Status: timeout`.
    pub timeouts: u64,
    /// The first arrival, ns since 1970.
    pub first_arrival: u64,
    /// The last report, ns since 1970.
    pub last_end: u64,
    /// By logged `Memory Size` (MB): the invocations, and their Σ Billed Duration (ms),
    /// with `Billed Restore Duration` (SnapStart) added in.
    pub memory_sizes: BTreeMap<u32, (u64, u64)>,
    /// The largest `Max Memory Used` (MB).
    pub max_memory_used_mb: u32,
    /// Which billing rule the cold starts follow.
    pub billing: BillingEvidence,
    /// The longest logged Duration.
    pub max_duration: Time,
    /// The Duration of the timed-out invocations (the function's timeout), if any.
    pub timeout: Option<Time>,
    /// Durations (ns).
    pub durations: Histogram<u64>,
    /// INIT durations of the cold starts (ns).
    pub inits: Histogram<u64>,
    /// Restore durations of the SnapStart restores (ns).
    pub restore_times: Histogram<u64>,
    /// Σ Restore Duration (ms, exact) and Σ Billed Restore Duration (ms).
    pub restore_ms: (f64, u64),
    /// Arrivals in each hour of the week (0 = Monday 00:00–01:00 UTC).
    pub hour_of_week: [u64; 168],
    /// Malformed reports.
    pub bad: BadLines,
    /// Reports with no time of their own.
    pub untimed: u64,
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 1 h at 3 significant digits; longer values are clamped to the top.
    Histogram::new_with_bounds(1_000, HOUR, 3).expect("valid bounds")
}

impl LogSummary {
    /// Reads every file through once.
    pub fn read(paths: &[PathBuf]) -> Result<LogSummary, LogError> {
        let mut r = LogReader::open(paths)?;
        let mut s = LogSummary::empty(paths.iter().cloned().zip(r.formats()).collect());
        while let Some(inv) = r.read()? {
            s.add(&inv);
        }
        s.bad = r.bad.clone();
        s.untimed = r.untimed();
        if s.invocations == 0 {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            let first = match s.bad.first.first() {
                Some(b) => format!("; {} malformed, the first: {b}", s.bad.count),
                None => String::new(),
            };
            return Err(LogError {
                file: paths.first().cloned().unwrap_or_default(),
                line: None,
                message: format!(
                    "no REPORT line in {}{first}: export the function's log group (e.g. aws logs filter-log-events --filter-pattern REPORT)",
                    names.join(", ")
                ),
            });
        }
        Ok(s)
    }

    fn empty(files: Vec<(PathBuf, LogFormat)>) -> LogSummary {
        LogSummary {
            files,
            invocations: 0,
            cold_starts: 0,
            restores: 0,
            errors: 0,
            timeouts: 0,
            first_arrival: 0,
            last_end: 0,
            memory_sizes: BTreeMap::new(),
            max_memory_used_mb: 0,
            billing: BillingEvidence::default(),
            max_duration: Time::ZERO,
            timeout: None,
            durations: histogram(),
            inits: histogram(),
            restore_times: histogram(),
            restore_ms: (0.0, 0),
            hour_of_week: [0; 168],
            bad: BadLines::default(),
            untimed: 0,
        }
    }

    fn add(&mut self, inv: &Invocation) {
        if self.invocations == 0 {
            self.first_arrival = inv.arrival;
        }
        self.invocations += 1;
        self.last_end = self.last_end.max(inv.end);
        if inv.cold() {
            self.cold_starts += 1;
        }
        if let Some(r) = inv.restore {
            self.restores += 1;
            self.restore_times
                .record(r.as_nanos().clamp(1_000, HOUR))
                .expect("clamped");
            self.restore_ms.0 += r.as_millis_f64();
            self.restore_ms.1 += inv.billed_restore_ms;
        }
        match inv.status {
            Status::Success => {}
            Status::Error => self.errors += 1,
            Status::Timeout => {
                self.timeouts += 1;
                self.timeout = Some(self.timeout.map_or(inv.duration, |t| t.max(inv.duration)));
            }
        }
        let size = self.memory_sizes.entry(inv.memory_mb).or_default();
        size.0 += 1;
        size.1 += inv.billed_ms + inv.billed_restore_ms;
        self.max_memory_used_mb = self.max_memory_used_mb.max(inv.max_memory_mb);
        self.max_duration = self.max_duration.max(inv.duration);
        let ns = |t: Time| t.as_nanos().clamp(1_000, HOUR);
        self.durations.record(ns(inv.duration)).expect("clamped");
        if let Some(init) = inv.init {
            self.inits.record(ns(init)).expect("clamped");
            let with = (inv.duration + init).ceil_millis();
            let without = inv.duration.ceil_millis();
            if inv.billed_ms == with && with != without {
                self.billing.init_billed += 1;
            } else if inv.billed_ms == without && with != without {
                self.billing.init_free += 1;
            } else if inv.billed_ms != with {
                self.billing.other += 1;
            }
        }
        let how = ((inv.arrival / HOUR + EPOCH_HOUR_OF_WEEK) % 168) as usize;
        self.hour_of_week[how] += 1;
    }

    /// The memory size most invocations were logged with.
    pub fn memory_mb(&self) -> u32 {
        self.memory_sizes
            .iter()
            .max_by_key(|&(mb, (n, _))| (*n, std::cmp::Reverse(*mb)))
            .map_or(128, |(&mb, _)| mb)
    }

    /// The logged period, from the first arrival to the last report.
    pub fn period(&self) -> Time {
        Time(self.last_end.saturating_sub(self.first_arrival))
    }

    /// Billed GB-seconds, each report at its own memory size.
    pub fn gb_seconds(&self) -> f64 {
        self.memory_sizes
            .iter()
            .map(|(&mb, &(_, ms))| crate::billing::gb_seconds(ms, mb))
            .sum()
    }

    /// The arrival rate (per second) of each hour of the week: its arrivals over the time
    /// the log covers of that hour (an hour not covered at all gets the mean rate).
    pub fn weekly_rates(&self) -> [f64; 168] {
        let mut exposure = [0f64; 168];
        let (from, to) = (
            self.first_arrival,
            self.last_end.max(self.first_arrival + 1),
        );
        let mut t = from;
        while t < to {
            let next = ((t / HOUR) + 1) * HOUR;
            let upto = next.min(to);
            let how = ((t / HOUR + EPOCH_HOUR_OF_WEEK) % 168) as usize;
            exposure[how] += (upto - t) as f64 / 1e9;
            t = upto;
        }
        let total: f64 = exposure.iter().sum();
        let mean = self.invocations as f64 / total.max(1e-9);
        let mut rates = [0f64; 168];
        for h in 0..168 {
            rates[h] = if exposure[h] > 0.0 {
                self.hour_of_week[h] as f64 / exposure[h]
            } else {
                mean
            };
        }
        rates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(arrival_h: f64, d_ms: u64, init_ms: Option<u64>, billed: u64) -> Invocation {
        let arrival = (arrival_h * HOUR as f64) as u64;
        let d = Time::from_millis(d_ms);
        let i = init_ms.map(Time::from_millis);
        Invocation {
            arrival,
            end: arrival + (d + i.unwrap_or(Time::ZERO)).as_nanos(),
            duration: d,
            billed_ms: billed,
            memory_mb: 512,
            max_memory_mb: 100,
            init: i,
            restore: None,
            billed_restore_ms: 0,
            status: Status::Success,
            file: 0,
            line: 1,
        }
    }

    fn summary(invs: &[Invocation]) -> LogSummary {
        let mut s = LogSummary::empty(vec![]);
        for i in invs {
            s.add(i);
        }
        s
    }

    #[test]
    fn the_billing_rule_is_read_from_the_cold_starts() {
        // 10 ms + 100 ms INIT: 110 billed with INIT, 10 without.
        let billed = summary(&[inv(0.0, 10, Some(100), 110), inv(1.0, 10, None, 10)]);
        assert_eq!(billed.billing.bill_init(), Some(true));
        let free = summary(&[inv(0.0, 10, Some(100), 10)]);
        assert_eq!(free.billing.bill_init(), Some(false));
        let none = summary(&[inv(0.0, 10, None, 10)]);
        assert_eq!(none.billing.bill_init(), None);
        let old = summary(&[inv(0.0, 10, Some(100), 200)]);
        assert_eq!((old.billing.other, old.billing.bill_init()), (1, None));
    }

    #[test]
    fn hour_of_week_counts_start_on_monday_utc() {
        // 1970-01-05T00:00Z was a Monday, hour 96 after the epoch; hour 72 began Sunday.
        let s = summary(&[
            inv(72.2, 1, None, 1),
            inv(96.5, 1, None, 1),
            inv(96.0 + 167.5, 1, None, 1),
        ]);
        assert_eq!(
            (s.hour_of_week[0], s.hour_of_week[144], s.hour_of_week[167]),
            (1, 1, 1)
        );
        assert_eq!(s.hour_of_week.iter().sum::<u64>(), 3);
    }

    #[test]
    fn weekly_rates_divide_by_the_time_each_hour_was_covered() {
        // Two weeks of Mondays 00:00–01:00 with 3600 and 7200 arrivals: 1.5 per second.
        let mut invs = Vec::new();
        for week in 0..2u64 {
            let n = 3600 * (week + 1);
            for k in 0..n {
                invs.push(inv(
                    96.0 + 168.0 * week as f64 + k as f64 / n as f64,
                    1,
                    None,
                    1,
                ));
            }
        }
        let mut s = summary(&invs);
        s.last_end = (96 + 168 + 1) * HOUR;
        let r = s.weekly_rates();
        assert!((r[0] - 1.5).abs() < 1e-9, "{}", r[0]);
        // Other hours were covered once each and had no arrivals.
        assert_eq!(r[5], 0.0);
    }

    #[test]
    fn hours_the_log_does_not_cover_get_the_mean_rate() {
        // 1,800 arrivals over Monday 00:00–02:00: 0.25 a second in the two hours covered;
        // every other hour of the week gets the mean, 1,800 / 7,200 s.
        let invs: Vec<Invocation> = (0..1800)
            .map(|k| inv(96.0 + 2.0 * k as f64 / 1800.0, 1, None, 1))
            .collect();
        let mut s = summary(&invs);
        s.last_end = (96 + 2) * HOUR;
        let r = s.weekly_rates();
        assert!(
            (r[0] - 0.25).abs() < 1e-9 && (r[1] - 0.25).abs() < 1e-9,
            "{:?}",
            &r[..2]
        );
        assert!((r[10] - 0.25).abs() < 1e-9, "{}", r[10]);
        assert!((r[167] - 0.25).abs() < 1e-9, "{}", r[167]);
    }

    #[test]
    fn timeouts_and_errors_are_counted_with_the_longest_timed_out_duration() {
        let mut a = inv(0.0, 3000, None, 3000);
        a.status = Status::Timeout;
        let mut b = inv(0.5, 2000, None, 2000);
        b.status = Status::Timeout;
        let mut c = inv(0.7, 10, None, 10);
        c.status = Status::Error;
        let s = summary(&[a, b, c, inv(0.9, 10, None, 10)]);
        assert_eq!((s.timeouts, s.errors, s.invocations), (2, 1, 4));
        assert_eq!(s.timeout, Some(Time::from_millis(3000)));
    }
}
