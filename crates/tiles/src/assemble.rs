//! One tile of one polygon layer: faces assembled from the zoom's shared edges,
//! clipped to the tile and its buffer, and repaired into valid polygons.
//!
//! 1. The edges near the tile are taken at the zoom's grid (already simplified,
//!    each once) and moved to tile coordinates.
//! 2. Where an edge crosses the clip rectangle's border, the crossing point rounded
//!    to the grid is made a hot pixel, and the edges are snap-rounded again (see
//!    [`crate::snap`]) so that they meet the border only at grid vertices on it.
//!    Clipping then cuts at existing vertices and needs no new, rounded points that
//!    could cross anything.
//! 3. Each face's rings are cut into the runs inside the rectangle; the pieces of
//!    border between a run leaving and the next run entering (walked clockwise,
//!    the face on the right) close them, as in Weiler-Atherton clipping. A face
//!    with no run crossing the border either holds the whole tile or none of it:
//!    a ray decides which face holds it.
//! 4. [`crate::clean`] turns each face's segments into valid polygons.
//!
//! Every face is clipped against the same rectangle from the same edges, so the
//! clipped faces are still a coverage of the clipped city.

use rstar::AABB;

use crate::clean::{Poly, polygons};
use crate::poly_layer::PolyLayer;
use crate::snap::{HotPixels, Pt, Snapper};
use crate::tile::{EXTENT, TileId, scale};

/// The clip rectangle of a tile in tile coordinates, and where the tile is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub(crate) tile: TileId,
    /// `[min_x, min_y, max_x, max_y]` in tile coordinates.
    pub(crate) rect: [i64; 4],
}

impl Frame {
    pub(crate) fn new(tile: TileId, buffer: u32) -> Frame {
        let b = i64::from(buffer);
        let e = i64::from(EXTENT);
        Frame {
            tile,
            rect: [-b, -b, e + b, e + b],
        }
    }

    fn inside(&self, p: Pt) -> bool {
        let r = self.rect;
        (r[0]..=r[2]).contains(&p[0]) && (r[1]..=r[3]).contains(&p[1])
    }

    /// Corners in walking order (clockwise with y up: face on the right).
    fn corners(&self) -> [Pt; 4] {
        let r = self.rect;
        [[r[0], r[1]], [r[0], r[3]], [r[2], r[3]], [r[2], r[1]]]
    }

    /// Position of a border point along the clockwise walk from the first corner.
    fn position(&self, p: Pt) -> i64 {
        let [x0, y0, x1, y1] = self.rect;
        let (w, h) = (x1 - x0, y1 - y0);
        if p[0] == x0 && p[1] < y1 {
            p[1] - y0
        } else if p[1] == y1 && p[0] < x1 {
            h + p[0] - x0
        } else if p[0] == x1 && p[1] > y0 {
            h + w + y1 - p[1]
        } else {
            2 * h + w + x1 - p[0]
        }
    }

    fn perimeter(&self) -> i64 {
        let [x0, y0, x1, y1] = self.rect;
        2 * (x1 - x0) + 2 * (y1 - y0)
    }
}

/// The faces of a layer in one tile: face index and its polygons (tile
/// coordinates; shells clockwise with y up), in face order.
pub(crate) fn assemble(layer: &PolyLayer, z: u8, frame: &Frame) -> Vec<(u32, Vec<Poly>)> {
    let reach = Reach::new(frame.rect);
    let local = local_edges(layer, z, frame, &reach);
    if local.ids.is_empty() {
        return whole_tile(layer, z, frame, &[]);
    }
    let hot = border_pixels(frame, &local, &reach);
    let snapped = snap_near_border(&local, &hot, &reach);
    let lookup = |e: u32| snapped.get(e);
    let mut pieces: Vec<(u32, Pieces)> = faces_along(layer, &snapped)
        .into_iter()
        .map(|f| (f, face_pieces(layer, f, frame, &lookup)))
        .collect();
    let crossing = pieces.iter().any(|(_, p)| !p.ends.is_empty());
    let mut out: Vec<(u32, Vec<Poly>)> = Vec::new();
    if !crossing {
        fill_uncrossed(layer, z, frame, &mut pieces, &mut out);
    }
    close_faces(frame, pieces, &mut out);
    out.sort_by_key(|(f, _)| *f);
    out
}

