//! A neighbourhood of units and an operation's lines, noded together by the
//! kernel, with the owner of every face: the ground every geometric edit works on.
//!
//! Each unit's rings are oriented with the unit on the left, so every piece of
//! boundary says who lies on which side of it: the owners of faces come from the
//! boundary, exactly, never from a rounded point-in-polygon test. A face that no
//! unit boundary touches (cut off inside a unit by the operation's lines) takes the
//! owner of the face across a line, since a line alone never separates two units.
//!
//! An operation then changes owners face by face; each unit's new geometry is the
//! boundary between its faces and everyone else's, traced by the kernel. Vertices
//! the noding added (a line crossing a boundary) are dropped again wherever the
//! boundary through them kept both its sides, so neighbours that did not change get
//! back exactly the rings they had.

use citygrid_model::{Partition, RingSet, UnitCode, UnitId};
use citygrid_planar::{Faces, Keep, Noded, Parts, UNBOUNDED, assemble, coord_key, node, rings};
use geo_types::{Coord, MultiPolygon};
use rustc_hash::{FxHashMap, FxHashSet};

/// The owner of the area outside every unit of the neighbourhood.
pub(crate) const OUTSIDE: u32 = u32::MAX;
/// Source of an input segment that is an operation's line, not a unit's boundary.
const LINE: u32 = u32::MAX;

/// Points to insert into unit boundary segments before noding (an operation's
/// end snapped onto a segment), by the segment's undirected key.
pub(crate) type Insertions = FxHashMap<[u64; 4], Vec<Coord<f64>>>;

/// The undirected key of a segment.
pub(crate) fn segment_key(a: Coord<f64>, b: Coord<f64>) -> [u64; 4] {
    let (ka, kb) = (coord_key(a), coord_key(b));
    let (lo, hi) = if ka <= kb { (ka, kb) } else { (kb, ka) };
    [lo[0], lo[1], hi[0], hi[1]]
}

/// Units and lines noded into faces, each face owned by a unit (its index in
/// [`Local::units`]) or [`OUTSIDE`].
pub(crate) struct Local {
    /// The units of the neighbourhood, by partition id; a unit's label is its index.
    pub units: Vec<UnitId>,
    /// The noded graph.
    pub noded: Noded,
    /// Its faces.
    pub faces: Faces,
    /// The units' codes, for messages.
    codes: Vec<UnitCode>,
    /// For each input segment, the label of the unit on its left, or [`LINE`].
    source: Vec<u32>,
    /// For each input segment of a unit, the ring segment it is (part of).
    ring_segment: Vec<u32>,
    /// Owner of each face: index = cycle id of a bounded face, the last one for the
    /// unbounded face.
    pub owner: Vec<u32>,
    /// Vertices that are vertices of some unit's rings as given.
    original: Vec<bool>,
}

impl Local {
    /// Nodes the rings of `units` (with `insertions` put into their segments) and
    /// the `lines`, and finds the owner of every face.
    ///
    /// # Errors
    /// A message when two units claim one face (the partition overlaps there) or
    /// the noding does not settle.
    pub fn build(
        partition: &Partition,
        units: Vec<UnitId>,
        insertions: &Insertions,
        lines: &[[Coord<f64>; 2]],
    ) -> Result<Local, String> {
        let rings = RingSet::build(units.iter().map(|&u| &partition.unit(u).geometry));
        let mut segments: Vec<[Coord<f64>; 2]> = Vec::with_capacity(rings.segment_count());
        let mut source: Vec<u32> = Vec::with_capacity(rings.segment_count());
        let mut ring_segment: Vec<u32> = Vec::with_capacity(rings.segment_count());
        let mut originals: FxHashSet<[u64; 2]> = FxHashSet::default();
        for s in rings.segment_ids() {
            let (a, b) = rings.segment(s);
            originals.insert(coord_key(a));
            let face = rings.face_of(s);
            let mut prev = a;
            if let Some(points) = insertions.get(&segment_key(a, b)) {
                let mut along: Vec<Coord<f64>> = points.clone();
                let d = b - a;
                along.sort_by(|p, q| {
                    let t = |c: &Coord<f64>| (c.x - a.x) * d.x + (c.y - a.y) * d.y;
                    t(p).total_cmp(&t(q))
                });
                for p in along {
                    if p != prev && p != b {
                        segments.push([prev, p]);
                        source.push(face);
                        ring_segment.push(s);
                        prev = p;
                    }
                }
            }
            segments.push([prev, b]);
            source.push(face);
            ring_segment.push(s);
        }
        for l in lines {
            segments.push(*l);
            source.push(LINE);
            ring_segment.push(u32::MAX);
        }
        let noded = node(&segments).map_err(|e| {
            format!(
                "the lines cross the boundaries too closely to be noded near {:.7} {:.7}",
                e.at.x, e.at.y
            )
        })?;
        let faces = Faces::build(&noded.vertices, &noded.edges);
        let original = noded
            .vertices
            .iter()
            .map(|&v| originals.contains(&coord_key(v)))
            .collect();
        let codes = units
            .iter()
            .map(|&u| partition.unit(u).code.clone())
            .collect();
        let mut local = Local {
            units,
            codes,
            noded,
            faces,
            source,
            ring_segment,
            owner: Vec::new(),
            original,
        };
        local.owner = local.find_owners()?;
        Ok(local)
    }

