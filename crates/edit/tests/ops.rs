//! Each operation on a block a reader can check by hand: six square cells, 0.001°
//! on a side, in two villages, near Guiyang. Cell (i, j) is column i from the
//! west, row j from the south; village ...001 holds columns 0 and 1 (cells
//! 001-004), village ...002 column 2 (cells 001-002).
//!
//! ```text
//!   row 1:  [003][004] | [002]
//!   row 0:  [001][002] | [001]
//!           village 001  village 002
//! ```

use std::collections::BTreeMap;

use citygrid_edit::{EditError, EditOptions, Op, propose};
use citygrid_model::{AttrValue, CodeLayout, Level, Partition, Unit, UnitCode};
use citygrid_store::LineageKind;
use geo_types::{Coord, LineString, MultiPolygon, Polygon};

const X0: f64 = 106.70;
const Y0: f64 = 26.60;
const S: f64 = 0.001;

fn c(i: f64, j: f64) -> Coord<f64> {
    Coord {
        x: X0 + i * S,
        y: Y0 + j * S,
    }
}

fn rect(i0: f64, j0: f64, i1: f64, j1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        LineString(vec![c(i0, j0), c(i1, j0), c(i1, j1), c(i0, j1), c(i0, j0)]),
        vec![],
    )])
}

fn code(s: &str) -> UnitCode {
    s.parse().unwrap()
}

const V1: &str = "520102001001";
const V2: &str = "520102001002";

fn cell(v: &str, n: u32) -> UnitCode {
    code(&format!("{v}{n:03}"))
}

/// The block, with parents built as the union of their children (every vertex of
/// the children on the parents' boundaries, as `citygrid build` makes them).
fn block() -> Partition {
    let mut units = Vec::new();
    let cells = [
        (V1, 1, 0., 0.),
        (V1, 2, 1., 0.),
        (V1, 3, 0., 1.),
        (V1, 4, 1., 1.),
        (V2, 1, 2., 0.),
        (V2, 2, 2., 1.),
    ];
    for (v, n, i, j) in cells {
        units.push(
            Unit::new(cell(v, n), Level::Cell, rect(i, j, i + 1., j + 1.))
                .with_parent(code(v))
                .with_name(format!("cell {v}-{n}"))
                .with_attribute("households", AttrValue::Number(400.0)),
        );
    }
    let poly = |pts: &[(f64, f64)]| {
        let mut ring: Vec<Coord<f64>> = pts.iter().map(|&(i, j)| c(i, j)).collect();
        ring.push(ring[0]);
        MultiPolygon(vec![Polygon::new(LineString(ring), vec![])])
    };
    let v1 = poly(&[
        (0., 0.),
        (1., 0.),
        (2., 0.),
        (2., 1.),
        (2., 2.),
        (1., 2.),
        (0., 2.),
        (0., 1.),
    ]);
    let v2 = poly(&[(2., 0.), (3., 0.), (3., 1.), (3., 2.), (2., 2.), (2., 1.)]);
    let all = poly(&[
        (0., 0.),
        (1., 0.),
        (2., 0.),
        (3., 0.),
        (3., 1.),
        (3., 2.),
        (2., 2.),
        (1., 2.),
        (0., 2.),
        (0., 1.),
    ]);
    units.push(
        Unit::new(code(V1), Level::Village, v1)
            .with_parent(code("520102001"))
            .with_name("北村"),
    );
    units.push(
        Unit::new(code(V2), Level::Village, v2)
            .with_parent(code("520102001"))
            .with_name("南村"),
    );
    units.push(
        Unit::new(code("520102001"), Level::Township, all.clone()).with_parent(code("520102")),
    );
    units.push(Unit::new(code("520102"), Level::District, all.clone()).with_parent(code("520100")));
    units.push(Unit::new(code("520100"), Level::City, all));
    Partition::new(units, CodeLayout::default()).unwrap()
}

fn none_taken(_: &UnitCode) -> bool {
    false
}

fn run(p: &Partition, ops: Vec<Op>) -> Result<citygrid_edit::Proposal, EditError> {
    propose(p, &ops, &none_taken, &EditOptions::default())
}

/// Area in the block's own units (cell = 1).
fn area_of(p: &Partition, code: &UnitCode) -> f64 {
    let g = &p.get(code).unwrap().geometry;
    g.0.iter()
        .map(|poly| {
            citygrid_planar::signed_area2(&poly.exterior().0).abs() / 2.0
                - poly
                    .interiors()
                    .iter()
                    .map(|h| citygrid_planar::signed_area2(&h.0).abs() / 2.0)
                    .sum::<f64>()
        })
        .sum::<f64>()
        / (S * S)
}

fn line(pts: &[(f64, f64)]) -> LineString<f64> {
    LineString(pts.iter().map(|&(i, j)| c(i, j)).collect())
}

