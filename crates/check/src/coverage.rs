//! Coverage of one level (overlaps, gaps, unmatched edges, units outside the
//! reference) and nesting of children in their parent.
//!
//! Each level is matched segment by segment; what does not pair up goes into an
//! [`Arrangement`] together with a reference: the city boundary for the top level,
//! the outer boundary of the level above for the others. Faces of that arrangement
//! whose count is off are the overlaps, gaps and overhangs, located and measured
//! exactly. Nesting works the same way per parent: its children's boundary against
//! the parent's own.

use std::collections::BTreeMap;
use std::sync::Arc;

use geo::{BooleanOps, Distance, Euclidean, InteriorPoint};
use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon};
use rstar::{AABB, RTree, RTreeObject};

use citygrid_model::measure::{LocalFrame, planar_area_m2};
use citygrid_model::rings::{FaceId, NO_SEG, RingSet, match_segments};
use citygrid_model::{Unit, UnitCode};
use citygrid_planar::{Meeting, Parts, contains, point_segment_distance, signed_area2};

use crate::arrangement::{Arrangement, Cycle, Directed, Layer, NearTolerance};
use crate::options::CheckOptions;
use crate::report::{Rule, Size, Violation};
use crate::validity::fmt;

/// Faces smaller than this (m²) come from rounding where segments cross, not from
/// the data: 1 cm².
const NOISE_M2: f64 = 1e-4;

/// Faces thinner than this on average (2 x area / perimeter, metres) are two
/// boundaries that coincide up to the precision of the data (a vertex a fraction of a
/// millimetre off its neighbour's segment, as rounding to 9 decimals leaves it): an
/// unmatched edge, not a gap or an overlap.
const COINCIDENT_M: f64 = 1e-3;

struct Boxed {
    member: usize,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Boxed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// How close to a unit a point counts as on it: 1e-9° (0.1 mm), the precision
/// files are written at.
const TOUCH_DEGREES: f64 = 1e-9;

/// A bounding-box index over a set of units, for counting the units at a point.
pub(crate) struct UnitIndex {
    tree: RTree<Boxed>,
}

impl UnitIndex {
    pub(crate) fn new(units: &[Arc<Unit>], members: &[usize]) -> Self {
        let items = members
            .iter()
            .enumerate()
            .filter_map(|(m, &u)| {
                let r = geo::BoundingRect::bounding_rect(&units[u].geometry)?;
                Some(Boxed {
                    member: m,
                    envelope: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                })
            })
            .collect();
        UnitIndex {
            tree: RTree::bulk_load(items),
        }
    }

    /// Members (positions in the member list) containing `p`, half-open.
    pub(crate) fn containing(
        &self,
        units: &[Arc<Unit>],
        members: &[usize],
        p: Coord<f64>,
    ) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point([p.x, p.y]))
            .filter(|b| contains(&units[members[b.member]].geometry, p))
            .map(|b| b.member)
            .collect();
        out.sort_unstable();
        out
    }

    /// Whether `p` is in one of the members or within [`TOUCH_DEGREES`] of one
    /// (on its boundary, up to rounding).
    pub(crate) fn touching(&self, units: &[Arc<Unit>], members: &[usize], p: Coord<f64>) -> bool {
        let e = TOUCH_DEGREES;
        let point = geo_types::Point(p);
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_corners(
                [p.x - e, p.y - e],
                [p.x + e, p.y + e],
            ))
            .any(|b| Euclidean.distance(&point, &units[members[b.member]].geometry) <= e)
    }

    /// Members whose box meets the box of `polygon`.
    fn near(&self, polygon: &Polygon<f64>) -> Vec<usize> {
        let Some(r) = geo::BoundingRect::bounding_rect(polygon) else {
            return Vec::new();
        };
        let mut out: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_corners(
                [r.min().x, r.min().y],
                [r.max().x, r.max().y],
            ))
            .map(|b| b.member)
            .collect();
        out.sort_unstable();
        out
    }
}

