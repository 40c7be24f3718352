//! Lambda Managed Instances, one run: each managed function's group of EC2 instances and
//! execution environments; a request routed to the least-loaded environment with a free
//! slot (else throttled); its CPU-bound part under processor sharing of the
//! environment's vCPUs (`sharing`), its I/O-bound part alongside; timeouts; and the end
//! of a request. The scaler (instances and environments on utilisation) is `scaling`.

mod routing;
mod scaling;
mod sharing;

use super::env::{Env, EnvState, attempt_outcome, draw_duration};
use super::{Event, Job, World};
use crate::engine::{EventQueue, RngStreams, SimRng, Time};
use crate::metrics::{AttemptOutcome, Level, TraceKind};
use crate::model::managed::SCALE_INTERVAL;
use routing::{OUT, Routing};
use sharing::SharedCpu;
use std::collections::VecDeque;

/// `Func::group` of a function on Lambda's default compute.
pub(in crate::model::world) const NO_GROUP: u32 = u32::MAX;

/// A level and its time integral since it was last taken (a scaling signal).
#[derive(Clone, Copy, Debug, Default)]
struct Meter {
    level: u32,
    area: u128,
    at: Time,
}

impl Meter {
    fn set(&mut self, now: Time, level: u32) {
        self.area += u128::from(self.level) * u128::from((now - self.at).as_nanos());
        self.at = now;
        self.level = level;
    }

    fn add(&mut self, now: Time, delta: i64) {
        let level = (i64::from(self.level) + delta) as u32;
        self.set(now, level);
    }

    /// The integral since the last take, up to `now`; starts a new one.
    fn take(&mut self, now: Time) -> u128 {
        self.set(now, self.level);
        std::mem::take(&mut self.area)
    }
}

/// A managed function's instances and environments on its capacity provider.
struct Group {
    func: u32,
    /// Live environments (starting, ready or draining).
    envs: Vec<u32>,
    /// Live instances.
    instances: Vec<u32>,
    /// Its ready environments by requests in progress.
    routing: Routing,
    /// Draws the INIT of new environments, apart from the function's draws.
    rng: SimRng,
    /// vCPUs in use, requests in progress and ready environments, for the scaler.
    cpu: Meter,
    inflight: Meter,
    ready: Meter,
    /// A request was throttled since the scaler last looked.
    throttled: bool,
    /// When the scaler last looked.
    last_scale: Time,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SharedState {
    /// Waiting for its instance, or running INIT: takes no requests yet.
    Starting,
    /// Takes requests.
    Ready,
    /// Scaled in: takes no new requests, retired when its last one ends.
    Draining,
    Gone,
}

/// A managed execution environment: many requests at once on shared vCPUs.
#[derive(Debug)]
struct SharedEnv {
    group: u32,
    instance: u32,
    state: SharedState,
    /// Requests in progress.
    active: u32,
    cpu: SharedCpu,
    /// Requests in their CPU phase as (deadline, request, generation), in order of
    /// deadline (they start their CPU phase as they start, and share one timeout).
    deadlines: VecDeque<(Time, u32, u32)>,
    /// Bumped at each new timer: a `SharedCpu` event with another token is stale.
    token: u32,
    serial: u32,
}

/// A request in progress on a managed environment.
#[derive(Clone, Copy, Debug)]
struct SharedReq {
    job: Job,
    env: u32,
    generation: u32,
    start: Time,
    /// Its I/O-bound time, after its CPU phase.
    io: Time,
    /// Its outcome if it ends within the timeout.
    outcome: AttemptOutcome,
    in_cpu: bool,
    live: bool,
}

/// An EC2 instance of a capacity provider.
#[derive(Clone, Copy, Debug)]
struct Instance {
    /// When environments can start on it.
    ready_at: Time,
    /// When it (or its last replacement) was launched.
    born: Time,
    /// vCPUs and GB its environments hold.
    vcpus: u32,
    gb: u32,
}

/// Every managed function's instances, environments and requests (empty without).
#[derive(Default)]
pub(in crate::model::world) struct Fleet {
    groups: Vec<Group>,
    envs: Vec<SharedEnv>,
    free_envs: Vec<u32>,
    reqs: Vec<SharedReq>,
    free_reqs: Vec<u32>,
    instances: Vec<Instance>,
    free_instances: Vec<u32>,
    /// Each environment slot's position in its group's `routing` (`OUT`: not there).
    pos: Vec<u32>,
}

impl Fleet {
    /// Whether request slot `r` of `generation` is in its CPU phase.
    fn in_cpu(reqs: &[SharedReq], r: u32, generation: u32) -> bool {
        let q = &reqs[r as usize];
        q.live && q.in_cpu && q.generation == generation
    }
}

impl World<'_> {
    /// Sets up each managed function at t = 0: its instances (at least three, one per
    /// Availability Zone) and `min_environments` environments, ready, spread over them.
    pub(in crate::model::world) fn init_fleet(
        &mut self,
        rngs: &RngStreams,
        q: &mut EventQueue<Event>,
    ) {
        for (f, spec) in self.sc.functions.iter().enumerate() {
            let Some(m) = &spec.managed else { continue };
            let g = self.fleet.groups.len() as u32;
            self.funcs[f].group = g;
            self.fleet.groups.push(Group {
                func: f as u32,
                envs: Vec::new(),
                instances: Vec::new(),
                routing: Routing::default(),
                rng: rngs.stream(&format!("function/{}/managed", spec.name)),
                cpu: Meter::default(),
                inflight: Meter::default(),
                ready: Meter::default(),
                throttled: false,
                last_scale: Time::ZERO,
            });
            let p = &self.sc.capacity_providers[m.provider];
            let per_instance = p.envs_per_instance(m.env_vcpus, m.env_gb);
            let n = m.min_environments.div_ceil(per_instance).max(3);
            for _ in 0..n {
                self.launch_instance(Time::ZERO, g, Time::ZERO);
            }
            for k in 0..m.min_environments {
                let inst = self.fleet.groups[g as usize].instances[(k % n) as usize];
                let e = self.new_shared_env(g, inst);
                self.mark_ready(Time::ZERO, e);
            }
        }
        if !self.fleet.groups.is_empty() && SCALE_INTERVAL < self.end {
            q.schedule(SCALE_INTERVAL, Event::Scale);
        }
    }

