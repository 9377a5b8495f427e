//! Statistics follow the partition: on generated cities under random sequences of
//! edits, the assignment moved on after each edit is the one a fresh lookup of every
//! point gives, a cell the edit left alone keeps its figures exactly, raster cells
//! recomputed for the changed cells only equal a whole recomputation, and every
//! level adds up to the city, which counts every point inside it.

use citygrid_crs::Crs;
use citygrid_edit::{EditOptions, Op, propose};
use citygrid_index::PatchedIndex;
use citygrid_model::{
    CodeLayout, Entity, Field, FieldType, FieldValue, LayerSchema, Level, Partition, RingSet,
    UnitCode,
};
use citygrid_raster::{GeoTransform, Raster};
use citygrid_stats::{
    Assignment, EntityLayer, EntityRow, RasterCells, RasterLayer, StatsQuery, entity_rows,
};
use citygrid_synth::{SharedSegment, SplitMix64, SynthCity, shared_segments, square};
use geo_types::{Coord, LineString};

fn city(seed: u64) -> Partition {
    let units = SynthCity::new(seed)
        .cells(40)
        .vertices_per_cell(10)
        .extent_km(4.0, 4.0)
        .generate();
    Partition::new(units, CodeLayout::default()).unwrap()
}

/// Points that tell cells apart: every vertex of every cell (on boundaries, where
/// the half-open rule decides), midpoints of segments, and random points around.
fn points(p: &Partition, rng: &mut SplitMix64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for id in p.level_ids(Level::Cell) {
        let rings = RingSet::build([&p.unit(id).geometry]);
        for s in rings.segment_ids() {
            let (a, b) = rings.segment(s);
            out.push((a.x, a.y));
            out.push(((a.x + b.x) / 2.0, (a.y + b.y) / 2.0));
        }
    }
    let (lo, hi) = citygrid_planar::bounds(
        p.units()
            .iter()
            .flat_map(|u| u.geometry.iter().flat_map(|g| g.exterior().0.clone())),
    )
    .unwrap();
    for _ in 0..2_000 {
        out.push((
            rng.range(lo.x - 0.001, hi.x + 0.001),
            rng.range(lo.y - 0.001, hi.y + 0.001),
        ));
    }
    out
}

fn layer(points: &[(f64, f64)]) -> EntityLayer {
    let schema = LayerSchema {
        fields: vec![
            Field {
                name: "kind".into(),
                kind: FieldType::Text,
            },
            Field {
                name: "persons".into(),
                kind: FieldType::Integer,
            },
            Field {
                name: "received".into(),
                kind: FieldType::Time,
            },
            Field {
                name: "handled".into(),
                kind: FieldType::Time,
            },
        ],
        category: Some("kind".into()),
        weight: Some("persons".into()),
        times: vec!["received".into(), "handled".into()],
    };
    let entities: Vec<Entity> = points
        .iter()
        .enumerate()
        .map(|(i, &(lon, lat))| Entity {
            id: i as u64 + 1,
            lon,
            lat,
            values: vec![
                FieldValue::Text(["a", "b", "c"][i % 3].into()),
                FieldValue::Integer((i % 5) as i64),
                FieldValue::Time(1_000 + i as i64),
                if i % 7 == 0 {
                    FieldValue::Null
                } else {
                    FieldValue::Time(2_000 + i as i64)
                },
            ],
        })
        .collect();
    EntityLayer::new("events", schema, &entities)
}

/// A raster over the city's box, 60 x 60 pixels, some of them nodata.
fn raster(p: &Partition) -> Raster {
    let (lo, hi) = citygrid_planar::bounds(
        p.units()
            .iter()
            .flat_map(|u| u.geometry.iter().flat_map(|g| g.exterior().0.clone())),
    )
    .unwrap();
    let n = 60;
    let (w, h) = ((hi.x - lo.x) / 50.0, (hi.y - lo.y) / 50.0);
    let grid = GeoTransform::north_up(lo.x - 5.0 * w, hi.y + 5.0 * h, w, h);
    let values = (0..n * n)
        .map(|i| if i % 17 == 0 { -1.0 } else { (i % 23) as f32 })
        .collect();
    Raster::new(n, n, grid, Crs::Wgs84, values, Some(-1.0)).unwrap()
}

