//! The planar arrangement of the boundary segments that do not cancel out, and the
//! coverage count of every face it makes.
//!
//! Give every unit ring a direction with the unit on its left. Then the number of
//! units covering a point (its winding count W) changes only across segments, by +1
//! when entering a unit. Two units sharing a boundary vertex for vertex contribute the
//! same segment in opposite directions, which cancel: W does not change there. So W
//! everywhere is decided by the few segments left after cancelling exact pairs: the
//! outer boundary, and whatever is broken. Noding and polygonizing only those gives
//! exactly the regions where W is 0 (gaps), 1 (fine) or 2+ (overlaps), however the
//! damage looks, at a cost that grows with the damage, not with the city.
//!
//! A second count, R, does the same for a reference (the city outline, or the level
//! above): W < R is uncovered, W > R is overlapping or outside the reference. Only the
//! excess D = W - R is carried through the arrangement, so a unit boundary lying
//! exactly on the reference cancels too, and a clean partition leaves nothing at all;
//! the few faces with an unexpected D are then classified by counting W and R at a
//! point inside them.

use geo_types::Coord;
use rstar::{AABB, RTree, RTreeObject};
use rustc_hash::FxHashMap;

use citygrid_model::rings::FaceId;
use citygrid_planar::{Faces, Meeting, UNBOUNDED, coord_key, meet, node};

/// Which count a segment adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The units being checked (W).
    Units,
    /// The reference they must cover exactly (R).
    Reference,
}

/// One directed boundary segment, with its unit (or reference) on the left.
#[derive(Debug, Clone, Copy)]
pub struct Directed {
    /// Start.
    pub a: Coord<f64>,
    /// End.
    pub b: Coord<f64>,
    /// The unit on the left (ignored for the reference layer).
    pub face: FaceId,
    /// Which count it adds to.
    pub layer: Layer,
}

/// A segment that survived cancellation: its net change of D in its own direction and
/// the units that contributed to it.
#[derive(Debug, Clone)]
pub struct Leftover {
    /// Start.
    pub a: Coord<f64>,
    /// End.
    pub b: Coord<f64>,
    /// Net change of D = W - R across it, right to left.
    pub excess: i32,
    /// Units whose rings contain it (empty for a stretch of the reference alone).
    pub faces: Vec<FaceId>,
}

/// How two leftover segments of different units meet, when not at a shared end.
#[derive(Debug, Clone, Copy)]
pub struct Contact {
    /// Index into [`Arrangement::leftovers`].
    pub first: usize,
    /// Index into [`Arrangement::leftovers`].
    pub second: usize,
    /// How they meet.
    pub meeting: Meeting,
}

/// Two leftovers of different units closer than the tolerance without meeting.
#[derive(Debug, Clone, Copy)]
pub struct NearPair {
    /// Index into [`Arrangement::leftovers`].
    pub first: usize,
    /// Index into [`Arrangement::leftovers`].
    pub second: usize,
    /// Their distance in metres.
    pub metres: f64,
    /// The point halfway between their closest points: in the gap when there is
    /// one, in or on a unit when something fills the space between them.
    pub between: Coord<f64>,
}

/// One face boundary cycle of the arrangement.
#[derive(Debug, Clone)]
pub struct Cycle {
    /// Closed ring (first vertex repeated at the end).
    pub ring: Vec<Coord<f64>>,
    /// Twice the signed area in degrees² (positive: a bounded face seen from inside).
    pub area2: f64,
    /// D = W - R of the face on the cycle's left.
    pub excess: i32,
    /// Units whose boundary forms part of the cycle.
    pub faces: Vec<FaceId>,
    /// For each segment of the ring (`ring[i]` to `ring[i + 1]`), whether it belongs
    /// to the reference alone (no unit's boundary runs along it).
    pub reference: Vec<bool>,
    /// Closed rings (clockwise) of the groups of leftovers lying inside this face
    /// without touching its ring: the face's holes. A face is its ring minus these.
    pub holes: Vec<Vec<Coord<f64>>>,
    /// For each hole, [`Cycle::reference`] of its segments.
    pub hole_reference: Vec<Vec<bool>>,
}

impl Cycle {
    /// Whether part of the cycle is the reference's boundary.
    #[must_use]
    pub fn touches_reference(&self) -> bool {
        self.reference
            .iter()
            .chain(self.hole_reference.iter().flatten())
            .any(|&r| r)
    }

