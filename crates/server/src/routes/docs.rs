//! `GET /openapi.json` and `GET /docs`: the API described for machines and people.

use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

/// `GET /openapi.json` and `/docs`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/docs", get(page))
}

/// The OpenAPI 3.1 document, kept beside the crate and checked against the router
/// by a test.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// The OpenAPI document.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// A page for people: every endpoint with an example to paste.
pub async fn page() -> Html<&'static str> {
    Html(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>citygrid API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}code,pre{background:#f3f3f3;padding:.1rem .3rem}pre{padding:.6rem;overflow:auto}</style></head>
<body><h1>citygrid API</h1>
<p>Which grid cell is a point in, and what is around it. Coordinates are WGS84 longitude/latitude unless
<code>crs</code> says otherwise: <code>wgs84</code>, <code>cgcs2000</code>, <code>gcj02</code> (AMap, Tencent, WeChat),
<code>bd09</code> (Baidu), <code>epsg:3857</code>, <code>epsg:4513</code>..<code>epsg:4554</code> (Gauss-Kruger).
A point on a boundary belongs to exactly one cell, always the same. Errors are JSON:
<code>{"error": {"status", "kind", "message"}}</code>. Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<h2>One point</h2><pre>GET /v1/lookup?lon=106.71&amp;lat=26.58
GET /v1/lookup?lon=106.714&amp;lat=26.577&amp;crs=gcj02
GET /v1/lookup?lon=106.0&amp;lat=26.0&amp;near=500     (outside: nearest cell within 500 m)</pre>
<h2>Many points</h2><pre>POST /v1/lookup
{"crs": "wgs84", "points": [[106.71, 26.58], [106.72, 26.59]]}
{"crs": "gcj02", "fields": "code", "points": [...]}      (codes only; or POST /v1/lookup?fields=code)
{"type": "FeatureCollection", "features": [...Points...]} (answered with a "cell" property)</pre>
<p>Up to 100,000 points per request; the answer is streamed, gzipped when accepted. Batches queue behind a
concurrency limit: when the queue is full the answer is 503 with <code>Retry-After</code>.</p>
<h2>Cells and units</h2><pre>GET /v1/cells/{code}                 a unit as a GeoJSON Feature
GET /v1/cells?bbox=106.6,26.5,106.8,26.7&amp;level=cell&amp;limit=100&amp;offset=0
GET /v1/units/{code}                 with ancestors and children</pre>
<h2>Vector tiles</h2><pre>GET /v1/tiles/{z}/{x}/{y}.mvt        MVT 2.1: districts, townships, villages, cells, labels
GET /v1/tiles/{z}/{x}/{y}.mvt?crs=gcj02   for AMap and Tencent basemaps
GET /v1/tiles.json                   TileJSON 3.0
GET /v1/style.json                   a MapLibre style, no external basemap</pre>
<p>Gzipped, with an ETag (If-None-Match answers 304) and Cache-Control; an empty tile is 204.</p>
<h2>Web viewer</h2><pre>GET /                                the map: cells, search, choropleths, check reports
GET /v1/search?q=520102019           units by code (start) or name (part), best first
GET /v1/convert?lon=106.71&amp;lat=26.58&amp;to=gcj02   a position in another crs
GET /v1/colours                      colour classes per level, neighbours differing
GET /v1/viewer-config.json           basemap and choropleth classes</pre>
<h2>Operations</h2><pre>GET /healthz   GET /readyz   GET /metrics (Prometheus)</pre>
<p><code>/readyz</code> answers 503 with the reason when the partition fails <code>citygrid check</code> and is served
anyway (<code>--allow-invalid</code>). Timeouts, the connection cap and the queues are in docs/server.md.</p>
</body></html>"#,
    )
}
