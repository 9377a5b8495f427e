//! `GET /v1/stats` (one layer's figures for every unit of a level),
//! `GET /v1/cells/{code}/stats` (one unit's figures in every layer, and its staff),
//! `GET /v1/layers` and `/v1/layers/{name}` (what is registered). Every answer is
//! of one version (`version=N` / `at=TIME`, the head by default) and says which;
//! `Accept: text/csv` (or `format=csv`) gives a table as CSV.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::Timestamp;
use serde_json::{Value, json};

use citygrid_model::Level;
use citygrid_stats::{Rows, StatsQuery, StatsTable};

use crate::as_of::{AsOfStats, Head};
use crate::error::{ApiError, shorten};
use crate::routes::params::{code_param, matches_etag};
use crate::state::AppState;

/// The UTC offset of `from`/`to` times given without one: China's, +08:00.
pub(crate) const CITY_UTC_OFFSET: i32 = 8 * 3600;

/// `/v1/stats`, `/v1/cells/{code}/stats`, `/v1/layers`, `/v1/layers/{name}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/stats", get(table))
        .route("/v1/cells/{code}/stats", get(unit))
        .route("/v1/layers", get(layers))
        .route("/v1/layers/{name}", get(layer))
}

/// `GET /v1/stats?layer=NAME[&level=cell|village|township|district|city][&code=PREFIX]
/// [&from=T&to=T][&group_by=FIELD][&version=N|&at=T][&format=csv]`.
pub async fn table(
    AsOfStats(city, stats): AsOfStats,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = query.get("layer").ok_or_else(|| {
        let known: Vec<&str> = stats.names().collect();
        ApiError::BadRequest(format!(
            "layer= is required: which layer's figures (layers: {})",
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        ))
    })?;
    let asked = stats_query(&query, Level::Cell)?;
    let csv = query.get("format").is_some_and(|f| f == "csv")
        || headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"));
    // one question, one representation: the key of the rendered answer and its ETag
    let key = format!("{}{}", if csv { "csv" } else { "json" }, question(&query));
    let etag = etag(&key, stats.version(), stats.datasets.revision);
    if matches_etag(&headers, &etag) {
        return Ok(not_modified(&etag));
    }
    let body = match stats.rendered.get(&key) {
        Some(body) => body,
        None => {
            let mut table = stats.table(layer, &city, &asked)?;
            table.from = asked.from.map(rfc3339);
            table.to = asked.to.map(rfc3339);
            let body = Arc::new(render(&table, csv)?);
            stats.rendered.insert(key, Arc::clone(&body));
            body
        }
    };
    let mut response = if csv {
        let name = format!("{layer}-{}-v{}.csv", asked.level.as_str(), stats.version());
        let mut r = (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            shared(body),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        r
    } else {
        ([(header::CONTENT_TYPE, "application/json")], shared(body)).into_response()
    };
    set_etag(&mut response, &etag);
    Ok(response)
}

/// `GET /v1/cells/{code}/stats[?from=T&to=T][&version=N|&at=T]`: a unit's row in every
/// layer (a window applies to layers with a time field), and for a cell its staff.
pub async fn unit(
    AsOfStats(city, stats): AsOfStats,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let code = code_param(&code)?;
    let unit = city.partition.get(&code).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no unit with code {code} in version {}",
            city.version()
        ))
    })?;
    let mut asked = stats_query(&query, unit.level)?;
    asked.level = unit.level;
    asked.prefix = Some(code.to_string());
    let area = citygrid_model::measure::area_m2(&unit.geometry);
    let mut layers = serde_json::Map::new();
    for name in stats.names() {
        let has_time = stats
            .datasets
            .layers
            .get(name)
            .is_some_and(|l| matches!(&l.info.kind, citygrid_store::LayerKind::Entity { schema, .. } if !schema.times.is_empty()));
        let mut q = asked.clone();
        if !has_time {
            (q.from, q.to) = (None, None);
        }
        let row = match (stats.tileset(name), unit.level) {
            (Ok((_, cells)), Level::Cell) => cells.cell(&code).map_or(
                Value::Null,
                |c| json!({"kind": "tileset", "covered": c.covered, "tiles": c.tiles.len()}),
            ),
            (Ok(_), _) => {
                json!({"kind": "tileset", "coverage": format!("/v1/3dtiles/{name}/coverage?level={}", unit.level.as_str())})
            }
            (Err(_), _) => match stats.table(name, &city, &q) {
                Ok(t) => row_json(&t, code.as_str()),
                Err(e) => json!({"error": e.to_string()}),
            },
        };
        let mut row = row;
        if row["kind"] == "raster"
            && let Some(m2) = row["coverage_m2"].as_f64()
            && area > 0.0
        {
            // how much of the unit the raster covers
            row["covered"] = json!((m2 / area).min(1.0));
        }
        if let Some(obj) = row.as_object_mut() {
            obj.remove("code");
            obj.remove("name");
            obj.insert("windowed".into(), json!(has_time && asked.has_window()));
        }
        layers.insert(name.to_string(), row);
    }
    let mut out = json!({
        "code": code.as_str(),
        "name": unit.name,
        "level": unit.level.as_str(),
        "version": city.version(),
        "layers": layers,
    });
    if unit.level == Level::Cell {
        out["staff"] = stats.datasets.staff.cell_json(&code);
    }
    if let Some(f) = asked.from {
        out["from"] = json!(rfc3339(f));
    }
    if let Some(t) = asked.to {
        out["to"] = json!(rfc3339(t));
    }
    Ok(json_response(serde_json::to_vec(&out).unwrap_or_default()))
}

