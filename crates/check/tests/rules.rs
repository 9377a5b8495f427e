//! One small, hand-checkable case per rule, on a 3 x 3 block of square cells near
//! Guiyang. Cells are 0.001° on a side (99.5 m east-west, 110.8 m north-south at
//! 26.6°N); cell k (1..=9) is in row (k-1)/3 from the south, column (k-1)%3 from the
//! west.

use std::sync::Arc;

use geo_types::{Coord, LineString, MultiPolygon, Polygon};

use citygrid_check::{CheckOptions, Checker, Report, Rule, Size};
use citygrid_model::{Level, Unit};

const X0: f64 = 106.70;
const Y0: f64 = 26.60;
const STEP: f64 = 0.001;

fn c(i: f64, j: f64) -> Coord<f64> {
    Coord {
        x: X0 + i * STEP,
        y: Y0 + j * STEP,
    }
}

fn poly(pts: &[Coord<f64>]) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(LineString(pts.to_vec()), vec![])])
}

/// Square cell of the block, with corners in grid units.
fn square(k: usize) -> Vec<Coord<f64>> {
    let (i, j) = (((k - 1) % 3) as f64, ((k - 1) / 3) as f64);
    vec![c(i, j), c(i + 1., j), c(i + 1., j + 1.), c(i, j + 1.)]
}

fn code(k: usize) -> String {
    format!("520102001001{k:03}")
}

fn cell(k: usize, pts: &[Coord<f64>]) -> Arc<Unit> {
    Arc::new(
        Unit::new(code(k).parse().unwrap(), Level::Cell, poly(pts))
            .with_parent("520102001001".parse().unwrap()),
    )
}

fn block() -> Vec<Arc<Unit>> {
    (1..=9).map(|k| cell(k, &square(k))).collect()
}

fn village() -> Arc<Unit> {
    Arc::new(
        Unit::new(
            "520102001001".parse().unwrap(),
            Level::Village,
            poly(&[c(0., 0.), c(3., 0.), c(3., 3.), c(0., 3.)]),
        )
        .with_parent("520102001".parse().unwrap()),
    )
}

fn outline() -> MultiPolygon<f64> {
    poly(&[c(0., 0.), c(3., 0.), c(3., 3.), c(0., 3.)])
}

fn check(units: &[Arc<Unit>], boundary: Option<&MultiPolygon<f64>>) -> Report {
    Checker::new(CheckOptions::default()).check(units, boundary)
}

fn codes(report: &Report, rule: Rule) -> Vec<Vec<String>> {
    report
        .violations
        .iter()
        .filter(|v| v.rule == rule)
        .map(|v| v.codes.iter().map(ToString::to_string).collect())
        .collect()
}

fn area(report: &Report, rule: Rule) -> f64 {
    report
        .violations
        .iter()
        .filter(|v| v.rule == rule)
        .map(|v| match v.size {
            Some(Size::SquareMetres(a)) => a,
            _ => 0.0,
        })
        .sum()
}

/// Cell area in m²: 0.001° x 0.001° at 26.6°N.
const CELL_M2: f64 = 99.58 * 110.79;

#[test]
fn a_clean_block_is_valid_alone_with_a_boundary_and_in_its_village() {
    assert!(check(&block(), None).is_valid());
    assert!(check(&block(), Some(&outline())).is_valid());
    let mut units = block();
    units.push(village());
    let r = check(&units, Some(&outline()));
    assert!(r.is_valid(), "{:#?}", r.violations);
    assert_eq!((r.units, r.cells), (10, 9));
}

#[test]
fn a_missing_cell_is_a_gap_between_its_four_edge_neighbours() {
    let units: Vec<_> = block()
        .into_iter()
        .filter(|u| u.code.as_str() != code(5))
        .collect();
    let r = check(&units, None);
    assert_eq!(
        codes(&r, Rule::Gap),
        vec![vec![code(2), code(4), code(6), code(8)]]
    );
    assert!(
        (area(&r, Rule::Gap) - CELL_M2).abs() / CELL_M2 < 0.002,
        "{}",
        area(&r, Rule::Gap)
    );
    assert_eq!(r.violations.len(), 1, "{:#?}", r.violations);
}

