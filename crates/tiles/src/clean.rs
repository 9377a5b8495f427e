//! Valid polygons from the directed boundary segments of one face.
//!
//! After snapping and clipping, a face's boundary is a set of directed segments
//! with the face on their right (x right, y up) that no longer need to form simple
//! rings: a collapsed neck leaves a segment walked there and back, clipping leaves
//! bridges along the tile's edge, and pieces can touch at a vertex. Here:
//! 1. segments along the clip rectangle are split at every face vertex on the same
//!    side, so overlapping pieces line up;
//! 2. each segment walked both ways cancels (spikes, bridges, collapsed necks);
//! 3. rings are traced by the kernel ([`citygrid_planar::rings`]) keeping the face
//!    on the right, turning as sharply right as possible at a vertex with several
//!    ways out, and split where they pass a vertex twice;
//! 4. zero-area rings go; clockwise rings are shells, counter-clockwise ones holes,
//!    each hole given to the smallest shell around it (the kernel's
//!    [`citygrid_planar::assign_holes`]).
//!
//! The output has simple rings that may touch only at vertices, which is valid
//! (OGC simple features §6.1.11) and is what MVT 2.1 §4.3.4.4 asks of polygons.

use citygrid_planar::{Keep, assign_holes, rings, twice_area};

use crate::snap::Pt;

/// A polygon: shell first, then holes; rings are not closed (no repeated point).
pub(crate) type Poly = Vec<Vec<Pt>>;

/// Valid polygons from a face's directed segments (face on the right), clipped
/// to the rectangle `rect` (`[min_x, min_y, max_x, max_y]`).
pub(crate) fn polygons(mut segs: Vec<(Pt, Pt)>, rect: [i64; 4]) -> Vec<Poly> {
    let on_rect = |(a, b): &(Pt, Pt)| {
        (a[0] == b[0] && (a[0] == rect[0] || a[0] == rect[2]))
            || (a[1] == b[1] && (a[1] == rect[1] || a[1] == rect[3]))
    };
    if segs.iter().any(on_rect) {
        split_on_rect(&mut segs, rect);
    } else if let Some(shell) = simple_shell(&segs) {
        return vec![vec![shell]];
    }
    let segs = cancel(segs);
    let mut shells: Vec<Vec<Pt>> = Vec::new();
    let mut areas: Vec<i128> = Vec::new();
    let mut holes: Vec<Vec<Pt>> = Vec::new();
    for ring in rings(&segs, |p| p, Keep::Right) {
        let r: Vec<Pt> = ring.into_iter().map(|h| segs[h].0).collect();
        match twice_area(&r) {
            a if a < 0 => {
                shells.push(r);
                areas.push(-a);
            }
            a if a > 0 => holes.push(r),
            _ => {}
        }
    }
    let owners = assign_holes(&shells, &areas, &holes);
    let mut out: Vec<Poly> = shells.into_iter().map(|s| vec![s]).collect();
    for (h, owner) in holes.into_iter().zip(owners) {
        if let Some(i) = owner {
            out[i].push(h);
        }
    }
    out
}

/// The common case, answered without sorting segments: the segments walk one
/// clockwise ring in order, passing no vertex twice. Snap rounding puts a vertex
/// that touches a segment on that segment, so such a ring is simple. It comes back
/// starting at its least point, as tracing would give it.
fn simple_shell(segs: &[(Pt, Pt)]) -> Option<Vec<Pt>> {
    let n = segs.len();
    let chained = n >= 3 && (0..n).all(|i| segs[i].1 == segs[(i + 1) % n].0);
    if !chained {
        return None;
    }
    let mut ring: Vec<Pt> = segs.iter().map(|s| s.0).collect();
    let mut sorted = ring.clone();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) || twice_area(&ring) >= 0 {
        return None;
    }
    let first = (0..n).min_by_key(|&i| ring[i]).unwrap_or(0);
    ring.rotate_left(first);
    Some(ring)
}

/// Splits segments lying on a side of the rectangle at every segment end on that
/// side.
fn split_on_rect(segs: &mut Vec<(Pt, Pt)>, rect: [i64; 4]) {
    // Side k: axis (0 = x fixed, 1 = y fixed) and the fixed value.
    let sides = [(0, rect[0]), (0, rect[2]), (1, rect[1]), (1, rect[3])];
    for (axis, v) in sides {
        let mut stops: Vec<i64> = segs
            .iter()
            .flat_map(|&(a, b)| [a, b])
            .filter(|p| p[axis] == v)
            .map(|p| p[1 - axis])
            .collect();
        if stops.is_empty() {
            continue;
        }
        stops.sort_unstable();
        stops.dedup();
        let mut out = Vec::with_capacity(segs.len());
        for &(a, b) in segs.iter() {
            if a[axis] != v || b[axis] != v || a == b {
                out.push((a, b));
                continue;
            }
            let (lo, hi) = (a[1 - axis].min(b[1 - axis]), a[1 - axis].max(b[1 - axis]));
            let start = stops.partition_point(|&s| s <= lo);
            let end = stops.partition_point(|&s| s < hi);
            let mut inner: Vec<i64> = stops[start..end].to_vec();
            if a[1 - axis] > b[1 - axis] {
                inner.reverse();
            }
            let mut prev = a;
            for s in inner {
                let mut p = a;
                p[1 - axis] = s;
                out.push((prev, p));
                prev = p;
            }
            out.push((prev, b));
        }
        *segs = out;
    }
}