/// Which segments of a tile's edges matter: those whose box meets the clip
/// rectangle grown by one unit, and among them those within a unit of its border.
struct Reach {
    grown: [i64; 4],
    shrunk: [i64; 4],
}

impl Reach {
    fn new(r: [i64; 4]) -> Self {
        Reach {
            grown: [r[0] - 1, r[1] - 1, r[2] + 1, r[3] + 1],
            shrunk: [r[0] + 1, r[1] + 1, r[2] - 1, r[3] - 1],
        }
    }

    /// Whether the box of segment `a`-`b` meets the grown rectangle.
    fn touches(&self, a: Pt, b: Pt) -> bool {
        let grown = self.grown;
        a[0].max(b[0]) >= grown[0]
            && a[0].min(b[0]) <= grown[2]
            && a[1].max(b[1]) >= grown[1]
            && a[1].min(b[1]) <= grown[3]
    }

    /// Whether segment `a`-`b` comes within a unit of the border. The zoom's edges
    /// are stable under snap rounding, so only such segments can pass a new hot
    /// pixel (on the border) and need snapping.
    fn near_border(&self, a: Pt, b: Pt) -> bool {
        let shrunk = self.shrunk;
        self.touches(a, b)
            && !(a[0].min(b[0]) > shrunk[0]
                && a[0].max(b[0]) < shrunk[2]
                && a[1].min(b[1]) > shrunk[1]
                && a[1].max(b[1]) < shrunk[3])
    }
}

/// The zoom's edges that reach the grown rectangle, in tile coordinates. Found by
/// their boxes at full detail (which hold the simplified edges too) coming within
/// two units of the rectangle.
fn local_edges(layer: &PolyLayer, z: u8, frame: &Frame, reach: &Reach) -> Edges {
    let net = layer.at_zoom(z);
    let o = frame.tile.origin();
    let s = scale(z);
    let r = frame.rect;
    let env = AABB::from_corners(
        [(o[0] + r[0] - 2) as f64 / s, (o[1] + r[1] - 2) as f64 / s],
        [(o[0] + r[2] + 2) as f64 / s, (o[1] + r[3] + 2) as f64 / s],
    );
    let mut near: Vec<u32> = layer
        .tree
        .locate_in_envelope_intersecting(&env)
        .map(|g| g.data)
        .collect();
    near.sort_unstable();
    let mut local = Edges::default();
    for &e in &near {
        let start = local.points.len();
        local.points.extend(
            net.edge(e as usize)
                .iter()
                .map(|p| [i64::from(p[0]) - o[0], i64::from(p[1]) - o[1]]),
        );
        let pts = &local.points[start..];
        let meets = if pts.len() == 1 {
            reach.touches(pts[0], pts[0])
        } else {
            pts.windows(2).any(|w| reach.touches(w[0], w[1]))
        };
        if meets {
            local.close(e);
        } else {
            local.points.truncate(start);
        }
    }
    local
}

/// The new hot pixels: the corners and where edges cross the border, spaced for
/// the mean length of the segments near the border. The zoom's vertices need not
/// be added: the zoom's edges are stable under snap rounding, so no segment passes
/// the pixel of a vertex it does not end at, and snapping against them too would
/// change nothing. Input is doubled so pixel centres are the grid points.
fn border_pixels(frame: &Frame, local: &Edges, reach: &Reach) -> HotPixels {
    let mut pixels: Vec<Pt> = frame.corners().to_vec();
    let (mut len, mut n) = (0i64, 0i64);
    for (_, pts) in local.iter() {
        for w in pts.windows(2) {
            if reach.near_border(w[0], w[1]) {
                len += (w[1][0] - w[0][0]).abs() + (w[1][1] - w[0][1]).abs();
                n += 1;
                border_crossings(w[0], w[1], frame.rect, |p| pixels.push(p));
            }
        }
    }
    HotPixels::new(2, pixels, len as f64 / n.max(1) as f64)
}