#[test]
fn a_missing_corner_is_a_gap_only_against_a_boundary() {
    let units: Vec<_> = block()
        .into_iter()
        .filter(|u| u.code.as_str() != code(9))
        .collect();
    assert!(check(&units, None).is_valid());
    let r = check(&units, Some(&outline()));
    assert_eq!(codes(&r, Rule::Gap), vec![vec![code(6), code(8)]]);
    assert!((area(&r, Rule::Gap) - CELL_M2).abs() / CELL_M2 < 0.002);
}

#[test]
fn a_vertex_pushed_into_a_neighbour_is_an_overlap_and_an_unmatched_edge() {
    // Cell 5's north-east corner moves half a cell north-east, into 6, 8 and 9.
    let mut units = block();
    units[4] = cell(5, &[c(1., 1.), c(2., 1.), c(2.5, 2.5), c(1., 2.)]);
    let r = check(&units, None);
    let overlaps = codes(&r, Rule::Overlap);
    assert!(overlaps.contains(&vec![code(5), code(9)]), "{overlaps:?}");
    assert!(overlaps.contains(&vec![code(5), code(6)]), "{overlaps:?}");
    assert!(overlaps.contains(&vec![code(5), code(8)]), "{overlaps:?}");
    // The triangle (2,1)-(2.5,2.5)-(1,2) minus the unit square it came from:
    // area of quadrilateral (1,1),(2,1),(2.5,2.5),(1,2) is 1.5 cells, so 0.5 cells overlap.
    assert!(
        (area(&r, Rule::Overlap) - 0.5 * CELL_M2).abs() / CELL_M2 < 0.01,
        "{}",
        area(&r, Rule::Overlap)
    );
    assert_eq!(r.count(Rule::Gap), 0);
    // Where one lies inside the other, their boundaries do not match (as GEOS's
    // invalid edges): one unmatched_edge per overlapping pair.
    assert_eq!(codes(&r, Rule::UnmatchedEdge), overlaps);
}

#[test]
fn a_corner_moved_inside_one_neighbour_overlaps_it_and_opens_a_gap() {
    // Cell 5's north-east corner (2, 2) moves to (2.2, 1.8), inside cell 6.
    let mut units = block();
    units[4] = cell(5, &[c(1., 1.), c(2., 1.), c(2.2, 1.8), c(1., 2.)]);
    let r = check(&units, None);
    assert_eq!(codes(&r, Rule::Overlap), vec![vec![code(5), code(6)]]);
    assert_eq!(codes(&r, Rule::Gap), vec![vec![code(5), code(6), code(8)]]);
    assert_eq!(codes(&r, Rule::UnmatchedEdge), vec![vec![code(5), code(6)]]);
    // Gap: triangle (1,2), (2,2), (2, 1.8 + 0.2/1.2*0.2) in cell units.
    let gap = 0.5 * 1.0 * (2.0 - (1.8 + 0.2 / 1.2 * 0.2)) * CELL_M2;
    assert!(
        (area(&r, Rule::Gap) - gap).abs() / gap < 0.01,
        "{} vs {gap}",
        area(&r, Rule::Gap)
    );
}

#[test]
fn an_extra_vertex_on_a_shared_edge_is_an_unmatched_edge_and_nothing_else() {
    let mut units = block();
    units[4] = cell(5, &[c(1., 1.), c(2., 1.), c(2., 1.5), c(2., 2.), c(1., 2.)]);
    let r = check(&units, None);
    assert_eq!(codes(&r, Rule::UnmatchedEdge), vec![vec![code(5), code(6)]]);
    let v = r
        .violations
        .iter()
        .find(|v| v.rule == Rule::UnmatchedEdge)
        .unwrap();
    let Some(Size::Metres(len)) = v.size else {
        panic!()
    };
    assert!((len - 110.79).abs() < 0.5, "{len}");
    assert_eq!(r.violations.len(), 1, "{:#?}", r.violations);
}