/// The part of `face` inside each unit that covers some of it, with its area.
fn pieces(
    ctx: &Context<'_>,
    index: &UnitIndex,
    members: &[usize],
    face: &Polygon<f64>,
) -> Vec<(usize, MultiPolygon<f64>, f64)> {
    index
        .near(face)
        .into_iter()
        .filter_map(|m| {
            let u = members[m];
            let piece = ctx.units[u]
                .geometry
                .intersection(&MultiPolygon(vec![face.clone()]));
            let area = planar_area_m2(&piece);
            (area >= NOISE_M2).then_some((u, piece, area))
        })
        .collect()
}

/// What one level leaves for the level below: its units, their index, and its
/// outer boundary.
pub(crate) struct LevelOutcome {
    pub(crate) members: Vec<usize>,
    pub(crate) index: UnitIndex,
    pub(crate) boundary: Vec<Directed>,
    rings: RingSet,
    twin: Vec<u32>,
    face_rings: Vec<std::ops::Range<usize>>,
    face_of: rustc_hash::FxHashMap<usize, u32>,
}

/// What a level must cover exactly.
pub(crate) enum Reference<'a> {
    /// Nothing: only holes enclosed by the units are gaps.
    None,
    /// The city boundary.
    Outline(&'a MultiPolygon<f64>),
    /// The level above.
    Level(&'a LevelOutcome),
}

/// Shared state of one check.
pub(crate) struct Context<'a> {
    pub(crate) units: &'a [Arc<Unit>],
    pub(crate) options: &'a CheckOptions,
    /// Whether each unit's parent is among the units.
    pub(crate) has_parent: Vec<bool>,
}

impl Context<'_> {
    fn codes(&self, ids: impl IntoIterator<Item = usize>) -> Vec<UnitCode> {
        let mut c: Vec<UnitCode> = ids
            .into_iter()
            .map(|i| self.units[i].code.clone())
            .collect();
        c.sort();
        c.dedup();
        c
    }

    fn names(&self, ids: &[usize]) -> String {
        let codes = self.codes(ids.iter().copied());
        let level = ids
            .first()
            .map_or("unit", |&i| self.units[i].level.as_str());
        let list: Vec<String> = codes.iter().map(ToString::to_string).collect();
        match list.len() {
            0 => "no unit".to_string(),
            1 => format!("{level} {}", list[0]),
            _ => format!("{level}s {}", list.join(", ")),
        }
    }
}

/// Directed segments of every ring of the given faces, oriented with the face on
/// the left.
fn directed(rings: &RingSet, layer: Layer, keep: impl Fn(u32) -> bool) -> Vec<Directed> {
    rings
        .segment_ids()
        .filter(|&s| keep(s))
        .map(|s| {
            let (a, b) = rings.segment(s);
            Directed {
                a,
                b,
                face: rings.face_of(s),
                layer,
            }
        })
        .collect()
}

fn metres_per_degree_at(c: Coord<f64>) -> (f64, f64) {
    LocalFrame::new(c.x, c.y).map_or((111_320.0, 110_574.0), |f| f.metres_per_degree())
}

fn centre(members: &[usize], units: &[Arc<Unit>]) -> Coord<f64> {
    let corners: Vec<geo_types::Point<f64>> = members
        .iter()
        .filter_map(|&u| geo::BoundingRect::bounding_rect(&units[u].geometry))
        .flat_map(|r| [r.min().into(), r.max().into()])
        .collect();
    geo::BoundingRect::bounding_rect(&geo_types::MultiPoint(corners))
        .map_or_else(Coord::zero, |r| r.center())
}

