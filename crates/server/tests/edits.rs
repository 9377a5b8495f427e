//! `POST /v1/edits` and `POST /v1/revert` over HTTP on a real store: an edit is
//! served at once, a dry run commits nothing, roles and districts are enforced, and
//! every bad request gets a 4xx that names the problem and where, with the store's
//! head unchanged.
//!
//! The city: `support::city`, five square cells in a row.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use geo_types::{LineString, MultiPolygon, Polygon};
use serde_json::{Value, json};

use citygrid_store::Store;
use support::{A1, A2, B1, D, Reply, Tokens, X0, Y0, city, code, rect, request};

struct Live {
    addr: SocketAddr,
    store: Arc<dyn Store>,
    editor: String,
    viewer: String,
    admin: String,
    elsewhere: String,
    _dir: tempfile::TempDir,
}

impl Live {
    fn new() -> Live {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.gpkg").to_string_lossy().into_owned();
        citygrid_store::init(&path, &city(), "tester", "two villages").unwrap();
        let store: Arc<dyn Store> = Arc::from(citygrid_store::open(&path).unwrap());
        let Tokens {
            editor,
            viewer,
            admin,
            elsewhere,
        } = Tokens::create(store.as_ref());
        let addr = support::serve_store(Arc::clone(&store), true);
        Live {
            addr,
            store,
            editor,
            viewer,
            admin,
            elsewhere,
            _dir: dir,
        }
    }

    fn post_raw(&self, path: &str, token: &str, body: &[u8]) -> Reply {
        let auth = format!("Bearer {token}");
        let headers: Vec<(&str, &str)> = if token.is_empty() {
            Vec::new()
        } else {
            vec![("Authorization", auth.as_str())]
        };
        request(self.addr, "POST", path, &headers, body)
    }

    fn edit(&self, token: &str, body: &Value) -> Reply {
        self.post_raw("/v1/edits", token, body.to_string().as_bytes())
    }

    fn get(&self, path: &str) -> Reply {
        request(self.addr, "GET", path, &[], b"")
    }
}

/// Moves the east 0.002° of A1 to A2.
fn transfer(base: u64) -> Value {
    let (w, e) = (X0 + 0.008, X0 + 0.0105);
    json!({
        "base_version": base,
        "message": "new road",
        "ops": [{"op": "transfer", "from": A1, "to": A2, "area": {"type": "Polygon",
            "coordinates": [[[w, Y0 - 0.001], [e, Y0 - 0.001], [e, Y0 + D + 0.001], [w, Y0 + D + 0.001], [w, Y0 - 0.001]]]}}]
    })
}

#[test]
fn an_edit_is_committed_and_served_at_once() {
    let live = Live::new();
    let r = live.edit(&live.editor, &transfer(1));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert_eq!(body["version"], 2);
    assert!(body["changed"].as_array().unwrap().contains(&json!(A1)));
    // A point in the moved strip now belongs to A2, in the very next request.
    let lookup = live.get(&format!("/v1/lookup?lon={}&lat={}", X0 + 0.009, Y0 + 0.005));
    assert_eq!(lookup.version(), 2);
    assert_eq!(lookup.json()["cell"]["code"], A2);
    let info = live.store.version(2).unwrap();
    assert_eq!(
        (info.author.as_str(), info.message.as_str()),
        ("wang", "new road")
    );
}

#[test]
fn a_dry_run_says_what_would_change_and_commits_nothing() {
    let live = Live::new();
    let mut body = transfer(1);
    body["dry_run"] = json!(true);
    let r = live.edit(&live.editor, &body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["dry_run"], true);
    assert_eq!(live.store.head().unwrap(), 1);
}

#[test]
fn tokens_roles_and_districts_are_enforced() {
    let live = Live::new();
    assert_eq!(live.edit("", &transfer(1)).status, 401);
    assert_eq!(live.edit("not-a-token", &transfer(1)).status, 401);
    assert_eq!(live.edit(&live.viewer, &transfer(1)).status, 403);
    let elsewhere = live.edit(&live.elsewhere, &transfer(1));
    assert_eq!(elsewhere.status, 403);
    assert!(
        elsewhere.message().contains("zhao"),
        "{}",
        elsewhere.message()
    );
    // Reverts are for admins.
    let revert = json!({"to": 1, "message": "undo"});
    assert_eq!(
        live.post_raw("/v1/revert", &live.editor, revert.to_string().as_bytes())
            .status,
        403
    );
    assert_eq!(live.store.head().unwrap(), 1);
}

