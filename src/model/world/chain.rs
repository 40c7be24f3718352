//! Pipelines at run time: the lineage each event carries from the arrival that started
//! its chain, the events a successful invocation emits and its destinations, recursive
//! loop detection, and each chain's end-to-end latency.

use super::{Env, Event, NO_MAPPING, World};
use crate::engine::{EventQueue, Time};
use crate::model::config::{EmitCount, RECURSION_LIMIT};
use crate::sources::trace::Given;
use rand::RngExt;

/// What an event knows of the chain it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Lineage {
    /// The arrival that started the chain.
    pub(super) origin: Time,
    /// Invocations of the chain within the current loop of functions (the strongly
    /// connected component of the function it goes to), this one included.
    pub(super) steps: u16,
}

impl Lineage {
    /// The lineage of an arrival from outside: a chain of its own.
    pub(super) fn start(now: Time) -> Lineage {
        Lineage {
            origin: now,
            steps: 1,
        }
    }
}

/// How many times a chain of `steps` invocations within a loop of `len` functions has
/// invoked the function it reaches: exact when the loop is a simple cycle, each of its
/// functions sending to the next.
fn visits(steps: u16, len: u32) -> u32 {
    (u32::from(steps).saturating_sub(1)) / len.max(1) + 1
}

impl World<'_> {
    /// The invocation `env` succeeded: its emits and (an asynchronous event) its
    /// `on_success` destination go on; with nothing sent on, its chain ends here.
    pub(super) fn chain_succeeded(
        &mut self,
        now: Time,
        env: &Env,
        asynchronous: bool,
        q: &mut EventQueue<Event>,
    ) {
        let sc = self.sc;
        let f = env.func as usize;
        let chain = &sc.functions[f].chain;
        let mut sent = 0u32;
        for e in &chain.emits {
            let n = match e.count {
                EmitCount::Fixed(n) => n,
                EmitCount::Probability(p) => u32::from(self.chain_rng.random::<f64>() < p),
                EmitCount::Poisson(mean) => poisson(&mut self.chain_rng, mean),
                EmitCount::Uniform(lo, hi) => self.chain_rng.random_range(lo..=hi),
            };
            for _ in 0..n {
                self.deliver(now, f, e.source, env.lineage, q);
            }
            sent += n;
        }
        if asynchronous && let Some(s) = chain.on_success {
            self.deliver(now, f, s, env.lineage, q);
            sent += 1;
        }
        // A batch's chains end with its messages (its mapping counts them).
        if sent == 0 && env.batch == super::NO_BATCH {
            self.funcs[f]
                .m
                .chain_ended(now.saturating_sub(env.lineage.origin));
        }
    }

    /// Function `from` sends an event of chain `lineage` to source `src`: a request of the
    /// source's function, or a message of its mapping, unless the chain would invoke that
    /// function more than `RECURSION_LIMIT` times (then dropped, `recursion_stopped`).
    pub(super) fn deliver(
        &mut self,
        now: Time,
        from: usize,
        src: usize,
        lineage: Lineage,
        q: &mut EventQueue<Event>,
    ) {
        let sc = self.sc;
        let s = &sc.sources[src];
        let g = s.function;
        let p = &sc.pipeline;
        let steps = if p.component[g] == p.component[from] {
            lineage.steps.saturating_add(1)
        } else {
            1
        };
        let len = p.component_len[p.component[g] as usize];
        self.funcs[from].m.emitted += 1;
        self.funcs[g].m.chained += 1;
        let lineage = Lineage {
            origin: lineage.origin,
            steps,
        };
        if visits(steps, len) > RECURSION_LIMIT && !sc.functions[g].chain.recursion_allowed {
            self.source_requests[src] += 1;
            let m = &mut self.funcs[g].m;
            m.series.advance(now);
            m.requests += 1;
            m.series.current().arrivals += 1;
            m.failed += 1;
            m.recursion_stopped += 1;
            return;
        }
        match self.source_mapping[src] {
            NO_MAPPING => {
                self.source_requests[src] += 1;
                self.on_request(now, src as u32, g, s.invocation, Given::NOTHING, lineage, q);
            }
            m => self.on_message(now, m as usize, lineage, q),
        }
    }
}

/// A Poisson count of mean `mean` (Knuth's product of uniforms for small means, else the
/// normal approximation, rounded and at least 0).
fn poisson(rng: &mut crate::engine::SimRng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean < 30.0 {
        let limit = (-mean).exp();
        let (mut k, mut prod) = (0u32, rng.random::<f64>());
        while prod > limit {
            k += 1;
            prod *= rng.random::<f64>();
        }
        return k;
    }
    let d = rand_distr::Normal::new(mean, mean.sqrt()).expect("a finite mean");
    rand_distr::Distribution::sample(&d, rng).round().max(0.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_count_the_rounds_of_a_simple_loop() {
        // A function looping on itself: each step is a visit.
        assert_eq!(visits(1, 1), 1);
        assert_eq!(visits(16, 1), 16);
        assert_eq!(visits(17, 1), 17);
        // A loop of 3: steps 1..=3 are the first round, 4..=6 the second.
        assert_eq!(visits(3, 3), 1);
        assert_eq!(visits(4, 3), 2);
        assert_eq!(visits(48, 3), 16);
        assert_eq!(visits(49, 3), 17);
    }

    #[test]
    fn poisson_counts_have_their_mean() {
        let mut rng = crate::engine::RngStreams::new(3).stream("t");
        for mean in [0.5, 4.0, 50.0] {
            let n = 20_000;
            let sum: u64 = (0..n).map(|_| u64::from(poisson(&mut rng, mean))).sum();
            let got = sum as f64 / n as f64;
            // The sample mean's standard error is sqrt(mean / n); 5 of them.
            let tol = 5.0 * (mean / n as f64).sqrt();
            assert!((got - mean).abs() < tol, "mean {mean}: {got}");
        }
        assert_eq!(poisson(&mut rng, 0.0), 0);
    }
}
