//! Who gets each face of the overlay, level by level from the top.
//!
//! For one level, a face lies in a zone: inside the boundary (or, without one, any
//! bounded face) for the top level, the face's owner at the level above for the
//! others, or nowhere (outside). A unit may take a face when the face is in a zone
//! and, if the unit's parent is known, the parent owns the face. Faces with the same
//! zone and the same covering units that touch along an edge form one region, and
//! regions are settled whole:
//!
//! - one unit may take it: it does (others covering it are cut: they reach outside
//!   their parent or the boundary);
//! - several may (an overlap): the one with the longest border with what it already
//!   owns, in rounds, so a region next to another overlap waits for it;
//! - none covers it (a gap): if narrower than the limit (largest inscribed circle),
//!   the neighbour with the longest shared border that may take it, in rounds;
//!   wider gaps are left open and reported;
//! - it is in no zone: nobody (cut).
//!
//! A unit left with nothing (entirely inside another that has no hole for it) takes
//! back what it covers where that leaves the other something, and is reported
//! either way.

use std::collections::BTreeMap;

use geo::InteriorPoint;
use geo_types::{Geometry, MultiPolygon};
use rustc_hash::FxHashMap;

use citygrid_check::shape::width;
use citygrid_check::validity::fmt;
use citygrid_model::{Level, Unit, UnitCode};
use citygrid_planar::{Parts, polygons};

use crate::change::{Change, ChangeKind, Problem, ProblemKind, names};
use crate::overlay::Overlay;

/// No owner (outside, or a gap left open).
pub(crate) const NONE: u32 = u32::MAX;
/// The zone of the top level inside the boundary (or anywhere without one).
const ANY: u32 = u32::MAX - 1;

/// The units, their levels and parents, as the assignment needs them.
pub(crate) struct Hierarchy<'a> {
    pub units: &'a [Unit],
    /// The levels present, top first.
    pub levels: Vec<Level>,
    /// Each unit's position in `levels`.
    pub level_of: Vec<usize>,
    /// Each unit's parent among the units (at a higher level), if any.
    pub parent_of: Vec<Option<u32>>,
}

impl<'a> Hierarchy<'a> {
    pub(crate) fn new(units: &'a [Unit]) -> Self {
        let mut levels: Vec<Level> = units.iter().map(|u| u.level).collect();
        levels.sort();
        levels.dedup();
        let level_of = units
            .iter()
            .map(|u| levels.iter().position(|&l| l == u.level).unwrap_or(0))
            .collect();
        let mut first: FxHashMap<&UnitCode, u32> = FxHashMap::default();
        for (i, u) in units.iter().enumerate() {
            first.entry(&u.code).or_insert(i as u32);
        }
        let parent_of = units
            .iter()
            .map(|u| {
                let p = *first.get(u.parent.as_ref()?)?;
                (units[p as usize].level < u.level).then_some(p)
            })
            .collect();
        Hierarchy {
            units,
            levels,
            level_of,
            parent_of,
        }
    }

    fn codes(&self, ids: &[u32]) -> Vec<UnitCode> {
        let mut c: Vec<UnitCode> = ids
            .iter()
            .map(|&i| self.units[i as usize].code.clone())
            .collect();
        c.sort();
        c.dedup();
        c
    }
}

/// The owners of every face at every level, and what was done to get there.
pub(crate) struct Assignment {
    /// `owner[level][face]`: a unit, or [`NONE`].
    pub owner: Vec<Vec<u32>>,
    pub changes: Vec<Change>,
    pub problems: Vec<Problem>,
}

/// Border lengths (m) with each candidate unit, longest first.
type Borders = Vec<(u32, f64)>;

/// Each measured gap region's polygons and width (m; `None` where it has none).
type Widths = FxHashMap<usize, (MultiPolygon<f64>, Option<f64>)>;

/// One region of one level.
struct Region {
    faces: Vec<usize>,
    zone: u32,
    covering: Vec<u32>,
    candidates: Vec<u32>,
    /// Faces across its boundary, with the length of border shared with each (m).
    border: Vec<(usize, f64)>,
    area_m2: f64,
}

impl Region {
    /// Gives every face of the region to unit `u`.
    fn give(&self, owner: &mut [u32], u: u32) {
        for &f in &self.faces {
            owner[f] = u;
        }
    }

