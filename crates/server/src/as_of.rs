//! Which version an answer is of. Handlers take the snapshot they answer from
//! through an extractor, once: [`AsOf`] (the `version=N` or `at=TIME` a request
//! asks for, the head by default), [`Head`] or [`HeadMap`]. Each extractor notes
//! the version it took, and [`stamp`] names it in the `X-Citygrid-Version` header
//! of the response (any response a handler did not stamp itself gets the head's).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use jiff::Timestamp;

use crate::city::City;
use crate::city_stats::CityStats;
use crate::error::ApiError;
use crate::snapshot::{MapData, Snapshot};
use crate::state::AppState;

/// The header naming the version of every answer.
pub const VERSION_HEADER: HeaderName = HeaderName::from_static("x-citygrid-version");

/// Where a request's extractor notes the version it answers from.
#[derive(Clone, Default)]
struct Noted(Arc<AtomicU64>);

fn note(parts: &Parts, version: u64) {
    if let Some(noted) = parts.extensions.get::<Noted>() {
        noted.0.store(version, Ordering::Relaxed);
    }
}

/// Puts `X-Citygrid-Version` on every response: the version its handler noted, or
/// the head's.
pub async fn stamp(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let noted = Noted::default();
    request.extensions_mut().insert(noted.clone());
    let mut response = next.run(request).await;
    if !response.headers().contains_key(&VERSION_HEADER) {
        let version = match noted.0.load(Ordering::Relaxed) {
            0 => state.versions.head().version(),
            v => v,
        };
        response
            .headers_mut()
            .insert(VERSION_HEADER, HeaderValue::from(version));
    }
    response
}

/// The city of the version a request asks for: `version=N`, or `at=TIME` (RFC 3339,
/// the version in force then), or the head when it asks for neither.
pub struct AsOf(pub Arc<City>);

/// Which version a request's query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// Neither `version` nor `at`.
    Head,
    /// `version=N`.
    Version(u64),
    /// `at=TIME`.
    At(Timestamp),
}

/// A version number a request names (`name` says where: a parameter or the
/// path).
///
/// # Errors
/// [`ApiError::BadRequest`] naming the value when it is not a whole number from 1.
pub fn version_number(name: &str, text: &str) -> Result<u64, ApiError> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| {
            ApiError::BadRequest(format!("{name}={text:?} must be a whole number from 1"))
        })
}

impl Asked {
    /// Reads `version` and `at` from a query.
    ///
    /// # Errors
    /// [`ApiError::BadRequest`] naming the value: a version that is not a whole
    /// number from 1, a time that is not RFC 3339, or both given.
    pub fn from_query(query: &HashMap<String, String>) -> Result<Asked, ApiError> {
        match (query.get("version"), query.get("at")) {
            (Some(v), Some(t)) => Err(ApiError::BadRequest(format!(
                "version={v:?} and at={t:?}: ask for a version or a time, not both"
            ))),
            (Some(v), None) => version_number("version", v).map(Asked::Version),
            // A `+` of an offset arrives as a space unless it was sent as %2B.
            (None, Some(t)) => t
                .trim()
                .replace(' ', "+")
                .parse()
                .map(Asked::At)
                .map_err(|_| {
                    ApiError::BadRequest(format!(
                        "at={t:?} is not an RFC 3339 time such as 2026-03-01T08:30:00Z or \
                     2026-03-01T16:30:00%2B08:00"
                    ))
                }),
            (None, None) => Ok(Asked::Head),
        }
    }
}

impl FromRequestParts<AppState> for AsOf {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Query(query) = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        let versions = &state.versions;
        let city = match Asked::from_query(&query)? {
            Asked::Head => Arc::clone(&versions.head().city),
            Asked::Version(v) => versions.city(v).await?,
            Asked::At(t) => versions.city(versions.version_at(t).await?).await?,
        };
        note(parts, city.version());
        Ok(AsOf(city))
    }
}

/// The city and the statistics of the version a request asks for (as [`AsOf`]),
/// both of that version: for the head, from one snapshot.
pub struct AsOfStats(pub Arc<City>, pub Arc<CityStats>);

impl FromRequestParts<AppState> for AsOfStats {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Query(query) = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        let versions = &state.versions;
        let version = match Asked::from_query(&query)? {
            Asked::Head => None,
            Asked::Version(v) => Some(v),
            Asked::At(t) => Some(versions.version_at(t).await?),
        };
        let (city, stats) = match version {
            None => {
                let head = versions.head();
                (Arc::clone(&head.city), Arc::clone(&head.stats))
            }
            Some(version) => {
                let city = versions.city(version).await?;
                let stats = versions.stats(Arc::clone(&city)).await?;
                (city, stats)
            }
        };
        note(parts, city.version());
        Ok(AsOfStats(city, stats))
    }
}

/// The head snapshot, for answers only the head gives.
pub struct Head(pub Arc<Snapshot>);

impl FromRequestParts<AppState> for Head {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let head = state.versions.head();
        note(parts, head.version());
        Ok(Head(head))
    }
}

/// The head's map: tiles, TileJSON, the viewer's colours. Its version may be the
/// one before the head's city for a moment after a commit (see [`Snapshot`]).
pub struct HeadMap(pub Arc<MapData>);

impl FromRequestParts<AppState> for HeadMap {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let map = Arc::clone(&state.versions.head().map);
        note(parts, map.version());
        Ok(HeadMap(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(pairs: &[(&str, &str)]) -> Result<Asked, ApiError> {
        let query = pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        Asked::from_query(&query)
    }

    #[test]
    fn versions_and_times_parse_or_name_the_value() {
        assert_eq!(asked(&[]).unwrap(), Asked::Head);
        assert_eq!(asked(&[("version", "3")]).unwrap(), Asked::Version(3));
        let at = asked(&[("at", "2026-03-01T16:30:00 08:00")]).unwrap();
        assert_eq!(
            at,
            Asked::At("2026-03-01T08:30:00Z".parse().unwrap()),
            "a + decoded as a space"
        );
        for (pairs, named) in [
            (&[("version", "0")][..], "version=\"0\""),
            (&[("version", "x")][..], "version=\"x\""),
            (&[("at", "yesterday")][..], "at=\"yesterday\""),
            (
                &[("version", "2"), ("at", "2026-03-01T00:00:00Z")][..],
                "not both",
            ),
        ] {
            let message = asked(pairs).unwrap_err().to_string();
            assert!(message.contains(named), "{message}");
        }
    }
}
