//! `GET /v1/tiles/{z}/{x}/{y}.mvt` (a vector tile of the head), `GET
//! /v1/v/{version}/tiles/{z}/{x}/{y}.mvt` (of one version, for good), `GET
//! /v1/tiles.json` and `/v1/v/{version}/tiles.json` (TileJSON 3.0) and `GET
//! /v1/style.json` (a MapLibre style with no external basemap, glyphs or sprites).
//!
//! TileJSON and the style point at the versioned tile URLs, so a map never mixes
//! two versions' tiles, and those answers never change: `Cache-Control: immutable`
//! (a CDN may keep them for good). The head's tiles, TileJSON and style change with
//! each version and are cached for `tile_max_age_s`. Tiles are gzipped when the
//! client accepts it and carry a weak ETag naming the version their bytes were made
//! for (a tile an edit did not touch keeps it); `If-None-Match` with the same tag
//! answers 304. A tile with nothing in it is 204 No Content (MapLibre draws it
//! empty). All take `crs=gcj02` for AMap and Tencent basemaps.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use citygrid_tiles::{Layer, TileId};

use crate::as_of::{HeadMap, VERSION_HEADER, version_number};
use crate::error::{ApiError, shorten};
use crate::hosts::BaseUrl;
use crate::routes::params::{base, matches_etag};
use crate::state::AppState;
use crate::tile_service::{TileCrs, TileService};

/// The tile, TileJSON and style routes, of the head and of each version.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/tiles/{z}/{x}/{y}", get(tile))
        .route("/v1/v/{version}/tiles/{z}/{x}/{y}", get(versioned_tile))
        .route("/v1/tiles.json", get(tilejson))
        .route("/v1/v/{version}/tiles.json", get(versioned_tilejson))
        .route("/v1/style.json", get(style))
}

/// The MIME type of MVT tiles.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

/// What a versioned URL answers never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `GET /v1/tiles/{z}/{x}/{y}.mvt[?crs=gcj02]`: the head's tile.
pub async fn tile(
    State(state): State<AppState>,
    HeadMap(map): HeadMap,
    Path((z, x, file)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let cache_control = format!("public, max-age={}", state.config.tile_max_age_s);
    tile_response(
        &map.tiles,
        (&z, &x, &file),
        &query,
        &headers,
        &cache_control,
    )
    .await
}

/// `GET /v1/v/{version}/tiles/{z}/{x}/{y}.mvt[?crs=gcj02]`: a tile of one version.
pub async fn versioned_tile(
    State(state): State<AppState>,
    Path((version, z, x, file)): Path<(String, String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tiles = tiles_of(&state, &version).await?;
    tile_response(&tiles, (&z, &x, &file), &query, &headers, IMMUTABLE).await
}

/// The tiles of the version a path names.
async fn tiles_of(state: &AppState, version: &str) -> Result<Arc<TileService>, ApiError> {
    state
        .versions
        .tiles(version_number("version", version)?)
        .await
}

async fn tile_response(
    service: &Arc<TileService>,
    (z, x, file): (&str, &str, &str),
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    cache_control: &str,
) -> Result<Response, ApiError> {
    let crs = TileCrs::from_param(query.get("crs").map(String::as_str))?;
    let t = parse_tile(z, x, file, service.maxzoom())?;
    let tile = service.get(crs, t).await?;
    let mut response = if matches_etag(headers, &tile.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if tile.raw.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else if accepts_gzip(headers) {
        let mut r = Response::new(Body::from(tile.gzip.clone()));
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        Response::new(Body::from(tile.raw.clone()))
    };
    let ok = response.status() == StatusCode::OK;
    let h = response.headers_mut();
    if ok {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT));
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&tile.etag).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(cache_control).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    h.insert(VERSION_HEADER, HeaderValue::from(service.version()));
    Ok(response)
}

/// `z`, `x` and `y.mvt` (or `y.pbf`) as a checked tile address; above `maxzoom`
/// there is no tile (404).
fn parse_tile(z: &str, x: &str, file: &str, maxzoom: u8) -> Result<TileId, ApiError> {
    let y = file
        .strip_suffix(".mvt")
        .or_else(|| file.strip_suffix(".pbf"))
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{}: a tile path is /v1/tiles/{{z}}/{{x}}/{{y}}.mvt",
                shorten(file)
            ))
        })?;
    let number = |name: &str, text: &str| {
        text.parse::<u64>().map_err(|_| {
            ApiError::BadRequest(format!("{name}={} must be a whole number", shorten(text)))
        })
    };
    let (z, x, y) = (number("z", z)?, number("x", x)?, number("y", y)?);
    if z > u64::from(maxzoom) {
        return Err(ApiError::NotFound(format!(
            "no tiles above zoom {maxzoom} (tile {z}/{x}/{y}); clients zoom in on those"
        )));
    }
    TileId::new(z as u32, x, y).map_err(|e| ApiError::BadRequest(e.to_string()))
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f64>().ok())
                    == Some(0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn crs_suffix(crs: TileCrs) -> &'static str {
    match crs {
        TileCrs::Wgs84 => "",
        TileCrs::Gcj02 => "?crs=gcj02",
    }
}

