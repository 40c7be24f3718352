//! A time series of one function: counts per interval and exact time integrals of the
//! environment levels (busy, idle, initialising), advanced lazily at each event.

use crate::engine::Time;

/// The current number of environments of a function in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Levels {
    /// Running an invocation.
    pub busy: u32,
    /// Waiting for one.
    pub idle: u32,
    /// Running INIT.
    pub init: u32,
    /// Events waiting in a queue (asynchronous and poll sources).
    pub queued: u32,
    /// Concurrent batches the poll sources' mappings allow.
    pub pollers: u32,
    /// Provisioned environments allocated (being allocated, idle or busy).
    pub provisioned: u32,
    /// Environments holding memory on a host of a finite cluster (every live one).
    pub held: u32,
    /// Managed Instances: requests in progress (many per environment).
    pub requests: u32,
    /// Managed Instances: environments that take requests (or finish theirs).
    pub environments: u32,
    /// Managed Instances: EC2 instances, from launch to termination.
    pub managed_instances: u32,
    /// Managed Instances: vCPUs of the environments in use.
    pub cpu: u32,
}

impl Levels {
    /// Executions in progress (initialising or busy, or requests on managed
    /// environments): the concurrency.
    #[inline]
    pub fn executing(&self) -> u32 {
        self.busy + self.init + self.requests
    }
    /// Live environments.
    #[inline]
    pub fn instances(&self) -> u32 {
        self.busy + self.idle + self.init
    }
}

/// One interval of the series. Areas are level × nanoseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bin {
    /// Requests offered.
    pub arrivals: u64,
    /// Attempts started.
    pub invocations: u64,
    /// Attempts that ran INIT.
    pub cold_starts: u64,
    /// Cold starts and pre-warms that restored a SnapStart snapshot.
    pub restores: u64,
    /// Bytes streamed beyond the first 6 MB of the responses of attempts started in the
    /// interval.
    pub streamed_bytes: u64,
    /// Refused attempts.
    pub throttles: u64,
    /// ∫ busy dt.
    pub busy_area: u128,
    /// ∫ idle dt.
    pub idle_area: u128,
    /// ∫ initialising dt.
    pub init_area: u128,
    /// ∫ queued dt.
    pub queue_area: u128,
    /// ∫ pollers dt.
    pub pollers_area: u128,
    /// ∫ provisioned environments allocated dt.
    pub provisioned_area: u128,
    /// ∫ environments holding host memory dt (finite clusters only).
    pub held_area: u128,
    /// ∫ requests in progress on managed environments dt.
    pub requests_area: u128,
    /// ∫ managed environments dt.
    pub environments_area: u128,
    /// ∫ EC2 instances of Managed Instances dt (with the overlap of replacements).
    pub managed_instances_area: u128,
    /// ∫ vCPUs in use on managed environments dt.
    pub cpu_area: u128,
    /// Idle environments evicted to make room on a host.
    pub evictions: u64,
    /// Highest age of the oldest unprocessed message or record sampled in the interval, ns.
    pub age_max_ns: u64,
    /// Highest concurrency seen in the interval.
    pub max_concurrency: u32,
    /// On-demand ms billed by attempts that ended in the interval.
    pub ondemand_ms: u64,
    /// Provisioned-execution ms billed by attempts that ended in the interval.
    pub provisioned_exec_ms: u64,
    /// Requests sent to the dead-letter queue in the interval.
    pub dlq: u64,
}

/// Which level changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Busy environments.
    Busy,
    /// Idle environments.
    Idle,
    /// Initialising environments.
    Init,
    /// Queued events.
    Queued,
    /// Poll-source batch slots.
    Pollers,
    /// Provisioned environments allocated.
    Provisioned,
    /// Environments holding memory on a host (finite clusters only).
    Held,
    /// Requests in progress on managed environments.
    Requests,
    /// Managed environments taking requests.
    Environments,
    /// EC2 instances of Managed Instances.
    ManagedInstances,
    /// vCPUs in use on managed environments.
    Cpu,
}

/// The series of one function.
///
/// Areas are kept without a running clock: when an interval opens, each level is assumed
/// to hold until its end (level × length), and each change at time t corrects the area by
/// ±(end − t). One addition per change, no multiplication on the hot path.
pub struct Series {
    interval: Time,
    end: Time,
    bin: usize,
    bin_end: Time,
    /// The levels now. Change them only through `inc` and `dec`.
    pub levels: Levels,
    bins: Vec<Bin>,
}

impl Series {
    /// An empty series covering `[0, end)` in steps of `interval`.
    pub fn new(end: Time, interval: Time) -> Self {
        let n = end.as_nanos().div_ceil(interval.as_nanos()).max(1) as usize;
        Series {
            interval,
            end,
            bin: 0,
            bin_end: interval.min(end),
            levels: Levels::default(),
            bins: vec![Bin::default(); n],
        }
    }

