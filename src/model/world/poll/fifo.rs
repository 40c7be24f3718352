//! SQS FIFO queues at run time: each message group's messages in order, one batch of a
//! group at a time, so that the batches in flight are bounded by the groups with messages;
//! a failed batch hides its group until its visibility timeout ends, then is received
//! again first (or dead-lettered after `max_receive_count` receives).

use super::{KindRt, Msg};
use crate::engine::{EventQueue, Time};
use crate::metrics::Level;
use crate::model::config::MappingKind;
use crate::model::world::{Event, World};
use crate::sources::tenants::TenantDraw;
use std::collections::VecDeque;

/// Where a message group stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Group {
    /// No message.
    Empty,
    /// Messages wait, and the group is listed in `ready`.
    Ready,
    /// A batch of the group is being processed.
    InFlight,
    /// A failed batch is invisible until its visibility timeout ends; the group waits.
    Hidden,
}

/// The run-time state of a FIFO queue.
pub(super) struct FifoRt {
    /// Each group's messages not in flight, oldest first.
    pub(super) groups: Vec<VecDeque<Msg>>,
    pub(super) state: Vec<Group>,
    /// Groups ready for a batch, in the order they became ready.
    ready: VecDeque<u32>,
    /// Hidden groups and when their batch becomes visible again, in that order (the
    /// visibility timeout is the same for all).
    hidden: VecDeque<(Time, u32)>,
    /// Which group a message belongs to.
    draw: TenantDraw,
    /// Batches in flight.
    pub(super) in_flight: u32,
    /// Groups not `Empty`: the bound on batches in flight.
    active: u32,
    /// The most concurrent batches (`max_concurrency`, else the platform's cap).
    cap: u32,
    /// Messages waiting (not in flight).
    pub(super) queued: u64,
    /// After a throttle, no batch starts before this (the next poll).
    paused_until: Time,
    /// Debug builds check the order: the arrival of each group's last message done.
    #[cfg(debug_assertions)]
    done: Vec<Time>,
}

impl FifoRt {
    pub(super) fn new(groups: u32, draw: TenantDraw, cap: u32) -> FifoRt {
        FifoRt {
            groups: (0..groups).map(|_| VecDeque::new()).collect(),
            state: vec![Group::Empty; groups as usize],
            ready: VecDeque::new(),
            hidden: VecDeque::new(),
            draw,
            in_flight: 0,
            active: 0,
            cap,
            queued: 0,
            paused_until: Time::ZERO,
            #[cfg(debug_assertions)]
            done: vec![Time::ZERO; groups as usize],
        }
    }

    /// The bound on batches in flight now: the groups with messages, at most the cap.
    pub(super) fn bound(&self) -> u32 {
        self.active.min(self.cap)
    }

    /// The arrival of the oldest message waiting (`Time::MAX`: none).
    pub(super) fn oldest(&self) -> Time {
        let front = |g: u32| {
            self.groups[g as usize]
                .front()
                .map_or(Time::MAX, |x| x.arrival)
        };
        let ready = self.ready.iter().map(|&g| front(g)).min();
        let hidden = self.hidden.iter().map(|&(_, g)| front(g)).min();
        ready.unwrap_or(Time::MAX).min(hidden.unwrap_or(Time::MAX))
    }
}