/// A JSON answer shared caches may keep, naming its version; when its URLs came
/// from the Host header, caches keep one per Host.
fn cached_json(body: Value, cache_control: &str, version: u64, base: &BaseUrl) -> Response {
    let mut r = Json(body).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(cache_control) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h.insert(VERSION_HEADER, HeaderValue::from(version));
    if base.from_host {
        h.insert(header::VARY, HeaderValue::from_static("host"));
    }
    r
}

/// `GET /v1/tiles.json[?crs=gcj02]`: TileJSON 3.0.0 of the head's tiles.
pub async fn tilejson(
    State(state): State<AppState>,
    HeadMap(map): HeadMap,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let cache_control = format!("public, max-age={}", state.config.tile_max_age_s);
    let base = base(&state, &headers)?;
    let body = tilejson_body(&state, &map.tiles, &query, &base)?;
    Ok(cached_json(body, &cache_control, map.version(), &base))
}

/// `GET /v1/v/{version}/tiles.json[?crs=gcj02]`: TileJSON 3.0.0 of one version.
pub async fn versioned_tilejson(
    State(state): State<AppState>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tiles = tiles_of(&state, &version).await?;
    let base = base(&state, &headers)?;
    let body = tilejson_body(&state, &tiles, &query, &base)?;
    Ok(cached_json(body, IMMUTABLE, tiles.version(), &base))
}

/// TileJSON of `service`'s version, its tile URLs carrying that version.
fn tilejson_body(
    state: &AppState,
    service: &TileService,
    query: &HashMap<String, String>,
    base: &BaseUrl,
) -> Result<Value, ApiError> {
    let crs = TileCrs::from_param(query.get("crs").map(String::as_str))?;
    let tiler = service.tiler(crs)?;
    let base = &base.url;
    let version = service.version();
    let [w, s, e, n] = tiler.bounds();
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let layers: Vec<Value> = tiler
        .layers()
        .into_iter()
        .map(|l| {
            let (minzoom, maxzoom) = tiler.options().zooms_of(l).unwrap_or((0, 0));
            let fields: Map<String, Value> = tiler
                .fields(l)
                .into_iter()
                .map(|(k, t)| (k, json!(t.as_str())))
                .collect();
            json!({
                "id": l.name(),
                "description": l.description(),
                "minzoom": minzoom,
                "maxzoom": maxzoom,
                "fields": fields,
            })
        })
        .collect();
    let centre_zoom = tiler.options().zooms_of(Layer::Cells).map_or(10, |z| z.0);
    Ok(json!({
        "tilejson": "3.0.0",
        "name": "citygrid",
        "description": format!("Grid cells of {} (partition version {version}), {} coordinates", state.versions.head().city.source, crs.as_str()),
        "version": "1.0.0",
        "scheme": "xyz",
        "tiles": [format!("{base}/v1/v/{version}/tiles/{{z}}/{{x}}/{{y}}.mvt{}", crs_suffix(crs))],
        "minzoom": service.minzoom(),
        "maxzoom": service.maxzoom(),
        "bounds": [round(w), round(s), round(e), round(n)],
        "center": [round((w + e) / 2.0), round((s + n) / 2.0), centre_zoom],
        "vector_layers": layers,
    }))
}

