//! Event source mappings (docs/model.md, "Poll sources"): Lambda polls an SQS queue or
//! a Kinesis / DynamoDB stream and invokes the function synchronously with batches.
//!
//! - SQS: messages wait in the queue; the mapping runs up to `pollers` batches at once
//!   (starting at `sqs_pollers_initial`, growing by `sqs_pollers_per_minute` while messages
//!   remain, shrinking when the queue is empty or the function throttles). A received
//!   message is invisible; after an error or a throttle it returns when its visibility
//!   timeout ends, and after `max_receive_count` receives it goes to the DLQ.
//! - Streams: records land on shards × parallelization_factor lanes, each read in order
//!   with at most one batch in flight; lanes are polled every `poll_interval`. A failed
//!   batch blocks its lane and is retried at the next poll until it succeeds, runs out of
//!   retries, or its records pass the retention.

use super::{Event, Job, Lineage, NO_REC, World};
use crate::engine::Dist;
use crate::engine::{EventQueue, RngStreams, SimRng, Time};
use crate::metrics::{AttemptOutcome, Level, Recorder, SourceReport};
use crate::model::config::Scenario;
use crate::sources::trace::Given;
use rand::RngExt;
use std::collections::VecDeque;

mod epu;
mod fifo;
mod kafka;
mod sqs;
mod stream;
use crate::model::config::{Mapping, MappingKind, QueueKind};
use crate::sources::tenants::TenantDraw;
pub(super) use epu::Ledger;
use epu::Provisioned;
use fifo::FifoRt;
use kafka::Consumers;
use sqs::queue_bounds;

/// A message or record.
#[derive(Clone, Copy, Debug)]
pub(super) struct Msg {
    arrival: Time,
    /// The chain it belongs to.
    lineage: Lineage,
    /// Its size (provisioned mode only; else 0).
    bytes: u32,
    /// Times received (saturating; `max_receive_count` is at most 1,000).
    receives: u16,
    poison: bool,
}

/// The run-time state of one event source mapping.
pub(super) struct MappingRt {
    source: u32,
    func: u32,
    kind: KindRt,
    rng: SimRng,
    /// Provisioned mode: its event pollers, throughput and EPUs.
    prov: Option<Provisioned>,
    pub(super) requests: u64,
    pub(super) batches: u64,
    pub(super) batched: u64,
    pub(super) dlq: u64,
    pub(super) expired: u64,
    pub(super) redelivered: u64,
    pub(super) max_pollers: u32,
    pub(super) age: Recorder,
    /// Messages or records waiting, sampled at each poll: sum, count, maximum.
    depth_sum: u128,
    depth_samples: u64,
    depth_max: u64,
}

enum KindRt {
    Sqs {
        visible: VecDeque<Msg>,
        /// Received messages waiting for their visibility timeout, in the order they
        /// become visible again.
        returning: VecDeque<(Time, Msg)>,
        pollers: u32,
        in_flight: u32,
        /// The end of the batching window of the batch being gathered.
        gathering: Option<Time>,
        /// Scale-up credit, in poller × interval-nanoseconds / 60 s units.
        credit: u128,
        /// After a throttle, no batch starts before this (the next poll).
        paused_until: Time,
        /// After a throttle, no scaling up before this.
        hold_until: Time,
    },
    Fifo(FifoRt),
    Stream {
        lanes: Vec<Lane>,
        /// Lanes that may hold records (a poll visits only these).
        active: Vec<u32>,
        /// A Kafka topic's consumers; `None`: a stream, a batch in flight per lane.
        consumers: Option<Consumers>,
    },
}

/// One ordered sequence of a stream: a shard, or a partition-key subset of one when
/// `parallelization_factor` > 1.
struct Lane {
    records: VecDeque<Msg>,
    /// Records of the batch in flight (the first ones of `records`); 0: none.
    in_flight: u32,
    /// Failed attempts of the current batch.
    failures: u32,
    /// Current batch cap (halved by `bisect_on_error`).
    cap: u32,
    /// Listed in `active`.
    listed: bool,
    /// Kafka: throttled or failed, the lane is not read again before this, the next poll
    /// (a stream's lanes are read at polls only).
    hold: Time,
    /// Kafka: waiting for a consumer (listed in `Consumers::waiting`).
    queued: bool,
    /// Kafka: a `BatchWindow` event is due for the lane.
    timer: bool,
}

