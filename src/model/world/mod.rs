//! The world of one run: `World` and the closed `enum Event` it handles, each function's
//! run-time state, the set-up at t = 0 and the dispatch of every event. Each concern of the
//! model lives in a file of its own below: environments and the invocation lifecycle
//! (`env`), admission (`admit`), requests that outlive one attempt (`asynchronous`),
//! keep-alive and pre-warming (`keepalive`), provisioned concurrency (`provisioned`), event
//! source mappings (`poll`), finite clusters (`cluster`) and the end-of-run report (`report`).

use super::admission::{Pool, TokenBucket};
use super::config::Scenario;
use crate::engine::{self, EventQueue, Model, RngStreams, SimRng, Time};
use crate::metrics::Level;
use crate::metrics::{AttemptRecord, FuncMetrics, RunReport, Trace};
use crate::policies::{KeepAlivePolicy, SelectionSpec};
use crate::sources::tenants::TenantDraw;
use crate::sources::trace::{Given, SOURCE_FUNCTION};
use crate::sources::{ArrivalStream, InvocationType};
use std::collections::VecDeque;

mod admit;
mod asynchronous;
mod chain;
mod cluster;
mod env;
mod footprint;
mod keepalive;
mod managed;
mod poll;
mod provisioned;
mod report;
use asynchronous::{Pending, queue_wait_span};
use chain::Lineage;
use cluster::Cluster;
use env::{Env, EnvState, Job, NO_BATCH, NO_REC};
pub use footprint::{Footprint, footprint};
use managed::{Fleet, NO_GROUP};
use poll::{BatchRt, MappingRt};
use provisioned::Pc;

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
    /// The batching window of an SQS mapping's gathering batch, or of a Kafka lane's
    /// first record, ends.
    BatchWindow {
        /// Mapping index.
        mapping: u32,
        /// The Kafka lane (0 for SQS).
        lane: u32,
    },
    /// A provisioned-mode mapping that ran out of throughput has earned enough for its
    /// next batch.
    PollerCredit {
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
    /// A managed environment's shared CPU reaches its next CPU-phase departure or the
    /// timeout of a request in its CPU phase.
    SharedCpu {
        /// Managed environment slot.
        env: u32,
        /// Its timer token: a timer set since supersedes this event.
        token: u32,
    },
    /// A request on a managed environment ends (its I/O-bound part done, or its timeout).
    SharedDone {
        /// Request slot.
        req: u32,
        /// Its generation: a slot reused since does not match.
        generation: u32,
    },
    /// A managed environment finished INIT (on a ready instance) and takes requests.
    SharedReady {
        /// Managed environment slot.
        env: u32,
        /// Its serial: a slot reused since does not match.
        serial: u32,
    },
    /// The scaler of Managed Instances looks at the utilisation of each managed function.
    Scale,
    /// A provisioned environment finished its allocation delay and INIT: it is ready.
    PcReady {
        /// Environment slot.
        env: u32,
        /// Its serial: a slot reused since (the allocation was cancelled) does not match.
        serial: u32,
    },
}

/// A function's run-time state.
struct Func {
    /// Reserved concurrency; `Some(u32::MAX)` on Managed Instances, which use none of the
    /// account's and serve their own queue.
    reserved: Option<u32>,
    /// Its group in `World::fleet` (Managed Instances), or `NO_GROUP`.
    group: u32,
    executing: u32,
    bucket: TokenBucket,
    /// Tenant isolation: the most environments the function may have (2,500 per 1,000 of
    /// its concurrency); `None` without.
    tenant_cap: Option<u32>,
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
    /// Its memory is below what it needs: every invocation fails out of memory.
    out_of_memory: bool,
    rng: SimRng,
    /// Draws response sizes (`response_bytes`), apart from every other draw.
    response_rng: Option<SimRng>,
    m: FuncMetrics,
}

/// One arrival process of one source.
struct Stream {
    source: u32,
    func: u32,
    invocation: InvocationType,
    arrivals: ArrivalStream,
    /// The function of the scheduled arrival (a trace may name one per arrival).
    next_func: u32,
    /// What a trace gives the scheduled arrival (`Given::NOTHING`: all drawn), and its
    /// tenant.
    next_given: Given,
    /// The source's tenants, drawn for each arrival.
    tenants: Option<TenantDraw>,
}

