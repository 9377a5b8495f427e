//! The overlay of every ring: all segments noded into one planar graph, its faces,
//! and for each face the units (and the boundary) that cover it.
//!
//! Each ring is read by the even-odd rule: a point is inside a ring when the ring
//! winds around it an odd number of times. That is the only reading under which a
//! bow-tie, a ring crossing itself, a spike or a doubled stretch still mean
//! something (a spike and a doubled stretch enclose nothing), and it does not
//! depend on orientation. A unit covers a point when one of its polygons' shells
//! holds it and none of that polygon's holes does. Crossing an edge flips the parity
//! of exactly the rings that run along it an odd number of times, so the parities
//! of every face follow from one face per connected part of the graph: the face
//! around it, whose parities are already known (the outside of everything has none).

use citygrid_planar::{Faces, Noded, UNBOUNDED, node, signed_area2};

use crate::error::{RepairError, Result};
use crate::rings::{BOUNDARY, Rings};
use crate::snap::Frame;

/// The overlay. Face ids are cycle ids of bounded faces, plus [`Overlay::outside`]
/// for the unbounded face.
pub(crate) struct Overlay {
    pub noded: Noded,
    pub faces: Faces,
    /// For each input segment, its ring.
    pub seg_ring: Vec<u32>,
    /// For each face: the units covering it, sorted.
    pub covering: Vec<Vec<u32>>,
    /// For each face: whether the boundary covers it.
    pub inside: Vec<bool>,
    /// For each face: its area in m².
    pub area_m2: Vec<f64>,
    /// For each face: the cycles around it (its own, then those of the parts inside
    /// it).
    pub cycles_of: Vec<Vec<u32>>,
    /// For each edge: its length in m.
    pub length_m: Vec<f64>,
}

impl Overlay {
    /// Nodes and covers.
    pub(crate) fn build(rings: &Rings, frame: &Frame) -> Result<Self> {
        let (segments, seg_ring) = rings.segments();
        let noded = node(&segments).map_err(|e| RepairError::NotPlanar {
            x: e.at.x,
            y: e.at.y,
        })?;
        let faces = Faces::build(&noded.vertices, &noded.edges);
        let n_cycles = faces.cycles.len();
        let outside = n_cycles;
        let mut cycles_of: Vec<Vec<u32>> = vec![Vec::new(); n_cycles + 1];
        for c in 0..n_cycles as u32 {
            let f = faces.face[c as usize];
            let f = if f == UNBOUNDED { outside } else { f as usize };
            cycles_of[f].push(c);
        }
        // Own cycle first.
        for (f, list) in cycles_of.iter_mut().enumerate() {
            list.sort_by_key(|&c| (c as usize != f, c));
        }
        // Rings flipped by crossing each edge.
        let toggles: Vec<Vec<u32>> = (0..noded.edges.len())
            .map(|e| {
                let mut rs: Vec<u32> = noded
                    .sources(e)
                    .iter()
                    .map(|s| seg_ring[s.segment as usize])
                    .collect();
                rs.sort_unstable();
                let mut odd = Vec::with_capacity(rs.len());
                for r in rs {
                    if odd.last() == Some(&r) {
                        odd.pop();
                    } else {
                        odd.push(r);
                    }
                }
                odd
            })
            .collect();
        let mut parity: Vec<Option<Vec<u32>>> = vec![None; n_cycles];
        for &part in &faces.parts {
            let around = faces.face[part as usize];
            let base = if around == UNBOUNDED {
                Vec::new()
            } else {
                parity[around as usize].clone().unwrap_or_default()
            };
            parity[part as usize] = Some(base);
            let mut stack = vec![part];
            while let Some(c) = stack.pop() {
                let here = parity[c as usize].clone().unwrap_or_default();
                for h in faces.half_edges(c) {
                    let d = faces.cycle_of[(h ^ 1) as usize];
                    if parity[d as usize].is_some() {
                        continue;
                    }
                    parity[d as usize] = Some(xor(&here, &toggles[(h / 2) as usize]));
                    stack.push(d);
                }
            }
        }
        let mut covering = vec![Vec::new(); n_cycles + 1];
        let mut inside = vec![false; n_cycles + 1];
        let mut area_m2 = vec![0.0; n_cycles + 1];
        for f in 0..n_cycles {
            if faces.outer[f] {
                continue;
            }
            let odd = parity[f].as_deref().unwrap_or_default();
            let (units, boundary) = cover(rings, odd);
            covering[f] = units;
            inside[f] = boundary;
            let ring = faces.ring(&noded.vertices, f as u32);
            let mut area2 = signed_area2(&ring).max(0.0);
            for &c in &cycles_of[f][1..] {
                area2 -= signed_area2(&faces.ring(&noded.vertices, c)).abs();
            }
            area_m2[f] = area2.max(0.0) / 2.0 * frame.m2_at(centre(&ring));
        }
        let length_m = (0..noded.edges.len())
            .map(|e| {
                let (a, b) = noded.ends(e);
                frame.length_m(a, b)
            })
            .collect();
        Ok(Overlay {
            noded,
            faces,
            seg_ring,
            covering,
            inside,
            area_m2,
            cycles_of,
            length_m,
        })
    }

    /// The id of the unbounded face.
    pub(crate) fn outside(&self) -> usize {
        self.faces.cycles.len()
    }

    /// Number of face ids (bounded cycles, outer cycles unused, and the outside).
    pub(crate) fn face_count(&self) -> usize {
        self.faces.cycles.len() + 1
    }

    /// The face left of a half-edge.
    pub(crate) fn face_of(&self, half_edge: u32) -> usize {
        let f = self.faces.face_of(half_edge);
        if f == UNBOUNDED {
            self.outside()
        } else {
            f as usize
        }
    }

    /// Whether a face id is a face (not an outer cycle, which only borders one).
    pub(crate) fn is_face(&self, f: usize) -> bool {
        f == self.outside() || !self.faces.outer[f]
    }

    /// The half-edges around a face (its own cycle and those of parts inside it).
    pub(crate) fn half_edges(&self, f: usize) -> impl Iterator<Item = u32> + '_ {
        self.cycles_of[f]
            .iter()
            .flat_map(|&c| self.faces.half_edges(c))
    }
}

/// The middle of a ring's bounding box.
fn centre(ring: &[geo_types::Coord<f64>]) -> geo_types::Coord<f64> {
    let (mut lo, mut hi) = (ring[0], ring[0]);
    for c in ring {
        lo.x = lo.x.min(c.x);
        lo.y = lo.y.min(c.y);
        hi.x = hi.x.max(c.x);
        hi.y = hi.y.max(c.y);
    }
    (lo + hi) / 2.0
}

/// Symmetric difference of two sorted lists.
fn xor(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                out.push(*x);
                i += 1;
            }
            (Some(x), None) => {
                out.push(*x);
                i += 1;
            }
            (_, Some(y)) => {
                out.push(*y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// Units covering a face whose odd rings are `odd`, and whether the boundary does.
fn cover(rings: &Rings, odd: &[u32]) -> (Vec<u32>, bool) {
    let mut units = Vec::new();
    let mut boundary = false;
    for &r in odd {
        let ring = &rings.rings[r as usize];
        let p = &rings.polygons[ring.polygon as usize];
        if p.shell != r || p.holes.iter().any(|h| odd.binary_search(h).is_ok()) {
            continue;
        }
        if p.owner == BOUNDARY {
            boundary = true;
        } else {
            units.push(p.owner);
        }
    }
    units.sort_unstable();
    units.dedup();
    (units, boundary)
}