/// A batch being invoked.
pub(super) struct BatchRt {
    mapping: u32,
    lane: u32,
    /// SQS: the messages (streams keep theirs in the lane).
    msgs: Vec<Msg>,
    n: u32,
}

impl<'s> World<'s> {
    /// Builds the mappings of the poll sources and schedules their first polls.
    pub(super) fn init_mappings(&mut self, rngs: &RngStreams, q: &mut EventQueue<Event>) {
        let sc: &'s Scenario = self.sc;
        for (si, s) in sc.sources.iter().enumerate() {
            let Some(cfg) = &s.mapping else { continue };
            let kind = match cfg.kind {
                MappingKind::Sqs {
                    queue: QueueKind::Fifo { groups },
                    ..
                } => {
                    let draw = TenantDraw::new(&groups, rngs.stream(&format!("groups/{}", s.name)));
                    let (_, cap) = queue_bounds(cfg, &self.sc.platform);
                    KindRt::Fifo(FifoRt::new(groups.count, draw, cap))
                }
                MappingKind::Sqs { .. } => KindRt::Sqs {
                    visible: VecDeque::new(),
                    returning: VecDeque::new(),
                    pollers: queue_bounds(cfg, &self.sc.platform).0,
                    in_flight: 0,
                    gathering: None,
                    credit: 0,
                    paused_until: Time::ZERO,
                    hold_until: Time::ZERO,
                },
                MappingKind::Stream {
                    shards,
                    parallelization_factor,
                    kafka,
                    ..
                } => KindRt::Stream {
                    lanes: (0..shards * parallelization_factor)
                        .map(|_| Lane {
                            records: VecDeque::new(),
                            in_flight: 0,
                            failures: 0,
                            cap: cfg.batch_size,
                            listed: false,
                            hold: Time::ZERO,
                            queued: false,
                            timer: false,
                        })
                        .collect(),
                    active: Vec::new(),
                    consumers: kafka.then(|| match &cfg.provisioned {
                        Some(p) => {
                            Consumers::new(p.min, self.sc.platform.kafka_provisioned_scale_interval)
                        }
                        None => Consumers::new(1, self.sc.platform.kafka_scale_interval),
                    }),
                },
            };
            let pollers = match &kind {
                KindRt::Sqs { pollers, .. } => *pollers,
                KindRt::Fifo(_) => 0,
                KindRt::Stream {
                    consumers: Some(c), ..
                } => c.pollers,
                KindRt::Stream { lanes, .. } => lanes.len() as u32,
            };
            // Message sizes come from a stream of their own: a mapping in provisioned mode
            // sees the same arrivals, partition keys and poison pills as in standard mode.
            let prov = cfg.provisioned.as_ref().map(|p| {
                self.provision(
                    p,
                    &cfg.kind,
                    pollers,
                    rngs.stream(&format!("bytes/{}", s.name)),
                )
            });
            let m = self.mappings.len() as u32;
            self.mappings.push(MappingRt {
                source: si as u32,
                func: s.function as u32,
                kind,
                rng: rngs.stream(&format!("mapping/{}", s.name)),
                prov,
                requests: 0,
                batches: 0,
                batched: 0,
                dlq: 0,
                expired: 0,
                redelivered: 0,
                max_pollers: pollers,
                age: Recorder::default(),
                depth_sum: 0,
                depth_samples: 0,
                depth_max: 0,
            });
            self.source_mapping[si] = m;
            self.funcs[s.function]
                .m
                .series
                .inc_by(Time::ZERO, Level::Pollers, pollers);
            q.schedule(Time::ZERO, Event::Poll { mapping: m });
        }
    }

