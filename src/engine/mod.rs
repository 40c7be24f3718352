//! The discrete-event engine: integer time, a deterministic event queue, the run loop,
//! named random streams and the distributions drawn from them. It knows nothing about
//! Lambda (see ARCHITECTURE.md).

mod dist;
mod queue;
mod rng;
mod time;

pub use dist::Dist;
pub use queue::EventQueue;
pub use rng::{RngStreams, SimRng, derive_seed};
pub use time::Time;

/// A model driven by the engine: it owns the world and handles one event at a time.
pub trait Model {
    /// The closed set of events this model schedules.
    type Event;

    /// Handles `event`, due at `now`; new events go into `queue`.
    fn handle(&mut self, now: Time, event: Self::Event, queue: &mut EventQueue<Self::Event>);

    /// Whether the model asks to stop before `until` (a run that reached a cap).
    #[inline]
    fn halted(&self) -> bool {
        false
    }
}

/// Runs `model` until the queue is empty, the next event is at or after `until`, or the
/// model halts.
///
/// Returns the number of events handled. Events due exactly at `until` are not handled:
/// the simulated interval is `[0, until)`.
pub fn run<M: Model>(model: &mut M, queue: &mut EventQueue<M::Event>, until: Time) -> u64 {
    run_watched(model, queue, until, |_| true)
}

/// Events between two calls of a run's watcher: a mask test per event, and a call (which
/// may read a clock) a few hundred times a second at millions of events a second.
pub const WATCH_EVENTS: u64 = 1 << 16;

/// Runs `model` as [`run`] does, calling `watch` with the simulated time every
/// [`WATCH_EVENTS`] events (to show progress): never per event. A watcher that returns
/// `false` stops the run there (an interrupt).
pub fn run_watched<M: Model>(
    model: &mut M,
    queue: &mut EventQueue<M::Event>,
    until: Time,
    mut watch: impl FnMut(Time) -> bool,
) -> u64 {
    let mut handled = 0;
    let mut last = Time::ZERO;
    while let Some((now, event)) = queue.pop_before(until) {
        debug_assert!(
            now >= last,
            "an event was scheduled in the past: {now} < {last}"
        );
        last = now;
        model.handle(now, event, queue);
        handled += 1;
        if handled % WATCH_EVENTS == 0 && !watch(now) {
            break;
        }
        if model.halted() {
            break;
        }
    }
    handled
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy model that records the order in which it sees events.
    struct Recorder {
        seen: Vec<(Time, u32)>,
    }

    impl Model for Recorder {
        type Event = u32;
        fn handle(&mut self, now: Time, event: u32, queue: &mut EventQueue<u32>) {
            self.seen.push((now, event));
            if event == 1 {
                // Schedule at the current time: must run after events already queued for now.
                queue.schedule(now, 100);
            }
        }
    }

    #[test]
    fn ties_run_in_insertion_order_and_until_is_exclusive() {
        let mut q = EventQueue::new();
        q.schedule(Time::from_secs(2), 3);
        q.schedule(Time::from_secs(1), 1);
        q.schedule(Time::from_secs(1), 2);
        q.schedule(Time::from_secs(5), 4);
        let mut m = Recorder { seen: vec![] };
        let n = run(&mut m, &mut q, Time::from_secs(5));
        assert_eq!(n, 4);
        let order: Vec<u32> = m.seen.iter().map(|&(_, e)| e).collect();
        assert_eq!(order, vec![1, 2, 100, 3]);
        assert_eq!(q.len(), 1, "the event at `until` stays queued");
    }

    #[test]
    fn the_watcher_sees_the_time_of_every_watch_events_th_event_and_no_other() {
        // The k-th event at k µs (event 1, which schedules another, is left out): the
        // watcher is called after events WATCH_EVENTS and 2 × WATCH_EVENTS, with their
        // times, and the run is the same as unwatched.
        let n = 2 * WATCH_EVENTS + 5;
        let fill = || {
            let mut q = EventQueue::new();
            for k in 1..=n {
                q.schedule(Time::from_nanos(k * 1000), k as u32 + 1);
            }
            q
        };
        let mut m = Recorder { seen: vec![] };
        let mut calls = Vec::new();
        let handled = run_watched(&mut m, &mut fill(), Time::MAX, |t| {
            calls.push(t);
            true
        });
        assert_eq!(handled, n);
        assert_eq!(
            calls,
            [
                Time::from_nanos(WATCH_EVENTS * 1000),
                Time::from_nanos(2 * WATCH_EVENTS * 1000)
            ]
        );
        let mut plain = Recorder { seen: vec![] };
        run(&mut plain, &mut fill(), Time::MAX);
        assert_eq!(plain.seen, m.seen);
    }
}