    /// The length of border it shares with each unit of `among` that owns faces
    /// across it, longest first.
    fn borders(&self, owner: &[u32], among: &[u32]) -> Borders {
        let mut sum: BTreeMap<u32, f64> = BTreeMap::new();
        for &(g, len) in &self.border {
            let o = owner[g];
            if o != NONE && among.contains(&o) {
                *sum.entry(o).or_default() += len;
            }
        }
        let mut v: Vec<(u32, f64)> = sum.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

/// The unit with the longest border, if that border has any length: a region
/// touching none of its candidates' faces waits for another round.
fn longest_border(b: Borders) -> Option<(u32, Borders)> {
    match b.first() {
        Some(&(u, len)) if len > 0.0 => Some((u, b)),
        _ => None,
    }
}

/// Settles every level.
pub(crate) fn assign(
    overlay: &Overlay,
    h: &Hierarchy<'_>,
    has_boundary: bool,
    max_gap_width_m: f64,
) -> Assignment {
    let mut out = Assignment {
        owner: Vec::with_capacity(h.levels.len()),
        changes: Vec::new(),
        problems: Vec::new(),
    };
    for l in 0..h.levels.len() {
        let owner = settle_level(overlay, h, l, has_boundary, max_gap_width_m, &mut out);
        out.owner.push(owner);
    }
    out
}

/// Settles level `l`: the faces' zones and the regions they form, then what
/// needs no choosing, overlaps and narrow gaps in rounds, units that would vanish,
/// and a change or problem for every region settled.
fn settle_level(
    overlay: &Overlay,
    h: &Hierarchy<'_>,
    l: usize,
    has_boundary: bool,
    max_gap_width_m: f64,
    out: &mut Assignment,
) -> Vec<u32> {
    let zone = zones(overlay, l, has_boundary, &out.owner);
    let admit = Admission {
        h,
        l,
        zone: &zone,
        above: &out.owner,
    };
    let regions = Regions::find(overlay, &admit);
    let mut owner = vec![NONE; overlay.face_count()];
    let Triage {
        contested,
        gaps,
        mut settled,
    } = triage(&regions.list, &mut owner);
    settle_overlaps(&regions.list, contested, &mut owner, &mut settled);
    let geometry = |r: usize| region_polygons(overlay, &regions.region_of, &regions.list[r].faces);
    let (widths, narrow) = measure_gaps(&gaps, &geometry, max_gap_width_m, &mut settled);
    fill_narrow_gaps(&regions.list, &admit, narrow, &mut owner, &mut settled);
    reclaim_vanished(h, l, &regions.list, &mut owner, &mut settled, out);
    Reporter::new(h, l, has_boundary, max_gap_width_m).report(
        &regions.list,
        &owner,
        settled,
        widths,
        &geometry,
        out,
    );
    owner
}

/// Each face's zone at level `l`: for the top level, [`ANY`] inside the boundary
/// (without one, on every bounded face); below, the face's owner at the level
/// above. [`NONE`] for no zone.
fn zones(overlay: &Overlay, l: usize, has_boundary: bool, above: &[Vec<u32>]) -> Vec<u32> {
    let outside = overlay.outside();
    (0..overlay.face_count())
        .map(|f| {
            if !overlay.is_face(f) {
                NONE
            } else if l == 0 {
                let inside = if has_boundary {
                    overlay.inside[f]
                } else {
                    f != outside
                };
                if inside { ANY } else { NONE }
            } else {
                above[l - 1][f]
            }
        })
        .collect()
}

/// Who may take a face at one level: a unit of the level, where the face lies in
/// a zone and, if the unit's parent is known, the parent owns the face.
struct Admission<'a> {
    h: &'a Hierarchy<'a>,
    l: usize,
    /// Each face's zone at this level.
    zone: &'a [u32],
    /// The owners at the levels above, settled.
    above: &'a [Vec<u32>],
}

impl Admission<'_> {
    /// Whether unit `u` may take face `f`, as far as zone and parent go.
    fn allows(&self, u: u32, f: usize) -> bool {
        self.zone[f] != NONE
            && match self.h.parent_of[u as usize] {
                None => true,
                Some(p) => self.above[self.h.level_of[p as usize]][f] == p,
            }
    }

