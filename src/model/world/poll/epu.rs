//! ESM provisioned mode at run time: a mapping's event pollers, the throughput they allow
//! (a credit of bytes that each batch spends and that the pollers earn back), and the
//! event poller units (EPUs) they are billed in. Each EPU is charged from its start to
//! its stop in whole seconds, and at least a minute; when the pollers shrink, the EPUs
//! started last stop first. The Kafka mappings of one poller group share their EPUs.

use super::KindRt;
use crate::billing::epu_charged;
use crate::engine::{EventQueue, SimRng, Time};
use crate::model::config::{MappingKind, Platform, ProvisionedPollers};
use crate::model::world::{Event, World};

/// A binary megabyte, as `message_bytes` counts them.
const MB: u64 = 1 << 20;
/// An SQS event poller reads up to 1 MB/s.
pub(super) const SQS_POLLER_BYTES: u64 = MB;
/// A Kafka event poller reads up to 5 MB/s; an EPU carries up to 20 MB/s.
pub(super) const KAFKA_POLLER_BYTES: u64 = 5 * MB;
pub(super) const KAFKA_EPU_BYTES: u64 = 20 * MB;
/// The largest message or record: SQS's 1 MiB (Kafka's `message.max.bytes` is about as
/// much by default).
pub(crate) const MAX_MESSAGE_BYTES: u64 = MB;
/// Nanoseconds per second: the credit is kept in bytes × 10⁹, so that a rate in bytes
/// per second times nanoseconds adds exactly.
const NS: i128 = 1_000_000_000;

/// A mapping's event pollers in provisioned mode.
pub(super) struct Provisioned {
    /// The ledger of its EPUs (`World::ledgers`).
    ledger: u32,
    /// Event pollers now.
    pub(super) pollers: u32,
    /// Pollers × nanoseconds up to `since` (a poller group's EPUs are shared out in these
    /// proportions).
    poller_ns: u128,
    since: Time,
    /// Bytes per second of one poller.
    per_poller: u64,
    /// Kafka: the bytes per second of one EPU and the pollers per EPU, which cap the
    /// throughput too.
    per_epu: Option<(u64, u32)>,
    /// Kafka: the partitions; pollers beyond them read nothing (billed all the same).
    readers: u32,
    /// Throughput credit, bytes × 10⁹; a batch may start while it is not negative, and
    /// takes it below zero by its bytes. At most one second of throughput is saved up.
    credit: i128,
    refilled: Time,
    /// A `PollerCredit` event is due then.
    wake: Option<Time>,
    /// A batch waited for throughput since the last scaling decision.
    pub(super) starved: bool,
    /// When pollers were last added (none are given back for a cooldown after).
    last_up: Time,
    /// The sizes of its messages or records.
    pub(super) rng: SimRng,
    /// Charged EPU-nanoseconds, its share of its ledger's (set at the end of the run).
    pub(super) epu_ns: u128,
}

/// The EPUs of one mapping, or of the mappings of one Kafka poller group.
pub(in crate::model::world) struct Ledger {
    /// The poller group's name (`None`: a mapping of its own).
    group: Option<String>,
    /// Pollers per EPU.
    per_epu: u32,
    /// The pollers of its mappings now.
    pollers: u32,
    /// When each EPU now running started, oldest first.
    live: Vec<Time>,
    /// Charged EPU-nanoseconds of the EPUs stopped so far.
    charged: u128,
    /// Its mappings.
    members: u32,
    /// The sum of its mappings' `max` pollers.
    most_pollers: u64,
}

impl Ledger {
    /// The pollers of its mappings are now `pollers`: EPUs start or stop.
    fn set(&mut self, now: Time, pollers: u32) {
        self.pollers = pollers;
        let want = pollers.div_ceil(self.per_epu) as usize;
        while self.live.len() < want {
            self.live.push(now);
        }
        while self.live.len() > want {
            let start = self.live.pop().expect("more EPUs than wanted");
            self.charged += u128::from(epu_charged(now - start).as_nanos());
        }
    }

