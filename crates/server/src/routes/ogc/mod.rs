//! OGC API - Features, Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) and Part 2 (CRS by
//! reference), under `/ogc`: QGIS, GDAL, ArcGIS Pro and any OGC client read the
//! districts, townships, villages and cells of the version in force, or of any
//! earlier time, with no export step. See docs/ogc.md.

mod collections; // landing, conformance, the API definition, the collections
mod crs; // the four CRS by reference and their axis orders
pub(crate) mod format; // JSON or HTML, links, ETags
mod items; // the features of a collection, one feature
mod write; // Part 4: create, replace, update, delete as edits

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// The `/ogc` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(collections::landing))
        .route("/ogc/", get(collections::landing))
        .route("/ogc/conformance", get(collections::conformance))
        .route("/ogc/api", get(collections::api))
        .route("/ogc/collections", get(collections::list))
        .route("/ogc/collections/{id}", get(collections::one))
        .route(
            "/ogc/collections/{id}/items",
            get(items::items).post(write::create),
        )
        .route(
            "/ogc/collections/{id}/items/{feature}",
            get(items::item)
                .put(write::replace)
                .patch(write::update)
                .delete(write::delete),
        )
}
