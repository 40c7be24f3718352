//! The world of one run: functions, their execution environments, sources and metrics, and
//! the handling of every event.

use super::admission::{Pool, TokenBucket};
use super::config::Scenario;
use crate::billing::{self, Sizing, Usage};
use crate::engine::Dist;
use crate::engine::{self, EventQueue, Model, RngStreams, SimRng, Time};
use crate::metrics::Level;
use crate::metrics::SourceReport;
use crate::metrics::{
    AttemptOutcome, AttemptRecord, BinReport, FuncMetrics, FunctionReport, NO_ENV, Recorder,
    RunReport, Trace, TraceKind, TraceRecord,
};
use crate::policies::{
    InstanceSelection, KeepAliveDecision, KeepAlivePolicy, Observation, ProvisioningPolicy,
    SelectionSpec,
};
use crate::sources::trace::{DRAW, SOURCE_FUNCTION};
use crate::sources::{ArrivalStream, InvocationType};
use rand::RngExt;
use std::collections::VecDeque;

mod cluster;
mod poll;
use cluster::Cluster;
use poll::{BatchRt, MappingRt};

/// `World::source_mapping` of a push source.
const NO_MAPPING: u32 = u32::MAX;

/// The closed set of events of the Lambda model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The next arrival of an arrival stream.
    Arrival {
        /// Index of the stream.
        stream: u32,
    },
    /// An environment finished INIT and starts its invocation.
    InitDone {
        /// Environment slot.
        env: u32,
    },
    /// An environment finished its invocation.
    Complete {
        /// Environment slot.
        env: u32,
    },
    /// Retire a function's idle environments whose keep-alive has run out.
    KeepAliveCheck {
        /// Function index.
        func: u32,
    },
    /// A pending request is due for another attempt: an asynchronous event after a
    /// throttle backoff or a retry delay (or at its maximum age), or a client retry.
    Redeliver {
        /// Pending-request slot.
        rec: u32,
    },
    /// The periodic poll of an event source mapping.
    Poll {
        /// Mapping index.
        mapping: u32,
    },
    /// The batching window of an SQS mapping's gathering batch ends.
    BatchWindow {
        /// Mapping index.
        mapping: u32,
    },
    /// A keep-alive policy's pre-warm of a function is due.
    Prewarm {
        /// Function index.
        func: u32,
        /// `Func::prewarm_token` when it was decided; a start since then cancels it.
        token: u32,
    },
    /// A function's provisioned-concurrency policy decides (at its next decision time:
    /// each minute for target tracking, each step of a schedule).
    PcDecide {
        /// Function index.
        func: u32,
    },
    /// A provisioned environment finished its allocation delay and INIT: it is ready.
    PcReady {
        /// Environment slot.
        env: u32,
        /// Its serial: a slot reused since (the allocation was cancelled) does not match.
        serial: u32,
    },
}

