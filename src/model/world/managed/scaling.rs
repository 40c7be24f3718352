//! The scaler of Lambda Managed Instances: each minute, the environments a managed
//! function needs from its CPU utilisation and its use of concurrency slots over the
//! minute, at most doubling in five minutes; new environments packed onto instances with
//! room, else onto new instances after their launch delay; scale-in by at most a tenth a
//! minute, then empty instances terminated (at least three stay); instances replaced
//! every 14 days.

use super::{Fleet, SharedState, World};
use crate::engine::{EventQueue, Time};
use crate::metrics::Level;
use crate::model::managed::{DOUBLING_TIME, INSTANCE_LIFETIME, SCALE_INTERVAL};
use crate::model::world::Event;

/// Instances a group keeps, one per Availability Zone.
const MIN_INSTANCES: usize = 3;

/// The environments a group with `current` of them wants for `load`, the environments'
/// worth of work it had (mean ready environments × utilisation), at `target`
/// utilisation: within `[min, max]`, and at most ×2^(1/5) (and at least one more) a
/// minute, so that capacity doubles in five minutes.
pub(super) fn desired(load: f64, target: f64, current: u32, min: u32, max: u32) -> u32 {
    let want = (load / target - 1e-9).ceil().max(0.0) as u32;
    let growth = 2f64.powf(SCALE_INTERVAL.as_nanos() as f64 / DOUBLING_TIME.as_nanos() as f64);
    let up = ((f64::from(current) * growth).floor() as u32).max(current + 1);
    want.min(up).clamp(min, max)
}

/// The environments a group of `current` may retire this minute to reach `desired`: at
/// most a tenth (at least one).
pub(super) fn scale_in_step(current: u32, desired: u32) -> u32 {
    current.saturating_sub(desired).min((current / 10).max(1))
}

