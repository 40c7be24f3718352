//! Kinesis and DynamoDB streams, and Kafka topics, at run time: each lane (a shard, or a
//! partition) read in order with at most one batch in flight, polled every
//! `poll_interval` (a Kafka lane is also read as records come, and at the end of its
//! batching window, when one of the mapping's consumers is free).

use super::KindRt;
use crate::engine::{EventQueue, Time};
use crate::metrics::{AttemptOutcome, Level};
use crate::model::config::MappingKind;
use crate::model::world::{Event, World};

impl World<'_> {
    /// A stream poll: drop records past the retention, then read every idle lane.
    pub(super) fn stream_poll(&mut self, now: Time, m: usize, q: &mut EventQueue<Event>) {
        let MappingKind::Stream { retention, .. } = self.mapping_cfg(m).kind else {
            unreachable!("a stream mapping");
        };
        let f = self.mappings[m].func as usize;
        let KindRt::Stream { lanes, active, .. } = &mut self.mappings[m].kind else {
            unreachable!("a stream mapping");
        };
        let mut expired = 0u32;
        let mut i = 0;
        while i < active.len() {
            let lane = &mut lanes[active[i] as usize];
            if lane.in_flight == 0 {
                while let Some(x) = lane.records.front() {
                    if x.arrival.saturating_add(retention) > now {
                        break;
                    }
                    lane.records.pop_front();
                    lane.failures = 0;
                    expired += 1;
                }
                if lane.records.is_empty() {
                    lane.listed = false;
                    active.swap_remove(i);
                    continue;
                }
            }
            i += 1;
        }
        if expired > 0 {
            let fm = &mut self.funcs[f].m;
            fm.series.dec_by(now, Level::Queued, expired);
            fm.failed += u64::from(expired);
            self.mappings[m].expired += u64::from(expired);
        }
        let mut i = 0;
        loop {
            let l = match &self.mappings[m].kind {
                KindRt::Stream { active, .. } if i < active.len() => active[i] as usize,
                _ => break,
            };
            self.stream_read(now, m, l, q);
            i += 1;
        }
    }

    /// Reads lane `l` if it is idle and has a batch ready (full, or the window passed),
    /// and, for Kafka, a consumer is free (else the lane waits for one, or for the end of
    /// its window).
    pub(super) fn stream_read(&mut self, now: Time, m: usize, l: usize, q: &mut EventQueue<Event>) {
        let window = self.mapping_cfg(m).batching_window;
        let f = self.mappings[m].func as usize;
        let end = self.end;
        let provisioned = self.mappings[m].prov.is_some();
        let KindRt::Stream {
            lanes, consumers, ..
        } = &mut self.mappings[m].kind
        else {
            return;
        };
        let lane = &mut lanes[l];
        if lane.in_flight > 0 || lane.queued || now < lane.hold {
            return;
        }
        let Some(front) = lane.records.front() else {
            return;
        };
        let n = lane.records.len().min(lane.cap as usize) as u32;
        let ready =
            window == Time::ZERO || n >= lane.cap || now.saturating_sub(front.arrival) >= window;
        if !ready {
            if consumers.is_some() && !lane.timer {
                let t = front.arrival.saturating_add(window);
                if t < end {
                    lane.timer = true;
                    q.schedule(
                        t,
                        Event::BatchWindow {
                            mapping: m as u32,
                            lane: l as u32,
                        },
                    );
                }
            }
            return;
        }
        if let Some(c) = consumers {
            if c.in_flight >= c.pollers {
                lane.queued = true;
                c.waiting.push_back(l as u32);
                return;
            }
            if provisioned {
                // Provisioned pollers read at most their throughput: the lane waits for a
                // consumer again when they are short of it.
                let bytes = lane
                    .records
                    .iter()
                    .take(n as usize)
                    .map(|x| u64::from(x.bytes))
                    .sum();
                if !self.poller_credit(now, m, bytes, q) {
                    let KindRt::Stream {
                        lanes,
                        consumers: Some(c),
                        ..
                    } = &mut self.mappings[m].kind
                    else {
                        return;
                    };
                    lanes[l].queued = true;
                    c.waiting.push_back(l as u32);
                    return;
                }
            }
            let KindRt::Stream {
                lanes,
                consumers: Some(c),
                ..
            } = &mut self.mappings[m].kind
            else {
                return;
            };
            c.in_flight += 1;
            lanes[l].in_flight = n;
        } else {
            lane.in_flight = n;
        }
        self.funcs[f].m.series.dec_by(now, Level::Queued, n);
        let b = self.alloc_batch(m as u32, l as u32);
        self.batches[b as usize].n = n;
        if self.invoke_batch(now, m, b, q) {
            // A throttled batch leaves the lane idle, its records unread.
            let KindRt::Stream {
                lanes, consumers, ..
            } = &mut self.mappings[m].kind
            else {
                return;
            };
            if let Some(c) = consumers {
                c.in_flight -= 1;
            }
            lanes[l].in_flight = 0;
            self.funcs[f].m.series.inc_by(now, Level::Queued, n);
        }
    }

    /// A batch of stream or Kafka mapping `m` ended: its records are done, or the lane
    /// retries it (halved with `bisect_on_error`) until it succeeds or runs out of retries.
    pub(super) fn stream_done(
        &mut self,
        now: Time,
        m: usize,
        b: u32,
        outcome: AttemptOutcome,
        q: &mut EventQueue<Event>,
    ) {
        let f = self.mappings[m].func as usize;
        let (batch_size, max_retry, bisect) = {
            let cfg = self.mapping_cfg(m);
            let MappingKind::Stream {
                max_retry_attempts,
                bisect_on_error,
                ..
            } = cfg.kind
            else {
                unreachable!("a stream mapping");
            };
            (cfg.batch_size, max_retry_attempts, bisect_on_error)
        };
        let l = self.batches[b as usize].lane as usize;
        let n = self.batches[b as usize].n;
        self.free_batch(b);
        let KindRt::Stream {
            lanes, consumers, ..
        } = &mut self.mappings[m].kind
        else {
            unreachable!("a stream mapping");
        };
        let kafka = consumers.is_some();
        let interval = self.sc.platform.poll_interval;
        let others_wait = consumers.as_mut().is_some_and(|c| {
            c.in_flight -= 1;
            !c.waiting.is_empty()
        });
        let lane = &mut lanes[l];
        lane.in_flight = 0;
        // A Kafka lane whose batch failed waits for the next poll, as a stream's does.
        if kafka && outcome != AttemptOutcome::Success {
            lane.hold = super::poll_after(now, interval);
        }
        if outcome == AttemptOutcome::Success {
            lane.failures = 0;
            lane.cap = batch_size;
            let ends = self.sc.pipeline.any;
            let carried = !self.sc.functions[f].chain.emits.is_empty();
            let fm = &mut self.funcs[f].m;
            for (i, x) in lane.records.drain(..n as usize).enumerate() {
                fm.succeeded += 1;
                fm.latency.record(now - x.arrival);
                if ends && !(i == 0 && carried) {
                    fm.chain_ended(now.saturating_sub(x.lineage.origin));
                }
            }
            // A lane with records left is read again at once (if its batch is ready); on
            // Kafka, after the partitions already waiting for a consumer.
            if others_wait {
                self.kafka_next(now, m, q);
            }
            self.stream_read(now, m, l, q);
            return;
        }
        let fm = &mut self.funcs[f].m;
        fm.series.inc_by(now, Level::Queued, n);
        if bisect && n > 1 {
            // Split: the first half is retried alone (splits are not retries).
            lane.cap = n.div_ceil(2);
            return;
        }
        lane.failures += 1;
        if max_retry.is_some_and(|k| lane.failures > k) {
            // Out of retries: the records go to the on-failure destination.
            lane.failures = 0;
            lane.cap = batch_size;
            fm.series.dec_by(now, Level::Queued, n);
            let src = self.mappings[m].source as usize;
            let to = self.sc.sources[src].on_failure;
            for _ in 0..n {
                let KindRt::Stream { lanes, .. } = &mut self.mappings[m].kind else {
                    unreachable!("a stream mapping");
                };
                let x = lanes[l].records.pop_front().expect("the batch's records");
                if let Some(s) = to {
                    self.deliver(now, f, s, x.lineage, q);
                }
            }
            self.dead_letter(m, u64::from(n));
        }
    }
}
