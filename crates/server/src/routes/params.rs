//! Parameters several handlers read: a coordinate system, a limit, a number, a
//! unit code.

use std::collections::HashMap;

use citygrid_crs::{Crs, Transform};
use citygrid_model::UnitCode;

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
pub(super) fn limit_param(
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
pub(super) fn number(query: &HashMap<String, String>, name: &str) -> Result<f64, ApiError> {
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

/// A unit code from a path.
pub(super) fn code_param(text: &str) -> Result<UnitCode, ApiError> {
    text.parse()
        .map_err(|e| ApiError::BadRequest(format!("{e}")))
}