/// Checks the units `members` (all of one level) as a coverage of `reference`.
pub(crate) fn check_level(
    ctx: &Context<'_>,
    members: Vec<usize>,
    reference: Reference<'_>,
    out: &mut Vec<Violation>,
) -> LevelOutcome {
    let units = ctx.units;
    let rings = RingSet::build(members.iter().map(|&u| &units[u].geometry));
    let twin = match_segments(&rings).twin;
    let face_rings = rings_of_faces(&rings, members.len());
    let boundary = directed(&rings, Layer::Reference, |s| twin[s as usize] == NO_SEG);
    let level = LevelCheck {
        ctx,
        index: UnitIndex::new(units, &members),
        members,
        reference,
    };
    let arr = level.arrangement(&boundary);
    let mut gap_pairs: Vec<Vec<usize>> = Vec::new();
    let mut unmatched = Unmatched::new();
    let mut against = Against::new();
    for cycle in arr.cycles.iter().filter(|c| c.area2 > 0.0) {
        level.cycle(cycle, &mut unmatched, &mut against, &mut gap_pairs, out);
    }
    contacts(&arr, &level.members, &mut unmatched);
    report_unmatched(ctx, unmatched, out);
    level.report_against(against, out);
    narrow_gaps(ctx, &arr, &level.members, &gap_pairs, out, |p| {
        level.index.touching(units, &level.members, p)
    });
    let LevelCheck { members, index, .. } = level;
    let face_of = members
        .iter()
        .enumerate()
        .map(|(f, &u)| (u, f as u32))
        .collect();
    LevelOutcome {
        face_of,
        members,
        index,
        boundary,
        rings,
        twin,
        face_rings,
    }
}

/// For each face, the range of its rings in the ring set.
fn rings_of_faces(rings: &RingSet, faces: usize) -> Vec<std::ops::Range<usize>> {
    let mut face_rings: Vec<std::ops::Range<usize>> = vec![0..0; faces];
    for (k, r) in rings.rings.iter().enumerate() {
        let fr = &mut face_rings[r.face as usize];
        if fr.start == fr.end {
            *fr = k..k + 1;
        } else {
            fr.end = k + 1;
        }
    }
    face_rings
}

/// Per unit: where its boundary runs near the reference without matching it
/// (lines, length in metres, a point to name).
type Against = BTreeMap<usize, (Vec<LineString<f64>>, f64, Coord<f64>)>;

/// One level being checked against its reference.
struct LevelCheck<'a> {
    ctx: &'a Context<'a>,
    members: Vec<usize>,
    index: UnitIndex,
    reference: Reference<'a>,
}