#[test]
fn an_admin_reverts_to_an_old_version() {
    let live = Live::new();
    assert_eq!(live.edit(&live.editor, &transfer(1)).status, 200);
    let r = live.post_raw(
        "/v1/revert",
        &live.admin,
        json!({"to": 1, "message": "undo the road"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["version"], 3);
    let lookup = live.get(&format!("/v1/lookup?lon={}&lat={}", X0 + 0.009, Y0 + 0.005));
    assert_eq!(lookup.json()["cell"]["code"], A1);
}

#[test]
fn bad_requests_get_a_4xx_naming_the_problem_and_leave_the_head() {
    let live = Live::new();
    let t = &live.editor;
    let ops = |op: Value| json!({"base_version": 1, "message": "m", "ops": [op]});
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"{\"base_version\": 1,".to_vec(), 400, "not JSON"),
        (b"{\"base_version\": NaN}".to_vec(), 400, "not JSON"),
        (b"[1, 2]".to_vec(), 400, "expected an object"),
        (ops(json!({"op": "fly"})).to_string().into_bytes(), 400, "ops[0].op: unknown operation"),
        (
            json!({"base_version": 1, "message": "m", "crs": "epsg:99999", "ops": [{"op": "merge", "cells": [A1, A2]}]})
                .to_string()
                .into_bytes(),
            400,
            "crs",
        ),
        (
            ops(json!({"op": "transfer", "from": A1, "to": A2, "area": {"type": "Polygon",
                "coordinates": [[[X0, Y0], [X0 + 0.01, Y0 + 0.01], [X0 + 0.01, Y0], [X0, Y0 + 0.01], [X0, Y0]]]}}))
            .to_string()
            .into_bytes(),
            400,
            "ops[0].area.coordinates[0]: the ring crosses itself",
        ),
        (ops(json!({"op": "merge", "cells": [A1, "520102001001009"]})).to_string().into_bytes(), 422, "520102001001009 is not a unit"),
        (
            ops(json!({"op": "split", "cell": A1, "line": {"type": "LineString",
                "coordinates": [[X0 + 0.005, Y0 + 0.002], [X0 + 0.005, Y0 + 0.008]]}}))
            .to_string()
            .into_bytes(),
            422,
            "not on the boundary",
        ),
        (ops(json!({"op": "merge", "cells": [A2, B1]})).to_string().into_bytes(), 422, "different villages"),
        (json!({"base_version": 9, "message": "m", "ops": [{"op": "merge", "cells": [A1, A2]}]}).to_string().into_bytes(), 400, "base_version"),
        (vec![b'x'; 3 * 1024 * 1024], 413, ""),
    ];
    for (body, status, needle) in cases {
        let r = live.post_raw("/v1/edits", t, &body);
        let shown = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
        assert_eq!(
            r.status,
            status,
            "{shown}: {}",
            String::from_utf8_lossy(&r.body)
        );
        if !needle.is_empty() {
            assert!(r.message().contains(needle), "{shown}: {}", r.message());
        }
    }
    assert_eq!(live.store.head().unwrap(), 1);
}

#[test]
fn a_result_that_breaks_the_partition_is_422_with_located_problems() {
    let live = Live::new();
    // The west strip of A1 does not touch A2: A2 would be in two parts.
    let (w, e) = (X0 - 0.001, X0 + 0.002);
    let body = json!({"base_version": 1, "message": "m", "ops": [{"op": "transfer", "from": A1, "to": A2,
        "area": {"type": "Polygon", "coordinates": [[[w, Y0 + 0.002], [e, Y0 + 0.002], [e, Y0 + 0.004], [w, Y0 + 0.004], [w, Y0 + 0.002]]]}}]});
    let r = live.edit(&live.editor, &body);
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    let problems = r.json()["error"]["problems"].as_array().unwrap().clone();
    assert!(
        problems.iter().any(|p| p["rule"] == "multipart"),
        "{problems:?}"
    );
    assert!(problems.iter().all(|p| p["location"].is_object()));
    assert_eq!(live.store.head().unwrap(), 1);
}

