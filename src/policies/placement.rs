//! Placement: which host of a finite cluster receives a new execution environment.
//!
//! A policy sees the free room of every host — memory and, with `host_cores`, CPU — and
//! returns a host where a new environment fits, or `None` (the model then tries
//! eviction). It never changes the hosts itself.
//!
//! CPU is counted exactly, in integer "MB-of-CPU": an environment of `memory_mb` MB takes
//! vCPU(m) = m / 1,769 vCPUs, at most 6 (as on Lambda), i.e. `min(m, 6 × 1,769)` units of
//! 1/1,769 vCPU, and a host of `host_cores` vCPUs has ⌊host_cores × 1,769⌋ units. No
//! fractional vCPU is ever summed in floating point, so shares never drift.

use crate::engine::SimRng;
use rand::RngExt;

/// Placement policy, as chosen in a scenario (`[platform] placement`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PlacementSpec {
    /// The lowest-numbered host with room. The default.
    #[default]
    FirstFit,
    /// The host with room whose free memory is smallest (ties: lowest number).
    BestFit,
    /// The host with the most free memory (ties: lowest number).
    WorstFit,
    /// Uniformly among the hosts with room (the placement random stream).
    Random,
    /// The function's home host (FNV-1a of its name mod hosts), else the next host with
    /// room, cyclically.
    Hash,
}

impl PlacementSpec {
    /// Names accepted in a scenario, in the order of the enum.
    pub const NAMES: &'static [&'static str] =
        &["first_fit", "best_fit", "worst_fit", "random", "hash"];

    /// The policy named `name` (one of `NAMES`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "first_fit" => PlacementSpec::FirstFit,
            "best_fit" => PlacementSpec::BestFit,
            "worst_fit" => PlacementSpec::WorstFit,
            "random" => PlacementSpec::Random,
            "hash" => PlacementSpec::Hash,
            _ => return None,
        })
    }
}

/// The home host of a function for `hash` placement: FNV-1a of its name mod `hosts`
/// (stable across runs, platforms and Rust versions; not Rust's randomised hasher).
pub fn home_host(name: &str, hosts: usize) -> usize {
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    (h % hosts.max(1) as u64) as usize
}

/// MB of memory per vCPU: the unit of CPU in `Room::cpu` is 1/`MB_PER_VCPU` vCPU.
pub const CPU_UNITS_PER_VCPU: u32 = 1769;

/// The most vCPUs an environment gets (docs/model.md, "Execution environments").
pub const MAX_VCPUS: u32 = 6;

/// The CPU share of an environment of `memory_mb`, in 1/1,769 vCPU: vCPU(m) = m / 1,769,
/// at most 6, exactly.
pub fn cpu_share(memory_mb: u32) -> u32 {
    memory_mb.min(MAX_VCPUS * CPU_UNITS_PER_VCPU)
}

/// The CPU of a host of `cores` vCPUs, in 1/1,769 vCPU, rounded down (exact for whole
/// cores; an environment's share is a whole number of units, so rounding down never
/// refuses one that fits).
pub fn host_cpu(cores: f64) -> u32 {
    (cores * f64::from(CPU_UNITS_PER_VCPU)).floor() as u32
}

/// Resources an environment takes, or a host has free: memory (MB) and CPU (1/1,769
/// vCPU; 0 everywhere when hosts are limited by memory only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Room {
    /// Memory, MB.
    pub memory_mb: u32,
    /// CPU, in 1/1,769 vCPU ("MB-of-CPU").
    pub cpu: u32,
}

impl Room {
    /// Whether `need` fits in this room: both its memory and its CPU.
    #[inline]
    pub fn fits(self, need: Room) -> bool {
        self.memory_mb >= need.memory_mb && self.cpu >= need.cpu
    }
}

/// Chooses a host for a new environment.
pub trait Placement: Send {
    /// A host whose free room (`free[h]`) fits `need` — memory and CPU — or `None` if
    /// none has room. `home` is the function's home host (used by `hash`). `best_fit` and
    /// `worst_fit` rank the hosts that fit by free memory.
    fn place(&mut self, need: Room, home: usize, free: &[Room], rng: &mut SimRng) -> Option<usize>;
}