    /// The end of the run stops every EPU.
    fn close(&mut self, end: Time) {
        for start in self.live.drain(..) {
            self.charged += u128::from(epu_charged(end - start).as_nanos());
        }
    }
}

impl Provisioned {
    /// Its charged EPU-nanoseconds as (SQS, Kafka).
    pub(super) fn epu_ns_by_kind(&self) -> (u128, u128) {
        match self.per_epu {
            None => (self.epu_ns, 0),
            Some(_) => (0, self.epu_ns),
        }
    }

    /// Bytes per second the pollers read.
    fn rate(&self) -> u64 {
        let pollers = u64::from(self.pollers.min(self.readers));
        let by_pollers = pollers * self.per_poller;
        match self.per_epu {
            Some((bytes, per_epu)) => by_pollers.min(pollers.div_ceil(u64::from(per_epu)) * bytes),
            None => by_pollers,
        }
    }

    /// Earns the credit of the time since the last refill.
    fn refill(&mut self, now: Time) {
        let rate = i128::from(self.rate());
        let earned = rate * i128::from(now.saturating_sub(self.refilled).as_nanos());
        self.credit = self.credit.saturating_add(earned).min(rate * NS);
        self.refilled = now;
    }

    /// When the credit, negative, is back to zero.
    fn back_at(&self, now: Time) -> Time {
        let rate = i128::from(self.rate()).max(1);
        let wait = (-self.credit + rate - 1) / rate;
        now.saturating_add(Time(u64::try_from(wait).unwrap_or(u64::MAX)))
    }

    /// The event pollers of `slots` concurrent batches of mapping `kind`.
    fn pollers_of(kind: &MappingKind, slots: u32, platform: &Platform) -> u32 {
        match kind {
            MappingKind::Sqs { .. } => slots / platform.sqs_invokes_per_poller.max(1),
            MappingKind::Stream { .. } => slots,
        }
    }
}