    /// Whether unit `u` is of this level and may take face `f`.
    fn may_take(&self, u: u32, f: usize) -> bool {
        self.h.level_of[u as usize] == self.l && self.allows(u, f)
    }
}

/// The regions of one level, and the region of each face (`u32::MAX` for none).
struct Regions {
    list: Vec<Region>,
    region_of: Vec<u32>,
}

impl Regions {
    /// Faces with the same zone and covering units, joined across the edges
    /// between them, each region with the units that may take it and its border.
    fn find(overlay: &Overlay, admit: &Admission<'_>) -> Regions {
        let covering = covering_at(overlay, admit.h, admit.l);
        let mut parts = join_alike_faces(overlay, &face_keys(admit.zone, &covering));
        let mut regions = Regions::group(overlay, &covering, &mut parts, admit);
        regions.measure_borders(overlay);
        regions
    }

    /// Files each face in the region of its part, regions numbered in face order;
    /// faces in no zone that no unit covers belong to none.
    fn group(
        overlay: &Overlay,
        covering: &[Vec<u32>],
        parts: &mut Parts,
        admit: &Admission<'_>,
    ) -> Regions {
        let nf = covering.len();
        let mut region_of = vec![u32::MAX; nf];
        let mut regions: Vec<Region> = Vec::new();
        let mut by_root: FxHashMap<u32, u32> = FxHashMap::default();
        for f in 0..nf {
            if !overlay.is_face(f) || (admit.zone[f] == NONE && covering[f].is_empty()) {
                continue;
            }
            let r = parts.of(f as u32);
            let id = *by_root.entry(r).or_insert_with(|| {
                regions.push(Region {
                    faces: Vec::new(),
                    zone: admit.zone[f],
                    covering: covering[f].clone(),
                    candidates: covering[f]
                        .iter()
                        .copied()
                        .filter(|&u| admit.allows(u, f))
                        .collect(),
                    border: Vec::new(),
                    area_m2: 0.0,
                });
                (regions.len() - 1) as u32
            });
            region_of[f] = id;
            regions[id as usize].faces.push(f);
            regions[id as usize].area_m2 += overlay.area_m2[f];
        }
        Regions {
            list: regions,
            region_of,
        }
    }

    /// Each region's border: the faces across it and the length shared with each,
    /// by face.
    fn measure_borders(&mut self, overlay: &Overlay) {
        for (r, region) in self.list.iter_mut().enumerate() {
            let mut border: FxHashMap<usize, f64> = FxHashMap::default();
            for &f in &region.faces {
                for he in overlay.half_edges(f) {
                    let g = overlay.face_of(he ^ 1);
                    if self.region_of[g] != r as u32 {
                        *border.entry(g).or_default() += overlay.length_m[(he / 2) as usize];
                    }
                }
            }
            let mut list: Vec<(usize, f64)> = border.into_iter().collect();
            list.sort_unstable_by_key(|&(g, _)| g);
            region.border = list;
        }
    }
}

/// The units of level `l` covering each face.
fn covering_at(overlay: &Overlay, h: &Hierarchy<'_>, l: usize) -> Vec<Vec<u32>> {
    (0..overlay.face_count())
        .map(|f| {
            overlay.covering[f]
                .iter()
                .copied()
                .filter(|&u| h.level_of[u as usize] == l)
                .collect()
        })
        .collect()
}

/// A key per face, the same for faces with the same zone and covering units.
fn face_keys(zone: &[u32], covering: &[Vec<u32>]) -> Vec<u32> {
    let mut keys: FxHashMap<(u32, &[u32]), u32> = FxHashMap::default();
    (0..zone.len())
        .map(|f| {
            let next = keys.len() as u32;
            *keys
                .entry((zone[f], covering[f].as_slice()))
                .or_insert(next)
        })
        .collect()
}

/// Union-find over faces, joining the two faces of every edge that have the same
/// key; the lower face id names the part.
fn join_alike_faces(overlay: &Overlay, key: &[u32]) -> Parts {
    let mut parts = Parts::new(key.len());
    for e in 0..overlay.noded.edges.len() as u32 {
        let (f, g) = (overlay.face_of(2 * e), overlay.face_of(2 * e + 1));
        if f != g && key[f] == key[g] {
            parts.join(f as u32, g as u32);
        }
    }
    parts
}

