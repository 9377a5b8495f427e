//! Generated cities at random zooms: in every tile, each layer's polygons are
//! valid and no two overlap; every cell shown keeps its label.

use geo::{Area, BooleanOps, BoundingRect, Contains, Intersects, Validation};
use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use proptest::prelude::*;

use citygrid_model::{CodeLayout, Level, Partition};
use citygrid_synth::SynthCity;
use citygrid_tiles::mvt::Geometry;
use citygrid_tiles::{Layer, TileOptions, Tiler};

fn tiler(seed: u64, cells: usize, vertices: usize, km: f64) -> Tiler {
    let units = SynthCity::new(seed)
        .cells(cells)
        .vertices_per_cell(vertices)
        .extent_km(km, km)
        .generate();
    let all = Layer::ALL.map(|l| (l, Some((0u8, 18u8))));
    let options = all
        .into_iter()
        .fold(TileOptions::default(), |o, (l, z)| o.layer_zooms(l, z));
    Tiler::new(
        Partition::new(units, CodeLayout::default()).unwrap(),
        options,
    )
    .unwrap()
}

/// MVT rings (exterior first, positive area with y down) as geo polygons.
fn to_geo(rings: &[Vec<[i32; 2]>]) -> MultiPolygon<f64> {
    let ls = |r: &Vec<[i32; 2]>| {
        let mut c: Vec<Coord<f64>> = r
            .iter()
            .map(|p| Coord {
                x: f64::from(p[0]),
                y: f64::from(p[1]),
            })
            .collect();
        c.push(c[0]);
        LineString(c)
    };
    let twice = |r: &Vec<[i32; 2]>| -> i64 {
        (0..r.len())
            .map(|i| {
                let (a, b) = (r[i], r[(i + 1) % r.len()]);
                i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1])
            })
            .sum()
    };
    let mut polys: Vec<Polygon<f64>> = Vec::new();
    for r in rings {
        let a = twice(r);
        assert_ne!(a, 0, "zero-area ring");
        if a > 0 {
            polys.push(Polygon::new(ls(r), vec![]));
        } else {
            polys
                .last_mut()
                .expect("a hole after its shell")
                .interiors_push(ls(r));
        }
    }
    MultiPolygon(polys)
}

/// Checks every tile of zoom `z`; returns how many polygons it looked at.
fn check_tiles(t: &Tiler, z: u8) -> usize {
    assert_eq!(t.partition().units()[0].level, Level::City);
    check_tiles_in(t, z, Some(&t.partition().units()[0].geometry))
}

/// As [`check_tiles`] for a partition with no city unit (no gap check).
fn check_tiles_no_city(t: &Tiler, z: u8) -> usize {
    check_tiles_in(t, z, None)
}

fn check_tiles_in(t: &Tiler, z: u8, city: Option<&MultiPolygon<f64>>) -> usize {
    let mut seen = 0;
    for id in t.tiles(z, z) {
        // Well inside the city, every polygon layer must fill the clip rectangle
        // exactly: no gap anywhere.
        let [w, s, e, n] = id.bounds_lonlat();
        let (dx, dy) = ((e - w) * 0.25, (n - s) * 0.25);
        let around = geo_types::Rect::new((w - dx, s - dy), (e + dx, n + dy));
        let inner = city.is_some_and(|c| c.contains(&around.to_polygon()));
        for lc in t.content(id) {
            if lc.layer == Layer::Labels {
                continue;
            }
            let shapes: Vec<MultiPolygon<f64>> = lc
                .features
                .iter()
                .map(|f| match &f.geometry {
                    Geometry::Polygons(r) => to_geo(r),
                    Geometry::Point(_) => unreachable!(),
                })
                .collect();
            seen += shapes.len();
            if inner {
                let total: f64 = shapes.iter().map(Area::unsigned_area).sum();
                assert_eq!(total, 4224.0 * 4224.0, "{id} {:?}: a gap", lc.layer);
            }
            for (i, s) in shapes.iter().enumerate() {
                assert!(
                    s.is_valid(),
                    "{id} {:?} feature {i}: {:?}",
                    lc.layer,
                    s.validation_errors()
                );
            }
            let boxes: Vec<_> = shapes.iter().map(|s| s.bounding_rect().unwrap()).collect();
            for i in 0..shapes.len() {
                for j in i + 1..shapes.len() {
                    if !boxes[i].intersects(&boxes[j]) {
                        continue;
                    }
                    let overlap = shapes[i].intersection(&shapes[j]).unsigned_area();
                    assert!(
                        overlap < 1e-6,
                        "{id} {:?}: features {i} and {j} overlap by {overlap}",
                        lc.layer
                    );
                }
            }
        }
    }
    seen
}

#[test]
fn a_small_city_is_valid_and_overlap_free_at_every_zoom() {
    let t = tiler(3, 120, 24, 12.0);
    let cells = t.partition().level_ids(Level::Cell).count();
    for z in 6..=15 {
        assert!(check_tiles(&t, z) > 0);
        // Every cell has exactly one label at every zoom, however small it is.
        let labels: usize = t
            .tiles(z, z)
            .flat_map(|id| t.content(id))
            .filter(|lc| lc.layer == Layer::Labels)
            .map(|lc| lc.features.len())
            .sum();
        assert_eq!(labels, cells, "zoom {z}");
    }
}

#[test]
fn the_real_guiyang_districts_tiled_as_cells_stay_valid() {
    // Ten real outlines, 12,000 vertices: what generated cities do not have
    // (long shared borders, near-collinear runs, tiny slivers of outline).
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/guiyang/districts.geojson"
    );
    let mut units = citygrid_io::read_units(std::path::Path::new(path), &Default::default())
        .unwrap()
        .units;
    for u in &mut units {
        u.level = Level::Cell;
        u.parent = None;
    }
    let options = TileOptions::default().layer_zooms(Layer::Cells, Some((4, 14)));
    let t = Tiler::new(
        Partition::new(units, CodeLayout::default()).unwrap(),
        options,
    )
    .unwrap();
    for z in [4, 7, 9, 11, 13] {
        assert!(check_tiles_no_city(&t, z) > 0, "zoom {z}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn random_cities_at_random_zooms(seed in 0u64..1000, cells in 20usize..200, vertices in 4usize..40, km in 2.0f64..40.0, z in 4u8..16) {
        let t = tiler(seed, cells, vertices, km);
        prop_assert!(check_tiles(&t, z) > 0);
    }
}
