//! The area that moved between units from one version to another: for each level,
//! each unit `a` as it was and each other unit `b` as it is, the area of
//! `a_before ∩ b_after` in square metres (geo's `BooleanOps`, on the ellipsoid by
//! `citygrid_model::measure::area_m2`). What a transfer of land from one cell to
//! its neighbour shows as one pair; a swap of two cells, as two.
//!
//! Only units that changed can have lost or gained land (a unit whose geometry is
//! the same in both versions neither gave nor took any), so only they are
//! intersected, and only pairs whose boxes meet.
//!
//! The intersection drops vertices along a straight run of boundary, and on the
//! ellipsoid an edge is the geodesic between its vertices, so a moved area agrees
//! with the units' own areas to about 1e-5 of them (3 m² of a 1.1 km² cell whose
//! straight north edge had a vertex in its middle), far below what a redrawn
//! boundary moves.

use geo::{BooleanOps, BoundingRect};
use geo_types::MultiPolygon;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use citygrid_model::measure::area_m2;
use citygrid_model::{Level, Partition, UnitCode};

/// Smallest area reported, in square metres. Two versions' boundaries that are the
/// same line meet along it, and a boolean operation on them may leave slivers of
/// floating-point width there; this is far above such noise and far below
/// anything a person redraws.
pub const MIN_M2: f64 = 0.01;

/// Land that went from one unit to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    /// The level of both units.
    pub level: Level,
    /// The unit it belonged to before.
    pub from: UnitCode,
    /// The unit it belongs to after.
    pub to: UnitCode,
    /// How much, in square metres.
    pub m2: f64,
}

/// Every pair of units of one level between which at least [`MIN_M2`] moved from
/// `before` to `after`, among the units named by `changed` (codes that changed,
/// appeared or disappeared between them), by level, then code from, then to.
#[must_use]
pub fn moved_areas(before: &Partition, after: &Partition, changed: &[UnitCode]) -> Vec<Moved> {
    let mut out = Vec::new();
    for level in Level::ALL {
        let at = |p: &Partition| -> Vec<(UnitCode, MultiPolygon<f64>)> {
            changed
                .iter()
                .filter_map(|c| p.get(c))
                .filter(|u| u.level == level)
                .map(|u| (u.code.clone(), u.geometry.clone()))
                .collect()
        };
        let (was, now) = (at(before), at(after));
        let tree = RTree::bulk_load(
            now.iter()
                .enumerate()
                .filter_map(|(i, (_, g))| {
                    Some(GeomWithData::new(Rectangle::from_aabb(envelope(g)?), i))
                })
                .collect(),
        );
        for (from, old) in &was {
            let Some(env) = envelope(old) else { continue };
            let mut here: Vec<Moved> = tree
                .locate_in_envelope_intersecting(&env)
                .map(|hit| &now[hit.data])
                .filter(|(to, _)| to != from)
                .map(|(to, new)| Moved {
                    level,
                    from: from.clone(),
                    to: to.clone(),
                    m2: area_m2(&old.intersection(new)),
                })
                .filter(|m| m.m2 >= MIN_M2)
                .collect();
            here.sort_by(|a, b| a.to.cmp(&b.to));
            out.extend(here);
        }
    }
    out
}

fn envelope(g: &MultiPolygon<f64>) -> Option<AABB<[f64; 2]>> {
    let r = g.bounding_rect()?;
    Some(AABB::from_corners(
        [r.min().x, r.min().y],
        [r.max().x, r.max().y],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use citygrid_model::{Attributes, CodeLayout, Unit};
    use geo_types::{Polygon, polygon};

    fn unit(code: &str, level: Level, parent: Option<&str>, g: Polygon<f64>) -> Unit {
        Unit {
            code: code.parse().unwrap(),
            name: code.to_string(),
            level,
            parent: parent.map(|p| p.parse().unwrap()),
            attributes: Attributes::new(),
            geometry: MultiPolygon(vec![g]),
        }
    }

    /// A rectangle of longitudes x0..x1 and latitudes 26.5..26.51.
    fn rect(x0: f64, x1: f64) -> Polygon<f64> {
        polygon![(x: x0, y: 26.5), (x: x1, y: 26.5), (x: x1, y: 26.51), (x: x0, y: 26.51)]
    }

    /// Two cells side by side in one village: A west of 106.705, B east of it.
    fn city(border: f64) -> Partition {
        let v = "520102001001";
        Partition::new(
            vec![
                unit("520102", Level::District, None, rect(106.7, 106.71)),
                unit(
                    "520102001",
                    Level::Township,
                    Some("520102"),
                    rect(106.7, 106.71),
                ),
                unit(v, Level::Village, Some("520102001"), rect(106.7, 106.71)),
                unit("520102001001001", Level::Cell, Some(v), rect(106.7, border)),
                unit(
                    "520102001001002",
                    Level::Cell,
                    Some(v),
                    rect(border, 106.71),
                ),
            ],
            CodeLayout::default(),
        )
        .unwrap()
    }

    fn codes(list: &[&str]) -> Vec<UnitCode> {
        list.iter().map(|c| c.parse().unwrap()).collect()
    }

    #[test]
    fn a_strip_moved_west_to_east_is_its_area() {
        // The border moves from 106.705 west to 106.704: the strip 106.704..106.705
        // goes from A to B, and nothing the other way.
        let (before, after) = (city(106.705), city(106.704));
        let changed = codes(&["520102001001001", "520102001001002"]);
        let moved = moved_areas(&before, &after, &changed);
        let strip = area_m2(&MultiPolygon(vec![rect(106.704, 106.705)]));
        // 0.001° of longitude by 0.01° of latitude at 26.5°N: about 99.6 m by
        // 1,108 m.
        assert!((strip - 110_400.0).abs() < 500.0, "{strip}");
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert_eq!(moved[0].from.as_str(), "520102001001001");
        assert_eq!(moved[0].to.as_str(), "520102001001002");
        assert!((moved[0].m2 - strip).abs() < 1e-6 * strip, "{moved:?}");
        // What A lost is what B gained.
        let area = |p: &Partition, c: &str| area_m2(&p.get(&c.parse().unwrap()).unwrap().geometry);
        let lost = area(&before, "520102001001001") - area(&after, "520102001001001");
        assert!((lost - moved[0].m2).abs() < 1e-6 * strip);
    }

    #[test]
    fn units_that_did_not_change_move_nothing() {
        let before = city(106.705);
        assert!(moved_areas(&before, &before, &codes(&["520102001001001"])).is_empty());
        assert!(moved_areas(&before, &city(106.705), &[]).is_empty());
    }
}
