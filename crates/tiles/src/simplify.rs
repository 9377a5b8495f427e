//! One zoom's version of a layer's edges: rounded to the zoom's grid and simplified,
//! each shared edge once, so the faces on both sides still fit together.
//!
//! Three steps, all on whole edges (a boundary two faces share is one edge, so
//! both faces get the same result):
//! 1. **Snap rounding** of every vertex to the zoom's global grid (see
//!    [`crate::snap`]): tiny features collapse instead of crossing.
//! 2. **Douglas-Peucker** per edge with the tolerance in grid units, end nodes
//!    fixed.
//! 3. **Repair**: a simplified segment that touches or crosses another segment,
//!    or that jumped over a vertex (a vertex now lies between the segment and the
//!    chain it replaced), gets back the farthest vertex it dropped; repeat until
//!    nothing conflicts. The result never has two edges crossing, so faces stay
//!    a coverage; a face may collapse to nothing when all its edges come to lie
//!    on top of each other.
//!
//! All geometric tests after step 1 are exact integer arithmetic.

use rayon::prelude::*;

use citygrid_planar::{Buckets, IntPoint, Point, on_segment};

use crate::grid::{at, sized};
use crate::snap::{HotPixels, Pt, Snapper, pixel_of};

/// Input coordinates are rounded to 1/`FINE` of a grid unit before snapping.
const FINE: i64 = 256;

/// A layer's edges at one zoom, in that zoom's global grid units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoomEdges {
    offsets: Vec<u32>,
    points: Vec<[i32; 2]>,
}

impl ZoomEdges {
    /// The polyline of one edge (one point when it collapsed entirely).
    #[must_use]
    pub fn edge(&self, e: usize) -> &[[i32; 2]] {
        &self.points[self.offsets[e] as usize..self.offsets[e + 1] as usize]
    }

    /// Number of edges.
    #[must_use]
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True when there are no edges.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Vertices over all edges.
    #[must_use]
    pub fn vertex_count(&self) -> usize {
        self.points.len()
    }
}

/// Rounds and simplifies edges given in global units (floats) of one zoom.
#[must_use]
pub fn simplify_edges(edges: &[Vec<[f64; 2]>], tolerance: f64) -> ZoomEdges {
    let snapped = snap_all(edges);
    let kept = constrained_dp(&snapped, tolerance);
    let lines: Vec<Vec<Pt>> = snapped
        .par_iter()
        .zip(&kept)
        .map(|(line, keep)| keep.iter().map(|&i| line[i as usize]).collect())
        .collect();
    let lines = stabilise(lines);
    let mut offsets = Vec::with_capacity(lines.len() + 1);
    offsets.push(0);
    for line in &lines {
        offsets.push(offsets[offsets.len() - 1] + line.len() as u32);
    }
    let points = lines
        .par_iter()
        .flat_map_iter(|line| line.iter().map(|p| [p[0] as i32, p[1] as i32]))
        .collect();
    ZoomEdges { offsets, points }
}

impl ZoomEdges {
    /// The next zoom out: these edges at half the scale, rounded and simplified
    /// again. Cheaper than starting from full detail (the edges already lost
    /// what this zoom would drop) and never further from it than twice the
    /// tolerance plus a unit.
    #[must_use]
    pub fn coarser(&self, tolerance: f64) -> ZoomEdges {
        let halved: Vec<Vec<[f64; 2]>> = (0..self.len())
            .into_par_iter()
            .map(|e| {
                self.edge(e)
                    .iter()
                    .map(|p| [f64::from(p[0]) / 2.0, f64::from(p[1]) / 2.0])
                    .collect()
            })
            .collect();
        simplify_edges(&halved, tolerance)
    }
}

/// Snap rounding until nothing moves (iterated snap rounding): afterwards no
/// segment passes through the pixel of a vertex it does not end at, so a tile
/// only has to snap the segments near its border to the border's new hot pixels.
///
/// Snapping only routes a line through the centres of hot pixels, which are
/// vertices already, so the hot pixels never change: they are filed once, and
/// after the first pass only the lines that moved are looked at again.
fn stabilise(mut lines: Vec<Vec<Pt>>) -> Vec<Vec<Pt>> {
    let pixels: Vec<Pt> = lines
        .par_iter()
        .flat_map_iter(|l| l.iter().copied())
        .collect();
    let spacing = mean_step(&lines, |a, b| {
        ((b[0] - a[0]).abs() + (b[1] - a[1]).abs()) as f64
    });
    let hot = HotPixels::new(2, pixels, spacing);
    let mut moving: Vec<usize> = (0..lines.len()).collect();
    while !moving.is_empty() {
        // Usually nothing moves: find that out without building new lines.
        let moved: Vec<(usize, Vec<Pt>)> = moving
            .par_iter()
            .map_init(
                || Snapper::new(&hot),
                |snap, &i| {
                    let line = &lines[i];
                    let doubled = |p: &Pt| [p[0] * 2, p[1] * 2];
                    let bends = line
                        .windows(2)
                        .any(|w| snap.would_bend(doubled(&w[0]), doubled(&w[1])));
                    bends.then(|| {
                        let d: Vec<Pt> = line.iter().map(doubled).collect();
                        (i, snap.snap_polyline(&d))
                    })
                },
            )
            .flatten()
            .collect();
        moving = moved.iter().map(|(i, _)| *i).collect();
        for (i, line) in moved {
            lines[i] = line;
        }
    }
    lines
}