/// The span of an event's wait in the internal queue, from when it entered to `end`.
fn queue_wait_span(p: &Pending, end: Time) -> TraceRecord {
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

/// What an invocation runs: a request's attempt, or a batch of a poll source.
#[derive(Clone, Copy, Debug)]
struct Job {
    request: u64,
    source: u32,
    arrival: Time,
    rec: u32,
    attempt: u32,
    /// The batch of a poll source, or `NO_BATCH`.
    batch: u32,
    /// Execution time added to the drawn duration (per-record work of a batch).
    extra: Time,
    /// Fails whatever the draw (a batch holding a poison record).
    poisoned: bool,
    /// Execution time from a trace, or `DRAW` to draw it from the function.
    duration: Time,
}

impl Job {
    fn request(
        request: u64,
        source: u32,
        arrival: Time,
        rec: u32,
        attempt: u32,
        duration: Time,
    ) -> Job {
        Job {
            request,
            source,
            arrival,
            rec,
            attempt,
            batch: NO_BATCH,
            extra: Time::ZERO,
            poisoned: false,
            duration,
        }
    }
}

/// `Env::batch` of an invocation that runs no batch.
const NO_BATCH: u32 = u32::MAX;

/// `Env::rec` of an invocation with no pending request behind it (synchronous).
const NO_REC: u32 = u32::MAX;

/// A request that needs state beyond one attempt: an asynchronous event (from arrival to
/// its final outcome) or a throttled synchronous request whose client will retry.
#[derive(Clone, Copy, Debug)]
struct Pending {
    request: u64,
    source: u32,
    func: u32,
    arrival: Time,
    /// Asynchronous: the event is discarded to the DLQ if not dispatched by then.
    deadline: Time,
    /// When it last entered the internal queue.
    queued_at: Time,
    /// Attempts made (started or throttled).
    attempts: u32,
    /// Attempts that ended in an error or a timeout.
    failures: u32,
    /// Throttles since the last start (drives the backoff).
    throttles: u32,
    is_async: bool,
    /// In the internal queue (counted in `queue_depth`).
    queued: bool,
    /// An attempt is running.
    executing: bool,
    /// It has started an attempt (its queue wait is recorded).
    started: bool,
    live: bool,
    /// Waiting after a throttle: a freed slot of its function may take it before its
    /// backoff ends (it is then in `Func::waiting` with this `generation`).
    backing_off: bool,
    /// Bumped at each entry into `Func::waiting`; kept across reuse of the slot, so stale
    /// entries are recognised.
    generation: u32,
    /// When its pending `Redeliver` fires (`Time::MAX`: none); an event that does not match
    /// is stale and ignored.
    timer_at: Time,
    /// Execution time from a trace, or `DRAW`.
    duration: Time,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EnvState {
    /// A provisioned environment being allocated (delay, then INIT): not yet usable.
    Provisioning,
    Initializing,
    Busy,
    Idle,
    /// Loading ahead of demand for a keep-alive policy (no invocation; held memory).
    Prewarming,
    Gone,
}

/// The cold-start ratio of the function at the 75th percentile (nearest rank) over the
/// functions with at least one invocation; NaN without any.
fn function_cold_start_p75(functions: &[FunctionReport]) -> f64 {
    let mut r: Vec<f64> = functions
        .iter()
        .filter(|f| f.invocations > 0)
        .map(FunctionReport::cold_start_ratio)
        .collect();
    if r.is_empty() {
        return f64::NAN;
    }
    r.sort_by(f64::total_cmp);
    r[(r.len() * 3).div_ceil(4) - 1]
}

/// An execution environment, and the invocation it is running.
#[derive(Clone, Copy, Debug)]
struct Env {
    func: u32,
    state: EnvState,
    provisioned: bool,
    /// When an idle environment is retired.
    deadline: Time,
    request: u64,
    source: u32,
    arrival: Time,
    start: Time,
    init: Time,
    run: Time,
    outcome: AttemptOutcome,
    cold: bool,
    /// The pending request behind this invocation, or `NO_REC`.
    rec: u32,
    /// Attempt number of the request, from 1.
    attempt: u32,
    /// Serial number, unique in the run (a track in `trace.json`).
    serial: u32,
    /// The poll-source batch this invocation runs, or `NO_BATCH`.
    batch: u32,
    /// Retired at its first idle moment from then on (the keep-alive policy's lifetime).
    expires: Time,
    /// Pre-warmed and not used yet.
    prewarmed: bool,
    /// A provisioned environment: when its allocation started (it is billed from then).
    born: Time,
    /// Its host in a finite cluster, or `NO_HOST`.
    host: u32,
    /// When it last became idle (eviction order).
    idle_since: Time,
    /// Its eviction priority, set when it last became idle (finite clusters).
    priority: f64,
}

impl Env {
    /// A trace span of this environment's current attempt.
    fn span(
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

/// A function's run-time state.
struct Func {
    reserved: Option<u32>,
    executing: u32,
    bucket: TokenBucket,
    /// On-demand idle environments, least recently freed first.
    idle: VecDeque<u32>,
    /// Provisioned concurrency: the environments and the policy that sizes them.
    pc: Pc,
    /// The earliest pending keep-alive check.
    check_at: Option<Time>,
    /// Throttled asynchronous events, oldest first, as (pending slot, generation); entries whose
    /// generation no longer matches are stale and skipped.
    waiting: VecDeque<(u32, u32)>,
    /// Events in `waiting` that are not stale.
    backing_off: u32,
    /// Listed in `World::backlogged`.
    in_backlog: bool,
    keep_alive: Box<dyn KeepAlivePolicy>,
    /// The policy gives every idle environment the same window.
    constant_window: bool,
    /// How long the next pre-warmed environment stays once loaded.
    prewarm_keep: Time,
    /// Bumped at each start and each pre-warm decision: a `Prewarm` event carrying an older
    /// token is cancelled.
    prewarm_token: u32,
    rng: SimRng,
    m: FuncMetrics,
}

/// A function's provisioned concurrency at run time.
struct Pc {
    /// The desired PC in force (the policy's last decision).
    desired: u32,
    /// Provisioned environments that exist: being allocated, idle or busy. They hold
    /// their claim on the concurrency pool and are billed.
    allocated: u32,
    /// Idle provisioned environments (used first; never expire).
    idle: Vec<u32>,
    /// Provisioned environments running an invocation.
    busy: u32,
    /// Provisioned environments being allocated.
    provisioning: Vec<u32>,
    policy: Box<dyn ProvisioningPolicy>,
    allocation_delay: Time,
    /// INIT draws of provisioned environments (a stream of their own, so PC changes do
    /// not shift the function's duration draws).
    rng: SimRng,
    /// ∫ busy dt and ∫ ready (idle + busy) dt since the last decision, up to `area_at`.
    busy_area: u128,
    ready_area: u128,
    area_at: Time,
    /// An allocation was in progress at some time since the last decision.
    unsettled: bool,
    /// Billed environment-nanoseconds of retired environments (each rounded up to whole
    /// 5-minute blocks).
    billed_ns: u128,
}

impl Pc {
    /// Brings the utilisation areas up to `now`; call before `busy` or `idle` changes.
    #[inline]
    fn account(&mut self, now: Time) {
        let dt = u128::from(now.saturating_sub(self.area_at).as_nanos());
        if dt > 0 {
            self.busy_area += u128::from(self.busy) * dt;
            self.ready_area += u128::from(self.busy + self.idle.len() as u32) * dt;
            self.area_at = now;
        }
    }
}

impl Func {
    /// Asks for a pre-warm `after` from `now`, kept `keep` from its start; any earlier
    /// pending pre-warm is superseded.
    fn schedule_prewarm(
        &mut self,
        f: usize,
        now: Time,
        after: Time,
        keep: Time,
        end: Time,
        q: &mut EventQueue<Event>,
    ) {
        self.prewarm_token = self.prewarm_token.wrapping_add(1);
        self.prewarm_keep = keep;
        let at = now.saturating_add(after);
        if at < end {
            q.schedule(
                at,
                Event::Prewarm {
                    func: f as u32,
                    token: self.prewarm_token,
                },
            );
        }
    }

    /// Makes sure a keep-alive check of function `f` is pending at or before `deadline`
    /// (none is scheduled at or after the end of the run).
    fn ensure_check(&mut self, f: usize, deadline: Time, end: Time, q: &mut EventQueue<Event>) {
        if self.check_at.is_none_or(|t| t > deadline) {
            self.check_at = Some(deadline);
            if deadline < end {
                q.schedule(deadline, Event::KeepAliveCheck { func: f as u32 });
            }
        }
    }
}

/// One arrival process of one source.
struct Stream {
    source: u32,
    func: u32,
    invocation: InvocationType,
    arrivals: ArrivalStream,
    /// The function of the scheduled arrival (a trace may name one per arrival).
    next_func: u32,
    /// The execution time of the scheduled arrival from a trace, or `DRAW`.
    next_duration: Time,
}

impl Stream {
    /// Draws the next arrival and remembers what it carries.
    #[inline]
    fn advance(&mut self) -> Option<Time> {
        let t = self.arrivals.next_arrival()?;
        let (func, duration) = self.arrivals.payload();
        self.next_func = if func == SOURCE_FUNCTION {
            self.func
        } else {
            func
        };
        self.next_duration = duration;
        Some(t)
    }
}

/// Everything one run simulates.
pub struct World<'s> {
    sc: &'s Scenario,
    end: Time,
    funcs: Vec<Func>,
    envs: Vec<Env>,
    free_envs: Vec<u32>,
    streams: Vec<Stream>,
    pool: Pool,
    selection: SelectionSpec,
    selection_rng: SimRng,
    executing: u32,
    max_executing: u32,
    next_request: u64,
    next_serial: u32,
    pending: Vec<Pending>,
    free_pending: Vec<u32>,
    /// Unreserved functions that may have throttled events waiting (a freed slot of the
    /// shared pool goes to the oldest of them).
    backlogged: Vec<u32>,
    /// Event source mappings of the poll sources.
    mappings: Vec<MappingRt>,
    /// Batches of poll sources (a slab with a free list).
    batches: Vec<BatchRt>,
    free_batches: Vec<u32>,
    /// Mapping index of each source, or `NO_MAPPING`.
    source_mapping: Vec<u32>,
    /// Requests offered by each source.
    source_requests: Vec<u64>,
    /// Ids of poll batches, in `invocations.csv` and `trace.json`.
    next_batch_id: u64,
    attempts: Option<Vec<AttemptRecord>>,
    trace: Option<Trace>,
    /// The hosts of a finite cluster; `None`: unbounded capacity (the default).
    cluster: Option<Cluster>,
}

/// Runs `scenario` with `seed` as replication `replication` and reports the results.
pub fn simulate(scenario: &Scenario, seed: u64, replication: u32) -> RunReport {
    let mut queue = EventQueue::new();
    let mut world = World::new(scenario, seed, &mut queue);
    if replication > 0 {
        // Only the first replication is traced (trace.json shows one run).
        world.trace = None;
    }
    let events = engine::run(&mut world, &mut queue, scenario.duration);
    world.report(seed, replication, events)
}

impl<'s> World<'s> {
    /// Sets up the world at t = 0 and schedules the first arrivals.
    pub fn new(sc: &'s Scenario, seed: u64, queue: &mut EventQueue<Event>) -> Self {
        let rngs = RngStreams::new(seed);
        let interval = sc.output.timeseries_interval;
        let reserved_sum: u32 = sc
            .functions
            .iter()
            .filter_map(|f| f.reserved_concurrency)
            .sum();
        let mut pool = Pool {
            capacity: sc.account.concurrency_limit.saturating_sub(reserved_sum),
            used: 0,
        };
        let funcs = sc
            .functions
            .iter()
            .map(|f| {
                let initial = f.provisioned_concurrency.initial();
                if f.reserved_concurrency.is_none() {
                    pool.used += initial;
                }
                let keep_alive = f
                    .keep_alive
                    .build(rngs.stream(&format!("policy/keep_alive/{}", f.name)));
                Func {
                    reserved: f.reserved_concurrency,
                    executing: 0,
                    bucket: TokenBucket::new(sc.account.scaling_rate, sc.account.scaling_interval),
                    idle: VecDeque::new(),
                    pc: Pc {
                        desired: initial,
                        allocated: initial,
                        idle: Vec::with_capacity(initial as usize),
                        busy: 0,
                        provisioning: Vec::new(),
                        policy: f.provisioned_concurrency.build(),
                        allocation_delay: f.provisioned_concurrency.allocation_delay(),
                        rng: rngs.stream(&format!("function/{}/provisioned", f.name)),
                        busy_area: 0,
                        ready_area: 0,
                        area_at: Time::ZERO,
                        unsettled: false,
                        billed_ns: 0,
                    },
                    check_at: None,
                    waiting: VecDeque::new(),
                    backing_off: 0,
                    in_backlog: false,
                    constant_window: keep_alive.constant_window(),
                    keep_alive,
                    prewarm_token: 0,
                    prewarm_keep: Time::ZERO,
                    rng: rngs.stream(&format!("function/{}", f.name)),
                    m: FuncMetrics::new(sc.duration, interval),
                }
            })
            .collect();
        let mut streams = Vec::new();
        for (si, s) in sc.sources.iter().enumerate() {
            for (ci, p) in s.arrival.iter().enumerate() {
                let rng = rngs.stream(&format!("source/{}/{}", s.name, ci));
                streams.push(Stream {
                    source: si as u32,
                    func: s.function as u32,
                    invocation: s.invocation,
                    arrivals: ArrivalStream::new(p, rng),
                    next_func: s.function as u32,
                    next_duration: DRAW,
                });
            }
        }
        let mut w = World {
            sc,
            end: sc.duration,
            funcs,
            envs: Vec::new(),
            free_envs: Vec::new(),
            streams,
            pool,
            selection: sc.platform.instance_selection,
            selection_rng: rngs.stream("policy/instance_selection"),
            executing: 0,
            max_executing: 0,
            next_request: 0,
            next_serial: 0,
            pending: Vec::new(),
            free_pending: Vec::new(),
            backlogged: Vec::new(),
            mappings: Vec::new(),
            batches: Vec::new(),
            free_batches: Vec::new(),
            source_mapping: vec![NO_MAPPING; sc.sources.len()],
            source_requests: vec![0; sc.sources.len()],
            next_batch_id: 0,
            attempts: sc.output.invocations.then(Vec::new),
            trace: sc.output.trace.then(|| Trace::new(sc.output.trace_limit)),
            cluster: sc
                .platform
                .cluster
                .map(|c| Cluster::new(&c, sc, rngs.stream("policy/placement"))),
        };
        for f in 0..w.funcs.len() {
            // The PC in force at t = 0 is ready when the run starts (on a finite cluster,
            // as much of it as the hosts hold).
            let initial = w.funcs[f].pc.allocated;
            let mut placed = 0;
            while placed < initial {
                let Some(host) = w.place(Time::ZERO, f, true) else {
                    break;
                };
                let e = w.alloc_env(f as u32, true, host);
                w.envs[e as usize].state = EnvState::Idle;
                w.funcs[f].pc.idle.push(e);
                placed += 1;
            }
            if placed < initial {
                if w.funcs[f].reserved.is_none() {
                    w.pool.used -= initial - placed;
                }
                w.funcs[f].pc.allocated = placed;
            }
            let func = &mut w.funcs[f];
            let n = func.pc.allocated;
            func.m.series.inc_by(Time::ZERO, Level::Idle, n);
            func.m.series.inc_by(Time::ZERO, Level::Provisioned, n);
            if let Some(t) = func.pc.policy.next_decision(Time::ZERO) {
                if t < w.end {
                    queue.schedule(t, Event::PcDecide { func: f as u32 });
                }
            }
        }
        w.init_mappings(&rngs, queue);
        for i in 0..w.streams.len() {
            if let Some(t) = w.streams[i].advance() {
                if t < w.end {
                    queue.schedule(t, Event::Arrival { stream: i as u32 });
                }
            }
        }
        w
    }

    /// A new environment of `func` on `host` (taken by `place`).
    fn alloc_env(&mut self, func: u32, provisioned: bool, host: u32) -> u32 {
        let env = Env {
            func,
            state: EnvState::Initializing,
            provisioned,
            deadline: Time::MAX,
            request: 0,
            source: 0,
            arrival: Time::ZERO,
            start: Time::ZERO,
            init: Time::ZERO,
            run: Time::ZERO,
            outcome: AttemptOutcome::Success,
            cold: false,
            rec: NO_REC,
            attempt: 1,
            serial: self.next_serial,
            batch: NO_BATCH,
            expires: Time::MAX,
            prewarmed: false,
            born: Time::ZERO,
            host,
            idle_since: Time::ZERO,
            priority: 0.0,
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
    fn retire_env(&mut self, now: Time, e: u32) {
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

    /// Whether function `f` may start one more execution now.
    #[inline]
    fn concurrency_allows(&self, f: usize) -> bool {
        let func = &self.funcs[f];
        match func.reserved {
            Some(r) => func.executing < r,
            // Within its provisioned claim a function needs no more of the pool, unless a
            // PC increase has claimed more than the pool holds: then nothing starts until
            // executions end, so the account's executions never exceed its limit.
            None => {
                self.pool.used < self.pool.capacity
                    || (func.executing < func.pc.allocated && self.pool.used <= self.pool.capacity)
            }
        }
    }

    /// Finds an environment for a new execution of `f`: a provisioned one, an idle one, or
    /// a new one (cold). `None` means throttled.
    #[inline]
    fn acquire(&mut self, now: Time, f: usize) -> Option<(u32, bool)> {
        if !self.concurrency_allows(f) {
            return None;
        }
        let func = &mut self.funcs[f];
        let (env, cold) = if let Some(&e) = func.pc.idle.last() {
            func.pc.account(now);
            func.pc.idle.pop();
            func.pc.busy += 1;
            func.m.series.dec(now, Level::Idle);
            (e, false)
        } else if !func.idle.is_empty() {
            let n = func.idle.len();
            let i = self.selection.pick(n, &mut self.selection_rng);
            let e = if i + 1 == n {
                func.idle.pop_back()
            } else {
                func.idle.remove(i)
            };
            func.m.series.dec(now, Level::Idle);
            let e = e.expect("index within the idle pool");
            let env = &mut self.envs[e as usize];
            if env.prewarmed {
                env.prewarmed = false;
                func.m.prewarm_hits += 1;
            }
            (e, false)
        } else if func.bucket.has_token(now) {
            // On a finite cluster, no room even after eviction is a throttle.
            let host = self.place(now, f, true)?;
            let func = &mut self.funcs[f];
            let took = func.bucket.try_take(now);
            debug_assert!(took);
            let lifetime = func.keep_alive.lifetime();
            let e = self.alloc_env(f as u32, false, host);
            self.envs[e as usize].expires = now.saturating_add(lifetime);
            (e, true)
        } else {
            return None;
        };
        let func = &mut self.funcs[f];
        if func.reserved.is_none() && func.executing >= func.pc.allocated {
            self.pool.used += 1;
        }
        func.executing += 1;
        func.m.max_concurrency = func.m.max_concurrency.max(func.executing);
        self.executing += 1;
        self.max_executing = self.max_executing.max(self.executing);
        Some((env, cold))
    }

    fn release(&mut self, f: usize) {
        let func = &mut self.funcs[f];
        func.executing -= 1;
        if func.reserved.is_none() && func.executing >= func.pc.allocated {
            self.pool.used -= 1;
        }
        self.executing -= 1;
    }

    fn on_request(
        &mut self,
        now: Time,
        source: u32,
        f: usize,
        invocation: InvocationType,
        duration: Time,
        q: &mut EventQueue<Event>,
    ) {
        let request = self.next_request;
        self.next_request += 1;
        let m = &mut self.funcs[f].m;
        m.series.advance(now);
        m.requests += 1;
        m.series.current().arrivals += 1;
        match invocation {
            InvocationType::DryRun => {
                m.dry_runs += 1;
                m.succeeded += 1;
            }
            InvocationType::RequestResponse => match self.acquire(now, f) {
                Some((env, cold)) => {
                    let job = Job::request(request, source, now, NO_REC, 1, duration);
                    self.start(now, env, cold, job, q);
                }
                None => {
                    self.note_throttle(now, f, request, source, now, 1);
                    if self.sc.sources[source as usize].client_retries > 0 {
                        let rec = self.new_pending(request, source, f, now, false);
                        self.pending[rec as usize].attempts = 1;
                        self.pending[rec as usize].duration = duration;
                        self.schedule_client_retry(now, rec, q);
                    } else {
                        self.funcs[f].m.failed += 1;
                    }
                }
            },
            InvocationType::Event => {
                let deadline = now.saturating_add(self.sc.functions[f].max_event_age);
                let rec = self.new_pending(request, source, f, now, true);
                self.pending[rec as usize].deadline = deadline;
                self.pending[rec as usize].duration = duration;
                if self.funcs[f].reserved == Some(0) {
                    // AWS sends every event of a function reserved at 0 straight to the DLQ.
                    self.pending[rec as usize].attempts = 1;
                    self.note_throttle(now, f, request, source, now, 1);
                    self.send_to_dlq(now, rec, "reserved_concurrency = 0");
                } else {
                    self.dispatch(now, rec, q);
                }
            }
        }
    }

    fn new_pending(
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
            duration: DRAW,
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

    fn free_pending(&mut self, rec: u32) {
        self.pending[rec as usize].live = false;
        self.free_pending.push(rec);
    }

    /// Counts a refused attempt.
    fn note_throttle(
        &mut self,
        now: Time,
        f: usize,
        request: u64,
        source: u32,
        arrival: Time,
        attempt: u32,
    ) {
        let m = &mut self.funcs[f].m;
        m.throttles += 1;
        m.series.current().throttles += 1;
        if let Some(log) = &mut self.attempts {
            log.push(AttemptRecord {
                request,
                function: f as u32,
                source,
                invocation: self.sc.sources[source as usize].invocation,
                attempt,
                arrival,
                start: now,
                end: now,
                cold: false,
                init: Time::ZERO,
                duration: Time::ZERO,
                billed_ms: 0,
                outcome: AttemptOutcome::Throttled,
            });
        }
        if let Some(t) = &mut self.trace {
            t.push(TraceRecord {
                kind: TraceKind::Throttle,
                function: f as u32,
                env: NO_ENV,
                provisioned: false,
                request,
                attempt,
                start: now,
                end: now,
                outcome: None,
                note: "",
            });
        }
    }

    /// Puts a pending request back in its function's internal queue (asynchronous).
    fn enqueue(&mut self, now: Time, rec: u32) {
        let p = &mut self.pending[rec as usize];
        if !p.queued {
            p.queued = true;
            p.queued_at = now;
            self.funcs[p.func as usize].m.series.inc(now, Level::Queued);
        }
    }

    /// Schedules the next attempt of `rec` at `at`, unless that is past the end of the run
    /// (the request is then unfinished).
    fn redeliver_at(&mut self, at: Time, rec: u32, q: &mut EventQueue<Event>) {
        if at < self.end {
            self.pending[rec as usize].timer_at = at;
            q.schedule(at, Event::Redeliver { rec });
        } else {
            self.pending[rec as usize].timer_at = Time::MAX;
        }
    }

    /// A `Redeliver` event: ignored if stale (the request was taken by a freed slot, or
    /// its slot was reused).
    fn on_redeliver(&mut self, now: Time, rec: u32, q: &mut EventQueue<Event>) {
        let p = &mut self.pending[rec as usize];
        if !p.live || p.timer_at != now {
            return;
        }
        p.timer_at = Time::MAX;
        self.dispatch(now, rec, q);
    }

    /// Records that a throttled event waits in its function's queue, where a freed slot
    /// may take it.
    fn mark_backing_off(&mut self, rec: u32) {
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

    fn clear_backing_off(&mut self, rec: u32) {
        let p = &mut self.pending[rec as usize];
        if p.backing_off {
            p.backing_off = false;
            self.funcs[p.func as usize].backing_off -= 1;
        }
    }

    /// Whether `acquire(now, f)` would succeed (changes nothing).
    fn can_start(&self, now: Time, f: usize) -> bool {
        let func = &self.funcs[f];
        self.concurrency_allows(f)
            && (!func.pc.idle.is_empty()
                || !func.idle.is_empty()
                || (func.bucket.has_token(now) && self.may_place(f)))
    }

    /// The oldest live entry of `f`'s waiting deque (stale entries in front are dropped):
    /// when it entered the queue, and the entry.
    fn oldest_waiting(&mut self, f: usize) -> Option<(Time, u32)> {
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
    fn pull_waiting(&mut self, now: Time, f: usize, q: &mut EventQueue<Event>) {
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
    fn schedule_client_retry(&mut self, now: Time, rec: u32, q: &mut EventQueue<Event>) {
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
    fn dispatch(&mut self, now: Time, rec: u32, q: &mut EventQueue<Event>) -> bool {
        let p = self.pending[rec as usize];
        let f = p.func as usize;
        self.funcs[f].m.series.advance(now);
        if p.is_async && now >= p.deadline {
            self.send_to_dlq(now, rec, "max_event_age");
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
        match self.acquire(now, f) {
            Some((env, cold)) => {
                self.clear_backing_off(rec);
                let pm = &mut self.pending[rec as usize];
                pm.throttles = 0;
                if !p.is_async {
                    self.free_pending(rec);
                    let job =
                        Job::request(p.request, p.source, p.arrival, NO_REC, attempt, p.duration);
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
                let job = Job::request(p.request, p.source, p.arrival, rec, attempt, p.duration);
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
    fn send_to_dlq(&mut self, now: Time, rec: u32, why: &'static str) {
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
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn start(&mut self, now: Time, e: u32, cold: bool, job: Job, q: &mut EventQueue<Event>) {
        let Job {
            request,
            source,
            arrival,
            rec,
            attempt,
            batch,
            extra,
            poisoned,
            duration,
        } = job;
        let f = self.envs[e as usize].func as usize;
        let spec = &self.sc.functions[f];
        let func = &mut self.funcs[f];
        func.keep_alive.on_start(now);
        func.prewarm_token = func.prewarm_token.wrapping_add(1);
        let mut drawn = if duration == DRAW {
            spec.duration.sample(&mut func.rng)
        } else {
            duration
        };
        if spec.duration_scale != 1.0 {
            drawn = Time((drawn.as_nanos() as f64 * spec.duration_scale).round() as u64);
        }
        let drawn = drawn + extra;
        let (run, outcome) = if drawn > spec.timeout {
            (spec.timeout, AttemptOutcome::Timeout)
        } else if poisoned || (spec.error_rate > 0.0 && func.rng.random::<f64>() < spec.error_rate)
        {
            (drawn, AttemptOutcome::Error)
        } else {
            (drawn, AttemptOutcome::Success)
        };
        let init = if cold {
            let init = spec.draw_init(&mut func.rng);
            if let Some(c) = &mut self.cluster {
                c.note_init(f, init);
            }
            init
        } else {
            Time::ZERO
        };
        let m = &mut func.m;
        m.invocations += 1;
        let bin = m.series.current();
        bin.invocations += 1;
        if cold {
            m.cold_starts += 1;
            m.series.current().cold_starts += 1;
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
        env.start = now;
        env.init = init;
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

    fn on_init_done(&mut self, now: Time, e: u32, q: &mut EventQueue<Event>) {
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

    fn on_complete(&mut self, now: Time, e: u32, q: &mut EventQueue<Event>) {
        let env = self.envs[e as usize];
        let f = env.func as usize;
        self.release(f);
        let bill_init = self.sc.pricing.bill_init;
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
            let billed = if bill_init {
                env.run + env.init
            } else {
                env.run
            };
            let ms = billed.ceil_millis();
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
            if let KeepAliveDecision::Prewarm { after, keep } = decision {
                if !func.waiting.is_empty() {
                    // Work is already queued for the function: keep the environment for it.
                    decision = KeepAliveDecision::KeepFor(after.saturating_add(keep));
                }
            }
            if env.outcome == AttemptOutcome::Timeout || now >= env.expires {
                // A timeout resets the environment, and one past its lifetime is recycled:
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
        // What becomes of the request.
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
            self.log_attempt(now, &env, billed_ms);
        }
        let pool_backlog = self.funcs[f].reserved.is_none() && !self.backlogged.is_empty();
        if pool_backlog || !self.funcs[f].waiting.is_empty() {
            self.pull_waiting(now, f, q);
        }
    }

    /// An asynchronous event whose attempt failed: retried after `n × async_retry_delay`
    /// while it has retries left (its age permitting), else sent to the DLQ.
    fn retry_or_dlq(&mut self, now: Time, rec: u32, q: &mut EventQueue<Event>) {
        let max_retries = {
            let p = &self.pending[rec as usize];
            self.sc.functions[p.func as usize].max_retry_attempts
        };
        let p = &mut self.pending[rec as usize];
        p.executing = false;
        p.failures += 1;
        if p.failures > max_retries {
            self.send_to_dlq(now, rec, "retries exhausted");
            return;
        }
        if now >= p.deadline {
            // Too old to be retried: it failed past its maximum age.
            self.send_to_dlq(now, rec, "max_event_age");
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

    /// Writes a finished attempt to `invocations.csv` and `trace.json`, as asked.
    fn log_attempt(&mut self, now: Time, env: &Env, billed_ms: u64) {
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

    fn on_keep_alive_check(&mut self, now: Time, f: usize, q: &mut EventQueue<Event>) {
        let func = &mut self.funcs[f];
        func.m.series.advance(now);
        if func.check_at != Some(now) {
            // Superseded by an earlier check, which rescheduled what was left.
            return;
        }
        func.check_at = None;
        if func.constant_window {
            // Deadlines follow the order of the pool: retire from the oldest end.
            while let Some(&e) = func.idle.front() {
                if self.envs[e as usize].deadline > now {
                    break;
                }
                func.idle.pop_front();
                func.m.series.dec(now, Level::Idle);
                let env = &mut self.envs[e as usize];
                env.state = EnvState::Gone;
                self.free_envs.push(e);
                if let Some(c) = &mut self.cluster {
                    c.release(env.host, f);
                    func.m.series.dec(now, Level::Held);
                }
            }
            if let Some(&e) = func.idle.front() {
                func.ensure_check(f, self.envs[e as usize].deadline, self.end, q);
            }
        } else {
            // Windows differ: look at every idle environment.
            let envs = &mut self.envs;
            let free = &mut self.free_envs;
            let cluster = &mut self.cluster;
            let mut next = Time::MAX;
            let mut retired = 0;
            func.idle.retain(|&e| {
                let env = &mut envs[e as usize];
                if env.deadline > now {
                    next = next.min(env.deadline);
                    return true;
                }
                env.state = EnvState::Gone;
                free.push(e);
                if let Some(c) = cluster.as_mut() {
                    c.release(env.host, f);
                }
                retired += 1;
                false
            });
            func.m.series.dec_by(now, Level::Idle, retired);
            if self.cluster.is_some() {
                func.m.series.dec_by(now, Level::Held, retired);
            }
            if next != Time::MAX {
                func.ensure_check(f, next, self.end, q);
            }
        }
    }

    /// A keep-alive policy's pre-warm: unless the function started since the decision or
    /// has an idle environment, load a fresh one (INIT, held memory, not billed).
    fn on_prewarm(&mut self, now: Time, f: usize, token: u32, q: &mut EventQueue<Event>) {
        let func = &mut self.funcs[f];
        if token != func.prewarm_token || !func.idle.is_empty() || !func.pc.idle.is_empty() {
            return;
        }
        // A pre-warm is speculative: it takes free memory but evicts nothing.
        let Some(host) = self.place(now, f, false) else {
            return;
        };
        let func = &mut self.funcs[f];
        func.m.series.advance(now);
        func.m.series.inc(now, Level::Idle);
        func.m.prewarms += 1;
        let init = self.sc.functions[f].draw_init(&mut func.rng);
        if let Some(c) = &mut self.cluster {
            c.note_init(f, init);
        }
        let e = self.alloc_env(f as u32, false, host);
        let env = &mut self.envs[e as usize];
        env.state = EnvState::Prewarming;
        env.start = now;
        env.init = init;
        q.schedule(now + init, Event::InitDone { env: e });
    }

    /// Sets function `f`'s claim on the unreserved pool for `allocated` provisioned
    /// environments: its claim is `max(executing, allocated)`.
    fn set_pc_allocated(&mut self, f: usize, allocated: u32) {
        let func = &mut self.funcs[f];
        if func.reserved.is_none() {
            let before = func.executing.max(func.pc.allocated);
            let after = func.executing.max(allocated);
            // A claim that grows may take the pool past its capacity for a while (the
            // configuration was checked against the account limit, not the load):
            // unreserved functions then wait for executions to end.
            self.pool.used = (self.pool.used + after).saturating_sub(before);
        }
        func.pc.allocated = allocated;
    }

    /// Retires provisioned environment `e` of `f` (idle, busy that just finished, or being
    /// allocated): it is billed for its lifetime, rounded up to whole 5-minute blocks.
    fn retire_pc(&mut self, now: Time, f: usize, e: u32) {
        let lifetime = billing::provisioned_period(now.saturating_sub(self.envs[e as usize].born));
        self.retire_env(now, e);
        let func = &mut self.funcs[f];
        func.pc.billed_ns += u128::from(lifetime.as_nanos());
        func.m.series.dec(now, Level::Provisioned);
        let allocated = func.pc.allocated - 1;
        self.set_pc_allocated(f, allocated);
    }

    /// A `PcDecide` event: the policy sees the utilisation since its last decision and
    /// may set a new desired PC, which is carried out at once.
    fn on_pc_decide(&mut self, now: Time, f: usize, q: &mut EventQueue<Event>) {
        let func = &mut self.funcs[f];
        func.m.series.advance(now);
        let pc = &mut func.pc;
        pc.account(now);
        let utilisation = (!pc.unsettled && pc.ready_area > 0)
            .then(|| pc.busy_area as f64 / pc.ready_area as f64);
        pc.busy_area = 0;
        pc.ready_area = 0;
        pc.unsettled = !pc.provisioning.is_empty();
        let obs = Observation {
            current: pc.desired,
            utilisation,
        };
        let decision = pc.policy.decide(now, obs);
        if let Some(t) = pc.policy.next_decision(now) {
            if t < self.end {
                q.schedule(t, Event::PcDecide { func: f as u32 });
            }
        }
        if let Some(n) = decision {
            self.set_pc_desired(now, f, n, q);
        }
    }

    /// Carries out a new desired PC: an increase allocates environments that become ready
    /// after the allocation delay and their INIT; a decrease cancels allocations in
    /// progress, then retires idle environments, and busy ones as they finish.
    fn set_pc_desired(&mut self, now: Time, f: usize, n: u32, q: &mut EventQueue<Event>) {
        self.funcs[f].pc.desired = n;
        let allocated = self.funcs[f].pc.allocated;
        if n > allocated {
            let spec = &self.sc.functions[f];
            let mut placed = allocated;
            while placed < n {
                // On a finite cluster, as many as the hosts hold (after eviction).
                let Some(host) = self.place(now, f, true) else {
                    break;
                };
                placed += 1;
                let e = self.alloc_env(f as u32, true, host);
                let func = &mut self.funcs[f];
                let init = spec.draw_init(&mut func.pc.rng);
                let ready = now
                    .saturating_add(func.pc.allocation_delay)
                    .saturating_add(init);
                let env = &mut self.envs[e as usize];
                env.state = EnvState::Provisioning;
                env.born = now;
                func.pc.provisioning.push(e);
                if ready < self.end {
                    let serial = env.serial;
                    q.schedule(ready, Event::PcReady { env: e, serial });
                }
            }
            let func = &mut self.funcs[f];
            func.pc.unsettled = true;
            func.m
                .series
                .inc_by(now, Level::Provisioned, placed - allocated);
            self.set_pc_allocated(f, placed);
        } else {
            let mut excess = allocated - n;
            while excess > 0 {
                let Some(e) = self.funcs[f].pc.provisioning.pop() else {
                    break;
                };
                self.retire_pc(now, f, e);
                excess -= 1;
            }
            while excess > 0 {
                let func = &mut self.funcs[f];
                func.pc.account(now);
                let Some(e) = func.pc.idle.pop() else { break };
                func.m.series.dec(now, Level::Idle);
                self.retire_pc(now, f, e);
                excess -= 1;
            }
            // Busy ones are retired by `on_complete`. A smaller claim frees pool capacity
            // that throttled events of other functions may take.
            if self.funcs[f].reserved.is_none() && !self.backlogged.is_empty() {
                self.pull_waiting(now, f, q);
            }
        }
    }

    /// A `PcReady` event: the environment joins the idle provisioned environments, unless
    /// its allocation was cancelled.
    fn on_pc_ready(&mut self, now: Time, e: u32, serial: u32, q: &mut EventQueue<Event>) {
        let env = &mut self.envs[e as usize];
        if env.state != EnvState::Provisioning || env.serial != serial {
            return;
        }
        env.state = EnvState::Idle;
        let f = env.func as usize;
        let func = &mut self.funcs[f];
        func.m.series.advance(now);
        if let Some(i) = func.pc.provisioning.iter().position(|&x| x == e) {
            func.pc.provisioning.swap_remove(i);
        }
        func.pc.account(now);
        func.pc.idle.push(e);
        func.m.series.inc(now, Level::Idle);
        // A throttled event may start on it.
        let pool_backlog = func.reserved.is_none() && !self.backlogged.is_empty();
        if pool_backlog || !self.funcs[f].waiting.is_empty() {
            self.pull_waiting(now, f, q);
        }
    }

    /// Closes the books at the end of the run and builds the report.
    pub fn report(mut self, seed: u64, replication: u32, events: u64) -> RunReport {
        let sc = self.sc;
        let end = self.end;
        let duration_ns = end.as_nanos() as f64;
        let mut unfinished = vec![0u64; self.funcs.len()];
        for env in &self.envs {
            let running = matches!(env.state, EnvState::Initializing | EnvState::Busy);
            if running && env.batch == NO_BATCH {
                unfinished[env.func as usize] += 1;
            }
        }
        self.mapping_unfinished(&mut unfinished);
        // Requests waiting for another attempt (an executing one is counted above).
        for p in &self.pending {
            if p.live && !p.executing {
                unfinished[p.func as usize] += 1;
            }
        }
        // The trace shows what is still open at the end, cut at the end.
        if let Some(t) = &mut self.trace {
            for p in self.pending.iter().filter(|p| p.live && p.queued) {
                t.push(queue_wait_span(p, end));
            }
            for env in &self.envs {
                let running = matches!(env.state, EnvState::Initializing | EnvState::Busy);
                if !running {
                    continue;
                }
                let span = |kind, start: Time, stop: Time| {
                    env.span(kind, start.min(end), stop.min(end), None, "unfinished")
                };
                let init_end = env.start + env.init;
                if env.cold {
                    t.push(span(TraceKind::Init, env.start, init_end));
                }
                if init_end < end {
                    t.push(span(TraceKind::Invoke, init_end, end));
                }
            }
        }
        for func in &mut self.funcs {
            func.m.series.advance(end);
        }
        if let Some(c) = &self.cluster {
            if cfg!(debug_assertions) {
                c.check(&self.envs);
            }
        }
        let cluster = self.cluster.as_ref().map(Cluster::report);
        // Provisioned environments still allocated are billed up to the end of the run.
        for env in self
            .envs
            .iter()
            .filter(|e| e.provisioned && e.state != EnvState::Gone)
        {
            let lifetime = billing::provisioned_period(end.saturating_sub(env.born));
            self.funcs[env.func as usize].pc.billed_ns += u128::from(lifetime.as_nanos());
        }
        let pool_capacity = self.pool.capacity;
        let usage: Vec<(Sizing, Usage)> = sc
            .functions
            .iter()
            .zip(&self.funcs)
            .map(|(spec, func)| {
                let sizing = Sizing {
                    memory_mb: spec.memory_mb,
                    architecture: spec.architecture,
                };
                let usage = Usage {
                    requests: func.m.invocations,
                    ondemand_ms: func.m.ondemand_ms,
                    provisioned_exec_ms: func.m.provisioned_exec_ms,
                    provisioned_env_ns: func.pc.billed_ns,
                };
                (sizing, usage)
            })
            .collect();
        let (costs, total_costs) = billing::bill(&sc.pricing, &usage);

        let mut functions = Vec::with_capacity(self.funcs.len());
        let mut series = Vec::with_capacity(self.funcs.len());
        let mut total_latency = Recorder::default();
        let mut total_queue_wait = Recorder::default();
        let mut total_event_age = Recorder::default();
        let mut total_oldest_age = Recorder::default();
        let source_reports = self.source_reports();
        let mut total = FunctionReport {
            function: "*".to_string(),
            memory_mb: 0,
            requests: 0,
            succeeded: 0,
            failed: 0,
            unfinished: 0,
            invocations: 0,
            cold_starts: 0,
            throttles: 0,
            errors: 0,
            timeouts: 0,
            retries: 0,
            dry_runs: 0,
            dlq: 0,
            prewarms: 0,
            prewarm_hits: 0,
            evictions: 0,
            function_cold_start_p75: f64::NAN,
            latency: Recorder::default().report(),
            queue_wait: Recorder::default().report(),
            event_age: Recorder::default().report(),
            oldest_age: Recorder::default().report(),
            max_concurrency: self.max_executing,
            mean_concurrency: 0.0,
            mean_instances: 0.0,
            idle_gb_seconds: 0.0,
            costs: total_costs,
            limit: sc.account.concurrency_limit,
        };
        for (i, (spec, func)) in sc.functions.iter().zip(self.funcs).enumerate() {
            let m = func.m;
            let bins = m.series.bins();
            let (mut busy, mut idle, mut init) = (0u128, 0u128, 0u128);
            for b in bins {
                busy += b.busy_area;
                idle += b.idle_area;
                init += b.init_area;
            }
            let rates = sc.pricing.rates(spec.architecture);
            let gb = spec.memory_gb();
            let rows: Vec<BinReport> = bins
                .iter()
                .enumerate()
                .map(|(k, b)| {
                    let len = m.series.bin_len(k).as_nanos() as f64;
                    let pc_cost =
                        b.provisioned_area as f64 / 1e9 * gb * rates.provisioned_per_gb_second;
                    BinReport {
                        time_s: (m.series.interval().as_nanos() as f64 * k as f64) / 1e9,
                        arrivals: b.arrivals,
                        invocations: b.invocations,
                        cold_starts: b.cold_starts,
                        throttles: b.throttles,
                        concurrency: (b.busy_area + b.init_area) as f64 / len,
                        concurrency_max: b.max_concurrency,
                        instances_busy: b.busy_area as f64 / len,
                        instances_idle: b.idle_area as f64 / len,
                        instances_initializing: b.init_area as f64 / len,
                        provisioned: b.provisioned_area as f64 / len,
                        queue_depth: b.queue_area as f64 / len,
                        dlq: b.dlq,
                        pollers: b.pollers_area as f64 / len,
                        oldest_age_s: b.age_max_ns as f64 / 1e9,
                        cost_usd: b.invocations as f64 * sc.pricing.per_request()
                            + billing::gb_seconds(b.ondemand_ms, spec.memory_mb)
                                * rates.per_gb_second()
                            + billing::gb_seconds(b.provisioned_exec_ms, spec.memory_mb)
                                * rates.provisioned_duration_per_gb_second
                            + pc_cost,
                        evictions: b.evictions,
                        host_memory_mb: cluster
                            .is_some()
                            .then(|| b.held_area as f64 / len * f64::from(spec.memory_mb)),
                    }
                })
                .collect();
            series.push(rows);
            total_latency.merge(&m.latency);
            total_queue_wait.merge(&m.queue_wait);
            total_event_age.merge(&m.event_age);
            total_oldest_age.merge(&m.oldest_age);
            let r = FunctionReport {
                function: spec.name.clone(),
                memory_mb: spec.memory_mb,
                requests: m.requests,
                succeeded: m.succeeded,
                failed: m.failed,
                unfinished: unfinished[i],
                invocations: m.invocations,
                cold_starts: m.cold_starts,
                throttles: m.throttles,
                errors: m.errors,
                timeouts: m.timeouts,
                retries: m.retries,
                dry_runs: m.dry_runs,
                dlq: m.dlq,
                prewarms: m.prewarms,
                prewarm_hits: m.prewarm_hits,
                evictions: m.evictions,
                function_cold_start_p75: f64::NAN,
                latency: m.latency.report(),
                queue_wait: m.queue_wait.report(),
                event_age: m.event_age.report(),
                oldest_age: m.oldest_age.report(),
                max_concurrency: m.max_concurrency,
                mean_concurrency: (busy + init) as f64 / duration_ns,
                mean_instances: (busy + idle + init) as f64 / duration_ns,
                idle_gb_seconds: idle as f64 / 1e9 * gb,
                costs: costs[i],
                // Without a reservation, the pool the unreserved functions share.
                limit: spec.reserved_concurrency.unwrap_or(pool_capacity),
            };
            total.requests += r.requests;
            total.succeeded += r.succeeded;
            total.failed += r.failed;
            total.unfinished += r.unfinished;
            total.invocations += r.invocations;
            total.cold_starts += r.cold_starts;
            total.throttles += r.throttles;
            total.errors += r.errors;
            total.timeouts += r.timeouts;
            total.retries += r.retries;
            total.dry_runs += r.dry_runs;
            total.dlq += r.dlq;
            total.prewarms += r.prewarms;
            total.prewarm_hits += r.prewarm_hits;
            total.evictions += r.evictions;
            total.mean_concurrency += r.mean_concurrency;
            total.mean_instances += r.mean_instances;
            total.idle_gb_seconds += r.idle_gb_seconds;
            functions.push(r);
        }
        total.function_cold_start_p75 = function_cold_start_p75(&functions);
        total.latency = total_latency.report();
        total.queue_wait = total_queue_wait.report();
        total.event_age = total_event_age.report();
        total.oldest_age = total_oldest_age.report();
        RunReport {
            scenario: sc.name.clone(),
            variant: sc.variant.clone(),
            replication,
            seed,
            duration: end,
            interval: sc.output.timeseries_interval,
            concurrency_limit: sc.account.concurrency_limit,
            functions,
            total,
            series,
            sources: sc.sources.iter().map(|s| s.name.clone()).collect(),
            source_reports,
            asynchronous: sc
                .sources
                .iter()
                .any(|s| s.invocation == InvocationType::Event),
            poll: sc.sources.iter().any(|s| s.mapping.is_some()),
            attempts: self.attempts,
            trace: self.trace,
            events,
            keep_alive: sc.functions.iter().map(|f| f.keep_alive.label()).collect(),
            cluster,
        }
    }
}

impl Model for World<'_> {
    type Event = Event;

    #[inline]
    fn handle(&mut self, now: Time, event: Event, q: &mut EventQueue<Event>) {
        match event {
            Event::Arrival { stream } => {
                let s = &mut self.streams[stream as usize];
                let (source, func, invocation, duration) = (
                    s.source,
                    s.next_func as usize,
                    s.invocation,
                    s.next_duration,
                );
                if let Some(t) = s.advance() {
                    if t < self.end {
                        q.schedule(t, Event::Arrival { stream });
                    }
                }
                let mapping = self.source_mapping[source as usize];
                if mapping == NO_MAPPING {
                    self.source_requests[source as usize] += 1;
                    self.on_request(now, source, func, invocation, duration, q);
                } else {
                    self.on_message(now, mapping as usize, q);
                }
            }
            Event::InitDone { env } => self.on_init_done(now, env, q),
            Event::Complete { env } => self.on_complete(now, env, q),
            Event::KeepAliveCheck { func } => self.on_keep_alive_check(now, func as usize, q),
            Event::Redeliver { rec } => self.on_redeliver(now, rec, q),
            Event::Poll { mapping } => self.on_poll(now, mapping as usize, q),
            Event::BatchWindow { mapping } => self.on_batch_window(now, mapping as usize, q),
            Event::Prewarm { func, token } => self.on_prewarm(now, func as usize, token, q),
            Event::PcDecide { func } => self.on_pc_decide(now, func as usize, q),
            Event::PcReady { env, serial } => self.on_pc_ready(now, env, serial, q),
        }
    }
}
