use citygrid_model::{AttrValue, Level, Unit};
use citygrid_store::Commit;

use crate::support::{Backend, cells, city, sibling_code};

/// The rows of a layer: code, version, attributes JSON, and the typed columns asked for.
fn layer(
    path: &std::path::Path,
    table: &str,
    typed: &[&str],
) -> Vec<(String, i64, String, Vec<rusqlite::types::Value>)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let extra: String = typed.iter().map(|c| format!(", \"{c}\"")).collect();
    let mut rows = conn
        .prepare(&format!(
            "SELECT code, version, attributes{extra} FROM \"{table}\" ORDER BY code"
        ))
        .unwrap();
    rows.query_map([], |r| {
        let values = (0..typed.len())
            .map(|i| r.get(3 + i))
            .collect::<rusqlite::Result<_>>()?;
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, values))
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

#[test]
fn the_layers_hold_the_head_with_typed_columns_and_an_index_in_step() {
    let partition = city(13, 50);
    let f = Backend::Sqlite.fresh(&partition);
    let (path, store) = (f.path(), &f.store);
    let c = cells(&partition);
    let new = Unit {
        code: sibling_code(&c[0], 990),
        ..c[0].clone()
    };
    store
        .commit(
            Commit::new(1, "alice", "survey")
                .upsert(
                    c[1].clone()
                        .with_attribute("surveyed", AttrValue::Bool(true)),
                )
                .upsert(
                    c[2].clone()
                        .with_attribute("households", AttrValue::Number(2.5)),
                )
                .upsert(new.clone())
                .remove(c[3].code.clone()),
        )
        .unwrap();

    let rows = layer(&path, "cells", &["households", "surveyed"]);
    let head = store.load(2).unwrap();
    let want: Vec<String> = head
        .level_ids(Level::Cell)
        .map(|id| head.unit(id).code.to_string())
        .collect();
    assert_eq!(rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(), want);
    let row = |code: &citygrid_model::UnitCode| rows.iter().find(|r| r.0 == code.as_str()).unwrap();
    use rusqlite::types::Value::{Integer, Null};
    assert_eq!(
        (row(&c[1].code).1, &row(&c[1].code).3[1]),
        (2, &Integer(1)),
        "a new key got a BOOLEAN column"
    );
    assert_eq!(
        row(&c[1].code).3[0],
        Integer(match c[1].attributes["households"] {
            AttrValue::Number(x) => x as i64,
            _ => -1,
        })
    );
    // 2.5 does not fit the INTEGER column: NULL there, exact in the JSON.
    assert_eq!(row(&c[2].code).3[0], Null);
    assert!(
        row(&c[2].code).2.contains("\"households\":2.5"),
        "{}",
        row(&c[2].code).2
    );
    assert_eq!((row(&new.code).1, row(&c[4].code).1), (2, 1));

    // Through the geopackage crate, which registers the ST_ functions GeoPackage defines.
    let gpkg = geopackage::GeoPackage::open(&path).unwrap();
    let conn = gpkg.connection();
    let declared: String = conn
        .query_row(
            "SELECT type FROM pragma_table_info('cells') WHERE name = 'surveyed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(declared, "BOOLEAN");
    // The R-tree holds exactly the layer's rows, with their envelopes (as 32-bit
    // floats, rounded outwards).
    let unindexed: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM cells) + (SELECT count(*) FROM rtree_cells_geom) \
             - 2 * (SELECT count(*) FROM rtree_cells_geom r JOIN cells c ON c.fid = r.id \
                    AND r.minx <= ST_MinX(c.geom) AND r.maxx >= ST_MaxX(c.geom) \
                    AND r.miny <= ST_MinY(c.geom) AND r.maxy >= ST_MaxY(c.geom))",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unindexed, 0);
    let last_change: String = conn
        .query_row(
            "SELECT last_change FROM gpkg_contents WHERE table_name = 'cells'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        last_change,
        store
            .version(2)
            .unwrap()
            .created_at
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    );
}

#[test]
fn a_reshaped_unit_s_row_gets_its_new_geometry() {
    let partition = city(14, 30);
    let f = Backend::Sqlite.fresh(&partition);
    let (path, store) = (f.path(), &f.store);
    let c = cells(&partition);
    let mut moved = c[0].clone();
    moved.geometry.0[0].exterior_mut(|r| r.0[1].x += 1e-6);
    store
        .commit(Commit::new(1, "alice", "moved a vertex").upsert(moved.clone()))
        .unwrap();
    let gpkg = geopackage::GeoPackage::open_read_only(&path).unwrap();
    let row = gpkg
        .layer("cells")
        .unwrap()
        .features()
        .unwrap()
        .map(|f| f.unwrap())
        .find(|f| f.value("code").and_then(|v| v.as_str()) == Some(moved.code.as_str()))
        .unwrap();
    assert_eq!(row.value("version").and_then(|v| v.as_i64()), Some(2));
    assert_eq!(
        row.geometry().unwrap().and_then(|g| g.to_geo()),
        Some(geo_types::Geometry::MultiPolygon(moved.geometry))
    );
}