    /// A new instance of group `g`, launched now and ready at `ready_at`.
    fn launch_instance(&mut self, now: Time, g: u32, ready_at: Time) -> u32 {
        let inst = Instance {
            ready_at,
            born: now,
            vcpus: 0,
            gb: 0,
        };
        let fl = &mut self.fleet;
        let i = if let Some(i) = fl.free_instances.pop() {
            fl.instances[i as usize] = inst;
            i
        } else {
            fl.instances.push(inst);
            (fl.instances.len() - 1) as u32
        };
        fl.groups[g as usize].instances.push(i);
        let s = &mut self.funcs[fl.groups[g as usize].func as usize].m.series;
        s.advance(now);
        s.inc(now, Level::ManagedInstances);
        i
    }

    /// A new environment of group `g` on instance `inst`, starting.
    fn new_shared_env(&mut self, g: u32, inst: u32) -> u32 {
        let spec = self.sc.functions[self.fleet.groups[g as usize].func as usize]
            .managed
            .as_ref()
            .expect("a managed function");
        let (vcpus, gb) = (spec.env_vcpus, spec.env_gb);
        let i = &mut self.fleet.instances[inst as usize];
        i.vcpus += vcpus;
        i.gb += gb;
        let env = SharedEnv {
            group: g,
            instance: inst,
            state: SharedState::Starting,
            active: 0,
            cpu: SharedCpu::new(vcpus, Time::ZERO),
            deadlines: VecDeque::new(),
            token: 0,
            serial: self.next_serial,
        };
        self.next_serial = self.next_serial.wrapping_add(1);
        let fl = &mut self.fleet;
        let e = if let Some(e) = fl.free_envs.pop() {
            // A timer of the slot's last environment must not match the new one's.
            let token = fl.envs[e as usize].token.wrapping_add(1);
            fl.envs[e as usize] = SharedEnv { token, ..env };
            e
        } else {
            fl.envs.push(env);
            fl.pos.push(OUT);
            (fl.envs.len() - 1) as u32
        };
        fl.groups[g as usize].envs.push(e);
        e
    }

    /// Environment `e` of group `g` takes requests: into the routing.
    fn route_to(&mut self, g: usize, e: u32) {
        let Fleet {
            groups, envs, pos, ..
        } = &mut self.fleet;
        groups[g].routing.insert(pos, e, envs[e as usize].active);
    }