impl LevelCheck<'_> {
    fn has_reference(&self) -> bool {
        !matches!(self.reference, Reference::None)
    }

    /// How many reference units cover `p` (0 or 1 for a clean reference).
    fn reference_count(&self, p: Coord<f64>) -> i32 {
        match &self.reference {
            Reference::None => 0,
            Reference::Outline(o) => i32::from(contains(o, p)),
            Reference::Level(above) => above
                .index
                .containing(self.ctx.units, &above.members, p)
                .len() as i32,
        }
    }

    /// Units (ids) containing `p`.
    fn units_at(&self, p: Coord<f64>) -> Vec<usize> {
        self.index
            .containing(self.ctx.units, &self.members, p)
            .into_iter()
            .map(|m| self.members[m])
            .collect()
    }

    /// The level's outer boundary against the reference's, noded and counted.
    fn arrangement(&self, boundary: &[Directed]) -> Arrangement {
        let mut segments: Vec<Directed> = boundary
            .iter()
            .map(|d| Directed {
                layer: Layer::Units,
                ..*d
            })
            .collect();
        match &self.reference {
            Reference::None => {}
            Reference::Outline(o) => {
                let outline_rings = RingSet::build([*o]);
                segments.extend(directed(&outline_rings, Layer::Reference, |_| true));
            }
            Reference::Level(above) => segments.extend(above.boundary.iter().copied()),
        }
        let near = NearTolerance {
            metres_per_degree: metres_per_degree_at(centre(&self.members, self.ctx.units)),
            metres: self.ctx.options.gap_width_m,
        };
        let (units, members) = (self.ctx.units, &self.members);
        Arrangement::build(segments, near, |p| {
            self.index.containing(units, members, p).len() as i32 - self.reference_count(p)
        })
    }

    /// What one bounded face of the arrangement whose count is off means: nothing
    /// (it follows the reference within the tolerance), an unmatched edge (too thin
    /// to be an area), an overlap, a gap, or units outside the reference.
    fn cycle(
        &self,
        cycle: &Cycle,
        unmatched: &mut Unmatched,
        against: &mut Against,
        gap_pairs: &mut Vec<Vec<usize>>,
        out: &mut Vec<Violation>,
    ) {
        let ctx = self.ctx;
        let has_reference = self.has_reference();
        let expected = if has_reference { 0 } else { 1 };
        if cycle.excess == expected {
            return;
        }
        let along_reference = has_reference && cycle.touches_reference();
        if along_reference && follows_reference(cycle, ctx.options.boundary_tolerance_m) {
            return;
        }
        let Some(area) = cycle_area_m2(cycle) else {
            // Too thin to be an area: two boundaries that coincide up to the data's
            // precision but not vertex for vertex.
            if along_reference {
                self.thin_against_reference(cycle, against);
            } else {
                thin_between_units(cycle, &self.member_ids(&cycle.faces), unmatched);
            }
            return;
        };
        let polygon = cycle.polygon();
        let ip = polygon.interior_point().map_or(cycle.ring[0], |p| p.0);
        let inside = self.units_at(ip);
        let r = self.reference_count(ip);
        let w = inside.len() as i32;
        let (w, r) = if w - r == cycle.excess {
            (w, r)
        } else {
            (cycle.excess.max(0) + r.min(1), r.min(1))
        };
        let near_at = fmt(ip);
        if w >= 2 {
            overlaps(
                ctx,
                &self.index,
                &self.members,
                &polygon,
                &inside,
                area,
                &near_at,
                unmatched,
                out,
            );
        }
        if w < r || (!has_reference && w == 0) {
            let around = self.member_ids(&cycle.faces);
            gap_pairs.push(around.clone());
            out.push(gap(ctx, around, polygon, area, &near_at));
        } else if has_reference && r == 0 && w >= 1 {
            self.outside(polygon, inside, area, &near_at, out);
        }
    }

    fn member_ids(&self, faces: &[FaceId]) -> Vec<usize> {
        faces.iter().map(|&f| self.members[f as usize]).collect()
    }

    /// A face covered by units but not by the reference: units reaching outside it.
    /// Against the level above it is reported only for units without a parent; the
    /// nesting check names the parent of the others.
    fn outside(
        &self,
        polygon: Polygon<f64>,
        inside: Vec<usize>,
        area: f64,
        near_at: &str,
        out: &mut Vec<Violation>,
    ) {
        let ctx = self.ctx;
        let inside: Vec<usize> = match pieces(ctx, &self.index, &self.members, &polygon) {
            p if p.is_empty() => inside,
            p => p.into_iter().map(|(u, _, _)| u).collect(),
        };
        let (what, report) = match self.reference {
            Reference::Outline(_) => ("the boundary", true),
            _ => (
                "the level above",
                inside.iter().all(|&u| !ctx.has_parent[u]),
            ),
        };
        if report {
            out.push(Violation {
                rule: Rule::OutsideParent,
                codes: ctx.codes(inside.iter().copied()),
                location: Some(Geometry::Polygon(polygon)),
                size: Some(Size::SquareMetres(area)),
                message: format!(
                    "{} reach {area:.2} m² outside {what} near {near_at}",
                    ctx.names(&inside)
                ),
            });
        }
    }

    /// A sliver between units and the reference, beyond the tolerance but too thin
    /// to be an area: each unit along it has an unmatched edge against the
    /// reference (not against the other units along it, which it may not touch).
    fn thin_against_reference(&self, cycle: &Cycle, against: &mut Against) {
        for &f in &cycle.faces {
            let u = self.members[f as usize];
            let e = against
                .entry(u)
                .or_insert_with(|| (Vec::new(), 0.0, cycle.ring[0]));
            e.0.push(LineString(cycle.ring.clone()));
            e.1 += ring_length_m(&cycle.ring) / 2.0;
        }
    }

    /// Unmatched edges against the reference, one per unit, naming the reference.
    fn report_against(&self, against: Against, out: &mut Vec<Violation>) {
        let ctx = self.ctx;
        for (u, (lines, length, at)) in against {
            let what = match (&self.reference, &ctx.units[u].parent) {
                (Reference::Level(_), Some(parent)) => {
                    format!("the boundary of its parent {parent}")
                }
                (Reference::Level(_), None) => "the level above".to_string(),
                _ => "the boundary".to_string(),
            };
            let tolerance = ctx.options.boundary_tolerance_m;
            out.push(Violation {
                rule: Rule::UnmatchedEdge,
                codes: ctx.codes([u]),
                location: Some(Geometry::MultiLineString(MultiLineString(lines))),
                size: Some(Size::Metres(length)),
                message: format!(
                    "{} follows {what} along {length:.2} m near {} more than {} mm off it \
                     and without its vertices",
                    ctx.names(&[u]),
                    fmt(at),
                    tolerance * 1000.0
                ),
            });
        }
    }
}