/// The regions of a level, by what settling them takes.
struct Triage {
    /// Regions several units may take (overlaps).
    contested: Vec<usize>,
    /// Regions in a zone that no unit may take (gaps).
    gaps: Vec<usize>,
    /// Regions settled already: cut, or kept by their only allowed unit.
    settled: BTreeMap<usize, Settled>,
}

/// Settles what needs no choice: a region in no zone is cut, one that only one
/// unit may take goes to it. Overlaps and gaps are left for the rounds.
fn triage(regions: &[Region], owner: &mut [u32]) -> Triage {
    let mut contested = Vec::new();
    let mut gaps = Vec::new();
    let mut settled: BTreeMap<usize, Settled> = BTreeMap::new();
    for (r, region) in regions.iter().enumerate() {
        if region.zone == NONE {
            settled.insert(r, Settled::Cut);
        } else if let [only] = region.candidates[..] {
            region.give(owner, only);
            if region.covering.len() > 1 {
                settled.insert(r, Settled::Kept(only));
            }
        } else if region.candidates.len() > 1 {
            contested.push(r);
        } else {
            gaps.push(r);
        }
    }
    Triage {
        contested,
        gaps,
        settled,
    }
}

/// Overlaps, in rounds: each to the candidate with the longest border with what it
/// already owns, so an overlap next to another waits for it. Whatever is
/// surrounded by other overlaps only goes to its first candidate.
fn settle_overlaps(
    regions: &[Region],
    mut contested: Vec<usize>,
    owner: &mut [u32],
    settled: &mut BTreeMap<usize, Settled>,
) {
    settle_in_rounds(&mut contested, owner, regions, settled, |r, owner| {
        let region = &regions[r];
        longest_border(region.borders(owner, &region.candidates))
    });
    for r in contested {
        let u = regions[r].candidates[0];
        regions[r].give(owner, u);
        settled.insert(r, Settled::Given(u, Vec::new()));
    }
}

/// Measures each gap (largest inscribed circle, up to the limit): a wide gap is
/// left open; the narrow ones are returned, to be filled.
fn measure_gaps(
    gaps: &[usize],
    geometry: &impl Fn(usize) -> MultiPolygon<f64>,
    max_gap_width_m: f64,
    settled: &mut BTreeMap<usize, Settled>,
) -> (Widths, Vec<usize>) {
    let mut widths: Widths = FxHashMap::default();
    let mut narrow = Vec::new();
    for &r in gaps {
        let mp = geometry(r);
        let w = width(&mp, max_gap_width_m).map(|w| w.metres);
        if w.is_some_and(|w| w >= max_gap_width_m) {
            settled.insert(r, Settled::Wide);
        } else {
            narrow.push(r);
        }
        widths.insert(r, (mp, w));
    }
    (widths, narrow)
}

/// Narrow gaps, in rounds: each to the neighbour with the longest shared border
/// that may take it. A gap that borders nobody who may is unclaimed.
fn fill_narrow_gaps(
    regions: &[Region],
    admit: &Admission<'_>,
    mut narrow: Vec<usize>,
    owner: &mut [u32],
    settled: &mut BTreeMap<usize, Settled>,
) {
    settle_in_rounds(&mut narrow, owner, regions, settled, |r, owner_l| {
        let region = &regions[r];
        let mut around: Vec<u32> = region
            .border
            .iter()
            .map(|&(g, _)| owner_l[g])
            .filter(|&o| o != NONE && admit.may_take(o, region.faces[0]))
            .collect();
        around.sort_unstable();
        around.dedup();
        longest_border(region.borders(owner_l, &around))
    });
    for r in narrow {
        settled.insert(r, Settled::Unclaimed);
    }
}

/// How a region was settled.
#[derive(Debug, Clone)]
enum Settled {
    /// Given to a unit, with the border lengths of the candidates (m).
    Given(u32, Borders),
    /// Kept by its only allowed unit; other units covering it were cut.
    Kept(u32),
    /// Outside every zone: cut.
    Cut,
    /// A gap too wide to fill.
    Wide,
    /// A narrow gap nobody may take.
    Unclaimed,
    /// Taken back by a unit that would otherwise vanish, from this unit.
    Reclaimed(u32, u32),
}

