//! The arrivals of one function within one minute of an azure2019 trace, drawn in order one
//! at a time, so that a minute's arrivals need not be held in memory.

use super::Spread;
use crate::engine::{SimRng, Time};
use rand::RngExt;

/// The arrivals of one function within one minute, drawn in order one at a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct MinuteArrivals {
    /// The next arrival.
    pub(super) next: Time,
    pub(super) func: u32,
    /// Arrivals handed out so far, and in all.
    pub(super) i: u64,
    pub(super) n: u64,
    /// Position of the last one in the minute, in [0, 1) (uniform spread).
    x: f64,
    /// Start of the minute.
    start: Time,
}

impl Eq for MinuteArrivals {}

impl PartialOrd for MinuteArrivals {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for MinuteArrivals {
    /// By time, then function: a deterministic order.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.next, self.func).cmp(&(other.next, other.func))
    }
}

impl MinuteArrivals {
    const MINUTE_NS: f64 = 60e9;

    /// The first of the arrivals of `func` in the minute from `start` that counts `n` > 0,
    /// or `None` when a Poisson spread draws none.
    pub(super) fn new(
        start: Time,
        func: u32,
        n: u64,
        spread: Spread,
        rng: &mut SimRng,
    ) -> Option<Self> {
        let n = if spread == Spread::Poisson {
            let draw: f64 = rand_distr::Poisson::new(n as f64)
                .map_or(n as f64, |p| rand_distr::Distribution::sample(&p, rng));
            draw as u64
        } else {
            n
        };
        if n == 0 {
            return None;
        }
        let mut a = MinuteArrivals {
            next: start,
            func,
            i: 0,
            n,
            x: 0.0,
            start,
        };
        a.draw(spread, rng);
        Some(a)
    }

    /// Sets `next` to arrival `i`: evenly spaced, or the next of `n` sorted uniform times
    /// (the k-th order statistic from the previous one: x' = 1 − (1 − x)·V^(1/(n − k))).
    pub(super) fn draw(&mut self, spread: Spread, rng: &mut SimRng) {
        let frac = match spread {
            Spread::Even => (self.i as f64 + 0.5) / self.n as f64,
            Spread::Uniform | Spread::Poisson => {
                let left = (self.n - self.i) as f64;
                let v: f64 = rng.random::<f64>();
                self.x = 1.0 - (1.0 - self.x) * v.powf(1.0 / left);
                self.x
            }
        };
        let off = ((Self::MINUTE_NS * frac) as u64).min(59_999_999_999);
        // Never before the previous one (rounding).
        self.next = (self.start + Time(off)).max(self.next);
    }
}