    /// Every segment of the face's ring and holes, with its [`Cycle::reference`] flag.
    pub fn segments(&self) -> impl Iterator<Item = ([Coord<f64>; 2], bool)> + '_ {
        std::iter::once((&self.ring, &self.reference))
            .chain(self.holes.iter().zip(&self.hole_reference))
            .flat_map(|(ring, flags)| ring.windows(2).zip(flags).map(|(w, &r)| ([w[0], w[1]], r)))
    }

    /// The face as a polygon: its ring with its holes.
    #[must_use]
    pub fn polygon(&self) -> geo_types::Polygon<f64> {
        geo_types::Polygon::new(
            geo_types::LineString(self.ring.clone()),
            self.holes
                .iter()
                .map(|h| geo_types::LineString(h.clone()))
                .collect(),
        )
    }
}

/// The arrangement of leftover segments.
#[derive(Debug, Clone, Default)]
pub struct Arrangement {
    /// Segments that did not cancel, before noding.
    pub leftovers: Vec<Leftover>,
    /// Where leftovers of different units meet other than end to end.
    pub contacts: Vec<Contact>,
    /// Pairs of leftovers of different units closer than the tolerance without
    /// meeting.
    pub near: Vec<NearPair>,
    /// All face cycles; bounded faces have `area2 > 0`.
    pub cycles: Vec<Cycle>,
}

/// Settings for [`Arrangement::build`].
#[derive(Debug, Clone, Copy)]
pub struct NearTolerance {
    /// Metres per degree of longitude and latitude, for measuring distances.
    pub metres_per_degree: (f64, f64),
    /// Report leftovers of different units closer than this, in metres (0: never).
    pub metres: f64,
}

impl Arrangement {
    /// Cancels exact pairs, nodes what is left, and counts W and R on every face.
    ///
    /// `excess_at(p)` must return D = W - R at a point `p` that lies on no leftover
    /// segment; it is called once per connected group of leftovers, to anchor the
    /// counts, which then follow from crossing segments.
    pub fn build(
        segments: impl IntoIterator<Item = Directed>,
        near: NearTolerance,
        mut excess_at: impl FnMut(Coord<f64>) -> i32,
    ) -> Self {
        let leftovers = cancel(segments);
        if leftovers.is_empty() {
            return Arrangement::default();
        }
        let (contacts, near_pairs) = contacts(&leftovers, near);
        let pieces = pieces(&leftovers);
        let cycles = polygonize(&pieces, &mut excess_at);
        Arrangement {
            leftovers,
            contacts,
            near: near_pairs,
            cycles,
        }
    }
}

/// Key of an undirected segment and whether the given direction is the key's.
fn undirected(a: Coord<f64>, b: Coord<f64>) -> ([u64; 4], bool) {
    let (ka, kb) = (coord_key(a), coord_key(b));
    if ka <= kb {
        ([ka[0], ka[1], kb[0], kb[1]], true)
    } else {
        ([kb[0], kb[1], ka[0], ka[1]], false)
    }
}

fn cancel(segments: impl IntoIterator<Item = Directed>) -> Vec<Leftover> {
    let mut acc: FxHashMap<[u64; 4], Leftover> = FxHashMap::default();
    let mut order: Vec<[u64; 4]> = Vec::new();
    for s in segments {
        if s.a == s.b {
            continue;
        }
        let (key, forward) = undirected(s.a, s.b);
        let sign = if forward { 1 } else { -1 };
        let entry = acc.entry(key).or_insert_with(|| {
            order.push(key);
            let (a, b) = if forward { (s.a, s.b) } else { (s.b, s.a) };
            Leftover {
                a,
                b,
                excess: 0,
                faces: Vec::new(),
            }
        });
        match s.layer {
            Layer::Units => {
                entry.excess += sign;
                if !entry.faces.contains(&s.face) {
                    entry.faces.push(s.face);
                }
            }
            Layer::Reference => entry.excess -= sign,
        }
    }
    order
        .into_iter()
        .filter_map(|k| acc.remove(&k))
        .filter(|l| l.excess != 0)
        .collect()
}