/// Settles pending regions in rounds: in each, every region that `decide` can
/// settle from the owners as they were at the start of the round is settled.
fn settle_in_rounds(
    pending: &mut Vec<usize>,
    owner: &mut [u32],
    regions: &[Region],
    settled: &mut BTreeMap<usize, Settled>,
    decide: impl Fn(usize, &[u32]) -> Option<(u32, Borders)>,
) {
    loop {
        let decided: Vec<(usize, u32, Borders)> = pending
            .iter()
            .filter_map(|&r| decide(r, owner).map(|(u, b)| (r, u, b)))
            .collect();
        if decided.is_empty() {
            return;
        }
        let taken: rustc_hash::FxHashSet<usize> = decided.iter().map(|d| d.0).collect();
        pending.retain(|p| !taken.contains(p));
        for (r, u, b) in decided {
            regions[r].give(owner, u);
            settled.insert(r, Settled::Given(u, b));
        }
    }
}

/// Gives a unit that owns nothing the regions it covers, where their owner keeps
/// something else.
fn reclaim_vanished(
    h: &Hierarchy<'_>,
    l: usize,
    regions: &[Region],
    owner: &mut [u32],
    settled: &mut BTreeMap<usize, Settled>,
    out: &mut Assignment,
) {
    let mut area: FxHashMap<u32, f64> = FxHashMap::default();
    for region in regions {
        if let Some(&f) = region.faces.first()
            && owner[f] != NONE
        {
            *area.entry(owner[f]).or_default() += region.area_m2;
        }
    }
    for u in 0..h.units.len() as u32 {
        if h.level_of[u as usize] != l || area.get(&u).is_some_and(|&a| a > 0.0) {
            continue;
        }
        let unit = &h.units[u as usize];
        let mut from: Vec<u32> = Vec::new();
        let mut got = 0.0;
        for (r, region) in regions.iter().enumerate() {
            if !region.candidates.contains(&u) {
                continue;
            }
            let o = owner[region.faces[0]];
            if o == NONE || o == u {
                continue;
            }
            let left = area.get(&o).copied().unwrap_or(0.0) - region.area_m2;
            if left <= 0.0 {
                continue;
            }
            area.insert(o, left);
            for &f in &region.faces {
                owner[f] = u;
            }
            got += region.area_m2;
            from.push(o);
            settled.insert(r, Settled::Reclaimed(u, o));
        }
        from.sort_unstable();
        from.dedup();
        if got > 0.0 {
            area.insert(u, got);
            let others = h.codes(&from);
            out.problems.push(Problem {
                kind: crate::change::ProblemKind::Enclave,
                level: unit.level,
                units: h.codes(&[&[u][..], &from[..]].concat()),
                location: unit.geometry.interior_point().map(Geometry::Point),
                area_m2: Some(got),
                width_m: None,
                message: format!(
                    "{} {} lies entirely inside {} (which has no hole for it): kept, {got:.2} m² cut out of {}; check whether it is a duplicate",
                    unit.level,
                    unit.code,
                    names(unit.level, &others),
                    names(unit.level, &others),
                ),
            });
        } else {
            let covered: Vec<u32> = regions
                .iter()
                .filter(|r| r.covering.contains(&u))
                .flat_map(|r| r.faces.first().map(|&f| owner[f]))
                .filter(|&o| o != NONE && o != u)
                .collect();
            let message = if covered.is_empty() {
                format!(
                    "{} {} covers no area inside its parent or the boundary: left out of the output",
                    unit.level, unit.code
                )
            } else {
                format!(
                    "{} {} covers only area that {} keep: left out of the output (a duplicate?)",
                    unit.level,
                    unit.code,
                    names(unit.level, &h.codes(&covered))
                )
            };
            out.problems.push(Problem {
                kind: crate::change::ProblemKind::Vanished,
                level: unit.level,
                units: h.codes(&[&[u][..], &covered[..]].concat()),
                location: unit.geometry.interior_point().map(Geometry::Point),
                area_m2: None,
                width_m: None,
                message,
            });
        }
    }
}

