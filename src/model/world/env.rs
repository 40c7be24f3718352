//! Execution environments and the lifecycle of an invocation on one: a new environment,
//! the start of an attempt (duration, outcome and INIT drawn), INIT done, completion (billing,
//! what becomes of the environment and of the request), and retirement.

use super::{Event, Lineage, World};
use crate::engine::SimRng;
use crate::engine::{EventQueue, Time};
use crate::metrics::Level;
use crate::metrics::{AttemptOutcome, AttemptRecord, TraceKind, TraceRecord};
use crate::model::config::Function;
use crate::policies::KeepAliveDecision;
use crate::sources::trace::{DRAW, Given, GivenCold, GivenOutcome};
use rand::RngExt;

/// What an invocation runs: a request's attempt, or a batch of a poll source.
#[derive(Clone, Copy, Debug)]
pub(super) struct Job {
    pub(super) request: u64,
    pub(super) source: u32,
    pub(super) arrival: Time,
    pub(super) rec: u32,
    pub(super) attempt: u32,
    /// The batch of a poll source, or `NO_BATCH`.
    pub(super) batch: u32,
    /// Execution time added to the drawn duration (per-record work of a batch).
    pub(super) extra: Time,
    /// Fails whatever the draw (a batch holding a poison record).
    pub(super) poisoned: bool,
    /// What a trace gives it: its execution time (or `DRAW` to draw it from the
    /// function), and for a replayed log its INIT and its end.
    pub(super) given: Given,
    /// The chain it belongs to.
    pub(super) lineage: Lineage,
}

impl Job {
    pub(super) fn request(
        request: u64,
        source: u32,
        arrival: Time,
        rec: u32,
        attempt: u32,
        given: Given,
        lineage: Lineage,
    ) -> Job {
        Job {
            lineage,
            request,
            source,
            arrival,
            rec,
            attempt,
            batch: NO_BATCH,
            extra: Time::ZERO,
            poisoned: false,
            given,
        }
    }
}

/// `Env::batch` of an invocation that runs no batch.
pub(super) const NO_BATCH: u32 = u32::MAX;

/// `Env::rec` of an invocation with no pending request behind it (synchronous).
pub(super) const NO_REC: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EnvState {
    /// A provisioned environment being allocated (delay, then INIT): not yet usable.
    Provisioning,
    Initializing,
    Busy,
    Idle,
    /// Loading ahead of demand for a keep-alive policy (no invocation; held memory).
    Prewarming,
    Gone,
}

/// An execution environment, and the invocation it is running.
#[derive(Clone, Copy, Debug)]
pub(super) struct Env {
    /// The chain of the request it runs.
    pub(super) lineage: Lineage,
    pub(super) func: u32,
    pub(super) state: EnvState,
    pub(super) provisioned: bool,
    /// When an idle environment is retired.
    pub(super) deadline: Time,
    pub(super) request: u64,
    pub(super) source: u32,
    pub(super) arrival: Time,
    pub(super) start: Time,
    pub(super) init: Time,
    /// Of `init`, what is billed: INIT when `bill_init`, else nothing; for a SnapStart
    /// restore, its billed part in whole ms.
    pub(super) billed_init: Time,
    /// Its cold start restored a SnapStart snapshot: billed as whole ms of execution plus
    /// whole ms of restore, not as one sum.
    pub(super) restored: bool,
    pub(super) run: Time,
    pub(super) outcome: AttemptOutcome,
    pub(super) cold: bool,
    /// The pending request behind this invocation, or `NO_REC`.
    pub(super) rec: u32,
    /// Attempt number of the request, from 1.
    pub(super) attempt: u32,
    /// Serial number, unique in the run (a track in `trace.json`).
    pub(super) serial: u32,
    /// The poll-source batch this invocation runs, or `NO_BATCH`.
    pub(super) batch: u32,
    /// Retired at its first idle moment from then on (the keep-alive policy's lifetime).
    pub(super) expires: Time,
    /// Pre-warmed and not used yet.
    pub(super) prewarmed: bool,
    /// A provisioned environment: when its allocation started (it is billed from then).
    pub(super) born: Time,
    /// Its host in a finite cluster, or `NO_HOST`.
    pub(super) host: u32,
    /// When it last became idle (eviction order).
    pub(super) idle_since: Time,
    /// Its eviction priority, set when it last became idle (finite clusters).
    pub(super) priority: f64,
    /// The tenant it serves (tenant isolation; 0 otherwise).
    pub(super) tenant: u32,
}

