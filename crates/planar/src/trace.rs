//! Rings from the directed boundary of a region: walking half-edges that keep the
//! region on one side, turning as tightly as possible at every vertex, and cutting
//! walks that pass a vertex twice into rings that do not.
//!
//! The same walk serves two kinds of input. For a region of a noded planar graph
//! (the overlaps, gaps and units of the checker and the repair) the half-edges at
//! every vertex alternate in and out, so the tightest turn is unique and each walk is
//! one face cycle. For the faces of a snapped and clipped tile, walks may meet
//! vertices where they do not alternate; there the walk takes the tightest turn among
//! the half-edges not walked yet, closes at its first return to its start vertex, and
//! drops a chain that cannot close. Rings that touch themselves at a vertex come out
//! as separate rings (OGC SFA 6.1.11.1: rings are simple).

use std::cmp::Ordering;
use std::hash::Hash;

use rustc_hash::FxHashMap;

use crate::point::Point;

/// Orders directions from a common origin `o` counter-clockwise, starting east,
/// exactly (half-plane first, then orientation).
pub fn angular<P: Point>(o: P, p: P, q: P) -> Ordering {
    let upper = |t: P| t.y() > o.y() || (t.y() == o.y() && t.x() > o.x());
    match (upper(p), upper(q)) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => match P::side(o, p, q) {
            1 => Ordering::Less,
            -1 => Ordering::Greater,
            _ => Ordering::Equal,
        },
    }
}

/// Which side of its boundary half-edges a region lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// On the left (counter-clockwise shells, as GeoJSON and the model write them).
    Left,
    /// On the right (clockwise shells with y up, as MVT 2.1 writes them after its
    /// y flip).
    Right,
}

/// Where a way out lies, turning from the way back into the region: 0 inside the
/// half-turn, 1 straight on, 2 past it, 3 straight back (taken last).
fn turn<P: Point>(at: P, back: P, out: P, keep: Keep) -> u8 {
    let s = P::side(at, back, out);
    let s = if keep == Keep::Left { -s } else { s };
    match s {
        1 => 0,
        -1 => 2,
        _ => {
            // Collinear: the same direction as the way back, or the opposite one.
            let same = if back.x() != at.x() {
                (out.x() > at.x()) == (back.x() > at.x())
            } else {
                (out.y() > at.y()) == (back.y() > at.y())
            };
            if same { 3 } else { 1 }
        }
    }
}

/// Half-edges by origin: positions sorted by origin, the input order kept among
/// equal origins.
struct ByOrigin<'a, V> {
    half_edges: &'a [(V, V)],
    /// Empty when the input is already sorted by origin.
    order: Vec<u32>,
}

impl<'a, V: Copy + Ord> ByOrigin<'a, V> {
    fn new(half_edges: &'a [(V, V)]) -> Self {
        let sorted = half_edges.windows(2).all(|w| w[0].0 <= w[1].0);
        let mut order = Vec::new();
        if !sorted {
            order = (0..half_edges.len() as u32).collect();
            order.sort_by_key(|&i| half_edges[i as usize].0);
        }
        ByOrigin { half_edges, order }
    }

    fn len(&self) -> usize {
        self.half_edges.len()
    }

    fn at(&self, k: usize) -> usize {
        if self.order.is_empty() {
            k
        } else {
            self.order[k] as usize
        }
    }

    /// Positions `lo..hi` of the half-edges leaving `v`.
    fn leaving(&self, v: V) -> std::ops::Range<usize> {
        let origin = |k: usize| self.half_edges[self.at(k)].0;
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if origin(mid) < v {
                lo = mid + 1
            } else {
                hi = mid
            }
        }
        let start = lo;
        hi = self.len();
        while lo < hi {
            let mid = (lo + hi) / 2;
            if origin(mid) <= v {
                lo = mid + 1
            } else {
                hi = mid
            }
        }
        start..lo
    }

    /// Whether no two half-edges leave the same vertex.
    fn one_way_out(&self) -> bool {
        (1..self.len()).all(|k| self.half_edges[self.at(k - 1)].0 != self.half_edges[self.at(k)].0)
    }
}

