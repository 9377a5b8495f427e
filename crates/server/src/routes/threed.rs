//! 3D Tiles linked to cells: `GET /v1/cells/{code}/3dtiles/{name}/tileset.json` (the
//! subset of tileset `name` that shows the cell, as of a version), `GET
//! /v1/3dtiles/{name}/{path}` (its content files, with Range and ETag, and nothing
//! but them) and `GET /v1/3dtiles/{name}/coverage` (the share of each unit the
//! photography covers). See docs/threed.md.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use citygrid_model::{Level, UnitCode};
use citygrid_threed::{CellInfo, subset};

use crate::as_of::{AsOfStats, Head};
use crate::error::{ApiError, shorten};
use crate::routes::params::{code_param, matches_etag};
use crate::state::AppState;

/// Largest content file sent whole in one answer; beyond, clients ask by Range.
const MAX_FILE_BYTES: u64 = 256 << 20;

/// The three routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/cells/{code}/3dtiles/{name}/tileset.json",
            get(cell_tileset),
        )
        .route("/v1/3dtiles/{name}/coverage", get(coverage))
        .route("/v1/3dtiles/{name}/{*path}", get(content))
}

/// `GET /v1/cells/{code}/3dtiles/{name}/tileset.json[?version=N|&at=T]`.
pub async fn cell_tileset(
    AsOfStats(city, stats): AsOfStats,
    Path((code, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let code = code_param(&code)?;
    let (tileset, cells) = stats.tileset(&name)?;
    let id = city
        .partition
        .id_of(&code)
        .filter(|&id| city.partition.unit(id).level == Level::Cell)
        .ok_or_else(|| {
            ApiError::NotFound(format!("no cell {code} in version {}", city.version()))
        })?;
    let etag = format!(
        "\"3dtiles-{name}-{code}-{}-{}\"",
        stats.version(),
        stats.datasets.revision
    );
    if matches_etag(&headers, &etag) {
        return Ok(with_etag(StatusCode::NOT_MODIFIED.into_response(), &etag));
    }
    let key = format!("3dtiles|{name}|{code}");
    let body = match stats.rendered.get(&key) {
        Some(b) => b,
        None => {
            let coverage = cells
                .cell(&code)
                .ok_or_else(|| ApiError::Internal(format!("cell {code} has no coverage")))?;
            let unit = city.partition.unit(id);
            let ancestor = |level: Level| {
                city.partition
                    .ancestors(id)
                    .map(|a| city.partition.unit(a))
                    .find(|u| u.level == level)
                    .map_or(String::new(), |u| u.code.to_string())
            };
            let (village, township, district) = (
                ancestor(Level::Village),
                ancestor(Level::Township),
                ancestor(Level::District),
            );
            let info = CellInfo {
                code: code.as_str(),
                name: &unit.name,
                village: &village,
                township: &township,
                district: &district,
                version: city.version(),
                outline: &unit.geometry,
            };
            let json = subset(
                &tileset.tileset,
                &coverage.tiles,
                &format!("/v1/3dtiles/{name}/"),
                &info,
            )
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "tileset {name:?} does not reach cell {code}: it has no photography there"
                ))
            })?;
            let body =
                Arc::new(serde_json::to_vec(&json).map_err(|e| ApiError::Internal(e.to_string()))?);
            stats.rendered.insert(key, Arc::clone(&body));
            body
        }
    };
    let mut r = ([(header::CONTENT_TYPE, "application/json")], shared(body)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(with_etag(r, &etag))
}

/// `GET /v1/3dtiles/{name}/coverage?level=cell|village|township|district|city[&code=PREFIX][&version=N|&at=T]`.
pub async fn coverage(
    AsOfStats(city, stats): AsOfStats,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (tileset, cells) = stats.tileset(&name)?;
    let level = match query.get("level") {
        None => Level::Cell,
        Some(l) => l
            .parse::<Level>()
            .map_err(|e| ApiError::BadRequest(format!("level: {e}")))?,
    };
    let prefix = query.get("code").map(String::as_str).unwrap_or("");
    let p = &city.partition;
    // covered and whole areas per unit of the level, from its cells
    let mut sums: HashMap<UnitCode, (f64, f64, usize)> = HashMap::new();
    for id in p.level_ids(Level::Cell) {
        let Some(c) = cells.cell(&p.unit(id).code) else {
            continue;
        };
        let owner = std::iter::once(id)
            .chain(p.ancestors(id))
            .find(|&u| p.unit(u).level == level);
        if let Some(owner) = owner {
            let e = sums
                .entry(p.unit(owner).code.clone())
                .or_insert((0.0, 0.0, 0));
            e.0 += c.covered * c.area_m2;
            e.1 += c.area_m2;
            e.2 += usize::from(c.covered == 0.0);
        }
    }
    let mut rows: Vec<Value> = p
        .level_ids(level)
        .map(|id| p.unit(id))
        .filter(|u| u.code.as_str().starts_with(prefix))
        .map(|u| {
            let (covered, area, bare) = sums.get(&u.code).copied().unwrap_or((0.0, 0.0, 0));
            json!({
                "code": u.code.as_str(),
                "name": u.name,
                "covered": if area > 0.0 { covered / area } else { 0.0 },
                "covered_m2": covered,
                "area_m2": area,
                "cells_without": bare,
            })
        })
        .collect();
    rows.sort_by(|a, b| a["code"].as_str().cmp(&b["code"].as_str()));
    let without = rows.iter().filter(|r| r["covered"] == 0.0).count();
    let body = json!({
        "tileset": name,
        "version": city.version(),
        "level": level.as_str(),
        "tiles": tileset.tileset.tiles.len(),
        "units_without": without,
        "rows": rows,
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(&body).unwrap_or_default(),
    )
        .into_response())
}

