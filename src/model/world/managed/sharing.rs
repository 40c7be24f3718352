//! Egalitarian processor sharing of one environment's vCPUs: the requests in their
//! CPU-bound phase each get min(1, vCPUs / n) of a vCPU, tracked in virtual time, so that
//! each arrival or departure costs O(log n) however many requests share the CPU.

use crate::engine::Time;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// A finish tag: the virtual time at which a request's CPU work is done.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Tag(f64);

impl Eq for Tag {}

impl PartialOrd for Tag {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Tag {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Work within this many nanoseconds of done is done (rounding of the departure time to
/// whole nanoseconds).
const EPSILON: f64 = 1.0;

/// The shared vCPUs of one environment.
///
/// Virtual time `v` is the CPU time (ns) each request in its CPU phase has received since
/// the environment started: with n of them on c vCPUs it runs at min(1, c/n) per ns of
/// real time. A request with w ns of work that joins at virtual time v leaves when the
/// virtual time reaches v + w, its tag; the earliest tag leaves first.
#[derive(Debug, Default)]
pub(crate) struct SharedCpu {
    vcpus: u32,
    v: f64,
    at: Time,
    n: u32,
    /// (tag, request, generation); entries of requests that left early (timed out) stay
    /// until they surface or are purged.
    tags: BinaryHeap<Reverse<(Tag, u32, u32)>>,
}

impl SharedCpu {
    /// An idle CPU of `vcpus` vCPUs, at time `now`.
    pub(crate) fn new(vcpus: u32, now: Time) -> Self {
        SharedCpu {
            vcpus,
            v: 0.0,
            at: now,
            n: 0,
            tags: BinaryHeap::new(),
        }
    }

    /// The CPU each request gets, in vCPUs.
    #[inline]
    fn rate(&self) -> f64 {
        if self.n <= self.vcpus {
            1.0
        } else {
            f64::from(self.vcpus) / f64::from(self.n)
        }
    }

    /// Requests in their CPU phase.
    #[inline]
    pub(crate) fn len(&self) -> u32 {
        self.n
    }

    /// vCPUs in use: min(n, vCPUs).
    #[inline]
    pub(crate) fn busy(&self) -> u32 {
        self.n.min(self.vcpus)
    }

    /// Brings virtual time to `now`.
    #[inline]
    fn advance(&mut self, now: Time) {
        let dt = now.as_nanos().saturating_sub(self.at.as_nanos());
        if dt > 0 && self.n > 0 {
            self.v += dt as f64 * self.rate();
        }
        self.at = self.at.max(now);
    }

    /// Request `req` (generation `generation`) starts `work` of CPU at `now`.
    pub(crate) fn join(&mut self, now: Time, work: Time, req: u32, generation: u32) {
        self.advance(now);
        let tag = Tag(self.v + work.as_nanos() as f64);
        self.tags.push(Reverse((tag, req, generation)));
        self.n += 1;
    }

    /// A request leaves before its work is done (a timeout); its tag goes stale.
    pub(crate) fn leave(&mut self, now: Time) {
        self.advance(now);
        self.n -= 1;
    }

    /// Drops the stale tags on top (`live` says whether an entry's request is still in its
    /// CPU phase), and purges all of them once they outnumber the live ones.
    fn drop_stale(&mut self, live: &dyn Fn(u32, u32) -> bool) {
        while let Some(Reverse((_, r, g))) = self.tags.peek() {
            if live(*r, *g) {
                break;
            }
            self.tags.pop();
        }
        if self.tags.len() > 2 * self.n as usize + 16 {
            let kept: Vec<_> = self
                .tags
                .drain()
                .filter(|Reverse((_, r, g))| live(*r, *g))
                .collect();
            self.tags = kept.into();
        }
    }

    /// When the next request finishes its CPU work, if nothing joins or leaves before.
    pub(crate) fn next_departure(&mut self, live: &dyn Fn(u32, u32) -> bool) -> Option<Time> {
        self.drop_stale(live);
        let Reverse((Tag(tag), _, _)) = self.tags.peek()?;
        let left = (tag - self.v).max(0.0);
        let dt = (left / self.rate()).ceil();
        Some(self.at.saturating_add(Time(dt as u64)))
    }

    /// The next request whose CPU work is done at `now`, taken out, if any.
    pub(crate) fn pop_done(
        &mut self,
        now: Time,
        live: &dyn Fn(u32, u32) -> bool,
    ) -> Option<(u32, u32)> {
        self.advance(now);
        self.drop_stale(live);
        let Reverse((Tag(tag), r, g)) = *self.tags.peek()?;
        if tag > self.v + EPSILON {
            return None;
        }
        self.tags.pop();
        self.n -= 1;
        Some((r, g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(_: u32, _: u32) -> bool {
        true
    }

    /// Runs jobs (arrival, work) on `vcpus` vCPUs to completion and returns their finish
    /// times.
    fn finish_times(vcpus: u32, jobs: &[(u64, u64)]) -> Vec<u64> {
        let mut cpu = SharedCpu::new(vcpus, Time::ZERO);
        let mut done = vec![0u64; jobs.len()];
        let mut next = 0;
        let mut left = jobs.len();
        while left > 0 {
            let dep = cpu.next_departure(&all).map_or(u64::MAX, |t| t.as_nanos());
            let arr = jobs.get(next).map_or(u64::MAX, |j| j.0);
            if arr <= dep {
                cpu.join(Time(arr), Time(jobs[next].1), next as u32, 0);
                next += 1;
            } else {
                let (r, _) = cpu.pop_done(Time(dep), &all).expect("a departure is due");
                done[r as usize] = dep;
                left -= 1;
            }
        }
        done
    }

    /// Mean response time of `n` Poisson(λ) arrivals with exponential work of mean
    /// `mean_s` on `vcpus` shared vCPUs (seconds).
    fn mean_response(vcpus: u32, lambda: f64, mean_s: f64, n: usize, seed: u64) -> f64 {
        mean_response_of(vcpus, lambda, mean_s, n, seed, true)
    }

    /// As `mean_response`, with exponential work or (`exponential = false`) every job's
    /// work exactly `mean_s`.
    fn mean_response_of(
        vcpus: u32,
        lambda: f64,
        mean_s: f64,
        n: usize,
        seed: u64,
        exponential: bool,
    ) -> f64 {
        use rand_distr::{Distribution, Exp};
        let mut rng = crate::engine::RngStreams::new(seed).stream("ps");
        let gap = Exp::new(lambda).unwrap();
        let work = Exp::new(1.0 / mean_s).unwrap();
        let mut t = 0.0;
        let jobs: Vec<(u64, u64)> = (0..n)
            .map(|_| {
                t += gap.sample(&mut rng);
                let w = if exponential {
                    work.sample(&mut rng)
                } else {
                    mean_s
                };
                ((t * 1e9) as u64, (w * 1e9).max(1.0) as u64)
            })
            .collect();
        let done = finish_times(vcpus, &jobs);
        let total: f64 = jobs.iter().zip(&done).map(|(j, d)| (d - j.0) as f64).sum();
        total / n as f64 / 1e9
    }

    /// Erlang C: the probability that an arrival waits in an M/M/c queue of offered load
    /// `a` = λ/μ.
    fn erlang_c(c: u32, a: f64) -> f64 {
        let mut b = 1.0; // Erlang B by the recursion B(k) = a·B(k−1)/(k + a·B(k−1)).
        for k in 1..=c {
            b = a * b / (f64::from(k) + a * b);
        }
        let rho = a / f64::from(c);
        b / (1.0 - rho * (1.0 - b))
    }

    #[test]
    fn one_vcpu_shared_is_an_m_m_1_ps_queue() {
        // M/G/1-PS: E[T] = E[S]/(1 − ρ); ρ = 0.5, E[S] = 10 ms → 20 ms. Over 8 seeds of
        // 200,000 jobs the estimates spread by σ = 0.54 % (mean −0.06 %); 2.5 % is 4.6σ.
        let want = 0.010 / (1.0 - 0.5);
        for seed in 0..2 {
            let got = mean_response(1, 50.0, 0.010, 200_000, seed);
            assert!(
                (got / want - 1.0).abs() < 0.025,
                "seed {seed}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn sharing_is_insensitive_to_the_work_distribution_as_m_g_1_ps_is() {
        // Equal work of 10 ms, ρ = 0.5: processor sharing gives E[S]/(1 − ρ) = 20 ms, as
        // with exponential work; first-come first-served would give M/D/1's
        // E[S] + ρE[S]/(2(1 − ρ)) = 15 ms. Over 8 seeds of 200,000 jobs the estimates
        // spread by σ = 0.41 % (mean +0.03 %); 2 % is 4.9σ.
        let want = 0.010 / (1.0 - 0.5);
        for seed in 0..2 {
            let got = mean_response_of(1, 50.0, 0.010, 200_000, seed, false);
            assert!(
                (got / want - 1.0).abs() < 0.02,
                "seed {seed}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn several_vcpus_shared_have_the_m_m_c_mean_response() {
        // Shared at min(1, c/n) each, n jobs are served at min(n, c)·μ, as in M/M/c: by
        // Little's law, the same mean response time, E[S] + C(c, a)/(cμ − λ). c = 4,
        // ρ = 0.75, E[S] = 10 ms: λ = 300/s, a = 3, E[T] = 15.09 ms. Over 8 seeds of
        // 200,000 jobs the estimates spread by σ = 0.75 % (mean +0.6 %); 3 % is 4σ.
        let (c, lambda, s) = (4, 300.0, 0.010);
        let want = s + erlang_c(c, lambda * s) / (f64::from(c) / s - lambda);
        assert!((want - 0.015_094).abs() < 1e-6, "{want}");
        for seed in 0..2 {
            let got = mean_response(c, lambda, s, 200_000, seed);
            assert!(
                (got / want - 1.0).abs() < 0.03,
                "seed {seed}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn one_request_alone_runs_at_one_vcpu() {
        assert_eq!(finish_times(2, &[(0, 100)]), vec![100]);
    }

    #[test]
    fn two_requests_on_one_vcpu_share_it_equally() {
        // Both get half a vCPU until the shorter is done at 200; the other has 50 left.
        assert_eq!(finish_times(1, &[(0, 100), (0, 150)]), vec![200, 250]);
    }

    #[test]
    fn requests_up_to_the_vcpus_do_not_slow_each_other() {
        assert_eq!(finish_times(2, &[(0, 100), (0, 150)]), vec![100, 150]);
        // A third on two vCPUs: 2/3 each until 150 (100 of work each, so the first is
        // done), then the two left get one vCPU each.
        assert_eq!(
            finish_times(2, &[(0, 100), (0, 150), (0, 300)]),
            vec![150, 200, 350]
        );
    }

    #[test]
    fn a_late_arrival_shares_from_when_it_joins() {
        // Alone for 50 (50 done), then half each: the first needs 50 more, done at 150;
        // the second has 50 done by then and 50 left, alone: 200.
        assert_eq!(finish_times(1, &[(0, 100), (50, 100)]), vec![150, 200]);
    }

    #[test]
    fn a_request_that_leaves_early_gives_its_share_back() {
        let mut cpu = SharedCpu::new(1, Time::ZERO);
        cpu.join(Time::ZERO, Time(100), 0, 0);
        cpu.join(Time::ZERO, Time(1000), 1, 0);
        // Request 1 times out at 100 (50 of work each so far).
        cpu.leave(Time(100));
        let gone = |r: u32, _: u32| r != 1;
        // Request 0 alone for its last 50.
        assert_eq!(cpu.next_departure(&gone), Some(Time(150)));
        assert_eq!(cpu.pop_done(Time(150), &gone), Some((0, 0)));
        assert_eq!(cpu.len(), 0);
        assert_eq!(cpu.next_departure(&gone), None);
    }

    #[test]
    fn busy_vcpus_are_at_most_the_vcpus() {
        let mut cpu = SharedCpu::new(2, Time::ZERO);
        assert_eq!(cpu.busy(), 0);
        for r in 0..3 {
            cpu.join(Time::ZERO, Time(10), r, 0);
        }
        assert_eq!((cpu.len(), cpu.busy()), (3, 2));
    }

    #[test]
    fn stale_tags_are_purged_once_they_outnumber_live_ones() {
        let mut cpu = SharedCpu::new(1, Time::ZERO);
        for r in 0..100 {
            cpu.join(Time::ZERO, Time(1_000_000 + u64::from(r)), r, 0);
        }
        for _ in 1..100 {
            cpu.leave(Time(10));
        }
        // Only request 0 is live; 99 stale tags above it in the heap.
        let live = |r: u32, _: u32| r == 0;
        cpu.next_departure(&live);
        assert!(cpu.tags.len() <= 2 + 16, "{} tags kept", cpu.tags.len());
    }
}
