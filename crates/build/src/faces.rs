//! A planar arrangement of labelled half-edges, its faces, and dissolving faces into
//! the polygons of each label (or of groups of labels).
//!
//! Every edge is stored once as a pair of twin half-edges (`2k`, `2k + 1`), each
//! with the label of the region on its left. Because a boundary between two generated
//! units is one edge, both units get exactly the same vertices along it: the
//! result is a clean coverage by construction, with no snapping or tolerance.

use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use rustc_hash::FxHashMap;

use citygrid_planar::{Faces, Keep, assign_holes, coord_key, rings, signed_area2};

/// Label of the region outside the unit being divided.
pub(crate) const OUTSIDE: u32 = u32::MAX;
/// Label not known yet (a unit-boundary half-edge).
pub(crate) const UNKNOWN: u32 = u32::MAX - 1;

/// Half-edges between nodes, with labels on their left.
#[derive(Debug, Default)]
pub(crate) struct Arrangement {
    /// Node positions.
    pub nodes: Vec<Coord<f64>>,
    node_of: FxHashMap<[u64; 2], u32>,
    pairs: rustc_hash::FxHashSet<(u32, u32)>,
    /// Origin node of each half-edge.
    pub origin: Vec<u32>,
    /// Label on the left of each half-edge.
    pub label: Vec<u32>,
    /// Next half-edge around the face on the left.
    pub next: Vec<u32>,
    /// Face cycle of each half-edge.
    pub cycle: Vec<u32>,
    /// Number of cycles.
    pub cycles: u32,
}

impl Arrangement {
    /// The node at `c` rounded to the output grid, created when new.
    ///
    /// Output files keep 9 decimals (0.1 mm), so nodes live on that grid here too:
    /// what is checked is what gets written, and crossing points a hair apart (a
    /// hexagon vertex on a boundary vertex, up to rounding) become one node instead
    /// of a micro-segment whose direction is noise.
    pub(crate) fn node(&mut self, c: Coord<f64>) -> u32 {
        let c = Coord {
            x: (c.x * 1e9).round() / 1e9,
            y: (c.y * 1e9).round() / 1e9,
        };
        let next = self.nodes.len() as u32;
        *self.node_of.entry(coord_key(c)).or_insert_with(|| {
            self.nodes.push(c);
            next
        })
    }

    /// Adds the edge `p`-`q` with `left` on the left going from `p` to `q` and
    /// `right` on the other side. Zero-length edges are skipped.
    pub(crate) fn add(&mut self, p: Coord<f64>, q: Coord<f64>, left: u32, right: u32) {
        let (a, b) = (self.node(p), self.node(q));
        // One edge per pair of nodes: the first added wins (unit boundaries are
        // added before hexagon edges).
        if a == b || !self.pairs.insert((a.min(b), a.max(b))) {
            return;
        }
        self.origin.push(a);
        self.label.push(left);
        self.origin.push(b);
        self.label.push(right);
    }

    /// Twin of a half-edge.
    pub(crate) fn twin(e: u32) -> u32 {
        e ^ 1
    }

    /// Destination node of a half-edge.
    pub(crate) fn dest(&self, e: u32) -> u32 {
        self.origin[Arrangement::twin(e) as usize]
    }

    /// Links half-edges into face cycles (the kernel's [`Faces::cycles`]): the face
    /// left of `e` continues with the outgoing half-edge just clockwise of `e`'s twin,
    /// edges around a node ordered exactly.
    pub(crate) fn link(&mut self) {
        let edges: Vec<[u32; 2]> = self.origin.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
        let faces = Faces::cycles(&self.nodes, &edges);
        self.cycles = faces.cycles.len() as u32;
        self.next = faces.next;
        self.cycle = faces.cycle_of;
    }