#[test]
fn an_edit_on_a_stale_base_touching_changed_cells_is_a_conflict() {
    let live = Live::new();
    assert_eq!(live.edit(&live.editor, &transfer(1)).status, 200);
    let set = json!({"base_version": 1, "message": "m",
        "ops": [{"op": "set", "cell": A2, "attributes": {"staff": "王芳"}}]});
    let r = live.edit(&live.editor, &set);
    assert_eq!(r.status, 409, "{}", String::from_utf8_lossy(&r.body));
    let error = &r.json()["error"];
    assert_eq!(error["head"], 2);
    assert!(
        error["changed_since"]
            .as_array()
            .unwrap()
            .contains(&json!(A2))
    );
    // The same edit on the head goes through.
    let mut fresh = set.clone();
    fresh["base_version"] = json!(2);
    assert_eq!(live.edit(&live.editor, &fresh).status, 200);
}

#[test]
fn lines_drawn_in_gcj02_arrive_where_they_were_drawn() {
    let live = Live::new();
    // A split of B1 along its middle, drawn on a phone map in GCJ-02.
    let x = X0 + 0.025;
    let (gx0, gy0) = citygrid_crs::Transform::new(citygrid_crs::Crs::Gcj02)
        .unwrap()
        .from_wgs84(x, Y0)
        .unwrap();
    let (gx1, gy1) = citygrid_crs::Transform::new(citygrid_crs::Crs::Gcj02)
        .unwrap()
        .from_wgs84(x, Y0 + D)
        .unwrap();
    let body = json!({"base_version": 1, "message": "split", "crs": "gcj02",
        "ops": [{"op": "split", "cell": B1, "line": {"type": "LineString", "coordinates": [[gx0, gy0], [gx1, gy1]]}}]});
    let r = live.edit(&live.editor, &body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["created"], json!(["520102001002003"]));
}

impl Live {
    fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Reply {
        let auth = format!("Bearer {token}");
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if !token.is_empty() {
            all.push(("Authorization", auth.as_str()));
        }
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        request(self.addr, method, path, &all, &bytes)
    }
}

/// A GeoJSON Feature of `geometry` (lon, lat) with `properties`.
fn feature(geometry: &MultiPolygon<f64>, properties: Value) -> Value {
    let rings: Vec<Value> = geometry.0[0]
        .exterior()
        .0
        .iter()
        .map(|c| json!([c.x, c.y]))
        .collect();
    json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [rings]}, "properties": properties})
}