/// A sliver between units only: each pair of units around it has an unmatched
/// edge.
fn thin_between_units(cycle: &Cycle, around: &[usize], unmatched: &mut Unmatched) {
    for (i, &a) in around.iter().enumerate() {
        for &b in &around[i + 1..] {
            let e = unmatched
                .entry(pair_key(a, b))
                .or_insert_with(|| (Vec::new(), 0.0, cycle.ring[0]));
            e.0.push(LineString(cycle.ring.clone()));
            e.1 += ring_length_m(&cycle.ring) / 2.0;
        }
    }
}

/// A face no unit covers, where the reference (or the units around it) says one
/// should.
fn gap(
    ctx: &Context<'_>,
    around: Vec<usize>,
    polygon: Polygon<f64>,
    area: f64,
    near_at: &str,
) -> Violation {
    let message = if around.is_empty() {
        format!("a gap of {area:.2} m² that no unit covers near {near_at}")
    } else {
        format!(
            "a gap of {area:.2} m² between {} near {near_at}",
            ctx.names(&around)
        )
    };
    Violation {
        rule: Rule::Gap,
        codes: ctx.codes(around),
        location: Some(Geometry::Polygon(polygon)),
        size: Some(Size::SquareMetres(area)),
        message,
    }
}

/// How far apart the units' side and the reference's side of a face lie at their
/// vertices, in metres: the largest distance from a vertex of either side to the
/// other side (for a sliver between two nearly equal lines, its greatest width).
fn offset_m(cycle: &Cycle) -> f64 {
    let (mx, my) = metres_per_degree_at(cycle.ring[0]);
    let o = cycle.ring[0];
    let m = |c: Coord<f64>| Coord {
        x: (c.x - o.x) * mx,
        y: (c.y - o.y) * my,
    };
    type Segments = Vec<[Coord<f64>; 2]>;
    let (mut units, mut reference): (Segments, Segments) = (Vec::new(), Vec::new());
    for ([a, b], is_reference) in cycle.segments() {
        let seg = [m(a), m(b)];
        if is_reference {
            reference.push(seg);
        } else {
            units.push(seg);
        }
    }
    let farthest = |from: &[[Coord<f64>; 2]], to: &[[Coord<f64>; 2]]| -> f64 {
        from.iter()
            .flat_map(|s| s.iter())
            .map(|&p| {
                to.iter()
                    .map(|t| point_segment_distance(p, t[0], t[1]))
                    .fold(f64::INFINITY, f64::min)
            })
            .fold(0.0, f64::max)
    };
    farthest(&units, &reference).max(farthest(&reference, &units))
}

