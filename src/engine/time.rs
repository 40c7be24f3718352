//! Simulated time: an integer count of nanoseconds, used for instants and spans alike.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds since the start of a run (or a span of nanoseconds). Never a float.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub u64);

impl Time {
    /// Time zero.
    pub const ZERO: Time = Time(0);
    /// The largest representable time (about 584 years).
    pub const MAX: Time = Time(u64::MAX);
    /// Nanoseconds in one millisecond.
    pub const NS_PER_MS: u64 = 1_000_000;
    /// Nanoseconds in one second.
    pub const NS_PER_S: u64 = 1_000_000_000;

    /// A time of `ns` nanoseconds.
    pub const fn from_nanos(ns: u64) -> Time {
        Time(ns)
    }
    /// A time of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Time {
        Time(ms * Self::NS_PER_MS)
    }
    /// A time of `s` seconds.
    pub const fn from_secs(s: u64) -> Time {
        Time(s * Self::NS_PER_S)
    }
    /// Whole nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Seconds as a float (for reporting only, never for the clock).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / Self::NS_PER_S as f64
    }
    /// Milliseconds as a float (for reporting only).
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / Self::NS_PER_MS as f64
    }
    /// Whole milliseconds, rounded up (the billing rule).
    pub const fn ceil_millis(self) -> u64 {
        self.0.div_ceil(Self::NS_PER_MS)
    }
    /// `self + rhs`, saturating at [`Time::MAX`].
    pub const fn saturating_add(self, rhs: Time) -> Time {
        Time(self.0.saturating_add(rhs.0))
    }
    /// `self - rhs`, or zero if `rhs` is later.
    pub const fn saturating_sub(self, rhs: Time) -> Time {
        Time(self.0.saturating_sub(rhs.0))
    }
}

/// Saturates at [`Time::MAX`]: an absurd draw (a heavy-tailed INIT, say) lands after the
/// end of the run instead of wrapping around to the past.
impl Add for Time {
    type Output = Time;
    #[inline]
    fn add(self, rhs: Time) -> Time {
        Time(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Time {
    #[inline]
    fn add_assign(&mut self, rhs: Time) {
        *self = *self + rhs;
    }
}

impl Sub for Time {
    type Output = Time;
    #[inline]
    fn sub(self, rhs: Time) -> Time {
        Time(self.0 - rhs.0)
    }
}

impl From<std::time::Duration> for Time {
    fn from(d: std::time::Duration) -> Time {
        Time(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}

impl fmt::Display for Time {
    /// Formats as a humane duration, e.g. `1h 30m`, `250ms` or `400days 2h`: humantime's
    /// form, but in days however long, never in months or years (calendar units that a
    /// scenario file does not accept), so whatever is printed parses back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let secs = self.0 / Self::NS_PER_S;
        let nanos = self.0 % Self::NS_PER_S;
        let parts = [
            (secs / 86_400, "day"),
            (secs % 86_400 / 3600, "h"),
            (secs % 3600 / 60, "m"),
            (secs % 60, "s"),
            (nanos / 1_000_000, "ms"),
            (nanos / 1000 % 1000, "us"),
            (nanos % 1000, "ns"),
        ];
        let mut started = false;
        for (n, unit) in parts {
            if n == 0 {
                continue;
            }
            if started {
                f.write_str(" ")?;
            }
            started = true;
            let plural = if unit == "day" && n > 1 { "s" } else { "" };
            write!(f, "{n}{unit}{plural}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_humantimes_below_a_month_and_days_beyond() {
        // Below a month, byte for byte what humantime prints (the shipped outputs' form).
        let mut x: u64 = 1;
        while x < 2_630_016 * Time::NS_PER_S {
            // humantime's month is 30.44 days (2,630,016 s).
            for t in [x, x + 7, x * 3 + 999_999_999]
                .into_iter()
                .filter(|&t| t < 2_630_016 * Time::NS_PER_S)
            {
                let ours = Time(t).to_string();
                let theirs =
                    humantime::format_duration(std::time::Duration::from_nanos(t)).to_string();
                assert_eq!(ours, theirs, "{t} ns");
            }
            x = x * 2 + 1;
        }
        assert_eq!(Time::ZERO.to_string(), "0s");
        assert_eq!(Time::from_secs(86_400).to_string(), "1day");
        assert_eq!(
            Time::from_secs(400 * 86_400 + 7200).to_string(),
            "400days 2h"
        );
        assert_eq!(
            Time::MAX.to_string(),
            "213503days 23h 34m 33s 709ms 551us 615ns"
        );
    }

    #[test]
    fn addition_saturates_instead_of_wrapping() {
        assert_eq!(Time::MAX + Time::from_secs(1), Time::MAX);
        assert_eq!(Time::from_secs(1) + Time::from_secs(2), Time::from_secs(3));
    }

    #[test]
    fn ceil_millis_rounds_up_partial_milliseconds_only() {
        assert_eq!(Time::from_nanos(0).ceil_millis(), 0);
        assert_eq!(Time::from_nanos(1).ceil_millis(), 1);
        assert_eq!(Time::from_millis(120).ceil_millis(), 120);
        assert_eq!(Time::from_nanos(120_000_001).ceil_millis(), 121);
    }
}