/// `GET /v1/style.json[?crs=gcj02]`: a MapLibre style drawing every layer, with no
/// basemap, fonts or sprites from elsewhere (there may be no internet). Cell labels
/// are drawn as dots: text needs glyphs, which the viewer will serve.
pub async fn style(
    State(state): State<AppState>,
    HeadMap(map): HeadMap,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let crs = TileCrs::from_param(query.get("crs").map(String::as_str))?;
    let tiler = map.tiles.tiler(crs)?;
    let version = map.version();
    let base_url = base(&state, &headers)?;
    let base = &base_url.url;
    let [w, s, e, n] = tiler.bounds();
    let zooms = |l: Layer| tiler.options().zooms_of(l).unwrap_or((0, 0));
    let (cells_min, _) = zooms(Layer::Cells);
    let layer = |id: &str, kind: &str, source: Layer, paint: Value| {
        let (minzoom, _) = zooms(source);
        json!({"id": id, "type": kind, "source": "citygrid", "source-layer": source.name(), "minzoom": minzoom, "paint": paint})
    };
    let hover = |on: Value, off: Value| {
        json!([
            "case",
            ["boolean", ["feature-state", "hover"], false],
            on,
            off
        ])
    };
    let style = json!({
        "version": 8,
        "name": "citygrid",
        "center": [(w + e) / 2.0, (s + n) / 2.0],
        "zoom": f64::from(cells_min),
        "sources": {
            "citygrid": {"type": "vector", "url": format!("{base}/v1/v/{version}/tiles.json{}", crs_suffix(crs))}
        },
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": "#f3f1ec"}},
            layer("districts-fill", "fill", Layer::Districts, json!({"fill-color": "#e4dccb", "fill-opacity": 0.8})),
            layer("cells-fill", "fill", Layer::Cells, json!({
                "fill-color": ["interpolate", ["linear"], ["coalesce", ["get", "households"], 0],
                    0, "#fff7ec", 300, "#fdd49e", 450, "#fc8d59", 600, "#d7301f"],
                "fill-opacity": hover(json!(0.95), json!(0.65)),
            })),
            layer("cells-line", "line", Layer::Cells, json!({"line-color": "#9c7a54", "line-width": ["interpolate", ["linear"], ["zoom"], cells_min, 0.3, 16, 1.2]})),
            layer("villages-line", "line", Layer::Villages, json!({"line-color": "#6f5436", "line-width": 1.0})),
            layer("townships-line", "line", Layer::Townships, json!({"line-color": "#4d3a26", "line-width": 1.6, "line-dasharray": [3, 1.5]})),
            layer("districts-line", "line", Layer::Districts, json!({"line-color": "#2b1f14", "line-width": 2.4})),
            {"id": "labels", "type": "circle", "source": "citygrid", "source-layer": "labels", "minzoom": zooms(Layer::Labels).0.max(13),
             "paint": {"circle-radius": 2.0, "circle-color": "#2b1f14", "circle-opacity": 0.7}},
        ],
    });
    let cache_control = format!("public, max-age={}", state.config.tile_max_age_s);
    Ok(cached_json(style, &cache_control, version, &base_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn tile_paths_parse_or_say_why_not() {
        assert_eq!(
            parse_tile("3", "4", "5.mvt", 16).unwrap().to_string(),
            "3/4/5"
        );
        assert_eq!(
            parse_tile("3", "4", "5.pbf", 16).unwrap().to_string(),
            "3/4/5"
        );
        for (z, x, y) in [
            ("3", "4", "5.png"),
            ("a", "4", "5.mvt"),
            ("2", "4", "0.mvt"),
            ("99", "0", "0.mvt"),
        ] {
            assert!(parse_tile(z, x, y, 16).is_err(), "{z}/{x}/{y}");
        }
    }

    #[test]
    fn etags_compare_weakly_and_gzip_can_be_refused() {
        let tag = "W/\"00ff\"";
        assert!(matches_etag(
            &headers(header::IF_NONE_MATCH, "\"00ff\""),
            tag
        ));
        assert!(matches_etag(
            &headers(header::IF_NONE_MATCH, "\"1\", W/\"00ff\""),
            tag
        ));
        assert!(matches_etag(&headers(header::IF_NONE_MATCH, "*"), tag));
        assert!(!matches_etag(
            &headers(header::IF_NONE_MATCH, "\"00fe\""),
            tag
        ));
        assert!(accepts_gzip(&headers(header::ACCEPT_ENCODING, "br, gzip")));
        assert!(!accepts_gzip(&headers(
            header::ACCEPT_ENCODING,
            "gzip;q=0, br"
        )));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
