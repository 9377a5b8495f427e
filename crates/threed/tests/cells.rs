//! Tiles per cell, by hand: a tileset built here with regions known to fall in, out
//! of and across two cells; the tiles of each cell, the share the finest content
//! covers, the subset tileset of a cell, and a boundary move recomputing the cells it
//! changed.

use citygrid_model::{CodeLayout, Level, Partition, Unit, UnitCode};
use citygrid_threed::{CellInfo, CellTiles, Tileset, subset};
use geo_types::{LineString, MultiPolygon, Polygon};
use serde_json::{Value, json};

fn code(c: &str) -> UnitCode {
    c.parse().unwrap()
}

fn rect(w: f64, e: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        LineString::from(vec![
            (w, 26.50),
            (e, 26.50),
            (e, 26.51),
            (w, 26.51),
            (w, 26.50),
        ]),
        vec![],
    )])
}

/// Cells A (106.70 to `split`), B (`split` to 106.72) and C (106.72 to 106.73).
fn city(split: f64) -> Partition {
    let mut units = vec![
        Unit::new(code("520100"), Level::City, rect(106.70, 106.73)),
        Unit::new(code("520102"), Level::District, rect(106.70, 106.73))
            .with_parent(code("520100")),
        Unit::new(code("520102001"), Level::Township, rect(106.70, 106.73))
            .with_parent(code("520102")),
        Unit::new(code("520102001001"), Level::Village, rect(106.70, 106.73))
            .with_parent(code("520102001")),
    ];
    for (c, w, e) in [
        ("520102001001001", 106.70, split),
        ("520102001001002", split, 106.72),
        ("520102001001003", 106.72, 106.73),
    ] {
        units.push(
            Unit::new(code(c), Level::Cell, rect(w, e))
                .with_parent(code("520102001001"))
                .with_name(format!("cell {c}")),
        );
    }
    Partition::new(units, CodeLayout::default()).unwrap()
}

fn region(w: f64, e: f64) -> Value {
    json!({"region": [w.to_radians(), 26.50f64.to_radians(), e.to_radians(), 26.51f64.to_radians(), 0.0, 50.0]})
}

fn tileset() -> (tempfile::TempDir, Tileset) {
    let json = json!({
        "asset": {"version": "1.1"},
        "geometricError": 500.0,
        "root": {
            "boundingVolume": region(106.70, 106.81), "geometricError": 100.0, "refine": "REPLACE",
            "content": {"uri": "root.glb"},
            "children": [
                {"boundingVolume": region(106.700, 106.705), "geometricError": 0.0, "content": {"uri": "a/west.glb"}},
                {"boundingVolume": region(106.712, 106.718), "geometricError": 0.0, "content": {"uri": "b/middle.glb"}},
                {"boundingVolume": region(106.708, 106.712), "geometricError": 0.0, "content": {"uri": "ab/across.glb"}},
                {"boundingVolume": region(106.800, 106.810), "geometricError": 0.0, "content": {"uri": "far.glb"}}
            ]
        }
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tileset.json"), json.to_string()).unwrap();
    let t = Tileset::load(&dir.path().join("tileset.json")).unwrap();
    (dir, t)
}

fn names(t: &Tileset, tiles: &[u32]) -> Vec<String> {
    tiles
        .iter()
        .map(|&i| {
            t.tile(i)
                .contents
                .first()
                .map_or(String::new(), |c| c.path.clone())
        })
        .collect()
}

#[test]
fn each_cell_gets_the_tiles_over_it_and_the_share_they_cover() {
    let (_dir, t) = tileset();
    let p = city(106.71);
    let cells = CellTiles::compute(&t, &p);
    let a = cells.cell(&code("520102001001001")).unwrap();
    let b = cells.cell(&code("520102001001002")).unwrap();
    let c = cells.cell(&code("520102001001003")).unwrap();
    assert_eq!(
        names(&t, &a.tiles),
        ["root.glb", "a/west.glb", "ab/across.glb"]
    );
    assert_eq!(
        names(&t, &b.tiles),
        ["root.glb", "b/middle.glb", "ab/across.glb"]
    );
    assert_eq!(names(&t, &c.tiles), ["root.glb"]);
    // the finest content: the children (the root's is replaced by theirs)
    assert!((a.covered - 0.7).abs() < 1e-9, "{}", a.covered);
    assert!((b.covered - 0.8).abs() < 1e-9, "{}", b.covered);
    assert_eq!(
        c.covered, 0.0,
        "no photography in C, only the coarse root over it"
    );
}

#[test]
fn a_cells_subset_holds_its_tiles_and_their_ancestors_only() {
    let (_dir, t) = tileset();
    let p = city(106.71);
    let cells = CellTiles::compute(&t, &p);
    let a = cells.cell(&code("520102001001001")).unwrap();
    let outline = rect(106.70, 106.71);
    let info = CellInfo {
        code: "520102001001001",
        name: "cell A",
        village: "520102001001",
        township: "520102001",
        district: "520102",
        version: 4,
        outline: &outline,
    };
    let s = subset(&t, &a.tiles, "/v1/3dtiles/demo/", &info).unwrap();
    assert_eq!(s["root"]["content"]["uri"], "/v1/3dtiles/demo/root.glb");
    let children: Vec<&str> = s["root"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["content"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        children,
        [
            "/v1/3dtiles/demo/a/west.glb",
            "/v1/3dtiles/demo/ab/across.glb"
        ]
    );
    assert_eq!(s["root"]["geometricError"], 100.0);
    assert_eq!(s["root"]["refine"], "REPLACE");
    assert_eq!(
        s["root"]["children"][0]["refine"], "REPLACE",
        "inherited refinement is written out"
    );
    assert_eq!(s["metadata"]["class"], "cell");
    assert_eq!(s["metadata"]["properties"]["code"], "520102001001001");
    assert_eq!(s["metadata"]["properties"]["version"], 4);
    assert_eq!(
        s["extras"]["citygrid"]["clippingPolygon"]["coordinates"][0][0][1],
        json!([106.71, 26.50])
    );
    assert!(subset(&t, &[], "/", &info).is_none());
}

#[test]
fn a_boundary_move_recomputes_the_cells_it_changed() {
    let (_dir, t) = tileset();
    let before = CellTiles::compute(&t, &city(106.71));
    let moved = city(106.706);
    let after = before.next(&t, &city(106.71), &moved);
    let whole = CellTiles::compute(&t, &moved);
    for id in moved.level_ids(Level::Cell) {
        let c = &moved.unit(id).code;
        assert_eq!(after.cell(c), whole.cell(c), "{c}");
    }
    let a = after.cell(&code("520102001001001")).unwrap();
    assert_eq!(
        names(&t, &a.tiles),
        ["root.glb", "a/west.glb"],
        "A no longer reaches the tile across"
    );
    assert!((a.covered - 5.0 / 6.0).abs() < 1e-9, "{}", a.covered);
}
