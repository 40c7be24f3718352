//! A finite cluster (`[platform] hosts`): every environment holds its function's memory on
//! one host from its allocation until it is gone. A new environment is placed by the
//! placement policy; when no host has room, the eviction policy picks idle environments to
//! unload, and if even that cannot make room the caller gives up (a throttle, a skipped
//! pre-warm, a provisioned environment not allocated). Without `hosts` the world has no
//! `Cluster` and none of this runs.

use super::{EnvState, World};
use crate::engine::{SimRng, Time};
use crate::metrics::{ClusterReport, Level};
use crate::model::config::{ClusterSpec, Scenario};
use crate::policies::{Candidate, Eviction, Placement, PlacementSpec, home_host};

/// `Env::host` of an environment with unbounded capacity.
pub(super) const NO_HOST: u32 = u32::MAX;

/// The hosts and the policies that fill them.
pub(super) struct Cluster {
    host_memory: u32,
    /// Free memory of each host, MB.
    free: Vec<u32>,
    placement: PlacementSpec,
    /// The placement random stream (`policy/placement`).
    rng: SimRng,
    eviction: Box<dyn Eviction>,
    /// Memory of an environment of each function, MB.
    pub(super) mem: Vec<u32>,
    /// Home host of each function (`hash` placement).
    home: Vec<u32>,
    /// Sum (ns) and number of the INIT times drawn so far for each function: their mean
    /// is greedy_dual's cold-start cost.
    init_sum: Vec<(u128, u64)>,
    /// Reused buffers of the eviction path.
    candidates: Vec<Candidate>,
    victims: Vec<u32>,
    peak_used: u32,
    evictions: u64,
    failures: u64,
}

impl Cluster {
    pub(super) fn new(spec: &ClusterSpec, sc: &Scenario, rng: SimRng) -> Self {
        let hosts = spec.hosts as usize;
        Cluster {
            host_memory: spec.host_memory_mb,
            free: vec![spec.host_memory_mb; hosts],
            placement: spec.placement,
            rng,
            eviction: spec.eviction.build(),
            mem: sc.functions.iter().map(|f| f.memory_mb).collect(),
            home: sc
                .functions
                .iter()
                .map(|f| home_host(&f.name, hosts) as u32)
                .collect(),
            init_sum: vec![(0, 0); sc.functions.len()],
            candidates: Vec::new(),
            victims: Vec::new(),
            peak_used: 0,
            evictions: 0,
            failures: 0,
        }
    }

    /// Records an INIT time of function `f`.
    #[inline]
    pub(super) fn note_init(&mut self, f: usize, init: Time) {
        let s = &mut self.init_sum[f];
        s.0 += u128::from(init.as_nanos());
        s.1 += 1;
    }

    /// The eviction priority of an environment of function `f` that becomes idle now,
    /// after `invocations` invocations of `f`: its cold-start cost is the mean INIT time
    /// drawn so far for `f`, in seconds.
    pub(super) fn priority(&self, f: usize, invocations: u64) -> f64 {
        let (sum, n) = self.init_sum[f];
        let cost = if n == 0 {
            0.0
        } else {
            sum as f64 / n as f64 / 1e9
        };
        self.eviction.priority(invocations, cost, self.mem[f])
    }

    /// Gives back the memory of an environment of function `f` on `host`.
    #[inline]
    pub(super) fn release(&mut self, host: u32, f: usize) {
        let free = &mut self.free[host as usize];
        *free += self.mem[f];
        debug_assert!(
            *free <= self.host_memory,
            "host {host} freed more than it holds"
        );
    }

    /// Takes the memory of an environment of function `f` on host `h`.
    fn take(&mut self, h: usize, f: usize) {
        self.free[h] = self.free[h]
            .checked_sub(self.mem[f])
            .expect("placement and eviction choose a host with room");
        self.peak_used = self.peak_used.max(self.host_memory - self.free[h]);
    }

    pub(super) fn report(&self) -> ClusterReport {
        ClusterReport {
            hosts: self.free.len() as u32,
            host_memory_mb: self.host_memory,
            peak_host_used_mb: self.peak_used,
            evictions: self.evictions,
            placement_failures: self.failures,
        }
    }

    /// Checks that the memory each host holds is exactly that of its live environments
    /// (debug builds, at the end of a run).
    pub(super) fn check(&self, envs: &[super::Env]) {
        let mut used = vec![0u64; self.free.len()];
        for e in envs.iter().filter(|e| e.state != EnvState::Gone) {
            used[e.host as usize] += u64::from(self.mem[e.func as usize]);
        }
        for (h, (&u, &free)) in used.iter().zip(&self.free).enumerate() {
            assert!(u <= u64::from(self.host_memory), "host {h} over capacity");
            assert_eq!(u + u64::from(free), u64::from(self.host_memory), "host {h}");
        }
    }
}

impl World<'_> {
    /// Places a new environment of function `f`: returns its host (`NO_HOST` without a
    /// cluster) with the memory taken, or `None` if no host has room — after evicting idle
    /// environments when `evict` allows and the eviction policy finds a host.
    pub(super) fn place(&mut self, now: Time, f: usize, evict: bool) -> Option<u32> {
        let Some(c) = &mut self.cluster else {
            return Some(NO_HOST);
        };
        let need = c.mem[f];
        let mut host = c
            .placement
            .place(need, c.home[f] as usize, &c.free, &mut c.rng);
        if host.is_none() && evict {
            let mut candidates = std::mem::take(&mut c.candidates);
            let mut victims = std::mem::take(&mut c.victims);
            candidates.clear();
            for func in &self.funcs {
                for &e in &func.idle {
                    let env = &self.envs[e as usize];
                    candidates.push(Candidate {
                        env: e,
                        host: env.host,
                        memory_mb: c.mem[env.func as usize],
                        idle_since: env.idle_since,
                        priority: env.priority,
                    });
                }
            }
            host = c
                .eviction
                .choose(need, &c.free, &mut candidates, &mut victims);
            for &v in &victims {
                self.evict(now, v);
            }
            let c = self.cluster.as_mut().expect("a cluster");
            c.candidates = candidates;
            c.victims = victims;
        }
        let c = self.cluster.as_mut().expect("a cluster");
        let Some(h) = host else {
            c.failures += 1;
            return None;
        };
        c.take(h, f);
        let s = &mut self.funcs[f].m.series;
        s.advance(now);
        s.inc(now, Level::Held);
        Some(h as u32)
    }

    /// Whether a new environment of `f` may find room: always with unbounded capacity; on
    /// a cluster, if a host has room or some idle environment could be evicted (a freed
    /// slot then hands itself to a throttled event; placement may still fail).
    pub(super) fn may_place(&self, f: usize) -> bool {
        let Some(c) = &self.cluster else {
            return true;
        };
        let need = c.mem[f];
        c.free.iter().any(|&m| m >= need) || self.funcs.iter().any(|g| !g.idle.is_empty())
    }

    /// Unloads idle environment `e` to make room.
    fn evict(&mut self, now: Time, e: u32) {
        let g = self.envs[e as usize].func as usize;
        let func = &mut self.funcs[g];
        let i = func
            .idle
            .iter()
            .position(|&x| x == e)
            .expect("a victim is idle");
        func.idle.remove(i);
        let m = &mut func.m;
        m.series.advance(now);
        m.series.dec(now, Level::Idle);
        m.evictions += 1;
        m.series.current().evictions += 1;
        if let Some(c) = &mut self.cluster {
            c.evictions += 1;
        }
        self.retire_env(now, e);
    }
}
