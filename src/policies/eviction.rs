//! Eviction: which idle environments a finite cluster unloads to make room for a new one.
//!
//! When placement finds no host with room, the model lists the evictable environments
//! (idle on-demand ones, pre-warmed included; never busy, initialising or provisioned
//! ones) and the policy returns a host and the environments to evict on it. The policy
//! walks the candidates from the lowest priority up, adding the memory and CPU each would
//! free to its host, and stops at the first host where the new environment would then fit
//! (both its memory and its CPU): the victims are the candidates on that host seen so far. So the lowest-priority environments of the cluster
//! go first, and only as many as one host needs.

use crate::engine::Time;
use crate::policies::placement::Room;
use std::collections::HashMap;

/// Eviction policy, as chosen in a scenario (`[platform] eviction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EvictionSpec {
    /// Least recently idle first. The default.
    #[default]
    Lru,
    /// FaaSCache's Greedy-Dual keep-alive (Fuerst & Sharma, ASPLOS 2021).
    GreedyDual,
}

impl EvictionSpec {
    /// Names accepted in a scenario, in the order of the enum.
    pub const NAMES: &'static [&'static str] = &["lru", "greedy_dual"];

    /// The policy named `name` (one of `NAMES`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "lru" => Some(EvictionSpec::Lru),
            "greedy_dual" => Some(EvictionSpec::GreedyDual),
            _ => None,
        }
    }

    /// The policy object for one run.
    pub fn build(self) -> Box<dyn Eviction> {
        match self {
            EvictionSpec::Lru => Box::new(Lru::default()),
            EvictionSpec::GreedyDual => Box::new(GreedyDual::default()),
        }
    }
}

/// An idle environment that may be evicted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// Environment slot.
    pub env: u32,
    /// Its host.
    pub host: u32,
    /// Memory it frees, MB.
    pub memory_mb: u32,
    /// CPU it frees, 1/1,769 vCPU (0 when hosts are limited by memory only).
    pub cpu: u32,
    /// When it became idle.
    pub idle_since: Time,
    /// Its priority from `Eviction::priority` when it became idle.
    pub priority: f64,
}

/// An eviction policy.
pub trait Eviction: Send {
    /// The priority of an environment that becomes idle now (lower goes first):
    /// `frequency` invocations of its function so far, `cold_start_cost` its function's
    /// mean INIT time in seconds, `memory_mb` its size.
    fn priority(&self, frequency: u64, cold_start_cost: f64, memory_mb: u32) -> f64;

    /// The host where `need` fits (memory and CPU) after evicting, given each host's free
    /// room and the evictable candidates (which it may reorder); the environments to evict
    /// are written to `victims`. `None` (and `victims` empty) if no host can get room.
    fn choose(
        &mut self,
        need: Room,
        free: &[Room],
        candidates: &mut [Candidate],
        victims: &mut Vec<u32>,
    ) -> Option<usize>;
}

/// Walks `candidates` in their order; returns the first host whose free room plus that of
/// its candidates so far fits `need` — both memory and CPU — with those candidates in
/// `victims`.
fn first_host_with_room(
    need: Room,
    free: &[Room],
    candidates: &[Candidate],
    freed: &mut HashMap<u32, (u64, u64)>,
    victims: &mut Vec<u32>,
) -> Option<(usize, usize)> {
    freed.clear();
    victims.clear();
    for (i, c) in candidates.iter().enumerate() {
        let (memory, cpu) = freed.entry(c.host).or_insert((0, 0));
        *memory += u64::from(c.memory_mb);
        *cpu += u64::from(c.cpu);
        let room = free[c.host as usize];
        if u64::from(room.memory_mb) + *memory >= u64::from(need.memory_mb)
            && u64::from(room.cpu) + *cpu >= u64::from(need.cpu)
        {
            let host = c.host;
            victims.extend(
                candidates[..=i]
                    .iter()
                    .filter(|v| v.host == host)
                    .map(|v| v.env),
            );
            return Some((host as usize, i));
        }
    }
    None
}

/// `lru`: the environment idle the longest goes first (ties: lowest slot).
#[derive(Default)]
pub struct Lru {
    freed: HashMap<u32, (u64, u64)>,
}

impl Eviction for Lru {
    fn priority(&self, _frequency: u64, _cost: f64, _memory_mb: u32) -> f64 {
        0.0
    }

    fn choose(
        &mut self,
        need: Room,
        free: &[Room],
        candidates: &mut [Candidate],
        victims: &mut Vec<u32>,
    ) -> Option<usize> {
        candidates.sort_unstable_by_key(|c| (c.idle_since, c.env));
        first_host_with_room(need, free, candidates, &mut self.freed, victims).map(|(h, _)| h)
    }
}

/// `greedy_dual`: FaaSCache's Greedy-Dual-Size-Frequency. An environment that becomes idle
/// gets priority `clock + frequency × cold_start_cost / memory`; the lowest priority goes
/// first (ties: least recently idle), and the clock rises to the priority of the last
/// environment evicted, so that long-idle environments age relative to fresh ones.
#[derive(Default)]
pub struct GreedyDual {
    /// The priority of the last evicted environment.
    pub clock: f64,
    freed: HashMap<u32, (u64, u64)>,
}

impl Eviction for GreedyDual {
    fn priority(&self, frequency: u64, cold_start_cost: f64, memory_mb: u32) -> f64 {
        self.clock + frequency as f64 * cold_start_cost / f64::from(memory_mb.max(1))
    }

