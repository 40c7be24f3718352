//! Requests that outlive one attempt: asynchronous events through their function's internal
//! queue (throttle backoff, freed slots taking the oldest waiting event, retries after
//! errors, the maximum event age, the dead-letter queue) and throttled synchronous requests
//! whose client retries.

use super::{Event, Job, Lineage, NO_REC, World};
use crate::engine::{EventQueue, Time};
use crate::metrics::Level;
use crate::metrics::{NO_ENV, TraceKind, TraceRecord};
use crate::sources::trace::{Given, GivenCold};

/// The span of an event's wait in the internal queue, from when it entered to `end`.
pub(super) fn queue_wait_span(p: &Pending, end: Time) -> TraceRecord {
    TraceRecord {
        kind: TraceKind::QueueWait,
        function: p.func,
        env: NO_ENV,
        provisioned: false,
        request: p.request,
        // The attempt the wait leads to.
        attempt: p.attempts + 1,
        start: p.queued_at,
        end,
        outcome: None,
        note: "",
    }
}

/// A request that needs state beyond one attempt: an asynchronous event (from arrival to
/// its final outcome) or a throttled synchronous request whose client will retry.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pending {
    pub(super) request: u64,
    pub(super) source: u32,
    pub(super) func: u32,
    pub(super) arrival: Time,
    /// Asynchronous: the event is discarded to the DLQ if not dispatched by then.
    pub(super) deadline: Time,
    /// When it last entered the internal queue.
    pub(super) queued_at: Time,
    /// Attempts made (started or throttled).
    pub(super) attempts: u32,
    /// Attempts that ended in an error or a timeout.
    pub(super) failures: u32,
    /// Throttles since the last start (drives the backoff).
    pub(super) throttles: u32,
    pub(super) is_async: bool,
    /// In the internal queue (counted in `queue_depth`).
    pub(super) queued: bool,
    /// An attempt is running.
    pub(super) executing: bool,
    /// It has started an attempt (its queue wait is recorded).
    pub(super) started: bool,
    pub(super) live: bool,
    /// Waiting after a throttle: a freed slot of its function may take it before its
    /// backoff ends (it is then in `Func::waiting` with this `generation`).
    pub(super) backing_off: bool,
    /// Bumped at each entry into `Func::waiting`; kept across reuse of the slot, so stale
    /// entries are recognised.
    pub(super) generation: u32,
    /// When its pending `Redeliver` fires (`Time::MAX`: none); an event that does not match
    /// is stale and ignored.
    pub(super) timer_at: Time,
    /// What a trace gives it (`Given::NOTHING`: all drawn).
    pub(super) given: Given,
    /// The chain it belongs to.
    pub(super) lineage: Lineage,
}

