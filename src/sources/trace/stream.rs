//! The run-time reader of a trace: `TraceStream` reads the file again, arrival by arrival,
//! in every format (the azure2019 minutes merged function by function in time order).

use super::azure2019::azure2019_minutes;
use super::azure2021::{
    Cols2021, azure2021_columns, azure2021_keep, azure2021_key, azure2021_start,
};
use super::cloudwatch::LogStream;
use super::minute::MinuteArrivals;
use super::{EachFunction, Given, SOURCE_FUNCTION, Spread, Trace, TraceFormat, column, seconds};
use crate::engine::{SimRng, Time};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::sync::Arc;

/// The run-time reader of a trace.
pub struct TraceStream {
    inner: Inner,
    /// The function of the arrival last returned (`SOURCE_FUNCTION`: the source's own).
    func: u32,
    /// What the trace gives it (its duration, for a log its INIT and end).
    given: Given,
}

enum Inner {
    Lines(std::io::Lines<BufReader<File>>),
    Column {
        rdr: csv::Reader<BufReader<File>>,
        rec: csv::StringRecord,
        col: usize,
    },
    Azure2021 {
        rdr: csv::Reader<BufReader<File>>,
        rec: csv::StringRecord,
        cols: Cols2021,
        function: Option<String>,
        own_durations: bool,
        /// `app/func` → scenario function (`each_function`).
        targets: Option<HashMap<String, u32>>,
        /// Scratch key, reused for every row.
        key: String,
    },
    Azure2019 {
        minutes: Minutes,
        minute: usize,
        /// One generator per function with arrivals left in the current minute, the next
        /// arrival first: memory grows with the functions of a minute, not its count.
        pending: std::collections::BinaryHeap<std::cmp::Reverse<MinuteArrivals>>,
        spread: Spread,
    },
    CloudWatch(Box<LogStream>),
    Done,
}

/// The per-minute counts an azure2019 stream replays.
enum Minutes {
    /// Totals, all to the source's function.
    Total(Vec<u64>),
    /// Per function (`each_function`).
    Each(Arc<EachFunction>),
}

impl TraceStream {
    /// Opens `trace` (checked at load); a file that became unreadable ends the trace.
    pub fn open(trace: &Trace) -> TraceStream {
        let open = || File::open(&trace.path).ok().map(BufReader::new);
        let inner = match &trace.format {
            TraceFormat::Timestamps { column: None } => {
                open().map_or(Inner::Done, |r| Inner::Lines(r.lines()))
            }
            TraceFormat::Timestamps { column: Some(name) } => match open() {
                Some(r) => {
                    let mut rdr = csv::Reader::from_reader(r);
                    match rdr.headers().ok().and_then(|h| column(h, &[name.as_str()])) {
                        Some(col) => Inner::Column {
                            rdr,
                            rec: csv::StringRecord::new(),
                            col,
                        },
                        None => Inner::Done,
                    }
                }
                None => Inner::Done,
            },
            TraceFormat::Azure2021 => match open() {
                Some(r) => {
                    let mut rdr = csv::Reader::from_reader(r);
                    match rdr.headers().ok().and_then(|h| azure2021_columns(h).ok()) {
                        Some(cols) => Inner::Azure2021 {
                            rdr,
                            rec: csv::StringRecord::new(),
                            cols,
                            function: trace.function.clone(),
                            own_durations: trace.own_durations,
                            targets: trace.each.as_ref().map(|e| {
                                e.functions
                                    .iter()
                                    .zip(&e.targets)
                                    .map(|(f, &t)| (format!("{}/{}", f.app, f.func), t))
                                    .collect()
                            }),
                            key: String::new(),
                        },
                        None => Inner::Done,
                    }
                }
                None => Inner::Done,
            },
            TraceFormat::CloudWatch => {
                let mut paths = vec![trace.path.clone()];
                paths.extend(trace.more_paths.iter().cloned());
                match LogStream::open(
                    &paths,
                    trace.origin,
                    trace.own_durations,
                    trace.copy_cold_starts,
                ) {
                    Some(s) => Inner::CloudWatch(Box::new(s)),
                    None => Inner::Done,
                }
            }
            TraceFormat::Azure2019 => {
                let minutes = match &trace.each {
                    Some(e) => Ok(Minutes::Each(Arc::clone(e))),
                    None => azure2019_minutes(&trace.path, trace.function.as_deref(), false)
                        .map(|(m, _)| Minutes::Total(m)),
                };
                match minutes {
                    Ok(minutes) => Inner::Azure2019 {
                        minutes,
                        minute: 0,
                        pending: std::collections::BinaryHeap::new(),
                        spread: trace.spread,
                    },
                    Err(_) => Inner::Done,
                }
            }
        };
        TraceStream {
            inner,
            func: SOURCE_FUNCTION,
            given: Given::NOTHING,
        }
    }

