//! Routing of Managed Instances: the ready environments of a function in an indexed
//! min-heap by requests in progress, so that the least-loaded one is found in O(1) and
//! kept in order in O(log n) as its requests start and end.

/// `heap_pos` of an environment that is not in the heap.
pub(super) const OUT: u32 = u32::MAX;

/// A min-heap of (requests in progress, environment) with each environment's position
/// kept in `pos` (indexed by environment slot), so that any one can move.
#[derive(Debug, Default)]
pub(super) struct Routing {
    heap: Vec<(u32, u32)>,
}

impl Routing {
    /// The least-loaded environment and its load (the lowest slot of equals).
    #[inline]
    pub(super) fn least(&self) -> Option<(u32, u32)> {
        self.heap.first().map(|&(load, e)| (e, load))
    }

    /// Adds environment `e` with `load` requests.
    pub(super) fn insert(&mut self, pos: &mut [u32], e: u32, load: u32) {
        debug_assert_eq!(pos[e as usize], OUT);
        self.heap.push((load, e));
        let i = self.heap.len() - 1;
        pos[e as usize] = i as u32;
        self.up(pos, i);
    }

    /// Takes environment `e` out.
    pub(super) fn remove(&mut self, pos: &mut [u32], e: u32) {
        let i = pos[e as usize];
        if i == OUT {
            return;
        }
        let i = i as usize;
        let last = self.heap.len() - 1;
        self.heap.swap(i, last);
        pos[self.heap[i].1 as usize] = i as u32;
        self.heap.pop();
        pos[e as usize] = OUT;
        if i < self.heap.len() {
            self.down(pos, i);
            self.up(pos, i);
        }
    }

    /// Environment `e` (in the heap) now has `load` requests.
    #[inline]
    pub(super) fn set(&mut self, pos: &mut [u32], e: u32, load: u32) {
        let i = pos[e as usize];
        if i == OUT {
            return;
        }
        let i = i as usize;
        let old = self.heap[i].0;
        self.heap[i].0 = load;
        if load > old {
            self.down(pos, i);
        } else {
            self.up(pos, i);
        }
    }

    fn up(&mut self, pos: &mut [u32], mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[i] >= self.heap[parent] {
                break;
            }
            self.swap(pos, i, parent);
            i = parent;
        }
    }

    fn down(&mut self, pos: &mut [u32], mut i: usize) {
        let n = self.heap.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut m = i;
            if l < n && self.heap[l] < self.heap[m] {
                m = l;
            }
            if r < n && self.heap[r] < self.heap[m] {
                m = r;
            }
            if m == i {
                break;
            }
            self.swap(pos, i, m);
            i = m;
        }
    }

    #[inline]
    fn swap(&mut self, pos: &mut [u32], i: usize, j: usize) {
        self.heap.swap(i, j);
        pos[self.heap[i].1 as usize] = i as u32;
        pos[self.heap[j].1 as usize] = j as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_loaded_environment_comes_first_and_follows_its_load() {
        let mut pos = vec![OUT; 8];
        let mut r = Routing::default();
        for (e, load) in [(3, 5), (1, 2), (6, 2), (0, 9)] {
            r.insert(&mut pos, e, load);
        }
        // Equal loads: the lowest slot.
        assert_eq!(r.least(), Some((1, 2)));
        r.set(&mut pos, 1, 3);
        assert_eq!(r.least(), Some((6, 2)));
        r.set(&mut pos, 0, 0);
        assert_eq!(r.least(), Some((0, 0)));
        r.remove(&mut pos, 0);
        assert_eq!(pos[0], OUT);
        assert_eq!(r.least(), Some((6, 2)));
        // Removing one that is not there changes nothing.
        r.remove(&mut pos, 0);
        r.remove(&mut pos, 6);
        r.remove(&mut pos, 1);
        assert_eq!(r.least(), Some((3, 5)));
        r.remove(&mut pos, 3);
        assert_eq!(r.least(), None);
    }

    #[test]
    fn the_heap_matches_a_linear_scan_through_random_changes() {
        use rand::RngExt;
        let mut rng = crate::engine::RngStreams::new(9).stream("routing");
        let n = 40;
        let mut pos = vec![OUT; n];
        let mut load: Vec<Option<u32>> = vec![None; n];
        let mut r = Routing::default();
        for _ in 0..20_000 {
            let e = rng.random_range(0..n as u32);
            match (load[e as usize], rng.random_range(0..4)) {
                (None, _) => {
                    let l = rng.random_range(0..10);
                    r.insert(&mut pos, e, l);
                    load[e as usize] = Some(l);
                }
                (Some(_), 0) => {
                    r.remove(&mut pos, e);
                    load[e as usize] = None;
                }
                (Some(l), _) => {
                    let l = if rng.random::<bool>() {
                        l + 1
                    } else {
                        l.saturating_sub(1)
                    };
                    r.set(&mut pos, e, l);
                    load[e as usize] = Some(l);
                }
            }
            let scan = load
                .iter()
                .enumerate()
                .filter_map(|(e, l)| l.map(|l| (l, e as u32)))
                .min()
                .map(|(l, e)| (e, l));
            assert_eq!(r.least(), scan);
        }
    }
}