/// The edges snap-rounded to the hot pixels where they come near the border, so
/// they meet it only at grid vertices on it; other segments are kept as they are.
fn snap_near_border(local: &Edges, hot: &HotPixels, reach: &Reach) -> Edges {
    let mut snapper = Snapper::new(hot);
    let mut snapped = Edges::default();
    snapped.points.reserve(local.points.len() + 8);
    for (e, pts) in local.iter() {
        let out = &mut snapped.points;
        let start = out.len();
        if pts.len() == 1 {
            out.push(pts[0]);
        }
        for w in pts.windows(2) {
            // Each edge starts with its own first point, whatever the previous
            // edge ended with.
            if out.len() == start {
                out.push(w[0]);
            }
            if reach.near_border(w[0], w[1]) {
                snapper.snap_segment([w[0][0] * 2, w[0][1] * 2], [w[1][0] * 2, w[1][1] * 2], out);
            } else {
                if out.last() != Some(&w[0]) {
                    out.push(w[0]);
                }
                out.push(w[1]);
            }
        }
        snapped.close(e);
    }
    snapped
}

/// The faces on either side of the tile's edges (not the outside), ascending.
fn faces_along(layer: &PolyLayer, edges: &Edges) -> Vec<u32> {
    let mut faces: Vec<u32> = edges
        .ids
        .iter()
        .flat_map(|&e| {
            let (l, rt) = layer.sides[e as usize];
            [l, rt]
        })
        .filter(|&f| f != citygrid_model::OUTSIDE)
        .collect();
    faces.sort_unstable();
    faces.dedup();
    faces
}

/// When no face's boundary crosses the border, the face holding the tile (a ray
/// from a corner kept off the rings inside it decides which) covers all of it
/// but those rings: the rectangle joins that face's pieces, or stands alone.
fn fill_uncrossed(
    layer: &PolyLayer,
    z: u8,
    frame: &Frame,
    pieces: &mut [(u32, Pieces)],
    out: &mut Vec<(u32, Vec<Poly>)>,
) {
    let islands: Vec<[i64; 4]> = pieces
        .iter()
        .flat_map(|(_, p)| p.closed_boxes.iter().copied())
        .collect();
    for (f, polys) in whole_tile(layer, z, frame, &islands) {
        match pieces.iter_mut().find(|(g, _)| *g == f) {
            Some((_, p)) => p.segs.extend(ring_segments(&polys[0][0])),
            None => out.push((f, polys)),
        }
    }
}

/// Each face's runs, closed along the border (clockwise, face on the right) and
/// repaired into valid polygons.
fn close_faces(frame: &Frame, pieces: Vec<(u32, Pieces)>, out: &mut Vec<(u32, Vec<Poly>)>) {
    for (f, p) in pieces {
        let mut segs = p.segs;
        segs.extend(border_walk(frame, &p.ends));
        if segs.is_empty() {
            continue;
        }
        let polys = polygons(segs, frame.rect);
        if !polys.is_empty() {
            out.push((f, polys));
        }
    }
}

/// A tile's edges by id (ascending), their points end to end in one buffer.
#[derive(Debug, Default)]
struct Edges {
    ids: Vec<u32>,
    /// Where each edge's points end in `points`.
    ends: Vec<u32>,
    points: Vec<Pt>,
}

impl Edges {
    /// Ends the edge `e`: its points are those pushed since the last one ended.
    fn close(&mut self, e: u32) {
        self.ids.push(e);
        self.ends.push(self.points.len() as u32);
    }

    fn span(&self, i: usize) -> &[Pt] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.points[start..self.ends[i] as usize]
    }

    fn iter(&self) -> impl Iterator<Item = (u32, &[Pt])> {
        self.ids.iter().enumerate().map(|(i, &e)| (e, self.span(i)))
    }

    fn get(&self, e: u32) -> Option<&[Pt]> {
        self.ids.binary_search(&e).ok().map(|i| self.span(i))
    }
}

/// What of one face lies in the rectangle.
#[derive(Debug, Default)]
struct Pieces {
    /// Directed segments inside the rectangle (face on the right).
    segs: Vec<(Pt, Pt)>,
    /// Where runs enter and leave, on the border: (point, entering).
    ends: Vec<(Pt, bool)>,
    /// Boxes of rings wholly inside the rectangle.
    closed_boxes: Vec<[i64; 4]>,
}

