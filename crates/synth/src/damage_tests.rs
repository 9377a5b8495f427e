//! Each damage changes what it says it changes, where it says, and nothing else.

use std::collections::HashMap;

use citygrid_model::CodeLayout;
use geo::{Area, Validation};
use geo_types::Coord;

use super::*;
use crate::SynthCity;
use crate::testing::{assert_clean, assert_segments_match, ends, level, overlap, unmatched};

/// Square metres per square degree around Guiyang (26.6° N).
const M2_PER_DEG2: f64 = 111_320.0 * 0.894_154 * 110_574.0;

fn city(seed: u64) -> Vec<Unit> {
    SynthCity::new(seed)
        .cells(150)
        .vertices_per_cell(40)
        .generate()
}

fn by_code(units: &[Unit]) -> HashMap<&UnitCode, &Unit> {
    level(units, Level::Cell)
        .into_iter()
        .map(|u| (&u.code, u))
        .collect()
}

/// Cells whose code vanished or whose geometry changed.
fn changed(before: &[Unit], after: &[Unit]) -> Vec<UnitCode> {
    let after = by_code(after);
    let mut out: Vec<UnitCode> = level(before, Level::Cell)
        .into_iter()
        .filter(|u| after.get(&u.code).is_none_or(|a| a.geometry != u.geometry))
        .map(|u| u.code.clone())
        .collect();
    out.sort();
    out
}

fn contains(r: &Rect<f64>, c: Coord<f64>) -> bool {
    let pad = 1e-12;
    c.x >= r.min().x - pad
        && c.x <= r.max().x + pad
        && c.y >= r.min().y - pad
        && c.y <= r.max().y + pad
}

fn cell_area(units: &[Unit]) -> f64 {
    level(units, Level::Cell)
        .iter()
        .map(|u| u.geometry.unsigned_area())
        .sum()
}

fn city_area(units: &[Unit]) -> f64 {
    level(units, Level::City)[0].geometry.unsigned_area()
}

fn vertices(u: &Unit) -> usize {
    u.geometry.0.iter().map(|p| p.exterior().0.len()).sum()
}

fn apply(seed: u64, kind: DamageKind) -> (Vec<Unit>, Vec<Unit>, Damage) {
    let before = city(seed);
    let mut after = before.clone();
    let d = damage(&mut after, kind, seed).unwrap();
    assert_eq!(d.kind, kind);
    assert!(!d.rules.is_empty());
    assert!(d.rules.iter().all(|r| kind.possible_rules().contains(r)));
    (before, after, d)
}

const SEEDS: std::ops::Range<u64> = 0..6;

#[test]
fn move_vertex_unmatches_four_segments_at_the_vertex() {
    for seed in SEEDS {
        let (before, after, d) = apply(seed, DamageKind::MoveVertex);
        assert_eq!(
            changed(&before, &after),
            vec![d.cells[0].clone()],
            "{}",
            d.description
        );
        let cells = by_code(&after);
        let cell = cells[&d.cells[0]];
        assert!(cell.geometry.is_valid());
        assert_eq!(vertices(cell), vertices(by_code(&before)[&d.cells[0]]));
        let bad = unmatched(&after);
        assert_eq!(bad.len(), 4, "{}", d.description);
        assert!(
            bad.iter()
                .flat_map(|s| ends(*s))
                .all(|c| contains(&d.location, c))
        );
        // Out: the cells overlap and their areas add up to more than the city;
        // in: a gap, less.
        let excess = cell_area(&after) - city_area(&after);
        let common = overlap(cell, cells[&d.cells[1]]);
        if d.rules == ["overlap"] {
            assert!(excess > 0.0 && common > 0.0, "{}", d.description);
        } else {
            assert!(excess < 0.0 && common == 0.0, "{}", d.description);
        }
        assert!(d.size_m > 0.0);
    }
}

#[test]
fn extra_vertex_changes_no_area() {
    for seed in SEEDS {
        let (before, after, d) = apply(seed, DamageKind::ExtraVertex);
        assert_eq!(changed(&before, &after), vec![d.cells[0].clone()]);
        let (was, now) = (by_code(&before)[&d.cells[0]], by_code(&after)[&d.cells[0]]);
        assert_eq!(vertices(now), vertices(was) + 1);
        let (a0, a1) = (was.geometry.unsigned_area(), now.geometry.unsigned_area());
        assert!(((a1 - a0) / a0).abs() < 1e-12);
        assert!(now.geometry.is_valid());
        // The cell's two halves and the neighbour's whole segment.
        let bad = unmatched(&after);
        assert_eq!(bad.len(), 3, "{}", d.description);
        // The new vertex is exactly the midpoint of the neighbour's segment.
        let ring = |u: &Unit| u.geometry.0[0].exterior().0.clone();
        let added = *ring(now).iter().find(|c| !ring(was).contains(c)).unwrap();
        let whole = bad
            .iter()
            .map(|s| ends(*s))
            .find(|e| !e.contains(&added))
            .unwrap();
        assert_eq!((added - whole[0]) * 2.0, whole[1] - whole[0]);
        assert!(
            bad.iter()
                .flat_map(|s| ends(*s))
                .all(|c| contains(&d.location, c))
        );
        // geo's overlay snaps to its own grid, so a T-vertex shows as noise there
        // (~1e-13 deg², a thousandth of a m²) even though it is exactly collinear.
        assert!(overlap(now, by_code(&after)[&d.cells[1]]) < 1e-9 * a0);
    }
}