/// Step 1: every vertex's pixel is hot; every edge passes through the hot pixels
/// it meets. Consecutive repeats are dropped.
fn snap_all(edges: &[Vec<[f64; 2]>]) -> Vec<Vec<Pt>> {
    let fine: Vec<Vec<Pt>> = edges
        .par_iter()
        .map(|e| {
            e.iter()
                .map(|p| {
                    [
                        (p[0] * FINE as f64).round() as i64,
                        (p[1] * FINE as f64).round() as i64,
                    ]
                })
                .collect()
        })
        .collect();
    // Buckets about as wide as an average segment: a segment then looks in a few
    // buckets, each holding a few hot pixels, at any zoom.
    let spacing = mean_step(edges, |a, b| (b[0] - a[0]).abs() + (b[1] - a[1]).abs());
    let pixels: Vec<Pt> = fine
        .par_iter()
        .flat_map_iter(|line| line.iter().map(|&p| pixel_of(p, FINE)))
        .collect();
    let hot = HotPixels::new(FINE, pixels, spacing);
    fine.par_iter()
        .map_init(|| Snapper::new(&hot), |snap, line| snap.snap_polyline(line))
        .collect()
}

/// The mean length of the segments of some lines (`step` measures one), which
/// sizes the buckets hot pixels are filed in; 0 for no segments.
fn mean_step<T: Sync>(lines: &[Vec<T>], step: impl Fn(&T, &T) -> f64 + Sync) -> f64 {
    let (len, n) = lines
        .par_iter()
        .map(|l| {
            let len: f64 = l.windows(2).map(|w| step(&w[0], &w[1])).sum();
            (len, l.len().saturating_sub(1))
        })
        .reduce(|| (0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    len / n.max(1) as f64
}

fn bounds_of(points: &[Pt]) -> Option<(Pt, Pt)> {
    points.first()?;
    Some(bbox(points))
}

/// Steps 2 and 3: which vertices of each edge to keep.
fn constrained_dp(lines: &[Vec<Pt>], tolerance: f64) -> Vec<Vec<u32>> {
    let mut kept: Vec<Vec<u32>> = lines
        .par_iter()
        .map(|l| douglas_peucker(l, tolerance))
        .collect();
    loop {
        let conflicts = find_conflicts(lines, &kept);
        if conflicts.is_empty() {
            return kept;
        }
        for (e, k) in conflicts {
            let keep = &mut kept[e as usize];
            let (i, j) = (keep[k as usize] as usize, keep[k as usize + 1] as usize);
            let line = &lines[e as usize];
            if let Some(m) = farthest(line, i, j) {
                keep.insert(k as usize + 1, m as u32);
            }
        }
        for keep in &mut kept {
            keep.dedup();
        }
    }
}

/// Douglas-Peucker with the ends fixed: indices of the vertices kept.
fn douglas_peucker(line: &[Pt], tolerance: f64) -> Vec<u32> {
    let n = line.len();
    if n <= 2 {
        return (0..n as u32).collect();
    }
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    let mut stack = vec![(0usize, n - 1)];
    while let Some((i, j)) = stack.pop() {
        if j <= i + 1 {
            continue;
        }
        let (m, d2) = (i + 1..j)
            .map(|k| (k, distance2(line[k], line[i], line[j])))
            .fold((i, -1.0), |best, c| if c.1 > best.1 { c } else { best });
        if d2 > tolerance * tolerance {
            keep[m] = true;
            stack.push((i, m));
            stack.push((m, j));
        }
    }
    (0..n as u32).filter(|&k| keep[k as usize]).collect()
}

/// The dropped vertex between `i` and `j` farthest from the segment joining them.
fn farthest(line: &[Pt], i: usize, j: usize) -> Option<usize> {
    (i + 1..j)
        .map(|k| (k, distance2(line[k], line[i], line[j])))
        .fold(None, |best: Option<(usize, f64)>, c| match best {
            Some(b) if b.1 >= c.1 => Some(b),
            _ => Some(c),
        })
        .map(|(k, _)| k)
}

/// Squared distance from `p` to the segment `a`-`b`.
fn distance2(p: Pt, a: Pt, b: Pt) -> f64 {
    let f = |q: Pt| [q[0] as f64, q[1] as f64];
    let (p, a, b) = (f(p), f(a), f(b));
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    };
    let (x, y) = (p[0] - a[0] - t * d[0], p[1] - a[1] - t * d[1]);
    x * x + y * y
}

/// Simplified segments (edge, index in its kept list) that break the topology.
fn find_conflicts(lines: &[Vec<Pt>], kept: &[Vec<u32>]) -> Vec<(u32, u32)> {
    // Only simplified segments can conflict (the snapped network is clean); with
    // none there is nothing to check.
    let simplified = |e: usize, k: usize| kept[e][k + 1] > kept[e][k] + 1;
    if !kept
        .iter()
        .enumerate()
        .any(|(e, keep)| (0..keep.len().saturating_sub(1)).any(|k| simplified(e, k)))
    {
        return Vec::new();
    }
    let segs: Vec<(u32, u32)> = kept
        .par_iter()
        .enumerate()
        .flat_map_iter(|(e, keep)| {
            (0..keep.len().saturating_sub(1) as u32).map(move |k| (e as u32, k))
        })
        .collect();
    let total: i64 = segs
        .par_iter()
        .map(|&(e, k)| {
            let (a, b) = seg(lines, kept, e, k);
            (b[0] - a[0]).abs() + (b[1] - a[1]).abs()
        })
        .sum();
    let total = total as f64;
    let mut verts: Vec<Pt> = kept
        .par_iter()
        .zip(lines)
        .flat_map_iter(|(keep, line)| keep.iter().map(move |&i| line[i as usize]))
        .collect();
    verts.dedup();
    let Some((lo, hi)) = bounds_of(&verts) else {
        return Vec::new();
    };
    let f = |p: Pt| [p[0] as f64, p[1] as f64];
    let size = 2.0 * total / segs.len().max(1) as f64;
    let seg_grid = sized(f(lo), f(hi), size, segs.len());
    let pairs: Vec<(u32, u32)> = segs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, &(e, k))| {
            let (a, b) = seg(lines, kept, e, k);
            let mut buckets = Vec::new();
            seg_grid.buckets_along(at(f(a)), at(f(b)), 0.0, &mut buckets);
            buckets.into_iter().map(move |bk| (bk as u32, i as u32))
        })
        .collect();
    let seg_items = Buckets::from_pairs(seg_grid.len(), &pairs);
    let vert_grid = sized(f(lo), f(hi), size, verts.len());
    let pairs: Vec<(u32, u32)> = verts
        .par_iter()
        .enumerate()
        .map(|(i, &v)| (vert_grid.bucket(at(f(v))) as u32, i as u32))
        .collect();
    let vert_items = Buckets::from_pairs(vert_grid.len(), &pairs);
    segs.par_iter()
        .enumerate()
        .filter(|&(_, &(e, k))| simplified(e as usize, k as usize))
        .map_init(Vec::new, |buckets, (i, &(e, k))| {
            let (a, b) = seg(lines, kept, e, k);
            seg_grid.buckets_along(at(f(a)), at(f(b)), 0.0, buckets);
            for &bk in buckets.iter() {
                for &o in seg_items.items(bk) {
                    if o as usize == i {
                        continue;
                    }
                    let (c, d) = seg(lines, kept, segs[o as usize].0, segs[o as usize].1);
                    if segments_conflict(a, b, c, d) {
                        return Some((e, k));
                    }
                }
            }
            let keep = &kept[e as usize];
            let chain =
                &lines[e as usize][keep[k as usize] as usize..=keep[k as usize + 1] as usize];
            let (clo, chi) = bbox(chain);
            let mut hit = false;
            vert_items.for_box(&vert_grid, at(f(clo)), at(f(chi)), |v| {
                let p = verts[v as usize];
                if !hit
                    && p != a
                    && p != b
                    && (clo[0]..=chi[0]).contains(&p[0])
                    && (clo[1]..=chi[1]).contains(&p[1])
                    && strictly_inside(p, chain)
                {
                    hit = true;
                }
            });
            hit.then_some((e, k))
        })
        .flatten()
        .collect()
}