#[test]
fn the_block_is_a_valid_partition() {
    let p = block();
    let report = citygrid_check::Checker::new(Default::default()).check_partition(&p, None);
    assert!(report.is_valid(), "{:#?}", report.violations);
}

#[test]
fn set_renames_and_changes_attributes_only() {
    let p = block();
    let mut attributes = BTreeMap::new();
    attributes.insert(
        "name".to_string(),
        Some(AttrValue::Text("新名".to_string())),
    );
    attributes.insert("households".to_string(), None);
    attributes.insert(
        "staff".to_string(),
        Some(AttrValue::Text("张三".to_string())),
    );
    let out = run(
        &p,
        vec![Op::Set {
            cell: cell(V1, 1),
            attributes,
        }],
    )
    .unwrap();
    assert_eq!(out.changed, vec![cell(V1, 1)]);
    let u = out.after.get(&cell(V1, 1)).unwrap();
    assert_eq!(u.name, "新名");
    assert!(!u.attributes.contains_key("households"));
    assert_eq!(u.geometry, p.get(&cell(V1, 1)).unwrap().geometry);
}

#[test]
fn transfer_moves_the_part_of_from_inside_the_area_to_its_neighbour() {
    let p = block();
    // The east 0.4 of cell 001, drawn wider than the cell: only its part inside
    // 001 moves.
    let area = rect(0.6, -0.5, 1.5, 1.0);
    let out = run(
        &p,
        vec![Op::Transfer {
            from: cell(V1, 1),
            to: cell(V1, 2),
            area,
            move_parents: false,
        }],
    )
    .unwrap();
    assert!((area_of(&out.after, &cell(V1, 1)) - 0.6).abs() < 1e-9);
    assert!((area_of(&out.after, &cell(V1, 2)) - 1.4).abs() < 1e-9);
    // Cell 003 above and every unit on the outline below gain the vertex where
    // 001 and 002 now meet on their boundary (vertex for vertex), with the same
    // area; neighbours the edit did not reach keep their rings exactly.
    assert!(out.changed.contains(&cell(V1, 3)));
    assert!((area_of(&out.after, &cell(V1, 3)) - 1.0).abs() < 1e-9);
    for n in [cell(V1, 4), cell(V2, 1), cell(V2, 2), code(V2)] {
        assert!(!out.changed.contains(&n), "{n}");
        assert_eq!(
            out.after.get(&n).unwrap().geometry,
            p.get(&n).unwrap().geometry,
            "{n}"
        );
    }
}

#[test]
fn a_transfer_across_villages_needs_move_parents() {
    let p = block();
    let area = rect(1.5, 0.0, 2.2, 1.0);
    let op = |move_parents| Op::Transfer {
        from: cell(V1, 2),
        to: cell(V2, 1),
        area: area.clone(),
        move_parents,
    };
    let refused = run(&p, vec![op(false)]).unwrap_err();
    assert!(refused.to_string().contains("move_parents"), "{refused}");
    let out = run(&p, vec![op(true)]).unwrap();
    assert!((area_of(&out.after, &code(V1)) - 3.5).abs() < 1e-9);
    assert!((area_of(&out.after, &code(V2)) - 2.5).abs() < 1e-9);
    assert!(out.changed.contains(&code(V1)) && out.changed.contains(&code(V2)));
    // The township's outline did not move (it gained the vertex where the two
    // cells now meet on it, as nesting vertex for vertex asks).
    assert!((area_of(&out.after, &code("520102001")) - 6.0).abs() < 1e-9);
}

#[test]
fn split_keeps_the_code_on_the_larger_part_and_numbers_the_other() {
    let p = block();
    let out = run(
        &p,
        vec![Op::Split {
            cell: cell(V1, 1),
            line: line(&[(0.3, -0.0), (0.3, 1.0)]),
        }],
    )
    .unwrap();
    let new = cell(V1, 5);
    assert_eq!(out.created, vec![new.clone()]);
    assert!((area_of(&out.after, &cell(V1, 1)) - 0.7).abs() < 1e-9);
    assert!((area_of(&out.after, &new) - 0.3).abs() < 1e-9);
    assert_eq!(out.after.get(&new).unwrap().name, "北村第5网格");
    assert_eq!(out.lineage[0].kind, LineageKind::Split);
    // The ends were inserted into the boundary: the cell above got a vertex, the
    // village boundary below too, all consistent (the result checked clean).
    assert!(out.changed.contains(&cell(V1, 3)));
}

#[test]
fn split_refuses_a_line_that_does_not_cut_the_cell() {
    let p = block();
    let err = run(
        &p,
        vec![Op::Split {
            cell: cell(V1, 1),
            line: line(&[(0.3, 0.0), (0.3, 0.6)]),
        }],
    )
    .unwrap_err();
    assert!(err.to_string().contains("not on the boundary"), "{err}");
}

