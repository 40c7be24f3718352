//! Keep-alive at run time: the pending check that retires idle environments whose window
//! has run out, and pre-warming ahead of demand for the policies that ask for it.

use super::{EnvState, Event, Func, World};
use crate::engine::{EventQueue, Time};
use crate::metrics::Level;

impl Func {
    /// Asks for a pre-warm `after` from `now`, kept `keep` from its start; any earlier
    /// pending pre-warm is superseded.
    pub(super) fn schedule_prewarm(
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
    pub(super) fn ensure_check(
        &mut self,
        f: usize,
        deadline: Time,
        end: Time,
        q: &mut EventQueue<Event>,
    ) {
        if self.check_at.is_none_or(|t| t > deadline) {
            self.check_at = Some(deadline);
            if deadline < end {
                q.schedule(deadline, Event::KeepAliveCheck { func: f as u32 });
            }
        }
    }
}

impl World<'_> {
    pub(super) fn on_keep_alive_check(&mut self, now: Time, f: usize, q: &mut EventQueue<Event>) {
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
    pub(super) fn on_prewarm(
        &mut self,
        now: Time,
        f: usize,
        token: u32,
        q: &mut EventQueue<Event>,
    ) {
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
        let spec = &self.sc.functions[f];
        let init = spec.draw_init(&mut func.rng);
        if spec.snapstart.is_some() {
            func.m.restores += 1;
            func.m.series.current().restores += 1;
        }
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
}