/// Cuts a face's rings into the runs inside the rectangle.
fn face_pieces<'a>(
    layer: &PolyLayer,
    face: u32,
    frame: &Frame,
    lookup: &impl Fn(u32) -> Option<&'a [Pt]>,
) -> Pieces {
    let mut out = Pieces::default();
    for ring in &layer.faces[face as usize].rings {
        // The ring as points, `None` standing for a stretch far outside.
        let mut seq: Vec<Option<Pt>> = Vec::new();
        for u in ring {
            match lookup(u.edge) {
                None => {
                    if seq.last() != Some(&None) {
                        seq.push(None);
                    }
                }
                Some(pts) => {
                    let mut add = |p: Pt| {
                        if seq.last() != Some(&Some(p)) {
                            seq.push(Some(p));
                        }
                    };
                    if u.forward {
                        pts.iter().for_each(|&p| add(p));
                    } else {
                        pts.iter().rev().for_each(|&p| add(p));
                    }
                }
            }
        }
        while seq.len() > 1 && seq.first() == seq.last() {
            seq.pop();
        }
        let n = seq.len();
        if n < 2 || seq.iter().all(Option::is_none) {
            continue;
        }
        let inside_seg = |i: usize| match (seq[i], seq[(i + 1) % n]) {
            (Some(a), Some(b)) => frame.inside(a) && frame.inside(b),
            _ => false,
        };
        let first_out = (0..n).find(|&i| !inside_seg(i));
        let Some(first_out) = first_out else {
            // The whole ring is inside.
            let pts: Vec<Pt> = seq.iter().flatten().copied().collect();
            out.segs.extend(ring_segments(&pts));
            let b = pts
                .iter()
                .fold([i64::MAX, i64::MAX, i64::MIN, i64::MIN], |b, p| {
                    [
                        b[0].min(p[0]),
                        b[1].min(p[1]),
                        b[2].max(p[0]),
                        b[3].max(p[1]),
                    ]
                });
            out.closed_boxes.push(b);
            continue;
        };
        let mut run: Vec<Pt> = Vec::new();
        for k in 1..=n {
            let i = (first_out + k) % n;
            if inside_seg(i) {
                if run.is_empty()
                    && let Some(a) = seq[i]
                {
                    run.push(a);
                }
                if let Some(b) = seq[(i + 1) % n] {
                    run.push(b);
                }
            } else if !run.is_empty() {
                close_run(&mut run, &mut out);
            }
        }
        if !run.is_empty() {
            close_run(&mut run, &mut out);
        }
    }
    out
}

fn close_run(run: &mut Vec<Pt>, out: &mut Pieces) {
    if run.len() >= 2 {
        out.ends.push((run[0], true));
        out.ends.push((*run.last().expect("two points"), false));
        out.segs.extend(run.windows(2).map(|w| (w[0], w[1])));
    }
    run.clear();
}

/// Closed ring points to directed segments.
fn ring_segments(pts: &[Pt]) -> Vec<(Pt, Pt)> {
    let n = pts.len();
    (0..n).map(|i| (pts[i], pts[(i + 1) % n])).collect()
}

/// From each point where a run leaves, clockwise along the border to the next
/// point where one enters.
fn border_walk(frame: &Frame, ends: &[(Pt, bool)]) -> Vec<(Pt, Pt)> {
    let per = frame.perimeter();
    let corners = frame.corners();
    let corner_pos: Vec<i64> = corners.iter().map(|&c| frame.position(c)).collect();
    let entries: Vec<(i64, Pt)> = ends
        .iter()
        .filter(|(_, entering)| *entering)
        .map(|&(p, _)| (frame.position(p), p))
        .collect();
    let mut out = Vec::new();
    for &(exit, entering) in ends {
        if entering {
            continue;
        }
        let se = frame.position(exit);
        let Some(&(si, entry)) = entries.iter().min_by_key(|(s, _)| (s - se).rem_euclid(per))
        else {
            continue;
        };
        let dist = (si - se).rem_euclid(per);
        let mut passed: Vec<(i64, Pt)> = corners
            .iter()
            .zip(&corner_pos)
            .map(|(&c, &cs)| ((cs - se).rem_euclid(per), c))
            .filter(|&(d, _)| d > 0 && d < dist)
            .collect();
        passed.sort_unstable();
        let mut prev = exit;
        for (_, c) in passed {
            out.push((prev, c));
            prev = c;
        }
        out.push((prev, entry));
    }
    out
}

