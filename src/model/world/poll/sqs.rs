//! SQS at run time: the pollers that scale up while messages remain and back down when
//! the queue empties or the function throttles, gathering batches with their window,
//! visibility timeouts, and redrive to the dead-letter queue.

use super::{KindRt, Msg};
use crate::engine::{EventQueue, Time};
use crate::metrics::Level;
use crate::model::config::{Mapping, MappingKind, QueueKind};
use crate::model::world::{Event, World};

impl World<'_> {
    pub(super) fn set_pollers(&mut self, now: Time, m: usize, new: u32) {
        let KindRt::Sqs { pollers, .. } = &mut self.mappings[m].kind else {
            return;
        };
        let old = std::mem::replace(pollers, new);
        self.pollers_changed(now, m, old, new);
    }

    /// SQS scaling: up by `sqs_pollers_per_minute` while messages wait with every poller
    /// busy, down by as much when the queue is empty (never below the initial count), and
    /// never above the cap. In provisioned mode the batches come by whole event pollers
    /// (`sqs_invokes_per_poller` each), three times as fast, and a mapping short of
    /// throughput scales up too.
    pub(super) fn sqs_scale(&mut self, now: Time, m: usize, interval: Time) {
        let (floor, cap) = self.sqs_bounds(m);
        let platform = &self.sc.platform;
        let (speed, unit) = if self.mapping_cfg(m).provisioned.is_some() {
            (PROVISIONED_SQS_SPEEDUP, platform.sqs_invokes_per_poller)
        } else {
            (1, 1)
        };
        let per_minute = u128::from(platform.sqs_pollers_per_minute) * speed;
        let starved = self.take_starved(m);
        let cooling = self.cooling_down(now, m);
        let KindRt::Sqs {
            visible,
            returning,
            pollers,
            in_flight,
            credit,
            hold_until,
            ..
        } = &mut self.mappings[m].kind
        else {
            return;
        };
        *credit += per_minute * u128::from(interval.as_nanos());
        // Whole units (event pollers) of batches; the rest is kept for the next poll.
        let minute_units = 60_000_000_000 * u128::from(unit);
        let step = (*credit / minute_units) as u32 * unit;
        *credit %= minute_units;
        let visible_now = !visible.is_empty() || returning.front().is_some_and(|r| r.0 <= now);
        let new = if !visible_now {
            if cooling {
                *pollers
            } else if *pollers > floor {
                pollers.saturating_sub(step).max(floor)
            } else if now >= *hold_until {
                floor
            } else {
                // Backed down after a throttle: stays down for the hold.
                *pollers
            }
        } else if (*in_flight >= *pollers || starved) && now >= *hold_until {
            pollers.saturating_add(step).min(cap)
        } else {
            // Free pollers are gathering a batch or backing off: no need for more.
            *pollers
        };
        self.set_pollers(now, m, new);
    }

    /// (the fewest, the most) concurrent batches of SQS mapping `m`.
    pub(super) fn sqs_bounds(&self, m: usize) -> (u32, u32) {
        queue_bounds(self.mapping_cfg(m), &self.sc.platform)
    }

    /// The batching window of mapping `m` (of its lane `l`, for Kafka) may have ended:
    /// start what was gathered.
    pub(in crate::model::world) fn on_batch_window(
        &mut self,
        now: Time,
        m: usize,
        l: usize,
        q: &mut EventQueue<Event>,
    ) {
        let f = self.mappings[m].func as usize;
        self.funcs[f].m.series.advance(now);
        if let KindRt::Stream { lanes, .. } = &mut self.mappings[m].kind {
            lanes[l].timer = false;
            self.stream_read(now, m, l, q);
        } else {
            self.sqs_pump(now, m, q);
        }
    }

    /// Starts SQS batches while pollers are free and messages are visible.
    pub(super) fn sqs_pump(&mut self, now: Time, m: usize, q: &mut EventQueue<Event>) {
        let (batch_size, window) = {
            let cfg = self.mapping_cfg(m);
            (cfg.batch_size as usize, cfg.batching_window)
        };
        let f = self.mappings[m].func as usize;
        let provisioned = self.mappings[m].prov.is_some();
        loop {
            let KindRt::Sqs {
                visible,
                returning,
                pollers,
                in_flight,
                gathering,
                paused_until,
                ..
            } = &mut self.mappings[m].kind
            else {
                return;
            };
            if now < *paused_until {
                return;
            }
            // Messages whose visibility timeout has ended are received first.
            while let Some(&(t, msg)) = returning.front() {
                if t > now {
                    break;
                }
                returning.pop_front();
                visible.push_front(msg);
            }
            if visible.is_empty() {
                *gathering = None;
                return;
            }
            if *in_flight >= *pollers {
                return;
            }
            let n = visible.len().min(batch_size);
            if n < batch_size && window > Time::ZERO {
                match *gathering {
                    Some(t) if now >= t => *gathering = None,
                    Some(_) => return,
                    None => {
                        let t = now.saturating_add(window);
                        *gathering = Some(t);
                        if t < self.end {
                            q.schedule(
                                t,
                                Event::BatchWindow {
                                    mapping: m as u32,
                                    lane: 0,
                                },
                            );
                        }
                        return;
                    }
                }
            }
            if provisioned {
                let bytes = visible.iter().take(n).map(|x| u64::from(x.bytes)).sum();
                if !self.poller_credit(now, m, bytes, q) {
                    return;
                }
            }
            let b = self.alloc_batch(m as u32, 0);
            let KindRt::Sqs { visible, .. } = &mut self.mappings[m].kind else {
                return;
            };
            let batch = &mut self.batches[b as usize];
            let mut again = 0u64;
            batch.msgs.extend(visible.drain(..n).map(|mut x| {
                x.receives = x.receives.saturating_add(1);
                again += u64::from(x.receives > 1);
                x
            }));
            batch.n = n as u32;
            self.mappings[m].redelivered += again;
            self.funcs[f].m.series.dec_by(now, Level::Queued, n as u32);
            if self.invoke_batch(now, m, b, q) {
                // Throttled: the mapping backs off until its next poll.
                return;
            }
        }
    }

    /// Every message of SQS batch `b` fails: back to the queue after its visibility
    /// timeout, or to the DLQ once received `max_receive_count` times.
    pub(super) fn sqs_return_all(&mut self, now: Time, m: usize, b: u32) {
        let msgs = std::mem::take(&mut self.batches[b as usize].msgs);
        for &x in &msgs {
            self.sqs_fail(now, m, x);
        }
        self.batches[b as usize].msgs = msgs;
    }

    pub(super) fn sqs_fail(&mut self, now: Time, m: usize, x: Msg) {
        let MappingKind::Sqs {
            visibility_timeout,
            max_receive_count,
            ..
        } = self.mapping_cfg(m).kind
        else {
            unreachable!("an SQS mapping");
        };
        if max_receive_count.is_some_and(|c| u32::from(x.receives) >= c) {
            self.dead_letter(m, 1);
            return;
        }
        let f = self.mappings[m].func as usize;
        self.funcs[f].m.series.inc(now, Level::Queued);
        if let KindRt::Sqs { returning, .. } = &mut self.mappings[m].kind {
            returning.push_back((now.saturating_add(visibility_timeout), x));
        }
    }
}

