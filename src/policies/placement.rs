//! Placement: which host of a finite cluster receives a new execution environment.
//!
//! A policy sees the free memory of every host and returns a host with room, or `None`
//! (the model then tries eviction). It never changes the hosts itself.

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

/// Chooses a host for a new environment.
pub trait Placement: Send {
    /// A host whose free memory (`free[h]`, MB) is at least `need`, or `None` if none has
    /// room. `home` is the function's home host (used by `hash`).
    fn place(&mut self, need: u32, home: usize, free: &[u32], rng: &mut SimRng) -> Option<usize>;
}

impl Placement for PlacementSpec {
    fn place(&mut self, need: u32, home: usize, free: &[u32], rng: &mut SimRng) -> Option<usize> {
        let fits = |h: &usize| free[*h] >= need;
        match self {
            PlacementSpec::FirstFit => (0..free.len()).find(fits),
            PlacementSpec::BestFit => (0..free.len()).filter(fits).min_by_key(|&h| (free[h], h)),
            PlacementSpec::WorstFit => (0..free.len())
                .filter(fits)
                .min_by_key(|&h| (std::cmp::Reverse(free[h]), h)),
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
    use crate::engine::RngStreams;

    #[test]
    fn each_policy_chooses_as_documented() {
        let mut rng = RngStreams::new(0).stream("placement");
        // Free memory of five hosts; an environment needs 512 MB.
        let free = [256, 1024, 512, 2048, 768];
        let mut place = |p: PlacementSpec, home| p.clone().place(512, home, &free, &mut rng);
        assert_eq!(place(PlacementSpec::FirstFit, 0), Some(1));
        assert_eq!(place(PlacementSpec::BestFit, 0), Some(2));
        assert_eq!(place(PlacementSpec::WorstFit, 0), Some(3));
        // Home host 0 has no room: the next with room, cyclically.
        assert_eq!(place(PlacementSpec::Hash, 0), Some(1));
        assert_eq!(place(PlacementSpec::Hash, 4), Some(4));
        let full = [100, 200];
        for p in [
            PlacementSpec::FirstFit,
            PlacementSpec::BestFit,
            PlacementSpec::WorstFit,
            PlacementSpec::Random,
            PlacementSpec::Hash,
        ] {
            assert_eq!(p.clone().place(512, 1, &full, &mut rng), None, "{p:?}");
        }
    }

    #[test]
    fn hash_wraps_around_from_the_home_host() {
        let mut rng = RngStreams::new(0).stream("placement");
        let free = [1024, 0, 0, 0];
        assert_eq!(PlacementSpec::Hash.place(512, 2, &free, &mut rng), Some(0));
    }

    #[test]
    fn ties_go_to_the_lowest_host() {
        let mut rng = RngStreams::new(0).stream("placement");
        let free = [512, 1024, 512, 1024];
        assert_eq!(
            PlacementSpec::BestFit.place(512, 0, &free, &mut rng),
            Some(0)
        );
        assert_eq!(
            PlacementSpec::WorstFit.place(512, 0, &free, &mut rng),
            Some(1)
        );
    }

    #[test]
    fn random_picks_only_hosts_with_room_and_all_of_them() {
        let mut rng = RngStreams::new(3).stream("placement");
        let free = [1024, 0, 600, 100, 512];
        let mut seen = [0u32; 5];
        for _ in 0..3000 {
            let h = PlacementSpec::Random
                .place(512, 0, &free, &mut rng)
                .expect("room");
            seen[h] += 1;
        }
        assert_eq!((seen[1], seen[3]), (0, 0));
        for h in [0, 2, 4] {
            assert!((800..1200).contains(&seen[h]), "{seen:?}");
        }
    }

    #[test]
    fn home_host_is_stable() {
        // FNV-1a: fixed for a given name, whatever the run.
        assert_eq!(home_host("api", 7), home_host("api", 7));
        assert!(home_host("api", 7) < 7);
        assert_eq!(home_host("x", 1), 0);
    }
}
