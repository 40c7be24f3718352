//! A finite cluster (`[platform] hosts`): every environment holds its function's memory —
//! and, with `host_cores`, its vCPU share (docs/model.md, counted exactly in 1/1,769 vCPU:
//! see `policies::placement`) — on one host from its allocation until it is gone. A new
//! environment is placed by the placement policy; when no host has room, the eviction
//! policy picks idle environments to unload, and if even that cannot make room the caller gives up (a throttle, a skipped
//! pre-warm, a provisioned environment not allocated). Without `hosts` the world has no
//! `Cluster` and none of this runs.

use super::{EnvState, World};
use crate::engine::{SimRng, Time};
use crate::metrics::{ClusterReport, Level};
use crate::model::config::{ClusterSpec, Scenario};
use crate::policies::{Candidate, Eviction, Placement, PlacementSpec, Room, cpu_share, home_host};

/// `Env::host` of an environment with unbounded capacity.
pub(super) const NO_HOST: u32 = u32::MAX;

/// The hosts and the policies that fill them.
pub(super) struct Cluster {
    host_memory: u32,
    /// CPU of each host, 1/1,769 vCPU; 0 without `host_cores` (memory only).
    host_cpu: u32,
    /// Free room of each host: memory (MB) and CPU.
    free: Vec<Room>,
    placement: PlacementSpec,
    /// The placement random stream (`policy/placement`).
    rng: SimRng,
    eviction: Box<dyn Eviction>,
    /// Room an environment of each function takes: its memory and, with `host_cores`, its
    /// CPU share (0 without).
    need: Vec<Room>,
    /// Home host of each function (`hash` placement).
    home: Vec<u32>,
    /// Sum (ns) and number of the INIT times drawn so far for each function: their mean
    /// is greedy_dual's cold-start cost.
    init_sum: Vec<(u128, u64)>,
    /// Reused buffers of the eviction path.
    candidates: Vec<Candidate>,
    victims: Vec<u32>,
    peak_used: u32,
    peak_cpu: u32,
    evictions: u64,
    failures: u64,
}

