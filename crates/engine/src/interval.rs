//! Half-open intervals of instants and sorted sets of them.
//!
//! An [`IntervalSet`] is always normalized: intervals are non-empty, sorted, and neither overlap
//! nor touch. That invariant is what makes union, intersection and difference single linear
//! merges, and what lets callers read "the free intervals" straight off the set.

use crate::instant::Instant;

/// `[start, end)`: contains `start`, not `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start: Instant,
    pub end: Instant,
}

impl Interval {
    pub fn new(start: Instant, end: Instant) -> Interval {
        Interval { start, end }
    }

    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The part of `self` inside `bounds` (empty when they do not meet).
    pub fn clip_to(&self, bounds: Interval) -> Interval {
        Interval {
            start: self.start.max(bounds.start),
            end: self.end.min(bounds.end),
        }
    }

    pub fn contains_interval(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// A normalized set of intervals (sorted, disjoint, not touching, none empty).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntervalSet {
    items: Vec<Interval>,
}

impl IntervalSet {
    pub fn new() -> IntervalSet {
        IntervalSet::default()
    }

    /// Normalizes any list of intervals: empty ones are dropped, overlapping or touching ones
    /// merged. Linear when the input is already sorted by start.
    pub fn from_intervals(mut items: Vec<Interval>) -> IntervalSet {
        normalize(&mut items);
        IntervalSet { items }
    }

