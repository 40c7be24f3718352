//! Progress on a terminal while the runs go: the simulated time of all the runs over
//! their total, with an ETA, and a line for each long run in progress with its own. A run
//! reports its simulated time every `engine::WATCH_EVENTS` events, never per event; off a
//! terminal nothing is drawn.

use crate::engine::Time;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::sync::atomic::{AtomicU64, Ordering};

/// Bars count simulated milliseconds (a sum of many runs' nanoseconds could overflow).
const NS_PER_MS: u64 = 1_000_000;

/// Every run's progress, shared by the worker threads.
pub struct Progress {
    visible: bool,
    multi: MultiProgress,
    overall: ProgressBar,
    runs: u64,
    done: AtomicU64,
}

/// `pos / len` of a bar counting milliseconds, as simulated time to the second.
fn simulated_text(pos: u64, len: u64) -> String {
    let t = |ms: u64| Time::from_secs(ms / 1000);
    format!("{} / {}", t(pos), t(len))
}

fn simulated(s: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = w.write_str(&simulated_text(s.pos(), s.len().unwrap_or(0)));
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("simulated", simulated)
}

impl Progress {
    /// Progress of `runs` runs that simulate `total` in all; drawn on stderr if `visible`.
    pub fn new(visible: bool, total: Time, runs: u64) -> Progress {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Progress::drawn_on(target, visible, total, runs)
    }

    /// As [`Progress::new`], drawn on `target`.
    fn drawn_on(target: ProgressDrawTarget, visible: bool, total: Time, runs: u64) -> Progress {
        let multi = MultiProgress::with_draw_target(target);
        let overall = multi.add(ProgressBar::new(total.as_nanos() / NS_PER_MS));
        overall.set_style(style(
            "{spinner} [{elapsed_precise}] {bar:20} {simulated} simulated, {msg}, ETA {eta}",
        ));
        overall.set_message(format!("0/{runs} runs"));
        Progress {
            visible,
            multi,
            overall,
            runs,
            done: AtomicU64::new(0),
        }
    }

    /// A run of `length` starting, named `name` on its line.
    pub fn run(&self, name: String, length: Time) -> RunProgress<'_> {
        RunProgress {
            progress: self,
            name,
            length: length.as_nanos() / NS_PER_MS,
            seen: 0,
            bar: None,
        }
    }

    /// Clears the bars.
    pub fn finish(&self) {
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
    }
}

/// One run's progress: fed its simulated time as it goes; it gets a line of its own only
/// once it has run `engine::WATCH_EVENTS` events (short runs never flicker one up).
pub struct RunProgress<'a> {
    progress: &'a Progress,
    name: String,
    length: u64,
    seen: u64,
    bar: Option<ProgressBar>,
}

impl RunProgress<'_> {
    /// The run has simulated until `now`.
    pub fn at(&mut self, now: Time) {
        let ms = (now.as_nanos() / NS_PER_MS).min(self.length);
        self.progress.overall.inc(ms.saturating_sub(self.seen));
        self.seen = self.seen.max(ms);
        if !self.progress.visible || self.progress.runs == 1 {
            // One run: the overall bar is its own.
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let b = self
                .progress
                .multi
                .add(ProgressBar::new(self.length).with_prefix(self.name.clone()));
            b.set_style(style("  {prefix} {bar:20} {simulated}, ETA {eta}"));
            b
        });
        bar.set_position(self.seen);
    }

    /// The run is over (at its end, or stopped early).
    pub fn done(self) {
        let p = self.progress;
        p.overall.inc(self.length.saturating_sub(self.seen));
        if let Some(b) = self.bar {
            b.finish_and_clear();
            p.multi.remove(&b);
        }
        let done = p.done.fetch_add(1, Ordering::Relaxed) + 1;
        p.overall.set_message(format!("{done}/{} runs", p.runs));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overall_bar_counts_each_runs_simulated_time_once_and_all_of_it_when_done() {
        let p = Progress::new(false, Time::from_secs(300), 2);
        let mut a = p.run("a".into(), Time::from_secs(100));
        let mut b = p.run("b".into(), Time::from_secs(200));
        a.at(Time::from_secs(40));
        b.at(Time::from_millis(10_500));
        a.at(Time::from_secs(60));
        assert_eq!(p.overall.position(), 70_500);
        // Never past a run's length, never backwards.
        a.at(Time::from_secs(500));
        a.at(Time::from_secs(1));
        assert_eq!(p.overall.position(), 110_500);
        a.done();
        b.done();
        assert_eq!(p.overall.position(), 300_000);
        assert_eq!(p.overall.length(), Some(300_000));
        assert_eq!(p.overall.message(), "2/2 runs");
        assert_eq!(simulated_text(61_999, 90_000), "1m 1s / 1m 30s");
        assert_eq!(simulated_text(0, 999), "0s / 0s");
    }

    /// A terminal that keeps what is drawn on it.
    #[derive(Debug, Clone, Default)]
    struct Screen(std::sync::Arc<std::sync::Mutex<String>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn on_a_terminal_each_of_several_runs_gets_a_line_with_its_simulated_time_and_clears_it() {
        let screen = Screen::default();
        let target = ProgressDrawTarget::term_like(Box::new(screen.clone()));
        let p = Progress::drawn_on(target, true, Time::from_secs(180), 2);
        let mut a = p.run("a #0".into(), Time::from_secs(90));
        a.at(Time::from_secs(61));
        let bar = a.bar.clone().expect("a line of its own");
        assert_eq!(bar.position(), 61_000);
        bar.tick();
        p.overall.tick();
        let drawn = screen.0.lock().unwrap().clone();
        assert!(drawn.contains("a #0"), "{drawn}");
        assert!(drawn.contains("1m 1s / 1m 30s, ETA"), "{drawn}");
        assert!(drawn.contains("1m 1s / 3m simulated, 0/2 runs"), "{drawn}");
        a.done();
        assert!(bar.is_finished());
        p.finish();
        assert!(p.overall.is_finished());
        // One run: the overall bar is its own; off a terminal, no line either.
        let one = Progress::drawn_on(ProgressDrawTarget::hidden(), true, Time::from_secs(90), 1);
        let mut r = one.run("r".into(), Time::from_secs(90));
        r.at(Time::from_secs(1));
        assert!(r.bar.is_none());
        let off = Progress::new(false, Time::from_secs(90), 2);
        let mut r = off.run("r".into(), Time::from_secs(90));
        r.at(Time::from_secs(1));
        assert!(r.bar.is_none());
    }
}
