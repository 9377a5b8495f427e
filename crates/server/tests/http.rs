//! The real server on a free port, called over HTTP: answers, errors (snapshotted),
//! limits, CORS, gzip, metrics, and the OpenAPI document matching the routes.

mod support;

use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use geo::InteriorPoint;
use serde_json::{Value, json};

use citygrid_model::Level;
use citygrid_server::{City, Config};
use support::{Reply, generated_partition, start, tile_at};

/// One server for all tests (a 300-cell generated city), started once.
fn server() -> &'static (SocketAddr, Arc<City>) {
    static SERVER: OnceLock<(SocketAddr, Arc<City>)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let config = Config {
            max_batch_points: 1_000,
            max_body_bytes: 64 * 1024,
            allowed_hosts: vec!["test".into()],
            ..Config::default()
        };
        start(generated_partition(), config)
    })
}

/// One request, `Host: test`, on a connection of its own.
fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    support::request(server().0, method, path, headers, body)
}

fn get(path: &str) -> Reply {
    request("GET", path, &[], b"")
}

fn post(path: &str, body: &Value) -> Reply {
    request(
        "POST",
        path,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

/// A point inside a known cell, and that cell's code.
fn known_point() -> ((f64, f64), String) {
    let (_, city) = server();
    let id = city.partition.level_ids(Level::Cell).nth(17).unwrap();
    let u = city.partition.unit(id);
    let p = u.geometry.interior_point().unwrap();
    ((p.x(), p.y()), u.code.to_string())
}

#[test]
fn a_point_resolves_to_its_cell_with_its_parents() {
    let ((lon, lat), code) = known_point();
    let r = get(&format!("/v1/lookup?lon={lon}&lat={lat}"));
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["cell"]["code"], code.as_str());
    let levels: Vec<&str> = v["cell"]["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["village", "township", "district", "city"]);
    assert!(v["cell"]["attributes"]["households"].is_number());
}

#[test]
fn gcj02_and_bd09_points_resolve_like_their_wgs84_originals() {
    let ((lon, lat), code) = known_point();
    for crs in ["gcj02", "bd09", "epsg:3857", "epsg:4545"] {
        let t = citygrid_crs::Transform::new(crs.parse().unwrap()).unwrap();
        let (x, y) = t.from_wgs84(lon, lat).unwrap();
        let r = get(&format!("/v1/lookup?lon={x}&lat={y}&crs={crs}"));
        assert_eq!(r.status, 200, "{crs}: {}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["cell"]["code"], code.as_str(), "{crs}");
    }
}

#[test]
fn outside_the_city_is_404_or_the_nearest_cell_when_asked() {
    let r = get("/v1/lookup?lon=100.0&lat=20.0");
    assert_eq!(r.status, 404);
    insta::assert_json_snapshot!("outside", r.json());
    // Just west of the city's west edge.
    let (_, city) = server();
    let west = city
        .partition
        .units()
        .iter()
        .filter(|u| u.level == Level::Cell)
        .flat_map(|u| u.geometry.0[0].exterior().0.iter())
        .map(|c| c.x)
        .fold(f64::INFINITY, f64::min);
    let r = get(&format!(
        "/v1/lookup?lon={}&lat=26.6&near=500",
        west - 0.001
    ));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["outside"], true);
    assert!(v["distance_m"].as_f64().unwrap() < 500.0);
}

#[test]
fn a_batch_answers_in_input_order_with_nulls_outside() {
    let ((lon, lat), code) = known_point();
    let r = post(
        "/v1/lookup",
        &json!({"points": [[lon, lat], [100.0, 20.0], [lon, lat]]}),
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["code"], code.as_str());
    assert!(results[1].is_null());
    let codes = post(
        "/v1/lookup",
        &json!({"fields": "code", "points": [[lon, lat], [100.0, 20.0]]}),
    )
    .json();
    assert_eq!(codes["results"], json!([code, null]));
}

#[test]
fn a_feature_collection_comes_back_with_cell_codes() {
    let ((lon, lat), code) = known_point();
    let fc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"case": 12345}, "geometry": {"type": "Point", "coordinates": [lon, lat]}},
        {"type": "Feature", "properties": null, "geometry": {"type": "Point", "coordinates": [100.0, 20.0]}}
    ]});
    let v = post("/v1/lookup", &fc).json();
    assert_eq!(v["features"][0]["properties"]["case"], 12345);
    assert_eq!(v["features"][0]["properties"]["cell"], code.as_str());
    assert!(v["features"][1]["properties"]["cell"].is_null());
}