impl Stream {
    /// Draws the next arrival and remembers what it carries.
    #[inline]
    fn advance(&mut self) -> Option<Time> {
        let t = self.arrivals.next_arrival()?;
        let (func, given) = self.arrivals.payload();
        self.next_func = if func == SOURCE_FUNCTION {
            self.func
        } else {
            func
        };
        self.next_given = given;
        if let Some(d) = &mut self.tenants {
            self.next_given.tenant = d.draw();
        }
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
    /// Pipelines: the counts of emitted events.
    chain_rng: SimRng,
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
    /// The EPUs of the mappings in provisioned mode: one ledger per mapping, or per Kafka
    /// poller group.
    ledgers: Vec<poll::Ledger>,
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
    /// Lambda Managed Instances: instances, environments and requests (empty without).
    fleet: Fleet,
    /// Attempts started or throttled, against `platform.max_attempts`.
    attempts_made: u64,
    /// When the run reached `platform.max_attempts` and stopped.
    stopped_at: Option<Time>,
}

/// Runs `scenario` with `seed` as replication `replication` and reports the results.
pub fn simulate(scenario: &Scenario, seed: u64, replication: u32) -> RunReport {
    simulate_watched(scenario, seed, replication, |_| true)
}

/// Runs as [`simulate`] does, calling `watch` with the simulated time every
/// [`engine::WATCH_EVENTS`] events: a progress bar's hook, which does not change the run
/// unless it returns `false`, which stops it there (an interrupt).
pub fn simulate_watched(
    scenario: &Scenario,
    seed: u64,
    replication: u32,
    watch: impl FnMut(Time) -> bool,
) -> RunReport {
    let mut queue = EventQueue::new();
    let mut world = World::new(scenario, seed, &mut queue);
    if replication > 0 {
        // Only the first replication is traced (trace.json shows one run).
        world.trace = None;
    }
    let events = engine::run_watched(&mut world, &mut queue, scenario.duration, watch);
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
                    reserved: if f.managed.is_some() {
                        Some(u32::MAX)
                    } else {
                        f.reserved_concurrency
                    },
                    group: NO_GROUP,
                    tenant_cap: f.tenant_isolation.then(|| {
                        let limit = f
                            .reserved_concurrency
                            .unwrap_or(sc.account.concurrency_limit);
                        (u64::from(limit) * 5).div_ceil(2).min(u64::from(u32::MAX)) as u32
                    }),
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
                    out_of_memory: f.out_of_memory(),
                    prewarm_keep: Time::ZERO,
                    rng: rngs.stream(&format!("function/{}", f.name)),
                    response_rng: f
                        .response
                        .as_ref()
                        .map(|_| rngs.stream(&format!("function/{}/response", f.name))),
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
                    next_given: Given::NOTHING,
                    tenants: s.tenants.as_ref().map(|mix| {
                        TenantDraw::new(
                            mix,
                            rngs.stream(&format!("source/{}/{}/tenants", s.name, ci)),
                        )
                    }),
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
            chain_rng: rngs.stream("pipeline"),
            executing: 0,
            max_executing: 0,
            next_request: 0,
            attempts_made: 0,
            stopped_at: None,
            next_serial: 0,
            pending: Vec::new(),
            free_pending: Vec::new(),
            backlogged: Vec::new(),
            mappings: Vec::new(),
            ledgers: Vec::new(),
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
            fleet: Fleet::default(),
        };
        w.init_fleet(&rngs, queue);
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
            if let Some(t) = func.pc.policy.next_decision(Time::ZERO)
                && t < w.end
            {
                queue.schedule(t, Event::PcDecide { func: f as u32 });
            }
        }
        w.init_mappings(&rngs, queue);
        for i in 0..w.streams.len() {
            if let Some(t) = w.streams[i].advance()
                && t < w.end
            {
                queue.schedule(t, Event::Arrival { stream: i as u32 });
            }
        }
        w
    }
}

impl World<'_> {
    /// Counts an attempt (started or throttled); the run stops at the cap.
    #[inline]
    fn count_attempt(&mut self, now: Time) {
        self.attempts_made += 1;
        if self.attempts_made == self.sc.platform.max_attempts {
            self.stopped_at = Some(now);
        }
    }
}

impl Model for World<'_> {
    type Event = Event;

    #[inline]
    fn halted(&self) -> bool {
        self.stopped_at.is_some()
    }

    #[inline]
    fn handle(&mut self, now: Time, event: Event, q: &mut EventQueue<Event>) {
        match event {
            Event::Arrival { stream } => {
                let s = &mut self.streams[stream as usize];
                let (source, func, invocation, given) =
                    (s.source, s.next_func as usize, s.invocation, s.next_given);
                if let Some(t) = s.advance()
                    && t < self.end
                {
                    q.schedule(t, Event::Arrival { stream });
                }
                let mapping = self.source_mapping[source as usize];
                if mapping == NO_MAPPING {
                    self.source_requests[source as usize] += 1;
                    self.on_request(now, source, func, invocation, given, Lineage::start(now), q);
                } else {
                    self.on_message(now, mapping as usize, Lineage::start(now), q);
                }
            }
            Event::InitDone { env } => self.on_init_done(now, env, q),
            Event::Complete { env } => self.on_complete(now, env, q),
            Event::KeepAliveCheck { func } => self.on_keep_alive_check(now, func as usize, q),
            Event::Redeliver { rec } => self.on_redeliver(now, rec, q),
            Event::Poll { mapping } => self.on_poll(now, mapping as usize, q),
            Event::BatchWindow { mapping, lane } => {
                self.on_batch_window(now, mapping as usize, lane as usize, q)
            }
            Event::PollerCredit { mapping } => self.on_poller_credit(now, mapping as usize, q),
            Event::Prewarm { func, token } => self.on_prewarm(now, func as usize, token, q),
            Event::PcDecide { func } => self.on_pc_decide(now, func as usize, q),
            Event::PcReady { env, serial } => self.on_pc_ready(now, env, serial, q),
            Event::SharedCpu { env, token } => self.on_shared_cpu(now, env, token, q),
            Event::SharedDone { req, generation } => self.on_shared_done(now, req, generation, q),
            Event::SharedReady { env, serial } => self.on_shared_ready(now, env, serial, q),
            Event::Scale => self.on_scale(now, q),
        }
    }
}
