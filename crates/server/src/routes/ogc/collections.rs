//! The landing page, the conformance classes, the API definition, and the four
//! collections (districts, townships, villages, cells) with their extents.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use geo_types::Rect;
use serde_json::{Value, json};

use citygrid_model::Level;

use crate::as_of::AsOf;
use crate::city::City;
use crate::error::ApiError;
use crate::hosts::BaseUrl;
use crate::routes::ogc::crs::OgcCrs;
use crate::routes::ogc::format::{Format, Reply, link, self_links};
use crate::routes::params::base;
use crate::state::AppState;

/// The conformance classes: the ones the tests exercise (Parts 1 and 2 in
/// tests/python/test_ogc_vs_gdal.py, Part 4 in crates/server/tests/edits.rs).
pub const CONFORMANCE: [&str; 8] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
];

/// The API definition of `/ogc`, OpenAPI 3.0.
pub const OPENAPI: &str = include_str!("../../../ogc-openapi.json");

/// The media type of the API definition.
const OPENAPI_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

/// A collection: the units of one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collection(pub Level);

impl Collection {
    /// The four, top level first.
    pub const ALL: [Collection; 4] = [
        Collection(Level::District),
        Collection(Level::Township),
        Collection(Level::Village),
        Collection(Level::Cell),
    ];

    /// Its id in URLs.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self.0 {
            Level::City => "city",
            Level::District => "districts",
            Level::Township => "townships",
            Level::Village => "villages",
            Level::Cell => "cells",
        }
    }

    /// The collection with this id.
    ///
    /// # Errors
    /// [`ApiError::NotFound`] naming the ids there are.
    pub fn from_id(id: &str) -> Result<Collection, ApiError> {
        Collection::ALL
            .into_iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "no collection {}: there are districts, townships, villages and cells",
                    crate::error::shorten(id)
                ))
            })
    }

    fn description(self) -> &'static str {
        match self.0 {
            Level::District => "Districts, counties and county-level cities (区/县)",
            Level::Township => "Townships, towns and street offices (镇/乡/街道)",
            Level::Village => "Villages and residential communities (村/社区)",
            _ => "Grid cells (网格): the units everything is counted by",
        }
    }
}

/// `GET /ogc`: the landing page.
pub async fn landing(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let format = Format::of(&query, &headers)?;
    let base = base(&state, &headers)?;
    let version = state.versions.head().version();
    let mut links = self_links(&base, "/ogc", "", format, "application/json");
    links.extend([
        link(
            format!("{}/ogc/api", base.url),
            "service-desc",
            OPENAPI_TYPE,
            "the API definition (OpenAPI 3.0)",
        ),
        link(
            format!("{}/docs", base.url),
            "service-doc",
            "text/html",
            "the API documentation",
        ),
        link(
            format!("{}/ogc/conformance", base.url),
            "conformance",
            "application/json",
            "the OGC conformance classes implemented",
        ),
        link(
            format!("{}/ogc/collections", base.url),
            "data",
            "application/json",
            "the collections: districts, townships, villages, cells",
        ),
    ]);
    let body = json!({
        "title": "citygrid",
        "description": "The grid-cell partition of the city and the units above it, always the \
                        version in force (or any earlier one), as OGC API - Features.",
        "links": links,
    });
    Ok(reply(
        format,
        "application/json",
        "citygrid".into(),
        version,
        &uri,
        &base,
    )
    .send(&body, &headers, &[]))
}

/// `GET /ogc/conformance`.
pub async fn conformance(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let format = Format::of(&query, &headers)?;
    let base = base(&state, &headers)?;
    let body = json!({
        "links": self_links(&base, "/ogc/conformance", "", format, "application/json"),
        "conformsTo": CONFORMANCE,
    });
    let version = state.versions.head().version();
    Ok(reply(
        format,
        "application/json",
        "conformance".into(),
        version,
        &uri,
        &base,
    )
    .send(&body, &headers, &[]))
}

