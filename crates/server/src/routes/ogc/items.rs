//! `GET /ogc/collections/{id}/items` and `.../items/{featureId}`: the units of a
//! level as GeoJSON features, filtered by box, code and parent, paged, in any of
//! the CRS offered, as of a time (`datetime`) or a version.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use geo_types::{Geometry, Rect};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use citygrid_crs::Transform;
use citygrid_io::geometry::to_geojson;
use citygrid_model::{UnitCode, UnitId};

use crate::as_of::Asked;
use crate::city::City;
use crate::error::{ApiError, shorten};
use crate::routes::ogc::collections::{Collection, reply};
use crate::routes::ogc::crs::{OgcCrs, swap_axes};
use crate::routes::ogc::format::{Format, link, self_links};
use crate::routes::params::{base, limit_param, whole_number};
use crate::state::AppState;

/// Features in a page unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 100;
/// Most features in a page.
const MAX_LIMIT: usize = 10_000;
/// The query parameters items understand; any other is refused (Part 1 asks it).
const PARAMETERS: [&str; 11] = [
    "f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "code", "parent", "version",
    "at",
];
/// GeoJSON's media type.
const GEOJSON: &str = "application/geo+json";

/// `GET /ogc/collections/{id}/items`.
pub async fn items(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let collection = Collection::from_id(&id)?;
    if let Some(unknown) = query.keys().find(|k| !PARAMETERS.contains(&k.as_str())) {
        return Err(ApiError::BadRequest(format!(
            "unknown query parameter {}; items take {}",
            shorten(unknown),
            PARAMETERS.join(", ")
        )));
    }
    let format = Format::of(&query, &headers)?;
    let crs = OgcCrs::from_param("crs", query.get("crs"))?;
    let transform = crs.transform()?;
    let limit = limit_param(&query, DEFAULT_LIMIT, MAX_LIMIT)?;
    let offset = whole_number(&query, "offset", 0, 0..=usize::MAX)?;
    let bbox_crs = OgcCrs::from_param("bbox-crs", query.get("bbox-crs"))?;
    let bbox = match query.get("bbox") {
        None => None,
        Some(text) => Some(parse_bbox(text, bbox_crs)?),
    };
    let code = query.get("code");
    let parent = query.get("parent");
    let city = city_of(&state, &query).await?;
    let world = Rect::new((-180.0, -90.0), (180.0, 90.0));
    let matched: Vec<UnitId> = city
        .in_box(collection.0, bbox.unwrap_or(world))
        .filter(|&id| {
            let u = city.partition.unit(id);
            code.is_none_or(|c| u.code.as_str() == c)
                && parent
                    .is_none_or(|p| u.parent.as_ref().map(UnitCode::as_str) == Some(p.as_str()))
        })
        .collect();
    let page: Vec<Value> = matched
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&id| feature(&city, id, crs, &transform))
        .collect::<Result<_, _>>()?;
    let base = base(&state, &headers)?;
    let path = format!("/ogc/collections/{}/items", collection.id());
    // The same request again, without `f` and `offset`, for the links.
    let mut kept: Vec<(&String, &String)> = query
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "f" | "offset"))
        .collect();
    kept.sort();
    let encoded = |offset: usize| {
        let mut pairs: Vec<String> = kept
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        if offset > 0 {
            pairs.push(format!("offset={offset}"));
        }
        pairs.join("&")
    };
    let mut links = self_links(&base, &path, &encoded(offset), format, GEOJSON);
    let returned = page.len();
    if offset + returned < matched.len() {
        let next =
            format!("{}{path}?{}&f=json", base.url, encoded(offset + returned)).replace("?&", "?");
        links.push(link(next, "next", GEOJSON, "the next page"));
    }
    if offset > 0 {
        let prev = format!(
            "{}{path}?{}&f=json",
            base.url,
            encoded(offset.saturating_sub(limit))
        )
        .replace("?&", "?");
        links.push(link(prev, "prev", GEOJSON, "the page before"));
    }
    let body = json!({
        "type": "FeatureCollection",
        "features": page,
        "numberMatched": matched.len(),
        "numberReturned": returned,
        "timeStamp": Timestamp::now().to_string(),
        "version": city.version(),
        "links": links,
    });
    let title = format!("{} (version {})", collection.id(), city.version());
    Ok(
        reply(format, GEOJSON, title, city.version(), &uri, &base).send(
            &body,
            &headers,
            &[("content-crs", format!("<{}>", crs.uri()))],
        ),
    )
}

/// `GET /ogc/collections/{id}/items/{featureId}`: one unit of that level by code.
pub async fn item(
    State(state): State<AppState>,
    Path((id, feature_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let collection = Collection::from_id(&id)?;
    let format = Format::of(&query, &headers)?;
    let crs = OgcCrs::from_param("crs", query.get("crs"))?;
    let city = city_of(&state, &query).await?;
    let found = feature_id
        .parse::<UnitCode>()
        .ok()
        .and_then(|code| city.partition.id_of(&code))
        .filter(|&u| city.partition.unit(u).level == collection.0)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no feature {} in {} (version {})",
                shorten(&feature_id),
                collection.id(),
                city.version()
            ))
        })?;
    let base = base(&state, &headers)?;
    let mut body = feature(&city, found, crs, &crs.transform()?)?;
    let path = format!("/ogc/collections/{}/items/{feature_id}", collection.id());
    let mut links = self_links(&base, &path, "", format, GEOJSON);
    links.push(link(
        format!("{}/ogc/collections/{}?f=json", base.url, collection.id()),
        "collection",
        "application/json",
        "the collection",
    ));
    body["links"] = json!(links);
    body["version"] = json!(city.version());
    Ok(reply(
        format,
        GEOJSON,
        feature_id.clone(),
        city.version(),
        &uri,
        &base,
    )
    .send(
        &body,
        &headers,
        &[("content-crs", format!("<{}>", crs.uri()))],
    ))
}

