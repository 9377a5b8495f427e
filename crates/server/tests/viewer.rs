//! What the web viewer asks of the server, called on the router in-process: cell
//! colours that differ between neighbours, search by code and name, coordinate
//! conversion, the viewer's settings, and the viewer's files at `/`.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

use citygrid_model::{CodeLayout, Level, Partition, Topology, UnitId};
use citygrid_server::{AppState, City, Config, Versions, router};
use citygrid_synth::SynthCity;
use citygrid_tiles::feature_id;

fn city() -> Arc<City> {
    static CITY: OnceLock<Arc<City>> = OnceLock::new();
    CITY.get_or_init(|| {
        let units = SynthCity::new(11)
            .cells(150)
            .vertices_per_cell(12)
            .extent_km(8.0, 8.0)
            .generate();
        let partition = Partition::new(units, CodeLayout::default()).unwrap();
        Arc::new(City::new(partition, "generated".into()).unwrap())
    })
    .clone()
}

/// A directory holding a stand-in for the built viewer.
fn viewer_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("citygrid-viewer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>citygrid viewer</title>",
    )
    .unwrap();
    std::fs::write(dir.join("viewer.js"), "export {};\n").unwrap();
    dir
}

fn app(config: Config) -> Router {
    let city = city();
    let versions =
        Versions::from_partition(city.partition.clone(), city.source.clone(), &config).unwrap();
    router(AppState::new(Arc::new(versions), config).unwrap())
}

struct Reply {
    status: StatusCode,
    content_type: String,
    allow: Option<String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

fn call(app: &Router, method: &str, uri: &str) -> Reply {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let allow = response
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_string());
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Reply {
            status,
            content_type,
            allow,
            body,
        }
    })
}

fn get(uri: &str) -> Reply {
    static APP: OnceLock<Router> = OnceLock::new();
    let app = APP.get_or_init(|| {
        app(Config {
            viewer_dir: viewer_dir(),
            ..Config::default()
        })
    });
    call(app, "GET", uri)
}

/// Feature id -> colour class, for one level of a `/v1/colours` answer.
fn colour_map(level: &Value) -> std::collections::HashMap<u64, usize> {
    let mut colour_of = std::collections::HashMap::new();
    for (c, ids) in level["classes"].as_array().unwrap().iter().enumerate() {
        for id in ids.as_array().unwrap() {
            assert!(
                colour_of.insert(id.as_u64().unwrap(), c).is_none(),
                "{id} twice"
            );
        }
    }
    colour_of
}

#[test]
fn every_unit_has_a_colour_and_neighbours_never_share_one() {
    let v = get("/v1/colours").json();
    let city = city();
    let p = &city.partition;
    for level in [
        Level::District,
        Level::Township,
        Level::Village,
        Level::Cell,
    ] {
        let name = level.as_str();
        let count = v[name]["count"].as_u64().unwrap();
        assert!((1..=6).contains(&count), "{name}: {count} colours");
        let colour_of = colour_map(&v[name]);
        let units: Vec<UnitId> = p.level_ids(level).collect();
        assert_eq!(colour_of.len(), units.len(), "{name}");
        let topology = Topology::build(units.iter().map(|&id| &p.unit(id).geometry)).unwrap();
        let colour = |face: u32| colour_of[&feature_id(&p.unit(units[face as usize]).code)];
        let mut pairs = 0;
        for f in 0..units.len() as u32 {
            for g in topology.neighbours(f) {
                assert_ne!(colour(f), colour(g), "{name}: {f} and {g} touch");
                pairs += 1;
            }
        }
        if level == Level::Cell {
            assert!(count >= 3, "cells need at least three colours here");
            assert!(pairs > units.len(), "the city has neighbours to tell apart");
        }
    }
}

#[test]
fn search_finds_a_code_first_and_names_by_any_part() {
    let city = city();
    let p = &city.partition;
    let village = p.unit(p.level_ids(Level::Village).nth(3).unwrap());
    let r = get(&format!("/v1/search?q={}", village.code));
    assert_eq!(r.status, 200);
    let v = r.json();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results[0]["code"], village.code.as_str());
    assert_eq!(results[0]["level"], "village");
    // Then its cells, whose codes start with it.
    assert!(results.len() > 1);
    assert!(results[1..].iter().all(|r| {
        r["level"] == "cell"
            && r["code"]
                .as_str()
                .unwrap()
                .starts_with(village.code.as_str())
    }));
    let [w, s, e, n] = [0, 1, 2, 3].map(|i| results[0]["bbox"][i].as_f64().unwrap());
    assert!(w < e && s < n);
    assert_eq!(results[0]["ancestors"][0]["level"], "township");

    // Part of a name, in another case: villages before cells, at most `limit`.
    let part = village.name.to_uppercase();
    let part = &part[..part.len() - 1];
    let v = get(&format!(
        "/v1/search?q={}&limit=3",
        part.replace(' ', "%20")
    ))
    .json();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert!(
        results.iter().all(|r| r["name"]
            .as_str()
            .unwrap()
            .starts_with(&village.name[..village.name.len() - 1])),
        "{results:?}"
    );
    assert_eq!(results[0]["level"], "village");

    assert_eq!(
        get("/v1/search?q=nothing-like-this").json()["results"],
        serde_json::json!([])
    );
    for bad in [
        "/v1/search",
        "/v1/search?q=%20",
        "/v1/search?q=1&limit=0",
        "/v1/search?q=1&limit=51",
    ] {
        let r = get(bad);
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json()["error"]["kind"], "bad_request", "{bad}");
    }
}

