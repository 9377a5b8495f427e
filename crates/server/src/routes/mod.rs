//! Handlers, one module per resource, and the helpers they share.

pub mod cells; // GET /v1/cells, /v1/cells/{code}
pub mod convert; // GET /v1/convert
pub mod docs; // GET /openapi.json, /docs
pub mod health; // GET /healthz, /readyz, /metrics
pub mod lookup; // GET and POST /v1/lookup
pub mod search; // GET /v1/search
pub mod tiles; // GET /v1/tiles/{z}/{x}/{y}.mvt, /v1/tiles.json, /v1/style.json
pub mod units; // GET /v1/units/{code}
pub mod viewer; // the web viewer at /, /v1/viewer-config.json, /v1/colours

use std::collections::HashMap;

use citygrid_crs::{Crs, Transform};

use crate::error::ApiError;

/// The coordinate system named by a `crs` parameter (WGS84 when absent).
pub(crate) fn crs_param(value: Option<&str>) -> Result<(Crs, Transform), ApiError> {
    let crs = match value {
        None => Crs::Wgs84,
        Some(text) => text
            .parse::<Crs>()
            .map_err(|e| ApiError::BadRequest(format!("crs: {e}")))?,
    };
    let transform = Transform::new(crs).map_err(|e| ApiError::BadRequest(format!("crs: {e}")))?;
    Ok((crs, transform))
}

/// A `limit` parameter: `default` when absent, else a whole number from 1 to `max`.
pub(crate) fn limit_param(
    query: &HashMap<String, String>,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match query.get("limit") {
        None => Ok(default),
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|&n| (1..=max).contains(&n))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "limit={t:?} must be a whole number from 1 to {max}"
                ))
            }),
    }
}

/// A required, finite number from a query string.
pub(crate) fn number(query: &HashMap<String, String>, name: &str) -> Result<f64, ApiError> {
    let text = query
        .get(name)
        .ok_or_else(|| ApiError::BadRequest(format!("missing query parameter {name}")))?;
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("{name}={text:?} is not a number")))?;
    if !v.is_finite() {
        return Err(ApiError::BadRequest(format!(
            "{name}={text:?} is not a finite number"
        )));
    }
    Ok(v)
}