/// Reports a face covered twice or more as one overlap per pair of units, each at
/// the exact area the two share.
#[allow(clippy::too_many_arguments)]
fn overlaps(
    ctx: &Context<'_>,
    index: &UnitIndex,
    members: &[usize],
    face: &Polygon<f64>,
    inside: &[usize],
    area: f64,
    near_at: &str,
    unmatched: &mut Unmatched,
    out: &mut Vec<Violation>,
) {
    let parts = pieces(ctx, index, members, face);
    let mut found = false;
    for (i, (u, pu, _)) in parts.iter().enumerate() {
        for (v, pv, _) in &parts[i + 1..] {
            let shared = pu.intersection(pv);
            let a = planar_area_m2(&shared);
            if a < NOISE_M2 {
                continue;
            }
            found = true;
            // Each unit's boundary inside the other does not match: GEOS's invalid edges.
            let entry = unmatched
                .entry(pair_key(*u, *v))
                .or_insert_with(|| (Vec::new(), 0.0, shared.0[0].exterior().0[0]));
            for p in &shared.0 {
                entry.1 += ring_length_m(&p.exterior().0) / 2.0;
                entry.0.push(p.exterior().clone());
            }
            let at = shared
                .interior_point()
                .map_or(near_at.to_string(), |p| fmt(p.0));
            out.push(Violation {
                rule: Rule::Overlap,
                codes: ctx.codes([*u, *v]),
                location: Some(Geometry::MultiPolygon(shared)),
                size: Some(Size::SquareMetres(a)),
                message: format!("{} overlap by {a:.2} m² near {at}", ctx.names(&[*u, *v])),
            });
        }
    }
    if !found {
        out.push(Violation {
            rule: Rule::Overlap,
            codes: ctx.codes(inside.iter().copied()),
            location: Some(Geometry::Polygon(face.clone())),
            size: Some(Size::SquareMetres(area)),
            message: format!(
                "{} overlap by {area:.2} m² near {near_at}",
                ctx.names(inside)
            ),
        });
    }
}

/// The area of a face in m², or `None` when it is too small or too thin to be an
/// area (see [`NOISE_M2`] and [`COINCIDENT_M`]).
fn cycle_area_m2(cycle: &Cycle) -> Option<f64> {
    let (area, width) = area_and_mean_width_m(cycle);
    (area >= NOISE_M2 && width >= COINCIDENT_M).then_some(area)
}

/// A face's area (m², holes left out) and mean width (2 x area / perimeter, m).
fn area_and_mean_width_m(cycle: &Cycle) -> (f64, f64) {
    let (mx, my) = metres_per_degree_at(cycle.ring[0]);
    let holes: f64 = cycle.holes.iter().map(|h| signed_area2(h).abs()).sum();
    let area = (cycle.area2.abs() - holes) / 2.0 * mx * my;
    let perimeter =
        ring_length_m(&cycle.ring) + cycle.holes.iter().map(|h| ring_length_m(h)).sum::<f64>();
    (area, 2.0 * area / perimeter.max(f64::MIN_POSITIVE))
}

/// Whether a face between units and the reference is only the two drawn a little
/// apart: no vertex of either side farther than `tolerance` (m) from the other side,
/// and the face no wider than that on average (so a face whose sides meet only at
/// their ends, like a gap between two units and the outline, is not taken for one).
fn follows_reference(cycle: &Cycle, tolerance: f64) -> bool {
    area_and_mean_width_m(cycle).1 <= tolerance && offset_m(cycle) <= tolerance
}

