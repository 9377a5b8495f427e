//! Random edit sequences on generated cities: every accepted edit leaves a
//! partition that passes the full check (so the incremental check near the edit
//! missed nothing), and a refused edit changes nothing. Operations are drawn where
//! they make sense (a transfer across a shared boundary, a reshape between two
//! shared vertices, a split between two boundary vertices, ...) and with random
//! sizes, so many are accepted and some are refused.
//!
//! The index a server patches after each edit instead of rebuilding it
//! (`citygrid_index::PatchedIndex`) is held to a new index of every accepted
//! version, point for point, over the same random sequences.
//!
//! `EDIT_CASES` (default 100) cities of `EDIT_OPS` (default 100) operations each:
//! `make test` runs 10,000 operations with a fixed seed; raise both to search
//! deeper (`--nocapture` prints how many of each were accepted and refused).

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;

use citygrid_check::{CheckOptions, Checker};
use citygrid_edit::{EditError, EditOptions, Op, propose};
use citygrid_index::{CellIndex, PatchedIndex};
use citygrid_model::{AttrValue, CodeLayout, Level, Partition, RingSet, UnitCode, UnitId};
use citygrid_synth::{SharedSegment, SplitMix64, SynthCity, shared_segments, square};
use geo_types::{Coord, LineString};

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn city(seed: u64) -> Partition {
    let units = SynthCity::new(seed)
        .cells(48)
        .vertices_per_cell(10)
        .extent_km(4.0, 4.0)
        .generate();
    Partition::new(units, CodeLayout::default()).unwrap()
}

/// Every vertex of a unit's rings.
fn vertices(p: &Partition, id: UnitId) -> Vec<Coord<f64>> {
    let rings = RingSet::build([&p.unit(id).geometry]);
    rings.segment_ids().map(|s| rings.segment(s).0).collect()
}

fn mid(a: Coord<f64>, b: Coord<f64>, t: f64) -> Coord<f64> {
    Coord {
        x: a.x + (b.x - a.x) * t,
        y: a.y + (b.y - a.y) * t,
    }
}

/// One operation drawn from the partition as it is now.
fn draw(p: &Partition, rng: &mut SplitMix64) -> Option<Op> {
    let cells: Vec<UnitId> = p.level_ids(Level::Cell).collect();
    let a = cells[rng.below(cells.len())];
    let code = |id: UnitId| p.unit(id).code.clone();
    match rng.below(6) {
        0 | 1 => {
            // Transfer a square around a point of a shared segment.
            let shared = shared_segments(p, a);
            let &SharedSegment {
                b, from: x, to: y, ..
            } = shared.get(rng.below(shared.len().max(1)))?;
            let centre = mid(x, y, rng.range(0.1, 0.9));
            let len = ((y.x - x.x).hypot(y.y - x.y)).max(1e-6);
            Some(Op::Transfer {
                from: code(a),
                to: code(b),
                area: square(centre, len * rng.range(0.05, 0.6)),
                move_parents: rng.chance(0.5),
            })
        }
        2 => {
            // Reshape a shared segment through a point off it.
            let shared = shared_segments(p, a);
            let &SharedSegment { from: x, to: y, .. } =
                shared.get(rng.below(shared.len().max(1)))?;
            let m = mid(x, y, 0.5);
            let (dx, dy) = (y.x - x.x, y.y - x.y);
            let k = rng.range(-0.4, 0.4);
            let off = Coord {
                x: m.x - dy * k,
                y: m.y + dx * k,
            };
            Some(Op::Reshape {
                line: LineString(vec![x, off, y]),
                move_parents: rng.chance(0.5),
            })
        }
        3 => {
            // Split between two vertices of the cell.
            let v = vertices(p, a);
            if v.len() < 4 {
                return None;
            }
            let i = rng.below(v.len());
            let j = (i + 2 + rng.below(v.len() - 3)) % v.len();
            Some(Op::Split {
                cell: code(a),
                line: LineString(vec![v[i], v[j]]),
            })
        }
        4 => {
            let shared = shared_segments(p, a);
            let &SharedSegment { b, .. } = shared.get(rng.below(shared.len().max(1)))?;
            if rng.chance(0.5) {
                Some(Op::Merge {
                    cells: [code(a), code(b)],
                })
            } else {
                Some(Op::Reparent {
                    cell: code(a),
                    village: p.unit(b).parent.clone()?,
                })
            }
        }
        _ => {
            let mut attributes = BTreeMap::new();
            attributes.insert(
                "households".to_string(),
                Some(AttrValue::Number(rng.below(600) as f64)),
            );
            Some(Op::Set {
                cell: code(a),
                attributes,
            })
        }
    }
}

