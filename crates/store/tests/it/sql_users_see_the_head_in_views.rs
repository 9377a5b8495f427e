//! What QGIS and SQL users see in the PostGIS store: a view of the head per level
//! with a key and a typed geometry column, spatial indexes, points they can count
//! per cell, and coordinates exactly as committed.

use citygrid_model::{AttrValue, Entity, Field, FieldType, FieldValue, LayerSchema, Level, Unit};
use citygrid_store::{Commit, NewLayer, NewLayerKind};
use geo_types::{LineString, MultiPolygon, Polygon};

use crate::support::{Backend, assert_same, cells, city, postgres_url, sibling_code, sql};

#[test]
fn the_views_hold_the_head_per_level_as_qgis_opens_them() {
    if postgres_url().is_none() {
        return;
    }
    let partition = city(41, 40);
    let f = Backend::Postgis.fresh(&partition);
    let c = cells(&partition);
    let new = Unit {
        code: sibling_code(&c[0], 990),
        ..c[0].clone()
    };
    f.store
        .commit(
            Commit::new(1, "alice", "survey")
                .upsert(
                    c[1].clone()
                        .with_attribute("households", AttrValue::Number(2.5)),
                )
                .upsert(new.clone())
                .remove(c[2].code.clone()),
        )
        .unwrap();
    let head = f.store.load(2).unwrap();
    let mut client = sql(&f);
    for level in Level::ALL {
        let view = format!("citygrid_{}", level.layer_name());
        let rows = client
            .query(
                &format!("SELECT code, ST_AsText(geom), version FROM {view} ORDER BY code"),
                &[],
            )
            .unwrap();
        let want: Vec<String> = head
            .level_ids(level)
            .map(|id| head.unit(id).code.to_string())
            .collect();
        let got: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(got, want, "{view}");
        assert!(
            rows.iter()
                .all(|r| r.get::<_, String>(1).starts_with("MULTIPOLYGON((("))
        );
        // QGIS finds the layer through geometry_columns: type and SRID declared.
        let (kind, srid): (String, i32) = client
            .query_one(
                "SELECT type, srid FROM geometry_columns WHERE f_table_name = $1",
                &[&view],
            )
            .map(|r| (r.get(0), r.get(1)))
            .unwrap();
        assert_eq!((kind.as_str(), srid), ("MULTIPOLYGON", 4326), "{view}");
    }
    let row = client
        .query_one(
            "SELECT version, attributes->>'households', (attributes->>'staffed')::boolean \
             FROM citygrid_cells WHERE code = $1",
            &[&c[1].code.as_str()],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 2);
    assert_eq!(row.get::<_, String>(1), "2.5");
    let id_unique: bool = client
        .query_one(
            "SELECT count(*) = count(DISTINCT id) FROM citygrid_cells",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(id_unique);
    // Spatial indexes on the units (all rows, and the head's) and the points.
    let gist: Vec<String> = client
        .query(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gist%' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        gist,
        [
            "citygrid_entities_geom",
            "citygrid_units_alive_geom",
            "citygrid_units_geom"
        ]
    );
}

#[test]
fn sql_users_count_points_per_cell() {
    if postgres_url().is_none() {
        return;
    }
    let partition = city(42, 20);
    let f = Backend::Postgis.fresh(&partition);
    let c = cells(&partition);
    // A point inside each of the first three cells: the centre of a triangle of
    // its first three vertices, if inside; else skip the cell.
    let points: Vec<(f64, f64)> = c[..3]
        .iter()
        .map(|cell| {
            let mut client = sql(&f);
            let row = client
                .query_one(
                    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p \
                     FROM citygrid_cells WHERE code = $1) s",
                    &[&cell.code.as_str()],
                )
                .unwrap();
            (row.get(0), row.get(1))
        })
        .collect();
    let schema = LayerSchema {
        fields: vec![Field {
            name: "kind".into(),
            kind: FieldType::Text,
        }],
        category: None,
        weight: None,
        times: vec![],
    };
    let entities = points
        .iter()
        .map(|&(lon, lat)| Entity {
            id: 0,
            lon,
            lat,
            values: vec![FieldValue::Text("call".into())],
        })
        .collect();
    f.store
        .add_layer(NewLayer {
            name: "calls".into(),
            kind: NewLayerKind::Entity { schema, entities },
            source: "test".into(),
            author: "tester".into(),
            replace: false,
        })
        .unwrap();
    let mut client = sql(&f);
    let counts: Vec<(String, i64)> = client
        .query(
            "SELECT c.code, count(*) FROM citygrid_cells c JOIN citygrid_entities e \
             ON e.layer = 'calls' AND ST_Contains(c.geom, e.geom) GROUP BY c.code ORDER BY c.code",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut want: Vec<(String, i64)> = c[..3].iter().map(|c| (c.code.to_string(), 1)).collect();
    want.sort();
    assert_eq!(counts, want);
    let kind: String = client
        .query_one(
            "SELECT properties->>0 FROM citygrid_entities WHERE id = 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(kind, "call");
    // The points come back exactly.
    let back = f.store.entities("calls", 0).unwrap();
    for (e, (lon, lat)) in back.iter().zip(&points) {
        assert_eq!(
            (e.lon.to_bits(), e.lat.to_bits()),
            (lon.to_bits(), lat.to_bits())
        );
    }
}

#[test]
fn awkward_coordinates_and_numbers_come_back_bit_for_bit() {
    if postgres_url().is_none() {
        return;
    }
    let partition = city(43, 10);
    let f = Backend::Postgis.fresh(&partition);
    let c = cells(&partition);
    let awkward = [
        0.1 + 0.2,
        -0.0,
        5e-324,
        1e-300,
        106.713_000_000_000_01,
        1e300,
    ];
    let ring: Vec<(f64, f64)> = awkward
        .iter()
        .zip(awkward.iter().rev())
        .map(|(&x, &y)| (x, y))
        .chain(std::iter::once((awkward[0], awkward[5])))
        .collect();
    let hole = LineString::from(vec![(1.0, 1.0), (2.0, 1.0), (1.5, 2.0), (1.0, 1.0)]);
    let mut odd = c[0]
        .clone()
        .with_attribute("tiny", AttrValue::Number(5e-324))
        .with_attribute("negative zero", AttrValue::Number(-0.0))
        .with_attribute("sum", AttrValue::Number(0.1 + 0.2));
    odd.geometry = MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![hole])]);
    f.store
        .commit(Commit::new(1, "alice", "odd").upsert(odd.clone()))
        .unwrap();
    let expected = partition.with_changes(vec![odd.clone()], &[]).unwrap();
    for store in [f.store.as_ref(), f.open_again().as_ref()] {
        assert_same(&store.load(2).unwrap(), &expected);
        let AttrValue::Number(z) =
            store.load(2).unwrap().get(&odd.code).unwrap().attributes["negative zero"]
        else {
            panic!("not a number")
        };
        assert!(z == 0.0 && z.is_sign_negative());
    }
    // The same unit again is no change: the stored bytes compare equal.
    assert!(
        f.store
            .commit(Commit::new(2, "alice", "same").upsert(odd))
            .is_err()
    );
}
