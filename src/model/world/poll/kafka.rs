//! Kafka topics at run time (`msk`, `kafka`): the consumers (pollers) of a mapping, one
//! partition's batch at a time each, and their scaling. Every `kafka_scale_interval` the
//! mapping weighs its consumer lag: a lag that did not shrink, with more partitions
//! holding records than consumers, asks for one consumer per such partition; a function
//! that throttled asks for no more than it ran; partitions left idle give their
//! consumers back. A change lands `kafka_scale_delay` later, and no other is asked
//! before it has. In provisioned mode the consumers are the mapping's event pollers: they
//! stay between `min` and `max`, are weighed every `kafka_provisioned_scale_interval`
//! and land `kafka_provisioned_scale_delay` later, and a lag that grows while the
//! pollers are short of throughput doubles them.

use super::KindRt;
use crate::engine::{EventQueue, Time};
use crate::model::world::{Event, World};
use std::collections::VecDeque;

/// The consumers of a Kafka mapping.
pub(super) struct Consumers {
    pub(super) pollers: u32,
    /// Batches in flight (each holds a consumer).
    pub(super) in_flight: u32,
    /// Lanes with a batch ready and no consumer free, in the order they became ready.
    pub(super) waiting: VecDeque<u32>,
    /// The next weighing of the lag.
    next_weigh: Time,
    /// A change under way: when it lands, and to how many consumers.
    pending: Option<(Time, u32)>,
    /// The lag (records waiting) at the last weighing.
    last_lag: u64,
    /// A batch was throttled since the last weighing.
    pub(super) throttled: bool,
}

impl Consumers {
    /// `pollers` consumers at first: one for all the partitions, as AWS starts, or a
    /// provisioned mapping's `min`.
    pub(super) fn new(pollers: u32, first_weigh: Time) -> Consumers {
        Consumers {
            pollers,
            in_flight: 0,
            waiting: VecDeque::new(),
            next_weigh: first_weigh,
            pending: None,
            last_lag: 0,
            throttled: false,
        }
    }

    /// The consumers asked for at a weighing, between `floor` and `cap`, from the lag,
    /// the partitions that hold records (`busy`), whether the function throttled, and
    /// whether the consumers were short of throughput (`starved`); `None`: no change.
    pub(super) fn wanted(
        &self,
        lag: u64,
        busy: u32,
        (floor, cap): (u32, u32),
        starved: bool,
    ) -> Option<u32> {
        let growing = lag > 0 && lag >= self.last_lag;
        let target = if self.throttled {
            self.in_flight.max(1).min(self.pollers)
        } else if growing && busy > self.pollers {
            busy
        } else if growing && starved {
            self.pollers.saturating_mul(2)
        } else if busy < self.pollers {
            busy.max(1)
        } else {
            self.pollers
        }
        .clamp(floor, cap);
        (target != self.pollers).then_some(target)
    }
}