fn full_check(p: &Partition) -> citygrid_check::Report {
    let outline = p
        .level_ids(Level::City)
        .next()
        .map(|id| p.unit(id).geometry.clone());
    Checker::new(CheckOptions::default()).check(p.units(), outline.as_ref())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: env("EDIT_CASES", 100),
        ..ProptestConfig::default()
    })]

    #[test]
    fn accepted_edits_keep_the_partition_valid(seed in 0u64..1_000_000) {
        let mut p = city(seed % 7 + 1);
        let mut rng = SplitMix64::new(seed);
        let mut used: Vec<UnitCode> = p.units().iter().map(|u| u.code.clone()).collect();
        let mut accepted = 0;
        let mut tally: BTreeMap<&'static str, (u32, u32)> = BTreeMap::new();
        for step in 0..env("EDIT_OPS", 100) {
            let Some(op) = draw(&p, &mut rng) else { continue };
            let taken = |c: &UnitCode| used.contains(c);
            let before: Vec<Arc<citygrid_model::Unit>> = p.units().to_vec();
            let result = propose(&p, std::slice::from_ref(&op), &taken, &EditOptions::default());
            let t = tally.entry(op.name()).or_default();
            if result.is_ok() { t.0 += 1 } else { t.1 += 1 }
            match result {
                Ok(out) => {
                    let report = full_check(&out.after);
                    prop_assert!(
                        report.is_valid(),
                        "seed {seed}, step {step}: {op:?} was accepted but the full check finds {:#?}",
                        report.violations
                    );
                    used.extend(out.created.iter().cloned());
                    p = out.after;
                    accepted += 1;
                }
                Err(EditError::BadOp { .. } | EditError::Invalid { .. }) => {
                    // Refused: the partition is what it was, unit for unit.
                    prop_assert!(p.units().iter().zip(&before).all(|(a, b)| Arc::ptr_eq(a, b)));
                }
                Err(other) => prop_assert!(false, "seed {seed}, step {step}: {other}"),
            }
        }
        // Seen with --nocapture: how many of each operation were accepted, refused.
        println!("seed {seed}: {tally:?}");
        prop_assert!(accepted > 0, "seed {seed}: no edit was accepted");
    }
}

/// Points where answers are decided: every vertex of the cells that differ between
/// `a` and `b` (in either), the middle of each of their segments, and points a
/// hair east, north, west and south of those.
fn telling_points(a: &Partition, b: &Partition) -> Vec<Coord<f64>> {
    let changed = |p: &Partition, q: &Partition| -> Vec<Arc<citygrid_model::Unit>> {
        p.level_ids(Level::Cell)
            .map(|id| p.unit(id))
            .filter(|u| {
                q.id_of(&u.code)
                    .is_none_or(|o| q.unit(o).geometry != u.geometry)
            })
            .cloned()
            .collect()
    };
    let mut out = Vec::new();
    for u in changed(a, b).iter().chain(&changed(b, a)) {
        let rings = RingSet::build([&u.geometry]);
        for s in rings.segment_ids() {
            let (x, y) = rings.segment(s);
            for c in [x, mid(x, y, 0.5)] {
                out.push(c);
                for (dx, dy) in [(1e-9, 0.0), (0.0, 1e-9), (-1e-9, 0.0), (0.0, -1e-9)] {
                    out.push(Coord {
                        x: c.x + dx,
                        y: c.y + dy,
                    });
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: env("EDIT_CASES", 100) / 5,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_patched_index_answers_as_a_new_index_of_every_version(seed in 0u64..1_000_000) {
        let first = city(seed % 7 + 1);
        let base = PatchedIndex::new(&first).unwrap();
        let mut p = first.clone();
        let mut rng = SplitMix64::new(seed ^ 0x5eed);
        let mut used: Vec<UnitCode> = p.units().iter().map(|u| u.code.clone()).collect();
        let (lo, hi) = citygrid_planar::bounds(
            p.units().iter().flat_map(|u| u.geometry.iter().flat_map(|g| g.exterior().0.clone())),
        ).unwrap();
        let (w, h) = (hi.x - lo.x, hi.y - lo.y);
        for step in 0..env("EDIT_OPS", 100) / 2 {
            let Some(op) = draw(&p, &mut rng) else { continue };
            let taken = |c: &UnitCode| used.contains(c);
            let Ok(out) = propose(&p, std::slice::from_ref(&op), &taken, &EditOptions::default())
            else { continue };
            used.extend(out.created.iter().cloned());
            let fresh = CellIndex::new(&out.after).unwrap();
            let patched = base.patch(&out.after);
            prop_assert!(patched.is_some(), "seed {seed}, step {step}: {op:?} moved the city's edge");
            let patched = patched.unwrap();
            let mut points = telling_points(&first, &out.after);
            points.extend((0..300).map(|_| Coord {
                x: rng.range(lo.x - 0.1 * w, hi.x + 0.1 * w),
                y: rng.range(lo.y - 0.1 * h, hi.y + 0.1 * h),
            }));
            let pairs: Vec<(f64, f64)> = points.iter().map(|c| (c.x, c.y)).collect();
            let (mut want, mut got) = (Vec::new(), Vec::new());
            fresh.lookup_batch(&pairs, &mut want);
            patched.lookup_batch(&pairs, &mut got);
            for ((c, w), g) in points.iter().zip(&want).zip(&got) {
                prop_assert_eq!(patched.lookup(c.x, c.y), *w, "seed {}, step {}: lookup at {:?}", seed, step, c);
                prop_assert_eq!(g, w, "seed {}, step {}: batch at {:?}", seed, step, c);
                let (n, m) = (
                    fresh.lookup_near(c.x, c.y, 5_000.0),
                    patched.lookup_near(c.x, c.y, 5_000.0),
                );
                prop_assert_eq!(n.is_some(), m.is_some(), "seed {}, step {}: near {:?}", seed, step, c);
                if let (Some(n), Some(m)) = (n, m) {
                    prop_assert!(
                        (n.distance_m - m.distance_m).abs() <= 1e-6,
                        "seed {seed}, step {step}: near {c:?}: {n:?} {m:?}"
                    );
                    // Two cells as near as each other meet at the nearest point: a
                    // vertex they share, where rounding may pick either.
                    let (a, b) = (vertices(&out.after, n.cell), vertices(&out.after, m.cell));
                    prop_assert!(
                        n.cell == m.cell || a.iter().any(|v| b.contains(v)),
                        "seed {seed}, step {step}: near {c:?}: {n:?} {m:?}"
                    );
                }
            }
            p = out.after;
        }
    }
}
