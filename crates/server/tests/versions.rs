//! A server following a real store (a GeoPackage in a temporary folder), called over
//! HTTP while other handles on the store commit to it, as another process would:
//! every read as of a version or a time, versions and histories, diffs and the area
//! that moved, versioned tiles and their ETags, tokens, and answers that never mix
//! two versions.
//!
//! The city is four square cells of one village, small enough to check by hand:
//!
//! ```text
//!  26.52 +------+------+
//!        |  NW  |  NE  |
//!  26.51 +------+------+      each 0.01° by 0.01° (about 996 m by 1,109 m)
//!        |  SW  |  SE  |
//!  26.50 +------+------+
//!     106.70 106.71 106.72
//! ```

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use geo_types::{LineString, MultiPolygon, Polygon};
use serde_json::{Value, json};

use citygrid_model::measure::area_m2;
use citygrid_model::{AttrValue, CodeLayout, Level, Partition, Unit, UnitCode};
use citygrid_server::{ApiError, AppState, Caller, Config, Versions, router, watch};
use citygrid_store::{Commit, Role, Store};
use support::{Reply, request, tile_at};

const X0: f64 = 106.70;
const Y0: f64 = 26.50;
const D: f64 = 0.01;
/// Where `transfer` moves the border between NW and NE to.
const XT: f64 = X0 + 0.008;

const NW: &str = "520102001001001";
const NE: &str = "520102001001002";
const SW: &str = "520102001001003";
const SE: &str = "520102001001004";

/// The middle of each cell, NW, NE, SW, SE.
const MIDDLES: [(f64, f64); 4] = [
    (X0 + 0.005, Y0 + 0.015),
    (X0 + 0.015, Y0 + 0.015),
    (X0 + 0.005, Y0 + 0.005),
    (X0 + 0.015, Y0 + 0.005),
];

fn shape(points: &[(f64, f64)]) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        LineString::from(points.to_vec()),
        vec![],
    )])
}

/// The cells' shapes with the border between NW and NE at `border` (X0 + D, or
/// XT after `transfer`). Every edge two cells share has the same vertices in both
/// (at XT and X0 + D along 26.51), so each version is a clean coverage; NW has one
/// at XT on its north edge too, so that its area before is exactly its area after
/// plus the strip's (edges are geodesics: without it, they differ by 3 m²).
fn shapes(border: f64) -> [MultiPolygon<f64>; 4] {
    let (x1, x2, y1, y2) = (X0 + D, X0 + 2.0 * D, Y0 + D, Y0 + 2.0 * D);
    let (nw, ne) = if border == x1 {
        (
            shape(&[(X0, y1), (XT, y1), (x1, y1), (x1, y2), (XT, y2), (X0, y2)]),
            shape(&[(x1, y1), (x2, y1), (x2, y2), (x1, y2)]),
        )
    } else {
        (
            shape(&[(X0, y1), (XT, y1), (XT, y2), (X0, y2)]),
            shape(&[(XT, y1), (x1, y1), (x2, y1), (x2, y2), (XT, y2)]),
        )
    };
    [
        nw,
        ne,
        shape(&[(X0, Y0), (x1, Y0), (x1, y1), (XT, y1), (X0, y1)]),
        shape(&[(x1, Y0), (x2, Y0), (x2, y1), (x1, y1)]),
    ]
}

fn code(c: &str) -> UnitCode {
    c.parse().unwrap()
}

fn city() -> Partition {
    let whole = shape(&[
        (X0, Y0),
        (X0 + 2.0 * D, Y0),
        (X0 + 2.0 * D, Y0 + 2.0 * D),
        (X0, Y0 + 2.0 * D),
    ]);
    let mut units = vec![
        Unit::new(code("520102"), Level::District, whole.clone()).with_name("南明区"),
        Unit::new(code("520102001"), Level::Township, whole.clone()).with_parent(code("520102")),
        Unit::new(code("520102001001"), Level::Village, whole).with_parent(code("520102001")),
    ];
    for (i, (c, g)) in [NW, NE, SW, SE].iter().zip(shapes(X0 + D)).enumerate() {
        units.push(
            Unit::new(code(c), Level::Cell, g)
                .with_parent(code("520102001001"))
                .with_attribute("households", AttrValue::Number(100.0 * (i + 1) as f64)),
        );
    }
    Partition::new(units, CodeLayout::default()).unwrap()
}