/// Drops zero-length segments and pairs walked in opposite directions; the rest
/// comes back sorted by start point.
fn cancel(segs: Vec<(Pt, Pt)>) -> Vec<(Pt, Pt)> {
    // Each segment as (lower end, upper end, +1 walked upwards or -1 downwards).
    let mut keyed: Vec<(Pt, Pt, i32)> = segs
        .into_iter()
        .filter(|(a, b)| a != b)
        .map(|(a, b)| if a < b { (a, b, 1) } else { (b, a, -1) })
        .collect();
    keyed.sort_unstable();
    let mut out: Vec<(Pt, Pt)> = Vec::with_capacity(keyed.len());
    let mut i = 0;
    while i < keyed.len() {
        let (lo, hi, _) = keyed[i];
        let mut net = 0;
        while i < keyed.len() && keyed[i].0 == lo && keyed[i].1 == hi {
            net += keyed[i].2;
            i += 1;
        }
        let seg = if net > 0 { (lo, hi) } else { (hi, lo) };
        out.extend(std::iter::repeat_n(seg, net.unsigned_abs() as usize));
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Directed segments of a closed ring given as points.
    fn ring(points: &[(i64, i64)]) -> Vec<(Pt, Pt)> {
        let p: Vec<Pt> = points.iter().map(|&(x, y)| [x, y]).collect();
        (0..p.len()).map(|i| (p[i], p[(i + 1) % p.len()])).collect()
    }

    const RECT: [i64; 4] = [-100, -100, 100, 100];

    #[test]
    fn a_clockwise_square_is_one_shell() {
        let out = polygons(ring(&[(0, 0), (0, 4), (4, 4), (4, 0)]), RECT);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].len(), 1);
        assert_eq!(twice_area(&out[0][0]), -32);
    }

    #[test]
    fn a_simple_ring_comes_back_as_tracing_gives_it() {
        // The same clockwise ring from any starting point: the quick path starts
        // at its least point, as tracing does.
        let pts = [(3, 0), (0, 1), (1, 5), (6, 6), (7, 2)];
        for k in 0..pts.len() {
            let mut p = pts.to_vec();
            p.rotate_left(k);
            let out = polygons(ring(&p), RECT);
            assert_eq!(
                out,
                vec![vec![vec![[0, 1], [1, 5], [6, 6], [7, 2], [3, 0]]]]
            );
            assert!(simple_shell(&ring(&p)).is_some());
        }
        // Counter-clockwise it is a hole, not a shell; with no shell around it,
        // nothing is left.
        let mut ccw = pts.to_vec();
        ccw.reverse();
        assert!(simple_shell(&ring(&ccw)).is_none());
        assert!(polygons(ring(&ccw), RECT).is_empty());
    }

    #[test]
    fn a_spike_is_cut_off() {
        // Square with a spike out to (8, 2) and back.
        let out = polygons(
            ring(&[(0, 0), (0, 4), (4, 4), (4, 2), (8, 2), (4, 2), (4, 0)]),
            RECT,
        );
        assert_eq!(out.len(), 1);
        assert!(!out[0][0].contains(&[8, 2]));
    }

    #[test]
    fn a_figure_eight_becomes_two_shells() {
        // Two squares touching at (4, 4), walked as one ring.
        let out = polygons(
            ring(&[
                (0, 0),
                (0, 4),
                (4, 4),
                (4, 8),
                (8, 8),
                (8, 4),
                (4, 4),
                (4, 0),
            ]),
            RECT,
        );
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|p| p.len() == 1 && p[0].len() == 4));
    }

    #[test]
    fn a_hole_touching_its_shell_stays_a_hole() {
        // Shell 0..8 clockwise; a counter-clockwise hole touching it at (0, 4).
        let mut segs = ring(&[(0, 0), (0, 4), (0, 8), (8, 8), (8, 0)]);
        segs.extend(ring(&[(0, 4), (2, 3), (2, 5)]));
        let out = polygons(segs, RECT);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].len(), 2, "{out:?}");
        assert!(twice_area(&out[0][1]) > 0);
    }

    #[test]
    fn bridges_along_the_clip_edge_cancel() {
        // Two clockwise squares on the clip edge x = 0, joined by a bridge along
        // the edge walked up in one piece and down in two.
        let mut segs = ring(&[(0, 0), (0, 4), (5, 4), (5, 0)]);
        segs.extend(ring(&[(0, 6), (0, 10), (5, 10), (5, 6)]));
        segs.extend([([0, 4], [0, 6]), ([0, 6], [0, 5]), ([0, 5], [0, 4])]);
        let out = polygons(segs, [0, -100, 100, 100]);
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out.iter().all(|p| p[0].len() == 4));
    }

    #[test]
    fn a_zero_length_segment_on_the_clip_edge_is_harmless() {
        // Found on the real Guiyang districts: a snapped edge leaves a repeated
        // point on the border.
        let mut segs = ring(&[(0, 0), (0, 4), (5, 4), (5, 0)]);
        segs.push(([0, 2], [0, 2]));
        let out = polygons(segs, [0, -100, 100, 100]);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn zero_area_rings_vanish() {
        assert!(polygons(ring(&[(0, 0), (2, 2), (4, 4)]), RECT).is_empty());
    }
}