impl Env {
    /// A trace span of this environment's current attempt.
    pub(super) fn span(
        &self,
        kind: TraceKind,
        start: Time,
        end: Time,
        outcome: Option<AttemptOutcome>,
        note: &'static str,
    ) -> TraceRecord {
        TraceRecord {
            kind,
            function: self.func,
            env: self.serial,
            provisioned: self.provisioned,
            request: self.request,
            attempt: self.attempt,
            start,
            end,
            outcome,
            note,
        }
    }
}

/// Draws an attempt's execution time: the trace's if it gives one, else `duration`
/// (scaled for the memory size), plus `extra` (a batch's per-record work).
#[inline]
pub(super) fn draw_duration(spec: &Function, rng: &mut SimRng, given: Time, extra: Time) -> Time {
    let mut drawn = if given == DRAW {
        spec.duration.sample(rng)
    } else {
        given
    };
    if spec.duration_scale != 1.0 {
        drawn = Time((drawn.as_nanos() as f64 * spec.duration_scale).round() as u64);
    }
    drawn + extra
}

/// The outcome of an attempt that ends within its timeout: what a replayed log says, or
/// drawn from `error_rate` (a batch with a poison record fails; so does every attempt of
/// a function short of memory).
#[inline]
pub(super) fn attempt_outcome(
    spec: &Function,
    rng: &mut SimRng,
    out_of_memory: bool,
    poisoned: bool,
    given: GivenOutcome,
) -> AttemptOutcome {
    if given == GivenOutcome::Draw && !out_of_memory {
        if poisoned || (spec.error_rate > 0.0 && rng.random::<f64>() < spec.error_rate) {
            AttemptOutcome::Error
        } else {
            AttemptOutcome::Success
        }
    } else if out_of_memory {
        AttemptOutcome::Error
    } else {
        match given {
            GivenOutcome::Timeout => AttemptOutcome::Timeout,
            GivenOutcome::Error => AttemptOutcome::Error,
            _ => AttemptOutcome::Success,
        }
    }
}

/// `acquire`'s environment of a function on Managed Instances: this bit is set, and the
/// rest is the index of a managed environment (`World::fleet`), not of `World::envs`.
pub(super) const SHARED: u32 = 1 << 31;

impl Env {
    /// An environment of `func` with serial `serial`, before anything happens to it.
    pub(super) fn blank(func: u32, serial: u32) -> Env {
        Env {
            lineage: Lineage::start(Time::ZERO),
            func,
            state: EnvState::Initializing,
            provisioned: false,
            deadline: Time::MAX,
            request: 0,
            source: 0,
            arrival: Time::ZERO,
            start: Time::ZERO,
            init: Time::ZERO,
            billed_init: Time::ZERO,
            restored: false,
            run: Time::ZERO,
            outcome: AttemptOutcome::Success,
            cold: false,
            rec: NO_REC,
            attempt: 1,
            serial,
            batch: NO_BATCH,
            expires: Time::MAX,
            prewarmed: false,
            born: Time::ZERO,
            host: super::cluster::NO_HOST,
            idle_since: Time::ZERO,
            tenant: 0,
            priority: 0.0,
        }
    }
}