/// `GET /v1/layers`: every layer, with how many points fall outside the city.
pub async fn layers(Head(head): Head) -> Response {
    let mut list = head.stats.datasets.listing();
    for layer in list.as_array_mut().into_iter().flatten() {
        let name = layer["name"].as_str().unwrap_or_default().to_string();
        if let Some(outside) = head.stats.outside(&name) {
            layer["outside"] = json!(outside);
        }
    }
    let body = json!({
        "version": head.version(),
        "revision": head.stats.datasets.revision,
        "layers": list,
        "staff": {
            "revision": head.stats.datasets.staff.roster.revision,
            "people": head.stats.datasets.staff.roster.members.len(),
        },
    });
    json_response(serde_json::to_vec(&body).unwrap_or_default())
}

/// `GET /v1/layers/{name}`.
pub async fn layer(Head(head): Head, Path(name): Path<String>) -> Result<Response, ApiError> {
    let layer = head
        .stats
        .datasets
        .layers
        .get(&name)
        .ok_or_else(|| ApiError::NotFound(format!("no layer named {}", shorten(&name))))?;
    let mut out = layer.json();
    if let Some(outside) = head.stats.outside(&name) {
        out["outside"] = json!(outside);
    }
    Ok(json_response(serde_json::to_vec(&out).unwrap_or_default()))
}

/// The query's level, code prefix, window and grouping.
fn stats_query(query: &HashMap<String, String>, default: Level) -> Result<StatsQuery, ApiError> {
    let level = match query.get("level") {
        None => default,
        Some(l) => l
            .parse::<Level>()
            .map_err(|e| ApiError::BadRequest(format!("level: {e}")))?,
    };
    let time = |name: &str| -> Result<Option<i64>, ApiError> {
        query
            .get(name)
            .map(|t| {
                // a `+` of an offset arrives as a space unless sent as %2B
                let t = t.trim().replace(' ', "+");
                citygrid_io::parse_time(&t, CITY_UTC_OFFSET).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "{name}={} is not a time: use RFC 3339 (2026-03-01T08:00:00%2B08:00) or a date (2026-03-01, read at +08:00)",
                        shorten(&t)
                    ))
                })
            })
            .transpose()
    };
    let (from, to) = (time("from")?, time("to")?);
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(ApiError::BadRequest(format!(
            "from={} is not before to={}: the window [from, to) is empty",
            rfc3339(f),
            rfc3339(t)
        )));
    }
    Ok(StatsQuery {
        level,
        prefix: query
            .get("code")
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
        from,
        to,
        group_by: query.get("group_by").cloned().filter(|g| !g.is_empty()),
    })
}

/// The row of `code` in a one-unit table, as JSON.
fn row_json(table: &StatsTable, code: &str) -> Value {
    let row = match &table.rows {
        Rows::Entity(rows) => rows.iter().find(|r| r.code == code).map(|r| json!(r)),
        Rows::Raster(rows) => rows.iter().find(|r| r.code == code).map(|r| json!(r)),
    };
    let mut row = row.unwrap_or(Value::Null);
    if let Some(obj) = row.as_object_mut() {
        obj.insert("kind".into(), json!(table.kind));
    }
    row
}

/// A rendered answer sent without copying it (a table of every cell is a megabyte).
fn shared(body: Arc<Vec<u8>>) -> Bytes {
    struct Shared(Arc<Vec<u8>>);
    impl AsRef<[u8]> for Shared {
        fn as_ref(&self) -> &[u8] {
            &self.0
        }
    }
    Bytes::from_owner(Shared(body))
}

/// A table as JSON or CSV.
fn render(table: &StatsTable, csv: bool) -> Result<Vec<u8>, ApiError> {
    if csv {
        table
            .to_csv()
            .map_err(|e| ApiError::Internal(e.to_string()))
    } else {
        table
            .to_json()
            .map_err(|e| ApiError::Internal(e.to_string()))
    }
}

/// Same version, same layers, same question: same answer.
fn etag(key: &str, version: u64, revision: u64) -> String {
    let mut h = rustc_hash::FxHasher::default();
    key.hash(&mut h);
    format!("\"stats-{version}-{revision}-{:016x}\"", h.finish())
}

/// The question a query asks, whatever the order of its parameters (the version
/// it is of is said apart: `version` and `at` name it).
fn question(query: &HashMap<String, String>) -> String {
    let mut pairs: Vec<(&String, &String)> = query
        .iter()
        .filter(|(k, _)| *k != "version" && *k != "at")
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("&{k}={v}")).collect()
}

fn set_etag(response: &mut Response, etag: &str) {
    if let Ok(v) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
}

fn not_modified(etag: &str) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    set_etag(&mut r, etag);
    r
}

fn json_response(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Seconds since the epoch as RFC 3339 UTC.
fn rfc3339(seconds: i64) -> String {
    Timestamp::from_second(seconds).map_or_else(|_| seconds.to_string(), |t| t.to_string())
}