#[test]
fn remove_cell_leaves_a_hole_its_shape() {
    for seed in SEEDS {
        let (before, after, d) = apply(seed, DamageKind::RemoveCell);
        assert_eq!(changed(&before, &after), d.cells);
        assert_eq!(
            level(&after, Level::Cell).len() + 1,
            level(&before, Level::Cell).len()
        );
        let removed = by_code(&before)[&d.cells[0]];
        let hole = city_area(&after) - cell_area(&after);
        let want = removed.geometry.unsigned_area();
        assert!(((hole - want) / want).abs() < 1e-9);
        let bad = unmatched(&after);
        assert_eq!(bad.len(), removed.geometry.0[0].exterior().0.len() - 1);
        assert!(
            bad.iter()
                .flat_map(|s| ends(*s))
                .all(|c| contains(&d.location, c))
        );
    }
}

#[test]
fn shift_cell_overlaps_its_neighbours() {
    for seed in SEEDS {
        let (before, after, d) = apply(seed, DamageKind::ShiftCell);
        assert_eq!(changed(&before, &after), vec![d.cells[0].clone()]);
        let cells = by_code(&after);
        let cell = cells[&d.cells[0]];
        let was = by_code(&before)[&d.cells[0]];
        let (a0, a1) = (was.geometry.unsigned_area(), cell.geometry.unsigned_area());
        assert!(
            ((a1 - a0) / a0).abs() < 1e-9,
            "a translation keeps the area"
        );
        let overlapping = d.cells[1..]
            .iter()
            .filter(|c| overlap(cell, cells[c]) > 0.0)
            .count();
        assert!(overlapping >= 1, "{}", d.description);
        assert!(
            d.cells.len() >= 4,
            "an interior cell has neighbours all round"
        );
        assert!(
            cell.geometry.0[0]
                .exterior()
                .0
                .iter()
                .all(|&c| contains(&d.location, c))
        );
        assert!(
            unmatched(&after)
                .iter()
                .flat_map(|s| ends(*s))
                .all(|c| contains(&d.location, c))
        );
    }
}

#[test]
fn narrow_gap_opens_a_sliver_of_the_stated_width() {
    for seed in SEEDS {
        let (before, after, d) = apply(seed, DamageKind::NarrowGap);
        assert_eq!(changed(&before, &after), vec![d.cells[0].clone()]);
        assert!((0.5..2.0).contains(&d.size_m));
        let cells = by_code(&after);
        let (was, now) = (by_code(&before)[&d.cells[0]], cells[&d.cells[0]]);
        assert!(now.geometry.is_valid());
        assert_eq!(vertices(now), vertices(was), "vertex spacing unchanged");
        assert_eq!(
            overlap(now, cells[&d.cells[1]]),
            0.0,
            "a gap, not an overlap"
        );
        let gap_m2 = (city_area(&after) - cell_area(&after)) * M2_PER_DEG2;
        // The gap is the strip between the old and the new chain: about width x
        // length, a little less where it tapers at the ends.
        let bad = unmatched(&after);
        let length_m: f64 = bad
            .iter()
            .filter(|s| {
                by_code(&after)[&d.cells[1]].geometry.0[0]
                    .exterior()
                    .0
                    .windows(2)
                    .any(|w| crate::testing::seg(w[0], w[1]) == **s)
            })
            .map(|s| {
                let [a, b] = ends(*s);
                ((b.x - a.x) * 111_320.0 * 0.894_154).hypot((b.y - a.y) * 110_574.0)
            })
            .sum();
        let ratio = gap_m2 / (d.size_m * length_m);
        assert!(
            (0.6..1.05).contains(&ratio),
            "gap {gap_m2} m2 over {length_m} m: {ratio}"
        );
        assert!(
            bad.iter()
                .flat_map(|s| ends(*s))
                .all(|c| contains(&d.location, c))
        );
    }
}

#[test]
fn bow_tie_makes_the_ring_cross_itself() {
    for seed in SEEDS {
        let (before, after, d) = apply(seed, DamageKind::BowTie);
        assert_eq!(changed(&before, &after), d.cells);
        let cell = by_code(&after)[&d.cells[0]];
        assert!(!cell.geometry.is_valid(), "{}", d.description);
        assert!(
            unmatched(&after)
                .iter()
                .flat_map(|s| ends(*s))
                .all(|c| contains(&d.location, c))
        );
    }
}

#[test]
fn duplicate_code_puts_one_code_on_two_cells() {
    for seed in SEEDS {
        let (before, after, d) = apply(seed, DamageKind::DuplicateCode);
        let holders: Vec<_> = level(&after, Level::Cell)
            .into_iter()
            .filter(|u| u.code == d.cells[0])
            .collect();
        assert_eq!(holders.len(), 2);
        assert!(
            level(&after, Level::Cell)
                .iter()
                .all(|u| u.code != d.cells[1])
        );
        assert_clean_geometry(&before, &after);
    }
}