/// A server on a store of [`city`], following it.
struct Live {
    addr: SocketAddr,
    path: String,
    versions: Arc<Versions>,
    _dir: tempfile::TempDir,
}

impl Live {
    fn new(config: Config) -> Live {
        Live::with_routes(config, Router::new)
    }

    /// With routes of the test's own beside the server's (they get the state but
    /// not the server's layers). The test client's Host, `test`, is allowed.
    fn with_routes(mut config: Config, extra: impl FnOnce() -> Router<AppState>) -> Live {
        config.allowed_hosts.push("test".into());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.gpkg").to_string_lossy().into_owned();
        citygrid_store::init(&path, &city(), "tester", "four cells").unwrap();
        let store: Arc<dyn Store> = Arc::from(citygrid_store::open(&path).unwrap());
        let versions = Arc::new(Versions::from_store(store, &config).unwrap());
        let following = Arc::clone(&versions);
        let state = AppState::new(Arc::clone(&versions), config).unwrap();
        let app = router(state.clone()).merge(extra().with_state(state));
        let addr = support::serve(app, move || watch::spawn(&following));
        Live {
            addr,
            path,
            versions,
            _dir: dir,
        }
    }

    fn get(&self, path: &str) -> Reply {
        request(self.addr, "GET", path, &[], b"")
    }

    fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        request(self.addr, "GET", path, headers, b"")
    }

    fn post(&self, path: &str, body: &Value) -> Reply {
        request(self.addr, "POST", path, &[], body.to_string().as_bytes())
    }

    /// Another handle on the store, as another process has.
    fn store(&self) -> Box<dyn Store> {
        citygrid_store::open(&self.path).unwrap()
    }

    /// Waits until lookups answer from `version`; how long that took.
    fn wait_for(&self, version: u64) -> Duration {
        self.wait_until(|| self.get("/healthz").version() >= version)
    }

    /// Waits until the head's tiles are of `version`.
    fn wait_for_tiles(&self, version: u64) {
        self.wait_until(|| self.get("/v1/tiles.json").version() >= version);
    }

    fn wait_until(&self, done: impl Fn() -> bool) -> Duration {
        let started = Instant::now();
        while !done() {
            assert!(started.elapsed() < Duration::from_secs(20), "timed out");
            std::thread::sleep(Duration::from_millis(5));
        }
        started.elapsed()
    }
}

fn unit_of(store: &dyn Store, base: u64, c: &str) -> Unit {
    store
        .load(base)
        .unwrap()
        .get(&code(c))
        .unwrap()
        .as_ref()
        .clone()
}

/// Commits one cell's households; returns the new version.
fn set_households(store: &dyn Store, base: u64, c: &str, n: f64) -> u64 {
    let cell = unit_of(store, base, c).with_attribute("households", AttrValue::Number(n));
    let commit = Commit::new(base, "tester", format!("{c}: {n} households")).upsert(cell);
    store.commit(commit).unwrap().version
}

/// Commits two cells swapping shapes.
fn swap(store: &dyn Store, base: u64, a: &str, b: &str) -> u64 {
    let (mut ua, mut ub) = (unit_of(store, base, a), unit_of(store, base, b));
    std::mem::swap(&mut ua.geometry, &mut ub.geometry);
    let commit = Commit::new(base, "tester", format!("{a} and {b} swap"))
        .upsert(ua)
        .upsert(ub);
    store.commit(commit).unwrap().version
}

/// Commits the border between NW and NE moved west to XT.
fn transfer(store: &dyn Store, base: u64) -> u64 {
    let [nw, ne, _, _] = shapes(XT);
    let mut commit = Commit::new(base, "tester", "the strip west of 106.71 goes to NE");
    for (c, g) in [(NW, nw), (NE, ne)] {
        let mut u = unit_of(store, base, c);
        u.geometry = g;
        commit = commit.upsert(u);
    }
    store.commit(commit).unwrap().version
}

fn households(v: &Value) -> f64 {
    v["households"].as_f64().unwrap()
}

