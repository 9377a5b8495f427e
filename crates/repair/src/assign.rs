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
use citygrid_planar::polygons;

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

fn settle_level(
    overlay: &Overlay,
    h: &Hierarchy<'_>,
    l: usize,
    has_boundary: bool,
    max_gap_width_m: f64,
    out: &mut Assignment,
) -> Vec<u32> {
    let level = h.levels[l];
    let nf = overlay.face_count();
    let outside = overlay.outside();
    let zone: Vec<u32> = (0..nf)
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
                out.owner[l - 1][f]
            }
        })
        .collect();
    let allowed = |u: u32, f: usize, owners: &[Vec<u32>]| {
        zone[f] != NONE
            && match h.parent_of[u as usize] {
                None => true,
                Some(p) => owners[h.level_of[p as usize]][f] == p,
            }
    };
    let covering: Vec<Vec<u32>> = (0..nf)
        .map(|f| {
            overlay.covering[f]
                .iter()
                .copied()
                .filter(|&u| h.level_of[u as usize] == l)
                .collect()
        })
        .collect();

    // Regions: faces with the same zone and covering units, joined across edges.
    let mut keys: FxHashMap<(u32, &[u32]), u32> = FxHashMap::default();
    let key: Vec<u32> = (0..nf)
        .map(|f| {
            let next = keys.len() as u32;
            *keys
                .entry((zone[f], covering[f].as_slice()))
                .or_insert(next)
        })
        .collect();
    let mut root: Vec<u32> = (0..nf as u32).collect();
    fn find(root: &mut [u32], mut i: u32) -> u32 {
        while root[i as usize] != i {
            root[i as usize] = root[root[i as usize] as usize];
            i = root[i as usize];
        }
        i
    }
    for e in 0..overlay.noded.edges.len() as u32 {
        let (f, g) = (overlay.face_of(2 * e), overlay.face_of(2 * e + 1));
        if f != g && key[f] == key[g] {
            let (a, b) = (find(&mut root, f as u32), find(&mut root, g as u32));
            if a != b {
                root[a.max(b) as usize] = a.min(b);
            }
        }
    }
    let mut region_of = vec![u32::MAX; nf];
    let mut regions: Vec<Region> = Vec::new();
    let mut by_root: FxHashMap<u32, u32> = FxHashMap::default();
    for f in 0..nf {
        if !overlay.is_face(f) || (zone[f] == NONE && covering[f].is_empty()) {
            continue;
        }
        let r = find(&mut root, f as u32);
        let id = *by_root.entry(r).or_insert_with(|| {
            regions.push(Region {
                faces: Vec::new(),
                zone: zone[f],
                covering: covering[f].clone(),
                candidates: covering[f]
                    .iter()
                    .copied()
                    .filter(|&u| allowed(u, f, &out.owner))
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
    for (r, region) in regions.iter_mut().enumerate() {
        let mut border: FxHashMap<usize, f64> = FxHashMap::default();
        for &f in &region.faces {
            for he in overlay.half_edges(f) {
                let g = overlay.face_of(he ^ 1);
                if region_of[g] != r as u32 {
                    *border.entry(g).or_default() += overlay.length_m[(he / 2) as usize];
                }
            }
        }
        let mut list: Vec<(usize, f64)> = border.into_iter().collect();
        list.sort_unstable_by_key(|&(g, _)| g);
        region.border = list;
    }

    let mut owner = vec![NONE; nf];
    let mut contested = Vec::new();
    let mut gaps = Vec::new();
    let mut settled: BTreeMap<usize, Settled> = BTreeMap::new();
    for (r, region) in regions.iter().enumerate() {
        if region.zone == NONE {
            settled.insert(r, Settled::Cut);
        } else if let [only] = region.candidates[..] {
            for &f in &region.faces {
                owner[f] = only;
            }
            if region.covering.len() > 1 {
                settled.insert(r, Settled::Kept(only));
            }
        } else if region.candidates.len() > 1 {
            contested.push(r);
        } else {
            gaps.push(r);
        }
    }
    let geometry = |r: usize| region_polygons(overlay, &region_of, &regions[r].faces);

    // Overlaps, in rounds.
    let borders = |region: &Region, owner: &[u32], among: &[u32]| -> Borders {
        let mut sum: BTreeMap<u32, f64> = BTreeMap::new();
        for &(g, len) in &region.border {
            let o = owner[g];
            if o != NONE && among.contains(&o) {
                *sum.entry(o).or_default() += len;
            }
        }
        let mut v: Vec<(u32, f64)> = sum.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    settle_in_rounds(&mut contested, &mut owner, &regions, |r, owner| {
        let region = &regions[r];
        let b = borders(region, owner, &region.candidates);
        match b.first() {
            Some(&(u, len)) if len > 0.0 => Some((u, b)),
            _ => None,
        }
    })
    .into_iter()
    .for_each(|(r, s)| {
        settled.insert(r, s);
    });
    // Whatever is surrounded by other overlaps only: the first candidate.
    for r in std::mem::take(&mut contested) {
        let u = regions[r].candidates[0];
        for &f in &regions[r].faces {
            owner[f] = u;
        }
        settled.insert(r, Settled::Given(u, Vec::new()));
    }

    // Gaps: measure, then fill the narrow ones in rounds.
    let mut widths: FxHashMap<usize, (MultiPolygon<f64>, Option<f64>)> = FxHashMap::default();
    let mut narrow = Vec::new();
    for &r in &gaps {
        let mp = geometry(r);
        let w = width(&mp, max_gap_width_m).map(|w| w.metres);
        if w.is_some_and(|w| w >= max_gap_width_m) {
            settled.insert(r, Settled::Wide);
        } else {
            narrow.push(r);
        }
        widths.insert(r, (mp, w));
    }
    let may_take = |u: u32, r: usize| {
        h.level_of[u as usize] == l && allowed(u, regions[r].faces[0], &out.owner)
    };
    settle_in_rounds(&mut narrow, &mut owner, &regions, |r, owner_l| {
        let region = &regions[r];
        let mut around: Vec<u32> = region
            .border
            .iter()
            .map(|&(g, _)| owner_l[g])
            .filter(|&o| o != NONE && may_take(o, r))
            .collect();
        around.sort_unstable();
        around.dedup();
        let b = borders(region, owner_l, &around);
        match b.first() {
            Some(&(u, len)) if len > 0.0 => Some((u, b)),
            _ => None,
        }
    })
    .into_iter()
    .for_each(|(r, s)| {
        settled.insert(r, s);
    });
    for r in narrow {
        settled.insert(r, Settled::Unclaimed);
    }

    reclaim_vanished(h, l, &regions, &mut owner, &mut settled, out);
    report(
        h,
        l,
        level,
        has_boundary,
        &regions,
        &owner,
        settled,
        &mut widths,
        &geometry,
        max_gap_width_m,
        out,
    );
    owner
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
    decide: impl Fn(usize, &[u32]) -> Option<(u32, Borders)>,
) -> Vec<(usize, Settled)> {
    let mut done = Vec::new();
    loop {
        let decided: Vec<(usize, u32, Borders)> = pending
            .iter()
            .filter_map(|&r| decide(r, owner).map(|(u, b)| (r, u, b)))
            .collect();
        if decided.is_empty() {
            return done;
        }
        let taken: rustc_hash::FxHashSet<usize> = decided.iter().map(|d| d.0).collect();
        pending.retain(|p| !taken.contains(p));
        for (r, u, b) in decided {
            for &f in &regions[r].faces {
                owner[f] = u;
            }
            done.push((r, Settled::Given(u, b)));
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

/// Turns each settled region into a change or a problem.
#[expect(
    clippy::too_many_arguments,
    reason = "the state of one level being settled; a struct would only rename it"
)]
fn report(
    h: &Hierarchy<'_>,
    l: usize,
    level: Level,
    has_boundary: bool,
    regions: &[Region],
    owner: &[u32],
    settled: BTreeMap<usize, Settled>,
    widths: &mut FxHashMap<usize, (MultiPolygon<f64>, Option<f64>)>,
    geometry: &impl Fn(usize) -> MultiPolygon<f64>,
    max_gap_width_m: f64,
    out: &mut Assignment,
) {
    let outside_what = if l == 0 {
        if has_boundary {
            "the boundary"
        } else {
            "every zone"
        }
    } else {
        "the level above"
    };
    for (r, how) in settled {
        let region = &regions[r];
        let (mp, w) = widths.remove(&r).unwrap_or_else(|| (geometry(r), None));
        let at = mp.interior_point().map(|p| fmt(p.0)).unwrap_or_default();
        let area = region.area_m2;
        let covering = h.codes(&region.covering);
        let location = Some(Geometry::MultiPolygon(mp));
        let mut change = |kind, to: Option<u32>, units: Vec<UnitCode>, message: String| {
            out.changes.push(Change {
                kind,
                level,
                to: to.map(|u| h.units[u as usize].code.clone()),
                units,
                location: location.clone(),
                area_m2: area,
                message,
            });
        };
        let border_text = |b: &[(u32, f64)], u: u32| {
            b.iter()
                .find(|(v, _)| *v == u)
                .map(|(_, len)| format!(" (longest shared border, {len:.1} m)"))
                .unwrap_or_default()
        };
        match how {
            Settled::Given(u, b) if region.candidates.len() > 1 => {
                let code = &h.units[u as usize].code;
                change(
                    ChangeKind::Overlap,
                    Some(u),
                    covering.clone(),
                    format!(
                        "{} overlap by {area:.2} m² near {at}: given to {code}{}",
                        names(level, &covering),
                        border_text(&b, u)
                    ),
                );
            }
            Settled::Given(u, b) => {
                let around: Vec<u32> = b.iter().map(|&(v, _)| v).collect();
                let units = h.codes(&around);
                let code = &h.units[u as usize].code;
                let also = if covering.is_empty() {
                    String::new()
                } else {
                    format!(", cut from {}", names(level, &covering))
                };
                change(
                    ChangeKind::Gap,
                    Some(u),
                    units.clone(),
                    format!(
                        "a gap of {area:.2} m²{} between {} near {at}: given to {code}{}{also}",
                        w.map(|w| format!(", {w:.2} m wide,")).unwrap_or_default(),
                        names(level, &units),
                        border_text(&b, u)
                    ),
                );
            }
            Settled::Kept(u) => {
                let cut: Vec<u32> = region
                    .covering
                    .iter()
                    .copied()
                    .filter(|&v| v != u)
                    .collect();
                let cut_codes = h.codes(&cut);
                change(
                    ChangeKind::Outside,
                    Some(u),
                    covering.clone(),
                    format!(
                        "{} reach {area:.2} m² outside their parent near {at}: cut away, kept by {}",
                        names(level, &cut_codes),
                        h.units[u as usize].code
                    ),
                );
            }
            Settled::Cut => change(
                ChangeKind::Outside,
                None,
                covering.clone(),
                format!(
                    "{} reach {area:.2} m² outside {outside_what} near {at}: cut away",
                    names(level, &covering)
                ),
            ),
            Settled::Reclaimed(u, from) => {
                let code = &h.units[u as usize].code;
                change(
                    ChangeKind::Overlap,
                    Some(u),
                    covering.clone(),
                    format!(
                        "{} overlap by {area:.2} m² near {at}: kept by {code}, which lies inside {} and would have nothing else",
                        names(level, &covering),
                        h.units[from as usize].code
                    ),
                );
            }
            Settled::Wide | Settled::Unclaimed => {
                let around: Vec<u32> = region
                    .border
                    .iter()
                    .map(|&(g, _)| owner[g])
                    .filter(|&o| o != NONE)
                    .collect();
                let units = h.codes(&around);
                let (kind, message) = if matches!(how, Settled::Wide) {
                    (
                        ProblemKind::WideGap,
                        format!(
                            "a gap of {area:.2} m², at least {:.1} m wide (limit {max_gap_width_m} m), between {} near {at}: left open",
                            w.unwrap_or(max_gap_width_m),
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
                out.problems.push(Problem {
                    kind,
                    level,
                    units,
                    location,
                    area_m2: Some(area),
                    width_m: w,
                    message,
                });
            }
        }
    }
}