fn seg(lines: &[Vec<Pt>], kept: &[Vec<u32>], e: u32, k: u32) -> (Pt, Pt) {
    let keep = &kept[e as usize];
    let line = &lines[e as usize];
    (
        line[keep[k as usize] as usize],
        line[keep[k as usize + 1] as usize],
    )
}

fn bbox(points: &[Pt]) -> (Pt, Pt) {
    points.iter().fold(
        ([i64::MAX, i64::MAX], [i64::MIN, i64::MIN]),
        |(lo, hi), p| {
            (
                [lo[0].min(p[0]), lo[1].min(p[1])],
                [hi[0].max(p[0]), hi[1].max(p[1])],
            )
        },
    )
}

/// Two segments of a network may be disjoint, identical, or share one endpoint
/// and nothing else; anything else (a crossing, a touch in the middle, a partial
/// overlap) is a conflict.
fn segments_conflict(a: Pt, b: Pt, c: Pt, d: Pt) -> bool {
    if (a == c && b == d) || (a == d && b == c) {
        return false;
    }
    let interior = |p: Pt, s0: Pt, s1: Pt| p != s0 && p != s1 && on_segment(p, s0, s1);
    if interior(c, a, b) || interior(d, a, b) || interior(a, c, d) || interior(b, c, d) {
        return true;
    }
    let side = IntPoint::side;
    let (o1, o2) = (side(a, b, c), side(a, b, d));
    let (o3, o4) = (side(c, d, a), side(c, d, b));
    o1 * o2 < 0 && o3 * o4 < 0
}