#[test]
fn a_narrow_gap_open_to_the_outside_is_found_by_its_width() {
    // The east column moves 0.5 m east: a 0.5 m slot from south to north.
    let shift = 0.5 / 99.58 * STEP;
    let units: Vec<_> = block()
        .into_iter()
        .map(|u| {
            let k: usize = u.code.as_str()[12..].parse().unwrap();
            if k.is_multiple_of(3) {
                let pts: Vec<_> = square(k)
                    .into_iter()
                    .map(|p| Coord {
                        x: p.x + shift,
                        y: p.y,
                    })
                    .collect();
                cell(k, &pts)
            } else {
                u
            }
        })
        .collect();
    let r = check(&units, None);
    let gaps: Vec<_> = r
        .violations
        .iter()
        .filter(|v| v.rule == Rule::Gap)
        .collect();
    assert_eq!(gaps.len(), 1, "one slot: {gaps:#?}");
    assert_eq!(
        codes(&r, Rule::Gap),
        vec![[2, 3, 5, 6, 8, 9].map(code).to_vec()]
    );
    let Some(Size::Metres(d)) = gaps[0].size else {
        panic!()
    };
    assert!((d - 0.5).abs() < 0.01, "{d}");
    // With the gap width off, an open slot is not a gap; with a boundary it is one area.
    let off = Checker::new(CheckOptions::default().gap_width(0.0)).check(&units, None);
    assert_eq!(off.count(Rule::Gap), 0);
    let bounded =
        Checker::new(CheckOptions::default().gap_width(0.0)).check(&units, Some(&outline()));
    assert!(
        (area(&bounded, Rule::Gap) - 0.5 * 3.0 * 110.79).abs() < 1.0,
        "{}",
        area(&bounded, Rule::Gap)
    );
}

#[test]
fn units_touching_along_a_short_stretch_are_not_a_slot() {
    // Two units meeting only along 0.004 cells (0.44 m) of edge, parting on both
    // sides of it: their outer edges come 0.44 m close at the stretch's ends, but
    // they touch there. Found by the repair's property tests.
    let (p, q) = (c(1., 1.), c(1., 1.004));
    let units = vec![
        cell(1, &[c(0., 0.), p, q, c(0., 2.)]),
        cell(2, &[p, c(2., 0.), c(2., 2.), q]),
    ];
    let r = check(&units, None);
    assert!(r.is_valid(), "{:#?}", r.violations);
}

#[test]
fn a_narrow_unit_between_two_on_the_outline_is_a_sliver_not_a_slot() {
    // Cells 1 and 3 on the outline 0.44 m apart with a unit 0.44 m wide between
    // them: a sliver, but no gap between 1 and 3.
    let units = vec![
        cell(1, &[c(0., 0.), c(1., 0.), c(1., 1.), c(0., 1.)]),
        cell(2, &[c(1., 0.), c(1.004, 0.), c(1.004, 1.), c(1., 1.)]),
        cell(3, &[c(1.004, 0.), c(2., 0.), c(2., 1.), c(1.004, 1.)]),
    ];
    let outline = poly(&[c(0., 0.), c(2., 0.), c(2., 1.), c(0., 1.)]);
    let r = check(&units, Some(&outline));
    assert_eq!(r.count(Rule::Gap), 0, "{:#?}", r.violations);
    assert_eq!(codes(&r, Rule::Sliver), vec![vec![code(2)]]);
}

#[test]
fn cells_outside_the_boundary_or_their_village_are_reported_there() {
    // Cell 9 bulges 0.2 cells east beyond the block.
    let mut units = block();
    units[8] = cell(
        9,
        &[c(2., 2.), c(3., 2.), c(3.2, 2.5), c(3., 3.), c(2., 3.)],
    );
    let r = check(&units, Some(&outline()));
    assert_eq!(codes(&r, Rule::OutsideParent), vec![vec![code(9)]]);
    let expected = 0.5 * 0.2 * 1.0 * CELL_M2;
    assert!((area(&r, Rule::OutsideParent) - expected).abs() / expected < 0.01);
    units.push(village());
    let r = check(&units, None);
    assert_eq!(
        codes(&r, Rule::OutsideParent),
        vec![vec![code(9), "520102001001".to_string()]]
    );
}