    /// Environment `e` of group `g` takes no more requests: out of the routing.
    fn route_away(&mut self, g: usize, e: u32) {
        let Fleet { groups, pos, .. } = &mut self.fleet;
        groups[g].routing.remove(pos, e);
    }

    /// Environment `e` takes requests from now on.
    fn mark_ready(&mut self, now: Time, e: u32) {
        let env = &mut self.fleet.envs[e as usize];
        env.state = SharedState::Ready;
        let g = env.group as usize;
        self.route_to(g, e);
        let group = &mut self.fleet.groups[g];
        group.ready.add(now, 1);
        let s = &mut self.funcs[group.func as usize].m.series;
        s.advance(now);
        s.inc(now, Level::Environments);
    }

    /// A `SharedReady` event: environment `e` finished INIT.
    pub(in crate::model::world) fn on_shared_ready(
        &mut self,
        now: Time,
        e: u32,
        serial: u32,
        q: &mut EventQueue<Event>,
    ) {
        let env = &self.fleet.envs[e as usize];
        if env.serial != serial || env.state != SharedState::Starting {
            return;
        }
        let f = self.fleet.groups[env.group as usize].func as usize;
        self.mark_ready(now, e);
        if !self.funcs[f].waiting.is_empty() {
            self.pull_waiting(now, f, q);
        }
    }

    /// Whether function `f` (managed) has an environment with a free slot.
    pub(in crate::model::world) fn shared_room(&self, f: usize) -> bool {
        let g = &self.fleet.groups[self.funcs[f].group as usize];
        let cap = self.managed_spec(f).concurrency;
        g.routing.least().is_some_and(|(_, load)| load < cap)
    }

    /// Takes a slot for a request of managed function `f` on its least-loaded ready
    /// environment (the first of equals); `None`: every one is full, a throttle.
    pub(in crate::model::world) fn acquire_shared(&mut self, f: usize) -> Option<u32> {
        let gi = self.funcs[f].group as usize;
        let cap = self.managed_spec(f).concurrency;
        let Fleet {
            groups, envs, pos, ..
        } = &mut self.fleet;
        let group = &mut groups[gi];
        match group.routing.least() {
            Some((e, load)) if load < cap => {
                envs[e as usize].active += 1;
                group.routing.set(pos, e, load + 1);
                Some(e)
            }
            _ => {
                group.throttled = true;
                None
            }
        }
    }

    fn managed_spec(&self, f: usize) -> &crate::model::managed::Managed {
        self.sc.functions[f]
            .managed
            .as_ref()
            .expect("a managed function")
    }

    /// Starts `job` on managed environment `e`, whose slot `acquire_shared` took: its
    /// duration and outcome drawn, its CPU-bound part joining the shared CPU.
    pub(in crate::model::world) fn start_shared(
        &mut self,
        now: Time,
        e: u32,
        job: Job,
        q: &mut EventQueue<Event>,
    ) {
        self.count_attempt(now);
        let gi = self.fleet.envs[e as usize].group as usize;
        let f = self.fleet.groups[gi].func as usize;
        let spec = &self.sc.functions[f];
        let managed = spec.managed.as_ref().expect("a managed function");
        let func = &mut self.funcs[f];
        let drawn = draw_duration(spec, &mut func.rng, job.given.duration, job.extra);
        let oom = func.out_of_memory;
        let outcome = attempt_outcome(spec, &mut func.rng, oom, job.poisoned, job.given.outcome);
        let cpu = Time((drawn.as_nanos() as f64 * managed.cpu_fraction).round() as u64);
        let io = drawn - cpu.min(drawn);
        let m = &mut func.m;
        m.series.advance(now);
        m.invocations += 1;
        m.series.current().invocations += 1;
        m.series.inc(now, Level::Requests);
        func.executing += 1;
        m.max_concurrency = m.max_concurrency.max(func.executing);
        self.executing += 1;
        self.max_executing = self.max_executing.max(self.executing);
        self.fleet.groups[gi].inflight.add(now, 1);
        let req = SharedReq {
            job,
            env: e,
            generation: 0,
            start: now,
            io,
            outcome,
            in_cpu: cpu > Time::ZERO,
            live: true,
        };
        let fl = &mut self.fleet;
        let r = if let Some(r) = fl.free_reqs.pop() {
            let generation = fl.reqs[r as usize].generation.wrapping_add(1);
            fl.reqs[r as usize] = SharedReq { generation, ..req };
            r
        } else {
            fl.reqs.push(req);
            (fl.reqs.len() - 1) as u32
        };
        if cpu > Time::ZERO {
            let generation = fl.reqs[r as usize].generation;
            let deadline = now.saturating_add(spec.timeout);
            let before = fl.envs[e as usize].cpu.busy();
            let env = &mut fl.envs[e as usize];
            env.cpu.join(now, cpu, r, generation);
            env.deadlines.push_back((deadline, r, generation));
            self.cpu_changed(now, e, before);
            self.set_cpu_timer(e, q);
        } else {
            self.begin_io(now, r, q);
        }
    }