/// Provisioned SQS mappings scale up about three times as fast as standard ones (AWS).
const PROVISIONED_SQS_SPEEDUP: u128 = 3;

/// (the fewest, the most) concurrent batches of a queue's mapping: SQS from
/// `sqs_pollers_initial` up to `max_concurrency` or the platform's cap; in provisioned
/// mode, `sqs_invokes_per_poller` for each of its event pollers, from `min` to `max`; a
/// broker's fixed consumers.
pub(super) fn queue_bounds(cfg: &Mapping, platform: &crate::model::config::Platform) -> (u32, u32) {
    let MappingKind::Sqs {
        max_concurrency,
        queue,
        ..
    } = cfg.kind
    else {
        unreachable!("a queue's mapping");
    };
    if let Some(p) = &cfg.provisioned {
        let unit = platform.sqs_invokes_per_poller;
        return (p.min.saturating_mul(unit), p.max.saturating_mul(unit));
    }
    if queue == QueueKind::Broker {
        let c = max_concurrency.expect("validated: a broker has its consumers");
        return (c, c);
    }
    let cap = max_concurrency.map_or(platform.sqs_pollers_max, |c| {
        c.min(platform.sqs_pollers_max)
    });
    (platform.sqs_pollers_initial.min(cap), cap)
}