impl World<'_> {
    /// The scaler's minute: every group sized to its load.
    pub(in crate::model::world) fn on_scale(&mut self, now: Time, q: &mut EventQueue<Event>) {
        for g in 0..self.fleet.groups.len() as u32 {
            self.scale_group(now, g, q);
        }
        let next = now.saturating_add(SCALE_INTERVAL);
        if next < self.end {
            q.schedule(next, Event::Scale);
        }
    }

    fn scale_group(&mut self, now: Time, g: u32, q: &mut EventQueue<Event>) {
        let f = self.fleet.groups[g as usize].func as usize;
        let m = self.managed_spec(f).clone();
        let target = self.sc.capacity_providers[m.provider].target_utilization;
        let group = &mut self.fleet.groups[g as usize];
        let span = (now - group.last_scale).as_nanos().max(1) as f64;
        group.last_scale = now;
        let cpu = group.cpu.take(now) as f64;
        let inflight = group.inflight.take(now) as f64;
        let ready = group.ready.take(now) as f64;
        let throttled = std::mem::take(&mut group.throttled);
        // Utilisation of the ready environments: of their vCPUs, or of their slots,
        // whichever is higher; full if a request found no room.
        let mut util = if ready > 0.0 {
            (cpu / (ready * f64::from(m.env_vcpus)))
                .max(inflight / (ready * f64::from(m.concurrency)))
        } else {
            0.0
        };
        if throttled {
            util = util.max(1.0);
        }
        let load = util * ready / span;
        let envs = &self.fleet.envs;
        let current = group
            .envs
            .iter()
            .filter(|&&e| envs[e as usize].state != SharedState::Draining)
            .count() as u32;
        let want = desired(
            load,
            target,
            current,
            m.min_environments,
            m.max_environments,
        );
        if want > current {
            self.scale_out(now, g, want - current, q);
        } else if want < current {
            // Only ready environments drain, and never below the floor.
            let group = &self.fleet.groups[g as usize];
            let envs = &self.fleet.envs;
            let ready = group
                .envs
                .iter()
                .filter(|&&e| envs[e as usize].state == SharedState::Ready)
                .count() as u32;
            let n = scale_in_step(current, want).min(ready.saturating_sub(m.min_environments));
            self.scale_in(now, g, n);
        }
        // Environments drained since the last minute may have emptied instances.
        self.terminate_empty_instances(now, g);
        self.replace_old_instances(now, g);
    }

    /// `n` more environments: draining ones taken back first, then new ones packed onto
    /// the instances, as far as `max_environments` (counting the draining ones) and
    /// `max_vcpus` allow.
    fn scale_out(&mut self, now: Time, g: u32, mut n: u32, q: &mut EventQueue<Event>) {
        let f = self.fleet.groups[g as usize].func as usize;
        let max = self.managed_spec(f).max_environments;
        let group = &self.fleet.groups[g as usize];
        let draining: Vec<u32> = group
            .envs
            .iter()
            .copied()
            .filter(|&e| self.fleet.envs[e as usize].state == SharedState::Draining)
            .take(n as usize)
            .collect();
        let taken_back = !draining.is_empty();
        for e in draining {
            self.fleet.envs[e as usize].state = SharedState::Ready;
            self.route_to(g as usize, e);
            self.fleet.groups[g as usize].ready.add(now, 1);
            n -= 1;
        }
        let live = self.fleet.groups[g as usize].envs.len() as u32;
        for _ in 0..n.min(max.saturating_sub(live)) {
            if !self.place_shared_env(now, g, q) {
                break;
            }
        }
        if taken_back && !self.funcs[f].waiting.is_empty() {
            self.pull_waiting(now, f, q);
        }
    }

    /// A new environment of group `g`: on the fullest instance that has room for it, or
    /// on a new instance; it takes requests after its instance is ready and its INIT.
    /// `false` when `max_vcpus` allows no more instances.
    fn place_shared_env(&mut self, now: Time, g: u32, q: &mut EventQueue<Event>) -> bool {
        let f = self.fleet.groups[g as usize].func as usize;
        let spec = &self.sc.functions[f];
        let m = spec.managed.as_ref().expect("a managed function");
        let p = &self.sc.capacity_providers[m.provider];
        let (uv, ug) = p.usable();
        let fl = &self.fleet;
        let mut best: Option<(u32, u32)> = None;
        for &i in &fl.groups[g as usize].instances {
            let inst = &fl.instances[i as usize];
            let fits = inst.vcpus + m.env_vcpus <= uv && inst.gb + m.env_gb <= ug;
            if fits && best.is_none_or(|(_, v)| inst.vcpus > v) {
                best = Some((i, inst.vcpus));
            }
        }
        let inst = match best {
            Some((i, _)) => i,
            None => {
                let instances = fl.groups[g as usize].instances.len() as u32;
                if (instances + 1) * p.vcpus > p.max_vcpus {
                    return false;
                }
                let ready_at = now.saturating_add(p.launch_delay);
                self.launch_instance(now, g, ready_at)
            }
        };
        let ready_at = self.fleet.instances[inst as usize].ready_at.max(now);
        let init = spec.draw_init(&mut self.fleet.groups[g as usize].rng);
        let e = self.new_shared_env(g, inst);
        let serial = self.fleet.envs[e as usize].serial;
        let at = ready_at.saturating_add(init);
        if at < self.end {
            q.schedule(at, Event::SharedReady { env: e, serial });
        }
        true
    }

    /// `n` fewer environments: ready ones stop taking new requests and go when their last
    /// ends, those of the emptiest instances first (so that instances empty out), and
    /// among them those with the fewest requests.
    fn scale_in(&mut self, now: Time, g: u32, n: u32) {
        let fl = &self.fleet;
        let mut ready: Vec<(u32, u32, u32)> = fl.groups[g as usize]
            .envs
            .iter()
            .filter(|&&e| fl.envs[e as usize].state == SharedState::Ready)
            .map(|&e| {
                let env = &fl.envs[e as usize];
                (fl.instances[env.instance as usize].vcpus, env.active, e)
            })
            .collect();
        ready.sort_unstable();
        for &(_, active, e) in ready.iter().take(n as usize) {
            self.fleet.envs[e as usize].state = SharedState::Draining;
            self.route_away(g as usize, e);
            self.fleet.groups[g as usize].ready.add(now, -1);
            if active == 0 {
                self.retire_shared_env(now, e);
            }
        }
    }

    /// Terminates the group's instances that hold no environment, keeping three.
    fn terminate_empty_instances(&mut self, now: Time, g: u32) {
        let Fleet {
            groups,
            instances,
            free_instances,
            ..
        } = &mut self.fleet;
        let group = &mut groups[g as usize];
        let mut k = 0;
        let mut gone = 0;
        while k < group.instances.len() && group.instances.len() > MIN_INSTANCES {
            let i = group.instances[k];
            if instances[i as usize].vcpus == 0 {
                free_instances.push(i);
                group.instances.swap_remove(k);
                gone += 1;
            } else {
                k += 1;
            }
        }
        if gone > 0 {
            let s = &mut self.funcs[group.func as usize].m.series;
            s.advance(now);
            s.dec_by(now, Level::ManagedInstances, gone);
        }
    }

    /// Instances 14 days old are replaced: a new one is launched to be ready as the old
    /// one goes, so the two overlap for the launch delay (billed); requests see nothing.
    fn replace_old_instances(&mut self, now: Time, g: u32) {
        let f = self.fleet.groups[g as usize].func as usize;
        let delay = self.sc.capacity_providers[self.managed_spec(f).provider].launch_delay;
        let mut replaced = 0u32;
        for &i in &self.fleet.groups[g as usize].instances {
            let inst = &mut self.fleet.instances[i as usize];
            if now - inst.born >= INSTANCE_LIFETIME {
                inst.born = now;
                replaced += 1;
            }
        }
        if replaced > 0 {
            let m = &mut self.funcs[f].m;
            m.series.advance(now);
            m.series.current().managed_instances_area +=
                u128::from(replaced) * u128::from(delay.as_nanos());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desired_environments_follow_the_load_at_the_target() {
        // 6 environments' worth of work at 50 %: 12, if growth allows.
        assert_eq!(desired(6.0, 0.5, 12, 3, u32::MAX), 12);
        assert_eq!(desired(6.0, 0.5, 20, 3, u32::MAX), 12);
        // An exact multiple does not round up.
        assert_eq!(desired(1.5, 0.5, 3, 3, u32::MAX), 3);
        assert_eq!(desired(1.51, 0.5, 3, 3, u32::MAX), 4);
    }

    #[test]
    fn growth_is_at_most_a_doubling_in_five_minutes() {
        // ×2^(1/5) = 1.1487 a minute: 100 → 114, and never fewer than one more.
        assert_eq!(desired(1000.0, 0.5, 100, 3, u32::MAX), 114);
        assert_eq!(desired(1000.0, 0.5, 3, 3, u32::MAX), 4);
        let mut n = 100;
        for _ in 0..5 {
            n = desired(1e9, 0.5, n, 3, u32::MAX);
        }
        assert!((196..=200).contains(&n), "{n} after five minutes");
    }

    #[test]
    fn desired_stays_within_the_bounds() {
        assert_eq!(desired(0.0, 0.5, 10, 3, u32::MAX), 3);
        assert_eq!(desired(100.0, 0.5, 10, 3, 5), 5);
        assert_eq!(desired(0.0, 0.5, 10, 7, 9), 7);
    }

    #[test]
    fn scale_in_takes_at_most_a_tenth_a_minute() {
        assert_eq!(scale_in_step(100, 3), 10);
        assert_eq!(scale_in_step(100, 95), 5);
        assert_eq!(scale_in_step(5, 3), 1);
        assert_eq!(scale_in_step(3, 3), 0);
    }
}