/// The polygons of one region.
fn region_polygons(overlay: &Overlay, region_of: &[u32], faces: &[usize]) -> MultiPolygon<f64> {
    let Some(&first) = faces.first() else {
        return MultiPolygon(Vec::new());
    };
    let r = region_of[first];
    let mut half = Vec::new();
    for &f in faces {
        for h in overlay.half_edges(f) {
            if region_of[overlay.face_of(h ^ 1)] != r {
                half.push((
                    overlay.faces.origin[h as usize],
                    overlay.faces.origin[(h ^ 1) as usize],
                ));
            }
        }
    }
    polygons(&overlay.noded.vertices, &half)
}

/// How the changes and problems of one level are worded.
struct Reporter<'a> {
    h: &'a Hierarchy<'a>,
    level: Level,
    /// What a region in no zone lies outside of.
    outside_what: &'static str,
    max_gap_width_m: f64,
}

/// What every message about one settled region says: where it is, how large, who
/// covers it.
struct Seen<'r> {
    region: &'r Region,
    covering: Vec<UnitCode>,
    /// A point inside it, as text.
    at: String,
    area: f64,
    location: Option<Geometry<f64>>,
    /// Its width, for a measured gap.
    width: Option<f64>,
}

/// " (longest shared border, N m)" when `u` is among the borders.
fn border_text(b: &[(u32, f64)], u: u32) -> String {
    b.iter()
        .find(|(v, _)| *v == u)
        .map(|(_, len)| format!(" (longest shared border, {len:.1} m)"))
        .unwrap_or_default()
}

impl<'a> Reporter<'a> {
    fn new(h: &'a Hierarchy<'a>, l: usize, has_boundary: bool, max_gap_width_m: f64) -> Self {
        let outside_what = if l == 0 {
            if has_boundary {
                "the boundary"
            } else {
                "every zone"
            }
        } else {
            "the level above"
        };
        Reporter {
            h,
            level: h.levels[l],
            outside_what,
            max_gap_width_m,
        }
    }

    /// Turns each settled region into a change or a problem, in region order.
    fn report(
        &self,
        regions: &[Region],
        owner: &[u32],
        settled: BTreeMap<usize, Settled>,
        mut widths: Widths,
        geometry: &impl Fn(usize) -> MultiPolygon<f64>,
        out: &mut Assignment,
    ) {
        for (r, how) in settled {
            let region = &regions[r];
            let (mp, w) = widths.remove(&r).unwrap_or_else(|| (geometry(r), None));
            let seen = self.see(region, mp, w);
            match how {
                Settled::Given(u, b) if region.candidates.len() > 1 => {
                    out.changes.push(self.overlap_given(&seen, u, &b));
                }
                Settled::Given(u, b) => out.changes.push(self.gap_given(&seen, u, &b)),
                Settled::Kept(u) => out.changes.push(self.kept_inside_parent(&seen, u)),
                Settled::Cut => out.changes.push(self.cut_outside(&seen)),
                Settled::Reclaimed(u, from) => out.changes.push(self.reclaimed(&seen, u, from)),
                Settled::Wide => out.problems.push(self.gap_left_open(seen, owner, true)),
                Settled::Unclaimed => out.problems.push(self.gap_left_open(seen, owner, false)),
            }
        }
    }