    /// Gives every half-edge of a cycle the cycle's label: the first known label
    /// on it, else `sample(half-edge)` for a cycle of unit-boundary half-edges only.
    /// Returns a half-edge of each cycle that carried two different known labels
    /// (none unless an edge crossing was missed).
    pub(crate) fn spread_labels(&mut self, mut sample: impl FnMut(&Self, u32) -> u32) -> Vec<u32> {
        let mut of_cycle = vec![UNKNOWN; self.cycles as usize];
        let mut conflicts = vec![None; self.cycles as usize];
        for (e, &l) in self.label.iter().enumerate() {
            let c = self.cycle[e] as usize;
            if l == UNKNOWN || of_cycle[c] == OUTSIDE {
                continue;
            }
            // The outside wins: a hexagon edge fragment left poking out of the unit
            // (rounding at a crossing) must not give the outside a cell's label.
            if l == OUTSIDE {
                of_cycle[c] = OUTSIDE;
                conflicts[c] = None;
            } else if of_cycle[c] == UNKNOWN {
                of_cycle[c] = l;
            } else if of_cycle[c] != l {
                conflicts[c] = Some(e as u32);
            }
        }
        let mut longest: Vec<(f64, u32)> = vec![(-1.0, 0); self.cycles as usize];
        for e in 0..self.label.len() {
            let c = self.cycle[e] as usize;
            if of_cycle[c] == UNKNOWN {
                let len = self.length(e as u32);
                if len > longest[c].0 {
                    longest[c] = (len, e as u32);
                }
            }
        }
        for c in 0..self.cycles as usize {
            if of_cycle[c] == UNKNOWN {
                of_cycle[c] = sample(self, longest[c].1);
            }
        }
        for e in 0..self.label.len() {
            self.label[e] = of_cycle[self.cycle[e] as usize];
        }
        conflicts.into_iter().flatten().collect()
    }

    /// Length of a half-edge, degrees.
    pub(crate) fn length(&self, e: u32) -> f64 {
        let p = self.nodes[self.origin[e as usize] as usize];
        let q = self.nodes[self.dest(e) as usize];
        (q.x - p.x).hypot(q.y - p.y)
    }

    /// A point just left of the middle of half-edge `e`, inside the face it bounds.
    pub(crate) fn point_left_of(&self, e: u32) -> Coord<f64> {
        let p = self.nodes[self.origin[e as usize] as usize];
        let q = self.nodes[self.dest(e) as usize];
        let (dx, dy) = (q.x - p.x, q.y - p.y);
        let k = 1e-6;
        Coord {
            x: (p.x + q.x) / 2.0 - dy * k,
            y: (p.y + q.y) / 2.0 + dx * k,
        }
    }

    /// The boundary rings of every group: half-edges whose left and right lie in
    /// different groups, traced into rings by the kernel ([`rings`], the group on the
    /// left). `group` maps a label to its group (`OUTSIDE` must map to a group of its
    /// own). Rings start at labelled half-edges where they can, and a ring of the
    /// outside alone is left out.
    pub(crate) fn dissolve(&self, group: impl Fn(u32) -> u32) -> FxHashMap<u32, Vec<Vec<u32>>> {
        let g: Vec<u32> = self.label.iter().map(|&l| group(l)).collect();
        let outside = |e: u32| self.label[e as usize] == OUTSIDE;
        let (inner, outer): (Vec<u32>, Vec<u32>) = (0..self.label.len() as u32)
            .filter(|&e| g[e as usize] != g[Arrangement::twin(e) as usize])
            .partition(|&e| !outside(e));
        let boundary: Vec<u32> = inner.into_iter().chain(outer).collect();
        let ends: Vec<(u32, u32)> = boundary
            .iter()
            .map(|&e| (self.origin[e as usize], self.dest(e)))
            .collect();
        let mut out: FxHashMap<u32, Vec<Vec<u32>>> = FxHashMap::default();
        for ring in rings(&ends, |v| self.nodes[v as usize], Keep::Left) {
            let ring: Vec<u32> = ring.into_iter().map(|k| boundary[k]).collect();
            if ring.iter().all(|&e| outside(e)) {
                continue;
            }
            out.entry(g[ring[0] as usize]).or_default().push(ring);
        }
        out
    }

    /// Coordinates of a ring of half-edges, closed.
    pub(crate) fn ring_coords(&self, ring: &[u32]) -> Vec<Coord<f64>> {
        let mut c: Vec<Coord<f64>> = ring
            .iter()
            .map(|&e| self.nodes[self.origin[e as usize] as usize])
            .collect();
        if let Some(&f) = c.first() {
            c.push(f);
        }
        c
    }
}