    /// The face id of a half-edge's left side.
    pub fn face(&self, h: u32) -> usize {
        let f = self.faces.face_of(h);
        if f == UNBOUNDED {
            self.faces.cycles.len()
        } else {
            f as usize
        }
    }

    /// Number of faces (the unbounded one included).
    pub fn face_count(&self) -> usize {
        self.faces.cycles.len() + 1
    }

    /// Number of half-edges.
    pub fn half_edges(&self) -> u32 {
        2 * self.noded.edges.len() as u32
    }

    /// Whether an edge lies on a unit's boundary (as given).
    pub fn on_boundary(&self, edge: usize) -> bool {
        self.noded
            .sources(edge)
            .iter()
            .any(|s| self.source[s.segment as usize] != LINE)
    }

    /// Whether an edge is part of an operation's line.
    pub fn on_line(&self, edge: usize) -> bool {
        self.noded
            .sources(edge)
            .iter()
            .any(|s| self.source[s.segment as usize] == LINE)
    }

    /// Owners from the boundary: each unit segment names the face on its left; a
    /// face cut off by lines alone takes its neighbour's across the line.
    fn find_owners(&self) -> Result<Vec<u32>, String> {
        let n = self.face_count();
        let mut owner = vec![None::<u32>; n];
        for e in 0..self.noded.edges.len() {
            for s in self.noded.sources(e) {
                let label = self.source[s.segment as usize];
                if label == LINE {
                    continue;
                }
                let h = 2 * e as u32 + u32::from(!s.forward);
                let f = self.face(h);
                match owner[f] {
                    None => owner[f] = Some(label),
                    Some(o) if o == label => {}
                    Some(o) => {
                        let (a, _) = self.noded.ends(e);
                        let (ua, ub) = (self.code(o), self.code(label));
                        return Err(format!(
                            "units {ua} and {ub} overlap near {:.7} {:.7}",
                            a.x, a.y
                        ));
                    }
                }
            }
        }
        let mut parts = Parts::new(n);
        for e in 0..self.noded.edges.len() {
            if !self.on_boundary(e) {
                parts.join(
                    self.face(2 * e as u32) as u32,
                    self.face(2 * e as u32 + 1) as u32,
                );
            }
        }
        let mut of_part: FxHashMap<u32, u32> = FxHashMap::default();
        for (f, o) in owner.iter().enumerate() {
            if let Some(o) = o {
                of_part.entry(parts.of(f as u32)).or_insert(*o);
            }
        }
        Ok((0..n)
            .map(|f| {
                owner[f].unwrap_or_else(|| *of_part.get(&parts.of(f as u32)).unwrap_or(&OUTSIDE))
            })
            .collect())
    }

    /// The code of a unit of the neighbourhood, by partition id.
    pub fn code_of(&self, id: UnitId) -> UnitCode {
        let label = self.units.iter().position(|&u| u == id).unwrap_or(0);
        self.codes[label].clone()
    }

    /// The code of a label, for messages.
    pub fn code(&self, label: u32) -> String {
        self.codes
            .get(label as usize)
            .map_or_else(|| "outside".to_string(), ToString::to_string)
    }