/// `GET /v1/3dtiles/{name}/{path}`: a content file of the tileset, and only those:
/// a path that is not one of its contents is 404, whatever it names on disk.
pub async fn content(
    Head(head): Head,
    Path((name, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (tileset, _) = head.stats.tileset(&name)?;
    if !tileset.contents.contains(&path) {
        return Err(ApiError::NotFound(format!(
            "{} is not a content file of tileset {name:?}",
            shorten(&path)
        )));
    }
    let file = tileset.tileset.dir.join(&path);
    let range = headers
        .get(header::RANGE)
        .and_then(|r| r.to_str().ok())
        .map(str::to_string);
    let inm = headers.clone();
    tokio::task::spawn_blocking(move || read_content(&file, &path, range.as_deref(), &inm))
        .await
        .map_err(|e| ApiError::Internal(format!("reading content: {e}")))?
}

fn read_content(
    file: &std::path::Path,
    path: &str,
    range: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let mut f =
        std::fs::File::open(file).map_err(|e| ApiError::NotFound(format!("{path}: {e}")))?;
    let meta = f
        .metadata()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let len = meta.len();
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let etag = format!("\"{len:x}-{modified:x}\"");
    if matches_etag(headers, &etag) {
        return Ok(with_etag(StatusCode::NOT_MODIFIED.into_response(), &etag));
    }
    let kind = match path
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("glb") => "model/gltf-binary",
        Some("gltf" | "json") => "application/json",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("ktx2") => "image/ktx2",
        _ => "application/octet-stream",
    };
    let (status, start, end) = match range.map(|r| parse_range(r, len)) {
        None => (StatusCode::OK, 0, len),
        Some(Some((s, e))) => (StatusCode::PARTIAL_CONTENT, s, e),
        Some(None) => {
            let mut r = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(r);
        }
    };
    if end - start > MAX_FILE_BYTES {
        return Err(ApiError::TooLarge(format!(
            "{path} is {len} bytes; ask for it in ranges (Range: bytes=0-{})",
            MAX_FILE_BYTES - 1
        )));
    }
    let mut bytes = vec![0u8; (end - start) as usize];
    f.seek(SeekFrom::Start(start))
        .and_then(|_| f.read_exact(&mut bytes))
        .map_err(|e| ApiError::Internal(format!("{path}: {e}")))?;
    let mut r = (status, [(header::CONTENT_TYPE, kind)], Bytes::from(bytes)).into_response();
    let h = r.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(with_etag(r, &etag))
}

/// One byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) as [start, end); `None`
/// when it is not satisfiable or not one range.
fn parse_range(text: &str, len: u64) -> Option<(u64, u64)> {
    let spec = text.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            (len.saturating_sub(n), len)
        }
        (a, "") => (a.parse().ok()?, len),
        (a, b) => (
            a.parse().ok()?,
            b.parse::<u64>().ok()?.saturating_add(1).min(len),
        ),
    };
    (start < end && start < len).then_some((start, end))
}

fn with_etag(mut r: Response, etag: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// A rendered answer sent without copying it.
fn shared(body: Arc<Vec<u8>>) -> Bytes {
    struct Shared(Arc<Vec<u8>>);
    impl AsRef<[u8]> for Shared {
        fn as_ref(&self) -> &[u8] {
            &self.0
        }
    }
    Bytes::from_owner(Shared(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_one_satisfiable_span() {
        assert_eq!(parse_range("bytes=0-99", 1000), Some((0, 100)));
        assert_eq!(parse_range("bytes=900-", 1000), Some((900, 1000)));
        assert_eq!(parse_range("bytes=-100", 1000), Some((900, 1000)));
        assert_eq!(parse_range("bytes=990-2000", 1000), Some((990, 1000)));
        assert_eq!(parse_range("bytes=1000-", 1000), None);
        assert_eq!(parse_range("bytes=0-1,5-9", 1000), None);
        assert_eq!(parse_range("items=0-1", 1000), None);
        assert_eq!(parse_range("bytes=5-2", 1000), None);
    }
}