/// `GET /ogc/api`: the API definition, OpenAPI 3.0.
pub async fn api() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, OPENAPI_TYPE)], OPENAPI)
}

/// `GET /ogc/collections`.
pub async fn list(
    State(state): State<AppState>,
    AsOf(city): AsOf,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let format = Format::of(&query, &headers)?;
    let base = base(&state, &headers)?;
    let first = first_version_time(&state).await?;
    let collections: Vec<Value> = Collection::ALL
        .into_iter()
        .map(|c| collection_json(&city, c, &base, first.as_deref()))
        .collect();
    let body = json!({
        "links": self_links(&base, "/ogc/collections", "", format, "application/json"),
        "collections": collections,
        "crs": OgcCrs::ALL.map(OgcCrs::uri),
    });
    Ok(reply(
        format,
        "application/json",
        "collections".into(),
        city.version(),
        &uri,
        &base,
    )
    .send(&body, &headers, &[]))
}

/// `GET /ogc/collections/{id}`.
pub async fn one(
    State(state): State<AppState>,
    AsOf(city): AsOf,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let collection = Collection::from_id(&id)?;
    let format = Format::of(&query, &headers)?;
    let base = base(&state, &headers)?;
    let first = first_version_time(&state).await?;
    let mut body = collection_json(&city, collection, &base, first.as_deref());
    let mut links = self_links(
        &base,
        &format!("/ogc/collections/{}", collection.id()),
        "",
        format,
        "application/json",
    );
    links.extend(body["links"].as_array().cloned().unwrap_or_default());
    body["links"] = json!(links);
    Ok(reply(
        format,
        "application/json",
        collection.id().into(),
        city.version(),
        &uri,
        &base,
    )
    .send(&body, &headers, &[]))
}

/// A collection object: id, title, extent, the CRS offered, links to its items.
fn collection_json(city: &City, c: Collection, base: &BaseUrl, first: Option<&str>) -> Value {
    let bbox = city
        .partition
        .level_ids(c.0)
        .filter_map(|id| city.bbox(id))
        .reduce(|a: Rect<f64>, b| {
            Rect::new(
                (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
            )
        });
    let items = format!("{}/ogc/collections/{}/items", base.url, c.id());
    let mut extent = json!({});
    if let Some(b) = bbox {
        extent["spatial"] = json!({
            "bbox": [[b.min().x, b.min().y, b.max().x, b.max().y]],
            "crs": OgcCrs::Crs84.uri(),
        });
    }
    if let Some(t) = first {
        extent["temporal"] = json!({
            "interval": [[t, null]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        });
    }
    json!({
        "id": c.id(),
        "title": c.id(),
        "description": c.description(),
        "itemType": "feature",
        "extent": extent,
        "crs": OgcCrs::ALL.map(OgcCrs::uri),
        "storageCrs": OgcCrs::Crs84.uri(),
        "links": [
            link(format!("{items}?f=json"), "items", "application/geo+json", "the features as GeoJSON"),
            link(format!("{items}?f=html"), "items", "text/html", "the features as HTML"),
        ],
    })
}

/// When version 1 was made, for the collections' temporal extent (none without a
/// store).
async fn first_version_time(state: &AppState) -> Result<Option<String>, ApiError> {
    if state.versions.store().is_none() {
        return Ok(None);
    }
    let first = state.versions.read(|s| s.version(1)).await?;
    Ok(Some(first.created_at.to_string()))
}

/// A [`Reply`] to the request `uri`.
pub fn reply<'a>(
    format: Format,
    json_type: &'static str,
    title: String,
    version: u64,
    uri: &'a Uri,
    base: &'a BaseUrl,
) -> Reply<'a> {
    Reply {
        format,
        json_type,
        title,
        version,
        request: uri.path_and_query().map_or("", |p| p.as_str()),
        base,
    }
}