impl Placement for PlacementSpec {
    fn place(&mut self, need: Room, home: usize, free: &[Room], rng: &mut SimRng) -> Option<usize> {
        let fits = |h: &usize| free[*h].fits(need);
        match self {
            PlacementSpec::FirstFit => (0..free.len()).find(fits),
            PlacementSpec::BestFit => (0..free.len())
                .filter(fits)
                .min_by_key(|&h| (free[h].memory_mb, h)),
            PlacementSpec::WorstFit => (0..free.len())
                .filter(fits)
                .min_by_key(|&h| (std::cmp::Reverse(free[h].memory_mb), h)),
            PlacementSpec::Random => {
                let n = (0..free.len()).filter(fits).count();
                if n == 0 {
                    return None;
                }
                let k = rng.random_range(0..n);
                (0..free.len()).filter(fits).nth(k)
            }
            PlacementSpec::Hash => {
                let n = free.len();
                (0..n).map(|i| (home + i) % n).find(fits)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_hosts_are_fnv_1a_of_the_name() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector).
        assert_eq!(
            home_host("a", usize::MAX),
            0xaf63_dc4c_8601_ec8c_u64 as usize % usize::MAX
        );
        assert_eq!((home_host("a", 7), home_host("a", 1000)), (5, 996));
        assert_eq!(
            (home_host("api", 7), home_host("orders-api", 1000)),
            (6, 993)
        );
        assert_eq!(home_host("a", 0), 0);
    }

    #[test]
    fn every_name_is_its_own_policy() {
        let all = [
            PlacementSpec::FirstFit,
            PlacementSpec::BestFit,
            PlacementSpec::WorstFit,
            PlacementSpec::Random,
            PlacementSpec::Hash,
        ];
        for (name, want) in PlacementSpec::NAMES.iter().zip(all) {
            assert_eq!(PlacementSpec::from_name(name), Some(want), "{name}");
        }
        assert_eq!(PlacementSpec::from_name("fastest"), None);
    }
    use crate::engine::RngStreams;

    /// Hosts limited by memory only.
    fn mem(free: &[u32]) -> Vec<Room> {
        free.iter()
            .map(|&m| Room {
                memory_mb: m,
                cpu: 0,
            })
            .collect()
    }

    const NEED: Room = Room {
        memory_mb: 512,
        cpu: 0,
    };

    #[test]
    fn each_policy_chooses_as_documented() {
        let mut rng = RngStreams::new(0).stream("placement");
        // Free memory of five hosts; an environment needs 512 MB.
        let free = mem(&[256, 1024, 512, 2048, 768]);
        let mut place = |p: PlacementSpec, home| p.clone().place(NEED, home, &free, &mut rng);
        assert_eq!(place(PlacementSpec::FirstFit, 0), Some(1));
        assert_eq!(place(PlacementSpec::BestFit, 0), Some(2));
        assert_eq!(place(PlacementSpec::WorstFit, 0), Some(3));
        // Home host 0 has no room: the next with room, cyclically.
        assert_eq!(place(PlacementSpec::Hash, 0), Some(1));
        assert_eq!(place(PlacementSpec::Hash, 4), Some(4));
        let full = mem(&[100, 200]);
        for p in [
            PlacementSpec::FirstFit,
            PlacementSpec::BestFit,
            PlacementSpec::WorstFit,
            PlacementSpec::Random,
            PlacementSpec::Hash,
        ] {
            assert_eq!(p.clone().place(NEED, 1, &full, &mut rng), None, "{p:?}");
        }
    }

    #[test]
    fn hash_wraps_around_from_the_home_host() {
        let mut rng = RngStreams::new(0).stream("placement");
        let free = mem(&[1024, 0, 0, 0]);
        assert_eq!(PlacementSpec::Hash.place(NEED, 2, &free, &mut rng), Some(0));
    }

    #[test]
    fn ties_go_to_the_lowest_host() {
        let mut rng = RngStreams::new(0).stream("placement");
        let free = mem(&[512, 1024, 512, 1024]);
        assert_eq!(
            PlacementSpec::BestFit.place(NEED, 0, &free, &mut rng),
            Some(0)
        );
        assert_eq!(
            PlacementSpec::WorstFit.place(NEED, 0, &free, &mut rng),
            Some(1)
        );
    }

    #[test]
    fn random_picks_only_hosts_with_room_and_all_of_them() {
        let mut rng = RngStreams::new(3).stream("placement");
        let free = mem(&[1024, 0, 600, 100, 512]);
        let mut seen = [0u32; 5];
        for _ in 0..3000 {
            let h = PlacementSpec::Random
                .place(NEED, 0, &free, &mut rng)
                .expect("room");
            seen[h] += 1;
        }
        assert_eq!((seen[1], seen[3]), (0, 0));
        for h in [0, 2, 4] {
            assert!((800..1200).contains(&seen[h]), "{seen:?}");
        }
    }

    #[test]
    fn a_host_needs_both_memory_and_cpu() {
        let mut rng = RngStreams::new(0).stream("placement");
        // Host 0: memory but no CPU left; host 1: CPU but no memory; host 2: both.
        let free = [
            Room {
                memory_mb: 4096,
                cpu: 100,
            },
            Room {
                memory_mb: 256,
                cpu: 8000,
            },
            Room {
                memory_mb: 1024,
                cpu: 1769,
            },
        ];
        let need = Room {
            memory_mb: 512,
            cpu: cpu_share(512),
        };
        for p in [
            PlacementSpec::FirstFit,
            PlacementSpec::BestFit,
            PlacementSpec::WorstFit,
            PlacementSpec::Random,
            PlacementSpec::Hash,
        ] {
            assert_eq!(p.clone().place(need, 0, &free, &mut rng), Some(2), "{p:?}");
        }
    }

    #[test]
    fn cpu_shares_are_exact() {
        assert_eq!(cpu_share(1769), CPU_UNITS_PER_VCPU);
        assert_eq!(cpu_share(884) * 2 + 1, host_cpu(1.0));
        assert_eq!(cpu_share(10_240), 10_240, "10,240 MB: 5.79 vCPUs");
        assert_eq!(cpu_share(20_000), 6 * 1769, "at most 6 vCPUs");
        assert_eq!(host_cpu(0.5), 884);
        assert_eq!(host_cpu(96.0), 96 * 1769);
    }

    #[test]
    fn home_host_is_stable() {
        // FNV-1a: fixed for a given name, whatever the run.
        assert_eq!(home_host("api", 7), home_host("api", 7));
        assert!(home_host("api", 7) < 7);
        assert_eq!(home_host("x", 1), 0);
    }
}
