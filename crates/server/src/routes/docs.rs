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
<h2>Versions</h2>
<p>Every edit makes a new version; reads answer from the newest (the head) unless asked for another with
<code>version=N</code> or <code>at=TIME</code> (RFC 3339; write <code>+</code> as <code>%2B</code>), on lookups, cells, units and
search. Every answer names its version in the <code>X-Citygrid-Version</code> header, and JSON answers in a
<code>version</code> field.</p><pre>GET /v1/lookup?lon=106.71&amp;lat=26.58&amp;at=2026-03-01T00:00:00%2B08:00   which cell held it on 1 March
POST /v1/lookup?version=12           a batch against version 12
GET /v1/cells/{code}?version=3
GET /v1/versions                     the head and the versions, newest first (before=N&amp;limit=20 pages)
GET /v1/versions/{n}                 one version: time, author, message, codes changed, created, retired
GET /v1/cells/{code}/history         every state of a unit with its versions and times, and its lineage
GET /v1/diff?from=3&amp;to=5              changed units before and after, and the m&sup2; that moved between them</pre>
<h2>Edits</h2><pre>POST /v1/edits        Authorization: Bearer TOKEN (editor or admin)
{"base_version": 12, "message": "new road", "crs": "gcj02", "dry_run": false, "ops": [
  {"op": "transfer", "from": "520102019003002", "to": "520102019003003", "area": {"type": "Polygon", "coordinates": [...]}},
  {"op": "reshape", "line": {"type": "LineString", "coordinates": [...]}, "move_parents": false},
  {"op": "split", "cell": "520102019003002", "line": {...}},
  {"op": "merge", "cells": ["520102019003002", "520102019003003"]},
  {"op": "reparent", "cell": "520102019003002", "village": "520102019004"},
  {"op": "set", "cell": "520102019003002", "attributes": {"name": "...", "staff": "..."}}]}
POST /v1/revert       {"to": 11, "message": "undo"}   (admin)
GET /v1/whoami        the token's name, role and district</pre>
<p>All operations commit together as one version (<code>{"version", "changed", "created", "retired"}</code>) or
not at all: 422 <code>invalid_edit</code> with the checker's located <code>problems</code>, 409 <code>conflict</code> with the
<code>head</code> and what <code>changed_since</code> the base, 400 for a malformed body naming the field. A village (or
higher) boundary moves only with <code>"move_parents": true</code>.</p>
<h2>Vector tiles</h2><pre>GET /v1/tiles.json                   TileJSON 3.0 of the head: its tile URLs carry the version
GET /v1/v/{version}/tiles/{z}/{x}/{y}.mvt   MVT 2.1: districts, townships, villages, cells, labels
GET /v1/v/{version}/tiles.json       TileJSON of one version
GET /v1/tiles/{z}/{x}/{y}.mvt        the head's tile
GET /v1/tiles/{z}/{x}/{y}.mvt?crs=gcj02   for AMap and Tencent basemaps
GET /v1/style.json                   a MapLibre style, no external basemap</pre>
<p>Gzipped, with an ETag naming the version the bytes were made for (If-None-Match answers 304); an empty
tile is 204. Versioned URLs never change (<code>Cache-Control: immutable</code>); the head's are cached briefly.</p>
<h2>OGC API - Features (QGIS, GDAL, ArcGIS)</h2><pre>GET /ogc                             landing page; /ogc/conformance; /ogc/api (OpenAPI 3.0)
GET /ogc/collections                 districts, townships, villages, cells, with extents
GET /ogc/collections/cells/items?bbox=106.6,26.5,106.8,26.7&amp;limit=100&amp;offset=0
GET /ogc/collections/cells/items?crs=http://www.opengis.net/def/crs/EPSG/0/4490   (CGCS2000, latitude first)
GET /ogc/collections/cells/items?datetime=2026-03-01T00:00:00Z&amp;parent=520102019003
GET /ogc/collections/cells/items/{code}</pre>
<p>In QGIS: Layer &gt; Add Layer &gt; Add WFS / OGC API - Features Layer, a new connection to
<code>http://HOST:8080/ogc</code>. <code>f=html</code> (or a browser) gives plain pages; answers carry ETags.</p>
<h2>Web viewer</h2><pre>GET /                                the map: cells, search, choropleths, check reports
GET /v1/search?q=520102019           units by code (start) or name (part), best first
GET /v1/convert?lon=106.71&amp;lat=26.58&amp;to=gcj02   a position in another crs
GET /v1/colours                      colour classes per level, neighbours differing
GET /v1/viewer-config.json           basemap and choropleth classes</pre>
<h2>Tokens</h2>
<p>Reads are open unless the server sets <code>read_requires_token = true</code>: then every <code>/v1/</code> request
needs <code>Authorization: Bearer TOKEN</code> (<code>citygrid token create --role viewer</code>; 401 without a valid one).
Edits need an editor or admin token, within its district if it has one (403 otherwise).</p>
<h2>Operations</h2><pre>GET /healthz   GET /readyz   GET /metrics (Prometheus)</pre>
<p><code>/readyz</code> answers 503 with the reason when the partition fails <code>citygrid check</code> and is served
anyway (<code>--allow-invalid</code>). Timeouts, the connection cap and the queues are in docs/server.md.</p>
</body></html>"#,
    )
}