impl World<'_> {
    /// A new environment of `func` on `host` (taken by `place`).
    pub(super) fn alloc_env(&mut self, func: u32, provisioned: bool, host: u32) -> u32 {
        let env = Env {
            provisioned,
            host,
            ..Env::blank(func, self.next_serial)
        };
        self.next_serial = self.next_serial.wrapping_add(1);
        if let Some(i) = self.free_envs.pop() {
            self.envs[i as usize] = env;
            i
        } else {
            self.envs.push(env);
            (self.envs.len() - 1) as u32
        }
    }

    /// Retires environment `e`: it is gone, its slot is free and, on a finite cluster, its
    /// memory goes back to its host.
    #[inline]
    pub(super) fn retire_env(&mut self, now: Time, e: u32) {
        let env = &mut self.envs[e as usize];
        env.state = EnvState::Gone;
        self.free_envs.push(e);
        if let Some(c) = &mut self.cluster {
            let f = env.func as usize;
            c.release(env.host, f);
            let s = &mut self.funcs[f].m.series;
            s.advance(now);
            s.dec(now, Level::Held);
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(super) fn start(
        &mut self,
        now: Time,
        e: u32,
        cold: bool,
        job: Job,
        q: &mut EventQueue<Event>,
    ) {
        self.count_attempt(now);
        let Job {
            request,
            source,
            arrival,
            rec,
            attempt,
            batch,
            extra,
            poisoned,
            given,
            lineage,
        } = job;
        if e & SHARED != 0 {
            return self.start_shared(now, e & !SHARED, job, q);
        }
        let f = self.envs[e as usize].func as usize;
        let spec = &self.sc.functions[f];
        let func = &mut self.funcs[f];
        func.keep_alive.on_start(now);
        func.prewarm_token = func.prewarm_token.wrapping_add(1);
        let mut drawn = draw_duration(spec, &mut func.rng, given.duration, extra);
        // The response of a synchronous push invocation: streamed beyond 6 MB (longer),
        // or too large.
        let mut too_large = false;
        if let (Some(resp), Some(rng)) = (&spec.response, &mut func.response_rng) {
            let src = &self.sc.sources[source as usize];
            if src.invocation == crate::sources::InvocationType::RequestResponse
                && src.mapping.is_none()
            {
                let bytes = resp.bytes.sample(rng).as_nanos();
                let (longer, mut streamed, fails) = resp.effect(bytes);
                let before = drawn;
                drawn += longer;
                if drawn > spec.timeout && longer > Time::ZERO {
                    // Cut off at the timeout: only what streamed until then.
                    let sent = spec.timeout.saturating_sub(before).min(longer);
                    streamed = (u128::from(streamed) * u128::from(sent.as_nanos())
                        / u128::from(longer.as_nanos())) as u64;
                }
                func.m.streamed_bytes += streamed;
                func.m.series.current().streamed_bytes += streamed;
                too_large = fails;
            }
        }
        let (run, outcome) = if drawn > spec.timeout {
            (spec.timeout, AttemptOutcome::Timeout)
        } else if too_large {
            func.m.response_too_large += 1;
            (drawn, AttemptOutcome::Error)
        } else {
            let oom = func.out_of_memory;
            let outcome = attempt_outcome(spec, &mut func.rng, oom, poisoned, given.outcome);
            (drawn, outcome)
        };
        let (init, billed_init, restored) = if cold {
            let (init, billed_init, restored) = match (given.cold, &spec.snapstart) {
                (GivenCold::Cold(init), _) => {
                    (init, self.sc.pricing.bill_init.then_some(init), false)
                }
                (GivenCold::Restored(restore, billed_ms), _) => {
                    (restore, Some(Time::from_millis(u64::from(billed_ms))), true)
                }
                (_, Some(snap)) => {
                    let restore = spec.draw_init(&mut func.rng);
                    (restore, Some(snap.billed(restore)), true)
                }
                (_, None) => {
                    let init = spec.draw_init(&mut func.rng);
                    (init, self.sc.pricing.bill_init.then_some(init), false)
                }
            };
            if let Some(c) = &mut self.cluster {
                c.note_init(f, init);
            }
            (init, billed_init.unwrap_or(Time::ZERO), restored)
        } else {
            (Time::ZERO, Time::ZERO, false)
        };
        let m = &mut func.m;
        m.invocations += 1;
        let bin = m.series.current();
        bin.invocations += 1;
        if cold {
            m.cold_starts += 1;
            m.series.current().cold_starts += 1;
            if restored {
                m.restores += 1;
                m.series.current().restores += 1;
            }
            m.series.inc(now, Level::Init);
        } else {
            m.series.inc(now, Level::Busy);
        }
        let env = &mut self.envs[e as usize];
        env.state = if cold {
            EnvState::Initializing
        } else {
            EnvState::Busy
        };
        env.request = request;
        env.source = source;
        env.arrival = arrival;
        env.lineage = lineage;
        env.start = now;
        env.init = init;
        env.billed_init = billed_init;
        env.restored = restored;
        env.run = run;
        env.outcome = outcome;
        env.cold = cold;
        env.rec = rec;
        env.attempt = attempt;
        env.batch = batch;
        if cold {
            q.schedule(now + init, Event::InitDone { env: e });
        } else {
            q.schedule(now + run, Event::Complete { env: e });
        }
    }

    pub(super) fn on_init_done(&mut self, now: Time, e: u32, q: &mut EventQueue<Event>) {
        let env = &mut self.envs[e as usize];
        if env.state == EnvState::Prewarming {
            // Loaded ahead of demand: idle (it was counted idle while loading) until its
            // keep-alive window, counted from the start of the pre-warm, ends.
            let f = env.func as usize;
            let func = &mut self.funcs[f];
            let deadline = env.start.saturating_add(func.prewarm_keep).max(now);
            env.state = EnvState::Idle;
            env.deadline = deadline;
            env.prewarmed = true;
            env.idle_since = now;
            if let Some(c) = &self.cluster {
                env.priority = c.priority(f, func.m.invocations);
            }
            func.idle.push_back(e);
            func.ensure_check(f, deadline, self.end, q);
            return;
        }
        env.state = EnvState::Busy;
        let run = env.run;
        let s = &mut self.funcs[env.func as usize].m.series;
        s.advance(now);
        s.dec(now, Level::Init);
        s.inc(now, Level::Busy);
        q.schedule(now + run, Event::Complete { env: e });
    }

    pub(super) fn on_complete(&mut self, now: Time, e: u32, q: &mut EventQueue<Event>) {
        let env = self.envs[e as usize];
        let f = env.func as usize;
        self.release(f);
        let func = &mut self.funcs[f];
        let m = &mut func.m;
        m.series.advance(now);
        m.series.dec(now, Level::Busy);
        let billed_ms = if env.provisioned {
            let ms = env.run.ceil_millis();
            m.provisioned_exec_ms += ms;
            m.series.current().provisioned_exec_ms += ms;
            ms
        } else {
            let ms = if env.restored {
                env.run.ceil_millis() + env.billed_init.ceil_millis()
            } else {
                (env.run + env.billed_init).ceil_millis()
            };
            m.ondemand_ms += ms;
            m.series.current().ondemand_ms += ms;
            ms
        };
        // What becomes of the environment.
        let mut pc_retired = false;
        if env.provisioned {
            func.pc.account(now);
            func.pc.busy -= 1;
            if func.pc.allocated > func.pc.desired {
                // The PC was lowered while this environment was busy.
                pc_retired = true;
            } else {
                func.pc.idle.push(e);
                m.series.inc(now, Level::Idle);
                self.envs[e as usize].state = EnvState::Idle;
            }
        } else {
            let mut decision = func.keep_alive.on_idle(now);
            if let KeepAliveDecision::Prewarm { after, keep } = decision
                && !func.waiting.is_empty()
            {
                // Work is already queued for the function: keep the environment for it.
                decision = KeepAliveDecision::KeepFor(after.saturating_add(keep));
            }
            let crashed = env.outcome == AttemptOutcome::Timeout
                || (func.out_of_memory && env.outcome == AttemptOutcome::Error);
            if crashed || now >= env.expires {
                // A timeout or running out of memory resets the environment, and one past
                // its lifetime is recycled:
                // the next request starts cold (a pre-warm the policy asked for still comes).
                self.retire_env(now, e);
                if let KeepAliveDecision::Prewarm { after, keep } = decision {
                    self.funcs[f].schedule_prewarm(f, now, after, keep, self.end, q);
                }
            } else {
                match decision {
                    KeepAliveDecision::KeepFor(window) => {
                        let deadline = now.saturating_add(window).min(env.expires);
                        func.idle.push_back(e);
                        m.series.inc(now, Level::Idle);
                        let env = &mut self.envs[e as usize];
                        env.state = EnvState::Idle;
                        env.deadline = deadline;
                        env.idle_since = now;
                        if let Some(c) = &self.cluster {
                            env.priority = c.priority(f, m.invocations);
                        }
                        func.ensure_check(f, deadline, self.end, q);
                    }
                    KeepAliveDecision::TerminateNow => self.retire_env(now, e),
                    KeepAliveDecision::Prewarm { after, keep } => {
                        self.retire_env(now, e);
                        self.funcs[f].schedule_prewarm(f, now, after, keep, self.end, q);
                    }
                }
            }
        }
        if pc_retired {
            self.retire_pc(now, f, e);
        }
        self.settle(now, &env, billed_ms, q);
    }

    /// What becomes of the request (or batch) of the attempt `env` ran, which ended now
    /// with `env.outcome`: counted, retried, dead-lettered or handed to its mapping; the
    /// attempt logged; freed capacity handed to waiting events.
    pub(super) fn settle(
        &mut self,
        now: Time,
        env: &Env,
        billed_ms: u64,
        q: &mut EventQueue<Event>,
    ) {
        let f = env.func as usize;
        let asynchronous = env.rec != NO_REC && self.pending[env.rec as usize].is_async;
        let m = &mut self.funcs[f].m;
        let failed = match env.outcome {
            AttemptOutcome::Success => {
                if env.batch == NO_BATCH {
                    m.succeeded += 1;
                    m.latency.record(now - env.arrival);
                }
                if env.rec != NO_REC {
                    m.event_age.record(now - env.arrival);
                }
                false
            }
            AttemptOutcome::Error => {
                m.errors += 1;
                true
            }
            AttemptOutcome::Timeout => {
                m.timeouts += 1;
                true
            }
            AttemptOutcome::Throttled => unreachable!("a throttled attempt never starts"),
        };
        if env.batch != NO_BATCH {
            // Messages and records are accounted for by their mapping.
            let _ = m;
            self.on_batch_done(now, env.batch, env.outcome, q);
        } else if env.rec == NO_REC {
            if failed {
                m.failed += 1;
            }
        } else if failed {
            self.retry_or_dlq(now, env.rec, q);
        } else {
            self.free_pending(env.rec);
        }
        if self.attempts.is_some() || self.trace.is_some() {
            self.log_attempt(now, env, billed_ms);
        }
        let pool_backlog = self.funcs[f].reserved.is_none() && !self.backlogged.is_empty();
        if pool_backlog || !self.funcs[f].waiting.is_empty() {
            self.pull_waiting(now, f, q);
        }
        if self.sc.pipeline.any && env.outcome == AttemptOutcome::Success {
            self.chain_succeeded(now, env, asynchronous, q);
        }
    }

    /// Writes a finished attempt to `invocations.csv` and `trace.json`, as asked.
    pub(super) fn log_attempt(&mut self, now: Time, env: &Env, billed_ms: u64) {
        if let Some(log) = &mut self.attempts {
            log.push(AttemptRecord {
                request: env.request,
                function: env.func,
                source: env.source,
                invocation: self.sc.sources[env.source as usize].invocation,
                attempt: env.attempt,
                arrival: env.arrival,
                start: env.start,
                end: now,
                cold: env.cold,
                init: env.init,
                duration: env.run,
                billed_ms,
                outcome: env.outcome,
            });
        }
        if let Some(t) = &mut self.trace {
            let span = |kind, start, end, outcome| env.span(kind, start, end, outcome, "");
            if env.cold {
                t.push(span(TraceKind::Init, env.start, env.start + env.init, None));
            }
            t.push(span(
                TraceKind::Invoke,
                env.start + env.init,
                now,
                Some(env.outcome),
            ));
        }
    }
}