struct Indexed {
    id: usize,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Indexed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// Finds every pair of leftovers of different units that meet other than end to
/// end, and (with a tolerance) those that nearly meet.
fn contacts(leftovers: &[Leftover], near: NearTolerance) -> (Vec<Contact>, Vec<NearPair>) {
    let (mx, my) = near.metres_per_degree;
    let pad = if near.metres > 0.0 {
        (near.metres / mx.min(my)).max(0.0)
    } else {
        0.0
    };
    let items: Vec<Indexed> = leftovers
        .iter()
        .enumerate()
        .map(|(id, l)| Indexed {
            id,
            envelope: AABB::from_corners(
                [l.a.x.min(l.b.x) - pad, l.a.y.min(l.b.y) - pad],
                [l.a.x.max(l.b.x) + pad, l.a.y.max(l.b.y) + pad],
            ),
        })
        .collect();
    let tree = RTree::bulk_load(items);
    let mut contacts = Vec::new();
    let mut near_pairs = Vec::new();
    for (p, q) in tree.intersection_candidates_with_other_tree(&tree) {
        let (i, j) = (p.id, q.id);
        if i >= j {
            continue;
        }
        let (s, t) = (&leftovers[i], &leftovers[j]);
        let different = s.faces.iter().any(|f| !t.faces.contains(f))
            || t.faces.iter().any(|f| !s.faces.contains(f));
        if !different {
            continue;
        }
        match meet(s.a, s.b, t.a, t.b) {
            Meeting::Apart => {
                if pad > 0.0 && !s.faces.is_empty() && !t.faces.is_empty() {
                    let d = metric_distance(s, t, (mx, my));
                    if d < near.metres {
                        near_pairs.push(NearPair {
                            first: i,
                            second: j,
                            metres: d,
                            between: citygrid_planar::midway(s.a, s.b, t.a, t.b),
                        });
                    }
                }
            }
            Meeting::SharedEnd => {}
            meeting => contacts.push(Contact {
                first: i,
                second: j,
                meeting,
            }),
        }
    }
    (contacts, near_pairs)
}

fn metric_distance(s: &Leftover, t: &Leftover, (mx, my): (f64, f64)) -> f64 {
    let o = s.a;
    let m = |c: Coord<f64>| Coord {
        x: (c.x - o.x) * mx,
        y: (c.y - o.y) * my,
    };
    citygrid_planar::distance(m(s.a), m(s.b), m(t.a), m(t.b))
}

/// A noded piece with its net counts in the direction `a`→`b`.
#[derive(Debug, Clone)]
struct Piece {
    a: Coord<f64>,
    b: Coord<f64>,
    excess: i32,
    faces: Vec<FaceId>,
}

/// The leftovers noded by the kernel ([`citygrid_planar::node`]), each piece with the
/// net counts of the leftovers it lies on, in the order a walk along the leftovers
/// first meets them and in that direction (so faces, and the rings reported, come
/// out the same way every run).
fn pieces(leftovers: &[Leftover]) -> Vec<Piece> {
    let segments: Vec<[Coord<f64>; 2]> = leftovers.iter().map(|l| [l.a, l.b]).collect();
    let noded = match node(&segments) {
        Ok(n) => n,
        // Crossings that never settle (not seen): the last round's graph still
        // holds every piece, which is what a single round of noding would give.
        Err(e) => *e.partial,
    };
    let mut out: Vec<(u32, f64, Piece)> = (0..noded.edges.len())
        .filter_map(|e| {
            let mut sources = noded.sources(e).to_vec();
            sources.sort_by_key(|s| s.segment);
            // Pieces run from the smaller end by coordinate key, as leftovers do.
            let (p, q) = noded.ends(e);
            let canonical = coord_key(p) <= coord_key(q);
            let (a, b) = if canonical { (p, q) } else { (q, p) };
            let mut piece = Piece {
                a,
                b,
                excess: 0,
                faces: Vec::new(),
            };
            for s in &sources {
                let l = &leftovers[s.segment as usize];
                piece.excess += if s.forward == canonical {
                    l.excess
                } else {
                    -l.excess
                };
                for f in &l.faces {
                    if !piece.faces.contains(f) {
                        piece.faces.push(*f);
                    }
                }
            }
            let l = &leftovers[sources[0].segment as usize];
            let d = l.b - l.a;
            let mid = Coord {
                x: (a.x + b.x) / 2.0 - l.a.x,
                y: (a.y + b.y) / 2.0 - l.a.y,
            };
            let t = mid.x * d.x + mid.y * d.y;
            (piece.excess != 0).then_some((sources[0].segment, t, piece))
        })
        .collect();
    out.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
    out.into_iter().map(|(_, _, p)| p).collect()
}

/// Traces the faces of the noded pieces and counts W and R on each.
fn polygonize(pieces: &[Piece], excess_at: &mut impl FnMut(Coord<f64>) -> i32) -> Vec<Cycle> {
    // Vertices and edges: half-edge 2k runs along piece k, 2k+1 against it.
    let mut vid: FxHashMap<[u64; 2], u32> = FxHashMap::default();
    let mut verts: Vec<Coord<f64>> = Vec::new();
    let mut vertex = |c: Coord<f64>| {
        *vid.entry(coord_key(c)).or_insert_with(|| {
            verts.push(c);
            (verts.len() - 1) as u32
        })
    };
    let ends: Vec<[u32; 2]> = pieces.iter().map(|p| [vertex(p.a), vertex(p.b)]).collect();
    let faces = Faces::build(&verts, &ends);
    let mut cycles: Vec<Cycle> = (0..faces.cycles.len() as u32)
        .map(|c| {
            let ring = faces.ring(&verts, c);
            let mut touching: Vec<FaceId> = Vec::new();
            let mut reference = Vec::with_capacity(ring.len());
            for h in faces.half_edges(c) {
                let piece = &pieces[(h / 2) as usize];
                reference.push(piece.faces.is_empty());
                for f in &piece.faces {
                    if !touching.contains(f) {
                        touching.push(*f);
                    }
                }
            }
            Cycle {
                area2: citygrid_planar::signed_area2(&ring),
                ring,
                excess: i32::MIN,
                faces: touching,
                reference,
                holes: Vec::new(),
                hole_reference: Vec::new(),
            }
        })
        .collect();
    for &outer in &faces.parts {
        let around = faces.face[outer as usize];
        if around != UNBOUNDED {
            let hole = cycles[outer as usize].ring.clone();
            let flags = cycles[outer as usize].reference.clone();
            cycles[around as usize].holes.push(hole);
            cycles[around as usize].hole_reference.push(flags);
        }
    }
    // Counts: anchor each connected group's outer cycle at its westmost vertex, then
    // cross half-edges: the face left of h differs from the face left of its twin by
    // h's net counts.
    let mut stack = Vec::new();
    for &outer in &faces.parts {
        let west = faces
            .half_edges(outer)
            .map(|h| verts[faces.origin[h as usize] as usize])
            .min_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)))
            .unwrap_or_else(Coord::zero);
        let probe = Coord {
            x: west.x - (west.x.abs() * 1e-12).max(1e-12),
            y: west.y,
        };
        cycles[outer as usize].excess = excess_at(probe);
        stack.push(outer);
        while let Some(c) = stack.pop() {
            for h in faces.half_edges(c) {
                let d = faces.cycle_of[(h ^ 1) as usize] as usize;
                if cycles[d].excess != i32::MIN {
                    continue;
                }
                let sign = if h % 2 == 0 { 1 } else { -1 };
                // D(left of twin) = D(left of h) - net(h)
                cycles[d].excess =
                    cycles[c as usize].excess - sign * pieces[(h / 2) as usize].excess;
                stack.push(d as u32);
            }
        }
    }
    cycles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    fn ring(face: FaceId, layer: Layer, pts: &[(f64, f64)]) -> Vec<Directed> {
        let pts: Vec<_> = pts.iter().map(|&(x, y)| c(x, y)).collect();
        (0..pts.len())
            .map(|i| Directed {
                a: pts[i],
                b: pts[(i + 1) % pts.len()],
                face,
                layer,
            })
            .collect()
    }

    const TOL: NearTolerance = NearTolerance {
        metres_per_degree: (1.0, 1.0),
        metres: 0.0,
    };

    /// W - R from a brute-force list of squares, for anchoring.
    fn counts(units: &[[f64; 4]], reference: &[[f64; 4]]) -> impl FnMut(Coord<f64>) -> i32 {
        let inside =
            |r: &[f64; 4], p: Coord<f64>| p.x > r[0] && p.x < r[2] && p.y > r[1] && p.y < r[3];
        let (u, r) = (units.to_vec(), reference.to_vec());
        move |p| {
            u.iter().filter(|q| inside(q, p)).count() as i32
                - r.iter().filter(|q| inside(q, p)).count() as i32
        }
    }

    fn sq(face: FaceId, layer: Layer, r: [f64; 4]) -> Vec<Directed> {
        ring(
            face,
            layer,
            &[(r[0], r[1]), (r[2], r[1]), (r[2], r[3]), (r[0], r[3])],
        )
    }

    #[test]
    fn a_clean_pair_leaves_only_the_outline() {
        let a = [0., 0., 1., 1.];
        let b = [1., 0., 2., 1.];
        let segs: Vec<_> = sq(0, Layer::Units, a)
            .into_iter()
            .chain(sq(1, Layer::Units, b))
            .collect();
        let arr = Arrangement::build(segs, TOL, counts(&[a, b], &[]));
        assert_eq!(arr.leftovers.len(), 6);
        assert!(arr.contacts.is_empty());
        let bounded: Vec<_> = arr.cycles.iter().filter(|c| c.area2 > 0.0).collect();
        assert_eq!(bounded.len(), 1);
        assert_eq!(bounded[0].excess, 1);
        assert!((bounded[0].area2 - 4.0).abs() < 1e-12);
    }

    #[test]
    fn overlapping_squares_make_a_face_covered_twice() {
        let a = [0., 0., 2., 2.];
        let b = [1., 1., 3., 3.];
        let segs: Vec<_> = sq(0, Layer::Units, a)
            .into_iter()
            .chain(sq(1, Layer::Units, b))
            .collect();
        let arr = Arrangement::build(segs, TOL, counts(&[a, b], &[]));
        let twice: Vec<_> = arr
            .cycles
            .iter()
            .filter(|c| c.area2 > 0.0 && c.excess == 2)
            .collect();
        assert_eq!(twice.len(), 1);
        assert!(
            (twice[0].area2 - 2.0).abs() < 1e-12,
            "the overlap is the 1x1 square"
        );
        assert_eq!(arr.contacts.len(), 2, "two crossings");
    }

    #[test]
    fn a_missing_square_is_a_hole_and_a_reference_shows_the_gap() {
        // Three squares of a 2x2 block; the reference is the whole block.
        let cells = [[0., 0., 1., 1.], [1., 0., 2., 1.], [0., 1., 1., 2.]];
        let whole = [0., 0., 2., 2.];
        let mut segs = Vec::new();
        for (i, r) in cells.iter().enumerate() {
            segs.extend(sq(i as FaceId, Layer::Units, *r));
        }
        segs.extend(sq(0, Layer::Reference, whole));
        let arr = Arrangement::build(segs, TOL, counts(&cells, &[whole]));
        let gaps: Vec<_> = arr
            .cycles
            .iter()
            .filter(|c| c.area2 > 0.0 && c.excess < 0)
            .collect();
        assert_eq!(gaps.len(), 1);
        assert!((gaps[0].area2 - 2.0).abs() < 1e-12);
        let mut faces = gaps[0].faces.clone();
        faces.sort();
        assert_eq!(faces, vec![1, 2]);
    }

    #[test]
    fn a_t_junction_cancels_but_is_a_contact() {
        // b's left side has an extra vertex at (1, 0.5): no area changes.
        let a = sq(0, Layer::Units, [0., 0., 1., 1.]);
        let b = ring(
            1,
            Layer::Units,
            &[(1., 0.), (2., 0.), (2., 1.), (1., 1.), (1., 0.5)],
        );
        let cells = [[0., 0., 1., 1.], [1., 0., 2., 1.]];
        let arr = Arrangement::build(a.into_iter().chain(b), TOL, counts(&cells, &[]));
        assert_eq!(arr.contacts.len(), 2);
        assert!(arr.cycles.iter().all(|c| c.area2 <= 0.0 || c.excess == 1));
    }

    #[test]
    fn near_segments_of_different_units_are_found() {
        let a = [0., 0., 1., 1.];
        let b = [1.1, 0., 2., 1.];
        let segs: Vec<_> = sq(0, Layer::Units, a)
            .into_iter()
            .chain(sq(1, Layer::Units, b))
            .collect();
        let tol = NearTolerance {
            metres_per_degree: (1.0, 1.0),
            metres: 0.2,
        };
        let arr = Arrangement::build(segs, tol, counts(&[a, b], &[]));
        // a's east side against b's west side, and the corners nearby: all 0.1 apart.
        assert!(!arr.near.is_empty());
        assert!(arr.near.iter().all(|n| (n.metres - 0.1).abs() < 1e-9));
        let faces = |i: usize| arr.leftovers[i].faces.clone();
        assert!(arr.near.iter().all(|n| faces(n.first) != faces(n.second)));
        // Halfway across the slot between x = 1 and x = 1.1.
        assert!(arr.near.iter().all(|n| (n.between.x - 1.05).abs() < 1e-9));
    }
}