#[test]
fn repeated_and_malformed_codes_are_named() {
    let mut units = block();
    units[1] = cell(1, &square(2));
    let mut bad = (*units[2]).clone();
    bad.code = "520199001001003".parse().unwrap();
    units[2] = Arc::new(bad);
    let r = check(&units, None);
    assert_eq!(codes(&r, Rule::DuplicateCode), vec![vec![code(1)]]);
    assert_eq!(
        codes(&r, Rule::BadCode),
        vec![vec!["520199001001003".to_string()]]
    );
    assert!(
        r.violations
            .iter()
            .any(|v| v.message.contains("parent's prefix 520102001001"))
    );
}

#[test]
fn a_one_metre_strip_is_a_sliver() {
    // Cell 1 loses a 1 m strip on its west side, which becomes cell 10.
    let strip = 1.0 / 99.58 * STEP;
    let mut units = block();
    units[0] = cell(
        1,
        &[c(0., 0.), c(1., 0.), c(1., 1.), c(0., 1.)].map(|p| {
            if p.x == X0 {
                Coord {
                    x: X0 + strip,
                    y: p.y,
                }
            } else {
                p
            }
        }),
    );
    units.push(cell(
        10,
        &[
            c(0., 0.),
            Coord {
                x: X0 + strip,
                y: Y0,
            },
            Coord {
                x: X0 + strip,
                y: Y0 + STEP,
            },
            c(0., 1.),
        ],
    ));
    // Cell 4 above gets the strip's corner on its south side, to keep edges matched.
    units[3] = cell(
        4,
        &[
            c(0., 1.),
            Coord {
                x: X0 + strip,
                y: Y0 + STEP,
            },
            c(1., 1.),
            c(1., 2.),
            c(0., 2.),
        ],
    );
    let r = check(&units, None);
    assert_eq!(codes(&r, Rule::Sliver), vec![vec![code(10)]]);
    let v = r
        .violations
        .iter()
        .find(|v| v.rule == Rule::Sliver)
        .unwrap();
    let Some(Size::Metres(w)) = v.size else {
        panic!("{v:?}")
    };
    assert!((w - 1.0).abs() < 0.05, "{w}");
    assert_eq!(r.violations.len(), 1, "{:#?}", r.violations);
}

#[test]
fn a_cell_in_two_pieces_is_multipart() {
    let mut units = block();
    let two = MultiPolygon(vec![
        Polygon::new(LineString(square(5)), vec![]),
        Polygon::new(
            LineString(vec![c(5., 5.), c(6., 5.), c(6., 6.), c(5., 6.)]),
            vec![],
        ),
    ]);
    units[4] = Arc::new(Unit::new(code(5).parse().unwrap(), Level::Cell, two));
    let r = check(&units, None);
    assert_eq!(codes(&r, Rule::Multipart), vec![vec![code(5)]]);
}

#[test]
fn a_bow_tie_is_invalid_geometry_at_its_crossing() {
    let mut units = block();
    units[4] = cell(5, &[c(1., 1.), c(2., 2.), c(2., 1.), c(1., 2.)]);
    let r = check(&units, None);
    let v = r
        .violations
        .iter()
        .find(|v| v.rule == Rule::InvalidGeometry)
        .expect("reported");
    assert_eq!(v.codes[0].as_str(), code(5));
    let Some(geo_types::Geometry::Point(p)) = &v.location else {
        panic!()
    };
    assert!((p.x() - (X0 + 1.5 * STEP)).abs() < 1e-12 && (p.y() - (Y0 + 1.5 * STEP)).abs() < 1e-12);
}

#[test]
fn nan_coordinates_are_reported_not_panicked_on() {
    let mut units = block();
    units[4] = cell(
        5,
        &[
            c(1., 1.),
            Coord { x: f64::NAN, y: Y0 },
            c(2., 2.),
            c(1., 2.),
        ],
    );
    let r = check(&units, None);
    assert_eq!(codes(&r, Rule::InvalidGeometry), vec![vec![code(5)]]);
    // Without cell 5 the others enclose a hole.
    assert_eq!(r.count(Rule::Gap), 1);
}