    /// The function (`SOURCE_FUNCTION`: the source's own) of the arrival last returned
    /// by `next`, and what the trace gives it (`Given::NOTHING`: everything is drawn).
    #[inline]
    pub fn payload(&self) -> (u32, Given) {
        (self.func, self.given)
    }

    /// The next arrival, or `None` at the end of the trace.
    pub fn next(&mut self, rng: &mut SimRng) -> Option<Time> {
        match &mut self.inner {
            Inner::Lines(lines) => {
                for l in lines.by_ref() {
                    let l = l.ok()?;
                    let t = l.trim_start_matches('\u{feff}').trim();
                    if t.is_empty() || t.starts_with('#') {
                        continue;
                    }
                    return seconds(t, 0, "offset").ok();
                }
                None
            }
            Inner::Column { rdr, rec, col } => {
                if rdr.read_record(rec).ok()? {
                    seconds(rec.get(*col).unwrap_or(""), 0, "offset").ok()
                } else {
                    None
                }
            }
            Inner::Azure2021 {
                rdr,
                rec,
                cols,
                function,
                own_durations,
                targets,
                key,
            } => {
                while rdr.read_record(rec).ok()? {
                    if !azure2021_keep(rec, cols, function.as_deref()) {
                        continue;
                    }
                    if let Some(targets) = targets {
                        azure2021_key(rec, cols, key);
                        self.func = *targets.get(key.as_str())?;
                    }
                    if *own_durations {
                        self.given.duration =
                            seconds(rec.get(cols.duration).unwrap_or(""), 0, "").ok()?;
                    }
                    return azure2021_start(rec, cols, 0).ok();
                }
                None
            }
            Inner::Azure2019 {
                minutes,
                minute,
                pending,
                spread,
            } => {
                while pending.is_empty() {
                    let start = Time(60_000_000_000u64 * *minute as u64);
                    match minutes {
                        Minutes::Total(m) => {
                            let n = *m.get(*minute)?;
                            if n > 0
                                && let Some(a) =
                                    MinuteArrivals::new(start, SOURCE_FUNCTION, n, *spread, rng)
                            {
                                pending.push(std::cmp::Reverse(a));
                            }
                        }
                        Minutes::Each(e) => {
                            for &(row, n) in e.by_minute.get(*minute)? {
                                let func = e.targets[row as usize];
                                if let Some(a) =
                                    MinuteArrivals::new(start, func, u64::from(n), *spread, rng)
                                {
                                    pending.push(std::cmp::Reverse(a));
                                }
                            }
                        }
                    }
                    *minute += 1;
                }
                let mut top = pending.peek_mut()?;
                let a = &mut top.0;
                let (t, func) = (a.next, a.func);
                a.i += 1;
                if a.i == a.n {
                    std::collections::binary_heap::PeekMut::pop(top);
                } else {
                    a.draw(*spread, rng);
                }
                self.func = func;
                Some(t)
            }
            Inner::CloudWatch(s) => {
                let (t, given) = s.next()?;
                self.given = given;
                Some(t)
            }
            Inner::Done => None,
        }
    }
}