    /// Where a region is and who covers it, from its polygons.
    fn see<'r>(&self, region: &'r Region, mp: MultiPolygon<f64>, width: Option<f64>) -> Seen<'r> {
        let at = mp.interior_point().map(|p| fmt(p.0)).unwrap_or_default();
        Seen {
            region,
            covering: self.h.codes(&region.covering),
            at,
            area: region.area_m2,
            location: Some(Geometry::MultiPolygon(mp)),
            width,
        }
    }

    /// A change at a region, given to unit `to` (if any), naming the units covering
    /// it.
    fn change(
        &self,
        seen: &Seen<'_>,
        kind: ChangeKind,
        to: Option<u32>,
        message: String,
    ) -> Change {
        Change {
            kind,
            level: self.level,
            to: to.map(|u| self.h.units[u as usize].code.clone()),
            units: seen.covering.clone(),
            location: seen.location.clone(),
            area_m2: seen.area,
            message,
        }
    }

    /// An overlap given to the unit with the longest border.
    fn overlap_given(&self, seen: &Seen<'_>, u: u32, b: &[(u32, f64)]) -> Change {
        let (level, area, at) = (self.level, seen.area, &seen.at);
        let code = &self.h.units[u as usize].code;
        let message = format!(
            "{} overlap by {area:.2} m² near {at}: given to {code}{}",
            names(level, &seen.covering),
            border_text(b, u)
        );
        self.change(seen, ChangeKind::Overlap, Some(u), message)
    }

    /// A narrow gap given to the neighbour with the longest border (and cut from
    /// units covering it that may not take it).
    fn gap_given(&self, seen: &Seen<'_>, u: u32, b: &[(u32, f64)]) -> Change {
        let (level, area, at) = (self.level, seen.area, &seen.at);
        let around: Vec<u32> = b.iter().map(|&(v, _)| v).collect();
        let units = self.h.codes(&around);
        let code = &self.h.units[u as usize].code;
        let also = if seen.covering.is_empty() {
            String::new()
        } else {
            format!(", cut from {}", names(level, &seen.covering))
        };
        let message = format!(
            "a gap of {area:.2} m²{} between {} near {at}: given to {code}{}{also}",
            seen.width
                .map(|w| format!(", {w:.2} m wide,"))
                .unwrap_or_default(),
            names(level, &units),
            border_text(b, u)
        );
        Change {
            units,
            ..self.change(seen, ChangeKind::Gap, Some(u), message)
        }
    }

    /// A region only unit `u` may take: the others covering it reach outside their
    /// parent, and are cut.
    fn kept_inside_parent(&self, seen: &Seen<'_>, u: u32) -> Change {
        let (level, area, at) = (self.level, seen.area, &seen.at);
        let cut: Vec<u32> = seen
            .region
            .covering
            .iter()
            .copied()
            .filter(|&v| v != u)
            .collect();
        let cut_codes = self.h.codes(&cut);
        let message = format!(
            "{} reach {area:.2} m² outside their parent near {at}: cut away, kept by {}",
            names(level, &cut_codes),
            self.h.units[u as usize].code
        );
        self.change(seen, ChangeKind::Outside, Some(u), message)
    }

    /// A region in no zone, cut from everyone covering it.
    fn cut_outside(&self, seen: &Seen<'_>) -> Change {
        let (level, area, at) = (self.level, seen.area, &seen.at);
        let message = format!(
            "{} reach {area:.2} m² outside {} near {at}: cut away",
            names(level, &seen.covering),
            self.outside_what
        );
        self.change(seen, ChangeKind::Outside, None, message)
    }

    /// A region taken back by unit `u`, which would otherwise vanish, from `from`.
    fn reclaimed(&self, seen: &Seen<'_>, u: u32, from: u32) -> Change {
        let (level, area, at) = (self.level, seen.area, &seen.at);
        let code = &self.h.units[u as usize].code;
        let message = format!(
            "{} overlap by {area:.2} m² near {at}: kept by {code}, which lies inside {} and would have nothing else",
            names(level, &seen.covering),
            self.h.units[from as usize].code
        );
        self.change(seen, ChangeKind::Overlap, Some(u), message)
    }

    /// A gap left open: too wide (`wide`), or bordering no unit that may take it.
    fn gap_left_open(&self, seen: Seen<'_>, owner: &[u32], wide: bool) -> Problem {
        let (level, area, at) = (self.level, seen.area, &seen.at);
        let around: Vec<u32> = seen
            .region
            .border
            .iter()
            .map(|&(g, _)| owner[g])
            .filter(|&o| o != NONE)
            .collect();
        let units = self.h.codes(&around);
        let (kind, message) = if wide {
            (
                ProblemKind::WideGap,
                format!(
                    "a gap of {area:.2} m², at least {:.1} m wide (limit {} m), between {} near {at}: left open",
                    seen.width.unwrap_or(self.max_gap_width_m),
                    self.max_gap_width_m,
                    names(level, &units)
                ),
            )
        } else {
            (
                ProblemKind::Unclaimed,
                format!(
                    "a gap of {area:.2} m² near {at} borders no {level} that may take it: left open"
                ),
            )
        };
        Problem {
            kind,
            level,
            units,
            location: seen.location,
            area_m2: Some(area),
            width_m: seen.width,
            message,
        }
    }
}