fn pair_key(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

fn line_of(arr: &Arrangement, i: usize) -> LineString<f64> {
    let l = &arr.leftovers[i];
    LineString(vec![l.a, l.b])
}

fn length_m(arr: &Arrangement, i: usize) -> f64 {
    let l = &arr.leftovers[i];
    let (mx, my) = metres_per_degree_at(l.a);
    ((l.b.x - l.a.x) * mx).hypot((l.b.y - l.a.y) * my)
}

/// Per pair of units: the boundary lines that do not match, their length (m) and a
/// point to name in the message.
type Unmatched = BTreeMap<(usize, usize), (Vec<LineString<f64>>, f64, Coord<f64>)>;

fn ring_length_m(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2)
        .map(|w| {
            let (mx, my) = metres_per_degree_at(w[0]);
            ((w[1].x - w[0].x) * mx).hypot((w[1].y - w[0].y) * my)
        })
        .sum()
}

/// Leftover segments of two units that cross, touch or run along each other.
fn contacts(arr: &Arrangement, members: &[usize], unmatched: &mut Unmatched) {
    let mut seen: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for c in &arr.contacts {
        let (s, t) = (&arr.leftovers[c.first], &arr.leftovers[c.second]);
        for &f in &s.faces {
            for &g in &t.faces {
                if f == g {
                    continue;
                }
                let at = match c.meeting {
                    Meeting::Cross(p) | Meeting::Touch(p) | Meeting::Along(p, _) => p,
                    _ => s.a,
                };
                let key = pair_key(members[f as usize], members[g as usize]);
                let e = unmatched
                    .entry(key)
                    .or_insert_with(|| (Vec::new(), 0.0, at));
                let done = seen.entry(key).or_default();
                for i in [c.first, c.second] {
                    if !done.contains(&i) {
                        done.push(i);
                        e.0.push(line_of(arr, i));
                        e.1 += length_m(arr, i) / 2.0;
                    }
                }
            }
        }
    }
}

fn report_unmatched(ctx: &Context<'_>, unmatched: Unmatched, out: &mut Vec<Violation>) {
    for ((a, b), (lines, length, at)) in unmatched {
        out.push(Violation {
            rule: Rule::UnmatchedEdge,
            codes: ctx.codes([a, b]),
            location: Some(Geometry::MultiLineString(MultiLineString(lines))),
            size: Some(Size::Metres(length)),
            message: format!(
                "{} meet without matching vertices along {length:.2} m near {}",
                ctx.names(&[a, b]),
                fmt(at)
            ),
        });
    }
}

/// Boundaries of different units closer than the gap width without touching: one
/// violation per slot (a connected cluster of such near pairs). A pair with a unit
/// in or on the space between them (`filled` at the point halfway across) is no
/// slot: two units that share a stretch of edge shorter than the gap width and then
/// part, or a third unit between two others on the outline.
fn narrow_gaps(
    ctx: &Context<'_>,
    arr: &Arrangement,
    members: &[usize],
    gaps: &[Vec<usize>],
    out: &mut Vec<Violation>,
    filled: impl Fn(Coord<f64>) -> bool,
) {
    let mut slots = Parts::new(arr.leftovers.len());
    let mut used = Vec::new();
    for n in &arr.near {
        let (i, j) = (n.first, n.second);
        let enclosed = arr.leftovers[i]
            .faces
            .iter()
            .chain(&arr.leftovers[j].faces)
            .all(|&f| gaps.iter().any(|g| g.contains(&members[f as usize])));
        if enclosed || filled(n.between) {
            continue;
        }
        slots.join(i as u32, j as u32);
        used.push((i, j));
    }
    let mut clusters: BTreeMap<usize, (Vec<usize>, f64, Coord<f64>)> = BTreeMap::new();
    for n in &arr.near {
        let (i, j, d) = (n.first, n.second, n.metres);
        if !used.contains(&(i, j)) {
            continue;
        }
        let e = clusters
            .entry(slots.of(i as u32) as usize)
            .or_insert_with(|| (Vec::new(), f64::INFINITY, arr.leftovers[i].a));
        e.0.extend([i, j]);
        if d < e.1 {
            e.1 = d;
            e.2 = arr.leftovers[i].a;
        }
    }
    for (_, (mut segs, d, at)) in clusters {
        segs.sort_unstable();
        segs.dedup();
        let mut ids: Vec<usize> = segs
            .iter()
            .flat_map(|&i| arr.leftovers[i].faces.iter().map(|&f| members[f as usize]))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        out.push(Violation {
            rule: Rule::Gap,
            codes: ctx.codes(ids.iter().copied()),
            location: Some(Geometry::MultiLineString(MultiLineString(
                segs.iter().map(|&i| line_of(arr, i)).collect(),
            ))),
            size: Some(Size::Metres(d)),
            message: format!(
                "{} are {d:.2} m apart without touching near {}",
                ctx.names(&ids),
                fmt(at)
            ),
        });
    }
}