/// `p` is inside the ring made by `chain` closed with a straight segment back to
/// its start, and not on its boundary (non-zero winding).
fn strictly_inside(p: Pt, chain: &[Pt]) -> bool {
    citygrid_planar::locate(p, chain) == citygrid_planar::Location::Inside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(points: &[(f64, f64)]) -> Vec<[f64; 2]> {
        points.iter().map(|&(x, y)| [x, y]).collect()
    }

    #[test]
    fn a_wiggle_below_the_tolerance_goes() {
        let e = simplify_edges(&[f(&[(0.0, 0.0), (5.0, 0.6), (10.0, 0.0)])], 1.0);
        assert_eq!(e.edge(0), &[[0, 0], [10, 0]]);
        let e = simplify_edges(&[f(&[(0.0, 0.0), (5.0, 3.0), (10.0, 0.0)])], 1.0);
        assert_eq!(e.edge(0), &[[0, 0], [5, 3], [10, 0]]);
    }

    #[test]
    fn a_vertex_between_the_chain_and_its_shortcut_keeps_the_chain() {
        // A bump 25 high over a tolerance of 30 would be cut, but an island (a
        // closed edge) sits under the bump: the bump stays.
        let bump = f(&[
            (0.0, 0.0),
            (40.0, 20.0),
            (50.0, 25.0),
            (60.0, 20.0),
            (100.0, 0.0),
        ]);
        let island = f(&[(48.0, 10.0), (52.0, 10.0), (50.0, 14.0), (48.0, 10.0)]);
        let alone = simplify_edges(std::slice::from_ref(&bump), 30.0);
        assert_eq!(alone.edge(0).len(), 2);
        let with = simplify_edges(&[bump, island], 30.0);
        assert!(with.edge(0).len() > 2, "{:?}", with.edge(0));
    }

    #[test]
    fn an_edge_above_a_bump_does_not_cut_through_it() {
        // b runs above a's bump; on its own b would be straightened to y = 4,
        // through the bump.
        let a = f(&[(0.0, 0.0), (5.0, 5.0), (10.0, 0.0)]);
        let b = f(&[(0.0, 4.0), (5.0, 5.5), (10.0, 4.0)]);
        let alone = simplify_edges(std::slice::from_ref(&b), 2.5);
        assert_eq!(alone.edge(0).len(), 2);
        let e = simplify_edges(&[a, b], 2.5);
        let (ea, eb) = (e.edge(0), e.edge(1));
        assert_eq!(ea.len(), 3);
        let to = |p: &[i32; 2]| [i64::from(p[0]), i64::from(p[1])];
        for s in ea.windows(2) {
            for t in eb.windows(2) {
                assert!(!segments_conflict(
                    to(&s[0]),
                    to(&s[1]),
                    to(&t[0]),
                    to(&t[1])
                ));
            }
        }
    }

    #[test]
    fn conflicts_are_exact() {
        assert!(segments_conflict([0, 0], [4, 4], [0, 4], [4, 0]));
        assert!(segments_conflict([0, 0], [4, 0], [2, 0], [2, 3]));
        assert!(segments_conflict([0, 0], [4, 0], [2, 0], [6, 0]));
        assert!(!segments_conflict([0, 0], [4, 0], [4, 0], [6, 1]));
        assert!(!segments_conflict([0, 0], [4, 0], [4, 0], [0, 0]));
        assert!(!segments_conflict([0, 0], [4, 0], [0, 1], [4, 1]));
        assert!(strictly_inside([2, 1], &[[0, 0], [2, 3], [4, 0]]));
        assert!(!strictly_inside([2, 0], &[[0, 0], [2, 3], [4, 0]]));
    }
}