#[test]
fn ogc_api_part_4_requests_are_edits_with_their_roles_checks_and_conflicts() {
    let live = Live::new();
    let item = |c: &str| format!("/ogc/collections/cells/items/{c}");
    // PATCH: properties only, an attribute and the name.
    let patch = json!({"type": "Feature", "properties": {"households": 7, "name": "A one"}});
    let r = live.send("PATCH", &item(A1), &live.editor, &[], &patch);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["version"], 2);
    // The same again changes nothing: said so, no version made.
    let again = live.send("PATCH", &item(A1), &live.editor, &[], &patch);
    assert_eq!(
        again.status,
        422,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
    assert!(
        again.message().contains("changes nothing"),
        "{}",
        again.message()
    );
    assert_eq!(live.store.head().unwrap(), 2);
    let a1 = live.get(&format!("/v1/cells/{A1}")).json();
    assert_eq!(
        (
            a1["properties"]["name"].clone(),
            a1["properties"]["attributes"]["households"].clone()
        ),
        (json!("A one"), json!(7))
    );
    assert_eq!(live.store.version(2).unwrap().author, "wang");
    // Who a token is, for a client to show.
    let me = live.send("GET", "/v1/whoami", &live.editor, &[], &Value::Null);
    assert_eq!(
        me.json(),
        json!({"name": "wang", "role": "editor", "district": "520102"})
    );
    assert_eq!(
        live.send("GET", "/v1/whoami", "", &[], &Value::Null).status,
        401
    );
    // Roles and districts as for /v1/edits.
    assert_eq!(live.send("PATCH", &item(A1), "", &[], &patch).status, 401);
    assert_eq!(
        live.send("PATCH", &item(A1), &live.viewer, &[], &patch)
            .status,
        403
    );
    assert_eq!(
        live.send("PATCH", &item(A1), &live.elsewhere, &[], &patch)
            .status,
        403
    );
    // A stale If-Match whose version A1 changed since: a conflict.
    let stale = live.send(
        "PATCH",
        &item(A1),
        &live.editor,
        &[("If-Match", "W/\"v1-0\"")],
        &patch,
    );
    assert_eq!(
        stale.status,
        409,
        "{}",
        String::from_utf8_lossy(&stale.body)
    );
    assert_eq!(stale.json()["error"]["kind"], "conflict");
    // PUT of A1 shrunk: a gap, refused with located problems; nothing changes.
    let shrunk = MultiPolygon(vec![Polygon::new(
        LineString::from(vec![
            (X0, Y0),
            (X0 + 0.008, Y0),
            (X0 + 0.008, Y0 + D),
            (X0, Y0 + D),
            (X0, Y0),
        ]),
        vec![],
    )]);
    let r = live.send(
        "PUT",
        &item(A1),
        &live.editor,
        &[],
        &feature(&shrunk, json!({"households": 1})),
    );
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    assert!(!r.json()["error"]["problems"].as_array().unwrap().is_empty());
    // DELETE leaves a gap; POST of a cell over A2 overlaps: both refused.
    assert_eq!(
        live.send("DELETE", &item(A2), &live.editor, &[], &Value::Null)
            .status,
        422
    );
    let over = feature(&rect(1, 2), json!({"parent": "520102001001"}));
    let r = live.send(
        "POST",
        "/ogc/collections/cells/items",
        &live.editor,
        &[],
        &over,
    );
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(live.store.head().unwrap(), 2);
    // PUT of A1's own shape written latitude first (EPSG:4326) with new attributes:
    // the shape is the same, the attributes replaced.
    let mut same = feature(&rect(0, 1), json!({"households": 9}));
    for p in same["geometry"]["coordinates"][0].as_array_mut().unwrap() {
        p.as_array_mut().unwrap().swap(0, 1);
    }
    let crs = [(
        "Content-Crs",
        "<http://www.opengis.net/def/crs/EPSG/0/4326>",
    )];
    let r = live.send("PUT", &item(A1), &live.editor, &crs, &same);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v3 = live.store.load(3).unwrap();
    let a1 = v3.get(&code(A1)).unwrap();
    assert_eq!(a1.geometry, rect(0, 1));
    assert_eq!(
        a1.attributes.get("households"),
        Some(&citygrid_model::AttrValue::Number(9.0))
    );
    // Requests that are not features, and features that are not there.
    let r = live.send(
        "PATCH",
        &item(A1),
        &live.editor,
        &[],
        &json!({"households": 1}),
    );
    assert_eq!(r.status, 400);
    assert!(r.message().contains("Feature"), "{}", r.message());
    assert_eq!(
        live.send("PATCH", &item("520102001009009"), &live.editor, &[], &patch)
            .status,
        404
    );
    assert_eq!(
        live.send(
            "PATCH",
            "/ogc/collections/roads/items/1",
            &live.editor,
            &[],
            &patch
        )
        .status,
        404
    );
}

#[test]
fn a_dry_run_needs_no_message_and_versions_answer_briefly_or_as_of_a_time() {
    let live = Live::new();
    let mut body = transfer(1);
    body.as_object_mut().unwrap().remove("message");
    body["dry_run"] = json!(true);
    let r = live.edit(&live.editor, &body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    body["dry_run"] = json!(false);
    let r = live.edit(&live.editor, &body);
    assert_eq!(r.status, 400);
    assert!(r.message().contains("message"), "{}", r.message());
    assert_eq!(live.edit(&live.editor, &transfer(1)).status, 200);
    let brief = live.get("/v1/versions?brief=true").json();
    let v1 = &brief["versions"][1];
    assert!(
        v1.get("changed").is_none() && v1.get("request").is_none(),
        "{v1}"
    );
    assert_eq!(
        v1["counts"]["created"], 13,
        "every unit of the five-cell city"
    );
    let full = live.get("/v1/versions").json();
    assert_eq!(
        full["versions"][0]["changed"].as_array().unwrap().len(),
        full["versions"][0]["counts"]["changed"].as_u64().unwrap() as usize
    );
    let made = live.store.version(2).unwrap().created_at;
    let at = live.get(&format!(
        "/v1/versions?at={}",
        made.to_string().replace('+', "%2B")
    ));
    assert_eq!(
        at.json()["in_force"],
        2,
        "{}",
        String::from_utf8_lossy(&at.body)
    );
    let before = live.get("/v1/versions?at=2000-01-01T00:00:00Z");
    assert_eq!(before.status, 404);
    assert_eq!(live.get("/v1/versions?brief=maybe").status, 400);
}