impl World<'_> {
    pub(super) fn new_pending(
        &mut self,
        request: u64,
        source: u32,
        f: usize,
        now: Time,
        is_async: bool,
    ) -> u32 {
        let p = Pending {
            request,
            source,
            func: f as u32,
            arrival: now,
            deadline: Time::MAX,
            queued_at: now,
            attempts: 0,
            failures: 0,
            throttles: 0,
            is_async,
            queued: false,
            executing: false,
            started: false,
            live: true,
            backing_off: false,
            generation: 0,
            timer_at: Time::MAX,
            given: Given::NOTHING,
            lineage: Lineage::start(now),
        };
        if let Some(i) = self.free_pending.pop() {
            let generation = self.pending[i as usize].generation;
            self.pending[i as usize] = Pending { generation, ..p };
            i
        } else {
            self.pending.push(p);
            (self.pending.len() - 1) as u32
        }
    }

    pub(super) fn free_pending(&mut self, rec: u32) {
        self.pending[rec as usize].live = false;
        self.free_pending.push(rec);
    }

    /// Puts a pending request back in its function's internal queue (asynchronous).
    pub(super) fn enqueue(&mut self, now: Time, rec: u32) {
        let p = &mut self.pending[rec as usize];
        if !p.queued {
            p.queued = true;
            p.queued_at = now;
            self.funcs[p.func as usize].m.series.inc(now, Level::Queued);
        }
    }

    /// Schedules the next attempt of `rec` at `at`, unless that is past the end of the run
    /// (the request is then unfinished).
    pub(super) fn redeliver_at(&mut self, at: Time, rec: u32, q: &mut EventQueue<Event>) {
        if at < self.end {
            self.pending[rec as usize].timer_at = at;
            q.schedule(at, Event::Redeliver { rec });
        } else {
            self.pending[rec as usize].timer_at = Time::MAX;
        }
    }

    /// A `Redeliver` event: ignored if stale (the request was taken by a freed slot, or
    /// its slot was reused).
    pub(super) fn on_redeliver(&mut self, now: Time, rec: u32, q: &mut EventQueue<Event>) {
        let p = &mut self.pending[rec as usize];
        if !p.live || p.timer_at != now {
            return;
        }
        p.timer_at = Time::MAX;
        self.dispatch(now, rec, q);
    }

    /// Records that a throttled event waits in its function's queue, where a freed slot
    /// may take it.
    pub(super) fn mark_backing_off(&mut self, rec: u32) {
        let p = &mut self.pending[rec as usize];
        if p.backing_off {
            return;
        }
        p.backing_off = true;
        p.generation = p.generation.wrapping_add(1);
        let (generation, f) = (p.generation, p.func as usize);
        let func = &mut self.funcs[f];
        func.waiting.push_back((rec, generation));
        func.backing_off += 1;
        if func.reserved.is_none() && !func.in_backlog {
            func.in_backlog = true;
            self.backlogged.push(f as u32);
        }
        // Drop stale entries once they outnumber live ones: memory stays bounded by the
        // number of waiting events.
        if func.waiting.len() > 2 * func.backing_off as usize + 64 {
            let pending = &self.pending;
            func.waiting.retain(|&(r, g)| {
                let p = &pending[r as usize];
                p.live && p.backing_off && p.generation == g
            });
        }
    }

    pub(super) fn clear_backing_off(&mut self, rec: u32) {
        let p = &mut self.pending[rec as usize];
        if p.backing_off {
            p.backing_off = false;
            self.funcs[p.func as usize].backing_off -= 1;
        }
    }

    /// The oldest live entry of `f`'s waiting deque (stale entries in front are dropped):
    /// when it entered the queue, and the entry.
    pub(super) fn oldest_waiting(&mut self, f: usize) -> Option<(Time, u32)> {
        while let Some(&(rec, generation)) = self.funcs[f].waiting.front() {
            let p = &self.pending[rec as usize];
            if p.live && p.backing_off && p.generation == generation {
                return Some((p.queued_at, rec));
            }
            self.funcs[f].waiting.pop_front();
        }
        None
    }

    /// An execution of `f` ended and freed a slot: hand freed capacity to the oldest
    /// throttled events, as Lambda's queue pollers do when the function accepts
    /// invocations again. A reserved function's slot serves its own queue; a slot of the
    /// unreserved pool goes to the oldest waiting event of any unreserved function.
    pub(super) fn pull_waiting(&mut self, now: Time, f: usize, q: &mut EventQueue<Event>) {
        loop {
            let mut best: Option<(Time, usize, u32)> = None;
            if self.funcs[f].reserved.is_some() {
                if let Some((t, rec)) = self.oldest_waiting(f) {
                    best = Some((t, f, rec));
                }
            } else {
                let mut i = 0;
                while i < self.backlogged.len() {
                    let g = self.backlogged[i] as usize;
                    match self.oldest_waiting(g) {
                        None => {
                            self.funcs[g].in_backlog = false;
                            self.backlogged.swap_remove(i);
                            continue;
                        }
                        Some((t, rec)) => {
                            let older = best.is_none_or(|(bt, bg, _)| (t, g) < (bt, bg));
                            if older && self.can_start(now, g) {
                                best = Some((t, g, rec));
                            }
                        }
                    }
                    i += 1;
                }
            }
            let Some((_, g, rec)) = best else { break };
            if !self.can_start(now, g) {
                break;
            }
            self.funcs[g].waiting.pop_front();
            self.clear_backing_off(rec);
            self.pending[rec as usize].timer_at = Time::MAX;
            if self.dispatch(now, rec, q) {
                break;
            }
        }
    }

    /// A throttled synchronous request whose client retries: waits `client_backoff × 2^(n−1)`
    /// before its n-th retry, or fails when it has no retries left.
    pub(super) fn schedule_client_retry(&mut self, now: Time, rec: u32, q: &mut EventQueue<Event>) {
        let p = self.pending[rec as usize];
        let src = &self.sc.sources[p.source as usize];
        if p.attempts > src.client_retries {
            self.funcs[p.func as usize].m.failed += 1;
            self.free_pending(rec);
            return;
        }
        let f = p.func as usize;
        let base = src.client_backoff.sample(&mut self.funcs[f].rng);
        let factor = 1u64 << (p.attempts - 1).min(40);
        let wait = Time(base.as_nanos().saturating_mul(factor));
        self.redeliver_at(now.saturating_add(wait), rec, q);
    }

    /// Tries to start the next attempt of a pending request; returns whether it was
    /// throttled.
    pub(super) fn dispatch(&mut self, now: Time, rec: u32, q: &mut EventQueue<Event>) -> bool {
        let p = self.pending[rec as usize];
        let f = p.func as usize;
        self.funcs[f].m.series.advance(now);
        if p.is_async && now >= p.deadline {
            self.send_to_dlq(now, rec, "max_event_age", q);
            return false;
        }
        let attempt = p.attempts + 1;
        self.pending[rec as usize].attempts = attempt;
        if attempt > 1 {
            self.funcs[f].m.retries += 1;
            // A re-dispatch after a throttle shows as its throttle instant or its queue
            // wait; retry instants mark the retries a user configures.
            let traced = !p.is_async || p.throttles == 0;
            if let Some(t) = self.trace.as_mut().filter(|_| traced) {
                let note = if p.is_async {
                    "after function error"
                } else {
                    "client retry after 429"
                };
                t.push(TraceRecord {
                    kind: TraceKind::Retry,
                    function: f as u32,
                    env: NO_ENV,
                    provisioned: false,
                    request: p.request,
                    attempt,
                    start: now,
                    end: now,
                    outcome: None,
                    note,
                });
            }
        }
        match self.acquire(now, f, p.given) {
            Some((env, cold)) => {
                self.clear_backing_off(rec);
                let pm = &mut self.pending[rec as usize];
                pm.throttles = 0;
                // A logged cold start is copied for the first attempt only.
                pm.given.cold = GivenCold::Simulate;
                if !p.is_async {
                    self.free_pending(rec);
                    let job = Job::request(
                        p.request, p.source, p.arrival, NO_REC, attempt, p.given, p.lineage,
                    );
                    self.start(now, env, cold, job, q);
                    return false;
                }
                pm.executing = true;
                pm.started = true;
                pm.queued = false;
                let m = &mut self.funcs[f].m;
                if p.queued {
                    m.series.dec(now, Level::Queued);
                    if let Some(t) = &mut self.trace {
                        t.push(queue_wait_span(&p, now));
                    }
                }
                if !p.started {
                    m.queue_wait.record(now - p.arrival);
                }
                let job = Job::request(
                    p.request, p.source, p.arrival, rec, attempt, p.given, p.lineage,
                );
                self.start(now, env, cold, job, q);
                false
            }
            None => {
                self.note_throttle(now, f, p.request, p.source, p.arrival, attempt);
                if p.is_async {
                    self.enqueue(now, rec);
                    self.mark_backing_off(rec);
                    let pm = &mut self.pending[rec as usize];
                    pm.throttles += 1;
                    let backoff = self.sc.platform.async_backoff(pm.throttles);
                    let at = now.saturating_add(backoff).min(pm.deadline);
                    self.redeliver_at(at, rec, q);
                } else {
                    self.schedule_client_retry(now, rec, q);
                }
                true
            }
        }
    }

    /// Sends an asynchronous event to its function's dead-letter queue.
    pub(super) fn send_to_dlq(
        &mut self,
        now: Time,
        rec: u32,
        why: &'static str,
        q: &mut EventQueue<Event>,
    ) {
        self.clear_backing_off(rec);
        let p = self.pending[rec as usize];
        let m = &mut self.funcs[p.func as usize].m;
        m.series.advance(now);
        if p.queued {
            m.series.dec(now, Level::Queued);
            if let Some(t) = &mut self.trace {
                t.push(queue_wait_span(&p, now));
            }
        }
        m.failed += 1;
        m.dlq += 1;
        m.series.current().dlq += 1;
        m.event_age.record(now - p.arrival);
        if let Some(t) = &mut self.trace {
            t.push(TraceRecord {
                kind: TraceKind::Dlq,
                function: p.func,
                env: NO_ENV,
                provisioned: false,
                request: p.request,
                attempt: p.attempts,
                start: now,
                end: now,
                outcome: None,
                note: why,
            });
        }
        self.free_pending(rec);
        if self.sc.pipeline.any {
            let f = p.func as usize;
            if let Some(s) = self.sc.functions[f].chain.on_failure {
                self.deliver(now, f, s, p.lineage, q);
            }
        }
    }

    /// An asynchronous event whose attempt failed: retried after `n × async_retry_delay`
    /// while it has retries left (its age permitting), else sent to the DLQ.
    pub(super) fn retry_or_dlq(&mut self, now: Time, rec: u32, q: &mut EventQueue<Event>) {
        let max_retries = {
            let p = &self.pending[rec as usize];
            self.sc.functions[p.func as usize].max_retry_attempts
        };
        let p = &mut self.pending[rec as usize];
        p.executing = false;
        p.failures += 1;
        if p.failures > max_retries {
            self.send_to_dlq(now, rec, "retries exhausted", q);
            return;
        }
        if now >= p.deadline {
            // Too old to be retried: it failed past its maximum age.
            self.send_to_dlq(now, rec, "max_event_age", q);
            return;
        }
        let delay = Time(
            self.sc
                .platform
                .async_retry_delay
                .as_nanos()
                .saturating_mul(u64::from(p.failures)),
        );
        let at = now.saturating_add(delay).min(p.deadline);
        self.enqueue(now, rec);
        self.redeliver_at(at, rec, q);
    }
}