    /// The vCPUs in use on environment `e` changed from `before`: the series and the
    /// scaler's meter follow.
    fn cpu_changed(&mut self, now: Time, e: u32, before: u32) {
        let env = &self.fleet.envs[e as usize];
        let after = env.cpu.busy();
        if after == before {
            return;
        }
        let group = &mut self.fleet.groups[env.group as usize];
        let delta = i64::from(after) - i64::from(before);
        group.cpu.add(now, delta);
        let s = &mut self.funcs[group.func as usize].m.series;
        s.advance(now);
        if after > before {
            s.inc_by(now, Level::Cpu, after - before);
        } else {
            s.dec_by(now, Level::Cpu, before - after);
        }
    }

    /// Sets environment `e`'s timer to its next CPU departure or CPU-phase timeout.
    fn set_cpu_timer(&mut self, e: u32, q: &mut EventQueue<Event>) {
        let Fleet { envs, reqs, .. } = &mut self.fleet;
        let env = &mut envs[e as usize];
        let live = |r: u32, g: u32| Fleet::in_cpu(reqs, r, g);
        while let Some(&(_, r, g)) = env.deadlines.front() {
            if live(r, g) {
                break;
            }
            env.deadlines.pop_front();
        }
        if env.deadlines.len() > 2 * env.cpu.len() as usize + 16 {
            env.deadlines.retain(|&(_, r, g)| live(r, g));
        }
        let departure = env.cpu.next_departure(&live);
        let timeout = env.deadlines.front().map(|d| d.0);
        let next = match (departure, timeout) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(t) => t,
                None => return,
            },
        };
        env.token = env.token.wrapping_add(1);
        q.schedule(
            next,
            Event::SharedCpu {
                env: e,
                token: env.token,
            },
        );
    }

    /// A `SharedCpu` event: the requests whose CPU work is done go on to their I/O-bound
    /// part, and those whose timeout came first end.
    pub(in crate::model::world) fn on_shared_cpu(
        &mut self,
        now: Time,
        e: u32,
        token: u32,
        q: &mut EventQueue<Event>,
    ) {
        let env = &self.fleet.envs[e as usize];
        if env.token != token || env.state == SharedState::Gone {
            return;
        }
        let before = env.cpu.busy();
        loop {
            let Fleet { envs, reqs, .. } = &mut self.fleet;
            let live = |r: u32, g: u32| Fleet::in_cpu(reqs, r, g);
            let Some((r, _)) = envs[e as usize].cpu.pop_done(now, &live) else {
                break;
            };
            reqs[r as usize].in_cpu = false;
            self.begin_io(now, r, q);
        }
        loop {
            let Fleet { envs, reqs, .. } = &mut self.fleet;
            let env = &mut envs[e as usize];
            let Some(&(deadline, r, g)) = env.deadlines.front() else {
                break;
            };
            if !Fleet::in_cpu(reqs, r, g) {
                env.deadlines.pop_front();
                continue;
            }
            if deadline > now {
                break;
            }
            env.deadlines.pop_front();
            env.cpu.leave(now);
            let req = &mut reqs[r as usize];
            req.in_cpu = false;
            req.outcome = AttemptOutcome::Timeout;
            q.schedule(
                now,
                Event::SharedDone {
                    req: r,
                    generation: g,
                },
            );
        }
        self.cpu_changed(now, e, before);
        self.set_cpu_timer(e, q);
    }

    /// Request `r` finished its CPU work: it ends after its I/O-bound part, or at its
    /// timeout if that comes first.
    fn begin_io(&mut self, now: Time, r: u32, q: &mut EventQueue<Event>) {
        let req = &mut self.fleet.reqs[r as usize];
        let f = self.fleet.groups[self.fleet.envs[req.env as usize].group as usize].func;
        let deadline = req
            .start
            .saturating_add(self.sc.functions[f as usize].timeout);
        let mut end = now.saturating_add(req.io);
        if end > deadline {
            end = deadline.max(now);
            req.outcome = AttemptOutcome::Timeout;
        }
        // Always through the queue, even at `now`: a request ending inside the start of
        // another would nest the ends of a whole queue of them.
        q.schedule(
            end,
            Event::SharedDone {
                req: r,
                generation: req.generation,
            },
        );
    }

    /// A `SharedDone` event: request `r` ends; its slot frees, and what becomes of it is
    /// settled as for any attempt.
    pub(in crate::model::world) fn on_shared_done(
        &mut self,
        now: Time,
        r: u32,
        generation: u32,
        q: &mut EventQueue<Event>,
    ) {
        let req = self.fleet.reqs[r as usize];
        if !req.live || req.generation != generation {
            return;
        }
        self.fleet.reqs[r as usize].live = false;
        self.fleet.free_reqs.push(r);
        let e = req.env;
        let Fleet {
            groups, envs, pos, ..
        } = &mut self.fleet;
        let env = &mut envs[e as usize];
        env.active -= 1;
        groups[env.group as usize].routing.set(pos, e, env.active);
        let (gi, serial, drained) = (
            env.group as usize,
            env.serial,
            env.state == SharedState::Draining && env.active == 0,
        );
        let group = &mut self.fleet.groups[gi];
        group.inflight.add(now, -1);
        let f = group.func as usize;
        let func = &mut self.funcs[f];
        func.executing -= 1;
        self.executing -= 1;
        func.m.series.advance(now);
        func.m.series.dec(now, Level::Requests);
        if drained {
            self.retire_shared_env(now, e);
        }
        let job = req.job;
        let record = Env {
            state: EnvState::Busy,
            request: job.request,
            source: job.source,
            arrival: job.arrival,
            lineage: job.lineage,
            start: req.start,
            run: now - req.start,
            outcome: req.outcome,
            rec: job.rec,
            attempt: job.attempt,
            batch: job.batch,
            ..Env::blank(f as u32, serial)
        };
        self.settle(now, &record, 0, q);
    }

    /// Environment `e` is gone: its instance's room is free.
    fn retire_shared_env(&mut self, now: Time, e: u32) {
        let env = &mut self.fleet.envs[e as usize];
        let counted = matches!(env.state, SharedState::Ready | SharedState::Draining);
        env.state = SharedState::Gone;
        let (gi, inst) = (env.group as usize, env.instance);
        self.route_away(gi, e);
        let f = self.fleet.groups[gi].func as usize;
        let spec = self.managed_spec(f);
        let (vcpus, gb) = (spec.env_vcpus, spec.env_gb);
        let i = &mut self.fleet.instances[inst as usize];
        i.vcpus -= vcpus;
        i.gb -= gb;
        let group = &mut self.fleet.groups[gi];
        if let Some(k) = group.envs.iter().position(|&x| x == e) {
            group.envs.swap_remove(k);
        }
        self.fleet.free_envs.push(e);
        if counted {
            let s = &mut self.funcs[f].m.series;
            s.advance(now);
            s.dec(now, Level::Environments);
        }
    }

    /// Requests of each function in progress on managed environments (`unfinished`).
    pub(in crate::model::world) fn shared_unfinished(&self, unfinished: &mut [u64]) {
        for r in self.fleet.reqs.iter().filter(|r| r.live) {
            if r.job.batch == super::NO_BATCH {
                let g = self.fleet.envs[r.env as usize].group as usize;
                unfinished[self.fleet.groups[g].func as usize] += 1;
            }
        }
    }

    /// The trace shows the requests still in progress on managed environments, cut at
    /// the end.
    pub(in crate::model::world) fn shared_trace_at_end(&mut self) {
        let end = self.end;
        let Some(t) = &mut self.trace else { return };
        for r in self.fleet.reqs.iter().filter(|r| r.live) {
            let env = &self.fleet.envs[r.env as usize];
            let f = self.fleet.groups[env.group as usize].func;
            let record = Env {
                request: r.job.request,
                attempt: r.job.attempt,
                ..Env::blank(f, env.serial)
            };
            t.push(record.span(TraceKind::Invoke, r.start.min(end), end, None, "unfinished"));
        }
    }
}
