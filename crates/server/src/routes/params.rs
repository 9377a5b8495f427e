//! Parameters several handlers read: a coordinate system, a limit, a number, a
//! unit code, an If-None-Match header.

use std::collections::HashMap;

use axum::http::{HeaderMap, header};

use citygrid_crs::{Crs, Transform};
use citygrid_model::UnitCode;

use crate::error::{ApiError, shorten};
use crate::hosts::{BaseUrl, base_url};
use crate::state::AppState;

/// Longest coordinate system name looked at (`urn:ogc:def:crs:EPSG::4545` is 26).
const MAX_CRS_NAME: usize = 64;

/// The coordinate system named by a `crs` parameter (WGS84 when absent).
pub(crate) fn crs_param(value: Option<&str>) -> Result<(Crs, Transform), ApiError> {
    let crs = match value {
        None => Crs::Wgs84,
        Some(text) if text.chars().count() > MAX_CRS_NAME => {
            return Err(ApiError::BadRequest(format!(
                "crs={} is longer than any coordinate system name ({MAX_CRS_NAME} characters)",
                shorten(text)
            )));
        }
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
    whole_number(query, "limit", default, 1..=max)
}

/// A whole-number parameter `name` in `range`, `default` when absent; the message
/// names the range (only its start when it is open-ended).
pub(crate) fn whole_number(
    query: &HashMap<String, String>,
    name: &str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ApiError> {
    let Some(text) = query.get(name) else {
        return Ok(default);
    };
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            let within = match *range.end() {
                usize::MAX => format!("from {}", range.start()),
                end => format!("from {} to {end}", range.start()),
            };
            ApiError::BadRequest(format!(
                "{name}={} must be a whole number {within}",
                shorten(text)
            ))
        })
}

/// Where clients reach this server, for answers with absolute URLs (TileJSON, the
/// style, OGC API links): `public_url`, else an allowed Host (see `crate::hosts`).
///
/// # Errors
/// As [`base_url`].
pub(crate) fn base(state: &AppState, headers: &HeaderMap) -> Result<BaseUrl, ApiError> {
    base_url(
        state.config.public_url.as_deref(),
        &state.config.allowed_hosts,
        headers,
    )
}

/// A required, finite number from a query string.
pub(super) fn number(query: &HashMap<String, String>, name: &str) -> Result<f64, ApiError> {
    let text = query
        .get(name)
        .ok_or_else(|| ApiError::BadRequest(format!("missing query parameter {name}")))?;
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("{name}={} is not a number", shorten(text))))?;
    if !v.is_finite() {
        return Err(ApiError::BadRequest(format!(
            "{name}={} is not a finite number",
            shorten(text)
        )));
    }
    Ok(v)
}

/// A unit code from a path.
pub(super) fn code_param(text: &str) -> Result<UnitCode, ApiError> {
    text.parse()
        .map_err(|e| ApiError::BadRequest(format!("{e}")))
}

/// Whether If-None-Match has `etag`, by weak comparison (RFC 9110 §13.1.2): `W/`
/// is ignored; `*` matches anything.
pub(crate) fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let ours = strip(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || strip(t) == ours)
}
