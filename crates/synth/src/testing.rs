//! Test helpers: an independent clean-coverage check written with `geo`, shared by
//! the city and damage tests.

use std::collections::{HashMap, HashSet};

use citygrid_model::{Level, Unit, UnitCode};
use geo::{Area, BooleanOps, BoundingRect, Intersects, Validation};
use geo_types::Coord;

/// A directed segment by the bits of its end coordinates.
pub(crate) type Seg = [u64; 4];

pub(crate) fn seg(a: Coord<f64>, b: Coord<f64>) -> Seg {
    [a.x.to_bits(), a.y.to_bits(), b.x.to_bits(), b.y.to_bits()]
}

pub(crate) fn rev(s: Seg) -> Seg {
    [s[2], s[3], s[0], s[1]]
}

/// The segment's end points back as coordinates.
pub(crate) fn ends(s: Seg) -> [Coord<f64>; 2] {
    [
        Coord {
            x: f64::from_bits(s[0]),
            y: f64::from_bits(s[1]),
        },
        Coord {
            x: f64::from_bits(s[2]),
            y: f64::from_bits(s[3]),
        },
    ]
}

pub(crate) fn level(units: &[Unit], level: Level) -> Vec<&Unit> {
    units.iter().filter(|u| u.level == level).collect()
}

/// Directed segments of every ring of a unit.
pub(crate) fn segments(u: &Unit) -> Vec<Seg> {
    u.geometry
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.windows(2).map(|w| seg(w[0], w[1])))
        .collect()
}

/// Each unit is one valid polygon: closed, counter-clockwise, no holes, no
/// repeated consecutive points.
pub(crate) fn assert_shapes(units: &[Unit]) {
    for u in units {
        assert_eq!(u.geometry.0.len(), 1, "{} has one part", u.code);
        let p = &u.geometry.0[0];
        assert!(p.interiors().is_empty(), "{} has no holes", u.code);
        let ring = &p.exterior().0;
        assert_eq!(ring.first(), ring.last(), "{} is closed", u.code);
        assert!(
            ring.windows(2).all(|w| w[0] != w[1]),
            "{} repeats a point",
            u.code
        );
        assert!(p.signed_area() > 0.0, "{} is counter-clockwise", u.code);
        assert!(
            u.geometry.is_valid(),
            "{}: {:?}",
            u.code,
            u.geometry.validation_errors()
        );
    }
}

/// Every directed segment of a cell appears once; a shared segment appears once
/// each way; a segment that is not shared is on the city outline, and every outline
/// segment is a cell's. Each admin unit's outline is its children's segments minus
/// those shared among them: the same vertices, in the same direction.
pub(crate) fn assert_segments_match(units: &[Unit]) {
    let cells = level(units, Level::Cell);
    let mut seen: HashMap<Seg, usize> = HashMap::new();
    for c in &cells {
        for s in segments(c) {
            *seen.entry(s).or_default() += 1;
        }
    }
    assert!(seen.values().all(|&n| n == 1), "a directed segment repeats");
    let city = level(units, Level::City);
    let outline: HashSet<Seg> = segments(city[0]).into_iter().collect();
    for &s in seen.keys() {
        assert!(
            seen.contains_key(&rev(s)) || outline.contains(&s),
            "segment {s:?} is unmatched inside the city"
        );
        assert!(
            !(seen.contains_key(&rev(s)) && outline.contains(&s)),
            "an outline segment is shared"
        );
    }
    assert!(
        outline.iter().all(|s| seen.contains_key(s)),
        "the city outline is its cells' outer boundary"
    );

    let mut children: HashMap<&UnitCode, Vec<&Unit>> = HashMap::new();
    for u in units {
        if let Some(p) = &u.parent {
            children.entry(p).or_default().push(u);
        }
    }
    for u in units.iter().filter(|u| u.level != Level::Cell) {
        let kids = &children[&u.code];
        let all: HashSet<Seg> = kids.iter().flat_map(|k| segments(k)).collect();
        let boundary: HashSet<Seg> = all
            .iter()
            .copied()
            .filter(|s| !all.contains(&rev(*s)))
            .collect();
        let own: HashSet<Seg> = segments(u).into_iter().collect();
        assert_eq!(
            own, boundary,
            "{} is the vertex-exact union of its children",
            u.code
        );
    }
}

/// Total cell area equals the city's, and no two cells overlap (geo's boolean ops).
pub(crate) fn assert_areas(units: &[Unit]) {
    let cells = level(units, Level::Cell);
    let city_area = level(units, Level::City)[0].geometry.unsigned_area();
    let sum: f64 = cells.iter().map(|c| c.geometry.unsigned_area()).sum();
    assert!(
        ((sum - city_area) / city_area).abs() < 1e-9,
        "cells {sum} vs city {city_area}"
    );
    let boxes: Vec<_> = cells
        .iter()
        .map(|c| c.geometry.bounding_rect().unwrap())
        .collect();
    for i in 0..cells.len() {
        for j in i + 1..cells.len() {
            if boxes[i].intersects(&boxes[j]) {
                let common = cells[i]
                    .geometry
                    .intersection(&cells[j].geometry)
                    .unsigned_area();
                assert!(
                    common == 0.0,
                    "{} and {} overlap by {common}",
                    cells[i].code,
                    cells[j].code
                );
            }
        }
    }
}

pub(crate) fn assert_clean(units: &[Unit]) {
    assert_shapes(units);
    assert_segments_match(units);
}

/// Directed cell segments inside the city that no other cell walks the other way:
/// each is a place where the boundary does not match vertex for vertex.
pub(crate) fn unmatched(units: &[Unit]) -> Vec<Seg> {
    let all: HashSet<Seg> = level(units, Level::Cell)
        .into_iter()
        .flat_map(segments)
        .collect();
    let outline: HashSet<Seg> = segments(level(units, Level::City)[0]).into_iter().collect();
    let mut out: Vec<Seg> = all
        .iter()
        .copied()
        .filter(|s| !all.contains(&rev(*s)) && !outline.contains(s))
        .collect();
    out.sort_unstable();
    out
}

/// Area shared by two units (geo's boolean ops).
pub(crate) fn overlap(a: &Unit, b: &Unit) -> f64 {
    a.geometry.intersection(&b.geometry).unsigned_area()
}