impl World<'_> {
    /// The provisioned mode of mapping `m` (`p`), starting with `slots` concurrent
    /// batches: its ledger, found by poller group or new, and its first EPUs.
    pub(super) fn provision(
        &mut self,
        p: &ProvisionedPollers,
        kind: &MappingKind,
        slots: u32,
        rng: SimRng,
    ) -> Provisioned {
        let platform = &self.sc.platform;
        let pollers = Provisioned::pollers_of(kind, slots, platform);
        let kafka_per_epu = platform.kafka_pollers_per_epu;
        let (per_poller, per_epu, pollers_per_epu, readers) = match *kind {
            MappingKind::Sqs { .. } => (SQS_POLLER_BYTES, None, 1, u32::MAX),
            MappingKind::Stream {
                shards,
                parallelization_factor,
                ..
            } => (
                KAFKA_POLLER_BYTES,
                Some((KAFKA_EPU_BYTES, kafka_per_epu)),
                kafka_per_epu,
                shards.saturating_mul(parallelization_factor),
            ),
        };
        let found = p.group.as_ref().and_then(|g| {
            self.ledgers
                .iter()
                .position(|l| l.group.as_ref() == Some(g))
        });
        let ledger = found.unwrap_or_else(|| {
            self.ledgers.push(Ledger {
                group: p.group.clone(),
                per_epu: pollers_per_epu,
                pollers: 0,
                live: Vec::new(),
                charged: 0,
                members: 0,
                most_pollers: 0,
            });
            self.ledgers.len() - 1
        });
        let l = &mut self.ledgers[ledger];
        l.members += 1;
        // Room for the most EPUs its mappings may run, so that scaling never allocates.
        l.most_pollers += u64::from(p.max);
        let most = l.most_pollers.div_ceil(u64::from(pollers_per_epu)) as usize;
        l.live.reserve(most.saturating_sub(l.live.len()));
        l.set(Time::ZERO, l.pollers + pollers);
        let mut prov = Provisioned {
            ledger: ledger as u32,
            pollers,
            poller_ns: 0,
            since: Time::ZERO,
            per_poller,
            per_epu,
            readers,
            credit: 0,
            refilled: Time::ZERO,
            wake: None,
            starved: false,
            last_up: Time::ZERO,
            rng,
            epu_ns: 0,
        };
        prov.credit = i128::from(prov.rate()) * NS;
        prov
    }

    /// The concurrent batches of mapping `m` are now `slots`: its event pollers, its
    /// ledger's EPUs and its throughput follow.
    pub(super) fn provisioned_changed(&mut self, now: Time, m: usize, slots: u32) {
        let new = Provisioned::pollers_of(&self.mapping_cfg(m).kind, slots, &self.sc.platform);
        let Some(p) = &mut self.mappings[m].prov else {
            return;
        };
        p.refill(now);
        p.poller_ns += u128::from(p.pollers) * u128::from((now - p.since).as_nanos());
        p.since = now;
        let old = std::mem::replace(&mut p.pollers, new);
        if new > old {
            p.last_up = now;
        }
        let l = &mut self.ledgers[p.ledger as usize];
        l.set(now, l.pollers - old + new);
    }

    /// Whether mapping `m` may start a batch of `bytes` now: it spends its throughput
    /// credit, or (none left) it waits for a `PollerCredit` event.
    pub(super) fn poller_credit(
        &mut self,
        now: Time,
        m: usize,
        bytes: u64,
        q: &mut EventQueue<Event>,
    ) -> bool {
        let end = self.end;
        let Some(p) = &mut self.mappings[m].prov else {
            return true;
        };
        p.refill(now);
        if p.credit < 0 {
            p.starved = true;
            let t = p.back_at(now);
            if t < end && p.wake.is_none_or(|w| w > t) {
                p.wake = Some(t);
                q.schedule(t, Event::PollerCredit { mapping: m as u32 });
            }
            return false;
        }
        p.credit -= i128::from(bytes) * NS;
        true
    }

    /// Whether mapping `m`'s pollers were short of throughput since the last scaling
    /// decision (which this one is: the flag is cleared).
    pub(super) fn take_starved(&mut self, m: usize) -> bool {
        self.mappings[m]
            .prov
            .as_mut()
            .is_some_and(|p| std::mem::take(&mut p.starved))
    }

    /// Mapping `m` is in provisioned mode and added pollers less than
    /// `provisioned_scale_in_cooldown` ago: it keeps them.
    pub(super) fn cooling_down(&self, now: Time, m: usize) -> bool {
        let cooldown = self.sc.platform.provisioned_scale_in_cooldown;
        self.mappings[m]
            .prov
            .as_ref()
            .is_some_and(|p| now < p.last_up.saturating_add(cooldown))
    }

    /// Mapping `m` has earned credit again: its waiting batches start.
    pub(in crate::model::world) fn on_poller_credit(
        &mut self,
        now: Time,
        m: usize,
        q: &mut EventQueue<Event>,
    ) {
        if let Some(p) = &mut self.mappings[m].prov
            && p.wake == Some(now)
        {
            p.wake = None;
        }
        let f = self.mappings[m].func as usize;
        self.funcs[f].m.series.advance(now);
        match self.mappings[m].kind {
            KindRt::Stream { .. } => self.kafka_next(now, m, q),
            _ => self.sqs_pump(now, m, q),
        }
    }

    /// The end of the run stops every EPU; each mapping's share of its ledger's charge.
    pub(in crate::model::world) fn close_epus(&mut self, end: Time) {
        for l in &mut self.ledgers {
            l.close(end);
        }
        let mut group_ns = vec![0u128; self.ledgers.len()];
        for mr in &mut self.mappings {
            if let Some(p) = &mut mr.prov {
                p.poller_ns += u128::from(p.pollers) * u128::from((end - p.since).as_nanos());
                p.since = end;
                group_ns[p.ledger as usize] += p.poller_ns;
            }
        }
        for mr in &mut self.mappings {
            if let Some(p) = &mut mr.prov {
                let l = &self.ledgers[p.ledger as usize];
                let all = group_ns[p.ledger as usize];
                p.epu_ns = if l.members == 1 || all == 0 {
                    l.charged / u128::from(l.members)
                } else {
                    // A group's EPUs, shared in proportion to each mapping's poller-time.
                    (l.charged as f64 * (p.poller_ns as f64 / all as f64)).round() as u128
                };
            }
        }
    }

    /// Charged EPU-nanoseconds of function `f`'s SQS mappings and Kafka mappings.
    pub(in crate::model::world) fn epu_ns(&self, f: usize) -> (u128, u128) {
        let mut out = (0, 0);
        let own = self.mappings.iter().filter(|mr| mr.func as usize == f);
        for p in own.filter_map(|mr| mr.prov.as_ref()) {
            let (sqs, kafka) = p.epu_ns_by_kind();
            out = (out.0 + sqs, out.1 + kafka);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(per_epu: u32) -> Ledger {
        Ledger {
            group: None,
            per_epu,
            pollers: 0,
            live: Vec::new(),
            charged: 0,
            members: 1,
            most_pollers: 0,
        }
    }

    #[test]
    fn each_epu_is_charged_whole_seconds_and_at_least_a_minute() {
        let s = Time::from_secs;
        let mut l = ledger(1);
        l.set(Time::ZERO, 2);
        // A third EPU for 10.2 s: charged a minute; then a fourth for 90.5 s: 91 s.
        l.set(s(100), 3);
        l.set(Time(110_200_000_000), 2);
        l.set(s(200), 3);
        l.set(Time(290_500_000_000), 2);
        assert_eq!(l.charged, u128::from(s(60 + 91).as_nanos()));
        // A third again from 3,000 s; at the end the three stop: 2 × 3,600 s + 600 s.
        l.set(s(3000), 3);
        l.close(s(3600));
        assert_eq!(
            l.charged,
            u128::from(s(60 + 91 + 2 * 3600 + 600).as_nanos())
        );
        assert!(l.live.is_empty());
    }

    #[test]
    fn kafka_pollers_share_their_epus() {
        let mut l = ledger(10);
        l.set(Time::ZERO, 1);
        assert_eq!(l.live.len(), 1);
        l.set(Time::ZERO, 10);
        assert_eq!(l.live.len(), 1);
        l.set(Time::ZERO, 11);
        assert_eq!(l.live.len(), 2);
        l.set(Time::from_secs(30), 10);
        // The second EPU ran 30 s: a minute charged.
        assert_eq!(l.charged, u128::from(Time::from_secs(60).as_nanos()));
    }

    fn provisioned(pollers: u32, per_poller: u64, per_epu: Option<(u64, u32)>) -> Provisioned {
        Provisioned {
            ledger: 0,
            pollers,
            poller_ns: 0,
            since: Time::ZERO,
            per_poller,
            per_epu,
            readers: u32::MAX,
            credit: 0,
            refilled: Time::ZERO,
            wake: None,
            starved: false,
            last_up: Time::ZERO,
            rng: crate::engine::RngStreams::new(1).stream("t"),
            epu_ns: 0,
        }
    }

    #[test]
    fn kafka_throughput_is_capped_by_pollers_and_by_epus() {
        let kafka = |n| provisioned(n, KAFKA_POLLER_BYTES, Some((KAFKA_EPU_BYTES, 10))).rate();
        assert_eq!(kafka(1), 5 * MB);
        assert_eq!(kafka(4), 20 * MB);
        // Ten pollers in one EPU: the EPU's 20 MB/s.
        assert_eq!(kafka(10), 20 * MB);
        assert_eq!(kafka(11), 40 * MB);
        assert_eq!(kafka(40), 80 * MB);
        assert_eq!(provisioned(3, SQS_POLLER_BYTES, None).rate(), 3 * MB);
    }

    #[test]
    fn the_credit_comes_back_at_the_pollers_rate_and_saves_up_a_second() {
        // 2 pollers of 1 MB/s: 2 MB/s.
        let mut p = provisioned(2, MB, None);
        p.credit = -i128::from(3 * MB) * NS;
        assert_eq!(p.back_at(Time::ZERO), Time::from_millis(1500));
        p.refill(Time::from_millis(1500));
        assert_eq!(p.credit, 0);
        // Idle for 10 s: only a second's worth saved.
        p.refill(Time::from_millis(11_500));
        assert_eq!(p.credit, i128::from(2 * MB) * NS);
    }
}