    /// Moves to the interval containing `now`; call at each event before counting or
    /// changing a level.
    #[inline]
    pub fn advance(&mut self, now: Time) {
        while now >= self.bin_end && self.bin + 1 < self.bins.len() {
            let start = self.bin_end;
            self.bin += 1;
            self.bin_end = start.saturating_add(self.interval).min(self.end);
            let len = u128::from((self.bin_end - start).as_nanos());
            let l = self.levels;
            let b = &mut self.bins[self.bin];
            b.busy_area = u128::from(l.busy) * len;
            b.idle_area = u128::from(l.idle) * len;
            b.init_area = u128::from(l.init) * len;
            b.queue_area = u128::from(l.queued) * len;
            b.pollers_area = u128::from(l.pollers) * len;
            b.provisioned_area = u128::from(l.provisioned) * len;
            b.held_area = u128::from(l.held) * len;
            b.requests_area = u128::from(l.requests) * len;
            b.environments_area = u128::from(l.environments) * len;
            b.managed_instances_area = u128::from(l.managed_instances) * len;
            b.cpu_area = u128::from(l.cpu) * len;
            // A new interval starts at the current concurrency.
            b.max_concurrency = l.executing();
        }
    }

    #[inline]
    fn slot(&mut self, now: Time, level: Level) -> (&mut u32, &mut u128, u128) {
        let rest = u128::from(self.bin_end.saturating_sub(now).as_nanos());
        let b = &mut self.bins[self.bin];
        match level {
            Level::Busy => (&mut self.levels.busy, &mut b.busy_area, rest),
            Level::Idle => (&mut self.levels.idle, &mut b.idle_area, rest),
            Level::Init => (&mut self.levels.init, &mut b.init_area, rest),
            Level::Queued => (&mut self.levels.queued, &mut b.queue_area, rest),
            Level::Pollers => (&mut self.levels.pollers, &mut b.pollers_area, rest),
            Level::Provisioned => (&mut self.levels.provisioned, &mut b.provisioned_area, rest),
            Level::Held => (&mut self.levels.held, &mut b.held_area, rest),
            Level::Requests => (&mut self.levels.requests, &mut b.requests_area, rest),
            Level::Environments => (
                &mut self.levels.environments,
                &mut b.environments_area,
                rest,
            ),
            Level::ManagedInstances => (
                &mut self.levels.managed_instances,
                &mut b.managed_instances_area,
                rest,
            ),
            Level::Cpu => (&mut self.levels.cpu, &mut b.cpu_area, rest),
        }
    }

    /// One more at `now` (after `advance(now)`).
    #[inline]
    pub fn inc(&mut self, now: Time, level: Level) {
        let (l, area, rest) = self.slot(now, level);
        *l += 1;
        *area += rest;
        if matches!(level, Level::Busy | Level::Init | Level::Requests) {
            self.note_concurrency();
        }
    }

    /// One fewer at `now` (after `advance(now)`).
    #[inline]
    pub fn dec(&mut self, now: Time, level: Level) {
        let (l, area, rest) = self.slot(now, level);
        *l -= 1;
        *area -= rest;
    }

    /// `n` more at `now` (after `advance(now)`).
    #[inline]
    pub fn inc_by(&mut self, now: Time, level: Level, n: u32) {
        let (l, area, rest) = self.slot(now, level);
        *l += n;
        *area += rest * u128::from(n);
        if matches!(level, Level::Busy | Level::Init | Level::Requests) {
            self.note_concurrency();
        }
    }

    /// `n` fewer at `now` (after `advance(now)`).
    #[inline]
    pub fn dec_by(&mut self, now: Time, level: Level, n: u32) {
        let (l, area, rest) = self.slot(now, level);
        *l -= n;
        *area -= rest * u128::from(n);
    }

    /// The interval being filled now.
    #[inline]
    pub fn current(&mut self) -> &mut Bin {
        &mut self.bins[self.bin]
    }

    #[inline]
    fn note_concurrency(&mut self) {
        let c = self.levels.executing();
        let b = &mut self.bins[self.bin];
        b.max_concurrency = b.max_concurrency.max(c);
    }

    /// The interval length.
    pub fn interval(&self) -> Time {
        self.interval
    }

    /// The bins, after the run (call `advance(end)` first).
    pub fn bins(&self) -> &[Bin] {
        &self.bins
    }

    /// The length of bin `i` (the last may be short).
    pub fn bin_len(&self, i: usize) -> Time {
        let start = Time(self.interval.as_nanos() * i as u64);
        (start.saturating_add(self.interval)).min(self.end) - start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_split_exactly_at_interval_edges() {
        let mut s = Series::new(Time::from_secs(3), Time::from_secs(1));
        let t = Time::from_millis(500);
        s.advance(t);
        s.inc(t, Level::Busy);
        s.inc(t, Level::Busy);
        let t = Time::from_millis(2500);
        s.advance(t);
        s.dec(t, Level::Busy);
        s.dec(t, Level::Busy);
        s.inc(t, Level::Idle);
        s.advance(Time::from_secs(3));
        let b = s.bins();
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].busy_area, 2 * 500_000_000);
        assert_eq!(b[1].busy_area, 2 * 1_000_000_000);
        assert_eq!(b[2].busy_area, 2 * 500_000_000);
        assert_eq!(b[2].idle_area, 500_000_000);
        assert_eq!(b[1].max_concurrency, 2);
    }

    #[test]
    fn last_bin_may_be_short() {
        let s = Series::new(Time::from_millis(2500), Time::from_secs(1));
        assert_eq!(s.bins().len(), 3);
        assert_eq!(s.bin_len(2), Time::from_millis(500));
    }
}