#[test]
fn malformed_requests_get_a_4xx_that_names_the_problem() {
    let cases: Vec<(&str, Reply)> = vec![
        ("missing_lat", get("/v1/lookup?lon=106.7")),
        ("not_a_number", get("/v1/lookup?lon=abc&lat=26.6")),
        ("nan", get("/v1/lookup?lon=NaN&lat=26.6")),
        ("infinite", get("/v1/lookup?lon=inf&lat=26.6")),
        ("out_of_range", get("/v1/lookup?lon=500000&lat=2940000")),
        (
            "unknown_crs",
            get("/v1/lookup?lon=106.7&lat=26.6&crs=epsg:9999"),
        ),
        (
            "near_too_far",
            get("/v1/lookup?lon=106.7&lat=26.6&near=99999999"),
        ),
        (
            "bad_json",
            request("POST", "/v1/lookup", &[], b"{\"points\": [[1,2],]}"),
        ),
        ("not_an_object", post("/v1/lookup", &json!([1, 2]))),
        ("no_points", post("/v1/lookup", &json!({"crs": "wgs84"}))),
        (
            "wrong_types",
            post("/v1/lookup", &json!({"points": [[106.7, 26.6], ["a", 1]]})),
        ),
        (
            "bad_fields",
            post("/v1/lookup", &json!({"fields": "everything", "points": []})),
        ),
        (
            "unknown_key",
            post("/v1/lookup", &json!({"point": [[106.7, 26.6]]})),
        ),
        (
            "four_numbers",
            post("/v1/lookup", &json!({"points": [[106.7, 26.6, 0.0, 1.0]]})),
        ),
        (
            "properties_not_an_object",
            post(
                "/v1/lookup",
                &json!({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": [1], "geometry": {"type": "Point", "coordinates": [106.7, 26.6]}}]}),
            ),
        ),
        (
            "too_many_points",
            post("/v1/lookup", &json!({"points": vec![[106.7, 26.6]; 1001]})),
        ),
        (
            "not_points",
            post(
                "/v1/lookup",
                &json!({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": []}}]}),
            ),
        ),
        ("unknown_code", get("/v1/cells/520101999999999")),
        ("bad_code", get("/v1/units/%20x")),
        ("bad_bbox", get("/v1/cells?bbox=1,2,3")),
        ("bad_level", get("/v1/cells?level=street-corner")),
        ("bad_limit", get("/v1/cells?limit=0")),
        ("no_such_route", get("/v2/everything")),
        ("tile_not_a_number", get("/v1/tiles/a/0/0.mvt")),
        ("tile_out_of_range", get("/v1/tiles/3/9/0.mvt")),
        ("tile_wrong_format", get("/v1/tiles/3/0/0.png")),
        ("tile_too_deep", get("/v1/tiles/17/0/0.mvt")),
        ("tile_beyond_the_pyramid", get("/v1/tiles/25/0/0.mvt")),
        ("tile_wrong_crs", get("/v1/tiles/3/0/0.mvt?crs=bd09")),
        ("tile_missing_y", get("/v1/tiles/3/0")),
        ("tilejson_unknown_crs", get("/v1/tiles.json?crs=mars")),
    ];
    for (name, r) in cases {
        assert!((400..500).contains(&r.status), "{name}: {}", r.status);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json"),
            "{name}"
        );
        insta::assert_json_snapshot!(name, r.json());
    }
}

#[test]
fn a_huge_body_is_refused_with_the_limit_in_the_message() {
    let body = vec![b' '; 70 * 1024];
    let r = request("POST", "/v1/lookup", &[], &body);
    assert_eq!(r.status, 413);
    assert!(r.message().contains("65536 bytes"));
}

#[test]
fn cells_come_as_geojson_features_and_pages() {
    let (_, code) = known_point();
    let f = get(&format!("/v1/cells/{code}")).json();
    assert_eq!(f["type"], "Feature");
    assert_eq!(f["properties"]["code"], code.as_str());
    assert_eq!(f["geometry"]["type"], "MultiPolygon");
    let page = get("/v1/cells?bbox=106.0,26.0,107.5,27.5&limit=50").json();
    assert_eq!(page["numberReturned"], 50);
    assert_eq!(page["next_offset"], 50);
    let all = page["numberMatched"].as_u64().unwrap();
    let last = get(&format!(
        "/v1/cells?bbox=106.0,26.0,107.5,27.5&limit=50&offset={}",
        all - 10
    ))
    .json();
    assert_eq!(last["numberReturned"], 10);
    assert!(last["next_offset"].is_null());
    let districts = get("/v1/cells?level=district").json();
    assert!(districts["numberMatched"].as_u64().unwrap() >= 1);
}

#[test]
fn units_list_their_ancestors_and_children() {
    let (_, code) = known_point();
    let village = &code[..12];
    let v = get(&format!("/v1/units/{village}")).json();
    assert_eq!(v["level"], "village");
    assert!(
        v["children"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == code.as_str())
    );
    assert_eq!(v["ancestors"][0]["level"], "township");
    assert!(v["area_m2"].as_f64().unwrap() > 0.0);
}

#[test]
fn operations_endpoints_answer() {
    assert_eq!(get("/healthz").json()["status"], "ok");
    let ready = get("/readyz").json();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["cells"], 300);
    get("/v1/lookup?lon=100&lat=20");
    let m = get("/metrics");
    let text = String::from_utf8_lossy(&m.body);
    assert!(
        text.contains(
            "citygrid_http_requests_total{route=\"/v1/lookup\",method=\"GET\",status=\"404\"}"
        ),
        "{text}"
    );
    assert!(text.contains("citygrid_cells 300"));
}

#[test]
fn gzip_and_cors_are_on() {
    let r = request(
        "GET",
        "/v1/cells?limit=100",
        &[
            ("Accept-Encoding", "gzip"),
            ("Origin", "https://map.example"),
        ],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
}

#[test]
fn the_openapi_document_lists_exactly_the_routes() {
    let doc = get("/openapi.json").json();
    let mut documented: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    documented.sort();
    let mut served = vec![
        "/docs",
        "/healthz",
        "/metrics",
        "/openapi.json",
        "/readyz",
        "/v1/cells",
        "/v1/cells/{code}",
        "/v1/cells/{code}/history",
        "/v1/diff",
        "/v1/edits",
        "/v1/lookup",
        "/v1/revert",
        "/v1/versions",
        "/v1/versions/{n}",
        "/v1/v/{version}/tiles/{z}/{x}/{y}.mvt",
        "/v1/v/{version}/tiles.json",
        "/v1/units/{code}",
        "/v1/tiles/{z}/{x}/{y}.mvt",
        "/v1/tiles.json",
        "/v1/style.json",
        "/v1/search",
        "/v1/convert",
        "/v1/colours",
        "/v1/viewer-config.json",
        "/v1/whoami",
        "/v1/stats",
        "/v1/cells/{code}/stats",
        "/v1/layers",
        "/v1/layers/{name}",
        "/v1/layers/{name}/features",
        "/v1/staff",
        "/v1/cells/{code}/3dtiles/{name}/tileset.json",
        "/v1/3dtiles/{name}/coverage",
        "/v1/3dtiles/{name}/{path}",
        "/v1/layers/{name}/tiles.json",
        "/v1/layers/{name}/tiles/{z}/{x}/{y}.png",
    ];
    served.sort_unstable();
    assert_eq!(documented, served);
    for path in served.iter().filter(|p| !p.contains('{')) {
        // Versions and diffs answer 404 here (a file, not a store), but not this.
        let r = get(path);
        assert!(
            !String::from_utf8_lossy(&r.body).contains("no such endpoint"),
            "{path} is documented but not served"
        );
    }
    assert_eq!(
        get("/docs").header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
}

#[test]
fn the_ogc_api_document_lists_exactly_the_ogc_routes_and_pages_cover_every_cell() {
    let doc = get("/ogc/api").json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.0"));
    let mut documented: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    documented.sort();
    assert_eq!(
        documented,
        [
            "/ogc",
            "/ogc/api",
            "/ogc/collections",
            "/ogc/collections/{collectionId}",
            "/ogc/collections/{collectionId}/items",
            "/ogc/collections/{collectionId}/items/{featureId}",
            "/ogc/conformance",
        ]
    );
    // Following `next` links from the first page reaches every cell once.
    let mut url = "/ogc/collections/cells/items?limit=7".to_string();
    let mut seen = Vec::new();
    let mut matched = Vec::new();
    loop {
        let page = get(&url);
        assert_eq!(page.status, 200, "{url}");
        assert_eq!(
            page.header("content-crs").as_deref(),
            Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
        );
        let body = page.json();
        matched.push(body["numberMatched"].as_u64().unwrap());
        let features = body["features"].as_array().unwrap();
        assert_eq!(
            body["numberReturned"].as_u64().unwrap(),
            features.len() as u64
        );
        seen.extend(
            features
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_string()),
        );
        let next = body["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| l["href"].as_str().unwrap().to_string());
        match next {
            // Links are absolute: keep the path and query.
            Some(href) => url = href[href.find("/ogc").unwrap()..].to_string(),
            None => break,
        }
    }
    let cells = get("/v1/cells?limit=1").json()["numberMatched"]
        .as_u64()
        .unwrap();
    assert!(matched.iter().all(|&m| m == cells), "{matched:?}");
    assert_eq!(seen.len() as u64, cells);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len() as u64, cells, "each cell once");
    // An ETag, and 304 for it.
    let first = get("/ogc/collections/cells/items?limit=7");
    let etag = first.header("etag").unwrap();
    let again = request(
        "GET",
        "/ogc/collections/cells/items?limit=7",
        &[("If-None-Match", &etag)],
        b"",
    );
    assert_eq!(again.status, 304);
}

/// The zoom-12 tile over the middle of the city.
fn middle_tile() -> String {
    let ((lon, lat), _) = known_point();
    tile_at(lon, lat, 12)
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn tiles_come_gzipped_with_an_etag_and_revalidate_to_304() {
    let t = middle_tile();
    let path = format!("/v1/tiles/{t}.mvt");
    let r = request("GET", &path, &[("Accept-Encoding", "gzip")], b"");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/vnd.mapbox-vector-tile")
    );
    assert_eq!(r.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("public, max-age=60")
    );
    let etag = r.header("etag").unwrap();
    assert!(etag.starts_with("W/\""), "{etag}");
    // The bytes are the tiler's, whether gzipped or not.
    let (_, city) = server();
    let tiler = citygrid_tiles::Tiler::new(
        city.partition.clone(),
        citygrid_tiles::TileOptions::default(),
    )
    .unwrap();
    let expected = tiler.tile(t.parse().unwrap());
    assert!(!expected.is_empty());
    assert_eq!(gunzip(&r.body), expected);
    let plain = get(&path);
    assert_eq!(plain.body, expected);
    assert_eq!(plain.header("etag").as_deref(), Some(etag.as_str()));
    let again = request("GET", &path, &[("If-None-Match", &etag)], b"");
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let other = request(
        "GET",
        &path,
        &[("If-None-Match", "W/\"0000000000000000\"")],
        b"",
    );
    assert_eq!(other.status, 200);
    // GCJ-02 tiles are shifted by a few hundred metres: different bytes.
    let gcj = get(&format!("{path}?crs=gcj02"));
    assert!(gcj.status == 200 || gcj.status == 204);
    assert_ne!(gcj.body, expected);
}

#[test]
fn tiles_away_from_the_city_are_empty() {
    let r = get("/v1/tiles/12/0/0.mvt");
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    assert!(r.header("etag").is_some());
}

#[test]
fn tilejson_and_style_describe_the_layers() {
    let tj = get("/v1/tiles.json").json();
    insta::assert_json_snapshot!("tilejson", tj);
    assert_eq!(tj["tiles"][0], "http://test/v1/v/1/tiles/{z}/{x}/{y}.mvt");
    let style = get("/v1/style.json?crs=gcj02").json();
    assert_eq!(style["version"], 8);
    assert!(
        style["sources"]["citygrid"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/v1/v/1/tiles.json?crs=gcj02")
    );
    assert!(style.get("glyphs").is_none() && style.get("sprite").is_none());
    let layers: Vec<&str> = style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["source-layer"].as_str())
        .collect();
    for l in ["districts", "townships", "villages", "cells", "labels"] {
        assert!(layers.contains(&l), "{l}");
    }
    let m = get("/metrics");
    assert!(String::from_utf8_lossy(&m.body).contains("citygrid_tile_cache_entries"));
}

#[test]
fn a_partition_file_is_one_version_with_no_history() {
    let ((lon, lat), code) = known_point();
    let one = get(&format!("/v1/lookup?lon={lon}&lat={lat}&version=1"));
    assert_eq!((one.status, one.version()), (200, 1));
    assert_eq!(one.json()["cell"]["code"], code.as_str());
    for path in [
        format!("/v1/lookup?lon={lon}&lat={lat}&version=2"),
        format!("/v1/cells/{code}?at=2026-03-01T00:00:00Z"),
        "/v1/versions".to_string(),
        format!("/v1/cells/{code}/history"),
        "/v1/diff?from=1&to=1".to_string(),
    ] {
        let r = get(&path);
        assert_eq!(r.status, 404, "{path}");
        let message = r.message();
        assert!(message.contains("generated"), "{path}: {message}");
    }
}