    fn choose(
        &mut self,
        need: Room,
        free: &[Room],
        candidates: &mut [Candidate],
        victims: &mut Vec<u32>,
    ) -> Option<usize> {
        candidates.sort_unstable_by(|a, b| {
            a.priority
                .total_cmp(&b.priority)
                .then(a.idle_since.cmp(&b.idle_since))
                .then(a.env.cmp(&b.env))
        });
        let (host, last) = first_host_with_room(need, free, candidates, &mut self.freed, victims)?;
        // Candidates are in ascending order: the last victim has the highest priority.
        self.clock = self.clock.max(candidates[last].priority);
        Some(host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(env: u32, host: u32, memory_mb: u32, idle_s: u64, priority: f64) -> Candidate {
        Candidate {
            env,
            host,
            memory_mb,
            cpu: 0,
            idle_since: Time::from_secs(idle_s),
            priority,
        }
    }

    /// `memory_mb` MB, no CPU limit.
    fn m(memory_mb: u32) -> Room {
        Room { memory_mb, cpu: 0 }
    }

    /// Hosts limited by memory only.
    fn hosts(free: &[u32]) -> Vec<Room> {
        free.iter().map(|&f| m(f)).collect()
    }

    #[test]
    fn lru_evicts_the_least_recently_idle_on_the_first_host_that_gets_room() {
        let mut p = EvictionSpec::Lru.build();
        let mut v = Vec::new();
        // Two full hosts of 1024 MB; 512 MB needed.
        let free = [0, 0];
        let mut cands = [
            c(1, 0, 256, 30, 0.0),
            c(2, 1, 512, 20, 0.0),
            c(3, 0, 256, 10, 0.0),
        ];
        // Oldest first: env 3 (host 0, 256 MB: not enough), env 2 (host 1: enough).
        assert_eq!(p.choose(m(512), &hosts(&free), &mut cands, &mut v), Some(1));
        assert_eq!(v, [2]);
        // 768 needed with 512 free on host 0: env 3 frees 256 there.
        let mut cands = [c(1, 0, 256, 30, 0.0), c(3, 0, 256, 10, 0.0)];
        assert_eq!(
            p.choose(m(768), &hosts(&[512, 0]), &mut cands, &mut v),
            Some(0)
        );
        assert_eq!(v, [3]);
        // Nothing frees enough.
        let mut cands = [c(1, 0, 256, 30, 0.0)];
        assert_eq!(p.choose(m(1024), &hosts(&[0, 0]), &mut cands, &mut v), None);
        assert!(v.is_empty());
    }

    #[test]
    fn greedy_dual_evicts_the_lowest_priority_and_raises_its_clock() {
        let mut gd = GreedyDual::default();
        // Frequent, slow-to-start, small: high priority; rare, fast, big: low.
        let hot = gd.priority(100, 2.0, 256);
        let cold = gd.priority(2, 0.1, 2048);
        assert!(hot > cold);
        assert_eq!(cold, 2.0 * 0.1 / 2048.0);
        let mut v = Vec::new();
        // The hot environment became idle first: lru would take it, greedy_dual does not.
        let mut cands = [c(7, 0, 256, 1, hot), c(8, 1, 2048, 5, cold)];
        assert_eq!(
            gd.choose(m(1024), &hosts(&[0, 0]), &mut cands, &mut v),
            Some(1)
        );
        assert_eq!(v, [8]);
        assert_eq!(gd.clock, cold);
        // New priorities start from the clock.
        assert_eq!(gd.priority(0, 1.0, 128), cold);
    }

    #[test]
    fn eviction_frees_cpu_as_well_as_memory() {
        let mut p = EvictionSpec::Lru.build();
        let mut v = Vec::new();
        // Host 0 has memory to spare but its one vCPU is taken by two idle environments;
        // host 1 has neither. A 1769 MB environment needs a whole vCPU: the oldest
        // environment on host 0 frees only half of it, the next one the rest.
        let cpu = |env, host, memory_mb, idle_s| Candidate {
            cpu: memory_mb,
            ..c(env, host, memory_mb, idle_s, 0.0)
        };
        let free = [
            Room {
                memory_mb: 8192,
                cpu: 1,
            },
            Room {
                memory_mb: 0,
                cpu: 0,
            },
        ];
        let need = Room {
            memory_mb: 1769,
            cpu: 1769,
        };
        let mut cands = [cpu(1, 0, 884, 10), cpu(2, 1, 884, 20), cpu(3, 0, 884, 30)];
        assert_eq!(p.choose(need, &free, &mut cands, &mut v), Some(0));
        assert_eq!(v, [1, 3]);
        // Memory alone would not do: a candidate freeing memory but no CPU is not enough.
        let mut cands = [c(4, 0, 4096, 1, 0.0)];
        assert_eq!(p.choose(need, &free, &mut cands, &mut v), None);
        assert!(v.is_empty());
    }

    #[test]
    fn greedy_dual_evicts_several_on_one_host() {
        let mut gd = GreedyDual::default();
        let mut v = Vec::new();
        let mut cands = [
            c(1, 0, 512, 1, 0.3),
            c(2, 1, 512, 1, 0.1),
            c(3, 1, 512, 1, 0.2),
            c(4, 0, 512, 1, 0.4),
        ];
        assert_eq!(
            gd.choose(m(1024), &hosts(&[0, 0]), &mut cands, &mut v),
            Some(1)
        );
        assert_eq!(v, [2, 3]);
        assert_eq!(gd.clock, 0.2);
    }
}