#[test]
fn convert_gives_the_gcj02_of_a_wgs84_point_and_back() {
    let v = get("/v1/convert?lon=106.71&lat=26.58&to=gcj02").json();
    let gcj = citygrid_crs::Transform::new(citygrid_crs::Crs::Gcj02).unwrap();
    let (x, y) = gcj.from_wgs84(106.71, 26.58).unwrap();
    assert_eq!(v["to"]["crs"], "gcj02");
    assert_eq!(v["from"]["crs"], "wgs84");
    assert!((v["to"]["lon"].as_f64().unwrap() - x).abs() < 1e-12);
    assert!((v["to"]["lat"].as_f64().unwrap() - y).abs() < 1e-12);
    // About 400 m east and 300 m south near Guiyang.
    assert!((0.003..0.005).contains(&(x - 106.71)) && (-0.004..-0.002).contains(&(y - 26.58)));
    let back = get(&format!("/v1/convert?lon={x}&lat={y}&from=gcj02")).json();
    assert!((back["to"]["lon"].as_f64().unwrap() - 106.71).abs() < 1e-8);
    assert_eq!(get("/v1/convert?lon=1&lat=2&to=nowhere").status, 400);
    assert_eq!(get("/v1/convert?lon=1").status, 400);
}

#[test]
fn the_viewer_config_has_no_basemap_unless_one_is_set() {
    let r = get("/v1/viewer-config.json");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["basemap"], Value::Null);
    assert_eq!(v["cells"], 150);
    let households = &v["choropleths"][0];
    assert_eq!(households["attribute"], "households");
    let breaks: Vec<f64> = households["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_f64().unwrap())
        .collect();
    assert!(
        !breaks.is_empty() && breaks.windows(2).all(|w| w[0] < w[1]),
        "{breaks:?}"
    );
    assert!(households["min"].as_f64().unwrap() < breaks[0]);
    assert!(households["max"].as_f64().unwrap() >= breaks[breaks.len() - 1]);

    let with_basemap = app(Config {
        basemap_url: Some("http://127.0.0.1:9/{z}/{x}/{y}.png".into()),
        basemap_attribution: Some("test basemap".into()),
        ..Config::default()
    });
    let v = call(&with_basemap, "GET", "/v1/viewer-config.json").json();
    assert_eq!(
        v["basemap"]["tiles"][0],
        "http://127.0.0.1:9/{z}/{x}/{y}.png"
    );
    assert_eq!(v["basemap"]["attribution"], "test basemap");
}

#[test]
fn the_viewer_is_served_at_the_root_and_unknown_paths_stay_json_404s() {
    let r = get("/");
    assert_eq!(r.status, 200);
    assert!(
        r.content_type.starts_with("text/html"),
        "{}",
        r.content_type
    );
    assert!(String::from_utf8_lossy(&r.body).contains("citygrid viewer"));
    assert!(get("/viewer.js").content_type.contains("javascript"));
    for path in ["/v1/nothing", "/../Cargo.toml", "/nothing.js"] {
        let r = get(path);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["error"]["kind"], "not_found", "{path}");
    }
    let missing = app(Config {
        viewer_dir: PathBuf::from("/nonexistent/citygrid-viewer"),
        ..Config::default()
    });
    let r = call(&missing, "GET", "/");
    assert_eq!(r.status, 404);
    let message = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("not built") && message.contains("scripts/viewer.sh"),
        "{message}"
    );
    assert_eq!(call(&missing, "POST", "/v1/nothing").status, 404);
}

#[test]
fn other_methods_on_the_viewer_files_are_405_with_allow_and_unknown_paths_404() {
    let app = app(Config {
        viewer_dir: viewer_dir(),
        ..Config::default()
    });
    for (method, path) in [
        ("PUT", "/"),
        ("DELETE", "/viewer.js"),
        ("PATCH", "/index.html"),
    ] {
        let r = call(&app, method, path);
        assert_eq!(r.status, 405, "{method} {path}");
        assert_eq!(r.allow.as_deref(), Some("GET, HEAD"), "{method} {path}");
        let message = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(
            message.starts_with(&format!("method {method} is not allowed on")),
            "{message}"
        );
    }
    assert_eq!(call(&app, "PUT", "/nothing.js").status, 404);
    // A route's own method router: 405, its Allow, and the same JSON shape.
    let r = call(&app, "DELETE", "/v1/lookup");
    assert_eq!(r.status, 405);
    let allow = r.allow.clone().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert_eq!(r.json()["error"]["kind"], "method_not_allowed");
    assert_eq!(
        r.json()["error"]["message"],
        format!("method DELETE is not allowed on \"/v1/lookup\"; it answers {allow}")
    );
    // axum's own rejection of a path that is not UTF-8 is JSON too.
    let r = call(&app, "GET", "/v1/cells/%FF");
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(r.content_type, "application/json");
}
