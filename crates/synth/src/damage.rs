//! Deliberate, localised defects applied to a clean partition's cells, each
//! reported with where it is, so tests can check that a checker finds it there.
//!
//! Every kind documents the rules a checker must report for it and those it may
//! report as consequences. Rule names are the check crate's snake-case names
//! (`invalid_geometry`, `overlap`, `gap`, `unmatched_edge`, `outside_parent`,
//! `duplicate_code`, `bad_code`, `sliver`, `multipart`): [`Damage::rules`] lists
//! the must-report rules of one damage, [`DamageKind::possible_rules`] every rule a
//! kind can lead to.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use citygrid_model::{AttrValue, Level, Unit, UnitCode};
use geo_types::{Coord, LineString, MultiPolygon, Polygon, Rect};

use crate::ring::{Frame, bbox, boxes_touch, is_simple, norm};
use crate::rng::SplitMix64;

/// One kind of deliberate defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DamageKind {
    /// Moves one vertex of one cell's shared boundary (in that cell only) across
    /// the boundary by 30 % of the local segment length, inwards or outwards.
    ///
    /// Must report: `overlap` (moved out, into the neighbour) or `gap` (moved in),
    /// a triangle at the vertex. May report: `unmatched_edge` (the two segments at
    /// the vertex no longer match the neighbour's), `outside_parent` when the
    /// boundary is also the village's and the vertex moved out.
    MoveVertex,
    /// Inserts a vertex in the middle of one shared segment of one cell only,
    /// exactly on the segment (a segment whose midpoint is exact in `f64` is
    /// chosen): no area changes.
    ///
    /// Must report: `unmatched_edge` (the boundary no longer matches vertex for
    /// vertex), and nothing else: no gap and no overlap.
    ExtraVertex,
    /// Deletes one interior cell (all its sides shared).
    ///
    /// Must report: `gap`, a hole in the union exactly the cell's shape (which is
    /// also a hole in its village's cover).
    RemoveCell,
    /// Translates one interior cell by 5 % of its smaller side in a random
    /// direction.
    ///
    /// Must report: `overlap` with neighbours on one side, `gap` on the other.
    /// May report: `unmatched_edge` around the cell, `outside_parent` when it
    /// moved across its village's boundary.
    ShiftCell,
    /// Moves the inner vertices of one whole shared chain of one cell inwards by
    /// 0.5 to 2 m (the chain's ends stay at their nodes; vertex spacing unchanged),
    /// opening a sliver gap along the boundary.
    ///
    /// Must report: `gap` (long and thin, width as reported). May report:
    /// `unmatched_edge` along the chain.
    NarrowGap,
    /// Swaps two consecutive vertices of one cell's shared boundary so its ring
    /// crosses itself.
    ///
    /// Must report: `invalid_geometry` (self-intersection). May report, around the
    /// same spot: `unmatched_edge`, `outside_parent`, and tiny `overlap` or `gap`
    /// where the swapped segments leave the boundary.
    BowTie,
    /// Gives one cell the code of another cell of the same village (or any other
    /// cell when it is alone).
    ///
    /// Must report: `duplicate_code`. The model refuses to build a partition from
    /// such units (`ModelError::DuplicateCode`), so a checker must read raw units.
    DuplicateCode,
    /// Gives one cell a code that breaks the layout: a letter for its last digit,
    /// or (by seed) a village part that is not its parent's.
    ///
    /// Must report: `bad_code` (not digits, or not prefixed by the parent's code).
    BadCode,
    /// Cuts a strip 0.5 to 1.5 m wide off one cell along one shared chain and
    /// makes it a new cell of the same village, keeping the coverage clean: the
    /// strip's outer side is the original chain, its inner side the chain moved
    /// inwards, shared exactly with the cut cell. It tapers to a point at both
    /// ends of the chain.
    ///
    /// Must report: `sliver` (a cell under 2 m wide), and nothing else: no gap, no
    /// overlap, no unmatched edge.
    Sliver,
    /// Hands one cell's whole polygon to another cell of the same village that it
    /// does not touch, deleting the giver: the taker becomes a two-part
    /// MultiPolygon, and the coverage stays clean.
    ///
    /// Must report: `multipart`, and nothing else.
    Multipart,
}