/// The rings of a region from the half-edges of its boundary (`(from, to)` vertex
/// pairs, the region on the `keep` side), each as the indices of its half-edges in
/// order; no ring passes a vertex twice. Walks start at the first half-edge not
/// walked yet, in input order. `at` gives a vertex's position.
pub fn rings<V, P>(half_edges: &[(V, V)], at: impl Fn(V) -> P, keep: Keep) -> Vec<Vec<usize>>
where
    V: Copy + Ord + Hash,
    P: Point,
{
    let by_origin = ByOrigin::new(half_edges);
    // With one way out of every vertex, the walks are already simple rings.
    let simple = by_origin.one_way_out();
    let mut used = vec![false; half_edges.len()];
    let mut rings = Vec::new();
    for start in 0..half_edges.len() {
        if used[start] {
            continue;
        }
        let first = half_edges[start].0;
        let mut walk = vec![start];
        let mut cur = start;
        used[cur] = true;
        loop {
            let (from, to) = half_edges[cur];
            if to == first {
                break;
            }
            let (o, back) = (at(to), at(from));
            let next = by_origin
                .leaving(to)
                .map(|k| by_origin.at(k))
                .filter(|&h| !used[h])
                .min_by(|&i, &j| {
                    let (ti, tj) = (at(half_edges[i].1), at(half_edges[j].1));
                    let (ki, kj) = (turn(o, back, ti, keep), turn(o, back, tj, keep));
                    ki.cmp(&kj).then_with(|| {
                        // Same group: the one met first turning from the way back.
                        let s = P::side(o, ti, tj);
                        let s = if keep == Keep::Left { -s } else { s };
                        0.cmp(&s)
                    })
                });
            match next {
                Some(h) => {
                    used[h] = true;
                    walk.push(h);
                    cur = h;
                }
                // An open chain (not a closed boundary): dropped.
                None => {
                    walk.clear();
                    break;
                }
            }
        }
        if walk.len() >= 3 {
            if simple {
                rings.push(walk);
            } else {
                split_at_repeats(walk, |&h| half_edges[h].0, &mut rings);
            }
        }
    }
    rings
}

/// Cuts a closed walk into rings that pass each vertex once (`vertex` gives the
/// vertex a step starts at); each ring starts at the vertex where it closed. Rings
/// of fewer than three steps are dropped.
pub fn split_at_repeats<T, V: Eq + Hash>(
    walk: Vec<T>,
    vertex: impl Fn(&T) -> V,
    rings: &mut Vec<Vec<T>>,
) {
    let mut stack: Vec<T> = Vec::with_capacity(walk.len());
    let mut at: FxHashMap<V, usize> = FxHashMap::default();
    for step in walk {
        let v = vertex(&step);
        if let Some(&i) = at.get(&v) {
            let ring: Vec<T> = stack.drain(i..).collect();
            for u in &ring {
                at.remove(&vertex(u));
            }
            if ring.len() >= 3 {
                rings.push(ring);
            }
        }
        at.insert(v, stack.len());
        stack.push(step);
    }
    if stack.len() >= 3 {
        rings.push(stack);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::point::IntPoint;

    fn ring(points: &[(i64, i64)]) -> Vec<(IntPoint, IntPoint)> {
        let p: Vec<IntPoint> = points.iter().map(|&(x, y)| [x, y]).collect();
        (0..p.len()).map(|i| (p[i], p[(i + 1) % p.len()])).collect()
    }

    #[test]
    fn a_figure_eight_walked_as_one_ring_becomes_two() {
        // Two squares touching at (4, 4), counter-clockwise, region on the left.
        let segs = ring(&[
            (0, 0),
            (4, 0),
            (4, 4),
            (8, 4),
            (8, 8),
            (4, 8),
            (4, 4),
            (0, 4),
        ]);
        let out = rings(&segs, |p| p, Keep::Left);
        assert_eq!(out, vec![vec![0, 1, 6, 7], vec![2, 3, 4, 5]]);
    }

    #[test]
    fn keeping_the_region_on_the_right_turns_the_other_way() {
        // The same squares clockwise, region on the right.
        let segs = ring(&[
            (0, 0),
            (0, 4),
            (4, 4),
            (4, 8),
            (8, 8),
            (8, 4),
            (4, 4),
            (4, 0),
        ]);
        let out = rings(&segs, |p| p, Keep::Right);
        assert_eq!(out.len(), 2, "{out:?}");
        // With the wrong side the walk at (4, 4) goes straight through: one ring
        // that touches itself, cut at the repeat into the same two.
        assert_eq!(rings(&segs, |p| p, Keep::Left).len(), 2);
    }

    #[test]
    fn an_open_chain_is_dropped() {
        let segs = vec![([0, 0], [1, 0]), ([1, 0], [1, 1])];
        assert!(rings(&segs, |p: IntPoint| p, Keep::Left).is_empty());
    }

    #[test]
    fn a_walk_is_cut_where_it_repeats_a_vertex() {
        let mut out = Vec::new();
        split_at_repeats(vec![1, 2, 3, 1, 4, 5, 1, 6], |&v| v, &mut out);
        assert_eq!(out, vec![vec![1, 2, 3], vec![1, 4, 5]]);
        let mut out = Vec::new();
        split_at_repeats(vec![0, 1, 2, 3, 1, 4, 5], |&v| v, &mut out);
        assert_eq!(out, vec![vec![1, 2, 3], vec![0, 1, 4, 5]]);
    }

    #[test]
    fn directions_are_ordered_from_east_counter_clockwise() {
        let o: IntPoint = [0, 0];
        let mut dirs: Vec<IntPoint> = vec![[0, -1], [-1, 0], [1, 1], [1, 0], [0, 1], [1, -1]];
        dirs.sort_by(|&p, &q| angular(o, p, q));
        assert_eq!(
            dirs,
            vec![[1, 0], [1, 1], [0, 1], [-1, 0], [0, -1], [1, -1]]
        );
    }
}