impl World<'_> {
    /// The Kafka consumers of mapping `m`, if it is a Kafka mapping.
    pub(super) fn consumers(&mut self, m: usize) -> Option<&mut Consumers> {
        match &mut self.mappings[m].kind {
            KindRt::Stream { consumers, .. } => consumers.as_mut(),
            _ => None,
        }
    }

    /// At a poll of Kafka mapping `m`: lands a change that is due, and weighs the lag when
    /// its interval has come.
    pub(super) fn kafka_scale(&mut self, now: Time, m: usize, q: &mut EventQueue<Event>) {
        let platform = &self.sc.platform;
        let provisioned = self.mapping_cfg(m).provisioned.as_ref();
        let (interval, delay) = if provisioned.is_some() {
            (
                platform.kafka_provisioned_scale_interval,
                platform.kafka_provisioned_scale_delay,
            )
        } else {
            (platform.kafka_scale_interval, platform.kafka_scale_delay)
        };
        let bounds = provisioned.map(|p| (p.min, p.max));
        let Some(c) = self.consumers(m) else {
            return;
        };
        if let Some((t, n)) = c.pending
            && t <= now
        {
            c.pending = None;
            self.set_consumers(now, m, n);
            self.kafka_next(now, m, q);
        }
        let Some(c) = self.consumers(m) else {
            return;
        };
        if now < c.next_weigh {
            return;
        }
        c.next_weigh = now.saturating_add(interval);
        let lag = self.waiting(m);
        let starved = self.take_starved(m);
        let cooling = self.cooling_down(now, m);
        let KindRt::Stream {
            lanes,
            active,
            consumers: Some(c),
        } = &mut self.mappings[m].kind
        else {
            return;
        };
        let busy = active
            .iter()
            .filter(|&&l| !lanes[l as usize].records.is_empty())
            .count() as u32;
        // Throttles seen while a change is under way count at the next weighing.
        if c.pending.is_none() {
            // No more pollers than partitions (one reads one partition at a time), nor
            // below a provisioned `min`.
            let partitions = lanes.len() as u32;
            let bounds = bounds.map_or((1, partitions), |(min, max)| {
                (min, max.min(partitions).max(min))
            });
            if let Some(n) = c.wanted(lag, busy, bounds, starved)
                && !(cooling && n < c.pollers)
            {
                c.pending = Some((now.saturating_add(delay), n));
            }
            c.throttled = false;
        }
        c.last_lag = lag;
    }

    fn set_consumers(&mut self, now: Time, m: usize, new: u32) {
        let Some(c) = self.consumers(m) else {
            return;
        };
        let old = std::mem::replace(&mut c.pollers, new);
        self.pollers_changed(now, m, old, new);
    }

    /// Hands free consumers of Kafka mapping `m` to the lanes waiting for one.
    pub(super) fn kafka_next(&mut self, now: Time, m: usize, q: &mut EventQueue<Event>) {
        loop {
            let KindRt::Stream {
                consumers: Some(c), ..
            } = &self.mappings[m].kind
            else {
                return;
            };
            if c.in_flight >= c.pollers || c.waiting.is_empty() {
                return;
            }
            if !self.poller_credit(now, m, 0, q) {
                // Still short of throughput: a `PollerCredit` event is due.
                return;
            }
            let KindRt::Stream {
                lanes,
                consumers: Some(c),
                ..
            } = &mut self.mappings[m].kind
            else {
                return;
            };
            let Some(l) = c.waiting.pop_front() else {
                return;
            };
            lanes[l as usize].queued = false;
            self.stream_read(now, m, l as usize, q);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consumers(pollers: u32, in_flight: u32, last_lag: u64, throttled: bool) -> Consumers {
        Consumers {
            pollers,
            in_flight,
            last_lag,
            throttled,
            ..Consumers::new(1, Time::ZERO)
        }
    }

    #[test]
    fn the_lag_asks_for_a_consumer_per_partition_with_records() {
        // A growing lag over 7 of 10 partitions, 2 consumers: 7.
        assert_eq!(
            consumers(2, 2, 100, false).wanted(150, 7, (1, 10), false),
            Some(7)
        );
        // A steady lag counts as not shrinking.
        assert_eq!(
            consumers(2, 2, 150, false).wanted(150, 7, (1, 10), false),
            Some(7)
        );
        // Never more than the partitions.
        assert_eq!(
            consumers(2, 2, 0, false).wanted(5, 12, (1, 10), false),
            Some(10)
        );
        // A shrinking lag: no more consumers.
        assert_eq!(
            consumers(2, 2, 200, false).wanted(150, 7, (1, 10), false),
            None
        );
        // No lag, 4 busy partitions and 7 consumers: down to 4; none busy: down to 1.
        assert_eq!(
            consumers(7, 4, 0, false).wanted(0, 4, (1, 10), false),
            Some(4)
        );
        assert_eq!(
            consumers(7, 0, 0, false).wanted(0, 0, (1, 10), false),
            Some(1)
        );
        assert_eq!(consumers(1, 0, 0, false).wanted(0, 0, (1, 10), false), None);
        // As many busy as consumers: no change.
        assert_eq!(
            consumers(4, 4, 10, false).wanted(20, 4, (1, 10), false),
            None
        );
    }

    #[test]
    fn provisioned_consumers_stay_between_min_and_max_and_double_when_starved() {
        // A growing lag over 7 partitions, 2 pollers, at most 5: 5.
        assert_eq!(
            consumers(2, 2, 100, false).wanted(150, 7, (2, 5), false),
            Some(5)
        );
        // Idle: down to `min`, not to 1.
        assert_eq!(
            consumers(4, 0, 0, false).wanted(0, 0, (3, 50), false),
            Some(3)
        );
        assert_eq!(consumers(3, 0, 0, false).wanted(0, 0, (3, 50), false), None);
        // Short of throughput with a growing lag, as many busy partitions as pollers:
        // twice the pollers, up to `max`.
        assert_eq!(
            consumers(4, 4, 10, false).wanted(20, 4, (1, 50), true),
            Some(8)
        );
        assert_eq!(
            consumers(4, 4, 10, false).wanted(20, 4, (1, 6), true),
            Some(6)
        );
        // Starved but the lag shrinks: no change.
        assert_eq!(
            consumers(4, 4, 30, false).wanted(20, 4, (1, 50), true),
            None
        );
    }

    #[test]
    fn a_throttled_function_gets_no_more_consumers_than_it_ran() {
        assert_eq!(
            consumers(8, 3, 0, true).wanted(500, 10, (1, 10), false),
            Some(3)
        );
        assert_eq!(
            consumers(8, 0, 0, true).wanted(500, 10, (1, 10), false),
            Some(1)
        );
        assert_eq!(
            consumers(3, 3, 0, true).wanted(500, 10, (1, 10), false),
            None
        );
    }
}