    /// The mapping's settings; borrowed from the scenario, not from the world.
    fn mapping_cfg(&self, m: usize) -> &'s Mapping {
        let src = self.mappings[m].source as usize;
        let sc: &'s Scenario = self.sc;
        sc.sources[src]
            .mapping
            .as_ref()
            .expect("poll sources have a mapping")
    }

    /// The concurrent batches mapping `m` allows went from `old` to `new`: its `Pollers`
    /// level and its highest count.
    pub(super) fn pollers_changed(&mut self, now: Time, m: usize, old: u32, new: u32) {
        let f = self.mappings[m].func as usize;
        let mr = &mut self.mappings[m];
        mr.max_pollers = mr.max_pollers.max(new);
        if mr.prov.is_some() {
            self.provisioned_changed(now, m, new);
        }
        let s = &mut self.funcs[f].m.series;
        if new > old {
            s.inc_by(now, Level::Pollers, new - old);
        } else if old > new {
            s.dec_by(now, Level::Pollers, old - new);
        }
    }

    /// `n` messages or records of mapping `m` go to its DLQ or on-failure destination.
    pub(super) fn dead_letter(&mut self, m: usize, n: u64) {
        let f = self.mappings[m].func as usize;
        let fm = &mut self.funcs[f].m;
        fm.failed += n;
        fm.dlq += n;
        fm.series.current().dlq += n;
        self.mappings[m].dlq += n;
    }

    /// Mapping `m` reads an Amazon MQ broker (whose consumers are fixed).
    fn is_broker(&self, m: usize) -> bool {
        matches!(
            self.mapping_cfg(m).kind,
            MappingKind::Sqs {
                queue: QueueKind::Broker,
                ..
            }
        )
    }

    /// A message or record arrives at the queue or stream of mapping `m`.
    pub(super) fn on_message(
        &mut self,
        now: Time,
        m: usize,
        lineage: Lineage,
        q: &mut EventQueue<Event>,
    ) {
        let cfg = self.mapping_cfg(m);
        let rate = cfg.record_error_rate;
        let mr = &mut self.mappings[m];
        let f = mr.func as usize;
        mr.requests += 1;
        let poison = rate > 0.0 && mr.rng.random::<f64>() < rate;
        let bytes = match (&mut mr.prov, &cfg.provisioned) {
            // At most the largest message (a distribution's tail is cut there).
            (Some(p), Some(c)) => c
                .message_bytes
                .sample(&mut p.rng)
                .as_nanos()
                .min(epu::MAX_MESSAGE_BYTES) as u32,
            _ => 0,
        };
        let msg = Msg {
            arrival: now,
            lineage,
            bytes,
            receives: 0,
            poison,
        };
        let fm = &mut self.funcs[f].m;
        fm.series.advance(now);
        fm.requests += 1;
        fm.series.current().arrivals += 1;
        fm.series.inc(now, Level::Queued);
        match &mut mr.kind {
            KindRt::Sqs { visible, .. } => {
                visible.push_back(msg);
                self.sqs_pump(now, m, q);
            }
            KindRt::Fifo(_) => self.fifo_arrive(now, m, msg, q),
            KindRt::Stream {
                lanes,
                active,
                consumers,
            } => {
                // A random partition key: a random shard, and a random lane within it.
                let l = mr.rng.random_range(0..lanes.len());
                let lane = &mut lanes[l];
                lane.records.push_back(msg);
                if !lane.listed {
                    lane.listed = true;
                    active.push(l as u32);
                }
                // A Kafka consumer reads as records come (a stream waits for its poll).
                if consumers.is_some() {
                    self.stream_read(now, m, l, q);
                }
            }
        }
    }

    /// The periodic poll of mapping `m`: scales SQS pollers, reads stream lanes, drops
    /// expired records and samples the oldest age.
    pub(super) fn on_poll(&mut self, now: Time, m: usize, q: &mut EventQueue<Event>) {
        let interval = self.sc.platform.poll_interval;
        let next = now.saturating_add(interval);
        if next < self.end {
            q.schedule(next, Event::Poll { mapping: m as u32 });
        }
        let f = self.mappings[m].func as usize;
        self.funcs[f].m.series.advance(now);
        match self.mappings[m].kind {
            KindRt::Sqs { .. } => {
                self.sqs_scale(now, m, interval);
                self.sqs_pump(now, m, q);
            }
            KindRt::Fifo(_) => self.fifo_pump(now, m, q),
            KindRt::Stream { .. } => {
                self.kafka_scale(now, m, q);
                self.stream_poll(now, m, q);
            }
        }
        let age = self.oldest_age(now, m);
        let depth = self.waiting(m);
        let mr = &mut self.mappings[m];
        mr.age.record(age);
        mr.depth_sum += u128::from(depth);
        mr.depth_samples += 1;
        mr.depth_max = mr.depth_max.max(depth);
        let fm = &mut self.funcs[f].m;
        fm.oldest_age.record(age);
        let bin = fm.series.current();
        bin.age_max_ns = bin.age_max_ns.max(age.as_nanos());
    }

    /// Messages or records waiting (not in a running batch).
    fn waiting(&self, m: usize) -> u64 {
        match &self.mappings[m].kind {
            KindRt::Sqs {
                visible, returning, ..
            } => (visible.len() + returning.len()) as u64,
            KindRt::Fifo(fq) => fq.queued,
            KindRt::Stream { lanes, active, .. } => active
                .iter()
                .map(|&l| {
                    let lane = &lanes[l as usize];
                    (lane.records.len() - lane.in_flight as usize) as u64
                })
                .sum(),
        }
    }

    /// The age of the oldest message or record not yet processed (0 when there is none).
    fn oldest_age(&self, now: Time, m: usize) -> Time {
        let oldest = match &self.mappings[m].kind {
            KindRt::Sqs {
                visible, returning, ..
            } => {
                let mut t = Time::MAX;
                if let Some(x) = visible.front() {
                    t = t.min(x.arrival);
                }
                if let Some((_, x)) = returning.front() {
                    t = t.min(x.arrival);
                }
                for b in self
                    .batches
                    .iter()
                    .filter(|b| b.mapping == m as u32 && b.n > 0)
                {
                    if let Some(x) = b.msgs.first() {
                        t = t.min(x.arrival);
                    }
                }
                t
            }
            KindRt::Fifo(fq) => self
                .batches
                .iter()
                .filter(|b| b.mapping == m as u32 && b.n > 0)
                .filter_map(|b| b.msgs.first().map(|x| x.arrival))
                .fold(fq.oldest(), Time::min),
            KindRt::Stream { lanes, active, .. } => active
                .iter()
                .filter_map(|&l| lanes[l as usize].records.front().map(|x| x.arrival))
                .min()
                .unwrap_or(Time::MAX),
        };
        if oldest == Time::MAX {
            Time::ZERO
        } else {
            now.saturating_sub(oldest)
        }
    }

    fn alloc_batch(&mut self, mapping: u32, lane: u32) -> u32 {
        if let Some(b) = self.free_batches.pop() {
            let batch = &mut self.batches[b as usize];
            batch.mapping = mapping;
            batch.lane = lane;
            batch.msgs.clear();
            batch.n = 0;
            b
        } else {
            self.batches.push(BatchRt {
                mapping,
                lane,
                msgs: Vec::new(),
                n: 0,
            });
            (self.batches.len() - 1) as u32
        }
    }

    fn free_batch(&mut self, b: u32) {
        self.batches[b as usize].n = 0;
        self.free_batches.push(b);
    }

    /// The batch's records (SQS: its own copy; streams: the front of its lane).
    fn batch_records(&self, b: u32) -> (&[Msg], &[Msg]) {
        let batch = &self.batches[b as usize];
        match &self.mappings[batch.mapping as usize].kind {
            KindRt::Sqs { .. } | KindRt::Fifo(_) => (&batch.msgs, &[]),
            KindRt::Stream { lanes, .. } => {
                let (a, c) = lanes[batch.lane as usize].records.as_slices();
                let n = batch.n as usize;
                if n <= a.len() {
                    (&a[..n], &[])
                } else {
                    (a, &c[..n - a.len()])
                }
            }
        }
    }

    /// Invokes the function with batch `b` of mapping `m`, or handles the throttle;
    /// returns whether it was throttled.
    fn invoke_batch(&mut self, now: Time, m: usize, b: u32, q: &mut EventQueue<Event>) -> bool {
        let f = self.mappings[m].func as usize;
        let (per_record, report_items) = {
            let cfg = self.mapping_cfg(m);
            let items = matches!(
                cfg.kind,
                MappingKind::Sqs {
                    report_batch_item_failures: true,
                    ..
                }
            );
            (cfg.per_record.as_ref(), items)
        };
        let (oldest, poisoned, lineage) = {
            let (a, c) = self.batch_records(b);
            let oldest = a.iter().chain(c).map(|x| x.arrival).min().unwrap_or(now);
            // A batch carries on the chain of its first message or record.
            let lineage = a.first().map_or(Lineage::start(now), |x| x.lineage);
            (oldest, a.iter().chain(c).any(|x| x.poison), lineage)
        };
        let n = self.batches[b as usize].n;
        match self.acquire(now, f, crate::sources::trace::Given::NOTHING) {
            Some((env, cold)) => {
                let extra = match &per_record {
                    None => Time::ZERO,
                    Some(Dist::Constant(t)) => Time(t.as_nanos().saturating_mul(u64::from(n))),
                    Some(d) => {
                        let rng = &mut self.funcs[f].rng;
                        (0..n).fold(Time::ZERO, |acc, _| acc.saturating_add(d.sample(rng)))
                    }
                };
                let mr = &mut self.mappings[m];
                mr.batches += 1;
                mr.batched += u64::from(n);
                let c = {
                    let batch = &self.batches[b as usize];
                    match &mut mr.kind {
                        KindRt::Sqs { in_flight, .. } => {
                            *in_flight += 1;
                            0
                        }
                        KindRt::Fifo(fq) => {
                            fq.in_flight += 1;
                            0
                        }
                        KindRt::Stream { lanes, .. } => lanes[batch.lane as usize].failures,
                    }
                };
                if c > 0 {
                    // A stream batch retried after a failure (splits are not retries).
                    self.funcs[f].m.retries += 1;
                }
                let request = self.next_batch_id;
                self.next_batch_id += 1;
                let job = Job {
                    request,
                    source: self.mappings[m].source,
                    arrival: oldest,
                    rec: NO_REC,
                    attempt: 1,
                    batch: b,
                    extra,
                    poisoned: poisoned && !report_items,
                    given: Given::NOTHING,
                    lineage,
                };
                self.start(now, env, cold, job, q);
                false
            }
            None => {
                let source = self.mappings[m].source;
                let id = self.next_batch_id;
                self.next_batch_id += 1;
                self.note_throttle(now, f, id, source, oldest, 1);
                let next_poll = now.saturating_add(self.sc.platform.poll_interval);
                let hold = now.saturating_add(self.sc.platform.sqs_throttle_hold);
                match &mut self.mappings[m].kind {
                    KindRt::Sqs {
                        in_flight,
                        paused_until,
                        hold_until,
                        ..
                    } => {
                        // The whole batch returns after its visibility timeout; the mapping
                        // backs down to what it has in flight, waits for its next poll, and
                        // holds off scaling up for a while.
                        *paused_until = next_poll;
                        *hold_until = hold;
                        let in_flight = *in_flight;
                        self.sqs_return_all(now, m, b);
                        self.free_batch(b);
                        let (floor, cap) = self.sqs_bounds(m);
                        // A broker's consumers are fixed; provisioned pollers come whole
                        // (rounded down, so as not to ask again for what was refused), and
                        // never fewer than `min`.
                        if self.mappings[m].prov.is_some() {
                            let unit = self.sc.platform.sqs_invokes_per_poller;
                            self.set_pollers(now, m, (in_flight / unit * unit).max(floor));
                        } else if !self.is_broker(m) {
                            self.set_pollers(now, m, in_flight.max(2.min(cap)));
                        }
                    }
                    KindRt::Fifo(_) => {
                        self.fifo_throttled(now, m, b);
                        self.free_batch(b);
                    }
                    KindRt::Stream {
                        consumers, lanes, ..
                    } => {
                        // The lane waits for its next poll; throttles are not retries.
                        if let Some(c) = consumers {
                            c.throttled = true;
                            lanes[self.batches[b as usize].lane as usize].hold =
                                poll_after(now, self.sc.platform.poll_interval);
                        }
                        self.free_batch(b);
                    }
                }
                true
            }
        }
    }

    /// Message `x` of a batch of function `f` succeeded; `first`: the batch's first,
    /// whose chain the invocation carries on (the others' chains end here).
    fn succeed(&mut self, now: Time, f: usize, x: Msg, first: bool) {
        let ends = self.sc.pipeline.any && (!first || self.sc.functions[f].chain.emits.is_empty());
        let fm = &mut self.funcs[f].m;
        fm.succeeded += 1;
        fm.latency.record(now - x.arrival);
        if ends {
            fm.chain_ended(now.saturating_sub(x.lineage.origin));
        }
    }

    /// A batch invocation ended with `outcome`.
    pub(super) fn on_batch_done(
        &mut self,
        now: Time,
        b: u32,
        outcome: AttemptOutcome,
        q: &mut EventQueue<Event>,
    ) {
        let m = self.batches[b as usize].mapping as usize;
        let f = self.mappings[m].func as usize;
        if matches!(self.mappings[m].kind, KindRt::Fifo(_)) {
            self.fifo_done(now, m, b, outcome == AttemptOutcome::Success, q);
            return;
        }
        if matches!(self.mappings[m].kind, KindRt::Sqs { .. }) {
            let report_items = matches!(
                self.mapping_cfg(m).kind,
                MappingKind::Sqs {
                    report_batch_item_failures: true,
                    ..
                }
            );
            if outcome == AttemptOutcome::Success {
                let msgs = std::mem::take(&mut self.batches[b as usize].msgs);
                for (i, &x) in msgs.iter().enumerate() {
                    if report_items && x.poison {
                        self.sqs_fail(now, m, x);
                    } else {
                        self.succeed(now, f, x, i == 0);
                    }
                }
                self.batches[b as usize].msgs = msgs;
            } else {
                self.sqs_return_all(now, m, b);
            }
            if let KindRt::Sqs { in_flight, .. } = &mut self.mappings[m].kind {
                *in_flight -= 1;
            }
            self.free_batch(b);
            self.sqs_pump(now, m, q);
            return;
        }
        self.stream_done(now, m, b, outcome, q);
        self.kafka_next(now, m, q);
    }

    /// Messages and records not yet processed, per function (for `unfinished`).
    pub(super) fn mapping_unfinished(&self, unfinished: &mut [u64]) {
        for mr in &self.mappings {
            let n = match &mr.kind {
                KindRt::Sqs {
                    visible, returning, ..
                } => (visible.len() + returning.len()) as u64,
                KindRt::Fifo(fq) => fq.queued,
                KindRt::Stream { lanes, .. } => lanes.iter().map(|l| l.records.len() as u64).sum(),
            };
            unfinished[mr.func as usize] += n;
        }
        for b in &self.batches {
            if b.n > 0
                && matches!(
                    self.mappings[b.mapping as usize].kind,
                    KindRt::Sqs { .. } | KindRt::Fifo(_)
                )
            {
                unfinished[self.mappings[b.mapping as usize].func as usize] += b.msgs.len() as u64;
            }
        }
    }

    /// One row of `sources.csv` per source.
    pub(super) fn source_reports(&mut self) -> Vec<SourceReport> {
        let mut out: Vec<SourceReport> = self
            .sc
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| SourceReport {
                requests: self.source_requests[i],
                ..SourceReport::empty(
                    s.name.clone(),
                    s.service.name,
                    self.sc.functions[s.function].name.clone(),
                    s.mapping.is_some(),
                )
            })
            .collect();
        for mr in &mut self.mappings {
            let r = &mut out[mr.source as usize];
            r.requests = mr.requests;
            r.batches = mr.batches;
            r.batched = mr.batched;
            r.dlq = mr.dlq;
            r.expired = mr.expired;
            r.redelivered = mr.redelivered;
            r.max_pollers = mr.max_pollers;
            r.oldest_age = Some(std::mem::take(&mut mr.age).report());
            r.queue_depth_mean = if mr.depth_samples == 0 {
                0.0
            } else {
                mr.depth_sum as f64 / mr.depth_samples as f64
            };
            r.queue_depth_max = mr.depth_max;
            if let Some(p) = &mr.prov {
                r.epu_hours = p.epu_ns as f64 / 3600e9;
                let (sqs_epu_ns, kafka_epu_ns) = p.epu_ns_by_kind();
                let usage = crate::billing::Usage {
                    sqs_epu_ns,
                    kafka_epu_ns,
                    ..Default::default()
                };
                r.esm_cost_usd = crate::billing::esm_cost(&self.sc.pricing, &usage);
            }
        }
        out
    }
}

/// The first poll after `now` (polls fall on the multiples of `interval`).
pub(super) fn poll_after(now: Time, interval: Time) -> Time {
    let i = interval.as_nanos().max(1);
    Time((now.as_nanos() / i).saturating_add(1).saturating_mul(i))
}