/// The city a request asks for: `datetime` (OGC's: the version in force at that
/// instant, or at the end of an interval), else `version=N` or `at=TIME`, else the
/// head.
async fn city_of(
    state: &AppState,
    query: &HashMap<String, String>,
) -> Result<std::sync::Arc<City>, ApiError> {
    let versions = &state.versions;
    let asked = match query.get("datetime") {
        None => Asked::from_query(query)?,
        Some(_) if query.contains_key("version") || query.contains_key("at") => {
            return Err(ApiError::BadRequest(
                "datetime and version (or at): ask for a time or a version, not both".into(),
            ));
        }
        Some(text) => datetime(text)?,
    };
    Ok(match asked {
        Asked::Head => versions.head().city.clone(),
        Asked::Version(v) => versions.city(v).await?,
        Asked::At(t) => versions.city(versions.version_at(t).await?).await?,
    })
}

/// An OGC `datetime`: an instant, or an interval `start/end` whose end (`..` or
/// empty: open, the head) picks the version.
fn datetime(text: &str) -> Result<Asked, ApiError> {
    let end = text.rsplit('/').next().unwrap_or(text).trim();
    if end.is_empty() || end == ".." {
        return Ok(Asked::Head);
    }
    end.replace(' ', "+")
        .parse::<Timestamp>()
        .map(Asked::At)
        .map_err(|_| {
            ApiError::BadRequest(format!(
                "datetime={} must be an RFC 3339 time such as 2026-03-01T08:30:00Z, or an \
             interval START/END (the version in force at END)",
                shorten(text)
            ))
        })
}

/// A unit as a feature: its code as the id, its attributes as properties.
fn feature(city: &City, id: UnitId, crs: OgcCrs, transform: &Transform) -> Result<Value, ApiError> {
    let u = city.partition.unit(id);
    let mut geometry = serde_json::to_value(to_geojson(
        &Geometry::MultiPolygon(u.geometry.clone()),
        transform,
    ))
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    if crs.lat_first() {
        swap_axes(&mut geometry["coordinates"]);
    }
    let mut properties = Map::new();
    properties.insert("code".into(), json!(u.code.as_str()));
    properties.insert("name".into(), json!(u.name));
    properties.insert("level".into(), json!(u.level.as_str()));
    properties.insert(
        "parent".into(),
        json!(u.parent.as_ref().map(UnitCode::as_str)),
    );
    for (key, value) in &u.attributes {
        properties
            .entry(key.clone())
            .or_insert_with(|| citygrid_io::attr(value));
    }
    Ok(json!({
        "type": "Feature",
        "id": u.code.as_str(),
        "geometry": geometry,
        "properties": properties,
    }))
}

/// `bbox` in `crs` (latitude first for the EPSG geographic ones), as a WGS84 box.
fn parse_bbox(text: &str, crs: OgcCrs) -> Result<Rect<f64>, ApiError> {
    let bad = |why: &str| ApiError::BadRequest(format!("bbox={}: {why}", shorten(text)));
    let v: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("must be four numbers"))?;
    if v.len() != 4 || v.iter().any(|x| !x.is_finite()) {
        return Err(bad(
            "must be four finite numbers (six, with heights, are not supported)",
        ));
    }
    let (a, b) = if crs.lat_first() {
        ((v[1], v[0]), (v[3], v[2]))
    } else {
        ((v[0], v[1]), (v[2], v[3]))
    };
    if a.0 > b.0 || a.1 > b.1 {
        return Err(bad("the lower corner must come first"));
    }
    let transform = crs.transform()?;
    let to = |(x, y): (f64, f64)| {
        transform
            .to_wgs84(x, y)
            .map_err(|e| bad(&format!("outside {}: {e}", crs.uri())))
    };
    Ok(Rect::new(to(a)?, to(b)?))
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_pick_an_instant_or_an_interval_s_end() {
        assert!(matches!(
            datetime("2026-03-01T00:00:00Z").unwrap(),
            Asked::At(_)
        ));
        assert!(matches!(
            datetime("2026-01-01T00:00:00Z/2026-03-01T00:00:00Z").unwrap(),
            Asked::At(_)
        ));
        assert_eq!(datetime("2026-01-01T00:00:00Z/..").unwrap(), Asked::Head);
        assert_eq!(datetime("..").unwrap(), Asked::Head);
        assert!(
            datetime("yesterday")
                .unwrap_err()
                .to_string()
                .contains("datetime=\"yesterday\"")
        );
    }

    #[test]
    fn a_latitude_first_bbox_is_read_latitude_first() {
        let r = parse_bbox("26.5,106.6,26.6,106.7", OgcCrs::Epsg4326).unwrap();
        assert_eq!((r.min().x, r.min().y), (106.6, 26.5));
        assert!(parse_bbox("1,2,3", OgcCrs::Crs84).is_err());
        assert!(parse_bbox("3,2,1,4", OgcCrs::Crs84).is_err());
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("a b/c:d"), "a%20b%2Fc%3Ad");
    }
}