#[test]
fn every_read_answers_as_of_a_version_or_a_time() {
    let live = Live::new(Config::default());
    let store = live.store();
    // Versions a few milliseconds apart, so that each has its own time.
    std::thread::sleep(Duration::from_millis(5));
    let v2 = set_households(store.as_ref(), 1, NW, 999.0);
    std::thread::sleep(Duration::from_millis(5));
    let v3 = swap(store.as_ref(), v2, NW, NE);
    live.wait_for(v3);
    let time = |v: u64| store.version(v).unwrap().created_at;
    let (lon, lat) = MIDDLES[0];
    // (query, version, the cell at NW's middle, its households, NW's households)
    let cases = [
        (String::new(), 3, NE, 200.0, 999.0),
        ("version=1".into(), 1, NW, 100.0, 100.0),
        ("version=2".into(), 2, NW, 999.0, 999.0),
        (format!("at={}", time(2)), 2, NW, 999.0, 999.0),
        (format!("at={}", time(1)), 1, NW, 100.0, 100.0),
        (format!("at={}", time(3)), 3, NE, 200.0, 999.0),
    ];
    for (query, version, cell, cell_households, nw_households) in cases {
        let lookup = live.get(&format!("/v1/lookup?lon={lon}&lat={lat}&{query}"));
        assert_eq!(lookup.status, 200, "{query}");
        assert_eq!(lookup.version(), version, "{query}");
        let v = lookup.json();
        assert_eq!(v["version"], version, "{query}");
        assert_eq!(v["cell"]["code"], cell, "{query}");
        assert_eq!(households(&v["cell"]["attributes"]), cell_households);
        let batch = live.post(
            &format!("/v1/lookup?{query}"),
            &json!({"points": [[lon, lat]]}),
        );
        assert_eq!(
            (batch.version(), batch.json()["version"].as_u64()),
            (version, Some(version))
        );
        assert_eq!(batch.json()["results"][0]["code"], cell, "{query}");
        let fc = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": null, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
        ]});
        let answered = live.post(&format!("/v1/lookup?{query}"), &fc).json();
        assert_eq!(answered["features"][0]["properties"]["cell"], cell);
        assert_eq!(answered["version"], version);
        let feature = live.get(&format!("/v1/cells/{NW}?{query}"));
        assert_eq!(feature.version(), version);
        let feature = feature.json();
        assert_eq!(feature["version"], version);
        assert_eq!(
            households(&feature["properties"]["attributes"]),
            nw_households
        );
        let unit = live.get(&format!("/v1/units/{NW}?{query}")).json();
        assert_eq!(
            (unit["version"].as_u64(), households(&unit["attributes"])),
            (Some(version), nw_households)
        );
        let page = live.get(&format!("/v1/cells?{query}")).json();
        assert_eq!(
            (page["version"].as_u64(), page["numberMatched"].as_u64()),
            (Some(version), Some(4))
        );
        let found = live.get(&format!("/v1/search?q={NW}&{query}")).json();
        assert_eq!(found["version"], version);
    }
    // An offset time, its + sent as %2B: 8 hours ahead of UTC.
    let east = time(2).to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
    let asked = east
        .strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
        .replace('+', "%2B");
    assert_eq!(
        live.get(&format!("/v1/units/{NW}?at={asked}")).version(),
        2,
        "{asked}"
    );

    let before_v1 = time(1) - jiff::SignedDuration::from_hours(1);
    for (query, status, named) in [
        ("version=99".to_string(), 404, "version 99"),
        ("version=0".into(), 400, "version=\"0\""),
        ("version=two".into(), 400, "version=\"two\""),
        (format!("at={before_v1}"), 404, "version 1 was made at"),
        ("at=1%20March".into(), 400, "at=\"1 March\""),
        (format!("version=2&at={}", time(2)), 400, "not both"),
    ] {
        for path in [
            "/v1/lookup?lon=106.705&lat=26.515&",
            "/v1/units/520102?",
            "/v1/cells?",
        ] {
            let r = live.get(&format!("{path}{query}"));
            assert_eq!(r.status, status, "{path}{query}");
            let message = r.message();
            assert!(message.contains(named), "{path}{query}: {message}");
        }
    }
}

