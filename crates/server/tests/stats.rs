//! Statistics over HTTP on a real store, checked by hand on `support::city` (five
//! square cells of 0.01°): points are counted once, in the cell a lookup gives them;
//! a raster with one pixel per cell sums to each pixel; after an edit only the
//! changed cells' figures change, by exactly the moved strip; a live ingest is
//! stored, counted and dispatched; bad input gets a 4xx naming it.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use citygrid_crs::Crs;
use citygrid_model::{Entity, Field, FieldType, FieldValue, LayerSchema, StaffMember, StaffRole};
use citygrid_raster::{GeoTransform, Raster};
use citygrid_store::{NewLayer, NewLayerKind, StaffChange, Store};
use support::{A1, A2, B1, D, Reply, Tokens, X0, Y0, city, code, request};

/// The points of the `events` layer: (lon, lat), with where they are.
const POINTS: [(f64, f64); 6] = [
    (X0 + 0.005, Y0 + 0.005), // in A1
    (X0 + 0.009, Y0 + 0.005), // in A1, in A2 after the transfer
    (X0 + D, Y0 + 0.005),     // on the A1 | A2 boundary: once, where a lookup puts it
    (X0 + 0.025, Y0 + 0.005), // in B1
    (X0 + 0.045, Y0 + 0.005), // in C1 (district 520103)
    (X0 - 0.010, Y0 + 0.005), // outside the city
];

struct Live {
    addr: SocketAddr,
    store: Arc<dyn Store>,
    editor: String,
    viewer: String,
    elsewhere: String,
    dir: tempfile::TempDir,
}

fn schema() -> LayerSchema {
    let field = |name: &str, kind| Field {
        name: name.into(),
        kind,
    };
    LayerSchema {
        fields: vec![
            field("category", FieldType::Text),
            field("persons", FieldType::Integer),
            field("received", FieldType::Time),
            field("handled", FieldType::Time),
        ],
        category: Some("category".into()),
        weight: Some("persons".into()),
        times: vec!["received".into(), "handled".into()],
    }
}

/// 2026-03-01T00:00:00Z plus `days`.
fn day(days: i64) -> i64 {
    1_772_323_200 + days * 86_400
}

impl Live {
    fn new() -> Live {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.gpkg").to_string_lossy().into_owned();
        citygrid_store::init(&path, &city(), "tester", "two villages").unwrap();
        let store: Arc<dyn Store> = Arc::from(citygrid_store::open(&path).unwrap());
        let entities = POINTS
            .iter()
            .enumerate()
            .map(|(i, &(lon, lat))| Entity {
                id: 0,
                lon,
                lat,
                values: vec![
                    FieldValue::Text(if i % 2 == 0 { "noise" } else { "litter" }.into()),
                    FieldValue::Integer(i as i64 + 1),
                    FieldValue::Time(day(i as i64)),
                    if i == 0 {
                        FieldValue::Null
                    } else {
                        FieldValue::Time(day(i as i64) + 3_600)
                    },
                ],
            })
            .collect();
        store
            .add_layer(NewLayer {
                name: "events".into(),
                kind: NewLayerKind::Entity {
                    schema: schema(),
                    entities,
                },
                source: "test".into(),
                author: "tester".into(),
                replace: false,
            })
            .unwrap();
        // one pixel per cell, values 1..5, one pixel of nodata to the west
        let grid = GeoTransform::north_up(X0 - D, Y0 + D, D, D);
        let raster = Raster::new(
            6,
            1,
            grid,
            Crs::Wgs84,
            vec![-9.0, 1.0, 2.0, 3.0, 4.0, 5.0],
            Some(-9.0),
        )
        .unwrap();
        let tif = dir.path().join("values.tif");
        raster.write(&tif).unwrap();
        store
            .add_layer(NewLayer {
                name: "values".into(),
                kind: NewLayerKind::Raster {
                    bytes: Some(std::fs::read(&tif).unwrap()),
                    path: tif,
                    band: 1,
                },
                source: "test".into(),
                author: "tester".into(),
                replace: false,
            })
            .unwrap();
        let Tokens {
            editor,
            viewer,
            elsewhere,
            ..
        } = Tokens::create(store.as_ref());
        let addr = support::serve_store(Arc::clone(&store), true);
        Live {
            addr,
            store,
            editor,
            viewer,
            elsewhere,
            dir,
        }
    }

    fn get(&self, path: &str) -> Reply {
        request(self.addr, "GET", path, &[], b"")
    }

    fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        let auth = format!("Bearer {token}");
        let headers: Vec<(&str, &str)> = if token.is_empty() {
            Vec::new()
        } else {
            vec![("Authorization", auth.as_str())]
        };
        request(
            self.addr,
            "POST",
            path,
            &headers,
            body.to_string().as_bytes(),
        )
    }

    /// The rows of a table, by code.
    fn rows(&self, query: &str) -> Vec<Value> {
        let r = self.get(&format!("/v1/stats?{query}"));
        assert_eq!(
            r.status,
            200,
            "{query}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.json()["rows"].as_array().unwrap().clone()
    }

    fn row(&self, query: &str, code: &str) -> Value {
        self.rows(query)
            .into_iter()
            .find(|r| r["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {query}"))
    }
}

fn cell_of(live: &Live, (lon, lat): (f64, f64), version: u64) -> Option<String> {
    let r = live.get(&format!("/v1/lookup?lon={lon}&lat={lat}&version={version}"));
    (r.status == 200).then(|| r.json()["cell"]["code"].as_str().unwrap().to_string())
}

#[test]
fn points_are_counted_once_in_the_cell_a_lookup_gives_them() {
    let live = Live::new();
    let cells = live.rows("layer=events&level=cell");
    for (i, &p) in POINTS.iter().enumerate() {
        if let Some(cell) = cell_of(&live, p, 1) {
            let row = cells.iter().find(|r| r["code"] == cell.as_str()).unwrap();
            assert!(
                row["count"].as_u64().unwrap() >= 1,
                "point {i} in {cell}: {row}"
            );
        }
    }
    let counts: Vec<(String, u64)> = cells
        .iter()
        .map(|r| {
            (
                r["code"].as_str().unwrap().to_string(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    // A1 holds points 0 and 1, and the boundary point is in A1 or A2, not both
    let boundary = cell_of(&live, POINTS[2], 1).unwrap();
    let a1 = 2 + u64::from(boundary == A1);
    let a2 = u64::from(boundary == A2);
    assert_eq!(counts[0], (A1.to_string(), a1));
    assert_eq!(counts[1], (A2.to_string(), a2));
    assert_eq!(counts[2], (B1.to_string(), 1));
    // every level adds up to the city: the five points inside it
    for level in ["cell", "village", "township", "district", "city"] {
        let total: u64 = live
            .rows(&format!("layer=events&level={level}"))
            .iter()
            .map(|r| r["count"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 5, "{level}");
    }
    let city = live.row("layer=events&level=city", "520100");
    assert_eq!(
        city["sum"]["persons"], 15.0,
        "persons 1..5 of the points inside"
    );
    assert_eq!(city["groups"], json!({"noise": 3, "litter": 2}));
    assert_eq!(city["times"]["handled"], 4, "point 0 is not handled");
    assert_eq!(city["rates"]["handled"], 0.8);
    let layers = live.get("/v1/layers").json();
    let events = layers["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "events")
        .unwrap();
    assert_eq!(
        (events["count"].as_u64(), events["outside"].as_u64()),
        (Some(6), Some(1))
    );
}

#[test]
fn a_raster_with_a_pixel_per_cell_sums_to_its_pixels() {
    let live = Live::new();
    // exact up to the rounding of 106.70 + 0.01 and the like
    let close =
        |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() <= 1e-9 * want.abs().max(1.0);
    let a1 = live.row("layer=values&level=cell", A1);
    assert!(
        close(&a1["count"], 1.0) && close(&a1["sum"], 1.0) && close(&a1["mean"], 1.0),
        "{a1}"
    );
    // a sliver of 1e-13 of the next pixel is covered too: it moves the spread by 1e-6
    assert!(a1["stddev"].as_f64().unwrap() < 1e-5, "{a1}");
    let area = a1["coverage_m2"].as_f64().unwrap();
    let geodesic = citygrid_model::measure::area_m2(&support::rect(0, 1));
    assert!(
        (area - geodesic).abs() < 1e-3 * geodesic,
        "{area} m² against the cell's {geodesic}"
    );
    let village = live.row("layer=values&level=village", "520102001001");
    assert!(close(&village["sum"], 3.0), "{village}");
    assert_eq!(village["min"].as_f64(), Some(1.0));
    assert!(
        (village["stddev"].as_f64().unwrap() - 0.5).abs() < 1e-5,
        "{village}"
    );
    // conservation: the city row is the raster's total inside the city (the nodata
    // pixel to the west is outside it)
    let city = live.row("layer=values&level=city", "520100");
    assert!(
        close(&city["sum"], 15.0) && close(&city["count"], 5.0),
        "{city}"
    );
}

/// Moves the east 0.002° of A1 to A2.
fn transfer() -> Value {
    let (w, e) = (X0 + 0.008, X0 + 0.0105);
    json!({
        "base_version": 1,
        "message": "new road",
        "ops": [{"op": "transfer", "from": A1, "to": A2, "area": {"type": "Polygon",
            "coordinates": [[[w, Y0 - 0.001], [e, Y0 - 0.001], [e, Y0 + D + 0.001], [w, Y0 + D + 0.001], [w, Y0 - 0.001]]]}}]
    })
}

#[test]
fn after_an_edit_only_the_changed_cells_figures_change() {
    let live = Live::new();
    let before_events = live.rows("layer=events&level=cell");
    let before_values = live.rows("layer=values&level=cell");
    let r = live.post("/v1/edits", &live.editor, &transfer());
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let after_events = live.rows("layer=events&level=cell");
    let after_values = live.rows("layer=values&level=cell");
    assert_eq!(live.get("/v1/stats?layer=events").version(), 2);
    for (before, after) in [
        (&before_events, &after_events),
        (&before_values, &after_values),
    ] {
        for (b, a) in before.iter().zip(after) {
            if a["code"] != A1 && a["code"] != A2 {
                assert_eq!(a, b, "an unchanged cell's figures changed");
            }
        }
    }
    // point 1 moved with the strip; the boundary point is where lookups put it now
    let find =
        |rows: &[Value], code: &str| rows.iter().find(|r| r["code"] == code).unwrap().clone();
    let boundary = cell_of(&live, POINTS[2], 2).unwrap();
    assert_eq!(
        find(&after_events, A1)["count"],
        1 + u64::from(boundary == A1)
    );
    assert_eq!(
        find(&after_events, A2)["count"],
        1 + u64::from(boundary == A2)
    );
    // the raster: A1 keeps 0.8 of its pixel, A2 gains 0.2 of A1's
    let (a1, a2) = (find(&after_values, A1), find(&after_values, A2));
    let close = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() < 1e-9 * want.max(1.0);
    assert!(close(&a1["count"], 0.8) && close(&a1["sum"], 0.8), "{a1}");
    assert!(close(&a2["count"], 1.2) && close(&a2["sum"], 2.2), "{a2}");
    assert!(close(
        &live.row("layer=values&level=city", "520100")["sum"],
        15.0
    ));
    // the version before still answers as it was
    assert_eq!(
        live.rows("layer=values&level=cell&version=1"),
        before_values
    );
    assert_eq!(
        live.rows("layer=events&level=cell&version=1"),
        before_events
    );
}

#[test]
fn windows_groups_csv_and_etags() {
    let live = Live::new();
    // received on days 0..5; [day 1, day 3) holds points 1 and 2
    let from = "2026-03-02T00:00:00Z";
    let to = "2026-03-04T00:00:00Z";
    let city = live.row(
        &format!("layer=events&level=city&from={from}&to={to}"),
        "520100",
    );
    assert_eq!(city["count"], 2);
    assert_eq!(city["times"]["handled"], 2);
    let grouped = live.row("layer=events&level=city&group_by=persons", "520100");
    assert_eq!(
        grouped["groups"],
        json!({"1": 1, "2": 1, "3": 1, "4": 1, "5": 1})
    );
    let r = request(
        live.addr,
        "GET",
        "/v1/stats?layer=events&level=district",
        &[("Accept", "text/csv")],
        b"",
    );
    let text = String::from_utf8(r.body).unwrap();
    assert!(
        text.starts_with(
            "code,name,count,sum.persons,group.litter,group.noise,times.handled,rate.handled\n"
        ),
        "{text}"
    );
    assert!(text.contains("\n520103,"), "{text}");
    let r = live.get("/v1/stats?layer=events");
    let etag = r.header("etag").unwrap();
    let again = request(
        live.addr,
        "GET",
        "/v1/stats?layer=events",
        &[("If-None-Match", &etag)],
        b"",
    );
    assert_eq!(again.status, 304);
    for (query, names) in [
        ("level=cell", "layer= is required"),
        ("layer=nothing", "no such layer"),
        ("layer=events&level=block", "level"),
        ("layer=events&from=yesterday", "from="),
        (
            "layer=events&from=2026-03-05&to=2026-03-01",
            "is not before",
        ),
        ("layer=events&group_by=received", "cannot group by"),
        ("layer=values&from=2026-03-01", "raster layer"),
    ] {
        let r = live.get(&format!("/v1/stats?{query}"));
        assert!((400..500).contains(&r.status), "{query}: {}", r.status);
        assert!(r.message().contains(names), "{query}: {}", r.message());
    }
}

fn event(lon: f64, lat: f64, properties: Value) -> Value {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties})
}

#[test]
fn an_ingested_event_is_stored_counted_and_dispatched() {
    let live = Live::new();
    live.store
        .commit_staff(StaffChange {
            author: "tester".into(),
            message: "roster".into(),
            upsert: vec![StaffMember {
                id: "S1".into(),
                name: "张三".into(),
                role: StaffRole::CellHead,
                phone: "19900000001".into(),
                cells: vec![code(A1), code(A2)],
            }],
            ..StaffChange::default()
        })
        .unwrap();
    let before = live.row("layer=events&level=city", "520100")["count"]
        .as_u64()
        .unwrap();
    let body = event(
        X0 + 0.005,
        Y0 + 0.002,
        json!({"category": "noise", "received": "2026-03-10T08:00:00+08:00"}),
    );
    let r = live.post("/v1/layers/events/features", &live.editor, &body);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let answer = &r.json()["features"][0];
    assert_eq!(answer["id"], 7);
    assert_eq!(answer["cell"]["code"], A1);
    assert_eq!(answer["cell"]["ancestors"][0]["code"], "520102001001");
    assert_eq!(
        answer["staff"],
        json!([{"id": "S1", "name": "张三", "role": "cell_head", "phone": "19900000001"}])
    );
    // counted in the next request, and in the store
    assert_eq!(
        live.row("layer=events&level=city", "520100")["count"],
        before + 1
    );
    assert_eq!(live.store.entities("events", 6).unwrap().len(), 1);
    let lookup = live
        .get(&format!(
            "/v1/lookup?lon={}&lat={}&include=staff",
            X0 + 0.005,
            Y0 + 0.002
        ))
        .json();
    assert_eq!(lookup["staff"][0]["id"], "S1");
    let bad = [
        (
            &live.editor,
            event(X0 + 0.005, Y0 + 0.002, json!({"kind": "noise"})),
            400,
            "\"kind\" is not a field",
        ),
        (
            &live.editor,
            event(X0 + 0.005, Y0 + 0.002, json!({"persons": "many"})),
            400,
            "persons",
        ),
        (
            &live.editor,
            event(X0 + 0.005, Y0 + 0.002, json!({"received": "soon"})),
            400,
            "received",
        ),
        (
            &live.editor,
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": ["x", 26.5]}}),
            400,
            "features[0]",
        ),
        (
            &live.editor,
            json!({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}),
            400,
            "Point",
        ),
        (
            &live.viewer,
            event(X0 + 0.005, Y0 + 0.002, json!({})),
            403,
            "viewer",
        ),
        (
            &live.elsewhere,
            event(X0 + 0.005, Y0 + 0.002, json!({})),
            403,
            "520103",
        ),
    ];
    for (token, body, status, names) in bad {
        let r = live.post("/v1/layers/events/features", token, &body);
        assert_eq!(
            r.status,
            status,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert!(r.message().contains(names), "{body}: {}", r.message());
    }
    assert_eq!(
        live.post("/v1/layers/events/features", "", &body).status,
        401
    );
    assert_eq!(
        live.post("/v1/layers/nothing/features", &live.editor, &body)
            .status,
        404
    );
    let raster = live.post("/v1/layers/values/features", &live.editor, &body);
    assert_eq!(raster.status, 400, "{}", raster.message());
    let r = request(
        live.addr,
        "POST",
        "/v1/layers/events/features",
        &[("Authorization", &format!("Bearer {}", live.editor))],
        b"{\"type\": ",
    );
    assert_eq!(r.status, 400);
    // nothing refused was stored
    assert_eq!(live.store.entities("events", 7).unwrap().len(), 0);
}

#[test]
fn a_layer_imported_by_another_process_is_served_within_a_second() {
    let live = Live::new();
    // another handle on the file: as the command line would open it
    let other = citygrid_store::open(live.dir.path().join("city.gpkg").to_str().unwrap()).unwrap();
    let started = Instant::now();
    other
        .add_layer(NewLayer {
            name: "houses".into(),
            kind: NewLayerKind::Entity {
                schema: LayerSchema::default(),
                entities: vec![Entity {
                    id: 0,
                    lon: X0 + 0.015,
                    lat: Y0 + 0.005,
                    values: vec![],
                }],
            },
            source: "cli".into(),
            author: "cli".into(),
            replace: false,
        })
        .unwrap();
    loop {
        let r = live.get("/v1/stats?layer=houses&level=cell");
        if r.status == 200 {
            assert_eq!(r.json()["rows"][1]["count"], 1, "the house is in A2");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_millis(1_500),
            "not served after {:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // a staff change by another process too
    other
        .commit_staff(StaffChange {
            author: "cli".into(),
            message: "m".into(),
            upsert: vec![StaffMember {
                id: "W1".into(),
                name: "李四".into(),
                role: StaffRole::CellWorker,
                phone: String::new(),
                cells: vec![code(B1)],
            }],
            ..StaffChange::default()
        })
        .unwrap();
    let started = Instant::now();
    while live.get(&format!("/v1/cells/{B1}/stats")).json()["staff"]
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(started.elapsed() < Duration::from_millis(1_500));
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_raster_by_path_whose_file_is_gone_is_named_and_the_rest_served() {
    let live = Live::new();
    let copy = live.dir.path().join("copy.tif");
    std::fs::copy(live.dir.path().join("values.tif"), &copy).unwrap();
    live.store
        .add_layer(NewLayer {
            name: "by_path".into(),
            kind: NewLayerKind::Raster {
                path: copy.clone(),
                band: 1,
                bytes: None,
            },
            source: "test".into(),
            author: "tester".into(),
            replace: false,
        })
        .unwrap();
    std::fs::remove_file(copy).unwrap();
    // The raster the store keeps a copy of needs no file.
    std::fs::remove_file(live.dir.path().join("values.tif")).unwrap();
    let addr = support::serve_store(Arc::clone(&live.store), false);
    let r = request(addr, "GET", "/v1/stats?layer=by_path", &[], b"");
    assert_eq!(r.status, 503);
    assert!(r.message().contains("copy.tif"), "{}", r.message());
    let kept = request(addr, "GET", "/v1/stats?layer=values", &[], b"");
    assert_eq!(kept.status, 200, "{}", kept.message());
    assert_eq!(
        request(addr, "GET", "/v1/stats?layer=events", &[], b"").status,
        200
    );
    let layers = request(addr, "GET", "/v1/layers", &[], b"").json();
    let listed = |name: &str| {
        layers["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .cloned()
            .unwrap()
    };
    assert!(
        listed("by_path")["error"]
            .as_str()
            .unwrap()
            .contains("copy.tif")
    );
    assert_eq!(listed("by_path")["stored_bytes"], Value::Null);
    assert!(listed("values")["stored_bytes"].as_u64().unwrap() > 0);
    assert!(listed("values").get("error").is_none());
}

#[test]
fn staff_changes_are_revisions_that_editors_make_in_their_district() {
    let live = Live::new();
    let person = |id: &str, cell: &str| json!({"id": id, "name": "王五", "role": "cell_worker", "phone": "1", "cells": [cell]});
    let r = live.post(
        "/v1/staff",
        &live.editor,
        &json!({"message": "new worker", "upsert": [person("W9", A1)]}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["revision"], 1);
    let r = live.post(
        "/v1/staff",
        &live.elsewhere,
        &json!({"message": "take over", "upsert": [person("W9", "520103001001001")]}),
    );
    assert_eq!(
        r.status,
        403,
        "W9 serves A1, outside 520103: {}",
        String::from_utf8_lossy(&r.body)
    );
    let r = live.post(
        "/v1/staff",
        &live.editor,
        &json!({"message": "x", "upsert": [person("W8", "520102009009009")]}),
    );
    assert_eq!(r.status, 400);
    assert!(r.message().contains("not a cell"), "{}", r.message());
    assert_eq!(
        live.post("/v1/staff", &live.editor, &json!({"upsert": []}))
            .status,
        400
    );
    assert_eq!(
        live.post("/v1/staff", &live.viewer, &json!({"message": "x"}))
            .status,
        403
    );
    let r = live.post(
        "/v1/staff",
        &live.editor,
        &json!({"message": "moved", "remove": ["W9"]}),
    );
    assert_eq!(r.json()["revision"], 2);
    assert_eq!(live.get(&format!("/v1/staff?cell={A1}")).json()["count"], 0);
    assert_eq!(
        live.get(&format!("/v1/staff?cell={A1}&revision=1")).json()["count"],
        1
    );
    assert_eq!(live.get("/v1/staff?revision=9").status, 404);
}