/// Checks that the children of one parent, all in `level`, lie within it.
pub(crate) fn check_nesting(
    ctx: &Context<'_>,
    parent: usize,
    children: &[usize],
    level: &LevelOutcome,
    out: &mut Vec<Violation>,
) {
    let units = ctx.units;
    let faces: Vec<u32> = children
        .iter()
        .filter_map(|&c| level.face_of.get(&c).copied())
        .collect();
    let parent_code = &units[parent].code;
    let sibling =
        |face: u32| units[level.members[face as usize]].parent.as_ref() == Some(parent_code);
    let mut segments = Vec::new();
    for &f in &faces {
        for ring in &level.rings.rings[level.face_rings[f as usize].clone()] {
            for s in ring.segments() {
                let t = level.twin[s as usize];
                if t != NO_SEG && sibling(level.rings.face_of(t)) {
                    continue;
                }
                let (a, b) = level.rings.segment(s);
                segments.push(Directed {
                    a,
                    b,
                    face: f,
                    layer: Layer::Units,
                });
            }
        }
    }
    let parent_rings = RingSet::build([&units[parent].geometry]);
    segments.extend(directed(&parent_rings, Layer::Reference, |_| true));
    let inside_children = |p: Coord<f64>| -> Vec<usize> {
        children
            .iter()
            .copied()
            .filter(|&c| contains(&units[c].geometry, p))
            .collect()
    };
    let in_parent = |p: Coord<f64>| i32::from(contains(&units[parent].geometry, p));
    let near = NearTolerance {
        metres_per_degree: (1.0, 1.0),
        metres: 0.0,
    };
    let arr = Arrangement::build(segments, near, |p| {
        inside_children(p).len() as i32 - in_parent(p)
    });
    for cycle in arr.cycles.iter().filter(|c| c.area2 > 0.0 && c.excess > 0) {
        let Some(area) = cycle_area_m2(cycle) else {
            continue;
        };
        let polygon = cycle.polygon();
        let ip = polygon.interior_point().map_or(cycle.ring[0], |p| p.0);
        if in_parent(ip) != 0 {
            continue;
        }
        let mut inside = inside_children(ip);
        if inside.is_empty() {
            inside = cycle
                .faces
                .iter()
                .map(|&f| level.members[f as usize])
                .collect();
        }
        let mut codes = ctx.codes(inside.iter().copied());
        codes.push(units[parent].code.clone());
        out.push(Violation {
            rule: Rule::OutsideParent,
            codes,
            location: Some(Geometry::Polygon(polygon)),
            size: Some(Size::SquareMetres(area)),
            message: format!(
                "{} reach {area:.2} m² outside parent {} {} near {}",
                ctx.names(&inside),
                units[parent].level,
                units[parent].code,
                fmt(ip)
            ),
        });
    }
}