#[test]
fn merge_joins_two_cells_of_a_village_and_retires_the_second_code() {
    let p = block();
    let out = run(
        &p,
        vec![Op::Merge {
            cells: [cell(V1, 1), cell(V1, 2)],
        }],
    )
    .unwrap();
    assert_eq!(out.retired, vec![cell(V1, 2)]);
    assert!((area_of(&out.after, &cell(V1, 1)) - 2.0).abs() < 1e-9);
    let err = run(
        &p,
        vec![Op::Merge {
            cells: [cell(V1, 2), cell(V2, 1)],
        }],
    )
    .unwrap_err();
    assert!(err.to_string().contains("different villages"), "{err}");
}

#[test]
fn reparent_moves_a_cell_to_the_neighbouring_village_under_a_new_code() {
    let p = block();
    let out = run(
        &p,
        vec![Op::Reparent {
            cell: cell(V1, 4),
            village: code(V2),
        }],
    )
    .unwrap();
    let new = cell(V2, 3);
    assert_eq!(out.created, vec![new.clone()]);
    assert_eq!(out.retired, vec![cell(V1, 4)]);
    assert!((area_of(&out.after, &code(V1)) - 3.0).abs() < 1e-9);
    assert!((area_of(&out.after, &code(V2)) - 3.0).abs() < 1e-9);
    // A cell away from the village cannot join it.
    let err = run(
        &p,
        vec![Op::Reparent {
            cell: cell(V1, 3),
            village: code(V2),
        }],
    )
    .unwrap_err();
    assert!(err.to_string().contains("neighbouring village"), "{err}");
}

#[test]
fn reshape_replaces_the_stretch_between_the_lines_ends() {
    let p = block();
    // The boundary between 001 and 002 (x = 1) bulges east to 1.3 at mid-height.
    let out = run(
        &p,
        vec![Op::Reshape {
            line: line(&[(1.0, 0.0), (1.3, 0.5), (1.0, 1.0)]),
            move_parents: false,
        }],
    )
    .unwrap();
    assert!((area_of(&out.after, &cell(V1, 1)) - 1.15).abs() < 1e-9);
    assert!((area_of(&out.after, &cell(V1, 2)) - 0.85).abs() < 1e-9);
    // Bulging back west moves area the other way.
    let back = run(
        &p,
        vec![Op::Reshape {
            line: line(&[(1.0, 0.0), (0.8, 0.5), (1.0, 1.0)]),
            move_parents: false,
        }],
    )
    .unwrap();
    assert!((area_of(&back.after, &cell(V1, 1)) - 0.9).abs() < 1e-9);
}

#[test]
fn reshape_refuses_ends_off_a_shared_boundary() {
    let p = block();
    let err = run(
        &p,
        vec![Op::Reshape {
            line: line(&[(0.5, 0.2), (0.5, 0.8)]),
            move_parents: false,
        }],
    )
    .unwrap_err();
    assert!(err.to_string().contains("not on a boundary"), "{err}");
}

#[test]
fn an_edit_whose_result_breaks_the_partition_is_refused_with_the_problems() {
    let p = block();
    // The west strip of 001 does not touch 002: 002 would be in two parts.
    let err = run(
        &p,
        vec![Op::Transfer {
            from: cell(V1, 1),
            to: cell(V1, 2),
            area: rect(0.0, 0.2, 0.2, 0.8),
            move_parents: false,
        }],
    )
    .unwrap_err();
    match err {
        EditError::Invalid { report } => {
            assert!(
                report
                    .violations
                    .iter()
                    .any(|v| v.rule == citygrid_check::Rule::Multipart),
                "{:#?}",
                report.violations
            );
        }
        other => panic!("{other}"),
    }
}

#[test]
fn unknown_codes_and_levels_are_named() {
    let p = block();
    let err = run(
        &p,
        vec![Op::Merge {
            cells: [cell(V1, 1), cell(V1, 9)],
        }],
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("520102001001009 is not a unit"),
        "{err}"
    );
    let err = run(
        &p,
        vec![Op::Split {
            cell: code(V1),
            line: line(&[(0., 0.), (1., 1.)]),
        }],
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("is a village, not a cell"),
        "{err}"
    );
}

#[test]
fn operations_apply_in_order_on_each_others_result() {
    let p = block();
    let out = run(
        &p,
        vec![
            Op::Split {
                cell: cell(V1, 1),
                line: line(&[(0.5, 0.0), (0.5, 1.0)]),
            },
            Op::Merge {
                cells: [cell(V1, 2), cell(V1, 5)],
            },
        ],
    );
    // Equal halves: the larger is decided by rounding; either way the second op
    // sees the new cell.
    let out = out.unwrap();
    assert!((area_of(&out.after, &cell(V1, 2)) - 1.5).abs() < 1e-9);
}