impl DamageKind {
    /// Every kind, in declaration order.
    pub const ALL: [DamageKind; 10] = [
        DamageKind::MoveVertex,
        DamageKind::ExtraVertex,
        DamageKind::RemoveCell,
        DamageKind::ShiftCell,
        DamageKind::NarrowGap,
        DamageKind::BowTie,
        DamageKind::DuplicateCode,
        DamageKind::BadCode,
        DamageKind::Sliver,
        DamageKind::Multipart,
    ];

    /// The snake-case name, as a CLI or a report writes it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DamageKind::MoveVertex => "move_vertex",
            DamageKind::ExtraVertex => "extra_vertex",
            DamageKind::RemoveCell => "remove_cell",
            DamageKind::ShiftCell => "shift_cell",
            DamageKind::NarrowGap => "narrow_gap",
            DamageKind::BowTie => "bow_tie",
            DamageKind::DuplicateCode => "duplicate_code",
            DamageKind::BadCode => "bad_code",
            DamageKind::Sliver => "sliver",
            DamageKind::Multipart => "multipart",
        }
    }

    /// Every rule a checker may report for this kind: the must-report rules of any
    /// damage of the kind (see [`Damage::rules`]) and their consequences.
    #[must_use]
    pub fn possible_rules(self) -> &'static [&'static str] {
        match self {
            DamageKind::MoveVertex => &["overlap", "gap", "unmatched_edge", "outside_parent"],
            DamageKind::ExtraVertex => &["unmatched_edge"],
            DamageKind::RemoveCell => &["gap"],
            DamageKind::ShiftCell => &["overlap", "gap", "unmatched_edge", "outside_parent"],
            DamageKind::NarrowGap => &["gap", "unmatched_edge"],
            DamageKind::BowTie => &[
                "invalid_geometry",
                "overlap",
                "gap",
                "unmatched_edge",
                "outside_parent",
            ],
            DamageKind::DuplicateCode => &["duplicate_code"],
            DamageKind::BadCode => &["bad_code"],
            DamageKind::Sliver => &["sliver"],
            DamageKind::Multipart => &["multipart"],
        }
    }

    /// The rules a checker must report for every damage of this kind;
    /// `MoveVertex` adds `overlap` or `gap`, whichever way the vertex moved.
    fn rules(self) -> &'static [&'static str] {
        match self {
            DamageKind::MoveVertex => &[],
            DamageKind::ExtraVertex => &["unmatched_edge"],
            DamageKind::RemoveCell | DamageKind::NarrowGap => &["gap"],
            DamageKind::ShiftCell => &["overlap", "gap"],
            DamageKind::BowTie => &["invalid_geometry"],
            DamageKind::DuplicateCode => &["duplicate_code"],
            DamageKind::BadCode => &["bad_code"],
            DamageKind::Sliver => &["sliver"],
            DamageKind::Multipart => &["multipart"],
        }
    }
}

impl fmt::Display for DamageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DamageKind {
    type Err = DamageError;

    /// Accepts the snake-case names of [`DamageKind::as_str`], also with `-`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        DamageKind::ALL
            .into_iter()
            .find(|k| k.as_str() == t)
            .ok_or_else(|| DamageError::UnknownKind {
                input: s.to_string(),
            })
    }
}

/// What [`damage`] did: which defect, to which cells, where.
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    /// The kind of defect.
    pub kind: DamageKind,
    /// The cells involved, the damaged one first (see [`damage`] for each kind's
    /// list). Codes are as they are after the damage, except removed cells.
    pub cells: Vec<UnitCode>,
    /// Where the defect is, lon/lat: a checker's report location should intersect
    /// it.
    pub location: Rect<f64>,
    /// The rules a checker must report for it, at `location` (rule names as in
    /// the check crate). [`DamageKind::possible_rules`] adds what it may report.
    pub rules: Vec<&'static str>,
    /// Its size in metres: how far a vertex or cell moved, a gap's or sliver's
    /// width; 0 for code defects and added vertices.
    pub size_m: f64,
    /// One line saying what was done, for logs and assertion messages.
    pub description: String,
}