impl World<'_> {
    /// Sets the `Pollers` level of FIFO mapping `m` to its bound, after `active` changed.
    fn fifo_level(&mut self, now: Time, m: usize, before: u32) {
        let KindRt::Fifo(q) = &self.mappings[m].kind else {
            return;
        };
        let after = q.bound();
        self.pollers_changed(now, m, before, after);
    }

    /// A message arrives at FIFO mapping `m`, in a group drawn from `message_groups`.
    pub(super) fn fifo_arrive(&mut self, now: Time, m: usize, msg: Msg, q: &mut EventQueue<Event>) {
        let KindRt::Fifo(fq) = &mut self.mappings[m].kind else {
            return;
        };
        let before = fq.bound();
        let g = fq.draw.draw();
        fq.groups[g as usize].push_back(msg);
        fq.queued += 1;
        if fq.state[g as usize] == Group::Empty {
            fq.state[g as usize] = Group::Ready;
            fq.ready.push_back(g);
            fq.active += 1;
        }
        self.fifo_level(now, m, before);
        self.fifo_pump(now, m, q);
    }

    /// Lists the hidden groups whose visibility timeout has ended, then starts batches
    /// while the cap allows and groups are ready.
    pub(super) fn fifo_pump(&mut self, now: Time, m: usize, q: &mut EventQueue<Event>) {
        let batch_size = self.mapping_cfg(m).batch_size as usize;
        let f = self.mappings[m].func as usize;
        loop {
            let KindRt::Fifo(fq) = &mut self.mappings[m].kind else {
                return;
            };
            while let Some(&(t, g)) = fq.hidden.front() {
                if t > now {
                    break;
                }
                fq.hidden.pop_front();
                fq.state[g as usize] = Group::Ready;
                fq.ready.push_back(g);
            }
            if now < fq.paused_until || fq.in_flight >= fq.cap {
                return;
            }
            let Some(g) = fq.ready.pop_front() else {
                return;
            };
            let group = &mut fq.groups[g as usize];
            let n = group.len().min(batch_size);
            fq.state[g as usize] = Group::InFlight;
            fq.queued -= n as u64;
            let b = self.alloc_batch(m as u32, g);
            let KindRt::Fifo(fq) = &mut self.mappings[m].kind else {
                return;
            };
            let mut again = 0u64;
            self.batches[b as usize]
                .msgs
                .extend(fq.groups[g as usize].drain(..n).map(|mut x| {
                    x.receives = x.receives.saturating_add(1);
                    again += u64::from(x.receives > 1);
                    x
                }));
            self.batches[b as usize].n = n as u32;
            self.mappings[m].redelivered += again;
            self.funcs[f].m.series.dec_by(now, Level::Queued, n as u32);
            if self.invoke_batch(now, m, b, q) {
                return;
            }
        }
    }

    /// A FIFO batch `b` was throttled: its messages return to the front of their group,
    /// hidden for the visibility timeout, and the mapping waits for its next poll.
    pub(super) fn fifo_throttled(&mut self, now: Time, m: usize, b: u32) {
        let next_poll = now.saturating_add(self.sc.platform.poll_interval);
        if let KindRt::Fifo(fq) = &mut self.mappings[m].kind {
            fq.paused_until = next_poll;
        }
        self.fifo_return(now, m, b, 0);
    }

    /// A batch of FIFO mapping `m` ended. On success its messages are done, except, with
    /// `report_batch_item_failures`, the first bad one and every one after it (to keep the
    /// order); on failure all of them return.
    pub(super) fn fifo_done(
        &mut self,
        now: Time,
        m: usize,
        b: u32,
        success: bool,
        q: &mut EventQueue<Event>,
    ) {
        let report_items = matches!(
            self.mapping_cfg(m).kind,
            MappingKind::Sqs {
                report_batch_item_failures: true,
                ..
            }
        );
        let f = self.mappings[m].func as usize;
        let n = self.batches[b as usize].msgs.len();
        let keep = if !success {
            0
        } else if report_items {
            self.batches[b as usize]
                .msgs
                .iter()
                .position(|x| x.poison)
                .unwrap_or(n)
        } else {
            n
        };
        let msgs = std::mem::take(&mut self.batches[b as usize].msgs);
        #[cfg(debug_assertions)]
        if let KindRt::Fifo(fq) = &mut self.mappings[m].kind {
            let g = self.batches[b as usize].lane as usize;
            for x in &msgs[..keep] {
                assert!(x.arrival >= fq.done[g], "group {g} done out of order");
                fq.done[g] = x.arrival;
            }
        }
        for (i, &x) in msgs[..keep].iter().enumerate() {
            self.succeed(now, f, x, i == 0);
        }
        self.batches[b as usize].msgs = msgs;
        if let KindRt::Fifo(fq) = &mut self.mappings[m].kind {
            fq.in_flight -= 1;
        }
        self.fifo_return(now, m, b, keep);
        self.free_batch(b);
        self.fifo_pump(now, m, q);
    }

    /// Messages `from..` of batch `b` failed: back to the front of their group (hidden
    /// until the visibility timeout ends), or to the DLQ after `max_receive_count`
    /// receives. The group is then hidden, ready or empty.
    fn fifo_return(&mut self, now: Time, m: usize, b: u32, from: usize) {
        let MappingKind::Sqs {
            visibility_timeout,
            max_receive_count,
            ..
        } = self.mapping_cfg(m).kind
        else {
            unreachable!("an SQS mapping");
        };
        let f = self.mappings[m].func as usize;
        let g = self.batches[b as usize].lane as usize;
        let msgs = std::mem::take(&mut self.batches[b as usize].msgs);
        let mut back = 0u32;
        let mut dead = 0u64;
        let KindRt::Fifo(fq) = &mut self.mappings[m].kind else {
            unreachable!("a FIFO mapping");
        };
        let before = fq.bound();
        // In reverse, so that pushing to the front keeps the order.
        for &x in msgs[from..].iter().rev() {
            if max_receive_count.is_some_and(|c| u32::from(x.receives) >= c) {
                dead += 1;
            } else {
                fq.groups[g].push_front(x);
                back += 1;
            }
        }
        fq.queued += u64::from(back);
        fq.state[g] = if back > 0 {
            fq.hidden
                .push_back((now.saturating_add(visibility_timeout), g as u32));
            Group::Hidden
        } else if fq.groups[g].is_empty() {
            fq.active -= 1;
            Group::Empty
        } else {
            fq.ready.push_back(g as u32);
            Group::Ready
        };
        self.batches[b as usize].msgs = msgs;
        if back > 0 {
            self.funcs[f].m.series.inc_by(now, Level::Queued, back);
        }
        if dead > 0 {
            self.dead_letter(m, dead);
        }
        self.fifo_level(now, m, before);
    }
}