fn op(p: &Partition, rng: &mut SplitMix64) -> Option<Op> {
    let cells: Vec<_> = p.level_ids(Level::Cell).collect();
    let a = cells[rng.below(cells.len())];
    let shared = shared_segments(p, a);
    let &SharedSegment {
        b, from: x, to: y, ..
    } = shared.get(rng.below(shared.len().max(1)))?;
    let code = |id| p.unit(id).code.clone();
    Some(match rng.below(3) {
        0 => {
            let t = rng.range(0.1, 0.9);
            let c = Coord {
                x: x.x + (y.x - x.x) * t,
                y: x.y + (y.y - x.y) * t,
            };
            Op::Transfer {
                from: code(a),
                to: code(b),
                area: square(c, (y.x - x.x).hypot(y.y - x.y) * rng.range(0.1, 0.5)),
                move_parents: true,
            }
        }
        1 => Op::Merge {
            cells: [code(a), code(b)],
        },
        _ => {
            let m = Coord {
                x: (x.x + y.x) / 2.0,
                y: (x.y + y.y) / 2.0,
            };
            let k = rng.range(-0.3, 0.3);
            Op::Reshape {
                line: LineString(vec![
                    x,
                    Coord {
                        x: m.x - (y.y - x.y) * k,
                        y: m.y + (y.x - x.x) * k,
                    },
                    y,
                ]),
                move_parents: true,
            }
        }
    })
}

fn rows(l: &EntityLayer, a: &Assignment, p: &Partition, level: Level) -> Vec<EntityRow> {
    entity_rows(l, a, p, &StatsQuery::level(level)).unwrap()
}

#[test]
fn statistics_follow_random_edits_exactly() {
    let mut accepted = 0;
    for seed in 1..=6u64 {
        let mut p = city(seed);
        let mut rng = SplitMix64::new(seed * 7919);
        let pts = points(&p, &mut rng);
        let l = layer(&pts);
        let r = RasterLayer::new("values", raster(&p));
        let mut index = PatchedIndex::new(&p).unwrap();
        let mut a = Assignment::new(l.points(), p.version(), &index);
        let mut cells = RasterCells::compute(&r, &p).unwrap();
        let mut used: Vec<UnitCode> = p.units().iter().map(|u| u.code.clone()).collect();
        for step in 0..25 {
            let Some(op) = op(&p, &mut rng) else { continue };
            let taken = |c: &UnitCode| used.contains(c);
            let Ok(out) = propose(
                &p,
                std::slice::from_ref(&op),
                &taken,
                &EditOptions::default(),
            ) else {
                continue;
            };
            accepted += 1;
            used.extend(out.created.iter().cloned());
            let next = out.after;
            let next_index = index
                .patch(&next)
                .unwrap_or_else(|| PatchedIndex::new(&next).unwrap());
            let moved = a.next(l.points(), &p, &next, &next_index);
            let fresh = Assignment::new(
                l.points(),
                next.version(),
                &PatchedIndex::new(&next).unwrap(),
            );
            for i in 0..l.len() {
                assert_eq!(
                    moved.cell(i),
                    fresh.cell(i),
                    "seed {seed}, step {step}, {op:?}: point {i} {:?}",
                    l.points()[i]
                );
            }
            // cells the edit left alone keep their figures exactly
            let before = rows(&l, &a, &p, Level::Cell);
            let after = rows(&l, &moved, &next, Level::Cell);
            for row in &after {
                let unchanged = !out
                    .changed
                    .iter()
                    .chain(&out.created)
                    .any(|c| c.as_str() == row.code);
                if unchanged {
                    let old = before.iter().find(|b| b.code == row.code).unwrap();
                    assert_eq!(
                        old, row,
                        "seed {seed}, step {step}: unchanged cell {}",
                        row.code
                    );
                }
            }
            let moved_cells = cells.next(&r, &p, &next).unwrap();
            let whole = RasterCells::compute(&r, &next).unwrap();
            for id in next.level_ids(Level::Cell) {
                let code = &next.unit(id).code;
                assert_eq!(
                    moved_cells.cell(code),
                    whole.cell(code),
                    "seed {seed}, step {step}: raster cell {code}"
                );
                if !out.changed.contains(code) && !out.created.contains(code) {
                    assert_eq!(
                        moved_cells.cell(code),
                        cells.cell(code),
                        "seed {seed}, step {step}: unchanged {code}"
                    );
                }
            }
            // every level adds up to the city, which holds every point inside it
            let inside = (0..l.len()).filter(|&i| moved.cell(i).is_some()).count() as u64;
            for level in Level::ALL {
                let total: u64 = rows(&l, &moved, &next, level).iter().map(|r| r.count).sum();
                assert_eq!(total, inside, "seed {seed}, step {step}: {level} rows");
                let q = StatsQuery::level(level);
                let sum: f64 = moved_cells
                    .rows(&r, &next, &q)
                    .unwrap()
                    .iter()
                    .map(|r| r.sum)
                    .sum();
                let cells_sum: f64 = moved_cells
                    .rows(&r, &next, &StatsQuery::level(Level::Cell))
                    .unwrap()
                    .iter()
                    .map(|r| r.sum)
                    .sum();
                assert!(
                    (sum - cells_sum).abs() <= 1e-9 * cells_sum.abs().max(1.0),
                    "{level}: {sum} vs {cells_sum}"
                );
            }
            (p, index, a, cells) = (next, next_index, moved, moved_cells);
        }
    }
    assert!(accepted >= 30, "only {accepted} edits accepted");
}