impl Cluster {
    pub(super) fn new(spec: &ClusterSpec, sc: &Scenario, rng: SimRng) -> Self {
        let hosts = spec.hosts as usize;
        let host_cpu = spec.host_cpu.unwrap_or(0);
        Cluster {
            host_memory: spec.host_memory_mb,
            host_cpu,
            free: vec![
                Room {
                    memory_mb: spec.host_memory_mb,
                    cpu: host_cpu,
                };
                hosts
            ],
            placement: spec.placement,
            rng,
            eviction: spec.eviction.build(),
            need: sc
                .functions
                .iter()
                .map(|f| Room {
                    memory_mb: f.memory_mb,
                    cpu: if spec.host_cpu.is_some() {
                        cpu_share(f.memory_mb)
                    } else {
                        0
                    },
                })
                .collect(),
            home: sc
                .functions
                .iter()
                .map(|f| home_host(&f.name, hosts) as u32)
                .collect(),
            init_sum: vec![(0, 0); sc.functions.len()],
            candidates: Vec::new(),
            victims: Vec::new(),
            peak_used: 0,
            peak_cpu: 0,
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
        self.eviction
            .priority(invocations, cost, self.need[f].memory_mb)
    }

    /// Gives back the memory and CPU of an environment of function `f` on `host`.
    #[inline]
    pub(super) fn release(&mut self, host: u32, f: usize) {
        let free = &mut self.free[host as usize];
        free.memory_mb += self.need[f].memory_mb;
        free.cpu += self.need[f].cpu;
        debug_assert!(
            free.memory_mb <= self.host_memory && free.cpu <= self.host_cpu,
            "host {host} freed more than it holds"
        );
    }

    /// Takes the memory and CPU of an environment of function `f` on host `h`.
    fn take(&mut self, h: usize, f: usize) {
        let need = self.need[f];
        let free = &mut self.free[h];
        assert!(
            free.fits(need),
            "placement and eviction choose a host with room"
        );
        free.memory_mb -= need.memory_mb;
        free.cpu -= need.cpu;
        self.peak_used = self.peak_used.max(self.host_memory - free.memory_mb);
        self.peak_cpu = self.peak_cpu.max(self.host_cpu - free.cpu);
    }

    pub(super) fn report(&self) -> ClusterReport {
        ClusterReport {
            hosts: self.free.len() as u32,
            host_memory_mb: self.host_memory,
            peak_host_used_mb: self.peak_used,
            host_cpu: self.host_cpu,
            peak_host_used_cpu: self.peak_cpu,
            evictions: self.evictions,
            placement_failures: self.failures,
        }
    }

    /// Checks that the memory and CPU each host holds are exactly those of its live
    /// environments (debug builds, at the end of a run).
    pub(super) fn check(&self, envs: &[super::Env]) {
        let mut used = vec![(0u64, 0u64); self.free.len()];
        for e in envs.iter().filter(|e| e.state != EnvState::Gone) {
            let need = self.need[e.func as usize];
            let u = &mut used[e.host as usize];
            u.0 += u64::from(need.memory_mb);
            u.1 += u64::from(need.cpu);
        }
        for (h, (&(m, cpu), free)) in used.iter().zip(&self.free).enumerate() {
            assert!(m <= u64::from(self.host_memory), "host {h} over memory");
            assert!(cpu <= u64::from(self.host_cpu), "host {h} over cores");
            assert_eq!(
                m + u64::from(free.memory_mb),
                u64::from(self.host_memory),
                "host {h}"
            );
            assert_eq!(
                cpu + u64::from(free.cpu),
                u64::from(self.host_cpu),
                "host {h}"
            );
        }
    }
}

impl World<'_> {
    /// Places a new environment of function `f`: returns its host (`NO_HOST` without a
    /// cluster) with the memory and CPU taken, or `None` if no host has room — after evicting idle
    /// environments when `evict` allows and the eviction policy finds a host.
    pub(super) fn place(&mut self, now: Time, f: usize, evict: bool) -> Option<u32> {
        let Some(c) = &mut self.cluster else {
            return Some(NO_HOST);
        };
        let need = c.need[f];
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
                    let frees = c.need[env.func as usize];
                    candidates.push(Candidate {
                        env: e,
                        host: env.host,
                        memory_mb: frees.memory_mb,
                        cpu: frees.cpu,
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
        let need = c.need[f];
        c.free.iter().any(|r| r.fits(need)) || self.funcs.iter().any(|g| !g.idle.is_empty())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn greedy_dual_costs_a_cold_start_at_the_mean_init_drawn() {
        let sc = crate::scenario::parse(
            r#"
duration = "1m"
[platform]
hosts = 1
host_memory_mb = 4096
eviction = "greedy_dual"
[[functions]]
name = "a"
memory_mb = 512
duration = "1ms"
[[functions]]
name = "b"
memory_mb = 1024
duration = "1ms"
"#,
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let spec = sc.platform.cluster.unwrap();
        let mut c = Cluster::new(&spec, &sc, RngStreams::new(1).stream("cluster"));
        // No INIT yet: no cost.
        assert_eq!(c.priority(0, 5), 0.0);
        // a: INITs of 100, 200 and 600 ms, mean 0.3 s; b: one of 2 s.
        for ms in [100, 200, 600] {
            c.note_init(0, Time::from_millis(ms));
        }
        c.note_init(1, Time::from_millis(2000));
        // frequency × cost / memory, the clock at 0.
        assert!((c.priority(0, 4) - 4.0 * 0.3 / 512.0).abs() < 1e-15);
        assert!((c.priority(1, 3) - 3.0 * 2.0 / 1024.0).abs() < 1e-15);
    }
}
