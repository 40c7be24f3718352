//! Kinesis and DynamoDB streams at run time: each lane read in order with at most one batch
//! in flight, polled every `poll_interval`.

use super::KindRt;
use crate::engine::{EventQueue, Time};
use crate::metrics::Level;
use crate::model::config::MappingKind;
use crate::model::world::{Event, World};

impl World<'_> {
    /// A stream poll: drop records past the retention, then read every idle lane.
    pub(super) fn stream_poll(&mut self, now: Time, m: usize, q: &mut EventQueue<Event>) {
        let MappingKind::Stream { retention, .. } = self.mapping_cfg(m).kind else {
            unreachable!("a stream mapping");
        };
        let f = self.mappings[m].func as usize;
        let KindRt::Stream { lanes, active } = &mut self.mappings[m].kind else {
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

    /// Reads lane `l` if it is idle and has a batch ready (full, or the window passed).
    pub(super) fn stream_read(&mut self, now: Time, m: usize, l: usize, q: &mut EventQueue<Event>) {
        let window = self.mapping_cfg(m).batching_window;
        let f = self.mappings[m].func as usize;
        let KindRt::Stream { lanes, .. } = &mut self.mappings[m].kind else {
            return;
        };
        let lane = &mut lanes[l];
        if lane.in_flight > 0 {
            return;
        }
        let Some(front) = lane.records.front() else {
            return;
        };
        let n = lane.records.len().min(lane.cap as usize) as u32;
        let ready =
            window == Time::ZERO || n >= lane.cap || now.saturating_sub(front.arrival) >= window;
        if !ready {
            return;
        }
        lane.in_flight = n;
        self.funcs[f].m.series.dec_by(now, Level::Queued, n);
        let b = self.alloc_batch(m as u32, l as u32);
        self.batches[b as usize].n = n;
        if self.invoke_batch(now, m, b, q) {
            // A throttled batch leaves the lane idle, its records unread.
            let KindRt::Stream { lanes, .. } = &mut self.mappings[m].kind else {
                return;
            };
            lanes[l].in_flight = 0;
            self.funcs[f].m.series.inc_by(now, Level::Queued, n);
        }
    }
}