#[test]
fn windows_groups_and_rates_count_by_hand() {
    let p = city(3);
    let cell = p.level_ids(Level::Cell).next().unwrap();
    let c = citygrid_planar::bounds(
        p.unit(cell)
            .geometry
            .iter()
            .flat_map(|g| g.exterior().0.clone()),
    )
    .unwrap();
    // a point well inside the first cell: its ring's centroid may not be inside, so
    // find one by the index
    let index = PatchedIndex::new(&p).unwrap();
    let mut rng = SplitMix64::new(5);
    let inside = (0..10_000)
        .map(|_| (rng.range(c.0.x, c.1.x), rng.range(c.0.y, c.1.y)))
        .find(|&(x, y)| index.lookup(x, y) == Some(cell))
        .unwrap();
    let l = layer(&[inside; 10]);
    let a = Assignment::new(l.points(), 1, &index);
    let code = p.unit(cell).code.to_string();
    let q = |from, to, group: Option<&str>| StatsQuery {
        level: Level::Cell,
        prefix: Some(code.clone()),
        from,
        to,
        group_by: group.map(str::to_string),
    };
    let one = |query: &StatsQuery| entity_rows(&l, &a, &p, query).unwrap().remove(0);
    let all = one(&q(None, None, None));
    // kinds a, b, c, a, b, c, ...; persons 0..4 repeating; handled missing for i = 0, 7
    assert_eq!(all.count, 10);
    assert_eq!(all.groups.get("a"), Some(&4));
    assert_eq!(all.sum.get("persons"), Some(&20.0));
    assert_eq!(all.times.get("handled"), Some(&8));
    assert_eq!(all.rates.get("handled"), Some(&Some(0.8)));
    // received 1000..1009: [1002, 1005) holds i = 2, 3, 4; handled 2002.. all before to? no: to bounds handled too
    let w = one(&q(Some(1_002), Some(1_005), None));
    assert_eq!(w.count, 3);
    assert_eq!(
        w.times.get("handled"),
        Some(&0),
        "handled at 2002.. is after the window's end"
    );
    let w = one(&q(Some(1_002), Some(3_000), Some("persons")));
    assert_eq!(w.count, 8);
    assert_eq!(w.groups.values().sum::<u64>(), 8);
    assert_eq!(
        w.times.get("handled"),
        Some(&7),
        "i = 7 has no handled time"
    );
    let bad = entity_rows(&l, &a, &p, &q(None, None, Some("received")));
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("cannot group by \"received\"")
    );
}