#[test]
fn versions_and_histories_list_every_version_with_its_time() {
    let live = Live::new(Config::default());
    let store = live.store();
    let v2 = set_households(store.as_ref(), 1, NW, 999.0);
    let v3 = transfer(store.as_ref(), v2);
    let all = live.get("/v1/versions").json();
    assert_eq!(all["head"], v3);
    let numbers: Vec<u64> = all["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert_eq!(all["versions"][0]["changed"], json!([NW, NE]));
    assert_eq!(all["versions"][0]["author"], "tester");
    assert_eq!(all["versions"][2]["kind"], "init");
    assert!(all["next_before"].is_null());
    let first = live.get("/v1/versions?limit=2").json();
    assert_eq!(
        (
            first["versions"].as_array().unwrap().len(),
            first["next_before"].as_u64()
        ),
        (2, Some(2))
    );
    let rest = live.get("/v1/versions?limit=2&before=2").json();
    assert_eq!(rest["versions"][0]["version"], 1);
    assert!(rest["next_before"].is_null());
    let two = live.get("/v1/versions/2");
    assert_eq!(two.version(), 2);
    assert_eq!(two.json()["message"], format!("{NW}: 999 households"));
    assert_eq!(two.json()["changed"], json!([NW]));
    let missing = live.get("/v1/versions/7");
    assert_eq!(missing.status, 404);
    assert!(missing.message().contains("version 7"));

    let history = live.get(&format!("/v1/cells/{NW}/history")).json();
    let spans: Vec<(u64, Option<u64>)> = history["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["valid_from"].as_u64().unwrap(), s["valid_to"].as_u64()))
        .collect();
    assert_eq!(spans, [(1, Some(2)), (2, Some(3)), (3, None)]);
    let states = &history["states"];
    assert_eq!(
        states[1]["valid_from_time"],
        all["versions"][1]["created_at"]
    );
    assert_eq!(states[1]["valid_to_time"], all["versions"][0]["created_at"]);
    assert!(states[2]["valid_to_time"].is_null());
    assert_eq!(
        (
            households(&states[0]["attributes"]),
            households(&states[1]["attributes"])
        ),
        (100.0, 999.0)
    );
    // The third state is the narrower shape: its east edge at XT.
    assert_eq!(states[2]["geometry"]["type"], "MultiPolygon");
    assert_eq!(states[2]["geometry"]["coordinates"][0][0][2][0], XT);
    assert_eq!(history["lineage"], json!([]));
    assert_eq!(live.get("/v1/cells/520102001001999/history").status, 404);
}

#[test]
fn a_diff_names_the_square_metres_that_moved() {
    let live = Live::new(Config::default());
    let store = live.store();
    let v2 = transfer(store.as_ref(), 1);
    let v3 = swap(store.as_ref(), v2, SW, SE);
    let strip = shape(&[
        (XT, Y0 + D),
        (X0 + D, Y0 + D),
        (X0 + D, Y0 + 2.0 * D),
        (XT, Y0 + 2.0 * D),
    ]);
    let strip_m2 = area_m2(&strip);
    // 0.002° of longitude at 26.515°N is 0.002 × 111,320 m × cos 26.515° ≈ 199.3 m;
    // 0.01° of latitude there ≈ 1,108.6 m: about 221,000 m².
    assert!((strip_m2 - 221_000.0).abs() < 1_000.0, "{strip_m2}");

    let diff = live.get("/v1/diff?from=1&to=2");
    assert_eq!(diff.version(), 2);
    let diff = diff.json();
    assert_eq!(
        (
            diff["type"].as_str(),
            diff["from"].as_u64(),
            diff["to"].as_u64()
        ),
        (Some("FeatureCollection"), Some(1), Some(2))
    );
    let sides: Vec<(String, String)> = diff["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["code"].as_str().unwrap().into(),
                f["properties"]["side"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> =
        [(NW, "before"), (NW, "after"), (NE, "before"), (NE, "after")]
            .iter()
            .map(|(c, s)| ((*c).into(), (*s).into()))
            .collect();
    assert_eq!(sides, expected);
    assert_eq!(diff["features"][0]["properties"]["change"], "changed");
    let moved = diff["moved"].as_array().unwrap();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(
        (
            moved[0]["level"].as_str(),
            moved[0]["from"].as_str(),
            moved[0]["to"].as_str()
        ),
        (Some("cell"), Some(NW), Some(NE))
    );
    let m2 = moved[0]["m2"].as_f64().unwrap();
    assert!((m2 - strip_m2).abs() < 0.01, "{m2} vs {strip_m2}");
    // What NW lost, by its own areas before and after.
    let nw = |f: usize| {
        diff["features"][f]["properties"]["area_m2"]
            .as_f64()
            .unwrap()
    };
    assert!(
        (nw(0) - nw(1) - m2).abs() < 0.2,
        "{} - {} vs {m2}",
        nw(0),
        nw(1)
    );

    let back = live.get("/v1/diff?from=2&to=1").json();
    assert_eq!(
        (
            back["moved"][0]["from"].as_str(),
            back["moved"][0]["to"].as_str()
        ),
        (Some(NE), Some(NW))
    );
    assert!((back["moved"][0]["m2"].as_f64().unwrap() - m2).abs() < 0.01);

    // A swap moves each cell's whole area to the other.
    let swapped = live.get(&format!("/v1/diff?from={v2}&to={v3}")).json();
    let [_, _, sw, se] = shapes(XT);
    let pairs: Vec<(&str, &str, f64)> = swapped["moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["from"].as_str().unwrap(),
                m["to"].as_str().unwrap(),
                m["m2"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    assert_eq!((pairs[0].0, pairs[0].1), (SW, SE));
    // The intersection drops SW's vertex at XT on its straight north edge, and
    // edges on the ellipsoid are geodesics: a few m² of 1.1 km² (see crate::moved).
    assert!(
        (pairs[0].2 - area_m2(&sw)).abs() < 1e-5 * area_m2(&sw),
        "{pairs:?}"
    );
    assert_eq!((pairs[1].0, pairs[1].1), (SE, SW));
    assert!(
        (pairs[1].2 - area_m2(&se)).abs() < 1e-5 * area_m2(&se),
        "{pairs:?}"
    );

    let same = live.get("/v1/diff?from=2&to=2").json();
    assert_eq!(
        (same["features"].clone(), same["moved"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(live.get("/v1/diff?from=1").status, 400);
    assert_eq!(live.get("/v1/diff?from=1&to=9").status, 404);
}

#[test]
fn commits_by_another_handle_are_served_within_a_second() {
    let live = Live::new(Config::default());
    let store = live.store();
    let v2 = set_households(store.as_ref(), 1, SE, 444.0);
    let took = live.wait_for(v2);
    assert!(took < Duration::from_secs(1), "{took:?}");
    let (lon, lat) = MIDDLES[3];
    let found = live.get(&format!("/v1/lookup?lon={lon}&lat={lat}")).json();
    assert_eq!(households(&found["cell"]["attributes"]), 444.0);
    let v3 = swap(store.as_ref(), v2, SW, SE);
    let took = live.wait_for(v3);
    assert!(took < Duration::from_secs(1), "{took:?}");
    let found = live.get(&format!("/v1/lookup?lon={lon}&lat={lat}")).json();
    assert_eq!(found["cell"]["code"], SW);

    // What an edit route does after its own commit: the next read is of it.
    let own = live.versions.store().unwrap();
    let v4 = set_households(own.as_ref(), v3, NW, 7.0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let head = runtime.block_on(live.versions.refresh()).unwrap();
    assert_eq!(head.version(), v4);
    let (lon, lat) = MIDDLES[0];
    let found = live.get(&format!("/v1/lookup?lon={lon}&lat={lat}"));
    assert_eq!(
        (
            found.version(),
            households(&found.json()["cell"]["attributes"])
        ),
        (v4, 7.0)
    );
}

#[test]
fn tiles_carry_their_version_in_the_url_and_the_etag() {
    let live = Live::new(Config::default());
    let tilejson = live.get("/v1/tiles.json");
    assert_eq!(tilejson.version(), 1);
    assert_eq!(
        tilejson.header("cache-control").as_deref(),
        Some("public, max-age=60")
    );
    assert_eq!(
        tilejson.json()["tiles"][0],
        "http://test/v1/v/1/tiles/{z}/{x}/{y}.mvt"
    );
    // At zoom 16, a tile in NW's far corner and one in SE's.
    let nw_tile = tile_at(X0 + 0.002, Y0 + 0.018, 16);
    let se_tile = tile_at(X0 + 0.018, Y0 + 0.002, 16);
    let nw1 = live.get(&format!("/v1/v/1/tiles/{nw_tile}.mvt"));
    assert_eq!(nw1.status, 200);
    assert_eq!(
        nw1.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(nw1.version(), 1);
    let nw_etag = nw1.header("etag").unwrap();
    assert!(nw_etag.starts_with("W/\"1-"), "{nw_etag}");
    let head = live.get(&format!("/v1/tiles/{nw_tile}.mvt"));
    assert_eq!(
        (head.header("etag"), head.header("cache-control").as_deref()),
        (Some(nw_etag.clone()), Some("public, max-age=60"))
    );
    let se1 = live.get(&format!("/v1/v/1/tiles/{se_tile}.mvt"));

    let v2 = set_households(live.store().as_ref(), 1, SE, 444.0);
    live.wait_for_tiles(v2);
    // NW's tile is not dirty: version 2 serves version 1's bytes and tag.
    let nw2 = live.get(&format!("/v1/v/2/tiles/{nw_tile}.mvt"));
    assert_eq!((nw2.header("etag"), &nw2.body), (Some(nw_etag), &nw1.body));
    // SE's is: new bytes (the households), a tag of version 2; version 1 stays.
    let se2 = live.get(&format!("/v1/v/2/tiles/{se_tile}.mvt"));
    let (etag1, etag2) = (se1.header("etag").unwrap(), se2.header("etag").unwrap());
    assert!(
        etag1.starts_with("W/\"1-") && etag2.starts_with("W/\"2-"),
        "{etag1} {etag2}"
    );
    assert_ne!(se1.body, se2.body);
    assert_eq!(
        live.get(&format!("/v1/v/1/tiles/{se_tile}.mvt")).body,
        se1.body
    );
    let head = format!("/v1/tiles/{se_tile}.mvt");
    assert_eq!(
        live.get_with(&head, &[("If-None-Match", &etag1)]).status,
        200
    );
    assert_eq!(
        live.get_with(&head, &[("If-None-Match", &etag2)]).status,
        304
    );
    let style = live.get("/v1/style.json").json();
    assert_eq!(
        style["sources"]["citygrid"]["url"],
        "http://test/v1/v/2/tiles.json"
    );
    let versioned = live.get("/v1/v/2/tiles.json");
    assert_eq!(
        versioned.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        versioned.json()["tiles"][0],
        "http://test/v1/v/2/tiles/{z}/{x}/{y}.mvt"
    );
    assert_eq!(
        live.get(&format!("/v1/v/9/tiles/{nw_tile}.mvt")).status,
        404
    );
    assert_eq!(live.get("/v1/v/0/tiles.json").status, 400);
}

/// An edit route as the edit engine writes one: an editor's token, in its district.
async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<String>,
) -> Result<String, ApiError> {
    caller.require(Role::Editor)?;
    caller.require_scope(&state.versions.head().city.partition, &code(&c))?;
    Ok(caller.name)
}

#[test]
fn tokens_guard_reads_when_asked_and_roles_guard_edits() {
    let config = Config {
        read_requires_token: true,
        ..Config::default()
    };
    let live = Live::with_routes(config, || {
        Router::new().route("/v1/test-edit/{code}", post(edit))
    });
    let store = live.store();
    let (_, reader) = store.create_token("reader", Role::Viewer, None).unwrap();
    let (_, editor) = store
        .create_token("南明 GIS", Role::Editor, Some(code("520102")))
        .unwrap();
    let bearer = |t: &str| format!("Bearer {t}");
    let lookup = "/v1/lookup?lon=106.705&lat=26.515";
    let none = live.get(lookup);
    assert_eq!(none.status, 401);
    assert_eq!(none.json()["error"]["kind"], "unauthorized");
    assert!(
        none.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(none.version(), 1);
    for wrong in ["Bearer cg_0000", "Basic cmVhZGVy", "Bearer"] {
        assert_eq!(
            live.get_with(lookup, &[("Authorization", wrong)]).status,
            401,
            "{wrong}"
        );
    }
    assert_eq!(
        live.get_with(lookup, &[("Authorization", &bearer(&reader))])
            .status,
        200
    );
    assert_eq!(
        live.get_with("/v1/versions", &[("Authorization", &bearer(&editor))])
            .status,
        200
    );
    for open in ["/healthz", "/readyz", "/openapi.json", "/docs"] {
        assert_eq!(live.get(open).status, 200, "{open}");
    }

    let edit = |token: &str, c: &str| {
        request(
            live.addr,
            "POST",
            &format!("/v1/test-edit/{c}"),
            &[("Authorization", &bearer(token))],
            b"",
        )
    };
    let refused = edit(&reader, NW);
    assert_eq!(refused.status, 403);
    assert!(refused.message().contains("viewer"));
    let done = edit(&editor, NW);
    assert_eq!(
        (
            done.status,
            String::from_utf8_lossy(&done.body).into_owned()
        ),
        (200, "南明 GIS".to_string())
    );
    assert_eq!(
        edit(&editor, "520103001001001").status,
        403,
        "outside its district"
    );
    assert_eq!(
        request(live.addr, "POST", &format!("/v1/test-edit/{NW}"), &[], b"").status,
        401
    );

    store.revoke_token("reader").unwrap();
    let took = live.wait_until(|| {
        live.get_with(lookup, &[("Authorization", &bearer(&reader))])
            .status
            == 401
    });
    assert!(
        took <= citygrid_server::auth::TRUSTED + Duration::from_millis(500),
        "{took:?}"
    );
}

#[test]
fn lookups_during_many_commits_never_mix_versions() {
    let live = Live::new(Config::default());
    let store = live.store();
    let last: u64 = 31;
    let done = AtomicBool::new(false);
    // Version v (2..=last): every cell has round = v, and NW and NE have swapped
    // shapes v - 1 times.
    let expected = |v: u64, i: usize| -> (&'static str, Option<f64>) {
        let swapped = (v - 1) % 2 == 1;
        let c = match (i, swapped) {
            (0, true) => NE,
            (1, true) => NW,
            (i, _) => [NW, NE, SW, SE][i],
        };
        (c, (v > 1).then_some(v as f64))
    };
    let points: Vec<[f64; 2]> = MIDDLES.iter().map(|&(x, y)| [x, y]).collect();
    let seen = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut seen = std::collections::BTreeSet::new();
                    while !done.load(Ordering::Relaxed) {
                        let r = live.post("/v1/lookup", &json!({"points": points}));
                        let v = r.version();
                        let body = r.json();
                        assert_eq!(body["version"], v);
                        for (i, answer) in body["results"].as_array().unwrap().iter().enumerate() {
                            let (c, round) = expected(v, i);
                            assert_eq!(answer["code"], c, "version {v}, point {i}: {body}");
                            assert_eq!(
                                answer["attributes"]["round"].as_f64(),
                                round,
                                "version {v}: {body}"
                            );
                        }
                        seen.insert(v);
                    }
                    seen
                })
            })
            .collect();
        for v in 2..=last {
            let base = v - 1;
            let mut cells: Vec<Unit> = [NW, NE, SW, SE]
                .iter()
                .map(|c| {
                    unit_of(store.as_ref(), base, c)
                        .with_attribute("round", AttrValue::Number(v as f64))
                })
                .collect();
            let (nw, ne) = cells.split_at_mut(1);
            std::mem::swap(&mut nw[0].geometry, &mut ne[0].geometry);
            let commit = cells.into_iter().fold(
                Commit::new(base, "tester", format!("round {v}")),
                Commit::upsert,
            );
            assert_eq!(store.commit(commit).unwrap().version, v);
            std::thread::sleep(Duration::from_millis(20));
        }
        live.wait_for(last);
        done.store(true, Ordering::Relaxed);
        readers
            .into_iter()
            .flat_map(|r| r.join().unwrap())
            .collect::<std::collections::BTreeSet<u64>>()
    });
    assert!(seen.len() > 3, "the readers saw only versions {seen:?}");
}