    /// Which faces lie inside the region the lines bound, the lines given as rings
    /// with the region on their left: from the sides of the line pieces, carried
    /// across every edge that is not a line.
    pub fn inside_lines(&self) -> Vec<bool> {
        let n = self.face_count();
        let mut side = vec![None::<bool>; n];
        for e in 0..self.noded.edges.len() {
            for s in self.noded.sources(e) {
                if self.source[s.segment as usize] != LINE {
                    continue;
                }
                let left = 2 * e as u32 + u32::from(!s.forward);
                side[self.face(left)].get_or_insert(true);
                side[self.face(left ^ 1)].get_or_insert(false);
            }
        }
        let mut parts = Parts::new(n);
        for e in 0..self.noded.edges.len() {
            if !self.on_line(e) {
                parts.join(
                    self.face(2 * e as u32) as u32,
                    self.face(2 * e as u32 + 1) as u32,
                );
            }
        }
        let mut of_part: FxHashMap<u32, bool> = FxHashMap::default();
        for (f, s) in side.iter().enumerate() {
            if let Some(s) = s {
                of_part.entry(parts.of(f as u32)).or_insert(*s);
            }
        }
        (0..n)
            .map(|f| side[f].unwrap_or_else(|| *of_part.get(&parts.of(f as u32)).unwrap_or(&false)))
            .collect()
    }

    /// The vertex at `c` exactly, if the graph has one.
    pub fn vertex_at(&self, c: Coord<f64>) -> Option<u32> {
        let k = coord_key(c);
        self.noded
            .vertices
            .iter()
            .position(|&v| coord_key(v) == k)
            .map(|i| i as u32)
    }

    /// The faces owned by `label` under `owner`.
    pub fn faces_of(&self, owner: &[u32], label: u32) -> Vec<usize> {
        (0..owner.len()).filter(|&f| owner[f] == label).collect()
    }

    /// The geometry of `label` under `owner`: the boundary between its faces and
    /// everyone else's, traced by the kernel; vertices the noding added where the
    /// boundary kept both its sides are dropped.
    pub fn geometry(&self, owner: &[u32], label: u32) -> MultiPolygon<f64> {
        let mine = |h: u32| owner[self.face(h)] == label;
        let boundary: Vec<u32> = (0..self.half_edges())
            .filter(|&h| mine(h) && !mine(h ^ 1))
            .collect();
        let ends: Vec<(u32, u32)> = boundary
            .iter()
            .map(|&h| {
                (
                    self.faces.origin[h as usize],
                    self.faces.origin[(h ^ 1) as usize],
                )
            })
            .collect();
        let traced = rings(&ends, |v| self.noded.vertices[v as usize], Keep::Left);
        let cleaned: Vec<Vec<u32>> = traced
            .into_iter()
            .map(|ring| {
                let hs: Vec<u32> = ring.iter().map(|&k| boundary[k]).collect();
                self.without_added_vertices(owner, &hs)
            })
            .filter(|r| r.len() >= 3)
            .collect();
        assemble(&self.noded.vertices, cleaned)
    }

    /// The ring's vertices (origins of its half-edges), less the vertices the noding
    /// or an operation added inside a piece of boundary that kept its two sides.
    fn without_added_vertices(&self, owner: &[u32], ring: &[u32]) -> Vec<u32> {
        let n = ring.len();
        (0..n)
            .filter(|&i| {
                let (into, out) = (ring[(i + n - 1) % n], ring[i]);
                let v = self.faces.origin[out as usize];
                self.original[v as usize] || !self.same_piece(owner, into, out)
            })
            .map(|i| self.faces.origin[ring[i] as usize])
            .collect()
    }

    /// Whether two consecutive half-edges are one piece of a unit boundary as
    /// given: the same boundary segments under both, the same owners on both sides.
    fn same_piece(&self, owner: &[u32], into: u32, out: u32) -> bool {
        let unit_sources = |h: u32| -> Vec<u32> {
            let mut s: Vec<u32> = self
                .noded
                .sources((h / 2) as usize)
                .iter()
                .filter(|s| self.source[s.segment as usize] != LINE)
                .map(|s| self.ring_segment[s.segment as usize])
                .collect();
            s.sort_unstable();
            s
        };
        let (a, b) = (unit_sources(into), unit_sources(out));
        !a.is_empty()
            && a == b
            && owner[self.face(into)] == owner[self.face(out)]
            && owner[self.face(into ^ 1)] == owner[self.face(out ^ 1)]
    }
}
