//! Admission: the account's concurrency pools and the per-function scaling-rate bucket.

use crate::engine::Time;

/// The per-function scaling rate as a token bucket: `rate` new environments per
/// `interval`, refilled continuously, full at the start. Exact integer arithmetic: the
/// level is kept in token × interval-nanoseconds units.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    rate: u128,
    interval: u128,
    level: u128,
    last: Time,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate: u32, interval: Time) -> Self {
        let interval = u128::from(interval.as_nanos().max(1));
        let rate = u128::from(rate);
        TokenBucket {
            rate,
            interval,
            level: rate * interval,
            last: Time::ZERO,
        }
    }

    /// Whether a token is available at `now` (takes none).
    #[inline]
    pub fn has_token(&self, now: Time) -> bool {
        let cap = self.rate * self.interval;
        let dt = u128::from(now.saturating_sub(self.last).as_nanos());
        (self.level + dt * self.rate).min(cap) >= self.interval
    }

    /// Takes one token at `now` if there is one.
    #[inline]
    pub fn try_take(&mut self, now: Time) -> bool {
        let cap = self.rate * self.interval;
        if self.level < cap {
            let dt = u128::from(now.saturating_sub(self.last).as_nanos());
            self.level = (self.level + dt * self.rate).min(cap);
        }
        self.last = now;
        if self.level >= self.interval {
            self.level -= self.interval;
            true
        } else {
            false
        }
    }
}

/// The unreserved concurrency pool shared by functions without reserved concurrency.
///
/// A function's claim on the pool is `max(executing, provisioned)`: provisioned
/// environments hold their share even when idle, and executions beyond them spill over.
#[derive(Clone, Debug)]
pub struct Pool {
    /// `concurrency_limit − Σ reserved`.
    pub capacity: u32,
    /// Current claims.
    pub used: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_starts_full_and_refills_continuously() {
        let mut b = TokenBucket::new(10, Time::from_secs(10));
        for _ in 0..10 {
            assert!(b.try_take(Time::ZERO));
        }
        assert!(!b.try_take(Time::ZERO));
        assert!(!b.try_take(Time::from_millis(999)));
        assert!(b.try_take(Time::from_secs(1)), "one token per second");
        assert!(!b.try_take(Time::from_secs(1)));
        // Unused capacity does not accrue beyond the bucket.
        let mut n = 0;
        while b.try_take(Time::from_secs(1000)) {
            n += 1;
        }
        assert_eq!(n, 10);
    }
}
