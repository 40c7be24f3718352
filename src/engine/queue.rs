//! The event queue: a binary heap keyed by (time, insertion sequence), so that events due
//! at the same instant run in the order they were scheduled.

use super::Time;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// An event and its key (time, insertion sequence).
struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// The key as one integer, so that comparing is branch-free (the entry itself stays
    /// 8-byte aligned: smaller than storing a u128).
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.time) << 64) | u128::from(self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so the max-heap pops the earliest (time, seq) first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// Pending events, popped in (time, insertion order).
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(64),
            seq: 0,
        }
    }

    /// Schedules `event` at `time`. Events at equal times keep their insertion order.
    #[inline]
    pub fn schedule(&mut self, time: Time, event: E) {
        let seq = self.seq;
        self.seq += 1;
        self.heap.push(Entry {
            time: time.as_nanos(),
            seq,
            event,
        });
    }

    /// Removes and returns the earliest event if it is due strictly before `until`.
    #[inline]
    pub fn pop_before(&mut self, until: Time) -> Option<(Time, E)> {
        if self.heap.peek()?.time >= until.as_nanos() {
            return None;
        }
        self.heap.pop().map(|e| (Time(e.time), e.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}