/// Polygons from closed rings: counter-clockwise rings are shells, clockwise ones
/// holes, each hole given to the smallest shell holding it (the kernel's
/// [`assign_holes`]); shells largest first.
pub(crate) fn polygons(rings: Vec<Vec<Coord<f64>>>) -> MultiPolygon<f64> {
    let mut shells: Vec<(f64, Vec<Coord<f64>>)> = Vec::new();
    let mut holes = Vec::new();
    for r in rings {
        let a = signed_area2(&r);
        if a > 0.0 {
            shells.push((a, r));
        } else if a < 0.0 {
            holes.push(r);
        }
    }
    shells.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| cmp_coords(&a.1, &b.1)));
    let areas: Vec<f64> = shells.iter().map(|s| s.0).collect();
    let shell_rings: Vec<Vec<Coord<f64>>> = shells.into_iter().map(|s| s.1).collect();
    let owners = if shell_rings.len() == 1 {
        vec![Some(0); holes.len()]
    } else {
        assign_holes(&shell_rings, &areas, &holes)
    };
    let mut polys: Vec<Polygon<f64>> = shell_rings
        .into_iter()
        .map(|s| Polygon::new(LineString(s), vec![]))
        .collect();
    for (h, owner) in holes.into_iter().zip(owners) {
        // A hole no shell holds (rounding at a crossing) goes to the largest shell.
        if let Some(p) = polys.get_mut(owner.unwrap_or(0)) {
            p.interiors_push(LineString(h));
        }
    }
    MultiPolygon(polys)
}

/// A total order on rings, so equal-area shells sort the same way every run.
fn cmp_coords(a: &[Coord<f64>], b: &[Coord<f64>]) -> std::cmp::Ordering {
    for (p, q) in a.iter().zip(b) {
        let o = p.x.total_cmp(&q.x).then(p.y.total_cmp(&q.y));
        if o.is_ne() {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    /// A row of unit squares from x = 0 eastwards with these labels on the
    /// walls between them; the outer ring's inside is left unknown.
    pub(crate) fn strip(labels: &[u32]) -> Arrangement {
        let mut a = Arrangement::default();
        let n = labels.len();
        let ring: Vec<Coord<f64>> = (0..=n)
            .map(|x| c(x as f64, 0.))
            .chain((0..=n).rev().map(|x| c(x as f64, 1.)))
            .collect();
        for k in 0..ring.len() {
            a.add(ring[k], ring[(k + 1) % ring.len()], UNKNOWN, OUTSIDE);
        }
        for x in 1..n {
            a.add(c(x as f64, 0.), c(x as f64, 1.), labels[x - 1], labels[x]);
        }
        a.link();
        a
    }

    /// A 2 x 1 rectangle split into two unit squares labelled 1 (west) and 0.
    fn two_squares() -> Arrangement {
        strip(&[1, 0])
    }

    #[test]
    fn faces_get_their_labels_and_dissolve_into_squares() {
        let mut a = two_squares();
        assert_eq!(a.cycles, 3); // two squares and the outside
        let conflicts =
            a.spread_labels(|_, _| unreachable!("every inner face has a labelled edge"));
        assert!(conflicts.is_empty());
        let rings = a.dissolve(|l| l);
        let square = |l: u32| {
            let r = &rings[&l];
            assert_eq!(r.len(), 1);
            polygons(vec![a.ring_coords(&r[0])])
        };
        use geo::Area;
        assert_eq!(square(0).unsigned_area(), 1.0);
        assert_eq!(square(1).unsigned_area(), 1.0);
        // Grouping both labels together gives the rectangle, with the middle
        // vertices kept (its neighbours share them).
        let both = a.dissolve(|l| if l == OUTSIDE { OUTSIDE } else { 0 });
        let rect = polygons(vec![a.ring_coords(&both[&0][0])]);
        assert_eq!(rect.unsigned_area(), 2.0);
        assert_eq!(rect.0[0].exterior().0.len(), 7);
    }

    #[test]
    fn a_face_without_labelled_edges_is_sampled() {
        let mut a = Arrangement::default();
        let ring = [c(0., 0.), c(1., 0.), c(1., 1.), c(0., 1.)];
        for k in 0..4 {
            a.add(ring[k], ring[(k + 1) % 4], UNKNOWN, OUTSIDE);
        }
        a.link();
        a.spread_labels(|arr, e| {
            let p = arr.point_left_of(e);
            assert!(p.x > 0.0 && p.x < 1.0 && p.y > 0.0 && p.y < 1.0);
            7
        });
        let rings = a.dissolve(|l| l);
        assert_eq!(rings[&7].len(), 1);
    }

    #[test]
    fn holes_go_to_the_shell_around_them() {
        let shell = vec![c(0., 0.), c(4., 0.), c(4., 4.), c(0., 4.), c(0., 0.)];
        let hole = vec![c(1., 1.), c(1., 2.), c(2., 2.), c(2., 1.), c(1., 1.)];
        let other = vec![c(10., 0.), c(11., 0.), c(11., 1.), c(10., 1.), c(10., 0.)];
        let mp = polygons(vec![other, hole, shell]);
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert_eq!(mp.0[1].interiors().len(), 0);
    }
}
