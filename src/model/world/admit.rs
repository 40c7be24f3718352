//! Admission: a push request's arrival by invocation type, whether its function may start
//! one more execution (reserved concurrency, the unreserved pool, provisioned claims), which
//! environment serves it (provisioned, idle or new under the scaling rate), and throttles.

use super::env::SHARED;
use super::managed::NO_GROUP;
use super::{Event, Job, Lineage, NO_REC, World};
use crate::engine::{EventQueue, Time};
use crate::metrics::Level;
use crate::metrics::{AttemptOutcome, AttemptRecord, NO_ENV, TraceKind, TraceRecord};
use crate::policies::{InstanceSelection, SelectionSpec};
use crate::sources::InvocationType;
use crate::sources::trace::{Given, GivenCold};

impl World<'_> {
    /// Whether function `f` may start one more execution now.
    #[inline]
    pub(super) fn concurrency_allows(&self, f: usize) -> bool {
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

    /// The idle environment of `f` that `instance_selection` picks for a request of
    /// `tenant`, as an index into its idle pool: any idle one, or with tenant isolation
    /// one of that tenant's.
    #[inline]
    fn pick_idle(&mut self, f: usize, tenant: u32) -> Option<usize> {
        let func = &self.funcs[f];
        let n = func.idle.len();
        if n == 0 {
            return None;
        }
        if func.tenant_cap.is_none() {
            return Some(self.selection.pick(n, &mut self.selection_rng));
        }
        let envs = &self.envs;
        let ours = |e: &u32| envs[*e as usize].tenant == tenant;
        match self.selection {
            SelectionSpec::Mru => func.idle.iter().rposition(ours),
            SelectionSpec::Lru => func.idle.iter().position(ours),
            SelectionSpec::Random => {
                let m = func.idle.iter().filter(|e| ours(e)).count();
                if m == 0 {
                    return None;
                }
                let k = self.selection.pick(m, &mut self.selection_rng);
                func.idle
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| ours(e))
                    .nth(k)
                    .map(|(i, _)| i)
            }
        }
    }

    /// Tenant isolation: whether `f` may have one more environment, retiring its least
    /// recently used idle one (another tenant's) when it is at its cap (counted as an
    /// eviction).
    fn tenant_room(&mut self, now: Time, f: usize) -> bool {
        let func = &mut self.funcs[f];
        let Some(cap) = func.tenant_cap else {
            return true;
        };
        if func.m.series.levels.instances() < cap {
            return true;
        }
        let Some(e) = func.idle.pop_front() else {
            return false;
        };
        func.m.series.advance(now);
        func.m.series.dec(now, Level::Idle);
        func.m.evictions += 1;
        func.m.series.current().evictions += 1;
        self.retire_env(now, e);
        true
    }

    /// Finds an environment for a new execution of `f`: a provisioned one, an idle one, or
    /// a new one (cold); with tenant isolation, only an environment of the request's
    /// tenant. A replayed log decides instead (`given.cold`): a logged cold start takes a
    /// new environment, a logged warm one an idle one, or, if the keep-alive here has
    /// retired it, one revived without INIT. `None` means throttled.
    #[inline]
    pub(super) fn acquire(&mut self, now: Time, f: usize, given: Given) -> Option<(u32, bool)> {
        if self.funcs[f].group != NO_GROUP {
            return self.acquire_shared(f).map(|e| (e | SHARED, false));
        }
        if !self.concurrency_allows(f) {
            return None;
        }
        let (tenant, given) = (given.tenant, given.cold);
        let fresh = matches!(given, GivenCold::Cold(_) | GivenCold::Restored(..));
        let picked = if fresh || !self.funcs[f].pc.idle.is_empty() {
            None
        } else {
            self.pick_idle(f, tenant)
        };
        let func = &mut self.funcs[f];
        let (env, cold) = if !fresh && let Some(&e) = func.pc.idle.last() {
            func.pc.account(now);
            func.pc.idle.pop();
            func.pc.busy += 1;
            func.m.series.dec(now, Level::Idle);
            (e, false)
        } else if let Some(i) = picked {
            // Beyond its provisioned environments, a function with provisioned
            // concurrency spills over to on-demand ones.
            if func.pc.allocated > 0 {
                func.m.spillover += 1;
            }
            let n = func.idle.len();
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
        } else if given == GivenCold::Warm {
            // The log says an environment was there: it is, without INIT or a token.
            if !self.tenant_room(now, f) {
                return None;
            }
            let host = self.place(now, f, true)?;
            let func = &mut self.funcs[f];
            if func.pc.allocated > 0 {
                func.m.spillover += 1;
            }
            func.m.revived += 1;
            let lifetime = func.keep_alive.lifetime();
            let e = self.alloc_env(f as u32, false, host);
            let env = &mut self.envs[e as usize];
            env.expires = now.saturating_add(lifetime);
            env.tenant = tenant;
            (e, false)
        } else if func.bucket.has_token(now) {
            if !self.tenant_room(now, f) {
                return None;
            }
            // On a finite cluster, no room even after eviction is a throttle.
            let host = self.place(now, f, true)?;
            let func = &mut self.funcs[f];
            if func.pc.allocated > 0 {
                func.m.spillover += 1;
            }
            let took = func.bucket.try_take(now);
            debug_assert!(took);
            let lifetime = func.keep_alive.lifetime();
            if func.tenant_cap.is_some() {
                func.m.tenant_environments += 1;
            }
            let e = self.alloc_env(f as u32, false, host);
            let env = &mut self.envs[e as usize];
            env.expires = now.saturating_add(lifetime);
            env.tenant = tenant;
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

    pub(super) fn release(&mut self, f: usize) {
        let func = &mut self.funcs[f];
        func.executing -= 1;
        if func.reserved.is_none() && func.executing >= func.pc.allocated {
            self.pool.used -= 1;
        }
        self.executing -= 1;
    }

    #[allow(clippy::too_many_arguments)] // what a request is, each part from its own place
    pub(super) fn on_request(
        &mut self,
        now: Time,
        source: u32,
        f: usize,
        invocation: InvocationType,
        given: Given,
        lineage: Lineage,
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
            InvocationType::RequestResponse => match self.acquire(now, f, given) {
                Some((env, cold)) => {
                    let job = Job::request(request, source, now, NO_REC, 1, given, lineage);
                    self.start(now, env, cold, job, q);
                }
                None => {
                    self.note_throttle(now, f, request, source, now, 1);
                    if self.sc.sources[source as usize].client_retries > 0 {
                        let rec = self.new_pending(request, source, f, now, false);
                        self.pending[rec as usize].lineage = lineage;
                        self.pending[rec as usize].attempts = 1;
                        self.pending[rec as usize].given = given;
                        self.schedule_client_retry(now, rec, q);
                    } else {
                        self.funcs[f].m.failed += 1;
                    }
                }
            },
            InvocationType::Event => {
                let deadline = now.saturating_add(self.sc.functions[f].max_event_age);
                let rec = self.new_pending(request, source, f, now, true);
                self.pending[rec as usize].lineage = lineage;
                self.pending[rec as usize].deadline = deadline;
                self.pending[rec as usize].given = given;
                if self.funcs[f].reserved == Some(0) {
                    // AWS sends every event of a function reserved at 0 straight to the DLQ.
                    self.pending[rec as usize].attempts = 1;
                    self.note_throttle(now, f, request, source, now, 1);
                    self.send_to_dlq(now, rec, "reserved_concurrency = 0", q);
                } else {
                    self.dispatch(now, rec, q);
                }
            }
        }
    }

    /// Counts a refused attempt.
    pub(super) fn note_throttle(
        &mut self,
        now: Time,
        f: usize,
        request: u64,
        source: u32,
        arrival: Time,
        attempt: u32,
    ) {
        self.count_attempt(now);
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

    /// Whether `acquire(now, f)` would succeed (changes nothing).
    pub(super) fn can_start(&self, now: Time, f: usize) -> bool {
        let func = &self.funcs[f];
        if func.group != NO_GROUP {
            return self.shared_room(f);
        }
        self.concurrency_allows(f)
            && (!func.pc.idle.is_empty()
                || !func.idle.is_empty()
                || (func.bucket.has_token(now) && self.may_place(f)))
    }
}
