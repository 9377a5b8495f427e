//! `citygrid store init`, `citygrid token` and `citygrid history` as people and
//! scripts run them.

use std::path::{Path, PathBuf};
use std::process::Output;

use citygrid_model::{AttrValue, Level};
use citygrid_store::Commit;
use serde_json::{Value, json};

use crate::support::{
    Server, TestStore, binary, connect, database_name, get, guiyang, post, postgres_admin, request,
    run, tmp,
};

/// A generated city written by `synth-city`, damaged when `damage` says how.
fn city_file(name: &str, damage: Option<&str>) -> PathBuf {
    let path = tmp(name);
    let mut synth = binary("synth-city");
    synth.args([
        path.to_str().unwrap(),
        "--cells",
        "80",
        "--vertices",
        "8",
        "--seed",
        "4",
    ]);
    if let Some(kind) = damage {
        synth.args(["--damage", kind]);
    }
    assert!(synth.output().unwrap().status.success());
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn at(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn an_invalid_partition_makes_no_store() {
    let from = city_file("store-overlap.geojson", Some("shift_cell"));
    let store = tmp("refused.gpkg");
    let out = run(&["store", "init", at(&store), "--from", at(&from)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("not made") && said.contains("INVALID"),
        "{said}"
    );
    assert!(!store.exists());
}

#[test]
fn store_init_tokens_and_history_work_together() {
    let from = city_file("store-city.geojson", None);
    let path = tmp("cli.gpkg");
    let said = ok(&run(&[
        "store",
        "init",
        at(&path),
        "--from",
        at(&from),
        "--author",
        "王芳",
        "--message",
        "2026 survey",
    ]));
    assert!(
        said.contains("version 1 by 王芳") && said.contains("cells"),
        "{said}"
    );
    let again = run(&["store", "init", at(&path), "--from", at(&from)]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("never overwritten"),
        "{}",
        text(&again.stderr)
    );

    // A token: its secret alone on standard output, the note on standard error.
    let store = citygrid_store::open(at(&path)).unwrap();
    let first = store.load(1).unwrap();
    let district = first
        .unit(first.level_ids(Level::District).next().unwrap())
        .code
        .to_string();
    let created = run(&[
        "token",
        "create",
        "--store",
        at(&path),
        "--role",
        "editor",
        "--district",
        &district,
        "--name",
        "南明 GIS",
    ]);
    let secret = ok(&created);
    assert!(
        secret.ends_with('\n') && secret.lines().count() == 1,
        "{secret:?}"
    );
    let secret = secret.trim_end();
    assert!(secret.len() == 67 && secret.starts_with("cg_"), "{secret}");
    assert!(text(&created.stderr).contains("shown only now"));
    assert_eq!(
        store.verify_token(secret).unwrap().map(|t| t.name),
        Some("南明 GIS".to_string())
    );
    let listed = ok(&run(&["token", "list", "--store", at(&path)]));
    assert!(
        listed.contains("南明 GIS") && listed.contains(&format!("editor of district {district}")),
        "{listed}"
    );
    assert!(!listed.contains(secret));
    ok(&run(&[
        "token",
        "revoke",
        "--store",
        at(&path),
        "--name",
        "南明 GIS",
    ]));
    assert_eq!(store.verify_token(secret).unwrap(), None);
    let unknown = run(&["token", "revoke", "--store", at(&path), "--name", "nobody"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("no token named \"nobody\""));

    // History: versions newest first, and one cell's states.
    let cell = first
        .unit(first.level_ids(Level::Cell).next().unwrap())
        .as_ref()
        .clone();
    store
        .commit(
            Commit::new(1, "李雷", "households").upsert(
                cell.clone()
                    .with_attribute("households", AttrValue::Number(42.0)),
            ),
        )
        .unwrap();
    let history = ok(&run(&["history", "--store", at(&path)]));
    let lines: Vec<&str> = history.lines().collect();
    assert!(lines[0].contains("head is version 2"), "{history}");
    assert!(
        lines[2].contains("李雷") && lines[3].contains("王芳") && lines[3].contains("init"),
        "{history}"
    );
    let json: Value = serde_json::from_str(&ok(&run(&[
        "history",
        "--store",
        at(&path),
        "--format",
        "json",
        "--limit",
        "1",
    ])))
    .unwrap();
    assert_eq!(json["head"], 2);
    assert_eq!(
        json["versions"][0]["changed"],
        serde_json::json!([cell.code.as_str()])
    );
    assert_eq!(json["versions"].as_array().unwrap().len(), 1);
    let states: Value = serde_json::from_str(&ok(&run(&[
        "history",
        "--store",
        at(&path),
        "--cell",
        cell.code.as_str(),
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(states["states"][0]["valid_to"], 2);
    assert_eq!(states["states"][1]["attributes"]["households"], 42);
    let missing = run(&["history", "--store", at(&path), "--cell", "520100999999999"]);
    assert_eq!(missing.status.code(), Some(2));
    // Nothing listens on port 1: the database is named, its password never.
    let nowhere = run(&[
        "history",
        "--store",
        "postgres://grid:s3cret@127.0.0.1:1/grid",
    ]);
    assert_eq!(nowhere.status.code(), Some(2));
    let said = text(&nowhere.stderr);
    assert!(said.contains("postgres://127.0.0.1:1/grid"), "{said}");
    assert!(!said.contains("s3cret"), "{said}");
}

/// `store init` and `store migrate` on a PostGIS database, `history` and `token`
/// through its URL; the password never printed; a raster layer and a 3D tileset
/// kept in the database are served without their files.
#[test]
fn a_postgis_store_from_the_command_line() {
    let Some(admin) = postgres_admin() else {
        return;
    };
    let database = TestStore::database(&admin, &database_name("cli"));
    let url = database.location.clone();
    let password = url.split(':').nth(2).unwrap().split('@').next().unwrap();
    let from = city_file("store-pg-city.geojson", None);
    let said = ok(&run(&["store", "init", &url, "--from", at(&from)]));
    assert!(
        said.contains("version 1 by") && said.contains("citygrid_cells"),
        "{said}"
    );
    assert!(!said.contains(password), "{said}");
    let again = run(&["store", "init", &url, "--from", at(&from)]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("never overwritten"));
    assert!(!text(&again.stderr).contains(password));
    let migrated = ok(&run(&["store", "migrate", &url]));
    assert!(migrated.contains("schema 2, up to date"), "{migrated}");
    let secret = ok(&run(&[
        "token", "create", "--store", &url, "--role", "editor", "--name", "ops",
    ]));
    assert!(secret.starts_with("cg_"));
    let history = ok(&run(&["history", "--store", &url]));
    assert!(
        history
            .lines()
            .next()
            .unwrap()
            .contains("head is version 1"),
        "{history}"
    );
    let cells: i64 = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap()
        .query_one("SELECT count(*) FROM citygrid_cells", &[])
        .unwrap()
        .get(0);
    assert!(cells > 50, "{cells} cells in the view");
    // A raster imported from a file that is then gone: the database keeps it, so
    // any server (on any machine) reads it.
    let tif = tmp("pg-population.tif");
    std::fs::copy(guiyang("population.tif"), &tif).unwrap();
    let size = std::fs::metadata(&tif).unwrap().len();
    ok(&run(&[
        "layer",
        "import",
        "--store",
        &url,
        "--name",
        "population",
        at(&tif),
    ]));
    std::fs::remove_file(&tif).unwrap();
    let listed = ok(&run(&["layer", "list", "--store", &url]));
    assert!(
        listed.contains(&format!("kept in the store, {size} bytes")),
        "{listed}"
    );
    // The demo's generated tileset, its folder gone once registered.
    let tiles = tmp("pg-tiles");
    ok(&run(&[
        "tileset",
        "demo",
        "--store",
        &url,
        "--dir",
        at(&tiles),
        "--sample",
        "no-sample-here",
    ]));
    let root: Value =
        serde_json::from_slice(&std::fs::read(tiles.join("generated/tileset.json")).unwrap())
            .unwrap();
    let content = first_uri(&root).expect("a content uri in the demo tileset");
    let content_bytes = std::fs::read(tiles.join("generated").join(&content)).unwrap();
    std::fs::remove_dir_all(&tiles).unwrap();
    // two servers on the database: an edit through one is served by the other
    let code: String = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap()
        .query_one("SELECT code FROM citygrid_cells ORDER BY code LIMIT 1", &[])
        .unwrap()
        .get(0);
    let (one, two) = (Server::start(&url), Server::start(&url));
    let edit = json!({"base_version": 1, "message": "over PostGIS",
        "ops": [{"op": "set", "cell": code, "attributes": {"households": 123}}]});
    let (status, body) = post(one.port, "/v1/edits", secret.trim(), &edit).expect("an answer");
    assert_eq!(status, 200, "{body} {}", one.log());
    assert_eq!(body["version"], 2);
    let started = std::time::Instant::now();
    loop {
        let (_, cell) = get(two.port, &format!("/v1/cells/{code}")).expect("an answer");
        if cell["version"] == 2 {
            assert_eq!(cell["properties"]["attributes"]["households"], 123);
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "the other server still serves {} after 3 s: {}",
            cell["version"],
            two.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (_, layers) = get(two.port, "/v1/layers").expect("an answer");
    let listed = |name: &str| {
        layers["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no layer {name}: {layers}"))
    };
    let population = listed("population");
    assert_eq!(population["stored_bytes"], size, "{layers}");
    assert!(population.get("error").is_none(), "{layers}");
    let oblique = listed("oblique");
    assert!(oblique["stored_bytes"].as_u64().unwrap() > 0, "{layers}");
    assert!(oblique.get("error").is_none(), "{layers}");
    let served = request(
        connect(two.port).unwrap(),
        "GET",
        &format!("/v1/3dtiles/oblique/{content}"),
        None,
        None,
    )
    .expect("an answer");
    assert_eq!(served.status, 200, "{}", served.head);
    assert_eq!(served.body, content_bytes, "content {content}");
    let (status, stats) =
        get(two.port, "/v1/stats?layer=population&level=city").expect("an answer");
    assert_eq!(status, 200, "{stats}");
    drop((one, two));
    drop(database);
}

/// The first content `uri` of a tileset's JSON, depth first.
fn first_uri(json: &Value) -> Option<String> {
    match json {
        Value::Object(map) => map
            .get("content")
            .and_then(|c| c["uri"].as_str())
            .map(str::to_string)
            .or_else(|| map.values().find_map(first_uri)),
        Value::Array(items) => items.iter().find_map(first_uri),
        _ => None,
    }
}