/// Where segment `a`-`b` crosses the rectangle's border lines strictly between its
/// ends, each crossing rounded to the grid (half up), when on the border.
fn border_crossings(a: Pt, b: Pt, r: [i64; 4], mut hit: impl FnMut(Pt)) {
    for axis in 0..2 {
        for v in [r[axis], r[axis + 2]] {
            let (da, db) = (a[axis] - v, b[axis] - v);
            if da.signum() * db.signum() >= 0 {
                continue;
            }
            // The other coordinate at the crossing, as num / den with den > 0.
            let o = 1 - axis;
            let mut den = i128::from(b[axis] - a[axis]);
            let mut num =
                i128::from(a[o]) * den + i128::from(v - a[axis]) * i128::from(b[o] - a[o]);
            if den < 0 {
                den = -den;
                num = -num;
            }
            let rounded = (2 * num + den).div_euclid(2 * den) as i64;
            if rounded >= r[o] && rounded <= r[o + 2] {
                let mut p = [0; 2];
                p[axis] = v;
                p[o] = rounded;
                hit(p);
            }
        }
    }
}

/// When no face's boundary crosses the tile, the face holding it (if any) covers
/// all of it. A ray from a corner of the tile eastwards finds the first edge it
/// crosses; the face on that edge's west side holds the corner. `islands` are
/// boxes (rings wholly inside the tile) to keep the corner out of.
fn whole_tile(
    layer: &PolyLayer,
    z: u8,
    frame: &Frame,
    islands: &[[i64; 4]],
) -> Vec<(u32, Vec<Poly>)> {
    let r = frame.rect;
    let o = frame.tile.origin();
    // Corners nudged inwards by irrational amounts, so the ray runs through no
    // vertex and along no segment.
    let (dx, dy) = (std::f64::consts::FRAC_1_PI, std::f64::consts::E / 10.0);
    let candidates = [
        [r[0] as f64 + dx, r[1] as f64 + dy],
        [r[2] as f64 - dx, r[1] as f64 + dy],
        [r[0] as f64 + dx, r[3] as f64 - dy],
        [r[2] as f64 - dx, r[3] as f64 - dy],
    ];
    let clear = |p: &[f64; 2]| {
        !islands.iter().any(|b| {
            p[0] >= (b[0] - 1) as f64
                && p[0] <= (b[2] + 1) as f64
                && p[1] >= (b[1] - 1) as f64
                && p[1] <= (b[3] + 1) as f64
        })
    };
    let p = candidates
        .iter()
        .find(|p| clear(p))
        .unwrap_or(&candidates[0]);
    let g = [p[0] + o[0] as f64, p[1] + o[1] as f64];
    match face_at(layer, z, g) {
        Some(f) => vec![(f, vec![vec![frame.corners().to_vec()]])],
        None => Vec::new(),
    }
}

/// The face holding a point (global units at zoom `z`, on no edge), found by the
/// first edge a ray eastwards crosses; `None` outside every face.
pub(crate) fn face_at(layer: &PolyLayer, z: u8, g: [f64; 2]) -> Option<u32> {
    let net = layer.at_zoom(z);
    let s = scale(z);
    let mut reach = 2.0 * f64::from(EXTENT);
    loop {
        let end = g[0] + reach;
        let env = AABB::from_corners([g[0] / s, g[1] / s], [end / s, g[1] / s]);
        let mut best: Option<(f64, u32)> = None;
        for e in layer
            .tree
            .locate_in_envelope_intersecting(&env)
            .map(|x| x.data)
        {
            for w in net.edge(e as usize).windows(2) {
                let a = [f64::from(w[0][0]), f64::from(w[0][1])];
                let b = [f64::from(w[1][0]), f64::from(w[1][1])];
                if (a[1] > g[1]) == (b[1] > g[1]) {
                    continue;
                }
                let x = a[0] + (g[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
                if x <= g[0] || x > end || best.is_some_and(|(bx, _)| bx <= x) {
                    continue;
                }
                // Going south (y grows) the edge's left face (lon/lat sense) is
                // to the east, so the point, west of it, is in the right face.
                let (left, right) = layer.sides[e as usize];
                best = Some((x, if b[1] > a[1] { right } else { left }));
            }
        }
        if let Some((_, f)) = best {
            return (f != citygrid_model::OUTSIDE).then_some(f);
        }
        if end / s > layer.bbox[2] {
            return None;
        }
        reach *= 4.0;
    }
}
