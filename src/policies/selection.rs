//! Instance selection: which idle environment serves the next request.

use crate::engine::SimRng;
use rand::RngExt;

/// Instance-selection policy, as chosen in a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SelectionSpec {
    /// Most recently freed first (a stack): the others age out. Lambda-like; the default.
    #[default]
    Mru,
    /// Least recently freed first (a queue): spreads load over every idle environment.
    Lru,
    /// Uniformly at random.
    Random,
}

/// Picks among idle environments ordered from least to most recently freed.
pub trait InstanceSelection: Send {
    /// The index (0 = least recently freed) of the environment to use; `idle > 0`.
    fn pick(&mut self, idle: usize, rng: &mut SimRng) -> usize;
}

impl InstanceSelection for SelectionSpec {
    #[inline]
    fn pick(&mut self, idle: usize, rng: &mut SimRng) -> usize {
        match self {
            SelectionSpec::Mru => idle - 1,
            SelectionSpec::Lru => 0,
            SelectionSpec::Random => rng.random_range(0..idle),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn picks() {
        let mut rng = RngStreams::new(0).stream("s");
        assert_eq!(SelectionSpec::Mru.pick(5, &mut rng), 4);
        assert_eq!(SelectionSpec::Lru.pick(5, &mut rng), 0);
        let mut seen = [false; 5];
        for _ in 0..200 {
            seen[SelectionSpec::Random.pick(5, &mut rng)] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }
}
