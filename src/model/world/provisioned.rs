//! Provisioned concurrency at run time: the environments a function keeps allocated, the
//! utilisation its policy reads, and carrying out each new desired value (allocation delay
//! and INIT, cancellation, retirement, billing in 5-minute blocks).

use super::{EnvState, Event, World};
use crate::billing;
use crate::engine::{EventQueue, SimRng, Time};
use crate::metrics::Level;
use crate::policies::{Observation, ProvisioningPolicy};

/// A function's provisioned concurrency at run time.
pub(super) struct Pc {
    /// The desired PC in force (the policy's last decision).
    pub(super) desired: u32,
    /// Provisioned environments that exist: being allocated, idle or busy. They hold
    /// their claim on the concurrency pool and are billed.
    pub(super) allocated: u32,
    /// Idle provisioned environments (used first; never expire).
    pub(super) idle: Vec<u32>,
    /// Provisioned environments running an invocation.
    pub(super) busy: u32,
    /// Provisioned environments being allocated.
    pub(super) provisioning: Vec<u32>,
    pub(super) policy: Box<dyn ProvisioningPolicy>,
    pub(super) allocation_delay: Time,
    /// INIT draws of provisioned environments (a stream of their own, so PC changes do
    /// not shift the function's duration draws).
    pub(super) rng: SimRng,
    /// ∫ busy dt and ∫ ready (idle + busy) dt since the last decision, up to `area_at`.
    pub(super) busy_area: u128,
    pub(super) ready_area: u128,
    pub(super) area_at: Time,
    /// An allocation was in progress at some time since the last decision.
    pub(super) unsettled: bool,
    /// Billed environment-nanoseconds of retired environments (each rounded up to whole
    /// 5-minute blocks).
    pub(super) billed_ns: u128,
}

impl Pc {
    /// Brings the utilisation areas up to `now`; call before `busy` or `idle` changes.
    #[inline]
    pub(super) fn account(&mut self, now: Time) {
        let dt = u128::from(now.saturating_sub(self.area_at).as_nanos());
        if dt > 0 {
            self.busy_area += u128::from(self.busy) * dt;
            self.ready_area += u128::from(self.busy + self.idle.len() as u32) * dt;
            self.area_at = now;
        }
    }
}

impl World<'_> {
    /// Sets function `f`'s claim on the unreserved pool for `allocated` provisioned
    /// environments: its claim is `max(executing, allocated)`.
    pub(super) fn set_pc_allocated(&mut self, f: usize, allocated: u32) {
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
    pub(super) fn retire_pc(&mut self, now: Time, f: usize, e: u32) {
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
    pub(super) fn on_pc_decide(&mut self, now: Time, f: usize, q: &mut EventQueue<Event>) {
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
        if let Some(t) = pc.policy.next_decision(now)
            && t < self.end
        {
            q.schedule(t, Event::PcDecide { func: f as u32 });
        }
        if let Some(n) = decision {
            self.set_pc_desired(now, f, n, q);
        }
    }

    /// Carries out a new desired PC: an increase allocates environments that become ready
    /// after the allocation delay and their INIT; a decrease cancels allocations in
    /// progress, then retires idle environments, and busy ones as they finish.
    pub(super) fn set_pc_desired(
        &mut self,
        now: Time,
        f: usize,
        n: u32,
        q: &mut EventQueue<Event>,
    ) {
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
    pub(super) fn on_pc_ready(
        &mut self,
        now: Time,
        e: u32,
        serial: u32,
        q: &mut EventQueue<Event>,
    ) {
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
}