/// Why [`damage`] could not damage a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DamageError {
    /// No unit is a cell.
    NoCells,
    /// No cell suits the kind: an interior cell (every side shared) with a long
    /// enough shared chain, or for `Multipart` two cells of a village that do not
    /// touch. Tiny cities (a few cells) have none.
    NoSuitableCell {
        /// The kind asked for.
        kind: DamageKind,
    },
    /// A kind name that is not known.
    UnknownKind {
        /// What was given.
        input: String,
    },
}

impl fmt::Display for DamageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DamageError::NoCells => f.write_str("cannot damage: the partition has no cells"),
            DamageError::NoSuitableCell { kind } => {
                write!(
                    f,
                    "cannot apply {kind}: no cell suits it (too few interior cells?)"
                )
            }
            DamageError::UnknownKind { input } => {
                let names: Vec<_> = DamageKind::ALL.iter().map(|k| k.as_str()).collect();
                write!(
                    f,
                    "unknown damage kind {input:?}: expected one of {}",
                    names.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for DamageError {}

/// Applies one defect of `kind` to the cells in `units`, chosen from `seed`, and
/// says what it did. Admin units are left as they were (so a removed cell also
/// leaves its village uncovered).
///
/// The cells listed in [`Damage::cells`], damaged one first:
/// - `MoveVertex`, `ExtraVertex`, `NarrowGap`: the cell, its neighbour across
///   the damaged boundary;
/// - `RemoveCell`: the removed cell;
/// - `ShiftCell`: the cell, then its neighbours in code order;
/// - `BowTie`: the cell;
/// - `DuplicateCode`: the duplicated code (now on two cells), then the renamed
///   cell's former code;
/// - `BadCode`: the bad code, then the cell's former code;
/// - `Sliver`: the new sliver cell, the cell it was cut from, the neighbour along
///   the cut;
/// - `Multipart`: the cell that became two parts, then the deleted giver.
///
/// # Errors
/// [`DamageError::NoCells`] when there are no cells, and
/// [`DamageError::NoSuitableCell`] when no cell suits the kind; `units` is then
/// unchanged.
///
/// # Examples
/// ```
/// use citygrid_synth::{DamageKind, SynthCity, damage};
///
/// let mut units = SynthCity::new(1).cells(60).vertices_per_cell(12).generate();
/// let d = damage(&mut units, DamageKind::RemoveCell, 7).unwrap();
/// assert!(units.iter().all(|u| u.code != d.cells[0]));
/// ```
pub fn damage(units: &mut Vec<Unit>, kind: DamageKind, seed: u64) -> Result<Damage, DamageError> {
    let cells: Vec<usize> = (0..units.len())
        .filter(|&i| units[i].level == Level::Cell)
        .collect();
    if cells.is_empty() {
        return Err(DamageError::NoCells);
    }
    let mut rng = SplitMix64::fork(seed, kind as u64);
    let boxes: Vec<Rect<f64>> = cells
        .iter()
        .map(|&i| geometry_box(&units[i].geometry))
        .collect();
    let ctx = Context {
        units: units.as_slice(),
        cells: &cells,
        boxes: &boxes,
    };
    let start = rng.below(cells.len());
    let order = (0..cells.len()).map(|t| (start + t) % cells.len());
    let mut plan = None;
    for c in order {
        plan = match kind {
            DamageKind::DuplicateCode => ctx.duplicate_code(c),
            DamageKind::BadCode => ctx.bad_code(c, &mut rng),
            DamageKind::Multipart => ctx.multipart(c),
            _ => ctx.sides(c).and_then(|s| ctx.geometric(kind, &s, &mut rng)),
        };
        if plan.is_some() {
            break;
        }
    }
    let Some(plan) = plan else {
        return Err(DamageError::NoSuitableCell { kind });
    };
    Ok(plan.apply(units, kind))
}

/// A decided defect, not yet applied.
struct Plan {
    /// New versions of existing units: (index in `units`, unit).
    replace: Vec<(usize, Unit)>,
    /// Units to add.
    add: Vec<Unit>,
    /// Unit to delete (by index).
    remove: Option<usize>,
    cells: Vec<UnitCode>,
    location: Rect<f64>,
    /// Must-report rules beyond the kind's fixed ones.
    extra_rules: Vec<&'static str>,
    size_m: f64,
    description: String,
}

impl Plan {
    fn apply(self, units: &mut Vec<Unit>, kind: DamageKind) -> Damage {
        for (i, u) in self.replace {
            units[i] = u;
        }
        if let Some(i) = self.remove {
            units.remove(i);
        }
        units.extend(self.add);
        Damage {
            kind,
            cells: self.cells,
            location: self.location,
            rules: kind
                .rules()
                .iter()
                .copied()
                .chain(self.extra_rules)
                .collect(),
            size_m: self.size_m,
            description: self.description,
        }
    }
}

/// A cell's single ring (open: last point not repeated) and, for each segment
/// `i` (`ring[i]` to `ring[i + 1]`), the unit index of the cell sharing it.
struct Sides {
    unit: usize,
    ring: Vec<Coord<f64>>,
    neighbour: Vec<usize>,
}

impl Sides {
    fn n(&self) -> usize {
        self.ring.len()
    }

    fn at(&self, i: usize) -> Coord<f64> {
        self.ring[i % self.n()]
    }

    /// Maximal runs of segments shared with one neighbour: (first segment,
    /// segment count, neighbour). Empty when one neighbour surrounds the cell.
    fn chains(&self) -> Vec<(usize, usize, usize)> {
        let n = self.n();
        let Some(first) = (0..n).find(|&i| self.neighbour[i] != self.neighbour[(i + n - 1) % n])
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut start = first;
        for t in 1..=n {
            let i = (first + t) % n;
            if t == n || self.neighbour[i] != self.neighbour[start] {
                out.push((start, (i + n - start) % n, self.neighbour[start]));
                start = i;
            }
        }
        out
    }

    /// Closed polygon from an open ring.
    fn polygon(ring: &[Coord<f64>]) -> MultiPolygon<f64> {
        let mut closed = ring.to_vec();
        closed.push(ring[0]);
        MultiPolygon(vec![Polygon::new(LineString(closed), vec![])])
    }
}

/// A shared chain of a cell moved inwards (see [`Context::offset_chain`]).
struct Cut {
    /// The cell's open ring with the chain's inner vertices moved.
    ring: Vec<Coord<f64>>,
    /// The open ring of the strip between the old and the moved chain.
    strip: Vec<Coord<f64>>,
    /// The chain's first segment.
    start: usize,
    /// Its number of segments.
    len: usize,
    /// The unit index of the cell on its other side.
    neighbour: usize,
}

struct Context<'a> {
    units: &'a [Unit],
    /// Unit indices of the cells.
    cells: &'a [usize],
    /// Bounding box of each cell, by position in `cells`.
    boxes: &'a [Rect<f64>],
}

fn geometry_box(mp: &MultiPolygon<f64>) -> Rect<f64> {
    bbox(mp.0.iter().flat_map(|p| p.exterior().0.iter().copied()))
}

fn key(a: Coord<f64>, b: Coord<f64>) -> [u64; 4] {
    [a.x.to_bits(), a.y.to_bits(), b.x.to_bits(), b.y.to_bits()]
}

impl Context<'_> {
    fn unit(&self, c: usize) -> &Unit {
        &self.units[self.cells[c]]
    }

    /// The sides of cell `c` when it is one polygon without holes and every
    /// segment is shared with another cell (an interior cell).
    fn sides(&self, c: usize) -> Option<Sides> {
        let u = self.unit(c);
        let [poly] = u.geometry.0.as_slice() else {
            return None;
        };
        if !poly.interiors().is_empty() {
            return None;
        }
        let closed = &poly.exterior().0;
        if closed.len() < 4 || closed.first() != closed.last() {
            return None;
        }
        let ring = closed[..closed.len() - 1].to_vec();
        let n = ring.len();
        let mut wanted: HashMap<[u64; 4], usize> = HashMap::with_capacity(n);
        for i in 0..n {
            // The neighbour walks the segment the other way.
            wanted.insert(key(ring[(i + 1) % n], ring[i]), i);
        }
        let mut neighbour = vec![usize::MAX; n];
        for (o, other) in self.cells.iter().enumerate() {
            if o == c || !boxes_touch(&self.boxes[o], &self.boxes[c]) {
                continue;
            }
            for p in &self.units[*other].geometry.0 {
                for w in p.exterior().0.windows(2) {
                    if let Some(&i) = wanted.get(&key(w[0], w[1])) {
                        neighbour[i] = *other;
                    }
                }
            }
        }
        if neighbour.contains(&usize::MAX) {
            return None;
        }
        Some(Sides {
            unit: self.cells[c],
            ring,
            neighbour,
        })
    }

    fn geometric(&self, kind: DamageKind, s: &Sides, rng: &mut SplitMix64) -> Option<Plan> {
        match kind {
            DamageKind::MoveVertex => self.move_vertex(s, rng),
            DamageKind::ExtraVertex => self.extra_vertex(s, rng),
            DamageKind::RemoveCell => Some(self.remove_cell(s)),
            DamageKind::ShiftCell => self.shift_cell(s, rng),
            DamageKind::NarrowGap => self.narrow_gap(s, rng),
            DamageKind::BowTie => self.bow_tie(s, rng),
            DamageKind::Sliver => self.sliver(s, rng),
            DamageKind::DuplicateCode | DamageKind::BadCode | DamageKind::Multipart => None,
        }
    }

    fn with_geometry(&self, unit: usize, ring: &[Coord<f64>]) -> Unit {
        let mut u = self.units[unit].clone();
        u.geometry = Sides::polygon(ring);
        u
    }

    fn code(&self, unit: usize) -> UnitCode {
        self.units[unit].code.clone()
    }

    /// Vertices strictly inside chains, at least `margin` vertices from either
    /// end: (vertex index, neighbour).
    fn inner_vertices(s: &Sides, margin: usize) -> Vec<(usize, usize)> {
        s.chains()
            .into_iter()
            .flat_map(|(start, len, nb)| {
                (margin..=len.saturating_sub(margin)).map(move |j| ((start + j) % s.n(), nb))
            })
            .collect()
    }

    fn move_vertex(&self, s: &Sides, rng: &mut SplitMix64) -> Option<Plan> {
        let candidates = Self::inner_vertices(s, 2);
        if candidates.is_empty() {
            return None;
        }
        let outwards = rng.chance(0.5);
        let first = rng.below(candidates.len());
        for t in 0..candidates.len() {
            let (v, nb) = candidates[(first + t) % candidates.len()];
            let n = s.n();
            let (prev, here, next) = (s.at(v + n - 1), s.at(v), s.at(v + 1));
            let f = Frame::at(here);
            let (pm, nm) = (f.to_m(prev), f.to_m(next));
            let step = 0.3 * (norm(pm) + norm(nm)) / 2.0;
            let along = nm - pm;
            // Left of the walking direction is inside a counter-clockwise ring.
            let left = Coord {
                x: -along.y,
                y: along.x,
            } / norm(along);
            let moved_m = if outwards { left * -step } else { left * step };
            let mut ring = s.ring.clone();
            ring[v] = f.to_deg(moved_m);
            if !is_simple(&ring) {
                continue;
            }
            let way = if outwards {
                "outwards (overlap)"
            } else {
                "inwards (gap)"
            };
            return Some(Plan {
                replace: vec![(s.unit, self.with_geometry(s.unit, &ring))],
                add: vec![],
                remove: None,
                cells: vec![self.code(s.unit), self.code(nb)],
                location: bbox([prev, here, ring[v], next]),
                extra_rules: vec![if outwards { "overlap" } else { "gap" }],
                size_m: step,
                description: format!(
                    "moved vertex {v} of cell {} {way} by {step:.1} m, against cell {}",
                    self.code(s.unit),
                    self.code(nb)
                ),
            });
        }
        None
    }

    fn extra_vertex(&self, s: &Sides, rng: &mut SplitMix64) -> Option<Plan> {
        // Only a segment whose midpoint is exact in f64 gets the vertex, so that it
        // lies exactly on the neighbour's segment and exact predicates see it
        // there. Nearby coordinates subtract exactly (Sterbenz), so the two halves
        // are equal exactly when the midpoint is exact; about one segment in four
        // qualifies.
        let n = s.n();
        let first = rng.below(n);
        let (i, a, b, mid) = (0..n).find_map(|t| {
            let i = (first + t) % n;
            let (a, b) = (s.at(i), s.at(i + 1));
            let mid = (a + b) / 2.0;
            let exact = mid - a == b - mid && mid != a && mid != b;
            exact.then_some((i, a, b, mid))
        })?;
        let mut ring = s.ring.clone();
        ring.insert(i + 1, mid);
        let nb = s.neighbour[i];
        Some(Plan {
            replace: vec![(s.unit, self.with_geometry(s.unit, &ring))],
            add: vec![],
            remove: None,
            cells: vec![self.code(s.unit), self.code(nb)],
            location: bbox([a, b]),
            extra_rules: vec![],
            size_m: 0.0,
            description: format!(
                "inserted a vertex at {:.7} {:.7} in segment {i} of cell {}, not in cell {}",
                mid.x,
                mid.y,
                self.code(s.unit),
                self.code(nb)
            ),
        })
    }

    fn remove_cell(&self, s: &Sides) -> Plan {
        let code = self.code(s.unit);
        Plan {
            replace: vec![],
            add: vec![],
            remove: Some(s.unit),
            cells: vec![code.clone()],
            location: bbox(s.ring.iter().copied()),
            extra_rules: vec![],
            size_m: 0.0,
            description: format!("removed interior cell {code}"),
        }
    }

    fn shift_cell(&self, s: &Sides, rng: &mut SplitMix64) -> Option<Plan> {
        let before = bbox(s.ring.iter().copied());
        let f = Frame::at(before.center());
        let size = f.to_m(before.max()) - f.to_m(before.min());
        let distance = 0.05 * size.x.min(size.y);
        let mut dir = Coord { x: 0.0, y: 0.0 };
        while norm(dir) < 0.1 || norm(dir) > 1.0 {
            dir = Coord {
                x: rng.signed(),
                y: rng.signed(),
            };
        }
        let shift = f.offset_deg(dir * (distance / norm(dir)));
        let ring: Vec<Coord<f64>> = s.ring.iter().map(|&p| p + shift).collect();
        let mut neighbours: Vec<UnitCode> = s.neighbour.iter().map(|&u| self.code(u)).collect();
        neighbours.sort();
        neighbours.dedup();
        let code = self.code(s.unit);
        let description = format!(
            "shifted cell {code} by {distance:.1} m ({:.1} m east, {:.1} m north)",
            dir.x * distance / norm(dir),
            dir.y * distance / norm(dir)
        );
        let after = bbox(ring.iter().copied());
        Some(Plan {
            replace: vec![(s.unit, self.with_geometry(s.unit, &ring))],
            add: vec![],
            remove: None,
            cells: std::iter::once(code).chain(neighbours).collect(),
            location: bbox([before.min(), before.max(), after.min(), after.max()]),
            extra_rules: vec![],
            size_m: distance,
            description,
        })
    }

    /// A chain of at least 4 segments whose inner vertices, moved inwards by
    /// `width` metres, leave the ring simple and open a simple strip.
    fn offset_chain(s: &Sides, width: f64, rng: &mut SplitMix64) -> Option<Cut> {
        let chains: Vec<_> = s
            .chains()
            .into_iter()
            .filter(|&(_, len, _)| len >= 4)
            .collect();
        if chains.is_empty() {
            return None;
        }
        let first = rng.below(chains.len());
        for t in 0..chains.len() {
            let (start, len, nb) = chains[(first + t) % chains.len()];
            let (a, b) = (s.at(start), s.at(start + len));
            let f = Frame::at(a);
            let chord = f.to_m(b);
            let inward = Coord {
                x: -chord.y,
                y: chord.x,
            } * (width / norm(chord));
            let shift = f.offset_deg(inward);
            let mut ring = s.ring.clone();
            let mut strip: Vec<Coord<f64>> = (0..=len).map(|j| s.at(start + j)).collect();
            for j in (1..len).rev() {
                let v = (start + j) % s.n();
                ring[v] = s.ring[v] + shift;
                strip.push(ring[v]);
            }
            if is_simple(&ring) && is_simple(&strip) {
                return Some(Cut {
                    ring,
                    strip,
                    start,
                    len,
                    neighbour: nb,
                });
            }
        }
        None
    }

    fn narrow_gap(&self, s: &Sides, rng: &mut SplitMix64) -> Option<Plan> {
        let width = rng.range(0.5, 2.0);
        let Cut {
            ring,
            strip,
            start,
            len,
            neighbour: nb,
        } = Self::offset_chain(s, width, rng)?;
        Some(Plan {
            replace: vec![(s.unit, self.with_geometry(s.unit, &ring))],
            add: vec![],
            remove: None,
            cells: vec![self.code(s.unit), self.code(nb)],
            location: bbox(strip),
            extra_rules: vec![],
            size_m: width,
            description: format!(
                "moved {} inner vertices of cell {}'s boundary with cell {} inwards by {width:.2} m (segments {start}..{})",
                len - 1,
                self.code(s.unit),
                self.code(nb),
                start + len
            ),
        })
    }

    fn sliver(&self, s: &Sides, rng: &mut SplitMix64) -> Option<Plan> {
        let cut = &self.units[s.unit];
        let village = cut.parent.clone()?;
        let taken: Vec<u32> = self
            .cells
            .iter()
            .map(|&i| &self.units[i])
            .filter(|u| u.parent.as_ref() == Some(&village))
            .filter_map(|u| u.code.as_str().strip_prefix(village.as_str())?.parse().ok())
            .collect();
        let seq = taken.iter().max().copied().unwrap_or(0) + 1;
        if seq > 999 {
            return None;
        }
        let code: UnitCode = format!("{village}{seq:03}").parse().ok()?;
        let width = rng.range(0.5, 1.5);
        let Cut {
            ring,
            strip,
            len,
            neighbour: nb,
            ..
        } = Self::offset_chain(s, width, rng)?;
        let sliver = Unit::new(code.clone(), Level::Cell, Sides::polygon(&strip))
            .with_name(format!("Cell {seq:03}"))
            .with_parent(village)
            .with_attribute("households", AttrValue::Number(0.0));
        Some(Plan {
            replace: vec![(s.unit, self.with_geometry(s.unit, &ring))],
            add: vec![sliver],
            remove: None,
            cells: vec![code.clone(), self.code(s.unit), self.code(nb)],
            location: bbox(strip),
            extra_rules: vec![],
            size_m: width,
            description: format!(
                "cut a {width:.2} m strip of {len} segments off cell {} along cell {} as new cell {code}",
                self.code(s.unit),
                self.code(nb)
            ),
        })
    }

    fn bow_tie(&self, s: &Sides, rng: &mut SplitMix64) -> Option<Plan> {
        let candidates: Vec<usize> = Self::inner_vertices(s, 1)
            .into_iter()
            .map(|(v, _)| v)
            .filter(|&v| v + 2 < s.n())
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let first = rng.below(candidates.len());
        for t in 0..candidates.len() {
            let v = candidates[(first + t) % candidates.len()];
            let mut ring = s.ring.clone();
            ring.swap(v, v + 1);
            if is_simple(&ring) {
                continue;
            }
            let n = s.n();
            return Some(Plan {
                replace: vec![(s.unit, self.with_geometry(s.unit, &ring))],
                add: vec![],
                remove: None,
                cells: vec![self.code(s.unit)],
                location: bbox([s.at(v + n - 1), s.at(v), s.at(v + 1), s.at(v + 2)]),
                extra_rules: vec![],
                size_m: 0.0,
                description: format!(
                    "swapped vertices {v} and {} of cell {}: the ring crosses itself",
                    v + 1,
                    self.code(s.unit)
                ),
            });
        }
        None
    }

    fn duplicate_code(&self, c: usize) -> Option<Plan> {
        if self.cells.len() < 2 {
            return None;
        }
        let renamed = self.unit(c);
        // The next cell of the same village, else the next cell.
        let same_village = (1..self.cells.len())
            .map(|t| (c + t) % self.cells.len())
            .find(|&o| self.unit(o).parent == renamed.parent);
        let o = same_village.unwrap_or((c + 1) % self.cells.len());
        let kept = self.unit(o);
        let mut u = renamed.clone();
        u.code = kept.code.clone();
        let location = bbox([
            self.boxes[c].min(),
            self.boxes[c].max(),
            self.boxes[o].min(),
            self.boxes[o].max(),
        ]);
        Some(Plan {
            replace: vec![(self.cells[c], u)],
            add: vec![],
            remove: None,
            cells: vec![kept.code.clone(), renamed.code.clone()],
            location,
            extra_rules: vec![],
            size_m: 0.0,
            description: format!("gave cell {} the code of cell {}", renamed.code, kept.code),
        })
    }

    fn bad_code(&self, c: usize, rng: &mut SplitMix64) -> Option<Plan> {
        let cell = self.unit(c);
        let old = cell.code.as_str();
        let parent = cell.parent.as_ref()?;
        let existing: std::collections::HashSet<&str> = self
            .cells
            .iter()
            .map(|&i| self.units[i].code.as_str())
            .collect();
        let letter = rng.chance(0.5);
        let candidates: Vec<String> = if letter {
            // A letter for the last digit.
            vec![format!("{}X", &old[..old.len() - 1])]
        } else {
            // Change one digit of the village part (the parent's code) in the cell's code.
            let village_len = parent.as_str().len().min(old.len());
            (1..=village_len)
                .rev()
                .flat_map(|pos| (1..10u8).map(move |d| (pos - 1, d)))
                .filter_map(|(pos, d)| {
                    let mut bytes = old.as_bytes().to_vec();
                    bytes[pos] = b'0' + (bytes[pos] - b'0' + d) % 10;
                    String::from_utf8(bytes).ok()
                })
                .collect()
        };
        let new = candidates.into_iter().find(|s| {
            !existing.contains(s.as_str()) && (letter || !s.starts_with(parent.as_str()))
        })?;
        let code: UnitCode = new.parse().ok()?;
        let mut u = cell.clone();
        u.code = code.clone();
        Some(Plan {
            replace: vec![(self.cells[c], u)],
            add: vec![],
            remove: None,
            cells: vec![code.clone(), cell.code.clone()],
            location: self.boxes[c],
            extra_rules: vec![],
            size_m: 0.0,
            description: format!(
                "renamed cell {} to {code}, which breaks the layout under village {parent}",
                cell.code
            ),
        })
    }

    fn multipart(&self, c: usize) -> Option<Plan> {
        let taker = self.unit(c);
        let [_] = taker.geometry.0.as_slice() else {
            return None;
        };
        let vertices: std::collections::HashSet<[u64; 2]> = taker
            .geometry
            .0
            .iter()
            .flat_map(|p| {
                p.exterior()
                    .0
                    .iter()
                    .map(|q| [q.x.to_bits(), q.y.to_bits()])
            })
            .collect();
        let touches = |u: &Unit| {
            u.geometry.0.iter().any(|p| {
                p.exterior()
                    .0
                    .iter()
                    .any(|q| vertices.contains(&[q.x.to_bits(), q.y.to_bits()]))
            })
        };
        let giver = (1..self.cells.len())
            .map(|t| (c + t) % self.cells.len())
            .find(|&o| {
                let u = self.unit(o);
                u.parent == taker.parent && u.geometry.0.len() == 1 && !touches(u)
            })?;
        let gift = self.unit(giver);
        let mut u = taker.clone();
        u.geometry.0.extend(gift.geometry.0.iter().cloned());
        if let (Some(AttrValue::Number(a)), Some(AttrValue::Number(b))) = (
            taker.attributes.get("households"),
            gift.attributes.get("households"),
        ) {
            u.attributes
                .insert("households".into(), AttrValue::Number(a + b));
        }
        let (taker_index, giver_index) = (self.cells[c], self.cells[giver]);
        Some(Plan {
            replace: vec![(taker_index, u)],
            add: vec![],
            remove: Some(giver_index),
            cells: vec![taker.code.clone(), gift.code.clone()],
            location: self.boxes[giver],
            extra_rules: vec![],
            size_m: 0.0,
            description: format!(
                "gave cell {}'s polygon to cell {}, which it does not touch",
                gift.code, taker.code
            ),
        })
    }
}

#[cfg(test)]
#[path = "damage_tests.rs"]
mod tests;