#[test]
fn bad_code_breaks_the_layout_both_ways() {
    let layout = CodeLayout::default();
    let mut problems = std::collections::HashSet::new();
    for seed in 0..12 {
        let (before, after, d) = apply(seed, DamageKind::BadCode);
        let cell = level(&after, Level::Cell)
            .into_iter()
            .find(|u| u.code == d.cells[0])
            .unwrap();
        let parent = cell.parent.as_ref().unwrap();
        let problem = layout
            .check(&cell.code, Level::Cell, Some((parent, Level::Village)))
            .unwrap_err();
        problems.insert(
            format!("{problem:?}")
                .split(' ')
                .next()
                .unwrap()
                .to_string(),
        );
        assert!(!by_code(&after).contains_key(&d.cells[1]));
        assert!(contains(&d.location, cell.geometry.0[0].exterior().0[0]));
        assert_clean_geometry(&before, &after);
    }
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn sliver_is_a_thin_cell_in_a_clean_coverage() {
    for seed in SEEDS {
        let (before, after, d) = apply(seed, DamageKind::Sliver);
        assert_eq!(
            level(&after, Level::Cell).len(),
            level(&before, Level::Cell).len() + 1
        );
        assert_clean(&after);
        let sliver = by_code(&after)[&d.cells[0]];
        assert!(sliver.geometry.is_valid());
        let area_m2 = sliver.geometry.unsigned_area() * M2_PER_DEG2;
        let ring = &sliver.geometry.0[0].exterior().0;
        let perimeter_m: f64 = ring
            .windows(2)
            .map(|w| {
                ((w[1].x - w[0].x) * 111_320.0 * 0.894_154).hypot((w[1].y - w[0].y) * 110_574.0)
            })
            .sum();
        // Mean width of a strip: area over half the perimeter.
        let width = area_m2 / (perimeter_m / 2.0);
        assert!(
            width < d.size_m && d.size_m < 1.5 && width > 0.3,
            "{width} m"
        );
        assert!(ring.iter().all(|&c| contains(&d.location, c)));
        assert_eq!(sliver.parent, by_code(&after)[&d.cells[1]].parent);
        assert!(((cell_area(&after) - city_area(&after)) / city_area(&after)).abs() < 1e-9);
    }
}

#[test]
fn multipart_gives_one_cell_two_parts_cleanly() {
    for seed in SEEDS {
        let (before, after, d) = apply(seed, DamageKind::Multipart);
        assert_eq!(
            level(&after, Level::Cell).len() + 1,
            level(&before, Level::Cell).len()
        );
        let taker = by_code(&after)[&d.cells[0]];
        assert_eq!(taker.geometry.0.len(), 2);
        assert!(taker.geometry.is_valid());
        assert!(!by_code(&after).contains_key(&d.cells[1]));
        assert_eq!(
            taker.geometry.0[1],
            by_code(&before)[&d.cells[1]].geometry.0[0]
        );
        assert!(
            taker.geometry.0[1]
                .exterior()
                .0
                .iter()
                .all(|&c| contains(&d.location, c))
        );
        assert_segments_match(&after);
    }
}

/// Code damage leaves every geometry as it was.
fn assert_clean_geometry(before: &[Unit], after: &[Unit]) {
    let geoms = |u: &[Unit]| {
        let mut g: Vec<String> = level(u, Level::Cell)
            .iter()
            .map(|c| format!("{:?}", c.geometry))
            .collect();
        g.sort();
        g
    };
    assert_eq!(geoms(before), geoms(after));
}

#[test]
fn same_seed_same_damage() {
    for kind in DamageKind::ALL {
        let (_, a, da) = apply(3, kind);
        let (_, b, db) = apply(3, kind);
        assert_eq!(da, db);
        assert_eq!(a, b);
    }
}

#[test]
fn tiny_city_has_no_interior_cell() {
    let mut units = SynthCity::new(1).cells(4).generate();
    let before = units.clone();
    let err = damage(&mut units, DamageKind::RemoveCell, 0).unwrap_err();
    assert_eq!(
        err,
        DamageError::NoSuitableCell {
            kind: DamageKind::RemoveCell
        }
    );
    assert_eq!(units, before);
    let mut none: Vec<Unit> = Vec::new();
    assert_eq!(
        damage(&mut none, DamageKind::BadCode, 0).unwrap_err(),
        DamageError::NoCells
    );
}

#[test]
fn kinds_parse_from_their_names() {
    for kind in DamageKind::ALL {
        assert_eq!(kind.as_str().parse::<DamageKind>(), Ok(kind));
        assert!(!kind.possible_rules().is_empty());
    }
    assert_eq!("bow-tie".parse::<DamageKind>(), Ok(DamageKind::BowTie));
    assert!(
        "melt"
            .parse::<DamageKind>()
            .unwrap_err()
            .to_string()
            .contains("move_vertex")
    );
}