    pub fn as_slice(&self) -> &[Interval] {
        &self.items
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn first(&self) -> Option<&Interval> {
        self.items.first()
    }

    pub fn union(&self, other: &IntervalSet) -> IntervalSet {
        let mut all = Vec::with_capacity(self.items.len() + other.items.len());
        let (mut a, mut b) = (self.items.iter().peekable(), other.items.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.start <= y.start => a.next(),
                (Some(_), Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => break,
            };
            all.extend(next.copied());
        }
        IntervalSet::from_intervals(all)
    }

    pub fn intersection(&self, other: &IntervalSet) -> IntervalSet {
        let mut items = Vec::new();
        intersection_into(&self.items, &other.items, &mut items);
        IntervalSet { items }
    }

    /// `self` minus every point of `other`.
    pub fn difference(&self, other: &IntervalSet) -> IntervalSet {
        let mut items = Vec::with_capacity(self.items.len());
        difference_into(&self.items, &other.items, &mut items);
        IntervalSet { items }
    }

    /// Keeps only the parts inside `bounds`.
    pub fn clip(mut self, bounds: Interval) -> IntervalSet {
        clip(&mut self.items, bounds);
        self
    }

    /// Whether one interval of the set contains all of `probe`.
    pub fn covers(&self, probe: Interval) -> bool {
        covers(&self.items, probe)
    }
}

// The operations on plain lists, so that the slot computation can run them in buffers it keeps
// between calls. "Normalized" lists are what an `IntervalSet` holds.

/// Makes a list normalized in place: empty intervals dropped, sorted by start (a linear check
/// when it already is), overlapping or touching ones merged.
pub fn normalize(items: &mut Vec<Interval>) {
    if !items.is_sorted_by_key(|i| i.start) {
        items.sort_unstable_by_key(|i| i.start);
    }
    // `open` is the merged interval being grown; `kept` intervals before it are final.
    let mut kept = 0;
    let mut open: Option<Interval> = None;
    for n in 0..items.len() {
        let item = items[n];
        if item.is_empty() {
            continue;
        }
        match &mut open {
            Some(last) if item.start <= last.end => last.end = last.end.max(item.end),
            _ => {
                if let Some(done) = open.replace(item) {
                    items[kept] = done;
                    kept += 1;
                }
            }
        }
    }
    if let Some(done) = open {
        items[kept] = done;
        kept += 1;
    }
    items.truncate(kept);
}

/// Whether a list is normalized already (then [`normalize`] would leave it as it is): a
/// read-only pass, cheaper than normalizing a copy.
pub fn is_normalized(items: &[Interval]) -> bool {
    items.iter().all(|i| !i.is_empty()) && items.windows(2).all(|w| w[0].end < w[1].start)
}

/// Appends `a ∩ b` of two normalized lists to `out`.
pub fn intersection_into(a: &[Interval], b: &[Interval], out: &mut Vec<Interval>) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let start = a[i].start.max(b[j].start);
        let end = a[i].end.min(b[j].end);
        if start < end {
            out.push(Interval { start, end });
        }
        if a[i].end <= b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
}

/// Appends `items` minus every point of `cut` (both normalized) to `out`.
pub fn difference_into(items: &[Interval], cut: &[Interval], out: &mut Vec<Interval>) {
    let mut j = 0;
    for item in items {
        let mut start = item.start;
        while j < cut.len() && cut[j].end <= start {
            j += 1;
        }
        let mut k = j;
        while k < cut.len() && cut[k].start < item.end {
            if cut[k].start > start {
                out.push(Interval {
                    start,
                    end: cut[k].start,
                });
            }
            start = start.max(cut[k].end);
            if start >= item.end {
                break;
            }
            k += 1;
        }
        if start < item.end {
            out.push(Interval {
                start,
                end: item.end,
            });
        }
    }
}

/// Keeps only the parts of a normalized list inside `bounds`.
pub fn clip(items: &mut Vec<Interval>, bounds: Interval) {
    items.retain_mut(|i| {
        i.start = i.start.max(bounds.start);
        i.end = i.end.min(bounds.end);
        !i.is_empty()
    });
}

/// Whether one interval of a normalized list contains all of `probe`.
pub fn covers(items: &[Interval], probe: Interval) -> bool {
    let idx = items.partition_point(|i| i.end < probe.end);
    items.get(idx).is_some_and(|i| i.contains_interval(&probe))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(pairs: &[(i64, i64)]) -> IntervalSet {
        IntervalSet::from_intervals(
            pairs
                .iter()
                .map(|&(s, e)| Interval::new(Instant(s), Instant(e)))
                .collect(),
        )
    }

    fn pairs(s: &IntervalSet) -> Vec<(i64, i64)> {
        s.as_slice().iter().map(|i| (i.start.0, i.end.0)).collect()
    }

    #[test]
    fn merges_overlapping_and_touching() {
        assert_eq!(
            pairs(&set(&[(5, 7), (1, 3), (3, 4), (6, 9), (10, 10)])),
            [(1, 4), (5, 9)]
        );
    }

    #[test]
    fn difference_cuts_at_every_edge() {
        let hours = set(&[(0, 10), (20, 30)]);
        assert_eq!(
            pairs(&hours.difference(&set(&[(0, 2)]))),
            [(2, 10), (20, 30)]
        );
        assert_eq!(
            pairs(&hours.difference(&set(&[(4, 6)]))),
            [(0, 4), (6, 10), (20, 30)]
        );
        assert_eq!(
            pairs(&hours.difference(&set(&[(8, 22)]))),
            [(0, 8), (22, 30)]
        );
        assert_eq!(
            pairs(&hours.difference(&set(&[(-5, 35)]))),
            Vec::<(i64, i64)>::new()
        );
        assert_eq!(
            pairs(&hours.difference(&set(&[(10, 20)]))),
            [(0, 10), (20, 30)]
        );
    }

    #[test]
    fn covers_needs_one_interval() {
        let s = set(&[(0, 10), (11, 20)]);
        let probe = |a, b| Interval::new(Instant(a), Instant(b));
        assert!(s.covers(probe(0, 10)));
        assert!(s.covers(probe(12, 13)));
        assert!(!s.covers(probe(9, 12)));
        assert!(!s.covers(probe(20, 21)));
    }

    fn arb_set() -> impl Strategy<Value = IntervalSet> {
        prop::collection::vec((0i64..200, 1i64..30), 0..12)
            .prop_map(|v| set(&v.iter().map(|&(s, l)| (s, s + l)).collect::<Vec<_>>()))
    }

    fn member(s: &IntervalSet, t: i64) -> bool {
        s.as_slice().iter().any(|i| i.start.0 <= t && t < i.end.0)
    }

    fn normalized(s: &IntervalSet) -> bool {
        s.as_slice().iter().all(|i| !i.is_empty())
            && s.as_slice().windows(2).all(|w| w[0].end < w[1].start)
    }

    proptest! {
        #[test]
        fn operations_agree_with_pointwise_sets(a in arb_set(), b in arb_set()) {
            let (u, n, d) = (a.union(&b), a.intersection(&b), a.difference(&b));
            prop_assert!(normalized(&u) && normalized(&n) && normalized(&d));
            for t in -1..235 {
                let (x, y) = (member(&a, t), member(&b, t));
                prop_assert_eq!(member(&u, t), x || y);
                prop_assert_eq!(member(&n, t), x && y);
                prop_assert_eq!(member(&d, t), x && !y);
            }
        }
    }
}
